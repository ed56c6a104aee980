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

mod config;
mod generator;
mod kind;
mod page;
mod plan;
mod plant;
mod rng;
mod text;
mod truth;
mod write;

pub use config::SynthConfig;
pub use generator::{Article, Articles, Generator, id, news_like};
pub use kind::{Kind, PassageKind};
pub use page::{Layout, PageConfig, PageGenerator, PageKind, page_id};
