//! [`CleaningPlan`]: what to remove from a corpus to deduplicate it, and the
//! cleaned text of what is kept.
//!
//! A [`Report`](crate::Report) says what duplicates what; a cleaning plan
//! decides what to remove so that every kept text survives exactly once:
//!
//! - [`CleanOptions`] (`options.rs`): whether to strip duplicate passages
//!   from the documents kept, and when to drop a mostly duplicated document.
//! - [`CleaningPlan`] (`plan.rs`): one [`DocumentPlan`] per input document,
//!   built by the rules below in [`CleaningPlan::new`] or
//!   [`Report::cleaning_plan`](crate::Report::cleaning_plan).
//! - [`DocumentPlan`] (`document.rs`): whether the document is kept, why it
//!   is dropped ([`DropReason`]), the passages stripped from it
//!   ([`StrippedPassage`]), and its cleaned text
//!   ([`DocumentPlan::clean_text`]).
//!
//! # Rules
//!
//! Documents are taken in input order.
//!
//! 1. A near-duplicate document (a member of a document cluster other than
//!    the one kept) is dropped: [`DropReason::NearDuplicate`].
//! 2. In any other document, a passage is *duplicated* only when a copy of it
//!    (a passage of the same passage cluster) survives in the output before
//!    it: in a document kept earlier, or earlier in the same document. A
//!    copy in a dropped document does not count, so stripping never removes
//!    the last surviving copy of a paragraph.
//! 3. With [`drop_if_duplicated(Some(f))`](CleanOptions::drop_if_duplicated),
//!    a document of which more than `f` of the passage bytes are duplicated is
//!    dropped: [`DropReason::MostlyDuplicated`].
//! 4. With [`strip_passages(true)`](CleanOptions::strip_passages), the
//!    duplicated passages are removed from the document; if that would leave
//!    none of its passages, the document is dropped instead:
//!    [`DropReason::NothingLeft`].
//!
//! After a plan with `strip_passages(true)`, each passage cluster has at
//! most one copy in the output, and it has exactly one if any document that
//! holds a copy was kept or dropped as [`NothingLeft`](DropReason::NothingLeft).
//!
//! # Example
//!
//! ```
//! use echodup::clean::{CleanOptions, DropReason};
//! use echodup::{Config, Deduplicator, DocId};
//!
//! let storm = "High winds kept the ferry fleet in port on Monday, stranding hundreds of travellers.";
//! let library = "The renovated town library opened its doors again after two years of work.";
//! let notice = "Copyright 2024 The Daily Courier. All rights reserved by the publisher.";
//! let docs = [
//!     format!("{storm}\n\n{notice}"),
//!     format!("{storm}\n\n{notice}"),    // an exact re-send of document 0
//!     format!("{library}\n\n{notice}"),  // shares only the notice
//! ];
//! let report = Deduplicator::new(Config::new())?.run(&docs)?;
//! let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
//!
//! assert_eq!(plan.document(DocId::new(1)).drop_reason(), Some(DropReason::NearDuplicate { of: DocId::new(0) }));
//! assert_eq!(plan.clean_text(DocId::new(0), &docs[0]).as_deref(), Some(docs[0].as_str()));
//! assert_eq!(plan.clean_text(DocId::new(2), &docs[2]).as_deref(), Some(library));
//! # Ok::<(), echodup::Error>(())
//! ```

mod document;
mod options;
mod plan;
#[cfg(test)]
mod tests;

pub use document::{DocumentPlan, DropReason, StrippedPassage};
pub use options::CleanOptions;
pub use plan::CleaningPlan;
