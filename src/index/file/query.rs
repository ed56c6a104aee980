//! Reading an open index: its counts and configuration, document ids,
//! [`IndexFile::query`] and [`IndexFile::verify`].

use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use super::format::{ID_HASH_LEN, ID_SEED, le32, le64, sec};
use super::overlay::{Combined, Overlay};
use super::read::CHUNK;
use super::{IndexFile, IndexInfo, Segment};
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

    /// The index: its manifest (version 2), or its file (version 1).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Documents in the index (removed ones not counted).
    pub fn len(&self) -> usize {
        (self.docs - self.removed.len() as u64) as usize
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Passages indexed (those long enough to compare), removed documents'
    /// included until their segment is folded.
    pub fn num_passages(&self) -> usize {
        self.passages as usize
    }

    /// The [`DocId`] that the next document added gets: documents are
    /// numbered in the order they were added, removed ones included.
    pub fn next_doc(&self) -> DocId {
        DocId::new(self.docs as u32)
    }

    /// Whether document `doc` was removed.
    pub fn is_removed(&self, doc: DocId) -> bool {
        self.removed.binary_search(&doc.as_u32()).is_ok()
    }

    /// Configuration, counts, size and format version.
    pub fn info(&self) -> IndexInfo {
        IndexInfo {
            path: self.path.clone(),
            format_version: self.version,
            size: self.size,
            documents: self.len() as u64,
            passages: self.passages,
            segments: self.segments.len(),
            removed: self.removed.len() as u64,
            document_groups: self.segments.iter().map(|s| s.meta.doc_groups).sum(),
            passage_groups: self.segments.iter().map(|s| s.meta.passage_groups).sum(),
            config: self.config().clone(),
            fingerprint: self.config().fingerprint().unwrap_or_default(),
        }
    }

    /// The segment holding document `d`.
    fn segment_of(&self, d: u64) -> Option<&Segment> {
        let i = self.segments.partition_point(|s| s.base + s.meta.docs <= d);
        self.segments.get(i).filter(|s| s.base <= d)
    }

    /// The id the input gave document `doc` (also for a removed document).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) if `doc` is not in the
    /// index or the file is damaged; [`ErrorKind::Io`](crate::ErrorKind::Io)
    /// if it cannot be read.
    pub fn doc_id(&self, doc: DocId) -> Result<String> {
        let d = doc.as_u32() as u64;
        match self.segment_of(d) {
            Some(seg) => seg.local_id(d - seg.base),
            None => Err(Error::format(
                &self.path,
                format!("no document {d} (the index holds {})", self.docs),
            )),
        }
    }

    /// The live (not removed) document with id `id`, if the index holds it.
    ///
    /// # Errors
    ///
    /// As [`doc_id`](IndexFile::doc_id).
    pub fn find(&self, id: &str) -> Result<Option<DocId>> {
        // Newest first: an id replaced is removed in an older segment.
        for seg in self.segments.iter().rev() {
            for local in seg.find_local(id)? {
                let doc = DocId::new((seg.base + local) as u32);
                if !self.is_removed(doc) {
                    return Ok(Some(doc));
                }
            }
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
        self.load_query_tables()?;
        let overlay = Overlay::new(&self.dedup);
        let prepared = crate::index::prepare(&self.dedup, doc);
        crate::index::check(
            &Combined {
                base: Some(self),
                overlay: &overlay,
                pre: None,
                hidden: &self.removed,
            },
            &self.dedup,
            doc,
            &prepared,
        )
    }

    /// Reads every block of every segment and checks it against its
    /// checksum.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Format`](crate::ErrorKind::Format) naming the first
    /// damaged file, section and block; [`ErrorKind::Io`](crate::ErrorKind::Io).
    pub fn verify(&self) -> Result<()> {
        self.segments.iter().try_for_each(Segment::verify)
    }
}

impl IndexFile {
    /// Takes the in-memory band key tables that `old` loaded for segments
    /// this index still lists (same number and checksum: segment files
    /// never change), so that a commit does not read them again.
    pub(super) fn keep_tables_of(&mut self, old: &mut IndexFile) {
        for seg in &mut self.segments {
            let same = old
                .segments
                .iter_mut()
                .find(|o| o.number == seg.number && o.checksum == seg.checksum);
            if let Some(o) = same {
                seg.docs.table.take_from(&mut o.docs.table);
                seg.passages.table.take_from(&mut o.passages.table);
            }
        }
    }

    /// Loads the band key tables of every segment that has none yet, the
    /// segments in parallel (each table on one thread: see
    /// `DiskLevel::table`).
    pub(super) fn load_tables(&self) -> Result<()> {
        use rayon::prelude::*;
        let loaded = |s: &Segment| s.docs.table.is_loaded() && s.passages.table.is_loaded();
        if self.segments.iter().all(loaded) {
            return Ok(());
        }
        self.segments.par_iter().try_for_each(|s| {
            s.docs.load_table(&s.reader)?;
            s.passages.load_table(&s.reader)
        })
    }

    /// Maps the segment files for lookups' small reads (`read.rs`,
    /// `FileAt`), and builds the joint band tables of all segments
    /// (`joint.rs`) if the index has two segments or more and they apply;
    /// else loads the band key tables of every segment.
    pub(super) fn load_query_tables(&self) -> Result<()> {
        for seg in &self.segments {
            seg.reader.file.map();
        }
        if self.segments.len() >= 2 {
            let applies = self.joint.settle(|| {
                use super::joint::{Joint, JointLevel};
                let levels = |docs: bool| -> Vec<_> {
                    self.segments
                        .iter()
                        .map(|s| (if docs { &s.docs } else { &s.passages }, &s.reader))
                        .collect()
                };
                let (docs, passages) = rayon::join(
                    || JointLevel::build(&levels(true)),
                    || JointLevel::build(&levels(false)),
                );
                Ok(docs?
                    .zip(passages?)
                    .map(|(docs, passages)| Joint { docs, passages }))
            })?;
            if applies {
                return Ok(());
            }
        }
        self.load_tables()
    }

    /// Approximate bytes of heap memory that the open index holds: per
    /// segment, its band-table directories and block checksums (loaded at
    /// open) and, once a lookup has visited the segment, its band key
    /// tables: two bytes per band entry (`bands × groups` per level; about
    /// 570 bytes per news article at the default settings); once a query
    /// has run on an index of two segments or more, the joint band table
    /// of all segments, three bytes per band entry and its directories (see
    /// the [module docs](crate::index::file)). Approximate: allocator
    /// overhead and small fixed parts are not counted.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::Config;
    /// use echodup::index::IndexFile;
    ///
    /// let dir = std::env::temp_dir().join(format!("echodup-mem-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("news.edx");
    /// # let _ = std::fs::remove_file(&path);
    /// IndexFile::create(&path, Config::new())?
    ///     .add_batch([("a", "Shares climbed four percent in early trading on the exchange.")])?;
    /// let index = IndexFile::open(&path)?;
    /// let opened = index.memory_usage();
    /// index.query("Shares climbed four percent in early trading.")?;
    /// // The first lookup loaded the band key tables of the segment.
    /// assert!(index.memory_usage() > opened);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn memory_usage(&self) -> usize {
        self.segments
            .iter()
            .map(|s| {
                (s.docs.dir.len() + s.passages.dir.len()) * 4
                    + s.reader.sums.len() * 8
                    + s.reader.checked.len() * 8
                    + s.docs.table.memory()
                    + s.passages.table.memory()
            })
            .sum::<usize>()
            + self.joint.memory()
            + self.removed.len() * 4
    }
}

impl Segment {
    /// The id of its document `d` (numbered from 0 in the segment).
    pub(super) fn local_id(&self, d: u64) -> Result<String> {
        let r = &self.reader;
        if d >= self.meta.docs {
            return Err(r.corrupt(format!("no document {d} in this segment")));
        }
        let o = r.read(sec::ID_OFFSETS, d * 8, 16)?;
        let (start, end) = (le64(&o, 0), le64(&o, 8));
        if end < start {
            return Err(r.corrupt("the id offsets are not in order"));
        }
        let bytes = r.read(sec::ID_BYTES, start, end - start)?;
        String::from_utf8(bytes).map_err(|_| r.corrupt("an id is not UTF-8"))
    }

    /// Its documents with id `id` (numbered in the segment), ascending.
    pub(super) fn find_local(&self, id: &str) -> Result<Vec<u64>> {
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
        let mut out = Vec::new();
        while lo < self.meta.docs {
            let e = r.read(sec::ID_HASHES, lo * ID_HASH_LEN, ID_HASH_LEN)?;
            if le64(&e, 0) != h {
                break;
            }
            let d = le32(&e, 8) as u64;
            if self.local_id(d)? == id {
                out.push(d);
            }
            lo += 1;
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Reads every block and checks it against its checksum; checks that
    /// the passage copies are in order and in the segment's documents (a
    /// binary search over them relies on it).
    fn verify(&self) -> Result<()> {
        self.reader.forget_checks();
        for s in 0..sec::BLOCK_SUMS {
            let mut at = 0;
            let len = self.reader.len(s);
            while at < len {
                let n = CHUNK.min(len - at);
                self.reader.read(s, at, n)?;
                at += n;
            }
        }
        if self.copies()?.windows(2).any(|w| w[0] >= w[1]) {
            return Err(self
                .reader
                .corrupt("section \"passage copies\" is not in order"));
        }
        Ok(())
    }
}
