//! Lookups in one stored level (documents or passages) of an open index:
//! [`DiskLevel`] finds the groups that share a band key with an item
//! through the level's directory and band runs, reads their records and
//! data, and verifies them as the in-memory `Level` does.

use super::format::{BAND_ENTRY_LEN, GROUP_LEN, GroupRecord, SECTION_NAMES, bucket_of, le32, le64};
use super::read::Reader;
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
}

/// The stored data of a group: its set, or its signature.
pub(super) enum GroupData {
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

impl DiskLevel {
    /// The record of group `g`.
    fn record(&self, r: &Reader, g: u32) -> Result<GroupRecord> {
        let b = r.read(self.groups_sec, g as u64 * GROUP_LEN, GROUP_LEN)?;
        Ok(GroupRecord::decode(&b))
    }

    /// The set or signature of the group of `rec`, checked.
    pub(super) fn data(&self, r: &Reader, rec: &GroupRecord) -> Result<GroupData> {
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
    /// their records and whether each is `item`'s own set: what
    /// `GroupIndex::matches` does in memory, on disk.
    pub(super) fn matches(
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
    pub(super) fn identical(&self, r: &Reader, item: &IndexItem) -> Result<Option<u32>> {
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
