//! Stages 2–3 fused for the common case: tokens straight from the bytes of a
//! passage.
//!
//! [`passage_tokens`] normalizes and tokenizes a passage in one pass over
//! its bytes, without building the normalized text: ASCII bytes go through
//! the normalizer's ASCII table, and the non-ASCII characters of Latin text
//! and typography (Latin-1 Supplement, Latin Extended-A and -B, General
//! Punctuation, currency signs) through a table of what each becomes,
//! built once per combination of [`Normalizer`] options from the Unicode
//! path itself ([`Normalizer::context_free_fold`]). Word tokens are hashed
//! from the folded bytes as each word ends (runs of lowercase ASCII letters,
//! which every option but OCR folding leaves as they are, are copied eight
//! bytes at a time after one word-at-a-time range check); character and
//! glyph tokens are pushed as they come. OCR letter pairs are folded per word, as the
//! Unicode path folds them on the normalized text (no pair crosses a
//! space).
//!
//! A passage with any other character (a combining mark, CJK, Cyrillic,
//! a compatibility form whose result depends on its neighbours) is left to
//! the Unicode path: `passage_tokens` returns `false` and the caller runs
//! [`Normalizer::normalize_into`] and [`Shingler::tokens_into`]. Either way
//! the tokens are the same, bit for bit (property tests below, against the
//! Unicode path on arbitrary and generated text, for every option
//! combination and every shingling).

use std::sync::OnceLock;

use crate::hash::hash_bytes;
use crate::normalize::Normalizer;
use crate::shingle::{Shingler, Shingling};

/// The code points of two-byte UTF-8 characters in the table: Latin-1
/// Supplement, Latin Extended-A and -B.
const TWO_BYTE: std::ops::Range<u32> = 0x80..0x250;
/// The code points of three-byte UTF-8 characters in the table: General
/// Punctuation, super- and subscripts, currency signs.
const THREE_BYTE: std::ops::Range<u32> = 0x2000..0x20C0;

/// What one non-ASCII character becomes: up to 4 bytes of UTF-8 (a space
/// for a separator), or not handled here.
#[derive(Clone, Copy, Debug)]
struct Fold {
    /// Length in `bytes`, or [`Fold::REJECT`].
    len: u8,
    bytes: [u8; 4],
}

impl Fold {
    const REJECT: u8 = u8::MAX;

    fn new(c: char, normalizer: &Normalizer) -> Fold {
        match normalizer.context_free_fold(c) {
            Some(s) if s.len() <= 4 => {
                let mut bytes = [0; 4];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Fold {
                    len: s.len() as u8,
                    bytes,
                }
            }
            _ => Fold {
                len: Fold::REJECT,
                bytes: [0; 4],
            },
        }
    }
}

/// The folds of one option combination.
#[derive(Debug)]
struct FoldTable {
    two: Vec<Fold>,
    three: Vec<Fold>,
    /// Whether every lowercase ASCII letter stays itself (not with OCR
    /// folding, which folds some letters): then [`words`] copies runs of
    /// them eight bytes at a time.
    letters_plain: bool,
}

impl FoldTable {
    fn new(normalizer: &Normalizer) -> FoldTable {
        let build = |r: std::ops::Range<u32>| {
            r.map(|cp| match char::from_u32(cp) {
                Some(c) => Fold::new(c, normalizer),
                None => Fold {
                    len: Fold::REJECT,
                    bytes: [0; 4],
                },
            })
            .collect()
        };
        let ascii = normalizer.ascii_table();
        FoldTable {
            two: build(TWO_BYTE),
            three: build(THREE_BYTE),
            letters_plain: (b'a'..=b'z').all(|b| ascii[usize::from(b)] == b),
        }
    }

    /// The fold of the character whose UTF-8 starts at `bytes[0]` (not
    /// ASCII), and its length in bytes; `None` when it is not handled here.
    #[inline]
    fn get(&self, bytes: &[u8]) -> Option<(&Fold, usize)> {
        let b0 = bytes[0];
        let (fold, len) = if b0 & 0xE0 == 0xC0 {
            let cp = (u32::from(b0 & 0x1F) << 6) | u32::from(*bytes.get(1)? & 0x3F);
            (self.two.get(cp.checked_sub(TWO_BYTE.start)? as usize)?, 2)
        } else if b0 & 0xF0 == 0xE0 {
            let cp = (u32::from(b0 & 0x0F) << 12)
                | (u32::from(*bytes.get(1)? & 0x3F) << 6)
                | u32::from(*bytes.get(2)? & 0x3F);
            (
                self.three.get(cp.checked_sub(THREE_BYTE.start)? as usize)?,
                3,
            )
        } else {
            return None;
        };
        (fold.len != Fold::REJECT).then_some((fold, len))
    }
}

/// The table of `normalizer`'s options, built on first use.
fn fold_table(normalizer: &Normalizer) -> &'static FoldTable {
    static TABLES: [OnceLock<FoldTable>; 32] = [const { OnceLock::new() }; 32];
    TABLES[option_index(normalizer)].get_or_init(|| FoldTable::new(normalizer))
}

fn option_index(n: &Normalizer) -> usize {
    n.get_case_fold() as usize
        | (n.get_fold_typography() as usize) << 1
        | (n.get_strip_punctuation() as usize) << 2
        | (n.get_fold_digits() as usize) << 3
        | (n.get_fold_ocr() as usize) << 4
}

/// Appends the tokens of `passage` (the text of one passage, as
/// [`Segmenter::passage_text`](crate::segment::Segmenter::passage_text)
/// gives it) to `out`, as `shingler.tokens_into(&normalizer.normalize(passage), out)`
/// would, and returns `true`; or returns `false`, with `out` as it was,
/// when the passage has a character this path does not handle. `buf` is
/// scratch space.
pub(crate) fn passage_tokens(
    normalizer: &Normalizer,
    shingler: &Shingler,
    passage: &str,
    buf: &mut Vec<u8>,
    out: &mut Vec<u64>,
) -> bool {
    let start = out.len();
    let table = fold_table(normalizer);
    let ascii = normalizer.ascii_table();
    let ocr = normalizer.get_fold_ocr();
    let done = match shingler.shingling() {
        Shingling::Words(_) => words(
            passage.as_bytes(),
            ascii,
            table,
            ocr,
            shingler.seed(),
            buf,
            out,
        ),
        Shingling::Chars(_) => chars::<true>(passage.as_bytes(), ascii, table, ocr, out),
        Shingling::Glyphs(_) => chars::<false>(passage.as_bytes(), ascii, table, ocr, out),
    };
    if !done {
        out.truncate(start);
    }
    done
}

/// How many of the eight bytes of `x` (little-endian: the first byte is
/// the lowest), counted from the first, are lowercase ASCII letters before
/// any other byte: a word-at-a-time (SWAR) range check, the same as
/// `x.to_le_bytes().iter().take_while(|b| b.is_ascii_lowercase()).count()`
/// (a test checks it against that).
#[inline]
fn lowercase_prefix(x: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The low seven bits of each byte, so that the additions below never
    // carry into the next byte.
    let low = x & !HIGH;
    // Bit 7 of a byte set: at least b'a' (0x61), above b'z' (0x7A).
    let at_least_a = low + ONES * (0x80 - 0x61);
    let above_z = low + ONES * (0x80 - 0x7B);
    let lowercase = at_least_a & !above_z & !x & HIGH;
    ((!lowercase & HIGH).trailing_zeros() / 8) as usize
}

/// Word tokens: the folded bytes of the current word are collected in
/// `buf` (never longer than the passage: no fold is longer than its
/// character) and hashed when a separator or the end comes. Where
/// lowercase letters stay themselves, runs of them are copied eight bytes
/// at a time ([`lowercase_prefix`]); the other bytes go one at a time
/// through the tables.
fn words(
    text: &[u8],
    ascii: &[u8; 128],
    table: &FoldTable,
    ocr: bool,
    seed: u64,
    buf: &mut Vec<u8>,
    out: &mut Vec<u64>,
) -> bool {
    if buf.len() < text.len() {
        buf.resize(text.len(), 0);
    }
    let buf = &mut buf[..text.len()];
    let mut w = 0;
    let mut end_word = |buf: &mut [u8], w: &mut usize| {
        if *w > 0 {
            let len = if ocr {
                fold_ocr_pairs(&mut buf[..*w])
            } else {
                *w
            };
            out.push(hash_bytes(&buf[..len], seed));
            *w = 0;
        }
    };
    let mut i = 0;
    while i < text.len() {
        if table.letters_plain && i + 8 <= text.len() {
            // `w <= i` (no fold is longer than its character), so the
            // eight bytes fit in `buf`; only the first `k` count.
            let chunk: [u8; 8] = text[i..i + 8].try_into().expect("8 bytes");
            let k = lowercase_prefix(u64::from_le_bytes(chunk));
            buf[w..w + 8].copy_from_slice(&chunk);
            w += k;
            i += k;
            if k == 8 {
                continue;
            }
        }
        let b = text[i];
        if b < 0x80 {
            let c = ascii[usize::from(b)];
            if c == b' ' {
                end_word(buf, &mut w);
            } else {
                buf[w] = c;
                w += 1;
            }
            i += 1;
        } else {
            let Some((fold, len)) = table.get(&text[i..]) else {
                return false;
            };
            for &c in &fold.bytes[..usize::from(fold.len)] {
                if c == b' ' {
                    end_word(buf, &mut w);
                } else {
                    buf[w] = c;
                    w += 1;
                }
            }
            i += len;
        }
    }
    end_word(buf, &mut w);
    true
}

/// Character tokens (`SPACES`: with one space between words, as
/// [`Shingling::Chars`]) or glyph tokens (without, as
/// [`Shingling::Glyphs`]), pushed as they come; the OCR pairs of a word
/// are folded in `out` when it ends.
fn chars<const SPACES: bool>(
    text: &[u8],
    ascii: &[u8; 128],
    table: &FoldTable,
    ocr: bool,
    out: &mut Vec<u64>,
) -> bool {
    let start = out.len();
    // Where the current word's tokens start, and whether a space is due
    // before the next character.
    let mut word = start;
    let mut pending = false;
    let end_word = |out: &mut Vec<u64>, word: &mut usize, pending: &mut bool| {
        if out.len() > *word {
            if ocr {
                let len = fold_ocr_pairs(&mut out[*word..]);
                out.truncate(*word + len);
            }
            *word = out.len();
            *pending = SPACES;
        }
    };
    let push = |out: &mut Vec<u64>, word: &mut usize, pending: &mut bool, c: u64| {
        if *pending {
            out.push(u64::from(b' '));
            *word = out.len();
            *pending = false;
        }
        out.push(c);
    };
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b < 0x80 {
            let c = ascii[usize::from(b)];
            if c == b' ' {
                end_word(out, &mut word, &mut pending);
            } else {
                push(out, &mut word, &mut pending, u64::from(c));
            }
            i += 1;
        } else {
            let Some((fold, len)) = table.get(&text[i..]) else {
                return false;
            };
            let folded = std::str::from_utf8(&fold.bytes[..usize::from(fold.len)])
                .expect("folds are built from strings");
            for c in folded.chars() {
                if c == ' ' {
                    end_word(out, &mut word, &mut pending);
                } else {
                    push(out, &mut word, &mut pending, u64::from(c));
                }
            }
            i += len;
        }
    }
    end_word(out, &mut word, &mut pending);
    true
}

/// The OCR letter pairs of [`crate::normalize::OCR_FOLDING`] folded in
/// place, left to right, in one word (bytes or character tokens); returns
/// the word's new length.
fn fold_ocr_pairs<T: Copy + PartialEq + From<u8>>(word: &mut [T]) -> usize {
    let (r, n, v, c, l) = (
        T::from(b'r'),
        T::from(b'n'),
        T::from(b'v'),
        T::from(b'c'),
        T::from(b'l'),
    );
    let (mut i, mut w) = (0, 0);
    while i < word.len() {
        let pair = match word.get(i + 1) {
            Some(&next) if word[i] == r && next == n => Some(T::from(b'm')),
            Some(&next) if word[i] == v && next == v => Some(T::from(b'w')),
            Some(&next) if word[i] == c && next == l => Some(T::from(b'd')),
            _ => None,
        };
        match pair {
            Some(f) => {
                word[w] = f;
                i += 2;
            }
            None => {
                word[w] = word[i];
                i += 1;
            }
        }
        w += 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_SEED;
    use proptest::prelude::*;

    /// Every combination of the normalizer's options.
    fn all_normalizers() -> impl Iterator<Item = Normalizer> + Clone {
        (0..32u32).map(|f| {
            Normalizer::minimal()
                .case_fold(f & 1 != 0)
                .fold_typography(f & 2 != 0)
                .strip_punctuation(f & 4 != 0)
                .fold_digits(f & 8 != 0)
                .fold_ocr(f & 16 != 0)
        })
    }

    fn shinglers(n: usize) -> [Shingler; 3] {
        [
            Shingler::new(Shingling::Words(n), DEFAULT_SEED),
            Shingler::new(Shingling::Chars(n), DEFAULT_SEED),
            Shingler::new(Shingling::Glyphs(n), 7),
        ]
    }

    /// The tokens of the Unicode path.
    fn reference(n: &Normalizer, s: &Shingler, text: &str) -> Vec<u64> {
        let mut out = vec![1, 2, 3];
        s.tokens_into(&n.normalize(text), &mut out);
        out
    }

    /// Checks the fused path against the Unicode path on `text` for every
    /// option combination and shingling; returns whether the fused path
    /// took it.
    fn check(text: &str) -> Result<bool, TestCaseError> {
        let mut taken = false;
        let mut buf = Vec::new();
        for n in all_normalizers() {
            for s in shinglers(3) {
                let mut out = vec![1, 2, 3];
                if passage_tokens(&n, &s, text, &mut buf, &mut out) {
                    taken = true;
                    prop_assert_eq!(&out, &reference(&n, &s, text), "{:?} {:?} {:?}", n, s, text);
                } else {
                    prop_assert_eq!(&out, &[1, 2, 3]);
                }
            }
        }
        Ok(taken)
    }

    /// Every character the tables of `normalizers` take.
    fn taken_chars(normalizers: impl Iterator<Item = Normalizer> + Clone) -> Vec<char> {
        let mut taken: Vec<char> = TWO_BYTE
            .chain(THREE_BYTE)
            .filter_map(char::from_u32)
            .filter(|&c| {
                let mut b = [0; 4];
                normalizers.clone().any(|n| {
                    fold_table(&n)
                        .get(c.encode_utf8(&mut b).as_bytes())
                        .is_some()
                })
            })
            .collect();
        taken.sort();
        taken
    }

    #[test]
    fn no_two_characters_of_the_tables_compose() {
        // The Unicode path's NFKC could join two neighbours into one
        // character; the folds are per character, so no pair of what the
        // tables take (or of what NFKC makes of it, or of ASCII) may
        // compose.
        use unicode_normalization::UnicodeNormalization;
        let mut chars: Vec<char> = (0u8..0x80).map(char::from).collect();
        for c in taken_chars(all_normalizers()) {
            chars.push(c);
            chars.extend(std::iter::once(c).nfkc());
            for n in all_normalizers() {
                if let Some(f) = n.context_free_fold(c) {
                    chars.extend(f.chars());
                }
            }
        }
        chars.sort();
        chars.dedup();
        for &a in &chars {
            for &b in &chars {
                assert_eq!(
                    unicode_normalization::char::compose(a, b),
                    None,
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn the_tables_take_latin_text_and_typography() {
        let taken = taken_chars(std::iter::once(Normalizer::news()));
        for c in "éèàçñößÉÀÇØæœšžłığ“”‘’«»–—…\u{A0}\u{AD}\u{2009}€£¥".chars()
        {
            assert!(taken.contains(&c), "{c:?}");
        }
        // Left to the Unicode path: combining marks, compatibility forms
        // that leave a combining mark (the acute accent), the Turkish
        // capital dotted I (its lower case has a combining dot).
        for c in ['\u{301}', '\u{B4}', 'İ', 'ﬁ', 'д', '東'] {
            assert!(!taken.contains(&c), "{c:?}");
        }
        assert!(check("Café “naïve” — l’été…").unwrap());
        assert!(!check("Cafe\u{301} 東京").unwrap());
    }

    #[test]
    fn ocr_pairs_fold_per_word() {
        let n = Normalizer::scanned();
        for s in shinglers(2) {
            let mut out = Vec::new();
            let text = "rnodern vvorld cl r n, RN";
            assert!(passage_tokens(&n, &s, text, &mut Vec::new(), &mut out));
            assert_eq!(out, reference(&n, &s, text)[3..]);
        }
    }

    #[test]
    fn lowercase_prefix_counts_leading_lowercase_letters() {
        let naive = |x: u64| {
            x.to_le_bytes()
                .iter()
                .take_while(|b| b.is_ascii_lowercase())
                .count()
        };
        // Every byte value in every position, among lowercase letters and
        // next to the range's edges.
        for b in 0..=255u8 {
            for at in 0..8 {
                for fill in [b'a', b'z', b'm', b'`', b'{', b'A', 0x80, 0xE1, 0xFA] {
                    let mut bytes = [fill; 8];
                    bytes[at] = b;
                    let x = u64::from_le_bytes(bytes);
                    assert_eq!(lowercase_prefix(x), naive(x), "{bytes:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn lowercase_prefix_equals_naive(x in any::<u64>(), letters in proptest::collection::vec(b'a'..=b'z', 8), cut in 0usize..9) {
            let mut bytes = x.to_le_bytes();
            bytes[..cut].copy_from_slice(&letters[..cut]);
            let x = u64::from_le_bytes(bytes);
            let naive = bytes.iter().take_while(|b| b.is_ascii_lowercase()).count();
            prop_assert_eq!(lowercase_prefix(x), naive);
        }

        #[test]
        fn fused_equals_unicode_path_on_long_lowercase_runs(
            words in proptest::collection::vec("[a-z]{1,20}|[A-Za-z0-9]{1,12}|[.,;'\"-]", 0..30),
            seps in proptest::collection::vec(prop_oneof![" ", "  ", "\t", "\n", "", "é", "’", "—"], 30),
        ) {
            let mut text = String::new();
            for (w, s) in words.iter().zip(&seps) {
                text.push_str(w);
                text.push_str(s);
            }
            check(&text)?;
        }
    }

    fn latin() -> impl Strategy<Value = String> {
        "[ -~\t\n\u{A0}-\u{17F}\u{2000}-\u{206F}\u{20AC}rnvcl10]{0,60}"
    }

    proptest! {
        #[test]
        fn fused_equals_unicode_path_on_arbitrary_text(s in any::<String>()) {
            check(&s)?;
        }

        #[test]
        fn fused_equals_unicode_path_on_latin_text(s in latin()) {
            check(&s)?;
        }

        #[test]
        fn fused_equals_unicode_path_on_mixed_text(a in latin(), b in any::<String>(), c in latin()) {
            check(&format!("{a}{b}{c}"))?;
            check(&format!("{a}{c}"))?;
        }
    }

    #[cfg(feature = "tools")]
    #[test]
    fn fused_equals_unicode_path_on_generated_text() {
        use crate::synth::{PageConfig, PageGenerator, ScanConfig, ScanGenerator};
        let pages = PageGenerator::new(PageConfig::new().num_pages(30).seed(5)).unwrap();
        let scans = ScanGenerator::new(ScanConfig::new().num_stories(8).seed(9)).unwrap();
        let mut docs = crate::synth::news_like(40, 17);
        docs.extend((0..pages.len()).map(|i| pages.text(i)));
        docs.extend((0..scans.len().min(40)).map(|i| scans.text(i)));
        let seg = crate::segment::Segmenter::new(crate::Segmentation::Auto);
        let (mut passages, mut taken) = (0, 0);
        for doc in &docs {
            seg.for_each_span(doc, |span| {
                let p = seg.passage_text(&doc[span]);
                passages += 1;
                taken += usize::from(check(&p).unwrap());
            });
        }
        // The common case takes the fused path.
        assert!(taken * 10 > passages * 8, "{taken} of {passages}");
    }
}
