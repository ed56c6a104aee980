//! Any bytes as a plain JSON Lines corpus file through `Corpus::read`,
//! strict and with `skip_invalid`: an error or a corpus, never a panic or a
//! hang. Checks that skipping never loses a record a strict read accepts,
//! and that a plain file read with `skip_invalid` always succeeds (only a
//! failing device stops it).
//!
//! The input's length modulo 3 picks the field settings, so each input is
//! read twice (strict, skipping) rather than six times: the fuzzer reaches
//! all three through its length mutations. Inputs that the reader would
//! take for a gzip, zstd or bzip2 stream are left to `compressed_reader`:
//! decoding a crafted bzip2 stream costs milliseconds, and with them in the
//! corpus this target ran at a tenth of its speed on the JSON it is for.
#![no_main]

use echodup::io::{Corpus, ReadOptions};
use echodup_fuzz::{detected_as_compressed, write_scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if detected_as_compressed(data) {
        return;
    }
    let path = write_scratch("corpus.jsonl", data);
    let options = match data.len() % 3 {
        0 => ReadOptions::new(),
        1 => ReadOptions::new().id_field(Some("id")).keep_records(true),
        _ => ReadOptions::new()
            .text_field("body.text")
            .id_field(Some("meta.id")),
    };
    let strict = Corpus::read(&[&path], &options);
    let skipping = Corpus::read(&[&path], &options.clone().skip_invalid(true));
    let skipping = match skipping {
        Ok(corpus) => corpus,
        Err(e) => panic!("skip_invalid on a plain file failed: {e}"),
    };
    if let Ok(strict) = &strict {
        assert!(skipping.skipped().is_empty());
        assert_eq!(strict.len(), skipping.len());
        for (a, b) in strict.documents().iter().zip(skipping.documents()) {
            assert_eq!(a.id(), b.id());
            assert_eq!(a.text(), b.text());
        }
    }
    for doc in skipping.documents() {
        if let Some(record) = doc.record() {
            // Writing the record back with its own text gives one line.
            let line = doc.to_json_line(doc.text(), &options);
            assert!(!line.contains('\n'), "a record line holds a newline");
            assert!(!record.contains('\n'));
        }
    }
});
