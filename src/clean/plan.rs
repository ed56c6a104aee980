//! [`CleaningPlan`]: the decision rules (in the [module docs](super)) applied
//! to a [`Report`], document by document in input order.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{CleanOptions, DocumentPlan, DropReason, StrippedPassage};
use crate::corpus::{DocId, PassageId};
use crate::error::Result;
use crate::report::Report;

/// What to remove from a corpus to deduplicate it: dropped documents and
/// stripped passages, decided from a [`Report`] by the rules in the
/// [module docs](super).
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
        let strip = options.get_strip_passages();
        let boiler = options.get_strip_boilerplate();
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
            let mut plan = DocumentPlan::new(doc, s.len);
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
                let cluster = &report.passage_clusters()[c];
                if boiler && s.boilerplate_passages.binary_search(&(p as u32)).is_ok() {
                    dup_bytes += span.len();
                    dups.push(StrippedPassage {
                        passage: id,
                        span: span.clone(),
                        duplicates: cluster.members()[0].passage,
                        boilerplate: true,
                    });
                    continue;
                }
                let earlier =
                    keeper[c].or_else(|| local.iter().find(|(lc, _)| *lc == c).map(|&(_, k)| k));
                match earlier {
                    Some(k) => {
                        dup_bytes += span.len();
                        dups.push(StrippedPassage {
                            passage: id,
                            span: span.clone(),
                            duplicates: k,
                            boilerplate: false,
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
            if let Some(limit) = options.get_drop_if_duplicated()
                && plan.duplicate_fraction > limit
            {
                plan.drop_reason = Some(DropReason::MostlyDuplicated {
                    fraction: plan.duplicate_fraction,
                });
            } else {
                // What is stripped: boilerplate when asked, other duplicates
                // when asked.
                let stripped: Vec<StrippedPassage> = dups
                    .into_iter()
                    .filter(|d| if d.boilerplate { boiler } else { strip })
                    .collect();
                if !stripped.is_empty() && stripped.len() == s.passages.len() {
                    plan.drop_reason = Some(DropReason::NothingLeft);
                } else {
                    for (c, id) in local {
                        keeper[c] = Some(id);
                    }
                    if !stripped.is_empty() {
                        plan.strip(&s.passages, stripped);
                    }
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
        self.documents
            .iter()
            .filter(|d| d.is_kept())
            .map(|d| d.doc())
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
        self.documents.iter().map(|d| d.stripped().len()).sum()
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
            .map(|d| d.removed_bytes())
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
