//! The matching engine shared by documents and passages: collapse identical
//! sets, sketch, band, generate candidates, verify.
//!
//! Items are shingle sets in input order (ids 0..n). Items with identical sets
//! form a *group* (found by fingerprint, then compared, so a fingerprint
//! collision can never merge different sets); only one member per group is
//! sketched and indexed, so boilerplate shared by 100,000 articles is one
//! index entry, not a quadratic bucket. Each group is then queried against the
//! groups before it, and every candidate is verified.
//!
//! Parallel with rayon over groups; every output is collected in input order,
//! so results do not depend on the thread count.

use rayon::prelude::*;

use crate::index::KeyMap;
use crate::lsh::Banding;
use crate::minhash::{MinHasher, Signature};
use crate::shingle::ShingleSet;
use crate::verify::{Measure, Similarity, Verification};

/// A verified pair of groups `(a, b, similarity of a to b)`.
type GroupPair = (u32, u32, Similarity);

/// What the engine needs besides the items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchParams<'a> {
    pub(crate) hasher: &'a MinHasher,
    pub(crate) banding: Banding,
    pub(crate) seed: u64,
    pub(crate) threshold: f64,
    pub(crate) measure: Measure,
    pub(crate) verification: Verification,
}

/// The engine's output.
#[derive(Debug, Default)]
pub(crate) struct Matches {
    /// The group of each item.
    pub(crate) group_of: Vec<u32>,
    /// The items of each group, ascending; groups ordered by first item.
    pub(crate) groups: Vec<Vec<u32>>,
    /// The signature of each group (empty in exact mode, where they are not kept).
    pub(crate) signatures: Vec<Signature>,
    /// Verified pairs of groups `(a, b, similarity of a to b)`, `a < b`, sorted.
    pub(crate) pairs: Vec<GroupPair>,
    /// Candidate group pairs examined.
    pub(crate) candidates: u64,
}

/// Groups identical sets. Returns (group of each item, items of each group).
pub(crate) fn group_identical(sets: &[&ShingleSet]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let fingerprints: Vec<u64> = sets.par_iter().map(|s| s.fingerprint()).collect();
    let mut by_fp: KeyMap<Vec<u32>> = KeyMap::default();
    let mut group_of = Vec::with_capacity(sets.len());
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for (i, (&fp, set)) in fingerprints.iter().zip(sets).enumerate() {
        let candidates = by_fp.entry(fp).or_default();
        let found = candidates
            .iter()
            .copied()
            .find(|&g| sets[groups[g as usize][0] as usize] == *set);
        let g = match found {
            Some(g) => g,
            None => {
                let g = groups.len() as u32;
                groups.push(Vec::new());
                candidates.push(g);
                g
            }
        };
        groups[g as usize].push(i as u32);
        group_of.push(g);
    }
    (group_of, groups)
}

/// Runs the engine over `sets` (none of them empty).
pub(crate) fn find_matches(sets: &[&ShingleSet], p: MatchParams<'_>) -> crate::Result<Matches> {
    let (group_of, groups) = group_identical(sets);
    let reps: Vec<&ShingleSet> = groups.iter().map(|g| sets[g[0] as usize]).collect();
    let signatures: Vec<Signature> = reps
        .par_iter()
        .map(|s| {
            p.hasher
                .signature_from_shingles(s.as_slice().iter().copied())
        })
        .collect();
    let bands = p.banding.bands();
    let keys: Vec<u64> = signatures
        .par_iter()
        .flat_map_iter(|sig| p.banding.band_keys(sig, p.seed).map(|(_, k)| k))
        .collect();
    let candidate_pairs = sorted_candidate_pairs(&keys, bands);
    // Verify, in parallel over chunks of candidates, keeping their order.
    let per_group: Vec<(u64, Vec<GroupPair>)> = candidate_pairs
        .par_chunks(4096)
        .map(|chunk| {
            let mut found = Vec::new();
            for &(c, g) in chunk {
                let (c, g) = (c as usize, g as usize);
                let sim = match p.verification {
                    Verification::Exact => Similarity::exact(reps[c], reps[g]),
                    Verification::Estimate => Similarity::estimate(
                        &signatures[c],
                        reps[c].len(),
                        &signatures[g],
                        reps[g].len(),
                    ),
                };
                if sim.score(p.measure) >= p.threshold {
                    found.push((c as u32, g as u32, sim));
                }
            }
            (chunk.len() as u64, found)
        })
        .collect();
    let candidates = per_group.iter().map(|(c, _)| c).sum();
    let pairs: Vec<GroupPair> = per_group.into_iter().flat_map(|(_, f)| f).collect();
    let signatures = match p.verification {
        Verification::Exact => Vec::new(),
        Verification::Estimate => signatures,
    };
    Ok(Matches {
        group_of,
        groups,
        signatures,
        pairs,
        candidates,
    })
}

/// Every pair `(a, b)`, `a < b`, of items that share a key in some band,
/// sorted, each once. `keys` holds `bands` keys per item, item-major.
///
/// Sort-based: each band's `(key, item)` list is sorted on its own (in
/// parallel over bands) and runs of equal keys are buckets. This touches
/// memory in order, unlike hash-table lookups, and needs no locks.
pub(crate) fn sorted_candidate_pairs(keys: &[u64], bands: usize) -> Vec<(u32, u32)> {
    let n = keys.len() / bands.max(1);
    let mut pairs: Vec<(u32, u32)> = (0..bands)
        .into_par_iter()
        .flat_map_iter(|band| {
            let mut column: Vec<(u64, u32)> =
                (0..n).map(|i| (keys[i * bands + band], i as u32)).collect();
            column.sort_unstable();
            let mut out = Vec::new();
            let mut start = 0;
            while start < column.len() {
                let mut end = start + 1;
                while end < column.len() && column[end].0 == column[start].0 {
                    end += 1;
                }
                for i in start..end {
                    for j in i + 1..end {
                        out.push((column[i].1, column[j].1));
                    }
                }
                start = end;
            }
            out
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::index::LshIndex;
    use crate::lsh::Banding;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorted_candidates_equal_index_candidates(seed in any::<u64>(), n in 0usize..60, rows in 1usize..4) {
            let banding = Banding::new(6, rows).unwrap();
            let hasher = MinHasher::new(banding.num_perm(), seed);
            let mut g = crate::hash::SplitMix64::new(seed);
            let sigs: Vec<Signature> = (0..n).map(|_| {
                let len = 1 + g.next_u64() % 5;
                hasher.signature_from_shingles((0..len).map(|_| g.next_u64() % 10))
            }).collect();
            let mut index = LshIndex::new(banding, 3);
            let mut keys = Vec::new();
            for s in &sigs {
                index.insert(s).unwrap();
                keys.extend(banding.band_keys(s, 3).map(|(_, k)| k));
            }
            prop_assert_eq!(sorted_candidate_pairs(&keys, banding.bands()), index.candidate_pairs());
        }
    }

    #[test]
    fn identical_sets_are_grouped_in_first_occurrence_order() {
        let a = ShingleSet::from_hashes([1, 2, 3]);
        let b = ShingleSet::from_hashes([4, 5]);
        let sets = [&b, &a, &b, &a, &a];
        let (group_of, groups) = group_identical(&sets);
        assert_eq!(group_of, vec![0, 1, 0, 1, 1]);
        assert_eq!(groups, vec![vec![0, 2], vec![1, 3, 4]]);
    }
}
