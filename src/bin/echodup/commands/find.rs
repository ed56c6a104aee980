//! `echodup find`: report duplicate documents or passages as JSON Lines.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::{Args, ValueEnum};
use echodup::clean::CleanOptions;
use echodup::{Deduplicator, DocId, DocumentBasis, Level, PassageId};
use indicatif::HumanCount;
use serde_json::{Value, json};

use crate::args::{Common, Usage, text_form};
use crate::keep::KeepByArgs;
use crate::output::{Output, RemovedLog, check_outputs, summary};
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
    /// With --level passage: also write the passage clusters that whole
    /// duplicate documents imply (every member in one document cluster),
    /// marked "implied": true. Left out by default: the document cluster
    /// already says it.
    #[arg(long)]
    implied: bool,
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
    // Document pairs and clusters on the whole text need no passage
    // comparison: skip it. The content basis needs passages to tell
    // boilerplate.
    let document_only;
    // Passages are compared at `--level passage` and for the content basis
    // (boilerplate is found among them); a preset that leaves them out
    // (scanned) gets them back when they are needed.
    let compare_passages =
        passages || dedup.config().get_document_basis() == DocumentBasis::Content;
    let dedup = if compare_passages == dedup.config().get_passages() {
        dedup
    } else {
        document_only = Deduplicator::new(dedup.config().clone().passages(compare_passages))?;
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
                    "raw_jaccard": p.raw.jaccard,
                    "content_jaccard": p.content.jaccard,
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
        let text = |d: DocId, span: &Range<usize>| -> &str {
            corpus
                .document(d)
                .text()
                .get(span.clone())
                .unwrap_or_default()
        };
        let member = |p: PassageId, span: &Range<usize>| json!({"doc": id(p.doc), "passage": p.index, "start": span.start, "end": span.end});
        // Cross-document clusters are numbered consecutively from 0 in
        // the order written; clusters of repeats inside one document are
        // written as "repeated-block" lines instead and take no number.
        let implied = |c: &echodup::PassageCluster| {
            let first = report.clusters().cluster_of(c.members()[0].passage.doc);
            first.is_some()
                && c.members()
                    .iter()
                    .all(|m| report.clusters().cluster_of(m.passage.doc) == first)
        };
        let mut left_out = 0usize;
        let mut n = 0usize;
        for c in report
            .passage_clusters()
            .iter()
            .filter(|c| c.is_cross_document())
        {
            let is_implied = implied(c);
            if is_implied && !args.implied {
                left_out += 1;
                continue;
            }
            let members: Vec<Value> = c
                .members()
                .iter()
                .map(|m| {
                    let mut v = member(m.passage, &m.span);
                    v["jaccard"] = json!(m.similarity.jaccard);
                    v
                })
                .collect();
            let first = &c.members()[0];
            let label = if c.is_boilerplate() {
                "boilerplate"
            } else {
                "shared-content"
            };
            let mut record = json!({
                "kind": "cross-document",
                "cluster": n,
                "label": label,
                "documents": c.num_documents(),
                "preview": preview(text(first.passage.doc, &first.span)),
                "members": members,
            });
            if is_implied {
                record["implied"] = json!(true);
            }
            line(&record)?;
            n += 1;
        }
        for b in report.repeated_blocks() {
            let original = PassageId::new(b.doc, b.original.start);
            let side = |passages: &Range<u32>, span: &Range<usize>| json!({"passages": [passages.start, passages.end], "start": span.start, "end": span.end});
            let similarity = report
                .repeats()
                .iter()
                .filter(|r| r.passage.doc == b.doc && b.repeat.contains(&r.passage.index))
                .map(|r| r.similarity.jaccard)
                .fold(1.0f64, f64::min);
            line(&json!({
                "kind": "repeated-block",
                "doc": id(b.doc),
                "original": side(&b.original, &b.original_span),
                "repeat": side(&b.repeat, &b.repeat_span),
                "passages": b.len(),
                "min_jaccard": similarity,
                "preview": preview(text(original.doc, &b.original_span)),
            }))?;
        }
        if left_out > 0 && !args.common.quiet {
            eprintln!(
                "echodup: {left_out} passage clusters implied by duplicate documents left out (--implied writes them)"
            );
        }
    }
    RemovedLog::open(args.removed.as_deref(), &corpus)?.commit_after(out)?;
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

/// The first 80 characters of a passage, on one line: enough to recognise it.
fn preview(text: &str) -> String {
    const CHARS: usize = 80;
    let mut out = String::new();
    let mut chars = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if chars >= CHARS {
            out.push('…');
            break;
        }
        if space {
            out.push(' ');
            chars += 1;
            space = false;
        }
        out.push(c);
        chars += 1;
    }
    out
}
