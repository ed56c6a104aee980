//! [`IndexFile`]: a persistent, incremental index on disk — deduplicate
//! today's scrape against everything seen before.
//!
//! An index file holds what [`DedupIndex`](crate::DedupIndex) holds in
//! memory: the band tables of documents and passages, their shingle sets (or
//! signatures, with [`Verification::Estimate`]) for exact verification, the
//! members of each group of identical documents, the documents' ids as the
//! input gave them, and the [`Config`] that produced all of it. Its answers
//! are the same as those of a `DedupIndex` fed the same documents in the
//! same order; the tests check it.
//!
//! - [`IndexFile::create`] writes an empty index; [`IndexFile::open`] reads
//!   one (its configuration comes from the file);
//!   [`IndexFile::open_with`] also refuses a file made with another
//!   configuration, naming the parameter.
//! - [`IndexFile::query`] checks a text; [`IndexFile::add_batch`] checks a
//!   batch of documents (each against history and the earlier ones of the
//!   batch) and adds them, replacing the file atomically.
//! - [`IndexFile::merge`] joins indexes built with the same configuration
//!   (on different shards, say) into the index that one build over their
//!   documents, in input order, would give.
//!
//! # Opening is cheap
//!
//! Opening reads the header, the section table, the block checksums, the
//! configuration and the band-table directories (about 4 bytes per 64 groups
//! per band, and 8 bytes per 4 KiB of file). Everything else — band entries,
//! group records, shingle sets, ids — is read on demand with positioned
//! reads, each 4 KiB block checked against its checksum before it is used.
//! So the memory an open index needs is a small fraction of its size on
//! disk, and the operating system's page cache does the caching. See
//! `docs/FORMAT.md` for the layout.
//!
//! # Crash safety
//!
//! The file is never changed in place. [`add_batch`](IndexFile::add_batch)
//! and [`merge`](IndexFile::merge) write a complete new file to a temporary
//! file in the same folder, sync it, rename it over the target and sync the
//! folder: a process killed at any point leaves the old index or the new one.
//! A killed writer may leave its temporary file (`.NAME.echodup-PID-N.tmp`)
//! behind; it is never read and can be deleted. One writer at a time: two
//! processes adding to the same index concurrently lose one of the batches.
//!
//! # Corruption
//!
//! Every byte of the file is covered by a checksum (XXH3-64): the header and
//! section table by one, each section by one per 4 KiB block. A damaged block
//! makes the operation that reads it fail with
//! [`ErrorKind::Format`](crate::ErrorKind::Format) naming the file, the
//! section and the block; [`IndexFile::verify`] checks every block.
//!
//! # Example
//!
//! ```
//! use echodup::{Config, DocId};
//! use echodup::store::IndexFile;
//!
//! let dir = std::env::temp_dir().join(format!("echodup-store-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("news.edx");
//! # let _ = std::fs::remove_file(&path);
//!
//! let mut index = IndexFile::create(&path, Config::new())?;
//! index.add_batch([
//!     ("mon-1", "Quarterly profit rose on strong demand for cloud services.\n\n\
//!                Shares climbed four percent in early trading on the exchange."),
//! ])?;
//!
//! // The next day, in another process:
//! let index = IndexFile::open(&path)?;
//! let verdict = index.query("Quarterly profit rose on strong demand for cloud services.\n\n\
//!                            The chief executive will step down at the end of the year.")?;
//! let (earlier, _) = verdict.passages()[0].duplicate_of.unwrap();
//! assert_eq!(index.doc_id(earlier.doc)?, "mon-1");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), echodup::Error>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::analyze::AnalyzedDocument;
use crate::config::{Config, FORMAT_VERSION};
use crate::corpus::{DocId, PassageId};
use crate::dedup::Deduplicator;
use crate::error::{Error, Result};
use crate::index::{DocumentVerdict, GroupIndex, History, IndexItem, Prepared, Verdict};
use crate::lsh::Banding;
use crate::minhash::Signature;
use crate::normalize::Normalizer;
use crate::segment::Segmentation;
use crate::shingle::{ShingleSet, Shingling};
use crate::sketch::Level;
use crate::verify::{Evidence, Verifier};
use crate::verify::{Measure, Similarity, Verification};

/// The newest index file format version this build writes and reads.
/// Files of every older version listed in `docs/FORMAT.md` are read too.
pub const STORE_FORMAT_VERSION: u32 = 1;

const MAGIC: [u8; 8] = *b"EDUPIDX\0";
const HEADER_LEN: usize = 64;
const ENTRY_LEN: usize = 32;
const BLOCK: u64 = 4096;
const GROUP_LEN: u64 = 32;
const BAND_ENTRY_LEN: u64 = 12;
const ID_HASH_LEN: u64 = 12;
const CONFIG_LEN: u64 = 80;
const META_LEN: u64 = 48;
/// Seed of the id hashes (section `id hashes`): "echodid1".
const ID_SEED: u64 = 0x6563_686F_6469_6431;
/// Most directory bits: 2^24 buckets per band.
const MAX_DIR_BITS: u32 = 24;
/// Groups per directory bucket, on average, at most.
const BUCKET_TARGET: u64 = 64;
/// Chunk of sequential reads while rewriting.
const CHUNK: u64 = 1 << 20;

/// Section numbers of format version 1, in file order.
mod sec {
    pub(super) const CONFIG: usize = 0;
    pub(super) const META: usize = 1;
    pub(super) const ID_OFFSETS: usize = 2;
    pub(super) const ID_BYTES: usize = 3;
    pub(super) const ID_HASHES: usize = 4;
    pub(super) const DOC_GROUPS: usize = 5;
    pub(super) const DOC_DATA: usize = 6;
    pub(super) const DOC_MEMBERS: usize = 7;
    pub(super) const DOC_BANDS: usize = 8;
    pub(super) const DOC_DIR: usize = 9;
    pub(super) const PASSAGE_GROUPS: usize = 10;
    pub(super) const PASSAGE_DATA: usize = 11;
    pub(super) const PASSAGE_BANDS: usize = 12;
    pub(super) const PASSAGE_DIR: usize = 13;
    pub(super) const BLOCK_SUMS: usize = 14;
    pub(super) const COUNT: usize = 15;
}

const SECTION_NAMES: [&str; sec::COUNT] = [
    "config",
    "meta",
    "id offsets",
    "id bytes",
    "id hashes",
    "document groups",
    "document data",
    "document members",
    "document bands",
    "document directory",
    "passage groups",
    "passage data",
    "passage bands",
    "passage directory",
    "block checksums",
];

/// A persistent, incremental index of documents and passages (see the
/// [module documentation](self)).
///
/// Document ids in verdicts ([`DocId`], [`PassageId::doc`]) number the
/// documents of the index in the order they were added; [`doc_id`](IndexFile::doc_id)
/// gives the id the input gave each.
#[derive(Debug)]
pub struct IndexFile {
    reader: Reader,
    dedup: Deduplicator,
    meta: Meta,
    docs: DiskLevel,
    passages: DiskLevel,
    size: u64,
}

/// What [`IndexFile::info`] reports.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct IndexInfo {
    /// The file.
    pub path: PathBuf,
    /// Its format version ([`STORE_FORMAT_VERSION`] for files this build wrote).
    pub format_version: u32,
    /// Its size on disk, in bytes.
    pub size: u64,
    /// Documents in the index.
    pub documents: u64,
    /// Passages indexed (those long enough to compare).
    pub passages: u64,
    /// Distinct document shingle sets (identical documents share one).
    pub document_groups: u64,
    /// Distinct passage shingle sets.
    pub passage_groups: u64,
    /// The configuration the index was built with.
    pub config: Config,
    /// [`Config::fingerprint`] of that configuration.
    pub fingerprint: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Meta {
    docs: u64,
    passages: u64,
    doc_groups: u64,
    passage_groups: u64,
    doc_bits: u32,
    passage_bits: u32,
    doc_members: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Section {
    offset: u64,
    len: u64,
    first_block: usize,
}

/// Positioned, checksummed reads of one open file.
#[derive(Debug)]
struct Reader {
    path: PathBuf,
    file: FileAt,
    version: u32,
    sections: [Section; sec::COUNT],
    sums: Vec<u64>,
}

/// One level (documents or passages) as stored.
#[derive(Debug)]
struct DiskLevel {
    groups_sec: usize,
    data_sec: usize,
    bands_sec: usize,
    /// Distinct sets.
    groups: u64,
    bands: usize,
    bits: u32,
    /// Per band, `2^bits + 1` offsets of bucket starts (relative to the band).
    dir: Vec<u32>,
    verification: Verification,
    num_perm: usize,
}

/// One group record.
#[derive(Clone, Copy, Debug)]
struct GroupRecord {
    fingerprint: u64,
    data: u64,
    len: u32,
    members: u32,
    first: u64,
}

impl GroupRecord {
    fn decode(b: &[u8]) -> GroupRecord {
        GroupRecord {
            fingerprint: le64(b, 0),
            data: le64(b, 8),
            len: le32(b, 16),
            members: le32(b, 20),
            first: le64(b, 24),
        }
    }

    fn encode(&self) -> [u8; GROUP_LEN as usize] {
        let mut out = [0u8; GROUP_LEN as usize];
        out[0..8].copy_from_slice(&self.fingerprint.to_le_bytes());
        out[8..16].copy_from_slice(&self.data.to_le_bytes());
        out[16..20].copy_from_slice(&self.len.to_le_bytes());
        out[20..24].copy_from_slice(&self.members.to_le_bytes());
        out[24..32].copy_from_slice(&self.first.to_le_bytes());
        out
    }
}

/// The stored data of a group: its set, or its signature.
enum GroupData {
    Set(ShingleSet),
    Signature(Signature),
}

impl GroupData {
    /// What verification compares of the group whose record is `rec`.
    fn evidence<'a>(&'a self, rec: &GroupRecord) -> Evidence<'a> {
        match self {
            GroupData::Set(set) => Evidence::Set(set),
            GroupData::Signature(sig) => Evidence::signature(sig, rec.len as usize),
        }
    }
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// Directory bits for `groups` groups: about `BUCKET_TARGET` per bucket.
fn dir_bits(groups: u64) -> u32 {
    let mut bits = 0;
    while bits < MAX_DIR_BITS && (groups >> bits) > BUCKET_TARGET {
        bits += 1;
    }
    bits
}

fn bucket_of(key: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (key >> (64 - bits)) as usize
    }
}

fn passage_id_pack(p: PassageId) -> u64 {
    ((p.doc.as_u32() as u64) << 32) | p.index as u64
}

fn passage_id_unpack(v: u64) -> PassageId {
    PassageId::new(DocId::new((v >> 32) as u32), v as u32)
}

// ---------------------------------------------------------------------------
// Positioned reads.

#[cfg(unix)]
#[derive(Debug)]
struct FileAt(File);

#[cfg(unix)]
impl FileAt {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.0, buf, offset)
    }
}

/// Elsewhere: seek and read under a lock.
#[cfg(not(unix))]
#[derive(Debug)]
struct FileAt(std::sync::Mutex<File>);

#[cfg(not(unix))]
impl FileAt {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        use std::io::Read;
        let mut f = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
}

impl Reader {
    fn corrupt(&self, what: impl std::fmt::Display) -> Error {
        Error::format(&self.path, format!("damaged index file: {what}"))
    }

    fn io(&self, e: io::Error) -> Error {
        Error::io("reading", &self.path, e)
    }

    /// `len` bytes at `start` in section `s`, each block they touch checked.
    fn read(&self, s: usize, start: u64, len: u64) -> Result<Vec<u8>> {
        let section = self.sections[s];
        let end = start
            .checked_add(len)
            .filter(|&e| e <= section.len)
            .ok_or_else(|| {
                self.corrupt(format!(
                    "a read of {len} bytes at {start} runs past the end of section \"{}\" ({} bytes)",
                    SECTION_NAMES[s], section.len
                ))
            })?;
        if len == 0 {
            return Ok(Vec::new());
        }
        let b0 = start / BLOCK;
        let b1 = (end - 1) / BLOCK + 1;
        let read_start = b0 * BLOCK;
        let read_end = (b1 * BLOCK).min(section.len);
        let mut buf = vec![0u8; (read_end - read_start) as usize];
        self.file
            .read_exact_at(&mut buf, section.offset + read_start)
            .map_err(|e| self.io(e))?;
        if s != sec::BLOCK_SUMS {
            for (i, chunk) in buf.chunks(BLOCK as usize).enumerate() {
                let block = section.first_block + b0 as usize + i;
                if self.sums.get(block) != Some(&xxh3_64(chunk)) {
                    return Err(self.corrupt(format!(
                        "checksum mismatch in block {} of section \"{}\"",
                        b0 as usize + i,
                        SECTION_NAMES[s]
                    )));
                }
            }
        }
        let skip = (start - read_start) as usize;
        buf.drain(..skip);
        buf.truncate(len as usize);
        Ok(buf)
    }

    fn len(&self, s: usize) -> u64 {
        self.sections[s].len
    }
}

/// Reads a section front to back in large checked chunks.
struct Sequential<'a> {
    reader: &'a Reader,
    section: usize,
    pos: u64,
    buf: Vec<u8>,
    at: usize,
}

impl<'a> Sequential<'a> {
    fn new(reader: &'a Reader, section: usize) -> Self {
        Sequential {
            reader,
            section,
            pos: 0,
            buf: Vec::new(),
            at: 0,
        }
    }

    /// The next `n` bytes.
    fn next(&mut self, n: usize) -> Result<&[u8]> {
        if self.buf.len() - self.at < n {
            self.buf.drain(..self.at);
            self.at = 0;
            let total = self.reader.len(self.section);
            while self.buf.len() < n && self.pos < total {
                let len = CHUNK.min(total - self.pos);
                let chunk = self.reader.read(self.section, self.pos, len)?;
                self.pos += len;
                self.buf.extend_from_slice(&chunk);
            }
            if self.buf.len() < n {
                return Err(self.reader.corrupt(format!(
                    "section \"{}\" ends early",
                    SECTION_NAMES[self.section]
                )));
            }
        }
        let out = &self.buf[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    /// Copies the next `n` bytes to `w`.
    fn copy_to(&mut self, mut n: u64, w: &mut SectionWriter) -> Result<()> {
        while n > 0 {
            let step = n.min(CHUNK) as usize;
            let bytes = self.next(step)?;
            w.put(bytes)?;
            n -= step as u64;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The configuration section.

fn encode_config(config: &Config) -> Result<Vec<u8>> {
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
    };
    let segmentation = match config.get_segmentation() {
        Segmentation::BlankLines => 0u8,
        Segmentation::Lines => 1u8,
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
        0,
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

fn decode_config(b: &[u8], path: &Path) -> Result<Config> {
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
        .fold_digits(flag(7, "digit folding")?);
    let segmentation = match b[8] {
        0 => Segmentation::BlankLines,
        1 => Segmentation::Lines,
        v => return Err(bad(format!("unknown segmentation {v}"))),
    };
    let size = le32(b, 16) as usize;
    let shingling = match b[9] {
        0 => Shingling::Words(size),
        1 => Shingling::Chars(size),
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
        "case folding {}, typography folding {}, punctuation stripping {}, digit folding {}",
        on(n.get_case_fold()),
        on(n.get_fold_typography()),
        on(n.get_strip_punctuation()),
        on(n.get_fold_digits())
    )
}

fn on(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn shingling_text(s: Shingling) -> String {
    match s {
        Shingling::Words(k) => format!("{k}-word shingles"),
        Shingling::Chars(k) => format!("{k}-character shingles"),
    }
}

/// The first parameter in which `file` and `want` differ, as "X in the
/// file, Y configured". The keep policy is not stored and not compared.
fn config_mismatch(file: &Config, want: &Config) -> Result<Option<String>> {
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

// ---------------------------------------------------------------------------
// Opening.

impl IndexFile {
    /// Writes an empty index for `config` at `path` and opens it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) for a bad
    /// configuration; [`ErrorKind::Io`](crate::ErrorKind::Io) if `path`
    /// exists (it is never overwritten) or cannot be written.
    pub fn create(path: impl AsRef<Path>, config: Config) -> Result<IndexFile> {
        let path = path.as_ref();
        let dedup = Deduplicator::new(config)?;
        if fs::symlink_metadata(path).is_ok() {
            return Err(Error::about(
                crate::ErrorKind::Io,
                path,
                "the file exists; refusing to overwrite it with a new index",
            )
            .with_source(io::Error::from(io::ErrorKind::AlreadyExists)));
        }
        write_index(path, dedup.config(), None, &Overlay::new(&dedup))?;
        IndexFile::open(path)
    }

    /// Opens the index at `path` with the configuration stored in it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) if it cannot be read;
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) if it is not an index
    /// file, is of a newer format version than this build reads, was made
    /// with other hash functions, or is damaged (the message says which).
    pub fn open(path: impl AsRef<Path>) -> Result<IndexFile> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
        let size = file
            .metadata()
            .map_err(|e| Error::io("opening", path, e))?
            .len();
        let file = wrap(file);
        let bad = |what: String| Error::format(path, what);
        let mut head = [0u8; HEADER_LEN];
        let got = (size as usize).min(HEADER_LEN);
        file.read_exact_at(&mut head[..got], 0)
            .map_err(|e| Error::io("reading", path, e))?;
        if got < MAGIC.len() || head[..8] != MAGIC {
            return Err(bad(
                "not an echodup index file (its first bytes are not the index magic)".into(),
            ));
        }
        if got < HEADER_LEN {
            return Err(bad(format!(
                "damaged index file: truncated to {size} bytes, shorter than the header"
            )));
        }
        let version = le32(&head, 8);
        if version > STORE_FORMAT_VERSION {
            return Err(bad(format!(
                "index format version {version} is newer than this build reads (up to \
                 {STORE_FORMAT_VERSION}); upgrade echodup"
            )));
        }
        match version {
            1 => open_v1(path.to_path_buf(), file, size, head),
            v => Err(bad(format!("index format version {v} is not supported"))),
        }
    }

    /// Opens the index at `path` and checks that it was built with `config`.
    ///
    /// # Errors
    ///
    /// As [`open`](IndexFile::open); [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig)
    /// for a bad `config`; [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible)
    /// naming the first parameter that differs ("signature size 128 in the
    /// file, 256 configured"). The keep policy is not compared (the index
    /// does not use it).
    pub fn open_with(path: impl AsRef<Path>, config: &Config) -> Result<IndexFile> {
        config.validate()?;
        let index = IndexFile::open(path)?;
        if let Some(m) = config_mismatch(index.config(), config)? {
            return Err(Error::incompatible(&index.reader.path, m));
        }
        Ok(index)
    }
}

fn wrap(file: File) -> FileAt {
    #[cfg(unix)]
    {
        FileAt(file)
    }
    #[cfg(not(unix))]
    {
        FileAt(std::sync::Mutex::new(file))
    }
}

fn open_v1(path: PathBuf, file: FileAt, size: u64, head: [u8; HEADER_LEN]) -> Result<IndexFile> {
    let bad = |what: String| Error::format(&path, format!("damaged index file: {what}"));
    let count = le32(&head, 12) as usize;
    let block = le32(&head, 16) as u64;
    if count != sec::COUNT || block != BLOCK {
        return Err(bad(format!(
            "the header gives {count} sections of {block}-byte blocks (version 1 has {} of {BLOCK})",
            sec::COUNT
        )));
    }
    let table_end = (HEADER_LEN + count * ENTRY_LEN) as u64;
    if size < table_end {
        return Err(bad(format!(
            "truncated to {size} bytes, shorter than the section table"
        )));
    }
    let mut table = vec![0u8; count * ENTRY_LEN];
    file.read_exact_at(&mut table, HEADER_LEN as u64)
        .map_err(|e| Error::io("reading", &path, e))?;
    let mut summed = head[..56].to_vec();
    summed.extend_from_slice(&table);
    if xxh3_64(&summed) != le64(&head, 56) {
        return Err(bad(
            "checksum mismatch in the header or section table".into()
        ));
    }
    let fingerprint = le64(&head, 24);
    let stated = le64(&head, 32);
    if stated != size {
        return Err(bad(format!(
            "the header gives a length of {stated} bytes, the file has {size}"
        )));
    }
    let mut sections = [Section::default(); sec::COUNT];
    let mut checksums = [0u64; sec::COUNT];
    let mut at = table_end;
    let mut blocks = 0usize;
    for (i, s) in sections.iter_mut().enumerate() {
        let e = &table[i * ENTRY_LEN..(i + 1) * ENTRY_LEN];
        let (kind, offset, len) = (le32(e, 0) as usize, le64(e, 8), le64(e, 16));
        if kind != i || offset != at || offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(bad(format!(
                "section table entry {i} (\"{}\") is out of place",
                SECTION_NAMES[i]
            )));
        }
        *s = Section {
            offset,
            len,
            first_block: blocks,
        };
        checksums[i] = le64(e, 24);
        if i != sec::BLOCK_SUMS {
            blocks += len.div_ceil(BLOCK) as usize;
        }
        at = offset + len;
    }
    if at != size {
        return Err(bad(format!(
            "the sections end at byte {at}, the file at {size}"
        )));
    }
    if sections[sec::BLOCK_SUMS].len != blocks as u64 * 8 {
        return Err(bad("the block checksum section has the wrong length".into()));
    }
    let mut reader = Reader {
        path: path.clone(),
        file,
        version: 1,
        sections,
        sums: Vec::new(),
    };
    let raw = reader.read(sec::BLOCK_SUMS, 0, blocks as u64 * 8)?;
    if xxh3_64(&raw) != checksums[sec::BLOCK_SUMS] {
        return Err(reader.corrupt("checksum mismatch in section \"block checksums\""));
    }
    reader.sums = raw.chunks_exact(8).map(|c| le64(c, 0)).collect();
    for i in 0..sec::BLOCK_SUMS {
        let s = sections[i];
        let n = s.len.div_ceil(BLOCK) as usize;
        let bytes: Vec<u8> = reader.sums[s.first_block..s.first_block + n]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        if xxh3_64(&bytes) != checksums[i] {
            return Err(reader.corrupt(format!(
                "checksum mismatch in section \"{}\"",
                SECTION_NAMES[i]
            )));
        }
    }

    if reader.len(sec::CONFIG) != CONFIG_LEN || reader.len(sec::META) != META_LEN {
        return Err(reader.corrupt("the config or meta section has the wrong length"));
    }
    let config = decode_config(&reader.read(sec::CONFIG, 0, CONFIG_LEN)?, &path)?;
    let computed = config.fingerprint()?;
    if computed != fingerprint || le64(&reader.read(sec::CONFIG, 72, 8)?, 0) != fingerprint {
        return Err(Error::format(
            &path,
            format!(
                "the index was written with configuration fingerprint {fingerprint:#018x}, \
                 this build computes {computed:#018x} for the same parameters (other hash \
                 functions?); rebuild the index"
            ),
        ));
    }
    let m = reader.read(sec::META, 0, META_LEN)?;
    let meta = Meta {
        docs: le64(&m, 0),
        passages: le64(&m, 8),
        doc_groups: le64(&m, 16),
        passage_groups: le64(&m, 24),
        doc_members: le64(&m, 32),
        doc_bits: le32(&m, 40),
        passage_bits: le32(&m, 44),
    };
    let dedup = Deduplicator::new(config)?;
    let limit = u32::MAX as u64 - 1;
    if meta.docs > limit
        || meta.passages > limit
        || meta.doc_groups > meta.doc_members
        || meta.doc_members > meta.docs
        || meta.passage_groups > meta.passages
        || meta.doc_bits != dir_bits(meta.doc_groups)
        || meta.passage_bits != dir_bits(meta.passage_groups)
    {
        return Err(reader.corrupt("the counts in section \"meta\" do not hold together"));
    }
    let verification = dedup.config().get_verification();
    let num_perm = dedup.config().get_num_perm();
    let data_unit = match verification {
        Verification::Exact => 8,
        _ => 4 * num_perm as u64,
    };
    let level = |groups_sec, data_sec, bands_sec, dir_sec, groups, bits, banding: Banding| {
        let bands = banding.bands();
        let dir_len = bands as u64 * ((1u64 << bits) + 1) * 4;
        if reader.len(groups_sec) != groups * GROUP_LEN
            || reader.len(bands_sec) != groups * bands as u64 * BAND_ENTRY_LEN
            || reader.len(dir_sec) != dir_len
            || !reader.len(data_sec).is_multiple_of(data_unit)
        {
            return Err(reader.corrupt(format!(
                "section \"{}\", \"{}\" or \"{}\" has the wrong length",
                SECTION_NAMES[groups_sec], SECTION_NAMES[bands_sec], SECTION_NAMES[dir_sec]
            )));
        }
        let raw = reader.read(dir_sec, 0, dir_len)?;
        let dir: Vec<u32> = raw.chunks_exact(4).map(|c| le32(c, 0)).collect();
        let per_band = (1usize << bits) + 1;
        for band in dir.chunks_exact(per_band) {
            let ok = band[0] == 0
                && band[per_band - 1] as u64 == groups
                && band.windows(2).all(|w| w[0] <= w[1]);
            if !ok {
                return Err(reader.corrupt(format!(
                    "section \"{}\" is not a valid directory",
                    SECTION_NAMES[dir_sec]
                )));
            }
        }
        Ok(DiskLevel {
            groups_sec,
            data_sec,
            bands_sec,
            groups,
            bands,
            bits,
            dir,
            verification,
            num_perm,
        })
    };
    let docs = level(
        sec::DOC_GROUPS,
        sec::DOC_DATA,
        sec::DOC_BANDS,
        sec::DOC_DIR,
        meta.doc_groups,
        meta.doc_bits,
        dedup.banding(),
    )?;
    let passages = level(
        sec::PASSAGE_GROUPS,
        sec::PASSAGE_DATA,
        sec::PASSAGE_BANDS,
        sec::PASSAGE_DIR,
        meta.passage_groups,
        meta.passage_bits,
        dedup.passage_banding(),
    )?;
    if reader.len(sec::ID_OFFSETS) != (meta.docs + 1) * 8
        || reader.len(sec::ID_HASHES) != meta.docs * ID_HASH_LEN
        || reader.len(sec::DOC_MEMBERS) != meta.doc_members * 4
    {
        return Err(reader.corrupt("an id or member section has the wrong length"));
    }
    Ok(IndexFile {
        reader,
        dedup,
        meta,
        docs,
        passages,
        size,
    })
}

// ---------------------------------------------------------------------------
// Lookups.

impl DiskLevel {
    fn record(&self, r: &Reader, g: u32) -> Result<GroupRecord> {
        let b = r.read(self.groups_sec, g as u64 * GROUP_LEN, GROUP_LEN)?;
        Ok(GroupRecord::decode(&b))
    }

    fn data(&self, r: &Reader, rec: &GroupRecord) -> Result<GroupData> {
        match self.verification {
            Verification::Exact => {
                let b = r.read(self.data_sec, rec.data, rec.len as u64 * 8)?;
                let v: Vec<u64> = b.chunks_exact(8).map(|c| le64(c, 0)).collect();
                if v.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(r.corrupt(format!(
                        "a set in section \"{}\" is not sorted",
                        SECTION_NAMES[self.data_sec]
                    )));
                }
                Ok(GroupData::Set(ShingleSet::from_hashes(v)))
            }
            _ => {
                let b = r.read(self.data_sec, rec.data, self.num_perm as u64 * 4)?;
                let v: Vec<u32> = b.chunks_exact(4).map(|c| le32(c, 0)).collect();
                Ok(GroupData::Signature(Signature::from_values(v)))
            }
        }
    }

    /// Groups sharing a band key with `keys`, sorted, each once.
    fn candidates(&self, r: &Reader, keys: &[u64]) -> Result<Vec<u32>> {
        let per_band = (1usize << self.bits) + 1;
        let mut out = Vec::new();
        for (band, &key) in keys.iter().enumerate().take(self.bands) {
            let d = band * per_band + bucket_of(key, self.bits);
            let (lo, hi) = (self.dir[d] as u64, self.dir[d + 1] as u64);
            if lo == hi {
                continue;
            }
            let start = (band as u64 * self.groups + lo) * BAND_ENTRY_LEN;
            let bytes = r.read(self.bands_sec, start, (hi - lo) * BAND_ENTRY_LEN)?;
            for e in bytes.chunks_exact(BAND_ENTRY_LEN as usize) {
                let k = le64(e, 0);
                if k == key {
                    let g = le32(e, 8);
                    if g as u64 >= self.groups {
                        return Err(r.corrupt(format!(
                            "group {g} in section \"{}\" is out of range",
                            SECTION_NAMES[self.bands_sec]
                        )));
                    }
                    out.push(g);
                } else if k > key {
                    break;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Groups that `verifier` matches with `item`, in group order, with
    /// their records and whether each is `item`'s own set (as
    /// `GroupIndex::matches`, on disk).
    fn matches(
        &self,
        r: &Reader,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Result<Vec<(u32, Similarity, GroupRecord, bool)>> {
        let query = item.evidence(verifier);
        let mut out = Vec::new();
        for g in self.candidates(r, &item.keys)? {
            let rec = self.record(r, g)?;
            let data = self.data(r, &rec)?;
            let stored = data.evidence(&rec);
            let identical = rec.fingerprint == item.fingerprint && stored == query;
            let sim = verifier.similarity(stored, query);
            if identical || verifier.accepts(&sim) {
                out.push((g, sim, rec, identical));
            }
        }
        Ok(out)
    }

    /// The group whose set is `item`'s, if any. Identical sets share every
    /// band key, so the first band's bucket is enough.
    fn identical(&self, r: &Reader, item: &IndexItem) -> Result<Option<u32>> {
        for g in self.candidates(r, &item.keys[..1.min(item.keys.len())])? {
            let rec = self.record(r, g)?;
            if rec.fingerprint != item.fingerprint {
                continue;
            }
            let data = self.data(r, &rec)?;
            let query = match data {
                GroupData::Set(_) => Evidence::Set(&item.set),
                GroupData::Signature(_) => Evidence::signature(&item.signature, item.set.len()),
            };
            if data.evidence(&rec) == query {
                return Ok(Some(g));
            }
        }
        Ok(None)
    }
}

impl IndexFile {
    /// The configuration the index was built with.
    pub fn config(&self) -> &Config {
        self.dedup.config()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.reader.path
    }

    /// Documents in the index.
    pub fn len(&self) -> usize {
        self.meta.docs as usize
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.meta.docs == 0
    }

    /// Passages indexed (those long enough to compare).
    pub fn num_passages(&self) -> usize {
        self.meta.passages as usize
    }

    /// Configuration, counts, size and format version.
    pub fn info(&self) -> IndexInfo {
        IndexInfo {
            path: self.reader.path.clone(),
            format_version: self.reader.version,
            size: self.size,
            documents: self.meta.docs,
            passages: self.meta.passages,
            document_groups: self.meta.doc_groups,
            passage_groups: self.meta.passage_groups,
            config: self.config().clone(),
            fingerprint: self.config().fingerprint().unwrap_or_default(),
        }
    }

    /// The id the input gave document `doc`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) if `doc` is not in the
    /// index or the file is damaged; [`ErrorKind::Io`](crate::ErrorKind::Io)
    /// if it cannot be read.
    pub fn doc_id(&self, doc: DocId) -> Result<String> {
        let r = &self.reader;
        let d = doc.as_u32() as u64;
        if d >= self.meta.docs {
            return Err(Error::format(
                &r.path,
                format!("no document {d} (the index holds {})", self.meta.docs),
            ));
        }
        let o = r.read(sec::ID_OFFSETS, d * 8, 16)?;
        let (start, end) = (le64(&o, 0), le64(&o, 8));
        if end < start {
            return Err(r.corrupt("the id offsets are not in order"));
        }
        let bytes = r.read(sec::ID_BYTES, start, end - start)?;
        String::from_utf8(bytes).map_err(|_| r.corrupt("an id is not UTF-8"))
    }

    /// The document with id `id`, if the index holds it.
    ///
    /// # Errors
    ///
    /// As [`doc_id`](IndexFile::doc_id).
    pub fn find(&self, id: &str) -> Result<Option<DocId>> {
        let r = &self.reader;
        let h = xxh3_64(id.as_bytes()) ^ ID_SEED;
        let (mut lo, mut hi) = (0u64, self.meta.docs);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let e = r.read(sec::ID_HASHES, mid * ID_HASH_LEN, ID_HASH_LEN)?;
            if le64(&e, 0) < h {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        while lo < self.meta.docs {
            let e = r.read(sec::ID_HASHES, lo * ID_HASH_LEN, ID_HASH_LEN)?;
            if le64(&e, 0) != h {
                break;
            }
            let doc = DocId::new(le32(&e, 8));
            if self.doc_id(doc)? == id {
                return Ok(Some(doc));
            }
            lo += 1;
        }
        Ok(None)
    }

    /// Checks `text` against the index without adding it: the same verdict
    /// as [`DedupIndex::query`](crate::DedupIndex::query) on an in-memory
    /// index of the same documents.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) if a block it reads is
    /// damaged; [`ErrorKind::Io`](crate::ErrorKind::Io) if the file cannot
    /// be read.
    pub fn query(&self, text: &str) -> Result<Verdict> {
        let doc = self.dedup.analyzer().analyze(text);
        self.query_analyzed(&doc)
    }

    /// [`query`](IndexFile::query) for a document analyzed beforehand with
    /// this index's [`Analyzer`](crate::Analyzer).
    ///
    /// # Errors
    ///
    /// As [`query`](IndexFile::query).
    pub fn query_analyzed(&self, doc: &AnalyzedDocument) -> Result<Verdict> {
        let overlay = Overlay::new(&self.dedup);
        let prepared = crate::index::prepare(&self.dedup, doc);
        crate::index::check(
            &Combined {
                base: Some(self),
                overlay: &overlay,
                pre: None,
            },
            &self.dedup,
            doc,
            &prepared,
        )
    }

    /// Reads every block of the file and checks it against its checksum.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) naming the first
    /// damaged section and block; [`ErrorKind::Io`](crate::ErrorKind::Io).
    pub fn verify(&self) -> Result<()> {
        for s in 0..sec::BLOCK_SUMS {
            let mut at = 0;
            let len = self.reader.len(s);
            while at < len {
                let n = CHUNK.min(len - at);
                self.reader.read(s, at, n)?;
                at += n;
            }
        }
        Ok(())
    }

    /// Checks each document of `docs` against the index and the documents
    /// before it in the batch, adds them all, and saves the index. The
    /// verdicts are those that [`DedupIndex::add`](crate::DedupIndex::add)
    /// would give for the same documents, and carry each document's new
    /// [`DocId`].
    ///
    /// The file is replaced atomically (see the [module docs](self)): if
    /// this fails, or the process dies, the index on disk is the one before
    /// the batch, and so is `self`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DuplicateId`](crate::ErrorKind::DuplicateId) naming an id
    /// already in the index or given twice in the batch;
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) past `u32::MAX - 1`
    /// documents or passages; [`ErrorKind::Format`](crate::ErrorKind::Format)
    /// if a block read is damaged; [`ErrorKind::Io`](crate::ErrorKind::Io).
    pub fn add_batch<I, S, T>(&mut self, docs: I) -> Result<Vec<Verdict>>
    where
        I: IntoIterator<Item = (S, T)>,
        S: Into<String>,
        T: AsRef<str> + Sync,
    {
        let docs: Vec<(String, T)> = docs.into_iter().map(|(i, t)| (i.into(), t)).collect();
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let limit = u32::MAX as u64 - 1;
        if self.meta.docs + docs.len() as u64 > limit {
            return Err(Error::capacity("documents", limit));
        }
        self.check_new_ids(docs.iter().map(|(id, _)| id.as_str()))?;
        let analyzed: Vec<(AnalyzedDocument, Prepared)> = docs
            .par_iter()
            .map(|(_, text)| {
                let doc = self.dedup.analyzer().analyze(text.as_ref());
                let prepared = crate::index::prepare(&self.dedup, &doc);
                (doc, prepared)
            })
            .collect();
        let passages: u64 = analyzed.iter().map(|(_, p)| p.passages.len() as u64).sum();
        if self.meta.passages + passages > limit {
            return Err(Error::capacity("passages", limit));
        }
        // Lookups in the file do not depend on the batch: all of them in
        // parallel first, then the documents in order against the batch.
        let lookups: Vec<BaseLookup> = analyzed
            .par_iter()
            .map(|(_, prepared)| self.lookup(prepared))
            .collect::<Result<_>>()?;
        let mut overlay = Overlay::new(&self.dedup);
        let mut verdicts = Vec::with_capacity(docs.len());
        for (((id, _), (doc, prepared)), lookup) in docs.into_iter().zip(analyzed).zip(lookups) {
            let mut verdict = crate::index::check(
                &Combined {
                    base: Some(self),
                    overlay: &overlay,
                    pre: Some((&prepared, &lookup)),
                },
                &self.dedup,
                &doc,
                &prepared,
            )?;
            let doc_id = DocId::new((self.meta.docs + overlay.ids.len() as u64) as u32);
            verdict.set_doc(doc_id);
            overlay.add(id, doc_id, prepared, &lookup)?;
            verdicts.push(verdict);
        }
        self.save(&overlay)?;
        Ok(verdicts)
    }

    /// Refuses ids already in the index or repeated among `ids`.
    fn check_new_ids<'a>(&self, ids: impl Iterator<Item = &'a str>) -> Result<()> {
        let r = &self.reader;
        let raw = r.read(sec::ID_HASHES, 0, r.len(sec::ID_HASHES))?;
        let hashes: Vec<(u64, u32)> = raw
            .chunks_exact(ID_HASH_LEN as usize)
            .map(|e| (le64(e, 0), le32(e, 8)))
            .collect();
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                return Err(Error::duplicate_id(
                    &r.path,
                    format!("document id \"{id}\" is given twice in the batch"),
                ));
            }
            let h = xxh3_64(id.as_bytes()) ^ ID_SEED;
            let start = hashes.partition_point(|&(x, _)| x < h);
            for &(x, doc) in &hashes[start..] {
                if x != h {
                    break;
                }
                if self.doc_id(DocId::new(doc))? == id {
                    return Err(Error::duplicate_id(
                        &r.path,
                        format!("document id \"{id}\" is already in the index"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Writes `self` plus `overlay` and reopens.
    fn save(&mut self, overlay: &Overlay) -> Result<()> {
        let path = self.reader.path.clone();
        write_index(&path, self.config(), Some(self), overlay)?;
        *self = IndexFile::open(&path)?;
        Ok(())
    }

    /// Merges the indexes `inputs` (at least one) into a new index at `out`:
    /// the documents of the first input, then those of the second, and so
    /// on. The result is the index that adding all their documents, in that
    /// order, to one index would give, byte for byte.
    ///
    /// `out` is written atomically and may not be one of the inputs.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible) naming the
    /// input and the first parameter that differs from the first input's;
    /// [`ErrorKind::DuplicateId`](crate::ErrorKind::DuplicateId) naming an id
    /// found in two inputs; [`ErrorKind::Io`](crate::ErrorKind::Io) if `out`
    /// is an input or there is no input; errors of [`open`](IndexFile::open).
    pub fn merge<P: AsRef<Path>>(out: impl AsRef<Path>, inputs: &[P]) -> Result<IndexInfo> {
        let out = out.as_ref();
        let Some(first) = inputs.first() else {
            return Err(Error::about(
                crate::ErrorKind::Io,
                out,
                "nothing to merge: no input index",
            ));
        };
        let out_real = fs::canonicalize(out).ok();
        for p in inputs {
            if out_real.is_some() && fs::canonicalize(p.as_ref()).ok() == out_real {
                return Err(Error::about(
                    crate::ErrorKind::Io,
                    out,
                    "the merge output is also an input; refusing to overwrite it",
                ));
            }
        }
        let base = IndexFile::open(first)?;
        let mut overlay = Overlay::new(&base.dedup);
        let mut seen_ids: HashSet<String> = HashSet::new();
        for p in &inputs[1..] {
            let other = IndexFile::open(p)?;
            if let Some(m) = config_mismatch(other.config(), base.config())? {
                return Err(Error::incompatible(
                    other.path(),
                    format!(
                        "cannot merge with {}: {}",
                        base.path().display(),
                        m.replace(" configured", " there")
                    ),
                ));
            }
            overlay.absorb(&base, &other, &mut seen_ids)?;
        }
        write_index(out, base.config(), Some(&base), &overlay)?;
        Ok(IndexFile::open(out)?.info())
    }
}

// ---------------------------------------------------------------------------
// What a batch (or a merge) adds, in memory.

/// The new groups of one level.
#[derive(Debug)]
struct OverlayLevel {
    level: GroupIndex,
    /// Band keys of each new group, `bands` per group.
    keys: Vec<u64>,
    fingerprints: Vec<u64>,
    /// Per new group: its members (documents) or its first passage.
    firsts: Vec<u64>,
}

impl OverlayLevel {
    fn new(banding: Banding, seed: u64, verification: Verification) -> Self {
        OverlayLevel {
            level: GroupIndex::with(banding, seed, verification),
            keys: Vec::new(),
            fingerprints: Vec::new(),
            firsts: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Inserts `item` for `external`; returns whether it made a new group.
    fn insert(&mut self, item: IndexItem, external: u32, first: u64) -> Result<bool> {
        let new = self.level.identical_group(&item).is_none();
        if new {
            self.keys.extend_from_slice(&item.keys);
            self.fingerprints.push(item.fingerprint);
            self.firsts.push(first);
        }
        self.level.insert(item, external)?;
        Ok(new)
    }
}

#[derive(Debug)]
struct Overlay {
    ids: Vec<String>,
    docs: OverlayLevel,
    passages: OverlayLevel,
    /// New members of groups already on disk.
    doc_joins: HashMap<u32, Vec<u32>>,
    /// First passage of each new passage group's members, by external id.
    passage_ids: Vec<PassageId>,
    /// New passages (in new groups or not).
    num_passages: u64,
}

impl Overlay {
    fn new(dedup: &Deduplicator) -> Self {
        let seed = dedup.config().get_seed();
        let v = dedup.config().get_verification();
        Overlay {
            ids: Vec::new(),
            docs: OverlayLevel::new(dedup.banding(), seed, v),
            passages: OverlayLevel::new(dedup.passage_banding(), seed, v),
            doc_joins: HashMap::new(),
            passage_ids: Vec::new(),
            num_passages: 0,
        }
    }

    /// Adds a document's items.
    fn add(
        &mut self,
        id: String,
        doc: DocId,
        prepared: Prepared,
        lookup: &BaseLookup,
    ) -> Result<()> {
        if let Some(item) = prepared.doc {
            let identical = lookup.doc.as_ref().and_then(|l| l.identical);
            self.add_doc_item(identical, item, &[doc.as_u32()])?;
        }
        for ((index, item), l) in prepared.passages.into_iter().zip(&lookup.passages) {
            self.add_passage_item(l.identical.is_some(), item, PassageId::new(doc, index))?;
            self.num_passages += 1;
        }
        self.ids.push(id);
        Ok(())
    }

    /// Adds a document item whose identical group on disk (if any) is `identical`.
    fn add_doc_item(
        &mut self,
        identical: Option<u32>,
        item: IndexItem,
        members: &[u32],
    ) -> Result<()> {
        if let Some(g) = identical {
            self.doc_joins.entry(g).or_default().extend(members);
            return Ok(());
        }
        for &m in members {
            self.docs.insert(item.clone(), m, 0)?;
        }
        Ok(())
    }

    /// Adds a passage item; `on_disk`: an identical passage is in the file.
    fn add_passage_item(&mut self, on_disk: bool, item: IndexItem, id: PassageId) -> Result<()> {
        if on_disk {
            return Ok(());
        }
        let external = self.passage_ids.len() as u32;
        self.passage_ids.push(id);
        self.passages.insert(item, external, passage_id_pack(id))?;
        Ok(())
    }

    /// Appends every document of `other` (whose configuration is `base`'s).
    fn absorb(
        &mut self,
        base: &IndexFile,
        other: &IndexFile,
        seen: &mut HashSet<String>,
    ) -> Result<()> {
        let offset = base.meta.docs + self.ids.len() as u64;
        if offset + other.meta.docs > u32::MAX as u64 - 1
            || base.meta.passages + self.num_passages + other.meta.passages > u32::MAX as u64 - 1
        {
            return Err(Error::capacity(
                "documents or passages",
                u32::MAX as u64 - 1,
            ));
        }
        // Ids: none may be in the base or in an earlier input.
        let mut ids = Vec::with_capacity(other.len());
        for d in 0..other.meta.docs {
            ids.push(other.doc_id(DocId::new(d as u32))?);
        }
        base.check_new_ids(ids.iter().map(String::as_str))
            .map_err(|e| match e.kind() {
                crate::ErrorKind::DuplicateId => {
                    Error::duplicate_id(other.path(), format!("{e} (cannot merge)"))
                }
                _ => e,
            })?;
        for id in &ids {
            if !seen.insert(id.clone()) {
                return Err(Error::duplicate_id(
                    other.path(),
                    format!("document id \"{id}\" is in an earlier input too"),
                ));
            }
        }
        let dedup = &base.dedup;
        let r = &other.reader;
        let sketcher = dedup.sketcher();
        for (lvl, level) in [
            (&other.docs, Level::Document),
            (&other.passages, Level::Passage),
        ] {
            let records: Vec<GroupRecord> = {
                let raw = r.read(lvl.groups_sec, 0, r.len(lvl.groups_sec))?;
                raw.chunks_exact(GROUP_LEN as usize)
                    .map(GroupRecord::decode)
                    .collect()
            };
            let items: Vec<IndexItem> = records
                .par_iter()
                .map(|rec| {
                    let item = match lvl.data(r, rec)? {
                        GroupData::Set(set) => IndexItem::new(&set, sketcher, level),
                        GroupData::Signature(sig) => IndexItem::from_signature(
                            sig,
                            rec.len as usize,
                            rec.fingerprint,
                            sketcher,
                            level,
                        ),
                    };
                    Ok(item)
                })
                .collect::<Result<_>>()?;
            for (rec, item) in records.iter().zip(items) {
                if lvl.groups_sec == sec::DOC_GROUPS {
                    let raw = r.read(sec::DOC_MEMBERS, rec.first * 4, rec.members as u64 * 4)?;
                    let members: Vec<u32> = raw
                        .chunks_exact(4)
                        .map(|c| (le32(c, 0) as u64 + offset) as u32)
                        .collect();
                    let identical = base.docs.identical(&base.reader, &item)?;
                    self.add_doc_item(identical, item, &members)?;
                } else {
                    let p = passage_id_unpack(rec.first);
                    let p = PassageId::new(
                        DocId::new((p.doc.as_u32() as u64 + offset) as u32),
                        p.index,
                    );
                    let on_disk = base.passages.identical(&base.reader, &item)?.is_some();
                    self.add_passage_item(on_disk, item, p)?;
                }
            }
        }
        self.num_passages += other.meta.passages;
        self.ids.extend(ids);
        Ok(())
    }
}

/// What the file holds for one item: the groups that match it (with their
/// members, for documents) and the group identical to it.
#[derive(Clone, Debug, Default)]
struct LevelLookup {
    matches: Vec<(u32, Similarity, GroupRecord)>,
    /// Documents only: the members of each matching group.
    members: Vec<Vec<u32>>,
    identical: Option<u32>,
}

/// The lookups of one prepared document: its whole set and each passage
/// (in the order of `Prepared::passages`).
#[derive(Debug, Default)]
struct BaseLookup {
    doc: Option<LevelLookup>,
    passages: Vec<LevelLookup>,
}

impl IndexFile {
    fn lookup_level(&self, documents: bool, item: &IndexItem) -> Result<LevelLookup> {
        let (level, verifier) = if documents {
            (&self.docs, self.dedup.verifier(Level::Document))
        } else {
            (&self.passages, self.dedup.verifier(Level::Passage))
        };
        let matches = level.matches(&self.reader, item, verifier)?;
        let mut out = LevelLookup::default();
        for (g, sim, rec, identical) in matches {
            if identical {
                out.identical = Some(g);
            }
            if documents {
                let raw =
                    self.reader
                        .read(sec::DOC_MEMBERS, rec.first * 4, rec.members as u64 * 4)?;
                out.members
                    .push(raw.chunks_exact(4).map(|c| le32(c, 0)).collect());
            }
            out.matches.push((g, sim, rec));
        }
        Ok(out)
    }

    fn lookup(&self, prepared: &Prepared) -> Result<BaseLookup> {
        Ok(BaseLookup {
            doc: prepared
                .doc
                .as_ref()
                .map(|item| self.lookup_level(true, item))
                .transpose()?,
            passages: prepared
                .passages
                .iter()
                .map(|(_, item)| self.lookup_level(false, item))
                .collect::<Result<_>>()?,
        })
    }
}

/// History = the file plus the overlay.
struct Combined<'a> {
    base: Option<&'a IndexFile>,
    overlay: &'a Overlay,
    /// Lookups done beforehand for the items of one prepared document;
    /// items are recognised by address.
    pre: Option<(&'a Prepared, &'a BaseLookup)>,
}

impl Combined<'_> {
    /// The lookup of `item` in the file: done beforehand, or now.
    fn lookup(
        &self,
        documents: bool,
        item: &IndexItem,
    ) -> Result<Option<std::borrow::Cow<'_, LevelLookup>>> {
        use std::borrow::Cow;
        if let Some((prepared, lookup)) = self.pre {
            if documents {
                if let (Some(d), Some(l)) = (&prepared.doc, &lookup.doc)
                    && std::ptr::eq(d, item)
                {
                    return Ok(Some(Cow::Borrowed(l)));
                }
            } else if let Some(i) = prepared
                .passages
                .iter()
                .position(|(_, p)| std::ptr::eq(p, item))
            {
                return Ok(lookup.passages.get(i).map(Cow::Borrowed));
            }
        }
        match self.base {
            Some(b) => Ok(Some(Cow::Owned(b.lookup_level(documents, item)?))),
            None => Ok(None),
        }
    }
}

impl History for Combined<'_> {
    type Error = Error;

    fn document_matches(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Result<Vec<DocumentVerdict>> {
        let mut out = Vec::new();
        if let Some(l) = self.lookup(true, item)? {
            for ((g, sim, _), members) in l.matches.iter().zip(&l.members) {
                for &d in members {
                    out.push((DocId::new(d), *sim));
                }
                for &d in self.overlay.doc_joins.get(g).into_iter().flatten() {
                    out.push((DocId::new(d), *sim));
                }
            }
        }
        let level = &self.overlay.docs.level;
        for (g, sim) in level.matches(item, verifier) {
            for &d in &level.groups[g as usize] {
                out.push((DocId::new(d), sim));
            }
        }
        Ok(out)
    }

    fn passage_match(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Result<Option<(PassageId, Similarity)>> {
        let mut found: Vec<(PassageId, Similarity)> = Vec::new();
        if let Some(l) = self.lookup(false, item)? {
            for (_, sim, rec) in &l.matches {
                found.push((passage_id_unpack(rec.first), *sim));
            }
        }
        let level = &self.overlay.passages.level;
        for (g, sim) in level.matches(item, verifier) {
            found.push((
                self.overlay.passage_ids[level.groups[g as usize][0] as usize],
                sim,
            ));
        }
        Ok(found.into_iter().min_by_key(|&(id, _)| id))
    }

    fn next_doc(&self) -> u32 {
        (self.base.map_or(0, |b| b.meta.docs) + self.overlay.ids.len() as u64) as u32
    }
}

// ---------------------------------------------------------------------------
// Writing.

/// Streams sections into a file, with a checksum per block.
struct SectionWriter {
    target: PathBuf,
    out: BufWriter<File>,
    pos: u64,
    sums: Vec<u64>,
    block: Vec<u8>,
    table: Vec<(u64, u64, u64)>,
    section_start: u64,
    section_first_block: usize,
}

impl SectionWriter {
    fn err(&self, e: io::Error) -> Error {
        Error::io("writing", &self.target, e)
    }

    fn put(&mut self, mut bytes: &[u8]) -> Result<()> {
        while !bytes.is_empty() {
            let room = BLOCK as usize - self.block.len();
            let n = room.min(bytes.len());
            self.block.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.block.len() == BLOCK as usize {
                self.flush_block()?;
            }
        }
        Ok(())
    }

    fn flush_block(&mut self) -> Result<()> {
        if !self.block.is_empty() {
            self.sums.push(xxh3_64(&self.block));
            if let Err(e) = self.out.write_all(&self.block) {
                return Err(self.err(e));
            }
            self.pos += self.block.len() as u64;
            self.block.clear();
        }
        Ok(())
    }

    fn end_section(&mut self) -> Result<()> {
        self.flush_block()?;
        let bytes: Vec<u8> = self.sums[self.section_first_block..]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        self.table.push((
            self.section_start,
            self.pos - self.section_start,
            xxh3_64(&bytes),
        ));
        self.section_start = self.pos;
        self.section_first_block = self.sums.len();
        Ok(())
    }
}

/// Writes the index of `base` plus `overlay` to `target`, atomically.
fn write_index(
    target: &Path,
    config: &Config,
    base: Option<&IndexFile>,
    overlay: &Overlay,
) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| {
            Error::io(
                "writing",
                target,
                io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
            )
        })?
        .to_string_lossy()
        .into_owned();
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (temp, file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!(".{name}.echodup-{}-{n}.tmp", std::process::id()));
        match File::options().write(true).create_new(true).open(&temp) {
            Ok(f) => break (temp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("writing", target, e)),
        }
    };
    let result = write_contents(target, file, config, base, overlay).and_then(|()| {
        fs::rename(&temp, target).map_err(|e| Error::io("writing", target, e))?;
        // Make the rename durable where the platform allows it.
        if let Ok(dir) = File::open(&folder) {
            let _ = dir.sync_all();
        }
        Ok(())
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn write_contents(
    target: &Path,
    file: File,
    config: &Config,
    base: Option<&IndexFile>,
    overlay: &Overlay,
) -> Result<()> {
    let io_err = |e: io::Error| Error::io("writing", target, e);
    let table_end = (HEADER_LEN + sec::COUNT * ENTRY_LEN) as u64;
    let mut w = SectionWriter {
        target: target.to_path_buf(),
        out: BufWriter::with_capacity(1 << 20, file),
        pos: table_end,
        sums: Vec::new(),
        block: Vec::with_capacity(BLOCK as usize),
        table: Vec::new(),
        section_start: table_end,
        section_first_block: 0,
    };
    w.out
        .write_all(&[0u8; HEADER_LEN + sec::COUNT * ENTRY_LEN])
        .map_err(io_err)?;

    let old = base.map(|b| b.meta).unwrap_or_default();
    let new_docs = overlay.ids.len() as u64;
    let doc_groups = old.doc_groups + overlay.docs.len() as u64;
    let passage_groups = old.passage_groups + overlay.passages.len() as u64;
    let joined: u64 = overlay.doc_joins.values().map(|v| v.len() as u64).sum();
    let new_members: u64 = overlay
        .docs
        .level
        .groups
        .iter()
        .map(|g| g.len() as u64)
        .sum();
    let meta = Meta {
        docs: old.docs + new_docs,
        passages: old.passages + overlay.num_passages,
        doc_groups,
        passage_groups,
        doc_bits: dir_bits(doc_groups),
        passage_bits: dir_bits(passage_groups),
        doc_members: old.doc_members + joined + new_members,
    };

    // config, meta
    w.put(&encode_config(config)?)?;
    w.end_section()?;
    let mut m = Vec::with_capacity(META_LEN as usize);
    for v in [
        meta.docs,
        meta.passages,
        meta.doc_groups,
        meta.passage_groups,
        meta.doc_members,
    ] {
        m.extend_from_slice(&v.to_le_bytes());
    }
    m.extend_from_slice(&meta.doc_bits.to_le_bytes());
    m.extend_from_slice(&meta.passage_bits.to_le_bytes());
    w.put(&m)?;
    w.end_section()?;

    // id offsets, id bytes, id hashes
    let old_id_bytes = base.map_or(0, |b| b.reader.len(sec::ID_BYTES));
    match base {
        Some(b) => {
            Sequential::new(&b.reader, sec::ID_OFFSETS).copy_to((old.docs + 1) * 8, &mut w)?
        }
        None => w.put(&0u64.to_le_bytes())?,
    }
    let mut at = old_id_bytes;
    for id in &overlay.ids {
        at += id.len() as u64;
        w.put(&at.to_le_bytes())?;
    }
    w.end_section()?;
    if let Some(b) = base {
        Sequential::new(&b.reader, sec::ID_BYTES).copy_to(old_id_bytes, &mut w)?;
    }
    for id in &overlay.ids {
        w.put(id.as_bytes())?;
    }
    w.end_section()?;
    let mut new_hashes: Vec<(u64, u32)> = overlay
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                xxh3_64(id.as_bytes()) ^ ID_SEED,
                (old.docs + i as u64) as u32,
            )
        })
        .collect();
    new_hashes.sort_unstable();
    {
        let mut old_seq = base.map(|b| Sequential::new(&b.reader, sec::ID_HASHES));
        let mut left = old.docs;
        let mut cur = pull_entry(&mut old_seq, &mut left)?;
        let mut new = new_hashes.into_iter().peekable();
        loop {
            let take_old = match (cur, new.peek()) {
                (Some(o), Some(n)) => o <= *n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (h, d) = if take_old {
                let v = cur.expect("checked");
                cur = pull_entry(&mut old_seq, &mut left)?;
                v
            } else {
                new.next().expect("checked")
            };
            let mut e = [0u8; 12];
            e[..8].copy_from_slice(&h.to_le_bytes());
            e[8..].copy_from_slice(&d.to_le_bytes());
            w.put(&e)?;
        }
    }
    w.end_section()?;

    // the two levels
    write_level(&mut w, config, base, overlay, true, meta)?;
    write_level(&mut w, config, base, overlay, false, meta)?;

    // block checksums, then header and table
    w.flush_block()?;
    let sums: Vec<u8> = w.sums.iter().flat_map(|v| v.to_le_bytes()).collect();
    w.out.write_all(&sums).map_err(io_err)?;
    w.table.push((w.pos, sums.len() as u64, xxh3_64(&sums)));
    w.pos += sums.len() as u64;
    let mut head = Vec::with_capacity(HEADER_LEN + sec::COUNT * ENTRY_LEN);
    head.extend_from_slice(&MAGIC);
    head.extend_from_slice(&STORE_FORMAT_VERSION.to_le_bytes());
    head.extend_from_slice(&(sec::COUNT as u32).to_le_bytes());
    head.extend_from_slice(&(BLOCK as u32).to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes());
    head.extend_from_slice(&config.fingerprint()?.to_le_bytes());
    head.extend_from_slice(&w.pos.to_le_bytes());
    head.extend_from_slice(&[0u8; 16]);
    let mut table = Vec::with_capacity(sec::COUNT * ENTRY_LEN);
    for (i, (offset, len, sum)) in w.table.iter().enumerate() {
        table.extend_from_slice(&(i as u32).to_le_bytes());
        table.extend_from_slice(&0u32.to_le_bytes());
        table.extend_from_slice(&offset.to_le_bytes());
        table.extend_from_slice(&len.to_le_bytes());
        table.extend_from_slice(&sum.to_le_bytes());
    }
    debug_assert_eq!(w.table.len(), sec::COUNT);
    let mut summed = head.clone();
    summed.extend_from_slice(&table);
    head.extend_from_slice(&xxh3_64(&summed).to_le_bytes());
    head.extend_from_slice(&table);
    let mut file = w.out.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    file.write_all(&head).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    Ok(())
}

/// The next of `left` 12-byte (u64, u32) entries of `seq`.
fn pull_entry(seq: &mut Option<Sequential<'_>>, left: &mut u64) -> Result<Option<(u64, u32)>> {
    if *left == 0 {
        return Ok(None);
    }
    *left -= 1;
    let e = seq
        .as_mut()
        .expect("a base file when it has entries")
        .next(12)?;
    Ok(Some((le64(e, 0), le32(e, 8))))
}

/// Writes the groups, data, (members,) bands and directory of one level.
fn write_level(
    w: &mut SectionWriter,
    config: &Config,
    base: Option<&IndexFile>,
    overlay: &Overlay,
    documents: bool,
    meta: Meta,
) -> Result<()> {
    let (disk, new, total, bits) = match (documents, base) {
        (true, b) => (
            b.map(|b| &b.docs),
            &overlay.docs,
            meta.doc_groups,
            meta.doc_bits,
        ),
        (false, b) => (
            b.map(|b| &b.passages),
            &overlay.passages,
            meta.passage_groups,
            meta.passage_bits,
        ),
    };
    let reader = base.map(|b| &b.reader);
    let old_groups = disk.map_or(0, |d| d.groups);
    let old_data = match (disk, reader) {
        (Some(d), Some(r)) => r.len(d.data_sec),
        _ => 0,
    };
    let verification = config.get_verification();
    let num_perm = config.get_num_perm();

    // groups
    let mut member_at = 0u64;
    if let (Some(d), Some(r)) = (disk, reader) {
        let mut seq = Sequential::new(r, d.groups_sec);
        for g in 0..old_groups {
            let mut rec = GroupRecord::decode(seq.next(GROUP_LEN as usize)?);
            if documents {
                let joined = overlay.doc_joins.get(&(g as u32)).map_or(0, Vec::len);
                rec.first = member_at;
                rec.members += joined as u32;
                member_at += rec.members as u64;
            }
            w.put(&rec.encode())?;
        }
    }
    let mut data_at = old_data;
    for g in 0..new.len() {
        let (len, size) = match verification {
            Verification::Exact => {
                let n = new.level.sets[g].len();
                (n as u32, n as u64 * 8)
            }
            _ => (new.level.signatures[g].1 as u32, num_perm as u64 * 4),
        };
        let members = new.level.groups[g].len() as u32;
        let rec = GroupRecord {
            fingerprint: new.fingerprints[g],
            data: data_at,
            len,
            members: if documents { members } else { 0 },
            first: if documents { member_at } else { new.firsts[g] },
        };
        if documents {
            member_at += members as u64;
        }
        data_at += size;
        w.put(&rec.encode())?;
    }
    w.end_section()?;

    // data
    if let (Some(d), Some(r)) = (disk, reader) {
        Sequential::new(r, d.data_sec).copy_to(old_data, w)?;
    }
    for g in 0..new.len() {
        match verification {
            Verification::Exact => {
                for v in new.level.sets[g].as_slice() {
                    w.put(&v.to_le_bytes())?;
                }
            }
            _ => {
                for v in new.level.signatures[g].0.as_slice() {
                    w.put(&v.to_le_bytes())?;
                }
            }
        }
    }
    w.end_section()?;

    // members (documents only)
    if documents {
        if let (Some(d), Some(r)) = (disk, reader) {
            let mut groups = Sequential::new(r, d.groups_sec);
            let mut members = Sequential::new(r, sec::DOC_MEMBERS);
            for g in 0..old_groups {
                let rec = GroupRecord::decode(groups.next(GROUP_LEN as usize)?);
                members.copy_to(rec.members as u64 * 4, w)?;
                for &m in overlay.doc_joins.get(&(g as u32)).into_iter().flatten() {
                    w.put(&m.to_le_bytes())?;
                }
            }
        }
        for g in &new.level.groups {
            for &m in g {
                w.put(&m.to_le_bytes())?;
            }
        }
        w.end_section()?;
    }

    // bands, merged band by band; the directory is counted on the way
    let bands = if documents {
        config.get_banding()?.bands()
    } else {
        config.get_passage_banding()?.bands()
    };
    let buckets = 1usize << bits;
    let mut dir: Vec<u32> = Vec::with_capacity(bands * (buckets + 1));
    let mut old_seq = match (disk, reader) {
        (Some(d), Some(r)) => Some(Sequential::new(r, d.bands_sec)),
        _ => None,
    };
    for band in 0..bands {
        let mut fresh: Vec<(u64, u32)> = (0..new.len())
            .map(|g| (new.keys[g * bands + band], (old_groups + g as u64) as u32))
            .collect();
        fresh.sort_unstable();
        let mut counts = vec![0u32; buckets];
        let mut fresh = fresh.into_iter().peekable();
        let mut left = old_groups;
        let mut cur = pull_entry(&mut old_seq, &mut left)?;
        loop {
            let take_old = match (cur, fresh.peek()) {
                (Some(o), Some(n)) => o <= *n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let (k, g) = if take_old {
                let v = cur.expect("checked");
                cur = pull_entry(&mut old_seq, &mut left)?;
                v
            } else {
                fresh.next().expect("checked")
            };
            counts[bucket_of(k, bits)] += 1;
            let mut e = [0u8; 12];
            e[..8].copy_from_slice(&k.to_le_bytes());
            e[8..].copy_from_slice(&g.to_le_bytes());
            w.put(&e)?;
        }
        let mut at = 0u32;
        dir.push(0);
        for c in counts {
            at += c;
            dir.push(at);
        }
        debug_assert_eq!(at as u64, total);
    }
    w.end_section()?;
    for v in dir {
        w.put(&v.to_le_bytes())?;
    }
    w.end_section()?;
    Ok(())
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
        let mut bytes = encode_config(&Config::new()).unwrap();
        bytes[10] = 9;
        let e = decode_config(&bytes, path).unwrap_err();
        assert!(e.to_string().contains("unknown measure 9"), "{e}");
        let mut bytes = encode_config(&Config::new()).unwrap();
        bytes[0] = 99;
        let e = decode_config(&bytes, path).unwrap_err();
        assert!(e.to_string().contains("version 99"), "{e}");
    }

    #[test]
    fn directory_buckets_hold_about_64_groups() {
        assert_eq!(dir_bits(0), 0);
        assert_eq!(dir_bits(64), 0);
        assert_eq!(dir_bits(65), 1);
        assert_eq!(dir_bits(1_000_000), 14);
        assert_eq!(dir_bits(u64::MAX), MAX_DIR_BITS);
        for g in [65u64, 1000, 123_456, 10_000_000] {
            let b = dir_bits(g);
            assert!(
                g >> b <= BUCKET_TARGET && g >> (b - 1) > BUCKET_TARGET,
                "{g}"
            );
        }
        assert_eq!(bucket_of(u64::MAX, 0), 0);
        assert_eq!(bucket_of(u64::MAX, 3), 7);
        assert_eq!(bucket_of(1 << 61, 3), 1);
    }

    #[test]
    fn passage_ids_pack_both_halves() {
        let p = PassageId::new(DocId::new(u32::MAX - 1), 77);
        assert_eq!(passage_id_unpack(passage_id_pack(p)), p);
    }
}
