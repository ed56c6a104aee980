//! [`DedupIndex`]: documents added one at a time, each checked against
//! everything seen before — the shape of a daily scrape.

use crate::analyze::AnalyzedDocument;
use crate::config::Config;
use crate::corpus::{DocId, PassageId, to_u32};
use crate::dedup::Deduplicator;
use crate::error::Result;
use crate::sketch::Level;
use crate::verify::{Similarity, Verifier};

use super::group_index::{GroupIndex, IndexItem};
use super::verdict::{DocumentVerdict, History, Verdict, check, prepare};

/// An index of documents and passages seen so far.
///
/// [`add`](DedupIndex::add) checks a new document against the index and then
/// inserts it; [`query`](DedupIndex::query) only checks. Both say whether the
/// whole document, and which of its passages, duplicate what was seen before
/// (earlier passages of the same document included), with the same
/// thresholds, verification and similarity as [`Deduplicator`].
///
/// A verdict reports *direct* matches with earlier documents. A batch
/// [`Report`](crate::Report) clusters by connected components, so it can mark
/// a document as a duplicate through a chain (A ~ C and B ~ C while A ≁ B, in
/// the order A, B, C: the batch run clusters all three and drops B and C; the
/// index flags only C, since B matched nothing before it). Without such
/// chains the two agree, which the tests check on every fixture.
///
/// # Example
///
/// ```
/// use echodup::{Config, DedupIndex, DocId};
///
/// let mut index = DedupIndex::new(Config::new())?;
/// let first = index.add("Quarterly profit rose on strong demand for cloud services.\n\n\
///                        Shares climbed four percent in early trading on the exchange.")?;
/// assert!(!first.is_duplicate());
///
/// let copy = index.query("Quarterly profit rose on strong demand for cloud services.\n\n\
///                         The chief executive will step down at the end of the year.");
/// assert!(!copy.is_duplicate());                                    // not the whole document
/// assert_eq!(copy.passages()[0].duplicate_of.unwrap().0.doc, DocId::new(0)); // but its first paragraph
/// assert!(copy.passages()[1].duplicate_of.is_none());
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DedupIndex {
    dedup: Deduplicator,
    docs: GroupIndex,
    passages: GroupIndex,
    passage_ids: Vec<PassageId>,
    num_docs: u32,
}

impl DedupIndex {
    /// An empty index for `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming the parameter at fault.
    pub fn new(config: Config) -> Result<Self> {
        let dedup = Deduplicator::new(config)?;
        Ok(DedupIndex {
            docs: GroupIndex::new(&dedup, Level::Document),
            passages: GroupIndex::new(&dedup, Level::Passage),
            passage_ids: Vec::new(),
            num_docs: 0,
            dedup,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.dedup.config()
    }

    /// Documents added so far.
    pub fn len(&self) -> usize {
        self.num_docs as usize
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.num_docs == 0
    }

    /// Passages indexed so far (those long enough to compare).
    pub fn num_passages(&self) -> usize {
        self.passage_ids.len()
    }

    /// Checks `text` against the index without adding it.
    pub fn query(&self, text: &str) -> Verdict {
        self.query_analyzed(&self.dedup.analyzer().analyze(text))
    }

    /// [`query`](DedupIndex::query) for a document analyzed beforehand with
    /// this index's [`Analyzer`](crate::Analyzer).
    pub fn query_analyzed(&self, doc: &AnalyzedDocument) -> Verdict {
        let prepared = prepare(&self.dedup, doc);
        match check(self, &self.dedup, doc, &prepared) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Checks `text` against the index, then adds it; the verdict carries
    /// the new document's id.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) past `u32::MAX - 1`
    /// documents or passages (the index is left unchanged).
    pub fn add(&mut self, text: &str) -> Result<Verdict> {
        let doc = self.dedup.analyzer().analyze(text);
        self.add_analyzed(&doc)
    }

    /// [`add`](DedupIndex::add) for a document analyzed beforehand with this
    /// index's [`Analyzer`](crate::Analyzer).
    ///
    /// # Errors
    ///
    /// As [`add`](DedupIndex::add).
    pub fn add_analyzed(&mut self, doc: &AnalyzedDocument) -> Result<Verdict> {
        let id = DocId::new(to_u32(self.num_docs as usize + 1, "documents")? - 1);
        to_u32(self.passage_ids.len() + doc.passages().len(), "passages")?;
        let prepared = prepare(&self.dedup, doc);
        let mut verdict = match check(self, &self.dedup, doc, &prepared) {
            Ok(v) => v,
            Err(never) => match never {},
        };
        if let Some(p) = prepared.doc {
            self.docs.insert(p, id.as_u32())?;
        }
        for (index, p) in prepared.passages {
            let external = self.passage_ids.len() as u32;
            self.passages.insert(p, external)?;
            self.passage_ids.push(PassageId::new(id, index));
        }
        self.num_docs += 1;
        verdict.set_doc(id);
        Ok(verdict)
    }
}

impl History for DedupIndex {
    type Error = std::convert::Infallible;

    fn document_matches(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> std::result::Result<Vec<DocumentVerdict>, Self::Error> {
        let matches = self.docs.member_matches(item, verifier).into_iter();
        Ok(matches.map(|(d, sim)| (DocId::new(d), sim)).collect())
    }

    fn passage_match(
        &self,
        _slot: usize,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> std::result::Result<Option<(PassageId, Similarity)>, Self::Error> {
        let matches = self.passages.first_matches(item, verifier).into_iter();
        Ok(matches
            .map(|(p, sim)| (self.passage_ids[p as usize], sim))
            .min_by_key(|&(id, _)| id))
    }

    fn next_doc(&self) -> u32 {
        self.num_docs
    }
}
