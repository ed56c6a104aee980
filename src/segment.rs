// Over 600 lines only with its tests (unit tests per page shape and the
// span-coverage property tests, about 240 lines); the code is about 500.
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
//! - A *block* is a maximal run of non-blank lines (ended by a blank line, a
//!   U+2029 or the end of the text).
//! - [`Segmentation::Auto`] (the default): each block is read on its own and
//!   becomes either one passage (hard-wrapped text) or one passage per line
//!   (lines that are paragraphs), by the rule below.
//! - [`Segmentation::BlankLines`]: every block is one passage, so a single
//!   newline inside a paragraph (hard-wrapped text) does not split it.
//! - [`Segmentation::Lines`]: every non-blank line is a passage, for sources
//!   that put one paragraph per line.
//! - A passage's span starts at its first and ends after its last non-white
//!   character. The headline or first line is a passage like any other.
//! - Nothing is dropped: every non-blank character of the document lies in
//!   exactly one passage. A document that is empty or only white space has no
//!   passages. A passage too short to make a full shingle is still a passage
//!   (see [`crate::shingle`] for how it is shingled).
//!
//! # The `Auto` rule
//!
//! Scraped news comes in three shapes: blank-line paragraphs, one paragraph
//! per line with no blank lines (many scrapers), and hard-wrapped text
//! (email, OCR columns) whose lines are not paragraphs. `Auto` decides per
//! block, from the block alone, so the same block gives the same passages in
//! any document:
//!
//! - A block of one line is one passage.
//! - Otherwise let a line's *width* be its length in characters from the
//!   start of the line (indentation included) to its last non-blank
//!   character, and `W` the largest width in the block. For each line but
//!   the last:
//!   - it is *full* when its width, plus one, plus the length of the next
//!     line's first word exceeds 90% of `W`: a text wrapper would have put
//!     that word on this line had it fitted;
//!   - the sentence *continues* across its break when the line does not end
//!     a sentence and the next line does not start with an upper-case
//!     letter (after any e-mail quote marks: `>`, `|`, or up to four
//!     letters of initials and `>`). A line ends a sentence when its last character, after any
//!     closing quotes and brackets (`"'”’»›)]}`), is `.`, `!`, `?`, `…`,
//!     `。`, `！` or `？`;
//!   - a line ending in a letter followed by a hyphen (`-`, U+2010 or a soft
//!     hyphen), a word hyphenated across the line end, is both.
//! - The block is **hard-wrapped**, and stays one passage, when `W` is at
//!   most [`MAX_WRAP_WIDTH`] characters, at least three quarters of those
//!   lines are full, and the sentence continues across at least one break
//!   and at least a quarter of them. Otherwise every line of the block is a
//!   passage: lines of varying length (paragraphs, a headline over its body,
//!   a byline, a footer), lines that all end sentences or all start with a
//!   capital (paragraphs, a list of headlines of similar length) and lines
//!   wider than any wrap width all split.
//!
//! Three quarters and a quarter, not all: wrapping by hand leaves some lines
//! short, and in wrapped prose many breaks fall at a sentence end or before
//! a name. The cost is that a short wrapped block whose every break falls
//! at a sentence end or before a capital splits into lines; every copy
//! wrapped the same way splits the same way.
//!
//! So blank-line paragraphs (each paragraph one line, or wrapped) give the
//! same passages as [`Segmentation::BlankLines`], and a page body scraped as
//! one line per paragraph gives one passage per paragraph, so a body scraped
//! twice into one record shows its paragraphs as repeats.
//!
//! `Auto` also re-joins words hyphenated across a line end inside a passage
//! (`exam-` at the end of one line, `ple` at the start of the next read as
//! `example`) in the text given to normalization; spans are unchanged (see
//! [`Segmenter::passage_text`]). The other modes leave the text as it is, so
//! their shingles are the same as before `Auto` existed.

use std::borrow::Cow;
use std::ops::Range;

/// The widest line, in characters, that [`Segmentation::Auto`] takes for
/// hard-wrapped text: e-mail wraps at 72–80 columns and OCR columns are
/// narrower; a block with a wider line is read as one passage per line.
pub const MAX_WRAP_WIDTH: usize = 120;

/// How passages are delimited.
///
/// Text form (`Display`/`FromStr`, serde, CLI `--paragraphs`): `auto`,
/// `blank_lines`, `lines`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segmentation {
    /// Reads each blank-line block: hard-wrapped text stays one passage,
    /// lines that are paragraphs (or headlines) are one passage each (the
    /// default; the rule is in the [module docs](crate::segment)).
    #[default]
    Auto,
    /// Paragraphs separated by one or more blank lines.
    BlankLines,
    /// Every non-blank line is a passage.
    Lines,
}

crate::text::text_form!(Segmentation, "segmentation", {
    Segmentation::Auto => "auto",
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
    pub fn for_each_span(&self, text: &str, f: impl FnMut(Range<usize>)) {
        match self.mode {
            Segmentation::Auto => auto_spans(text, f),
            Segmentation::BlankLines | Segmentation::Lines => self.fixed_spans(text, f),
        }
    }

    /// The text of a passage as normalization sees it: with
    /// [`Segmentation::Auto`], words hyphenated across a line end are
    /// re-joined (the hyphen, the line break and the next line's leading
    /// blanks are left out); with the other modes, and where there is nothing
    /// to re-join, `passage` itself.
    ///
    /// A word counts as hyphenated across a line end when a line ends
    /// (trailing blanks aside) in a letter followed by `-`, U+2010 (hyphen) or
    /// U+00AD (soft hyphen), and the next line's first non-blank character is
    /// a lower-case letter. A compound hyphenated at a line end
    /// (`well-`/`known`) is re-joined too (`wellknown`): every copy of a text
    /// is read the same way, and word breaks are far more common at wrapped
    /// line ends than compounds.
    ///
    /// Spans stay on the original text; only the shingles see the re-joined
    /// word. [`Analyzer`](crate::Analyzer) calls this for every passage.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::segment::{Segmentation, Segmenter};
    ///
    /// let auto = Segmenter::new(Segmentation::Auto);
    /// assert_eq!(auto.passage_text("an exam-\n  ple of it"), "an example of it");
    /// assert_eq!(auto.passage_text("Smith-\nJones"), "Smith-\nJones");
    /// let blank = Segmenter::new(Segmentation::BlankLines);
    /// assert_eq!(blank.passage_text("an exam-\nple"), "an exam-\nple");
    /// ```
    pub fn passage_text<'a>(&self, passage: &'a str) -> Cow<'a, str> {
        if self.mode != Segmentation::Auto {
            return Cow::Borrowed(passage);
        }
        let mut out: Option<String> = None;
        let mut copied = 0;
        for_each_hyphen_joint(passage, |joint| {
            let s = out.get_or_insert_with(|| String::with_capacity(passage.len()));
            s.push_str(&passage[copied..joint.start]);
            copied = joint.end;
        });
        match out {
            Some(mut s) => {
                s.push_str(&passage[copied..]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(passage),
        }
    }

    /// Calls `f` with each byte range of `text` that
    /// [`passage_text`](Self::passage_text) leaves out, in order (none unless
    /// the mode is [`Segmentation::Auto`]).
    pub(crate) fn for_each_joint(&self, text: &str, f: impl FnMut(Range<usize>)) {
        if self.mode == Segmentation::Auto {
            for_each_hyphen_joint(text, f);
        }
    }

    /// `BlankLines` and `Lines`: one pass, a passage per block or per line.
    fn fixed_spans(&self, text: &str, mut f: impl FnMut(Range<usize>)) {
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

/// One line of a text: where it starts and ends (before its line break),
/// the range of its non-blank content, and whether a U+2029 ended it.
#[derive(Clone, Debug)]
struct Line {
    start: usize,
    end: usize,
    content: Option<Range<usize>>,
    hard_break: bool,
}

/// The lines of a text, in order; cheap to clone, so a block can be read
/// again without allocating.
#[derive(Clone, Debug)]
struct Lines<'a> {
    text: &'a str,
    at: usize,
    done: bool,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text,
            at: 0,
            done: false,
        }
    }
}

impl Iterator for Lines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        if self.done {
            return None;
        }
        let start = self.at;
        let (end, next, hard_break) = find_line_end(self.text, start);
        let content = content_range(&self.text[start..end]).map(|r| start + r.start..start + r.end);
        if next > self.text.len() {
            self.done = true;
        } else {
            self.at = next;
        }
        Some(Line {
            start,
            end,
            content,
            hard_break,
        })
    }
}

/// [`Segmentation::Auto`]: each block is one passage when it looks
/// hard-wrapped, else one passage per line (the rule in the module docs).
fn auto_spans(text: &str, mut f: impl FnMut(Range<usize>)) {
    let mut lines = Lines::new(text);
    loop {
        let block = lines.clone();
        let Some(line) = lines.next() else { break };
        let Some(first) = line.content.clone() else {
            continue;
        };
        // Read the block once for its size and widest line; `lines` ends up
        // after it.
        // Widths are counted only for blocks of several lines (a paragraph
        // on one line, the common case, needs none).
        let (mut n, mut widest, mut end) = (1usize, None, first.end);
        let mut last = line;
        while !last.hard_break {
            let Some(l) = lines.next() else { break };
            let Some(c) = l.content.clone() else { break };
            n += 1;
            let w = *widest.get_or_insert_with(|| width(text, &last));
            widest = Some(w.max(width(text, &l)));
            end = c.end;
            last = l;
        }
        if n == 1 || is_hard_wrapped(text, block.clone(), n, widest.unwrap_or(0)) {
            f(first.start..end);
        } else {
            for l in block.filter_map(|l| l.content).take(n) {
                f(l);
            }
        }
    }
}

/// Whether the `n` lines (n ≥ 2) of the block at `block`, the widest
/// `widest` characters wide, are hard-wrapped text.
fn is_hard_wrapped(text: &str, mut block: Lines<'_>, n: usize, widest: usize) -> bool {
    if widest > MAX_WRAP_WIDTH {
        return false;
    }
    let mut prev = block.next().expect("the block has n lines");
    let (mut full, mut continuing) = (0, 0);
    for _ in 1..n {
        let next = block.next().expect("the block has n lines");
        let (is_full, continues) = read_break(text, &prev, &next, widest);
        full += usize::from(is_full);
        continuing += usize::from(continues);
        prev = next;
    }
    4 * full >= 3 * (n - 1) && continuing > 0 && 4 * continuing >= n - 1
}

/// Whether the non-blank line `line`, followed by the non-blank line `next`
/// in a block whose widest line is `widest` characters, is full, and whether
/// the sentence continues across the break (the module docs' terms).
fn read_break(text: &str, line: &Line, next: &Line, widest: usize) -> (bool, bool) {
    if hyphen_at_end(&text[line.start..line.end]).is_some() {
        return (true, true);
    }
    let content = line.content.clone().expect("a non-blank line");
    let next_text = &text[next.content.clone().expect("a non-blank line")];
    let next_word = next_text.chars().take_while(|&c| !is_blank_char(c)).count();
    let full = 10 * (width(text, line) + 1 + next_word) > 9 * widest;
    let continues = !ends_sentence(&text[content])
        && !after_quote_marks(next_text).starts_with(char::is_uppercase);
    (full, continues)
}

/// `line` without the quote marks of an e-mail reply (`> `, `>>`, `|`, or
/// initials then `>` as in `GK>`), so that a capital after them is seen.
fn after_quote_marks(line: &str) -> &str {
    let letters = line
        .bytes()
        .take(4)
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let rest = &line[letters..];
    if !rest.starts_with(['>', '|']) {
        return line;
    }
    rest.trim_start_matches(['>', '|', ' ', '\t'])
}

/// A line's width: characters from its start (indentation included) to
/// after its last non-blank character.
fn width(text: &str, line: &Line) -> usize {
    line.content
        .as_ref()
        .map_or(0, |c| text[line.start..c.end].chars().count())
}

/// Whether `content` (a line without trailing blanks) ends a sentence: its
/// last character, after closing quotes and brackets, is a full stop,
/// exclamation or question mark, or an ellipsis.
fn ends_sentence(content: &str) -> bool {
    let trimmed = content.trim_end_matches([
        '"', '\'', '\u{201D}', '\u{2019}', '\u{00BB}', '\u{203A}', ')', ']', '}',
    ]);
    trimmed.ends_with([
        '.', '!', '?', '\u{2026}', '\u{3002}', '\u{FF01}', '\u{FF1F}',
    ])
}

/// Where the hyphen starts when `line` ends, trailing blanks aside (soft
/// hyphens excepted), in a letter followed by `-`, U+2010 or U+00AD.
fn hyphen_at_end(line: &str) -> Option<usize> {
    let is_hyphen = |c: char| matches!(c, '-' | '\u{2010}' | '\u{00AD}');
    let trimmed = line.trim_end_matches(|c: char| is_blank_char(c) && !is_hyphen(c));
    let mut rev = trimmed.char_indices().rev();
    let (at, hyphen) = rev.next()?;
    let (_, before) = rev.next()?;
    (is_hyphen(hyphen) && before.is_alphabetic()).then_some(at)
}

/// Calls `f` with each range of `text` that re-joins a word hyphenated
/// across a line end: from the hyphen to the first character of the next
/// line's word, which must be a lower-case letter.
fn for_each_hyphen_joint(text: &str, mut f: impl FnMut(Range<usize>)) {
    // Cheap exit for the common passage with no line break in it.
    if memchr::memchr3(b'\n', b'\r', 0xE2, text.as_bytes()).is_none() {
        return;
    }
    let mut lines = Lines::new(text).peekable();
    while let Some(line) = lines.next() {
        if line.hard_break {
            continue;
        }
        let Some(next) = lines.peek() else { break };
        let (Some(at), Some(c)) = (
            hyphen_at_end(&text[line.start..line.end]),
            next.content.clone(),
        ) else {
            continue;
        };
        if text[c.clone()].starts_with(char::is_lowercase) {
            f(line.start + at..c.start);
        }
    }
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

    // One test per page shape for `Auto`. The texts were written for these
    // tests.

    const WRAPPED: &str = "The harbour board met on Tuesday evening to discuss a plan to\n\
        dredge the eastern channel, which has silted up badly since\n\
        the last works were done there. Members agreed to seek three\n\
        quotes before the end of the month and to report back in the\n\
        spring.";

    #[test]
    fn auto_keeps_blank_line_paragraphs() {
        let t = "Harbour dredging plan agreed\n\n\
                 The board met on Tuesday.\n\n\
                 It will seek three quotes.\r\n\r\n\
                 A decision is due in spring.";
        let auto = texts(t, Segmentation::Auto);
        assert_eq!(auto.len(), 4);
        assert_eq!(auto, texts(t, Segmentation::BlankLines));
        // Wrapped paragraphs between blank lines stay whole, as with BlankLines.
        let t = format!("Harbour dredging plan agreed\n\n{WRAPPED}\n\nA closing line.");
        assert_eq!(
            texts(&t, Segmentation::Auto),
            texts(&t, Segmentation::BlankLines)
        );
        assert_eq!(texts(&t, Segmentation::Auto)[1], WRAPPED);
    }

    #[test]
    fn auto_splits_line_paragraphs() {
        let t = "Volunteers count more wading birds\n\
                 Volunteers counted more than four hundred wading birds on the estuary mudflats during the annual winter survey.\n\
                 That is a rise of nearly a fifth on last year, despite the cold snap in January.\n\
                 \"We were surprised,\" said the survey's organiser.\n\
                 The full results will be published in April.";
        assert_eq!(
            texts(t, Segmentation::Auto),
            texts(t, Segmentation::Lines),
            "one passage per line"
        );
        assert_eq!(texts(t, Segmentation::Auto).len(), 5);
    }

    #[test]
    fn auto_keeps_hard_wrapped_text_whole() {
        assert_eq!(texts(WRAPPED, Segmentation::Auto), [WRAPPED]);
        // A narrow column, and the same text wrapped at another width.
        let narrow = "Volunteers counted more than four\nhundred wading birds on the\n\
                      estuary mudflats during the annual\nwinter survey, a rise of nearly a\n\
                      fifth on last year despite the\ncold snap.";
        assert_eq!(texts(narrow, Segmentation::Auto), [narrow]);
        // Quoted in a reply, with a capital after the quote marks.
        let quoted = "GK>The shifter refuses to enter the gate, and I often grind\n\
                      GK>the synchros trying to get it into gear.  I will be watching\n\
                      GK>this carefully in the next couple of months.";
        assert_eq!(texts(quoted, Segmentation::Auto), [quoted]);
        // Indented paragraph starts (wire copy) do not break the wrap.
        let indented = "    The council said on Monday it would close the\n\
                        bridge for repairs from March, diverting traffic\n\
                        through the town centre for about six weeks while\n\
                        the deck is resurfaced.\n    Shops said the works would hit trade.";
        assert_eq!(texts(indented, Segmentation::Auto).len(), 1);
    }

    #[test]
    fn auto_rejoins_words_hyphenated_across_line_ends() {
        let column = "Volunteers counted more than four\nhundred wading birds on the mud-\n\
                      flats during the annual winter sur-\nvey, a rise of nearly a fifth on\n\
                      last year despite the cold snap.";
        let auto = Segmenter::new(Segmentation::Auto);
        assert_eq!(texts(column, Segmentation::Auto), [column]);
        assert_eq!(
            auto.passage_text(column),
            "Volunteers counted more than four\nhundred wading birds on the \
             mudflats during the annual winter survey, a rise of nearly a fifth on\n\
             last year despite the cold snap."
        );
        // Soft hyphens, U+2010, trailing blanks and CRLF; a capital after the
        // break (a name) and a hyphen after a space (a dash) stay as written.
        assert_eq!(auto.passage_text("exam\u{00AD}\r\nple"), "example");
        assert_eq!(auto.passage_text("exam\u{2010} \n\t ple"), "example");
        assert_eq!(auto.passage_text("Smith-\nJones"), "Smith-\nJones");
        assert_eq!(auto.passage_text("a -\nb"), "a -\nb");
        assert_eq!(auto.passage_text("exam-\u{2029}ple"), "exam-\u{2029}ple");
        assert!(matches!(auto.passage_text("no breaks-"), Cow::Borrowed(_)));
        for mode in [Segmentation::BlankLines, Segmentation::Lines] {
            assert_eq!(Segmenter::new(mode).passage_text(column), column);
        }
    }

    #[test]
    fn auto_reads_a_mixed_page() {
        let body = [
            "Ferry timetable cut for the winter",
            "By a staff reporter",
            "The island ferry will run four times a day instead of seven from November, the operator said on Wednesday.",
            "Residents said the cut would make it impossible to commute to jobs on the mainland.",
            "The operator will review the timetable in March.",
        ];
        let footer = [
            "More in Local",
            "School roof repairs finished early",
            "Tide tables for the coming week",
            "Museum opens a new gallery of maps",
        ];
        let page = format!(
            "{}\n\n{}\n\n{}\n\nCopyright 2024 The Island Gazette",
            body.join("\n"),
            WRAPPED,
            footer.join("\n")
        );
        let mut want: Vec<&str> = body.to_vec();
        want.push(WRAPPED);
        want.extend(footer);
        want.push("Copyright 2024 The Island Gazette");
        assert_eq!(texts(&page, Segmentation::Auto), want);
    }

    #[test]
    fn auto_single_lines_and_two_line_blocks() {
        assert_eq!(
            texts("  One line only.  ", Segmentation::Auto),
            ["One line only."]
        );
        // A wrapped two-line paragraph stays whole; a headline over a long
        // body line splits.
        assert_eq!(
            texts("First paragraph,\nwrapped.", Segmentation::Auto),
            ["First paragraph,\nwrapped."]
        );
        assert_eq!(
            texts(
                "Storm closes coast road\nThe coast road was shut at dawn after waves threw rocks onto it.",
                Segmentation::Auto
            )
            .len(),
            2
        );
        // Lines wider than any wrap width are paragraphs even without a full stop.
        let wide = format!(
            "{}\n{}",
            "word ".repeat(30).trim(),
            "more ".repeat(30).trim()
        );
        assert_eq!(texts(&wide, Segmentation::Auto).len(), 2);
    }

    proptest! {
        #[test]
        fn spans_are_ordered_disjoint_and_cover_all_content(s in "[a-c \n\r\t\u{00A0}\u{2029}é.-]{0,60}") {
            for mode in [Segmentation::Auto, Segmentation::BlankLines, Segmentation::Lines] {
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

        /// `Auto` cuts only where `Lines` cuts, and cuts wherever
        /// `BlankLines` cuts: each of its passages is a run of whole lines of
        /// one blank-line passage.
        #[test]
        fn auto_lies_between_blank_lines_and_lines(s in "([a-c]{1,9}[ .\n-]{1,2}){0,30}") {
            let lines = Segmenter::new(Segmentation::Lines).spans(&s);
            let blocks = Segmenter::new(Segmentation::BlankLines).spans(&s);
            for r in Segmenter::new(Segmentation::Auto).spans(&s) {
                prop_assert!(lines.iter().any(|l| l.start == r.start));
                prop_assert!(lines.iter().any(|l| l.end == r.end));
                prop_assert!(blocks.iter().any(|b| b.start <= r.start && r.end <= b.end));
            }
        }

        /// Re-joining only removes hyphens and line breaks with their blanks.
        #[test]
        fn rejoining_removes_only_hyphens_and_breaks(s in "([a-cA-C]{1,6}[ \n-]{1,3}){0,20}") {
            let text = Segmenter::new(Segmentation::Auto).passage_text(&s);
            let kept: String = s.chars().filter(|c| c.is_alphanumeric()).collect();
            let after: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
            prop_assert_eq!(kept, after);
            prop_assert!(text.len() <= s.len());
        }
    }
}
