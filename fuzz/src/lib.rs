//! Helpers shared by the fuzz targets: a scratch folder per process, the
//! index file every index target starts from, and `reseal`, which rewrites
//! an index file's checksums after a mutation so that the fuzzer reaches the
//! decoding behind them (layout in `docs/FORMAT.md`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use echodup::index::IndexFile;
use echodup::{Config, Segmentation};
use xxhash_rust::xxh3::xxh3_64;

/// A folder of this process's own, on tmpfs when there is one (the targets
/// write files on every run). Cleared when first asked for.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::env::var_os("ECHODUP_FUZZ_TMP")
            .map(PathBuf::from)
            .or_else(|| {
                let shm = Path::new("/dev/shm");
                shm.is_dir().then(|| shm.to_path_buf())
            })
            .unwrap_or_else(std::env::temp_dir);
        let dir = root.join(format!("echodup-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the scratch folder");
        dir
    })
}

/// The documents of the base index: repeats, a near duplicate, identical
/// documents and passages, so that every section has content.
pub const BASE_DOCS: [(&str, &str); 5] = [
    (
        "a-1",
        "Storm closes harbour for second day\n\nHigh winds kept the ferry fleet in port on Monday, stranding hundreds of travellers on both sides of the strait.\n\nCopyright Harbour Gazette. All rights reserved.",
    ),
    (
        "a-2",
        "Library reopens after two years\n\nThe renovated town library opened its doors again on Saturday after a two-year closure.\n\nCopyright Harbour Gazette. All rights reserved.",
    ),
    (
        "b-1",
        "Storm closes harbour for a second day\n\nHigh winds kept the ferry fleet in port on Monday, stranding hundreds of travellers on both sides of the strait.\n\nCopyright Harbour Gazette. All rights reserved.",
    ),
    (
        "c-1",
        "Library reopens after two years\n\nThe renovated town library opened its doors again on Saturday after a two-year closure.\n\nCopyright Harbour Gazette. All rights reserved.",
    ),
    (
        "d-1",
        "Short note.\nAnother line of the note, with more words in it.\n",
    ),
];

/// Texts queried against every index that opens.
pub const QUERIES: [&str; 3] = [
    "High winds kept the ferry fleet in port on Monday, stranding hundreds of travellers on both sides of the strait.",
    "Library reopens after two years\n\nThe renovated town library opened its doors again on Saturday after a two-year closure.",
    "Nothing like any of them at all, a text of its own about something else.",
];

/// The configuration of the base index: small signatures so that it stays
/// a few kilobytes, with passages indexed.
pub fn base_config() -> Config {
    Config::new()
        .num_perm(32)
        .shingle_size(3)
        .segmentation(Segmentation::Auto)
}

/// The bytes of a small valid index holding [`BASE_DOCS`], built once.
pub fn base_index() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        // An index is a manifest and segment files; a segment (layout 3
        // since format 4: coded sets, bit-packed band entries) opens on its own
        // as a one-file index: that is what the targets mutate (the
        // manifest has its own exhaustive tests).
        let path = scratch().join("base.edx");
        let segments = scratch().join("base.edx.segments");
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_dir_all(&segments);
        let mut index = IndexFile::create(&path, base_config()).expect("creating the base index");
        index
            .add_batch(BASE_DOCS)
            .expect("adding to the base index");
        drop(index);
        let bytes = std::fs::read(segments.join("00000001.seg")).expect("reading the base segment");
        std::fs::remove_file(&path).expect("removing the base index");
        std::fs::remove_dir_all(&segments).expect("removing the base segments");
        bytes
    })
}

const HEADER_LEN: usize = 64;
const ENTRY_LEN: usize = 32;
const SECTIONS: usize = 15;
const BLOCK: usize = 4096;

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Rewrites every checksum of an index file from its (possibly mutated)
/// content: the block checksums of every section but the last into the
/// last (sections 0–13 into 14 in segment layouts 1 to 3, 0–14 into 15 in
/// layout 4: the header's section count says which), each section's table
/// checksum, and the header checksum. Where the section table no longer
/// describes the file (the fuzzer changed an offset), the block checksums
/// are left alone and only the table and header checksums are recomputed,
/// over whatever the table says.
pub fn reseal(file: &mut [u8]) {
    if file.len() < HEADER_LEN {
        return;
    }
    // 15 sections, or 16 where the header says so (a mutated count is
    // taken as 15).
    let count = u32::from_le_bytes(file[12..16].try_into().unwrap()) as usize;
    let sections = if count == SECTIONS + 1 {
        count
    } else {
        SECTIONS
    };
    let table_end = HEADER_LEN + sections * ENTRY_LEN;
    if file.len() < table_end {
        return;
    }
    let range = |file: &[u8], s: usize| -> Option<(usize, usize)> {
        let at = HEADER_LEN + s * ENTRY_LEN;
        let off = usize::try_from(le64(file, at + 8)).ok()?;
        let len = usize::try_from(le64(file, at + 16)).ok()?;
        let end = off.checked_add(len)?;
        (end <= file.len()).then_some((off, end))
    };
    let mut sums: Vec<u64> = Vec::new();
    let mut ok = true;
    for s in 0..sections - 1 {
        let Some((off, end)) = range(file, s) else {
            ok = false;
            break;
        };
        let before = sums.len();
        for block in file[off..end].chunks(BLOCK) {
            sums.push(xxh3_64(block));
        }
        let bytes: Vec<u8> = sums[before..]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        put64(file, HEADER_LEN + s * ENTRY_LEN + 24, xxh3_64(&bytes));
    }
    if let Some((off, end)) = range(file, sections - 1) {
        if ok && end - off == sums.len() * 8 {
            for (i, v) in sums.iter().enumerate() {
                put64(file, off + i * 8, *v);
            }
        }
        let last = xxh3_64(&file[off..end]);
        put64(file, HEADER_LEN + (sections - 1) * ENTRY_LEN + 24, last);
    }
    let mut covered = file[..56].to_vec();
    covered.extend_from_slice(&file[HEADER_LEN..table_end]);
    put64(file, 56, xxh3_64(&covered));
}

/// Applies fuzzer-chosen edits to `file`: each 4-byte chunk of `edits` is
/// an offset (u16, modulo the length), an operation and a byte — XOR a
/// byte, set a byte, set a little-endian u32 or u64 to a small or extreme
/// value, truncate, or append.
pub fn mutate(file: &mut Vec<u8>, edits: &[u8]) {
    for e in edits.chunks_exact(4).take(16) {
        if file.is_empty() {
            return;
        }
        let at = u16::from_le_bytes([e[0], e[1]]) as usize % file.len();
        let v = e[3];
        match e[2] % 8 {
            0 | 1 => file[at] ^= v.max(1),
            2 => file[at] = v,
            3 | 4 => {
                let x: u32 = match v % 4 {
                    0 => v as u32 >> 2,
                    1 => u32::MAX - (v as u32 >> 2),
                    2 => 1 << (v % 32),
                    _ => (v as u32) << 12,
                };
                let end = (at + 4).min(file.len());
                let n = end - at;
                file[at..end].copy_from_slice(&x.to_le_bytes()[..n]);
            }
            5 => {
                let x: u64 = match v % 4 {
                    0 => v as u64 >> 2,
                    1 => u64::MAX - (v as u64 >> 2),
                    2 => 1 << (v % 64),
                    _ => (v as u64) << 12,
                };
                let end = (at + 8).min(file.len());
                let n = end - at;
                file[at..end].copy_from_slice(&x.to_le_bytes()[..n]);
            }
            6 => file.truncate(at),
            _ => file.extend(std::iter::repeat_n(v, at % 64 + 1)),
        }
    }
}

/// Writes `bytes` to `name` in the scratch folder and returns the path.
pub fn write_scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("writing a scratch file");
    path
}

/// Whether `Corpus::read` takes bytes starting with `head` for a compressed
/// stream: the rule of `src/io/read.rs` (`Compression::detect`), restated so
/// that the plain-text targets can leave compressed inputs to
/// `compressed_reader`.
pub fn detected_as_compressed(head: &[u8]) -> bool {
    const BZ_BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
    const BZ_END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (head.len() >= 10
            && head.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&head[3])
            && (head[4..10] == BZ_BLOCK || head[4..10] == BZ_END))
}
