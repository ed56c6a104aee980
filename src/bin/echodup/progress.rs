//! Progress bars on standard error while a corpus is read and analyzed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use echodup::io::{Corpus, ReadOptions};
use echodup::{Deduplicator, Report};
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Progress bars on standard error, or nothing when it is not a terminal
/// or with --quiet.
pub(crate) struct Progress {
    shown: bool,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Self {
        Progress {
            shown: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Reads `inputs` with a bar of the bytes read.
    pub(crate) fn read(&self, inputs: &[PathBuf], options: &ReadOptions) -> anyhow::Result<Corpus> {
        let pb = self.bytes(echodup::io::input_len(inputs));
        let corpus = Corpus::read_with_progress(inputs, options, &mut |n| pb.set_position(n));
        pb.finish_and_clear();
        Ok(corpus?)
    }

    /// Runs `dedup` on the corpus with a bar of the documents analyzed.
    pub(crate) fn run(&self, dedup: &Deduplicator, corpus: &Corpus) -> anyhow::Result<Report> {
        let done = Arc::new(AtomicU64::new(0));
        let pb = self.documents(corpus.text_bytes(), Arc::clone(&done));
        let texts = corpus.texts();
        let report = dedup.run_with_progress(&texts, |bytes| {
            // The bar moves while documents are analyzed; matching follows
            // without a bar (it is usually much shorter).
            pb.inc(bytes as u64);
            if done.fetch_add(1, Ordering::Relaxed) + 1 == texts.len() as u64 {
                pb.finish_and_clear();
            }
        });
        pb.finish_and_clear();
        Ok(report?)
    }

    fn bar(&self, len: Option<u64>, style: impl FnOnce() -> ProgressStyle) -> ProgressBar {
        if !self.shown {
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

fn template(t: &str) -> ProgressStyle {
    ProgressStyle::with_template(t).expect("valid template")
}
