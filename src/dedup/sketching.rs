//! Stages 1–4 of a run: every document analyzed and sketched, in parallel
//! chunks, keeping only what later stages need.

use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use super::Deduplicator;
use crate::analyze::{Analyzer, Scratch};
use crate::corpus::{DocId, PassageId, to_u32};
use crate::error::Result;
use crate::noise::TextNoise;
use crate::shingle::{ShingleSet, set_fingerprint128};
use crate::sketch::{Level, SketchColumns, Sketcher};

impl Deduplicator {
    /// Stages 1–4 over the corpus, in parallel chunks: `sketch(i, scratch,
    /// signature buffers, keep, batch)` analyzes and sketches document `i`
    /// into `batch` ([`DocBatch`]: the sketches of a few consecutive
    /// documents, so that a document costs no allocation of its own), and
    /// only the batches are kept. With `keep`, a document may carry what
    /// verification needs of it (`BatchDoc::kept`), which is kept for the
    /// documents in input order while its bytes fit in
    /// [`Config::kept_set_bytes`](crate::Config::kept_set_bytes), so what is
    /// kept does not depend on the thread count.
    pub(super) fn sketch_corpus<F>(&self, n: usize, sketch: F) -> Result<SketchedCorpus>
    where
        F: Fn(usize, &mut Scratch, &mut SlotBuffers, bool, &mut DocBatch) + Sync,
    {
        const CHUNK: usize = 4096;
        /// Documents per batch: enough to spread a batch's few allocations
        /// and appends thin, few enough for every thread to get batches.
        const BATCH: usize = 32;
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
            kept: Vec::new(),
        };
        out.passage_start.push(0);
        let budget = self.config.get_kept_set_bytes();
        let mut kept_bytes = 0usize;
        let mut keeping = budget > 0;
        // Workers' buffers, lent to each piece of a chunk that rayon runs
        // and given back when it ends: reused from piece to piece and
        // chunk to chunk (with the recent signatures in them), as many as
        // pieces run at one time, and dropped with the run.
        let spare: Mutex<Vec<WorkerBuffers>> = Mutex::new(Vec::new());
        for chunk_start in (0..n).step_by(CHUNK) {
            let chunk_end = (chunk_start + CHUNK).min(n);
            let batches: Vec<DocBatch> = (chunk_start..chunk_end)
                .into_par_iter()
                .step_by(BATCH)
                .map_init(
                    || Lent::take(&spare),
                    |lent, start| {
                        let (scratch, slots) = lent.buffers();
                        let end = (start + BATCH).min(chunk_end);
                        let mut batch = self.doc_batch(end - start);
                        for i in start..end {
                            sketch(i, scratch, slots, keeping, &mut batch);
                        }
                        batch
                    },
                )
                .collect();
            // Passage numbers are u32, below u32::MAX.
            let passages_here: usize = batches.iter().map(|b| b.spans.len()).sum();
            to_u32(out.spans.len() + passages_here, "passages")?;
            let mut i = chunk_start;
            for mut batch in batches {
                let mut spans = batch.spans.drain(..);
                let mut compared = batch.passage_index.iter();
                for doc in &mut batch.docs {
                    let next = out.spans.len() as u32;
                    out.doc_len.push(doc.len);
                    out.passage_items.extend(
                        compared
                            .by_ref()
                            .take(doc.compared as usize)
                            .map(|&p| next + p),
                    );
                    for span in spans.by_ref().take(doc.spans as usize) {
                        out.push_span(span);
                    }
                    out.passage_start.push(out.spans.len() as u32);
                    if doc.item {
                        out.doc_items.push(i as u32);
                        // Kept while every document item before it was kept
                        // and the bytes fit.
                        match doc.kept.take() {
                            Some(kept) if keeping => {
                                let bytes = kept.bytes();
                                if kept_bytes.saturating_add(bytes) <= budget {
                                    kept_bytes += bytes;
                                    out.kept.push(kept);
                                } else {
                                    keeping = false;
                                }
                            }
                            _ => keeping = false,
                        }
                    }
                    i += 1;
                }
                debug_assert!(spans.next().is_none() && compared.next().is_none());
                drop(spans);
                out.docs.append(&mut batch.doc)?;
                out.passages.append(&mut batch.passages)?;
                out.noise.add(&batch.noise);
            }
            debug_assert_eq!(i, chunk_end);
        }
        out.spans.shrink_to_fit();
        out.doc_items.shrink_to_fit();
        out.passage_items.shrink_to_fit();
        out.docs.seal()?;
        out.passages.seal()?;
        out.kept.shrink_to_fit();
        Ok(out)
    }

    /// An empty batch with room for `docs` documents.
    pub(super) fn doc_batch(&self, docs: usize) -> DocBatch {
        let mut batch = DocBatch {
            docs: Vec::with_capacity(docs),
            spans: Vec::new(),
            passage_index: Vec::new(),
            doc: self.columns(Level::Document),
            passages: self.columns(Level::Passage),
            noise: TextNoise::default(),
        };
        batch.doc.reserve(docs);
        batch
    }

    /// [`sketch_document`](Self::sketch_document) of the document of
    /// `len` bytes that [`Analyzer::analyze_into`] left in `scratch`.
    pub(super) fn sketch_scratch(
        &self,
        len: usize,
        scratch: &Scratch,
        slots: &mut SlotBuffers,
        batch: &mut DocBatch,
    ) -> bool {
        self.sketch_document(
            len,
            scratch.passages.iter().map(|p| {
                (
                    p.span.clone(),
                    p.tokens,
                    &scratch.passage_sets[p.set.clone()],
                )
            }),
            &scratch.doc_set,
            &scratch.cross,
            slots,
            batch,
        )
    }

    /// Stage 4 for one document: appends to `batch` the sketches of the
    /// document (if its set is not empty) and of its passages that are
    /// compared; returns whether the document is an item.
    ///
    /// `passages` gives each passage's span, tokens and set; `doc_set` is
    /// the document's set and `cross` its shingles that are in no passage of
    /// at least one shingle's length of tokens (`Scratch::cross`), so that
    /// `doc_set` is `cross` plus the sets of those passages. When passages
    /// are compared, the document's signature is built from theirs: the
    /// slot-wise minimum of the signatures of its compared passages, with
    /// the other passages' sets and `cross` folded in, so each shingle goes
    /// through the MinHash kernel once. It equals the signature of
    /// `doc_set` (the minimum over a union is the minimum of the minima).
    pub(super) fn sketch_document<'x>(
        &self,
        len: usize,
        passages: impl Iterator<Item = (Range<usize>, usize, &'x [u64])>,
        doc_set: &[u64],
        cross: &[u64],
        slots: &mut SlotBuffers,
        batch: &mut DocBatch,
    ) -> bool {
        let sketcher = &self.sketcher;
        let hasher = sketcher.hasher();
        let passages_on = self.config.get_passages();
        let shingle_size = self.analyzer.shingler().shingling().size();
        let spans_before = batch.spans.len();
        let compared_before = batch.passage_index.len();
        let expected = passages.size_hint().0;
        batch.spans.reserve(expected);
        if passages_on {
            batch.passage_index.reserve(expected);
            batch.passages.reserve(expected);
        }
        let compares_document = sketcher.compares_document(doc_set.len());
        // Without passages there are no passage signatures to reuse.
        let from_passages = compares_document && passages_on;
        let SlotBuffers {
            item,
            document,
            recent,
        } = slots;
        if from_passages {
            document.clear();
            document.resize(hasher.num_perm(), u32::MAX);
        }
        for (p, (span, tokens, set)) in passages.enumerate() {
            batch.spans.push(span);
            let compared = sketcher.compares_passage(tokens, set.len());
            if compared {
                batch.passage_index.push(p as u32);
                // Leaves the passage's signature in `item`.
                let fingerprint = set_fingerprint128(set);
                recent.signature_into(fingerprint, set, sketcher, item);
                batch
                    .passages
                    .push_fingerprinted(set.len(), fingerprint, item, sketcher);
            }
            if from_passages && tokens >= shingle_size {
                if compared {
                    hasher.merge(document, item);
                } else {
                    hasher.update(document, set.iter().copied());
                }
            }
        }
        if compares_document {
            batch.doc.reserve(1);
            if from_passages {
                hasher.update(document, cross.iter().copied());
                batch.doc.push_signed(doc_set, document, sketcher);
            } else {
                batch.doc.push(doc_set, sketcher, item);
            }
        }
        batch.docs.push(BatchDoc {
            len,
            spans: (batch.spans.len() - spans_before) as u32,
            compared: (batch.passage_index.len() - compared_before) as u32,
            item: compares_document,
            kept: None,
        });
        compares_document
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
    /// What verification needs of the first document items, kept from the
    /// first analysis (`run` and `run_fetched`, within
    /// `Config::kept_set_bytes`): document item `i` has it here when
    /// `i < kept.len()`.
    pub(super) kept: Vec<KeptDocument>,
}

/// What verification needs of one document, kept from its first analysis
/// so that it is not analyzed again: its set, and its tokens and the
/// passages' ranges in them for the set of its content.
pub(super) struct KeptDocument {
    /// The document's set.
    pub(super) set: ShingleSet,
    tokens: Box<[u64]>,
    /// Each passage's range in `tokens`.
    ranges: Box<[[u32; 2]]>,
}

impl KeptDocument {
    /// What to keep of the document last analyzed into `s`, or `None` if
    /// its token positions do not fit in 32 bits.
    pub(super) fn of(s: &Scratch) -> Option<Self> {
        u32::try_from(s.doc_tokens.len()).ok()?;
        Some(KeptDocument {
            set: ShingleSet::from_sorted(s.doc_set.clone()),
            tokens: s.doc_tokens.as_slice().into(),
            ranges: s
                .passages
                .iter()
                .map(|p| [p.token_range.start as u32, p.token_range.end as u32])
                .collect(),
        })
    }

    /// The bytes it counts against the budget.
    fn bytes(&self) -> usize {
        std::mem::size_of::<Self>() + 8 * (self.set.len() + self.tokens.len() + self.ranges.len())
    }

    /// The set of the document's passages `keep(p)` accepts, as
    /// `Analyzer::content_set_of` gives it from the analysis.
    pub(super) fn content_set(
        &self,
        analyzer: &Analyzer,
        keep: impl Fn(usize) -> bool,
    ) -> ShingleSet {
        analyzer.content_set(
            &self.tokens,
            self.ranges.iter().map(|r| r[0] as usize..r[1] as usize),
            keep,
        )
    }
}

/// The mark of a span kept in `wide_spans`.
const WIDE: [u32; 2] = [u32::MAX, u32::MAX];

impl SketchedCorpus {
    /// What was kept of document item `item`, if anything.
    pub(super) fn kept(&self, item: u32) -> Option<&KeptDocument> {
        self.kept.get(item as usize)
    }

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

/// The reusable buffers of one worker of [`Deduplicator::sketch_corpus`].
type WorkerBuffers = (Scratch, SlotBuffers);

/// A worker's buffers taken from a pool of spare ones (or made), put back
/// when dropped.
struct Lent<'p> {
    pool: &'p Mutex<Vec<WorkerBuffers>>,
    buffers: Option<WorkerBuffers>,
}

impl<'p> Lent<'p> {
    fn take(pool: &'p Mutex<Vec<WorkerBuffers>>) -> Self {
        let buffers = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        Lent {
            pool,
            buffers: Some(buffers.unwrap_or_default()),
        }
    }

    fn buffers(&mut self) -> (&mut Scratch, &mut SlotBuffers) {
        let (scratch, slots) = self.buffers.as_mut().expect("held until dropped");
        (scratch, slots)
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(mut buffers) = self.buffers.take() {
            // Not kept for the rest of the run: a huge document's buffers.
            buffers.0.release_if_huge();
            self.pool
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(buffers);
        }
    }
}

/// Reusable signature buffers of one worker.
#[derive(Debug, Default)]
pub(super) struct SlotBuffers {
    /// The signature of the last item sketched.
    item: Vec<u32>,
    /// The document's signature being built from its passages'.
    document: Vec<u32>,
    /// The signatures of the passages this worker sketched last.
    recent: RecentSignatures,
}

/// The signatures of the last passages a worker sketched, by the
/// fingerprint of their sets, so that a passage repeated within a few
/// hundred documents (a page body scraped twice, wire copy, boilerplate)
/// has its signature copied instead of computed again: the MinHash kernel
/// is the largest part of a run. On the generated corpus of
/// docs/BENCHMARKS.md one passage set in five is one seen before, and
/// 12% of passages are taken from here; on page-shaped articles, two in
/// three and 38%.
///
/// Direct-mapped on the fingerprint's low bits, about
/// [`RecentSignatures::BYTES`] of signatures (4,096 entries at 128 slots)
/// plus 32 bytes of tag per entry. A hit needs the same 128-bit
/// fingerprint and the same size: the fingerprint by which matching
/// already takes two sets as identical (`matching::group_identical`), so
/// the signature is the one the set would get, and the result does not
/// depend on which passages a worker saw before (barring two different
/// sets of one size with one 128-bit fingerprint, which matching would
/// merge anyway).
#[derive(Debug, Default)]
struct RecentSignatures {
    /// Per entry, the fingerprint and size of the set whose signature it
    /// holds; size 0 for none (an empty set is never compared).
    tags: Vec<(u128, u64)>,
    /// `tags.len()` signatures of `num_perm` slots, one after another.
    signatures: Vec<u32>,
    num_perm: usize,
}

impl RecentSignatures {
    /// Bytes of signatures held: 4,096 entries of 128 slots (64 of 8,192).
    const BYTES: usize = 2 << 20;

    /// Leaves the signature of `set`, whose fingerprint is `fingerprint`,
    /// in `slots`: copied from an entry, or computed and entered.
    fn signature_into(
        &mut self,
        fingerprint: u128,
        set: &[u64],
        sketcher: &Sketcher,
        slots: &mut Vec<u32>,
    ) {
        let num_perm = sketcher.hasher().num_perm();
        if self.num_perm != num_perm {
            self.reset(num_perm, Self::BYTES);
        }
        // `tags.len()` is a power of two.
        let entry = fingerprint as usize & (self.tags.len() - 1);
        let held = &mut self.signatures[entry * num_perm..(entry + 1) * num_perm];
        let tag = (fingerprint, set.len() as u64);
        if !set.is_empty() && self.tags[entry] == tag {
            slots.clear();
            slots.extend_from_slice(held);
        } else {
            sketcher.signature_into(set, slots);
            held.copy_from_slice(slots);
            self.tags[entry] = tag;
        }
    }

    /// Empty, with entries of `num_perm` slots in about `bytes` (at least
    /// one entry).
    fn reset(&mut self, num_perm: usize, bytes: usize) {
        let fit = (bytes / (4 * num_perm)).max(1);
        // The largest power of two that fits.
        let entries = 1usize << fit.ilog2();
        self.tags = vec![(0, 0); entries];
        self.signatures = vec![0; entries * num_perm];
        self.num_perm = num_perm;
    }
}

/// The contribution of a few consecutive documents to a
/// [`SketchedCorpus`], document by document: each document's passages'
/// spans and compared passages follow the previous document's.
pub(super) struct DocBatch {
    pub(super) docs: Vec<BatchDoc>,
    pub(super) spans: Vec<Range<usize>>,
    /// Indices, within their document, of the passages sketched in
    /// `passages`.
    pub(super) passage_index: Vec<u32>,
    /// One item per document item.
    pub(super) doc: SketchColumns,
    pub(super) passages: SketchColumns,
    /// Signs of OCR noise in the documents' texts (none without text).
    pub(super) noise: TextNoise,
}

/// One document of a [`DocBatch`].
pub(super) struct BatchDoc {
    pub(super) len: usize,
    /// Its passages (spans) in the batch.
    spans: u32,
    /// Its compared passages in the batch.
    compared: u32,
    /// Whether it is a document item (one item in `DocBatch::doc`).
    item: bool,
    /// What verification needs of the document, kept (only when asked to
    /// keep and the document is an item).
    pub(super) kept: Option<KeptDocument>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::shingle::Shingling;
    use crate::verify::Verification;
    use proptest::prelude::*;

    /// The oracle: every item sketched from its own set with
    /// [`Sketcher::sketch`], as before signatures were built from passages.
    fn assert_sketches_equal_direct(config: &Config, text: &str) -> Result<(), TestCaseError> {
        let dedup = Deduplicator::new(config.clone()).expect("valid config");
        let sketcher = dedup.sketcher();
        let mut scratch = Scratch::default();
        dedup.analyzer().analyze_into(text, &mut scratch);
        let doc = dedup.analyzer().analyze(text);
        // Both entry points: the scratch of `run` and the analysis of
        // `run_analyzed`.
        let mut slots = SlotBuffers::default();
        let mut from_scratch = dedup.doc_batch(1);
        dedup.sketch_scratch(text.len(), &scratch, &mut slots, &mut from_scratch);
        let mut from_analysis = dedup.doc_batch(1);
        dedup.sketch_document(
            doc.len(),
            doc.passages()
                .iter()
                .map(|p| (p.span(), p.tokens(), p.shingles().as_slice())),
            doc.shingles().as_slice(),
            doc.cross_shingles(),
            &mut slots,
            &mut from_analysis,
        );
        prop_assert_eq!(scratch.doc_set.as_slice(), doc.shingles().as_slice());
        for part in [&from_scratch, &from_analysis] {
            let compared = sketcher.compares_document(doc.shingles().len());
            prop_assert_eq!(part.doc.len(), usize::from(compared));
            if compared {
                let want = sketcher.sketch(Level::Document, doc.shingles());
                prop_assert_eq!(part.doc.signature(0), want.signature().as_slice());
                prop_assert!(part.doc.keys(0).iter().copied().eq(want.short_band_keys()));
                prop_assert_eq!(part.doc.fingerprints()[0], want.fingerprint());
                prop_assert_eq!(part.doc.size(0), want.size());
            }
            let items: Vec<usize> = sketcher.compared_passages(&doc).map(|(i, _)| i).collect();
            prop_assert_eq!(
                part.passage_index
                    .iter()
                    .map(|&i| i as usize)
                    .collect::<Vec<_>>(),
                items.clone()
            );
            for (item, &p) in items.iter().enumerate() {
                let want = sketcher.sketch(Level::Passage, doc.passages()[p].shingles());
                prop_assert_eq!(
                    part.passages.signature(item as u32),
                    want.signature().as_slice()
                );
            }
        }
        Ok(())
    }

    fn config(shingling: Shingling, min_passage_tokens: usize, passages: bool) -> Config {
        Config::new()
            .shingling(shingling)
            .min_passage_tokens(min_passage_tokens)
            .passages(passages)
            .num_perm(64)
            .verification(Verification::Estimate)
    }

    proptest! {
        #[test]
        fn document_signature_from_passages_equals_signature_of_its_set(
            paras in proptest::collection::vec("[a-dé .-]{0,30}", 0..7),
            breaks in proptest::collection::vec(prop_oneof!["\n\n", "\n", "\n\n\n", " "], 7),
            n in 1usize..6,
            kind in 0u8..3,
            min_tokens in 0usize..8,
            passages in any::<bool>(),
        ) {
            let shingling = match kind {
                0 => Shingling::Words(n),
                1 => Shingling::Chars(n),
                _ => Shingling::Glyphs(n),
            };
            let mut text = String::new();
            for (p, b) in paras.iter().zip(&breaks) {
                text.push_str(p);
                text.push_str(b);
            }
            assert_sketches_equal_direct(&config(shingling, min_tokens, passages), &text)?;
        }

        #[test]
        fn document_signature_from_passages_on_arbitrary_text(text in any::<String>(), n in 1usize..5) {
            for shingling in [Shingling::Words(n), Shingling::Chars(n)] {
                assert_sketches_equal_direct(&config(shingling, 1, true), &text)?;
                assert_sketches_equal_direct(&config(shingling, 4, true), &text)?;
            }
        }
    }

    #[test]
    fn recent_signatures_are_the_signatures_of_their_sets() {
        let dedup = Deduplicator::new(config(Shingling::Words(2), 1, true)).expect("valid");
        let sketcher = dedup.sketcher();
        let sets: Vec<Vec<u64>> = (0..6u64)
            .map(|k| (0..=k).map(|x| x * 7919 + k).collect())
            .collect();
        let direct = |set: &[u64]| {
            let set = ShingleSet::from_sorted(set.to_vec());
            sketcher
                .sketch(Level::Passage, &set)
                .signature()
                .as_slice()
                .to_vec()
        };
        // One entry (every set evicts the last), two, and the default.
        for bytes in [1, 2 * 4 * 64, RecentSignatures::BYTES] {
            let mut recent = RecentSignatures::default();
            recent.reset(64, bytes);
            let mut slots = Vec::new();
            for &k in &[0usize, 0, 1, 0, 2, 2, 3, 1, 4, 5, 5, 0] {
                let set = &sets[k];
                recent.signature_into(set_fingerprint128(set), set, sketcher, &mut slots);
                assert_eq!(slots, direct(set), "{bytes} {k}");
            }
        }
        // A hit copies the signature held: a set given the fingerprint and
        // size of the set held gets that set's signature.
        let mut recent = RecentSignatures::default();
        let mut slots = Vec::new();
        let (a, b) = (&sets[3], &[1u64, 2, 3, 4][..]);
        recent.signature_into(set_fingerprint128(a), a, sketcher, &mut slots);
        recent.signature_into(set_fingerprint128(a), b, sketcher, &mut slots);
        assert_eq!(slots, direct(a));
        recent.signature_into(set_fingerprint128(b), b, sketcher, &mut slots);
        assert_eq!(slots, direct(b));
    }

    #[test]
    fn repeated_and_short_passages_belong_to_the_document_signature() {
        // A repeated paragraph (its shingles in two passage sets), a passage
        // shorter than one shingle (its tokens only in windows across the
        // breaks) and one below `min_passage_tokens` (not compared, its set
        // hashed directly).
        let text = "one two three four five six\n\nhi\n\none two three four five six\n\nseven eight nine ten\n\nx y z";
        for min_tokens in [1, 5, 7] {
            assert_sketches_equal_direct(&config(Shingling::Words(3), min_tokens, true), text)
                .unwrap();
        }
        // Shorter than one shingle altogether.
        assert_sketches_equal_direct(&config(Shingling::Words(5), 1, true), "a b\n\nc").unwrap();
    }
}
