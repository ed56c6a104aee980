//! Index files that are not what a writer wrote, through `IndexFile::open`,
//! `verify`, `query`, `info`, `doc_id` and `find`: an error or a correct
//! answer, never a panic or a hang. The first byte picks the mode:
//!
//! - 0: the rest of the input is the whole file.
//! - 1: the rest is a list of edits (`echodup_fuzz::mutate`) applied to a
//!   small valid index; checksums are left as they are. Then a changed file
//!   never passes `verify` (no silent corruption), and every query that
//!   succeeds gives the answer of the intact file (a query reads only blocks
//!   whose checksums match).
//! - 2: as 1, then every checksum is recomputed (`echodup_fuzz::reseal`), so
//!   the decoding behind the checksums sees the edited bytes: an error or
//!   an answer, whatever the counts, offsets and directories say.
#![no_main]

use echodup::index::IndexFile;
use echodup::{DocId, Verdict};
use echodup_fuzz::{BASE_DOCS, QUERIES, base_index, mutate, reseal, write_scratch};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The answers of the intact base index to `QUERIES`.
fn expected() -> &'static Vec<Verdict> {
    static V: OnceLock<Vec<Verdict>> = OnceLock::new();
    V.get_or_init(|| {
        let path = write_scratch("intact.edx", base_index());
        let index = IndexFile::open(&path).expect("the base index opens");
        index.verify().expect("the base index verifies");
        QUERIES.iter().map(|q| index.query(q).unwrap()).collect()
    })
}

/// Everything a reader can ask of an open index; panics only on a bug.
fn exercise(index: &IndexFile) {
    let _ = index.info();
    let _ = index.verify();
    for q in QUERIES {
        let _ = index.query(q);
    }
    let n = index.len().min(64);
    for d in 0..n {
        if let Ok(id) = index.doc_id(DocId::new(d as u32)) {
            let _ = index.find(&id);
        }
    }
    let _ = index.doc_id(DocId::new(u32::MAX));
    for (id, _) in BASE_DOCS {
        let _ = index.find(id);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let expected = expected();
    let base = base_index();
    let bytes = match mode % 3 {
        0 => rest.to_vec(),
        m => {
            let mut b = base.to_vec();
            mutate(&mut b, rest);
            if m == 2 {
                reseal(&mut b);
            }
            b
        }
    };
    let path = write_scratch("fuzzed.edx", &bytes);
    let Ok(index) = IndexFile::open(&path) else {
        return;
    };
    if mode % 3 == 1 {
        if bytes != base {
            assert!(
                index.verify().is_err(),
                "a changed index file passed verify"
            );
        }
        for (q, want) in QUERIES.iter().zip(expected) {
            if let Ok(got) = index.query(q) {
                assert_eq!(&got, want, "a damaged index gave a wrong answer");
            }
        }
        assert_eq!(index.len(), BASE_DOCS.len());
    }
    exercise(&index);
});
