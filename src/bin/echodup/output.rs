//! Writing results: JSON Lines to standard output or an atomic file, the
//! list of removed records, and the summary on standard error.

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

/// Standard output, or a file written atomically.
pub(crate) enum Output {
    Stdout(BufWriter<std::io::Stdout>),
    File(AtomicFile),
}

impl Output {
    /// `path`, or standard output for `None` and `-`.
    pub(crate) fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        Ok(match path {
            Some(p) if p != Path::new("-") => Output::File(AtomicFile::create(p)?),
            _ => Output::Stdout(BufWriter::new(std::io::stdout())),
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Stdout(w) => w,
            Output::File(f) => f,
        }
    }

    /// Writes `value` as one JSON line.
    pub(crate) fn line(&mut self, value: &Value) -> anyhow::Result<()> {
        let w = self.writer();
        serde_json::to_writer(&mut *w, value).context("writing output")?;
        w.write_all(b"\n").context("writing output")?;
        Ok(())
    }

    /// Writes `line` (already JSON) and a newline.
    pub(crate) fn line_raw(&mut self, line: &str) -> anyhow::Result<()> {
        let w = self.writer();
        w.write_all(line.as_bytes()).context("writing output")?;
        w.write_all(b"\n").context("writing output")?;
        Ok(())
    }

    /// Flushes standard output, or renames the file into place.
    pub(crate) fn commit(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing output")?,
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

/// One `skipped` line per record that `--skip-invalid` skipped.
pub(crate) fn skipped_lines(corpus: &Corpus) -> Vec<Value> {
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

/// Commits the main output, then the list of removed records.
pub(crate) fn write_removed(
    path: Option<&Path>,
    lines: &[Value],
    out: Output,
) -> anyhow::Result<()> {
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
            "  duplicate passages: {} in {}; repeats inside a document: {}",
            number(s.duplicate_passages),
            count(s.passage_clusters, "cluster", "clusters"),
            number(s.repeats)
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
