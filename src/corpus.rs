//! Identifiers of documents and passages.

use std::fmt;

/// A document's position in the input, counted from 0.
///
/// Ids are dense and 32-bit: the band tables hold one id per band per item,
/// so the width matters. More than `u32::MAX` documents in one run is an
/// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DocId(u32);

impl DocId {
    /// The id of the document at position `index`.
    pub const fn new(index: u32) -> Self {
        DocId(index)
    }

    /// The position as `u32`.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The position as `usize`, for indexing the caller's slice of documents.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

impl From<u32> for DocId {
    fn from(v: u32) -> Self {
        DocId(v)
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One passage: its document and its position in that document (from 0).
///
/// Orders by document, then position: the order of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PassageId {
    /// The document.
    pub doc: DocId,
    /// The passage's position within the document.
    pub index: u32,
}

impl PassageId {
    /// The passage at position `index` of document `doc`.
    pub const fn new(doc: DocId, index: u32) -> Self {
        PassageId { doc, index }
    }
}

impl fmt::Display for PassageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.doc, self.index)
    }
}

/// Converts a count to a `u32` id or fails with a capacity error.
pub(crate) fn to_u32(n: usize, what: &str) -> crate::Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < u32::MAX)
        .ok_or_else(|| crate::Error::capacity(what, (u32::MAX - 1) as u64))
}
