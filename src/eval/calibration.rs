//! Calibration: how well [`Banding::probability`] predicts which pairs
//! become LSH candidates ([`sample_pairs`], [`calibration_bins`]), and how
//! far MinHash estimates are from exact Jaccard ([`EstimatorSummary`]).

use std::collections::HashSet;

use rayon::prelude::*;

use crate::analyze::AnalyzedDocument;
use crate::corpus::DocId;
use crate::hash::SplitMix64;
use crate::lsh::Banding;
use crate::minhash::{MinHasher, Signature};
use crate::verify::Similarity;

/// One document pair measured for calibration ([`sample_pairs`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairSample {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Exact Jaccard of their shingle sets.
    pub exact: f64,
    /// MinHash estimate: the fraction of equal signature slots.
    pub estimate: f64,
    /// Whether they share at least one band key (would be LSH candidates).
    pub candidate: bool,
}

/// `count` distinct pairs of distinct documents among `n`, drawn
/// deterministically from `seed`, none of them in `exclude`; `a < b`,
/// sorted. Returns fewer when there are not enough pairs.
pub fn random_pairs(
    n: usize,
    count: usize,
    seed: u64,
    exclude: &HashSet<(DocId, DocId)>,
) -> Vec<(DocId, DocId)> {
    let possible = (n as u128 * n.saturating_sub(1) as u128 / 2) as usize;
    let want = count.min(possible.saturating_sub(exclude.len()));
    let mut rng = SplitMix64::new(seed);
    let mut out = HashSet::with_capacity(want);
    let mut tries = 0usize;
    while out.len() < want && tries < want.saturating_mul(20) + 1000 {
        tries += 1;
        let x = (rng.next_u64() % n as u64) as u32;
        let y = (rng.next_u64() % n as u64) as u32;
        if x == y {
            continue;
        }
        let p = (DocId::new(x.min(y)), DocId::new(x.max(y)));
        if !exclude.contains(&p) {
            out.insert(p);
        }
    }
    let mut out: Vec<_> = out.into_iter().collect();
    out.sort_unstable();
    out
}

/// Measures `pairs` of `docs`: exact Jaccard, the MinHash estimate from
/// `hasher`'s signatures, and whether `banding` (with band-key seed `seed`,
/// the run's [`Config::get_seed`](crate::Config::get_seed)) makes them
/// candidates. Pairs with an empty document or a document outside `docs`
/// are left out (the pipeline never compares empty documents).
///
/// # Panics
///
/// If `banding` does not fit `hasher` (`bands × rows ≠ num_perm`).
pub fn sample_pairs(
    docs: &[AnalyzedDocument],
    pairs: &[(DocId, DocId)],
    hasher: &MinHasher,
    banding: Banding,
    seed: u64,
) -> Vec<PairSample> {
    assert_eq!(
        banding.num_perm(),
        hasher.num_perm(),
        "banding does not fit the hasher"
    );
    let usable = |d: DocId| {
        docs.get(d.as_usize())
            .is_some_and(|x| !x.shingles().is_empty())
    };
    let mut involved: Vec<DocId> = pairs
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .filter(|&d| usable(d))
        .collect();
    involved.sort_unstable();
    involved.dedup();
    let sketches: Vec<(Signature, Vec<u64>)> = involved
        .par_iter()
        .map(|&d| {
            let sig = hasher
                .signature_from_shingles(docs[d.as_usize()].shingles().as_slice().iter().copied());
            let keys = banding.band_keys(&sig, seed).map(|(_, k)| k).collect();
            (sig, keys)
        })
        .collect();
    let at = |d: DocId| &sketches[involved.binary_search(&d).expect("involved")];
    pairs
        .par_iter()
        .filter(|&&(a, b)| a != b && usable(a) && usable(b))
        .map(|&(a, b)| {
            let ((sa, ka), (sb, kb)) = (at(a), at(b));
            PairSample {
                a,
                b,
                exact: Similarity::exact(
                    docs[a.as_usize()].shingles(),
                    docs[b.as_usize()].shingles(),
                )
                .jaccard,
                estimate: sa.similarity(sb),
                candidate: ka.iter().zip(kb).any(|(x, y)| x == y),
            }
        })
        .collect()
}

/// Pairs of one exact-Jaccard bin: measured and predicted candidate
/// probability, and the error of the MinHash estimate.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CalibrationBin {
    /// Lower end of the bin (inclusive).
    pub lo: f64,
    /// Upper end (exclusive, except for the last bin, which includes 1).
    pub hi: f64,
    /// Pairs in the bin.
    pub pairs: u64,
    /// Of those, pairs that share a band key.
    pub candidates: u64,
    /// Mean of [`Banding::probability`] over the pairs' exact Jaccard.
    pub predicted: f64,
    /// Mean of `estimate − exact`.
    pub mean_error: f64,
    /// Root mean square of `estimate − exact`.
    pub rmse: f64,
}

impl CalibrationBin {
    /// The measured candidate probability, `candidates / pairs` (0 for an
    /// empty bin).
    pub fn measured(&self) -> f64 {
        if self.pairs == 0 {
            0.0
        } else {
            self.candidates as f64 / self.pairs as f64
        }
    }

    /// The binomial standard error of [`measured`](Self::measured) if
    /// [`predicted`](Self::predicted) is right: `sqrt(p(1 − p)/pairs)`.
    pub fn standard_error(&self) -> f64 {
        if self.pairs == 0 {
            0.0
        } else {
            (self.predicted * (1.0 - self.predicted) / self.pairs as f64).sqrt()
        }
    }
}

/// Groups `samples` into `bins` equal bins of exact Jaccard over [0, 1]
/// and compares, in each, the measured candidate rate with `banding`'s
/// prediction. Empty bins are kept (with `pairs == 0`).
///
/// # Panics
///
/// If `bins` is 0.
pub fn calibration_bins(
    samples: &[PairSample],
    banding: Banding,
    bins: usize,
) -> Vec<CalibrationBin> {
    assert!(bins > 0, "at least one bin");
    let mut out: Vec<CalibrationBin> = (0..bins)
        .map(|i| CalibrationBin {
            lo: i as f64 / bins as f64,
            hi: (i + 1) as f64 / bins as f64,
            pairs: 0,
            candidates: 0,
            predicted: 0.0,
            mean_error: 0.0,
            rmse: 0.0,
        })
        .collect();
    for s in samples {
        let i = ((s.exact * bins as f64) as usize).min(bins - 1);
        let b = &mut out[i];
        b.pairs += 1;
        b.candidates += u64::from(s.candidate);
        b.predicted += banding.probability(s.exact);
        let e = s.estimate - s.exact;
        b.mean_error += e;
        b.rmse += e * e;
    }
    for b in &mut out {
        if b.pairs > 0 {
            let n = b.pairs as f64;
            b.predicted /= n;
            b.mean_error /= n;
            b.rmse = (b.rmse / n).sqrt();
        }
    }
    out
}

/// The MinHash estimator's error over many pairs.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EstimatorSummary {
    /// Pairs measured.
    pub pairs: u64,
    /// Mean of `estimate − exact` (bias).
    pub mean_error: f64,
    /// Root mean square error.
    pub rmse: f64,
    /// Largest absolute error.
    pub max_abs_error: f64,
    /// The root mean square error theory predicts for `k` slots:
    /// `sqrt(mean(J(1 − J))/k)`.
    pub expected_rmse: f64,
    /// Fraction of pairs whose error is within two theoretical standard
    /// errors `2·sqrt(J(1 − J)/k)` (about 0.95 expected; pairs at J = 0 or
    /// 1 have no error and count as within).
    pub within_two_sigma: f64,
}

impl EstimatorSummary {
    /// Summarizes `samples` for signatures of `num_perm` slots.
    pub fn new(samples: &[PairSample], num_perm: usize) -> Self {
        let k = num_perm.max(1) as f64;
        let n = samples.len().max(1) as f64;
        let mut s = EstimatorSummary {
            pairs: samples.len() as u64,
            mean_error: 0.0,
            rmse: 0.0,
            max_abs_error: 0.0,
            expected_rmse: 0.0,
            within_two_sigma: 0.0,
        };
        let mut within = 0u64;
        for p in samples {
            let e = p.estimate - p.exact;
            let var = p.exact * (1.0 - p.exact) / k;
            s.mean_error += e;
            s.rmse += e * e;
            s.expected_rmse += var;
            s.max_abs_error = s.max_abs_error.max(e.abs());
            // A slot-count quantum of slack: estimates are multiples of 1/k.
            if e.abs() <= 2.0 * var.sqrt() + 0.5 / k {
                within += 1;
            }
        }
        s.mean_error /= n;
        s.rmse = (s.rmse / n).sqrt();
        s.expected_rmse = (s.expected_rmse / n).sqrt();
        s.within_two_sigma = if samples.is_empty() {
            1.0
        } else {
            within as f64 / n
        };
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Analyzer, Config};

    fn d(i: u32) -> DocId {
        DocId::new(i)
    }

    #[test]
    fn calibration_measures_candidates_and_estimates() {
        let texts = crate::synth::news_like(300, 11);
        let config = Config::new();
        let analyzer = Analyzer::new(&config).unwrap();
        let docs: Vec<_> = texts.iter().map(|t| analyzer.analyze(t)).collect();
        let hasher = MinHasher::new(128, config.get_seed());
        let banding = Banding::new(32, 4).unwrap();
        let mut pairs = random_pairs(docs.len(), 2_000, 3, &HashSet::new());
        assert_eq!(pairs.len(), 2_000);
        assert!(pairs.iter().all(|(a, b)| a < b));
        assert_eq!(pairs, random_pairs(docs.len(), 2_000, 3, &HashSet::new()));
        pairs.push((d(0), d(0))); // ignored
        let samples = sample_pairs(&docs, &pairs, &hasher, banding, config.get_seed());
        assert_eq!(samples.len(), 2_000);
        // The oracle: candidate iff some band of the two signatures is equal.
        for s in samples.iter().take(200) {
            let sig = |x: DocId| {
                hasher.signature_from_shingles(
                    docs[x.as_usize()].shingles().as_slice().iter().copied(),
                )
            };
            let (x, y) = (sig(s.a), sig(s.b));
            let band_equal = x
                .as_slice()
                .chunks(4)
                .zip(y.as_slice().chunks(4))
                .any(|(p, q)| p == q);
            assert_eq!(s.candidate, band_equal);
            assert_eq!(s.estimate, x.similarity(&y));
        }
        let bins = calibration_bins(&samples, banding, 20);
        assert_eq!(bins.len(), 20);
        assert_eq!(bins.iter().map(|b| b.pairs).sum::<u64>(), 2_000);
        // Random pairs of unrelated articles are near 0 and almost never candidates.
        assert!(bins[0].pairs > 1_900);
        assert!(bins[0].measured() < 0.01);
        let summary = EstimatorSummary::new(&samples, 128);
        assert_eq!(summary.pairs, 2_000);
        assert!(summary.rmse < 0.05, "{summary:?}");
    }

    #[test]
    fn estimator_summary_by_hand() {
        let s = |exact, estimate| PairSample {
            a: d(0),
            b: d(1),
            exact,
            estimate,
            candidate: true,
        };
        let v = [s(0.5, 0.5), s(0.5, 0.75), s(1.0, 1.0), s(0.0, 0.0)];
        let sum = EstimatorSummary::new(&v, 4);
        assert_eq!(sum.pairs, 4);
        assert!((sum.mean_error - 0.0625).abs() < 1e-12);
        assert!((sum.rmse - (0.0625f64 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(sum.max_abs_error, 0.25);
        assert_eq!(sum.within_two_sigma, 1.0);
        let bins = calibration_bins(&v, Banding::new(2, 2).unwrap(), 2);
        assert_eq!((bins[0].pairs, bins[1].pairs), (1, 3));
        assert!(
            (bins[1].predicted - (2.0 * Banding::new(2, 2).unwrap().probability(0.5) + 1.0) / 3.0)
                .abs()
                < 1e-12
        );
        assert_eq!(bins[1].measured(), 1.0);
    }
}
