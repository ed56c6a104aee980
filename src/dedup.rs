//! [`Deduplicator`]: the whole pipeline over a corpus in memory.

use std::borrow::Cow;
use std::ops::Range;

use rayon::prelude::*;

use crate::analyze::{AnalyzedDocument, Analyzer, Scratch};
use crate::cluster::{Clusters, UnionFind};
use crate::config::Config;
use crate::corpus::{DocId, PassageId, to_u32};
use crate::error::Result;
use crate::lsh::Banding;
use crate::matching::{MatchParams, Matches, find_matches};
use crate::minhash::MinHasher;
use crate::report::{
    DocumentPair, DocumentSummary, PassageCluster, PassageMatch, Repeat, RepeatedBlock, Report,
    Stats,
};
use crate::shingle::ShingleSet;
use crate::sketch::{Level, SketchColumns, Sketcher};
use crate::verify::{Similarity, Verifier};

/// Finds near-duplicate documents and passages in a corpus.
///
/// Built once from a [`Config`] (validated here), then immutable, `Send +
/// Sync` and reusable. [`run`](Deduplicator::run) uses the current rayon
/// thread pool; wrap it in your own pool's `install` to choose the thread
/// count. The result does not depend on it.
///
/// # Example
///
/// ```
/// use echodup::{Config, Deduplicator, DocId};
///
/// let docs = [
///     "The council approved the new budget on Tuesday after a long debate.",
///     "Fresh snow closed the mountain pass for the second time this week.",
///     "The council approved the new budget on Tuesday after a long debate!",
/// ];
/// let report = Deduplicator::new(Config::new())?.run(&docs)?;
/// assert_eq!(report.clusters().len(), 1);
/// assert_eq!(report.clusters()[0].members(), &[DocId::new(0), DocId::new(2)]);
/// assert_eq!(report.duplicates(), vec![DocId::new(2)]);
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Deduplicator {
    config: Config,
    analyzer: Analyzer,
    sketcher: Sketcher,
    document_verifier: Verifier,
    passage_verifier: Verifier,
}

impl Deduplicator {
    /// A deduplicator for `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// the parameter at fault.
    pub fn new(config: Config) -> Result<Self> {
        // Validated here, once; every part below is built from a valid config.
        config.validate()?;
        Ok(Deduplicator {
            analyzer: Analyzer::from_valid(&config),
            sketcher: Sketcher::from_valid(&config),
            document_verifier: Verifier::from_valid(&config, Level::Document),
            passage_verifier: Verifier::from_valid(&config, Level::Passage),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The analyzer (stages 1–3) in use.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The MinHasher (stage 4) in use.
    pub fn hasher(&self) -> &MinHasher {
        self.sketcher.hasher()
    }

    /// The sketcher (stage 4b) in use: item sketches, and which passages
    /// are compared.
    pub fn sketcher(&self) -> &Sketcher {
        &self.sketcher
    }

    /// The verifier (stage 6) of `level`'s items.
    pub fn verifier(&self, level: Level) -> &Verifier {
        match level {
            Level::Document => &self.document_verifier,
            Level::Passage => &self.passage_verifier,
        }
    }

    /// The document banding in use.
    pub fn banding(&self) -> Banding {
        self.sketcher.banding(Level::Document)
    }

    /// The passage banding in use.
    pub fn passage_banding(&self) -> Banding {
        self.sketcher.banding(Level::Passage)
    }

    /// Runs the whole pipeline over `docs` (document `i` gets `DocId(i)`).
    ///
    /// Any text is accepted: empty and blank documents are reported with no
    /// passages and are never duplicates; nothing is dropped.
    ///
    /// Memory beyond the texts is the sketches (about 150 bytes per document
    /// and per passage with the default 32 bands) and the report: shingle
    /// sets are not kept, and the few that verification needs are computed
    /// again from the text.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) with `u32::MAX`
    /// documents or passages or more.
    pub fn run<D: AsRef<str> + Sync>(&self, docs: &[D]) -> Result<Report> {
        self.run_with_progress(docs, |_| {})
    }

    /// As [`run`](Deduplicator::run), calling `progress(bytes)` (from any
    /// thread) after each document is analyzed and sketched, with its length
    /// in bytes; the rest of the run is usually much shorter.
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_with_progress<D, P>(&self, docs: &[D], progress: P) -> Result<Report>
    where
        D: AsRef<str> + Sync,
        P: Fn(usize) + Sync,
    {
        to_u32(docs.len(), "documents")?;
        self.run_fetched(docs.len(), |d| docs[d.as_usize()].as_ref(), progress)
    }

    /// Runs the pipeline over `num_docs` documents whose texts are fetched on
    /// demand, so that they need not all be in memory at once: a corpus
    /// larger than memory, read from files, a database or a memory map.
    /// `fetch(DocId(i))` is called once per document while sketching (in
    /// parallel, in chunks of 4,096 documents) and again only for documents
    /// and passages that take part in a candidate pair; it must return the
    /// same text each time. Peak memory is then the sketches (see
    /// [`Stats::sketch_bytes`]), the report and the texts in flight, not the
    /// corpus. `progress(bytes)` is called after each document is sketched.
    ///
    /// The result equals [`run`](Deduplicator::run) over the same texts.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// // Texts that live elsewhere; here, made on demand.
    /// let fetch = |d: DocId| format!("Story {} of the wire: rain again in the valley.", d.as_u32() % 2);
    /// let report = Deduplicator::new(Config::new())?.run_fetched(4, fetch, |_| {})?;
    /// assert_eq!(report.clusters().len(), 2);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_fetched<F, T, P>(&self, num_docs: usize, fetch: F, progress: P) -> Result<Report>
    where
        F: Fn(DocId) -> T + Sync,
        T: AsRef<str>,
        P: Fn(usize) + Sync,
    {
        to_u32(num_docs, "documents")?;
        let sketched = self.sketch_corpus(num_docs, |i, scratch, sig| {
            let text = fetch(DocId::new(i as u32));
            let text = text.as_ref();
            self.analyzer.analyze_into(text, scratch);
            let part = self.sketch_document(
                text.len(),
                scratch.passages.iter().map(|p| {
                    (
                        p.span.clone(),
                        p.tokens,
                        &scratch.passage_sets[p.set.clone()],
                    )
                }),
                &scratch.doc_set,
                sig,
            );
            progress(text.len());
            part
        })?;
        self.finish(
            &sketched,
            |item| {
                let d = DocId::new(sketched.doc_items[item as usize]);
                Cow::Owned(self.analyzer.analyze(fetch(d).as_ref()).into_shingles())
            },
            |item| {
                let id = sketched.passage_ids[item as usize];
                let span = sketched.span(id);
                let text = fetch(id.doc);
                let passage = text.as_ref().get(span).unwrap_or_default();
                Cow::Owned(self.analyzer.passage_set(passage))
            },
        )
    }

    /// Runs stages 4–7 over documents analyzed beforehand (for callers that
    /// analyze in their own batches or threads). The result equals
    /// [`run`](Deduplicator::run) over the texts.
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_analyzed(&self, docs: &[AnalyzedDocument]) -> Result<Report> {
        to_u32(docs.len(), "documents")?;
        let sketched = self.sketch_corpus(docs.len(), |i, _, sig| {
            let doc = &docs[i];
            self.sketch_document(
                doc.len(),
                doc.passages()
                    .iter()
                    .map(|p| (p.span(), p.tokens(), p.shingles().as_slice())),
                doc.shingles().as_slice(),
                sig,
            )
        })?;
        self.finish(
            &sketched,
            |item| Cow::Borrowed(docs[sketched.doc_items[item as usize] as usize].shingles()),
            |item| {
                let id = sketched.passage_ids[item as usize];
                Cow::Borrowed(docs[id.doc.as_usize()].passages()[id.index as usize].shingles())
            },
        )
    }

    /// Stages 1–4 over the corpus, in parallel chunks: `sketch(i, scratch,
    /// signature buffer)` analyzes and sketches document `i`, and only its
    /// [`DocSketch`] is kept.
    fn sketch_corpus<F>(&self, n: usize, sketch: F) -> Result<SketchedCorpus>
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
    fn sketch_document<'x>(
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

    /// Stages 5–7: candidates, verification, clusters, report.
    fn finish<'s, FD, FP>(
        &self,
        corpus: &SketchedCorpus,
        doc_set: FD,
        passage_set: FP,
    ) -> Result<Report>
    where
        FD: Fn(u32) -> Cow<'s, ShingleSet> + Sync,
        FP: Fn(u32) -> Cow<'s, ShingleSet> + Sync,
    {
        let num_docs = corpus.doc_len.len();
        let mut stats = Stats {
            documents: num_docs,
            passages: corpus.spans.len(),
            sketch_bytes: corpus.heap_bytes(),
            ..Stats::default()
        };

        // Documents.
        stats.empty_documents = num_docs - corpus.doc_items.len();
        let doc_matches = find_matches(&corpus.docs, self.params(Level::Document), doc_set)?;
        stats.distinct_documents = doc_matches.groups.len();
        stats.document_candidates = doc_matches.candidates;
        stats.capped_buckets = doc_matches.capped_buckets;
        let document_pairs = expand_pairs(&doc_matches, &corpus.doc_items);
        drop(doc_matches);
        let clusters = Clusters::from_pairs(
            num_docs,
            document_pairs.iter().map(|p| (p.a, p.b)),
            self.config.get_keep(),
            |d| corpus.doc_len[d.as_usize()],
        );
        stats.document_pairs = document_pairs.len();
        stats.document_clusters = clusters.len();
        stats.duplicate_documents = clusters.iter().map(|c| c.len() - 1).sum();

        // Passages.
        let mut summaries: Vec<DocumentSummary> = (0..num_docs)
            .map(|i| {
                let doc = DocId::new(i as u32);
                let passages =
                    corpus.spans[corpus.passage_start[i]..corpus.passage_start[i + 1]].to_vec();
                DocumentSummary {
                    doc,
                    len: corpus.doc_len[i],
                    passage_bytes: passages.iter().map(|r| r.len()).sum(),
                    passages,
                    duplicate_passages: Vec::new(),
                    duplicate_bytes: 0,
                    cluster: clusters.cluster_of(doc),
                    is_duplicate: clusters.is_duplicate(doc),
                }
            })
            .collect();
        let mut passage_clusters = Vec::new();
        let mut repeats = Vec::new();
        if self.config.get_passages() {
            stats.compared_passages = corpus.passage_ids.len();
            let m = find_matches(&corpus.passages, self.params(Level::Passage), passage_set)?;
            stats.distinct_passages = m.groups.len();
            stats.passage_candidates = m.candidates;
            stats.capped_buckets += m.capped_buckets;
            (passage_clusters, repeats) = build_passage_clusters(
                &m,
                &corpus.passages,
                &corpus.passage_ids,
                |id| corpus.span(id),
                &self.passage_verifier,
            );
            for cluster in &passage_clusters {
                for member in &cluster.members()[1..] {
                    let s = &mut summaries[member.passage.doc.as_usize()];
                    s.duplicate_passages.push(member.passage.index);
                    s.duplicate_bytes += member.span.len();
                }
            }
            for s in &mut summaries {
                s.duplicate_passages.sort_unstable();
            }
        }
        let repeated_blocks = group_blocks(&repeats);
        stats.passage_clusters = passage_clusters.len();
        stats.repeats = repeats.len();
        stats.duplicate_passages = summaries.iter().map(|s| s.duplicate_passages.len()).sum();
        stats.duplicate_passage_bytes = summaries.iter().map(|s| s.duplicate_bytes).sum();
        Ok(Report {
            config: self.config.clone(),
            document_pairs,
            clusters,
            passage_clusters,
            repeats,
            repeated_blocks,
            summaries,
            stats,
        })
    }

    /// Empty sketch columns for `level`'s items.
    fn columns(&self, level: Level) -> SketchColumns {
        SketchColumns::new(&self.sketcher, level, self.config.get_verification())
    }

    /// The engine's parameters for `level`'s items.
    fn params(&self, level: Level) -> MatchParams {
        MatchParams {
            verifier: *self.verifier(level),
            max_bucket: self.config.get_max_bucket(),
        }
    }
}

/// What a run keeps of the corpus after stage 4: lengths, passage spans and
/// sketches, no text and no shingle sets.
struct SketchedCorpus {
    /// Length in bytes of each document.
    doc_len: Vec<usize>,
    /// The passages of document `d` are `spans[passage_start[d]..passage_start[d + 1]]`.
    passage_start: Vec<usize>,
    /// Byte spans of every passage, document by document.
    spans: Vec<Range<usize>>,
    /// The documents with a non-empty shingle set: the document items.
    doc_items: Vec<u32>,
    /// Sketches of the document items.
    docs: SketchColumns,
    /// The passages compared: the passage items.
    passage_ids: Vec<PassageId>,
    /// Sketches of the passage items.
    passages: SketchColumns,
}

impl SketchedCorpus {
    fn heap_bytes(&self) -> usize {
        self.doc_len.capacity() * 8
            + self.passage_start.capacity() * 8
            + self.spans.capacity() * std::mem::size_of::<Range<usize>>()
            + self.doc_items.capacity() * 4
            + self.passage_ids.capacity() * std::mem::size_of::<PassageId>()
            + self.docs.heap_bytes()
            + self.passages.heap_bytes()
    }

    fn span(&self, id: PassageId) -> Range<usize> {
        self.spans[self.passage_start[id.doc.as_usize()] + id.index as usize].clone()
    }
}

/// One document's contribution to a [`SketchedCorpus`].
struct DocSketch {
    len: usize,
    spans: Vec<Range<usize>>,
    /// Zero or one item.
    doc: SketchColumns,
    /// Indices of the passages sketched in `passages`.
    passage_index: Vec<u32>,
    passages: SketchColumns,
}

/// Every document pair: within each group of identical sets, and across
/// verified group pairs. Sorted by `(a, b)`.
fn expand_pairs(m: &Matches<'_>, items: &[u32]) -> Vec<DocumentPair> {
    let doc = |item: u32| DocId::new(items[item as usize]);
    let mut out = Vec::new();
    for group in m.groups.iter() {
        for (i, &a) in group.iter().enumerate() {
            for &b in &group[i + 1..] {
                out.push(DocumentPair {
                    a: doc(a),
                    b: doc(b),
                    similarity: Similarity::IDENTICAL,
                });
            }
        }
    }
    for &(ga, gb, sim) in &m.pairs {
        for &a in m.groups.members(ga) {
            for &b in m.groups.members(gb) {
                let pair = if a < b {
                    DocumentPair {
                        a: doc(a),
                        b: doc(b),
                        similarity: sim,
                    }
                } else {
                    DocumentPair {
                        a: doc(b),
                        b: doc(a),
                        similarity: sim.swapped(),
                    }
                };
                out.push(pair);
            }
        }
    }
    out.sort_unstable_by_key(|p| (p.a, p.b));
    out
}

/// Passage clusters and the repeats inside them.
fn build_passage_clusters<S>(
    m: &Matches<'_>,
    sketches: &SketchColumns,
    ids: &[PassageId],
    span: S,
    verifier: &Verifier,
) -> (Vec<PassageCluster>, Vec<Repeat>)
where
    S: Fn(PassageId) -> Range<usize> + Sync,
{
    // A group of identical passages is one node; verified pairs link groups.
    let mut uf = UnionFind::new(m.groups.len());
    for &(a, b, _) in &m.pairs {
        uf.union(a, b);
    }
    let components: Vec<Vec<u32>> = uf
        .all_components()
        .into_iter()
        .filter(|c| c.len() > 1 || m.groups.members(c[0]).len() > 1)
        .collect();
    let similarity = |a: u32, b: u32| m.similarity(sketches, verifier, a, b);
    let per_cluster: Vec<(PassageCluster, Vec<Repeat>)> = components
        .par_iter()
        .map(|groups| {
            let mut items: Vec<u32> = groups
                .iter()
                .flat_map(|&g| m.groups.members(g).iter().copied())
                .collect();
            items.sort_unstable();
            let first = items[0];
            let mut members = Vec::with_capacity(items.len());
            let mut repeats = Vec::new();
            let mut num_documents = 0;
            // The first item of the current document within this cluster.
            let mut doc_first: Option<u32> = None;
            for &it in &items {
                let id = ids[it as usize];
                members.push(PassageMatch {
                    passage: id,
                    span: span(id),
                    similarity: similarity(first, it),
                });
                match doc_first {
                    Some(f) if ids[f as usize].doc == id.doc => {
                        let original = ids[f as usize];
                        repeats.push(Repeat {
                            passage: id,
                            span: span(id),
                            original: original.index,
                            original_span: span(original),
                            similarity: similarity(f, it),
                        });
                    }
                    _ => {
                        doc_first = Some(it);
                        num_documents += 1;
                    }
                }
            }
            (
                PassageCluster {
                    members,
                    num_documents,
                },
                repeats,
            )
        })
        .collect();
    let mut clusters = Vec::with_capacity(per_cluster.len());
    let mut repeats = Vec::new();
    for (c, r) in per_cluster {
        clusters.push(c);
        repeats.extend(r);
    }
    repeats.sort_unstable_by_key(|r| r.passage);
    (clusters, repeats)
}

/// Groups repeats into runs where both the repeat and the original advance by one.
fn group_blocks(repeats: &[Repeat]) -> Vec<RepeatedBlock> {
    let mut out: Vec<RepeatedBlock> = Vec::new();
    for r in repeats {
        if let Some(last) = out.last_mut()
            && last.doc == r.passage.doc
            && last.repeat.end == r.passage.index
            && last.original.end == r.original
        {
            last.repeat.end += 1;
            last.original.end += 1;
            last.repeat_span.end = r.span.end;
            last.original_span.end = r.original_span.end;
            continue;
        }
        out.push(RepeatedBlock {
            doc: r.passage.doc,
            original: r.original..r.original + 1,
            repeat: r.passage.index..r.passage.index + 1,
            original_span: r.original_span.clone(),
            repeat_span: r.span.clone(),
        });
    }
    out
}
