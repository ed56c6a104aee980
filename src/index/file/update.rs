//! Changing indexes: [`IndexFile::stage_batch`] and
//! [`IndexFile::commit_batch`] (and [`IndexFile::add_batch`], the two in a
//! row) add documents, [`IndexFile::remove`] removes some,
//! [`IndexFile::optimize`] folds all segments into one, and
//! [`IndexFile::merge`] joins indexes. Each commit goes through
//! `segments.rs`.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::codec::config_mismatch;
use super::copies::LiveCopies;
use super::format::SEGMENT_FORMAT_VERSION;
use super::format::{ID_HASH_LEN, ID_SEED, le32, le64, sec};
use super::lock::{Stamp, WriteLock};
use super::manifest::{FIRST_MANIFEST_VERSION, MANIFEST_VERSION, Manifest, segments_dir};
use super::overlay::{BaseLookup, Combined, Overlay};
use super::segments::Fold;
use super::{IndexFile, IndexInfo};
use crate::analyze::AnalyzedDocument;
use crate::corpus::DocId;
use crate::error::{Error, Result};
use crate::index::{Prepared, Verdict};

/// What [`IndexFile::stage_batch`] does with a document whose id the index
/// already holds (or that an earlier document of the same batch has).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnExistingId {
    /// Refuse the whole batch with
    /// [`ErrorKind::DuplicateId`](crate::ErrorKind::DuplicateId) naming the
    /// id (the default: nothing is added).
    #[default]
    Refuse,
    /// Leave the document out (it is listed in
    /// [`StagedBatch::skipped`]) and add the others: re-running a batch that
    /// was partly added before adds the rest.
    Skip,
    /// Remove the document already present (see [`IndexFile::remove`]) and
    /// add the new one, which gets a new [`DocId`]; the new one is checked
    /// against the index without the old one. Of an id repeated in the
    /// batch, the last copy stays.
    Replace,
}

/// A batch checked against an index and ready to be added: its verdicts,
/// and the documents left out. Nothing is written until
/// [`IndexFile::commit_batch`]; dropping it leaves the index as it was.
///
/// This is how a caller keeps the promise "report, then commit": write the
/// report of [`verdicts`](StagedBatch::verdicts) in full, and commit only
/// once that succeeded, so that a report lost to a full disk or a closed
/// pipe leaves the index as it was and the batch can be run again.
#[derive(Debug)]
pub struct StagedBatch {
    overlay: Overlay,
    verdicts: Vec<Verdict>,
    skipped: Vec<usize>,
    /// Documents it removes ([`OnExistingId::Replace`]), ascending.
    replaced: Vec<u32>,
    /// The index file it was checked against.
    path: PathBuf,
    stamp: Stamp,
}

impl StagedBatch {
    /// One verdict per document to be added, in input order (skipped
    /// documents have none); each carries the [`DocId`] the document gets.
    pub fn verdicts(&self) -> &[Verdict] {
        &self.verdicts
    }

    /// Positions in the input of the documents left out under
    /// [`OnExistingId::Skip`], ascending.
    pub fn skipped(&self) -> &[usize] {
        &self.skipped
    }

    /// Documents it removes, replaced by new ones under
    /// [`OnExistingId::Replace`], ascending.
    pub fn replaced(&self) -> Vec<DocId> {
        self.replaced.iter().map(|&d| DocId::new(d)).collect()
    }

    /// Documents to be added.
    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    /// Whether no document is to be added.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }
}

impl IndexFile {
    /// Checks each document of `docs` against the index and the documents
    /// before it in the batch, adds them all, and saves the index. The
    /// verdicts are those that [`DedupIndex::add`](crate::DedupIndex::add)
    /// would give for the same documents, and carry each document's new
    /// [`DocId`].
    ///
    /// The same as [`stage_batch`](IndexFile::stage_batch) with
    /// [`OnExistingId::Refuse`], then [`commit_batch`](IndexFile::commit_batch).
    /// The file is replaced atomically (see the [module docs](crate::index::file)): if
    /// this fails, or the process dies, the index on disk is the one before
    /// the batch, and so is `self`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DuplicateId`](crate::ErrorKind::DuplicateId) naming an id
    /// already in the index or given twice in the batch;
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) past `u32::MAX - 1`
    /// documents or passages; [`ErrorKind::Format`](crate::ErrorKind::Format)
    /// if a block read is damaged; [`ErrorKind::Io`](crate::ErrorKind::Io);
    /// the errors of [`commit_batch`](IndexFile::commit_batch).
    pub fn add_batch<I, S, T>(&mut self, docs: I) -> Result<Vec<Verdict>>
    where
        I: IntoIterator<Item = (S, T)>,
        S: Into<String>,
        T: AsRef<str> + Sync,
    {
        let batch = self.stage_batch(docs, OnExistingId::Refuse)?;
        self.commit_batch(batch)
    }

    /// Checks each document of `docs` against the index and the documents
    /// before it in the batch, as [`add_batch`](IndexFile::add_batch) does,
    /// but writes nothing: [`commit_batch`](IndexFile::commit_batch) adds
    /// the result. `on_existing` says what to do with ids already present.
    ///
    /// # Errors
    ///
    /// As [`add_batch`](IndexFile::add_batch), but never a conflict.
    pub fn stage_batch<I, S, T>(&self, docs: I, on_existing: OnExistingId) -> Result<StagedBatch>
    where
        I: IntoIterator<Item = (S, T)>,
        S: Into<String>,
        T: AsRef<str> + Sync,
    {
        let mut docs: Vec<(String, T)> = docs.into_iter().map(|(i, t)| (i.into(), t)).collect();
        let (keep, mut replaced) =
            self.check_new_ids(docs.iter().map(|(id, _)| id.as_str()), on_existing)?;
        let skipped: Vec<usize> = (0..docs.len()).filter(|&i| !keep[i]).collect();
        if !skipped.is_empty() {
            let mut at = 0;
            docs.retain(|_| {
                at += 1;
                keep[at - 1]
            });
        }
        let limit = u32::MAX as u64 - 1;
        if self.docs + docs.len() as u64 > limit {
            return Err(Error::capacity("documents", limit));
        }
        // Documents replaced are checked against no more.
        let mut hidden = self.removed.clone();
        hidden.extend_from_slice(&replaced);
        hidden.sort_unstable();
        let analyzed: Vec<(AnalyzedDocument, Prepared)> = docs
            .par_iter()
            .map(|(_, text)| {
                let doc = self.dedup.analyzer().analyze(text.as_ref());
                let prepared = crate::index::prepare(&self.dedup, &doc);
                (doc, prepared)
            })
            .collect();
        let passages: u64 = analyzed.iter().map(|(_, p)| p.passages.len() as u64).sum();
        if self.passages + passages > limit {
            return Err(Error::capacity("passages", limit));
        }
        // Lookups in the segments do not depend on the batch: all of them in
        // parallel first, then the documents in order against the batch.
        self.load_tables()?;
        let lookups: Vec<BaseLookup> = analyzed
            .par_iter()
            .map(|(_, prepared)| self.lookup(prepared, &hidden))
            .collect::<Result<_>>()?;
        let mut overlay = Overlay::for_segment(&self.dedup, self.docs);
        let mut verdicts = Vec::with_capacity(docs.len());
        // Replace: of an id repeated in the batch, the earlier copies are
        // removed once the batch is in.
        let ids: Vec<String> = docs.iter().map(|(id, _)| id.clone()).collect();
        let mut last: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for (((id, _), (doc, prepared)), lookup) in docs.into_iter().zip(analyzed).zip(lookups) {
            let mut verdict = crate::index::check(
                &Combined {
                    base: Some(self),
                    overlay: &overlay,
                    pre: Some((&prepared, &lookup)),
                    hidden: &hidden,
                },
                &self.dedup,
                &doc,
                &prepared,
            )?;
            let doc_id = DocId::new((self.docs + overlay.ids.len() as u64) as u32);
            verdict.set_doc(doc_id);
            overlay.add(id, doc_id, prepared, &lookup)?;
            verdicts.push(verdict);
        }
        if on_existing == OnExistingId::Replace {
            for (k, id) in ids.iter().enumerate() {
                let d = (self.docs + k as u64) as u32;
                if let Some(earlier) = last.insert(id.as_str(), d) {
                    replaced.push(earlier);
                }
            }
            replaced.sort_unstable();
        }
        Ok(StagedBatch {
            overlay,
            verdicts,
            skipped,
            replaced,
            path: self.path.clone(),
            stamp: self.stamp,
        })
    }

    /// Adds a batch staged by [`stage_batch`](IndexFile::stage_batch) on
    /// this index, replacing the file atomically, and returns its verdicts.
    /// Without the write lock of
    /// [`open_for_writing`](IndexFile::open_for_writing), takes it for the
    /// commit. On any error the index on disk and `self` are as they were.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) if another writer
    /// holds the lock (naming it), if the index file was replaced since this
    /// handle opened it (another writer committed: reopen and stage again),
    /// or if `batch` was staged on another index or an older state of this
    /// one; [`ErrorKind::Io`](crate::ErrorKind::Io) if the new file cannot
    /// be written; errors of [`open`](IndexFile::open) when reopening.
    pub fn commit_batch(&mut self, batch: StagedBatch) -> Result<Vec<Verdict>> {
        if batch.path != self.path || batch.stamp != self.stamp {
            return Err(Error::about(
                crate::ErrorKind::Conflict,
                &self.path,
                "the batch was staged on another index, or on an older state of this one; \
                 stage it again",
            ));
        }
        if batch.verdicts.is_empty() && batch.replaced.is_empty() {
            return Ok(batch.verdicts);
        }
        let _held = self.lock_for_commit()?;
        self.commit_change(Some(&batch.overlay), &batch.replaced, Fold::Policy)?;
        Ok(batch.verdicts)
    }

    /// The write lock for a commit (`None` if `self` holds it already),
    /// once the index is known not to have changed since it was opened.
    fn lock_for_commit(&self) -> Result<Option<WriteLock>> {
        let held = match self.lock {
            Some(_) => None,
            None => Some(WriteLock::acquire(&self.path)?),
        };
        let now = Stamp::now(&self.path).map_err(|e| Error::io("reading", &self.path, e))?;
        if now != self.stamp {
            return Err(Error::about(
                crate::ErrorKind::Conflict,
                &self.path,
                "another writer changed the index since it was opened here; reopen it and \
                 try again",
            ));
        }
        Ok(held)
    }

    /// Removes the documents with the ids `ids`, and returns the ids that
    /// were not in the index (nothing to remove). A removed document is
    /// never reported again: not as a duplicate, not as the earliest copy
    /// of a passage, not by [`find`](IndexFile::find); its id may be added
    /// again. Its [`DocId`] is not reused, and [`doc_id`](IndexFile::doc_id)
    /// still names it. The removal is a tombstone in the manifest; the
    /// document's data stays in its segment file until a fold of the merge
    /// policy, [`optimize`](IndexFile::optimize) or
    /// [`merge`](IndexFile::merge) writes that segment anew without it
    /// (its id stays, so that document numbers hold).
    ///
    /// A passage shared (as the same shingle set) with an earlier document
    /// is stored once, as the earliest copy, and its later copies are
    /// recorded: once the document with the earliest copy is removed,
    /// queries answer with the earliest copy left (copies in segments
    /// written before format version 5 were not recorded and stay
    /// unknown).
    ///
    /// # Errors
    ///
    /// As [`commit_batch`](IndexFile::commit_batch).
    pub fn remove<I, S>(&mut self, ids: I) -> Result<Vec<String>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut docs = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match self.find(id.as_ref())? {
                Some(d) => docs.push(d.as_u32()),
                None => missing.push(id.as_ref().to_string()),
            }
        }
        docs.sort_unstable();
        docs.dedup();
        if !docs.is_empty() {
            let _held = self.lock_for_commit()?;
            self.commit_change(None, &docs, Fold::Policy)?;
        }
        Ok(missing)
    }

    /// Folds every segment into one, as one build over the documents would
    /// have written it, in this build's segment layout (an index of an
    /// older version is upgraded to this one), without the data of removed
    /// documents. Queries then read one segment. An index that is one
    /// segment of this layout holding no removed document's data is left
    /// as it is.
    ///
    /// # Errors
    ///
    /// As [`commit_batch`](IndexFile::commit_batch).
    pub fn optimize(&mut self) -> Result<()> {
        if self.version == MANIFEST_VERSION
            && self.segments.len() <= 1
            && self
                .segments
                .iter()
                .all(|s| s.docs.layout == SEGMENT_FORMAT_VERSION)
            && !self.holds_removed_data(&self.removed)?
        {
            return Ok(());
        }
        let _held = self.lock_for_commit()?;
        self.commit_change(None, &[], Fold::All)
    }

    /// Whether a segment still holds data of a document in `removed`
    /// (ascending): the document is a member of a document group, or a
    /// passage copy is in it (a fold drops both; every document with an
    /// item is a member of a group, and one without has no passages). A
    /// passage group kept for its copies after its first passage's removal
    /// is dropped by the fold that drops its last copy.
    pub(super) fn holds_removed_data(&self, removed: &[u32]) -> Result<bool> {
        for seg in &self.segments {
            let (lo, hi) = (seg.base, seg.base + seg.meta.docs);
            let a = removed.partition_point(|&d| (d as u64) < lo);
            let b = removed.partition_point(|&d| (d as u64) < hi);
            if a == b {
                continue;
            }
            let removed = &removed[a..b];
            let gone = |local: u32| {
                removed
                    .binary_search(&((seg.base + local as u64) as u32))
                    .is_ok()
            };
            let r = &seg.reader;
            let raw = r.read(sec::DOC_MEMBERS, 0, r.len(sec::DOC_MEMBERS))?;
            if raw.chunks_exact(4).any(|c| gone(le32(c, 0)))
                || seg.copies()?.iter().any(|c| gone(c.doc))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Which of `ids` to add, and which documents they replace. Under
    /// [`OnExistingId::Refuse`], an error names an id already in the index
    /// or repeated among `ids`; under `Skip` those are `false`; under
    /// `Replace` all are added, and the live documents with those ids are
    /// returned (ascending).
    pub(super) fn check_new_ids<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
        on_existing: OnExistingId,
    ) -> Result<(Vec<bool>, Vec<u32>)> {
        let mut hashes: Vec<(u64, u32)> = Vec::new();
        for seg in &self.segments {
            let r = &seg.reader;
            let raw = r.read(sec::ID_HASHES, 0, r.len(sec::ID_HASHES))?;
            hashes.extend(
                raw.chunks_exact(ID_HASH_LEN as usize)
                    .map(|e| (le64(e, 0), (seg.base + le32(e, 8) as u64) as u32)),
            );
        }
        hashes.sort_unstable();
        let mut seen = HashSet::new();
        let mut keep = Vec::new();
        let mut replaced = Vec::new();
        for id in ids {
            if !seen.insert(id) {
                match on_existing {
                    OnExistingId::Skip => {
                        keep.push(false);
                        continue;
                    }
                    OnExistingId::Replace => {
                        keep.push(true);
                        continue;
                    }
                    OnExistingId::Refuse => {
                        return Err(Error::duplicate_id(
                            &self.path,
                            format!("document id \"{id}\" is given twice in the batch"),
                        ));
                    }
                }
            }
            let h = xxh3_64(id.as_bytes()) ^ ID_SEED;
            let start = hashes.partition_point(|&(x, _)| x < h);
            let mut present = None;
            for &(x, doc) in &hashes[start..] {
                if x != h {
                    break;
                }
                let doc = DocId::new(doc);
                if !self.is_removed(doc) && self.doc_id(doc)? == id {
                    present = Some(doc.as_u32());
                    break;
                }
            }
            match (present, on_existing) {
                (None, _) => keep.push(true),
                (Some(_), OnExistingId::Refuse) => {
                    return Err(Error::duplicate_id(
                        &self.path,
                        format!("document id \"{id}\" is already in the index"),
                    ));
                }
                (Some(_), OnExistingId::Skip) => keep.push(false),
                (Some(d), OnExistingId::Replace) => {
                    keep.push(true);
                    replaced.push(d);
                }
            }
        }
        replaced.sort_unstable();
        Ok((keep, replaced))
    }

    /// Merges the indexes `inputs` (at least one) into a new index at `out`:
    /// the documents of the first input, then those of the second, and so
    /// on, in one segment. Its segment is the one that adding all their
    /// documents, in that order, to one index and then
    /// [`optimize`](IndexFile::optimize) would give, byte for byte. Removed
    /// documents stay removed.
    ///
    /// `out` is replaced atomically if it exists and may not be one of the
    /// inputs.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible) naming the
    /// input and the first parameter that differs from the first input's;
    /// [`ErrorKind::DuplicateId`](crate::ErrorKind::DuplicateId) naming an id
    /// found (not removed) in two inputs; [`ErrorKind::Io`](crate::ErrorKind::Io)
    /// if `out` is an input or there is no input;
    /// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) if a writer holds
    /// `out`; errors of [`open`](IndexFile::open).
    pub fn merge<P: AsRef<Path>>(out: impl AsRef<Path>, inputs: &[P]) -> Result<IndexInfo> {
        let out = out.as_ref();
        let Some(first) = inputs.first() else {
            return Err(Error::about(
                crate::ErrorKind::Io,
                out,
                "nothing to merge: no input index",
            ));
        };
        let out_real = fs::canonicalize(out).ok();
        for p in inputs {
            if out_real.is_some() && fs::canonicalize(p.as_ref()).ok() == out_real {
                return Err(Error::about(
                    crate::ErrorKind::Io,
                    out,
                    "the merge output is also an input; refusing to overwrite it",
                ));
            }
        }
        let _lock = WriteLock::acquire(out)?;
        let first = IndexFile::open(first)?;
        let mut opened = vec![first];
        for p in &inputs[1..] {
            let other = IndexFile::open(p)?;
            if let Some(m) = config_mismatch(other.config(), opened[0].config())? {
                return Err(Error::incompatible(
                    other.path(),
                    format!(
                        "cannot merge with {}: {}",
                        opened[0].path().display(),
                        m.replace(" configured", " there")
                    ),
                ));
            }
            opened.push(other);
        }
        // Ids: no live id in two inputs.
        let mut seen: HashSet<String> = HashSet::new();
        for index in &opened {
            for d in 0..index.docs {
                let doc = DocId::new(d as u32);
                if index.is_removed(doc) {
                    continue;
                }
                let id = index.doc_id(doc)?;
                if !seen.insert(id.clone()) {
                    return Err(Error::duplicate_id(
                        index.path(),
                        format!("document id \"{id}\" is in an earlier input too (cannot merge)"),
                    ));
                }
            }
        }
        let mut removed = Vec::new();
        let mut offset = 0u64;
        for index in &opened {
            removed.extend(index.removed.iter().map(|&d| (d as u64 + offset) as u32));
            offset += index.docs;
        }
        let segments: Vec<&super::Segment> = opened.iter().flat_map(|i| &i.segments).collect();
        write_merged(out, &opened[0], &segments, removed)?;
        Ok(IndexFile::open(out)?.info())
    }
}

/// Writes a version 2 index at `out` (replacing what is there) whose one
/// segment holds `segments` folded, in order, and whose removed documents
/// are `removed`; `first` gives the configuration.
fn write_merged(
    out: &Path,
    first: &IndexFile,
    segments: &[&super::Segment],
    removed: Vec<u32>,
) -> Result<()> {
    let dir = segments_dir(out);
    fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
    // Segment numbers after those of an index already at `out`.
    let next = match IndexFile::open(out) {
        Ok(old) if old.version >= FIRST_MANIFEST_VERSION => old.next_segment,
        _ => 1,
    }
    .max(1);
    let existing: Vec<u64> = fs::read_dir(&dir)
        .map_err(|e| Error::io("reading", &dir, e))?
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            n.strip_suffix(".seg")?.parse::<u64>().ok()
        })
        .collect();
    let number = existing
        .iter()
        .copied()
        .max()
        .map_or(next, |m| next.max(m + 1));
    let target = super::manifest::segment_path(out, number);
    let entries = match segments.split_first() {
        None => Vec::new(),
        Some((base, rest)) => {
            // Documents are numbered from 0 in the output, as in `removed`;
            // with removed documents, nothing is copied as it is.
            let mut overlay = Overlay::new(&first.dedup);
            // A segment of an older layout is rewritten, not copied.
            let (base, rest) = if removed.is_empty() && base.docs.layout == SEGMENT_FORMAT_VERSION {
                (Some(*base), rest)
            } else {
                (None, segments)
            };
            // Documents numbered in the output: the segments' one after
            // the other.
            let mut bases = Vec::with_capacity(segments.len());
            let mut at = 0u64;
            for seg in segments {
                bases.push((at, *seg));
                at += seg.meta.docs;
            }
            let live_copies = LiveCopies::new(bases.iter().copied(), &removed);
            for other in rest {
                overlay.absorb(&first.dedup, base, other, 0, &removed, &live_copies)?;
            }
            super::write::write_index(&target, first.config(), base, &overlay)?;
            let seg = super::open::open_segment_file(&target, 0, number)?;
            vec![super::manifest::SegmentEntry {
                number,
                base: 0,
                docs: seg.meta.docs,
                passages: seg.meta.passages,
                len: seg.size,
                checksum: seg.checksum,
            }]
        }
    };
    let manifest = Manifest {
        config: first.config().clone(),
        fingerprint: first.config().fingerprint()?,
        generation: 1,
        next_segment: number + 1,
        segments: entries,
        removed,
    };
    if let Err(e) = manifest.write(out) {
        let _ = fs::remove_file(&target);
        return Err(e);
    }
    // The files of an index that was at `out` before.
    if let Ok(index) = IndexFile::open(out) {
        let _ = index.remove_orphans();
    }
    Ok(())
}
