//! Stages 1–3 for one document: segment, normalize each passage, shingle.
//!
//! [`Analyzer::analyze`] turns a document's text into an [`AnalyzedDocument`]:
//! its passages (byte spans into the original text, token counts, shingle
//! sets) and the shingle set of the whole document. The document's tokens are
//! its passages' tokens in order (joined by one space with character
//! shingles), so document shingles run across paragraph breaks, as they would
//! over the normalized text of the whole document.

use std::ops::Range;

use crate::config::Config;
use crate::error::Result;
use crate::normalize::Normalizer;
use crate::segment::Segmenter;
use crate::shingle::{ShingleSet, Shingler};

/// Runs normalization, segmentation and shingling with one configuration.
///
/// # Example
///
/// ```
/// use echodup::{Analyzer, Config};
///
/// let analyzer = Analyzer::new(&Config::new().shingle_size(3))?;
/// let doc = analyzer.analyze("Title here\n\nOne two three four.");
/// assert_eq!(doc.passages().len(), 2);
/// assert_eq!(doc.passages()[1].span(), 12..31);
/// assert_eq!(doc.passages()[1].tokens(), 4);
/// assert_eq!(doc.passages()[1].shingles().len(), 2);
/// assert_eq!(doc.shingles().len(), 4); // 6 words across both passages
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analyzer {
    normalizer: Normalizer,
    segmenter: Segmenter,
    shingler: Shingler,
}

impl Analyzer {
    /// An analyzer for `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if the config is invalid.
    pub fn new(config: &Config) -> Result<Self> {
        config.validate()?;
        Ok(Analyzer {
            normalizer: config.get_normalizer(),
            segmenter: Segmenter::new(config.get_segmentation()),
            shingler: Shingler::new(config.get_shingling(), config.get_seed()),
        })
    }

    /// The shingler in use.
    pub fn shingler(&self) -> &Shingler {
        &self.shingler
    }

    /// The normalizer in use.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The shingle set of one passage's text, as [`analyze`](Self::analyze)
    /// computes it for each passage.
    pub(crate) fn passage_set(&self, passage: &str) -> ShingleSet {
        let mut normalized = String::new();
        self.normalizer.normalize_into(passage, &mut normalized);
        let mut tokens = Vec::new();
        self.shingler.tokens_into(&normalized, &mut tokens);
        let mut shingles = Vec::new();
        self.shingler
            .shingles_from_tokens_into(&tokens, &mut shingles);
        ShingleSet::from_hashes(shingles)
    }

    /// Analyzes one document. Never fails: any text, however odd, has a
    /// documented outcome (an empty or blank text has no passages and an
    /// empty shingle set).
    pub fn analyze(&self, text: &str) -> AnalyzedDocument {
        let n = self.shingler.shingling().size();
        let mut normalized = String::new();
        let mut doc_tokens: Vec<u64> = Vec::new();
        let mut tokens: Vec<u64> = Vec::new();
        let mut shingles: Vec<u64> = Vec::new();
        // Shingles of the whole document: first every window inside one
        // passage (they are that passage's shingles, already hashed), then
        // the windows that cross a passage break.
        let mut doc_shingles: Vec<u64> = Vec::new();
        // Token ranges of the passages within `doc_tokens`.
        let mut ranges: Vec<Range<usize>> = Vec::new();
        let mut passages = Vec::new();
        self.segmenter.for_each_span(text, |span| {
            self.normalizer
                .normalize_into(&text[span.clone()], &mut normalized);
            tokens.clear();
            self.shingler.tokens_into(&normalized, &mut tokens);
            shingles.clear();
            self.shingler
                .shingles_from_tokens_into(&tokens, &mut shingles);
            if !tokens.is_empty() {
                if let (Some(j), false) = (self.shingler.passage_joiner(), doc_tokens.is_empty()) {
                    doc_tokens.push(j);
                }
                let start = doc_tokens.len();
                doc_tokens.extend_from_slice(&tokens);
                ranges.push(start..doc_tokens.len());
                if tokens.len() >= n {
                    doc_shingles.extend_from_slice(&shingles);
                }
            }
            passages.push(AnalyzedPassage {
                span,
                tokens: tokens.len(),
                shingles: ShingleSet::from_hashes(&shingles[..]),
            });
        });
        if doc_tokens.len() < n {
            doc_shingles.clear();
            self.shingler
                .shingles_from_tokens_into(&doc_tokens, &mut doc_shingles);
        } else {
            let mut r = 0;
            for start in 0..=doc_tokens.len() - n {
                while r < ranges.len() && ranges[r].end <= start {
                    r += 1;
                }
                let inside =
                    r < ranges.len() && ranges[r].start <= start && start + n <= ranges[r].end;
                if !inside {
                    self.shingler.shingles_from_tokens_into(
                        &doc_tokens[start..start + n],
                        &mut doc_shingles,
                    );
                }
            }
        }
        AnalyzedDocument {
            len: text.len(),
            tokens: doc_tokens.len(),
            passages,
            shingles: ShingleSet::from_hashes(doc_shingles),
        }
    }
}

/// One document after analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedDocument {
    len: usize,
    tokens: usize,
    passages: Vec<AnalyzedPassage>,
    shingles: ShingleSet,
}

impl AnalyzedDocument {
    /// The document's length in bytes (of the original text).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the original text was empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Tokens in the whole document.
    pub fn tokens(&self) -> usize {
        self.tokens
    }

    /// The passages, in order.
    pub fn passages(&self) -> &[AnalyzedPassage] {
        &self.passages
    }

    /// The shingle set of the whole document.
    pub fn shingles(&self) -> &ShingleSet {
        &self.shingles
    }

    /// The shingle set of the whole document, by value.
    pub(crate) fn into_shingles(self) -> ShingleSet {
        self.shingles
    }
}

/// One passage after analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedPassage {
    span: Range<usize>,
    tokens: usize,
    shingles: ShingleSet,
}

impl AnalyzedPassage {
    /// Byte span in the original document text.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// Tokens after normalization (words, or characters with character shingles).
    pub fn tokens(&self) -> usize {
        self.tokens
    }

    /// The passage's shingle set (empty when normalization left no text).
    pub fn shingles(&self) -> &ShingleSet {
        &self.shingles
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::Shingling;

    #[test]
    fn document_shingles_equal_shingles_of_whole_normalized_text() {
        let config = Config::new();
        let a = Analyzer::new(&config).unwrap();
        let text = "Alpha beta gamma.\n\nDelta epsilon zeta eta theta.\n\nIota!";
        let doc = a.analyze(text);
        let whole = Normalizer::news().normalize(&text.replace("\n\n", " "));
        assert_eq!(doc.shingles(), &a.shingler().shingle_set(&whole));
        assert_eq!(doc.tokens(), 9);
    }

    proptest::proptest! {
        #[test]
        fn document_shingles_equal_naive(paras in proptest::collection::vec("[a-c]{1,2}( [a-c]{1,2}){0,6}", 0..6), n in 1usize..5, chars in proptest::bool::ANY) {
            let shingling = if chars { Shingling::Chars(n) } else { Shingling::Words(n) };
            let a = Analyzer::new(&Config::new().shingling(shingling)).unwrap();
            let text = paras.join("\n\n");
            let doc = a.analyze(&text);
            let whole = Normalizer::news().normalize(&paras.join(" "));
            proptest::prop_assert_eq!(doc.shingles(), &a.shingler().shingle_set(&whole));
        }
    }

    proptest::proptest! {
        #[test]
        fn passage_set_equals_the_analyzed_passage(paras in proptest::collection::vec("[a-cé ]{0,20}", 0..5), n in 1usize..4) {
            let a = Analyzer::new(&Config::new().shingle_size(n)).unwrap();
            let text = paras.join("\n\n");
            for p in a.analyze(&text).passages() {
                proptest::prop_assert_eq!(&a.passage_set(&text[p.span()]), p.shingles());
            }
        }
    }

    #[test]
    fn char_shingles_join_passages_with_a_space() {
        let config = Config::new().shingling(Shingling::Chars(3));
        let a = Analyzer::new(&config).unwrap();
        let doc = a.analyze("ab\n\ncd");
        assert_eq!(doc.shingles(), &a.shingler().shingle_set("ab cd"));
    }

    #[test]
    fn punctuation_only_passage_has_no_shingles_but_is_listed() {
        let a = Analyzer::new(&Config::new()).unwrap();
        let doc = a.analyze("***\n\nreal words here");
        assert_eq!(doc.passages().len(), 2);
        assert!(doc.passages()[0].shingles().is_empty());
        assert_eq!(doc.passages()[0].span(), 0..3);
    }
}
