//! The configuration section (80 bytes, `docs/FORMAT.md`): [`encode_config`]
//! and [`decode_config`] turn a [`Config`] into its bytes and back, and
//! [`config_mismatch`] names the first parameter in which two
//! configurations differ, for the errors of `IndexFile::open_with` and
//! `IndexFile::merge`.

use std::path::Path;

use super::format::{CONFIG_LEN, le32, le64};
use crate::config::{Config, FORMAT_VERSION};
use crate::error::{Error, Result};
use crate::lsh::Banding;
use crate::normalize::Normalizer;
use crate::segment::Segmentation;
use crate::shingle::Shingling;
use crate::verify::{Measure, Verification};

/// The config section of `config`.
pub(super) fn encode_config(config: &Config) -> Result<Vec<u8>> {
    let b = config.get_banding()?;
    let pb = config.get_passage_banding()?;
    let n = config.get_normalizer();
    let mut out = Vec::with_capacity(CONFIG_LEN as usize);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&[
        n.get_case_fold() as u8,
        n.get_fold_typography() as u8,
        n.get_strip_punctuation() as u8,
        n.get_fold_digits() as u8,
    ]);
    let (kind, size) = match config.get_shingling() {
        Shingling::Words(k) => (0u8, k),
        Shingling::Chars(k) => (1u8, k),
        Shingling::Glyphs(k) => (2u8, k),
    };
    let segmentation = match config.get_segmentation() {
        Segmentation::BlankLines => 0u8,
        Segmentation::Lines => 1u8,
        Segmentation::Auto => 2u8,
    };
    let measure = match config.get_measure() {
        Measure::Jaccard => 0u8,
        Measure::Containment => 1u8,
    };
    let verification = match config.get_verification() {
        Verification::Exact => 0u8,
        Verification::Estimate => 1u8,
    };
    out.extend_from_slice(&[
        segmentation,
        kind,
        measure,
        verification,
        config.get_passages() as u8,
        n.get_fold_ocr() as u8,
        0,
        0,
    ]);
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(&(config.get_num_perm() as u32).to_le_bytes());
    out.extend_from_slice(&config.get_seed().to_le_bytes());
    for v in [b.bands(), b.rows(), pb.bands(), pb.rows()] {
        out.extend_from_slice(&(v as u32).to_le_bytes());
    }
    out.extend_from_slice(&config.get_threshold().to_bits().to_le_bytes());
    out.extend_from_slice(&config.get_passage_threshold().to_bits().to_le_bytes());
    out.extend_from_slice(&(config.get_min_passage_tokens() as u64).to_le_bytes());
    out.extend_from_slice(&config.fingerprint()?.to_le_bytes());
    debug_assert_eq!(out.len() as u64, CONFIG_LEN);
    Ok(out)
}

/// The configuration in the config section `b` of the file `path`.
pub(super) fn decode_config(b: &[u8], path: &Path) -> Result<Config> {
    let bad = |what: String| Error::format(path, format!("damaged index file: {what}"));
    let signatures = le32(b, 0);
    if signatures != FORMAT_VERSION {
        return Err(Error::format(
            path,
            format!(
                "its shingles and signatures are of version {signatures}, this build computes \
                 version {FORMAT_VERSION}; rebuild the index"
            ),
        ));
    }
    let flag = |at: usize, name: &str| match b[at] {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(bad(format!("{name} flag is {v}"))),
    };
    let normalizer = Normalizer::minimal()
        .case_fold(flag(4, "case folding")?)
        .fold_typography(flag(5, "typography folding")?)
        .strip_punctuation(flag(6, "punctuation stripping")?)
        .fold_digits(flag(7, "digit folding")?)
        .fold_ocr(flag(13, "OCR folding")?);
    let segmentation = match b[8] {
        0 => Segmentation::BlankLines,
        1 => Segmentation::Lines,
        2 => Segmentation::Auto,
        v => return Err(bad(format!("unknown segmentation {v}"))),
    };
    let size = le32(b, 16) as usize;
    let shingling = match b[9] {
        0 => Shingling::Words(size),
        1 => Shingling::Chars(size),
        2 => Shingling::Glyphs(size),
        v => return Err(bad(format!("unknown shingle kind {v}"))),
    };
    let measure = match b[10] {
        0 => Measure::Jaccard,
        1 => Measure::Containment,
        v => return Err(bad(format!("unknown measure {v}"))),
    };
    let verification = match b[11] {
        0 => Verification::Exact,
        1 => Verification::Estimate,
        v => return Err(bad(format!("unknown verification {v}"))),
    };
    let passages = flag(12, "passages")?;
    let num_perm = le32(b, 20) as usize;
    let seed = le64(b, 24);
    let banding = |at: usize| {
        Banding::new(le32(b, at) as usize, le32(b, at + 4) as usize)
            .map_err(|e| bad(format!("banding: {e}")))
    };
    let config = Config::new()
        .normalizer(normalizer)
        .segmentation(segmentation)
        .shingling(shingling)
        .measure(measure)
        .verification(verification)
        .passages(passages)
        .num_perm(num_perm)
        .seed(seed)
        .banding(banding(32)?)
        .passage_banding(banding(40)?)
        .threshold(f64::from_bits(le64(b, 48)))
        .passage_threshold(f64::from_bits(le64(b, 56)))
        .min_passage_tokens(le64(b, 64) as usize);
    config.validate().map_err(|e| bad(format!("{e}")))?;
    Ok(config)
}

fn normalizer_text(n: Normalizer) -> String {
    format!(
        "case folding {}, typography folding {}, punctuation stripping {}, digit folding {}, \
         OCR folding {}",
        on(n.get_case_fold()),
        on(n.get_fold_typography()),
        on(n.get_strip_punctuation()),
        on(n.get_fold_digits()),
        on(n.get_fold_ocr())
    )
}

fn on(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn shingling_text(s: Shingling) -> String {
    match s {
        Shingling::Words(k) => format!("{k}-word shingles"),
        Shingling::Chars(k) => format!("{k}-character shingles"),
        Shingling::Glyphs(k) => format!("{k}-glyph shingles"),
    }
}

/// The first parameter in which `file` and `want` differ, as "X in the
/// file, Y configured". The keep policy is not stored and not compared.
pub(super) fn config_mismatch(file: &Config, want: &Config) -> Result<Option<String>> {
    let fb = (file.get_banding()?, file.get_passage_banding()?);
    let wb = (want.get_banding()?, want.get_passage_banding()?);
    let banding = |b: Banding| format!("{} bands × {} rows", b.bands(), b.rows());
    let checks: [(&str, String, String); 14] = [
        (
            "normalization",
            normalizer_text(file.get_normalizer()),
            normalizer_text(want.get_normalizer()),
        ),
        (
            "segmentation",
            format!("{:?}", file.get_segmentation()),
            format!("{:?}", want.get_segmentation()),
        ),
        (
            "shingling",
            shingling_text(file.get_shingling()),
            shingling_text(want.get_shingling()),
        ),
        (
            "signature size",
            file.get_num_perm().to_string(),
            want.get_num_perm().to_string(),
        ),
        (
            "seed",
            format!("{:#x}", file.get_seed()),
            format!("{:#x}", want.get_seed()),
        ),
        ("banding", banding(fb.0), banding(wb.0)),
        ("passage banding", banding(fb.1), banding(wb.1)),
        (
            "threshold",
            file.get_threshold().to_string(),
            want.get_threshold().to_string(),
        ),
        (
            "passage threshold",
            file.get_passage_threshold().to_string(),
            want.get_passage_threshold().to_string(),
        ),
        (
            "measure",
            format!("{:?}", file.get_measure()),
            format!("{:?}", want.get_measure()),
        ),
        (
            "verification",
            format!("{:?}", file.get_verification()),
            format!("{:?}", want.get_verification()),
        ),
        (
            "minimum passage tokens",
            file.get_min_passage_tokens().max(1).to_string(),
            want.get_min_passage_tokens().max(1).to_string(),
        ),
        (
            "passages",
            on(file.get_passages()).to_string(),
            on(want.get_passages()).to_string(),
        ),
        (
            "fingerprint",
            format!("{:#018x}", file.fingerprint()?),
            format!("{:#018x}", want.fingerprint()?),
        ),
    ];
    Ok(checks
        .into_iter()
        .find(|(_, a, b)| a != b)
        .map(|(name, a, b)| format!("{name} {a} in the file, {b} configured")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_survives_encoding() {
        let path = Path::new("x.edx");
        for config in [
            Config::new(),
            Config::new()
                .shingling(Shingling::Chars(4))
                .num_perm(64)
                .seed(9)
                .threshold(0.65)
                .passage_threshold(0.9)
                .measure(Measure::Containment)
                .verification(Verification::Estimate)
                .segmentation(Segmentation::Lines)
                .normalizer(Normalizer::minimal().fold_digits(true))
                .min_passage_tokens(7)
                .passages(false),
            Config::scanned(),
        ] {
            let bytes = encode_config(&config).unwrap();
            assert_eq!(bytes.len() as u64, CONFIG_LEN);
            let back = decode_config(&bytes, path).unwrap();
            assert_eq!(config_mismatch(&back, &config).unwrap(), None);
            assert_eq!(back.fingerprint().unwrap(), config.fingerprint().unwrap());
            assert_eq!(
                back.get_min_passage_tokens(),
                config.get_min_passage_tokens()
            );
        }
        // Segmentation codes: old files (0, 1) read as before; `Auto` is new.
        for (segmentation, code) in [
            (Segmentation::BlankLines, 0u8),
            (Segmentation::Lines, 1),
            (Segmentation::Auto, 2),
        ] {
            let config = Config::new().segmentation(segmentation);
            let bytes = encode_config(&config).unwrap();
            assert_eq!(bytes[8], code);
            let back = decode_config(&bytes, path).unwrap();
            assert_eq!(back.get_segmentation(), segmentation);
            assert_eq!(config_mismatch(&back, &config).unwrap(), None);
        }
        // OCR folding (byte 13) and glyph shingles (kind 2) are new; files
        // written before them hold 0 there and read as before.
        let scanned = encode_config(&Config::scanned()).unwrap();
        assert_eq!((scanned[9], scanned[13]), (2, 1));
        let plain = encode_config(&Config::new()).unwrap();
        assert_eq!((plain[9], plain[13]), (0, 0));
        let back = decode_config(&scanned, path).unwrap();
        assert_eq!(back.get_shingling(), Shingling::Glyphs(6));
        assert!(back.get_normalizer().get_fold_ocr());
        let mut bytes = encode_config(&Config::new()).unwrap();
        bytes[8] = 3;
        let e = decode_config(&bytes, path).unwrap_err();
        assert!(e.to_string().contains("unknown segmentation 3"), "{e}");
        let mut bytes = encode_config(&Config::new()).unwrap();
        bytes[10] = 9;
        let e = decode_config(&bytes, path).unwrap_err();
        assert!(e.to_string().contains("unknown measure 9"), "{e}");
        let mut bytes = encode_config(&Config::new()).unwrap();
        bytes[0] = 99;
        let e = decode_config(&bytes, path).unwrap_err();
        assert!(e.to_string().contains("version 99"), "{e}");
    }
}
