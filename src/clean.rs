//! [`CleaningPlan`]: what to remove from a corpus to deduplicate it, and the
//! cleaned text of what is kept.
//!
//! A [`Report`] says what duplicates what; a cleaning plan decides what to
//! remove so that every kept text survives exactly once:
//!
//! - [`CleanOptions`]: whether to strip duplicate passages from the documents
//!   kept, and when to drop a mostly duplicated document.
//! - [`CleaningPlan`]: one [`DocumentPlan`] per input document, built by
//!   [`CleaningPlan::new`] or [`Report::cleaning_plan`].
//! - [`DocumentPlan`]: whether the document is kept, why it is dropped
//!   ([`DropReason`]), the passages stripped from it ([`StrippedPassage`]),
//!   and its cleaned text ([`DocumentPlan::clean_text`]).
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

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use crate::corpus::{DocId, PassageId};
use crate::error::{Error, Result};
use crate::report::Report;

/// How a [`CleaningPlan`] cleans a corpus: a value with chained setters.
///
/// The default drops near-duplicate documents only.
///
/// # Example
///
/// ```
/// use echodup::clean::CleanOptions;
///
/// let options = CleanOptions::new().strip_passages(true).drop_if_duplicated(Some(0.8));
/// assert!(options.get_strip_passages());
/// assert_eq!(options.get_drop_if_duplicated(), Some(0.8));
/// assert_eq!(CleanOptions::default(), CleanOptions::new());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CleanOptions {
    strip_passages: bool,
    drop_if_duplicated: Option<f64>,
}

impl CleanOptions {
    /// The default options: drop near-duplicate documents, keep every passage
    /// of the others.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    ///
    /// let options = CleanOptions::new();
    /// assert!(!options.get_strip_passages());
    /// assert_eq!(options.get_drop_if_duplicated(), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to remove duplicated passages (repeats inside a document and
    /// copies of a passage kept earlier) from the documents kept. Defaults to
    /// false.
    ///
    /// Turn it on to remove boilerplate and doubled page bodies; leave it off
    /// when documents must stay whole.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("Snow\n\n{para}\n\n{para}");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    ///
    /// let keep = report.cleaning_plan(CleanOptions::new())?;
    /// assert_eq!(keep.clean_text(DocId::new(0), &doubled).as_deref(), Some(doubled.as_str()));
    /// let strip = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
    /// let once = format!("Snow\n\n{para}");
    /// assert_eq!(strip.clean_text(DocId::new(0), &doubled).as_deref(), Some(once.as_str()));
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn strip_passages(mut self, on: bool) -> Self {
        self.strip_passages = on;
        self
    }

    /// Drop a document when more than this fraction (0 to 1) of its passage
    /// bytes are duplicated (see the [module docs](self) for what counts).
    /// Defaults to `None`: never drop for that reason.
    ///
    /// 0.5 to 0.8 removes articles that are mostly wire copy or boilerplate
    /// around a line of their own; 0 drops every document with any
    /// duplicated passage; 1 never drops. Checked by [`CleaningPlan::new`].
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::{CleanOptions, DropReason};
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// let wire = "The central bank left interest rates unchanged on Thursday, citing slowing inflation.";
    /// let docs = [wire.to_string(), format!("{wire}\n\nShort local comment.")];
    /// let report = Deduplicator::new(Config::new().threshold(0.9))?.run(&docs)?;
    /// let plan = report.cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(0.5)))?;
    /// assert!(matches!(
    ///     plan.document(DocId::new(1)).drop_reason(),
    ///     Some(DropReason::MostlyDuplicated { fraction }) if fraction > 0.5
    /// ));
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn drop_if_duplicated(mut self, fraction: Option<f64>) -> Self {
        self.drop_if_duplicated = fraction;
        self
    }

    /// Whether duplicated passages are stripped.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    ///
    /// assert!(CleanOptions::new().strip_passages(true).get_strip_passages());
    /// ```
    pub fn get_strip_passages(&self) -> bool {
        self.strip_passages
    }

    /// The fraction above which a document is dropped as mostly duplicated.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    ///
    /// assert_eq!(CleanOptions::new().drop_if_duplicated(Some(0.7)).get_drop_if_duplicated(), Some(0.7));
    /// ```
    pub fn get_drop_if_duplicated(&self) -> Option<f64> {
        self.drop_if_duplicated
    }

    /// Checks the options.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// `drop_if_duplicated` when it is not a number from 0 to 1.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    ///
    /// assert!(CleanOptions::new().drop_if_duplicated(Some(0.5)).validate().is_ok());
    /// let err = CleanOptions::new().drop_if_duplicated(Some(1.5)).validate().unwrap_err();
    /// assert_eq!(err.parameter(), Some("drop_if_duplicated"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let Some(f) = self.drop_if_duplicated
            && !(0.0..=1.0).contains(&f)
        {
            return Err(Error::invalid_config(
                "drop_if_duplicated",
                format_args!("must be between 0 and 1 (got {f})"),
            ));
        }
        Ok(())
    }
}

/// Why a [`CleaningPlan`] drops a document.
///
/// # Example
///
/// ```
/// use echodup::clean::DropReason;
/// use echodup::DocId;
///
/// let why = DropReason::NearDuplicate { of: DocId::new(3) };
/// assert!(matches!(why, DropReason::NearDuplicate { of } if of == DocId::new(3)));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DropReason {
    /// It near-duplicates `of`, the kept member of its document cluster.
    NearDuplicate {
        /// The kept document.
        of: DocId,
    },
    /// More than the [`drop_if_duplicated`](CleanOptions::drop_if_duplicated)
    /// limit of its passage bytes are duplicated.
    MostlyDuplicated {
        /// The fraction of its passage bytes that are duplicated (0 to 1).
        fraction: f64,
    },
    /// Every one of its passages is duplicated, so stripping them would leave
    /// nothing.
    NothingLeft,
}

/// A passage stripped from a kept document, and the surviving copy it
/// duplicates.
///
/// # Example
///
/// ```
/// use echodup::clean::StrippedPassage;
/// use echodup::{DocId, PassageId};
///
/// let s = StrippedPassage {
///     passage: PassageId::new(DocId::new(4), 3),
///     span: 120..180,
///     duplicates: PassageId::new(DocId::new(4), 1),
/// };
/// assert!(s.is_repeat());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StrippedPassage {
    /// The passage removed.
    pub passage: PassageId,
    /// Its byte span in its document's original text.
    pub span: Range<usize>,
    /// The copy that stays in the output: earlier in the same document, or
    /// in a document kept earlier.
    pub duplicates: PassageId,
}

impl StrippedPassage {
    /// Whether the surviving copy is in the same document (a repeat) rather
    /// than in another one (a cross-document copy).
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::StrippedPassage;
    /// use echodup::{DocId, PassageId};
    ///
    /// let s = StrippedPassage {
    ///     passage: PassageId::new(DocId::new(5), 2),
    ///     span: 40..90,
    ///     duplicates: PassageId::new(DocId::new(1), 2),
    /// };
    /// assert!(!s.is_repeat());
    /// ```
    pub fn is_repeat(&self) -> bool {
        self.passage.doc == self.duplicates.doc
    }
}

/// What a [`CleaningPlan`] does with one document.
///
/// # Example
///
/// ```
/// use echodup::clean::CleanOptions;
/// use echodup::{Config, Deduplicator, DocId};
///
/// let report = Deduplicator::new(Config::new())?.run(&["A single short article about the harbour."])?;
/// let plan = report.cleaning_plan(CleanOptions::new())?;
/// let d = plan.document(DocId::new(0));
/// assert!(d.is_kept() && d.stripped().is_empty() && d.removed_bytes() == 0);
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DocumentPlan {
    doc: DocId,
    len: usize,
    drop_reason: Option<DropReason>,
    duplicate_fraction: f64,
    stripped: Vec<StrippedPassage>,
    /// Byte ranges cut from the text: stripped passages with their
    /// separators, sorted and disjoint.
    cuts: Vec<Range<usize>>,
}

impl DocumentPlan {
    /// The document.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// # let report = Deduplicator::new(Config::new())?.run(&["one", "two"])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert_eq!(plan.document(DocId::new(1)).doc(), DocId::new(1));
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn doc(&self) -> DocId {
        self.doc
    }

    /// Whether the document stays in the output.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text, text])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert!(plan.document(DocId::new(0)).is_kept());
    /// assert!(!plan.document(DocId::new(1)).is_kept());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn is_kept(&self) -> bool {
        self.drop_reason.is_none()
    }

    /// Why the document is dropped, or `None` when it is kept.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::{CleanOptions, DropReason}, Config, Deduplicator, DocId};
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text, text])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert_eq!(
    ///     plan.document(DocId::new(1)).drop_reason(),
    ///     Some(DropReason::NearDuplicate { of: DocId::new(0) })
    /// );
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn drop_reason(&self) -> Option<DropReason> {
        self.drop_reason
    }

    /// Fraction of the document's passage bytes that are duplicated under the
    /// plan's rules (copies surviving earlier), 0 for a document without
    /// passages and for near-duplicates (which are not examined passage by
    /// passage).
    ///
    /// This is what [`drop_if_duplicated`](CleanOptions::drop_if_duplicated)
    /// compares with. It can be lower than
    /// [`DocumentSummary::duplicate_fraction`](crate::DocumentSummary::duplicate_fraction),
    /// which also counts copies in dropped documents.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("{para}\n\n{para}");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert_eq!(plan.document(DocId::new(0)).duplicate_fraction(), 0.5);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn duplicate_fraction(&self) -> f64 {
        self.duplicate_fraction
    }

    /// The passages stripped from the document, in order (empty when it is
    /// dropped or passages are not stripped).
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId, PassageId};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("Snow\n\n{para}\n\n{para}");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    /// let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
    /// let s = &plan.document(DocId::new(0)).stripped()[0];
    /// assert_eq!((s.passage.index, s.duplicates.index), (2, 1));
    /// assert_eq!(&doubled[s.span.clone()], para);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn stripped(&self) -> &[StrippedPassage] {
        &self.stripped
    }

    /// Bytes of the original text removed: the whole length for a dropped
    /// document, otherwise the stripped passages' spans (the blank lines cut
    /// with them are not counted).
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("Snow\n\n{para}\n\n{para}");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    /// let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
    /// assert_eq!(plan.document(DocId::new(0)).removed_bytes(), para.len());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn removed_bytes(&self) -> usize {
        if self.drop_reason.is_some() {
            self.len
        } else {
            self.stripped.iter().map(|s| s.span.len()).sum()
        }
    }

    /// The cleaned text of the document given its original `text`, or `None`
    /// when the document is dropped.
    ///
    /// Each stripped passage is cut with the blank-line separator that
    /// follows it (or, for passages at the end, the one before it); the rest
    /// is kept byte for byte, and the text is borrowed when nothing is cut.
    ///
    /// # Panics
    ///
    /// If `text` is not the document's original text: its length differs
    /// from the analyzed one, or a cut does not fall on character boundaries.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("Snow\n\n{para}\n\n{para}\n\nRoads reopen Friday.\n");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    /// let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
    /// let clean = plan.document(DocId::new(0)).clean_text(&doubled);
    /// assert_eq!(clean.as_deref(), Some(format!("Snow\n\n{para}\n\nRoads reopen Friday.\n").as_str()));
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn clean_text<'t>(&self, text: &'t str) -> Option<Cow<'t, str>> {
        if self.drop_reason.is_some() {
            return None;
        }
        assert_eq!(
            text.len(),
            self.len,
            "clean_text needs the original text of document {}",
            self.doc
        );
        Some(cut(text, &self.cuts))
    }
}

/// What to remove from a corpus to deduplicate it: dropped documents and
/// stripped passages, decided from a [`Report`] by the rules in the
/// [module docs](self).
///
/// The plan is deterministic: the same report and options give the same
/// plan. It does not hold the texts; [`clean_text`](CleaningPlan::clean_text)
/// takes them.
///
/// # Example
///
/// ```
/// use echodup::clean::{CleanOptions, CleaningPlan};
/// use echodup::{Config, Deduplicator, DocId};
///
/// let text = "The council approved the new budget on Tuesday after a long debate.";
/// let docs = [text, "Fresh snow closed the mountain pass again.", text];
/// let report = Deduplicator::new(Config::new())?.run(&docs)?;
/// let plan = CleaningPlan::new(&report, CleanOptions::new())?;
/// let kept: Vec<DocId> = plan.kept().collect();
/// assert_eq!(kept, [DocId::new(0), DocId::new(1)]);
/// assert_eq!((plan.num_dropped(), plan.dropped_bytes()), (1, text.len()));
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CleaningPlan {
    options: CleanOptions,
    documents: Vec<DocumentPlan>,
}

impl CleaningPlan {
    /// The plan for `report` under `options`.
    ///
    /// Takes time linear in the number of passages.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when
    /// the options are invalid (see [`CleanOptions::validate`]).
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::{CleanOptions, CleaningPlan};
    /// use echodup::{Config, Deduplicator, ErrorKind};
    ///
    /// let report = Deduplicator::new(Config::new())?.run(&["one article"])?;
    /// let plan = CleaningPlan::new(&report, CleanOptions::new().strip_passages(true))?;
    /// assert_eq!(plan.len(), 1);
    /// let bad = CleaningPlan::new(&report, CleanOptions::new().drop_if_duplicated(Some(-0.1)));
    /// assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidConfig);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn new(report: &Report, options: CleanOptions) -> Result<Self> {
        options.validate()?;
        let strip = options.strip_passages;
        let mut cluster_of: HashMap<PassageId, usize> = HashMap::new();
        for (c, cluster) in report.passage_clusters().iter().enumerate() {
            for m in cluster.members() {
                cluster_of.insert(m.passage, c);
            }
        }
        // The surviving copy of each passage cluster, once there is one.
        let mut keeper: Vec<Option<PassageId>> = vec![None; report.passage_clusters().len()];
        let mut documents = Vec::with_capacity(report.summaries().len());
        for s in report.summaries() {
            let doc = s.doc;
            let mut plan = DocumentPlan {
                doc,
                len: s.len,
                drop_reason: None,
                duplicate_fraction: 0.0,
                stripped: Vec::new(),
                cuts: Vec::new(),
            };
            if s.is_duplicate
                && let Some(c) = s.cluster.and_then(|c| report.clusters().as_slice().get(c))
            {
                plan.drop_reason = Some(DropReason::NearDuplicate {
                    of: c.representative(),
                });
                documents.push(plan);
                continue;
            }
            // First copies in this document: (cluster, passage).
            let mut local: Vec<(usize, PassageId)> = Vec::new();
            let mut dups: Vec<StrippedPassage> = Vec::new();
            let mut dup_bytes = 0;
            for (p, span) in s.passages.iter().enumerate() {
                let id = PassageId::new(doc, p as u32);
                let Some(&c) = cluster_of.get(&id) else {
                    continue;
                };
                let earlier =
                    keeper[c].or_else(|| local.iter().find(|(lc, _)| *lc == c).map(|&(_, k)| k));
                match earlier {
                    Some(k) => {
                        dup_bytes += span.len();
                        dups.push(StrippedPassage {
                            passage: id,
                            span: span.clone(),
                            duplicates: k,
                        });
                    }
                    None => local.push((c, id)),
                }
            }
            plan.duplicate_fraction = if s.passage_bytes == 0 {
                0.0
            } else {
                dup_bytes as f64 / s.passage_bytes as f64
            };
            if let Some(limit) = options.drop_if_duplicated
                && plan.duplicate_fraction > limit
            {
                plan.drop_reason = Some(DropReason::MostlyDuplicated {
                    fraction: plan.duplicate_fraction,
                });
            } else if strip && !s.passages.is_empty() && dups.len() == s.passages.len() {
                plan.drop_reason = Some(DropReason::NothingLeft);
            } else {
                for (c, id) in local {
                    keeper[c] = Some(id);
                }
                if strip {
                    let indices: Vec<usize> =
                        dups.iter().map(|d| d.passage.index as usize).collect();
                    plan.cuts = cuts(&s.passages, &indices);
                    plan.stripped = dups;
                }
            }
            documents.push(plan);
        }
        Ok(CleaningPlan { options, documents })
    }

    /// The options the plan was made with.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// # let report = Deduplicator::new(Config::new())?.run(&["one article"])?;
    /// let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
    /// assert!(plan.options().get_strip_passages());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn options(&self) -> CleanOptions {
        self.options
    }

    /// One plan per input document, in input order.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// # let report = Deduplicator::new(Config::new())?.run(&["one", "two"])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert!(plan.documents().iter().all(|d| d.is_kept()));
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn documents(&self) -> &[DocumentPlan] {
        &self.documents
    }

    /// The plan for one document.
    ///
    /// # Panics
    ///
    /// If `doc` is not a document of the report.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// # let report = Deduplicator::new(Config::new())?.run(&["one", "two"])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert!(plan.document(DocId::new(1)).is_kept());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn document(&self, doc: DocId) -> &DocumentPlan {
        &self.documents[doc.as_usize()]
    }

    /// The number of documents (kept or not).
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// # let report = Deduplicator::new(Config::new())?.run(&["one", "two"])?;
    /// assert_eq!(report.cleaning_plan(CleanOptions::new())?.len(), 2);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Whether the report had no documents.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// let report = Deduplicator::new(Config::new())?.run::<&str>(&[])?;
    /// assert!(report.cleaning_plan(CleanOptions::new())?.is_empty());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The documents kept, in input order.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text, text, "other"])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert_eq!(plan.kept().collect::<Vec<_>>(), [DocId::new(0), DocId::new(2)]);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn kept(&self) -> impl Iterator<Item = DocId> + '_ {
        self.documents.iter().filter(|d| d.is_kept()).map(|d| d.doc)
    }

    /// The number of documents dropped.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text, text, text])?;
    /// assert_eq!(report.cleaning_plan(CleanOptions::new())?.num_dropped(), 2);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn num_dropped(&self) -> usize {
        self.documents.iter().filter(|d| !d.is_kept()).count()
    }

    /// The number of passages stripped from kept documents.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("Snow\n\n{para}\n\n{para}");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    /// assert_eq!(report.cleaning_plan(CleanOptions::new().strip_passages(true))?.num_stripped(), 1);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn num_stripped(&self) -> usize {
        self.documents.iter().map(|d| d.stripped.len()).sum()
    }

    /// Bytes of the dropped documents.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text, text])?;
    /// assert_eq!(report.cleaning_plan(CleanOptions::new())?.dropped_bytes(), text.len());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn dropped_bytes(&self) -> usize {
        self.documents
            .iter()
            .filter(|d| !d.is_kept())
            .map(|d| d.len)
            .sum()
    }

    /// Bytes of the passages stripped from kept documents (their spans; the
    /// blank lines cut with them are not counted).
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let doubled = format!("Snow\n\n{para}\n\n{para}");
    /// let report = Deduplicator::new(Config::new())?.run(&[doubled.as_str()])?;
    /// assert_eq!(report.cleaning_plan(CleanOptions::new().strip_passages(true))?.stripped_bytes(), para.len());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn stripped_bytes(&self) -> usize {
        self.documents
            .iter()
            .filter(|d| d.is_kept())
            .map(|d| d.removed_bytes())
            .sum()
    }

    /// The cleaned text of document `doc` given its original `text`, or
    /// `None` when it is dropped: see [`DocumentPlan::clean_text`].
    ///
    /// # Panics
    ///
    /// If `doc` is not a document of the report, or `text` is not its
    /// original text.
    ///
    /// # Example
    ///
    /// ```
    /// # use echodup::{clean::CleanOptions, Config, Deduplicator, DocId};
    /// let para = "Fresh snow closed the mountain pass for the second time this week, police said.";
    /// let docs = [format!("{para}\n\nRoads reopen Friday."), format!("Snow news\n\n{para}")];
    /// let report = Deduplicator::new(Config::new())?.run(&docs)?;
    /// let plan = report.cleaning_plan(CleanOptions::new().strip_passages(true))?;
    /// assert_eq!(plan.clean_text(DocId::new(1), &docs[1]).as_deref(), Some("Snow news"));
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn clean_text<'t>(&self, doc: DocId, text: &'t str) -> Option<Cow<'t, str>> {
        self.document(doc).clean_text(text)
    }
}

impl std::fmt::Debug for CleaningPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleaningPlan")
            .field("options", &self.options)
            .field("documents", &self.documents.len())
            .field("dropped", &self.num_dropped())
            .field("stripped", &self.num_stripped())
            .finish_non_exhaustive()
    }
}

impl Report {
    /// The [`CleaningPlan`] for this report under `options`: which documents
    /// to drop and which passages to strip. Same as [`CleaningPlan::new`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) when
    /// the options are invalid.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text, text])?;
    /// let plan = report.cleaning_plan(CleanOptions::new())?;
    /// assert_eq!(plan.kept().collect::<Vec<_>>(), [DocId::new(0)]);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn cleaning_plan(&self, options: CleanOptions) -> Result<CleaningPlan> {
        CleaningPlan::new(self, options)
    }
}

/// The byte ranges to cut to remove the passages `strip` (sorted indices
/// into `passages`), each with the separator that follows it, or, for
/// passages at the end, the one before it. Sorted and disjoint.
fn cuts(passages: &[Range<usize>], strip: &[usize]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::with_capacity(strip.len());
    for &p in strip {
        let Some(span) = passages.get(p) else {
            continue;
        };
        ranges.push(match passages.get(p + 1) {
            Some(next) => span.start..next.start,
            None => {
                let last_kept = (0..p).rev().find(|i| strip.binary_search(i).is_err());
                match last_kept {
                    Some(k) => passages[k].end..span.end,
                    None => span.clone(),
                }
            }
        });
    }
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// `text` without the byte ranges `cuts` (sorted, disjoint).
fn cut<'t>(text: &'t str, cuts: &[Range<usize>]) -> Cow<'t, str> {
    if cuts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in cuts {
        if r.start > at {
            out.push_str(&text[at..r.start]);
        }
        at = at.max(r.end);
    }
    out.push_str(&text[at.min(text.len())..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Deduplicator, ErrorKind};
    use proptest::prelude::*;

    /// A paragraph of 14 words that shares no word with any other paragraph.
    fn paragraph(i: usize) -> String {
        (0..14)
            .map(|w| format!("p{i}w{w}"))
            .collect::<Vec<_>>()
            .join(" ")
            + "."
    }

    fn doc(paragraphs: &[&str]) -> String {
        paragraphs.join("\n\n")
    }

    fn plan(docs: &[String], options: CleanOptions) -> CleaningPlan {
        let report = Deduplicator::new(Config::new())
            .expect("valid config")
            .run(docs)
            .expect("small corpus");
        report.cleaning_plan(options).expect("valid options")
    }

    fn strip() -> CleanOptions {
        CleanOptions::new().strip_passages(true)
    }

    #[test]
    fn cuts_remove_passages_with_their_separators() {
        let text = "Title\n\nOne.\n\nTwo.\n\nThree.\n";
        let passages = vec![0..5, 7..11, 13..17, 19..25];
        let clean = |strip: &[usize]| cut(text, &cuts(&passages, strip)).into_owned();
        assert_eq!(clean(&[1]), "Title\n\nTwo.\n\nThree.\n");
        assert_eq!(clean(&[3]), "Title\n\nOne.\n\nTwo.\n");
        assert_eq!(clean(&[2, 3]), "Title\n\nOne.\n");
        assert_eq!(clean(&[0, 1, 2, 3]), "\n");
        assert_eq!(clean(&[]), text);
        assert!(matches!(cut(text, &[]), Cow::Borrowed(_)));
    }

    #[test]
    fn never_strips_the_last_surviving_copy() {
        let body: Vec<String> = (0..6).map(paragraph).collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let extra = paragraph(100);
        let other = [paragraph(200), paragraph(201)];
        let d0 = doc(&body);
        let mut resend = body.clone();
        resend.push(&extra);
        let d1 = doc(&resend);
        let d2 = doc(&[&other[0], &other[1], &extra]);
        let docs = [d0, d1, d2];
        let plan = plan(&docs, strip());
        assert_eq!(
            plan.document(DocId::new(1)).drop_reason(),
            Some(DropReason::NearDuplicate { of: DocId::new(0) })
        );
        let d2 = plan.document(DocId::new(2));
        assert!(d2.is_kept());
        assert!(d2.stripped().is_empty(), "{:?}", d2.stripped());
        assert_eq!(
            plan.clean_text(DocId::new(2), &docs[2]).as_deref(),
            Some(docs[2].as_str())
        );
        assert_eq!(plan.clean_text(DocId::new(1), &docs[1]), None);
    }

    #[test]
    fn repeats_inside_a_document_are_stripped() {
        let p: Vec<String> = (0..3).map(paragraph).collect();
        let text = doc(&[&p[0], &p[1], &p[2], &p[1], &p[2]]);
        let docs = [text];
        let plan = plan(&docs, strip());
        let d = plan.document(DocId::new(0));
        let stripped: Vec<(u32, u32, bool)> = d
            .stripped()
            .iter()
            .map(|s| (s.passage.index, s.duplicates.index, s.is_repeat()))
            .collect();
        assert_eq!(stripped, [(3, 1, true), (4, 2, true)]);
        assert_eq!(
            d.clean_text(&docs[0]).as_deref(),
            Some(doc(&[&p[0], &p[1], &p[2]]).as_str())
        );
        assert_eq!(d.removed_bytes(), p[1].len() + p[2].len());
        assert_eq!(plan.stripped_bytes(), d.removed_bytes());
        // Without stripping the text stays whole.
        let keep = super::tests::plan(&docs, CleanOptions::new());
        assert!(keep.document(DocId::new(0)).stripped().is_empty());
        assert_eq!(
            keep.clean_text(DocId::new(0), &docs[0]).as_deref(),
            Some(docs[0].as_str())
        );
    }

    #[test]
    fn cross_document_copies_point_at_the_kept_one() {
        let p: Vec<String> = (0..4).map(paragraph).collect();
        let docs = [doc(&[&p[0], &p[3]]), doc(&[&p[1], &p[2], &p[3]])];
        let plan = plan(&docs, strip());
        let s = &plan.document(DocId::new(1)).stripped()[0];
        assert_eq!(s.passage, PassageId::new(DocId::new(1), 2));
        assert_eq!(s.duplicates, PassageId::new(DocId::new(0), 1));
        assert!(!s.is_repeat());
        assert_eq!(&docs[1][s.span.clone()], p[3]);
        assert_eq!(
            plan.clean_text(DocId::new(1), &docs[1]).as_deref(),
            Some(doc(&[&p[1], &p[2]]).as_str())
        );
    }

    #[test]
    fn drop_if_duplicated_drops_mostly_copied_documents() {
        let p: Vec<String> = (0..5).map(paragraph).collect();
        // Document 1: 2 of 3 equal-length passages are copies of document 0.
        let docs = [doc(&[&p[0], &p[1], &p[2]]), doc(&[&p[0], &p[1], &p[3]])];
        let report = Deduplicator::new(Config::new().threshold(0.9))
            .unwrap()
            .run(&docs)
            .unwrap();
        assert!(report.clusters().is_empty());
        let at = |f: f64| {
            report
                .cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(f)))
                .unwrap()
        };
        let dropped = at(0.5);
        match dropped.document(DocId::new(1)).drop_reason() {
            Some(DropReason::MostlyDuplicated { fraction }) => {
                assert!((fraction - 2.0 / 3.0).abs() < 0.01, "{fraction}")
            }
            other => panic!("{other:?}"),
        }
        assert!(dropped.document(DocId::new(0)).is_kept());
        assert!(at(0.7).document(DocId::new(1)).is_kept());
        assert!(at(1.0).document(DocId::new(1)).is_kept());
        // Passages of a dropped document do not count as surviving copies.
        let docs = [
            doc(&[&p[0], &p[1], &p[2]]),
            doc(&[&p[0], &p[1], &p[3]]),
            doc(&[&p[3], &p[4]]),
        ];
        let report = Deduplicator::new(Config::new().threshold(0.9))
            .unwrap()
            .run(&docs)
            .unwrap();
        let plan = report
            .cleaning_plan(strip().drop_if_duplicated(Some(0.5)))
            .unwrap();
        assert!(!plan.document(DocId::new(1)).is_kept());
        assert!(plan.document(DocId::new(2)).stripped().is_empty());
    }

    #[test]
    fn drop_if_duplicated_is_validated() {
        let docs = [paragraph(0)];
        let report = Deduplicator::new(Config::new())
            .unwrap()
            .run(&docs)
            .unwrap();
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let e = report
                .cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(bad)))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
            assert_eq!(e.parameter(), Some("drop_if_duplicated"));
        }
        for good in [0.0, 0.5, 1.0] {
            assert!(
                report
                    .cleaning_plan(CleanOptions::new().drop_if_duplicated(Some(good)))
                    .is_ok()
            );
        }
    }

    #[test]
    fn a_document_with_nothing_left_is_dropped() {
        let p: Vec<String> = (0..4).map(paragraph).collect();
        // Document 1 is made of copies only, too different to be a near
        // duplicate of either source.
        let docs = [
            doc(&[&p[0], &p[1]]),
            doc(&[&p[2], &p[3]]),
            doc(&[&p[1], &p[2]]),
        ];
        let report = Deduplicator::new(Config::new())
            .unwrap()
            .run(&docs)
            .unwrap();
        assert!(report.clusters().is_empty());
        let plan = report.cleaning_plan(strip()).unwrap();
        assert_eq!(
            plan.document(DocId::new(2)).drop_reason(),
            Some(DropReason::NothingLeft)
        );
        assert_eq!(plan.dropped_bytes(), docs[2].len());
        // Without stripping it stays.
        assert!(
            report
                .cleaning_plan(CleanOptions::new())
                .unwrap()
                .document(DocId::new(2))
                .is_kept()
        );
    }

    #[test]
    fn empty_and_blank_documents_are_kept_whole() {
        let docs = [String::new(), "\n\n  \n".to_string(), paragraph(0)];
        let plan = plan(&docs, strip().drop_if_duplicated(Some(0.0)));
        for (i, d) in docs.iter().enumerate() {
            let id = DocId::new(i as u32);
            assert_eq!(plan.clean_text(id, d).as_deref(), Some(d.as_str()));
            assert_eq!(plan.document(id).duplicate_fraction(), 0.0);
        }
    }

    #[test]
    fn plans_are_deterministic() {
        let p: Vec<String> = (0..6).map(paragraph).collect();
        let docs: Vec<String> = vec![
            doc(&[&p[0], &p[1], &p[0]]),
            doc(&[&p[2], &p[1], &p[3]]),
            doc(&[&p[0], &p[1], &p[0]]),
            doc(&[&p[4], &p[5], &p[3], &p[5]]),
        ];
        let options = strip().drop_if_duplicated(Some(0.6));
        let first = plan(&docs, options);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(|| plan(&docs, options)), first);
        }
        let debug = format!("{first:?}");
        assert!(debug.starts_with("CleaningPlan {"), "{debug}");
    }

    /// The paragraphs of a text built by `doc`.
    fn paragraphs_of(text: &str) -> Vec<&str> {
        if text.is_empty() {
            Vec::new()
        } else {
            text.split("\n\n").collect()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// After applying a plan, every paragraph of a document that was not
        /// dropped as a (near or mostly) duplicate survives somewhere, kept
        /// texts are the input paragraphs in order, and with stripping each
        /// paragraph survives at most once.
        #[test]
        fn every_paragraph_keeps_a_surviving_copy(
            steps in prop::collection::vec(
                (any::<bool>(), prop::collection::vec(0usize..10, 0..8), any::<usize>(), 0usize..10, any::<usize>()),
                1..8,
            ),
            strip_passages in any::<bool>(),
            drop_if in prop::option::of(0.0f64..=1.0),
        ) {
            let pool: Vec<String> = (0..10).map(paragraph).collect();
            // Each document is fresh, or a re-send of an earlier one with one
            // paragraph inserted (a near duplicate that holds something new).
            let mut corpus: Vec<Vec<usize>> = Vec::new();
            for (resend, fresh, of, extra, at) in steps {
                if resend && !corpus.is_empty() {
                    let mut d = corpus[of % corpus.len()].clone();
                    d.insert(at % (d.len() + 1), extra);
                    corpus.push(d);
                } else {
                    corpus.push(fresh);
                }
            }
            let docs: Vec<String> = corpus
                .iter()
                .map(|d| d.iter().map(|&i| pool[i].as_str()).collect::<Vec<_>>().join("\n\n"))
                .collect();
            let options = CleanOptions::new().strip_passages(strip_passages).drop_if_duplicated(drop_if);
            let plan = plan(&docs, options);
            let mut output: Vec<String> = Vec::new();
            for (i, text) in docs.iter().enumerate() {
                let d = plan.document(DocId::new(i as u32));
                match d.clean_text(text) {
                    Some(clean) => {
                        let kept = paragraphs_of(&clean);
                        // Kept paragraphs are a subsequence of the input's.
                        let mut input = paragraphs_of(text).into_iter();
                        for k in &kept {
                            prop_assert!(input.any(|p| p == *k), "{clean:?} from {text:?}");
                        }
                        if !strip_passages {
                            prop_assert_eq!(clean.as_ref(), text.as_str());
                        }
                        let mut seen = kept.clone();
                        seen.sort_unstable();
                        seen.dedup();
                        if strip_passages {
                            prop_assert_eq!(seen.len(), kept.len(), "a repeat survived in {:?}", clean);
                        }
                        output.extend(kept.into_iter().map(str::to_owned));
                    }
                    None => prop_assert!(d.drop_reason().is_some()),
                }
            }
            for (i, text) in docs.iter().enumerate() {
                let d = plan.document(DocId::new(i as u32));
                if matches!(
                    d.drop_reason(),
                    Some(DropReason::NearDuplicate { .. } | DropReason::MostlyDuplicated { .. })
                ) {
                    continue;
                }
                for p in paragraphs_of(text) {
                    let copies = output.iter().filter(|o| *o == p).count();
                    prop_assert!(copies >= 1, "{p:?} of document {i} lost");
                    if strip_passages {
                        prop_assert_eq!(copies, 1, "{:?} kept {} times", p, copies);
                    }
                }
            }
        }
    }
}
