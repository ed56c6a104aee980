//! What a paper and a scanner do to a story: column layout with hyphenation,
//! paragraph breaks lost and added, and word-level OCR damage.

use crate::synth::rng::Rng;

/// Look-alike confusions of OCR engines, `(printed, read)`. Multi-letter
/// entries (`rn` read as `m`, `m` as `rn`, `d` as `cl`, `w` as `vv`) are the
/// ones a per-letter folding cannot undo.
const CONFUSIONS: &[(&str, &str)] = &[
    ("rn", "m"),
    ("m", "rn"),
    ("o", "0"),
    ("O", "0"),
    ("0", "o"),
    ("l", "1"),
    ("1", "l"),
    ("i", "l"),
    ("I", "l"),
    ("l", "I"),
    ("e", "c"),
    ("c", "e"),
    ("h", "b"),
    ("u", "v"),
    ("n", "ri"),
    ("d", "cl"),
    ("w", "vv"),
    ("s", "5"),
    ("S", "5"),
    ("B", "8"),
    ("t", "f"),
    ("a", "o"),
    (",", "."),
    (".", ","),
];

/// Lays out `blocks` (each a paragraph, already holding the lost breaks'
/// merged text) in a column of `width` characters, blocks separated by a
/// blank line. A word that does not fit at a line end is hyphenated when it
/// has at least 7 characters, 3 or more fit (with the hyphen), 3 or more go
/// to the next line and the cut falls between two letters; else it moves to
/// the next line.
pub(super) fn layout(blocks: &[String], width: usize, out: &mut String) {
    for (b, block) in blocks.iter().enumerate() {
        if b > 0 {
            out.push_str("\n\n");
        }
        let mut col = 0usize;
        for word in block.split(' ').filter(|w| !w.is_empty()) {
            let mut rest = word;
            loop {
                let len = rest.chars().count();
                let space = usize::from(col > 0);
                if col + space + len <= width {
                    if space == 1 {
                        out.push(' ');
                    }
                    out.push_str(rest);
                    col += space + len;
                    break;
                }
                let room = width.saturating_sub(col + space + 1); // characters before the hyphen
                let chars: Vec<char> = rest.chars().collect();
                let between_letters = |k: usize| {
                    k >= 1
                        && k < chars.len()
                        && chars[k - 1].is_alphabetic()
                        && chars[k].is_alphabetic()
                };
                if len >= 7 && room >= 3 && len - room >= 3 && between_letters(room) {
                    let cut = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
                    if space == 1 {
                        out.push(' ');
                    }
                    out.push_str(&rest[..cut]);
                    out.push_str("-\n");
                    rest = &rest[cut..];
                    col = 0;
                } else if col == 0 {
                    // Longer than a line: put it there whole.
                    out.push_str(rest);
                    col = len;
                    break;
                } else {
                    out.push('\n');
                    col = 0;
                }
            }
        }
    }
}

/// Paragraph breaks as a scan reads them: with probability `p` a paragraph
/// runs on into the previous one (its break lost), and with probability `p`
/// a paragraph of two or more sentences is split at a sentence end near its
/// middle (a break added). The headline (block 0) is left alone.
pub(super) fn rebreak(paras: Vec<String>, p: f64, rng: &mut Rng) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(paras.len() + 2);
    for (k, para) in paras.into_iter().enumerate() {
        if k >= 2 && rng.chance(p) {
            let last = out.last_mut().expect("k >= 2");
            last.push(' ');
            last.push_str(&para);
            continue;
        }
        if k >= 1 && rng.chance(p) {
            let mid = para.len() / 2;
            let ends: Vec<usize> = para.match_indices(". ").map(|(i, _)| i + 1).collect();
            if let Some(&at) = ends.iter().min_by_key(|&&i| i.abs_diff(mid)) {
                out.push(para[..at].to_string());
                out.push(para[at + 1..].to_string());
                continue;
            }
        }
        out.push(para);
    }
    out
}

/// `text` as an OCR engine reads it: each word (a run of characters between
/// spaces and line ends), with probability `rate`, gets one error: a
/// look-alike confusion from [`CONFUSIONS`] (55%; a lost letter when the
/// word has none), a lost letter (20%), a space inserted inside it (13%),
/// or the space after it lost (12%, when a space follows on the same line).
pub(super) fn ocr_damage(text: &str, rate: f64, rng: &mut Rng, out: &mut String) {
    if rate <= 0.0 {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find([' ', '\n']).unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        rest = after;
        if word.is_empty() || !rng.chance(rate) {
            out.push_str(word);
        } else {
            let r = rng.unit();
            if r < 0.55 {
                if !confuse(word, rng, out) {
                    lose_letter(word, rng, out);
                }
            } else if r < 0.75 {
                lose_letter(word, rng, out);
            } else if r < 0.88 {
                let chars: Vec<(usize, char)> = word.char_indices().collect();
                if chars.len() >= 4 {
                    let at = chars[1 + rng.below(chars.len() as u64 - 2) as usize].0;
                    out.push_str(&word[..at]);
                    out.push(' ');
                    out.push_str(&word[at..]);
                } else {
                    out.push_str(word);
                }
            } else {
                out.push_str(word);
                if rest.starts_with(' ') {
                    rest = &rest[1..];
                }
            }
        }
        // The separator (if any) is copied as it is.
        if let Some(c) = rest.chars().next() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// Writes `word` with one look-alike confusion; false (writing nothing) if
/// no entry of [`CONFUSIONS`] occurs in it.
fn confuse(word: &str, rng: &mut Rng, out: &mut String) -> bool {
    let mut sites: Vec<(usize, &str, &str)> = Vec::new();
    for &(from, to) in CONFUSIONS {
        for (i, _) in word.match_indices(from) {
            sites.push((i, from, to));
        }
    }
    if sites.is_empty() {
        return false;
    }
    let (i, from, to) = sites[rng.below(sites.len() as u64) as usize];
    out.push_str(&word[..i]);
    out.push_str(to);
    out.push_str(&word[i + from.len()..]);
    true
}

/// Writes `word` without one of its letters or digits (unchanged if it has
/// fewer than two).
fn lose_letter(word: &str, rng: &mut Rng, out: &mut String) {
    let letters: Vec<usize> = word
        .char_indices()
        .filter(|(_, c)| c.is_alphanumeric())
        .map(|(i, _)| i)
        .collect();
    if letters.len() < 2 {
        out.push_str(word);
        return;
    }
    let i = letters[rng.below(letters.len() as u64) as usize];
    let len = word[i..].chars().next().map_or(0, char::len_utf8);
    out.push_str(&word[..i]);
    out.push_str(&word[i + len..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_fits_the_column_and_hyphenates_long_words() {
        let blocks = vec![
            "Headline Words Here".to_string(),
            "the correspondents reported extraordinary developments in the \
             municipality yesterday afternoon"
                .to_string(),
        ];
        let mut out = String::new();
        layout(&blocks, 20, &mut out);
        for line in out.lines() {
            assert!(line.chars().count() <= 20, "{line:?}");
        }
        assert!(out.contains("-\n"), "{out}");
        assert_eq!(out.split("\n\n").count(), 2);
        // Re-joining hyphens and lines gives the words back.
        let joined = out.replace("-\n", "").replace('\n', " ");
        assert!(joined.contains("extraordinary developments"), "{joined}");
        assert!(joined.contains("municipality yesterday"), "{joined}");
    }

    #[test]
    fn damage_rate_is_per_word_and_deterministic() {
        let text = "the harbour stayed closed on monday after winds\n".repeat(200);
        let words = text.split_whitespace().count();
        let run = |seed| {
            let mut out = String::new();
            ocr_damage(&text, 0.1, &mut Rng::new(seed, 0, 0), &mut out);
            out
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        let damaged = text
            .split_whitespace()
            .zip(run(1).split_whitespace())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(damaged < words);
        // About 10% of words differ: count words of the output that are not
        // words of the vocabulary.
        let vocab = [
            "the", "harbour", "stayed", "closed", "on", "monday", "after", "winds",
        ];
        let out = run(3);
        let bad = out
            .split_whitespace()
            .filter(|w| !vocab.contains(w))
            .count();
        let share = bad as f64 / words as f64;
        assert!((0.06..0.16).contains(&share), "{share}");
        let mut same = String::new();
        ocr_damage(&text, 0.0, &mut Rng::new(1, 0, 0), &mut same);
        assert_eq!(same, text);
    }

    #[test]
    fn rebreak_keeps_every_word() {
        let paras: Vec<String> = (0..30)
            .map(|i| format!("Para {i} one. Two words here. And three more here."))
            .collect();
        let words: usize = paras.iter().map(|p| p.split(' ').count()).sum();
        let out = rebreak(paras.clone(), 0.3, &mut Rng::new(5, 0, 0));
        assert_ne!(out.len(), paras.len());
        assert_eq!(out[0], paras[0]);
        let after: usize = out.iter().map(|p| p.split(' ').count()).sum();
        assert_eq!(after, words);
    }
}
