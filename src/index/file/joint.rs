//! One band table over all the segments of an open index, for queries.
//!
//! A query looks each of its items (the document and its passages) up in
//! every band of every segment: with `S` segments, `S` directory misses and
//! `S` key table misses per band, nearly all of them finding nothing (see
//! `docs/BENCHMARKS.md`, "Probes in parallel"). A [`JointLevel`] holds the
//! band entries of one level (documents or passages) of all segments in
//! one table per band, sorted by key, each entry with the 16 bits of its
//! key that follow the table's directory bits and the segment it is in. A
//! lookup then costs one directory miss and one table miss per band, and
//! goes on only to the segments that hold an entry with the item's key
//! bits in some band, reading there the band's directory bucket from the
//! segment file ([`DiskLevel::matches_in_bands`]). The answers are the
//! same: an entry with the item's band key has the item's key bits, so no
//! segment that holds a match is skipped.
//!
//! Three bytes per band entry (16 key bits and a segment number) against
//! the two of the segments' own [`KeyTable`](super::level::KeyTable)s,
//! which a query then does not load. Built on the first query of an index
//! opened with two segments or more (every segment's band sections read
//! once, the bands in parallel), and kept while the handle lives: segment
//! files never change, and a commit opens a new handle. Batches (writers)
//! keep probing segment by segment: each batch adds a segment, and
//! rebuilding the joint table for each would cost more than it saves.

use std::sync::{Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use super::format::{KEPT_KEY_BITS, bucket_of, dir_bits};
use super::level::{DiskLevel, equal_run, key_bits, prefetch};
use super::read::Reader;
use crate::error::Result;

/// Most segments a joint table covers: its segment numbers are bytes.
const MAX_SEGMENTS: usize = 256;

/// The band entries of one level of all segments, per band sorted by key.
pub(super) struct JointLevel {
    /// Bands of the level's banding.
    bands: usize,
    /// Directory bits.
    bits: u32,
    /// Entries per band: the groups of all segments.
    per: usize,
    /// Per band, `2^bits + 1` bucket starts (relative to the band).
    dir: Box<[u32]>,
    /// Per entry, the 16 bits of its key after the directory bits
    /// ([`key_bits`]), ascending within a bucket.
    fps: Box<[u16]>,
    /// Per entry, the segment (its position in the index's list) it is in.
    segs: Box<[u8]>,
}

/// Joint tables of both levels.
pub(super) struct Joint {
    pub(super) docs: JointLevel,
    pub(super) passages: JointLevel,
}

/// The joint tables of an open index: built on first use, or found not to
/// apply (one segment, more than [`MAX_SEGMENTS`], bandings that differ).
#[derive(Default)]
pub(super) struct JointSlot {
    loaded: OnceLock<Option<Joint>>,
    /// Held while building, so that threads that query at once build once.
    loading: Mutex<()>,
}

impl std::fmt::Debug for JointSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JointSlot")
            .field("bytes", &self.memory())
            .finish()
    }
}

impl JointSlot {
    /// The joint tables, if built.
    pub(super) fn get(&self) -> Option<&Joint> {
        self.loaded.get().and_then(Option::as_ref)
    }

    /// Builds the tables with `build` unless that was done; returns
    /// whether they apply. An error leaves the slot unsettled.
    pub(super) fn settle(&self, build: impl FnOnce() -> Result<Option<Joint>>) -> Result<bool> {
        if let Some(j) = self.loaded.get() {
            return Ok(j.is_some());
        }
        let _guard = self.loading.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(j) = self.loaded.get() {
            return Ok(j.is_some());
        }
        let joint = build()?;
        let applies = joint.is_some();
        let _ = self.loaded.set(joint);
        Ok(applies)
    }

    /// Bytes held in memory.
    pub(super) fn memory(&self) -> usize {
        self.get()
            .map_or(0, |j| j.docs.memory() + j.passages.memory())
    }
}

/// Scratch space of [`JointLevel::probe`], kept between calls.
#[derive(Debug, Default)]
pub(super) struct JointProbes {
    /// Per band: the bucket's first and end entry, and the key's 16 bits.
    buckets: Vec<(usize, usize, u16)>,
    /// `(segment, band)` of each entry with the key's bits.
    hits: Vec<(u8, u32)>,
    /// Per band of the segment at hand: the band and its entries.
    pub(super) bands: Vec<(u32, u32)>,
}

impl JointLevel {
    /// The joint table of `levels` (one level of each segment, in segment
    /// order, with the segment's reader), or `None` where it does not
    /// apply: more than [`MAX_SEGMENTS`] segments, bandings with different
    /// numbers of bands, or more than `u32::MAX` entries in a band.
    pub(super) fn build(levels: &[(&DiskLevel, &Reader)]) -> Result<Option<JointLevel>> {
        let Some(&(first, _)) = levels.first() else {
            return Ok(None);
        };
        let bands = first.bands;
        let per: u64 = levels.iter().map(|(l, _)| l.groups).sum();
        if levels.len() > MAX_SEGMENTS
            || levels.iter().any(|(l, _)| l.bands != bands)
            || per > u32::MAX as u64
        {
            return Ok(None);
        }
        let per = per as usize;
        let bits = dir_bits(per as u64);
        let per_band = (1usize << bits) + 1;
        let mut dir = vec![0u32; bands * per_band].into_boxed_slice();
        let mut fps = vec![0u16; bands * per].into_boxed_slice();
        let mut segs = vec![0u8; bands * per].into_boxed_slice();
        if per > 0 {
            // The bands in as many runs as there are threads, each run with
            // one scratch space: a band's scratch is tens of megabytes at
            // 1M articles, and new memory for each band cost more than the
            // work on a virtual machine (`docs/BENCHMARKS.md`).
            let run = bands.div_ceil(rayon::current_num_threads().max(1)).max(1);
            dir.par_chunks_mut(per_band * run)
                .zip(fps.par_chunks_mut(per * run))
                .zip(segs.par_chunks_mut(per * run))
                .enumerate()
                .try_for_each(|(r, ((dir, fps), segs))| {
                    let mut scratch = (Vec::new(), Vec::new());
                    for (i, ((dir, fps), segs)) in dir
                        .chunks_mut(per_band)
                        .zip(fps.chunks_mut(per))
                        .zip(segs.chunks_mut(per))
                        .enumerate()
                    {
                        fill_band(levels, r * run + i, bits, dir, fps, segs, &mut scratch)?;
                    }
                    Ok::<(), crate::Error>(())
                })?;
        }
        Ok(Some(JointLevel {
            bands,
            bits,
            per,
            dir,
            fps,
            segs,
        }))
    }

    /// Bytes held in memory.
    fn memory(&self) -> usize {
        self.dir.len() * 4 + self.fps.len() * 3
    }

    /// Looks up `keys` (one per band, in band order): into `probes.hits`,
    /// sorted, the `(segment, band)` of every entry with a key's 16 bits
    /// in its bucket. A segment and band not listed hold no entry with the
    /// key.
    pub(super) fn probe(&self, keys: &[u64], probes: &mut JointProbes) {
        let per_band = (1usize << self.bits) + 1;
        let keys = &keys[..keys.len().min(self.bands)];
        // As `DiskLevel::probe`: every band's bucket first, then the
        // entries where each search starts prefetched, so that the memory
        // fetches overlap.
        probes.buckets.clear();
        probes
            .buckets
            .extend(keys.iter().enumerate().map(|(band, &key)| {
                let d = band * per_band + bucket_of(key, self.bits);
                let at = band * self.per;
                let lo = self.dir.get(d).map_or(0, |&v| v as usize);
                let hi = self.dir.get(d + 1).map_or(0, |&v| v as usize);
                (at + lo, at + hi.max(lo), key_bits(key, self.bits))
            }));
        for &(lo, hi, want) in &probes.buckets {
            prefetch(&self.fps, lo + (((hi - lo) * want as usize) >> 16));
        }
        probes.hits.clear();
        for (band, &(lo, hi, want)) in probes.buckets.iter().enumerate() {
            if lo >= hi {
                continue;
            }
            let bucket = self.fps.get(lo..hi).unwrap_or_default();
            let (first, count) = equal_run(bucket, want);
            let segs = self.segs.get(lo + first..lo + first + count);
            for &s in segs.unwrap_or_default() {
                probes.hits.push((s, band as u32));
            }
        }
        // In band order: already grouped when one segment holds them all
        // (an indexed article's passage).
        if !probes.hits.is_sorted() {
            probes.hits.sort_unstable();
        }
    }

    /// After [`probe`](JointLevel::probe): the segments with hits, in
    /// order, each with its bands and their hit counts in `probes.bands`
    /// when `each` is called with the segment.
    pub(super) fn for_each_segment<E>(
        probes: &mut JointProbes,
        mut each: impl FnMut(usize, &[(u32, u32)]) -> std::result::Result<bool, E>,
    ) -> std::result::Result<(), E> {
        let JointProbes { hits, bands, .. } = probes;
        let mut i = 0;
        while i < hits.len() {
            let seg = hits[i].0;
            bands.clear();
            while i < hits.len() && hits[i].0 == seg {
                let band = hits[i].1;
                match bands.last_mut() {
                    Some((b, n)) if *b == band => *n += 1,
                    _ => bands.push((band, 1)),
                }
                i += 1;
            }
            if !each(seg as usize, bands)? {
                break;
            }
        }
        Ok(())
    }
}

/// Fills band `band` of a joint table: its directory `dir` (bucket
/// starts), key bits `fps` and segments `segs`, from the band's entries in
/// every level of `levels`. `scratch` is reused from band to band.
fn fill_band(
    levels: &[(&DiskLevel, &Reader)],
    band: usize,
    bits: u32,
    dir: &mut [u32],
    fps: &mut [u16],
    segs: &mut [u8],
    (keys, placed): &mut (Vec<u64>, Vec<u32>),
) -> Result<()> {
    let buckets = 1usize << bits;
    // The 40 kept bits of each key; then a counting sort by bucket.
    keys.clear();
    let mut ends = Vec::with_capacity(levels.len());
    for (level, reader) in levels {
        level.band_keys(reader, band, keys)?;
        ends.push(keys.len());
    }
    let bucket = |k: u64| bucket_of(k << (64 - KEPT_KEY_BITS), bits);
    let key16 = |k: u64| key_bits(k << (64 - KEPT_KEY_BITS), bits);
    let mut counts = vec![0u32; buckets + 1];
    for &k in keys.iter() {
        counts[bucket(k) + 1] += 1;
    }
    for b in 0..buckets {
        counts[b + 1] += counts[b];
    }
    dir.copy_from_slice(&counts);
    // Each entry as its 16 key bits over its segment, placed in its bucket.
    placed.clear();
    placed.resize(keys.len(), 0);
    let mut start = 0;
    for (seg, &end) in ends.iter().enumerate() {
        for &k in &keys[start..end] {
            let b = bucket(k);
            placed[counts[b] as usize] = (key16(k) as u32) << 8 | seg as u32;
            counts[b] += 1;
        }
        start = end;
    }
    for b in 0..buckets {
        let bucket = &mut placed[dir[b] as usize..dir[b + 1] as usize];
        bucket.sort_unstable();
    }
    for ((fp, seg), &v) in fps.iter_mut().zip(segs.iter_mut()).zip(placed.iter()) {
        *fp = (v >> 8) as u16;
        *seg = v as u8;
    }
    Ok(())
}
