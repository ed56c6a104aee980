//! What gets planted: [`Kind`] (how an article is made from its source)
//! and [`PassageKind`] (what a planted passage group is), with the names the
//! truth files use.

use std::fmt;

/// A kind of planted relation between an article and its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// A byte-identical re-send of the source.
    Exact,
    /// The source rendered differently: curly quotes, em dashes,
    /// non-breaking and doubled spaces, CRLF line ends, an upper-case
    /// headline, full-width letters and decomposed accents. Identical after
    /// normalization (Jaccard 1).
    Variant,
    /// A syndicated copy: 0.2–3% of the words substituted, inserted or
    /// deleted, sometimes a new headline, another outlet's footer (Jaccard
    /// about 0.6–1).
    Syndicated,
    /// The source with one paragraph dropped or one new paragraph added (two
    /// such changes from eight body paragraphs on).
    Paragraphs,
    /// A scraped page whose body appears twice (headline, body, body), with
    /// its own outlet's footer.
    Doubled,
    /// An original article in which a run of one to three paragraphs is
    /// repeated (not a copy of anything: in-document repeats only).
    RepeatedBlock,
    /// A copy of a wire story: each wire story gets 10–100 copies, lightly
    /// edited, some with a new headline or the last paragraphs cut.
    Wire,
    /// An original article that quotes one paragraph of the source verbatim
    /// (a cross-document passage copy; the documents are not duplicates).
    Quote,
    /// Hard negative: a new article on the same topic as the source (shares
    /// topic words and names, not text).
    Topic,
    /// Hard negative (or near duplicate, depending on the threshold): an
    /// update of a developing story that keeps 30–80% of the source's
    /// paragraphs, some lightly edited, with a new headline and new
    /// paragraphs.
    Developing,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 10] = [
        Kind::Exact,
        Kind::Variant,
        Kind::Syndicated,
        Kind::Paragraphs,
        Kind::Doubled,
        Kind::RepeatedBlock,
        Kind::Wire,
        Kind::Quote,
        Kind::Topic,
        Kind::Developing,
    ];

    /// The name used in `truth.jsonl` (`"syndicated"`, `"negative-topic"`,
    /// ...; the [`kind`](crate::eval::TruthCluster::kind) of a planted
    /// cluster).
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::Variant => "variant",
            Kind::Syndicated => "syndicated",
            Kind::Paragraphs => "paragraphs",
            Kind::Doubled => "doubled",
            Kind::RepeatedBlock => "repeated-block",
            Kind::Wire => "wire",
            Kind::Quote => "quote",
            Kind::Topic => "negative-topic",
            Kind::Developing => "developing",
        }
    }

    /// Whether an article of this kind joins its source's family (and so
    /// forms planted document pairs). `RepeatedBlock` has no source and
    /// `Quote` shares a single passage.
    pub const fn joins_family(self) -> bool {
        !matches!(self, Kind::RepeatedBlock | Kind::Quote)
    }

    /// Whether the kind is meant as a duplicate of its source at the usual
    /// thresholds (not a hard negative).
    pub const fn is_duplicate(self) -> bool {
        !matches!(self, Kind::Topic | Kind::Developing | Kind::Quote)
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }

    /// The rate of [`SynthConfig::new`](super::SynthConfig::new).
    pub(super) const fn default_rate(self) -> f64 {
        match self {
            Kind::Exact => 0.01,
            Kind::Variant => 0.02,
            Kind::Syndicated => 0.04,
            Kind::Paragraphs => 0.02,
            Kind::Doubled => 0.02,
            Kind::RepeatedBlock => 0.02,
            Kind::Wire => 0.05,
            Kind::Quote => 0.03,
            Kind::Topic => 0.02,
            Kind::Developing => 0.02,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a planted passage group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PassageKind {
    /// The same paragraph more than once inside one article (doubled bodies,
    /// repeated blocks); may also include copies in other articles.
    Repeat,
    /// The same paragraph in several articles (copies, wire, quotes).
    Copy,
    /// An outlet's footer line, shared by very many articles.
    Boilerplate,
}

impl PassageKind {
    /// The name used in `passages.jsonl` (the
    /// [`kind`](crate::eval::TruthPassageGroup::kind) of a planted group).
    pub const fn as_str(self) -> &'static str {
        match self {
            PassageKind::Repeat => "repeat",
            PassageKind::Copy => "copy",
            PassageKind::Boilerplate => "boilerplate",
        }
    }
}
