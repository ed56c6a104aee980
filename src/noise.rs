//! How noisy a corpus looks: [`TextNoise`], the signs that text is OCR
//! output of printed columns, and whether [`Config::scanned`] fits.
//!
//! [`Config::scanned`]: crate::Config::scanned

/// Documents counted whole by [`TextNoise::sampled`] before sampling starts.
const SAMPLE_ALL: usize = 64;
/// After those, every this many documents.
const SAMPLE_EVERY: usize = 16;
/// Bytes of each sampled document.
const SAMPLE_BYTES: usize = 4096;

/// Counts of the signs of scanned text in some documents, mergeable with
/// [`add`](TextNoise::add).
///
/// - *Damaged-looking words*: in a token of letters and digits, one or two
///   digits between a letter and a lower-case letter (`c1ose`, `sch00l`), a
///   leading 0, 1, 5 or 8 followed by lower-case letters (`5chool`), or a
///   `|` between letters. Clean news and typed text have almost none
///   (`1990s`, `B52`, `COVID19`, `3D`, `24bit`, `W4WG`, e-mail addresses
///   and message ids are not counted; see `looks_damaged`).
/// - *Stray letters*: one-letter lower-case words other than `a`, `i`, `o`,
///   the remains of words split by a scan (capitals are left out: initials).
/// - *Hyphenated line ends*: a line ending in a letter and `-` followed by a
///   line starting with a lower-case letter (a word broken across a column).
/// - *Line length*: the mean length of non-blank lines; printed columns are
///   25–60 characters wide.
///
/// # Example
///
/// ```
/// use echodup::noise::TextNoise;
///
/// let scan = "The harbour re-\nopened on Fri day after a week of\nstorrns that kept the f1eet\nin port, c1ose to the 5hore.";
/// let clean = "The harbour reopened on Friday after a week of storms kept the fleet in port.";
/// assert!(TextNoise::of(scan).looks_scanned());
/// assert!(!TextNoise::of(clean).looks_scanned());
/// let mut both = TextNoise::of(scan);
/// both.add(&TextNoise::of(clean));
/// assert_eq!(both.documents, 2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TextNoise {
    /// Documents counted.
    pub documents: u64,
    /// Words (runs of non-space characters).
    pub words: u64,
    /// Words that look damaged (see the type docs).
    pub damaged_words: u64,
    /// One-letter lower-case words other than a, i, o.
    pub stray_letters: u64,
    /// Non-blank lines.
    pub lines: u64,
    /// Characters in non-blank lines.
    pub line_chars: u64,
    /// Lines ending in a word broken with a hyphen.
    pub hyphenated_line_ends: u64,
}

impl TextNoise {
    /// The counts of one document.
    pub fn of(text: &str) -> Self {
        let mut n = TextNoise {
            documents: 1,
            ..TextNoise::default()
        };
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            // Lines of ASCII (most of them) are read by bytes, with the
            // same result (a property test checks it).
            let broken = if line.is_ascii() {
                n.add_ascii_line(line)
            } else {
                n.add_line(line)
            };
            let mut next_lower = || {
                lines
                    .peek()
                    .and_then(|l| l.trim_start().chars().next())
                    .is_some_and(char::is_lowercase)
            };
            if broken && next_lower() {
                n.hyphenated_line_ends += 1;
            }
        }
        n
    }

    /// Counts one line but its hyphenated end; returns whether it ends in
    /// a word broken with a hyphen.
    fn add_line(&mut self, line: &str) -> bool {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return false;
        }
        self.lines += 1;
        self.line_chars += trimmed.chars().count() as u64;
        for word in trimmed.split_whitespace() {
            self.add_word(word.trim_matches(|c: char| !c.is_alphanumeric() && c != '|'));
        }
        trimmed
            .strip_suffix('-')
            .is_some_and(|head| head.ends_with(char::is_alphabetic))
    }

    /// [`add_line`](Self::add_line) of a line of ASCII, by bytes: the
    /// ASCII characters that are whitespace (`char::is_whitespace`) are
    /// tab, line feed, vertical tab, form feed, carriage return and space.
    fn add_ascii_line(&mut self, line: &str) -> bool {
        let space = |b: &u8| matches!(b, b'\t'..=b'\r' | b' ');
        let bytes = line.as_bytes();
        let Some(start) = bytes.iter().position(|b| !space(b)) else {
            return false;
        };
        let end = bytes
            .iter()
            .rposition(|b| !space(b))
            .map_or(start, |e| e + 1);
        let trimmed = &bytes[start..end];
        self.lines += 1;
        self.line_chars += trimmed.len() as u64;
        let mut i = 0;
        while i < trimmed.len() {
            let word_start = i;
            while i < trimmed.len() && !space(&trimmed[i]) {
                i += 1;
            }
            let keep = |b: &u8| b.is_ascii_alphanumeric() || *b == b'|';
            let word = &trimmed[word_start..i];
            let (first, last) = match word.iter().position(keep) {
                Some(first) => (first, word.iter().rposition(keep).map_or(first, |l| l + 1)),
                None => (0, 0),
            };
            let w = &word[first..last];
            self.words += 1;
            // Without a digit or `|`, no word looks damaged.
            if w.iter().any(|b| b.is_ascii_digit() || *b == b'|') {
                let at = start + word_start;
                if looks_damaged(&line[at + first..at + last]) {
                    self.damaged_words += 1;
                }
            }
            if let [c] = w
                && c.is_ascii_lowercase()
                && !matches!(c, b'a' | b'i' | b'o')
            {
                self.stray_letters += 1;
            }
            while i < trimmed.len() && space(&trimmed[i]) {
                i += 1;
            }
        }
        matches!(trimmed, [.., b, b'-'] if b.is_ascii_alphabetic())
    }

    /// Counts one word, its edge punctuation trimmed.
    fn add_word(&mut self, w: &str) {
        self.words += 1;
        if looks_damaged(w) {
            self.damaged_words += 1;
        }
        let mut chars = w.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && c.is_lowercase()
            && !matches!(c, 'a' | 'i' | 'o')
        {
            self.stray_letters += 1;
        }
    }

    /// The counts a run keeps for document `index`: the whole corpus
    /// would cost half as much again as analysis, so a run counts the first
    /// 64 documents and then every 16th, each on its first 4 KiB (cut at a
    /// line end when there is one). Small corpora are counted whole; large
    /// ones on a sample spread over the input.
    pub fn sampled(index: usize, text: &str) -> Self {
        if index >= SAMPLE_ALL && !index.is_multiple_of(SAMPLE_EVERY) {
            return TextNoise::default();
        }
        let mut end = text.len().min(SAMPLE_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let head = &text[..end];
        let head = if end < text.len() {
            head.rfind('\n').map_or(head, |i| &head[..i])
        } else {
            head
        };
        TextNoise::of(head)
    }

    /// The counts of many documents.
    pub fn of_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut total = TextNoise::default();
        for t in texts {
            total.add(&TextNoise::of(t));
        }
        total
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &TextNoise) {
        self.documents += other.documents;
        self.words += other.words;
        self.damaged_words += other.damaged_words;
        self.stray_letters += other.stray_letters;
        self.lines += other.lines;
        self.line_chars += other.line_chars;
        self.hyphenated_line_ends += other.hyphenated_line_ends;
    }

    /// Damaged-looking words and stray letters per word (0 without words).
    pub fn damaged_share(&self) -> f64 {
        ratio(self.damaged_words + self.stray_letters, self.words)
    }

    /// Hyphenated line ends per non-blank line (0 without lines).
    pub fn hyphenation_rate(&self) -> f64 {
        ratio(self.hyphenated_line_ends, self.lines)
    }

    /// Mean characters per non-blank line (0 without lines).
    pub fn mean_line_length(&self) -> f64 {
        ratio(self.line_chars, self.lines)
    }

    /// Whether the text looks like OCR output, for which
    /// [`Config::scanned`](crate::Config::scanned) fits: at least 0.1% of
    /// words look damaged, or narrow columns (mean line under 60
    /// characters) with at least 2% of lines ending in a broken word.
    ///
    /// Only some OCR errors show (a digit inside a word, a split word; a
    /// lost letter or `rn` for `m` do not), so on generated scans the
    /// share that looks damaged is roughly a tenth of the share damaged:
    /// 5% damaged words trips the first rule, and every generated column
    /// layout trips the second; clean generated news trips neither.
    pub fn looks_scanned(&self) -> bool {
        self.damaged_share() >= 0.001
            || (self.mean_line_length() < 60.0 && self.hyphenation_rate() >= 0.02)
    }

    /// One line for a run summary: the measures and the advice.
    pub fn summary(&self) -> String {
        let verdict = if self.looks_scanned() {
            "looks like scanned (OCR) text: try --preset scanned (Config::scanned())"
        } else {
            "looks clean"
        };
        format!(
            "{:.2}% of words look damaged, {:.1}% of lines end in a broken word, lines of {:.0} characters: {verdict}",
            100.0 * self.damaged_share(),
            100.0 * self.hyphenation_rate(),
            self.mean_line_length(),
        )
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Whether one whitespace-separated token looks like a word an OCR engine
/// damaged. Only word-like tokens count (letters and digits, once edge
/// punctuation is trimmed): e-mail addresses, message ids, URLs and sizes
/// such as `1024x768` are not prose. Then: `|` between two letters
/// (`wo|rd`); a run of one or two digits after a letter and before a
/// lower-case letter, in a token of at least twice as many letters as
/// digits (`c1ose`, `sch00l`; not the codes `W4WG`, `I2C`, `MX15F`, `24bit`);
/// or a leading 0, 1, 5 or 8 (read for o, l, s, b) followed by three or
/// more lower-case letters (`5chool`, `1ike`; not `22nd` or `4wd`).
fn looks_damaged(w: &str) -> bool {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
    // Most words are letters only or digits only: no allocation for them.
    let b = w.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    if !b.contains(&b'|') && (!has_digit || b.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    let c: Vec<char> = w.chars().collect();
    if c.len() < 2 || !c.iter().all(|x| x.is_alphanumeric() || *x == '|') {
        return false;
    }
    if c.windows(3)
        .any(|t| t[1] == '|' && t[0].is_alphabetic() && t[2].is_alphabetic())
    {
        return true;
    }
    let letters = c.iter().filter(|x| x.is_alphabetic()).count();
    let digits = c.iter().filter(|x| x.is_ascii_digit()).count();
    if letters >= 2 * digits {
        let mut i = 0;
        while i < c.len() {
            if c[i].is_ascii_digit() {
                let start = i;
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
                if start > 0
                    && i < c.len()
                    && i - start <= 2
                    && c[start - 1].is_alphabetic()
                    && c[i].is_lowercase()
                {
                    return true;
                }
            } else {
                i += 1;
            }
        }
    }
    matches!(c[0], '0' | '1' | '5' | '8') && c.len() >= 4 && c[1..].iter().all(|x| x.is_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The counts as `TextNoise::of` made them before lines of ASCII were
    /// read by bytes: the oracle of the fast path.
    fn of_by_chars(text: &str) -> TextNoise {
        let mut n = TextNoise {
            documents: 1,
            ..TextNoise::default()
        };
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            n.lines += 1;
            n.line_chars += trimmed.chars().count() as u64;
            let broken = trimmed
                .strip_suffix('-')
                .is_some_and(|head| head.ends_with(char::is_alphabetic));
            let next_lower = lines
                .peek()
                .and_then(|l| l.trim_start().chars().next())
                .is_some_and(char::is_lowercase);
            if broken && next_lower {
                n.hyphenated_line_ends += 1;
            }
            for word in trimmed.split_whitespace() {
                n.words += 1;
                let w = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '|');
                if looks_damaged(w) {
                    n.damaged_words += 1;
                }
                let mut chars = w.chars();
                if let (Some(c), None) = (chars.next(), chars.next())
                    && c.is_lowercase()
                    && !matches!(c, 'a' | 'i' | 'o')
                {
                    n.stray_letters += 1;
                }
            }
        }
        n
    }

    #[test]
    fn ascii_whitespace_is_that_of_char() {
        for b in 0u8..0x80 {
            let by_bytes = matches!(b, b'\t'..=b'\r' | b' ');
            assert_eq!(by_bytes, char::from(b).is_whitespace(), "{b:#x}");
        }
    }

    #[test]
    fn reading_ascii_lines_by_bytes_changes_no_count() {
        let texts = [
            "The harbour re-\nopened on Fri day after a week of\nstorrns c1ose 5hore.",
            " \t\x0b\x0c\r\n- x-\n-\n a- \n\u{e9}t\u{e9} q-\n  b |wo|rd| \"c1ose,\" ,., ||| e",
            "caf\u{e9}-\nbar\r\nline two-\r\n\u{e9}cole\n\x1c\x1f word\x0bword",
        ];
        for t in texts {
            assert_eq!(TextNoise::of(t), of_by_chars(t), "{t:?}");
        }
        #[cfg(feature = "tools")]
        for doc in crate::synth::news_like(20, 3) {
            assert_eq!(TextNoise::of(&doc), of_by_chars(&doc));
        }
    }

    proptest! {
        #[test]
        fn reading_ascii_lines_by_bytes_changes_no_count_on_any_text(
            text in "([a-z]{1,6}|[A-Z0-9|.,\"'-]{1,3}|[ \t\n\r\x0b\x0c\x1c]|\u{e9}|\u{a0}|\u{2003}){0,40}",
            other in any::<String>(),
        ) {
            prop_assert_eq!(TextNoise::of(&text), of_by_chars(&text));
            prop_assert_eq!(TextNoise::of(&other), of_by_chars(&other));
        }
    }

    #[test]
    fn damaged_words_are_counted_and_legit_ones_are_not() {
        for w in [
            "c1ose", "sch00l", "5chool", "wo|rd", "\"c1ose,", "C1ose", "1ike",
        ] {
            assert!(looks_damaged(w), "{w}");
        }
        // Clean news and typed text (20 Newsgroups): numbers with units,
        // codes, addresses, quote markers, sizes.
        for w in [
            "1990s",
            "B52",
            "COVID19",
            "3D",
            "22nd",
            "close",
            "2024",
            "4wd",
            "24bit",
            "W4WG",
            "I2C",
            "MX15F",
            "X11R4",
            ">|>",
            "|||",
            "frank@D012S658.uucp",
            "<1qk1pp$6hj@kyle.eitech.com>",
            "1024x768x256",
            "1280x1024x24bit",
            "30fps",
            "10am",
        ] {
            assert!(!looks_damaged(w), "{w}");
        }
        let n = TextNoise::of("a b c1ose I o X x\nline-\nbroken");
        assert_eq!((n.words, n.damaged_words, n.stray_letters), (9, 1, 2));
        assert_eq!((n.lines, n.hyphenated_line_ends), (3, 1));
        assert!(TextNoise::default().summary().contains("looks clean"));
    }

    #[test]
    fn sampling_counts_small_corpora_whole_and_large_ones_in_part() {
        let text = "c1ose line\n".repeat(1000);
        assert_eq!(TextNoise::sampled(3, "a c1ose"), TextNoise::of("a c1ose"));
        assert_eq!(TextNoise::sampled(65, &text), TextNoise::default());
        let n = TextNoise::sampled(80, &text);
        assert_eq!(n.documents, 1);
        assert!(n.words > 500 && n.words < 1000, "{}", n.words);
        assert_eq!(n.damaged_words * 2, n.words);
    }

    #[cfg(feature = "tools")]
    #[test]
    fn generated_scans_look_scanned_and_clean_news_does_not() {
        use crate::synth::{ScanConfig, ScanGenerator, news_like};
        for damage in [0.0, 0.01, 0.05, 0.1] {
            let g = ScanGenerator::new(ScanConfig::new().num_stories(60).damage(damage).seed(3))
                .unwrap();
            let texts = g.texts();
            let n = TextNoise::of_texts(texts.iter().map(String::as_str));
            assert!(n.looks_scanned(), "{damage}: {}", n.summary());
            if damage >= 0.05 {
                assert!(n.damaged_share() >= 0.001, "{damage}: {}", n.summary());
            }
        }
        let clean = news_like(200, 5);
        let n = TextNoise::of_texts(clean.iter().map(String::as_str));
        assert!(!n.looks_scanned(), "{}", n.summary());
    }
}
