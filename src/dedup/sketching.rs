//! Stages 1–4 of a run: every document analyzed and sketched, in parallel
//! chunks, keeping only what later stages need.

use std::ops::Range;

use rayon::prelude::*;

use super::Deduplicator;
use crate::analyze::Scratch;
use crate::corpus::{DocId, PassageId, to_u32};
use crate::error::Result;
use crate::noise::TextNoise;
use crate::sketch::{Level, SketchColumns};

impl Deduplicator {
    /// Stages 1–4 over the corpus, in parallel chunks: `sketch(i, scratch,
    /// signature buffer)` analyzes and sketches document `i`, and only its
    /// [`DocSketch`] is kept.
    pub(super) fn sketch_corpus<F>(&self, n: usize, sketch: F) -> Result<SketchedCorpus>
    where
        F: Fn(usize, &mut Scratch, &mut Vec<u32>) -> DocSketch + Sync,
    {
        const CHUNK: usize = 4096;
        let mut out = SketchedCorpus {
            doc_len: Vec::with_capacity(n),
            passage_start: Vec::with_capacity(n + 1),
            spans: Vec::new(),
            wide_spans: Vec::new(),
            doc_items: Vec::new(),
            docs: self.columns(Level::Document),
            passage_items: Vec::new(),
            passages: self.columns(Level::Passage),
            noise: TextNoise::default(),
        };
        out.passage_start.push(0);
        for chunk_start in (0..n).step_by(CHUNK) {
            let chunk_end = (chunk_start + CHUNK).min(n);
            let parts: Vec<DocSketch> = (chunk_start..chunk_end)
                .into_par_iter()
                .map_init(
                    || (Scratch::default(), Vec::new()),
                    |(scratch, sig), i| sketch(i, scratch, sig),
                )
                .collect();
            // Passage numbers are u32, below u32::MAX.
            let passages_here: usize = parts.iter().map(|p| p.spans.len()).sum();
            to_u32(out.spans.len() + passages_here, "passages")?;
            let mut next = out.spans.len() as u32;
            for (i, mut part) in (chunk_start..chunk_end).zip(parts) {
                out.doc_len.push(part.len);
                out.passage_items
                    .extend(part.passage_index.iter().map(|&p| next + p));
                for span in part.spans.drain(..) {
                    out.push_span(span);
                }
                next = out.spans.len() as u32;
                out.passage_start.push(next);
                if part.doc.len() == 1 {
                    out.doc_items.push(i as u32);
                }
                out.docs.append(&mut part.doc)?;
                out.passages.append(&mut part.passages)?;
                out.noise.add(&part.noise);
            }
        }
        out.spans.shrink_to_fit();
        out.doc_items.shrink_to_fit();
        out.passage_items.shrink_to_fit();
        out.docs.seal()?;
        out.passages.seal()?;
        Ok(out)
    }

    /// Stage 4 for one document: the sketches of the document (if its set is
    /// not empty) and of its passages that are compared.
    pub(super) fn sketch_document<'x>(
        &self,
        len: usize,
        passages: impl Iterator<Item = (Range<usize>, usize, &'x [u64])>,
        doc_set: &[u64],
        sig: &mut Vec<u32>,
    ) -> DocSketch {
        let sketcher = &self.sketcher;
        let passages_on = self.config.get_passages();
        let mut part = DocSketch {
            len,
            spans: Vec::new(),
            doc: self.columns(Level::Document),
            passage_index: Vec::new(),
            passages: self.columns(Level::Passage),
            noise: TextNoise::default(),
        };
        let expected = passages.size_hint().0;
        part.spans.reserve(expected);
        if passages_on {
            part.passage_index.reserve(expected);
            part.passages.reserve(expected);
        }
        if sketcher.compares_document(doc_set.len()) {
            part.doc.reserve(1);
            part.doc.push(doc_set, sketcher, sig);
        }
        for (p, (span, tokens, set)) in passages.enumerate() {
            part.spans.push(span);
            if sketcher.compares_passage(tokens, set.len()) {
                part.passage_index.push(p as u32);
                part.passages.push(set, sketcher, sig);
            }
        }
        part
    }
}

/// What a run keeps of the corpus after stage 4: lengths, passage spans and
/// sketches, no text and no shingle sets.
///
/// Per passage, 8 bytes of span; per compared passage, 4 bytes of passage
/// number (its document and index are found from `passage_start`) besides
/// its sketch.
pub(super) struct SketchedCorpus {
    /// Length in bytes of each document.
    pub(super) doc_len: Vec<usize>,
    /// The passages of document `d` are numbered
    /// `passage_start[d]..passage_start[d + 1]`.
    pub(super) passage_start: Vec<u32>,
    /// Byte span of every passage (start, end), document by document; a span
    /// past `u32::MAX` is `WIDE` here and kept in `wide_spans`.
    spans: Vec<[u32; 2]>,
    /// The spans that do not fit in 32 bits, by passage number, ascending.
    wide_spans: Vec<(u32, Range<usize>)>,
    /// The documents with a non-empty shingle set: the document items.
    pub(super) doc_items: Vec<u32>,
    /// Sketches of the document items.
    pub(super) docs: SketchColumns,
    /// The passage number of each passage item (compared passage).
    pub(super) passage_items: Vec<u32>,
    /// Sketches of the passage items.
    pub(super) passages: SketchColumns,
    /// Signs of OCR noise, summed over the documents whose text was read.
    pub(super) noise: TextNoise,
}

/// The mark of a span kept in `wide_spans`.
const WIDE: [u32; 2] = [u32::MAX, u32::MAX];

impl SketchedCorpus {
    pub(super) fn heap_bytes(&self) -> usize {
        self.doc_len.capacity() * 8
            + self.passage_start.capacity() * 4
            + self.spans.capacity() * 8
            + self.wide_spans.capacity() * std::mem::size_of::<(u32, Range<usize>)>()
            + self.doc_items.capacity() * 4
            + self.passage_items.capacity() * 4
            + self.docs.heap_bytes()
            + self.passages.heap_bytes()
    }

    /// Bytes of band keys written to temporary files.
    pub(super) fn spilled_bytes(&self) -> u64 {
        self.docs.spilled_bytes() + self.passages.spilled_bytes()
    }

    fn push_span(&mut self, span: Range<usize>) {
        match (u32::try_from(span.start), u32::try_from(span.end)) {
            (Ok(start), Ok(end)) if [start, end] != WIDE => self.spans.push([start, end]),
            _ => {
                self.wide_spans.push((self.spans.len() as u32, span));
                self.spans.push(WIDE);
            }
        }
    }

    /// The number of passages in the corpus.
    pub(super) fn num_passages(&self) -> usize {
        self.spans.len()
    }

    /// The span of passage number `p`.
    pub(super) fn span_at(&self, p: u32) -> Range<usize> {
        match self.spans[p as usize] {
            WIDE => {
                let i = self
                    .wide_spans
                    .binary_search_by_key(&p, |w| w.0)
                    .expect("a wide span is listed");
                self.wide_spans[i].1.clone()
            }
            [start, end] => start as usize..end as usize,
        }
    }

    /// The span of passage `id`.
    pub(super) fn span(&self, id: PassageId) -> Range<usize> {
        self.span_at(self.passage_start[id.doc.as_usize()] + id.index)
    }

    /// The spans of document `d`'s passages.
    pub(super) fn spans_of(&self, d: usize) -> Vec<Range<usize>> {
        (self.passage_start[d]..self.passage_start[d + 1])
            .map(|p| self.span_at(p))
            .collect()
    }

    /// The passage numbers of document `d`.
    pub(super) fn passages_of(&self, d: usize) -> Range<usize> {
        self.passage_start[d] as usize..self.passage_start[d + 1] as usize
    }

    /// The id of passage item `item`.
    pub(super) fn passage_id(&self, item: u32) -> PassageId {
        let p = self.passage_items[item as usize];
        // The last document starting at or before `p` (documents without
        // passages start where the next one does).
        let d = self.passage_start.partition_point(|&s| s <= p) - 1;
        PassageId::new(DocId::new(d as u32), p - self.passage_start[d])
    }

    /// The ids of all passage items, in item order.
    pub(super) fn passage_ids(&self) -> impl Iterator<Item = PassageId> + '_ {
        let mut d = 0usize;
        self.passage_items.iter().map(move |&p| {
            while self.passage_start[d + 1] <= p {
                d += 1;
            }
            PassageId::new(DocId::new(d as u32), p - self.passage_start[d])
        })
    }
}

/// One document's contribution to a [`SketchedCorpus`].
pub(super) struct DocSketch {
    pub(super) len: usize,
    pub(super) spans: Vec<Range<usize>>,
    /// Zero or one item.
    pub(super) doc: SketchColumns,
    /// Indices of the passages sketched in `passages`.
    pub(super) passage_index: Vec<u32>,
    pub(super) passages: SketchColumns,
    /// Signs of OCR noise in the document's text (none without text).
    pub(super) noise: TextNoise,
}
