//! The layout of format version 1 files and of segments (layouts 1 and 2, `docs/FORMAT.md`): constants, section
//! numbers and names, the fixed-size records (meta section, group record)
//! and the little helpers every other part of the store uses to read and
//! write them.

use crate::corpus::{DocId, PassageId};

/// The newest index format version this build writes and reads: 3, a
/// manifest and segment files of layout 2 (compact sets, a document's set
/// stored as references to its passages' sets, 8-byte band entries).
/// Indexes of every older version listed in `docs/FORMAT.md` are read too:
/// version 2 (a manifest and segments of layout 1) and version 1 (one file,
/// which becomes the first segment on its first change).
pub const STORE_FORMAT_VERSION: u32 = 3;

/// The layout of the segment files this build writes (the version in their
/// header): 2. Layout 1 is that of a version 1 index file.
pub(super) const SEGMENT_FORMAT_VERSION: u32 = 2;

/// The first 8 bytes of every index manifest, version 1 file and layout 1 segment.
pub(super) const MAGIC: [u8; 8] = *b"EDUPIDX\0";
/// The first 8 bytes of a segment of layout 2 or later: a segment file is
/// told from a manifest before its version is read.
pub(super) const SEGMENT_MAGIC: [u8; 8] = *b"EDUPSEG\0";
/// The header, before the section table.
pub(super) const HEADER_LEN: usize = 64;
/// One entry of the section table.
pub(super) const ENTRY_LEN: usize = 32;
/// Each section is checksummed per block of this many bytes.
pub(super) const BLOCK: u64 = 4096;
/// One [`GroupRecord`].
pub(super) const GROUP_LEN: u64 = 32;
/// One band entry of layout 1: u64 key, u32 group.
pub(super) const BAND_ENTRY_LEN: u64 = 12;
/// Layout 2 keeps the top 40 bits of a band key (directory bits, at most
/// 24, and the 16 of the key tables included).
pub(super) const KEY_MASK_V2: u64 = !((1 << 24) - 1);
/// One id hash entry: u64 hash, u32 document.
pub(super) const ID_HASH_LEN: u64 = 12;
/// The config section.
pub(super) const CONFIG_LEN: u64 = 80;
/// The meta section ([`Meta`]).
pub(super) const META_LEN: u64 = 48;
/// Seed of the id hashes (section `id hashes`): "echodid1".
pub(super) const ID_SEED: u64 = 0x6563_686F_6469_6431;
/// Most directory bits: 2^24 buckets per band.
const MAX_DIR_BITS: u32 = 24;
/// Groups per directory bucket, on average, at most.
const BUCKET_TARGET: u64 = 64;

/// Section numbers of format version 1, in file order.
pub(super) mod sec {
    pub(in crate::index::file) const CONFIG: usize = 0;
    pub(in crate::index::file) const META: usize = 1;
    pub(in crate::index::file) const ID_OFFSETS: usize = 2;
    pub(in crate::index::file) const ID_BYTES: usize = 3;
    pub(in crate::index::file) const ID_HASHES: usize = 4;
    pub(in crate::index::file) const DOC_GROUPS: usize = 5;
    pub(in crate::index::file) const DOC_DATA: usize = 6;
    pub(in crate::index::file) const DOC_MEMBERS: usize = 7;
    pub(in crate::index::file) const DOC_BANDS: usize = 8;
    pub(in crate::index::file) const DOC_DIR: usize = 9;
    pub(in crate::index::file) const PASSAGE_GROUPS: usize = 10;
    pub(in crate::index::file) const PASSAGE_DATA: usize = 11;
    pub(in crate::index::file) const PASSAGE_BANDS: usize = 12;
    pub(in crate::index::file) const PASSAGE_DIR: usize = 13;
    pub(in crate::index::file) const BLOCK_SUMS: usize = 14;
    pub(in crate::index::file) const COUNT: usize = 15;
}

/// The name of each section, for error messages.
pub(super) const SECTION_NAMES: [&str; sec::COUNT] = [
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

/// The meta section: the counts of an index and its directory bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Meta {
    pub(super) docs: u64,
    pub(super) passages: u64,
    pub(super) doc_groups: u64,
    pub(super) passage_groups: u64,
    pub(super) doc_bits: u32,
    pub(super) passage_bits: u32,
    pub(super) doc_members: u64,
}

impl Meta {
    /// From the [`META_LEN`] bytes of the meta section.
    pub(super) fn decode(m: &[u8]) -> Meta {
        Meta {
            docs: le64(m, 0),
            passages: le64(m, 8),
            doc_groups: le64(m, 16),
            passage_groups: le64(m, 24),
            doc_members: le64(m, 32),
            doc_bits: le32(m, 40),
            passage_bits: le32(m, 44),
        }
    }

    /// The [`META_LEN`] bytes of the meta section.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut m = Vec::with_capacity(META_LEN as usize);
        for v in [
            self.docs,
            self.passages,
            self.doc_groups,
            self.passage_groups,
            self.doc_members,
        ] {
            m.extend_from_slice(&v.to_le_bytes());
        }
        m.extend_from_slice(&self.doc_bits.to_le_bytes());
        m.extend_from_slice(&self.passage_bits.to_le_bytes());
        m
    }
}

/// One group record: a distinct shingle set of a level (see
/// `docs/FORMAT.md`).
#[derive(Clone, Copy, Debug)]
pub(super) struct GroupRecord {
    /// `ShingleSet::fingerprint` of the set.
    pub(super) fingerprint: u64,
    /// Offset of its set or signature in the level's data section.
    pub(super) data: u64,
    /// Shingles in the set.
    pub(super) len: u32,
    /// Members (documents only; 0 for passages).
    pub(super) members: u32,
    /// Documents: index of the first member in the members section.
    /// Passages: the first passage with this set, packed
    /// ([`passage_id_pack`]).
    pub(super) first: u64,
    /// Not stored: where its data ends in layout 2 (the next record's
    /// `data`, or the end of the section), filled in by the reader; 0 when
    /// not known.
    pub(super) end: u64,
}

impl GroupRecord {
    pub(super) fn decode(b: &[u8]) -> GroupRecord {
        GroupRecord {
            fingerprint: le64(b, 0),
            data: le64(b, 8),
            len: le32(b, 16),
            members: le32(b, 20),
            first: le64(b, 24),
            end: 0,
        }
    }

    pub(super) fn encode(&self) -> [u8; GROUP_LEN as usize] {
        let mut out = [0u8; GROUP_LEN as usize];
        out[0..8].copy_from_slice(&self.fingerprint.to_le_bytes());
        out[8..16].copy_from_slice(&self.data.to_le_bytes());
        out[16..20].copy_from_slice(&self.len.to_le_bytes());
        out[20..24].copy_from_slice(&self.members.to_le_bytes());
        out[24..32].copy_from_slice(&self.first.to_le_bytes());
        out
    }
}

/// How a segment of layout `layout` with `groups` groups in a level stores
/// that level's band entries: bytes per entry, and the bits of the key kept
/// (a mask).
pub(super) fn band_entry_layout(layout: u32, groups: u64) -> (u64, u64) {
    if layout == 1 {
        (BAND_ENTRY_LEN, u64::MAX)
    } else if groups <= 1 << 24 {
        (8, KEY_MASK_V2)
    } else {
        (9, KEY_MASK_V2)
    }
}

/// The band entry `e` (of `e.len()` bytes, as [`band_entry_layout`] gives):
/// its key (the bits kept; the others 0) and group.
pub(super) fn decode_band_entry(e: &[u8]) -> (u64, u32) {
    if e.len() == BAND_ENTRY_LEN as usize {
        return (le64(e, 0), le32(e, 8));
    }
    let mut k = [0u8; 8];
    k[3..8].copy_from_slice(&e[..5]);
    let mut g = [0u8; 4];
    g[..e.len() - 5].copy_from_slice(&e[5..]);
    (u64::from_le_bytes(k), u32::from_le_bytes(g))
}

/// Appends the band entry of `key` (already masked) and `group` in `len`
/// bytes.
pub(super) fn encode_band_entry(out: &mut Vec<u8>, key: u64, group: u32, len: u64) {
    if len == BAND_ENTRY_LEN {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&group.to_le_bytes());
    } else {
        out.extend_from_slice(&key.to_le_bytes()[3..8]);
        out.extend_from_slice(&group.to_le_bytes()[..len as usize - 5]);
    }
}

/// The little-endian u64 at `b[at..at + 8]`.
pub(super) fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// The little-endian u32 at `b[at..at + 4]`.
pub(super) fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// Directory bits for `groups` groups: about `BUCKET_TARGET` per bucket.
pub(super) fn dir_bits(groups: u64) -> u32 {
    let mut bits = 0;
    while bits < MAX_DIR_BITS && (groups >> bits) > BUCKET_TARGET {
        bits += 1;
    }
    bits
}

/// The directory bucket of band key `key`: its top `bits` bits.
pub(super) fn bucket_of(key: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (key >> (64 - bits)) as usize
    }
}

/// A passage id as stored in a group record: `document << 32 | index`.
pub(super) fn passage_id_pack(p: PassageId) -> u64 {
    ((p.doc.as_u32() as u64) << 32) | p.index as u64
}

/// The inverse of [`passage_id_pack`].
pub(super) fn passage_id_unpack(v: u64) -> PassageId {
    PassageId::new(DocId::new((v >> 32) as u32), v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn band_entries_keep_40_bits_of_the_key() {
        for (groups, len) in [(0u64, 8u64), (1 << 24, 8), ((1 << 24) + 1, 9)] {
            assert_eq!(band_entry_layout(2, groups), (len, KEY_MASK_V2));
            let key = 0x0123_4567_89AB_CDEF & KEY_MASK_V2;
            let group = if len == 8 { 0x00AB_CDEF } else { 0xFEDC_BA98 };
            let mut e = Vec::new();
            encode_band_entry(&mut e, key, group, len);
            assert_eq!(e.len() as u64, len);
            assert_eq!(decode_band_entry(&e), (key, group));
        }
        assert_eq!(band_entry_layout(1, 5), (12, u64::MAX));
        let mut e = Vec::new();
        encode_band_entry(&mut e, u64::MAX, 7, 12);
        assert_eq!(decode_band_entry(&e), (u64::MAX, 7));
    }

    #[test]
    fn passage_ids_pack_both_halves() {
        let p = PassageId::new(DocId::new(u32::MAX - 1), 77);
        assert_eq!(passage_id_unpack(passage_id_pack(p)), p);
    }
}
