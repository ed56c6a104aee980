//! Lookups in one stored level (documents or passages) of an open index:
//! [`DiskLevel`] finds the groups that share a band key with an item
//! through the level's directory and band runs, reads their records and
//! data, and verifies them as the in-memory `Level` does. [`KeyTable`]
//! holds 16 bits of every band key in memory, so that a band lookup that
//! cannot hit reads nothing from the file.

use std::sync::{Mutex, OnceLock, PoisonError};

use super::format::{
    Entries, GROUP_LEN, GroupRecord, KEPT_KEY_BITS, SECTION_NAMES, bucket_of, le32, le64,
};
use super::read::{CHUNK, Reader};
use super::sets::{DocSetCode, get_set, union};
use crate::error::Result;
use crate::index::IndexItem;
use crate::minhash::Signature;
use crate::shingle::ShingleSet;
use crate::verify::{Evidence, Similarity, Verification, Verifier};

/// One level (documents or passages) as stored.
#[derive(Debug)]
pub(super) struct DiskLevel {
    /// Its sections: group records, data and band runs.
    pub(super) groups_sec: usize,
    pub(super) data_sec: usize,
    pub(super) bands_sec: usize,
    /// Distinct sets.
    pub(super) groups: u64,
    /// Bands of its banding.
    pub(super) bands: usize,
    /// Directory bits.
    pub(super) bits: u32,
    /// Per band, `2^bits + 1` offsets of bucket starts (relative to the band).
    pub(super) dir: Vec<u32>,
    pub(super) verification: Verification,
    pub(super) num_perm: usize,
    /// 16 bits of each band key, loaded on the first lookup.
    pub(super) table: KeyTable,
    /// The segment's layout (1 to 4, `docs/FORMAT.md`).
    pub(super) layout: u32,
    /// How its band entries are stored.
    pub(super) entries: Entries,
    /// Documents of layout 2 or 3 with sets: the passage level whose sets their
    /// sets refer to.
    pub(super) parts: Option<Parts>,
}

/// Where the passage sets that layout 2 and 3 document sets refer to lie.
#[derive(Clone, Copy, Debug)]
pub(super) struct Parts {
    pub(super) groups_sec: usize,
    pub(super) data_sec: usize,
    pub(super) groups: u64,
}

/// In memory, for every entry of a level's band runs (in file order), the
/// 16 bits of its key that follow the directory bits ([`key_bits`]): a
/// band lookup scans its bucket here (about 64 entries, 128 bytes) and
/// reads from the file only the entries whose 16 bits match, about one in
/// a thousand of those that do not hold the key. Two bytes per band entry
/// (`bands × groups`), read from the band section on first use, once per
/// open segment: segment files never change.
#[derive(Default)]
pub(super) struct KeyTable {
    loaded: OnceLock<Box<[u16]>>,
    /// Held while loading, so that threads that need the table at once
    /// read the section once.
    loading: Mutex<()>,
}

impl std::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("entries", &self.loaded.get().map(|t| t.len()))
            .finish()
    }
}

impl KeyTable {
    /// Takes the table loaded by `other` (the same segment, opened before).
    pub(super) fn take_from(&mut self, other: &mut KeyTable) {
        if let Some(t) = other.loaded.take() {
            let _ = self.loaded.set(t);
        }
    }

    /// Whether the table is loaded.
    pub(super) fn is_loaded(&self) -> bool {
        self.loaded.get().is_some()
    }

    /// Bytes held in memory.
    pub(super) fn memory(&self) -> usize {
        self.loaded.get().map_or(0, |t| t.len() * 2)
    }
}

/// A run of band entries that may hold a key: entries `[start, start +
/// count)` of the band section (numbered from its start), in band `band`;
/// `hits` of them have the key's table bits (all of them for a run the
/// level's own [`KeyTable`] found; for a whole bucket that a
/// [`JointLevel`](super::joint::JointLevel) sent here, the count it found).
#[derive(Clone, Copy, Debug)]
struct Run {
    band: u32,
    start: u64,
    count: u32,
    hits: u32,
}

/// Scratch space of [`DiskLevel::matches`] and [`DiskLevel::identical`],
/// kept from one call to the next so that a lookup allocates nothing for a
/// segment where nothing matches.
#[derive(Debug, Default)]
pub(super) struct Probes {
    /// Per band: the bucket's first and end entry, and the key's 16 bits.
    buckets: Vec<(u64, u64, u16)>,
    runs: Vec<Run>,
    cands: Vec<u32>,
    buf: Vec<u8>,
}

/// Asks for the cache line holding `s[i]` ahead of its use (nothing if
/// `i` is out of range): a hint (`prefetcht0`) on x86-64, which does not
/// hold up the instructions after it; elsewhere a load of the value, kept
/// through `black_box`. Results never depend on it.
#[inline(always)]
pub(super) fn prefetch<T: Copy>(s: &[T], i: usize) {
    let Some(v) = s.get(i) else {
        return;
    };
    #[cfg(target_arch = "x86_64")]
    {
        #[allow(unsafe_code)]
        // SAFETY: `_mm_prefetch` needs only SSE, part of every x86-64 CPU,
        // and changes nothing the program can observe: a prefetch is a
        // hint that never faults (and `v` is a valid reference anyway).
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (v as *const T).cast(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    std::hint::black_box(*v);
}

/// Where the run of `want` starts in `sorted` and how long it is. The
/// values are uniform (bits of hashes), so the search starts where `want`
/// would lie if they were evenly spread and steps from there: one or two
/// steps, within the cache line first touched.
pub(super) fn equal_run(sorted: &[u16], want: u16) -> (usize, usize) {
    let mut i = (sorted.len() * want as usize) >> 16;
    while i > 0 && sorted[i - 1] >= want {
        i -= 1;
    }
    while i < sorted.len() && sorted[i] < want {
        i += 1;
    }
    let mut end = i;
    while end < sorted.len() && sorted[end] == want {
        end += 1;
    }
    (i, end - i)
}

/// The 16 bits of band key `key` that follow its top `bits` bits (those
/// that choose its directory bucket). Within a bucket, entries are sorted by
/// key, so these are sorted too.
pub(super) fn key_bits(key: u64, bits: u32) -> u16 {
    ((key << bits) >> 48) as u16
}

/// The stored data of a group: its set, or its signature.
pub(super) enum GroupData {
    Set(ShingleSet),
    Signature(Signature),
}

impl GroupData {
    /// What verification compares of the group whose record is `rec`.
    pub(super) fn evidence<'a>(&'a self, rec: &GroupRecord) -> Evidence<'a> {
        match self {
            GroupData::Set(set) => Evidence::Set(set),
            GroupData::Signature(sig) => Evidence::signature(sig, rec.len as usize),
        }
    }
}

impl DiskLevel {
    /// The record of group `g` (with its `end` from layout 2 on).
    pub(super) fn record(&self, r: &Reader, g: u32) -> Result<GroupRecord> {
        Ok(records_at(r, self.layout, self.groups_sec, g as u64, 1)?[0])
    }

    /// Every group record (with their `end`s from layout 2 on).
    pub(super) fn records(&self, r: &Reader) -> Result<Vec<GroupRecord>> {
        records_at(r, self.layout, self.groups_sec, 0, self.groups)
    }

    /// The set or signature of the group of `rec`, checked.
    pub(super) fn data(&self, r: &Reader, rec: &GroupRecord) -> Result<GroupData> {
        match self.verification {
            Verification::Exact if self.layout >= 2 => {
                let b = r.read(self.data_sec, rec.data, rec.end.saturating_sub(rec.data))?;
                let set = match self.parts {
                    Some(parts) => self.document_set(r, &b, rec, parts)?,
                    None => {
                        let mut v = Vec::new();
                        get_set(&b, rec.len as u64, &mut v).ok_or_else(|| self.bad_set(r))?;
                        v
                    }
                };
                Ok(GroupData::Set(ShingleSet::from_sorted(set)))
            }
            Verification::Exact => {
                let b = r.read(self.data_sec, rec.data, rec.len as u64 * 8)?;
                let v: Vec<u64> = b.chunks_exact(8).map(|c| le64(c, 0)).collect();
                if v.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(r.corrupt(format!(
                        "a set in section \"{}\" is not sorted",
                        SECTION_NAMES[self.data_sec]
                    )));
                }
                Ok(GroupData::Set(ShingleSet::from_sorted(v)))
            }
            _ => {
                let b = r.read(self.data_sec, rec.data, self.num_perm as u64 * 4)?;
                let v: Vec<u32> = b.chunks_exact(4).map(|c| le32(c, 0)).collect();
                Ok(GroupData::Signature(Signature::from_values(v)))
            }
        }
    }

    fn bad_set(&self, r: &Reader) -> crate::Error {
        r.corrupt(format!(
            "a set in section \"{}\" is not a valid code",
            SECTION_NAMES[self.data_sec]
        ))
    }

    /// A document's set (layouts 2 and 3) from its code `b`: the passage
    /// sets it refers to, read a run of consecutive groups at a time (their
    /// records in one read, their codes in another), and its residual.
    fn document_set(
        &self,
        r: &Reader,
        b: &[u8],
        rec: &GroupRecord,
        parts: Parts,
    ) -> Result<Vec<u64>> {
        let code =
            DocSetCode::decode(b, parts.groups, self.layout).ok_or_else(|| self.bad_set(r))?;
        let mut all = code.residual.clone();
        let runs = if self.layout <= 2 {
            // Layout 2: one range, some of it not referenced.
            match (code.refs.first(), code.refs.last()) {
                (Some(&lo), Some(&hi)) => vec![(lo, hi + 1 - lo)],
                _ => Vec::new(),
            }
        } else {
            code.runs()
        };
        let mut refs = code.refs.iter().peekable();
        for (first, count) in runs {
            let recs = records_at(r, self.layout, parts.groups_sec, first, count)?;
            let lo = recs[0].data;
            let hi = recs[recs.len() - 1].end;
            let bytes = r.read(parts.data_sec, lo, hi.saturating_sub(lo))?;
            for (i, p) in recs.iter().enumerate() {
                if refs.peek() != Some(&&(first + i as u64)) {
                    continue;
                }
                refs.next();
                let at = (p.data - lo) as usize..(p.end - lo) as usize;
                let before = all.len();
                get_set(&bytes[at], p.len as u64, &mut all).ok_or_else(|| {
                    r.corrupt(format!(
                        "a set in section \"{}\" is not a valid code",
                        SECTION_NAMES[parts.data_sec]
                    ))
                })?;
                if all.len() == before {
                    return Err(self.bad_set(r));
                }
            }
        }
        let set = union(all);
        if set.len() != rec.len as usize {
            return Err(r.corrupt(format!(
                "a set in section \"{}\" does not have the size its group record gives",
                SECTION_NAMES[self.data_sec]
            )));
        }
        Ok(set)
    }

    /// The [`KeyTable`], loaded now if it was not.
    fn table<'a>(&'a self, r: &Reader) -> Result<&'a [u16]> {
        if let Some(t) = self.table.loaded.get() {
            return Ok(t);
        }
        let _guard = self
            .table
            .loading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(t) = self.table.loaded.get() {
            return Ok(t);
        }
        // In chunks of whole entries, on this thread only: no parallel
        // work while the lock is held (a rayon thread that waits in a join
        // may run another lookup, which would wait for this lock).
        // `IndexFile::load_tables` loads the tables of all segments in
        // parallel instead.
        let total = self.groups * self.bands as u64;
        let chunk = (CHUNK * 8 / self.entries.width() as u64).max(1);
        let mut keys = Vec::with_capacity(total as usize);
        let mut at = 0;
        let mut bytes = Vec::new();
        while at < total {
            let n = chunk.min(total - at);
            let (lo, len) = self.entries.span(at, n);
            r.read_into(self.bands_sec, lo, len, &mut bytes)?;
            self.entries
                .table_bits_of(&bytes, at, n as usize, &mut keys);
            at += n;
        }
        let table: Box<[u16]> = keys.into_boxed_slice();
        let _ = self.table.loaded.set(table);
        Ok(self.table.loaded.get().expect("set just now"))
    }

    /// Appends to `out` the 40 kept bits of the key of every entry of band
    /// `band` (`Entries::full`, as the low 40 bits of a `u64`), in file
    /// order: ascending.
    pub(super) fn band_keys(&self, r: &Reader, band: usize, out: &mut Vec<u64>) -> Result<()> {
        let per_band = (1usize << self.bits) + 1;
        let Some(dir) = self.dir.get(band * per_band..(band + 1) * per_band) else {
            return Err(r.corrupt(format!(
                "no band {band} in section \"{}\"",
                SECTION_NAMES[self.bands_sec]
            )));
        };
        let base = band as u64 * self.groups;
        let chunk = (CHUNK * 8 / self.entries.width() as u64).max(1);
        let last = per_band - 2;
        let mut bucket = 0;
        let mut at = 0;
        let mut bytes = Vec::new();
        out.reserve(self.groups as usize);
        while at < self.groups {
            let n = chunk.min(self.groups - at);
            let (lo, len) = self.entries.span(base + at, n);
            r.read_into(self.bands_sec, lo, len, &mut bytes)?;
            for i in 0..n as usize {
                let entry = at + i as u64;
                // The directory is checked at open: ascending, ending at
                // `groups`; empty buckets are stepped over.
                while bucket < last && dir[bucket + 1] as u64 <= entry {
                    bucket += 1;
                }
                let (stored, _) = self.entries.get(&bytes, base + at, i);
                out.push(self.entries.full(stored, bucket) >> (64 - KEPT_KEY_BITS));
            }
            at += n;
        }
        Ok(())
    }

    /// Loads the [`KeyTable`] if it is not loaded yet.
    pub(super) fn load_table(&self, r: &Reader) -> Result<()> {
        self.table(r).map(|_| ())
    }

    /// The runs of table entries whose 16 bits match each of `keys`
    /// (one key per band, in band order) into `probes.runs`: a band whose
    /// bucket holds no such entry has no run, and nothing can match there.
    fn probe(&self, table: &[u16], keys: &[u64], probes: &mut Probes) {
        let per_band = (1usize << self.bits) + 1;
        let keys = &keys[..keys.len().min(self.bands)];
        // The buckets of all bands first, then each band's entry of the
        // table where the search will start prefetched: loads that do not
        // wait for one another, so the memory fetches overlap (a band's
        // bucket is random in a table of megabytes: each is a cache miss).
        // A prefetch rather than a load: it does not hold up the
        // instructions after it until its line arrives (about 5% more
        // queries per second at 300,000 articles; issuing the probes of
        // all items and segments together does not help: see
        // docs/BENCHMARKS.md, "Probes in parallel").
        // Small loops, so that many iterations (and their loads) are in
        // flight at once.
        let buckets = &mut probes.buckets;
        buckets.clear();
        buckets.extend(keys.iter().enumerate().map(|(band, &key)| {
            let d = band * per_band + bucket_of(key, self.bits);
            let at = band as u64 * self.groups;
            let lo = self.dir.get(d).map_or(0, |&v| v as u64);
            let hi = self.dir.get(d + 1).map_or(0, |&v| v as u64);
            (at + lo, at + hi.max(lo), key_bits(key, self.bits))
        }));
        for &(lo, hi, want) in buckets.iter() {
            prefetch(table, (lo + (((hi - lo) * want as u64) >> 16)) as usize);
        }
        probes.runs.clear();
        for (band, &(lo, hi, want)) in buckets.iter().enumerate() {
            if lo >= hi {
                continue;
            }
            // The entries whose 16 bits match (contiguous: sorted by key).
            let bucket = table.get(lo as usize..hi as usize).unwrap_or_default();
            let (first, count) = equal_run(bucket, want);
            if count > 0 {
                probes.runs.push(Run {
                    band: band as u32,
                    start: lo + first as u64,
                    count: count as u32,
                    hits: count as u32,
                });
            }
        }
    }

    /// Appends to `out` the groups of the entries of `run` whose key is
    /// `key` (read from the file).
    fn read_run(
        &self,
        r: &Reader,
        run: Run,
        key: u64,
        buf: &mut Vec<u8>,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        let (lo, len) = self.entries.span(run.start, run.count as u64);
        r.read_into(self.bands_sec, lo, len, buf)?;
        let key = self.entries.stored(key);
        for i in 0..run.count as usize {
            let (k, g) = self.entries.get(buf, run.start, i);
            if k == key {
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
        Ok(())
    }

    /// Groups that `verifier` matches with `item`, in group order, with
    /// their records and whether each is `item`'s own set: what
    /// `GroupIndex::matches` does in memory, on disk. `probes` is scratch
    /// space, reused from one call to the next.
    ///
    /// The candidates are the groups with an entry of `item`'s key in some
    /// band. When every band has a run of matching entries, the group
    /// holding `item`'s very set (if the level has one) is looked for first
    /// in one band's entries; it has `item`'s key in every band (band keys
    /// are a function of the set), so a band whose run holds a single
    /// entry holds that group's, and is not read. A query of a text the
    /// index holds then reads one band's entries instead of every band's.
    pub(super) fn matches(
        &self,
        r: &Reader,
        item: &IndexItem,
        verifier: &Verifier,
        probes: &mut Probes,
    ) -> Result<Vec<(u32, Similarity, GroupRecord, bool)>> {
        let table = self.table(r)?;
        self.probe(table, &item.keys, probes);
        self.matches_in_runs(r, item, verifier, probes)
    }

    /// [`matches`](DiskLevel::matches) for an item whose band keys another
    /// table ([`JointLevel`](super::joint::JointLevel)) looked up: `bands`
    /// lists, in band order, each band where this level may hold the key,
    /// with how many of its entries there have the key's 16 table bits
    /// (bands not listed hold no entry with the key). Each band's whole
    /// directory bucket is read; this level's [`KeyTable`] is not used.
    pub(super) fn matches_in_bands(
        &self,
        r: &Reader,
        item: &IndexItem,
        verifier: &Verifier,
        bands: &[(u32, u32)],
        probes: &mut Probes,
    ) -> Result<Vec<(u32, Similarity, GroupRecord, bool)>> {
        let per_band = (1usize << self.bits) + 1;
        probes.runs.clear();
        for &(band, hits) in bands {
            let Some(&key) = item.keys.get(band as usize) else {
                continue;
            };
            let d = band as usize * per_band + bucket_of(key, self.bits);
            let lo = self.dir.get(d).map_or(0, |&v| v as u64);
            let hi = self.dir.get(d + 1).map_or(0, |&v| v as u64).max(lo);
            if band as usize >= self.bands || hi == lo {
                continue;
            }
            probes.runs.push(Run {
                band,
                start: band as u64 * self.groups + lo,
                count: (hi - lo) as u32,
                hits,
            });
        }
        self.matches_in_runs(r, item, verifier, probes)
    }

    /// The rest of [`matches`](DiskLevel::matches), from the runs in
    /// `probes.runs`.
    fn matches_in_runs(
        &self,
        r: &Reader,
        item: &IndexItem,
        verifier: &Verifier,
        probes: &mut Probes,
    ) -> Result<Vec<(u32, Similarity, GroupRecord, bool)>> {
        let mut out = Vec::new();
        if probes.runs.is_empty() {
            return Ok(out);
        }
        let query = item.evidence(verifier);
        let Probes {
            runs, cands, buf, ..
        } = probes;
        cands.clear();
        let mut rest = &runs[..];
        // The group holding `item`'s set, its record and data.
        let mut own: Option<(u32, GroupRecord, GroupData)> = None;
        if runs.len() == self.bands.min(item.keys.len()) {
            let run = runs[0];
            self.read_run(r, run, item.keys[run.band as usize], buf, cands)?;
            rest = &runs[1..];
            for &g in cands.iter() {
                let rec = self.record(r, g)?;
                if rec.fingerprint != item.fingerprint {
                    continue;
                }
                let data = self.data(r, &rec)?;
                if data.evidence(&rec) == query {
                    own = Some((g, rec, data));
                    break;
                }
            }
        }
        for &run in rest {
            match &own {
                Some((g, _, _)) if run.hits == 1 => cands.push(*g),
                _ => self.read_run(r, run, item.keys[run.band as usize], buf, cands)?,
            }
        }
        cands.sort_unstable();
        cands.dedup();
        for &g in cands.iter() {
            let (sim, rec, identical) = match &own {
                Some((o, rec, data)) if *o == g => {
                    (verifier.similarity(data.evidence(rec), query), *rec, true)
                }
                _ => {
                    let rec = self.record(r, g)?;
                    let data = self.data(r, &rec)?;
                    let stored = data.evidence(&rec);
                    let identical = rec.fingerprint == item.fingerprint && stored == query;
                    (verifier.similarity(stored, query), rec, identical)
                }
            };
            if identical || verifier.accepts(&sim) {
                out.push((g, sim, rec, identical));
            }
        }
        Ok(out)
    }

    /// [`matches`](DiskLevel::matches) the plain way, for tests: every
    /// band's whole directory bucket read from the file, no table, every
    /// candidate read and verified.
    #[cfg(test)]
    pub(super) fn matches_naive(
        &self,
        r: &Reader,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Result<Vec<(u32, Similarity, GroupRecord, bool)>> {
        let per_band = (1usize << self.bits) + 1;
        let mut cands = Vec::new();
        for (band, &key) in item.keys.iter().take(self.bands).enumerate() {
            let d = band * per_band + bucket_of(key, self.bits);
            let (lo, hi) = (self.dir[d] as u64, self.dir[d + 1] as u64);
            let at = band as u64 * self.groups;
            let (start, len) = self.entries.span(at + lo, hi - lo);
            let bytes = r.read(self.bands_sec, start, len)?;
            for i in 0..(hi - lo) as usize {
                let (k, g) = self.entries.get(&bytes, at + lo, i);
                if k == self.entries.stored(key) {
                    cands.push(g);
                }
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let query = item.evidence(verifier);
        let mut out = Vec::new();
        for g in cands {
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
    pub(super) fn identical(
        &self,
        r: &Reader,
        item: &IndexItem,
        probes: &mut Probes,
    ) -> Result<Option<u32>> {
        let table = self.table(r)?;
        self.probe(table, &item.keys[..1.min(item.keys.len())], probes);
        let Probes {
            runs, cands, buf, ..
        } = probes;
        cands.clear();
        if let Some(&run) = runs.first() {
            self.read_run(r, run, item.keys[0], buf, cands)?;
        }
        for &g in cands.iter() {
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

/// The `count` group records from group `first` of the level whose records
/// are section `groups_sec`, with their `end`s in layout 2 (the record after
/// the last is read too, in the same read; the last group's data ends with
/// the data section). Offsets out of order are a damaged file.
pub(super) fn records_at(
    r: &Reader,
    layout: u32,
    groups_sec: usize,
    first: u64,
    count: u64,
) -> Result<Vec<GroupRecord>> {
    let total = r.len(groups_sec) / GROUP_LEN;
    let extra = (layout >= 2 && first + count < total) as u64;
    let b = r.read(groups_sec, first * GROUP_LEN, (count + extra) * GROUP_LEN)?;
    let mut recs: Vec<GroupRecord> = b
        .chunks_exact(GROUP_LEN as usize)
        .map(GroupRecord::decode)
        .collect();
    if layout >= 2 {
        // The data section follows the records' section.
        let data_len = r.len(groups_sec + 1);
        let mut end = if extra == 1 {
            recs.pop().map_or(data_len, |n| n.data)
        } else {
            data_len
        };
        for rec in recs.iter_mut().rev() {
            if rec.data > end {
                return Err(r.corrupt(format!(
                    "the data offsets in section \"{}\" are out of order",
                    SECTION_NAMES[groups_sec]
                )));
            }
            rec.end = end;
            end = rec.data;
        }
    }
    Ok(recs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_run_finds_what_a_plain_scan_finds() {
        let mut next = super::super::test_texts::xorshift(0x9E37_79B9_7F4A_7C15);
        for len in [0usize, 1, 2, 5, 64, 300] {
            for _ in 0..200 {
                // Few distinct values, so that runs of equal ones occur.
                let spread = if next().is_multiple_of(2) { 16 } else { 65_536 };
                let mut v: Vec<u16> = (0..len).map(|_| (next() % spread) as u16).collect();
                v.sort_unstable();
                for want in [0u16, 1, 7, 15, 16, 40_000, u16::MAX, next() as u16] {
                    let first = v.iter().filter(|&&x| x < want).count();
                    let count = v.iter().filter(|&&x| x == want).count();
                    assert_eq!(equal_run(&v, want), (first, count), "{v:?} {want}");
                }
            }
        }
    }

    #[test]
    fn key_bits_keep_the_order_of_keys_in_a_bucket() {
        for bits in [0u32, 1, 7, 14, 24] {
            let mut keys: Vec<u64> = (0..1000u64)
                .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .collect();
            keys.sort_unstable();
            for w in keys.windows(2) {
                if bucket_of(w[0], bits) == bucket_of(w[1], bits) {
                    assert!(key_bits(w[0], bits) <= key_bits(w[1], bits));
                }
            }
        }
        assert_eq!(key_bits(0xABCD_EF01_2345_6789, 0), 0xABCD);
        assert_eq!(key_bits(0xABCD_EF01_2345_6789, 8), 0xCDEF);
    }
}
