//! Near-duplicate detection for news text, down to the paragraph.
//!
//! echodup finds the same paragraph repeated inside one article (a scraped
//! page whose body was doubled), the same or lightly edited paragraph across
//! many articles (wire copy, boilerplate), and whole articles that are near
//! copies of each other. Every finding carries its provenance: document,
//! passage index, byte span in the original text and similarity. Candidate
//! pairs come from MinHash LSH and are then verified exactly, so no reported
//! pair is below the threshold.
//!
//! ```
//! use echodup::{Config, Deduplicator, DocId};
//!
//! let original = "Storm closes harbour\n\nHigh winds kept the ferry fleet in port on Monday, \
//!                 stranding hundreds of travellers on both sides of the strait. Operators said \
//!                 the first crossings could resume on Wednesday morning if the forecast holds, \
//!                 and asked passengers to check the timetable before setting out.";
//! let doubled = format!("{original}\n\n{}", original.split("\n\n").nth(1).unwrap());
//! let syndicated = original.replace("Monday", "Tuesday").replace("High winds", "“High winds");
//! let other = "Library reopens\n\nThe renovated town library opened its doors again after two years.";
//! let docs = [original, doubled.as_str(), syndicated.as_str(), other];
//!
//! let report = Deduplicator::new(Config::new().threshold(0.7))?.run(&docs)?;
//! // Whole documents: 0, 1 and 2 are near copies; 3 stands alone.
//! assert_eq!(report.clusters()[0].members(), &[DocId::new(0), DocId::new(1), DocId::new(2)]);
//! // Inside document 1, passage 2 repeats passage 1.
//! let block = &report.repeated_blocks()[0];
//! assert_eq!((block.doc, block.original.clone(), block.repeat.clone()), (DocId::new(1), 1..2, 2..3));
//! # Ok::<(), echodup::Error>(())
//! ```
//!
//! # Overview
//!
//! Data flows one way through stages that can each be used alone:
//!
//! 1. [`segment`]: [`Segmenter`](segment::Segmenter) cuts the original text
//!    into passages (paragraphs) with byte spans.
//! 2. [`normalize`]: [`Normalizer`] folds Unicode forms, case, quotes,
//!    dashes, invisible characters and spacing of each passage.
//! 3. [`shingle`]: [`Shingler`](shingle::Shingler) hashes word (or character)
//!    n-grams into a [`ShingleSet`]. [`Analyzer`] runs stages 1–3 for a
//!    document.
//! 4. [`minhash`]: [`MinHasher`] sketches a set into a [`Signature`].
//! 5. [`lsh`] and [`index`]: [`Banding`] cuts signatures into band keys;
//!    [`LshIndex`] finds candidates that share one.
//! 6. [`verify`]: [`Similarity`] checks candidates exactly (or estimates).
//! 7. [`cluster`]: [`Clusters`] groups verified pairs; [`KeepPolicy`]
//!    picks the member to keep, or [`Report::keep_by`] picks it from
//!    values the caller gives (a date, a source priority) in a [`KeepOrder`].
//!
//! [`Deduplicator`] runs everything over a corpus in memory and returns a
//! [`Report`]; [`DedupIndex`] adds documents one at a time and tells, for each
//! new one, what it duplicates among those seen before;
//! [`IndexFile`](index::IndexFile) does the same with an index kept on disk between runs.
//!
//! # Choosing parameters
//!
//! Two texts of Jaccard similarity `s` become candidates with probability
//! `1 − (1 − sʳ)ᵇ` for `b` bands of `r` rows ([`Banding::probability`]).
//! [`Banding::for_threshold`] picks `b × r = num_perm` for the threshold,
//! weighting misses 99 to 1 against extra candidates because verification
//! removes every false positive. With 128 slots: threshold 0.5 → 64 × 2,
//! 0.6–0.8 → 32 × 4, 0.85–0.9 → 16 × 8, 0.95 → 8 × 16.
//!
//! - Threshold: 0.8 (the default) catches re-sends and syndicated copies with
//!   light edits; 0.9+ only near-verbatim copies; 0.5–0.7 also catches
//!   rewrites and updates of a developing story, with more false alarms.
//! - Shingle size: word 5-shingles (the default) for news paragraphs; 3 for
//!   headlines and very short passages; 7–9 for long documents full of stock
//!   phrases. Character shingles of 4–6 for text without spaces or with OCR
//!   noise.
//! - [`Measure::Containment`] finds a short text quoted inside a longer one,
//!   or a truncated copy.
//!
//! # Performance and memory
//!
//! Roughly per passage: its shingle set (8 bytes per distinct shingle,
//! exact mode only), one signature while indexing (`4 × num_perm` bytes)
//! and the band tables (about 16 bytes per band). Identical passages
//! (boilerplate) are collapsed before indexing, so they cost one entry. Work
//! is spread over the current rayon pool; the library never configures the
//! global pool.
//!
//! # Guarantees
//!
//! - Determinism: the same input and [`Config`] give the same shingles,
//!   signatures, band keys, pairs and clusters on every machine and for any
//!   thread count. Hashes are XXH3-64 with the configured seed over
//!   little-endian bytes.
//! - Exact verification (the default): every reported pair is at or above its
//!   threshold.
//! - Stability: normalization, shingle hashes, signatures and band keys are
//!   pinned by known-answer tests; changing them bumps [`FORMAT_VERSION`].
//! - No panics on data: any text, including empty, blank, huge or odd
//!   Unicode, has a documented outcome. Panics are reserved for documented
//!   misuse (comparing signatures of different lengths).
//!
//! # Crate features
//!
//! - `serde`: `Serialize`/`Deserialize` for [`Config`], [`Report`] and the
//!   intermediate values. Off by default; never changes results.
//! - `jsonl`: the `io` module: reading corpora from JSON Lines (plain or
//!   gzip), text files and folders, and writing output files atomically.
//!   Off by default; turns on `serde`.
//! - `plot`: SVG plots in `echodup eval` (the `plotters` crate, SVG only).
//!   Off by default; turned on by `cli`.
//! - `tools`: development tooling that detection does not need: `synth`
//!   (synthetic news corpora with planted duplicates and their ground
//!   truth) and `eval` (quality metrics against ground truth, the
//!   `GroundTruth` type and its files). Off by default; turns on `jsonl`;
//!   turned on by `cli`.
//! - `html`: `HtmlReport` (module `html_report`), a report as one
//!   self-contained HTML page (no dependencies). Off by default; turned on
//!   by `cli`.
//! - `cli`: the `echodup` command-line binary (turns on `jsonl`, `tools`,
//!   `plot` and `html`). Off by default.
//!
//! # References
//!
//! - A. Z. Broder, "On the resemblance and containment of documents", 1997 (MinHash).
//! - J. Leskovec, A. Rajaraman, J. D. Ullman, *Mining of Massive Datasets*,
//!   ch. 3 (banding and the S-curve).
//! - G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom number
//!   generators", 2014 (SplitMix64, for coefficient expansion).

// One audited `unsafe` block: the AVX2 dispatch in `minhash`.
#![deny(unsafe_code)]
// Feature badges on docs.rs (which builds with `--cfg docsrs` and nightly).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod analyze;
mod atomic;
mod band_keys;
pub mod boilerplate;
pub mod clean;
pub mod cluster;
mod config;
mod corpus;
mod dedup;
mod document_pairs;
mod error;
#[cfg(feature = "tools")]
#[cfg_attr(docsrs, doc(cfg(feature = "tools")))]
pub mod eval;
pub mod explain;
mod fused;
mod hash;
#[cfg(feature = "html")]
#[cfg_attr(docsrs, doc(cfg(feature = "html")))]
pub mod html_report;
pub mod index;
#[cfg(feature = "jsonl")]
#[cfg_attr(docsrs, doc(cfg(feature = "jsonl")))]
pub mod io;
pub mod lsh;
mod matching;
pub mod minhash;
pub mod noise;
pub mod normalize;
pub mod prefilter;
mod radix;
mod report;
pub mod segment;
pub mod shingle;
pub mod sketch;
/// The file index under its first path: everything here is
/// [`index::file`]'s, re-exported so that `echodup::store::IndexFile` keeps
/// working.
pub mod store {
    pub use crate::index::file::*;
}
#[cfg(feature = "tools")]
#[cfg_attr(docsrs, doc(cfg(feature = "tools")))]
pub mod synth;
mod text;
pub mod verify;

pub use analyze::{AnalyzedDocument, AnalyzedPassage, Analyzer};
pub use atomic::remove_temporary_files;
pub use boilerplate::DocumentBasis;
pub use clean::{CleanOptions, CleaningPlan};
pub use cluster::{Cluster, Clustering, Clusters, KeepOrder, KeepPolicy};
pub use config::{
    BACKGROUND_MISS, Config, DEFAULT_BOILERPLATE_MIN_DOCUMENTS, DEFAULT_KEPT_SET_BYTES,
    DEFAULT_MAX_BUCKET, DEFAULT_MAX_KEY_MEMORY, DEFAULT_PREFILTER_MISS, DEFAULT_SEED,
    FORMAT_VERSION, MAX_NUM_PERM, MAX_SHINGLE_SIZE,
};
pub use corpus::{DocId, PassageId};
pub use dedup::Deduplicator;
pub use document_pairs::DocumentPairs;
pub use error::{Error, ErrorKind, Result};
pub use explain::Explanation;
#[cfg(feature = "html")]
pub use html_report::HtmlReport;
pub use index::{DedupIndex, DocumentIndex, DocumentVerdict, LshIndex, PassageVerdict, Verdict};
pub use lsh::Banding;
pub use minhash::{MinHasher, Signature};
pub use normalize::Normalizer;
pub use report::{
    DocumentPair, DocumentSummary, PassageCluster, PassageMatch, Repeat, RepeatedBlock, Report,
    Stats,
};
pub use segment::Segmentation;
pub use shingle::{ShingleSet, Shingling};
pub use sketch::{ItemSketch, Level, Sketcher};
pub use verify::{Measure, Similarity, Verification, Verifier};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
