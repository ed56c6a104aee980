//! Deterministic synthetic news corpora with planted duplicates and ground
//! truth, for benchmarks, tests and examples.
//!
//! - [`SynthConfig`]: how many articles, the seed, and how often each
//!   [`Kind`] of planted duplicate (or hard negative) occurs.
//! - [`Generator`]: turns a config into articles, one at a time
//!   ([`Generator::article`], [`Generator::articles`], so a million articles
//!   never need to be in memory at once) or all together
//!   ([`Generator::texts`]), and computes the [`GroundTruth`].
//! - [`GroundTruth`]: the planted clusters, every planted document pair with
//!   its exact Jaccard similarity, and the planted passage groups; written as
//!   JSON Lines by [`Generator::write_dir`] in the formats of the shared
//!   evaluation corpora (`truth.jsonl`, `pairs.jsonl`) plus `passages.jsonl`.
//!
//! # The text
//!
//! Words come from a fixed made-up vocabulary of 50,000 words (a few with
//! accented letters) drawn with Zipf frequencies (exponent 1), so frequent
//! words are short and common 5-word phrases recur as in real text. Each
//! article has a topic (a few topic words and names that recur in it), a
//! title-case headline, 4–11 body paragraphs of 30–90 words in sentences
//! with commas, numbers, dashes, possessives and quoted speech, and
//! sometimes its outlet's footer lines (boilerplate). Articles average about
//! 3.5 KB, so 1,000,000 articles are about 3.5 GB.
//!
//! # Planted duplicates
//!
//! Each article is an original or, with the rate set for its [`Kind`], made
//! from an earlier original (its *source*): see [`Kind`] for what each kind
//! does. An original and everything made from it form a *family*; every
//! pair of documents inside a family is a planted pair. With the default
//! rates about a quarter of the articles are planted.
//!
//! # Determinism
//!
//! Randomness comes only from SplitMix64 seeded by the config's seed and the
//! article's position, so the same config gives the same bytes on every
//! machine, for any thread count, and article `i` can be generated alone.
//!
//! # Example
//!
//! ```
//! use echodup::synth::{Generator, Kind, SynthConfig};
//!
//! let generator = Generator::new(SynthConfig::new().num_docs(1_000).seed(7))?;
//! let first = generator.articles().next().unwrap();
//! assert_eq!(first.id, "synth/000000");
//! let truth = generator.truth();
//! // Every syndicated copy is a near duplicate of its source.
//! for pair in truth.pairs() {
//!     if let Some((Kind::Syndicated, source)) = generator.origin(pair.b) {
//!         if source == pair.a {
//!             assert!(pair.jaccard >= 0.5);
//!         }
//!     }
//! }
//! # Ok::<(), echodup::Error>(())
//! ```

use std::collections::HashSet;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::iter::FusedIterator;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::analyze::Analyzer;
use crate::config::Config;
use crate::corpus::DocId;
use crate::error::{Error, Result};
use crate::hash::SplitMix64;
use crate::shingle::ShingleSet;
use crate::verify::Similarity;

/// `num_docs` news-like documents generated from `seed`: the texts of
/// [`Generator`] with the default rates ([`SynthConfig::new`]).
///
/// The same arguments give the same corpus on every machine.
///
/// # Panics
///
/// If `num_docs` is 0 or `u32::MAX` or more.
///
/// # Example
///
/// ```
/// let docs = echodup::synth::news_like(100, 7);
/// assert_eq!(docs.len(), 100);
/// assert_eq!(docs, echodup::synth::news_like(100, 7));
/// ```
pub fn news_like(num_docs: usize, seed: u64) -> Vec<String> {
    Generator::new(SynthConfig::new().num_docs(num_docs).seed(seed))
        .expect("news_like: num_docs must be between 1 and u32::MAX - 1")
        .texts()
}

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

    /// The name used in `truth.jsonl` (`"syndicated"`, `"negative-topic"`, ...).
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

    fn index(self) -> usize {
        self as usize
    }

    const fn default_rate(self) -> f64 {
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

/// How to generate a synthetic corpus; a plain value with chained setters.
///
/// # Example
///
/// ```
/// use echodup::synth::{Kind, SynthConfig};
///
/// let config = SynthConfig::new()
///     .num_docs(10_000)
///     .seed(3)
///     .rate(Kind::Wire, 0.10)
///     .rate(Kind::Exact, 0.0)
///     .boilerplate(0.5);
/// assert_eq!(config.get_rate(Kind::Wire), 0.10);
/// assert_eq!(config.get_rate(Kind::Syndicated), 0.04); // default kept
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    num_docs: usize,
    seed: u64,
    rates: [f64; Kind::ALL.len()],
    boilerplate: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig::new()
    }
}

impl SynthConfig {
    /// 1,000 articles, seed 0, the default rates (see [`rate`](Self::rate))
    /// and boilerplate on 30% of the articles.
    pub fn new() -> Self {
        SynthConfig {
            num_docs: 1_000,
            seed: 0,
            rates: Kind::ALL.map(Kind::default_rate),
            boilerplate: 0.3,
        }
    }

    /// The number of articles. Defaults to 1,000. Tuned for 1,000 to
    /// 1,000,000; anything from 1 to `u32::MAX - 1` is accepted.
    pub fn num_docs(mut self, n: usize) -> Self {
        self.num_docs = n;
        self
    }

    /// The seed. Defaults to 0. Different seeds give unrelated corpora over
    /// the same vocabulary.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The fraction of articles of `kind` (0 to 1; the rates together at
    /// most 1). Defaults: exact 1%, variant 2%, syndicated 4%, paragraphs 2%,
    /// doubled 2%, repeated block 2%, wire copies 5%, quote 3%, same-topic
    /// negatives 2%, developing stories 2%. An article that would need a
    /// source before any original exists becomes an original.
    pub fn rate(mut self, kind: Kind, rate: f64) -> Self {
        self.rates[kind.index()] = rate;
        self
    }

    /// The fraction of articles that end with their outlet's footer lines
    /// (boilerplate shared by very many articles). Defaults to 0.3.
    pub fn boilerplate(mut self, rate: f64) -> Self {
        self.boilerplate = rate;
        self
    }

    /// The number of articles.
    pub fn get_num_docs(&self) -> usize {
        self.num_docs
    }

    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    /// The rate of `kind`.
    pub fn get_rate(&self, kind: Kind) -> f64 {
        self.rates[kind.index()]
    }

    /// The boilerplate rate.
    pub fn get_boilerplate(&self) -> f64 {
        self.boilerplate
    }

    fn validate(&self) -> Result<()> {
        if self.num_docs == 0 || self.num_docs >= u32::MAX as usize {
            return Err(Error::invalid_config(
                "num_docs",
                format!("({}) must be between 1 and {}", self.num_docs, u32::MAX - 1),
            ));
        }
        for kind in Kind::ALL {
            let r = self.get_rate(kind);
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::invalid_config(
                    "rate",
                    format!("of {kind} ({r}) must be between 0 and 1"),
                ));
            }
        }
        let sum: f64 = self.rates.iter().sum();
        if sum > 1.0 + 1e-9 {
            return Err(Error::invalid_config(
                "rate",
                format!("sum ({sum}) must be at most 1"),
            ));
        }
        if !(0.0..=1.0).contains(&self.boilerplate) {
            return Err(Error::invalid_config(
                "boilerplate",
                format!("({}) must be between 0 and 1", self.boilerplate),
            ));
        }
        Ok(())
    }
}

/// One generated article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// `synth/` and the position, zero-padded to six digits (`synth/000123`).
    pub id: String,
    /// The text: headline, blank line, paragraphs separated by blank lines.
    pub text: String,
}

/// The id of the article at `index`: `synth/000123`.
pub fn id(index: usize) -> String {
    format!("synth/{index:06}")
}

/// Generates the articles and ground truth of a [`SynthConfig`].
///
/// Construction plans the corpus (which article copies which, about 12 bytes
/// per article); text is generated on demand, so [`articles`](Self::articles)
/// streams any number of articles in constant memory and
/// [`article`](Self::article) is random access.
#[derive(Clone)]
pub struct Generator {
    config: SynthConfig,
    plan: Vec<Slot>,
    vocab: &'static Vocabulary,
    footers: Vec<Vec<String>>,
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("config", &self.config)
            .field("vocabulary", &self.vocab.len())
            .finish_non_exhaustive()
    }
}

/// One planned article.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// `None` for an original.
    kind: Option<Kind>,
    /// The source (an earlier original) of a planted article.
    source: u32,
    outlet: u8,
    footer: bool,
    /// Whether another article copies passages of this one (its passages
    /// then go into the passage ground truth).
    is_source: bool,
}

/// Where a passage of a generated article comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Written for this article only (or edited).
    Own,
    /// Verbatim (up to normalization) paragraph `para` of original `root`
    /// (0 is the headline).
    Body(u32, u32),
    /// Footer line `line` of outlet `outlet`.
    Footer(u8, u8),
}

const NUM_OUTLETS: u64 = 16;
const NUM_TOPICS: u64 = 2_000;
const TOPIC_WORDS: u64 = 30;
const TOPIC_NAMES: u64 = 4;
const SOURCE_WINDOW: usize = 4_096;
const SALT_PLAN: u64 = 1;
const SALT_STORY: u64 = 2;
const SALT_TOPIC: u64 = 3;
const SALT_EDIT: u64 = 4;
const SALT_FOOTER: u64 = 5;

impl Generator {
    /// Plans the corpus of `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if the
    /// number of articles is 0 or `u32::MAX` or more, a rate is outside 0–1,
    /// or the rates add up to more than 1.
    pub fn new(config: SynthConfig) -> Result<Self> {
        config.validate()?;
        let vocab = Vocabulary::get();
        let footers = (0..NUM_OUTLETS)
            .map(|o| {
                let mut rng = Rng::new(config.seed, o, SALT_FOOTER);
                (0..1 + o % 3)
                    .map(|_| {
                        let mut s = String::new();
                        let words = rng.between(6, 18) as usize;
                        vocab.sentence(&mut rng, o as u32, words, '.', &mut s);
                        s
                    })
                    .collect()
            })
            .collect();
        let plan = plan(&config);
        Ok(Generator {
            config,
            plan,
            vocab,
            footers,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The number of articles.
    pub fn len(&self) -> usize {
        self.plan.len()
    }

    /// Always false: a corpus has at least one article.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// The kind and source of article `doc`, or `None` for an original.
    /// The source of a [`Kind::RepeatedBlock`] article is the article itself.
    ///
    /// # Panics
    ///
    /// If `doc` is not an article of the corpus.
    pub fn origin(&self, doc: DocId) -> Option<(Kind, DocId)> {
        let slot = &self.plan[doc.as_usize()];
        slot.kind.map(|k| (k, DocId::new(slot.source)))
    }

    /// The text of article `index`.
    ///
    /// # Panics
    ///
    /// If `index` is not an article of the corpus.
    pub fn text(&self, index: usize) -> String {
        self.render(index as u32).text
    }

    /// Article `index`, with its id.
    ///
    /// # Panics
    ///
    /// If `index` is not an article of the corpus.
    pub fn article(&self, index: usize) -> Article {
        Article {
            id: id(index),
            text: self.text(index),
        }
    }

    /// Every article in order, generated one at a time.
    pub fn articles(&self) -> Articles<'_> {
        Articles {
            generator: self,
            range: 0..self.len(),
        }
    }

    /// Every text, generated in parallel on the current rayon pool (the
    /// result does not depend on the thread count).
    pub fn texts(&self) -> Vec<String> {
        (0..self.len())
            .into_par_iter()
            .map(|i| self.text(i))
            .collect()
    }

    /// The ground truth, with Jaccard similarities over the shingles of the
    /// default [`Config`] (word 5-shingles, news normalization).
    ///
    /// Regenerates every article (in parallel on the current rayon pool) and
    /// analyzes the members of every family, so it costs about as much as
    /// generating and analyzing the corpus once.
    pub fn truth(&self) -> GroundTruth {
        let analyzer = Analyzer::new(&Config::new()).expect("the default config is valid");
        self.truth_with(&analyzer)
    }

    /// The ground truth with similarities computed by `analyzer`.
    pub fn truth_with(&self, analyzer: &Analyzer) -> GroundTruth {
        // Families: each original with everything made from it.
        let mut links: Vec<(u32, u32, Kind)> = self
            .plan
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.kind {
                Some(k) if k.joins_family() => Some((s.source, i as u32, k)),
                _ => None,
            })
            .collect();
        links.sort_unstable_by_key(|&(root, member, _)| (root, member));
        let mut families: Vec<(u32, Vec<(u32, Kind)>)> = Vec::new();
        for &(root, member, kind) in &links {
            match families.last_mut() {
                Some((r, members)) if *r == root => members.push((member, kind)),
                _ => families.push((root, vec![(member, kind)])),
            }
        }
        let mut clusters = Vec::new();
        for (root, members) in &families {
            for kind in Kind::ALL {
                let ids: Vec<DocId> = members
                    .iter()
                    .filter(|m| m.1 == kind)
                    .map(|m| DocId::new(m.0))
                    .collect();
                if !ids.is_empty() {
                    let mut all = vec![DocId::new(*root)];
                    all.extend(ids);
                    clusters.push(PlantedCluster { kind, members: all });
                }
            }
        }
        let pairs: Vec<PlantedPair> = families
            .par_iter()
            .flat_map_iter(|(root, members)| {
                let docs: Vec<u32> = std::iter::once(*root)
                    .chain(members.iter().map(|m| m.0))
                    .collect();
                let sets: Vec<ShingleSet> = docs
                    .iter()
                    .map(|&d| analyzer.analyze(&self.text(d as usize)).shingles().clone())
                    .collect();
                let mut out = Vec::with_capacity(docs.len() * (docs.len() - 1) / 2);
                for i in 0..docs.len() {
                    for j in i + 1..docs.len() {
                        out.push(PlantedPair {
                            a: DocId::new(docs[i]),
                            b: DocId::new(docs[j]),
                            jaccard: Similarity::exact(&sets[i], &sets[j]).jaccard,
                        });
                    }
                }
                out
            })
            .collect();
        let mut pairs = pairs;
        pairs.sort_unstable_by_key(|p| (p.a, p.b));

        // Passage groups: every passage whose origin is shared.
        let mut entries: Vec<(u64, u32, u32)> = (0..self.len() as u32)
            .into_par_iter()
            .flat_map_iter(|i| {
                let doc = self.render(i);
                doc.origins
                    .into_iter()
                    .enumerate()
                    .filter_map(move |(p, o)| {
                        let key = match o {
                            Origin::Own => return None,
                            Origin::Body(root, para) => {
                                if !self.plan[root as usize].is_source {
                                    return None;
                                }
                                ((root as u64) << 32) | para as u64
                            }
                            Origin::Footer(outlet, line) => {
                                (u64::from(u32::MAX) << 32) | ((outlet as u64) << 8) | line as u64
                            }
                        };
                        Some((key, i, p as u32))
                    })
            })
            .collect();
        entries.par_sort_unstable();
        let mut passage_groups = Vec::new();
        for run in entries.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 {
                continue;
            }
            let kind = if run[0].0 >> 32 == u64::from(u32::MAX) {
                PassageKind::Boilerplate
            } else if run.windows(2).any(|w| w[0].1 == w[1].1) {
                PassageKind::Repeat
            } else {
                PassageKind::Copy
            };
            passage_groups.push(PassageGroup {
                kind,
                members: run
                    .iter()
                    .map(|&(_, d, p)| crate::corpus::PassageId::new(DocId::new(d), p))
                    .collect(),
            });
        }
        GroundTruth {
            clusters,
            pairs,
            passage_groups,
        }
    }

    /// Writes the corpus and its ground truth into `dir` (created if
    /// missing): `corpus.jsonl` (`{"id", "text"}` per article, streamed),
    /// `truth.jsonl`, `pairs.jsonl` (pairs with Jaccard ≥ 0.5, the semantics
    /// of the shared corpora) and `passages.jsonl`. Returns the ground truth.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the file that failed.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<GroundTruth> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
        let write = |name: &str, f: &dyn Fn(&mut dyn Write) -> io::Result<()>| -> Result<()> {
            let path = dir.join(name);
            let file = std::fs::File::create(&path).map_err(|e| Error::io("writing", &path, e))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            f(&mut w)
                .and_then(|()| w.flush())
                .map_err(|e| Error::io("writing", &path, e))
        };
        write("corpus.jsonl", &|w| self.write_corpus(w))?;
        let truth = self.truth();
        write("truth.jsonl", &|w| truth.write_clusters(w))?;
        write("pairs.jsonl", &|w| truth.write_pairs(w, 0.5))?;
        write("passages.jsonl", &|w| truth.write_passages(w))?;
        Ok(truth)
    }

    /// Writes every article as a JSON line `{"id": ..., "text": ...}`,
    /// generating batches in parallel and writing them in order.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_corpus(&self, w: &mut dyn Write) -> io::Result<()> {
        const BATCH: usize = 4_096;
        let mut line = String::new();
        for start in (0..self.len()).step_by(BATCH) {
            let end = (start + BATCH).min(self.len());
            let texts: Vec<String> = (start..end).into_par_iter().map(|i| self.text(i)).collect();
            for (i, text) in (start..end).zip(texts) {
                line.clear();
                line.push_str("{\"id\": \"");
                line.push_str(&id(i));
                line.push_str("\", \"text\": ");
                push_json_string(&text, &mut line);
                line.push_str("}\n");
                w.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    }

    // ---- rendering ----

    fn topic_of(&self, i: u32) -> u32 {
        (Rng::new(self.config.seed, i as u64, SALT_TOPIC).next() % NUM_TOPICS) as u32
    }

    /// The story of original `root`: headline and body paragraphs.
    fn story(&self, root: u32) -> Story {
        let mut rng = Rng::new(self.config.seed, root as u64, SALT_STORY);
        self.vocab.story(&mut rng, self.topic_of(root))
    }

    fn push_footer(&self, i: u32, doc: &mut Doc) {
        let slot = &self.plan[i as usize];
        if slot.footer {
            for (l, line) in self.footers[slot.outlet as usize].iter().enumerate() {
                doc.push(line, Origin::Footer(slot.outlet, l as u8));
            }
        }
    }

    /// An original article: story, then footer.
    fn original(&self, i: u32) -> Doc {
        let story = self.story(i);
        let mut doc = Doc::with_capacity(story.text.len() + 256);
        for p in 0..story.len() {
            doc.push(story.para(p), Origin::Body(i, p as u32));
        }
        self.push_footer(i, &mut doc);
        doc
    }

    fn render(&self, i: u32) -> Doc {
        let slot = self.plan[i as usize];
        let Some(kind) = slot.kind else {
            return self.original(i);
        };
        let src = slot.source;
        let mut rng = Rng::new(self.config.seed, i as u64, SALT_EDIT);
        let vocab = self.vocab;
        let body = |p: usize| Origin::Body(src, p as u32);
        match kind {
            Kind::Exact => self.original(src),
            Kind::Variant => {
                let doc = self.original(src);
                Doc {
                    text: restyle(&doc.text, &mut rng),
                    origins: doc.origins,
                }
            }
            Kind::Syndicated | Kind::Wire => {
                let story = self.story(src);
                let mut doc = Doc::with_capacity(story.text.len() + 256);
                let new_headline = rng.chance(if kind == Kind::Wire { 0.4 } else { 0.3 });
                if new_headline {
                    let mut h = String::new();
                    vocab.headline(&mut rng, story.topic, &mut h);
                    doc.push(&h, Origin::Own);
                } else {
                    doc.push(story.para(0), body(0));
                }
                // Syndicated: edits at a per-article rate; wire: 0–3 edits in all.
                let words: usize = (1..story.len()).map(|p| story.words(p)).sum();
                let edits_total = if kind == Kind::Wire {
                    if rng.chance(0.5) {
                        0
                    } else {
                        rng.between(1, 3) as usize
                    }
                } else {
                    let rate = 0.002 + 0.028 * rng.unit();
                    ((words as f64 * rate).round() as usize).max(1)
                };
                let mut edits = vec![0usize; story.len()];
                for _ in 0..edits_total {
                    edits[1 + rng.below(story.len() as u64 - 1) as usize] += 1;
                }
                let mut last = story.len();
                if kind == Kind::Wire && story.len() > 6 && rng.chance(0.2) {
                    // Cut the last paragraph (two of nine or more).
                    last -= if story.len() > 9 {
                        rng.between(1, 2)
                    } else {
                        1
                    } as usize;
                }
                let mut buf = String::new();
                for (p, &e) in edits.iter().enumerate().take(last).skip(1) {
                    if e == 0 {
                        doc.push(story.para(p), body(p));
                    } else {
                        buf.clear();
                        vocab.edit(story.para(p), e, &mut rng, &mut buf);
                        doc.push(&buf, Origin::Own);
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Paragraphs => {
                let story = self.story(src);
                let b = story.len() - 1;
                // One or two changes (two only from eight paragraphs on).
                let (mut drop, mut add) = (0, 0);
                for _ in 0..rng.between(1, (b as u64 / 4).clamp(1, 2)) {
                    if rng.chance(0.5) { drop += 1 } else { add += 1 }
                }
                let mut keep = vec![true; story.len()];
                while keep.iter().filter(|k| !**k).count() < drop {
                    keep[1 + rng.below(b as u64) as usize] = false;
                }
                let mut added_at = vec![0usize; story.len() + 1];
                for _ in 0..add {
                    added_at[1 + rng.below(b as u64 + 1) as usize] += 1;
                }
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                let mut buf = String::new();
                doc.push(story.para(0), body(0));
                for p in 1..=story.len() {
                    for _ in 0..added_at[p] {
                        buf.clear();
                        vocab.paragraph(&mut rng, story.topic, &mut buf);
                        doc.push(&buf, Origin::Own);
                    }
                    if p < story.len() && keep[p] {
                        doc.push(story.para(p), body(p));
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Doubled => {
                let story = self.story(src);
                let mut doc = Doc::with_capacity(2 * story.text.len() + 256);
                doc.push(story.para(0), body(0));
                for _ in 0..2 {
                    for p in 1..story.len() {
                        doc.push(story.para(p), body(p));
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::RepeatedBlock => {
                let story = self.story(i);
                let b = story.len() - 1;
                let start = 1 + rng.below(b as u64) as usize;
                let len = rng.between(1, (b + 1 - start).min(3) as u64) as usize;
                let run = start..start + len;
                let at = if rng.chance(0.5) {
                    run.end
                } else {
                    story.len()
                };
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                let own = |p: usize| Origin::Body(i, p as u32);
                for p in 0..=story.len() {
                    if p == at {
                        for q in run.clone() {
                            doc.push(story.para(q), own(q));
                        }
                    }
                    if p < story.len() {
                        doc.push(story.para(p), own(p));
                    }
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Quote => {
                let story = self.story(i);
                let source = self.story(src);
                let q = 1 + rng.below(source.len() as u64 - 1) as usize;
                let at = 1 + rng.below(story.len() as u64 - 1) as usize;
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                for p in 0..story.len() {
                    if p == at {
                        doc.push(source.para(q), body(q));
                    }
                    doc.push(story.para(p), Origin::Own);
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Topic => {
                let story = vocab.story(&mut rng, self.topic_of(src));
                let mut doc = Doc::with_capacity(story.text.len() + 256);
                for p in 0..story.len() {
                    doc.push(story.para(p), Origin::Own);
                }
                self.push_footer(i, &mut doc);
                doc
            }
            Kind::Developing => {
                let story = self.story(src);
                let b = story.len() - 1;
                let keep = ((b as f64 * (0.3 + 0.5 * rng.unit())).round() as usize).clamp(1, b);
                let mut doc = Doc::with_capacity(story.text.len() + 1024);
                let mut buf = String::new();
                buf.clear();
                vocab.headline(&mut rng, story.topic, &mut buf);
                doc.push(&buf, Origin::Own);
                if rng.chance(0.7) {
                    buf.clear();
                    vocab.paragraph(&mut rng, story.topic, &mut buf);
                    doc.push(&buf, Origin::Own);
                }
                for p in 1..=keep {
                    if rng.chance(0.4) {
                        buf.clear();
                        let e = rng.between(1, 2) as usize;
                        vocab.edit(story.para(p), e, &mut rng, &mut buf);
                        doc.push(&buf, Origin::Own);
                    } else {
                        doc.push(story.para(p), body(p));
                    }
                }
                for _ in 0..rng.between(2, 5) {
                    buf.clear();
                    vocab.paragraph(&mut rng, story.topic, &mut buf);
                    doc.push(&buf, Origin::Own);
                }
                self.push_footer(i, &mut doc);
                doc
            }
        }
    }
}

/// Plans every article: its kind, source, outlet and footer.
fn plan(config: &SynthConfig) -> Vec<Slot> {
    let n = config.num_docs;
    let mut rng = Rng::new(config.seed, u64::MAX, SALT_PLAN);
    let mut plan: Vec<Slot> = Vec::with_capacity(n);
    // Recent originals that later articles may copy (a ring buffer).
    let mut recent: Vec<u32> = Vec::with_capacity(SOURCE_WINDOW);
    let mut recent_next = 0;
    // Active wire stories: (root, copies still to come).
    let mut wires: Vec<(u32, u32)> = Vec::new();
    let cumulative: Vec<(f64, Kind)> = Kind::ALL
        .iter()
        .scan(0.0, |acc, &k| {
            *acc += config.get_rate(k);
            Some((*acc, k))
        })
        .collect();
    for i in 0..n as u32 {
        let outlet = rng.below(NUM_OUTLETS) as u8;
        let footer = rng.chance(config.boilerplate);
        let u = rng.unit();
        let mut kind = cumulative.iter().find(|c| u < c.0).map(|c| c.1);
        let mut source = 0;
        match kind {
            None => {}
            Some(Kind::RepeatedBlock) => source = i,
            Some(Kind::Wire) => {
                if wires.is_empty() {
                    // This article becomes a new wire story.
                    wires.push((i, rng.between(10, 100) as u32));
                    kind = None;
                } else {
                    let w = rng.below(wires.len() as u64) as usize;
                    source = wires[w].0;
                    wires[w].1 -= 1;
                    if wires[w].1 == 0 {
                        wires.swap_remove(w);
                    }
                    if wires.len() < 3 && rng.chance(0.02) {
                        // Sometimes a second story runs at the same time.
                        wires.push((i, rng.between(10, 100) as u32));
                        kind = None;
                    }
                }
            }
            Some(_) => {
                if recent.is_empty() {
                    kind = None;
                } else {
                    source = recent[rng.below(recent.len() as u64) as usize];
                }
            }
        }
        if kind.is_none() {
            if recent.len() < SOURCE_WINDOW {
                recent.push(i);
            } else {
                recent[recent_next] = i;
                recent_next = (recent_next + 1) % SOURCE_WINDOW;
            }
        }
        if matches!(kind, Some(k) if k != Kind::RepeatedBlock) {
            plan[source as usize].is_source = true;
        }
        plan.push(Slot {
            kind,
            source,
            outlet,
            footer,
            is_source: kind == Some(Kind::RepeatedBlock),
        });
    }
    plan
}

/// An article being assembled: text and the origin of each passage.
struct Doc {
    text: String,
    origins: Vec<Origin>,
}

impl Doc {
    fn with_capacity(n: usize) -> Self {
        Doc {
            text: String::with_capacity(n),
            origins: Vec::with_capacity(24),
        }
    }

    fn push(&mut self, para: &str, origin: Origin) {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(para);
        self.origins.push(origin);
    }
}

/// A headline and body paragraphs in one buffer.
struct Story {
    text: String,
    paras: Vec<Range<usize>>,
    topic: u32,
}

impl Story {
    /// Paragraphs, the headline (0) included.
    fn len(&self) -> usize {
        self.paras.len()
    }

    fn para(&self, p: usize) -> &str {
        &self.text[self.paras[p].clone()]
    }

    fn words(&self, p: usize) -> usize {
        self.para(p).split(' ').count()
    }
}

/// Iterator over the articles of a [`Generator`], in order.
#[derive(Clone, Debug)]
pub struct Articles<'a> {
    generator: &'a Generator,
    range: Range<usize>,
}

impl Iterator for Articles<'_> {
    type Item = Article;

    fn next(&mut self) -> Option<Article> {
        self.range.next().map(|i| self.generator.article(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl ExactSizeIterator for Articles<'_> {}
impl FusedIterator for Articles<'_> {}

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
    /// The name used in `passages.jsonl`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PassageKind::Repeat => "repeat",
            PassageKind::Copy => "copy",
            PassageKind::Boilerplate => "boilerplate",
        }
    }
}

/// A planted cluster: a source and the articles of one [`Kind`] made from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlantedCluster {
    /// How the members were made from the source.
    pub kind: Kind,
    /// The source first, then the others in order.
    pub members: Vec<DocId>,
}

/// A planted document pair (both in one family), `a < b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlantedPair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Exact Jaccard similarity of their shingle sets.
    pub jaccard: f64,
}

/// A planted group of identical (after normalization) passages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassageGroup {
    /// What the group is.
    pub kind: PassageKind,
    /// The passages (positions as [`Segmenter`](crate::segment::Segmenter)
    /// counts them), in input order.
    pub members: Vec<crate::corpus::PassageId>,
}

/// Everything planted in a generated corpus.
///
/// - Clusters: one per source and kind, sorted by source then kind; the same
///   source heads several clusters when it was copied in several ways.
///   Clusters of [`Kind::Topic`] and [`Kind::Developing`] are hard negatives,
///   not duplicate clusters.
/// - Pairs: every pair of documents within a family (an original and
///   everything made from it), with exact Jaccard, sorted by `(a, b)`. No
///   two documents outside one family reach Jaccard 0.5 (a test checks this
///   against all pairs), so filtered at 0.5 this is the complete list of the
///   shared corpora's `pairs.jsonl`.
/// - Passage groups: passages that are verbatim (up to normalization) copies
///   of one paragraph or footer line, in order of their source. Lightly
///   edited copies are not listed.
#[derive(Clone, Debug, PartialEq)]
pub struct GroundTruth {
    clusters: Vec<PlantedCluster>,
    pairs: Vec<PlantedPair>,
    passage_groups: Vec<PassageGroup>,
}

impl GroundTruth {
    /// The planted clusters.
    pub fn clusters(&self) -> &[PlantedCluster] {
        &self.clusters
    }

    /// The planted document pairs, all of them (also those below 0.5).
    pub fn pairs(&self) -> &[PlantedPair] {
        &self.pairs
    }

    /// The planted passage groups.
    pub fn passage_groups(&self) -> &[PassageGroup] {
        &self.passage_groups
    }

    /// Writes `truth.jsonl`: `{"cluster": "syndicated/000123", "ids": [...],
    /// "kind": "syndicated"}` per cluster.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_clusters(&self, w: &mut dyn Write) -> io::Result<()> {
        for c in &self.clusters {
            let ids: Vec<String> = c
                .members
                .iter()
                .map(|d| format!("\"{}\"", id(d.as_usize())))
                .collect();
            writeln!(
                w,
                "{{\"cluster\": \"{}/{:06}\", \"ids\": [{}], \"kind\": \"{}\"}}",
                c.kind,
                c.members[0].as_usize(),
                ids.join(", "),
                c.kind
            )?;
        }
        Ok(())
    }

    /// Writes `pairs.jsonl`: `{"a": id, "b": id, "jaccard": x}` for every
    /// planted pair with Jaccard at least `min_jaccard`; `x` is written in
    /// full (shortest round-trip form), so it equals a recomputation.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_pairs(&self, w: &mut dyn Write, min_jaccard: f64) -> io::Result<()> {
        for p in self.pairs.iter().filter(|p| p.jaccard >= min_jaccard) {
            writeln!(
                w,
                "{{\"a\": \"{}\", \"b\": \"{}\", \"jaccard\": {:?}}}",
                id(p.a.as_usize()),
                id(p.b.as_usize()),
                p.jaccard
            )?;
        }
        Ok(())
    }

    /// Writes `passages.jsonl`: `{"group": "g0", "kind": "repeat",
    /// "members": [{"id": ..., "passage": i}, ...]}` per group.
    ///
    /// # Errors
    ///
    /// Any error of `w`.
    pub fn write_passages(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut line = String::new();
        for (g, group) in self.passage_groups.iter().enumerate() {
            line.clear();
            line.push_str(&format!(
                "{{\"group\": \"g{g}\", \"kind\": \"{}\", \"members\": [",
                group.kind.as_str()
            ));
            for (k, m) in group.members.iter().enumerate() {
                if k > 0 {
                    line.push_str(", ");
                }
                line.push_str(&format!(
                    "{{\"id\": \"{}\", \"passage\": {}}}",
                    id(m.doc.as_usize()),
                    m.index
                ));
            }
            line.push_str("]}\n");
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// Appends `s` as a JSON string literal (quotes included).
fn push_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

// ---- randomness ----

/// SplitMix64 with the helpers the generator needs.
struct Rng(SplitMix64);

impl Rng {
    /// A stream for `(seed, index, salt)`: independent of every other
    /// article, so any article can be generated alone.
    fn new(seed: u64, index: u64, salt: u64) -> Self {
        let mut mix = SplitMix64::new(
            seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        Rng(SplitMix64::new(mix.next_u64()))
    }

    #[inline]
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n > 0`).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

// ---- vocabulary and text ----

const VOCAB_SIZE: usize = 50_000;
/// Ranks below this are drawn from one table of 2^16 slots (78% of the
/// words); the rest from a second table of 2^14 slots, uniformly between
/// the ranks of neighbouring slots. Small tables stay in cache: one table of
/// 2^20 slots made generation 40% slower.
const HEAD_RANKS: usize = 4_096;
const TAIL: u16 = u16::MAX;
/// Rank of the word used for "said" in quoted speech.
const SAID: usize = 9;

/// The made-up vocabulary, shared by every generator (it does not depend on
/// the seed).
struct Vocabulary {
    text: String,
    /// Word `r` is `text[starts[r]..starts[r + 1]]`.
    starts: Vec<u32>,
    /// Inverse CDF of the Zipf distribution, 2^16 slots: a rank below
    /// `HEAD_RANKS`, or `TAIL`.
    head: Vec<u16>,
    /// Inverse CDF of the ranks from `HEAD_RANKS` on, 2^14 + 1 slots.
    tail: Vec<u16>,
}

impl Vocabulary {
    fn get() -> &'static Vocabulary {
        static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
        VOCAB.get_or_init(Vocabulary::build)
    }

    fn build() -> Vocabulary {
        const ONSETS: [&str; 22] = [
            "", "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
            "br", "st", "tr", "gr", "sh",
        ];
        const VOWELS: [&str; 9] = ["a", "e", "i", "o", "u", "a", "e", "ai", "ou"];
        const CODAS: [&str; 9] = ["", "", "", "n", "r", "s", "l", "m", "nd"];
        const ACCENTS: [(char, char); 5] =
            [('a', 'á'), ('e', 'é'), ('i', 'í'), ('o', 'ó'), ('u', 'ü')];
        let mut rng = Rng::new(0x5EED, 0, 0);
        let mut seen = HashSet::with_capacity(VOCAB_SIZE);
        let mut text = String::with_capacity(VOCAB_SIZE * 9);
        let mut starts = Vec::with_capacity(VOCAB_SIZE + 1);
        let mut w = String::new();
        while starts.len() < VOCAB_SIZE {
            let r = starts.len();
            let syllables = match r {
                0..60 => 1,
                60..2_500 => 2,
                2_500..20_000 => 3,
                _ => 3 + rng.below(2) as usize,
            };
            w.clear();
            for _ in 0..syllables {
                w.push_str(ONSETS[rng.below(ONSETS.len() as u64) as usize]);
                w.push_str(VOWELS[rng.below(VOWELS.len() as u64) as usize]);
                w.push_str(CODAS[rng.below(CODAS.len() as u64) as usize]);
            }
            if r >= 5_000 && rng.chance(0.01) {
                // An accented vowel, never first, so capitalizing stays ASCII.
                if let Some((at, c)) = w.char_indices().skip(1).find(|(_, c)| "aeiou".contains(*c))
                {
                    let accented = ACCENTS.iter().find(|a| a.0 == c).expect("a vowel").1;
                    w.replace_range(at..at + 1, accented.encode_utf8(&mut [0; 4]));
                }
            }
            if w.len() >= 2 - usize::from(r < 20) && seen.insert(w.clone()) {
                starts.push(text.len() as u32);
                text.push_str(&w);
            }
        }
        starts.push(text.len() as u32);
        // Zipf with exponent 1 (only IEEE arithmetic, so the tables are the
        // same everywhere).
        let weights: Vec<f64> = (0..VOCAB_SIZE).map(|r| 1.0 / (r + 1) as f64).collect();
        let head = inverse_cdf(&weights, 1 << 16)
            .into_iter()
            .map(|r| if (r as usize) < HEAD_RANKS { r } else { TAIL })
            .collect();
        let mut tail: Vec<u16> = inverse_cdf(&weights[HEAD_RANKS..], 1 << 14)
            .into_iter()
            .map(|r| r + HEAD_RANKS as u16)
            .collect();
        tail.push(VOCAB_SIZE as u16 - 1);
        Vocabulary {
            text,
            starts,
            head,
            tail,
        }
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    #[inline]
    fn word(&self, r: usize) -> &str {
        &self.text[self.starts[r] as usize..self.starts[r + 1] as usize]
    }

    #[inline]
    fn zipf_word(&self, x: u64, rng: &mut Rng) -> &str {
        let mut r = self.head[(x & 0xFFFF) as usize];
        if r == TAIL {
            let y = rng.next();
            let j = (y >> 50) as usize;
            let (lo, hi) = (self.tail[j] as u64, self.tail[j + 1] as u64);
            r = (lo + (((y & 0xFFFF_FFFF) * (hi - lo + 1)) >> 32)) as u16;
        }
        self.word(r as usize)
    }

    /// Word `k` of topic `t` (a rarer word that recurs in its stories).
    fn topic_word(&self, t: u32, k: u64) -> &str {
        let h = Rng::new(t as u64, k, 0x70).next();
        self.word(800 + (h % (VOCAB_SIZE as u64 - 800)) as usize)
    }

    /// Name `k` of topic `t` (written capitalized).
    fn topic_name(&self, t: u32, k: u64) -> &str {
        let h = Rng::new(t as u64, k, 0x71).next();
        self.word(3_000 + (h % (VOCAB_SIZE as u64 - 3_000)) as usize)
    }

    fn story(&self, rng: &mut Rng, topic: u32) -> Story {
        let mut text = String::with_capacity(4096);
        let mut paras = Vec::with_capacity(16);
        self.headline(rng, topic, &mut text);
        paras.push(0..text.len());
        for _ in 0..rng.between(4, 11) {
            text.push_str("\n\n");
            let start = text.len();
            self.paragraph(rng, topic, &mut text);
            paras.push(start..text.len());
        }
        Story { text, paras, topic }
    }

    fn headline(&self, rng: &mut Rng, topic: u32, out: &mut String) {
        for k in 0..rng.between(5, 10) {
            if k > 0 {
                out.push(' ');
            }
            let x = rng.next();
            let w = if (x >> 40) % 10 < 3 {
                self.topic_word(topic, (x >> 50) % TOPIC_WORDS)
            } else {
                self.zipf_word(x, rng)
            };
            push_capitalized(w, out);
        }
    }

    fn paragraph(&self, rng: &mut Rng, topic: u32, out: &mut String) {
        let mut remaining = rng.between(30, 90) as usize;
        let quote = rng.chance(0.3);
        let mut first = true;
        while remaining > 0 {
            let mut len = (rng.between(8, 22) as usize).min(remaining);
            if remaining - len < 5 {
                len = remaining;
            }
            remaining -= len;
            if !first {
                out.push(' ');
            }
            if quote && len >= 6 && rng.chance(0.5) {
                out.push('"');
                self.sentence(rng, topic, len - 3, ',', out);
                out.push_str("\" ");
                out.push_str(self.word(SAID));
                for k in 0..2 {
                    out.push(' ');
                    let name = self.topic_name(topic, rng.below(TOPIC_NAMES) + k);
                    push_capitalized(name, out);
                }
                out.push('.');
            } else {
                self.sentence(rng, topic, len, '.', out);
            }
            first = false;
        }
    }

    /// A sentence of `words` words ending with `end`.
    ///
    /// Words are chosen for up to 32 positions before any is written, so the
    /// table lookups (cache misses, mostly) overlap instead of queueing.
    fn sentence(&self, rng: &mut Rng, topic: u32, words: usize, end: char, out: &mut String) {
        const CHUNK: usize = 32;
        let mut xs = [0u64; CHUNK];
        let mut ws = [""; CHUNK];
        for first in (0..words).step_by(CHUNK) {
            let m = (words - first).min(CHUNK);
            for (x, w) in xs.iter_mut().zip(ws.iter_mut()).take(m) {
                *x = rng.next();
                let choice = (*x >> 20) & 0xFFF;
                *w = if choice < 60 {
                    ""
                } else if choice < 330 {
                    self.topic_word(topic, (*x >> 40) % TOPIC_WORDS)
                } else if choice < 380 {
                    self.topic_name(topic, (*x >> 40) % TOPIC_NAMES)
                } else {
                    self.zipf_word(*x, rng)
                };
            }
            for (j, (&x, &w)) in xs.iter().zip(ws.iter()).take(m).enumerate() {
                let k = first + j;
                if k > 0 {
                    if (x >> 56) < 2 {
                        out.push_str(" - ");
                    } else {
                        out.push(' ');
                    }
                }
                let choice = (x >> 20) & 0xFFF;
                if choice < 60 {
                    push_number(x >> 32, out);
                } else {
                    push_word(w, k == 0 || (330..380).contains(&choice), out);
                }
                if (x >> 44) & 0xFF < 3 {
                    out.push_str("'s");
                }
                if k + 1 < words && (x >> 52) & 0xF == 0 {
                    out.push(',');
                }
            }
        }
        out.push(end);
    }

    /// `para` with `edits` word substitutions, deletions and insertions.
    fn edit(&self, para: &str, edits: usize, rng: &mut Rng, out: &mut String) {
        let mut tokens: Vec<&str> = para.split(' ').collect();
        for _ in 0..edits {
            let at = rng.below(tokens.len() as u64) as usize;
            let x = rng.next();
            let w = self.zipf_word(x, rng);
            match (x >> 60) % 5 {
                0..=2 => tokens[at] = w,
                3 if tokens.len() > 5 => {
                    tokens.remove(at);
                }
                _ => tokens.insert(at, w),
            }
        }
        for (k, t) in tokens.iter().enumerate() {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(t);
        }
    }
}

fn push_word(w: &str, capitalize: bool, out: &mut String) {
    if capitalize {
        push_capitalized(w, out);
    } else {
        out.push_str(w);
    }
}

/// Words start with an ASCII letter.
fn push_capitalized(w: &str, out: &mut String) {
    let b = w.as_bytes();
    out.push(b[0].to_ascii_uppercase() as char);
    out.push_str(&w[1..]);
}

fn push_number(x: u64, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match x % 4 {
        0 => write!(out, "{}", 2 + x % 98),
        1 => write!(out, "{},{:03}", 1 + (x >> 8) % 99, (x >> 16) % 1000),
        2 => write!(out, "{}.{}", 1 + (x >> 8) % 20, (x >> 16) % 10),
        _ => write!(out, "{}", 1950 + (x >> 8) % 75),
    };
}

/// Renders `text` with other quotes, dashes, spaces, line ends, case,
/// full-width letters and decomposed accents: different bytes, the same
/// normalized text (and the same passages).
fn restyle(text: &str, rng: &mut Rng) -> String {
    let flags = loop {
        let f = rng.next() & 0x7F;
        if f.count_ones() >= 3 {
            break f;
        }
    };
    let on = |bit: u32| flags & (1 << bit) != 0;
    let (curly, dashes, spaces, crlf, upper_head, fullwidth, decompose) =
        (on(0), on(1), on(2), on(3), on(4), on(5), on(6));
    let head_end = text.find("\n\n").unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut open = true;
    let mut wide = false;
    let mut prev_space = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let pos = text.len() - rest.len();
        rest = &rest[c.len_utf8()..];
        if prev_space && c != ' ' {
            wide = fullwidth && rng.chance(0.05);
        }
        prev_space = c == ' ' || c == '\n';
        match c {
            '"' if curly => {
                out.push(if open { '\u{201C}' } else { '\u{201D}' });
                open = !open;
            }
            '\'' if curly => out.push('\u{2019}'),
            ' ' if dashes && rest.starts_with("- ") => {
                rest = &rest[2..];
                out.push_str(if rng.chance(0.5) {
                    "\u{2014}"
                } else {
                    " \u{2014} "
                });
            }
            ' ' if spaces => {
                let x = rng.below(10);
                out.push_str(match x {
                    0 | 1 => "\u{00A0}",
                    2 => "  ",
                    _ => " ",
                });
            }
            '\n' if crlf => out.push_str("\r\n"),
            _ => {
                let c = if upper_head && pos < head_end {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                if wide && c.is_ascii_alphanumeric() {
                    out.push(char::from_u32(c as u32 - 0x21 + 0xFF01).expect("full-width form"));
                } else if decompose && let Some(d) = decomposed(c) {
                    out.push_str(d);
                } else if upper_head && pos < head_end && !c.is_ascii() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Slot `j` of `slots` holds the index whose cumulative weight first
/// reaches `(j + 0.5) / slots` of the total.
fn inverse_cdf(weights: &[f64], slots: usize) -> Vec<u16> {
    let total: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(slots);
    let (mut i, mut cum) = (0usize, weights[0] / total);
    for j in 0..slots {
        let target = (j as f64 + 0.5) / slots as f64;
        while cum < target && i + 1 < weights.len() {
            i += 1;
            cum += weights[i] / total;
        }
        out.push(i as u16);
    }
    out
}

/// The canonical decomposition of the accented letters of the vocabulary.
fn decomposed(c: char) -> Option<&'static str> {
    Some(match c {
        'á' => "a\u{301}",
        'é' => "e\u{301}",
        'í' => "i\u{301}",
        'ó' => "o\u{301}",
        'ü' => "u\u{308}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Normalizer;
    use crate::segment::Segmenter;

    fn generator(n: usize, seed: u64) -> Generator {
        Generator::new(SynthConfig::new().num_docs(n).seed(seed)).unwrap()
    }

    fn sets(texts: &[String]) -> Vec<ShingleSet> {
        let a = Analyzer::new(&Config::new()).unwrap();
        texts
            .par_iter()
            .map(|t| a.analyze(t).shingles().clone())
            .collect()
    }

    #[test]
    fn same_seed_same_output_other_seed_other_output() {
        let a = generator(300, 1);
        let b = generator(300, 1);
        assert_eq!(a.texts(), b.texts());
        assert_eq!(a.truth(), b.truth());
        let c = generator(300, 2);
        assert_ne!(a.texts(), c.texts());
        // Random access, streaming and batch agree.
        let streamed: Vec<String> = a.articles().map(|x| x.text).collect();
        assert_eq!(streamed, a.texts());
        assert_eq!(a.article(17).text, a.texts()[17]);
        assert_eq!(a.article(17).id, "synth/000017");
    }

    #[test]
    fn texts_do_not_depend_on_thread_count() {
        let g = generator(500, 4);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| (g.texts(), g.truth()));
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| (g.texts(), g.truth()));
        assert_eq!(one, three);
    }

    #[test]
    fn sizes_match_the_news_model() {
        let vocab = Vocabulary::get();
        assert_eq!(vocab.len(), VOCAB_SIZE);
        let distinct: HashSet<&str> = (0..VOCAB_SIZE).map(|r| vocab.word(r)).collect();
        assert_eq!(distinct.len(), VOCAB_SIZE);
        let g = Generator::new(SynthConfig::new().num_docs(3_000).seed(9)).unwrap();
        let texts = g.texts();
        assert_eq!(texts.len(), 3_000);
        let mean = texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64;
        assert!(
            (3_000.0..4_000.0).contains(&mean),
            "mean article {mean} bytes"
        );
        let n = Normalizer::news();
        for (i, t) in texts.iter().enumerate().take(200) {
            if g.origin(DocId::new(i as u32)).is_none() {
                let paras: Vec<&str> = t.split("\n\n").collect();
                assert!(paras.len() >= 5, "{i}: {} paragraphs", paras.len());
                for p in &paras[1..] {
                    if p.len() > 200 {
                        let words = n.normalize(p).split(' ').count();
                        assert!((25..=110).contains(&words), "{i}: {words} words: {p}");
                    }
                }
            }
        }
        // Every kind is planted at 3,000 articles.
        for kind in Kind::ALL {
            let count = (0..3_000u32)
                .filter(|&i| matches!(g.origin(DocId::new(i)), Some((k, _)) if k == kind))
                .count();
            assert!(count > 10, "{kind}: {count}");
        }
    }

    #[test]
    fn config_is_validated() {
        assert!(Generator::new(SynthConfig::new().num_docs(0)).is_err());
        assert!(Generator::new(SynthConfig::new().rate(Kind::Wire, 1.5)).is_err());
        assert!(Generator::new(SynthConfig::new().rate(Kind::Wire, 0.9)).is_err());
        assert!(Generator::new(SynthConfig::new().boilerplate(-0.1)).is_err());
        let none = Kind::ALL
            .iter()
            .fold(SynthConfig::new().num_docs(50), |c, &k| c.rate(k, 0.0));
        let g = Generator::new(none).unwrap();
        assert!((0..50).all(|i| g.origin(DocId::new(i)).is_none()));
        assert!(g.truth().pairs().is_empty());
    }

    #[test]
    fn every_planted_kind_has_the_stated_similarity() {
        let g = generator(3_000, 21);
        let texts = g.texts();
        let sets = sets(&texts);
        let seg = Segmenter::default();
        let mut seen = HashSet::new();
        for b in 0..texts.len() {
            let Some((kind, a)) = g.origin(DocId::new(b as u32)) else {
                continue;
            };
            seen.insert(kind);
            let a = a.as_usize();
            if kind == Kind::RepeatedBlock {
                assert_eq!(a, b);
                let spans = seg.spans(&texts[b]);
                let paras: HashSet<&str> = spans.iter().map(|s| &texts[b][s.clone()]).collect();
                assert!(paras.len() < spans.len(), "{b} repeats a paragraph");
                seen.insert(kind);
                continue;
            }
            assert!(a < b);
            assert!(
                g.origin(DocId::new(a as u32)).is_none(),
                "sources are originals"
            );
            let j = Similarity::exact(&sets[a], &sets[b]).jaccard;
            let ok = match kind {
                Kind::Exact => texts[a] == texts[b],
                Kind::Variant => {
                    j == 1.0
                        && texts[a] != texts[b]
                        && seg.spans(&texts[a]).len() == seg.spans(&texts[b]).len()
                }
                Kind::Syndicated | Kind::Paragraphs | Kind::Wire => j >= 0.5,
                Kind::Doubled => j >= 0.8,
                Kind::Topic => j < 0.1,
                Kind::Developing => (0.05..0.95).contains(&j),
                Kind::Quote => j < 0.2,
                Kind::RepeatedBlock => unreachable!(),
            };
            assert!(ok, "{kind} {a} -> {b}: jaccard {j}");
        }
        assert_eq!(seen.len(), Kind::ALL.len());
    }

    #[test]
    fn pairs_are_exact_and_complete_at_half() {
        let g = generator(1_500, 5);
        let texts = g.texts();
        let sets = sets(&texts);
        let truth = g.truth();
        let planted: HashSet<(usize, usize)> = truth
            .pairs()
            .iter()
            .map(|p| (p.a.as_usize(), p.b.as_usize()))
            .collect();
        for p in truth.pairs() {
            assert!(p.a < p.b);
            let j = Similarity::exact(&sets[p.a.as_usize()], &sets[p.b.as_usize()]).jaccard;
            assert_eq!(p.jaccard, j, "{p:?}");
        }
        // No pair outside the planted ones reaches 0.5 (exact all-pairs).
        let outside: Vec<(usize, usize, f64)> = (0..sets.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let sets = &sets;
                let planted = &planted;
                (i + 1..sets.len()).filter_map(move |j| {
                    let s = Similarity::exact(&sets[i], &sets[j]).jaccard;
                    (s >= 0.5 && !planted.contains(&(i, j))).then_some((i, j, s))
                })
            })
            .collect();
        assert!(outside.is_empty(), "unplanted pairs: {outside:?}");
        assert!(truth.pairs().iter().filter(|p| p.jaccard >= 0.8).count() > 100);
        assert!(
            truth
                .pairs()
                .iter()
                .any(|p| (0.5..0.8).contains(&p.jaccard))
        );
    }

    #[test]
    fn passage_groups_are_identical_after_normalization() {
        let g = generator(1_000, 8);
        let texts = g.texts();
        let truth = g.truth();
        let seg = Segmenter::default();
        let n = Normalizer::news();
        let passage = |d: usize, p: u32| {
            let spans = seg.spans(&texts[d]);
            n.normalize(&texts[d][spans[p as usize].clone()])
        };
        let mut kinds = HashSet::new();
        for group in truth.passage_groups() {
            kinds.insert(group.kind);
            assert!(group.members.len() >= 2);
            let first = passage(group.members[0].doc.as_usize(), group.members[0].index);
            assert!(!first.is_empty());
            for m in &group.members[1..] {
                assert_eq!(passage(m.doc.as_usize(), m.index), first, "{group:?}");
            }
        }
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        let biggest = truth
            .passage_groups()
            .iter()
            .filter(|g| g.kind == PassageKind::Boilerplate)
            .map(|g| g.members.len())
            .max()
            .unwrap();
        assert!(biggest > 10, "boilerplate shared by {biggest}");
        // Every doubled body is a run of repeats.
        for (i, _) in texts.iter().enumerate() {
            if let Some((Kind::Doubled, _)) = g.origin(DocId::new(i as u32)) {
                assert!(
                    truth
                        .passage_groups()
                        .iter()
                        .any(|gr| gr.kind == PassageKind::Repeat
                            && gr.members.iter().filter(|m| m.doc.as_usize() == i).count() == 2)
                );
            }
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        push_json_string("a\"b\\c\nd\re\tf\u{1}g “h”", &mut s);
        assert_eq!(s, r#""a\"b\\c\nd\re\tf\u0001g “h”""#);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v.as_str().unwrap(), "a\"b\\c\nd\re\tf\u{1}g “h”");
    }

    #[test]
    fn written_files_parse_and_match() {
        let dir = tempfile::tempdir().unwrap();
        let g = generator(400, 3);
        let truth = g.write_dir(dir.path()).unwrap();
        let read = |name: &str| -> Vec<serde_json::Value> {
            std::fs::read_to_string(dir.path().join(name))
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        let corpus = read("corpus.jsonl");
        assert_eq!(corpus.len(), 400);
        for (i, line) in corpus.iter().enumerate() {
            assert_eq!(line["id"], id(i));
            assert_eq!(line["text"].as_str().unwrap(), g.text(i));
        }
        let pairs = read("pairs.jsonl");
        let raw = std::fs::read_to_string(dir.path().join("pairs.jsonl")).unwrap();
        let expected: Vec<&PlantedPair> =
            truth.pairs().iter().filter(|p| p.jaccard >= 0.5).collect();
        assert_eq!(pairs.len(), expected.len());
        for ((line, p), text) in pairs.iter().zip(expected).zip(raw.lines()) {
            assert_eq!(line["a"], id(p.a.as_usize()));
            assert_eq!(line["b"], id(p.b.as_usize()));
            // serde_json's default float parsing is not exact; std's is.
            let x = text.rsplit(": ").next().unwrap().trim_end_matches('}');
            assert_eq!(x.parse::<f64>().unwrap(), p.jaccard);
        }
        assert_eq!(read("truth.jsonl").len(), truth.clusters().len());
        assert_eq!(read("passages.jsonl").len(), truth.passage_groups().len());
    }
}
