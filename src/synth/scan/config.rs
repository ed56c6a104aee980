//! [`ScanConfig`]: how many wire stories, how often each is reprinted, how
//! the papers cut and lay it out, and how much the scan damages it.

use crate::error::{Error, Result};

/// How to generate a scanned-reprint corpus; a plain value with chained
/// setters.
///
/// # Example
///
/// ```
/// use echodup::synth::ScanConfig;
///
/// let config = ScanConfig::new().num_stories(500).damage(0.05).seed(3);
/// assert_eq!(config.get_damage(), 0.05);
/// assert_eq!(config.get_columns(), (30, 45)); // default kept
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ScanConfig {
    num_stories: usize,
    seed: u64,
    reprinted: f64,
    max_printings: usize,
    damage: f64,
    columns: (usize, usize),
    new_headline: f64,
    cut: f64,
    breaks: f64,
    digests: f64,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig::new()
    }
}

impl ScanConfig {
    /// 1,000 wire stories, seed 0, 60% of them printed by 2–8 papers (the
    /// others by one), 2% of words damaged, columns of 30–45 characters,
    /// 60% of printings with a new headline, 50% cut, paragraph breaks lost
    /// or added at 15% of breaks, digests 5% of the documents.
    pub fn new() -> Self {
        ScanConfig {
            num_stories: 1_000,
            seed: 0,
            reprinted: 0.6,
            max_printings: 8,
            damage: 0.02,
            columns: (30, 45),
            new_headline: 0.6,
            cut: 0.5,
            breaks: 0.15,
            digests: 0.05,
        }
    }

    /// The number of wire stories. Defaults to 1,000; at least 1. With the
    /// other defaults a story gives about 3.4 documents.
    pub fn num_stories(mut self, n: usize) -> Self {
        self.num_stories = n;
        self
    }

    /// The seed. Defaults to 0.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The share of stories printed by more than one paper (0 to 1).
    /// Defaults to 0.6; the others appear once.
    pub fn reprinted(mut self, share: f64) -> Self {
        self.reprinted = share;
        self
    }

    /// The most papers that print one story (2 to 64). Defaults to 8; a
    /// reprinted story is printed by 2 to this many, uniformly.
    pub fn max_printings(mut self, n: usize) -> Self {
        self.max_printings = n;
        self
    }

    /// The share of words the scan damages (0 to 1): each word, with this
    /// probability, gets one OCR error (a look-alike character such as
    /// `0`/`o`, `1`/`l` or `rn`/`m`, a lost letter, a space inserted or a
    /// space lost). Defaults to 0.02.
    pub fn damage(mut self, share: f64) -> Self {
        self.damage = share;
        self
    }

    /// The narrowest and widest column, in characters (each paper has one
    /// width, drawn uniformly; 12 to 200, `min <= max`). Defaults to
    /// `(30, 45)`. Long words that do not fit at a line end are hyphenated.
    pub fn columns(mut self, min: usize, max: usize) -> Self {
        self.columns = (min, max);
        self
    }

    /// The share of printings with a headline of the paper's own (0 to 1).
    /// Defaults to 0.6.
    pub fn new_headline(mut self, share: f64) -> Self {
        self.new_headline = share;
        self
    }

    /// The share of printings cut for space (0 to 1): the last paragraphs
    /// go (the printing keeps 50–95% of the body), and some also lose one
    /// middle paragraph. Defaults to 0.5. The first printing of a story is
    /// never cut.
    pub fn cut(mut self, share: f64) -> Self {
        self.cut = share;
        self
    }

    /// The share of paragraph breaks lost in the scan, and of paragraphs
    /// split in two at a sentence end (0 to 1 each). Defaults to 0.15.
    pub fn breaks(mut self, share: f64) -> Self {
        self.breaks = share;
        self
    }

    /// Digests, as a share of the documents (0 to 0.5): a "news in brief"
    /// column of the lead paragraphs of three different stories, each in no
    /// truth cluster. They contain a part of several stories, the case that
    /// chains clusters under containment. Defaults to 0.05.
    pub fn digests(mut self, share: f64) -> Self {
        self.digests = share;
        self
    }

    /// The number of wire stories.
    pub fn get_num_stories(&self) -> usize {
        self.num_stories
    }

    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    /// The share of reprinted stories.
    pub fn get_reprinted(&self) -> f64 {
        self.reprinted
    }

    /// The most printings of one story.
    pub fn get_max_printings(&self) -> usize {
        self.max_printings
    }

    /// The share of damaged words.
    pub fn get_damage(&self) -> f64 {
        self.damage
    }

    /// The column widths.
    pub fn get_columns(&self) -> (usize, usize) {
        self.columns
    }

    /// The share of new headlines.
    pub fn get_new_headline(&self) -> f64 {
        self.new_headline
    }

    /// The share of cut printings.
    pub fn get_cut(&self) -> f64 {
        self.cut
    }

    /// The share of paragraph breaks lost (and of paragraphs split).
    pub fn get_breaks(&self) -> f64 {
        self.breaks
    }

    /// The share of digests.
    pub fn get_digests(&self) -> f64 {
        self.digests
    }

    pub(super) fn validate(&self) -> Result<()> {
        if self.num_stories == 0 || self.num_stories > 10_000_000 {
            return Err(Error::invalid_config(
                "num_stories",
                format!("({}) must be between 1 and 10,000,000", self.num_stories),
            ));
        }
        if !(2..=64).contains(&self.max_printings) {
            return Err(Error::invalid_config(
                "max_printings",
                format!("({}) must be between 2 and 64", self.max_printings),
            ));
        }
        let (lo, hi) = self.columns;
        if lo < 12 || hi > 200 || lo > hi {
            return Err(Error::invalid_config(
                "columns",
                format!("({lo}, {hi}) must satisfy 12 <= min <= max <= 200"),
            ));
        }
        for (name, x, max) in [
            ("reprinted", self.reprinted, 1.0),
            ("damage", self.damage, 1.0),
            ("new_headline", self.new_headline, 1.0),
            ("cut", self.cut, 1.0),
            ("breaks", self.breaks, 1.0),
            ("digests", self.digests, 0.5),
        ] {
            if !(0.0..=max).contains(&x) {
                return Err(Error::invalid_config(
                    name,
                    format!("({x}) must be between 0 and {max}"),
                ));
            }
        }
        Ok(())
    }
}
