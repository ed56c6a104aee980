//! [`PageKind`]: how a planted page copies an earlier one.

use std::fmt;

/// A kind of planted copy in a page corpus (the `kind` of its truth
/// clusters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PageKind {
    /// The story of an earlier original page, published by another site:
    /// the same body paragraphs in that site's chrome and layout, sometimes
    /// with a new headline, light word edits in one to three paragraphs, or
    /// the last one or two paragraphs cut.
    Syndicated,
    /// A byte-identical re-send of an earlier page.
    Resend,
}

impl PageKind {
    /// Every kind, in order.
    pub const ALL: [PageKind; 2] = [PageKind::Syndicated, PageKind::Resend];

    /// The name used in `truth.jsonl`: `"syndicated"`, `"resend"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PageKind::Syndicated => "syndicated",
            PageKind::Resend => "resend",
        }
    }
}

impl fmt::Display for PageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
