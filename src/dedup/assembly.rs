//! Stages 5–7 of a run: candidates and verification on both levels (the
//! matching engine), then document pairs, clusters, passage clusters,
//! repeats, repeated blocks and the [`Report`].

use std::borrow::Cow;
use std::ops::Range;

use rayon::prelude::*;

use super::{Deduplicator, SketchedCorpus};
use crate::boilerplate::{self, DocPassages, DocumentBasis};
use crate::cluster::{Clustering, Clusters, UnionFind};
use crate::corpus::{DocId, PassageId};
use crate::document_pairs::{Both, PairGroups};
use crate::error::Result;
use crate::matching::{
    Component, Fetched, Groups, Matches, find_matches, find_matches_with, sort_by_key_on_pool,
    sort_on_pool,
};
use crate::report::{
    DocumentSummary, PassageCluster, PassageMatch, Repeat, RepeatedBlock, Report, Stats,
};
use crate::shingle::ShingleSet;
use crate::sketch::Level;
use crate::verify::{Similarity, Verification};

impl Deduplicator {
    /// Stages 5–7: candidates, verification, clusters, report.
    /// `doc_sets(item, boilerplate)` gives a document item's whole set and,
    /// when some of its passages are boilerplate (`boilerplate[p]` for its
    /// passage `p`), the set of the rest.
    pub(super) fn finish<'s, FD, FP>(
        &self,
        corpus: &SketchedCorpus,
        doc_sets: FD,
        passage_set: FP,
    ) -> Result<Report>
    where
        FD: Fn(u32, &[bool]) -> DocSets<'s> + Sync,
        FP: Fn(u32) -> Cow<'s, ShingleSet> + Sync,
    {
        let num_docs = corpus.doc_len.len();
        let mut stats = Stats {
            documents: num_docs,
            passages: corpus.num_passages(),
            sketch_bytes: corpus.heap_bytes(),
            spilled_bytes: corpus.spilled_bytes(),
            noise: corpus.noise,
            ..Stats::default()
        };

        // Passages first: their clusters say what is boilerplate.
        let mut passage_clusters = Vec::new();
        let mut repeats = Vec::new();
        let mut cluster_items = Vec::new();
        if self.config.get_passages() {
            stats.compared_passages = corpus.passage_items.len();
            let ids = |item| corpus.passage_id(item);
            let span = |id| corpus.span(id);
            let (m, parts) = find_matches(
                &corpus.passages,
                self.params(Level::Passage),
                |item| Fetched::from(passage_set(item)),
                |component| component_passage_clusters(component, ids, span),
            )?;
            stats.distinct_passages = m.groups.len();
            stats.passage_candidates = m.candidates;
            stats.capped_buckets += m.capped_buckets;
            stats.capped_pairs_skipped += m.capped_pairs_skipped;
            (passage_clusters, repeats, cluster_items) =
                build_passage_clusters(&m, parts, ids, span);
        }
        // Boilerplate: a flag per passage of the corpus.
        let mut boilerplate = vec![false; corpus.num_passages()];
        let classify = self.config.get_passages()
            && self.config.get_verification() == Verification::Exact
            && !passage_clusters.is_empty();
        if classify {
            let flags = classify_boilerplate(
                corpus,
                &cluster_items,
                self.config.get_boilerplate_min_documents(),
            );
            for (c, flag) in passage_clusters.iter_mut().zip(flags) {
                c.boilerplate = flag;
                if flag {
                    for member in &c.members {
                        let id = member.passage;
                        boilerplate[corpus.passage_start[id.doc.as_usize()] as usize
                            + id.index as usize] = true;
                    }
                }
            }
            keep_documents_that_are_the_repeated_text(corpus, &mut boilerplate);
        }
        let content_decides =
            classify && self.config.get_document_basis() == DocumentBasis::Content;

        // Documents.
        stats.empty_documents = num_docs - corpus.doc_items.len();
        let extra = if content_decides {
            shared_content_candidates(
                corpus,
                &passage_clusters,
                &cluster_items,
                self.config.get_max_bucket(),
            )
        } else {
            Vec::new()
        };
        let doc_flags = |item: u32| {
            let d = corpus.doc_items[item as usize] as usize;
            &boilerplate[corpus.passages_of(d)]
        };
        // The set that decides, and the other one (for the report) when
        // they differ.
        let fetch = |item: u32| -> Fetched<'s> {
            let flags = doc_flags(item);
            if !classify || !flags.contains(&true) {
                return Fetched::from(doc_sets(item, &[]).raw);
            }
            let sets = doc_sets(item, flags);
            let content = sets
                .content
                .unwrap_or_else(|| sets.raw.clone().into_owned());
            let (set, other) = if content_decides {
                (Cow::Owned(content), sets.raw.into_owned())
            } else {
                (sets.raw, content)
            };
            Fetched {
                set,
                other: Some(other),
            }
        };
        let (mut doc_matches, per_component) = find_matches_with(
            &corpus.docs,
            self.params(Level::Document),
            &extra,
            fetch,
            |component| both_similarities(component, content_decides),
        )?;
        // Each verified pair's similarities on both bases, and whether it is
        // kept: a pair whose content is not its whole text must share enough
        // of it (see `boilerplate::MIN_SHARED_CONTENT`).
        let mut both: Vec<(u32, u32, Both, bool)> = per_component.into_iter().flatten().collect();
        sort_by_key_on_pool(&mut both, |&(a, b, _, _)| (a, b));
        debug_assert_eq!(both.len(), doc_matches.pairs.len(), "one entry per pair");
        let mut k = both.iter();
        doc_matches
            .pairs
            .retain(|_| k.next().is_none_or(|&(_, _, _, keep)| keep));
        let both: Vec<(u32, u32, Both)> = both
            .into_iter()
            .filter(|&(_, _, _, keep)| keep)
            .map(|(a, b, s, _)| (a, b, s))
            .collect();
        stats.distinct_documents = doc_matches.groups.len();
        stats.document_candidates = doc_matches.candidates;
        stats.capped_buckets += doc_matches.capped_buckets;
        stats.capped_pairs_skipped += doc_matches.capped_pairs_skipped;
        let document_pairs = pair_groups(
            num_docs,
            &doc_matches,
            &corpus.doc_items,
            &both,
            content_decides,
        );
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

        let mut summaries: Vec<DocumentSummary> = (0..num_docs)
            .map(|i| {
                let doc = DocId::new(i as u32);
                let range = corpus.passages_of(i);
                let passages = corpus.spans_of(i);
                let boilerplate_passages: Vec<u32> = boilerplate[range]
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b)
                    .map(|(p, _)| p as u32)
                    .collect();
                DocumentSummary {
                    doc,
                    len: corpus.doc_len[i],
                    passage_bytes: passages.iter().map(|r| r.len()).sum(),
                    boilerplate_bytes: boilerplate_passages
                        .iter()
                        .map(|&p| passages[p as usize].len())
                        .sum(),
                    boilerplate_passages,
                    passages,
                    duplicate_passages: Vec::new(),
                    duplicate_bytes: 0,
                    cluster: clusters.cluster_of(doc),
                    is_duplicate: clusters.is_duplicate(doc),
                }
            })
            .collect();
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
        let repeated_blocks = group_blocks(&repeats);
        stats.passage_clusters = passage_clusters.len();
        stats.repeats = repeats.len();
        stats.duplicate_passages = summaries.iter().map(|s| s.duplicate_passages.len()).sum();
        stats.duplicate_passage_bytes = summaries.iter().map(|s| s.duplicate_bytes).sum();
        stats.boilerplate_clusters = passage_clusters.iter().filter(|c| c.boilerplate).count();
        stats.boilerplate_passages = summaries.iter().map(|s| s.boilerplate_passages.len()).sum();
        stats.boilerplate_bytes = summaries.iter().map(|s| s.boilerplate_bytes).sum();
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

/// A document's sets for verification: the whole text's, and the content's
/// when some passages were left out (`None`: the same as `raw`).
pub(super) struct DocSets<'s> {
    pub(super) raw: Cow<'s, ShingleSet>,
    pub(super) content: Option<ShingleSet>,
}

/// The boilerplate flag of each passage cluster (see [`crate::boilerplate`]).
/// `cluster_items[c]` lists cluster `c`'s passage items, ascending.
fn classify_boilerplate(
    corpus: &SketchedCorpus,
    cluster_items: &[Vec<u32>],
    min_documents: usize,
) -> Vec<bool> {
    let num_docs = corpus.doc_len.len();
    let mut docs = vec![DocPassages::default(); num_docs];
    for (item, id) in corpus.passage_ids().enumerate() {
        docs[id.doc.as_usize()].total += corpus.passages.size(item as u32) as u64;
    }
    let mut cluster_docs = Vec::with_capacity(cluster_items.len());
    for (c, items) in cluster_items.iter().enumerate() {
        let mut members: Vec<u32> = Vec::new();
        for &item in items {
            let d = corpus.passage_id(item).doc.as_u32();
            let size = corpus.passages.size(item) as u32;
            docs[d as usize].clustered.push((c as u32, size));
            if members.last() != Some(&d) {
                members.push(d);
            }
        }
        cluster_docs.push(members);
    }
    boilerplate::classify(&docs, &cluster_docs, min_documents)
}

/// A document whose boilerplate passages are nearly all of it (more than
/// [`boilerplate::MAX_SHARE`] of its shingles) is the text others repeat
/// (a post that replies quote, a page of nothing but chrome), not text
/// around a content of its own: nothing is left out of it.
fn keep_documents_that_are_the_repeated_text(corpus: &SketchedCorpus, boilerplate: &mut [bool]) {
    let num_docs = corpus.doc_len.len();
    let mut total = vec![0u64; num_docs];
    let mut left_out = vec![0u64; num_docs];
    for (item, id) in corpus.passage_ids().enumerate() {
        let size = corpus.passages.size(item as u32) as u64;
        let d = id.doc.as_usize();
        total[d] += size;
        if boilerplate[corpus.passage_items[item] as usize] {
            left_out[d] += size;
        }
    }
    for d in 0..num_docs {
        if left_out[d] as f64 > boilerplate::MAX_SHARE * total[d] as f64 {
            boilerplate[corpus.passages_of(d)].fill(false);
        }
    }
}

/// Document item pairs that share a passage cluster that is not
/// boilerplate: candidates for the content similarity that the bands of the
/// whole text may not give (a short story in heavy chrome). A cluster over
/// more than `max_bucket` documents gives star and chain pairs, as a capped
/// bucket does.
fn shared_content_candidates(
    corpus: &SketchedCorpus,
    clusters: &[PassageCluster],
    cluster_items: &[Vec<u32>],
    max_bucket: usize,
) -> Vec<u64> {
    let mut item_of = vec![u32::MAX; corpus.doc_len.len()];
    for (item, &d) in corpus.doc_items.iter().enumerate() {
        item_of[d as usize] = item as u32;
    }
    let per_cluster: Vec<Vec<u64>> = clusters
        .par_iter()
        .zip(cluster_items)
        .filter(|(c, _)| !c.boilerplate && c.num_documents > 1)
        .map(|(_, items)| {
            let mut docs: Vec<u32> = items
                .iter()
                .map(|&i| item_of[corpus.passage_id(i).doc.as_usize()])
                .filter(|&i| i != u32::MAX)
                .collect();
            docs.dedup();
            let pair = |a: u32, b: u32| (u64::from(a.min(b)) << 32) | u64::from(a.max(b));
            let mut out = Vec::new();
            if docs.len() <= max_bucket.max(2) {
                for (x, &a) in docs.iter().enumerate() {
                    out.extend(docs[x + 1..].iter().map(|&b| pair(a, b)));
                }
            } else {
                for y in 1..docs.len() {
                    out.push(pair(docs[0], docs[y]));
                    if y > 1 {
                        out.push(pair(docs[y - 1], docs[y]));
                    }
                }
            }
            out
        })
        .collect();
    let mut pairs: Vec<u64> = per_cluster.into_iter().flatten().collect();
    sort_on_pool(&mut pairs);
    pairs.dedup();
    pairs
}

/// Each verified pair of a component of document groups with its
/// similarities on both bases (`second`, on the basis that did not decide,
/// computed here from the other sets that the fetch gave), and whether it
/// is kept: with `content_decides`, a pair whose content is not its whole
/// text must share [`boilerplate::MIN_SHARED_CONTENT`] shingles of it.
fn both_similarities(
    component: &Component<'_, '_>,
    content_decides: bool,
) -> Vec<(u32, u32, Both, bool)> {
    component
        .pairs
        .iter()
        .map(|&(a, b, decided)| {
            let (oa, ob) = (component.other(a), component.other(b));
            if oa.is_none() && ob.is_none() {
                return (a, b, Both::same(decided), true);
            }
            let keep = !content_decides || {
                let size = component.set(a).map_or(0, ShingleSet::len);
                let shared = (decided.containment_ab * size as f64).round() as usize;
                shared >= boilerplate::MIN_SHARED_CONTENT
            };
            let (x, y) = (
                oa.or_else(|| component.set(a)),
                ob.or_else(|| component.set(b)),
            );
            let both = match (x, y) {
                (Some(x), Some(y)) => {
                    let second = Similarity::exact(x, y);
                    if content_decides {
                        Both {
                            raw: second,
                            content: decided,
                        }
                    } else {
                        Both {
                            raw: decided,
                            content: second,
                        }
                    }
                }
                _ => Both::same(decided),
            };
            (a, b, both, keep)
        })
        .collect()
}

/// The document pairs as groups: the groups of identical documents and the
/// verified group pairs with both similarities (`pairs`), with items mapped
/// to documents (in ascending order, so members stay ascending).
fn pair_groups(
    num_docs: usize,
    m: &Matches,
    items: &[u32],
    pairs: &[(u32, u32, Both)],
    content_decides: bool,
) -> PairGroups {
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
    PairGroups::with_both(num_docs, groups, pairs, content_decides)
}

/// A passage cluster with its repeats and items, and its smallest group
/// (clusters are listed in that order).
type ClusterPart = (u32, PassageCluster, Vec<Repeat>, Vec<u32>);

/// The passage clusters of more than one group inside one component of the
/// candidate graph: the connected components of its verified pairs, with
/// each member's similarity computed while the component's sets are held.
fn component_passage_clusters<I, S>(
    component: &Component<'_, '_>,
    ids: I,
    span: S,
) -> Vec<ClusterPart>
where
    I: Fn(u32) -> PassageId,
    S: Fn(PassageId) -> Range<usize>,
{
    let groups = component.groups;
    let local = |g: u32| groups.binary_search(&g).expect("a group of the component") as u32;
    let mut uf = UnionFind::new(groups.len());
    for &(a, b, _) in component.pairs {
        uf.union(local(a), local(b));
    }
    uf.components()
        .into_iter()
        .map(|c| {
            let cluster: Vec<u32> = c.iter().map(|&l| groups[l as usize]).collect();
            let (pc, r, items) =
                passage_cluster(&cluster, component.members, &ids, &span, |a, b| {
                    component.similarity(a, b)
                });
            (cluster[0], pc, r, items)
        })
        .collect()
}

/// Passage clusters and the repeats inside them: those of several groups
/// (`parts`, from the components of the candidate graph) and the groups of
/// identical passages that are not in one of them, in the order of their
/// smallest group.
fn build_passage_clusters<I, S>(
    m: &Matches,
    parts: Vec<Vec<ClusterPart>>,
    ids: I,
    span: S,
) -> (Vec<PassageCluster>, Vec<Repeat>, Vec<Vec<u32>>)
where
    I: Fn(u32) -> PassageId + Sync,
    S: Fn(PassageId) -> Range<usize> + Sync,
{
    let mut parts: Vec<ClusterPart> = parts.into_iter().flatten().collect();
    let mut in_part = vec![false; m.groups.len()];
    for (_, _, _, items) in &parts {
        for &item in items {
            in_part[m.group_of[item as usize] as usize] = true;
        }
    }
    // A group of identical passages is a cluster of its own.
    let singles: Vec<ClusterPart> = (0..m.groups.len() as u32)
        .into_par_iter()
        .filter(|&g| !in_part[g as usize] && m.groups.members(g).len() > 1)
        .map(|g| {
            let (pc, r, items) =
                passage_cluster(&[g], &m.groups, &ids, &span, |_, _| Similarity::IDENTICAL);
            (g, pc, r, items)
        })
        .collect();
    parts.extend(singles);
    sort_by_key_on_pool(&mut parts, |p| p.0);
    let mut clusters = Vec::with_capacity(parts.len());
    let mut repeats = Vec::new();
    let mut items = Vec::with_capacity(parts.len());
    for (_, c, r, i) in parts {
        clusters.push(c);
        repeats.extend(r);
        items.push(i);
    }
    repeats.sort_unstable_by_key(|r| r.passage);
    (clusters, repeats, items)
}

/// One passage cluster of `groups`: its members in item order with their
/// similarity to the first (`similarity(a, b)` of items), the repeats
/// inside one document, and its items.
fn passage_cluster<I, S, F>(
    groups: &[u32],
    members: &Groups,
    ids: I,
    span: S,
    similarity: F,
) -> (PassageCluster, Vec<Repeat>, Vec<u32>)
where
    I: Fn(u32) -> PassageId,
    S: Fn(PassageId) -> Range<usize>,
    F: Fn(u32, u32) -> Similarity,
{
    let mut items: Vec<u32> = groups
        .iter()
        .flat_map(|&g| members.members(g).iter().copied())
        .collect();
    items.sort_unstable();
    let first = items[0];
    let mut cluster_members = Vec::with_capacity(items.len());
    let mut repeats = Vec::new();
    let mut num_documents = 0;
    // The first item of the current document within this cluster.
    let mut doc_first: Option<u32> = None;
    for &it in &items {
        let id = ids(it);
        cluster_members.push(PassageMatch {
            passage: id,
            span: span(id),
            similarity: similarity(first, it),
        });
        match doc_first {
            Some(f) if ids(f).doc == id.doc => {
                let original = ids(f);
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
            members: cluster_members,
            num_documents,
            boilerplate: false,
        },
        repeats,
        items,
    )
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
