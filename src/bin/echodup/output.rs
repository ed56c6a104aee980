//! Writing results: JSON Lines to standard output or an atomic file, the
//! list of removed records, and the summary on standard error.

use echodup::Shingling;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use echodup::Report;
use echodup::clean::CleaningPlan;
use echodup::io::{AtomicFile, Corpus, check_output};
use indicatif::{DecimalBytes, HumanCount};
use serde_json::{Value, json};

use crate::args::Usage;

/// Whether standard output was closed when the process started.
///
/// Rust's runtime opens `/dev/null` (read and write) on a standard
/// descriptor that is closed at start, so `echodup find ... >&-` would
/// "write" every result into nothing and exit 0. A shell's `> /dev/null`
/// opens it write-only: a read-write `/dev/null` on descriptor 1 is taken as
/// "closed at start" (`1<>/dev/null` would be mistaken for it).
#[cfg(unix)]
fn stdout_closed_at_start() -> bool {
    use rustix::fs::{OFlags, fcntl_getfl, fstat, stat};
    let out = std::io::stdout();
    let Ok(flags) = fcntl_getfl(&out) else {
        return true;
    };
    if flags & OFlags::ACCMODE != OFlags::RDWR {
        return false;
    }
    match (fstat(&out), stat("/dev/null")) {
        (Ok(a), Ok(b)) => a.st_rdev == b.st_rdev && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
        _ => false,
    }
}

#[cfg(not(unix))]
fn stdout_closed_at_start() -> bool {
    false
}

/// Standard output, for a command that writes its results there.
///
/// # Errors
///
/// If standard output was closed when the process started (see
/// `stdout_closed_at_start`): the command stops before writing, with exit
/// code 1, instead of losing its results.
pub(crate) fn stdout() -> anyhow::Result<std::io::Stdout> {
    if stdout_closed_at_start() {
        anyhow::bail!("standard output is closed: redirect it, or write the results with --out");
    }
    Ok(std::io::stdout())
}

/// Standard output, or a file written atomically.
pub(crate) enum Output {
    Stdout(BufWriter<std::io::Stdout>),
    File(AtomicFile),
}

impl Output {
    /// `path`, or standard output for `None` and `-`.
    ///
    /// # Errors
    ///
    /// If the file cannot be created, or standard output is closed (see
    /// [`stdout`]).
    pub(crate) fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        Ok(match path {
            Some(p) if p != Path::new("-") => Output::File(AtomicFile::create(p)?),
            _ => Output::Stdout(BufWriter::new(stdout()?)),
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::File(f) => f,
        }
    }

    /// What the output is called in errors: its path, or standard output.
    fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "standard output".to_string(),
            Output::File(f) => f.target().display().to_string(),
        }
    }

    /// `result`, or its error naming the output.
    fn named(&self, result: std::io::Result<()>) -> anyhow::Result<()> {
        result.with_context(|| format!("writing {}", self.name()))
    }

    /// Writes `value` as one JSON line.
    pub(crate) fn line(&mut self, value: &Value) -> anyhow::Result<()> {
        let w = self.writer();
        // An I/O error inside a serde_json error is not in its `source`
        // chain: unwrap it, so that a closed pipe is recognised.
        let result = serde_json::to_writer(&mut *w, value)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"));
        self.named(result)
    }

    /// Writes `line` (already JSON) and a newline.
    pub(crate) fn line_raw(&mut self, line: &str) -> anyhow::Result<()> {
        let w = self.writer();
        let result = w
            .write_all(line.as_bytes())
            .and_then(|()| w.write_all(b"\n"));
        self.named(result)
    }

    /// Flushes standard output, or renames the file into place.
    pub(crate) fn commit(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => {
                let result = w.flush();
                Output::Stdout(w).named(result)?
            }
            Output::File(f) => f.commit()?,
        }
        Ok(())
    }
}

/// Refuses outputs that are inputs or each other.
pub(crate) fn check_outputs(outputs: &[Option<&Path>], inputs: &[PathBuf]) -> anyhow::Result<()> {
    let outputs: Vec<&Path> = outputs.iter().flatten().copied().collect();
    for (i, out) in outputs.iter().enumerate() {
        check_output(out, inputs).map_err(|e| Usage(format!("{:#}", anyhow::Error::from(e))))?;
        check_output(out, &outputs[..i])
            .map_err(|_| Usage(format!("{} is named as two outputs", out.display())))?;
    }
    Ok(())
}

/// The summary line for folder entries passed over, e.g. "2 (1 not a
/// regular file, 1 already visited ...)", or `None` when there are none.
pub(crate) fn skipped_entries_line(corpus: &Corpus) -> Option<String> {
    let entries = corpus.skipped_entries();
    if entries.is_empty() {
        return None;
    }
    let mut reasons: Vec<(String, usize)> = Vec::new();
    for e in entries {
        let reason = e.reason().to_string();
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((reason, 1)),
        }
    }
    let why: Vec<String> = reasons
        .iter()
        .map(|(r, n)| format!("{}: {r}", number(*n)))
        .collect();
    Some(format!(
        "  skipped folder entries: {} ({})",
        number(entries.len()),
        why.join("; ")
    ))
}

/// The records of `--removed`: what a run skipped, dropped or stripped, one
/// JSON line each, written as they are produced (never gathered in memory:
/// one document of a million repeated paragraphs has a million records).
/// Without `--removed` nothing is built.
pub(crate) struct RemovedLog(Option<Output>);

impl RemovedLog {
    /// Opens `path` (written atomically) and writes the records of what
    /// reading `corpus` skipped: invalid records and folder entries passed
    /// over.
    ///
    /// # Errors
    ///
    /// If the file cannot be created or written.
    pub(crate) fn open(path: Option<&Path>, corpus: &Corpus) -> anyhow::Result<Self> {
        let mut log = RemovedLog(path.map(AtomicFile::create).transpose()?.map(Output::File));
        for s in corpus.skipped() {
            log.push(|| {
                json!({
                    "action": "skipped",
                    "source": s.path().display().to_string(),
                    "line": s.line(),
                    "id": s.id(),
                    "reason": s.reason(),
                })
            })?;
        }
        for s in corpus.skipped_entries() {
            log.push(|| {
                json!({
                    "action": "skipped",
                    "source": s.path().display().to_string(),
                    "reason": s.reason().to_string(),
                })
            })?;
        }
        Ok(log)
    }

    /// Writes the record `make` builds, if there is a `--removed` file.
    pub(crate) fn push(&mut self, make: impl FnOnce() -> Value) -> anyhow::Result<()> {
        match &mut self.0 {
            Some(out) => out.line(&make()),
            None => Ok(()),
        }
    }

    /// Commits `out`, then the `--removed` file: a run that fails before
    /// the end leaves neither in place.
    pub(crate) fn commit_after(self, out: Output) -> anyhow::Result<()> {
        out.commit()?;
        if let Some(f) = self.0 {
            f.commit()?;
        }
        Ok(())
    }
}

/// The summary of `find` and `dedup`, on standard error.
pub(crate) fn summary(corpus: &Corpus, report: &Report, plan: &CleaningPlan, elapsed: Duration) {
    let s = report.stats();
    let bytes = corpus.text_bytes();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let (doc_bytes, passage_bytes) = (plan.dropped_bytes(), plan.stripped_bytes());
    let pct = |b: usize| 100.0 * b as f64 / (bytes.max(1)) as f64;
    eprintln!(
        "echodup: {} documents ({}) in {:.2} s: {} documents/s, {}/s",
        number(s.documents),
        DecimalBytes(bytes),
        secs,
        number((s.documents as f64 / secs) as usize),
        DecimalBytes((bytes as f64 / secs) as u64),
    );
    // The noise check: never silent, one line whatever the text.
    let noise = s.noise;
    let config = report.config();
    let scanned_settings = config.get_normalizer().get_fold_ocr()
        || matches!(config.get_shingling(), Shingling::Glyphs(_));
    if scanned_settings && noise.looks_scanned() {
        eprintln!(
            "  text: {} (scanned settings in use)",
            noise.summary().split(": try").next().unwrap_or_default()
        );
    } else {
        eprintln!("  text: {}", noise.summary());
    }
    let passages_on = report.config().get_passages();
    if passages_on {
        eprintln!(
            "  passages: {} ({} compared)",
            number(s.passages),
            number(s.compared_passages)
        );
    } else {
        eprintln!(
            "  passages: {} (not compared: --level document)",
            number(s.passages)
        );
    }
    eprintln!(
        "  duplicate documents: {} in {} ({})",
        number(s.duplicate_documents),
        count(s.document_clusters, "cluster", "clusters"),
        count(s.document_pairs, "pair", "pairs")
    );
    if passages_on {
        eprintln!(
            "  duplicate passages: {} in {}; repeats inside a document: {} in {}",
            number(s.duplicate_passages),
            count(s.passage_clusters, "cluster", "clusters"),
            number(s.repeats),
            count(report.repeated_blocks().len(), "block", "blocks")
        );
        eprintln!(
            "  boilerplate: {} of those clusters, {} passages ({}); documents compared on {}",
            number(s.boilerplate_clusters),
            number(s.boilerplate_passages),
            DecimalBytes(s.boilerplate_bytes as u64),
            match report.config().get_document_basis() {
                echodup::DocumentBasis::Raw => "their whole text (--document-basis raw)",
                _ => "their content (boilerplate left out)",
            }
        );
        eprintln!(
            "  bytes removed: {} ({:.1}%) by dropping duplicate documents, {} ({:.1}%) more by stripping duplicate passages",
            DecimalBytes(doc_bytes as u64),
            pct(doc_bytes),
            DecimalBytes(passage_bytes as u64),
            pct(passage_bytes)
        );
    } else {
        eprintln!(
            "  bytes removed: {} ({:.1}%) by dropping duplicate documents",
            DecimalBytes(doc_bytes as u64),
            pct(doc_bytes)
        );
    }
    if s.capped_buckets > 0 {
        eprintln!(
            "  capped buckets: {} of more than {} distinct texts, compared as star and chain only: {} not examined there (the same for any input order)",
            count(s.capped_buckets as usize, "bucket", "buckets"),
            number(report.config().get_max_bucket()),
            count(
                s.capped_pairs_skipped as usize,
                "candidate pair",
                "candidate pairs"
            ),
        );
    }
    if !corpus.skipped().is_empty() {
        eprintln!(
            "  skipped records: {} (listed with --removed)",
            number(corpus.skipped().len())
        );
    }
    if let Some(line) = skipped_entries_line(corpus) {
        eprintln!("{line}");
    }
}

/// `n` with its digits grouped: "1,234,567".
pub(crate) fn number(n: usize) -> HumanCount {
    HumanCount(n as u64)
}

/// `n` and the noun for it: "1 pair", "2 pairs".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", number(n), if n == 1 { one } else { many })
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
    fn numbers_group_digits() {
        assert_eq!(number(0).to_string(), "0");
        assert_eq!(number(1234).to_string(), "1,234");
        assert_eq!(number(1234567).to_string(), "1,234,567");
    }
}
