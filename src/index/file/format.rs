//! The layout of format version 1 files and of segments (layouts 1 and 2, `docs/FORMAT.md`): constants, section
//! numbers and names, the fixed-size records (meta section, group record)
//! and the little helpers every other part of the store uses to read and
//! write them.

use crate::corpus::{DocId, PassageId};

/// The newest index format version this build writes and reads: 5, a
/// manifest and segment files of layout 4 (compact sets, a document's set
/// stored as references to its passages' sets, bit-packed band entries,
/// the later copies of each stored passage).
/// Indexes of every older version listed in `docs/FORMAT.md` are read too:
/// version 4 (segments of layout 3, without copies), version 3 (segments
/// of layout 2, 8-byte band entries), version 2 (a manifest and segments
/// of layout 1) and version 1 (one file, which becomes the first segment
/// on its first change).
pub const STORE_FORMAT_VERSION: u32 = 5;

/// The layout of the segment files this build writes (the version in their
/// header): 4. Layout 1 is that of a version 1 index file, layout 2 that
/// of format version 3, layout 3 that of format version 4.
pub(super) const SEGMENT_FORMAT_VERSION: u32 = 4;

/// The newest segment layout a manifest of format version `version` may
/// list: 1 in version 2, 2 in version 3, 3 in version 4, 4 in version 5.
pub(super) fn newest_layout(version: u32) -> u32 {
    version.saturating_sub(1).clamp(1, SEGMENT_FORMAT_VERSION)
}

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
/// Layouts 2 and 3 keep the top 40 bits of a band key (directory bits, at
/// most 24, and the 16 of the key tables included).
pub(super) const KEY_MASK_V2: u64 = !((1 << 24) - 1);
/// Bits of a band key that layouts 2 and 3 keep.
pub(super) const KEPT_KEY_BITS: u32 = 40;
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

/// Section numbers, in file order. Layouts 1 to 3 have no section
/// `COPIES`: their section table has 15 entries, the last the block
/// checksums (read as an empty `COPIES` section, then `BLOCK_SUMS`).
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
    pub(in crate::index::file) const COPIES: usize = 14;
    pub(in crate::index::file) const BLOCK_SUMS: usize = 15;
    pub(in crate::index::file) const COUNT: usize = 16;
    /// Sections of layouts 1 to 3 (without `COPIES`).
    pub(in crate::index::file) const COUNT_BEFORE_COPIES: usize = 15;
}

/// One record of the section `copies` (layout 4): a passage's fingerprint
/// (u64), its document (u32, numbered in the segment) and its position in
/// the document (u32).
pub(super) const COPY_LEN: u64 = 16;

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
    "passage copies",
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

/// How a segment of layout `layout` stores the band entries of a level of
/// `groups` groups with `dir_bits` directory bits (see `docs/FORMAT.md`):
///
/// - layout 1: 12 bytes, the u64 key and the u32 group;
/// - layout 2: 8 or 9 bytes, the key's top 40 bits and the group in 3 bytes
///   (4 past 2^24 groups);
/// - layout 3: `40 − dir_bits + group_bits` bits, bit-packed: the key's 40
///   kept bits but the top `dir_bits` (which the entry's directory bucket
///   gives), then the group in `group_bits = ⌈log2 groups⌉` bits. The
///   entries of all bands are one stream of bits, least significant first.
///
/// What an entry holds of a key is its **stored key**
/// ([`stored`](Entries::stored)); entries of one bucket are sorted by it,
/// and [`full`](Entries::full) rebuilds the 40 kept bits from it and the
/// bucket (a fold merges runs of segments of different sizes by those).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entries {
    layout: u32,
    dir_bits: u32,
    /// Layout 3: bits of the stored key and of the group.
    key_bits: u32,
    group_bits: u32,
    /// Bits of one entry.
    width: u32,
}

impl Entries {
    pub(super) fn new(layout: u32, groups: u64, dir_bits: u32) -> Entries {
        let (key_bits, group_bits, width) = match layout {
            1 => (64, 32, BAND_ENTRY_LEN as u32 * 8),
            2 if groups <= 1 << 24 => (40, 24, 64),
            2 => (40, 32, 72),
            _ => {
                let key_bits = KEPT_KEY_BITS - dir_bits.min(24);
                let group_bits = 64 - groups.saturating_sub(1).leading_zeros();
                (key_bits, group_bits, key_bits + group_bits)
            }
        };
        Entries {
            layout,
            dir_bits,
            key_bits,
            group_bits,
            width,
        }
    }

    /// Bits of one entry.
    pub(super) fn width(&self) -> u32 {
        self.width
    }

    /// Whether entries are whole bytes (layouts 1 and 2).
    fn bytes(&self) -> Option<usize> {
        (self.layout < 3).then_some(self.width as usize / 8)
    }

    /// Bytes of a band section of `entries` entries.
    pub(super) fn section_len(&self, entries: u64) -> u64 {
        (entries as u128 * self.width as u128).div_ceil(8) as u64
    }

    /// The bytes of the band section (offset, length) that hold entries
    /// `start..start + count`.
    pub(super) fn span(&self, start: u64, count: u64) -> (u64, u64) {
        let w = self.width as u128;
        let lo = (start as u128 * w) / 8;
        let hi = ((start + count) as u128 * w).div_ceil(8);
        (lo as u64, (hi - lo) as u64)
    }

    /// Entry `start + i` from `bytes`, the bytes [`span`](Entries::span)
    /// gives for entries from `start` on: its stored key and group.
    pub(super) fn get(&self, bytes: &[u8], start: u64, i: usize) -> (u64, u32) {
        if let Some(len) = self.bytes() {
            return decode_band_entry(&bytes[i * len..(i + 1) * len]);
        }
        let w = self.width as u64;
        let bit = (start + i as u64) * w - (start * w) / 8 * 8;
        self.split(read_bits(bytes, bit, self.width))
    }

    /// The key table bits ([`table_bits`](Entries::table_bits)) of the
    /// `n` entries from `start`, from `bytes` as [`get`](Entries::get)
    /// takes them, appended to `out`.
    pub(super) fn table_bits_of(&self, bytes: &[u8], start: u64, n: usize, out: &mut Vec<u16>) {
        if self.layout < 3 {
            out.extend((0..n).map(|i| self.table_bits(self.get(bytes, start, i).0)));
            return;
        }
        let w = self.width as u64;
        let shift = self.group_bits + self.key_bits - 16;
        let mut bit = start * w - (start * w) / 8 * 8;
        out.extend((0..n).map(|_| {
            let v = read_bits(bytes, bit, self.width);
            bit += w;
            (v >> shift) as u16
        }));
    }

    /// An entry of layout 3 (`width` bits) as its stored key and group.
    fn split(&self, v: u64) -> (u64, u32) {
        (v >> self.group_bits, (v & low_bits(self.group_bits)) as u32)
    }

    /// What an entry holds of band key `key`.
    pub(super) fn stored(&self, key: u64) -> u64 {
        match self.layout {
            1 => key,
            2 => key & KEY_MASK_V2,
            _ => (key >> (64 - KEPT_KEY_BITS)) & low_bits(self.key_bits),
        }
    }

    /// The key's 40 kept bits (layouts 2 and 3; the whole key in layout 1)
    /// from an entry's stored key and its directory bucket.
    pub(super) fn full(&self, stored: u64, bucket: usize) -> u64 {
        if self.layout < 3 {
            return stored;
        }
        let top = if self.dir_bits == 0 {
            0
        } else {
            (bucket as u64) << (64 - self.dir_bits)
        };
        top | (stored << (64 - KEPT_KEY_BITS))
    }

    /// The 16 bits that follow the directory bits of the key an entry
    /// holds (`level::key_bits` of its key), from its stored key.
    pub(super) fn table_bits(&self, stored: u64) -> u16 {
        if self.layout < 3 {
            return ((stored << self.dir_bits) >> 48) as u16;
        }
        (stored >> (self.key_bits - 16)) as u16
    }

    /// Writes entries of layout 3 or 4 (bit-packed alike), `width` bits
    /// each (`key` with the 40 kept bits, `group` below 2^`group_bits`).
    pub(super) fn put(&self, out: &mut BitPacker, key: u64, group: u32) {
        debug_assert!(self.layout >= 3);
        debug_assert!(self.group_bits == 32 || (group as u64) >> self.group_bits == 0);
        out.put(
            (self.stored(key) << self.group_bits) | group as u64,
            self.width,
        );
    }
}

/// The `width ≤ 56` bits of `bytes` from bit `bit` (bits least significant
/// first; bytes past the end read as 0).
#[inline]
fn read_bits(bytes: &[u8], bit: u64, width: u32) -> u64 {
    let at = (bit / 8) as usize;
    let word = match bytes.get(at..at + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().expect("8 bytes")),
        None => {
            let mut b = [0u8; 8];
            let rest = bytes.get(at..).unwrap_or_default();
            let n = rest.len().min(8);
            b[..n].copy_from_slice(&rest[..n]);
            u64::from_le_bytes(b)
        }
    };
    (word >> (bit % 8)) & low_bits(width)
}

/// The low `n` bits set (`n ≤ 64`).
fn low_bits(n: u32) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// Values of up to 64 bits packed least significant bit first; whole
/// bytes are taken out as they fill.
#[derive(Debug, Default)]
pub(super) struct BitPacker {
    acc: u128,
    bits: u32,
    pub(super) out: Vec<u8>,
}

impl BitPacker {
    /// Appends the low `n ≤ 64` bits of `v`.
    pub(super) fn put(&mut self, v: u64, n: u32) {
        self.acc |= ((v & low_bits(n)) as u128) << self.bits;
        self.bits += n;
        while self.bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
    }

    /// Pads the last byte with 0 bits.
    pub(super) fn finish(&mut self) {
        if self.bits > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.bits = 0;
        }
    }
}

/// Reads the entries of a level's band section front to back, band after
/// band, with their 40 kept key bits rebuilt ([`Entries::full`]: the
/// bucket follows from the level's directory `dir`).
pub(super) struct EntryStream<'a> {
    seq: super::read::Sequential<'a>,
    entries: Entries,
    dir: &'a [u32],
    groups: u64,
    /// Position: band, entry in the band, its bucket.
    band: usize,
    at: u64,
    bucket: usize,
    acc: u128,
    bits: u32,
}

impl<'a> EntryStream<'a> {
    pub(super) fn new(
        seq: super::read::Sequential<'a>,
        entries: Entries,
        dir: &'a [u32],
        groups: u64,
    ) -> EntryStream<'a> {
        EntryStream {
            seq,
            entries,
            dir,
            groups,
            band: 0,
            at: 0,
            bucket: 0,
            acc: 0,
            bits: 0,
        }
    }

    /// Whether the current band has entries left.
    pub(super) fn in_band(&self) -> bool {
        self.at < self.groups
    }

    /// Moves to the next band (the current one read to its end).
    pub(super) fn next_band(&mut self) {
        debug_assert!(!self.in_band());
        self.band += 1;
        self.at = 0;
        self.bucket = 0;
    }

    /// The next entry of the current band (its 40 kept key bits and
    /// group), `None` at the band's end.
    pub(super) fn next(&mut self) -> crate::error::Result<Option<(u64, u32)>> {
        if !self.in_band() {
            return Ok(None);
        }
        let (stored, group) = match self.entries.bytes() {
            Some(len) => decode_band_entry(self.seq.next(len)?),
            None => {
                let w = self.entries.width;
                while self.bits < w {
                    self.acc |= (self.seq.next(1)?[0] as u128) << self.bits;
                    self.bits += 8;
                }
                let v = self.acc as u64 & low_bits(w);
                self.acc >>= w;
                self.bits -= w;
                self.entries.split(v)
            }
        };
        let per_band = (1usize << self.entries.dir_bits) + 1;
        let dir = self
            .dir
            .get(self.band * per_band..(self.band + 1) * per_band)
            .unwrap_or_default();
        while self.bucket + 2 < per_band
            && dir
                .get(self.bucket + 1)
                .is_some_and(|&d| d as u64 <= self.at)
        {
            self.bucket += 1;
        }
        self.at += 1;
        Ok(Some((self.entries.full(stored, self.bucket), group)))
    }
}

/// The band entry `e` of layout 1 or 2 (of `e.len()` bytes): its key (the
/// bits kept; the others 0) and group.
fn decode_band_entry(e: &[u8]) -> (u64, u32) {
    if e.len() == BAND_ENTRY_LEN as usize {
        return (le64(e, 0), le32(e, 8));
    }
    let mut k = [0u8; 8];
    k[3..8].copy_from_slice(&e[..5]);
    let mut g = [0u8; 4];
    g[..e.len() - 5].copy_from_slice(&e[5..]);
    (u64::from_le_bytes(k), u32::from_le_bytes(g))
}

/// Appends the band entry of layout 1 or 2 of `key` (already masked) and
/// `group` in `len` bytes (tests write older layouts with it).
#[cfg(test)]
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
    fn bits_past_the_end_read_as_zero() {
        let bytes = [0xffu8, 0x0f, 0x01];
        assert_eq!(read_bits(&bytes, 0, 12), 0xfff);
        assert_eq!(read_bits(&bytes, 12, 12), 0x010);
        assert_eq!(read_bits(&bytes, 16, 12), 0x001);
        // Wholly past the end (a damaged length): zeros, not a panic.
        assert_eq!(read_bits(&bytes, 24, 8), 0);
        assert_eq!(read_bits(&bytes, 40 * 8, 46), 0);
        assert_eq!(read_bits(&[], 7, 1), 0);
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
    fn band_entries_of_layout_2_keep_40_bits_of_the_key() {
        for (groups, len) in [(0u64, 8u64), (1 << 24, 8), ((1 << 24) + 1, 9)] {
            let entries = Entries::new(2, groups, dir_bits(groups));
            assert_eq!(entries.width() as u64, len * 8);
            let key = 0x0123_4567_89AB_CDEF;
            let group = if len == 8 { 0x00AB_CDEF } else { 0xFEDC_BA98 };
            let mut e = Vec::new();
            encode_band_entry(&mut e, entries.stored(key), group, len);
            assert_eq!(e.len() as u64, len);
            assert_eq!(entries.get(&e, 0, 0), (key & KEY_MASK_V2, group));
            assert_eq!(entries.full(entries.stored(key), 5), key & KEY_MASK_V2);
        }
        let entries = Entries::new(1, 5, 0);
        let mut e = Vec::new();
        encode_band_entry(&mut e, u64::MAX, 7, 12);
        assert_eq!(entries.get(&e, 0, 0), (u64::MAX, 7));
    }

    /// Layout 3: `40 − dir bits + ⌈log2 groups⌉` bits an entry (46 from 65
    /// groups to 2^30), any entry of a packed run read back from its span,
    /// the key's 40 kept bits rebuilt from the bucket, and the key tables'
    /// 16 bits the same as from the key.
    #[test]
    fn band_entries_of_layout_3_are_bit_packed() {
        let mut next = super::super::test_texts::xorshift(0x9E37_79B9_7F4A_7C15);
        for groups in [
            1u64,
            2,
            3,
            64,
            65,
            1000,
            123_457,
            1 << 24,
            (1 << 30) + 1,
            u32::MAX as u64,
        ] {
            let bits = dir_bits(groups);
            let entries = Entries::new(3, groups, bits);
            let want = 40 - bits + (64 - (groups - 1).leading_zeros());
            assert_eq!(entries.width(), want, "{groups}");
            assert!(entries.width() <= 48);
            if (65..=1 << 30).contains(&groups) {
                assert_eq!(entries.width(), 46, "{groups}");
            }
            let n = 300usize;
            let mut keys: Vec<(u64, u32)> = (0..n)
                .map(|_| (next() & KEY_MASK_V2, (next() % groups) as u32))
                .collect();
            keys.sort_unstable();
            let mut p = BitPacker::default();
            for &(k, g) in &keys {
                entries.put(&mut p, k, g);
            }
            p.finish();
            assert_eq!(p.out.len() as u64, entries.section_len(n as u64));
            for start in [0u64, 1, 7, 13, 299] {
                let count = (n as u64 - start).min(17);
                let (lo, len) = entries.span(start, count);
                let bytes = &p.out[lo as usize..(lo + len) as usize];
                let mut table = Vec::new();
                entries.table_bits_of(bytes, start, count as usize, &mut table);
                for i in 0..count as usize {
                    let (k, g) = keys[start as usize + i];
                    assert_eq!(table[i], crate::index::file::level::key_bits(k, bits));
                    let (stored, group) = entries.get(bytes, start, i);
                    assert_eq!((stored, group), (entries.stored(k), g));
                    assert_eq!(entries.full(stored, bucket_of(k, bits)), k);
                    assert_eq!(
                        entries.table_bits(stored),
                        crate::index::file::level::key_bits(k, bits)
                    );
                }
            }
        }
    }

    #[test]
    fn passage_ids_pack_both_halves() {
        let p = PassageId::new(DocId::new(u32::MAX - 1), 77);
        assert_eq!(passage_id_unpack(passage_id_pack(p)), p);
    }
}
