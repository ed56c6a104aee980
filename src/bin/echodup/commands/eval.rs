//! `echodup eval`: detection quality against ground truth.
//!
//! Reads a corpus and its truth (`pairs.jsonl`, optionally `truth.jsonl`
//! clusters and `passages.jsonl` planted passage groups), runs detection at
//! each threshold and prints pairwise precision, recall and F1, the adjusted
//! Rand index, cluster and passage recall, examples of misses and false
//! alarms, and the calibration of LSH banding and of the MinHash estimator.
//! The metrics come from `echodup::eval`; this file reads and measures,
//! `report` writes the tables and the JSON report, `plot` draws the SVGs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use echodup::eval::{
    self, ClusterOutcome, EstimatorSummary, GroundTruth, PairEvaluation, PairSample, PassageStatus,
    TruthCluster,
};
use echodup::io::{AtomicFile, Corpus};
use echodup::{Analyzer, Deduplicator, DocId, MinHasher, Report};
use rayon::prelude::*;

use crate::args::{Common, Usage, fraction};

mod plot;
mod report;

use report::View;

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
    stories: Option<eval::StoryAgreement>,
    passages: BTreeMap<(String, String), [usize; 3]>,
    /// Per kind of copy: edited paragraphs found, in all, with J ≥ the
    /// passage threshold, and found among those.
    edited: BTreeMap<String, [usize; 4]>,
    /// Adjusted Rand index of the report's clusters against the truth
    /// clusters (documents in none are singletons).
    ari_clusters: f64,
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
    let base = args.common.config();
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
        let stories = (!clusters.is_empty()).then(|| {
            let members: Vec<Vec<DocId>> = clusters.iter().map(|c| c.members.clone()).collect();
            eval::story_agreement(&report, &members)
        });
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
        // One ARI against the truth clusters: the stories' (truth clusters
        // that share a document merged), so that overlapping kinds (a re-send
        // of a syndicated page) do not count as a disagreement.
        let ari_clusters = stories.map_or(f64::NAN, |s| s.ari);
        rows.push(Row {
            threshold: t,
            banding: (b.bands(), b.rows()),
            reported: report.num_document_pairs(),
            eval: e,
            clusters: by_kind,
            other_clusters,
            stories,
            passages,
            edited: edited_by_kind,
            ari_clusters,
            report,
        });
    }

    // Calibration at --threshold.
    let cal_cfg = base.clone();
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
    let mut out = crate::output::stdout()?.lock();
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
            plot::calibration(s, &title, cal_cfg.get_threshold(), banding, &bins)
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
