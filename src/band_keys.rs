//! The short band keys of a run's items, in memory or spilled to a
//! temporary file.
//!
//! Band keys are most of what a run keeps per item (4 bytes a band: 128
//! bytes with 32 bands, against 20 for the fingerprint and the size), and
//! the matching engine reads them one band at a time
//! ([`BandKeys::for_each_in_band`]), never an item's keys together. So when
//! they outgrow [`Config::max_key_memory`](crate::Config::max_key_memory),
//! they are moved to an unnamed temporary file in
//! [`Config::temp_dir`](crate::Config::temp_dir) and later items follow them
//! there in blocks:
//!
//! - Items are appended in memory (item-major: one item's keys together) and
//!   written as a **block** when [`BLOCK_BYTES`] of keys are pending, once
//!   the keys are spilled.
//! - A block is written band-major: the keys of band 0 of its items, then
//!   band 1, and so on. Reading a band is then one read per block, of
//!   contiguous bytes, and the keys are written once and read once per band.
//! - The file has no name (`tempfile::tempfile_in`: removed by the system
//!   when closed, also when the process is killed), so nothing is ever left
//!   behind; an error names the folder.
//! - On Linux the file is written and read with `O_DIRECT`, past the page
//!   cache: each key is written once and read once, so caching them gains
//!   nothing, and on a virtual machine a page-cache page the guest has not
//!   used before costs about ten times an anonymous one to get (measured in
//!   `docs/BENCHMARKS.md`: spilling cost 27% of a run's CPU at 300,000
//!   articles through the cache). Blocks are laid out in 4 KiB-aligned
//!   band runs for it (the last block's runs padded). Where the folder's
//!   file system refuses direct I/O, reads and writes go through the cache.
//!
//! Whether the keys are spilled changes nothing in the results: a band's
//! keys come back in item order either way.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// Keys of a block, in bytes: spilled keys are written in blocks of about
/// this size (and at least one item).
pub(crate) const BLOCK_BYTES: usize = 16 << 20;

/// The alignment of direct I/O: offsets, lengths and buffers in the file are
/// multiples of it (the page size, a multiple of any disk's block size).
const ALIGN: usize = 4096;
/// Items transposed to band-major order at a time when a block is written
/// (their keys, 128 bytes an item with 32 bands, stay in the cache).
const TRANSPOSE_TILE: usize = 256;

/// Where and when band keys go to disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpillPolicy {
    /// The folder of the temporary file (`None`: [`std::env::temp_dir`]).
    pub(crate) dir: Option<PathBuf>,
    /// Keys are spilled when they would take more bytes than this in memory.
    pub(crate) max_memory: usize,
}

impl SpillPolicy {
    /// Keys always in memory.
    #[cfg(test)]
    pub(crate) fn never() -> Self {
        SpillPolicy {
            dir: None,
            max_memory: usize::MAX,
        }
    }
}

/// `bands` short band keys for each item of one level, in item order.
#[derive(Debug)]
pub(crate) struct BandKeys {
    bands: usize,
    items: usize,
    policy: SpillPolicy,
    store: Store,
    /// [`BLOCK_BYTES`] but in tests.
    block_bytes: usize,
}

#[derive(Debug)]
enum Store {
    /// Item-major: item `i`'s keys are `[i * bands..(i + 1) * bands]`.
    Memory(Vec<u32>),
    Spilled(Spill),
}

/// Keys in a temporary file, and those not yet written.
#[derive(Debug)]
struct Spill {
    /// Behind a lock so that bands can be read from several threads (one
    /// seek and one read at a time).
    file: Mutex<File>,
    /// The folder of the file, for error messages.
    dir: PathBuf,
    /// The blocks written, in item order.
    blocks: Vec<Block>,
    /// Bytes written.
    len: u64,
    /// Keys of the items after the last block, item-major.
    pending: Vec<u32>,
    /// Whether the file is read and written past the page cache.
    direct: AtomicBool,
    /// The length of the file: the end of the last block.
    end: u64,
    /// The block being written, band-major (page-aligned for direct I/O).
    buffer: AlignedBytes,
}

/// A run of items written band-major at `offset`: band `b`'s keys start at
/// `offset + b * stride`.
#[derive(Debug, Clone, Copy)]
struct Block {
    offset: u64,
    items: usize,
    /// Bytes from one band's keys to the next: `4 * items` rounded up to
    /// [`ALIGN`].
    stride: usize,
}

impl BandKeys {
    /// No items yet, `bands` keys each.
    pub(crate) fn new(bands: usize, policy: SpillPolicy) -> Self {
        BandKeys {
            bands,
            items: 0,
            policy,
            store: Store::Memory(Vec::new()),
            block_bytes: BLOCK_BYTES,
        }
    }

    /// Items of a full block: about `block_bytes` of keys, a multiple of
    /// [`ALIGN`]` / 4` items when that many fit (so that a full block's band
    /// runs need no padding), at least one.
    fn block_items(&self) -> usize {
        let items = (self.block_bytes / (4 * self.bands.max(1))).max(1);
        if items >= ALIGN / 4 {
            items - items % (ALIGN / 4)
        } else {
            items
        }
    }

    /// The number of items.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.items
    }

    /// Keys per item.
    pub(crate) fn bands(&self) -> usize {
        self.bands
    }

    /// Reserves room for `additional` more items in memory (a no-op once
    /// spilled).
    pub(crate) fn reserve(&mut self, additional: usize) {
        if let Store::Memory(keys) = &mut self.store {
            keys.reserve(additional * self.bands);
        }
    }

    /// Appends one item's keys (exactly `bands` of them).
    pub(crate) fn push(&mut self, keys: impl IntoIterator<Item = u32>) {
        let buffer = match &mut self.store {
            Store::Memory(k) => k,
            Store::Spilled(s) => &mut s.pending,
        };
        let before = buffer.len();
        buffer.extend(keys);
        debug_assert_eq!(buffer.len() - before, self.bands, "one key per band");
        self.items += 1;
    }

    /// Appends `other`'s items (held in memory) after these, emptying it;
    /// spills the keys when they outgrow the policy's memory, and writes
    /// full blocks once spilled.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the folder when the
    /// temporary file cannot be made or written.
    pub(crate) fn append(&mut self, other: &mut BandKeys) -> Result<()> {
        debug_assert_eq!(self.bands, other.bands);
        let Store::Memory(more) = &mut other.store else {
            unreachable!("only keys in memory are appended")
        };
        self.items += other.items;
        other.items = 0;
        match &mut self.store {
            Store::Memory(keys) => {
                keys.append(more);
                if keys.len().saturating_mul(4) > self.policy.max_memory {
                    let keys = std::mem::take(keys);
                    self.store = Store::Spilled(Spill::create(&self.policy, keys)?);
                    self.flush(false)?;
                }
            }
            Store::Spilled(spill) => {
                spill.pending.append(more);
                self.flush(false)?;
            }
        }
        Ok(())
    }

    /// Writes the pending keys (all of them when `all`, else whole blocks
    /// only) if spilled.
    fn flush(&mut self, all: bool) -> Result<()> {
        let bands = self.bands;
        let block_items = self.block_items();
        let Store::Spilled(spill) = &mut self.store else {
            return Ok(());
        };
        let pending_items = spill.pending.len() / bands.max(1);
        let mut done = 0;
        while pending_items - done >= block_items || (all && done < pending_items) {
            let items = block_items.min(pending_items - done);
            let stride = (items * 4).next_multiple_of(ALIGN);
            let keys = &spill.pending[done * bands..(done + items) * bands];
            // Band-major: band b's keys of the block are contiguous, from
            // `b * stride` (the padding after them is zeros).
            let bytes = spill.buffer.zeroed(bands * stride);
            // In tiles of items whose keys stay in the cache: each band's
            // piece of a tile is written in order, no bounds check a key.
            for (t, tile) in keys.chunks(TRANSPOSE_TILE * bands).enumerate() {
                let first = t * TRANSPOSE_TILE;
                let count = tile.len() / bands;
                for b in 0..bands {
                    let at = b * stride + first * 4;
                    let piece = &mut bytes[at..at + count * 4];
                    for (to, item) in piece.chunks_exact_mut(4).zip(tile.chunks_exact(bands)) {
                        to.copy_from_slice(&item[b].to_le_bytes());
                    }
                }
            }
            let offset = spill.end;
            spill.write_block(offset)?;
            spill.blocks.push(Block {
                offset,
                items,
                stride,
            });
            spill.end += (bands * stride) as u64;
            spill.len += (items * bands * 4) as u64;
            done += items;
        }
        spill.pending.drain(..done * bands);
        // The keys moved here when spilling may have left a large buffer.
        let most = (block_items + 4096) * bands;
        if spill.pending.capacity() > 2 * most {
            spill.pending.shrink_to(most);
        }
        Ok(())
    }

    /// Writes every pending key to the file (if spilled) and releases spare
    /// memory: the end of the appends.
    ///
    /// # Errors
    ///
    /// As [`append`](BandKeys::append).
    pub(crate) fn seal(&mut self) -> Result<()> {
        self.flush(true)?;
        match &mut self.store {
            Store::Memory(keys) => keys.shrink_to_fit(),
            Store::Spilled(spill) => {
                spill.pending = Vec::new();
                spill.buffer = AlignedBytes::default();
                let file = spill.file.get_mut().unwrap_or_else(|e| e.into_inner());
                file.flush().map_err(|e| spill.error("writing", e))?;
            }
        }
        Ok(())
    }

    /// The keys of `item` (in memory only).
    #[cfg(test)]
    pub(crate) fn item(&self, item: u32) -> &[u32] {
        let Store::Memory(keys) = &self.store else {
            panic!("the keys were spilled")
        };
        let b = self.bands;
        &keys[item as usize * b..(item as usize + 1) * b]
    }

    /// Calls `f(item, key)` for every item's key in `band`, in item order,
    /// from memory or from the file (one read per block).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the folder when the
    /// temporary file cannot be read.
    pub(crate) fn for_each_in_band(&self, band: usize, mut f: impl FnMut(u32, u32)) -> Result<()> {
        let bands = self.bands;
        assert!(band < bands, "band {band} of {bands}");
        let pending = match &self.store {
            Store::Memory(keys) => keys.as_slice(),
            Store::Spilled(spill) => {
                let mut buffer = AlignedBytes::default();
                let mut item = 0u32;
                for block in &spill.blocks {
                    let at = block.offset + (band * block.stride) as u64;
                    let bytes = spill.read_run(at, block.stride, &mut buffer)?;
                    for key in bytes[..block.items * 4].chunks_exact(4) {
                        let key = u32::from_le_bytes(key.try_into().expect("4 bytes"));
                        f(item, key);
                        item += 1;
                    }
                }
                // Items after the last block (before `seal`).
                let first = item;
                for (i, keys) in spill.pending.chunks_exact(bands).enumerate() {
                    f(first + i as u32, keys[band]);
                }
                return Ok(());
            }
        };
        for (i, keys) in pending.chunks_exact(bands).enumerate() {
            f(i as u32, keys[band]);
        }
        Ok(())
    }

    /// Whether the keys are in a temporary file.
    pub(crate) fn is_spilled(&self) -> bool {
        matches!(self.store, Store::Spilled(_))
    }

    /// Heap bytes held (capacity): the keys in memory, or those pending.
    pub(crate) fn heap_bytes(&self) -> usize {
        match &self.store {
            Store::Memory(keys) => keys.capacity() * 4,
            Store::Spilled(spill) => {
                spill.pending.capacity() * 4
                    + spill.blocks.capacity() * size_of::<Block>()
                    + spill.buffer.capacity()
            }
        }
    }

    /// Bytes written to the temporary file.
    pub(crate) fn spilled_bytes(&self) -> u64 {
        match &self.store {
            Store::Memory(_) => 0,
            Store::Spilled(spill) => spill.len,
        }
    }
}

impl Spill {
    /// A new unnamed temporary file under `policy`, with `keys` pending.
    fn create(policy: &SpillPolicy, keys: Vec<u32>) -> Result<Spill> {
        let dir = policy.dir.clone().unwrap_or_else(std::env::temp_dir);
        let file = tempfile::tempfile_in(&dir)
            .map_err(|e| Error::io("making a temporary file for band keys in", &dir, e))?;
        let direct = set_direct(&file, true);
        Ok(Spill {
            file: Mutex::new(file),
            dir,
            blocks: Vec::new(),
            len: 0,
            pending: keys,
            direct: AtomicBool::new(direct),
            end: 0,
            buffer: AlignedBytes::default(),
        })
    }

    /// Writes the block in `buffer` at `offset`.
    fn write_block(&mut self, offset: u64) -> Result<()> {
        let file = self.file.get_mut().unwrap_or_else(|e| e.into_inner());
        let bytes = self.buffer.as_slice();
        let mut result = write_at(file, bytes, offset);
        if result.is_err() && self.direct.load(Ordering::Relaxed) {
            // A file system that took the flag but not the write: through
            // the cache from here on (what was written stays readable).
            self.direct.store(false, Ordering::Relaxed);
            set_direct(&*file, false);
            result = write_at(file, bytes, offset);
        }
        result.map_err(|e| self.error("writing", e))
    }

    /// Reads `len` bytes at `at` (both aligned) into `buffer`.
    fn read_run<'b>(&self, at: u64, len: usize, buffer: &'b mut AlignedBytes) -> Result<&'b [u8]> {
        let bytes = buffer.zeroed(len);
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let mut result = read_at(&mut file, bytes, at);
        if result.is_err() && self.direct.load(Ordering::Relaxed) {
            self.direct.store(false, Ordering::Relaxed);
            set_direct(&file, false);
            result = read_at(&mut file, bytes, at);
        }
        result.map_err(|e| self.error("reading", e))?;
        Ok(bytes)
    }

    fn error(&self, action: &str, e: std::io::Error) -> Error {
        Error::io(
            &format!("{action} band keys in a temporary file in"),
            &self.dir,
            e,
        )
    }
}

fn write_at(file: &mut File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)
}

fn read_at(file: &mut File, bytes: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(bytes)
}

/// Turns direct I/O on or off for `file`; whether it is now on. Only on
/// Linux; elsewhere the page cache is used.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    if on && !direct_allowed() {
        return false;
    }
    let Ok(flags) = fcntl_getfl(file) else {
        return false;
    };
    let flags = if on {
        flags | OFlags::DIRECT
    } else {
        flags - OFlags::DIRECT
    };
    fcntl_setfl(file, flags).is_ok() && on
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, _on: bool) -> bool {
    false
}

/// Whether spills try direct I/O: always, but in tests that turn it off
/// for their thread (to test the page-cache path on any machine).
#[cfg(all(test, target_os = "linux"))]
fn direct_allowed() -> bool {
    tests::DIRECT.with(|d| d.get())
}

#[cfg(all(not(test), target_os = "linux"))]
fn direct_allowed() -> bool {
    true
}

/// A buffer of bytes aligned to [`ALIGN`], as direct I/O needs: the aligned
/// part of a vector one page longer (no `unsafe`).
#[derive(Debug, Default)]
struct AlignedBytes {
    bytes: Vec<u8>,
    /// Where the aligned bytes start.
    start: usize,
    len: usize,
}

impl AlignedBytes {
    /// `len` aligned bytes (a multiple of [`ALIGN`]), zeroed.
    fn zeroed(&mut self, len: usize) -> &mut [u8] {
        debug_assert_eq!(len % ALIGN, 0);
        self.bytes.clear();
        self.bytes.resize(len + ALIGN, 0);
        // Below `ALIGN` for a byte pointer at run time.
        self.start = self.bytes.as_ptr().align_offset(ALIGN).min(ALIGN);
        self.len = len;
        &mut self.bytes[self.start..self.start + len]
    }

    /// The bytes last zeroed (and filled).
    fn as_slice(&self) -> &[u8] {
        &self.bytes[self.start..self.start + self.len]
    }

    fn capacity(&self) -> usize {
        self.bytes.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Whether spills made on this thread try direct I/O.
        pub(super) static DIRECT: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    }

    fn band(keys: &BandKeys, band: usize) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        keys.for_each_in_band(band, |i, k| out.push((i, k)))
            .unwrap();
        out
    }

    /// Items `0..n` with key `item * 100 + band`, appended in parts of
    /// `part` items.
    fn filled(n: u32, bands: usize, part: u32, policy: SpillPolicy) -> BandKeys {
        filled_in_blocks(n, bands, part, policy, BLOCK_BYTES)
    }

    /// [`filled`] with blocks of `block_bytes`.
    fn filled_in_blocks(
        n: u32,
        bands: usize,
        part: u32,
        policy: SpillPolicy,
        block_bytes: usize,
    ) -> BandKeys {
        let mut keys = BandKeys::new(bands, policy.clone());
        keys.block_bytes = block_bytes;
        let mut start = 0;
        while start < n {
            let mut more = BandKeys::new(bands, policy.clone());
            for i in start..(start + part).min(n) {
                more.push((0..bands as u32).map(|b| i * 100 + b));
            }
            keys.append(&mut more).unwrap();
            assert_eq!(more.len(), 0);
            start += part;
        }
        keys
    }

    /// Spills to `dir` past `max_memory` bytes.
    fn spill_to(dir: &tempfile::TempDir, max_memory: usize) -> SpillPolicy {
        SpillPolicy {
            dir: Some(dir.path().to_path_buf()),
            max_memory,
        }
    }

    #[test]
    fn spilled_keys_read_back_as_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let spill = spill_to(&dir, 64);
        for (n, part) in [(0u32, 1u32), (1, 1), (7, 3), (1000, 17), (70_000, 4096)] {
            let memory = filled(n, 3, part, SpillPolicy::never());
            let mut spilled = filled(n, 3, part, spill.clone());
            assert!(!memory.is_spilled());
            // 64 bytes hold 5 items of 3 keys.
            assert_eq!(spilled.is_spilled(), n > 5, "{n}");
            for b in 0..3 {
                let want: Vec<(u32, u32)> = (0..n).map(|i| (i, i * 100 + b as u32)).collect();
                assert_eq!(band(&memory, b), want);
                // Before and after the last keys are written.
                assert_eq!(band(&spilled, b), want, "{n} items, band {b}");
                spilled.seal().unwrap();
                assert_eq!(band(&spilled, b), want, "{n} items, band {b}, sealed");
            }
            assert_eq!(spilled.len(), n as usize);
            if n > 5 {
                assert_eq!(spilled.spilled_bytes(), u64::from(n) * 12);
            }
        }
        // The file has no name: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Many blocks, full ones of whole pages and others padded, through
    /// direct I/O (where the file system takes it) and through the page
    /// cache.
    #[test]
    fn blocks_of_any_size_read_back_with_and_without_direct_io() {
        let dir = tempfile::tempdir().unwrap();
        let spill = spill_to(&dir, 0);
        for direct in [true, false] {
            DIRECT.with(|d| d.set(direct));
            // 32 and 3 bands: 1,024 items a block (runs of 4 KiB, the last
            // block's padded); 7 bands: 585 items a block, every run padded;
            // 1 item a block.
            for (bands, block_bytes) in [(32, 128 << 10), (3, 16 << 10), (7, 16 << 10), (2, 1)] {
                for n in [1u32, 1023, 1024, 1025, 5000] {
                    let mut keys = filled_in_blocks(n, bands, 333, spill.clone(), block_bytes);
                    keys.seal().unwrap();
                    assert!(keys.is_spilled());
                    if let Store::Spilled(s) = &keys.store {
                        // On only where asked (and taken by the file system).
                        assert!(direct || !s.direct.load(Ordering::Relaxed));
                        assert!(s.blocks.iter().all(|b| b.offset % ALIGN as u64 == 0));
                    }
                    assert_eq!(keys.spilled_bytes(), u64::from(n) * bands as u64 * 4);
                    for b in [0, bands - 1] {
                        let want: Vec<(u32, u32)> =
                            (0..n).map(|i| (i, i * 100 + b as u32)).collect();
                        assert_eq!(band(&keys, b), want, "{bands} bands, {n} items, band {b}");
                    }
                }
            }
        }
        DIRECT.with(|d| d.set(true));
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-there");
        let policy = SpillPolicy {
            dir: Some(missing.clone()),
            max_memory: 0,
        };
        let mut keys = BandKeys::new(2, policy.clone());
        let mut more = BandKeys::new(2, policy);
        more.push([1, 2]);
        let e = keys.append(&mut more).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io);
        assert_eq!(e.path(), Some(missing.as_path()));
        assert!(e.to_string().contains("not-there"), "{e}");
    }
}
