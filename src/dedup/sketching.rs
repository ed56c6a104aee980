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
            doc_items: Vec::new(),
            docs: self.columns(Level::Document),
            passage_ids: Vec::new(),
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
            for (i, mut part) in (chunk_start..chunk_end).zip(parts) {
                let doc = DocId::new(i as u32);
                out.doc_len.push(part.len);
                out.spans.append(&mut part.spans);
                out.passage_start.push(out.spans.len());
                if part.doc.len() == 1 {
                    out.doc_items.push(i as u32);
                }
                out.docs.append(&mut part.doc);
                out.passage_ids
                    .extend(part.passage_index.iter().map(|&p| PassageId::new(doc, p)));
                out.passages.append(&mut part.passages);
                out.noise.add(&part.noise);
            }
            to_u32(out.spans.len(), "passages")?;
        }
        out.spans.shrink_to_fit();
        out.doc_items.shrink_to_fit();
        out.passage_ids.shrink_to_fit();
        out.docs.shrink_to_fit();
        out.passages.shrink_to_fit();
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
pub(super) struct SketchedCorpus {
    /// Length in bytes of each document.
    pub(super) doc_len: Vec<usize>,
    /// The passages of document `d` are `spans[passage_start[d]..passage_start[d + 1]]`.
    pub(super) passage_start: Vec<usize>,
    /// Byte spans of every passage, document by document.
    pub(super) spans: Vec<Range<usize>>,
    /// The documents with a non-empty shingle set: the document items.
    pub(super) doc_items: Vec<u32>,
    /// Sketches of the document items.
    pub(super) docs: SketchColumns,
    /// The passages compared: the passage items.
    pub(super) passage_ids: Vec<PassageId>,
    /// Sketches of the passage items.
    pub(super) passages: SketchColumns,
    /// Signs of OCR noise, summed over the documents whose text was read.
    pub(super) noise: TextNoise,
}

impl SketchedCorpus {
    pub(super) fn heap_bytes(&self) -> usize {
        self.doc_len.capacity() * 8
            + self.passage_start.capacity() * 8
            + self.spans.capacity() * std::mem::size_of::<Range<usize>>()
            + self.doc_items.capacity() * 4
            + self.passage_ids.capacity() * std::mem::size_of::<PassageId>()
            + self.docs.heap_bytes()
            + self.passages.heap_bytes()
    }

    pub(super) fn span(&self, id: PassageId) -> Range<usize> {
        self.spans[self.passage_start[id.doc.as_usize()] + id.index as usize].clone()
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
