//! [`Generator`]: plans a corpus from a [`SynthConfig`] and hands out its
//! articles one at a time ([`Articles`]) or all together; [`news_like`] for
//! just the texts.

use std::fmt;
use std::iter::FusedIterator;
use std::ops::Range;

use rayon::prelude::*;

use super::plan::{NUM_OUTLETS, Slot, plan};
use super::rng::{Rng, SALT_FOOTER};
use super::text::Vocabulary;
use super::{Kind, SynthConfig};
use crate::corpus::DocId;
use crate::error::Result;

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

/// One generated article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// `synth/` and the position, zero-padded to six digits (`synth/000123`;
    /// `page/000123` from [`PageGenerator`](super::PageGenerator)).
    pub id: String,
    /// The text: headline, blank line, paragraphs separated by blank lines
    /// (for pages, as the site lays them out).
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
    pub(super) config: SynthConfig,
    pub(super) plan: Vec<Slot>,
    pub(super) vocab: &'static Vocabulary,
    /// The footer lines of each outlet.
    pub(super) footers: Vec<Vec<String>>,
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("config", &self.config)
            .field("vocabulary", &self.vocab.len())
            .finish_non_exhaustive()
    }
}

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
                let mut rng = Rng::new(config.get_seed(), o, SALT_FOOTER);
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::config::Config;
    use crate::shingle::ShingleSet;

    pub(crate) fn generator(n: usize, seed: u64) -> Generator {
        Generator::new(SynthConfig::new().num_docs(n).seed(seed)).unwrap()
    }

    /// The shingle sets of `texts` under the default configuration.
    pub(crate) fn sets(texts: &[String]) -> Vec<ShingleSet> {
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
}
