//! Stage 5b and the indexes: finding, for a new item, the items seen before
//! that it may duplicate.
//!
//! - [`LshIndex`] (`lsh_index.rs`): band tables over signatures, the
//!   primitive under the in-memory index.
//! - [`DedupIndex`] (`dedup_index.rs`): documents added one at a time in
//!   memory, each checked against everything seen before.
//! - [`IndexFile`] (`file/`): the same, kept on disk between runs (format in
//!   `docs/FORMAT.md`).
//!
//! Both document indexes implement [`DocumentIndex`] and reach their
//! [`Verdict`]s through one check (`verdict.rs`): a document's items are
//! sketched by the [`Sketcher`](crate::Sketcher), looked up in one level per
//! item kind (`group_index.rs` in memory, the file's levels on disk) and
//! compared by the [`Verifier`](crate::Verifier). So the two give the same
//! verdicts for the same documents in the same order; the tests check it.

mod dedup_index;
pub mod file;
mod group_index;
mod lsh_index;
mod verdict;

pub use dedup_index::DedupIndex;
pub use file::{IndexFile, IndexInfo, OnExistingId, STORE_FORMAT_VERSION, StagedBatch};
pub use lsh_index::LshIndex;
pub use verdict::{DocumentVerdict, PassageVerdict, Verdict};

pub(crate) use group_index::{GroupIndex, IndexItem};
pub(crate) use verdict::{History, Prepared, check, prepare};

use crate::analyze::AnalyzedDocument;
use crate::config::Config;
use crate::error::Result;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::DedupIndex {}
    impl Sealed for super::IndexFile {}
}

/// What both document indexes answer: [`DedupIndex`] in memory and
/// [`IndexFile`] on disk.
///
/// Write code once for either index with a generic `I: DocumentIndex`. The
/// trait is sealed: it can gain methods without a breaking release.
///
/// # Example
///
/// ```
/// use echodup::index::{DedupIndex, DocumentIndex};
/// use echodup::Config;
///
/// fn seen_before(index: &impl DocumentIndex, text: &str) -> echodup::Result<bool> {
///     Ok(index.query(text)?.is_duplicate())
/// }
///
/// let mut index = DedupIndex::new(Config::new())?;
/// index.add("Heavy rain flooded the lower town overnight and closed three schools.")?;
/// assert!(seen_before(&index, "Heavy rain flooded the lower town overnight and closed three schools!")?);
/// assert!(!seen_before(&index, "The harvest festival opens on Saturday with a parade.")?);
/// # Ok::<(), echodup::Error>(())
/// ```
pub trait DocumentIndex: sealed::Sealed {
    /// The configuration the index was built with.
    fn config(&self) -> &Config;

    /// Documents in the index.
    fn len(&self) -> usize;

    /// Whether the index holds no document.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Passages indexed (those long enough to compare).
    fn num_passages(&self) -> usize;

    /// Checks `text` against the index without adding it.
    ///
    /// # Errors
    ///
    /// Never for [`DedupIndex`]; for [`IndexFile`], as
    /// [`IndexFile::query`].
    fn query(&self, text: &str) -> Result<Verdict>;

    /// [`query`](DocumentIndex::query) for a document analyzed beforehand
    /// with the index's [`Analyzer`](crate::Analyzer).
    ///
    /// # Errors
    ///
    /// As [`query`](DocumentIndex::query).
    fn query_analyzed(&self, doc: &AnalyzedDocument) -> Result<Verdict>;
}

impl DocumentIndex for DedupIndex {
    fn config(&self) -> &Config {
        DedupIndex::config(self)
    }

    fn len(&self) -> usize {
        DedupIndex::len(self)
    }

    fn num_passages(&self) -> usize {
        DedupIndex::num_passages(self)
    }

    fn query(&self, text: &str) -> Result<Verdict> {
        Ok(DedupIndex::query(self, text))
    }

    fn query_analyzed(&self, doc: &AnalyzedDocument) -> Result<Verdict> {
        Ok(DedupIndex::query_analyzed(self, doc))
    }
}

impl DocumentIndex for IndexFile {
    fn config(&self) -> &Config {
        IndexFile::config(self)
    }

    fn len(&self) -> usize {
        IndexFile::len(self)
    }

    fn num_passages(&self) -> usize {
        IndexFile::num_passages(self)
    }

    fn query(&self, text: &str) -> Result<Verdict> {
        IndexFile::query(self, text)
    }

    fn query_analyzed(&self, doc: &AnalyzedDocument) -> Result<Verdict> {
        IndexFile::query_analyzed(self, doc)
    }
}
