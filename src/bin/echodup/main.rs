//! `echodup`: find, remove and explain near-duplicate documents and passages
//! in a text corpus.
//!
//! This binary only parses arguments, calls the library and formats output:
//! `args` turns flags into the library's configuration, `commands` holds one
//! module per command, `output` and `progress` write what they report.
//! Exit codes: 0 success, 1 error (bad input, I/O), 2 usage (bad arguments or
//! parameters, an output that is also an input).

mod args;
mod commands;
mod keep;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use echodup::{Deduplicator, ErrorKind};

use crate::args::Usage;
use crate::commands::{dedup, eval, explain, find, index, report};

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
    Find(find::FindArgs),
    /// Write the corpus without its duplicate documents (and passages).
    Dedup(dedup::DedupArgs),
    /// Show why two documents (or passages, ID#N) match.
    Explain(explain::ExplainArgs),
    /// Write one self-contained HTML page of what was found, to look at
    /// before deleting anything.
    Report(report::ReportArgs),
    /// Keep a persistent index on disk: create it, check new documents
    /// against it and add them, query it, show it, merge indexes.
    Index(index::IndexArgs),
    /// Measure detection quality against ground truth (pairs, clusters,
    /// planted passages) at several thresholds.
    Eval(eval::EvalArgs),
}

fn main() -> ExitCode {
    // Ctrl-C (SIGINT, and SIGTERM): outputs being written are left as they
    // were, and their temporary files are removed, not left beside them.
    // If no handler can be installed the command still runs; an interrupt
    // may then leave a temporary file (`.NAME.echodup-XXXXXX.tmp`).
    let _ = ctrlc::set_handler(|| {
        echodup::remove_temporary_files();
        eprintln!("echodup: interrupted");
        std::process::exit(130);
    });
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

/// Whether `e` comes from writing to a closed pipe (`echodup find ... |
/// head`): the reader has what it wanted, and the command ends quietly with
/// exit 0, as Unix tools do. An I/O error may sit anywhere in the chain, or
/// inside a `serde_json` error (whose `source` skips it). Standard output
/// closed before the start (`EBADF`) is not this case.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let common = match &cli.command {
        Command::Find(a) => &a.common,
        Command::Dedup(a) => &a.common,
        Command::Explain(a) => &a.common,
        Command::Report(a) => &a.common,
        Command::Index(a) => return index::run(a),
        Command::Eval(a) => &a.common,
    };
    // Bad parameters are refused before any input is read.
    let dedup = Deduplicator::new(common.config())?;
    common.threads.install(|| match &cli.command {
        Command::Find(a) => find::run(a, &dedup),
        Command::Dedup(a) => dedup::run(a, &dedup),
        Command::Explain(a) => explain::run(a, &dedup),
        Command::Report(a) => report::run(a, &dedup),
        Command::Index(_) => unreachable!("dispatched above"),
        Command::Eval(a) => eval::run(a),
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn arguments_parse() {
        Cli::command().debug_assert();
    }
}
