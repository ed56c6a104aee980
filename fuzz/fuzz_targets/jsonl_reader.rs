//! Any bytes as a JSON Lines corpus file (plain, or gzip/zstd/bzip2 by
//! content) through `Corpus::read`, strict and with `skip_invalid`: an error
//! or a corpus, never a panic or a hang. Checks that skipping never loses a
//! record a strict read accepts, and that a plain (uncompressed) file read
//! with `skip_invalid` always succeeds (only a failing device stops it).
#![no_main]

use echodup::io::{Corpus, ReadOptions};
use echodup_fuzz::write_scratch;
use libfuzzer_sys::fuzz_target;

fn compressed(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
        || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || data.starts_with(b"BZh")
}

fuzz_target!(|data: &[u8]| {
    let path = write_scratch("corpus.jsonl", data);
    for options in [
        ReadOptions::new(),
        ReadOptions::new().id_field(Some("id")).keep_records(true),
        ReadOptions::new()
            .text_field("body.text")
            .id_field(Some("meta.id")),
    ] {
        let strict = Corpus::read(&[&path], &options);
        let skipping = Corpus::read(&[&path], &options.clone().skip_invalid(true));
        if !compressed(data) {
            assert!(
                skipping.is_ok(),
                "skip_invalid on a plain file failed: {:?}",
                skipping.err()
            );
        }
        if let (Ok(strict), Ok(skipping)) = (&strict, &skipping) {
            assert!(skipping.skipped().is_empty());
            assert_eq!(strict.len(), skipping.len());
            for (a, b) in strict.documents().iter().zip(skipping.documents()) {
                assert_eq!(a.id(), b.id());
                assert_eq!(a.text(), b.text());
            }
        }
        if let Ok(corpus) = &skipping {
            for doc in corpus.documents() {
                if let Some(record) = doc.record() {
                    // Writing the record back with its own text gives a
                    // record whose text field holds that text.
                    let line = doc.to_json_line(doc.text(), &options);
                    assert!(!line.contains('\n'), "a record line holds a newline");
                    assert!(!record.contains('\n'));
                }
            }
        }
    }
});
