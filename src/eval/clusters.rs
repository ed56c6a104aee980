//! Clusterings: the [`adjusted_rand_index`] of two partitions,
//! [`cluster_labels`] to build them, and [`cluster_outcome`] for one truth
//! cluster in a report.

use std::collections::{HashMap, HashSet};

use crate::corpus::DocId;
use crate::report::Report;

/// The adjusted Rand index of two clusterings of the same `n` items, given
/// as one label per item (items with equal labels are in one cluster).
///
/// 1 for identical partitions, about 0 for independent ones (it can be
/// negative). Computed from the contingency table as defined by Hubert and
/// Arabie (1985): `(Σᵢⱼ C(nᵢⱼ,2) − E) / (½(Σᵢ C(aᵢ,2) + Σⱼ C(bⱼ,2)) − E)` with
/// `E = Σᵢ C(aᵢ,2) · Σⱼ C(bⱼ,2) / C(n,2)`. When the denominator is 0 (both
/// partitions all singletons, or both one cluster) the partitions are
/// identical and the result is 1.
///
/// # Panics
///
/// If the two label slices have different lengths (a caller bug).
///
/// # Example
///
/// ```
/// use echodup::eval::adjusted_rand_index;
///
/// assert_eq!(adjusted_rand_index(&[0, 0, 1, 2], &[5, 5, 7, 9]), 1.0);
/// assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) < 0.0);
/// ```
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    assert_eq!(a.len(), b.len(), "clusterings of different item counts");
    let pairs = |c: u64| (c * c.saturating_sub(1) / 2) as f64;
    let mut cells: HashMap<(usize, usize), u64> = HashMap::new();
    let mut rows: HashMap<usize, u64> = HashMap::new();
    let mut cols: HashMap<usize, u64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *cells.entry((x, y)).or_default() += 1;
        *rows.entry(x).or_default() += 1;
        *cols.entry(y).or_default() += 1;
    }
    let index: f64 = cells.values().map(|&c| pairs(c)).sum();
    let sum_a: f64 = rows.values().map(|&c| pairs(c)).sum();
    let sum_b: f64 = cols.values().map(|&c| pairs(c)).sum();
    let total = pairs(a.len() as u64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sum_a * sum_b / total;
    let max = 0.5 * (sum_a + sum_b);
    if max == expected {
        1.0
    } else {
        (index - expected) / (max - expected)
    }
}

/// One label per item for `n` items grouped into `clusters` (lists of item
/// positions): items of one cluster share its position as label, every other
/// item gets a label of its own. Items listed in several clusters keep the
/// last one.
pub fn cluster_labels<C, I>(n: usize, clusters: C) -> Vec<usize>
where
    C: IntoIterator<Item = I>,
    I: IntoIterator<Item = DocId>,
{
    // Singletons get labels n + i; cluster k gets label k (k < n always
    // holds for clusters of two or more of n items).
    let mut labels: Vec<usize> = (n..2 * n).collect();
    for (k, members) in clusters.into_iter().enumerate() {
        for d in members {
            if let Some(l) = labels.get_mut(d.as_usize()) {
                *l = k;
            }
        }
    }
    labels
}

/// How a report's document clusters agree with truth clusters (stories):
/// from [`story_agreement`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoryAgreement {
    /// Adjusted Rand index of the report's clusters against the truth
    /// clusters (overlapping truth clusters merged; every other document a
    /// singleton), over all documents.
    pub ari: f64,
    /// Pairs of documents of one truth cluster that the report puts in one
    /// cluster, and all such pairs.
    pub same_story: (u64, u64),
    /// Reported document pairs whose two documents are not in one truth
    /// cluster.
    pub across_stories: u64,
}

/// Compares `report`'s clusters and pairs with `truth` clusters (lists of
/// members), for corpora whose truth is stories rather than pairs.
pub fn story_agreement(report: &Report, truth: &[Vec<DocId>]) -> StoryAgreement {
    let n = report.summaries().len();
    let stories = components(
        n,
        truth
            .iter()
            .flat_map(|m| m.iter().skip(1).map(move |&d| (m[0], d))),
    );
    let story = cluster_labels(n, stories.iter().map(|c| c.iter().copied()));
    let found = cluster_labels(n, report.clusters().iter().map(|c| c.members().to_vec()));
    let mut same = (0u64, 0u64);
    for members in &stories {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                same.1 += 1;
                same.0 += u64::from(found[a.as_usize()] == found[b.as_usize()]);
            }
        }
    }
    let across_stories = report
        .document_pairs()
        .filter(|p| story[p.a.as_usize()] != story[p.b.as_usize()])
        .count() as u64;
    StoryAgreement {
        ari: adjusted_rand_index(&story, &found),
        same_story: same,
        across_stories,
    }
}

/// Connected components (of two or more) of `pairs` over `n` items.
pub(super) fn components(
    n: usize,
    pairs: impl IntoIterator<Item = (DocId, DocId)>,
) -> Vec<Vec<DocId>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, b) in pairs {
        let (a, b) = (a.as_usize(), b.as_usize());
        if a >= n || b >= n {
            continue;
        }
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: HashMap<usize, Vec<DocId>> = HashMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(DocId::new(i as u32));
    }
    let mut out: Vec<Vec<DocId>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort_unstable();
    out
}

/// How a truth cluster fared in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClusterOutcome {
    /// Every member is in one report cluster.
    Found,
    /// Some members are clustered together, but not all in one cluster.
    Split,
    /// No two members are in one report cluster.
    Missed,
}

/// Whether the members of `members` ended up in one of `report`'s document
/// clusters.
pub fn cluster_outcome(report: &Report, members: &[DocId]) -> ClusterOutcome {
    let clusters = report.clusters();
    let labels: Vec<Option<usize>> = members.iter().map(|&d| clusters.cluster_of(d)).collect();
    if labels.iter().all(|l| l.is_some() && *l == labels[0]) {
        return ClusterOutcome::Found;
    }
    let mut seen = HashSet::new();
    if labels.iter().flatten().any(|l| !seen.insert(*l)) {
        ClusterOutcome::Split
    } else {
        ClusterOutcome::Missed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::Deduplicator;
    use crate::eval::pairs::tests::corpus;
    use crate::hash::SplitMix64;

    fn d(i: u32) -> DocId {
        DocId::new(i)
    }

    /// The textbook Rand index, adjusted by brute force over all pairs: an
    /// oracle for the contingency-table formula.
    fn naive_ari(a: &[usize], b: &[usize]) -> f64 {
        let n = a.len();
        let (mut both, mut in_a, mut in_b) = (0.0, 0.0, 0.0);
        for i in 0..n {
            for j in i + 1..n {
                let (x, y) = (a[i] == a[j], b[i] == b[j]);
                both += f64::from(u8::from(x && y));
                in_a += f64::from(u8::from(x));
                in_b += f64::from(u8::from(y));
            }
        }
        let total = (n * (n - 1) / 2) as f64;
        let expected = in_a * in_b / total;
        let max = 0.5 * (in_a + in_b);
        if max == expected {
            1.0
        } else {
            (both - expected) / (max - expected)
        }
    }

    #[test]
    fn ari_matches_naive_and_known_values() {
        // A known value: partitions {0,1,2}{3,4,5} vs {0,1}{2,3}{4,5}:
        // index 2, sums 6 and 3 over C(6,2)=15 pairs: (2 − 1.2)/(4.5 − 1.2).
        let a = [0, 0, 0, 1, 1, 1];
        let b = [0, 0, 1, 1, 2, 2];
        assert!((adjusted_rand_index(&a, &b) - 0.8 / 3.3).abs() < 1e-12);
        assert_eq!(adjusted_rand_index(&a, &[7, 7, 7, 9, 9, 9]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 1, 2], &[3, 4, 5]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[1, 1, 1]), 1.0);
        assert_eq!(adjusted_rand_index(&[], &[]), 1.0);
        let mut g = SplitMix64::new(5);
        for _ in 0..50 {
            let n = 2 + (g.next_u64() % 30) as usize;
            let a: Vec<usize> = (0..n).map(|_| (g.next_u64() % 5) as usize).collect();
            let b: Vec<usize> = (0..n).map(|_| (g.next_u64() % 7) as usize).collect();
            let (fast, slow) = (adjusted_rand_index(&a, &b), naive_ari(&a, &b));
            assert!((fast - slow).abs() < 1e-9, "{a:?} {b:?}: {fast} vs {slow}");
        }
    }

    #[test]
    fn labels_and_components() {
        let labels = cluster_labels(5, [vec![d(1), d(3)]]);
        assert_eq!(labels, vec![5, 0, 7, 0, 9]);
        let c = components(6, [(d(4), d(5)), (d(0), d(2)), (d(2), d(4))]);
        assert_eq!(c, vec![vec![d(0), d(2), d(4), d(5)]]);
    }

    #[test]
    fn cluster_outcomes() {
        let config = Config::new().threshold(0.8);
        let report = Deduplicator::new(config).unwrap().run(&corpus()).unwrap();
        assert_eq!(
            cluster_outcome(&report, &[d(0), d(1), d(3)]),
            ClusterOutcome::Found
        );
        assert_eq!(
            cluster_outcome(&report, &[d(0), d(2)]),
            ClusterOutcome::Missed
        );
        assert_eq!(
            cluster_outcome(&report, &[d(2), d(0), d(3)]),
            ClusterOutcome::Split
        );
    }
}
