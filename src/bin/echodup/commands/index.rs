//! `echodup index`: a persistent index that each day's scrape is checked
//! against and added to (`echodup::store::IndexFile`).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use echodup::io::Corpus;
use echodup::store::{IndexFile, OnExistingId};
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
    /// them all. The report is written in full before the index changes;
    /// the index is replaced atomically, and on any error (the report's
    /// included: a full disk, a closed pipe) it is left as it was. One
    /// writer at a time: a second `add` fails naming the first.
    Add(AddArgs),
    /// Report which documents and passages of the inputs duplicate the
    /// index, as JSON Lines, adding nothing.
    Query(AddArgs),
    /// Show an index's configuration, counts, size and format version.
    Info(InfoArgs),
    /// Merge indexes built with the same parameters into a new one: the
    /// documents of the first input, then of the second, and so on.
    Merge(MergeArgs),
    /// Remove documents by id: they are never reported again (a tombstone
    /// in the manifest; the data goes at the next `optimize`).
    Remove(RemoveArgs),
    /// Fold every segment of an index into one (a version 1 file is
    /// upgraded to version 2).
    Optimize(OptimizeArgs),
}

#[derive(Args, Debug)]
struct RemoveArgs {
    /// The index.
    index: PathBuf,
    /// Ids of the documents to remove.
    #[arg(value_name = "ID")]
    ids: Vec<String>,
    /// Also remove the ids listed in this file, one per line (- for
    /// standard input).
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct OptimizeArgs {
    /// The index.
    index: PathBuf,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
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
    #[command(flatten)]
    existing: ExistingArgs,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
}

/// What `add` does with ids already in the index.
#[derive(Args, Debug)]
struct ExistingArgs {
    /// With `add`, documents whose id is already in the index (or earlier
    /// in the inputs): refuse the whole batch (nothing is added), skip them
    /// (each gets a `"skipped"` line in the report) and add the others, or
    /// replace the stored document by the new one (the old one is removed).
    #[arg(long, value_name = "POLICY", default_value = "refuse",
          value_parser = ["refuse", "skip", "replace"])]
    existing: String,
}

impl ExistingArgs {
    fn policy(&self) -> OnExistingId {
        match self.existing.as_str() {
            "skip" => OnExistingId::Skip,
            "replace" => OnExistingId::Replace,
            _ => OnExistingId::Refuse,
        }
    }
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
        IndexCommand::Remove(a) => remove(a),
        IndexCommand::Optimize(a) => optimize(a),
    }
}

fn remove(a: &RemoveArgs) -> anyhow::Result<()> {
    let mut ids = a.ids.clone();
    if let Some(from) = &a.from {
        let text = if from == Path::new("-") {
            std::io::read_to_string(std::io::stdin()).context("reading standard input")?
        } else {
            std::fs::read_to_string(from).with_context(|| format!("reading {}", from.display()))?
        };
        ids.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
    }
    if ids.is_empty() {
        return Err(Usage("no id to remove: give ids or --from FILE".into()).into());
    }
    let mut index = IndexFile::open_for_writing(&a.index)?;
    let missing = index.remove(&ids)?;
    if !a.quiet {
        eprintln!(
            "echodup: removed {} from {}; it now holds {} documents",
            count(ids.len() - missing.len(), "document", "documents"),
            a.index.display(),
            HumanCount(index.len() as u64)
        );
        if !missing.is_empty() {
            eprintln!(
                "  not in the index: {}",
                missing
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if missing.len() > 10 { ", ..." } else { "" }
            );
        }
    }
    Ok(())
}

fn optimize(a: &OptimizeArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut index = IndexFile::open_for_writing(&a.index)?;
    let before = index.info();
    index.optimize()?;
    if !a.quiet {
        let info = index.info();
        eprintln!(
            "echodup: folded {} segments of {} into {} in {:.2} s ({} → {})",
            before.segments,
            a.index.display(),
            info.segments,
            start.elapsed().as_secs_f64(),
            DecimalBytes(before.size),
            DecimalBytes(info.size)
        );
    }
    Ok(())
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
    if !add && a.existing.existing != "refuse" {
        return Err(Usage("--existing applies to `index add` only".into()).into());
    }
    // A writer takes the index's lock first: a second writer stops here,
    // before reading its inputs, with a message naming the first.
    let mut index = if add {
        IndexFile::open_for_writing(&a.index)?
    } else {
        IndexFile::open(&a.index)?
    };
    let before = index.len();
    // Documents numbered from here are this batch's (or the query itself).
    let first_new = index.next_doc().as_usize();
    let corpus = Corpus::read(&a.inputs, &a.read.options(false))?;
    // Refuse an unwritable report before changing the index.
    let mut out = Output::open(a.out.as_deref())?;
    let docs = corpus.documents();
    let (verdicts, staged) = if add {
        let staged = index.stage_batch(
            docs.iter().map(|d| (d.id().to_string(), d.text())),
            a.existing.policy(),
        )?;
        (staged.verdicts().to_vec(), Some(staged))
    } else {
        let verdicts: Vec<Verdict> = docs
            .par_iter()
            .map(|d| index.query(d.text()))
            .collect::<echodup::Result<_>>()?;
        (verdicts, None)
    };
    let skipped: Vec<usize> = staged.as_ref().map_or(Vec::new(), |s| s.skipped().to_vec());
    // The documents that get a verdict, in order: all but the skipped ones.
    let mut checked: Vec<usize> = Vec::with_capacity(verdicts.len());
    {
        let mut skip = skipped.iter().peekable();
        for i in 0..docs.len() {
            if skip.peek() == Some(&&i) {
                skip.next();
            } else {
                checked.push(i);
            }
        }
    }
    // Report, then commit: the report is written in full (flushed, or
    // renamed into place) before the index changes, so a report lost to a
    // full disk or a closed pipe leaves the index as it was. Such an error
    // is not the quiet end of `| head`: the batch was not added.
    let report = || -> anyhow::Result<(usize, usize)> {
        let mut names: HashMap<DocId, String> = HashMap::new();
        let (mut dup_docs, mut dup_passages) = (0usize, 0usize);
        let mut skip = skipped.iter().peekable();
        for (&i, v) in checked.iter().zip(&verdicts) {
            while let Some(&&s) = skip.peek().filter(|&&&s| s < i) {
                skip.next();
                out.line(&json!({"id": docs[s].id(), "skipped": "already in the index"}))?;
            }
            let doc = &docs[i];
            // Documents of this batch (added) or the query itself (its own
            // repeated passages carry the next id) are not in the index yet.
            let mut name = |d: DocId| -> anyhow::Result<String> {
                if d.as_usize() >= first_new {
                    return Ok(if add {
                        docs[checked[d.as_usize() - first_new]].id().to_string()
                    } else {
                        doc.id().to_string()
                    });
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
        for &s in skip {
            out.line(&json!({"id": docs[s].id(), "skipped": "already in the index"}))?;
        }
        out.commit()?;
        Ok((dup_docs, dup_passages))
    };
    let (dup_docs, dup_passages) = match report() {
        Ok(counts) => counts,
        Err(e) if add => anyhow::bail!(
            "{e:#}; the report is incomplete, so nothing was added to {}",
            a.index.display()
        ),
        Err(e) => return Err(e),
    };
    if let Some(staged) = staged {
        index.commit_batch(staged)?;
    }
    if !a.quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "echodup: {} checked against {} in {} in {secs:.2} s: {}, {}",
            count(verdicts.len(), "document", "documents"),
            number(before),
            a.index.display(),
            count(dup_docs, "duplicate document", "duplicate documents"),
            count(dup_passages, "duplicate passage", "duplicate passages"),
        );
        if add {
            let info = index.info();
            eprintln!(
                "  added {}; the index now holds {} documents ({})",
                number(verdicts.len()),
                HumanCount(info.documents),
                DecimalBytes(info.size)
            );
            if !skipped.is_empty() {
                eprintln!(
                    "  skipped {} already in the index",
                    count(skipped.len(), "document", "documents")
                );
            }
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
            "segments": i.segments,
            "removed": i.removed,
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
    writeln!(
        out,
        "segments:         {} ({} removed documents)",
        i.segments,
        HumanCount(i.removed)
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
