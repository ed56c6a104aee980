//! [`IndexFile`]: a persistent, incremental index on disk — deduplicate
//! today's scrape against everything seen before.
//!
//! An index holds what [`DedupIndex`](crate::DedupIndex) holds in
//! memory: the band tables of documents and passages, their shingle sets (or
//! signatures, with [`Verification::Estimate`](crate::Verification::Estimate))
//! for verifying candidates, the members of each group of identical
//! documents, the documents' ids as the input gave them, and the [`Config`]
//! that produced all of it. Its answers are the same as those of a
//! `DedupIndex` fed the same documents in the same order; the tests check it.
//!
//! - [`IndexFile::create`] writes an empty index; [`IndexFile::open`] reads
//!   one (its configuration comes from the file);
//!   [`IndexFile::open_with`] also refuses an index made with another
//!   configuration, naming the parameter;
//!   [`IndexFile::open_for_writing`] also takes the write lock.
//! - [`IndexFile::query`] checks a text; [`IndexFile::add_batch`] checks a
//!   batch of documents (each against history and the earlier ones of the
//!   batch) and adds them; [`IndexFile::stage_batch`] and
//!   [`IndexFile::commit_batch`] do the same in two steps.
//! - [`IndexFile::remove`] removes documents by id; [`OnExistingId`] says
//!   what a batch does with ids already present (refuse, skip, replace).
//! - [`IndexFile::optimize`] folds all segments into one;
//!   [`IndexFile::merge`] joins indexes built with the same configuration
//!   (on different shards, say) into the index that one build over their
//!   documents, in input order, would give.
//! - [`IndexFile::doc_id`] and [`IndexFile::find`] map between the
//!   [`DocId`](crate::DocId)s of verdicts (documents numbered in the order
//!   they were added) and the ids the input gave them, which are unique
//!   among the documents not removed.
//! - [`IndexFile::info`] reports counts, size, segments, format version and
//!   configuration; [`IndexFile::verify`] checks every block.
//!
//! # Segments: a batch costs what its documents cost
//!
//! An index (format version 5, `docs/FORMAT.md`) is a small manifest at
//! its path `NAME` and immutable segment files in `NAME.segments/`. A batch
//! writes one new segment and a new manifest; nothing old is rewritten. A
//! merge policy then folds runs of eight small segments of a size tier into
//! one (tiered compaction, as LSM stores do), so the number of segments
//! stays small (at most 7 per tier) and each document is rewritten about
//! once per tier. Folds of this build's segments stream (`stream.rs`:
//! k-way merges, memory independent of the sets), so they happen at every
//! size; segments of the older layout 1 with 32,768 documents or more are
//! folded only by [`optimize`](IndexFile::optimize) (their fold holds what
//! it writes in memory). Queries look an
//! item up in every segment. A batch is checked first: lookups in the
//! segments run in parallel, then each document is checked in order against
//! them and the documents before it in the batch, as
//! [`DedupIndex::add`](crate::DedupIndex::add) would.
//!
//! A version 1 index (one file, rewritten by every batch) is read as it is,
//! and upgraded on its first change: the file becomes the first segment
//! (linked, not copied, where the file system allows) and a manifest takes
//! its place. A version 2, 3 or 4 index (segments of layout 1, 2 or 3) is read as
//! it is and becomes version 5 on its first change; folds rewrite old
//! segments in this build's layout (4).
//!
//! # Compact segments
//!
//! A segment stores each distinct passage set once, Golomb–Rice coded
//! (about 7.5 bytes per 64-bit shingle hash), and a document's set as
//! references to the passage sets of its segment that are subsets of it
//! (its own paragraphs and those it shares with earlier documents) plus the
//! few shingles in none of them (the windows across paragraph breaks): the
//! union is the document's set, exactly, so answers are those of the memory
//! index. Band entries keep 40 bits of each key, bit-packed without the
//! bits their directory bucket implies (about 46 bits an entry). About 5.0
//! KB per news article at the default settings.
//!
//! A passage counted but not stored (an earlier passage has its set) is
//! recorded as a **copy** (`copies.rs`: its set's fingerprint and where it
//! is, 16 bytes): once the document of a passage's first copy is removed,
//! a query that matches the passage answers with its earliest live copy, as
//! an index of the live documents alone would; folds keep such a passage
//! while a copy is live.
//!
//! # Opening is cheap
//!
//! Opening reads the manifest and, per segment, the header, the section
//! table, the block checksums, the configuration and the band-table
//! directories (about 4 bytes per 64 groups per band, and 8 bytes per 4 KiB
//! of file). Everything else — band entries, group records, shingle sets,
//! ids — is read on demand with positioned reads, each 4 KiB block checked
//! against its checksum before its first use (one bit per block remembers
//! it: the files are immutable). So the memory an open index
//! needs is a small fraction of its size on disk, and the operating
//! system's page cache does the caching. On Unix the small reads of
//! queries come from a read-only memory map of each file (no system call
//! each; batches use `pread`); `docs/RELIABILITY.md` says what that means
//! for a file truncated in place by another program, and for the process's
//! RSS.
//!
//! # Lookups read only what can match
//!
//! The first lookup in a segment loads its **band key tables**: 16 bits of
//! every band key (those after the directory bits), two bytes per band
//! entry, in the order of the band runs. A band lookup scans its bucket in
//! memory and reads from the file only the entries whose 16 bits match —
//! the entries that hold the key, and about one in a thousand of the
//! others. Most lookups (new text, and every segment but the one holding a
//! duplicate) read nothing at all. The tables cost about 570 bytes of
//! memory per news article at the default settings
//! ([`memory_usage`](IndexFile::memory_usage)); a commit keeps those of the
//! segments it does not replace.
//!
//! Queries of an index with two segments or more go one step further: the
//! first builds a **joint band table** of all segments (`joint.rs`): per
//! band, every segment's entries in one sorted table, each with its 16 key
//! bits and its segment, three bytes per band entry (about 860 bytes per
//! news article) instead of the segments' own two. A band lookup then
//! costs one probe, not one per segment, and the segments that cannot
//! match are not visited. Batches keep the segments' own tables (each
//! batch adds a segment, which would mean a new joint table).
//!
//! Two more shortcuts keep what a lookup reads small without changing an
//! answer. When every band of an item has matching entries in a segment,
//! the group holding the item's very set (an article indexed before) is
//! looked for first, in one band's entries; since it has the item's key in
//! every band, a band whose table shows a single matching entry holds that
//! group's entry, and is not read. And a passage is matched with the
//! earliest passage that matches it, so its lookup stops at the first
//! segment (in document order) that holds a match.
//!
//! The tables are probed at random, one cache miss per band and segment.
//! On Linux with transparent huge pages in `madvise` mode, starting the
//! program with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (glibc 2.35 or
//! later) puts them in huge pages: about 1.3× more queries per CPU second
//! measured (`docs/BENCHMARKS.md`), the same answers.
//!
//! Reading methods take `&self` and an `IndexFile` is `Sync`: threads may
//! query one open index at once. An open `IndexFile` reads the segments it
//! opened; it does not see a newer manifest that another process writes
//! (reopen for that).
//!
//! # Crash safety
//!
//! Nothing is changed in place. A commit writes its new segment files
//! completely (each to a temporary file, synced, renamed, the folder
//! synced), then replaces the manifest the same way, then deletes the
//! segments the new manifest no longer lists: a process killed at any point
//! leaves the old index or the new one. What a killed writer leaves behind
//! (temporary files, unlisted segments) is never read, and the next
//! [`open_for_writing`](IndexFile::open_for_writing) removes it.
//!
//! # One writer at a time
//!
//! A writer locks the file `NAME.lock` beside the index (the operating
//! system's advisory lock, [`std::fs::File::try_lock`]) and writes its
//! process id, host and start time into it. A second writer fails within
//! half a second with [`ErrorKind::Conflict`](crate::ErrorKind::Conflict)
//! naming the holder. The operating system drops the lock of a process that ends,
//! however it ends, so a killed writer leaves no stale lock. The lock file
//! stays after use. [`open_for_writing`](IndexFile::open_for_writing) holds
//! the lock as long as the `IndexFile` lives; an index opened with
//! [`open`](IndexFile::open) takes it only to commit, and refuses to commit
//! over a manifest that another writer replaced since it was opened, so no
//! batch is ever lost. Readers take no lock: they read the manifest they
//! opened and its segments, the old state or the new one, never a mix.
//!
//! # Report, then commit
//!
//! [`stage_batch`](IndexFile::stage_batch) checks a batch and writes
//! nothing; [`commit_batch`](IndexFile::commit_batch) adds it. A program
//! that reports what a batch duplicates writes its report in between, so a
//! report that cannot be written (a full disk, a closed pipe) leaves the
//! index as it was, and the same batch can be run again (`echodup index add`
//! does this). [`OnExistingId`] says what a batch does with ids already in
//! the index: refuse the batch (the default), or skip them.
//!
//! # Corruption
//!
//! Every byte is covered by a checksum (XXH3-64): the manifest by one; in
//! each segment, the header and section table by one, each section by one
//! per 4 KiB block; the manifest records each segment's length and header
//! checksum. A damaged block makes the operation that reads it fail with
//! [`ErrorKind::Format`](crate::ErrorKind::Format) naming the file, the
//! section and the block; [`IndexFile::verify`] checks every block.
//!
//! # Example
//!
//! ```
//! use echodup::{Config, DocId};
//! use echodup::index::IndexFile;
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

// How the code is laid out, by job (each file's docs say more):
//
// - `format`: the layout of format version 1 (and of segments): constants, section numbers
//   (`sec`) and names, `Meta` (the meta section: counts and directory bits),
//   `GroupRecord` (a distinct set of a level: fingerprint, where its data
//   lies, members), little-endian helpers, directory buckets, packed passage
//   ids.
// - `read`: `FileAt` (positioned reads of the open file), `Reader` (reads a
//   range of a section, every block checked against its checksum; knows the
//   path, the version and where each `Section` lies), `Sequential` (streams
//   a section front to back, to copy it into a new file).
// - `codec`: the config section, and `config_mismatch`, which names the
//   first parameter in which two configurations differ.
// - `lock`: `WriteLock` (the `NAME.lock` file), `Stamp` (which file a path
//   named when opened), and the removal of a killed writer's temporary files.
// - `open`: `create`, `open`, `open_with`, `open_for_writing`, and the checks
//   of `open_v1`.
// - `mod.rs`: `IndexFile` (the segments, the removed documents) and
//   `Segment` (one file laid out as version 1: its reader, meta, levels).
// - `level`: `DiskLevel`, one stored level (documents or passages): its
//   sections and directory; finds candidates by band key and verifies them
//   (`GroupData`: a group's set or signature as read).
// - `query`: the reading methods of `IndexFile` (counts, ids, `query`,
//   `verify`).
// - `manifest`: the version 2 manifest (`Manifest`, `SegmentEntry`), its
//   codec and atomic write, and the paths of segment files.
// - `segments`: commits (`commit_change`: new segments, folds, manifest,
//   deletion of replaced files), the merge policy (`next_fold`), the
//   removal of orphaned files.
// - `update`: `add_batch`, `stage_batch`/`commit_batch` (`StagedBatch`,
//   `OnExistingId`), `remove`, `optimize` and `merge`.
// - `copies`: the section of passage copies (layout 4): `CopyRecord`, its
//   writing, and the search of every segment for a set's earliest live copy.
// - `overlay`: what a batch or a merge adds, in memory (`Overlay`, one
//   `OverlayLevel` per level); `LevelLookup`/`BaseLookup`, an item's lookups
//   in the file, done in parallel before a batch is checked in order; and
//   `Combined`, the file plus the overlay as the history that
//   `incremental::check` consults.
// - `sets`: the codes of sets (layouts 2 and 3): Rice-coded sorted hashes
//   (`put_set`/`get_set`) and a document's set as passage references plus a
//   residual (`DocSetCode`), and `MinIndex`, passage groups by smallest
//   hash, through which a writer finds the passage sets a document's set
//   contains.
// - `write`: `write_index`, which writes the index of an open file plus an
//   overlay to a new file (`SectionWriter` streams the sections and their
//   block checksums) through the crate's one atomic writer
//   (`crate::atomic`).

mod codec;
mod copies;
mod format;
mod joint;
mod level;
mod lock;
mod manifest;
mod open;
mod overlay;
mod query;
mod read;
mod segments;
mod sets;
mod stream;
#[cfg(test)]
pub(crate) mod test_texts;
mod update;
mod write;

use std::path::PathBuf;

pub use format::STORE_FORMAT_VERSION;
pub use update::{OnExistingId, StagedBatch};

use crate::config::Config;
use crate::dedup::Deduplicator;
use format::Meta;
use level::DiskLevel;
use read::Reader;

/// A persistent, incremental index of documents and passages (see the
/// [module documentation](self)).
///
/// Document ids in verdicts ([`DocId`](crate::DocId),
/// [`PassageId::doc`](crate::PassageId::doc)) number the documents of the
/// index in the order they were added; [`doc_id`](IndexFile::doc_id) gives
/// the id the input gave each.
#[derive(Debug)]
pub struct IndexFile {
    /// The index: a version 2 manifest, or a version 1 file.
    path: PathBuf,
    /// Its format version (1 or 2).
    version: u32,
    /// The configuration, with its analyzer, hasher and bandings.
    dedup: Deduplicator,
    /// The live segments, in document order (a version 1 file is one).
    segments: Vec<Segment>,
    /// Documents and passages in all segments (removed ones included).
    docs: u64,
    passages: u64,
    /// Removed documents (tombstones), ascending.
    removed: Vec<u32>,
    /// Version 2: the manifest's generation and next segment number.
    generation: u64,
    next_segment: u64,
    /// Bytes on disk: the manifest and the segments (or the version 1 file).
    size: u64,
    /// Which file was opened: a commit checks that no other writer replaced
    /// it since.
    stamp: lock::Stamp,
    /// The write lock, for an index opened with
    /// [`open_for_writing`](IndexFile::open_for_writing).
    lock: Option<lock::WriteLock>,
    /// One band table over all segments, built by the first query.
    joint: joint::JointSlot,
}

/// One immutable segment: a file laid out as a version 1 index file, whose
/// documents are numbered from `base` in the index.
#[derive(Debug)]
pub(super) struct Segment {
    /// Reads of its file.
    reader: Reader,
    /// The counts (meta section).
    meta: Meta,
    /// The stored document and passage levels.
    docs: DiskLevel,
    passages: DiskLevel,
    /// The file's size.
    size: u64,
    /// The number (in the index) of its first document.
    base: u64,
    /// Its number in the manifest (0 for a version 1 file).
    number: u64,
    /// The checksum in its header (the manifest records it).
    checksum: u64,
}

/// What [`IndexFile::info`] reports.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct IndexInfo {
    /// The file.
    pub path: PathBuf,
    /// Its format version ([`STORE_FORMAT_VERSION`] for files this build wrote).
    pub format_version: u32,
    /// Its size on disk, in bytes (manifest and segments).
    pub size: u64,
    /// Documents in the index (removed ones not counted).
    pub documents: u64,
    /// Passages indexed (those long enough to compare).
    pub passages: u64,
    /// Segments (1 for a version 1 file).
    pub segments: usize,
    /// Documents removed (not counted in `documents`).
    pub removed: u64,
    /// Distinct document shingle sets (identical documents share one),
    /// summed over segments (the same set in two segments counts twice).
    pub document_groups: u64,
    /// Distinct passage shingle sets, summed over segments.
    pub passage_groups: u64,
    /// The configuration the index was built with.
    pub config: Config,
    /// [`Config::fingerprint`] of that configuration.
    pub fingerprint: u64,
}
