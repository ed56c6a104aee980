//! Verified document pairs kept as groups ([`PairGroups`], private) and
//! expanded lazily ([`DocumentPairs`]).
//!
//! A group of m identical documents makes m(m − 1)/2 pairs, and a verified
//! pair of groups A and B makes |A|·|B|; the report keeps the groups and the
//! group pairs, memory linear in the corpus, and the iterator writes out the
//! document pairs in `(a, b)` order, holding the partners of one document
//! at a time.

use std::iter::FusedIterator;

use crate::corpus::DocId;
use crate::report::DocumentPair;
use crate::verify::Similarity;

/// No group: an empty document.
const NONE: u32 = u32::MAX;

/// The verified document pairs of a run in compressed form: groups of
/// identical documents, and verified pairs of groups with their similarity.
#[derive(Clone, Default)]
pub(crate) struct PairGroups {
    /// The group of each document, or `NONE`.
    group_of: Vec<u32>,
    /// The members of group `g` are `members[offsets[g]..offsets[g + 1]]`,
    /// ascending.
    offsets: Vec<u32>,
    members: Vec<DocId>,
    /// The verified partners of group `g` are
    /// `partners[partner_offsets[g]..partner_offsets[g + 1]]`: `(other group,
    /// similarity of g's members to the other's)`, sorted by group. Each
    /// group pair is listed from both sides.
    partner_offsets: Vec<u32>,
    partners: Vec<(u32, Both)>,
    /// Whether the content similarity decided (else the raw one).
    content_decides: bool,
    /// The number of document pairs.
    len: usize,
}

/// A pair's similarity on the whole text and on the content.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Both {
    pub(crate) raw: Similarity,
    pub(crate) content: Similarity,
}

impl Both {
    const IDENTICAL: Both = Both {
        raw: Similarity::IDENTICAL,
        content: Similarity::IDENTICAL,
    };

    /// The same value on both bases.
    pub(crate) fn same(s: Similarity) -> Both {
        Both { raw: s, content: s }
    }

    fn swapped(self) -> Both {
        Both {
            raw: self.raw.swapped(),
            content: self.content.swapped(),
        }
    }
}

impl PairGroups {
    /// Pairs of `num_docs` documents from `groups` of identical documents
    /// (each ascending, each document in at most one group) and `pairs` of
    /// groups `(a, b, similarity of a's members to b's)`, each once.
    ///
    /// # Panics
    ///
    /// If a group names a document at or past `num_docs`, or a pair a group
    /// that does not exist.
    #[cfg(test)]
    pub(crate) fn new<'g>(
        num_docs: usize,
        groups: impl IntoIterator<Item = &'g [DocId]>,
        pairs: &[(u32, u32, Similarity)],
    ) -> Self {
        let pairs: Vec<(u32, u32, Both)> = pairs
            .iter()
            .map(|&(a, b, s)| (a, b, Both::same(s)))
            .collect();
        Self::with_both(num_docs, groups, &pairs, false)
    }

    /// As `new`, with both similarities of each group pair; `content_decides`
    /// says which one [`DocumentPair::similarity`] shows.
    pub(crate) fn with_both<'g>(
        num_docs: usize,
        groups: impl IntoIterator<Item = &'g [DocId]>,
        pairs: &[(u32, u32, Both)],
        content_decides: bool,
    ) -> Self {
        let mut group_of = vec![NONE; num_docs];
        let mut offsets = vec![0u32];
        let mut members = Vec::new();
        for (g, group) in groups.into_iter().enumerate() {
            for &d in group {
                group_of[d.as_usize()] = g as u32;
            }
            members.extend_from_slice(group);
            offsets.push(members.len() as u32);
        }
        let num_groups = offsets.len() - 1;
        let size = |g: u32| (offsets[g as usize + 1] - offsets[g as usize]) as usize;
        let mut degree = vec![0u32; num_groups + 1];
        for &(a, b, _) in pairs {
            degree[a as usize + 1] += 1;
            degree[b as usize + 1] += 1;
        }
        let mut partner_offsets = degree;
        for g in 0..num_groups {
            partner_offsets[g + 1] += partner_offsets[g];
        }
        let mut fill: Vec<u32> = partner_offsets[..num_groups].to_vec();
        let mut partners = vec![(0, Both::IDENTICAL); 2 * pairs.len()];
        let mut len: usize = (0..num_groups as u32)
            .map(|g| size(g) * (size(g) - 1) / 2)
            .sum();
        for &(a, b, sim) in pairs {
            partners[fill[a as usize] as usize] = (b, sim);
            fill[a as usize] += 1;
            partners[fill[b as usize] as usize] = (a, sim.swapped());
            fill[b as usize] += 1;
            len += size(a) * size(b);
        }
        for g in 0..num_groups {
            let range = partner_offsets[g] as usize..partner_offsets[g + 1] as usize;
            partners[range].sort_unstable_by_key(|p| p.0);
        }
        PairGroups {
            group_of,
            offsets,
            members,
            partner_offsets,
            partners,
            content_decides,
            len,
        }
    }

    /// From a list of document pairs, each once (a report read back from
    /// its serde form): every document its own group.
    #[cfg(feature = "serde")]
    fn from_document_pairs(pairs: &[DocumentPair]) -> Self {
        let num_docs = pairs.iter().map(|p| p.a.max(p.b).as_usize() + 1).max();
        let num_docs = num_docs.unwrap_or(0);
        let singletons: Vec<DocId> = (0..num_docs as u32).map(DocId::new).collect();
        let group_pairs: Vec<(u32, u32, Both)> = pairs
            .iter()
            .map(|p| {
                // Written before pairs carried both: the one similarity.
                let old = p.raw == Similarity::zero() && p.content == Similarity::zero();
                let both = if old {
                    Both::same(p.similarity)
                } else {
                    Both {
                        raw: p.raw,
                        content: p.content,
                    }
                };
                (p.a.as_u32(), p.b.as_u32(), both)
            })
            .collect();
        let content_decides = pairs.first().is_some_and(|p| p.similarity == p.content);
        PairGroups::with_both(
            num_docs,
            singletons.chunks(1),
            &group_pairs,
            content_decides,
        )
    }

    /// The number of document pairs.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Groups of two or more identical documents plus verified group pairs:
    /// what is stored instead of the document pairs.
    pub(crate) fn num_stored(&self) -> usize {
        let big = (0..self.num_groups())
            .filter(|&g| self.group(g).len() > 1)
            .count();
        big + self.partners.len() / 2
    }

    fn num_groups(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    fn group(&self, g: u32) -> &[DocId] {
        &self.members[self.offsets[g as usize] as usize..self.offsets[g as usize + 1] as usize]
    }

    fn partners(&self, g: u32) -> &[(u32, Both)] {
        &self.partners[self.partner_offsets[g as usize] as usize
            ..self.partner_offsets[g as usize + 1] as usize]
    }

    fn group_of(&self, d: DocId) -> Option<u32> {
        self.group_of
            .get(d.as_usize())
            .copied()
            .filter(|&g| g != NONE)
    }

    /// Document pairs enough to connect the same documents: each group's
    /// members to its first, and the first members of each group pair.
    /// Linear in the stored groups.
    pub(crate) fn spanning_pairs(&self) -> impl Iterator<Item = (DocId, DocId)> + '_ {
        let within = (0..self.num_groups()).flat_map(move |g| {
            let group = self.group(g);
            group[1..].iter().map(move |&d| (group[0], d))
        });
        let across = (0..self.num_groups()).flat_map(move |g| {
            self.partners(g)
                .iter()
                .filter(move |p| p.0 > g)
                .map(move |p| (self.group(g)[0], self.group(p.0)[0]))
        });
        within.chain(across)
    }

    /// [`spanning_pairs`](Self::spanning_pairs) with the deciding similarity
    /// of the first document to the second (identical within a group): the
    /// edges star clustering needs, each group pair once.
    pub(crate) fn spanning_similarities(
        &self,
    ) -> impl Iterator<Item = (DocId, DocId, Similarity)> + '_ {
        let within = (0..self.num_groups()).flat_map(move |g| {
            let group = self.group(g);
            group[1..]
                .iter()
                .map(move |&d| (group[0], d, Similarity::IDENTICAL))
        });
        let across = (0..self.num_groups()).flat_map(move |g| {
            self.partners(g)
                .iter()
                .filter(move |p| p.0 > g)
                .map(move |p| (self.group(g)[0], self.group(p.0)[0], self.deciding(p.1)))
        });
        within.chain(across)
    }

    /// The similarity of `a` to `b` that decided, if they form a verified
    /// pair.
    pub(crate) fn similarity(&self, a: DocId, b: DocId) -> Option<Similarity> {
        self.both(a, b).map(|s| self.deciding(s))
    }

    /// Both similarities of `a` to `b` if they form a verified pair.
    pub(crate) fn both(&self, a: DocId, b: DocId) -> Option<Both> {
        let (ga, gb) = (self.group_of(a)?, self.group_of(b)?);
        if a == b {
            None
        } else if ga == gb {
            Some(Both::IDENTICAL)
        } else {
            let partners = self.partners(ga);
            let i = partners.binary_search_by_key(&gb, |p| p.0).ok()?;
            Some(partners[i].1)
        }
    }

    fn deciding(&self, s: Both) -> Similarity {
        if self.content_decides {
            s.content
        } else {
            s.raw
        }
    }

    /// The pairs, sorted by `(a, b)`.
    pub(crate) fn iter(&self) -> DocumentPairs<'_> {
        DocumentPairs {
            groups: self,
            next: 0,
            a: DocId::new(0),
            partners: Vec::new(),
            pos: 0,
            remaining: self.len,
        }
    }

    /// Fills `out` with the partners `b > a` of `a`, sorted.
    fn partners_after(&self, a: DocId, out: &mut Vec<(DocId, Both)>) {
        out.clear();
        let Some(g) = self.group_of(a) else {
            return;
        };
        let group = self.group(g);
        let after = group.partition_point(|&d| d <= a);
        out.extend(group[after..].iter().map(|&b| (b, Both::IDENTICAL)));
        let partners = self.partners(g);
        if partners.is_empty() {
            return;
        }
        for &(h, sim) in partners {
            let other = self.group(h);
            let after = other.partition_point(|&d| d <= a);
            out.extend(other[after..].iter().map(|&b| (b, sim)));
        }
        out.sort_unstable_by_key(|p| p.0);
    }
}

impl std::fmt::Debug for PairGroups {
    /// A summary: counts, not the groups.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairGroups")
            .field("documents", &self.group_of.len())
            .field("groups", &self.num_groups())
            .field("group_pairs", &(self.partners.len() / 2))
            .field("document_pairs", &self.len)
            .finish()
    }
}

/// The verified document pairs of a [`Report`](crate::Report), sorted by
/// `(a, b)`, from [`Report::document_pairs`](crate::Report::document_pairs).
///
/// The report keeps groups of identical documents and verified pairs of
/// groups; this iterator expands them one document `a` at a time, so it
/// holds at most the partners of one document, however many pairs there
/// are. `'a` borrows the report.
#[derive(Clone)]
pub struct DocumentPairs<'a> {
    groups: &'a PairGroups,
    /// The next document whose partners are gathered.
    next: u32,
    /// The document whose partners are in `partners`.
    a: DocId,
    partners: Vec<(DocId, Both)>,
    pos: usize,
    remaining: usize,
}

impl Iterator for DocumentPairs<'_> {
    type Item = DocumentPair;

    fn next(&mut self) -> Option<DocumentPair> {
        while self.pos == self.partners.len() {
            if self.remaining == 0 || self.next as usize >= self.groups.group_of.len() {
                return None;
            }
            self.a = DocId::new(self.next);
            self.next += 1;
            self.groups.partners_after(self.a, &mut self.partners);
            self.pos = 0;
        }
        let (b, both) = self.partners[self.pos];
        self.pos += 1;
        self.remaining -= 1;
        Some(DocumentPair {
            a: self.a,
            b,
            similarity: self.groups.deciding(both),
            raw: both.raw,
            content: both.content,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for DocumentPairs<'_> {}

impl std::fmt::Debug for DocumentPairs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentPairs")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl FusedIterator for DocumentPairs<'_> {}

#[cfg(feature = "serde")]
impl serde::Serialize for PairGroups {
    /// The serde form is the list of document pairs, written as it is
    /// expanded.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for PairGroups {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = Vec::<DocumentPair>::deserialize(deserializer)?;
        Ok(PairGroups::from_document_pairs(&pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    fn sim(j: f64) -> Similarity {
        Similarity {
            jaccard: j,
            containment_ab: j,
            containment_ba: j / 2.0,
        }
    }

    /// Every pair written out, the way the report used to hold them.
    fn naive(groups: &[Vec<DocId>], pairs: &[(u32, u32, Similarity)]) -> Vec<DocumentPair> {
        let mut out = Vec::new();
        for g in groups {
            for (i, &a) in g.iter().enumerate() {
                for &b in &g[i + 1..] {
                    out.push(DocumentPair {
                        a,
                        b,
                        similarity: Similarity::IDENTICAL,
                        raw: Similarity::IDENTICAL,
                        content: Similarity::IDENTICAL,
                    });
                }
            }
        }
        for &(x, y, s) in pairs {
            for &a in &groups[x as usize] {
                for &b in &groups[y as usize] {
                    out.push(if a < b {
                        DocumentPair {
                            a,
                            b,
                            similarity: s,
                            raw: s,
                            content: s,
                        }
                    } else {
                        DocumentPair {
                            a: b,
                            b: a,
                            similarity: s.swapped(),
                            raw: s.swapped(),
                            content: s.swapped(),
                        }
                    });
                }
            }
        }
        out.sort_unstable_by_key(|p| (p.a, p.b));
        out
    }

    proptest! {
        #[test]
        fn expanded_pairs_equal_naive_expansion(
            n in 0usize..40,
            assign in prop::collection::vec(0u32..12, 40),
            raw in prop::collection::vec((0u32..12, 0u32..12, 0u32..100), 0..30),
        ) {
            // Documents 0..n in groups numbered by first member; document i
            // is empty when assign[i] == 11.
            let mut groups: Vec<Vec<DocId>> = Vec::new();
            let mut label_group = std::collections::HashMap::new();
            for (i, &label) in assign.iter().enumerate().take(n) {
                if label == 11 {
                    continue;
                }
                let g = *label_group.entry(label).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[g].push(DocId::new(i as u32));
            }
            let k = groups.len() as u32;
            let mut pairs: Vec<(u32, u32, Similarity)> = raw
                .into_iter()
                .filter(|&(a, b, _)| a < b && b < k)
                .map(|(a, b, s)| (a, b, sim(f64::from(s) / 100.0)))
                .collect();
            pairs.sort_unstable_by_key(|p| (p.0, p.1));
            pairs.dedup_by_key(|p| (p.0, p.1));
            let stored = PairGroups::new(n, groups.iter().map(|g| g.as_slice()), &pairs);
            let want = naive(&groups, &pairs);
            let it = stored.iter();
            prop_assert_eq!(it.len(), want.len());
            prop_assert_eq!(stored.len(), want.len());
            let got: Vec<DocumentPair> = it.collect();
            prop_assert_eq!(&got, &want);
            for p in &want {
                prop_assert_eq!(stored.similarity(p.a, p.b), Some(p.similarity));
                prop_assert_eq!(stored.similarity(p.b, p.a), Some(p.similarity.swapped()));
            }
            let mut it = stored.iter();
            for _ in 0..want.len() / 2 {
                it.next();
            }
            prop_assert_eq!(it.size_hint(), (want.len() - want.len() / 2, Some(want.len() - want.len() / 2)));
        }
    }

    #[test]
    fn documents_that_are_not_paired_have_no_similarity() {
        let d = DocId::new;
        let groups = [vec![d(0), d(2)], vec![d(1)], vec![d(3)]];
        let stored = PairGroups::new(5, groups.iter().map(|g| g.as_slice()), &[(0, 2, sim(0.9))]);
        assert_eq!(stored.similarity(d(0), d(2)), Some(Similarity::IDENTICAL));
        assert_eq!(stored.similarity(d(3), d(2)), Some(sim(0.9).swapped()));
        assert_eq!(stored.similarity(d(0), d(1)), None);
        assert_eq!(stored.similarity(d(0), d(0)), None);
        assert_eq!(stored.similarity(d(0), d(4)), None);
        assert_eq!(stored.similarity(d(0), d(9)), None);
        assert_eq!(stored.len(), 3);
        assert_eq!(stored.num_stored(), 2);
        assert_eq!(
            format!("{:?}", stored.iter()),
            "DocumentPairs { remaining: 3, .. }"
        );
        let mut it = stored.iter();
        assert_eq!(it.by_ref().count(), 3);
        assert_eq!(it.next(), None);
    }
}
