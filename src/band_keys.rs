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
//!
//! Whether the keys are spilled changes nothing in the results: a band's
//! keys come back in item order either way.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Keys of a block, in bytes: spilled keys are written in blocks of about
/// this size (and at least one item).
pub(crate) const BLOCK_BYTES: usize = 16 << 20;

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
}

/// A run of items written band-major at `offset`.
#[derive(Debug, Clone, Copy)]
struct Block {
    offset: u64,
    items: usize,
}

impl BandKeys {
    /// No items yet, `bands` keys each.
    pub(crate) fn new(bands: usize, policy: SpillPolicy) -> Self {
        BandKeys {
            bands,
            items: 0,
            policy,
            store: Store::Memory(Vec::new()),
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
        let Store::Spilled(spill) = &mut self.store else {
            return Ok(());
        };
        let block_items = (BLOCK_BYTES / (4 * bands.max(1))).max(1);
        let pending_items = spill.pending.len() / bands.max(1);
        let mut done = 0;
        let mut bytes = Vec::new();
        while pending_items - done >= block_items || (all && done < pending_items) {
            let items = block_items.min(pending_items - done);
            let keys = &spill.pending[done * bands..(done + items) * bands];
            // Band-major: band b's keys of the block are contiguous.
            bytes.clear();
            bytes.resize(keys.len() * 4, 0);
            for (i, item) in keys.chunks_exact(bands).enumerate() {
                for (b, &key) in item.iter().enumerate() {
                    let at = (b * items + i) * 4;
                    bytes[at..at + 4].copy_from_slice(&key.to_le_bytes());
                }
            }
            let file = spill.file.get_mut().unwrap_or_else(|e| e.into_inner());
            file.write_all(&bytes)
                .map_err(|e| spill.error("writing", e))?;
            spill.blocks.push(Block {
                offset: spill.len,
                items,
            });
            spill.len += bytes.len() as u64;
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
                let mut bytes = Vec::new();
                let mut item = 0u32;
                for block in &spill.blocks {
                    bytes.resize(block.items * 4, 0);
                    {
                        let mut file = spill.file.lock().unwrap_or_else(|e| e.into_inner());
                        let at = block.offset + (band * block.items * 4) as u64;
                        file.seek(SeekFrom::Start(at))
                            .and_then(|_| file.read_exact(&mut bytes))
                            .map_err(|e| spill.error("reading", e))?;
                    }
                    for key in bytes.chunks_exact(4) {
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
                spill.pending.capacity() * 4 + spill.blocks.capacity() * size_of::<Block>()
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
        Ok(Spill {
            file: Mutex::new(file),
            dir,
            blocks: Vec::new(),
            len: 0,
            pending: keys,
        })
    }

    fn error(&self, action: &str, e: std::io::Error) -> Error {
        Error::io(
            &format!("{action} band keys in a temporary file in"),
            &self.dir,
            e,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(keys: &BandKeys, band: usize) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        keys.for_each_in_band(band, |i, k| out.push((i, k)))
            .unwrap();
        out
    }

    /// Items `0..n` with key `item * 100 + band`, appended in parts of
    /// `part` items.
    fn filled(n: u32, bands: usize, part: u32, policy: SpillPolicy) -> BandKeys {
        let mut keys = BandKeys::new(bands, policy.clone());
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

    #[test]
    fn spilled_keys_read_back_as_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let spill = SpillPolicy {
            dir: Some(dir.path().to_path_buf()),
            max_memory: 64,
        };
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
