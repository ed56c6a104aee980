//! The manifest of a version 2 or 3 index: which segment files are live, where
//! each one's documents start, which documents are removed, and the
//! configuration. It is the only file that changes: a commit writes new
//! segment files, then replaces the manifest atomically (see
//! `docs/FORMAT.md`).

use std::io::Write;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

use super::codec::{decode_config, encode_config};
use super::format::{CONFIG_LEN, MAGIC, le32, le64};
use crate::atomic::AtomicWriter;
use crate::config::Config;
use crate::error::{Error, Result};

/// The manifest's format version, the index format version, that this
/// build writes: 3 (segments of layout 1 or 2).
pub(super) const MANIFEST_VERSION: u32 = super::format::STORE_FORMAT_VERSION;
/// The first version with a manifest: 2 (segments of layout 1 only).
pub(super) const FIRST_MANIFEST_VERSION: u32 = 2;
/// The fixed part, before the configuration.
const HEAD_LEN: usize = 64;
/// One segment entry.
const ENTRY_LEN: usize = 48;

/// One live segment, as the manifest lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SegmentEntry {
    /// Its file number: the file is `NAME.segments/NUMBER.seg`.
    pub(super) number: u64,
    /// The number in the index of its first document.
    pub(super) base: u64,
    /// Its documents and passages.
    pub(super) docs: u64,
    pub(super) passages: u64,
    /// Its file's length.
    pub(super) len: u64,
    /// The checksum in its header (bytes 56–63).
    pub(super) checksum: u64,
}

/// A decoded manifest.
#[derive(Clone, Debug)]
pub(super) struct Manifest {
    pub(super) config: Config,
    pub(super) fingerprint: u64,
    pub(super) generation: u64,
    pub(super) next_segment: u64,
    pub(super) segments: Vec<SegmentEntry>,
    /// Removed documents, ascending.
    pub(super) removed: Vec<u32>,
}

/// The folder of the segment files of the index at `index`: `NAME.segments`.
pub(super) fn segments_dir(index: &Path) -> PathBuf {
    let mut name = index.file_name().unwrap_or_default().to_os_string();
    name.push(".segments");
    index.with_file_name(name)
}

/// The file of segment `number` of the index at `index`.
pub(super) fn segment_path(index: &Path, number: u64) -> PathBuf {
    segments_dir(index).join(format!("{number:08}.seg"))
}

/// Appends `v` as a LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at `b[*at..]`, advancing `at`; `None` if it runs past the end
/// or past 64 bits.
fn get_varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

impl Manifest {
    /// The manifest's bytes.
    pub(super) fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(HEAD_LEN + CONFIG_LEN as usize + 64);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&MANIFEST_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.segments.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        out.extend_from_slice(&self.generation.to_le_bytes());
        out.extend_from_slice(&self.next_segment.to_le_bytes());
        out.extend_from_slice(&(self.removed.len() as u64).to_le_bytes());
        out.extend_from_slice(&[0u8; 16]);
        debug_assert_eq!(out.len(), HEAD_LEN);
        out.extend_from_slice(&encode_config(&self.config)?);
        for s in &self.segments {
            for v in [s.number, s.base, s.docs, s.passages, s.len, s.checksum] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        // Removed documents: ascending, delta-coded varints.
        let mut removed = Vec::new();
        let mut prev = 0u64;
        for (i, &d) in self.removed.iter().enumerate() {
            let d = u64::from(d);
            put_varint(&mut removed, if i == 0 { d } else { d - prev - 1 });
            prev = d;
        }
        out.extend_from_slice(&(removed.len() as u64).to_le_bytes());
        out.extend_from_slice(&removed);
        let sum = xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Ok(out)
    }

    /// Decodes the manifest `b` of the index at `path` (whose magic and
    /// version the caller checked); every field is checked.
    pub(super) fn decode(path: &Path, b: &[u8]) -> Result<Manifest> {
        let bad = |what: &str| Error::format(path, format!("damaged index manifest: {what}"));
        let min = HEAD_LEN + CONFIG_LEN as usize + 16;
        if b.len() < min {
            return Err(bad(&format!(
                "truncated to {} bytes (at least {min})",
                b.len()
            )));
        }
        let (body, sum) = b.split_at(b.len() - 8);
        if xxh3_64(body) != le64(sum, 0) {
            return Err(bad("checksum mismatch"));
        }
        let count = le32(b, 12) as usize;
        let fingerprint = le64(b, 16);
        let generation = le64(b, 24);
        let next_segment = le64(b, 32);
        let removed_count = le64(b, 40);
        let config_end = HEAD_LEN + CONFIG_LEN as usize;
        let config = decode_config(&b[HEAD_LEN..config_end], path)?;
        let entries_end = count
            .checked_mul(ENTRY_LEN)
            .and_then(|n| n.checked_add(config_end))
            .filter(|&e| e + 8 <= body.len())
            .ok_or_else(|| bad("the segment list runs past the end"))?;
        let mut segments = Vec::with_capacity(count);
        let mut next_base = 0u64;
        for e in b[config_end..entries_end].chunks_exact(ENTRY_LEN) {
            let s = SegmentEntry {
                number: le64(e, 0),
                base: le64(e, 8),
                docs: le64(e, 16),
                passages: le64(e, 24),
                len: le64(e, 32),
                checksum: le64(e, 40),
            };
            if s.base != next_base || s.number == 0 || s.number >= next_segment {
                return Err(bad("the segment list is out of order"));
            }
            next_base = s
                .base
                .checked_add(s.docs)
                .filter(|&n| n < u64::from(u32::MAX))
                .ok_or_else(|| bad("too many documents"))?;
            segments.push(s);
        }
        let removed_len = le64(b, entries_end);
        let removed_bytes = usize::try_from(removed_len)
            .ok()
            .and_then(|n| n.checked_add(entries_end + 8))
            .filter(|&e| e == body.len())
            .map(|e| &b[entries_end + 8..e])
            .ok_or_else(|| bad("the removed list has the wrong length"))?;
        let mut removed = Vec::new();
        let mut at = 0;
        let mut prev: Option<u64> = None;
        while at < removed_bytes.len() {
            let delta = get_varint(removed_bytes, &mut at).ok_or_else(|| bad("a bad varint"))?;
            let d = match prev {
                None => delta,
                Some(p) => p
                    .checked_add(delta)
                    .and_then(|v| v.checked_add(1))
                    .ok_or_else(|| bad("a removed document is out of range"))?,
            };
            if d >= next_base {
                return Err(bad("a removed document is out of range"));
            }
            removed.push(d as u32);
            prev = Some(d);
        }
        if removed.len() as u64 != removed_count {
            return Err(bad("the count of removed documents does not hold"));
        }
        Ok(Manifest {
            config,
            fingerprint,
            generation,
            next_segment,
            segments,
            removed,
        })
    }

    /// Documents in all segments (removed ones included).
    pub(super) fn docs(&self) -> u64 {
        self.segments.last().map_or(0, |s| s.base + s.docs)
    }

    /// Writes the manifest at `path`, atomically (temporary file, sync,
    /// rename, folder sync).
    pub(super) fn write(&self, path: &Path) -> Result<()> {
        let bytes = self.encode()?;
        let mut w = AtomicWriter::create(path)?;
        w.write_all(&bytes)
            .map_err(|e| Error::io("writing", path, e))?;
        w.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            config: Config::new(),
            fingerprint: Config::new().fingerprint().unwrap(),
            generation: 7,
            next_segment: 5,
            segments: vec![
                SegmentEntry {
                    number: 1,
                    base: 0,
                    docs: 10,
                    passages: 30,
                    len: 4096,
                    checksum: 11,
                },
                SegmentEntry {
                    number: 4,
                    base: 10,
                    docs: 3,
                    passages: 9,
                    len: 999,
                    checksum: 12,
                },
            ],
            removed: vec![0, 1, 7, 12],
        }
    }

    #[test]
    fn manifests_round_trip_and_damage_is_refused() {
        let m = sample();
        let b = m.encode().unwrap();
        let d = Manifest::decode(Path::new("m"), &b).unwrap();
        assert_eq!(d.segments, m.segments);
        assert_eq!(d.removed, m.removed);
        assert_eq!((d.generation, d.next_segment), (7, 5));
        assert_eq!(d.docs(), 13);
        for cut in 0..b.len() {
            assert!(
                Manifest::decode(Path::new("m"), &b[..cut]).is_err(),
                "{cut}"
            );
        }
        for i in 0..b.len() {
            let mut c = b.clone();
            c[i] ^= 0x10;
            assert!(Manifest::decode(Path::new("m"), &c).is_err(), "{i}");
        }
    }

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            let mut at = 0;
            assert_eq!(get_varint(&b, &mut at), Some(v));
            assert_eq!(at, b.len());
        }
        assert_eq!(get_varint(&[0x80], &mut 0), None);
    }
}
