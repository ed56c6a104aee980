//! `echodup dedup`: write the corpus without its duplicates.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use echodup::Deduplicator;
use echodup::clean::{CleanOptions, DropReason};
use serde_json::json;

use crate::args::{Common, fraction};
use crate::keep::KeepByArgs;
use crate::output::{Output, RemovedLog, check_outputs, count, number, summary};
use crate::progress::Progress;

#[derive(Args, Debug)]
pub(crate) struct DedupArgs {
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
    /// Remove boilerplate (site chrome, navigation and related-headline
    /// lists, prompts: passages repeated around otherwise different
    /// documents) from every document kept, the first copy included.
    #[arg(long)]
    strip_boilerplate: bool,
    /// Drop a document when more than this fraction (0 to 1) of its passage
    /// bytes duplicate passages kept earlier.
    #[arg(long, value_name = "F", value_parser = fraction)]
    drop_if_duplicated: Option<f64>,
    /// Record everything removed and why (and every skipped record), as JSON Lines.
    #[arg(long, value_name = "FILE")]
    removed: Option<PathBuf>,
    #[command(flatten)]
    keeping: KeepByArgs,
    #[command(flatten)]
    pub(crate) common: Common,
}

pub(crate) fn run(args: &DedupArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let start = Instant::now();
    check_outputs(
        &[Some(args.out.as_path()), args.removed.as_deref()],
        &args.inputs,
    )?;
    let progress = Progress::new(args.common.quiet);
    let options = args.common.read.options(true);
    let corpus = progress.read(&args.inputs, &options)?;
    if corpus.is_empty() {
        bail!("no documents to compare");
    }
    let mut report = progress.run(dedup, &corpus)?;
    args.keeping.apply(&mut report, &corpus, &progress)?;
    // Writing includes the cleaning plan (linear in the passages).
    let writing = progress.phase("writing", Some(corpus.len() as u64), "documents");
    let plan = report.cleaning_plan(
        CleanOptions::new()
            .strip_passages(args.strip_passages)
            .strip_boilerplate(args.strip_boilerplate)
            .drop_if_duplicated(args.drop_if_duplicated),
    )?;
    let mut out = Output::open(Some(&args.out))?;
    let mut removed = RemovedLog::open(args.removed.as_deref(), &corpus)?;
    for (doc, d) in corpus.documents().iter().zip(plan.documents()) {
        writing.inc(1);
        if let Some(why) = d.drop_reason() {
            let mut line = json!({"action": "dropped", "id": doc.id()});
            match why {
                DropReason::NearDuplicate { of } => {
                    line["reason"] = json!("near-duplicate");
                    line["of"] = json!(corpus.document(of).id());
                    let id = d.doc();
                    if let Some(s) = report.pair_similarity(id.min(of), id.max(of)) {
                        line["jaccard"] = json!(s.jaccard);
                    }
                }
                DropReason::MostlyDuplicated { fraction } => {
                    line["reason"] = json!("mostly-duplicated");
                    line["duplicate_fraction"] = json!(fraction);
                }
                DropReason::NothingLeft => line["reason"] = json!("all-passages-duplicated"),
                other => line["reason"] = json!(format!("{other:?}")),
            }
            removed.push(move || {
                line["text"] = json!(doc.text());
                line
            })?;
            continue;
        }
        for s in d.stripped() {
            removed.push(|| json!({
                "action": "stripped",
                "id": doc.id(),
                "passage": s.passage.index,
                "start": s.span.start,
                "end": s.span.end,
                "reason": if s.boilerplate { "boilerplate" } else if s.is_repeat() { "repeat" } else { "cross-document" },
                "of": {"id": corpus.document(s.duplicates.doc).id(), "passage": s.duplicates.index},
                "text": &doc.text()[s.span.clone()],
            }))?;
        }
        if let Some(text) = d.clean_text(doc.text()) {
            out.line_raw(&doc.to_json_line(&text, &options))?;
        }
    }
    removed.commit_after(out)?;
    writing.finish(|_| {
        format!(
            "wrote {} of {} documents to {}",
            number(plan.kept().count()),
            number(corpus.len()),
            args.out.display()
        )
    });
    if !args.common.quiet {
        summary(&corpus, &report, &plan, start.elapsed());
        let kept = plan.kept().count();
        let stripped = plan.num_stripped();
        eprintln!(
            "  written: {} of {} documents to {} ({} stripped)",
            number(kept),
            number(corpus.len()),
            args.out.display(),
            count(stripped, "passage", "passages")
        );
    }
    Ok(())
}
