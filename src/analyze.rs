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
use crate::shingle::{
    NO_PASSAGE, ShingleSet, Shingler, SortScratch, sort_dedup_tail, sort_document_and_passages,
};

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
        Ok(Analyzer::from_valid(config))
    }

    /// An analyzer for a config already validated.
    pub(crate) fn from_valid(config: &Config) -> Self {
        Analyzer {
            normalizer: config.get_normalizer(),
            segmenter: Segmenter::new(config.get_segmentation()),
            shingler: Shingler::new(config.get_shingling(), config.get_seed()),
        }
    }

    /// The shingler in use.
    pub fn shingler(&self) -> &Shingler {
        &self.shingler
    }

    /// The normalizer in use.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The segmenter in use.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// The shingle set of one passage's text, as [`analyze`](Self::analyze)
    /// computes it for each passage: `passage_set(&text[p.span()])` equals
    /// `p.shingles()` for every passage `p` of `analyze(text)`. Engines that
    /// ship passage texts between machines verify passage pairs with it.
    pub fn passage_set(&self, passage: &str) -> ShingleSet {
        let (mut normalized, mut bytes, mut tokens) = (String::new(), Vec::new(), Vec::new());
        self.passage_tokens(
            &self.segmenter.passage_text(passage),
            &mut normalized,
            &mut bytes,
            &mut tokens,
        );
        let mut shingles = Vec::new();
        self.shingler
            .shingles_from_tokens_into(&tokens, &mut shingles);
        ShingleSet::from_hashes(shingles)
    }

    /// Analyzes one document. Never fails: any text, however odd, has a
    /// documented outcome (an empty or blank text has no passages and an
    /// empty shingle set).
    pub fn analyze(&self, text: &str) -> AnalyzedDocument {
        with_thread_scratch(|s| self.analyze_with(text, s))
    }

    fn analyze_with(&self, text: &str, s: &mut Scratch) -> AnalyzedDocument {
        self.analyze_into(text, s);
        AnalyzedDocument {
            len: text.len(),
            tokens: s.doc_tokens.len(),
            passages: s
                .passages
                .iter()
                .map(|p| AnalyzedPassage {
                    span: p.span.clone(),
                    tokens: p.tokens,
                    shingles: ShingleSet::from_sorted(s.passage_sets[p.set.clone()].to_vec()),
                    token_range: p.token_range.clone(),
                })
                .collect(),
            shingles: ShingleSet::from_sorted(s.doc_set.clone()),
            token_hashes: s.doc_tokens.clone(),
            cross: s.cross.clone(),
        }
    }

    /// Analyzes one document into reusable buffers: the passages with their
    /// sorted shingle sets in one flat buffer, and the document's sorted set.
    /// What [`analyze`](Self::analyze) does, without an allocation per
    /// passage.
    pub(crate) fn analyze_into(&self, text: &str, s: &mut Scratch) {
        self.analyze_into_with(text, s, true);
    }

    /// [`analyze_into`](Self::analyze_into) for what verification needs of
    /// a document: its set, tokens and passages' token ranges. The passages'
    /// sets are left unsorted and may hold repeats.
    pub(crate) fn analyze_document_into(&self, text: &str, s: &mut Scratch) {
        self.analyze_into_with(text, s, false);
    }

    fn analyze_into_with(&self, text: &str, s: &mut Scratch, passage_sets: bool) {
        let n = self.shingler.shingling().size();
        s.doc_tokens.clear();
        s.doc_set.clear();
        s.ranges.clear();
        s.passage_sets.clear();
        s.passages.clear();
        s.tags.clear();
        // Shingles of the whole document: first every window inside one
        // passage (they are that passage's shingles, already hashed), then
        // the windows that cross a passage break.
        self.segmenter.for_each_span(text, |span| {
            // Words hyphenated across a line end are re-joined (`Auto` only).
            let passage = self.segmenter.passage_text(&text[span.clone()]);
            s.tokens.clear();
            self.passage_tokens(&passage, &mut s.normalized, &mut s.bytes, &mut s.tokens);
            let start = s.passage_sets.len();
            self.shingler
                .shingles_from_tokens_into(&s.tokens, &mut s.passage_sets);
            let mut token_range = s.doc_tokens.len()..s.doc_tokens.len();
            if !s.tokens.is_empty() {
                if let (Some(j), false) = (self.shingler.passage_joiner(), s.doc_tokens.is_empty())
                {
                    s.doc_tokens.push(j);
                }
                let first = s.doc_tokens.len();
                s.doc_tokens.extend_from_slice(&s.tokens);
                s.ranges.push(first..s.doc_tokens.len());
                token_range = first..s.doc_tokens.len();
                if s.tokens.len() >= n {
                    s.doc_set.extend_from_slice(&s.passage_sets[start..]);
                    if passage_sets {
                        // Each shingle tagged with its passage: one sort
                        // of the document orders the passages' sets too.
                        let p = s.passages.len() as u32;
                        let added = s.passage_sets.len() - start;
                        s.tags.extend(std::iter::repeat_n(p, added));
                    }
                }
            }
            s.passages.push(PassageInfo {
                span,
                tokens: s.tokens.len(),
                set: start..s.passage_sets.len(),
                token_range,
            });
        });
        // The windows that cross a break go to `cross` first: with the sets
        // of the passages of at least `n` tokens they make the document's
        // set, which is how a document's signature is built from its
        // passages' (`dedup::sketching`).
        s.cross.clear();
        if s.doc_tokens.len() < n {
            s.doc_set.clear();
            s.tags.clear();
            self.shingler
                .shingles_from_tokens_into(&s.doc_tokens, &mut s.cross);
        } else {
            // Runs of consecutive crossing windows (the n − 1 at a break)
            // are hashed in one call each.
            let mut r = 0;
            let mut run: Option<usize> = None;
            for start in 0..=s.doc_tokens.len() - n {
                while r < s.ranges.len() && s.ranges[r].end <= start {
                    r += 1;
                }
                let inside = r < s.ranges.len()
                    && s.ranges[r].start <= start
                    && start + n <= s.ranges[r].end;
                match (inside, run) {
                    (false, None) => run = Some(start),
                    (true, Some(first)) => {
                        self.shingler.shingles_from_tokens_into(
                            &s.doc_tokens[first..start - 1 + n],
                            &mut s.cross,
                        );
                        run = None;
                    }
                    _ => {}
                }
            }
            if let Some(first) = run {
                self.shingler
                    .shingles_from_tokens_into(&s.doc_tokens[first..], &mut s.cross);
            }
        }
        s.doc_set.extend_from_slice(&s.cross);
        if passage_sets {
            s.tags
                .extend(std::iter::repeat_n(NO_PASSAGE, s.cross.len()));
            s.set_ranges.clear();
            s.set_ranges
                .extend(s.passages.iter().map(|p| p.set.clone()));
            sort_document_and_passages(
                &mut s.doc_set,
                &s.tags,
                &mut s.passage_sets,
                &mut s.set_ranges,
                &mut s.sort,
            );
            for (p, r) in s.passages.iter_mut().zip(&s.set_ranges) {
                p.set = r.clone();
            }
        } else {
            sort_dedup_tail(&mut s.doc_set, 0, &mut s.sort);
        }
    }
}

impl Analyzer {
    /// Appends the tokens of one passage's text to `tokens`: by the fused
    /// byte-level path where it takes the text, else by normalizing into
    /// `normalized` and tokenizing that (the same tokens either way).
    fn passage_tokens(
        &self,
        passage: &str,
        normalized: &mut String,
        bytes: &mut Vec<u8>,
        tokens: &mut Vec<u64>,
    ) {
        if !crate::fused::passage_tokens(&self.normalizer, &self.shingler, passage, bytes, tokens) {
            self.normalizer.normalize_into(passage, normalized);
            self.shingler.tokens_into(normalized, tokens);
        }
    }

    /// The shingle set of a document's **content**: the shingles of the
    /// tokens of the passages `keep(p)` accepts, in order, as if the other
    /// passages were not in the text (windows run across the gap). With
    /// every passage kept it equals the document's set. `tokens` are the
    /// document's tokens and `ranges` each passage's range in them.
    pub(crate) fn content_set(
        &self,
        tokens: &[u64],
        ranges: impl Iterator<Item = Range<usize>>,
        keep: impl Fn(usize) -> bool,
    ) -> ShingleSet {
        let mut content = Vec::with_capacity(tokens.len());
        for (p, r) in ranges.enumerate() {
            if r.is_empty() || !keep(p) {
                continue;
            }
            if let (Some(j), false) = (self.shingler.passage_joiner(), content.is_empty()) {
                content.push(j);
            }
            content.extend_from_slice(&tokens[r]);
        }
        let mut shingles = Vec::new();
        self.shingler
            .shingles_from_tokens_into(&content, &mut shingles);
        ShingleSet::from_hashes(shingles)
    }

    /// [`content_set`](Self::content_set) of the document last analyzed
    /// into `s`.
    pub(crate) fn content_set_of(&self, s: &Scratch, keep: impl Fn(usize) -> bool) -> ShingleSet {
        self.content_set(
            &s.doc_tokens,
            s.passages.iter().map(|p| p.token_range.clone()),
            keep,
        )
    }
}

/// Runs `f` with this thread's [`Scratch`], reused from one call to the
/// next (a fresh one if `f` is already running further up this thread's
/// stack). A huge document's buffers are not kept after it.
pub(crate) fn with_thread_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let out = f(&mut s);
            s.release_if_huge();
            out
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Reusable buffers of [`Analyzer::analyze_into`], and its result.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    normalized: String,
    /// Scratch bytes of the fused path.
    bytes: Vec<u8>,
    sort: SortScratch,
    tokens: Vec<u64>,
    /// The document's token hashes (with the joiners of character
    /// shingles), for the content set.
    pub(crate) doc_tokens: Vec<u64>,
    ranges: Vec<Range<usize>>,
    /// The document's shingle set, sorted.
    pub(crate) doc_set: Vec<u64>,
    /// The document's shingles that are in no passage of at least one
    /// shingle's length of tokens (in order, repeats included): the windows
    /// across passage breaks, or, for a document shorter than one shingle,
    /// its one shingle. `doc_set` is these plus the sets of those passages.
    pub(crate) cross: Vec<u64>,
    /// Every passage's shingle set, sorted, one after another (unsorted and
    /// with repeats after [`Analyzer::analyze_document_into`]).
    pub(crate) passage_sets: Vec<u64>,
    /// The passages, in order.
    pub(crate) passages: Vec<PassageInfo>,
    /// The passage of each shingle of `doc_set` before it is sorted
    /// ([`sort_document_and_passages`]).
    tags: Vec<u32>,
    /// The passages' set ranges while they are sorted.
    set_ranges: Vec<Range<usize>>,
}

impl Scratch {
    /// Drops the buffers when they grew past a million tokens (a huge
    /// document), so that a kept scratch does not hold them after it.
    pub(crate) fn release_if_huge(&mut self) {
        if self.doc_tokens.capacity() > 1 << 20 {
            *self = Scratch::default();
        }
    }
}

/// One passage in a [`Scratch`].
#[derive(Debug, Clone)]
pub(crate) struct PassageInfo {
    /// Byte span in the original text.
    pub(crate) span: Range<usize>,
    /// Tokens after normalization.
    pub(crate) tokens: usize,
    /// Where its set lies in [`Scratch::passage_sets`].
    pub(crate) set: Range<usize>,
    /// Where its tokens lie in the document's tokens.
    pub(crate) token_range: Range<usize>,
}

/// One document after analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedDocument {
    len: usize,
    tokens: usize,
    passages: Vec<AnalyzedPassage>,
    shingles: ShingleSet,
    /// The document's token hashes (with the joiners of character
    /// shingles), for the content set.
    token_hashes: Vec<u64>,
    /// The shingles in no passage of at least one shingle's length (see
    /// `Scratch::cross`).
    cross: Vec<u64>,
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

    /// The document's shingles that are in no passage of at least one
    /// shingle's length of tokens (see `Scratch::cross`).
    pub(crate) fn cross_shingles(&self) -> &[u64] {
        &self.cross
    }

    /// The shingle set of the passages `keep(p)` accepts (see
    /// `Analyzer::content_set`); `analyzer` must be the one that made this
    /// analysis.
    pub(crate) fn content_set(
        &self,
        analyzer: &Analyzer,
        keep: impl Fn(usize) -> bool,
    ) -> ShingleSet {
        analyzer.content_set(
            &self.token_hashes,
            self.passages.iter().map(|p| p.token_range.clone()),
            keep,
        )
    }
}

/// One passage after analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzedPassage {
    span: Range<usize>,
    tokens: usize,
    shingles: ShingleSet,
    token_range: Range<usize>,
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
    fn content_set_with_every_passage_kept_is_the_document_set() {
        for shingling in [Shingling::Words(3), Shingling::Chars(4)] {
            let a = Analyzer::new(&Config::new().shingling(shingling)).unwrap();
            let text = "Header line\n\nOne two three four five.\n\n!!\n\nSix seven eight.";
            let doc = a.analyze(text);
            assert_eq!(&doc.content_set(&a, |_| true), doc.shingles());
            // Leaving out the header: the set of the text without it.
            let rest = a.analyze("One two three four five.\n\n!!\n\nSix seven eight.");
            assert_eq!(&doc.content_set(&a, |p| p != 0), rest.shingles());
            let mut s = Scratch::default();
            a.analyze_into(text, &mut s);
            assert_eq!(a.content_set_of(&s, |p| p != 0), *rest.shingles());
            assert!(doc.content_set(&a, |_| false).is_empty());
        }
    }

    #[test]
    fn long_documents_sort_their_passages_with_the_document() {
        // Documents past the bucket sort's threshold, so their passages'
        // sets are dealt out of one sort of the document: a paragraph
        // twice (equal hashes in two passages), a window repeated inside
        // one passage and across a break, passages shorter than a
        // shingle. One scratch serves a long, a short and a long document.
        let a = Analyzer::new(&Config::new()).unwrap();
        let vocabulary = [
            "alpha", "beta", "gamma", "delta", "echo", "fox", "golf", "hotel", "india", "juliet",
            "kilo", "lima", "mike", "nova", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
        ];
        let mut x = 7u64;
        let mut paragraph = |words: usize| {
            (0..words)
                .map(|_| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    vocabulary[(x >> 33) as usize % vocabulary.len()]
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let first = paragraph(120);
        let text = [
            first.clone(),
            "Short line".to_string(),
            paragraph(160),
            "one two three four five then one two three four five".to_string(),
            first,
            "***".to_string(),
            "one two three four five".to_string(),
            paragraph(80),
        ]
        .join("\n\n");
        let short = "A few words only here.\n\nAnd two.";
        let mut s = Scratch::default();
        for t in [text.as_str(), short, text.as_str()] {
            a.analyze_into(t, &mut s);
            let whole: Vec<String> = s
                .passages
                .iter()
                .map(|p| Normalizer::news().normalize(&t[p.span.clone()]))
                .collect();
            let expected_doc = a.shingler().shingle_set(&whole.join(" "));
            assert_eq!(s.doc_set, expected_doc.as_slice());
            if t.len() > 100 {
                assert!(s.doc_set.len() >= 300, "past the bucket sort's threshold");
            }
            let mut at = 0;
            for p in &s.passages {
                assert_eq!(p.set.start, at, "sets one after another");
                assert_eq!(
                    &s.passage_sets[p.set.clone()],
                    a.passage_set(&t[p.span.clone()]).as_slice()
                );
                at = p.set.end;
            }
            assert_eq!(s.passage_sets.len(), at);
        }
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
