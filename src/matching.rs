//! The matching engine shared by documents and passages: collapse identical
//! sets, band, generate candidates, verify.
//!
//! The engine works on [`SketchColumns`]: for each item (a document or a passage,
//! ids `0..n` in input order) a 128-bit fingerprint of its shingle set, the
//! set's size and its band keys. The shingle sets themselves are not held
//! here: only the items that end up in a candidate pair are asked for their
//! set again (from the caller's source, which borrows a set kept from the
//! first analysis, re-analyzes the text or borrows an analysis), so memory
//! is set by the sketches, about 150 bytes per item with 32 bands (20 when
//! the band keys are spilled to disk and read back one band at a time), and
//! by what the caller chooses to keep, not by the text.
//!
//! Steps, each parallel with rayon and collected in input order, so results
//! do not depend on the thread count:
//!
//! 1. Items with identical sets form a *group* (equal 128-bit fingerprints;
//!    a collision among 10⁹ sets has probability below 10⁻²⁰); only the first
//!    member of a group is banded, so boilerplate shared by 100,000 articles
//!    is one entry, not a quadratic bucket.
//! 2. Candidates: each band's keys are sorted, and runs of equal keys are
//!    buckets. A bucket of more than `max_bucket` groups (near-identical
//!    boilerplate with a varying date, say) is not expanded into all its
//!    pairs: its members are ordered by content (the rank of their
//!    fingerprints, not their position in the input), and each is paired
//!    with the first of that order and with its predecessor, 2m pairs instead
//!    of m²/2. The pairs left out are counted.
//! 3. Every candidate is verified on the exact sets (or the signatures in
//!    estimate mode). The sets are fetched a wave of connected components
//!    of the candidate graph at a time, within a byte budget
//!    (`MatchParams::set_bytes`, from `Config::kept_set_bytes`), and
//!    dropped after the wave: every pair that verification can link lies
//!    inside one component, so the caller's work that needs two sets
//!    (similarities inside a passage cluster, a document pair's similarity
//!    on its other basis) runs per component while they are held.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::cluster::UnionFind;
use crate::prefilter::SignaturePrefilter;
use crate::shingle::ShingleSet;
use crate::sketch::SketchColumns;
use crate::verify::{Evidence, Similarity, Verification, Verifier};

/// A verified pair of groups `(a, b, similarity of a to b)`.
type GroupPair = (u32, u32, Similarity);

/// What the engine needs besides the items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchParams {
    /// Decides each candidate pair.
    pub(crate) verifier: Verifier,
    /// Buckets larger than this are capped (star and chain pairs).
    pub(crate) max_bucket: usize,
    /// The miss probability of the signature pre-filter in exact mode
    /// (`None`: off). The sketches must hold signatures when it is on.
    pub(crate) prefilter: Option<f64>,
    /// With band keys spilled to disk, the bytes of band columns in memory
    /// at a time ([`Config::max_key_memory`](crate::Config::max_key_memory)).
    pub(crate) max_key_memory: usize,
    /// The most bytes of sets fetched for verification held at a time
    /// (whole components of the candidate graph; at least one).
    pub(crate) set_bytes: usize,
}

/// The engine's output.
#[derive(Debug, Default)]
pub(crate) struct Matches {
    /// The group of each item.
    pub(crate) group_of: Vec<u32>,
    /// The items of each group, ascending; groups ordered by first item.
    pub(crate) groups: Groups,
    /// Verified pairs of groups `(a, b, similarity of a to b)`, `a < b`, sorted.
    pub(crate) pairs: Vec<GroupPair>,
    /// Candidate group pairs examined.
    pub(crate) candidates: u64,
    /// Buckets larger than `max_bucket`, expanded to star and chain pairs.
    pub(crate) capped_buckets: u64,
    /// Pairs of those buckets that were not emitted (summed over buckets).
    pub(crate) capped_pairs_skipped: u64,
}

/// What the engine's caller gives for a group: the set verification
/// decides on and, optionally, a second set that its per-component work
/// needs (a document's set without its boilerplate, say).
#[derive(Debug)]
pub(crate) struct Fetched<'a> {
    /// The set verified.
    pub(crate) set: Cow<'a, ShingleSet>,
    /// Another set of the same item, for the caller.
    pub(crate) other: Option<ShingleSet>,
}

impl<'a> From<Cow<'a, ShingleSet>> for Fetched<'a> {
    fn from(set: Cow<'a, ShingleSet>) -> Self {
        Fetched { set, other: None }
    }
}

/// One connected component of the candidate graph (groups linked by
/// candidate pairs), while its sets are in memory: its groups, its
/// verified pairs, and the evidence of any two of its groups. Every pair of
/// groups that verification links lies inside one component, so whatever
/// needs the sets of linked groups (similarities inside a cluster) is
/// computed here.
pub(crate) struct Component<'c, 'a> {
    /// The component's groups, ascending.
    pub(crate) groups: &'c [u32],
    /// Its verified pairs, sorted.
    pub(crate) pairs: &'c [GroupPair],
    /// The group of each item.
    pub(crate) group_of: &'c [u32],
    /// The items of each group.
    pub(crate) members: &'c Groups,
    sets: &'c [Fetched<'a>],
    /// Position of each group's set in `sets` (valid for this component's
    /// groups).
    slot: &'c [u32],
    sketches: &'c SketchColumns,
    verifier: &'c Verifier,
}

impl Component<'_, '_> {
    /// The set fetched for group `g` of this component (exact mode).
    pub(crate) fn set(&self, g: u32) -> Option<&ShingleSet> {
        self.fetched(g).map(|f| &*f.set)
    }

    /// The second set fetched for group `g`, if the caller gave one.
    pub(crate) fn other(&self, g: u32) -> Option<&ShingleSet> {
        self.fetched(g).and_then(|f| f.other.as_ref())
    }

    fn fetched(&self, g: u32) -> Option<&Fetched<'_>> {
        let s = *self.slot.get(g as usize)?;
        self.sets.get(s as usize)
    }

    /// The similarity of items `a` and `b`, whose groups are in this
    /// component (or are one group).
    pub(crate) fn similarity(&self, a: u32, b: u32) -> Similarity {
        let (ga, gb) = (self.group_of[a as usize], self.group_of[b as usize]);
        if ga == gb {
            return Similarity::IDENTICAL;
        }
        let first = |g: u32| self.members.members(g)[0];
        let sets = |g: u32| self.set(g);
        match group_evidence(sets, self.sketches, self.verifier, first, ga, gb) {
            Some((x, y)) => self.verifier.similarity(x, y),
            // Unreachable: both groups are in this component.
            None => Similarity::zero(),
        }
    }
}

/// The evidence of groups `a` and `b`: their fetched sets `set(g)` (exact
/// mode), or the signatures of their first items `first(g)` (estimate
/// mode).
fn group_evidence<'s>(
    set: impl Fn(u32) -> Option<&'s ShingleSet>,
    sketches: &'s SketchColumns,
    verifier: &Verifier,
    first: impl Fn(u32) -> u32,
    a: u32,
    b: u32,
) -> Option<(Evidence<'s>, Evidence<'s>)> {
    match verifier.verification() {
        Verification::Exact => Some((Evidence::Set(set(a)?), Evidence::Set(set(b)?))),
        Verification::Estimate => {
            let item = |g| {
                let i = first(g);
                Evidence::Signature {
                    slots: sketches.signature(i),
                    size: sketches.size(i),
                }
            };
            Some((item(a), item(b)))
        }
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

/// Groups items with equal fingerprints. Returns (group of each item,
/// groups, groups in content order), groups numbered in order of first
/// occurrence. The content order lists the groups by fingerprint, so it is
/// the same whatever the order of the input.
///
/// Sort-based and parallel: items sorted by `(fingerprint, item)` put each
/// group in one run, members ascending.
pub(crate) fn group_identical(fingerprints: &[u128]) -> (Vec<u32>, Groups, Vec<u32>) {
    let n = fingerprints.len();
    let order = fingerprint_order(fingerprints);
    // Runs of equal fingerprints, as (first item, start, end) in `order`.
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    let mut start = 0;
    while start < n {
        let fp = fingerprints[order[start] as usize];
        let mut end = start + 1;
        while end < n && fingerprints[order[end] as usize] == fp {
            end += 1;
        }
        runs.push((order[start], start as u32, end as u32));
        start = end;
    }
    // Groups in order of their first item; `rank` remembers the
    // fingerprint order.
    let mut runs: Vec<(u32, u32, u32, u32)> = runs
        .into_iter()
        .enumerate()
        .map(|(rank, (first, s, e))| (first, s, e, rank as u32))
        .collect();
    sort_by_key_on_pool(&mut runs, |r| r.0);
    let mut content_order = vec![0u32; runs.len()];
    let mut group_of = vec![0u32; n];
    let mut offsets = Vec::with_capacity(runs.len() + 1);
    let mut items = Vec::with_capacity(n);
    offsets.push(0u32);
    for (g, &(_, s, e, rank)) in runs.iter().enumerate() {
        content_order[rank as usize] = g as u32;
        for &item in &order[s as usize..e as usize] {
            group_of[item as usize] = g as u32;
            items.push(item);
        }
        offsets.push(items.len() as u32);
    }
    (group_of, Groups { offsets, items }, content_order)
}

/// Sorts `v` (unstable) on the current rayon pool: rayon's parallel sort
/// with more than one thread, the standard library's with one, where
/// rayon's runs as a sequential sort about 1.5 times slower than the
/// standard library's newer one (ipnsort, Rust 1.81) on the pair lists
/// sorted here (measured: 29–40 against 18–25 ns per `u64` at 1,000,000
/// values, BENCHMARKS.md). Band columns and fingerprint keys, sorted only
/// to group equal hashes, take the radix sorts of [`crate::radix`].
pub(crate) fn sort_on_pool<T: Ord + Send>(v: &mut [T]) {
    if rayon::current_num_threads() > 1 {
        v.par_sort_unstable();
    } else {
        v.sort_unstable();
    }
}

/// [`sort_on_pool`] by a key.
pub(crate) fn sort_by_key_on_pool<T, K, F>(v: &mut [T], key: F)
where
    T: Send,
    K: Ord,
    F: Fn(&T) -> K + Sync,
{
    if rayon::current_num_threads() > 1 {
        v.par_sort_unstable_by_key(key);
    } else {
        v.sort_unstable_by_key(key);
    }
}

/// The items ordered by `(fingerprint, item)`.
///
/// Sorted as `top 32 bits of the fingerprint << 32 | item` values held in
/// the sorted array itself, not as item numbers compared through the
/// fingerprints: a sort of item numbers reads two fingerprints from
/// anywhere in the column on every comparison, a cache miss each past a few
/// hundred thousand items. Items whose top bits tie (identical sets, or a
/// collision of the top bits) are then ordered by the whole fingerprint
/// within their run, so the order is exactly that of `(fingerprint, item)`.
/// Items are numbered in `u32` (`to_u32` checks it before sketching).
fn fingerprint_order(fingerprints: &[u128]) -> Vec<u32> {
    let mut keyed: Vec<u64> = fingerprints
        .iter()
        .enumerate()
        .map(|(i, &fp)| (((fp >> 96) as u64) << 32) | i as u64)
        .collect();
    // Items pushed in order, and the sort stable: the order of
    // `sort_unstable`.
    crate::radix::par_sort_by_high_halves(&mut keyed, &mut Vec::new());
    let mut order: Vec<u32> = keyed.iter().map(|&k| k as u32).collect();
    for run in runs_of_equal_high_halves(&keyed) {
        if run.len() > 1 {
            order[run].sort_unstable_by_key(|&i| (fingerprints[i as usize], i));
        }
    }
    order
}

/// The runs of values with equal high 32 bits in `sorted`, in order.
fn runs_of_equal_high_halves(sorted: &[u64]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        let high = sorted.get(start)? >> 32;
        let end = start
            + sorted[start..]
                .iter()
                .position(|&v| v >> 32 != high)
                .unwrap_or(sorted.len() - start);
        let run = start..end;
        start = end;
        Some(run)
    })
}

/// Runs the engine over `sketches`. `set_of(item)` gives an item's shingle
/// set again; it is called once for each group that takes part in a
/// candidate pair, with the group's first item (exact mode only).
/// `each(component)` is called once for each connected component of the
/// candidate graph while its sets are in memory; its results come back in
/// the order of the components' smallest groups.
///
/// The sets are fetched a wave of components at a time: components in
/// order while their sets (8 bytes a shingle, from the sketches' sizes) fit
/// in `p.set_bytes`, at least one, so a component larger than that is held
/// whole. Which components share a wave depends only on the sketches, and
/// no result depends on it.
pub(crate) fn find_matches<'a, F, P, T>(
    sketches: &SketchColumns,
    p: MatchParams,
    set_of: F,
    each: P,
) -> crate::Result<(Matches, Vec<T>)>
where
    F: Fn(u32) -> Fetched<'a> + Sync,
    P: Fn(&Component<'_, 'a>) -> T + Sync,
    T: Send,
{
    find_matches_with(sketches, p, &[], set_of, each)
}

/// [`find_matches`] with more candidates: `extra` item pairs (packed as
/// `a << 32 | b`) are verified too, besides those the bands give. Pairs of
/// one group are ignored.
pub(crate) fn find_matches_with<'a, F, P, T>(
    sketches: &SketchColumns,
    p: MatchParams,
    extra: &[u64],
    set_of: F,
    each: P,
) -> crate::Result<(Matches, Vec<T>)>
where
    F: Fn(u32) -> Fetched<'a> + Sync,
    P: Fn(&Component<'_, 'a>) -> T + Sync,
    T: Send,
{
    let (group_of, groups, content_order) = group_identical(sketches.fingerprints());
    let reps: Vec<u32> = groups.iter().map(|g| g[0]).collect();
    let keys = sketches.band_keys();
    // With spilled keys, as many bands at a time as the key memory holds
    // columns of the groups (at least one; each sorted through a scratch
    // buffer as large again); in memory, all at once.
    let at_once = if keys.is_spilled() {
        p.max_key_memory / (reps.len() * 8).max(1)
    } else {
        keys.bands()
    };
    let candidates = candidate_pairs_by_band(
        &content_order,
        keys.bands(),
        p.max_bucket,
        at_once,
        |band, column| {
            // The first item of each group, as its group.
            keys.for_each_in_band(band, |item, key| {
                let g = group_of[item as usize];
                if reps[g as usize] == item {
                    column.push((u64::from(key) << 32) | u64::from(g));
                }
            })
        },
    )?;
    let mut candidate_pairs = candidates.pairs;
    let lsh_candidates = candidate_pairs.len() as u64;
    // The signature pre-filter (exact mode): drop pairs whose signatures
    // share too few slots, before any set is fetched.
    if let (Some(miss), Verification::Exact) = (p.prefilter, p.verifier.verification())
        && sketches.has_signatures()
    {
        let filter = SignaturePrefilter::new(sketches.num_perm(), miss)?;
        let (measure, threshold) = (p.verifier.measure(), p.verifier.threshold());
        let keep: Vec<bool> = candidate_pairs
            .par_iter()
            .map(|&packed| {
                let (a, b) = (reps[(packed >> 32) as usize], reps[packed as u32 as usize]);
                filter.passes(
                    sketches.signature(a),
                    sketches.size(a),
                    sketches.signature(b),
                    sketches.size(b),
                    measure,
                    threshold,
                )
            })
            .collect();
        let mut k = keep.iter();
        candidate_pairs.retain(|_| *k.next().expect("one flag per pair"));
    }
    // Pairs the pre-filter dropped still count as examined.
    let dropped = lsh_candidates - candidate_pairs.len() as u64;
    if !extra.is_empty() {
        candidate_pairs.extend(extra.iter().filter_map(|&packed| {
            let (a, b) = (
                group_of[(packed >> 32) as usize],
                group_of[packed as u32 as usize],
            );
            (a != b).then(|| (u64::from(a.min(b)) << 32) | u64::from(a.max(b)))
        }));
        sort_on_pool(&mut candidate_pairs);
        candidate_pairs.dedup();
    }
    // Components of the candidate graph, ordered by smallest group, and
    // the candidate pairs of each (sorted by component, then as before).
    let components = {
        let mut uf = UnionFind::new(reps.len());
        for &packed in &candidate_pairs {
            uf.union((packed >> 32) as u32, packed as u32);
        }
        uf.components()
    };
    // The component of each group, then (wave by wave) the position of its
    // set among the wave's.
    let mut index = vec![u32::MAX; reps.len()];
    for (c, members) in components.iter().enumerate() {
        for &g in members {
            index[g as usize] = c as u32;
        }
    }
    sort_by_key_on_pool(&mut candidate_pairs, |&packed| {
        (index[(packed >> 32) as usize], packed)
    });
    let mut pair_start = Vec::with_capacity(components.len() + 1);
    let mut i = 0;
    for c in 0..components.len() as u32 {
        pair_start.push(i);
        while i < candidate_pairs.len() && index[(candidate_pairs[i] >> 32) as usize] == c {
            i += 1;
        }
    }
    pair_start.push(i);
    let exact = p.verifier.verification() == Verification::Exact;
    let bytes_of =
        |g: u32| 8 * sketches.size(reps[g as usize]) + std::mem::size_of::<Fetched<'a>>();
    let verifier = p.verifier;
    let mut found: Vec<GroupPair> = Vec::new();
    let mut outputs: Vec<T> = Vec::with_capacity(components.len());
    let mut c0 = 0;
    while c0 < components.len() {
        // A wave: components from `c0` while their sets fit.
        let (mut c1, mut bytes) = (c0, 0usize);
        while c1 < components.len() {
            let b: usize = if exact {
                components[c1].iter().map(|&g| bytes_of(g)).sum()
            } else {
                0
            };
            if c1 > c0 && bytes.saturating_add(b) > p.set_bytes {
                break;
            }
            bytes = bytes.saturating_add(b);
            c1 += 1;
        }
        let sets: Vec<Fetched<'a>> = if exact {
            let wave: Vec<u32> = components[c0..c1].iter().flatten().copied().collect();
            for (s, &g) in wave.iter().enumerate() {
                index[g as usize] = s as u32;
            }
            wave.par_iter().map(|&g| set_of(reps[g as usize])).collect()
        } else {
            Vec::new()
        };
        let (sets, slot) = (&sets, &index);
        let set = |g: u32| sets.get(slot[g as usize] as usize).map(|f| &*f.set);
        let verify = |chunk: &[u64]| {
            let mut found = Vec::new();
            for &packed in chunk {
                let (a, b) = ((packed >> 32) as u32, packed as u32);
                let evidence = group_evidence(set, sketches, &verifier, |g| reps[g as usize], a, b);
                if let Some(sim) = evidence.and_then(|(x, y)| verifier.verify(x, y)) {
                    found.push((a, b, sim));
                }
            }
            found
        };
        let results: Vec<(Vec<GroupPair>, T)> = (c0..c1)
            .into_par_iter()
            .map(|c| {
                let pairs = &candidate_pairs[pair_start[c]..pair_start[c + 1]];
                let verified: Vec<GroupPair> = if pairs.len() > 4096 {
                    let parts: Vec<Vec<GroupPair>> = pairs.par_chunks(4096).map(verify).collect();
                    parts.concat()
                } else {
                    verify(pairs)
                };
                let component = Component {
                    groups: &components[c],
                    pairs: &verified,
                    group_of: &group_of,
                    members: &groups,
                    sets,
                    slot,
                    sketches,
                    verifier: &verifier,
                };
                let out = each(&component);
                (verified, out)
            })
            .collect();
        for (verified, out) in results {
            found.extend(verified);
            outputs.push(out);
        }
        c0 = c1;
    }
    sort_by_key_on_pool(&mut found, |&(a, b, _)| (a, b));
    let matches = Matches {
        group_of,
        groups,
        pairs: found,
        candidates: candidate_pairs.len() as u64 + dropped,
        capped_buckets: candidates.capped_buckets,
        capped_pairs_skipped: candidates.capped_pairs_skipped,
    };
    Ok((matches, outputs))
}

/// The output of [`sorted_candidate_pairs`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct CandidatePairs {
    /// Every candidate pair `(a, b)`, `a < b`, packed as `a << 32 | b`,
    /// sorted, each once.
    pub(crate) pairs: Vec<u64>,
    /// Buckets larger than `max_bucket` (over all bands), expanded to star
    /// and chain pairs.
    pub(crate) capped_buckets: u64,
    /// For each capped bucket of m items, m(m − 1)/2 minus the pairs emitted
    /// for it, summed. A pair left out of one band's bucket may still be a
    /// candidate through another band.
    pub(crate) capped_pairs_skipped: u64,
}

/// Every pair `(a, b)`, `a < b`, of items `0..n` that share a key in some
/// band, and the buckets larger than `max_bucket`, which are expanded to
/// star and chain pairs only. `order` lists the items `0..n` in content
/// order (each once): a capped bucket's members are taken in that order, so
/// the star's centre is its first member in `order` and the chain links
/// neighbours in `order`. With an order independent of the input (the rank
/// of a fingerprint), so are the pairs. `key(item, band)` gives an item's
/// key in a band.
///
/// Sort-based: each band's `key << 32 | item` column is sorted on its own
/// (in parallel over bands), and runs of equal keys are buckets. This
/// touches memory in order, unlike hash-table lookups, and needs no locks.
///
/// The engine calls [`candidate_pairs_by_band`], which reads the keys one
/// band at a time; this form, with keys from a function, is its oracle in the
/// tests.
///
/// # Panics
///
/// If `order` is not a permutation of `0..order.len()`.
#[cfg(test)]
pub(crate) fn sorted_candidate_pairs<K>(
    order: &[u32],
    bands: usize,
    key: K,
    max_bucket: usize,
) -> CandidatePairs
where
    K: Fn(u32, usize) -> u32 + Sync,
{
    let n = order.len() as u32;
    candidate_pairs_by_band(order, bands, max_bucket, bands, |band, column| {
        column.extend((0..n).map(|i| (u64::from(key(i, band)) << 32) | u64::from(i)));
        Ok(())
    })
    .expect("keys in memory cannot fail")
}

/// [`sorted_candidate_pairs`] over columns that `column(band, out)` pushes
/// onto `out`: `key << 32 | item` for every item `0..n` in `band`, in any
/// order. Items enter the column as themselves, not as their positions in
/// `order`: a position would be a read from anywhere in an array of 4 bytes
/// an item for every item of every band (a cache miss each at millions of
/// items), and only capped buckets need it (`bucket_pairs`).
/// At most `at_once` bands (at least one) are taken at a time, and no more
/// columns are in memory than bands are being sorted at one time (at most
/// one per thread), each with a scratch buffer as large for its radix
/// sort; the pairs of each batch are sorted on their own and merged into
/// those so far, so a pair found in many bands is held once. The result
/// does not depend on `at_once`.
///
/// # Errors
///
/// The first error of `column`.
///
/// # Panics
///
/// If `order` is not a permutation of `0..order.len()`.
pub(crate) fn candidate_pairs_by_band<C>(
    order: &[u32],
    bands: usize,
    max_bucket: usize,
    at_once: usize,
    column: C,
) -> crate::Result<CandidatePairs>
where
    C: Fn(usize, &mut Vec<u64>) -> crate::Result<()> + Sync,
{
    let n = order.len();
    let mut rank = vec![u32::MAX; n];
    for (r, &item) in order.iter().enumerate() {
        assert!(
            rank[item as usize] == u32::MAX,
            "order lists item {item} twice"
        );
        rank[item as usize] = r as u32;
    }
    let max_bucket = max_bucket.max(2);
    let at_once = at_once.clamp(1, bands.max(1));
    let parallel_sort = at_once < rayon::current_num_threads();
    // Buffers of the bands being worked on, put back when a band is done
    // and taken by the next: as many pairs of buffers as bands sorted at
    // one time (at most one per thread), reused rather than a fresh column
    // per band, whose pages would each fault in again.
    let spare: Mutex<Vec<ColumnBuffers>> = Mutex::new(Vec::new());
    let band_pairs = |band: usize| -> crate::Result<CandidatePairs> {
        let taken = spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut buffers = taken.unwrap_or_default();
        let ColumnBuffers { keys, scratch } = &mut buffers;
        keys.clear();
        column(band, keys)?;
        debug_assert_eq!(keys.len(), n, "one key per item");
        if parallel_sort {
            // Fewer bands at a time than threads: sort each one in parallel.
            crate::radix::par_sort_by_high_halves(keys, scratch);
        } else {
            crate::radix::sort_by_high_halves(keys, scratch);
        }
        let pairs = bucket_pairs(keys, &rank, max_bucket);
        spare
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(buffers);
        Ok(pairs)
    };
    let mut out = CandidatePairs::default();
    for batch in (0..bands).collect::<Vec<_>>().chunks(at_once) {
        let per_band: Vec<CandidatePairs> = batch
            .par_iter()
            .map(|&band| band_pairs(band))
            .collect::<crate::Result<_>>()?;
        out.capped_buckets += per_band.iter().map(|c| c.capped_buckets).sum::<u64>();
        out.capped_pairs_skipped += per_band.iter().map(|c| c.capped_pairs_skipped).sum::<u64>();
        // The batch's pairs sorted on their own, then merged into the
        // sorted pairs so far: no sort of every pair again per batch.
        let mut fresh: Vec<u64> = per_band.into_iter().flat_map(|c| c.pairs).collect();
        sort_on_pool(&mut fresh);
        fresh.dedup();
        out.pairs = if out.pairs.is_empty() {
            fresh
        } else {
            merge_sorted_unique(&out.pairs, &fresh)
        };
    }
    out.pairs.shrink_to_fit();
    Ok(out)
}

/// The union of two sorted, deduplicated slices, sorted and deduplicated.
fn merge_sorted_unique(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// The column of one band in flight in [`candidate_pairs_by_band`], and the
/// scratch its sort moves values through.
#[derive(Default)]
struct ColumnBuffers {
    keys: Vec<u64>,
    scratch: Vec<u64>,
}

/// The pairs of one band's sorted `key << 32 | item` column: every pair
/// inside each run of equal keys, or star and chain pairs for a run longer
/// than `max_bucket`, with its items taken in content order (`rank[item]`,
/// their positions in the content order), so that which pairs a capped
/// bucket gives depends on the texts only.
fn bucket_pairs(column: &[u64], rank: &[u32], max_bucket: usize) -> CandidatePairs {
    let mut out = CandidatePairs::default();
    let pair = |a: u64, b: u64| (a.min(b) << 32) | a.max(b);
    let mut capped: Vec<(u32, u64)> = Vec::new();
    for run in runs_of_equal_high_halves(column) {
        let bucket = &column[run];
        let id = |x: usize| bucket[x] & 0xFFFF_FFFF;
        let m = bucket.len();
        if m <= max_bucket {
            for x in 0..m {
                for y in x + 1..m {
                    out.pairs.push(pair(id(x), id(y)));
                }
            }
        } else {
            out.capped_buckets += 1;
            // m − 1 star pairs and m − 2 chain pairs, in content order.
            out.capped_pairs_skipped += (m as u64 * (m as u64 - 1)) / 2 - (2 * m as u64 - 3);
            capped.clear();
            capped.extend((0..m).map(|x| (rank[id(x) as usize], id(x))));
            capped.sort_unstable();
            for y in 1..m {
                out.pairs.push(pair(capped[0].1, capped[y].1));
                if y > 1 {
                    out.pairs.push(pair(capped[y - 1].1, capped[y].1));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::index::LshIndex;
    use crate::lsh::Banding;
    use crate::minhash::{MinHasher, Signature};
    use proptest::prelude::*;

    #[test]
    fn merging_sorted_pairs_is_their_sorted_union() {
        for (seed, (la, lb)) in [(0, 0), (0, 5), (5, 0), (300, 200), (1, 1000)]
            .into_iter()
            .enumerate()
        {
            // Small values, so the two lists share some.
            let mut rng = crate::hash::SplitMix64::new(seed as u64);
            let mut a: Vec<u64> = (0..la).map(|_| rng.next_u64() % 400).collect();
            let mut b: Vec<u64> = (0..lb).map(|_| rng.next_u64() % 400).collect();
            for v in [&mut a, &mut b] {
                v.sort_unstable();
                v.dedup();
            }
            let mut expected: Vec<u64> = a.iter().chain(&b).copied().collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(merge_sorted_unique(&a, &b), expected);
        }
    }

    /// Items `0..n` in their own order.
    fn identity(n: usize) -> Vec<u32> {
        (0..n as u32).collect()
    }

    fn unpack(pairs: &[u64]) -> Vec<(u32, u32)> {
        pairs
            .iter()
            .map(|&p| ((p >> 32) as u32, p as u32))
            .collect()
    }

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
                keys.extend(banding.band_keys(s, 3).map(|(_, k)| (k >> 32) as u32));
            }
            let b = banding.bands();
            let c = sorted_candidate_pairs(&identity(n), b, |i, band| keys[i as usize * b + band], usize::MAX);
            let (pairs, capped) = (c.pairs, c.capped_buckets);
            // 32-bit keys can only add candidates; with 60 items a collision
            // of different 64-bit keys has probability below 10⁻⁶.
            prop_assert_eq!(unpack(&pairs), index.candidate_pairs());
            prop_assert_eq!(capped, 0);
        }

        #[test]
        fn bands_a_few_at_a_time_give_the_same_pairs(seed in any::<u64>(), n in 0usize..80, bands in 1usize..6, at_once in 0usize..7, cap in 2usize..6) {
            let mut g = crate::hash::SplitMix64::new(seed);
            // Few distinct keys, so that buckets form and some are capped.
            let keys: Vec<u32> = (0..n * bands).map(|_| (g.next_u64() % 4) as u32).collect();
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&i| keys[i as usize * bands] ^ i);
            let all = sorted_candidate_pairs(&order, bands, |i, b| keys[i as usize * bands + b], cap);
            // Columns pushed in reverse item order.
            let few = candidate_pairs_by_band(&order, bands, cap, at_once, |b, column| {
                column.extend((0..n).rev().map(|i| (u64::from(keys[i * bands + b]) << 32) | i as u64));
                Ok(())
            }).unwrap();
            prop_assert_eq!(few, all);
        }

        #[test]
        fn capped_buckets_keep_star_and_chain(m in 3usize..40, cap in 2usize..10) {
            // One band, every item in one bucket.
            let c = sorted_candidate_pairs(&identity(m), 1, |_, _| 7, cap);
            let (pairs, capped) = (unpack(&c.pairs), c.capped_buckets);
            if m <= cap {
                prop_assert_eq!(pairs.len(), m * (m - 1) / 2);
                prop_assert_eq!(capped, 0);
            } else {
                prop_assert_eq!(capped, 1);
                let mut want: Vec<(u32, u32)> = (1..m as u32).map(|y| (0, y)).collect();
                want.extend((2..m as u32).map(|y| (y - 1, y)));
                want.sort_unstable();
                prop_assert_eq!(pairs, want);
            }
        }
    }

    /// Issue 17: the sets fetched for verification are held a wave of
    /// components at a time. With no room, each wave is one component and
    /// holds only its own sets; with room for all, one wave holds every
    /// set. Each set is fetched once either way, and the pairs, the
    /// components and their similarities are the same.
    #[test]
    fn waves_of_components_bound_the_sets_held_and_change_nothing() {
        use crate::band_keys::SpillPolicy;
        use crate::config::Config;
        use crate::sketch::{Level, Sketcher};
        use std::sync::atomic::{AtomicUsize, Ordering};

        let config = Config::new();
        let sketcher = Sketcher::new(&config).unwrap();
        let verifier = Verifier::from_valid(&config, Level::Document);
        // 15 families of 4 sets: a base of 300 hashes, its copies missing
        // a few of them (near duplicates) and one identical copy.
        let mut g = crate::hash::SplitMix64::new(17);
        let mut sets: Vec<Vec<u64>> = Vec::new();
        for _ in 0..15 {
            let mut base: Vec<u64> = (0..300).map(|_| g.next_u64()).collect();
            base.sort_unstable();
            for copy in 0..4usize {
                let set: Vec<u64> = match copy {
                    3 => base.clone(),
                    _ => base.iter().copied().skip(copy * 5).collect(),
                };
                sets.push(set);
            }
        }
        let mut columns = SketchColumns::new(
            &sketcher,
            Level::Document,
            Verification::Exact,
            SpillPolicy::never(),
        );
        let mut slots = Vec::new();
        for set in &sets {
            columns.push(set, &sketcher, &mut slots);
        }
        columns.seal().unwrap();
        let params = |set_bytes| MatchParams {
            verifier,
            max_bucket: 100,
            prefilter: None,
            max_key_memory: usize::MAX,
            set_bytes,
        };
        let run = |set_bytes: usize| {
            let fetches = AtomicUsize::new(0);
            let (m, parts) = find_matches(
                &columns,
                params(set_bytes),
                |item| {
                    fetches.fetch_add(1, Ordering::Relaxed);
                    Fetched::from(Cow::Owned(ShingleSet::from_hashes(
                        sets[item as usize].clone(),
                    )))
                },
                |c| {
                    let first = |g: u32| c.members.members(g)[0];
                    let sims: Vec<Similarity> = c
                        .groups
                        .iter()
                        .map(|&g| c.similarity(first(c.groups[0]), first(g)))
                        .collect();
                    (c.groups.to_vec(), c.pairs.to_vec(), sims, c.sets.len())
                },
            )
            .unwrap();
            (m, parts, fetches.load(Ordering::Relaxed))
        };
        let (tight, tight_parts, tight_fetches) = run(0);
        let (all, all_parts, all_fetches) = run(usize::MAX);
        assert!(tight_parts.len() >= 15, "one component per family");
        assert!(!tight.pairs.is_empty());
        assert_eq!(tight.pairs, all.pairs);
        assert_eq!(tight.candidates, all.candidates);
        let wanted: usize = all_parts.iter().map(|p| p.0.len()).sum();
        assert_eq!((tight_fetches, all_fetches), (wanted, wanted));
        for (t, a) in tight_parts.iter().zip(&all_parts) {
            assert_eq!((&t.0, &t.1, &t.2), (&a.0, &a.1, &a.2));
            // No room: a wave holds one component's sets.
            assert_eq!(t.3, t.0.len());
            // Room for all: one wave.
            assert_eq!(a.3, wanted);
        }
        // A budget of two components' sets: waves of two.
        let two: usize = all_parts[..2]
            .iter()
            .flat_map(|p| &p.0)
            .map(|&g| {
                8 * columns.size(all.groups.members(g)[0]) + std::mem::size_of::<Fetched<'_>>()
            })
            .sum();
        let (_, two_parts, _) = run(two);
        assert_eq!(two_parts[0].3, all_parts[0].0.len() + all_parts[1].0.len());
    }

    #[test]
    fn capped_bucket_follows_the_content_order_and_counts_what_it_skips() {
        // Five items in one bucket, capped at 2: the star's centre and the
        // chain follow `order`, not the item numbers.
        let order = [3u32, 0, 4, 1, 2];
        let c = sorted_candidate_pairs(&order, 1, |_, _| 9, 2);
        let mut want = vec![(0, 3), (3, 4), (1, 3), (2, 3), (0, 4), (1, 4), (1, 2)];
        want.sort_unstable();
        assert_eq!(unpack(&c.pairs), want);
        assert_eq!(c.capped_buckets, 1);
        // 10 pairs in the bucket, 4 + 3 emitted.
        assert_eq!(c.capped_pairs_skipped, 3);
        // Two bands with the same bucket: counted per band.
        let c = sorted_candidate_pairs(&order, 2, |_, _| 9, 2);
        assert_eq!((c.capped_buckets, c.capped_pairs_skipped), (2, 6));
    }

    #[test]
    fn different_keys_are_not_candidates() {
        let keys = [1u32, 2, 1, 7];
        let c = sorted_candidate_pairs(&identity(4), 1, |i, _| keys[i as usize], usize::MAX);
        assert_eq!(unpack(&c.pairs), vec![(0, 2)]);
        // Two bands, item-major.
        let keys = [1u32, 5, 2, 5, 1, 6];
        let c =
            sorted_candidate_pairs(&identity(3), 2, |i, b| keys[i as usize * 2 + b], usize::MAX);
        assert_eq!(unpack(&c.pairs), vec![(0, 1), (0, 2)]);
    }

    #[test]
    fn identical_fingerprints_are_grouped_in_first_occurrence_order() {
        let (a, b) = (5u128, 3u128);
        let (group_of, groups, content_order) = group_identical(&[a, b, a, b, b]);
        assert_eq!(group_of, vec![0, 1, 0, 1, 1]);
        // Group 1 has the smaller fingerprint.
        assert_eq!(content_order, vec![1, 0]);
        let members: Vec<&[u32]> = groups.iter().collect();
        assert_eq!(members, vec![&[0, 2][..], &[1, 3, 4][..]]);
    }

    proptest! {
        #[test]
        fn fingerprint_order_is_the_order_of_fingerprint_and_item(
            parts in proptest::collection::vec((0u128..4, 0u128..3, 0u128..3), 0..200),
        ) {
            // Few distinct parts: top bits that tie with different lower
            // bits, and identical fingerprints.
            let fps: Vec<u128> = parts
                .iter()
                .map(|&(top, mid, low)| ((top * 0x9E37_79B9) << 96) | (mid << 64) | low)
                .collect();
            let mut want: Vec<u32> = (0..fps.len() as u32).collect();
            want.sort_by_key(|&i| (fps[i as usize], i));
            prop_assert_eq!(fingerprint_order(&fps), want);
        }
    }
}
