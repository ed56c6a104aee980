//! `echodup report`: one self-contained HTML page of what a run found.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use echodup::io::AtomicFile;
use echodup::{Deduplicator, HtmlReport};
use indicatif::DecimalBytes;

use crate::args::Common;
use crate::keep::KeepByArgs;
use crate::output::{check_outputs, summary};
use crate::progress::Progress;

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// Input files or folders (- for standard input).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The HTML page to write (atomically).
    #[arg(long, short, value_name = "FILE", required = true)]
    out: PathBuf,
    /// The page's title (default: "echodup report").
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// The largest page, in bytes (at least 1000000); longer lists are cut,
    /// largest findings kept, and the page says how many rows it leaves out.
    #[arg(long, value_name = "BYTES", default_value_t = 50_000_000)]
    max_bytes: usize,
    /// How many of the largest clusters are shown in full (texts, side by
    /// side).
    #[arg(long, value_name = "N", default_value_t = 100)]
    full_clusters: usize,
    #[command(flatten)]
    keeping: KeepByArgs,
    #[command(flatten)]
    pub(crate) common: Common,
}

pub(crate) fn run(args: &ReportArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let start = Instant::now();
    check_outputs(&[Some(args.out.as_path())], &args.inputs)?;
    let progress = Progress::new(args.common.quiet);
    let options = args.common.read.options(args.keeping.needs_records());
    let corpus = progress.read(&args.inputs, &options)?;
    if corpus.is_empty() {
        bail!("no documents to compare");
    }
    let mut report = progress.run(dedup, &corpus)?;
    args.keeping.apply(&mut report, &corpus, &progress)?;
    let ran = start.elapsed();
    let writing = progress.phase("writing", None, "bytes");
    let building = Instant::now();
    let sources: Vec<String> = args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut page = HtmlReport::new()
        .source(sources.join(", "))
        .max_bytes(args.max_bytes)
        .full_clusters(args.full_clusters);
    if let Some(title) = &args.title {
        page = page.title(title.as_str());
    }
    if let Some(field) = &args.keeping.keep_by {
        let which = match args.keeping.keep_order {
            echodup::KeepOrder::Descending => "largest",
            _ => "smallest",
        };
        page = page.keep_reason(format!(
            "the copy with the {which} \"{field}\" (a copy without it only when none has it; ties: the earliest)"
        ));
    }
    let texts = corpus.texts();
    let ids: Vec<&str> = corpus.documents().iter().map(|d| d.id()).collect();
    let html = page.render_with_ids(&report, &texts, &ids)?;
    let built = building.elapsed();
    let len = html.len();
    let mut file = AtomicFile::create(&args.out)?;
    file.write_all(html.as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    file.commit()?;
    writing.inc(len as u64);
    writing.finish(|_| {
        format!(
            "wrote {} to {} (built in {:.2} s; the run took {:.2} s)",
            DecimalBytes(len as u64),
            args.out.display(),
            built.as_secs_f64(),
            ran.as_secs_f64()
        )
    });
    if !args.common.quiet {
        let plan = report.cleaning_plan(echodup::CleanOptions::new().strip_passages(true))?;
        summary(&corpus, &report, &plan, start.elapsed());
    }
    Ok(())
}
