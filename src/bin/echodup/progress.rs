//! Progress on standard error through every phase of a run: reading,
//! analyzing, matching and clustering, then what the command does with the
//! report (choosing kept copies, writing).
//!
//! On a terminal each phase draws a bar (or a spinner where its length is not
//! known) that is cleared when it ends. When standard error is not a terminal
//! (a log file, a CI job) each phase writes one line when it ends, with its
//! time. With `--quiet` nothing is written.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use echodup::io::{Corpus, ReadOptions};
use echodup::{Deduplicator, Report};
use indicatif::{
    DecimalBytes, HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle,
};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Bars and spinners (standard error is a terminal).
    Bars,
    /// One line per phase when it ends.
    Lines,
    /// Nothing (`--quiet`).
    Quiet,
}

/// Progress on standard error: bars on a terminal, one line per phase
/// otherwise, nothing with --quiet.
pub(crate) struct Progress {
    mode: Mode,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        };
        Progress { mode }
    }

    /// Reads `inputs` with a bar of the bytes read.
    pub(crate) fn read(&self, inputs: &[PathBuf], options: &ReadOptions) -> anyhow::Result<Corpus> {
        let start = Instant::now();
        let pb = self.bytes(echodup::io::input_len(inputs));
        let corpus = Corpus::read_with_progress(inputs, options, &mut |n| pb.set_position(n));
        pb.finish_and_clear();
        let corpus = corpus?;
        self.line(start.elapsed(), || {
            format!(
                "read {} documents ({} of text)",
                HumanCount(corpus.len() as u64),
                DecimalBytes(corpus.text_bytes())
            )
        });
        Ok(corpus)
    }

    /// Runs `dedup` on the corpus: a bar of the documents analyzed, then a
    /// spinner while documents (and passages) are matched and clustered.
    pub(crate) fn run(&self, dedup: &Deduplicator, corpus: &Corpus) -> anyhow::Result<Report> {
        let start = Instant::now();
        let done = Arc::new(AtomicU64::new(0));
        let analyzed = OnceLock::new();
        let pb = self.documents(corpus.text_bytes(), Arc::clone(&done));
        let texts = corpus.texts();
        let report = dedup.run_with_progress(&texts, |bytes| {
            pb.inc(bytes as u64);
            if done.fetch_add(1, Ordering::Relaxed) + 1 == texts.len() as u64 {
                // Every document is sketched: matching follows.
                let _ = analyzed.set(Instant::now());
                if self.mode == Mode::Bars {
                    pb.set_style(template("{spinner} matching and clustering {elapsed}"));
                    pb.reset_elapsed();
                }
            }
        });
        pb.finish_and_clear();
        let report = report?;
        let analyzed = analyzed.get().copied().unwrap_or(start);
        self.line(analyzed - start, || {
            format!("analyzed {} documents", HumanCount(texts.len() as u64))
        });
        self.line(analyzed.elapsed(), || {
            let s = report.stats();
            let mut line = format!(
                "matched and clustered: {} document pairs in {} clusters",
                HumanCount(s.document_pairs as u64),
                HumanCount(s.document_clusters as u64)
            );
            if report.config().get_passages() {
                line += &format!(
                    ", {} passage clusters",
                    HumanCount(s.passage_clusters as u64)
                );
            }
            line
        });
        Ok(report)
    }

    /// A phase of the command after the run: a bar of `len` `unit`s, or a
    /// spinner with a count when `len` is `None`.
    pub(crate) fn phase(&self, name: &'static str, len: Option<u64>, unit: &'static str) -> Phase {
        let pb = self.bar(len, || {
            template(&format!(
                "{name:<9} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ETA {{eta}}"
            ))
        });
        if self.mode == Mode::Bars && len.is_none() {
            pb.set_style(template(&format!(
                "{{spinner}} {name} {{human_pos}} {unit} {{elapsed}}"
            )));
        }
        Phase {
            pb,
            start: Instant::now(),
            lines: self.mode == Mode::Lines,
        }
    }

    /// One line for a phase that took `elapsed`, when lines are shown.
    fn line(&self, elapsed: Duration, what: impl FnOnce() -> String) {
        if self.mode == Mode::Lines {
            eprintln!("echodup: {} in {:.2} s", what(), elapsed.as_secs_f64());
        }
    }

    fn bar(&self, len: Option<u64>, style: impl FnOnce() -> ProgressStyle) -> ProgressBar {
        if self.mode != Mode::Bars {
            // Hidden, but it still counts (Phase::count).
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
                        HumanCount(n),
                        HumanCount(rate as u64)
                    );
                },
            )
        })
    }
}

/// One phase after the run ([`Progress::phase`]): count its steps with
/// [`inc`](Phase::inc), end it with [`finish`](Phase::finish).
pub(crate) struct Phase {
    pb: ProgressBar,
    start: Instant,
    lines: bool,
}

impl Phase {
    /// Counts `n` more steps done.
    pub(crate) fn inc(&self, n: u64) {
        self.pb.inc(n);
    }

    /// The steps counted so far.
    pub(crate) fn count(&self) -> u64 {
        self.pb.position()
    }

    /// Ends the phase: clears its bar, or writes `what` (given the count)
    /// and the time taken as one line.
    pub(crate) fn finish(self, what: impl FnOnce(u64) -> String) {
        self.pb.finish_and_clear();
        if self.lines {
            eprintln!(
                "echodup: {} in {:.2} s",
                what(self.count()),
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

fn template(t: &str) -> ProgressStyle {
    ProgressStyle::with_template(t).expect("valid template")
}
