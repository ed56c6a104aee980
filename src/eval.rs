//! Measuring detection quality against ground truth.
//!
//! - [`PairMetrics`]: true and false positives and negatives of a set of
//!   reported pairs, with precision, recall and F1.
//! - [`adjusted_rand_index`]: agreement of two clusterings, corrected for
//!   chance (Hubert & Arabie 1985).
//! - [`measure_pairs`] and [`evaluate_pairs`]: a [`Report`]'s document pairs
//!   against truth pairs at a threshold, comparing like with like (the truth
//!   pairs' similarity is recomputed with the run's own shingles).
//! - [`sample_pairs`], [`calibration_bins`] and [`EstimatorSummary`]: how
//!   well [`Banding::probability`] predicts which pairs become LSH
//!   candidates, and how far MinHash estimates are from exact Jaccard.
//! - [`passage_outcomes`]: whether planted groups of identical passages were
//!   found as passage clusters.
//! - With the `jsonl` feature, readers for the ground-truth files of the
//!   shared evaluation corpora and of [`synth`](crate::synth):
//!   [`read_pairs`], [`read_clusters`], [`read_passage_groups`].
//!
//! # Example
//!
//! ```
//! use echodup::eval::{PairMetrics, TruthPair, evaluate_pairs, measure_pairs};
//! use echodup::{Analyzer, Config, Deduplicator, DocId};
//!
//! let a = "The harbour stayed closed on Monday after high winds kept the ferry fleet in port.";
//! let b = "The harbour stayed closed on Monday after high winds kept the ferry fleet in port!";
//! let c = "The library reopened after two years of work on its roof and its old reading room.";
//! let config = Config::new().threshold(0.8);
//! let analyzer = Analyzer::new(&config)?;
//! let docs: Vec<_> = [a, b, c].iter().map(|t| analyzer.analyze(t)).collect();
//! let report = Deduplicator::new(config)?.run_analyzed(&docs)?;
//!
//! let truth = [TruthPair { a: DocId::new(0), b: DocId::new(1), jaccard: 1.0 }];
//! let measured = measure_pairs(&truth, &docs);
//! let eval = evaluate_pairs(&report, &measured, 0.8);
//! assert_eq!(eval.metrics, PairMetrics { tp: 1, fp: 0, fn_: 0 });
//! assert_eq!(eval.metrics.f1(), 1.0);
//! assert_eq!(eval.ari, 1.0);
//! # Ok::<(), echodup::Error>(())
//! ```
//!
//! # References
//!
//! - L. Hubert, P. Arabie, "Comparing partitions", *Journal of
//!   Classification* 2, 193–218, 1985 (the adjusted Rand index).
//! - J. Leskovec, A. Rajaraman, J. D. Ullman, *Mining of Massive Datasets*,
//!   ch. 3 (the S-curve of banding; the standard error of MinHash
//!   estimates, `sqrt(J(1 − J)/k)` for `k` slots).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::analyze::AnalyzedDocument;
use crate::corpus::{DocId, PassageId};
use crate::hash::SplitMix64;
use crate::lsh::Banding;
use crate::minhash::{MinHasher, Signature};
use crate::report::{DocumentPair, Report};
use crate::verify::Similarity;

/// Counts of a set of reported pairs against a set of expected pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PairMetrics {
    /// Reported and expected.
    pub tp: u64,
    /// Reported, not expected.
    pub fp: u64,
    /// Expected, not reported (`fn` is a keyword, hence the underscore).
    pub fn_: u64,
}

impl PairMetrics {
    /// Counts `reported` against `expected` (both sets of `(a, b)` with `a < b`).
    pub fn from_sets(
        reported: &HashSet<(DocId, DocId)>,
        expected: &HashSet<(DocId, DocId)>,
    ) -> Self {
        let tp = reported.intersection(expected).count() as u64;
        PairMetrics {
            tp,
            fp: reported.len() as u64 - tp,
            fn_: expected.len() as u64 - tp,
        }
    }

    /// `tp / (tp + fp)`; 1.0 when nothing was reported.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// `tp / (tp + fn)`; 1.0 when nothing was expected.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// The harmonic mean of precision and recall (0 when both are 0).
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

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

/// A ground-truth document pair: `a < b` and their similarity as the truth
/// defines it (for the shared corpora, exact Jaccard over word 5-shingles
/// of their own normalization).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TruthPair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Similarity as given by the truth.
    pub jaccard: f64,
}

/// A truth pair with its similarity recomputed under the run's own
/// analysis ([`measure_pairs`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MeasuredPair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Similarity as given by the truth.
    pub truth_jaccard: f64,
    /// Exact Jaccard of the two documents' shingle sets under the run's
    /// analyzer (0 when either is empty).
    pub jaccard: f64,
}

/// Recomputes the exact Jaccard similarity of every truth pair over `docs`
/// (analyzed with the configuration whose reports will be evaluated), in
/// parallel. Pairs naming a document outside `docs` get similarity 0.
pub fn measure_pairs(truth: &[TruthPair], docs: &[AnalyzedDocument]) -> Vec<MeasuredPair> {
    truth
        .par_iter()
        .map(|p| {
            let jaccard = match (docs.get(p.a.as_usize()), docs.get(p.b.as_usize())) {
                (Some(x), Some(y)) if !x.shingles().is_empty() && !y.shingles().is_empty() => {
                    Similarity::exact(x.shingles(), y.shingles()).jaccard
                }
                _ => 0.0,
            };
            let (a, b) = (p.a.min(p.b), p.a.max(p.b));
            MeasuredPair {
                a,
                b,
                truth_jaccard: p.jaccard,
                jaccard,
            }
        })
        .collect()
}

/// A [`Report`]'s document pairs against truth at one threshold.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PairEvaluation {
    /// The threshold.
    pub threshold: f64,
    /// Like with like: expected are the truth pairs whose recomputed
    /// Jaccard ([`MeasuredPair::jaccard`]) is at least the threshold.
    pub metrics: PairMetrics,
    /// Against the truth's own similarity: expected are the truth pairs with
    /// [`MeasuredPair::truth_jaccard`] at least the threshold. Differs from
    /// [`metrics`](Self::metrics) where the run's shingles or normalization
    /// differ from the truth's (character shingles, OCR noise).
    pub truth_metrics: PairMetrics,
    /// Reported pairs that are not truth pairs at all (the truth lists
    /// every pair above its own floor, 0.5 for the shared corpora, so these
    /// are pairs the run's analysis finds more similar than the truth's).
    pub outside_truth: u64,
    /// Like-with-like false positives, in order.
    pub false_positives: Vec<DocumentPair>,
    /// Like-with-like false negatives, in order.
    pub false_negatives: Vec<MeasuredPair>,
    /// Adjusted Rand index of the report's document clusters against the
    /// connected components of the expected pairs, over all documents.
    pub ari: f64,
}

/// Evaluates `report`'s document pairs against `truth` (from
/// [`measure_pairs`] with the report's analysis) at `threshold` (normally
/// the report's own).
pub fn evaluate_pairs(report: &Report, truth: &[MeasuredPair], threshold: f64) -> PairEvaluation {
    let reported: HashSet<(DocId, DocId)> =
        report.document_pairs().iter().map(|p| (p.a, p.b)).collect();
    let expected: HashSet<(DocId, DocId)> = truth
        .iter()
        .filter(|p| p.jaccard >= threshold)
        .map(|p| (p.a, p.b))
        .collect();
    let expected_truth: HashSet<(DocId, DocId)> = truth
        .iter()
        .filter(|p| p.truth_jaccard >= threshold)
        .map(|p| (p.a, p.b))
        .collect();
    let all_truth: HashSet<(DocId, DocId)> = truth.iter().map(|p| (p.a, p.b)).collect();
    let false_positives: Vec<DocumentPair> = report
        .document_pairs()
        .iter()
        .filter(|p| !expected.contains(&(p.a, p.b)))
        .copied()
        .collect();
    let mut false_negatives: Vec<MeasuredPair> = truth
        .iter()
        .filter(|p| p.jaccard >= threshold && !reported.contains(&(p.a, p.b)))
        .copied()
        .collect();
    false_negatives.sort_by_key(|p| (p.a, p.b));
    false_negatives.dedup_by_key(|p| (p.a, p.b));
    let n = report.summaries().len();
    let truth_clusters = components(n, expected.iter().copied());
    let ari = adjusted_rand_index(
        &cluster_labels(n, truth_clusters),
        &cluster_labels(n, report.clusters().iter().map(|c| c.members().to_vec())),
    );
    PairEvaluation {
        threshold,
        metrics: PairMetrics::from_sets(&reported, &expected),
        truth_metrics: PairMetrics::from_sets(&reported, &expected_truth),
        outside_truth: reported.difference(&all_truth).count() as u64,
        false_positives,
        false_negatives,
        ari,
    }
}

/// Connected components (of two or more) of `pairs` over `n` items.
fn components(n: usize, pairs: impl IntoIterator<Item = (DocId, DocId)>) -> Vec<Vec<DocId>> {
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

// ---- calibration ----

/// One document pair measured for calibration ([`sample_pairs`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

// ---- passages ----

/// A planted group of passages that should form one passage cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TruthPassageGroup {
    /// The group's name in the truth file.
    pub name: String,
    /// What the group is (`"repeat"`, `"copy"`, `"boilerplate"` for
    /// [`synth`](crate::synth)).
    pub kind: String,
    /// The passages, in input order.
    pub members: Vec<PassageId>,
}

/// What became of one passage of a planted group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PassageStatus {
    /// In the same passage cluster as the group's first comparable member
    /// (that first member itself is not counted).
    Found,
    /// Not in that cluster.
    Missed,
    /// Not compared by the run: too few tokens
    /// ([`Config::min_passage_tokens`](crate::Config::min_passage_tokens)),
    /// empty after normalization, or no such passage; or the group has
    /// fewer than two comparable members.
    NotCompared,
}

/// The status of one member of a planted passage group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PassageOutcome {
    /// Position of the group in the slice given to [`passage_outcomes`].
    pub group: usize,
    /// The passage.
    pub passage: PassageId,
    /// What became of it.
    pub status: PassageStatus,
}

/// For every member but the reference of each group in `groups`, whether
/// `report` (a run over `docs`) put it in the same passage cluster as the
/// group's first comparable member (the reference). Members in order of
/// groups, then of members.
pub fn passage_outcomes(
    report: &Report,
    docs: &[AnalyzedDocument],
    groups: &[TruthPassageGroup],
) -> Vec<PassageOutcome> {
    let mut cluster_of: HashMap<PassageId, usize> = HashMap::new();
    for (k, c) in report.passage_clusters().iter().enumerate() {
        for m in c.members() {
            cluster_of.insert(m.passage, k);
        }
    }
    let min_tokens = report.config().get_min_passage_tokens();
    let comparable = |p: PassageId| {
        docs.get(p.doc.as_usize())
            .and_then(|d| d.passages().get(p.index as usize))
            .is_some_and(|x| !x.shingles().is_empty() && x.tokens() >= min_tokens)
    };
    let mut out = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let ok: Vec<bool> = group.members.iter().map(|&p| comparable(p)).collect();
        let enough = ok.iter().filter(|&&x| x).count() >= 2;
        let reference = group
            .members
            .iter()
            .zip(&ok)
            .find(|(_, ok)| **ok)
            .map(|(p, _)| *p);
        let target = reference.and_then(|r| cluster_of.get(&r).copied());
        for (&p, &ok) in group.members.iter().zip(&ok) {
            if Some(p) == reference {
                continue;
            }
            let status = if !ok || !enough {
                PassageStatus::NotCompared
            } else if target.is_some() && cluster_of.get(&p).copied() == target {
                PassageStatus::Found
            } else {
                PassageStatus::Missed
            };
            out.push(PassageOutcome {
                group: g,
                passage: p,
                status,
            });
        }
    }
    out
}

/// A paragraph of a copy that is an edited version of a paragraph of its
/// source ([`edited_passages`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EditedPassage {
    /// The paragraph in the copy.
    pub copy: PassageId,
    /// The source paragraph it matches best.
    pub source: PassageId,
    /// Their exact Jaccard similarity (below 1: not a verbatim copy).
    pub jaccard: f64,
}

/// Finds edited paragraph copies where the truth lists only verbatim ones.
///
/// For each `(source, copy)` document pair, every passage of the copy that
/// is not a member of a `verbatim` group and is not identical to a source
/// passage is matched to the source passage of highest exact Jaccard; it is
/// kept when that Jaccard is at least `min_jaccard` (0.3 keeps paragraphs
/// with a few word edits and drops new paragraphs, which share nothing).
/// This labels edits with exact similarity, never with LSH, so it can judge
/// whether a run found them ([`edited_found`]). Sorted by copy passage.
pub fn edited_passages(
    docs: &[AnalyzedDocument],
    pairs: &[(DocId, DocId)],
    verbatim: &[TruthPassageGroup],
    min_jaccard: f64,
) -> Vec<EditedPassage> {
    let planted: HashSet<PassageId> = verbatim
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    let mut out: Vec<EditedPassage> = pairs
        .par_iter()
        .flat_map_iter(|&(src, copy)| {
            let (Some(s), Some(c)) = (docs.get(src.as_usize()), docs.get(copy.as_usize())) else {
                return Vec::new();
            };
            let mut found = Vec::new();
            for (i, p) in c.passages().iter().enumerate() {
                let id = PassageId::new(copy, i as u32);
                if planted.contains(&id) || p.shingles().is_empty() {
                    continue;
                }
                let best = s
                    .passages()
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| !q.shingles().is_empty())
                    .map(|(k, q)| (k, Similarity::exact(p.shingles(), q.shingles()).jaccard))
                    .fold(None, |acc: Option<(usize, f64)>, x| match acc {
                        Some(a) if a.1 >= x.1 => Some(a),
                        _ => Some(x),
                    });
                if let Some((k, j)) = best
                    && j >= min_jaccard
                    && j < 1.0
                {
                    found.push(EditedPassage {
                        copy: id,
                        source: PassageId::new(src, k as u32),
                        jaccard: j,
                    });
                }
            }
            found
        })
        .collect();
    out.sort_by_key(|e| (e.copy, e.source));
    out.dedup_by_key(|e| e.copy);
    out
}

/// For each edited passage, whether `report` put it in the same passage
/// cluster as its source paragraph.
pub fn edited_found(report: &Report, edited: &[EditedPassage]) -> Vec<bool> {
    let mut cluster_of: HashMap<PassageId, usize> = HashMap::new();
    for (k, c) in report.passage_clusters().iter().enumerate() {
        for m in c.members() {
            cluster_of.insert(m.passage, k);
        }
    }
    edited
        .iter()
        .map(
            |e| match (cluster_of.get(&e.copy), cluster_of.get(&e.source)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        )
        .collect()
}

// ---- noise ----

/// A copy of `text` with OCR-like character confusions: each ASCII letter
/// or digit that has a usual look-alike (e↔c, l↔1, o↔0, i↔l, rn→m, h→b,
/// u→v, a→o, s→5, and more) is replaced with probability `rate`, drawn
/// deterministically from `seed`. Used to simulate noisy scans of clean
/// text; other characters are kept.
///
/// # Example
///
/// ```
/// let clean = "the harbour stayed closed on monday";
/// let noisy = echodup::eval::ocr_noise(clean, 0.2, 7);
/// assert_ne!(noisy, clean);
/// assert_eq!(noisy, echodup::eval::ocr_noise(clean, 0.2, 7));
/// assert_eq!(echodup::eval::ocr_noise(clean, 0.0, 7), clean);
/// ```
pub fn ocr_noise(text: &str, rate: f64, seed: u64) -> String {
    let mut rng = SplitMix64::new(seed);
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let swap: Option<&str> = match c {
            'e' => Some("c"),
            'c' => Some("e"),
            'l' => Some("1"),
            '1' => Some("l"),
            'o' => Some("0"),
            '0' => Some("o"),
            'i' => Some("l"),
            'h' => Some("b"),
            'u' => Some("v"),
            'a' => Some("o"),
            's' => Some("5"),
            'n' => Some("ri"),
            'm' => Some("rn"),
            'r' if chars.peek() == Some(&'n') => Some("m"),
            't' => Some("f"),
            'E' => Some("F"),
            'O' => Some("0"),
            'I' => Some("l"),
            'S' => Some("5"),
            'B' => Some("8"),
            _ => None,
        };
        match swap {
            Some(s)
                if rate > 0.0 && (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= rate =>
            {
                if c == 'r' {
                    chars.next();
                }
                out.push_str(s);
            }
            _ => out.push(c),
        }
    }
    out
}

// ---- reading truth files ----

#[cfg(feature = "jsonl")]
mod read {
    use std::io::{BufRead, BufReader};
    use std::path::Path;

    use serde_json::Value;

    use super::{TruthPair, TruthPassageGroup};
    use crate::corpus::{DocId, PassageId};
    use crate::error::{Error, Result};

    /// A truth cluster as read from `truth.jsonl`.
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    pub struct TruthCluster {
        /// The cluster's name (`"cluster"`).
        pub name: String,
        /// Its kind (`"kind"`; empty when absent).
        pub kind: String,
        /// Its members, in file order.
        pub members: Vec<DocId>,
    }

    /// Calls `f` with each non-blank line's JSON object and line number.
    fn each_object(path: &Path, mut f: impl FnMut(&Value, u64) -> Result<()>) -> Result<()> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
        let mut line_no = 0u64;
        for line in BufReader::new(file).lines() {
            line_no += 1;
            let line = line.map_err(|e| Error::io("reading", path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(&line)
                .map_err(|e| Error::parse(path, line_no, format!("invalid JSON: {e}")))?;
            if !v.is_object() {
                return Err(Error::parse(path, line_no, "expected a JSON object"));
            }
            f(&v, line_no)?;
        }
        Ok(())
    }

    fn field<'v>(v: &'v Value, name: &str, path: &Path, line: u64) -> Result<&'v Value> {
        v.get(name)
            .ok_or_else(|| Error::parse(path, line, format!("missing field \"{name}\"")))
    }

    fn doc<F: Fn(&str) -> Option<DocId>>(
        v: &Value,
        what: &str,
        lookup: &F,
        path: &Path,
        line: u64,
    ) -> Result<DocId> {
        let id = v
            .as_str()
            .ok_or_else(|| Error::parse(path, line, format!("field \"{what}\" is not a string")))?;
        lookup(id).ok_or_else(|| {
            Error::parse(
                path,
                line,
                format!("field \"{what}\": unknown document id {id:?}"),
            )
        })
    }

    /// Reads truth pairs, one `{"a": id, "b": id, "jaccard": x}` per line
    /// (the shared corpora's `pairs.jsonl`). `lookup` maps a document id to
    /// its position in the corpus (e.g. [`Corpus::find`](crate::io::Corpus::find)).
    /// Pairs are returned with `a < b`, in file order.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) if the file cannot be read;
    /// [`ErrorKind::Parse`](crate::ErrorKind::Parse) naming the file and line
    /// for invalid JSON, a missing or mistyped field, an unknown id, a pair
    /// of a document with itself, or a similarity outside [0, 1].
    pub fn read_pairs<F: Fn(&str) -> Option<DocId>>(
        path: impl AsRef<Path>,
        lookup: F,
    ) -> Result<Vec<TruthPair>> {
        let path = path.as_ref();
        let mut out = Vec::new();
        each_object(path, |v, line| {
            let a = doc(field(v, "a", path, line)?, "a", &lookup, path, line)?;
            let b = doc(field(v, "b", path, line)?, "b", &lookup, path, line)?;
            let jaccard = field(v, "jaccard", path, line)?
                .as_f64()
                .ok_or_else(|| Error::parse(path, line, "field \"jaccard\" is not a number"))?;
            if !(0.0..=1.0).contains(&jaccard) {
                return Err(Error::parse(
                    path,
                    line,
                    format!("jaccard {jaccard} is not in [0, 1]"),
                ));
            }
            if a == b {
                return Err(Error::parse(path, line, "a pair of a document with itself"));
            }
            out.push(TruthPair {
                a: a.min(b),
                b: a.max(b),
                jaccard,
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// Reads truth clusters, one `{"cluster": name, "ids": [...], "kind":
    /// kind}` per line (`truth.jsonl`; `kind` may be absent).
    ///
    /// # Errors
    ///
    /// As [`read_pairs`], and a cluster of fewer than two ids.
    pub fn read_clusters<F: Fn(&str) -> Option<DocId>>(
        path: impl AsRef<Path>,
        lookup: F,
    ) -> Result<Vec<TruthCluster>> {
        let path = path.as_ref();
        let mut out = Vec::new();
        each_object(path, |v, line| {
            let name = v.get("cluster").map(|c| match c {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let ids = field(v, "ids", path, line)?
                .as_array()
                .ok_or_else(|| Error::parse(path, line, "field \"ids\" is not an array"))?;
            let members = ids
                .iter()
                .map(|id| doc(id, "ids", &lookup, path, line))
                .collect::<Result<Vec<_>>>()?;
            if members.len() < 2 {
                return Err(Error::parse(path, line, "a cluster needs two or more ids"));
            }
            out.push(TruthCluster {
                name: name.unwrap_or_else(|| format!("line {line}")),
                kind: v
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                members,
            });
            Ok(())
        })?;
        Ok(out)
    }

    /// Reads planted passage groups, one `{"group": name, "kind": kind,
    /// "members": [{"id": id, "passage": i}, ...]}` per line (the
    /// `passages.jsonl` of [`synth`](crate::synth)).
    ///
    /// # Errors
    ///
    /// As [`read_pairs`], and a member without a non-negative integer
    /// `"passage"`.
    pub fn read_passage_groups<F: Fn(&str) -> Option<DocId>>(
        path: impl AsRef<Path>,
        lookup: F,
    ) -> Result<Vec<TruthPassageGroup>> {
        let path = path.as_ref();
        let mut out = Vec::new();
        each_object(path, |v, line| {
            let members = field(v, "members", path, line)?
                .as_array()
                .ok_or_else(|| Error::parse(path, line, "field \"members\" is not an array"))?;
            let members = members
                .iter()
                .map(|m| {
                    let d = doc(field(m, "id", path, line)?, "id", &lookup, path, line)?;
                    let p = field(m, "passage", path, line)?
                        .as_u64()
                        .and_then(|p| u32::try_from(p).ok())
                        .ok_or_else(|| {
                            Error::parse(path, line, "field \"passage\" is not a passage index")
                        })?;
                    Ok(PassageId::new(d, p))
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(TruthPassageGroup {
                name: v
                    .get("group")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("line {line}"), str::to_string),
                kind: v
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                members,
            });
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(feature = "jsonl")]
pub use read::{TruthCluster, read_clusters, read_pairs, read_passage_groups};

/// Truth pairs and passage groups of a generated corpus, in the types of
/// this module (what [`Generator::write_dir`](crate::synth::Generator::write_dir)
/// writes, without the files). Pairs below `min_jaccard` are left out (0.5
/// gives the shared corpora's semantics).
pub fn synth_truth(
    truth: &crate::synth::GroundTruth,
    min_jaccard: f64,
) -> (Vec<TruthPair>, Vec<TruthPassageGroup>) {
    let pairs = truth
        .pairs()
        .iter()
        .filter(|p| p.jaccard >= min_jaccard)
        .map(|p| TruthPair {
            a: p.a,
            b: p.b,
            jaccard: p.jaccard,
        })
        .collect();
    let groups = truth
        .passage_groups()
        .iter()
        .enumerate()
        .map(|(g, group)| TruthPassageGroup {
            name: format!("g{g}"),
            kind: group.kind.as_str().to_string(),
            members: group.members.clone(),
        })
        .collect();
    (pairs, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Analyzer, Config, Deduplicator};

    fn d(i: u32) -> DocId {
        DocId::new(i)
    }

    #[test]
    fn metrics_count_and_ratios() {
        let reported: HashSet<_> = [(d(0), d(1)), (d(2), d(3)), (d(4), d(5))].into();
        let expected: HashSet<_> = [(d(0), d(1)), (d(2), d(3)), (d(6), d(7)), (d(8), d(9))].into();
        let m = PairMetrics::from_sets(&reported, &expected);
        assert_eq!(
            m,
            PairMetrics {
                tp: 2,
                fp: 1,
                fn_: 2
            }
        );
        assert!((m.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.recall() - 0.5).abs() < 1e-12);
        assert!((m.f1() - 2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5)).abs() < 1e-12);
        let empty = PairMetrics::default();
        assert_eq!(
            (empty.precision(), empty.recall(), empty.f1()),
            (1.0, 1.0, 1.0)
        );
        let none = PairMetrics {
            tp: 0,
            fp: 3,
            fn_: 2,
        };
        assert_eq!(
            (none.precision(), none.recall(), none.f1()),
            (0.0, 0.0, 0.0)
        );
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

    const BASE: &str = "The council voted on Tuesday to keep the old harbour bridge open to \
        cyclists and walkers while engineers finish a survey of its steel frame and its \
        foundations, which were last inspected more than ten years ago. The mayor said the \
        survey would cost less than a new crossing and that the results would be shown to \
        residents at a public meeting in the town hall before the end of the summer.";

    fn corpus() -> Vec<String> {
        vec![
            BASE.to_string(),
            BASE.replace("Tuesday", "Wednesday"),
            "A new bakery opened on the market square, selling rye bread baked in a wood \
             oven that the owners rebuilt from bricks of the old town mill."
                .to_string(),
            BASE.to_string(),
        ]
    }

    #[test]
    fn evaluate_pairs_like_with_like() {
        let config = Config::new().threshold(0.8);
        let analyzer = Analyzer::new(&config).unwrap();
        let docs: Vec<_> = corpus().iter().map(|t| analyzer.analyze(t)).collect();
        let report = Deduplicator::new(config)
            .unwrap()
            .run_analyzed(&docs)
            .unwrap();
        let j01 = Similarity::exact(docs[0].shingles(), docs[1].shingles()).jaccard;
        assert!(j01 >= 0.8, "{j01}");
        // The truth claims (0, 1) and (0, 3) and a pair (1, 2) that is not similar;
        // (1, 3) is missing from the truth, so the report's (1, 3) is outside it.
        let truth = [
            TruthPair {
                a: d(0),
                b: d(1),
                jaccard: 0.5,
            },
            TruthPair {
                a: d(3),
                b: d(0),
                jaccard: 1.0,
            },
            TruthPair {
                a: d(1),
                b: d(2),
                jaccard: 0.9,
            },
        ];
        let measured = measure_pairs(&truth, &docs);
        assert_eq!(
            (measured[1].a, measured[1].b, measured[1].jaccard),
            (d(0), d(3), 1.0)
        );
        assert_eq!(measured[2].jaccard, 0.0);
        let e = evaluate_pairs(&report, &measured, 0.8);
        assert_eq!(
            e.metrics,
            PairMetrics {
                tp: 2,
                fp: 1,
                fn_: 0
            }
        );
        assert_eq!(e.outside_truth, 1);
        assert_eq!(
            (e.false_positives[0].a, e.false_positives[0].b),
            (d(1), d(3))
        );
        // Against the truth's own numbers: (0, 1) is not expected at 0.8, (1, 2) is.
        assert_eq!(
            e.truth_metrics,
            PairMetrics {
                tp: 1,
                fp: 2,
                fn_: 1
            }
        );
        // Truth components {0, 1, 3} equal the report's cluster.
        assert_eq!(e.ari, 1.0);
        assert!(e.false_negatives.is_empty());
        // At 1.0 the report still has its 0.8 pairs: (0, 1) and (1, 3) are false positives.
        let e = evaluate_pairs(&report, &measured, 1.0);
        assert_eq!(
            e.metrics,
            PairMetrics {
                tp: 1,
                fp: 2,
                fn_: 0
            }
        );
        assert!(e.ari < 1.0);
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

    #[test]
    fn passage_outcomes_on_generated_corpus() {
        let generator =
            crate::synth::Generator::new(crate::synth::SynthConfig::new().num_docs(400).seed(9))
                .unwrap();
        let texts = generator.texts();
        let config = Config::new();
        let analyzer = Analyzer::new(&config).unwrap();
        let docs: Vec<_> = texts.iter().map(|t| analyzer.analyze(t)).collect();
        let report = Deduplicator::new(config)
            .unwrap()
            .run_analyzed(&docs)
            .unwrap();
        let (_, groups) = synth_truth(&generator.truth(), 0.5);
        assert!(groups.len() > 10);
        let out = passage_outcomes(&report, &docs, &groups);
        let expected: usize = groups.iter().map(|g| g.members.len() - 1).sum();
        assert_eq!(out.len(), expected);
        let found = out
            .iter()
            .filter(|o| o.status == PassageStatus::Found)
            .count();
        assert!(
            found as f64 >= 0.99 * out.len() as f64,
            "{found} of {}",
            out.len()
        );
        // A made-up group of two unrelated passages is missed.
        let bogus = TruthPassageGroup {
            name: "x".into(),
            kind: "copy".into(),
            members: vec![
                PassageId::new(d(0), 1),
                PassageId::new(d(1), 2),
                PassageId::new(d(1), 999),
            ],
        };
        let out = passage_outcomes(&report, &docs, &[bogus]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].status, PassageStatus::NotCompared);
        assert_eq!(out[0].status, PassageStatus::Missed);
    }

    #[test]
    fn edited_passages_are_labelled_exactly_and_judged() {
        let para = |extra: &str| {
            format!(
                "The council voted on Tuesday to keep the old harbour bridge open to cyclists and \
                 walkers while engineers finish a survey of its steel frame and foundations{extra}"
            )
        };
        let source = format!(
            "Bridge stays open\n\n{}\n\nA second paragraph about the weather on the coast this week.",
            para(".")
        );
        let copy = format!(
            "Bridge stays open\n\n{}\n\nSomething new entirely, with no words from before at all.",
            para(", officials said.")
        );
        let config = Config::new().threshold(0.5);
        let analyzer = Analyzer::new(&config).unwrap();
        let docs: Vec<_> = [source.as_str(), copy.as_str()]
            .iter()
            .map(|t| analyzer.analyze(t))
            .collect();
        // The headline is planted as verbatim; the edited paragraph is found by exact
        // Jaccard; the new paragraph matches nothing.
        let verbatim = [TruthPassageGroup {
            name: "g0".into(),
            kind: "copy".into(),
            members: vec![PassageId::new(d(0), 0), PassageId::new(d(1), 0)],
        }];
        let edited = edited_passages(&docs, &[(d(0), d(1))], &verbatim, 0.3);
        assert_eq!(edited.len(), 1, "{edited:?}");
        assert_eq!(
            (edited[0].copy, edited[0].source),
            (PassageId::new(d(1), 1), PassageId::new(d(0), 1))
        );
        let j = edited[0].jaccard;
        assert!(j > 0.5 && j < 1.0, "{j}");
        let found = |t: f64| {
            let report = Deduplicator::new(Config::new().threshold(t))
                .unwrap()
                .run_analyzed(&docs)
                .unwrap();
            edited_found(&report, &edited)[0]
        };
        assert!(found(j - 0.01));
        assert!(!found((j + 0.01).min(1.0)));
    }

    #[test]
    fn ocr_noise_rate_and_determinism() {
        let text = "the harbour stayed closed on monday after winds ".repeat(50);
        let noisy = ocr_noise(&text, 0.05, 1);
        assert_eq!(noisy, ocr_noise(&text, 0.05, 1));
        assert_ne!(noisy, ocr_noise(&text, 0.05, 2));
        // 200 letters e; about 5% become c (and 50 c become e at the same rate).
        let e = noisy.matches('e').count();
        assert!((180..200).contains(&e), "{e}");
        // At rate 1 every e becomes c and every c becomes e.
        assert_eq!(ocr_noise(&text, 1.0, 1).matches('e').count(), 50);
    }

    #[cfg(feature = "jsonl")]
    #[test]
    fn readers_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let lookup = |id: &str| {
            id.strip_prefix("doc")
                .and_then(|n| n.parse().ok())
                .map(DocId::new)
        };
        let p = dir.path().join("pairs.jsonl");
        std::fs::write(&p, "{\"a\": \"doc3\", \"b\": \"doc1\", \"jaccard\": 0.75}\n\n{\"a\": \"doc1\", \"b\": \"x\", \"jaccard\": 1}\n").unwrap();
        let e = read_pairs(&p, lookup).unwrap_err();
        assert_eq!((e.kind(), e.line()), (crate::ErrorKind::Parse, Some(3)));
        assert!(
            e.to_string().contains("pairs.jsonl:3") && e.to_string().contains("\"x\""),
            "{e}"
        );
        std::fs::write(
            &p,
            "{\"a\": \"doc3\", \"b\": \"doc1\", \"jaccard\": 0.75}\n",
        )
        .unwrap();
        assert_eq!(
            read_pairs(&p, lookup).unwrap(),
            vec![TruthPair {
                a: d(1),
                b: d(3),
                jaccard: 0.75
            }]
        );
        std::fs::write(&p, "{\"a\": \"doc3\", \"b\": \"doc1\"}\n").unwrap();
        assert!(
            read_pairs(&p, lookup)
                .unwrap_err()
                .to_string()
                .contains("\"jaccard\"")
        );
        std::fs::write(&p, "[1]\n").unwrap();
        assert_eq!(read_pairs(&p, lookup).unwrap_err().line(), Some(1));

        let c = dir.path().join("truth.jsonl");
        std::fs::write(&c, "{\"cluster\": \"c1\", \"ids\": [\"doc0\", \"doc2\"], \"kind\": \"exact\"}\n{\"cluster\": 7, \"ids\": [\"doc0\"]}\n").unwrap();
        let e = read_clusters(&c, lookup).unwrap_err();
        assert_eq!(e.line(), Some(2));
        std::fs::write(
            &c,
            "{\"cluster\": \"c1\", \"ids\": [\"doc0\", \"doc2\"], \"kind\": \"exact\"}\n",
        )
        .unwrap();
        let cl = read_clusters(&c, lookup).unwrap();
        assert_eq!(
            (
                cl[0].name.as_str(),
                cl[0].kind.as_str(),
                cl[0].members.clone()
            ),
            ("c1", "exact", vec![d(0), d(2)])
        );

        let g = dir.path().join("passages.jsonl");
        std::fs::write(&g, "{\"group\": \"g0\", \"kind\": \"copy\", \"members\": [{\"id\": \"doc0\", \"passage\": 2}, {\"id\": \"doc4\", \"passage\": 1}]}\n{\"group\": \"g1\", \"members\": [{\"id\": \"doc0\", \"passage\": -1}]}\n").unwrap();
        let e = read_passage_groups(&g, lookup).unwrap_err();
        assert!(
            e.to_string().contains("passages.jsonl:2") && e.to_string().contains("passage"),
            "{e}"
        );
        std::fs::write(&g, "{\"group\": \"g0\", \"kind\": \"copy\", \"members\": [{\"id\": \"doc0\", \"passage\": 2}, {\"id\": \"doc4\", \"passage\": 1}]}\n").unwrap();
        let gr = read_passage_groups(&g, lookup).unwrap();
        assert_eq!(
            gr[0].members,
            vec![PassageId::new(d(0), 2), PassageId::new(d(4), 1)]
        );
        let e = read_pairs(dir.path().join("none.jsonl"), lookup).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io);
    }
}
