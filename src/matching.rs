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
use crate::lsh::{Banding, band_key};
use crate::minhash::MinHasher;
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
    pub(crate) groups: Groups,
    /// Slots per signature.
    pub(crate) num_perm: usize,
    /// The signatures of the groups, `num_perm` slots each, in one buffer
    /// (empty in exact mode, where they are not kept).
    pub(crate) signatures: Vec<u32>,
    /// Verified pairs of groups `(a, b, similarity of a to b)`, `a < b`, sorted.
    pub(crate) pairs: Vec<GroupPair>,
    /// Candidate group pairs examined.
    pub(crate) candidates: u64,
}

impl Matches {
    /// The signature of a group (estimate mode only).
    pub(crate) fn signature(&self, group: u32) -> &[u32] {
        let k = self.num_perm;
        &self.signatures[group as usize * k..(group as usize + 1) * k]
    }
}

/// Groups of identical items in compressed form: the members of group `g`
/// are `items[offsets[g]..offsets[g + 1]]`, ascending.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Groups {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    /// The number of groups.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The members of group `g`, ascending.
    pub(crate) fn members(&self, g: u32) -> &[u32] {
        let g = g as usize;
        &self.items[self.offsets[g] as usize..self.offsets[g + 1] as usize]
    }

    /// The members of every group, in group order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        (0..self.len() as u32).map(|g| self.members(g))
    }
}

/// Groups identical sets. Returns (group of each item, groups), groups
/// numbered in order of first occurrence.
pub(crate) fn group_identical(sets: &[&ShingleSet]) -> (Vec<u32>, Groups) {
    const NONE: u32 = u32::MAX;
    let fingerprints: Vec<u64> = sets.par_iter().map(|s| s.fingerprint()).collect();
    // Fingerprint -> first group with it; further groups with the same
    // fingerprint (different sets that collide) are chained through `next`.
    let mut by_fp: KeyMap<u32> = KeyMap::default();
    let mut first_item: Vec<u32> = Vec::new();
    let mut next: Vec<u32> = Vec::new();
    let mut group_of = Vec::with_capacity(sets.len());
    for (i, (&fp, set)) in fingerprints.iter().zip(sets).enumerate() {
        let head = *by_fp.entry(fp).or_insert(NONE);
        let mut g = head;
        while g != NONE && sets[first_item[g as usize] as usize] != *set {
            g = next[g as usize];
        }
        if g == NONE {
            g = first_item.len() as u32;
            first_item.push(i as u32);
            next.push(head);
            by_fp.insert(fp, g);
        }
        group_of.push(g);
    }
    // Counting sort of items by group.
    let mut offsets = vec![0u32; first_item.len() + 1];
    for &g in &group_of {
        offsets[g as usize + 1] += 1;
    }
    for g in 0..first_item.len() {
        offsets[g + 1] += offsets[g];
    }
    let mut fill = offsets.clone();
    let mut items = vec![0u32; group_of.len()];
    for (i, &g) in group_of.iter().enumerate() {
        items[fill[g as usize] as usize] = i as u32;
        fill[g as usize] += 1;
    }
    (group_of, Groups { offsets, items })
}

/// Runs the engine over `sets` (none of them empty).
pub(crate) fn find_matches(sets: &[&ShingleSet], p: MatchParams<'_>) -> crate::Result<Matches> {
    let (group_of, groups) = group_identical(sets);
    let reps: Vec<&ShingleSet> = groups.iter().map(|g| sets[g[0] as usize]).collect();
    // Signatures in one flat buffer, `num_perm` slots per group: one
    // allocation instead of one per group.
    let k = p.hasher.num_perm();
    let mut signatures = vec![u32::MAX; reps.len() * k];
    signatures
        .par_chunks_mut(k)
        .zip(reps.par_iter())
        .for_each(|(slots, s)| p.hasher.update(slots, s.as_slice().iter().copied()));
    let (bands, rows) = (p.banding.bands(), p.banding.rows());
    let keys: Vec<u64> = signatures
        .par_chunks(k)
        .flat_map_iter(|sig| {
            sig.chunks_exact(rows)
                .enumerate()
                .map(|(band, values)| band_key(values, p.seed, band as u32))
        })
        .collect();
    let sig = |g: usize| &signatures[g * k..(g + 1) * k];
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
                    Verification::Estimate => Similarity::estimate_from_slots(
                        sig(c),
                        reps[c].len(),
                        sig(g),
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
        num_perm: k,
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
    // Each band's column packs the upper 32 bits of the key with the item id
    // into one u64, so a column sorts as plain integers (half the bytes of
    // `(u64, u32)` tuples). Runs of equal upper halves are then split by the
    // full key, so a 32-bit collision never makes a candidate.
    let mut columns: Vec<Vec<u64>> = (0..bands).map(|_| Vec::with_capacity(n)).collect();
    for (i, item_keys) in keys.chunks_exact(bands.max(1)).enumerate() {
        for (column, &key) in columns.iter_mut().zip(item_keys) {
            column.push((key & 0xFFFF_FFFF_0000_0000) | i as u64);
        }
    }
    let mut pairs: Vec<(u32, u32)> = columns
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(band, mut column)| {
            column.sort_unstable();
            let mut out = Vec::new();
            let mut run: Vec<(u64, u32)> = Vec::new();
            let mut start = 0;
            while start < column.len() {
                let high = column[start] >> 32;
                let mut end = start + 1;
                while end < column.len() && column[end] >> 32 == high {
                    end += 1;
                }
                if end - start > 1 {
                    // Full keys of the run, sorted by (key, id): equal keys
                    // are buckets, ids ascending inside each.
                    run.clear();
                    run.extend(column[start..end].iter().map(|&packed| {
                        let id = packed as u32;
                        (keys[id as usize * bands + band], id)
                    }));
                    run.sort_unstable();
                    let mut b = 0;
                    while b < run.len() {
                        let mut e = b + 1;
                        while e < run.len() && run[e].0 == run[b].0 {
                            e += 1;
                        }
                        for x in b..e {
                            for y in x + 1..e {
                                out.push((run[x].1, run[y].1));
                            }
                        }
                        b = e;
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
    use crate::minhash::Signature;
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
    fn keys_sharing_only_their_upper_half_are_not_candidates() {
        let keys = [
            0x1234_5678_0000_0001u64,
            0x1234_5678_0000_0002,
            0x1234_5678_0000_0001,
            7,
        ];
        assert_eq!(sorted_candidate_pairs(&keys, 1), vec![(0, 2)]);
        // Two bands, item-major.
        let keys = [1u64, 5, 2, 5, 1, 6];
        assert_eq!(sorted_candidate_pairs(&keys, 2), vec![(0, 1), (0, 2)]);
    }

    #[test]
    fn identical_sets_are_grouped_in_first_occurrence_order() {
        let a = ShingleSet::from_hashes([1, 2, 3]);
        let b = ShingleSet::from_hashes([4, 5]);
        let sets = [&b, &a, &b, &a, &a];
        let (group_of, groups) = group_identical(&sets);
        assert_eq!(group_of, vec![0, 1, 0, 1, 1]);
        let members: Vec<&[u32]> = groups.iter().collect();
        assert_eq!(members, vec![&[0, 2][..], &[1, 3, 4][..]]);
    }
}
