//! `echodup`: find, remove and explain near-duplicate documents and passages
//! in a text corpus.
//!
//! This binary only parses arguments, calls the library and formats output.
//! Exit codes: 0 success, 1 error (bad input, I/O), 2 usage (bad arguments or
//! parameters, an output that is also an input).

mod eval;
mod index;
mod plot;

use std::collections::HashMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use echodup::clean::{CleanOptions, CleaningPlan, DropReason};
use echodup::io::{AtomicFile, Corpus, ReadOptions, check_output};
use echodup::segment::Segmentation;
use echodup::shingle::Shingling;
use echodup::{Config, Deduplicator, DocId, ErrorKind, KeepPolicy, Measure, PassageId, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use serde_json::{Value, json};

const AFTER_HELP: &str = "\
Inputs: JSON Lines files (gzip-compressed or not, recognised by content), .txt files \
(one document each, the path is the id), folders of .txt files, or - for JSON Lines on \
standard input. Several inputs form one corpus, in the order given.

Exit codes: 0 success, 1 error (bad input, I/O), 2 usage.";

/// Find, remove and explain near-duplicate documents and passages.
#[derive(Parser, Debug)]
#[command(name = "echodup", version, about, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Detect duplicates and report them as JSON Lines, changing nothing.
    Find(FindArgs),
    /// Write the corpus without its duplicate documents (and passages).
    Dedup(DedupArgs),
    /// Show why two documents (or passages, ID#N) match.
    Explain(ExplainArgs),
    /// Keep a persistent index on disk: create it, check new documents
    /// against it and add them, query it, show it, merge indexes.
    Index(index::IndexArgs),
    /// Measure detection quality against ground truth (pairs, clusters,
    /// planted passages) at several thresholds.
    Eval(eval::EvalArgs),
}

#[derive(Args, Debug)]
struct FindArgs {
    /// Input files or folders (- for standard input).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// What to report: duplicate documents, or duplicate passages (repeats
    /// inside documents and copies across documents).
    #[arg(long, value_enum, default_value_t = Level::Document)]
    level: Level,
    /// With --level document: document pairs, clusters, or both (pairs first).
    #[arg(long, value_enum, default_value_t = Format::Pairs)]
    format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// List the records skipped by --skip-invalid here, as JSON Lines.
    #[arg(long, value_name = "FILE")]
    removed: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct DedupArgs {
    /// Input files or folders (- for standard input).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The cleaned corpus, as JSON Lines (gzip when the name ends in .gz).
    /// JSON records keep all their fields.
    #[arg(long, short, value_name = "FILE", required = true)]
    out: PathBuf,
    /// Also remove duplicate passages from the documents kept: repeats
    /// inside a document and copies of a passage kept earlier.
    #[arg(long)]
    strip_passages: bool,
    /// Drop a document when more than this fraction (0 to 1) of its passage
    /// bytes duplicate passages kept earlier.
    #[arg(long, value_name = "F", value_parser = fraction)]
    drop_if_duplicated: Option<f64>,
    /// Record everything removed and why (and every skipped record), as JSON Lines.
    #[arg(long, value_name = "FILE")]
    removed: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// The corpus holding both documents.
    input: PathBuf,
    /// The first document's id; ID#N names its passage N (from 0).
    id_a: String,
    /// The second document's id, or ID#N for a passage.
    id_b: String,
    /// Highlight shared text with colour: auto (when standard output is a
    /// terminal), always or never. Without colour, shared text is put
    /// between [[ and ]].
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Print the explanation as one JSON object instead.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    common: Common,
}

/// Options shared by every command.
#[derive(Args, Debug)]
struct Common {
    /// Similarity at or above which two documents (and passages) are duplicates.
    #[arg(long, default_value_t = 0.8, value_name = "T")]
    threshold: f64,
    /// Similarity for passages, if different from --threshold.
    #[arg(long, value_name = "T")]
    passage_threshold: Option<f64>,
    /// Words per shingle.
    #[arg(long, default_value_t = 5, value_name = "N")]
    shingle_size: usize,
    /// Use shingles of N characters instead of words (text without spaces, OCR noise).
    #[arg(long, value_name = "N")]
    char_shingles: Option<usize>,
    /// MinHash signature size.
    #[arg(long, default_value_t = 128, value_name = "N")]
    num_perm: usize,
    /// Compare by containment (one text inside the other) instead of Jaccard.
    #[arg(long)]
    containment: bool,
    /// Which document of a cluster is kept.
    #[arg(long, value_enum, default_value_t = Keep::First)]
    keep: Keep,
    /// How documents are cut into passages: at blank lines, or at every line.
    #[arg(long, value_enum, default_value_t = Paragraphs::BlankLines)]
    paragraphs: Paragraphs,
    /// Passages with fewer words (characters with --char-shingles) are not compared.
    #[arg(long, default_value_t = 1, value_name = "N")]
    min_passage_tokens: usize,
    /// Field holding a JSON record's id (a dotted path reaches into objects);
    /// empty: use FILE:LINE.
    #[arg(long, default_value = "id", value_name = "PATH")]
    id_field: String,
    /// Field holding a JSON record's text (a dotted path reaches into objects).
    #[arg(long, default_value = "text", value_name = "PATH")]
    text_field: String,
    /// Skip bad records (and list them with --removed) instead of stopping.
    #[arg(long)]
    skip_invalid: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Level {
    Document,
    Passage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Pairs,
    Clusters,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Keep {
    First,
    Longest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Paragraphs {
    BlankLines,
    Lines,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}

/// An error that is the caller's (exit code 2).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echodup: error: {e:#}");
            let usage = e.downcast_ref::<Usage>().is_some()
                || e.downcast_ref::<echodup::Error>()
                    .is_some_and(|e| e.kind() == ErrorKind::InvalidConfig);
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let common = match &cli.command {
        Command::Find(a) => &a.common,
        Command::Dedup(a) => &a.common,
        Command::Explain(a) => &a.common,
        Command::Index(a) => return index::run(a),
        Command::Eval(a) => &a.common,
    };
    let dedup = Deduplicator::new(config(common))?;
    let work = || match &cli.command {
        Command::Find(a) => find(a, &dedup),
        Command::Dedup(a) => dedup_command(a, &dedup),
        Command::Explain(a) => explain(a, &dedup),
        Command::Index(_) => unreachable!("dispatched above"),
        Command::Eval(a) => eval::run(a),
    };
    match common.threads {
        // A local pool: the global one is never configured.
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
            .context("starting worker threads")?
            .install(work),
        None => work(),
    }
}

fn config(c: &Common) -> Config {
    let mut config = Config::new()
        .threshold(c.threshold)
        .num_perm(c.num_perm)
        .min_passage_tokens(c.min_passage_tokens)
        .keep(match c.keep {
            Keep::First => KeepPolicy::First,
            Keep::Longest => KeepPolicy::Longest,
        })
        .segmentation(match c.paragraphs {
            Paragraphs::BlankLines => Segmentation::BlankLines,
            Paragraphs::Lines => Segmentation::Lines,
        });
    config = match c.char_shingles {
        Some(n) => config.shingling(Shingling::Chars(n)),
        None => config.shingle_size(c.shingle_size),
    };
    if c.containment {
        config = config.measure(Measure::Containment);
    }
    if let Some(t) = c.passage_threshold {
        config = config.passage_threshold(t);
    }
    config
}

fn read_options(c: &Common, keep_records: bool) -> ReadOptions {
    ReadOptions::new()
        .text_field(&c.text_field)
        .id_field(Some(c.id_field.as_str()).filter(|f| !f.is_empty()))
        .skip_invalid(c.skip_invalid)
        .keep_records(keep_records)
}

/// Progress bars on standard error, or nothing when it is not a terminal
/// or with --quiet.
struct Progress {
    shown: bool,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        Progress {
            shown: !quiet && std::io::stderr().is_terminal(),
        }
    }

    fn bar(&self, len: Option<u64>, style: impl FnOnce() -> ProgressStyle) -> ProgressBar {
        if !self.shown {
            return ProgressBar::hidden();
        }
        let pb = match len {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            None => ProgressBar::new_spinner(),
        };
        pb.set_style(if len.is_some() {
            style().progress_chars("=> ")
        } else {
            template("{spinner} {msg} {elapsed}")
        });
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    }

    /// Reading: bytes of the inputs as stored, with MB/s and ETA when the
    /// size is known.
    fn bytes(&self, len: Option<u64>) -> ProgressBar {
        let pb = self.bar(len, || {
            template("reading   [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}")
        });
        pb.set_message("reading");
        pb
    }

    /// Analyzing: bytes of text, with documents/s, MB/s and ETA; `documents`
    /// is the count of documents done, kept by the caller.
    fn documents(&self, text_bytes: u64, documents: Arc<AtomicU64>) -> ProgressBar {
        self.bar(Some(text_bytes), || {
            template(
                "analyzing [{bar:30}] {documents} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .with_key(
                "documents",
                move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let n = documents.load(Ordering::Relaxed);
                    let rate = n as f64 / state.elapsed().as_secs_f64().max(1e-3);
                    let _ = write!(
                        w,
                        "{} documents ({}/s)",
                        thousands(n as usize),
                        thousands(rate as usize)
                    );
                },
            )
        })
    }
}

fn template(t: &str) -> ProgressStyle {
    ProgressStyle::with_template(t).expect("valid template")
}

fn load(
    inputs: &[PathBuf],
    common: &Common,
    keep_records: bool,
    progress: &Progress,
) -> anyhow::Result<Corpus> {
    let pb = progress.bytes(echodup::io::input_len(inputs));
    let corpus =
        Corpus::read_with_progress(inputs, &read_options(common, keep_records), &mut |n| {
            pb.set_position(n)
        });
    pb.finish_and_clear();
    Ok(corpus?)
}

fn analyze_and_match(
    dedup: &Deduplicator,
    corpus: &Corpus,
    progress: &Progress,
) -> anyhow::Result<Report> {
    let done = Arc::new(AtomicU64::new(0));
    let pb = progress.documents(corpus.text_bytes(), Arc::clone(&done));
    let texts = corpus.texts();
    let report = dedup.run_with_progress(&texts, |bytes| {
        // The bar moves while documents are analyzed; matching follows
        // without a bar (it is usually much shorter).
        pb.inc(bytes as u64);
        if done.fetch_add(1, Ordering::Relaxed) + 1 == texts.len() as u64 {
            pb.finish_and_clear();
        }
    });
    pb.finish_and_clear();
    Ok(report?)
}

/// Refuses outputs that are inputs or each other.
fn check_outputs(outputs: &[Option<&Path>], inputs: &[PathBuf]) -> anyhow::Result<()> {
    let outputs: Vec<&Path> = outputs.iter().flatten().copied().collect();
    for (i, out) in outputs.iter().enumerate() {
        check_output(out, inputs).map_err(|e| Usage(format!("{:#}", anyhow::Error::from(e))))?;
        check_output(out, &outputs[..i])
            .map_err(|_| Usage(format!("{} is named as two outputs", out.display())))?;
    }
    Ok(())
}

/// Standard output, or a file written atomically.
enum Output {
    Stdout(BufWriter<std::io::Stdout>),
    File(AtomicFile),
}

impl Output {
    fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        Ok(match path {
            Some(p) if p != Path::new("-") => Output::File(AtomicFile::create(p)?),
            _ => Output::Stdout(BufWriter::new(std::io::stdout())),
        })
    }

    fn line(&mut self, value: &Value) -> anyhow::Result<()> {
        let w: &mut dyn Write = match self {
            Output::Stdout(w) => w,
            Output::File(f) => f,
        };
        serde_json::to_writer(&mut *w, value).context("writing output")?;
        w.write_all(b"\n").context("writing output")?;
        Ok(())
    }

    fn commit(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing output")?,
            Output::File(f) => f.commit()?,
        }
        Ok(())
    }
}

fn skipped_lines(corpus: &Corpus) -> Vec<Value> {
    corpus
        .skipped()
        .iter()
        .map(|s| {
            json!({
                "action": "skipped",
                "source": s.path().display().to_string(),
                "line": s.line(),
                "id": s.id(),
                "reason": s.reason(),
            })
        })
        .collect()
}

fn find(args: &FindArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let start = Instant::now();
    check_outputs(
        &[args.out.as_deref(), args.removed.as_deref()],
        &args.inputs,
    )?;
    let progress = Progress::new(args.common.quiet);
    let corpus = load(&args.inputs, &args.common, false, &progress)?;
    if corpus.is_empty() {
        bail!("no documents to compare");
    }
    // Document pairs and clusters need no passage comparison: skip it.
    let document_only;
    let dedup = match args.level {
        Level::Document => {
            document_only = Deduplicator::new(dedup.config().clone().passages(false))?;
            &document_only
        }
        Level::Passage => dedup,
    };
    let report = analyze_and_match(dedup, &corpus, &progress)?;
    let id = |d: DocId| corpus.document(d).id();
    let mut out = Output::open(args.out.as_deref())?;
    match args.level {
        Level::Document => {
            if matches!(args.format, Format::Pairs | Format::Both) {
                for p in report.document_pairs() {
                    out.line(&json!({
                        "a": id(p.a),
                        "b": id(p.b),
                        "jaccard": p.similarity.jaccard,
                        "containment_ab": p.similarity.containment_ab,
                        "containment_ba": p.similarity.containment_ba,
                    }))?;
                }
            }
            if matches!(args.format, Format::Clusters | Format::Both) {
                for (n, c) in report.clusters().iter().enumerate() {
                    let ids: Vec<&str> = c.members().iter().map(|&m| id(m)).collect();
                    out.line(&json!({"cluster": n, "ids": ids}))?;
                }
            }
        }
        Level::Passage => {
            let member = |p: PassageId, span: &Range<usize>| json!({"doc": id(p.doc), "passage": p.index, "start": span.start, "end": span.end});
            // Cross-document clusters are numbered consecutively from 0 in
            // the order written; clusters of repeats inside one document are
            // written as "repeat" lines instead and take no number.
            for (n, c) in report
                .passage_clusters()
                .iter()
                .filter(|c| c.is_cross_document())
                .enumerate()
            {
                let members: Vec<Value> = c
                    .members()
                    .iter()
                    .map(|m| {
                        let mut v = member(m.passage, &m.span);
                        v["jaccard"] = json!(m.similarity.jaccard);
                        v
                    })
                    .collect();
                out.line(&json!({"kind": "cross-document", "cluster": n, "documents": c.num_documents(), "members": members}))?;
            }
            for r in report.repeats() {
                let original = PassageId::new(r.passage.doc, r.original);
                out.line(&json!({
                    "kind": "repeat",
                    "doc": id(r.passage.doc),
                    "members": [member(original, &r.original_span), member(r.passage, &r.span)],
                    "jaccard": r.similarity.jaccard,
                }))?;
            }
        }
    }
    let removed_lines = skipped_lines(&corpus);
    write_removed(args.removed.as_deref(), &removed_lines, out)?;
    if !args.common.quiet {
        let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
        summary(&corpus, &report, &plan, start.elapsed());
    }
    Ok(())
}

/// Commits the main output, then the list of removed records.
fn write_removed(path: Option<&Path>, lines: &[Value], out: Output) -> anyhow::Result<()> {
    let removed = match path {
        Some(p) => {
            let mut f = Output::File(AtomicFile::create(p)?);
            for l in lines {
                f.line(l)?;
            }
            Some(f)
        }
        None => None,
    };
    out.commit()?;
    if let Some(f) = removed {
        f.commit()?;
    }
    Ok(())
}

fn dedup_command(args: &DedupArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let start = Instant::now();
    check_outputs(
        &[Some(args.out.as_path()), args.removed.as_deref()],
        &args.inputs,
    )?;
    let progress = Progress::new(args.common.quiet);
    let corpus = load(&args.inputs, &args.common, true, &progress)?;
    if corpus.is_empty() {
        bail!("no documents to compare");
    }
    let report = analyze_and_match(dedup, &corpus, &progress)?;
    let plan = report.cleaning_plan(
        CleanOptions::new()
            .strip_passages(args.strip_passages)
            .drop_if_duplicated(args.drop_if_duplicated),
    )?;
    let options = read_options(&args.common, true);
    let mut out = Output::open(Some(&args.out))?;
    let mut removed = skipped_lines(&corpus);
    let pairs: HashMap<(DocId, DocId), f64> = report
        .document_pairs()
        .iter()
        .map(|p| ((p.a, p.b), p.similarity.jaccard))
        .collect();
    for (doc, d) in corpus.documents().iter().zip(plan.documents()) {
        if let Some(why) = d.drop_reason() {
            let mut line = json!({"action": "dropped", "id": doc.id()});
            match why {
                DropReason::NearDuplicate { of } => {
                    line["reason"] = json!("near-duplicate");
                    line["of"] = json!(corpus.document(of).id());
                    let id = d.doc();
                    if let Some(j) = pairs.get(&(id.min(of), id.max(of))) {
                        line["jaccard"] = json!(j);
                    }
                }
                DropReason::MostlyDuplicated { fraction } => {
                    line["reason"] = json!("mostly-duplicated");
                    line["duplicate_fraction"] = json!(fraction);
                }
                DropReason::NothingLeft => line["reason"] = json!("all-passages-duplicated"),
                other => line["reason"] = json!(format!("{other:?}")),
            }
            line["text"] = json!(doc.text());
            removed.push(line);
            continue;
        }
        for s in d.stripped() {
            removed.push(json!({
                "action": "stripped",
                "id": doc.id(),
                "passage": s.passage.index,
                "start": s.span.start,
                "end": s.span.end,
                "reason": if s.is_repeat() { "repeat" } else { "cross-document" },
                "of": {"id": corpus.document(s.duplicates.doc).id(), "passage": s.duplicates.index},
                "text": &doc.text()[s.span.clone()],
            }));
        }
        if let Some(text) = d.clean_text(doc.text()) {
            out.line_raw(&doc.to_json_line(&text, &options))?;
        }
    }
    write_removed(args.removed.as_deref(), &removed, out)?;
    if !args.common.quiet {
        summary(&corpus, &report, &plan, start.elapsed());
        let kept = plan.kept().count();
        let stripped = plan.num_stripped();
        eprintln!(
            "  written: {} of {} documents to {} ({} stripped)",
            thousands(kept),
            thousands(corpus.len()),
            args.out.display(),
            count(stripped, "passage", "passages")
        );
    }
    Ok(())
}

impl Output {
    fn line_raw(&mut self, line: &str) -> anyhow::Result<()> {
        let w: &mut dyn Write = match self {
            Output::Stdout(w) => w,
            Output::File(f) => f,
        };
        w.write_all(line.as_bytes()).context("writing output")?;
        w.write_all(b"\n").context("writing output")?;
        Ok(())
    }
}

fn summary(corpus: &Corpus, report: &Report, plan: &CleaningPlan, elapsed: Duration) {
    let s = report.stats();
    let bytes = corpus.text_bytes();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let (doc_bytes, passage_bytes) = (plan.dropped_bytes(), plan.stripped_bytes());
    let pct = |b: usize| 100.0 * b as f64 / (bytes.max(1)) as f64;
    eprintln!(
        "echodup: {} documents ({}) in {:.2} s: {} documents/s, {}/s",
        thousands(s.documents),
        megabytes(bytes as f64),
        secs,
        thousands((s.documents as f64 / secs) as usize),
        megabytes(bytes as f64 / secs),
    );
    let passages_on = report.config().get_passages();
    if passages_on {
        eprintln!(
            "  passages: {} ({} compared)",
            thousands(s.passages),
            thousands(s.compared_passages)
        );
    } else {
        eprintln!(
            "  passages: {} (not compared: --level document)",
            thousands(s.passages)
        );
    }
    eprintln!(
        "  duplicate documents: {} in {} ({})",
        thousands(s.duplicate_documents),
        count(s.document_clusters, "cluster", "clusters"),
        count(s.document_pairs, "pair", "pairs")
    );
    if passages_on {
        eprintln!(
            "  duplicate passages: {} in {}; repeats inside a document: {}",
            thousands(s.duplicate_passages),
            count(s.passage_clusters, "cluster", "clusters"),
            thousands(s.repeats)
        );
        eprintln!(
            "  bytes removed: {} ({:.1}%) by dropping duplicate documents, {} ({:.1}%) more by stripping duplicate passages",
            megabytes(doc_bytes as f64),
            pct(doc_bytes),
            megabytes(passage_bytes as f64),
            pct(passage_bytes)
        );
    } else {
        eprintln!(
            "  bytes removed: {} ({:.1}%) by dropping duplicate documents",
            megabytes(doc_bytes as f64),
            pct(doc_bytes)
        );
    }
    if !corpus.skipped().is_empty() {
        eprintln!(
            "  skipped records: {} (listed with --removed)",
            thousands(corpus.skipped().len())
        );
    }
}

/// `n` and the noun for it: "1 pair", "2 pairs".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn megabytes(b: f64) -> String {
    if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} kB", b / 1e3)
    }
}

/// A document, or one of its passages (`ID#N`).
struct Target<'c> {
    id: String,
    text: &'c str,
    /// Offset of `text` in its document.
    offset: usize,
}

fn target<'c>(corpus: &'c Corpus, dedup: &Deduplicator, name: &str) -> anyhow::Result<Target<'c>> {
    if let Some(d) = corpus.find(name) {
        return Ok(Target {
            id: name.to_string(),
            text: corpus.document(d).text(),
            offset: 0,
        });
    }
    if let Some((doc, p)) = name.rsplit_once('#')
        && let (Some(d), Ok(p)) = (corpus.find(doc), p.parse::<usize>())
    {
        let text = corpus.document(d).text();
        let passages = dedup.analyzer().analyze(text).passages().to_vec();
        let Some(passage) = passages.get(p) else {
            bail!(
                "document \"{doc}\" has {} passages (0 to {}); there is no passage {p}",
                passages.len(),
                passages.len().saturating_sub(1)
            );
        };
        let span = passage.span();
        return Ok(Target {
            id: name.to_string(),
            text: &text[span.clone()],
            offset: span.start,
        });
    }
    bail!("no document with id \"{name}\"")
}

fn explain(args: &ExplainArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let corpus = Corpus::read(
        std::slice::from_ref(&args.input),
        &read_options(&args.common, false),
    )?;
    let a = target(&corpus, dedup, &args.id_a)?;
    let b = target(&corpus, dedup, &args.id_b)?;
    let e = echodup::explain::explain(dedup.analyzer(), a.text, b.text);
    let config = dedup.config();
    let score = e.similarity.score(config.get_measure());
    let mut stdout = BufWriter::new(std::io::stdout());
    if args.json {
        let spans = |v: &[Range<usize>], off: usize| -> Vec<[usize; 2]> {
            v.iter().map(|r| [r.start + off, r.end + off]).collect()
        };
        let passages: Vec<Value> = e
            .passages
            .iter()
            .map(|p| json!({"a": p.a, "b": p.b, "jaccard": p.similarity.jaccard}))
            .collect();
        let v = json!({
            "a": a.id,
            "b": b.id,
            "jaccard": e.similarity.jaccard,
            "containment_ab": e.similarity.containment_ab,
            "containment_ba": e.similarity.containment_ba,
            "duplicate": score >= config.get_threshold(),
            "shared_a": spans(&e.shared_a, a.offset),
            "shared_b": spans(&e.shared_b, b.offset),
            "passages": passages,
        });
        writeln!(stdout, "{v}")?;
        stdout.flush()?;
        return Ok(());
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal(),
    };
    let measure = match config.get_measure() {
        Measure::Containment => "containment",
        _ => "jaccard",
    };
    let w = &mut stdout;
    writeln!(w, "a: {} ({} bytes)", a.id, thousands(a.text.len()))?;
    writeln!(w, "b: {} ({} bytes)", b.id, thousands(b.text.len()))?;
    writeln!(
        w,
        "jaccard {:.4}, containment of a in b {:.4}, of b in a {:.4}: {} at threshold {} ({measure})",
        e.similarity.jaccard,
        e.similarity.containment_ab,
        e.similarity.containment_ba,
        if score >= config.get_threshold() {
            "duplicates"
        } else {
            "not duplicates"
        },
        config.get_threshold(),
    )?;
    let share = |n: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    writeln!(
        w,
        "shared text: {} of {} bytes of a ({:.1}%), {} of {} bytes of b ({:.1}%)",
        thousands(e.shared_bytes_a()),
        thousands(a.text.len()),
        share(e.shared_bytes_a(), a.text.len()),
        thousands(e.shared_bytes_b()),
        thousands(b.text.len()),
        share(e.shared_bytes_b(), b.text.len()),
    )?;
    if !e.passages.is_empty() {
        writeln!(w, "most similar passages (a -> b, jaccard):")?;
        for p in &e.passages {
            writeln!(w, "  #{} -> #{}  {:.4}", p.a, p.b, p.similarity.jaccard)?;
        }
    }
    for (name, t, spans) in [("a", &a, &e.shared_a), ("b", &b, &e.shared_b)] {
        writeln!(w, "=== {name}: {}", t.id)?;
        writeln!(w, "{}", highlight(t.text, spans, color))?;
    }
    w.flush()?;
    Ok(())
}

fn highlight(text: &str, spans: &[Range<usize>], color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[[", "]]")
    };
    let mut out = String::with_capacity(text.len() + spans.len() * 8);
    let mut at = 0;
    for r in spans {
        out.push_str(&text[at..r.start]);
        out.push_str(open);
        out.push_str(&text[r.clone()]);
        out.push_str(close);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_uses_the_singular_for_one() {
        assert_eq!(count(0, "pair", "pairs"), "0 pairs");
        assert_eq!(count(1, "pair", "pairs"), "1 pair");
        assert_eq!(count(1234, "cluster", "clusters"), "1,234 clusters");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn highlight_marks_spans() {
        assert_eq!(highlight("abcdef", &[1..3, 4..5], false), "a[[bc]]d[[e]]f");
    }

    #[test]
    fn arguments_parse() {
        Cli::command().debug_assert();
    }

    use clap::CommandFactory;
}
