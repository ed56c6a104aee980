// 764 lines: moved whole (only imports and argument paths changed) so the tools branch merges cleanly.
//! `echodup eval`: detection quality against ground truth.
//!
//! Reads a corpus and its truth (`pairs.jsonl`, optionally `truth.jsonl`
//! clusters and `passages.jsonl` planted passage groups), runs detection at
//! each threshold and prints pairwise precision, recall and F1, the adjusted
//! Rand index, cluster and passage recall, examples of misses and false
//! alarms, and the calibration of LSH banding and of the MinHash estimator.
//! The metrics come from `echodup::eval`; this file only reads, runs and
//! formats.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use echodup::eval::{
    self, CalibrationBin, ClusterOutcome, EstimatorSummary, GroundTruth, MeasuredPair,
    PairEvaluation, PairSample, PassageStatus, TruthCluster, TruthPassageGroup,
};
use echodup::io::{AtomicFile, Corpus};
use echodup::{Analyzer, Deduplicator, DocId, MinHasher, Report};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::args::{Common, Usage, fraction};

mod plot;

#[derive(Args, Debug)]
pub(crate) struct EvalArgs {
    /// The corpus (JSON Lines, gzip or not; or any input `find` accepts).
    #[arg(value_name = "CORPUS")]
    input: PathBuf,
    /// Truth pairs: {"a": id, "b": id, "jaccard": x} per line, every pair at
    /// or above the truth's floor (0.5 for the shared corpora).
    #[arg(long, value_name = "FILE")]
    pairs: PathBuf,
    /// Truth clusters: {"cluster", "ids", "kind"} per line (repeat for
    /// several files). Reports, per kind, how many were found whole, and the
    /// report's clusters that contain no member of a truth cluster.
    #[arg(long, value_name = "FILE")]
    truth: Vec<PathBuf>,
    /// Planted passage groups (the generator's passages.jsonl): recall per
    /// group kind and per kind of the member's document.
    #[arg(long, value_name = "FILE")]
    passages: Option<PathBuf>,
    /// Thresholds to run at, comma-separated (--threshold picks the one
    /// whose banding is calibrated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.5,0.6,0.7,0.8,0.9,0.95",
        value_name = "T,.."
    )]
    thresholds: Vec<f64>,
    /// Random pairs of documents (not truth pairs) added to the truth pairs
    /// for calibration at --threshold.
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    non_pairs: usize,
    /// Examples of false negatives, false positives and other clusters to
    /// show per threshold.
    #[arg(long, default_value_t = 3, value_name = "N")]
    examples: usize,
    /// Replace characters with OCR-like look-alikes at this rate per
    /// character (each document independently) before detection, to
    /// simulate noisy scans; the truth keeps its clean-text similarities.
    #[arg(long, value_name = "P", value_parser = fraction)]
    ocr_noise: Option<f64>,
    /// Seed for the random non-pairs and the OCR noise.
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// Write every number (and the examples) as one JSON object here, atomically.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write SVG plots into this folder: NAME-pr.svg (precision and recall
    /// against threshold), NAME-calibration.svg (candidate probability,
    /// predicted and measured) and NAME-estimator.svg (MinHash estimate
    /// against exact Jaccard).
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// NAME of the plot files, also their title.
    #[arg(long, default_value = "eval", value_name = "NAME")]
    plot_name: String,
    #[command(flatten)]
    pub(crate) common: Common,
}

/// Everything measured at one threshold.
struct Row {
    threshold: f64,
    banding: (usize, usize),
    reported: usize,
    eval: PairEvaluation,
    clusters: BTreeMap<String, [usize; 3]>,
    other_clusters: Vec<usize>,
    passages: BTreeMap<(String, String), [usize; 3]>,
    /// Per kind of copy: edited paragraphs found, in all, with J ≥ the
    /// passage threshold, and found among those.
    edited: BTreeMap<String, [usize; 4]>,
    report: Report,
}

pub(crate) fn run(args: &EvalArgs) -> anyhow::Result<()> {
    for &t in &args.thresholds {
        if !(t > 0.0 && t <= 1.0) {
            bail!(Usage(format!("--thresholds: {t} is not in (0, 1]")));
        }
    }
    let corpus = Corpus::read(
        std::slice::from_ref(&args.input),
        &args.common.read.options(false),
    )?;
    // The first document with each id, as `Corpus::find` (but in O(1)).
    let mut positions: HashMap<&str, DocId> = HashMap::with_capacity(corpus.len());
    for (i, d) in corpus.documents().iter().enumerate() {
        positions.entry(d.id()).or_insert(DocId::new(i as u32));
    }
    let lookup = |id: &str| positions.get(id).copied();
    let mut truth = GroundTruth::default();
    truth.read_pairs(&args.pairs, lookup)?;
    for p in &args.truth {
        truth.read_clusters(p, lookup)?;
    }
    if let Some(p) = &args.passages {
        truth.read_passage_groups(p, lookup)?;
    }
    let (clusters, groups) = (truth.clusters(), truth.passage_groups());
    let texts: Vec<String> = match args.ocr_noise {
        Some(rate) => corpus
            .documents()
            .par_iter()
            .enumerate()
            .map(|(i, d)| eval::ocr_noise(d.text(), rate, args.seed ^ (i as u64) << 20))
            .collect(),
        None => corpus
            .documents()
            .iter()
            .map(|d| d.text().to_string())
            .collect(),
    };
    let base = args.common.config().passages(args.passages.is_some());
    let analyzer = Analyzer::new(&base)?;
    let docs: Vec<_> = texts.par_iter().map(|t| analyzer.analyze(t)).collect();
    let measured = eval::measure_pairs(truth.pairs(), &docs);
    let doc_kind = member_kinds(clusters);
    // Edited paragraph copies (not in passages.jsonl): labelled by exact Jaccard.
    let edited = if groups.is_empty() {
        Vec::new()
    } else {
        let pairs: Vec<(DocId, DocId)> = clusters
            .iter()
            .flat_map(|c| c.members[1..].iter().map(move |&m| (c.members[0], m)))
            .collect();
        eval::edited_passages(&docs, &pairs, groups, 0.3)
    };

    let mut rows = Vec::new();
    for &t in &args.thresholds {
        let cfg = base.clone().threshold(t);
        let dedup = Deduplicator::new(cfg)?;
        let report = dedup.run_analyzed(&docs)?;
        let e = eval::evaluate_pairs(&report, &measured, t);
        let mut by_kind: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        let mut explained: HashSet<usize> = HashSet::new();
        for c in clusters {
            let slot = match eval::cluster_outcome(&report, &c.members) {
                ClusterOutcome::Found => 0,
                ClusterOutcome::Split => 1,
                ClusterOutcome::Missed => 2,
            };
            by_kind.entry(c.kind.clone()).or_default()[slot] += 1;
            explained.extend(
                c.members
                    .iter()
                    .filter_map(|&d| report.clusters().cluster_of(d)),
            );
        }
        let other_clusters: Vec<usize> = (0..report.clusters().len())
            .filter(|k| !explained.contains(k))
            .collect();
        let mut passages: BTreeMap<(String, String), [usize; 3]> = BTreeMap::new();
        for o in eval::passage_outcomes(&report, &docs, groups) {
            let slot = match o.status {
                PassageStatus::Found => 0,
                PassageStatus::Missed => 1,
                PassageStatus::NotCompared => 2,
            };
            let kind = doc_kind
                .get(&o.passage.doc)
                .cloned()
                .unwrap_or_else(|| "original".into());
            passages
                .entry((groups[o.group].kind.clone(), kind))
                .or_default()[slot] += 1;
        }
        let mut edited_by_kind: BTreeMap<String, [usize; 4]> = BTreeMap::new();
        let pt = dedup.config().get_passage_threshold();
        for (e, found) in edited.iter().zip(eval::edited_found(&report, &edited)) {
            let kind = doc_kind
                .get(&e.copy.doc)
                .cloned()
                .unwrap_or_else(|| "original".into());
            let v = edited_by_kind.entry(kind).or_default();
            v[0] += usize::from(found);
            v[1] += 1;
            v[2] += usize::from(e.jaccard >= pt);
            v[3] += usize::from(found && e.jaccard >= pt);
        }
        let b = dedup.banding();
        rows.push(Row {
            threshold: t,
            banding: (b.bands(), b.rows()),
            reported: report.document_pairs().len(),
            eval: e,
            clusters: by_kind,
            other_clusters,
            passages,
            edited: edited_by_kind,
            report,
        });
    }

    // Calibration at --threshold.
    let cal_cfg = base.clone().threshold(args.common.detection.threshold);
    let banding = cal_cfg.get_banding()?;
    let hasher = MinHasher::new(cal_cfg.get_num_perm(), cal_cfg.get_seed());
    let truth_set: HashSet<(DocId, DocId)> = measured.iter().map(|p| (p.a, p.b)).collect();
    let mut pairs: Vec<(DocId, DocId)> = truth_set.iter().copied().collect();
    pairs.sort_unstable();
    let random = eval::random_pairs(docs.len(), args.non_pairs, args.seed, &truth_set);
    let n_random = random.len();
    pairs.extend(random);
    let samples = eval::sample_pairs(&docs, &pairs, &hasher, banding, cal_cfg.get_seed());
    let bins = eval::calibration_bins(&samples, banding, 20);
    let estimator = EstimatorSummary::new(&samples, cal_cfg.get_num_perm());

    let view = View {
        args,
        corpus: &corpus,
        texts: &texts,
        analyzer: &analyzer,
        measured: &measured,
        rows: &rows,
    };
    let mut out = std::io::stdout().lock();
    view.print(
        &mut out,
        clusters,
        groups,
        (banding.bands(), banding.rows()),
        &bins,
        &estimator,
        n_random,
    )?;
    out.flush()?;
    if let Some(path) = &args.json {
        let v = view.to_json(
            clusters,
            (banding.bands(), banding.rows()),
            &bins,
            &estimator,
            n_random,
        );
        let mut f = AtomicFile::create(path)?;
        serde_json::to_writer_pretty(&mut f, &v).context("writing the JSON report")?;
        writeln!(f)?;
        f.commit()?;
    }
    if let Some(dir) = &args.plots {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let name = &args.plot_name;
        let title = match args.ocr_noise {
            Some(p) => format!("{name} (OCR noise {p})"),
            None => name.clone(),
        };
        let pr: Vec<(f64, f64, f64, f64)> = rows
            .iter()
            .map(|r| {
                (
                    r.threshold,
                    r.eval.metrics.precision(),
                    r.eval.metrics.recall(),
                    r.eval.truth_metrics.recall(),
                )
            })
            .collect();
        write_svg(&dir.join(format!("{name}-pr.svg")), |s| {
            plot::precision_recall(s, &title, &pr)
        })?;
        write_svg(&dir.join(format!("{name}-calibration.svg")), |s| {
            plot::calibration(s, &title, args.common.detection.threshold, banding, &bins)
        })?;
        // Truth pairs and one random pair in twenty, thinned evenly to at
        // most 4,000 points to keep the SVG small.
        let points: Vec<(f64, f64)> = samples
            .iter()
            .filter(|s| truth_set.contains(&(s.a, s.b)) || s.a.as_u32() % 20 == 0)
            .map(|s: &PairSample| (s.exact, s.estimate))
            .collect();
        let step = points.len().div_ceil(4_000).max(1);
        let points: Vec<(f64, f64)> = points.into_iter().step_by(step).collect();
        write_svg(&dir.join(format!("{name}-estimator.svg")), |s| {
            plot::estimator(s, &title, cal_cfg.get_num_perm(), &points)
        })?;
    }
    Ok(())
}

fn write_svg(
    path: &Path,
    draw: impl FnOnce(&mut String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut s = String::new();
    draw(&mut s).with_context(|| format!("drawing {}", path.display()))?;
    let mut f = AtomicFile::create(path)?;
    f.write_all(s.as_bytes())?;
    f.commit()?;
    Ok(())
}

/// The kind of each document's truth cluster, for documents that are not a
/// cluster's first member (the source).
fn member_kinds(clusters: &[TruthCluster]) -> HashMap<DocId, String> {
    let mut m = HashMap::new();
    for c in clusters {
        for &d in &c.members[1..] {
            m.insert(d, c.kind.clone());
        }
    }
    m
}

struct View<'a> {
    args: &'a EvalArgs,
    corpus: &'a Corpus,
    texts: &'a [String],
    analyzer: &'a Analyzer,
    measured: &'a [MeasuredPair],
    rows: &'a [Row],
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
    fn print(
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
        let shingles = match c.char_shingles {
            Some(n) => format!("character {n}-shingles"),
            None => format!("word {}-shingles", c.shingle_size),
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
                    r.report.clusters().len()
                )?;
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
            c.threshold,
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

    fn to_json(
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
                    "truth_jaccard": {
                        "tp": tm.tp, "fp": tm.fp, "fn": tm.fn_,
                        "precision": tm.precision(), "recall": tm.recall(), "f1": tm.f1(),
                    },
                    "outside_truth": r.eval.outside_truth,
                    "clusters": r.report.clusters().len(),
                    "truth_clusters": r.clusters.iter().map(|(k, v)| (k.clone(), json!({"found": v[0], "split": v[1], "missed": v[2]}))).collect::<serde_json::Map<_, _>>(),
                    "other_clusters": r.other_clusters.len(),
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
            "shingling": match c.char_shingles { Some(n) => format!("chars({n})"), None => format!("words({})", c.shingle_size) },
            "num_perm": c.num_perm,
            "ocr_noise": self.args.ocr_noise,
            "thresholds": rows,
            "calibration": {
                "threshold": c.threshold,
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
