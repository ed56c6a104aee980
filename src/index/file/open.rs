//! Creating and opening index files: [`IndexFile::create`],
//! [`IndexFile::open`], [`IndexFile::open_with`], and `open_v1`, which checks
//! everything that opening reads of a version 1 file (header, section table,
//! block checksums, configuration, meta, directories, section lengths).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

use super::codec::{config_mismatch, decode_config};
use super::format::{
    BLOCK, CONFIG_LEN, COPY_LEN, ENTRY_LEN, Entries, GROUP_LEN, HEADER_LEN, ID_HASH_LEN, MAGIC,
    META_LEN, Meta, SECTION_NAMES, SEGMENT_FORMAT_VERSION, SEGMENT_MAGIC, STORE_FORMAT_VERSION,
    dir_bits, le32, le64, newest_layout, sec,
};
use super::level::{DiskLevel, Parts};
use super::lock::{Stamp, WriteLock, remove_leftovers};
use super::manifest::{FIRST_MANIFEST_VERSION, Manifest, segment_path, segments_dir};
use super::read::{FileAt, Reader, Section};
use super::{IndexFile, Segment};
use crate::config::Config;
use crate::dedup::Deduplicator;
use crate::error::{Error, Result};
use crate::lsh::Banding;
use crate::verify::Verification;

impl IndexFile {
    /// Writes an empty index for `config` at `path` and opens it (as
    /// [`open`](IndexFile::open) does: without holding the write lock).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) for a bad
    /// configuration; [`ErrorKind::Io`](crate::ErrorKind::Io) if `path`
    /// exists (it is never overwritten) or cannot be written.
    pub fn create(path: impl AsRef<Path>, config: Config) -> Result<IndexFile> {
        let path = path.as_ref();
        let dedup = Deduplicator::new(config)?;
        // Under the lock: two processes creating the same index do not both
        // succeed, one over the other's first batch.
        let lock = WriteLock::acquire(path)?;
        if fs::symlink_metadata(path).is_ok() {
            return Err(Error::about(
                crate::ErrorKind::Io,
                path,
                "the file exists; refusing to overwrite it with a new index",
            )
            .with_source(io::Error::from(io::ErrorKind::AlreadyExists)));
        }
        let dir = segments_dir(path);
        match fs::read_dir(&dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(Error::about(
                        crate::ErrorKind::Io,
                        &dir,
                        "the segment folder of the new index exists and is not empty; \
                         refusing to use it",
                    ));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&dir).map_err(|e| Error::io("creating", &dir, e))?;
            }
            Err(e) => return Err(Error::io("reading", &dir, e)),
        }
        Manifest {
            config: dedup.config().clone(),
            fingerprint: dedup.config().fingerprint()?,
            generation: 1,
            next_segment: 1,
            segments: Vec::new(),
            removed: Vec::new(),
        }
        .write(path)?;
        drop(lock);
        IndexFile::open(path)
    }

    /// Opens the index at `path` to change it: takes its write lock (the
    /// file `NAME.lock` beside it), removes the temporary files that a killed
    /// writer of this index left behind, and opens it. The lock is held
    /// until the returned `IndexFile` is dropped, so the index cannot change
    /// under it: batches staged with [`stage_batch`](IndexFile::stage_batch)
    /// commit without a conflict.
    ///
    /// [`open`](IndexFile::open) is enough for reading, and for occasional
    /// writes: [`commit_batch`](IndexFile::commit_batch) takes the lock for
    /// the commit itself, and refuses to commit if the index changed since
    /// it was opened. The lock is the operating system's (see the [module
    /// docs](crate::index::file)): a writer that is killed releases it, so
    /// there are no stale locks to remove by hand.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) if another writer
    /// holds the lock (the message names its process id, host and since
    /// when); errors of [`open`](IndexFile::open).
    pub fn open_for_writing(path: impl AsRef<Path>) -> Result<IndexFile> {
        let path = path.as_ref();
        let lock = WriteLock::acquire(path)?;
        remove_leftovers(path).map_err(|e| Error::io("cleaning up beside", path, e))?;
        let mut index = IndexFile::open(path)?;
        index
            .remove_orphans()
            .map_err(|e| Error::io("cleaning up", segments_dir(path), e))?;
        index.lock = Some(lock);
        Ok(index)
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
        // A writer replaces the manifest, then deletes the segments it no
        // longer lists: if that happened between reading the manifest and
        // opening its segments, read the new manifest.
        let mut tries = 0;
        loop {
            let before = Stamp::now(path).ok();
            match open_once(path) {
                Err(e) if tries < 5 && before.is_some() && Stamp::now(path).ok() != before => {
                    tries += 1;
                    let _ = e;
                }
                result => return result,
            }
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
            return Err(Error::incompatible(&index.path, m));
        }
        Ok(index)
    }
}

/// Opens the index at `path` once (see [`IndexFile::open`]).
fn open_once(path: &Path) -> Result<IndexFile> {
    let (file, size, head, stamp) = open_file(path)?;
    let bad = |what: String| Error::format(path, what);
    let version = le32(&head, 8);
    // A segment file on its own reads as a one-file index, as a version 1
    // file does (and becomes the first segment on its first change).
    let lone_segment = head[..8] == SEGMENT_MAGIC;
    if lone_segment && version > SEGMENT_FORMAT_VERSION {
        return Err(bad(format!(
            "segment layout {version} is newer than this build reads (up to \
             {SEGMENT_FORMAT_VERSION}); upgrade echodup"
        )));
    }
    if !lone_segment && version > STORE_FORMAT_VERSION {
        return Err(bad(format!(
            "index format version {version} is newer than this build reads (up to \
             {STORE_FORMAT_VERSION}); upgrade echodup"
        )));
    }
    match version {
        _ if lone_segment || version == 1 => {
            let (segment, config) = open_segment(path.to_path_buf(), file, size, head, 0, 0)?;
            let dedup = Deduplicator::new(config)?;
            Ok(IndexFile {
                path: path.to_path_buf(),
                version: 1,
                dedup,
                docs: segment.meta.docs,
                passages: segment.meta.passages,
                segments: vec![segment],
                removed: Vec::new(),
                generation: 0,
                next_segment: 1,
                size,
                stamp,
                lock: None,
                joint: Default::default(),
            })
        }
        FIRST_MANIFEST_VERSION..=STORE_FORMAT_VERSION => open_v2(path, file, size, stamp, version),
        v => Err(bad(format!("index format version {v} is not supported"))),
    }
}

/// Opens `path` and reads its header: the file, its size, the header (the
/// magic checked) and its stamp.
fn open_file(path: &Path) -> Result<(FileAt, u64, [u8; HEADER_LEN], Stamp)> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let metadata = file.metadata().map_err(|e| Error::io("opening", path, e))?;
    let size = metadata.len();
    let stamp = Stamp::of(&metadata);
    let file = FileAt::new(file);
    let mut head = [0u8; HEADER_LEN];
    let got = (size as usize).min(HEADER_LEN);
    file.read_exact_at(&mut head[..got], 0)
        .map_err(|e| Error::io("reading", path, e))?;
    if got < MAGIC.len() || (head[..8] != MAGIC && head[..8] != SEGMENT_MAGIC) {
        return Err(Error::format(
            path,
            "not an echodup index file (its first bytes are not the index magic)",
        ));
    }
    if got < HEADER_LEN {
        return Err(Error::format(
            path,
            format!("damaged index file: truncated to {size} bytes, shorter than the header"),
        ));
    }
    Ok((file, size, head, stamp))
}

/// Opens a version 2 index: its manifest (`file`, of `size` bytes) and
/// every segment it lists, each checked against its entry.
fn open_v2(path: &Path, file: FileAt, size: u64, stamp: Stamp, version: u32) -> Result<IndexFile> {
    if size > 1 << 32 {
        return Err(Error::format(path, "damaged index manifest: too long"));
    }
    let mut bytes = vec![0u8; size as usize];
    file.read_exact_at(&mut bytes, 0)
        .map_err(|e| Error::io("reading", path, e))?;
    let m = Manifest::decode(path, &bytes)?;
    let computed = m.config.fingerprint()?;
    if computed != m.fingerprint {
        return Err(Error::format(
            path,
            format!(
                "the index was written with configuration fingerprint {:#018x}, this build \
                 computes {computed:#018x} for the same parameters (other hash functions?); \
                 rebuild the index",
                m.fingerprint
            ),
        ));
    }
    let dedup = Deduplicator::new(m.config.clone())?;
    let mut segments = Vec::with_capacity(m.segments.len());
    let mut total = size;
    let mut passages = 0;
    for e in &m.segments {
        let seg_path = segment_path(path, e.number);
        let (seg_file, seg_size, head, _) = open_file(&seg_path)?;
        let wrong = |what: &str| {
            Error::format(
                &seg_path,
                format!(
                    "damaged index: segment {} is not the one the manifest {} lists ({what})",
                    e.number,
                    path.display()
                ),
            )
        };
        // A version 2 manifest lists segments of layout 1 only, a version 3
        // one of layouts 1 and 2.
        let layout = le32(&head, 8);
        let newest = newest_layout(version);
        let magic = if layout == 1 { MAGIC } else { SEGMENT_MAGIC };
        if !(1..=newest).contains(&layout) || head[..8] != magic {
            return Err(wrong("format version"));
        }
        if seg_size != e.len || le64(&head, 56) != e.checksum || le64(&head, 24) != m.fingerprint {
            return Err(wrong("length, checksum or configuration"));
        }
        let (segment, _) =
            open_segment(seg_path.clone(), seg_file, seg_size, head, e.base, e.number)?;
        if segment.meta.docs != e.docs || segment.meta.passages != e.passages {
            return Err(wrong("counts"));
        }
        total += seg_size;
        passages += e.passages;
        segments.push(segment);
    }
    Ok(IndexFile {
        path: path.to_path_buf(),
        version,
        dedup,
        docs: m.docs(),
        passages,
        segments,
        removed: m.removed,
        generation: m.generation,
        next_segment: m.next_segment,
        size: total,
        stamp,
        lock: None,
        joint: Default::default(),
    })
}

/// Opens the segment file at `path`, whose documents are numbered from
/// `base` in the index, as segment `number`.
pub(super) fn open_segment_file(path: &Path, base: u64, number: u64) -> Result<Segment> {
    let (file, size, head, _) = open_file(path)?;
    Ok(open_segment(path.to_path_buf(), file, size, head, base, number)?.0)
}

/// Reads and checks what opening reads of a file laid out as version 1 (a
/// version 1 index, or a segment of a version 2 one); `head` is its header,
/// already read. Its documents are numbered from `base` in the index.
fn open_segment(
    path: PathBuf,
    file: FileAt,
    size: u64,
    head: [u8; HEADER_LEN],
    base: u64,
    number: u64,
) -> Result<(Segment, Config)> {
    let bad = |what: String| Error::format(&path, format!("damaged index file: {what}"));
    let layout = le32(&head, 8);
    let count = le32(&head, 12) as usize;
    let block = le32(&head, 16) as u64;
    let magic = if layout == 1 { MAGIC } else { SEGMENT_MAGIC };
    if !(1..=SEGMENT_FORMAT_VERSION).contains(&layout) || head[..8] != magic {
        return Err(bad(format!(
            "segment layout {layout} is not one this build reads (1 to {SEGMENT_FORMAT_VERSION})"
        )));
    }
    // Layouts 1 to 3 have no section of copies.
    let expected = if layout >= 4 {
        sec::COUNT
    } else {
        sec::COUNT_BEFORE_COPIES
    };
    if count != expected || block != BLOCK {
        return Err(bad(format!(
            "the header gives {count} sections of {block}-byte blocks (layout {layout} has {expected} of {BLOCK})"
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
        if count < sec::COUNT && i == sec::COPIES {
            // An older layout: an empty section of copies.
            *s = Section {
                offset: at,
                len: 0,
                first_block: blocks,
            };
            checksums[i] = xxh3_64(&[]);
            continue;
        }
        // The entry of section `i` (in an older layout, the block
        // checksums are entry 14).
        let entry = if count < sec::COUNT && i > sec::COPIES {
            i - 1
        } else {
            i
        };
        let e = &table[entry * ENTRY_LEN..(entry + 1) * ENTRY_LEN];
        let (kind, offset, len) = (le32(e, 0) as usize, le64(e, 8), le64(e, 16));
        if kind != entry || offset != at || offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(bad(format!(
                "section table entry {entry} (\"{}\") is out of place",
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
        sections,
        sums: Vec::new(),
        checked: Vec::new(),
    };
    let raw = reader.read(sec::BLOCK_SUMS, 0, blocks as u64 * 8)?;
    if xxh3_64(&raw) != checksums[sec::BLOCK_SUMS] {
        return Err(reader.corrupt("checksum mismatch in section \"block checksums\""));
    }
    reader.sums = raw.chunks_exact(8).map(|c| le64(c, 0)).collect();
    reader.checked = (0..reader.sums.len().div_ceil(64))
        .map(|_| std::sync::atomic::AtomicU64::new(0))
        .collect();
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
    if !reader.len(sec::COPIES).is_multiple_of(COPY_LEN) {
        return Err(reader.corrupt("section \"passage copies\" has the wrong length"));
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
    let meta = Meta::decode(&m);
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
    let verification = config.get_verification();
    let num_perm = config.get_num_perm();
    let data_unit = match verification {
        Verification::Exact => 8,
        _ => 4 * num_perm as u64,
    };
    // Layout 2 codes sets in as many bytes as they take.
    let sized = layout == 1 || verification != Verification::Exact;
    let level = |groups_sec, data_sec, bands_sec, dir_sec, groups, bits, banding: Banding| {
        let bands = banding.bands();
        let dir_len = bands as u64 * ((1u64 << bits) + 1) * 4;
        let entries = Entries::new(layout, groups, bits);
        if reader.len(groups_sec) != groups * GROUP_LEN
            || reader.len(bands_sec) != entries.section_len(groups * bands as u64)
            || reader.len(dir_sec) != dir_len
            || (sized && !reader.len(data_sec).is_multiple_of(data_unit))
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
            table: Default::default(),
            layout,
            entries,
            parts: None,
        })
    };
    let mut docs = level(
        sec::DOC_GROUPS,
        sec::DOC_DATA,
        sec::DOC_BANDS,
        sec::DOC_DIR,
        meta.doc_groups,
        meta.doc_bits,
        config.get_banding()?,
    )?;
    let passages = level(
        sec::PASSAGE_GROUPS,
        sec::PASSAGE_DATA,
        sec::PASSAGE_BANDS,
        sec::PASSAGE_DIR,
        meta.passage_groups,
        meta.passage_bits,
        config.get_passage_banding()?,
    )?;
    if layout >= 2 && verification == Verification::Exact {
        docs.parts = Some(Parts {
            groups_sec: sec::PASSAGE_GROUPS,
            data_sec: sec::PASSAGE_DATA,
            groups: meta.passage_groups,
        });
    }
    if reader.len(sec::ID_OFFSETS) != (meta.docs + 1) * 8
        || reader.len(sec::ID_HASHES) != meta.docs * ID_HASH_LEN
        || reader.len(sec::DOC_MEMBERS) != meta.doc_members * 4
    {
        return Err(reader.corrupt("an id or member section has the wrong length"));
    }
    let checksum = le64(&head, 56);
    Ok((
        Segment {
            reader,
            meta,
            docs,
            passages,
            size,
            base,
            number,
            checksum,
        },
        config,
    ))
}
