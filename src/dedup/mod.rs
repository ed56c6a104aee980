//! [`Deduplicator`]: the whole pipeline over a corpus in memory.
//!
//! - `mod.rs`: the type, its parts and its entry points (`run`,
//!   `run_fetched`, `run_analyzed`).
//! - `sketching.rs`: stages 1–4 over the corpus in parallel chunks, keeping
//!   only sketches ([`SketchColumns`]) of documents and compared passages.
//! - `assembly.rs`: stages 5–7: the matching engine on both levels, then
//!   document pairs, clusters, passage clusters, repeats and the [`Report`].

use crate::noise::TextNoise;
use std::borrow::Cow;

use crate::analyze::{AnalyzedDocument, Analyzer, with_thread_scratch};
use crate::band_keys::SpillPolicy;
use crate::config::Config;
use crate::corpus::{DocId, to_u32};
use crate::error::Result;
use crate::lsh::Banding;
use crate::matching::MatchParams;
use crate::minhash::MinHasher;
use crate::report::Report;
use crate::shingle::ShingleSet;
use crate::sketch::{Level, SketchColumns, Sketcher};
use crate::verify::Verifier;

/// Finds near-duplicate documents and passages in a corpus.
///
/// Built once from a [`Config`] (validated here), then immutable, `Send +
/// Sync` and reusable. [`run`](Deduplicator::run) uses the current rayon
/// thread pool; wrap it in your own pool's `install` to choose the thread
/// count. The result does not depend on it.
///
/// # Example
///
/// ```
/// use echodup::{Config, Deduplicator, DocId};
///
/// let docs = [
///     "The council approved the new budget on Tuesday after a long debate.",
///     "Fresh snow closed the mountain pass for the second time this week.",
///     "The council approved the new budget on Tuesday after a long debate!",
/// ];
/// let report = Deduplicator::new(Config::new())?.run(&docs)?;
/// assert_eq!(report.clusters().len(), 1);
/// assert_eq!(report.clusters()[0].members(), &[DocId::new(0), DocId::new(2)]);
/// assert_eq!(report.duplicates(), vec![DocId::new(2)]);
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Deduplicator {
    config: Config,
    analyzer: Analyzer,
    sketcher: Sketcher,
    document_verifier: Verifier,
    passage_verifier: Verifier,
}

impl Deduplicator {
    /// A deduplicator for `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// the parameter at fault.
    pub fn new(config: Config) -> Result<Self> {
        // Validated here, once; every part below is built from a valid config.
        config.validate()?;
        Ok(Deduplicator {
            analyzer: Analyzer::from_valid(&config),
            sketcher: Sketcher::from_valid(&config),
            document_verifier: Verifier::from_valid(&config, Level::Document),
            passage_verifier: Verifier::from_valid(&config, Level::Passage),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The analyzer (stages 1–3) in use.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The MinHasher (stage 4) in use.
    pub fn hasher(&self) -> &MinHasher {
        self.sketcher.hasher()
    }

    /// The sketcher (stage 4b) in use: item sketches, and which passages
    /// are compared.
    pub fn sketcher(&self) -> &Sketcher {
        &self.sketcher
    }

    /// The verifier (stage 6) of `level`'s items.
    pub fn verifier(&self, level: Level) -> &Verifier {
        match level {
            Level::Document => &self.document_verifier,
            Level::Passage => &self.passage_verifier,
        }
    }

    /// The document banding in use.
    pub fn banding(&self) -> Banding {
        self.sketcher.banding(Level::Document)
    }

    /// The passage banding in use.
    pub fn passage_banding(&self) -> Banding {
        self.sketcher.banding(Level::Passage)
    }

    /// Runs the whole pipeline over `docs` (document `i` gets `DocId(i)`).
    ///
    /// Any text is accepted: empty and blank documents are reported with no
    /// passages and are never duplicates; nothing is dropped.
    ///
    /// Memory beyond the texts is the sketches (about 160 bytes per document
    /// and per passage with the default 32 bands, of which 128 are band keys;
    /// past [`Config::max_key_memory`] the keys go to a temporary file and
    /// about 32 bytes an item stay), the report, at most
    /// [`Config::kept_set_bytes`] of document sets and tokens kept from the
    /// first analysis for verification, and about as much again of the
    /// candidates' sets while they are verified (computed again from the
    /// text unless kept, a connected group of candidates at a time).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) with `u32::MAX`
    /// documents or passages or more;
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the folder when band
    /// keys are spilled ([`Config::max_key_memory`]) and the temporary file
    /// cannot be made, written or read.
    pub fn run<D: AsRef<str> + Sync>(&self, docs: &[D]) -> Result<Report> {
        self.run_with_progress(docs, |_| {})
    }

    /// As [`run`](Deduplicator::run), calling `progress(bytes)` (from any
    /// thread) after each document is analyzed and sketched, with its length
    /// in bytes; the rest of the run is usually much shorter.
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_with_progress<D, P>(&self, docs: &[D], progress: P) -> Result<Report>
    where
        D: AsRef<str> + Sync,
        P: Fn(usize) + Sync,
    {
        to_u32(docs.len(), "documents")?;
        self.run_fetched(docs.len(), |d| docs[d.as_usize()].as_ref(), progress)
    }

    /// Runs the pipeline over `num_docs` documents whose texts are fetched on
    /// demand, so that they need not all be in memory at once: a corpus
    /// larger than memory, read from files, a database or a memory map.
    /// `fetch(DocId(i))` is called once per document while sketching (in
    /// parallel, in chunks of 4,096 documents) and again only for documents
    /// and passages that take part in a candidate pair and whose sets were
    /// not kept (documents are kept in input order within
    /// [`Config::kept_set_bytes`]); it must return the same text each time.
    /// Peak memory is then the sketches (see
    /// [`Stats::sketch_bytes`](crate::Stats::sketch_bytes)), the kept sets,
    /// the report and the texts in flight, not the corpus. `progress(bytes)` is called after each document is sketched.
    ///
    /// The result equals [`run`](Deduplicator::run) over the same texts.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// // Texts that live elsewhere; here, made on demand.
    /// let fetch = |d: DocId| format!("Story {} of the wire: rain again in the valley.", d.as_u32() % 2);
    /// let report = Deduplicator::new(Config::new())?.run_fetched(4, fetch, |_| {})?;
    /// assert_eq!(report.clusters().len(), 2);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_fetched<F, T, P>(&self, num_docs: usize, fetch: F, progress: P) -> Result<Report>
    where
        F: Fn(DocId) -> T + Sync,
        T: AsRef<str>,
        P: Fn(usize) + Sync,
    {
        to_u32(num_docs, "documents")?;
        let sketched = self.sketch_corpus(num_docs, |i, scratch, slots, keep, batch| {
            let text = fetch(DocId::new(i as u32));
            let text = text.as_ref();
            self.analyzer.analyze_into(text, scratch);
            let item = self.sketch_scratch(text.len(), scratch, slots, batch);
            batch.noise.add(&TextNoise::sampled(i, text));
            if keep && item {
                let doc = batch.docs.last_mut().expect("the document just sketched");
                doc.kept = KeptDocument::of(scratch);
            }
            progress(text.len());
        })?;
        self.finish(
            &sketched,
            |item, boilerplate| {
                let keep = |p: usize| !boilerplate.get(p).copied().unwrap_or(false);
                if let Some(kept) = sketched.kept(item) {
                    return DocSets {
                        raw: Cow::Borrowed(&kept.set),
                        content: boilerplate
                            .contains(&true)
                            .then(|| kept.content_set(&self.analyzer, keep)),
                    };
                }
                let d = DocId::new(sketched.doc_items[item as usize]);
                // Fetched before the buffers are borrowed: a `fetch` that
                // uses rayon may run another document's verification on
                // this thread while it waits.
                let text = fetch(d);
                with_thread_scratch(|scratch| {
                    self.analyzer.analyze_document_into(text.as_ref(), scratch);
                    let content = boilerplate
                        .contains(&true)
                        .then(|| self.analyzer.content_set_of(scratch, keep));
                    let raw = ShingleSet::from_sorted(std::mem::take(&mut scratch.doc_set));
                    DocSets {
                        raw: Cow::Owned(raw),
                        content,
                    }
                })
            },
            |item| {
                let id = sketched.passage_id(item);
                let span = sketched.span(id);
                let text = fetch(id.doc);
                let passage = text.as_ref().get(span).unwrap_or_default();
                Cow::Owned(self.analyzer.passage_set(passage))
            },
        )
    }

    /// Runs stages 4–7 over documents analyzed beforehand (for callers that
    /// analyze in their own batches or threads). The result equals
    /// [`run`](Deduplicator::run) over the texts.
    ///
    /// # Errors
    ///
    /// As [`run`](Deduplicator::run).
    pub fn run_analyzed(&self, docs: &[AnalyzedDocument]) -> Result<Report> {
        to_u32(docs.len(), "documents")?;
        let sketched = self.sketch_corpus(docs.len(), |i, _, slots, _, batch| {
            let doc = &docs[i];
            self.sketch_document(
                doc.len(),
                doc.passages()
                    .iter()
                    .map(|p| (p.span(), p.tokens(), p.shingles().as_slice())),
                doc.shingles().as_slice(),
                doc.cross_shingles(),
                slots,
                batch,
            );
        })?;
        self.finish(
            &sketched,
            |item, boilerplate| {
                let doc = &docs[sketched.doc_items[item as usize] as usize];
                let content = boilerplate.contains(&true).then(|| {
                    doc.content_set(&self.analyzer, |p| {
                        !boilerplate.get(p).copied().unwrap_or(false)
                    })
                });
                DocSets {
                    raw: Cow::Borrowed(doc.shingles()),
                    content,
                }
            },
            |item| {
                let id = sketched.passage_id(item);
                Cow::Borrowed(docs[id.doc.as_usize()].passages()[id.index as usize].shingles())
            },
        )
    }
    /// Empty sketch columns for `level`'s items.
    fn columns(&self, level: Level) -> SketchColumns {
        let spill = SpillPolicy {
            dir: self.config.get_temp_dir().map(Into::into),
            max_memory: self.config.get_max_key_memory(),
        };
        SketchColumns::new(&self.sketcher, level, self.config.get_verification(), spill)
            .with_signatures(self.config.get_signature_prefilter().is_some())
    }

    /// The engine's parameters for `level`'s items.
    fn params(&self, level: Level) -> MatchParams {
        MatchParams {
            verifier: *self.verifier(level),
            max_bucket: self.config.get_max_bucket(),
            prefilter: self.config.get_signature_prefilter(),
            max_key_memory: self.config.get_max_key_memory(),
            set_bytes: self.config.get_kept_set_bytes(),
        }
    }
}

mod assembly;
mod sketching;

use assembly::DocSets;
use sketching::{KeptDocument, SketchedCorpus};
