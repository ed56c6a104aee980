//! Any text (the input's valid UTF-8, invalid bytes replaced) through every
//! `Segmentation` and `Analyzer::analyze`, and through `Normalizer`s.
//!
//! Asserts the segment module's invariants: spans lie on char boundaries
//! within the text, are non-empty, ordered and disjoint, start and end on a
//! non-blank character, and every non-blank character lies in exactly one
//! passage; the analyzer's passages have the segmenter's spans. And the
//! normalize module's: normalizing normalized text returns it unchanged.
//!
//! The first byte picks the segmentation (modulo 3) and the normalizer (the
//! next factor of 3), the rest is the text: one of each per input, rather
//! than all of them, triples the inputs run per second, and the fuzzer
//! reaches every combination by mutating that byte.
#![no_main]

use echodup::segment::Segmenter;
use echodup::{Analyzer, Config, Normalizer, Segmentation};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The segment module's blank characters (`segment.rs`, `is_blank_char`).
fn is_blank(c: char) -> bool {
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

const MODES: [Segmentation; 3] = [
    Segmentation::BlankLines,
    Segmentation::Lines,
    Segmentation::Auto,
];

fn analyzers() -> &'static [Analyzer; 3] {
    static A: OnceLock<[Analyzer; 3]> = OnceLock::new();
    A.get_or_init(|| {
        MODES.map(|m| {
            Analyzer::new(&Config::new().segmentation(m).shingle_size(2)).expect("a valid config")
        })
    })
}

fn normalizers() -> &'static [Normalizer; 3] {
    static N: OnceLock<[Normalizer; 3]> = OnceLock::new();
    N.get_or_init(|| {
        [
            Normalizer::news(),
            Normalizer::minimal(),
            Normalizer::news()
                .fold_digits(true)
                .strip_punctuation(false),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, data)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;
    let pick = usize::from(choice) % 3;
    {
        let (mode, analyzer) = (MODES[pick], &analyzers()[pick]);
        let segmenter = Segmenter::new(mode);
        let spans = segmenter.spans(text);
        let mut end = 0;
        for s in &spans {
            assert!(
                s.start >= end,
                "{mode:?}: spans overlap or are out of order"
            );
            assert!(s.start < s.end, "{mode:?}: an empty span");
            assert!(s.end <= text.len());
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            let passage = &text[s.clone()];
            assert!(
                !passage.starts_with(is_blank),
                "{mode:?}: span starts blank"
            );
            assert!(!passage.ends_with(is_blank), "{mode:?}: span ends blank");
            // Between two passages there is only blank text.
            assert!(
                text[end..s.start].chars().all(is_blank),
                "{mode:?}: a non-blank character outside every passage"
            );
            end = s.end;
            // No panic on the text normalization sees.
            let _ = segmenter.passage_text(passage);
        }
        assert!(
            text[end..].chars().all(is_blank),
            "{mode:?}: a non-blank character after the last passage"
        );
        let analyzed = analyzer.analyze(text);
        let got: Vec<_> = analyzed.passages().iter().map(|p| p.span()).collect();
        assert_eq!(got, spans, "{mode:?}: analyzer and segmenter disagree");
    }
    {
        let normalizer = &normalizers()[usize::from(choice) / 3 % 3];
        let once = normalizer.normalize(text);
        let twice = normalizer.normalize(&once);
        assert_eq!(
            once, twice,
            "normalization is not idempotent ({normalizer:?})"
        );
        assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    }
});
