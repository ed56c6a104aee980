//! The JSON embedded in the page, written by hand: the crate's core has no
//! JSON dependency, and the page needs escapes that a general writer does not
//! make.
//!
//! Strings are escaped for JSON and, on top, for the inside of a `<script>`
//! element: `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026`, so no
//! text can close the element (`</script>`) or open a comment. C0 control
//! characters other than tab, line feed and carriage return, and DEL, are
//! written as their Unicode *control pictures* (U+2400–U+2421: NUL shows as
//! `␀`): one UTF-16 unit for one, so offsets computed on the original text
//! stay valid in the page.

use std::fmt::Write as _;

/// The character shown for `c`: its control picture for C0 controls (but
/// tab, line feed and carriage return) and DEL, `c` itself otherwise.
pub(crate) fn shown(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).expect("U+2400..U+241F"),
        '\u{7f}' => '\u{2421}',
        _ => c,
    }
}

/// Appends `s` as a JSON string literal, escaped as the module docs say.
pub(crate) fn string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match shown(c) {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a similarity (or any value in 0..=1) with four decimals, the
/// precision the page shows; a non-finite value as `null`.
pub(crate) fn fraction(out: &mut String, x: f64) {
    if x.is_finite() {
        // Trailing zeros cost bytes on a large report.
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        out.push_str(if s.is_empty() || s == "-" { "0" } else { s });
    } else {
        out.push_str("null");
    }
}

/// Appends an integer.
pub(crate) fn int(out: &mut String, n: impl Into<u64>) {
    let _ = write!(out, "{}", n.into());
}

/// Appends `"key":`, after a comma unless `first`.
pub(crate) fn key(out: &mut String, name: &str, first: bool) {
    if !first {
        out.push(',');
    }
    string(out, name);
    out.push(':');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        let mut out = String::new();
        string(&mut out, text);
        out
    }

    #[test]
    fn script_and_markup_cannot_leave_the_json() {
        assert_eq!(
            s("</script><!-- & \"x\" \\"),
            r#""\u003c/script\u003e\u003c!-- \u0026 \"x\" \\""#
        );
    }

    #[test]
    fn controls_become_pictures_of_the_same_utf16_length() {
        assert_eq!(
            s("a\0b\u{1b}\u{7f}\t\n\r"),
            "\"a\u{2400}b\u{241b}\u{2421}\\t\\n\\r\""
        );
        for c in ['\0', '\u{1}', '\u{1f}', '\u{7f}'] {
            assert_eq!(shown(c).len_utf16(), c.len_utf16());
        }
    }

    #[test]
    fn line_separators_are_escaped() {
        assert_eq!(s("a\u{2028}b\u{2029}"), r#""a\u2028b\u2029""#);
    }

    #[test]
    fn fractions_are_short() {
        let f = |x: f64| {
            let mut out = String::new();
            fraction(&mut out, x);
            out
        };
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.0), "0");
        assert_eq!(f(0.90217), "0.9022");
        assert_eq!(f(0.5), "0.5");
        assert_eq!(f(f64::NAN), "null");
    }
}
