//! `echodup index`: a persistent index that each day's scrape is checked
//! against and added to (`echodup::store::IndexFile`).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use echodup::io::Corpus;
use echodup::store::IndexFile;
use echodup::{DocId, Verdict};
use indicatif::{DecimalBytes, HumanCount};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::args::{IndexConfigArgs, ReadArgs, Threads, Usage};
use crate::output::{Output, check_outputs, count, number, skipped_entries_line};

/// Arguments of `echodup index`.
#[derive(Args, Debug)]
pub(crate) struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Subcommand, Debug)]
enum IndexCommand {
    /// Create an empty index file with the given parameters.
    Create(CreateArgs),
    /// Report which documents and passages of the inputs duplicate the
    /// index (or earlier documents of the inputs), as JSON Lines, then add
    /// them all. The index is replaced atomically; on any error it is left
    /// as it was.
    Add(AddArgs),
    /// Report which documents and passages of the inputs duplicate the
    /// index, as JSON Lines, adding nothing.
    Query(AddArgs),
    /// Show an index's configuration, counts, size and format version.
    Info(InfoArgs),
    /// Merge indexes built with the same parameters into a new one: the
    /// documents of the first input, then of the second, and so on.
    Merge(MergeArgs),
}

#[derive(Args, Debug)]
struct CreateArgs {
    /// The index file to create (it must not exist).
    index: PathBuf,
    #[command(flatten)]
    config: IndexConfigArgs,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct AddArgs {
    /// The index file.
    index: PathBuf,
    /// Input files or folders (- for standard input).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    threads: Threads,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct InfoArgs {
    /// The index file.
    index: PathBuf,
    /// Print one JSON object instead.
    #[arg(long)]
    json: bool,
    /// Also read every block and check its checksum.
    #[arg(long)]
    verify: bool,
}

#[derive(Args, Debug)]
struct MergeArgs {
    /// The new index (replaced atomically if it exists; never an input).
    out: PathBuf,
    /// The indexes to merge, in order.
    #[arg(required = true, value_name = "IN")]
    inputs: Vec<PathBuf>,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `echodup index ...`.
pub(crate) fn run(args: &IndexArgs) -> anyhow::Result<()> {
    match &args.command {
        IndexCommand::Create(a) => create(a),
        IndexCommand::Add(a) => a.threads.install(|| add_or_query(a, true)),
        IndexCommand::Query(a) => a.threads.install(|| add_or_query(a, false)),
        IndexCommand::Info(a) => info(a),
        IndexCommand::Merge(a) => merge(a),
    }
}

fn create(a: &CreateArgs) -> anyhow::Result<()> {
    let index = IndexFile::create(&a.index, a.config.config())?;
    if !a.quiet {
        eprintln!(
            "echodup: created {} ({})",
            a.index.display(),
            index.config().signature_parameters()?
        );
    }
    Ok(())
}

fn add_or_query(a: &AddArgs, add: bool) -> anyhow::Result<()> {
    let start = Instant::now();
    check_outputs(&[Some(a.index.as_path()), a.out.as_deref()], &a.inputs)?;
    let mut index = IndexFile::open(&a.index)?;
    let before = index.len();
    let corpus = Corpus::read(&a.inputs, &a.read.options(false))?;
    // Refuse an unwritable report before changing the index.
    let mut out = Output::open(a.out.as_deref())?;
    let verdicts: Vec<Verdict> = if add {
        index.add_batch(
            corpus
                .documents()
                .iter()
                .map(|d| (d.id().to_string(), d.text())),
        )?
    } else {
        corpus
            .documents()
            .par_iter()
            .map(|d| index.query(d.text()))
            .collect::<echodup::Result<_>>()?
    };
    let mut names: HashMap<DocId, String> = HashMap::new();
    let (mut dup_docs, mut dup_passages) = (0usize, 0usize);
    for (doc, v) in corpus.documents().iter().zip(&verdicts) {
        // A query's own passages (repeats inside it) carry the next id.
        let mut name = |d: DocId| -> anyhow::Result<String> {
            if d.as_usize() >= index.len() {
                return Ok(doc.id().to_string());
            }
            if let Some(n) = names.get(&d) {
                return Ok(n.clone());
            }
            let n = index.doc_id(d)?;
            names.insert(d, n.clone());
            Ok(n)
        };
        let passages: Vec<Value> = v
            .passages()
            .iter()
            .filter_map(|p| p.duplicate_of.map(|of| (p, of)))
            .map(|(p, (of, sim))| {
                Ok(json!({
                    "passage": p.index,
                    "start": p.span.start,
                    "end": p.span.end,
                    "of": {"id": name(of.doc)?, "passage": of.index},
                    "jaccard": sim.jaccard,
                }))
            })
            .collect::<anyhow::Result<_>>()?;
        if !v.is_duplicate() && passages.is_empty() {
            continue;
        }
        let documents: Vec<Value> = v
            .document_matches()
            .iter()
            .map(|&(d, sim)| {
                Ok(json!({
                    "id": name(d)?,
                    "jaccard": sim.jaccard,
                    "containment_ab": sim.containment_ab,
                    "containment_ba": sim.containment_ba,
                }))
            })
            .collect::<anyhow::Result<_>>()?;
        dup_docs += v.is_duplicate() as usize;
        dup_passages += passages.len();
        out.line(&json!({
            "id": doc.id(),
            "duplicate_of": documents,
            "passages": passages,
            "duplicate_fraction": v.duplicate_fraction(),
        }))?;
    }
    out.commit()?;
    if !a.quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "echodup: {} checked against {} in {} in {secs:.2} s: {}, {}",
            count(corpus.len(), "document", "documents"),
            number(before),
            a.index.display(),
            count(dup_docs, "duplicate document", "duplicate documents"),
            count(dup_passages, "duplicate passage", "duplicate passages"),
        );
        if add {
            let info = index.info();
            eprintln!(
                "  added {}; the index now holds {} documents ({})",
                number(corpus.len()),
                HumanCount(info.documents),
                DecimalBytes(info.size)
            );
        }
        if !corpus.skipped().is_empty() {
            eprintln!("  skipped records: {}", number(corpus.skipped().len()));
        }
        if let Some(line) = skipped_entries_line(&corpus) {
            eprintln!("{line}");
        }
    }
    Ok(())
}

fn info(a: &InfoArgs) -> anyhow::Result<()> {
    let index = IndexFile::open(&a.index)?;
    if a.verify {
        index.verify()?;
    }
    let i = index.info();
    // Not println!: a closed pipe is an error to end on quietly, not a panic.
    let mut out = crate::output::stdout()?.lock();
    let c = &i.config;
    let b = c.get_banding()?;
    let pb = c.get_passage_banding()?;
    if a.json {
        let v = json!({
            "path": i.path.display().to_string(),
            "format_version": i.format_version,
            "size": i.size,
            "documents": i.documents,
            "passages": i.passages,
            "document_groups": i.document_groups,
            "passage_groups": i.passage_groups,
            "fingerprint": format!("{:016x}", i.fingerprint),
            "signature_parameters": c.signature_parameters()?,
            "threshold": c.get_threshold(),
            "passage_threshold": c.get_passage_threshold(),
            "measure": c.get_measure().to_string(),
            "verification": c.get_verification().to_string(),
            "min_passage_tokens": c.get_min_passage_tokens(),
            "passages_indexed": c.get_passages(),
            "verified": a.verify,
        });
        writeln!(out, "{v}")?;
        out.flush()?;
        return Ok(());
    }
    writeln!(out, "index:            {}", i.path.display())?;
    writeln!(out, "format version:   {}", i.format_version)?;
    writeln!(
        out,
        "size:             {} ({} bytes)",
        DecimalBytes(i.size),
        HumanCount(i.size)
    )?;
    writeln!(
        out,
        "documents:        {} ({} distinct)",
        HumanCount(i.documents),
        HumanCount(i.document_groups)
    )?;
    writeln!(
        out,
        "passages:         {} ({} distinct)",
        HumanCount(i.passages),
        HumanCount(i.passage_groups)
    )?;
    writeln!(out, "fingerprint:      {:016x}", i.fingerprint)?;
    writeln!(out, "parameters:       {}", c.signature_parameters()?)?;
    writeln!(
        out,
        "threshold:        {} (passages {}), {:?}, {:?} verification",
        c.get_threshold(),
        c.get_passage_threshold(),
        c.get_measure(),
        c.get_verification()
    )?;
    writeln!(
        out,
        "banding:          {} × {} (passages {} × {})",
        b.bands(),
        b.rows(),
        pb.bands(),
        pb.rows()
    )?;
    if a.verify {
        writeln!(out, "checksums:        every block verified")?;
    }
    out.flush()?;
    Ok(())
}

fn merge(a: &MergeArgs) -> anyhow::Result<()> {
    for input in &a.inputs {
        if same_file(&a.out, input) {
            return Err(Usage(format!(
                "{} is both the output and an input; refusing to overwrite it",
                a.out.display()
            ))
            .into());
        }
    }
    let info = IndexFile::merge(&a.out, &a.inputs)?;
    if !a.quiet {
        eprintln!(
            "echodup: merged {} indexes into {}: {} documents, {} passages ({})",
            a.inputs.len(),
            a.out.display(),
            HumanCount(info.documents),
            HumanCount(info.passages),
            DecimalBytes(info.size)
        );
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
