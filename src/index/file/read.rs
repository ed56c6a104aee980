//! Positioned, checksummed reads of an open index file: [`FileAt`] reads
//! bytes at an offset (shared by threads without a cursor), [`Reader`]
//! reads a range of a section and checks every block it touches against
//! its checksum, [`Sequential`] streams a section front to back in large
//! chunks (to copy it into a new file).

use std::fs::File;
use std::io;
#[cfg(not(unix))]
use std::io::{Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::xxh3_64;

use super::format::{BLOCK, SECTION_NAMES, sec};
use super::write::SectionWriter;
use crate::error::{Error, Result};

/// Chunk of sequential reads while rewriting or verifying.
pub(super) const CHUNK: u64 = 1 << 20;

/// Reads of at most this many bytes (what a lookup reads: band entries,
/// group records, sets) are served from the file's map on Unix.
#[cfg(unix)]
const MAPPED_READ: usize = 16 << 10;

/// The open file, read at offsets: `pread` (threads read at once). On
/// Unix, once [`map`](FileAt::map) was called (by the first query of an
/// index), small reads come from a read-only memory map of the whole file
/// where the system gives one: a read then costs no system call.
///
/// Index files are immutable once written: a new file is written aside and
/// renamed in, an old one is unlinked, never truncated or rewritten in
/// place, so the mapped bytes do not change while an index is open. A file
/// truncated in place by another program while mapped would make a read
/// fault (`SIGBUS`) instead of returning an error; `ECHODUP_NO_MMAP=1` in
/// the environment turns the maps off for such setups. Writers (batches)
/// do not map: their lookups gain little from it, and the pages a map
/// touches count in the process's RSS.
#[cfg(unix)]
#[derive(Debug)]
pub(super) struct FileAt {
    file: File,
    map: std::sync::OnceLock<Option<memmap2::Mmap>>,
}

#[cfg(unix)]
impl FileAt {
    pub(super) fn new(file: File) -> FileAt {
        FileAt {
            file,
            map: std::sync::OnceLock::new(),
        }
    }

    /// Maps the file for the small reads of lookups, unless it is mapped,
    /// `ECHODUP_NO_MMAP` is set, or the system refuses.
    pub(super) fn map(&self) {
        self.map.get_or_init(|| {
            let off =
                std::env::var_os("ECHODUP_NO_MMAP").is_some_and(|v| !v.is_empty() && v != "0");
            if off {
                return None;
            }
            #[allow(unsafe_code)]
            // SAFETY: the map is read-only and private to this handle, and
            // index files are never changed in place (see above), so the
            // bytes behind the slices handed out do not change while the
            // map lives. An empty file, or a system that refuses, gives
            // `None` and `pread`.
            let map = unsafe { memmap2::Mmap::map(&self.file).ok()? };
            // Lookups read small scattered ranges: no read-ahead around them.
            let _ = map.advise(memmap2::Advice::Random);
            Some(map)
        });
    }

    pub(super) fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        match self.mapped(offset, buf.len()) {
            Some(bytes) => {
                buf.copy_from_slice(bytes?);
                Ok(())
            }
            None => std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset),
        }
    }

    /// The `len` bytes at `offset`, where the file is mapped and `len` is
    /// at most [`MAPPED_READ`] (`None` otherwise: larger reads, such as
    /// loading tables or copying sections, go through `pread`, so that the
    /// pages they pass over are not mapped into the process); past the end
    /// of the file, the error `pread` would give.
    pub(super) fn mapped(&self, offset: u64, len: usize) -> Option<io::Result<&[u8]>> {
        if len > MAPPED_READ {
            return None;
        }
        let map = self.map.get()?.as_ref()?;
        let bytes = usize::try_from(offset)
            .ok()
            .and_then(|start| map.get(start..start.checked_add(len)?));
        Some(bytes.ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "failed to fill whole buffer")
        }))
    }
}

/// Elsewhere: seek and read under a lock.
#[cfg(not(unix))]
#[derive(Debug)]
pub(super) struct FileAt(std::sync::Mutex<File>);

#[cfg(not(unix))]
impl FileAt {
    pub(super) fn new(file: File) -> FileAt {
        FileAt(std::sync::Mutex::new(file))
    }

    pub(super) fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        use std::io::Read;
        let mut f = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }

    /// Nothing to do here: never mapped.
    pub(super) fn map(&self) {}

    /// Never mapped here.
    pub(super) fn mapped(&self, _offset: u64, _len: usize) -> Option<io::Result<&[u8]>> {
        None
    }
}

/// Where a section lies: its offset and length in the file, and the index
/// of its first block in the block checksums.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Section {
    pub(super) offset: u64,
    pub(super) len: u64,
    pub(super) first_block: usize,
}

/// Positioned, checksummed reads of one open file.
#[derive(Debug)]
pub(super) struct Reader {
    pub(super) path: PathBuf,
    pub(super) file: FileAt,
    pub(super) sections: [Section; sec::COUNT],
    /// The checksum of every block of sections 0 to 13, in order.
    pub(super) sums: Vec<u64>,
    /// One bit per block of `sums`: checked against its checksum since the
    /// file was opened (the file is immutable, so once is enough).
    pub(super) checked: Vec<AtomicU64>,
}

impl Reader {
    /// A [`ErrorKind::Format`](crate::ErrorKind::Format) error naming the file.
    pub(super) fn corrupt(&self, what: impl std::fmt::Display) -> Error {
        Error::format(&self.path, format!("damaged index file: {what}"))
    }

    /// An [`ErrorKind::Io`](crate::ErrorKind::Io) error naming the file.
    fn io(&self, e: io::Error) -> Error {
        Error::io("reading", &self.path, e)
    }

    /// `len` bytes at `start` in section `s`, each block they touch checked
    /// against its checksum the first time it is read after opening.
    pub(super) fn read(&self, s: usize, start: u64, len: u64) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_into(s, start, len, &mut buf)?;
        Ok(buf)
    }

    /// [`read`](Reader::read) into `buf` (replacing what it held), so that
    /// a caller reading many small ranges reuses one allocation.
    pub(super) fn read_into(
        &self,
        s: usize,
        start: u64,
        len: u64,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
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
        buf.clear();
        if len == 0 {
            return Ok(());
        }
        let b0 = start / BLOCK;
        let b1 = (end - 1) / BLOCK + 1;
        let checked = s == sec::BLOCK_SUMS
            || (b0..b1).all(|b| self.is_checked(section.first_block + b as usize));
        if checked {
            // Every block was checked before: read only the bytes asked for.
            if let Some(bytes) = self.file.mapped(section.offset + start, len as usize) {
                buf.extend_from_slice(bytes.map_err(|e| self.io(e))?);
                return Ok(());
            }
            buf.resize(len as usize, 0);
            return self
                .file
                .read_exact_at(buf, section.offset + start)
                .map_err(|e| self.io(e));
        }
        let read_start = b0 * BLOCK;
        let read_end = (b1 * BLOCK).min(section.len);
        let n = (read_end - read_start) as usize;
        if let Some(bytes) = self.file.mapped(section.offset + read_start, n) {
            // Mapped: the blocks checked in place, only the bytes asked
            // for copied.
            let bytes = bytes.map_err(|e| self.io(e))?;
            self.check_blocks(s, b0, bytes)?;
            let skip = (start - read_start) as usize;
            buf.extend_from_slice(&bytes[skip..skip + len as usize]);
            return Ok(());
        }
        buf.resize(n, 0);
        self.file
            .read_exact_at(buf, section.offset + read_start)
            .map_err(|e| self.io(e))?;
        self.check_blocks(s, b0, buf)?;
        let skip = (start - read_start) as usize;
        buf.drain(..skip);
        buf.truncate(len as usize);
        Ok(())
    }

    /// Checks `bytes`, the blocks of section `s` from its block `b0` on,
    /// against their checksums, and marks them checked.
    fn check_blocks(&self, s: usize, b0: u64, bytes: &[u8]) -> Result<()> {
        let first = self.sections[s].first_block + b0 as usize;
        for (i, chunk) in bytes.chunks(BLOCK as usize).enumerate() {
            let block = first + i;
            if self.sums.get(block) != Some(&xxh3_64(chunk)) {
                return Err(self.corrupt(format!(
                    "checksum mismatch in block {} of section \"{}\"",
                    b0 as usize + i,
                    SECTION_NAMES[s]
                )));
            }
            self.set_checked(block);
        }
        Ok(())
    }

    /// Whether block `block` (of `sums`) was checked since opening.
    fn is_checked(&self, block: usize) -> bool {
        self.checked
            .get(block / 64)
            .is_some_and(|w| w.load(Ordering::Relaxed) & (1 << (block % 64)) != 0)
    }

    fn set_checked(&self, block: usize) {
        if let Some(w) = self.checked.get(block / 64) {
            w.fetch_or(1 << (block % 64), Ordering::Relaxed);
        }
    }

    /// Forgets which blocks were checked ([`IndexFile::verify`](super::IndexFile::verify)
    /// reads every block again).
    pub(super) fn forget_checks(&self) {
        for w in &self.checked {
            w.store(0, Ordering::Relaxed);
        }
    }

    /// The length of section `s`.
    pub(super) fn len(&self, s: usize) -> u64 {
        self.sections[s].len
    }
}

/// Reads a section front to back in large checked chunks.
pub(super) struct Sequential<'a> {
    reader: &'a Reader,
    section: usize,
    pos: u64,
    buf: Vec<u8>,
    at: usize,
}

impl<'a> Sequential<'a> {
    pub(super) fn new(reader: &'a Reader, section: usize) -> Self {
        Sequential {
            reader,
            section,
            pos: 0,
            buf: Vec::new(),
            at: 0,
        }
    }

    /// The next `n` bytes.
    pub(super) fn next(&mut self, n: usize) -> Result<&[u8]> {
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
    pub(super) fn copy_to(&mut self, mut n: u64, w: &mut SectionWriter) -> Result<()> {
        while n > 0 {
            let step = n.min(CHUNK) as usize;
            let bytes = self.next(step)?;
            w.put(bytes)?;
            n -= step as u64;
        }
        Ok(())
    }
}
