//! `echodup find`: report duplicate documents or passages as JSON Lines.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::{Args, ValueEnum};
use echodup::clean::CleanOptions;
use echodup::{Deduplicator, DocId, Level, PassageId};
use indicatif::HumanCount;
use serde_json::{Value, json};

use crate::args::{Common, Usage, text_form};
use crate::keep::KeepByArgs;
use crate::output::{Output, check_outputs, skipped_lines, summary, write_removed};
use crate::progress::Progress;

#[derive(Args, Debug)]
pub(crate) struct FindArgs {
    /// Input files or folders (- for standard input).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// What to report: duplicate documents, or duplicate passages (repeats
    /// inside documents and copies across documents).
    #[arg(long, value_parser = text_form::<Level>(Level::NAMES), default_value = "document")]
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
    keeping: KeepByArgs,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Pairs,
    Clusters,
    Both,
}

pub(crate) fn run(args: &FindArgs, dedup: &Deduplicator) -> anyhow::Result<()> {
    let start = Instant::now();
    check_outputs(
        &[args.out.as_deref(), args.removed.as_deref()],
        &args.inputs,
    )?;
    let passages = match args.level {
        Level::Document => false,
        Level::Passage => true,
        other => return Err(Usage(format!("--level {other} is not supported")).into()),
    };
    let progress = Progress::new(args.common.quiet);
    let read_options = args.common.read.options(args.keeping.needs_records());
    let corpus = progress.read(&args.inputs, &read_options)?;
    if corpus.is_empty() {
        bail!("no documents to compare");
    }
    // Document pairs and clusters need no passage comparison: skip it.
    let document_only;
    let dedup = if passages == dedup.config().get_passages() {
        dedup
    } else {
        // `--level passage` with a preset that leaves passages out (scanned)
        // turns them on; `--level document` turns them off.
        document_only = Deduplicator::new(dedup.config().clone().passages(passages))?;
        &document_only
    };
    let mut report = progress.run(dedup, &corpus)?;
    args.keeping.apply(&mut report, &corpus, &progress)?;
    let id = |d: DocId| corpus.document(d).id();
    let mut out = Output::open(args.out.as_deref())?;
    let writing = progress.phase("writing", None, "records");
    let mut line = |value: &Value| {
        writing.inc(1);
        out.line(value)
    };
    if !passages {
        if matches!(args.format, Format::Pairs | Format::Both) {
            for p in report.document_pairs() {
                line(&json!({
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
                let mut record = json!({"cluster": n, "ids": ids});
                if args.keeping.keep_by.is_some() {
                    // The copy chosen by the field, which the user asked for.
                    record["keep"] = json!(id(c.representative()));
                }
                line(&record)?;
            }
        }
    } else {
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
            line(
                &json!({"kind": "cross-document", "cluster": n, "documents": c.num_documents(), "members": members}),
            )?;
        }
        for r in report.repeats() {
            let original = PassageId::new(r.passage.doc, r.original);
            line(&json!({
                "kind": "repeat",
                "doc": id(r.passage.doc),
                "members": [member(original, &r.original_span), member(r.passage, &r.span)],
                "jaccard": r.similarity.jaccard,
            }))?;
        }
    }
    let removed_lines = skipped_lines(&corpus);
    write_removed(args.removed.as_deref(), &removed_lines, out)?;
    let to = match args.out.as_deref() {
        Some(p) if p != std::path::Path::new("-") => p.display().to_string(),
        _ => "standard output".to_string(),
    };
    writing.finish(|n| format!("wrote {} records to {to}", HumanCount(n)));
    if !args.common.quiet {
        let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
        summary(&corpus, &report, &plan, start.elapsed());
    }
    Ok(())
}
