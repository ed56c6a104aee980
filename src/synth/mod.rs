//! Deterministic synthetic news corpora with planted duplicates and ground
//! truth, for benchmarks, tests and examples.
//!
//! - [`SynthConfig`]: how many articles, the seed, and how often each
//!   [`Kind`] of planted duplicate (or hard negative) occurs.
//! - [`Generator`]: turns a config into articles, one at a time
//!   ([`Generator::article`], [`Generator::articles`], so a million articles
//!   never need to be in memory at once) or all together
//!   ([`Generator::texts`]), and computes the ground truth
//!   ([`Generator::truth`]).
//! - The ground truth is an [`eval::GroundTruth`](crate::eval::GroundTruth)
//!   (the type [`eval`](crate::eval) reads and measures against): the
//!   planted clusters, every planted document pair with its exact Jaccard
//!   similarity, and the planted passage groups. [`Generator::write_dir`]
//!   writes it as JSON Lines in the formats of the shared evaluation corpora
//!   (`truth.jsonl`, `pairs.jsonl`) plus `passages.jsonl`, next to the
//!   corpus.
//! - [`news_like`]: just the texts, for benchmarks and tests.
//! - [`PageConfig`] and [`PageGenerator`]: page-shaped corpora (see
//!   [below](#page-shaped-corpora)), with [`PageKind`] and [`Layout`].
//! - [`ScanConfig`] and [`ScanGenerator`]: scanned newspaper reprints (see
//!   [below](#scanned-reprint-corpora)).
//!
//! Development tooling: needs the `tools` feature (turned on by `cli`).
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
//! # Page-shaped corpora
//!
//! [`PageGenerator`] writes news pages as scrapers collect them, beside
//! (not instead of) [`Generator`], whose output does not change. Each of
//! [`PageConfig::sites`] sites (default 6) has a made-up name, a layout
//! ([`Layout`]: one paragraph per line with no blank lines on most sites,
//! blank-line paragraphs on sites `s % 3 == 1`, paragraphs hard-wrapped at 72
//! characters on site 3) and chrome in its own formats: header lines (an
//! advertisement marker, a site-name line, a "Listen to this article" line,
//! a byline with authors and a date, in a site-specific order around the
//! headline), then the body, then a footer: a section link line ("More In
//! Politics MORE..."), 3–5 headlines of *other* stories of the same site
//! (drawn per page, so different on every page), a newsletter prompt and a
//! copyright line. Stories are the same made-up news text as above; a
//! [`briefs`](PageConfig::briefs) share (default 40%) are two-paragraph
//! briefs, the others have 4–10 body paragraphs.
//!
//! Planted: syndicated copies of a story on another site
//! ([`PageKind::Syndicated`]: the same body in that site's chrome and
//! layout; 30% with a new headline, some with light word edits or the last
//! paragraphs cut), byte-identical re-sends ([`PageKind::Resend`]) and
//! doubled scrapes (the body twice in one page, [`PageGenerator::is_doubled`]).
//! Different stories on one site share only chrome: hard negatives.
//!
//! Its ground truth ([`PageGenerator::truth`], files by
//! [`PageGenerator::write_dir`]) is content-level in the clusters
//! (`truth.jsonl`, kinds `syndicated` and `resend`: pages that copy one
//! story, never two stories). `pairs.jsonl` keeps the meaning it has for
//! every corpus, exact word-5-shingle Jaccard over the whole text, chrome
//! included, and lists the pairs of pages of one story at or above 0.5; a
//! syndicated copy may fall below 0.5 through chrome alone, and pages of
//! different stories are never listed. `passages.jsonl` holds the shared
//! body paragraphs (`copy`), every doubled scrape as one `repeat` group per
//! body paragraph, and each site's newsletter and copyright lines
//! (`boilerplate`).
//!
//! # Scanned-reprint corpora
//!
//! [`ScanGenerator`] writes what a newspaper archive holds after OCR, the
//! setting of the NEWS-COPY benchmark (Silcock et al. 2023): wire stories
//! (the same made-up news text) printed by one paper or by 2–8 of 60 papers
//! ([`ScanConfig::reprinted`], [`ScanConfig::max_printings`]). Each
//! printing after the first may get the paper's own headline (60%), be cut
//! for space (50%: the last paragraphs go, keeping 50–95% of the body, and
//! sometimes one middle paragraph) and have a few copy-editor word edits.
//! Each paper sets its column at a width of 30–45 characters
//! ([`ScanConfig::columns`]), hyphenating long words at line ends, and half
//! set headlines in capitals. The scan then loses or adds paragraph breaks
//! ([`ScanConfig::breaks`]) and damages a share of words
//! ([`ScanConfig::damage`]) with one OCR error each: a look-alike
//! character (`0`/`o`, `1`/`l`, `rn`/`m`, `e`/`c`, `d`/`cl`, ...), a lost
//! letter, a space inserted or a space lost. Digests ([`ScanConfig::digests`])
//! quote the headline and lead paragraph of three stories. Stories share
//! topics three to a topic, so unrelated stories share names and topic
//! words.
//!
//! Truth ([`ScanGenerator::truth`]): one cluster per story printed more than
//! once (kind `"reprint"`); digests and stories printed once are in no
//! cluster. Documents are shuffled, so a story's printings are not
//! neighbours.
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
//!
//! Pages:
//!
//! ```
//! use echodup::synth::{PageConfig, PageGenerator, PageKind};
//!
//! let pages = PageGenerator::new(PageConfig::new().num_pages(500).seed(7))?;
//! let truth = pages.truth();
//! for cluster in truth.clusters() {
//!     // A truth cluster is one story, told on one site or several.
//!     let story = pages.story(cluster.members[0]);
//!     assert!(cluster.members.iter().all(|&m| pages.story(m) == story));
//!     if cluster.kind == PageKind::Syndicated.as_str() {
//!         let sites = cluster.members.iter().map(|&m| pages.site(m));
//!         assert!(sites.collect::<std::collections::HashSet<_>>().len() > 1);
//!     }
//! }
//! # Ok::<(), echodup::Error>(())
//! ```

mod config;
mod generator;
mod kind;
mod page;
mod plan;
mod plant;
mod rng;
mod scan;
mod text;
mod truth;
mod write;

pub use config::SynthConfig;
pub use generator::{Article, Articles, Generator, id, news_like};
pub use kind::{Kind, PassageKind};
pub use page::{Layout, PageConfig, PageGenerator, PageKind, page_id};
pub use scan::{ScanConfig, ScanGenerator, scan_id};
