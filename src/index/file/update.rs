//! Changing indexes: [`IndexFile::add_batch`] adds documents and
//! [`IndexFile::merge`] joins indexes. Both gather what is new in an
//! [`Overlay`] and write a complete new file (`write_index`), atomically.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::codec::config_mismatch;
use super::format::{ID_HASH_LEN, ID_SEED, le32, le64, sec};
use super::lock::{Stamp, WriteLock};
use super::overlay::{BaseLookup, Combined, Overlay};
use super::write::write_index;
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
        let keep = self.check_new_ids(docs.iter().map(|(id, _)| id.as_str()), on_existing)?;
        let skipped: Vec<usize> = (0..docs.len()).filter(|&i| !keep[i]).collect();
        if !skipped.is_empty() {
            let mut at = 0;
            docs.retain(|_| {
                at += 1;
                keep[at - 1]
            });
        }
        let mut overlay = Overlay::new(&self.dedup);
        let mut verdicts = Vec::with_capacity(docs.len());
        let limit = u32::MAX as u64 - 1;
        if self.meta.docs + docs.len() as u64 > limit {
            return Err(Error::capacity("documents", limit));
        }
        let analyzed: Vec<(AnalyzedDocument, Prepared)> = docs
            .par_iter()
            .map(|(_, text)| {
                let doc = self.dedup.analyzer().analyze(text.as_ref());
                let prepared = crate::index::prepare(&self.dedup, &doc);
                (doc, prepared)
            })
            .collect();
        let passages: u64 = analyzed.iter().map(|(_, p)| p.passages.len() as u64).sum();
        if self.meta.passages + passages > limit {
            return Err(Error::capacity("passages", limit));
        }
        // Lookups in the file do not depend on the batch: all of them in
        // parallel first, then the documents in order against the batch.
        let lookups: Vec<BaseLookup> = analyzed
            .par_iter()
            .map(|(_, prepared)| self.lookup(prepared))
            .collect::<Result<_>>()?;
        for (((id, _), (doc, prepared)), lookup) in docs.into_iter().zip(analyzed).zip(lookups) {
            let mut verdict = crate::index::check(
                &Combined {
                    base: Some(self),
                    overlay: &overlay,
                    pre: Some((&prepared, &lookup)),
                },
                &self.dedup,
                &doc,
                &prepared,
            )?;
            let doc_id = DocId::new((self.meta.docs + overlay.ids.len() as u64) as u32);
            verdict.set_doc(doc_id);
            overlay.add(id, doc_id, prepared, &lookup)?;
            verdicts.push(verdict);
        }
        Ok(StagedBatch {
            overlay,
            verdicts,
            skipped,
            path: self.reader.path.clone(),
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
        let path = self.reader.path.clone();
        if batch.path != path || batch.stamp != self.stamp {
            return Err(Error::about(
                crate::ErrorKind::Conflict,
                &path,
                "the batch was staged on another index, or on an older state of this one; \
                 stage it again",
            ));
        }
        let _held = match self.lock {
            Some(_) => None,
            None => Some(WriteLock::acquire(&path)?),
        };
        let now = Stamp::now(&path).map_err(|e| Error::io("reading", &path, e))?;
        if now != self.stamp {
            return Err(Error::about(
                crate::ErrorKind::Conflict,
                &path,
                "another writer changed the index since it was opened here; reopen it and \
                 stage the batch again",
            ));
        }
        if batch.verdicts.is_empty() {
            return Ok(batch.verdicts);
        }
        write_index(&path, self.config(), Some(self), &batch.overlay)?;
        let lock = self.lock.take();
        match IndexFile::open(&path) {
            Ok(reopened) => {
                *self = reopened;
                self.lock = lock;
                Ok(batch.verdicts)
            }
            Err(e) => {
                self.lock = lock;
                Err(e)
            }
        }
    }

    /// Which of `ids` to add: all, or an error naming an id already in the
    /// index or repeated among `ids` ([`OnExistingId::Refuse`]); or `false`
    /// for those ([`OnExistingId::Skip`]).
    pub(super) fn check_new_ids<'a>(
        &self,
        ids: impl Iterator<Item = &'a str>,
        on_existing: OnExistingId,
    ) -> Result<Vec<bool>> {
        let r = &self.reader;
        let raw = r.read(sec::ID_HASHES, 0, r.len(sec::ID_HASHES))?;
        let hashes: Vec<(u64, u32)> = raw
            .chunks_exact(ID_HASH_LEN as usize)
            .map(|e| (le64(e, 0), le32(e, 8)))
            .collect();
        let mut seen = HashSet::new();
        let mut keep = Vec::new();
        let skip = on_existing == OnExistingId::Skip;
        for id in ids {
            if !seen.insert(id) {
                if skip {
                    keep.push(false);
                    continue;
                }
                return Err(Error::duplicate_id(
                    &r.path,
                    format!("document id \"{id}\" is given twice in the batch"),
                ));
            }
            let h = xxh3_64(id.as_bytes()) ^ ID_SEED;
            let start = hashes.partition_point(|&(x, _)| x < h);
            let mut present = false;
            for &(x, doc) in &hashes[start..] {
                if x != h {
                    break;
                }
                if self.doc_id(DocId::new(doc))? == id {
                    present = true;
                    break;
                }
            }
            if present && !skip {
                return Err(Error::duplicate_id(
                    &r.path,
                    format!("document id \"{id}\" is already in the index"),
                ));
            }
            keep.push(!present);
        }
        Ok(keep)
    }

    /// Merges the indexes `inputs` (at least one) into a new index at `out`:
    /// the documents of the first input, then those of the second, and so
    /// on. The result is the index that adding all their documents, in that
    /// order, to one index would give, byte for byte.
    ///
    /// `out` is written atomically and may not be one of the inputs.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Incompatible`](crate::ErrorKind::Incompatible) naming the
    /// input and the first parameter that differs from the first input's;
    /// [`ErrorKind::DuplicateId`](crate::ErrorKind::DuplicateId) naming an id
    /// found in two inputs; [`ErrorKind::Io`](crate::ErrorKind::Io) if `out`
    /// is an input or there is no input; errors of [`open`](IndexFile::open).
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
        let base = IndexFile::open(first)?;
        let mut overlay = Overlay::new(&base.dedup);
        let mut seen_ids: HashSet<String> = HashSet::new();
        for p in &inputs[1..] {
            let other = IndexFile::open(p)?;
            if let Some(m) = config_mismatch(other.config(), base.config())? {
                return Err(Error::incompatible(
                    other.path(),
                    format!(
                        "cannot merge with {}: {}",
                        base.path().display(),
                        m.replace(" configured", " there")
                    ),
                ));
            }
            overlay.absorb(&base, &other, &mut seen_ids)?;
        }
        write_index(out, base.config(), Some(&base), &overlay)?;
        Ok(IndexFile::open(out)?.info())
    }
}
