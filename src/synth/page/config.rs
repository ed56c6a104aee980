//! [`PageConfig`]: how many pages, how many sites, and how often each kind
//! of planted copy, doubled scrape and brief occurs.

use crate::error::{Error, Result};

/// How to generate a page-shaped corpus; a plain value with chained setters.
///
/// # Example
///
/// ```
/// use echodup::synth::PageConfig;
///
/// let config = PageConfig::new().num_pages(20_000).sites(6).briefs(0.4).seed(3);
/// assert_eq!(config.get_sites(), 6);
/// assert_eq!(config.get_syndicated(), 0.15); // default kept
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PageConfig {
    num_pages: usize,
    seed: u64,
    sites: usize,
    briefs: f64,
    syndicated: f64,
    resend: f64,
    doubled: f64,
    edited: f64,
    cut: f64,
    hard_wrap: bool,
    heavy_chrome: bool,
}

impl Default for PageConfig {
    fn default() -> Self {
        PageConfig::new()
    }
}

impl PageConfig {
    /// 1,000 pages on 6 sites, seed 0, 40% briefs, 15% syndicated copies,
    /// 2% re-sends, 3% doubled scrapes, 30% of syndicated copies edited, 25%
    /// of long syndicated copies cut, one hard-wrapped site.
    pub fn new() -> Self {
        PageConfig {
            num_pages: 1_000,
            seed: 0,
            sites: 6,
            briefs: 0.4,
            syndicated: 0.15,
            resend: 0.02,
            doubled: 0.03,
            edited: 0.3,
            cut: 0.25,
            hard_wrap: true,
            heavy_chrome: false,
        }
    }

    /// Heavier chrome on every page, to stress what separates chrome from
    /// content: a site-wide "support our journalism" paragraph of about 45
    /// words of prose, and a "Trending now" list of five more headlines of
    /// other stories. A brief then carries about twice as much chrome as
    /// story. Off by default.
    pub fn heavy_chrome(mut self, on: bool) -> Self {
        self.heavy_chrome = on;
        self
    }

    /// Whether pages carry the heavier chrome.
    pub fn get_heavy_chrome(&self) -> bool {
        self.heavy_chrome
    }

    /// The number of pages. Defaults to 1,000; 1 to `u32::MAX - 1`.
    pub fn num_pages(mut self, n: usize) -> Self {
        self.num_pages = n;
        self
    }

    /// The seed. Defaults to 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of sites, each with its own chrome and layout (2 to 200).
    /// Defaults to 6. Site `s` writes one paragraph per line unless
    /// `s % 3 == 1` (blank-line paragraphs) or `s == 3` with
    /// [`hard_wrap`](Self::hard_wrap) on (blank-line paragraphs wrapped at
    /// 72 characters).
    pub fn sites(mut self, n: usize) -> Self {
        self.sites = n;
        self
    }

    /// The share of stories that are two-paragraph briefs (0 to 1). Defaults
    /// to 0.4. On a brief the chrome outweighs the content.
    pub fn briefs(mut self, share: f64) -> Self {
        self.briefs = share;
        self
    }

    /// The share of pages that are syndicated copies of an earlier story on
    /// another site (0 to 1). Defaults to 0.15.
    pub fn syndicated(mut self, share: f64) -> Self {
        self.syndicated = share;
        self
    }

    /// The share of pages that are byte-identical re-sends of an earlier page
    /// (0 to 1). Defaults to 0.02.
    pub fn resend(mut self, share: f64) -> Self {
        self.resend = share;
        self
    }

    /// The share of originals and syndicated copies whose body was scraped
    /// twice into the record (0 to 1). Defaults to 0.03.
    pub fn doubled(mut self, share: f64) -> Self {
        self.doubled = share;
        self
    }

    /// The share of syndicated copies with light word edits in one to three
    /// paragraphs (0 to 1). Defaults to 0.3.
    pub fn edited(mut self, share: f64) -> Self {
        self.edited = share;
        self
    }

    /// The share of syndicated copies of stories with four or more body
    /// paragraphs whose last one or two paragraphs are cut (0 to 1).
    /// Defaults to 0.25.
    pub fn cut(mut self, share: f64) -> Self {
        self.cut = share;
        self
    }

    /// Whether site 3 hard-wraps its paragraphs (when there are at least four
    /// sites). Defaults to true.
    pub fn hard_wrap(mut self, on: bool) -> Self {
        self.hard_wrap = on;
        self
    }

    /// The number of pages.
    pub fn get_num_pages(&self) -> usize {
        self.num_pages
    }

    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    /// The number of sites.
    pub fn get_sites(&self) -> usize {
        self.sites
    }

    /// The share of briefs.
    pub fn get_briefs(&self) -> f64 {
        self.briefs
    }

    /// The share of syndicated copies.
    pub fn get_syndicated(&self) -> f64 {
        self.syndicated
    }

    /// The share of re-sends.
    pub fn get_resend(&self) -> f64 {
        self.resend
    }

    /// The share of doubled scrapes.
    pub fn get_doubled(&self) -> f64 {
        self.doubled
    }

    /// The share of edited syndicated copies.
    pub fn get_edited(&self) -> f64 {
        self.edited
    }

    /// The share of cut syndicated copies.
    pub fn get_cut(&self) -> f64 {
        self.cut
    }

    /// Whether site 3 hard-wraps.
    pub fn get_hard_wrap(&self) -> bool {
        self.hard_wrap
    }

    pub(super) fn validate(&self) -> Result<()> {
        if self.num_pages == 0 || self.num_pages >= u32::MAX as usize {
            return Err(Error::invalid_config(
                "num_pages",
                format!(
                    "({}) must be between 1 and {}",
                    self.num_pages,
                    u32::MAX - 1
                ),
            ));
        }
        if !(2..=200).contains(&self.sites) {
            return Err(Error::invalid_config(
                "sites",
                format!("({}) must be between 2 and 200", self.sites),
            ));
        }
        for (name, x) in [
            ("briefs", self.briefs),
            ("syndicated", self.syndicated),
            ("resend", self.resend),
            ("doubled", self.doubled),
            ("edited", self.edited),
            ("cut", self.cut),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(Error::invalid_config(
                    name,
                    format!("({x}) must be between 0 and 1"),
                ));
            }
        }
        if self.syndicated + self.resend > 1.0 + 1e-9 {
            return Err(Error::invalid_config(
                "syndicated",
                format!(
                    "plus resend ({}) must be at most 1",
                    self.syndicated + self.resend
                ),
            ));
        }
        Ok(())
    }
}
