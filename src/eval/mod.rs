//! Measuring detection quality against ground truth.
//!
//! - [`PairMetrics`]: true and false positives and negatives of a set of
//!   reported pairs, with precision, recall and F1.
//! - [`adjusted_rand_index`]: agreement of two clusterings, corrected for
//!   chance (Hubert & Arabie 1985).
//! - [`measure_pairs`] and [`evaluate_pairs`]: a
//!   [`Report`](crate::Report)'s document pairs against truth pairs at a
//!   threshold, comparing like with like (the truth pairs' similarity is
//!   recomputed with the run's own shingles).
//! - [`sample_pairs`], [`calibration_bins`] and [`EstimatorSummary`]: how
//!   well [`Banding::probability`](crate::Banding::probability) predicts
//!   which pairs become LSH candidates, and how far MinHash estimates are
//!   from exact Jaccard.
//! - [`passage_outcomes`], [`edited_passages`] and [`edited_found`]: whether
//!   planted groups of identical passages, and edited copies of paragraphs,
//!   were found as passage clusters.
//! - [`ocr_noise`]: OCR-like character confusions, to measure detection on
//!   noisy scans.
//! - [`GroundTruth`]: the one type of ground truth in the crate (document
//!   pairs, clusters, passage groups), defined here and made by
//!   [`synth::Generator::truth`](crate::synth::Generator::truth). It reads and
//!   writes the files of the shared evaluation corpora and of
//!   [`synth`](crate::synth) (`pairs.jsonl`, `truth.jsonl`,
//!   `passages.jsonl`) through serde records shared by readers and writers.
//!
//! Development tooling: needs the `tools` feature (turned on by `cli`).
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

mod calibration;
mod clusters;
mod jsonl;
mod noise;
mod pairs;
mod passages;
mod truth;

pub use calibration::{
    CalibrationBin, EstimatorSummary, PairSample, calibration_bins, random_pairs, sample_pairs,
};
pub use clusters::{
    ClusterOutcome, StoryAgreement, adjusted_rand_index, cluster_labels, cluster_outcome,
    story_agreement,
};
pub(crate) use jsonl::write_json_line;
pub use noise::ocr_noise;
pub use pairs::{MeasuredPair, PairEvaluation, PairMetrics, evaluate_pairs, measure_pairs};
pub use passages::{
    EditedPassage, PassageOutcome, PassageStatus, edited_found, edited_passages, passage_outcomes,
};
pub use truth::{GroundTruth, TruthCluster, TruthPair, TruthPassageGroup};
