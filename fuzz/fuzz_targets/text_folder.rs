//! Any bytes as `.txt` files in a folder (and a subfolder) through
//! `Corpus::read`: an error or a corpus, never a panic or a hang. The first
//! byte says how many files (1–4); the input is cut at fuzzer-chosen points.
//! Where the read succeeds, each uncompressed file's document holds the
//! file's bytes exactly, less a leading byte-order mark, in name order.
#![no_main]

use echodup::io::{Corpus, ReadOptions};
use echodup_fuzz::scratch;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["a.txt", "b.txt", "sub/c.txt", "sub/d.TXT"];

fn compressed(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
        || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || data.starts_with(b"BZh")
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let files = head as usize % 4 + 1;
    // Cut points: the next `files - 1` bytes, as fractions of the rest.
    let (cuts, body) = rest.split_at((files - 1).min(rest.len()));
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| c as usize * body.len() / 255)
        .collect();
    points.sort_unstable();
    let mut parts = Vec::new();
    let mut start = 0;
    for p in points {
        parts.push(&body[start..p]);
        start = p;
    }
    parts.push(&body[start..]);

    let dir = scratch().join("folder");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("ignored.json"), b"{not a text file").unwrap();
    for (name, part) in NAMES.iter().zip(&parts) {
        std::fs::write(dir.join(name), part).unwrap();
    }
    for skip in [false, true] {
        let options = ReadOptions::new().skip_invalid(skip);
        let Ok(corpus) = Corpus::read(&[&dir], &options) else {
            assert!(!skip || parts.iter().any(|p| compressed(p)));
            continue;
        };
        // Every file is either a document or a skipped file; in name order.
        assert_eq!(corpus.len() + corpus.skipped().len(), parts.len());
        for doc in corpus.documents() {
            let at = NAMES
                .iter()
                .position(|n| doc.source().ends_with(n))
                .expect("a document from one of the files");
            let part = parts[at];
            if !compressed(part) {
                let want = part.strip_prefix(b"\xef\xbb\xbf").unwrap_or(part);
                assert_eq!(doc.text().as_bytes(), want);
            }
        }
    }
});
