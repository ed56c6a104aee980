//! Stages 5–7 of a run: candidates and verification on both levels (the
//! matching engine), then document pairs, clusters, passage clusters,
//! repeats, repeated blocks and the [`Report`].

use std::borrow::Cow;
use std::ops::Range;

use rayon::prelude::*;

use super::{Deduplicator, SketchedCorpus};
use crate::cluster::{Clustering, Clusters, UnionFind};
use crate::corpus::{DocId, PassageId};
use crate::document_pairs::PairGroups;
use crate::error::Result;
use crate::matching::{Matches, find_matches};
use crate::report::{
    DocumentSummary, PassageCluster, PassageMatch, Repeat, RepeatedBlock, Report, Stats,
};
use crate::shingle::ShingleSet;
use crate::sketch::{Level, SketchColumns};
use crate::verify::Verifier;

impl Deduplicator {
    /// Stages 5–7: candidates, verification, clusters, report.
    pub(super) fn finish<'s, FD, FP>(
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
            noise: corpus.noise,
            ..Stats::default()
        };

        // Documents.
        stats.empty_documents = num_docs - corpus.doc_items.len();
        let doc_matches = find_matches(&corpus.docs, self.params(Level::Document), doc_set)?;
        stats.distinct_documents = doc_matches.groups.len();
        stats.document_candidates = doc_matches.candidates;
        stats.capped_buckets = doc_matches.capped_buckets;
        stats.capped_pairs_skipped = doc_matches.capped_pairs_skipped;
        let document_pairs = pair_groups(num_docs, &doc_matches, &corpus.doc_items);
        drop(doc_matches);
        let doc_len = |d: DocId| corpus.doc_len[d.as_usize()];
        let clusters = match self.config.get_clustering() {
            Clustering::Components => Clusters::from_pairs(
                num_docs,
                document_pairs.spanning_pairs(),
                self.config.get_keep(),
                doc_len,
            ),
            Clustering::Star => Clusters::stars(
                num_docs,
                document_pairs.spanning_similarities(),
                self.config.get_measure(),
                self.config.get_threshold(),
                self.config.get_keep(),
                doc_len,
            ),
        };
        stats.document_pairs = document_pairs.len();
        stats.document_pair_groups = document_pairs.num_stored();
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
            stats.capped_pairs_skipped += m.capped_pairs_skipped;
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
}

/// The document pairs as groups: the groups of identical documents and the
/// verified group pairs, with items mapped to documents (in ascending order,
/// so members stay ascending).
fn pair_groups(num_docs: usize, m: &Matches<'_>, items: &[u32]) -> PairGroups {
    let docs: Vec<DocId> = m
        .groups
        .iter()
        .flatten()
        .map(|&item| DocId::new(items[item as usize]))
        .collect();
    let mut start = 0;
    let groups = m.groups.iter().map(|g| {
        let group = &docs[start..start + g.len()];
        start += g.len();
        group
    });
    PairGroups::new(num_docs, groups, &m.pairs)
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
