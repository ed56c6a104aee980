//! Changing indexes: [`IndexFile::add_batch`] adds documents and
//! [`IndexFile::merge`] joins indexes. Both gather what is new in an
//! [`Overlay`] and write a complete new file (`write_index`), atomically.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::codec::config_mismatch;
use super::format::{ID_HASH_LEN, ID_SEED, le32, le64, sec};
use super::overlay::{BaseLookup, Combined, Overlay};
use super::write::write_index;
use super::{IndexFile, IndexInfo};
use crate::analyze::AnalyzedDocument;
use crate::corpus::DocId;
use crate::error::{Error, Result};
use crate::index::{Prepared, Verdict};

impl IndexFile {
    /// Checks each document of `docs` against the index and the documents
    /// before it in the batch, adds them all, and saves the index. The
    /// verdicts are those that [`DedupIndex::add`](crate::DedupIndex::add)
    /// would give for the same documents, and carry each document's new
    /// [`DocId`].
    ///
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
    /// if a block read is damaged; [`ErrorKind::Io`](crate::ErrorKind::Io).
    pub fn add_batch<I, S, T>(&mut self, docs: I) -> Result<Vec<Verdict>>
    where
        I: IntoIterator<Item = (S, T)>,
        S: Into<String>,
        T: AsRef<str> + Sync,
    {
        let docs: Vec<(String, T)> = docs.into_iter().map(|(i, t)| (i.into(), t)).collect();
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let limit = u32::MAX as u64 - 1;
        if self.meta.docs + docs.len() as u64 > limit {
            return Err(Error::capacity("documents", limit));
        }
        self.check_new_ids(docs.iter().map(|(id, _)| id.as_str()))?;
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
        let mut overlay = Overlay::new(&self.dedup);
        let mut verdicts = Vec::with_capacity(docs.len());
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
        self.save(&overlay)?;
        Ok(verdicts)
    }

    /// Refuses ids already in the index or repeated among `ids`.
    pub(super) fn check_new_ids<'a>(&self, ids: impl Iterator<Item = &'a str>) -> Result<()> {
        let r = &self.reader;
        let raw = r.read(sec::ID_HASHES, 0, r.len(sec::ID_HASHES))?;
        let hashes: Vec<(u64, u32)> = raw
            .chunks_exact(ID_HASH_LEN as usize)
            .map(|e| (le64(e, 0), le32(e, 8)))
            .collect();
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                return Err(Error::duplicate_id(
                    &r.path,
                    format!("document id \"{id}\" is given twice in the batch"),
                ));
            }
            let h = xxh3_64(id.as_bytes()) ^ ID_SEED;
            let start = hashes.partition_point(|&(x, _)| x < h);
            for &(x, doc) in &hashes[start..] {
                if x != h {
                    break;
                }
                if self.doc_id(DocId::new(doc))? == id {
                    return Err(Error::duplicate_id(
                        &r.path,
                        format!("document id \"{id}\" is already in the index"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Writes `self` plus `overlay` and reopens.
    fn save(&mut self, overlay: &Overlay) -> Result<()> {
        let path = self.reader.path.clone();
        write_index(&path, self.config(), Some(self), overlay)?;
        *self = IndexFile::open(&path)?;
        Ok(())
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
