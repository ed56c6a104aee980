//! [`CleanOptions`]: how a cleaning plan cleans a corpus, and their check.

use crate::error::{Error, Result};

/// How a [`CleaningPlan`](super::CleaningPlan) cleans a corpus: a value with
/// chained setters.
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
    #[cfg_attr(feature = "serde", serde(default))]
    strip_boilerplate: bool,
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

    /// Whether to remove boilerplate (passages in a boilerplate passage
    /// cluster: site chrome, navigation, related-headline lists, prompts;
    /// see [`boilerplate`](crate::boilerplate)) from **every** document kept,
    /// the first copy included: what people preparing training text want.
    /// Defaults to false.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::clean::CleanOptions;
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// let chrome = "Sign up for the Morning Brief and get our top stories every day.";
    /// let stories = [
    ///     "Rain flooded the lower town overnight and the bridge stayed closed on Friday. \
    ///      Engineers expect to reopen it on Monday once the water has gone down.",
    ///     "The council approved the new school budget after a long evening session. \
    ///      Two members voted against it, saying the money for repairs was too little.",
    ///     "A rare owl was seen nesting in the old mill, to the delight of birdwatchers. \
    ///      The owners have closed the upper floor until the chicks are able to fly.",
    /// ];
    /// let pages: Vec<String> = stories.iter().map(|s| format!("{s}\n\n{chrome}")).collect();
    /// let report = Deduplicator::new(Config::new())?.run(&pages)?;
    /// let plan = report.cleaning_plan(CleanOptions::new().strip_boilerplate(true))?;
    /// for (i, story) in stories.iter().enumerate() {
    ///     assert_eq!(plan.clean_text(DocId::new(i as u32), &pages[i]).as_deref(), Some(*story));
    /// }
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn strip_boilerplate(mut self, on: bool) -> Self {
        self.strip_boilerplate = on;
        self
    }

    /// Whether boilerplate is stripped from every document.
    pub fn get_strip_boilerplate(&self) -> bool {
        self.strip_boilerplate
    }

    /// Drop a document when more than this fraction (0 to 1) of its passage
    /// bytes are duplicated (see the [module docs](crate::clean) for what
    /// counts). Defaults to `None`: never drop for that reason.
    ///
    /// 0.5 to 0.8 removes articles that are mostly wire copy or boilerplate
    /// around a line of their own; 0 drops every document with any
    /// duplicated passage; 1 never drops. Checked by
    /// [`CleaningPlan::new`](super::CleaningPlan::new).
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
