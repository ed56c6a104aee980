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

use crate::index::{KeyMap, LshIndex};
use crate::lsh::Banding;
use crate::minhash::{MinHasher, Signature};
use crate::shingle::ShingleSet;
use crate::verify::{Measure, Similarity, Verification};

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
    pub(crate) pairs: Vec<(u32, u32, Similarity)>,
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
        .map(|s| p.hasher.signature_from_shingles(s.as_slice().iter().copied()))
        .collect();
    let keys: Vec<Vec<u64>> = signatures
        .par_iter()
        .map(|sig| p.banding.band_keys(sig, p.seed).map(|(_, k)| k).collect())
        .collect();
    let mut index = LshIndex::new(p.banding, p.seed);
    for k in &keys {
        index.insert_keys(k)?;
    }
    let per_group: Vec<(u64, Vec<(u32, u32, Similarity)>)> = (0..groups.len())
        .into_par_iter()
        .map(|g| {
            let cands = index.query_keys(&keys[g], g as u32);
            let mut found = Vec::new();
            for &c in &cands {
                let sim = match p.verification {
                    Verification::Exact => Similarity::exact(reps[c as usize], reps[g]),
                    Verification::Estimate => Similarity::estimate(
                        &signatures[c as usize],
                        reps[c as usize].len(),
                        &signatures[g],
                        reps[g].len(),
                    ),
                };
                if sim.score(p.measure) >= p.threshold {
                    found.push((c, g as u32, sim));
                }
            }
            (cands.len() as u64, found)
        })
        .collect();
    let candidates = per_group.iter().map(|(c, _)| c).sum();
    let mut pairs: Vec<(u32, u32, Similarity)> =
        per_group.into_iter().flat_map(|(_, f)| f).collect();
    pairs.sort_unstable_by_key(|&(a, b, _)| (a, b));
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

#[cfg(test)]
mod tests {
    use super::*;

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
