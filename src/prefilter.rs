//! Stage 6a: a cheap check of candidate pairs on their MinHash signatures
//! before the exact check ([`SignaturePrefilter`], turned on by
//! [`Config::signature_prefilter`](crate::Config::signature_prefilter)).
//!
//! For two sets of Jaccard similarity `J`, each MinHash slot is equal with
//! probability `J` (Broder, "On the resemblance and containment of
//! documents", 1997), so the number of equal slots among `k` is
//! `Binomial(k, J)`. A pair that must reach Jaccard `j` is dropped when it
//! shares fewer than `m(j)` slots, `m(j)` the largest count with
//! `P[Binomial(k, j) < m] ≤ miss`: a pair at or above `j` is dropped with
//! probability at most `miss` (the binomial lower tail falls as `J`
//! grows). The tail is summed exactly (in log space), not bounded, so the
//! filter drops as much as the stated miss probability allows.

use crate::error::{Error, Result};
use crate::verify::Measure;

/// Steps of the table of `m(j)` over `j` in [0, 1].
const GRID: usize = 1024;

/// Drops candidate pairs whose signatures share too few slots for the pair
/// to reach the threshold, with a stated miss probability.
///
/// # Example
///
/// ```
/// use echodup::prefilter::SignaturePrefilter;
/// use echodup::{Measure, MinHasher};
///
/// let filter = SignaturePrefilter::new(128, 1e-6)?;
/// // A pair at Jaccard 0.5 shares about 64 of 128 slots; the filter asks
/// // for far fewer, so it misses such a pair at most once in a million.
/// let m = filter.min_shared_slots(0.5);
/// assert!((30..50).contains(&m), "{m}");
///
/// let hasher = MinHasher::new(128, 7);
/// let a = hasher.signature_from_shingles(0..1000u64);
/// let b = hasher.signature_from_shingles(500..1500u64); // Jaccard 1/3
/// let c = hasher.signature_from_shingles(5000..6000u64); // Jaccard 0
/// assert!(filter.passes(a.as_slice(), 1000, b.as_slice(), 1000, Measure::Jaccard, 0.3));
/// assert!(!filter.passes(a.as_slice(), 1000, c.as_slice(), 1000, Measure::Jaccard, 0.3));
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SignaturePrefilter {
    num_perm: usize,
    miss: f64,
    /// `m(i / GRID)` for `i` in `0..=GRID`.
    table: Vec<u32>,
}

impl SignaturePrefilter {
    /// A filter for signatures of `num_perm` slots that drops a pair at or
    /// above the threshold with probability at most `miss`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// `signature_prefilter` if `miss` is outside (0, 0.5], or `num_perm`
    /// if it is 0.
    pub fn new(num_perm: usize, miss: f64) -> Result<Self> {
        if !(miss > 0.0 && miss <= 0.5) {
            return Err(Error::invalid_config(
                "signature_prefilter",
                format!("miss probability must be in (0, 0.5] (got {miss})"),
            ));
        }
        if num_perm == 0 {
            return Err(Error::invalid_config(
                "num_perm",
                "must be at least 1 (got 0)",
            ));
        }
        let table = (0..=GRID)
            .map(|i| min_shared(num_perm, i as f64 / GRID as f64, miss) as u32)
            .collect();
        Ok(SignaturePrefilter {
            num_perm,
            miss,
            table,
        })
    }

    /// The signature length.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The miss probability.
    pub fn miss(&self) -> f64 {
        self.miss
    }

    /// The fewest equal slots a pair of Jaccard similarity at least
    /// `jaccard` must share to pass: `m(j)` for `j` rounded down to a
    /// multiple of 1/1024 (rounding down only lowers it, so the miss
    /// probability still holds).
    pub fn min_shared_slots(&self, jaccard: f64) -> usize {
        let i = (jaccard.clamp(0.0, 1.0) * GRID as f64).floor() as usize;
        self.table[i.min(GRID)] as usize
    }

    /// The lowest Jaccard similarity of two sets of sizes `len_a` and
    /// `len_b` whose score under `measure` reaches `threshold`: the
    /// threshold for Jaccard; for containment, `t·a / (a + b − t·a)` with
    /// `a` the smaller size (the smaller set at `t` inside the larger).
    pub fn lowest_jaccard(measure: Measure, threshold: f64, len_a: usize, len_b: usize) -> f64 {
        match measure {
            Measure::Jaccard => threshold,
            Measure::Containment => {
                let (a, b) = (len_a.min(len_b) as f64, len_a.max(len_b) as f64);
                let inter = threshold * a;
                if a + b - inter <= 0.0 {
                    0.0
                } else {
                    inter / (a + b - inter)
                }
            }
        }
    }

    /// Whether a pair with signature slots `a` and `b` (of sets of sizes
    /// `len_a`, `len_b`) may reach `threshold` under `measure` and must be
    /// checked exactly.
    ///
    /// # Panics
    ///
    /// If a signature's length is not [`num_perm`](Self::num_perm).
    pub fn passes(
        &self,
        a: &[u32],
        len_a: usize,
        b: &[u32],
        len_b: usize,
        measure: Measure,
        threshold: f64,
    ) -> bool {
        assert!(
            a.len() == self.num_perm && b.len() == self.num_perm,
            "signature length does not match the filter's num_perm"
        );
        let need = self.min_shared_slots(Self::lowest_jaccard(measure, threshold, len_a, len_b));
        if need == 0 {
            return true;
        }
        let shared = a.iter().zip(b).filter(|(x, y)| x == y).count();
        shared >= need
    }
}

/// The largest `m` with `P[Binomial(k, j) < m] ≤ miss`.
fn min_shared(k: usize, j: f64, miss: f64) -> usize {
    if j <= 0.0 {
        return 0;
    }
    if j >= 1.0 {
        return k;
    }
    // log pmf(x) = ln C(k, x) + x ln j + (k − x) ln(1 − j), summed in order
    // with the largest term as scale.
    let (lj, lq) = (j.ln(), (1.0 - j).ln());
    let mut logs = Vec::with_capacity(k + 1);
    let mut lc = 0.0f64;
    for x in 0..=k {
        if x > 0 {
            lc += ((k - x + 1) as f64).ln() - (x as f64).ln();
        }
        logs.push(lc + x as f64 * lj + (k - x) as f64 * lq);
    }
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = logs.iter().map(|l| (l - top).exp()).sum();
    let mut cdf = 0.0;
    for (x, l) in logs.iter().enumerate() {
        cdf += (l - top).exp() / total;
        if cdf > miss {
            // P[X ≤ x] > miss ≥ P[X < x].
            return x;
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::SplitMix64;
    use crate::minhash::MinHasher;

    /// Oracle: the binomial tail by direct products (small k only).
    fn naive_tail(k: usize, j: f64, m: usize) -> f64 {
        let mut p = 0.0;
        for x in 0..m {
            let mut c = 1.0;
            for i in 0..x {
                c *= (k - i) as f64 / (i + 1) as f64;
            }
            p += c * j.powi(x as i32) * (1.0 - j).powi((k - x) as i32);
        }
        p
    }

    #[test]
    fn threshold_count_is_the_largest_within_the_miss() {
        for k in [16, 64, 128] {
            for j in [0.05, 0.3, 0.5, 0.8, 0.99] {
                for miss in [1e-6, 0.01, 0.2] {
                    let m = min_shared(k, j, miss);
                    assert!(naive_tail(k, j, m) <= miss * (1.0 + 1e-9), "{k} {j} {miss}");
                    if m < k {
                        assert!(naive_tail(k, j, m + 1) > miss, "{k} {j} {miss} {m}");
                    }
                }
            }
        }
        assert_eq!(min_shared(128, 0.0, 0.01), 0);
        assert_eq!(min_shared(128, 1.0, 0.01), 128);
        assert!(SignaturePrefilter::new(128, 0.0).is_err());
        assert!(SignaturePrefilter::new(128, 0.6).is_err());
        assert!(SignaturePrefilter::new(0, 0.1).is_err());
    }

    /// Two sets with exactly `shared` common and `own` own elements each,
    /// Jaccard shared / (shared + 2·own).
    fn pair(g: &mut SplitMix64, shared: usize, own: usize) -> (Vec<u64>, Vec<u64>) {
        let common: Vec<u64> = (0..shared).map(|_| g.next_u64()).collect();
        let mut a = common.clone();
        let mut b = common;
        a.extend((0..own).map(|_| g.next_u64()));
        b.extend((0..own).map(|_| g.next_u64()));
        (a, b)
    }

    #[test]
    fn measured_miss_rate_is_within_the_stated_one() {
        // Pairs exactly at Jaccard 0.3 (300 shared, 350 own each), 2,000
        // signatures of 128 slots under different seeds: a 1% filter drops
        // about 1% or less (the bound is exact for independent slots; 3% is
        // far beyond chance at 2,000 trials).
        let filter = SignaturePrefilter::new(128, 0.01).unwrap();
        let mut g = SplitMix64::new(11);
        let (mut dropped, mut dropped_far) = (0, 0);
        let trials = 2_000;
        for t in 0..trials {
            let hasher = MinHasher::new(128, t as u64);
            let (a, b) = pair(&mut g, 300, 350);
            let (sa, sb) = (
                hasher.signature_from_shingles(a.iter().copied()),
                hasher.signature_from_shingles(b.iter().copied()),
            );
            if !filter.passes(
                sa.as_slice(),
                650,
                sb.as_slice(),
                650,
                Measure::Jaccard,
                0.3,
            ) {
                dropped += 1;
            }
            // At Jaccard 0.05 (50 shared, 475 own) nearly all are dropped.
            let (c, d) = pair(&mut g, 50, 475);
            let (sc, sd) = (
                hasher.signature_from_shingles(c.iter().copied()),
                hasher.signature_from_shingles(d.iter().copied()),
            );
            if !filter.passes(
                sc.as_slice(),
                525,
                sd.as_slice(),
                525,
                Measure::Jaccard,
                0.3,
            ) {
                dropped_far += 1;
            }
        }
        let rate = dropped as f64 / trials as f64;
        assert!(rate <= 0.03, "dropped {rate} of pairs at the threshold");
        assert!(dropped_far as f64 / trials as f64 > 0.99, "{dropped_far}");
    }

    /// Oracle: the pre-filtered run reports the same pairs and clusters as
    /// the exact run (a loss has probability 10⁻⁶ per true pair).
    #[cfg(feature = "tools")]
    #[test]
    fn prefiltered_run_equals_the_exact_run() {
        use crate::synth::{ScanConfig, ScanGenerator};
        use crate::{Config, Deduplicator, Measure};
        let g =
            ScanGenerator::new(ScanConfig::new().num_stories(120).damage(0.05).seed(2)).unwrap();
        let texts = g.texts();
        for config in [
            Config::scanned(),
            Config::scanned()
                .measure(Measure::Containment)
                .threshold(0.5),
        ] {
            let fast = Deduplicator::new(config.clone())
                .unwrap()
                .run(&texts)
                .unwrap();
            let exact = Deduplicator::new(config.signature_prefilter(None))
                .unwrap()
                .run(&texts)
                .unwrap();
            let pairs =
                |r: &crate::Report| r.document_pairs().map(|p| (p.a, p.b)).collect::<Vec<_>>();
            assert!(!pairs(&exact).is_empty());
            assert_eq!(pairs(&fast), pairs(&exact));
            assert_eq!(fast.clusters(), exact.clusters());
            assert_eq!(
                fast.stats().document_candidates,
                exact.stats().document_candidates
            );
        }
    }

    #[test]
    fn containment_uses_the_set_sizes() {
        // A set of 100 inside one of 1,000: containment 1, Jaccard 0.1.
        let j = SignaturePrefilter::lowest_jaccard(Measure::Containment, 1.0, 100, 1000);
        assert!((j - 0.1).abs() < 1e-12);
        let j = SignaturePrefilter::lowest_jaccard(Measure::Containment, 0.5, 1000, 100);
        assert!((j - 50.0 / 1050.0).abs() < 1e-12);
        assert_eq!(
            SignaturePrefilter::lowest_jaccard(Measure::Jaccard, 0.4, 1, 9),
            0.4
        );
        // Such a pair passes a filter at containment 0.8.
        let hasher = MinHasher::new(128, 3);
        let small = hasher.signature_from_shingles(0..100u64);
        let big = hasher.signature_from_shingles(0..1000u64);
        let filter = SignaturePrefilter::new(128, 1e-6).unwrap();
        assert!(filter.passes(
            small.as_slice(),
            100,
            big.as_slice(),
            1000,
            Measure::Containment,
            0.8
        ));
        assert!(!filter.passes(
            small.as_slice(),
            100,
            big.as_slice(),
            1000,
            Measure::Jaccard,
            0.8
        ));
    }
}
