//! [`Explanation`]: why two texts match, down to the bytes they share.
//!
//! [`explain`] compares two texts with an [`Analyzer`] and returns their exact
//! [`Similarity`], the byte spans of each text covered by shingles that the
//! other text also has, and, for each passage of the first text, the passage
//! of the second most similar to it. A tool can then highlight the shared
//! text, or a person can read why a pair was reported.
//!
//! Spans are found by normalizing each whitespace-separated piece of a
//! passage on its own and giving every token the span of the piece it came
//! from, so with word shingles a span starts and ends at a piece boundary of
//! the original text ("don't" counts as one piece even though normalization
//! cuts it into two words). With character shingles each character keeps its
//! own span where normalizing it alone gives the same result as in context.

use std::ops::Range;

use crate::analyze::{AnalyzedDocument, Analyzer};
use crate::shingle::ShingleSet;
use crate::verify::Similarity;

/// Why two texts A and B match: see [`explain`].
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Exact similarity of the two documents' shingle sets, as a run with the
    /// same analyzer computes it.
    pub similarity: Similarity,
    /// Byte spans of A covered by shingles that B also has: sorted, disjoint,
    /// not touching.
    pub shared_a: Vec<Range<usize>>,
    /// Byte spans of B covered by shingles that A also has.
    pub shared_b: Vec<Range<usize>>,
    /// For each passage of A that shares a shingle with a passage of B, the
    /// most similar passage of B (by Jaccard, then the earlier one), in A's
    /// passage order.
    pub passages: Vec<PassagePair>,
    /// Exact similarity of the two documents' **content**: their sets
    /// without the boilerplate passages below (see
    /// [`DocumentBasis`](crate::DocumentBasis)). Equal to `similarity` when
    /// neither has boilerplate.
    pub content_similarity: Similarity,
    /// The passages of A left out of its content, ascending (empty from
    /// [`explain`]; given to [`explain_with_boilerplate`]).
    pub boilerplate_a: Vec<u32>,
    /// The passages of B left out of its content.
    pub boilerplate_b: Vec<u32>,
}

/// A passage of A and the passage of B most similar to it.
#[derive(Clone, Debug, PartialEq)]
pub struct PassagePair {
    /// Passage index in A.
    pub a: u32,
    /// Its byte span in A.
    pub a_span: Range<usize>,
    /// Passage index in B.
    pub b: u32,
    /// Its byte span in B.
    pub b_span: Range<usize>,
    /// Their exact similarity.
    pub similarity: Similarity,
}

impl Explanation {
    /// Bytes of A inside [`shared_a`](Explanation::shared_a).
    pub fn shared_bytes_a(&self) -> usize {
        self.shared_a.iter().map(Range::len).sum()
    }

    /// Bytes of B inside [`shared_b`](Explanation::shared_b).
    pub fn shared_bytes_b(&self) -> usize {
        self.shared_b.iter().map(Range::len).sum()
    }
}

/// Explains the similarity of texts `a` and `b` under `analyzer`.
///
/// Any texts are accepted: an empty or blank text shares nothing (similarity
/// 0, no spans, no passages).
///
/// # Example
///
/// ```
/// use echodup::{Analyzer, Config, explain::explain};
///
/// let analyzer = Analyzer::new(&Config::new().shingle_size(3))?;
/// let a = "Heavy rain flooded the old market square on Friday.\n\nShops stayed shut.";
/// let b = "Officials said heavy rain flooded the old market square overnight.";
/// let e = explain(&analyzer, a, b);
/// assert_eq!(&a[e.shared_a[0].clone()], "Heavy rain flooded the old market square");
/// assert_eq!(&b[e.shared_b[0].clone()], "heavy rain flooded the old market square");
/// assert_eq!((e.passages[0].a, e.passages[0].b), (0, 0));
/// assert!(e.similarity.jaccard > 0.2 && e.similarity.jaccard < 0.5);
/// # Ok::<(), echodup::Error>(())
/// ```
///
/// # Complexity
///
/// Linear in the lengths of the texts for the spans; the passage pairs cost
/// one set merge per pair of passages that share a shingle.
pub fn explain(analyzer: &Analyzer, a: &str, b: &str) -> Explanation {
    explain_with_boilerplate(analyzer, a, b, &[], &[])
}

/// [`explain`], with the passages of each text that are boilerplate (from a
/// run over the corpus: [`DocumentSummary::boilerplate_passages`](crate::DocumentSummary::boilerplate_passages)),
/// so that the explanation also gives the similarity of the two contents,
/// the one a run with [`DocumentBasis::Content`](crate::DocumentBasis::Content)
/// decides by. Indices past a text's passages are ignored.
///
/// # Example
///
/// ```
/// use echodup::{Analyzer, Config, explain::explain_with_boilerplate};
///
/// let analyzer = Analyzer::new(&Config::new())?;
/// let story = "The ferry to the islands will run twice a day from Monday, the operator said.";
/// let a = format!("{story}\n\nSubscribe to the Harbour Herald for the news every morning.");
/// let b = format!("{story}\n\nCopyright The Valley Times. All rights reserved worldwide.");
/// let e = explain_with_boilerplate(&analyzer, &a, &b, &[1], &[1]);
/// assert!(e.similarity.jaccard < 0.8);
/// assert_eq!(e.content_similarity.jaccard, 1.0);
/// # Ok::<(), echodup::Error>(())
/// ```
pub fn explain_with_boilerplate(
    analyzer: &Analyzer,
    a: &str,
    b: &str,
    boilerplate_a: &[u32],
    boilerplate_b: &[u32],
) -> Explanation {
    let doc_a = analyzer.analyze(a);
    let doc_b = analyzer.analyze(b);
    let similarity = Similarity::exact(doc_a.shingles(), doc_b.shingles());
    let content = |doc: &AnalyzedDocument, left_out: &[u32]| {
        doc.content_set(analyzer, |p| !left_out.contains(&(p as u32)))
    };
    let content_similarity = if boilerplate_a.is_empty() && boilerplate_b.is_empty() {
        similarity
    } else {
        Similarity::exact(
            &content(&doc_a, boilerplate_a),
            &content(&doc_b, boilerplate_b),
        )
    };
    let listed = |doc: &AnalyzedDocument, v: &[u32]| {
        let mut v: Vec<u32> = v
            .iter()
            .copied()
            .filter(|&p| (p as usize) < doc.passages().len())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    Explanation {
        similarity,
        shared_a: shared_spans(analyzer, a, &doc_a, doc_b.shingles()),
        shared_b: shared_spans(analyzer, b, &doc_b, doc_a.shingles()),
        passages: passage_pairs(&doc_a, &doc_b),
        content_similarity,
        boilerplate_a: listed(&doc_a, boilerplate_a),
        boilerplate_b: listed(&doc_b, boilerplate_b),
    }
}

/// The tokens of a document (as [`Analyzer::analyze`] makes them for the
/// document's shingles), each with the span of the original text it came
/// from.
fn located_tokens(
    analyzer: &Analyzer,
    text: &str,
    doc: &AnalyzedDocument,
) -> (Vec<u64>, Vec<Range<usize>>) {
    let shingler = analyzer.shingler();
    let normalizer = analyzer.normalizer();
    let segmenter = analyzer.segmenter();
    let joiner = shingler.passage_joiner();
    let mut tokens = Vec::new();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut normalized = String::new();
    let mut joints = Vec::new();
    for passage in doc.passages() {
        let base = passage.span().start;
        let mut first_in_passage = true;
        let passage_text = &text[passage.span()];
        joints.clear();
        segmenter.for_each_joint(passage_text, |j| joints.push(j));
        for piece in joined(pieces(passage_text), &joints) {
            let piece = base + piece.start..base + piece.end;
            normalizer.normalize_into(
                &segmenter.passage_text(&text[piece.clone()]),
                &mut normalized,
            );
            if normalized.is_empty() {
                continue;
            }
            // Between two pieces the normalized text has one space: a token
            // with character shingles, nothing with word shingles. Between two
            // passages the analyzer puts the same joiner.
            if let (Some(j), Some(last)) = (joiner, spans.last()) {
                let gap = if first_in_passage && last.end > piece.start {
                    piece.start..piece.start
                } else {
                    last.end..piece.start
                };
                tokens.push(j);
                spans.push(gap);
            }
            first_in_passage = false;
            if joiner.is_some()
                && push_chars(
                    normalizer,
                    text,
                    piece.clone(),
                    &normalized,
                    &mut tokens,
                    &mut spans,
                )
            {
                continue;
            }
            let before = tokens.len();
            shingler.tokens_into(&normalized, &mut tokens);
            spans.extend(std::iter::repeat_n(piece, tokens.len() - before));
        }
    }
    (tokens, spans)
}

/// With character shingles, gives each character token the span of the
/// character it came from, when normalizing the piece character by character
/// gives the same text as normalizing it whole (not so where punctuation
/// becomes a space or characters combine). Returns whether it did.
fn push_chars(
    normalizer: &crate::Normalizer,
    text: &str,
    piece: Range<usize>,
    normalized: &str,
    tokens: &mut Vec<u64>,
    spans: &mut Vec<Range<usize>>,
) -> bool {
    let mut per_char: Vec<(String, Range<usize>)> = Vec::new();
    let mut joined = String::new();
    for (i, c) in text[piece.clone()].char_indices() {
        let at = piece.start + i;
        let n = normalizer.normalize(&text[at..at + c.len_utf8()]);
        joined.push_str(&n);
        per_char.push((n, at..at + c.len_utf8()));
    }
    if joined != normalized {
        return false;
    }
    for (n, span) in per_char {
        for c in n.chars() {
            tokens.push(c as u64);
            spans.push(span.clone());
        }
    }
    true
}

/// The whitespace-separated pieces of `text`, as byte ranges.
fn pieces(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let is_gap = |c: char| c.is_whitespace() || c.is_control();
        while rest.next_if(|&(_, c)| is_gap(c)).is_some() {}
        let &(start, _) = rest.peek()?;
        let mut end = start;
        while let Some((i, c)) = rest.next_if(|&(_, c)| !is_gap(c)) {
            end = i + c.len_utf8();
        }
        Some(start..end)
    })
}

/// `pieces` with the two pieces on either side of each joint (a word
/// hyphenated across a line end, which the analyzer re-joins) made one.
fn joined<'a>(
    pieces: impl Iterator<Item = Range<usize>> + 'a,
    joints: &'a [Range<usize>],
) -> impl Iterator<Item = Range<usize>> + 'a {
    let mut pieces = pieces.peekable();
    let mut joints = joints.iter().peekable();
    std::iter::from_fn(move || {
        let mut piece = pieces.next()?;
        loop {
            while joints.next_if(|j| j.start < piece.start).is_some() {}
            let Some(j) = joints.peek() else { break };
            if j.start >= piece.end {
                break;
            }
            match pieces.peek() {
                Some(next) if next.start <= j.end && j.end <= next.end => {
                    piece.end = next.end;
                    pieces.next();
                    joints.next();
                }
                _ => {
                    joints.next();
                }
            }
        }
        Some(piece)
    })
}

/// Spans of `text` covered by its shingles that `other` also has.
fn shared_spans(
    analyzer: &Analyzer,
    text: &str,
    doc: &AnalyzedDocument,
    other: &ShingleSet,
) -> Vec<Range<usize>> {
    if other.is_empty() || doc.shingles().is_empty() {
        return Vec::new();
    }
    let (tokens, spans) = located_tokens(analyzer, text, doc);
    let mut hashes = Vec::new();
    analyzer
        .shingler()
        .shingles_from_tokens_into(&tokens, &mut hashes);
    let n = analyzer.shingler().shingling().size().min(tokens.len());
    let other = other.as_slice();
    let mut covered: Vec<Range<usize>> = Vec::new();
    for (i, h) in hashes.iter().enumerate() {
        if other.binary_search(h).is_err() {
            continue;
        }
        let span = spans[i].start..spans[i + n - 1].end;
        match covered.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => covered.push(span),
        }
    }
    covered
}

fn passage_pairs(a: &AnalyzedDocument, b: &AnalyzedDocument) -> Vec<PassagePair> {
    let mut out = Vec::new();
    for (i, pa) in a.passages().iter().enumerate() {
        let mut best: Option<(usize, Similarity)> = None;
        for (j, pb) in b.passages().iter().enumerate() {
            let s = Similarity::exact(pa.shingles(), pb.shingles());
            if s.jaccard > 0.0 && best.is_none_or(|(_, bs)| s.jaccard > bs.jaccard) {
                best = Some((j, s));
            }
        }
        if let Some((j, similarity)) = best {
            out.push(PassagePair {
                a: i as u32,
                a_span: pa.span(),
                b: j as u32,
                b_span: b.passages()[j].span(),
                similarity,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::shingle::Shingling;

    fn one(r: Range<usize>) -> Vec<Range<usize>> {
        vec![r]
    }

    fn texts<'t>(text: &'t str, spans: &[Range<usize>]) -> Vec<&'t str> {
        spans.iter().map(|r| &text[r.clone()]).collect()
    }

    #[test]
    fn located_tokens_give_the_analyzers_shingles() {
        let samples = [
            "Plain ASCII words, with punctuation; and \"quotes\".\n\nSecond paragraph here!",
            "“Curly” quotes — dashes… Straße ΣΊΣΥΦΟΣ ﬁne ｆｕｌｌ\u{00A0}width\u{200B}zero",
            "one\n\ntwo\n\n***\n\nthree four five six seven",
            "",
            "   \n\n ",
            // Hard-wrapped, with words hyphenated across line ends (re-joined
            // by `Auto`, the default) and a hyphen that stays.
            "A wrapped para-\ngraph with a soft hyphen\u{00AD}\n \u{200B}ated word, a two-\nline-\n  break and Smith-\nJones at\nthe end.",
        ];
        for shingling in [
            Shingling::Words(3),
            Shingling::Words(5),
            Shingling::Chars(4),
        ] {
            let analyzer = Analyzer::new(&Config::new().shingling(shingling)).unwrap();
            for text in samples {
                let doc = analyzer.analyze(text);
                let (tokens, spans) = located_tokens(&analyzer, text, &doc);
                assert_eq!(tokens.len(), spans.len());
                let mut hashes = Vec::new();
                analyzer
                    .shingler()
                    .shingles_from_tokens_into(&tokens, &mut hashes);
                assert_eq!(
                    &ShingleSet::from_hashes(hashes),
                    doc.shingles(),
                    "{shingling:?} {text:?}"
                );
            }
        }
    }

    #[test]
    fn shared_spans_cover_exactly_the_common_text() {
        let analyzer = Analyzer::new(&Config::new().shingle_size(3)).unwrap();
        let a = "Intro line only in A.\n\nThe bridge will close for repairs next month, officials said.\n\nA closing remark.";
        let b = "Different opening here.\n\nThe bridge will close for repairs next month, officials said!";
        let e = explain(&analyzer, a, b);
        assert_eq!(
            texts(a, &e.shared_a),
            ["The bridge will close for repairs next month, officials said."]
        );
        assert_eq!(
            texts(b, &e.shared_b),
            ["The bridge will close for repairs next month, officials said!"]
        );
        assert_eq!(e.passages.len(), 1);
        assert_eq!((e.passages[0].a, e.passages[0].b), (1, 1));
        assert_eq!(e.passages[0].similarity, Similarity::IDENTICAL);
        assert_eq!(e.shared_bytes_b(), e.shared_b[0].len());
    }

    #[test]
    fn identical_texts_share_everything_and_empty_share_nothing() {
        let analyzer = Analyzer::new(&Config::new()).unwrap();
        let a = "Title\n\nBody of the story with enough words to shingle.";
        let e = explain(&analyzer, a, a);
        assert_eq!(e.similarity, Similarity::IDENTICAL);
        assert_eq!(e.shared_a, one(0..a.len()));
        let e = explain(&analyzer, a, "");
        assert_eq!(e.similarity.jaccard, 0.0);
        assert!(e.shared_a.is_empty() && e.shared_b.is_empty() && e.passages.is_empty());
    }

    #[test]
    fn short_texts_are_one_shingle() {
        let analyzer = Analyzer::new(&Config::new()).unwrap();
        let e = explain(&analyzer, "Advertisement", "ADVERTISEMENT.");
        assert_eq!(e.similarity, Similarity::IDENTICAL);
        assert_eq!(e.shared_a, one(0..13));
        assert_eq!(e.shared_b, one(0..14));
    }

    #[test]
    fn character_shingles_span_pieces() {
        let analyzer = Analyzer::new(&Config::new().shingling(Shingling::Chars(5))).unwrap();
        let a = "東京タワーの夜景\n\nunrelated";
        let b = "今日も東京タワーの夜景";
        let e = explain(&analyzer, a, b);
        assert_eq!(texts(a, &e.shared_a), ["東京タワーの夜景"]);
        assert_eq!(texts(b, &e.shared_b), ["東京タワーの夜景"]);
    }
}
