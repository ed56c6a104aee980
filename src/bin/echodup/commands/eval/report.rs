//! The report of `echodup eval`: the printed tables and the JSON object, with
//! examples of misses, false alarms and other clusters.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use echodup::Shingling;
use echodup::eval::{
    CalibrationBin, EstimatorSummary, MeasuredPair, TruthCluster, TruthPassageGroup,
};
use echodup::io::Corpus;
use echodup::{Analyzer, DocId};
use serde_json::{Value, json};

use super::{EvalArgs, Row};

/// What `run` measured, with what it needs to show examples.
pub(super) struct View<'a> {
    pub(super) args: &'a EvalArgs,
    pub(super) corpus: &'a Corpus,
    pub(super) texts: &'a [String],
    pub(super) analyzer: &'a Analyzer,
    pub(super) measured: &'a [MeasuredPair],
    pub(super) rows: &'a [Row],
}

fn clip(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The first range of `0..len` not covered by the sorted `covered`, if any.
fn first_gap(covered: &[Range<usize>], len: usize, text: &str) -> Option<Range<usize>> {
    let mut at = 0;
    for r in covered {
        if r.start > at && !text[at..r.start].trim().is_empty() {
            return Some(at..r.start);
        }
        at = at.max(r.end);
    }
    (at < len && !text[at..].trim().is_empty()).then_some(at..len)
}

impl View<'_> {
    fn id(&self, d: DocId) -> &str {
        self.corpus.document(d).id()
    }

    /// Why two documents match or not: similarity, the first shared text
    /// and the first text of each that the other lacks.
    fn pair_example(&self, a: DocId, b: DocId, truth_j: Option<f64>) -> Value {
        let (ta, tb) = (&self.texts[a.as_usize()], &self.texts[b.as_usize()]);
        let e = echodup::explain::explain(self.analyzer, ta, tb);
        let shared = e
            .shared_a
            .first()
            .map(|r| clip(&ta[r.clone()], 160))
            .unwrap_or_default();
        let only_a = first_gap(&e.shared_a, ta.len(), ta)
            .map(|r| clip(&ta[r], 160))
            .unwrap_or_default();
        let only_b = first_gap(&e.shared_b, tb.len(), tb)
            .map(|r| clip(&tb[r], 160))
            .unwrap_or_default();
        json!({
            "a": self.id(a),
            "b": self.id(b),
            "jaccard": e.similarity.jaccard,
            "truth_jaccard": truth_j,
            "shared_fraction_a": if ta.is_empty() { 0.0 } else { e.shared_bytes_a() as f64 / ta.len() as f64 },
            "shared_fraction_b": if tb.is_empty() { 0.0 } else { e.shared_bytes_b() as f64 / tb.len() as f64 },
            "shared": shared,
            "only_a": only_a,
            "only_b": only_b,
        })
    }

    fn truth_j(&self, a: DocId, b: DocId) -> Option<f64> {
        self.measured
            .iter()
            .find(|p| p.a == a && p.b == b)
            .map(|p| p.truth_jaccard)
    }

    fn examples(&self, row: &Row) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
        let n = self.args.examples;
        let fns = row
            .eval
            .false_negatives
            .iter()
            .take(n)
            .map(|p| self.pair_example(p.a, p.b, Some(p.truth_jaccard)))
            .collect();
        let fps = row
            .eval
            .false_positives
            .iter()
            .take(n)
            .map(|p| self.pair_example(p.a, p.b, self.truth_j(p.a, p.b)))
            .collect();
        let others = row
            .other_clusters
            .iter()
            .take(n)
            .map(|&k| {
                let c = &row.report.clusters().as_slice()[k];
                let first = c.members()[0];
                json!({
                    "size": c.len(),
                    "ids": c.members().iter().map(|&d| self.id(d)).collect::<Vec<_>>(),
                    "start": clip(&self.texts[first.as_usize()], 200),
                })
            })
            .collect();
        (fns, fps, others)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn print(
        &self,
        out: &mut dyn Write,
        clusters: &[TruthCluster],
        groups: &[TruthPassageGroup],
        banding: (usize, usize),
        bins: &[CalibrationBin],
        est: &EstimatorSummary,
        n_random: usize,
    ) -> anyhow::Result<()> {
        let c = &self.args.common.detection;
        let shingles = match self.args.common.config().get_shingling() {
            Shingling::Chars(n) => format!("character {n}-shingles"),
            Shingling::Glyphs(n) => format!("glyph {n}-shingles"),
            other => format!("word {}-shingles", other.size()),
        };
        writeln!(
            out,
            "corpus {}: {} documents; {} truth pairs; {shingles}, {} slots{}",
            self.args.input.display(),
            self.corpus.len(),
            self.measured.len(),
            c.num_perm,
            self.args
                .ocr_noise
                .map(|p| format!("; OCR noise {p}"))
                .unwrap_or_default()
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "Document pairs (expected: truth pairs with exact Jaccard ≥ t under these shingles)"
        )?;
        writeln!(
            out,
            "{:>5} {:>7} {:>8} {:>8} {:>7} {:>6} {:>6} {:>9} {:>8} {:>7} {:>7} | {:>9} {:>8} {:>8}",
            "t",
            "bands",
            "reported",
            "expected",
            "tp",
            "fp",
            "fn",
            "precision",
            "recall",
            "f1",
            "ARI",
            "truth-J p",
            "truth-J r",
            "outside"
        )?;
        for r in self.rows {
            let m = &r.eval.metrics;
            let tm = &r.eval.truth_metrics;
            writeln!(
                out,
                "{:>5} {:>7} {:>8} {:>8} {:>7} {:>6} {:>6} {:>9.4} {:>8.4} {:>7.4} {:>7.4} | {:>9.4} {:>8.4} {:>8}",
                r.threshold,
                format!("{}×{}", r.banding.0, r.banding.1),
                r.reported,
                m.tp + m.fn_,
                m.tp,
                m.fp,
                m.fn_,
                m.precision(),
                m.recall(),
                m.f1(),
                r.eval.ari,
                tm.precision(),
                tm.recall(),
                r.eval.outside_truth
            )?;
        }
        writeln!(
            out,
            "(truth-J p/r: against the truth file's own Jaccard ≥ t; outside: reported pairs absent from the truth file)"
        )?;
        if !clusters.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "Truth clusters found whole (found / split / missed), and the report's other clusters"
            )?;
            for r in self.rows {
                let kinds: Vec<String> = r
                    .clusters
                    .iter()
                    .map(|(k, v)| format!("{k}: {}/{}/{}", v[0], v[1], v[2]))
                    .collect();
                writeln!(
                    out,
                    "  t={}: {}; other clusters: {} of {}",
                    r.threshold,
                    kinds.join(", "),
                    r.other_clusters.len(),
                    r.report.clusters().len(),
                )?;
                if let Some(s) = &r.stories {
                    let (found, all) = s.same_story;
                    writeln!(
                        out,
                        "        ARI against the truth clusters {:.4}; pairs of one truth cluster in one cluster {found} of {all} ({:.4}); reported pairs across truth clusters {}",
                        s.ari,
                        found as f64 / all.max(1) as f64,
                        s.across_stories
                    )?;
                }
            }
        }
        if !groups.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "Planted passages found (group kind / kind of the member's document: found of compared, recall; not compared)"
            )?;
            for r in self.rows {
                writeln!(out, "  t={}:", r.threshold)?;
                let mut by_group: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
                for ((g, k), v) in &r.passages {
                    let e = by_group.entry(g.as_str()).or_default();
                    (0..3).for_each(|i| e[i] += v[i]);
                    writeln!(
                        out,
                        "    {g:<12} {k:<15} {:>7} of {:>7}  {:.4}  ({} not compared)",
                        v[0],
                        v[0] + v[1],
                        ratio(v[0], v[0] + v[1]),
                        v[2]
                    )?;
                }
                for (g, v) in by_group {
                    writeln!(
                        out,
                        "    {g:<12} {:<15} {:>7} of {:>7}  {:.4}  ({} not compared)",
                        "all",
                        v[0],
                        v[0] + v[1],
                        ratio(v[0], v[0] + v[1]),
                        v[2]
                    )?;
                }
            }
        }
        if self.rows.iter().any(|r| !r.edited.is_empty()) {
            writeln!(out)?;
            writeln!(
                out,
                "Edited paragraph copies (not planted as groups; a copy's paragraph whose best source paragraph has 0.3 ≤ J < 1): found / all (recall), and found / those with J ≥ passage threshold"
            )?;
            for r in self.rows {
                let parts: Vec<String> = r
                    .edited
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}: {}/{} ({:.4}), {}/{}",
                            v[0],
                            v[1],
                            ratio(v[0], v[1]),
                            v[0].min(v[2]),
                            v[2]
                        )
                    })
                    .collect();
                writeln!(out, "  t={}: {}", r.threshold, parts.join("; "))?;
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "Calibration at t={} ({}×{} bands): {} truth pairs + {} random non-pairs",
            self.args.common.config().get_threshold(),
            banding.0,
            banding.1,
            self.measured.len(),
            n_random
        )?;
        writeln!(
            out,
            "{:>11} {:>7} {:>10} {:>9} {:>9} {:>7} {:>10} {:>7}",
            "exact J",
            "pairs",
            "candidates",
            "measured",
            "predicted",
            "± s.e.",
            "est. bias",
            "rmse"
        )?;
        for b in bins.iter().filter(|b| b.pairs > 0) {
            writeln!(
                out,
                "{:>11} {:>7} {:>10} {:>9.4} {:>9.4} {:>7.4} {:>10.4} {:>7.4}",
                format!("{:.2}–{:.2}", b.lo, b.hi),
                b.pairs,
                b.candidates,
                b.measured(),
                b.predicted,
                b.standard_error(),
                b.mean_error,
                b.rmse
            )?;
        }
        writeln!(
            out,
            "MinHash estimate vs exact Jaccard over {} pairs: bias {:+.4}, rmse {:.4} (theory {:.4}), max |error| {:.4}, within 2σ {:.4}",
            est.pairs,
            est.mean_error,
            est.rmse,
            est.expected_rmse,
            est.max_abs_error,
            est.within_two_sigma
        )?;
        if self.args.examples > 0 {
            for r in self.rows {
                let (fns, fps, others) = self.examples(r);
                if fns.is_empty() && fps.is_empty() && others.is_empty() {
                    continue;
                }
                writeln!(out)?;
                writeln!(out, "Examples at t={}:", r.threshold)?;
                for (what, list) in [("missed", &fns), ("false positive", &fps)] {
                    for e in list {
                        writeln!(
                            out,
                            "  {what}: {} ~ {}: J {:.4} (truth {}), shared {:.0}% / {:.0}%",
                            e["a"].as_str().unwrap_or(""),
                            e["b"].as_str().unwrap_or(""),
                            e["jaccard"].as_f64().unwrap_or(0.0),
                            e["truth_jaccard"]
                                .as_f64()
                                .map_or("none".into(), |j| format!("{j:.4}")),
                            100.0 * e["shared_fraction_a"].as_f64().unwrap_or(0.0),
                            100.0 * e["shared_fraction_b"].as_f64().unwrap_or(0.0),
                        )?;
                        writeln!(out, "      shared: {}", e["shared"].as_str().unwrap_or(""))?;
                        writeln!(out, "      only a: {}", e["only_a"].as_str().unwrap_or(""))?;
                        writeln!(out, "      only b: {}", e["only_b"].as_str().unwrap_or(""))?;
                    }
                }
                for e in &others {
                    writeln!(
                        out,
                        "  other cluster of {}: {}\n      starts: {}",
                        e["size"],
                        e["ids"]
                            .as_array()
                            .map(|v| v
                                .iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", "))
                            .unwrap_or_default(),
                        e["start"].as_str().unwrap_or("")
                    )?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn to_json(
        &self,
        clusters: &[TruthCluster],
        banding: (usize, usize),
        bins: &[CalibrationBin],
        est: &EstimatorSummary,
        n_random: usize,
    ) -> Value {
        let c = &self.args.common.detection;
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let m = &r.eval.metrics;
                let tm = &r.eval.truth_metrics;
                let (fns, fps, others) = self.examples(r);
                json!({
                    "threshold": r.threshold,
                    "bands": r.banding.0,
                    "rows": r.banding.1,
                    "reported_pairs": r.reported,
                    "expected_pairs": m.tp + m.fn_,
                    "tp": m.tp, "fp": m.fp, "fn": m.fn_,
                    "precision": m.precision(), "recall": m.recall(), "f1": m.f1(),
                    "ari": r.eval.ari,
                    "ari_truth_clusters": (!clusters.is_empty()).then_some(r.ari_clusters),
                    "truth_jaccard": {
                        "tp": tm.tp, "fp": tm.fp, "fn": tm.fn_,
                        "precision": tm.precision(), "recall": tm.recall(), "f1": tm.f1(),
                    },
                    "outside_truth": r.eval.outside_truth,
                    "clusters": r.report.clusters().len(),
                    "truth_clusters": r.clusters.iter().map(|(k, v)| (k.clone(), json!({"found": v[0], "split": v[1], "missed": v[2]}))).collect::<serde_json::Map<_, _>>(),
                    "other_clusters": r.other_clusters.len(),
                    "stories": r.stories.map(|s| json!({"ari": s.ari, "same_story_pairs_found": s.same_story.0, "same_story_pairs": s.same_story.1, "pairs_across_stories": s.across_stories})),
                    "passages": r.passages.iter().map(|((g, k), v)| json!({"group_kind": g, "document_kind": k, "found": v[0], "missed": v[1], "not_compared": v[2]})).collect::<Vec<_>>(),
                    "edited_passages": r.edited.iter().map(|(k, v)| json!({"document_kind": k, "found": v[0], "all": v[1], "at_or_above_passage_threshold": v[2], "found_at_or_above": v[3]})).collect::<Vec<_>>(),
                    "false_negative_examples": fns,
                    "false_positive_examples": fps,
                    "other_cluster_examples": others,
                })
            })
            .collect();
        json!({
            "corpus": self.args.input.display().to_string(),
            "documents": self.corpus.len(),
            "truth_pairs": self.measured.len(),
            "truth_clusters": clusters.len(),
            "shingling": match self.args.common.config().get_shingling() {
                Shingling::Chars(n) => format!("chars({n})"),
                Shingling::Glyphs(n) => format!("glyphs({n})"),
                other => format!("words({})", other.size()),
            },
            "num_perm": c.num_perm,
            "ocr_noise": self.args.ocr_noise,
            "thresholds": rows,
            "calibration": {
                "threshold": self.args.common.config().get_threshold(),
                "bands": banding.0,
                "rows": banding.1,
                "random_non_pairs": n_random,
                "bins": bins.iter().map(|b| json!({
                    "lo": b.lo, "hi": b.hi, "pairs": b.pairs, "candidates": b.candidates,
                    "measured": b.measured(), "predicted": b.predicted, "standard_error": b.standard_error(),
                    "estimate_bias": b.mean_error, "estimate_rmse": b.rmse,
                })).collect::<Vec<_>>(),
                "estimator": {
                    "pairs": est.pairs, "bias": est.mean_error, "rmse": est.rmse,
                    "expected_rmse": est.expected_rmse, "max_abs_error": est.max_abs_error,
                    "within_two_sigma": est.within_two_sigma,
                },
            },
        })
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}
