//! Stage 2: cutting a document into passages.
//!
//! A [`Segmenter`] splits the *original* text of a document into passages
//! (paragraphs) and records each one's byte span, so that every later result
//! can point back at the exact bytes a person would see. Segmentation happens
//! before [normalization](crate::normalize), which is applied to each passage.
//!
//! Rules:
//! - Lines end at `\n`, `\r\n`, `\r`, U+2028 (line separator) and U+2029
//!   (paragraph separator, which always ends a passage).
//! - A line is blank when it holds only white space, control characters (NUL
//!   included) or invisible characters (zero-width space, byte-order mark, soft
//!   hyphen, direction marks): exactly the characters that normalization turns
//!   into spaces or removes.
//! - [`Segmentation::BlankLines`] (the default): a passage is a maximal run of
//!   non-blank lines, so a single newline inside a paragraph (hard-wrapped
//!   text) does not split it.
//! - [`Segmentation::Lines`]: every non-blank line is a passage, for sources
//!   that put one paragraph per line.
//! - A passage's span starts at its first and ends after its last non-white
//!   character. The headline or first line is a passage like any other.
//! - Nothing is dropped: every non-blank character of the document lies in
//!   exactly one passage. A document that is empty or only white space has no
//!   passages. A passage too short to make a full shingle is still a passage
//!   (see [`crate::shingle`] for how it is shingled).

use std::ops::Range;

/// How passages are delimited.
///
/// Text form (`Display`/`FromStr`, serde, CLI `--paragraphs`): `blank_lines`,
/// `lines`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segmentation {
    /// Paragraphs separated by one or more blank lines (the default).
    #[default]
    BlankLines,
    /// Every non-blank line is a passage.
    Lines,
}

crate::text::text_form!(Segmentation, "segmentation", {
    Segmentation::BlankLines => "blank_lines",
    Segmentation::Lines => "lines",
});

/// Splits documents into passages with byte spans.
///
/// # Example
///
/// ```
/// use echodup::segment::{Segmentation, Segmenter};
///
/// let text = "Headline\n\nFirst paragraph,\nwrapped.\n\n\n  Second.  ";
/// let spans = Segmenter::new(Segmentation::BlankLines).spans(text);
/// let passages: Vec<&str> = spans.iter().map(|s| &text[s.clone()]).collect();
/// assert_eq!(passages, ["Headline", "First paragraph,\nwrapped.", "Second."]);
///
/// let lines = Segmenter::new(Segmentation::Lines).spans(text);
/// assert_eq!(lines.len(), 4);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Segmenter {
    mode: Segmentation,
}

impl Segmenter {
    /// A segmenter for the given mode.
    pub const fn new(mode: Segmentation) -> Self {
        Segmenter { mode }
    }

    /// The mode in use.
    pub const fn mode(&self) -> Segmentation {
        self.mode
    }

    /// The byte spans of the passages of `text`, in order.
    pub fn spans(&self, text: &str) -> Vec<Range<usize>> {
        let mut spans = Vec::new();
        self.for_each_span(text, |r| spans.push(r));
        spans
    }

    /// Calls `f` with the byte span of each passage of `text`, in order,
    /// without allocating.
    pub fn for_each_span(&self, text: &str, mut f: impl FnMut(Range<usize>)) {
        // Current passage: start of its first non-blank line content and end of
        // the last non-blank content seen.
        let mut current: Option<Range<usize>> = None;
        let mut line_start = 0;
        loop {
            let (line_end, next, hard_break) = find_line_end(text, line_start);
            let line = &text[line_start..line_end];
            match content_range(line) {
                Some(r) => {
                    let r = (line_start + r.start)..(line_start + r.end);
                    match (&mut current, self.mode) {
                        (Some(cur), Segmentation::BlankLines) => cur.end = r.end,
                        (cur, _) => {
                            if let Some(done) = cur.take() {
                                f(done);
                            }
                            *cur = Some(r);
                        }
                    }
                }
                None => {
                    if let Some(done) = current.take() {
                        f(done);
                    }
                }
            }
            if hard_break && let Some(done) = current.take() {
                f(done);
            }
            if next > text.len() {
                break;
            }
            line_start = next;
        }
        if let Some(done) = current.take() {
            f(done);
        }
    }
}

/// Returns (end of line content, start of next line, whether the break was a
/// paragraph separator).
fn find_line_end(text: &str, start: usize) -> (usize, usize, bool) {
    let bytes = text.as_bytes();
    let mut at = start;
    // Byte scan: `\n`, `\r`, and 0xE2, the lead byte of U+2028 and U+2029.
    while let Some(off) = memchr::memchr3(b'\n', b'\r', 0xE2, &bytes[at..]) {
        at += off;
        match bytes[at] {
            b'\n' => return (at, at + 1, false),
            b'\r' => {
                let next = if bytes.get(at + 1) == Some(&b'\n') {
                    at + 2
                } else {
                    at + 1
                };
                return (at, next, false);
            }
            _ => match bytes.get(at + 1..at + 3) {
                Some([0x80, 0xA8]) => return (at, at + 3, false),
                Some([0x80, 0xA9]) => return (at, at + 3, true),
                _ => at += 1,
            },
        }
    }
    (text.len(), text.len() + 1, false)
}

/// Blank: white space, control characters (NUL included) and the invisible
/// characters that normalization removes, so a blank line never becomes a
/// passage with no text.
fn is_blank_char(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// The range of `line` from its first to after its last non-blank character.
fn content_range(line: &str) -> Option<Range<usize>> {
    let start = line.char_indices().find(|&(_, c)| !is_blank_char(c))?.0;
    let (last, c) = line
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_blank_char(c))
        .expect("a non-blank character exists");
    Some(start..last + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(text: &str, mode: Segmentation) -> Vec<&str> {
        Segmenter::new(mode)
            .spans(text)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn blank_lines_separate_passages() {
        let t = "Title\n\nOne\ntwo\n \t\nThree\r\n\r\nFour";
        assert_eq!(
            texts(t, Segmentation::BlankLines),
            ["Title", "One\ntwo", "Three", "Four"]
        );
    }

    #[test]
    fn lines_mode_splits_every_line() {
        let t = "a\nb\r\n\nc";
        assert_eq!(texts(t, Segmentation::Lines), ["a", "b", "c"]);
    }

    #[test]
    fn empty_and_whitespace_documents_have_no_passages() {
        for t in ["", " ", "\n\n\n", "\u{00A0}\u{200B}\r\n"] {
            assert!(Segmenter::default().spans(t).is_empty(), "{t:?}");
        }
    }

    #[test]
    fn unicode_separators_and_nbsp_blank_lines() {
        let t = "one\u{2029}two\u{2028}still two\n\u{00A0}\nthree";
        assert_eq!(
            texts(t, Segmentation::BlankLines),
            ["one", "two\u{2028}still two", "three"]
        );
    }

    #[test]
    fn control_and_invisible_only_lines_are_blank() {
        let t = "\0\u{7}\n\u{202A}\u{2066}\nx\0y";
        assert_eq!(texts(t, Segmentation::Lines), ["x\0y"]);
    }

    proptest! {
        #[test]
        fn spans_are_ordered_disjoint_and_cover_all_content(s in "[a-c \n\r\t\u{00A0}\u{2029}é]{0,60}") {
            for mode in [Segmentation::BlankLines, Segmentation::Lines] {
                let spans = Segmenter::new(mode).spans(&s);
                let mut covered = vec![false; s.len()];
                let mut last_end = 0;
                for r in &spans {
                    prop_assert!(r.start >= last_end && r.start < r.end);
                    prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
                    last_end = r.end;
                    for b in covered.iter_mut().take(r.end).skip(r.start) { *b = true; }
                }
                for (i, c) in s.char_indices() {
                    if !is_blank_char(c) { prop_assert!(covered[i], "dropped {:?} at {}", c, i); }
                }
            }
        }
    }
}
