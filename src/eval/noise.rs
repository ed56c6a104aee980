//! [`ocr_noise`]: OCR-like character confusions, to measure detection on
//! noisy scans of clean text.

use crate::hash::SplitMix64;

/// A copy of `text` with OCR-like character confusions: each ASCII letter
/// or digit that has a usual look-alike (e↔c, l↔1, o↔0, i↔l, rn→m, h→b,
/// u→v, a→o, s→5, and more) is replaced with probability `rate`, drawn
/// deterministically from `seed`. Used to simulate noisy scans of clean
/// text; other characters are kept.
///
/// # Example
///
/// ```
/// let clean = "the harbour stayed closed on monday";
/// let noisy = echodup::eval::ocr_noise(clean, 0.2, 7);
/// assert_ne!(noisy, clean);
/// assert_eq!(noisy, echodup::eval::ocr_noise(clean, 0.2, 7));
/// assert_eq!(echodup::eval::ocr_noise(clean, 0.0, 7), clean);
/// ```
pub fn ocr_noise(text: &str, rate: f64, seed: u64) -> String {
    let mut rng = SplitMix64::new(seed);
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let swap: Option<&str> = match c {
            'e' => Some("c"),
            'c' => Some("e"),
            'l' => Some("1"),
            '1' => Some("l"),
            'o' => Some("0"),
            '0' => Some("o"),
            'i' => Some("l"),
            'h' => Some("b"),
            'u' => Some("v"),
            'a' => Some("o"),
            's' => Some("5"),
            'n' => Some("ri"),
            'm' => Some("rn"),
            'r' if chars.peek() == Some(&'n') => Some("m"),
            't' => Some("f"),
            'E' => Some("F"),
            'O' => Some("0"),
            'I' => Some("l"),
            'S' => Some("5"),
            'B' => Some("8"),
            _ => None,
        };
        match swap {
            Some(s)
                if rate > 0.0 && (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= rate =>
            {
                if c == 'r' {
                    chars.next();
                }
                out.push_str(s);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_noise_rate_and_determinism() {
        let text = "the harbour stayed closed on monday after winds ".repeat(50);
        let noisy = ocr_noise(&text, 0.05, 1);
        assert_eq!(noisy, ocr_noise(&text, 0.05, 1));
        assert_ne!(noisy, ocr_noise(&text, 0.05, 2));
        // 200 letters e; about 5% become c (and 50 c become e at the same rate).
        let e = noisy.matches('e').count();
        assert!((180..200).contains(&e), "{e}");
        // At rate 1 every e becomes c and every c becomes e.
        assert_eq!(ocr_noise(&text, 1.0, 1).matches('e').count(), 50);
    }
}
