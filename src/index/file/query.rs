//! Reading an open index: its counts and configuration, document ids,
//! [`IndexFile::query`] and [`IndexFile::verify`].

use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use super::format::{ID_HASH_LEN, ID_SEED, le32, le64, sec};
use super::overlay::{Combined, Overlay};
use super::read::CHUNK;
use super::{IndexFile, IndexInfo};
use crate::analyze::AnalyzedDocument;
use crate::config::Config;
use crate::corpus::DocId;
use crate::error::{Error, Result};
use crate::index::Verdict;

impl IndexFile {
    /// The configuration the index was built with.
    pub fn config(&self) -> &Config {
        self.dedup.config()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.reader.path
    }

    /// Documents in the index.
    pub fn len(&self) -> usize {
        self.meta.docs as usize
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.meta.docs == 0
    }

    /// Passages indexed (those long enough to compare).
    pub fn num_passages(&self) -> usize {
        self.meta.passages as usize
    }

    /// Configuration, counts, size and format version.
    pub fn info(&self) -> IndexInfo {
        IndexInfo {
            path: self.reader.path.clone(),
            format_version: self.reader.version,
            size: self.size,
            documents: self.meta.docs,
            passages: self.meta.passages,
            document_groups: self.meta.doc_groups,
            passage_groups: self.meta.passage_groups,
            config: self.config().clone(),
            fingerprint: self.config().fingerprint().unwrap_or_default(),
        }
    }

    /// The id the input gave document `doc`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) if `doc` is not in the
    /// index or the file is damaged; [`ErrorKind::Io`](crate::ErrorKind::Io)
    /// if it cannot be read.
    pub fn doc_id(&self, doc: DocId) -> Result<String> {
        let r = &self.reader;
        let d = doc.as_u32() as u64;
        if d >= self.meta.docs {
            return Err(Error::format(
                &r.path,
                format!("no document {d} (the index holds {})", self.meta.docs),
            ));
        }
        let o = r.read(sec::ID_OFFSETS, d * 8, 16)?;
        let (start, end) = (le64(&o, 0), le64(&o, 8));
        if end < start {
            return Err(r.corrupt("the id offsets are not in order"));
        }
        let bytes = r.read(sec::ID_BYTES, start, end - start)?;
        String::from_utf8(bytes).map_err(|_| r.corrupt("an id is not UTF-8"))
    }

    /// The document with id `id`, if the index holds it.
    ///
    /// # Errors
    ///
    /// As [`doc_id`](IndexFile::doc_id).
    pub fn find(&self, id: &str) -> Result<Option<DocId>> {
        let r = &self.reader;
        let h = xxh3_64(id.as_bytes()) ^ ID_SEED;
        let (mut lo, mut hi) = (0u64, self.meta.docs);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let e = r.read(sec::ID_HASHES, mid * ID_HASH_LEN, ID_HASH_LEN)?;
            if le64(&e, 0) < h {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        while lo < self.meta.docs {
            let e = r.read(sec::ID_HASHES, lo * ID_HASH_LEN, ID_HASH_LEN)?;
            if le64(&e, 0) != h {
                break;
            }
            let doc = DocId::new(le32(&e, 8));
            if self.doc_id(doc)? == id {
                return Ok(Some(doc));
            }
            lo += 1;
        }
        Ok(None)
    }

    /// Checks `text` against the index without adding it: the same verdict
    /// as [`DedupIndex::query`](crate::DedupIndex::query) on an in-memory
    /// index of the same documents.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) if a block it reads is
    /// damaged; [`ErrorKind::Io`](crate::ErrorKind::Io) if the file cannot
    /// be read.
    pub fn query(&self, text: &str) -> Result<Verdict> {
        let doc = self.dedup.analyzer().analyze(text);
        self.query_analyzed(&doc)
    }

    /// [`query`](IndexFile::query) for a document analyzed beforehand with
    /// this index's [`Analyzer`](crate::Analyzer).
    ///
    /// # Errors
    ///
    /// As [`query`](IndexFile::query).
    pub fn query_analyzed(&self, doc: &AnalyzedDocument) -> Result<Verdict> {
        let overlay = Overlay::new(&self.dedup);
        let prepared = crate::index::prepare(&self.dedup, doc);
        crate::index::check(
            &Combined {
                base: Some(self),
                overlay: &overlay,
                pre: None,
            },
            &self.dedup,
            doc,
            &prepared,
        )
    }

    /// Reads every block of the file and checks it against its checksum.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) naming the first
    /// damaged section and block; [`ErrorKind::Io`](crate::ErrorKind::Io).
    pub fn verify(&self) -> Result<()> {
        for s in 0..sec::BLOCK_SUMS {
            let mut at = 0;
            let len = self.reader.len(s);
            while at < len {
                let n = CHUNK.min(len - at);
                self.reader.read(s, at, n)?;
                at += n;
            }
        }
        Ok(())
    }
}
