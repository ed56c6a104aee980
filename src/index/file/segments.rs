//! Committing to a version 2 index: new segment files, folds of small
//! segments into bigger ones (the merge policy), then a new manifest, and
//! the removal of files that no manifest lists any more.
//!
//! Every commit goes the same way: (1) write each new segment file
//! completely (a temporary file, synced, renamed, the folder synced); (2)
//! replace the manifest atomically the same way; (3) delete the segment
//! files that the new manifest no longer lists. A process killed before (2)
//! leaves the old manifest, which lists only old, intact files; killed
//! after it, the new one. What (1) wrote or (3) did not delete is removed by
//! the next writer ([`IndexFile::open_for_writing`]).
//!
//! A version 1 file is upgraded on its first change: it is linked (or
//! copied) into the segment folder as segment 1, since a segment is laid
//! out as a version 1 file, and the manifest then replaces it at its path.

use std::fs;
use std::io;
use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};

use super::copies::LiveCopies;
use super::format::SEGMENT_FORMAT_VERSION;
use super::manifest::{FIRST_MANIFEST_VERSION, Manifest, SegmentEntry, segment_path, segments_dir};
use super::open::open_segment_file;
use super::overlay::Overlay;
use super::stream::{stream_fold, streams};
use super::write::write_index;
use super::{IndexFile, Segment};
use crate::error::{Error, Result};

/// How many small segments a fold joins: at most `MERGE_FACTOR - 1`
/// segments of each size tier stay unfolded.
pub(super) const MERGE_FACTOR: usize = 8;

/// Segments of an older layout (1) with this many documents or more are
/// left alone by the policy (only [`IndexFile::optimize`] folds them): the
/// fold that rewrites them holds their sets in memory (about 20 KB per news
/// article: 1.27 GB peak RSS for a fold of 64,000). Segments of this
/// build's layout fold as a stream ([`stream_fold`]) at any size.
pub(super) const MAX_FOLD_DOCS: u64 = 32_768;

/// What a commit folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fold {
    /// What the merge policy asks for.
    Policy,
    /// Everything into one segment.
    All,
}

/// A segment of the index being committed: one already listed, or one
/// written by this commit.
enum Slot<'a> {
    Old(&'a Segment),
    New(Box<Segment>),
}

impl Deref for Slot<'_> {
    type Target = Segment;
    fn deref(&self) -> &Segment {
        match self {
            Slot::Old(s) => s,
            Slot::New(s) => s,
        }
    }
}

/// The size tier of a segment of `docs` documents: `log_F(docs)`.
fn tier(docs: u64) -> u32 {
    let mut t = 0;
    let mut n = docs.max(1);
    while n >= MERGE_FACTOR as u64 {
        n /= MERGE_FACTOR as u64;
        t += 1;
    }
    t
}

/// The merge policy: for the lowest tier `t` that has one, the first run
/// of consecutive segments (of `docs` documents each, in index order), all
/// foldable and of tier at most `t`, that holds `MERGE_FACTOR` segments of
/// tier `t` (smaller ones in between ride along); `None` when there is no
/// such run. After each fold the policy is asked again, so folds cascade
/// like the carries of a counter in base `MERGE_FACTOR` (an LSM tree's
/// tiered compaction): a document is rewritten about once per tier, and
/// at most `MERGE_FACTOR - 1` segments of each tier stay, about
/// `7 · log₈(documents / batch)` in all. Every segment is foldable but
/// those of an older layout with [`MAX_FOLD_DOCS`] documents or more
/// (`old_layout[i]`: segment `i` is of an older layout).
pub(super) fn next_fold(docs: &[u64], old_layout: &[bool]) -> Option<Range<usize>> {
    let foldable =
        |i: usize| !old_layout.get(i).copied().unwrap_or(false) || docs[i] < MAX_FOLD_DOCS;
    let mut tiers: Vec<u32> = (0..docs.len())
        .filter(|&i| foldable(i))
        .map(|i| tier(docs[i]))
        .collect();
    tiers.sort_unstable();
    tiers.dedup();
    for t in tiers {
        let (mut start, mut count) = (0, 0);
        for (i, &d) in docs.iter().enumerate() {
            if foldable(i) && tier(d) <= t {
                count += (tier(d) == t) as usize;
                if count == MERGE_FACTOR {
                    return Some(start..i + 1);
                }
            } else {
                start = i + 1;
                count = 0;
            }
        }
    }
    None
}

/// Folds `segments` (consecutive in `index`) into one segment file at
/// `target`, numbered `number`: the segment one build over their documents
/// would give, with the items of the documents in `removed` (ascending)
/// dropped (their ids stay, so document numbers hold), but for the passage
/// groups whose set has a live copy (`live_copies`, by the set's
/// fingerprint). Without removed documents among them, the first segment
/// is copied as it is and the others are added to it.
pub(super) fn fold_segments(
    index: &IndexFile,
    segments: &[impl Deref<Target = Segment>],
    removed: &[u32],
    live_copies: &LiveCopies<'_>,
    target: &Path,
    number: u64,
) -> Result<Segment> {
    let first = segments[0].base;
    if stream_fold(index.config(), segments, removed, live_copies, target)?.is_none() {
        return fold_segments_in_memory(index, segments, removed, live_copies, target, number);
    }
    open_segment_file(target, first, number)
}

/// [`fold_segments`] the old way, for segments of an older layout (and
/// tests): every set decoded, sketched again and held in an [`Overlay`]
/// (about 20 KB per news article).
pub(super) fn fold_segments_in_memory(
    index: &IndexFile,
    segments: &[impl Deref<Target = Segment>],
    removed: &[u32],
    live_copies: &LiveCopies<'_>,
    target: &Path,
    number: u64,
) -> Result<Segment> {
    let first = segments[0].base;
    let end = segments.last().map_or(first, |s| s.base + s.meta.docs);
    let lo = removed.partition_point(|&d| (d as u64) < first);
    let hi = removed.partition_point(|&d| (d as u64) < end);
    let dropping = lo < hi;
    let mut folded = Overlay::new(&index.dedup);
    // A segment of an older layout is rewritten, not copied.
    let copy = !dropping && segments[0].docs.layout == SEGMENT_FORMAT_VERSION;
    let base: Option<&Segment> = copy.then(|| &*segments[0]);
    let rest = if copy { &segments[1..] } else { segments };
    for other in rest {
        folded.absorb(
            &index.dedup,
            base,
            other,
            first,
            &removed[lo..hi],
            live_copies,
        )?;
    }
    write_index(target, index.config(), base, &folded)?;
    open_segment_file(target, first, number)
}

/// Links `from` at `to` (no copy of the data), or copies it where links are
/// not available; the copy is synced.
fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)?;
    fs::File::open(to)?.sync_all()
}

impl IndexFile {
    /// Commits a change: `overlay`'s documents as a new segment (if any),
    /// `remove` (ascending) added to the removed documents, folds as `fold`
    /// says; then reopens. Call with the write lock held and the stamp
    /// checked. On an error the manifest is as it was, and so is `self`.
    pub(super) fn commit_change(
        &mut self,
        overlay: Option<&Overlay>,
        remove: &[u32],
        fold: Fold,
    ) -> Result<()> {
        let path = self.path.clone();
        let dir = segments_dir(&path);
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let mut written: Vec<PathBuf> = Vec::new();
        let result = self.write_change(&path, overlay, remove, fold, &mut written);
        match result {
            Ok(replaced) => {
                // The new manifest is in place: the files it no longer lists
                // go (best effort: the next writer removes what is left).
                for p in replaced {
                    let _ = fs::remove_file(p);
                }
                let lock = self.lock.take();
                let reopened = IndexFile::open(&path);
                match reopened {
                    Ok(mut index) => {
                        index.keep_tables_of(self);
                        *self = index;
                        self.lock = lock;
                        Ok(())
                    }
                    Err(e) => {
                        self.lock = lock;
                        Err(e)
                    }
                }
            }
            Err(e) => {
                for p in written {
                    let _ = fs::remove_file(p);
                }
                Err(e)
            }
        }
    }

    /// Writes the new segments and the manifest (steps 1 and 2 of the
    /// module docs); returns the files to delete.
    fn write_change(
        &self,
        path: &Path,
        overlay: Option<&Overlay>,
        remove: &[u32],
        fold: Fold,
        written: &mut Vec<PathBuf>,
    ) -> Result<Vec<PathBuf>> {
        let config = self.config();
        let mut next = self.next_segment.max(1);
        let mut slots: Vec<Slot<'_>> = Vec::new();
        if self.version >= FIRST_MANIFEST_VERSION {
            slots.extend(self.segments.iter().map(Slot::Old));
        } else {
            // Upgrade: the version 1 file is the first segment.
            let target = segment_path(path, next);
            link_or_copy(path, &target).map_err(|e| Error::io("writing", &target, e))?;
            written.push(target.clone());
            slots.push(Slot::New(Box::new(open_segment_file(&target, 0, next)?)));
            next += 1;
        }
        if let Some(o) = overlay.filter(|o| !o.ids.is_empty()) {
            let target = segment_path(path, next);
            written.push(target.clone());
            write_index(&target, config, None, o)?;
            slots.push(Slot::New(Box::new(open_segment_file(
                &target, self.docs, next,
            )?)));
            next += 1;
        }
        let mut removed = self.removed.clone();
        removed.extend_from_slice(remove);
        removed.sort_unstable();
        removed.dedup();
        let mut replaced = Vec::new();
        // `optimize` rewrites a lone segment that holds removed documents'
        // data (once).
        let mut purge = fold == Fold::All && self.holds_removed_data(&removed)?;
        loop {
            let purge_now = std::mem::take(&mut purge);
            let range = match fold {
                // One segment of an older layout is rewritten in this one.
                Fold::All => (slots.len() > 1
                    || purge_now
                    || slots
                        .iter()
                        .any(|s| s.docs.layout != SEGMENT_FORMAT_VERSION))
                .then_some(0..slots.len()),
                Fold::Policy => {
                    let docs: Vec<u64> = slots.iter().map(|s| s.meta.docs).collect();
                    let old: Vec<bool> = slots.iter().map(|s| !streams(s.docs.layout)).collect();
                    next_fold(&docs, &old)
                }
            };
            let Some(range) = range else { break };
            let target = segment_path(path, next);
            written.push(target.clone());
            let first = slots[range.start].base;
            let live_copies = LiveCopies::new(slots.iter().map(|s| (s.base, &**s)), &removed);
            let segment = fold_segments(
                self,
                &slots[range.clone()],
                &removed,
                &live_copies,
                &target,
                next,
            )?;
            debug_assert_eq!(segment.base, first);
            next += 1;
            for s in slots.splice(range, [Slot::New(Box::new(segment))]) {
                if let Slot::Old(old) = s {
                    replaced.push(old.reader.path.clone());
                } else {
                    // Written by this commit and folded already.
                    let p = s.reader.path.clone();
                    written.retain(|w| *w != p);
                    replaced.push(p);
                }
            }
        }
        let manifest = Manifest {
            config: config.clone(),
            fingerprint: config.fingerprint()?,
            generation: self.generation + 1,
            next_segment: next,
            segments: slots
                .iter()
                .map(|s| SegmentEntry {
                    number: s.number,
                    base: s.base,
                    docs: s.meta.docs,
                    passages: s.meta.passages,
                    len: s.size,
                    checksum: s.checksum,
                })
                .collect(),
            removed,
        };
        manifest.write(path)?;
        Ok(replaced)
    }

    /// Removes the files in the segment folder that the manifest does not
    /// list: segments written or replaced by a writer that was killed, and
    /// temporary files. Only names a writer makes are touched. Call with
    /// the write lock held.
    pub(super) fn remove_orphans(&self) -> io::Result<usize> {
        let dir = segments_dir(&self.path);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let live: Vec<PathBuf> = if self.version >= FIRST_MANIFEST_VERSION {
            self.segments
                .iter()
                .map(|s| s.reader.path.clone())
                .collect()
        } else {
            Vec::new()
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(n) = name.to_str() else { continue };
            let ours = (n.ends_with(".seg")
                && n[..n.len() - 4].bytes().all(|b| b.is_ascii_digit()))
                || (n.starts_with('.') && n.contains(".seg.echodup-") && n.ends_with(".tmp"));
            if ours
                && !live.contains(&entry.path())
                && entry.file_type().is_ok_and(|t| t.is_file())
                && fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_folds_runs_of_small_segments_first() {
        assert_eq!(next_fold(&[10; 7], &[]), None);
        assert_eq!(next_fold(&[10; 8], &[]), Some(0..8));
        assert_eq!(
            next_fold(&[5000, 10, 10, 10, 10, 10, 10, 10, 10], &[]),
            Some(1..9)
        );
        // Tiers: 80 (2) folds before 8 × 700 (3) would.
        let mut docs = vec![700; 8];
        docs.extend([80; 8]);
        assert_eq!(next_fold(&docs, &[]), Some(8..16));
        // A bigger segment does not ride along with seven small ones; a
        // smaller one between eight of a tier does.
        assert_eq!(
            next_fold(&[8000, 1000, 1000, 1000, 1000, 1000, 1000, 1000], &[]),
            None
        );
        assert_eq!(
            next_fold(
                &[8000, 1000, 1000, 1000, 20, 1000, 1000, 1000, 1000, 1000],
                &[]
            ),
            Some(1..10)
        );
        // Big segments fold as small ones do (as a stream), but those of
        // an older layout, which only the in-memory fold rewrites.
        assert_eq!(next_fold(&[MAX_FOLD_DOCS; 9], &[]), Some(0..8));
        assert_eq!(next_fold(&[MAX_FOLD_DOCS; 9], &[true]), Some(1..9));
        assert_eq!(next_fold(&[MAX_FOLD_DOCS; 9], &[false, true]), None);
        assert_eq!(
            next_fold(
                &[MAX_FOLD_DOCS - 1, 9000, 9000, 9000, 9000, 9000, 9000, 9000],
                &[true]
            ),
            Some(0..8)
        );
    }

    #[test]
    fn the_count_of_segments_stays_logarithmic() {
        // 1,000 batches of 500 to 1,500 documents: fold as the policy says;
        // count what is rewritten.
        let mut segs: Vec<u64> = Vec::new();
        let (mut most, mut rewritten, mut total) = (0, 0u64, 0u64);
        let mut rng = 7u64;
        for _ in 0..1000 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let batch = 500 + (rng >> 33) % 1001;
            total += batch;
            segs.push(batch);
            while let Some(r) = next_fold(&segs, &[]) {
                let sum: u64 = segs[r.clone()].iter().sum();
                rewritten += sum;
                segs.splice(r, [sum]);
            }
            most = most.max(segs.len());
        }
        assert_eq!(segs.iter().sum::<u64>(), total);
        // At most 7 per tier (tiers 3 to 5 hold 500 to 1.5 M documents).
        assert!(most <= 3 * (MERGE_FACTOR - 1) + 1, "{most}: {segs:?}");
        // About once per tier above the batch's (3 tiers up to 1M, in base 8).
        assert!(rewritten <= 4 * total, "{rewritten} of {total}");
    }
}
