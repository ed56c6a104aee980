//! [`DocumentPlan`]: what a cleaning plan does with one document, why it
//! drops it ([`DropReason`]), the passages it strips ([`StrippedPassage`]),
//! and the byte-span cutting that gives the cleaned text.

use std::borrow::Cow;
use std::ops::Range;

use crate::corpus::{DocId, PassageId};

/// Why a [`CleaningPlan`](super::CleaningPlan) drops a document.
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
    /// More than the [`drop_if_duplicated`](super::CleanOptions::drop_if_duplicated)
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
///     boilerplate: false,
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
    /// in a document kept earlier. For boilerplate, the first passage of its
    /// cluster, which is stripped too.
    pub duplicates: PassageId,
    /// Whether it was stripped as boilerplate
    /// ([`CleanOptions::strip_boilerplate`](super::CleanOptions::strip_boilerplate)):
    /// then no copy of it stays.
    pub boilerplate: bool,
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
    ///     boilerplate: false,
    /// };
    /// assert!(!s.is_repeat());
    /// ```
    pub fn is_repeat(&self) -> bool {
        self.passage.doc == self.duplicates.doc
    }
}

/// What a [`CleaningPlan`](super::CleaningPlan) does with one document.
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
    pub(super) drop_reason: Option<DropReason>,
    pub(super) duplicate_fraction: f64,
    stripped: Vec<StrippedPassage>,
    /// Byte ranges cut from the text: stripped passages with their
    /// separators, sorted and disjoint.
    cuts: Vec<Range<usize>>,
}

impl DocumentPlan {
    /// The plan for document `doc` of `len` bytes before any decision: kept
    /// whole.
    pub(super) fn new(doc: DocId, len: usize) -> Self {
        DocumentPlan {
            doc,
            len,
            drop_reason: None,
            duplicate_fraction: 0.0,
            stripped: Vec::new(),
            cuts: Vec::new(),
        }
    }

    /// Strips the passages `stripped` (in passage order) from the kept
    /// document whose passages have the byte spans `passages`.
    pub(super) fn strip(&mut self, passages: &[Range<usize>], stripped: Vec<StrippedPassage>) {
        let indices: Vec<usize> = stripped.iter().map(|d| d.passage.index as usize).collect();
        self.cuts = cuts(passages, &indices);
        self.stripped = stripped;
    }

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
    /// This is what [`drop_if_duplicated`](super::CleanOptions::drop_if_duplicated)
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
}
