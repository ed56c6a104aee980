//! The index file's configuration section (80 bytes, `docs/FORMAT.md`),
//! decoded by a private codec, fuzzed through `IndexFile::open`.
//!
//! - Input starting with an even byte: the next 80 bytes replace the config
//!   section of a small valid index; the header's fingerprint is set to the
//!   one the new section stores, and every checksum is recomputed, so the
//!   decoder sees any bytes. Open gives an error or an index whose
//!   configuration is valid and has the stored fingerprint; then `verify`
//!   and a query run without panicking.
//! - Odd: the input picks a configuration through the public setters; one
//!   that validates is written with `IndexFile::create` and must read back
//!   with the same fingerprint and parameters (the codec round-trips).
#![no_main]

use echodup::index::IndexFile;
use echodup::shingle::Shingling;
use echodup::verify::{Measure, Verification};
use echodup::{Config, Normalizer, Segmentation};
use echodup_fuzz::{QUERIES, base_index, reseal, scratch, write_scratch};
use libfuzzer_sys::fuzz_target;

const HEADER_LEN: usize = 64;

fn config_from(b: &[u8]) -> Config {
    let byte = |i: usize| b.get(i).copied().unwrap_or(0);
    let n = Normalizer::news()
        .case_fold(byte(0) & 1 != 0)
        .fold_typography(byte(0) & 2 != 0)
        .strip_punctuation(byte(0) & 4 != 0)
        .fold_digits(byte(0) & 8 != 0)
        .fold_ocr(byte(0) & 16 != 0);
    let seg = [
        Segmentation::Auto,
        Segmentation::BlankLines,
        Segmentation::Lines,
    ][byte(1) as usize % 3];
    let k = byte(2) as usize % 12;
    let shingling = match byte(3) % 3 {
        0 => Shingling::Words(k),
        1 => Shingling::Chars(k),
        _ => Shingling::Glyphs(k),
    };
    let num_perm = [1, 2, 16, 32, 64, 100, 128, 256, 0][byte(4) as usize % 9];
    let seed = u64::from_le_bytes(std::array::from_fn(|i| byte(5 + i)));
    let mut c = Config::new()
        .normalizer(n)
        .segmentation(seg)
        .shingling(shingling)
        .num_perm(num_perm)
        .seed(seed)
        .threshold(byte(13) as f64 / 200.0)
        .passage_threshold(byte(14) as f64 / 200.0)
        .measure(if byte(15) & 1 == 0 {
            Measure::Jaccard
        } else {
            Measure::Containment
        })
        .verification(if byte(15) & 2 == 0 {
            Verification::Exact
        } else {
            Verification::Estimate
        })
        .passages(byte(15) & 4 != 0)
        .min_passage_tokens(byte(16) as usize % 20);
    if byte(17) & 1 != 0 {
        let rows = (byte(18) as usize % 16).max(1);
        if let Ok(banding) = echodup::Banding::new(num_perm / rows, rows) {
            c = c.banding(banding);
        }
    }
    c
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let mut file = base_index().to_vec();
        let at =
            u64::from_le_bytes(file[HEADER_LEN + 8..HEADER_LEN + 16].try_into().unwrap()) as usize;
        let n = rest.len().min(80);
        file[at..at + n].copy_from_slice(&rest[..n]);
        let fp: [u8; 8] = file[at + 72..at + 80].try_into().unwrap();
        file[24..32].copy_from_slice(&fp);
        reseal(&mut file);
        let path = write_scratch("config.edx", &file);
        if let Ok(index) = IndexFile::open(&path) {
            let config = index.config();
            let stored = u64::from_le_bytes(fp);
            assert_eq!(config.fingerprint().ok(), Some(stored));
            let _ = index.verify();
            for q in QUERIES {
                let _ = index.query(q);
            }
        }
    } else {
        let config = config_from(rest);
        if config.validate().is_err() {
            return;
        }
        let path = scratch().join("created.edx");
        let _ = std::fs::remove_file(&path);
        let created = IndexFile::create(&path, config.clone()).expect("creating a valid config");
        drop(created);
        let index = IndexFile::open(&path).expect("opening what create wrote");
        let got = index.config();
        assert_eq!(got.fingerprint().unwrap(), config.fingerprint().unwrap());
        assert_eq!(got.get_normalizer(), config.get_normalizer());
        assert_eq!(got.get_segmentation(), config.get_segmentation());
        assert_eq!(got.get_shingling(), config.get_shingling());
        assert_eq!(got.get_num_perm(), config.get_num_perm());
        assert_eq!(got.get_seed(), config.get_seed());
        assert_eq!(got.get_threshold(), config.get_threshold());
        assert_eq!(got.get_passage_threshold(), config.get_passage_threshold());
        assert_eq!(got.get_measure(), config.get_measure());
        assert_eq!(got.get_verification(), config.get_verification());
        assert_eq!(got.get_passages(), config.get_passages());
        assert_eq!(
            got.get_min_passage_tokens(),
            config.get_min_passage_tokens()
        );
        assert_eq!(got.get_banding().unwrap(), config.get_banding().unwrap());
        assert_eq!(
            got.get_passage_banding().unwrap(),
            config.get_passage_banding().unwrap()
        );
    }
});
