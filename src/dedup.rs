//! [`Deduplicator`]: the whole pipeline over a corpus in memory.

use std::ops::Range;

use rayon::prelude::*;

use crate::analyze::{AnalyzedDocument, Analyzer};
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
use crate::verify::{Similarity, Verification};

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
    hasher: MinHasher,
    banding: Banding,
    passage_banding: Banding,
}

impl Deduplicator {
    /// A deduplicator for `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// the parameter at fault.
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        Ok(Deduplicator {
            analyzer: Analyzer::new(&config)?,
            hasher: MinHasher::new(config.get_num_perm(), config.get_seed()),
            banding: config.get_banding()?,
            passage_banding: config.get_passage_banding()?,
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
        &self.hasher
    }

    /// The document banding in use.
    pub fn banding(&self) -> Banding {
        self.banding
    }

    /// The passage banding in use.
    pub fn passage_banding(&self) -> Banding {
        self.passage_banding
    }

    /// Runs the whole pipeline over `docs` (document `i` gets `DocId(i)`).
    ///
    /// Any text is accepted: empty and blank documents are reported with no
    /// passages and are never duplicates; nothing is dropped.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) with `u32::MAX`
    /// documents or passages or more.
    pub fn run<D: AsRef<str> + Sync>(&self, docs: &[D]) -> Result<Report> {
        to_u32(docs.len(), "documents")?;
        let analyzed: Vec<AnalyzedDocument> = docs
            .par_iter()
            .map(|d| self.analyzer.analyze(d.as_ref()))
            .collect();
        self.run_analyzed(&analyzed)
    }

    /// Runs stages 4–7 over documents analyzed beforehand (for callers that
    /// analyze in their own batches or threads).
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_analyzed(&self, docs: &[AnalyzedDocument]) -> Result<Report> {
        to_u32(docs.len(), "documents")?;
        let mut stats = Stats {
            documents: docs.len(),
            passages: docs.iter().map(|d| d.passages().len()).sum(),
            ..Stats::default()
        };

        // Documents.
        let doc_items: Vec<u32> = (0..docs.len() as u32)
            .filter(|&i| !docs[i as usize].shingles().is_empty())
            .collect();
        stats.empty_documents = docs.len() - doc_items.len();
        let doc_sets: Vec<&ShingleSet> = doc_items
            .iter()
            .map(|&i| docs[i as usize].shingles())
            .collect();
        let doc_matches = find_matches(
            &doc_sets,
            self.params(self.banding, self.config.get_threshold()),
        )?;
        stats.distinct_documents = doc_matches.groups.len();
        stats.document_candidates = doc_matches.candidates;
        let document_pairs = expand_pairs(&doc_matches, &doc_items);
        let clusters = Clusters::from_pairs(
            docs.len(),
            document_pairs.iter().map(|p| (p.a, p.b)),
            self.config.get_keep(),
            |d| docs[d.as_usize()].len(),
        );
        stats.document_pairs = document_pairs.len();
        stats.document_clusters = clusters.len();
        stats.duplicate_documents = clusters.iter().map(|c| c.len() - 1).sum();

        // Passages.
        let mut summaries: Vec<DocumentSummary> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let doc = DocId::new(i as u32);
                let passages: Vec<Range<usize>> = d.passages().iter().map(|p| p.span()).collect();
                let cluster = clusters.cluster_of(doc);
                DocumentSummary {
                    doc,
                    len: d.len(),
                    passage_bytes: passages.iter().map(|r| r.len()).sum(),
                    passages,
                    duplicate_passages: Vec::new(),
                    duplicate_bytes: 0,
                    cluster,
                    is_duplicate: clusters.is_duplicate(doc),
                }
            })
            .collect();
        let mut passage_clusters = Vec::new();
        let mut repeats = Vec::new();
        if self.config.get_passages() {
            let min = self.config.get_min_passage_tokens().max(1);
            let mut ids: Vec<PassageId> = Vec::new();
            let mut sets: Vec<&ShingleSet> = Vec::new();
            for (d, doc) in docs.iter().enumerate() {
                for (p, passage) in doc.passages().iter().enumerate() {
                    if passage.tokens() >= min && !passage.shingles().is_empty() {
                        ids.push(PassageId::new(DocId::new(d as u32), p as u32));
                        sets.push(passage.shingles());
                    }
                }
            }
            to_u32(ids.len(), "passages")?;
            stats.compared_passages = ids.len();
            let m = find_matches(
                &sets,
                self.params(self.passage_banding, self.config.get_passage_threshold()),
            )?;
            stats.distinct_passages = m.groups.len();
            stats.passage_candidates = m.candidates;
            (passage_clusters, repeats) =
                build_passage_clusters(&m, &ids, &sets, docs, self.config.get_verification());
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

    fn params(&self, banding: Banding, threshold: f64) -> MatchParams<'_> {
        MatchParams {
            hasher: &self.hasher,
            banding,
            seed: self.config.get_seed(),
            threshold,
            measure: self.config.get_measure(),
            verification: self.config.get_verification(),
        }
    }
}

/// Every document pair: within each group of identical sets, and across
/// verified group pairs. Sorted by `(a, b)`.
fn expand_pairs(m: &Matches, items: &[u32]) -> Vec<DocumentPair> {
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
fn build_passage_clusters(
    m: &Matches,
    ids: &[PassageId],
    sets: &[&ShingleSet],
    docs: &[AnalyzedDocument],
    verification: Verification,
) -> (Vec<PassageCluster>, Vec<Repeat>) {
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
    let similarity = |a: u32, b: u32| -> Similarity {
        let (ga, gb) = (m.group_of[a as usize], m.group_of[b as usize]);
        if ga == gb {
            return Similarity::IDENTICAL;
        }
        match verification {
            Verification::Exact => Similarity::exact(sets[a as usize], sets[b as usize]),
            Verification::Estimate => Similarity::estimate_from_slots(
                m.signature(ga),
                sets[a as usize].len(),
                m.signature(gb),
                sets[b as usize].len(),
            ),
        }
    };
    let span = |id: PassageId| docs[id.doc.as_usize()].passages()[id.index as usize].span();
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
