//! Document pairs against ground truth: [`PairMetrics`] (precision,
//! recall, F1), [`measure_pairs`] (truth pairs re-measured with the run's
//! own analysis) and [`evaluate_pairs`] (a [`Report`] at a threshold).

use std::collections::HashSet;

use rayon::prelude::*;

use super::TruthPair;
use super::clusters::{adjusted_rand_index, cluster_labels, components};
use crate::analyze::AnalyzedDocument;
use crate::corpus::DocId;
use crate::report::{DocumentPair, Report};
use crate::verify::Similarity;

/// Counts of a set of reported pairs against a set of expected pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// A truth pair with its similarity recomputed under the run's own
/// analysis ([`measure_pairs`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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
    let reported: HashSet<(DocId, DocId)> = report.document_pairs().map(|p| (p.a, p.b)).collect();
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
        .filter(|p| !expected.contains(&(p.a, p.b)))
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

#[cfg(test)]
pub(super) mod tests {
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

    const BASE: &str = "The council voted on Tuesday to keep the old harbour bridge open to \
        cyclists and walkers while engineers finish a survey of its steel frame and its \
        foundations, which were last inspected more than ten years ago. The mayor said the \
        survey would cost less than a new crossing and that the results would be shown to \
        residents at a public meeting in the town hall before the end of the summer.";

    pub(crate) fn corpus() -> Vec<String> {
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
}
