//! [`DedupIndex`]: documents added one at a time, each checked against
//! everything seen before — the shape of a daily scrape.

use std::ops::Range;

use crate::analyze::AnalyzedDocument;
use crate::config::Config;
use crate::corpus::{DocId, PassageId, to_u32};
use crate::dedup::Deduplicator;
use crate::error::Result;
use crate::index::{KeyMap, LshIndex};
use crate::lsh::Banding;
use crate::minhash::Signature;
use crate::shingle::ShingleSet;
use crate::sketch::{Level, Sketcher};
use crate::verify::{Evidence, Similarity, Verification, Verifier};

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

/// What the index says about one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    doc: Option<DocId>,
    document_matches: Vec<(DocId, Similarity)>,
    passages: Vec<PassageVerdict>,
}

/// What the index says about one passage of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct PassageVerdict {
    /// Position in the document.
    pub index: u32,
    /// Byte span in the document's text.
    pub span: Range<usize>,
    /// The earliest passage seen before that this one duplicates, and the
    /// similarity of that passage to this one; `None` if it is new (or too
    /// short to compare).
    pub duplicate_of: Option<(PassageId, Similarity)>,
}

/// A document seen before that the new one duplicates.
pub type DocumentVerdict = (DocId, Similarity);

impl Verdict {
    pub(crate) fn set_doc(&mut self, doc: DocId) {
        self.doc = Some(doc);
    }

    /// The id the document received, if it was added (`None` for a query).
    pub fn doc(&self) -> Option<DocId> {
        self.doc
    }

    /// Documents seen before that this whole document duplicates, sorted by
    /// id, with the similarity of each to this one.
    pub fn document_matches(&self) -> &[DocumentVerdict] {
        &self.document_matches
    }

    /// Whether the whole document duplicates one seen before.
    pub fn is_duplicate(&self) -> bool {
        !self.document_matches.is_empty()
    }

    /// One verdict per passage, in order.
    pub fn passages(&self) -> &[PassageVerdict] {
        &self.passages
    }

    /// Fraction of passage bytes that duplicate something seen before.
    pub fn duplicate_fraction(&self) -> f64 {
        let total: usize = self.passages.iter().map(|p| p.span.len()).sum();
        let dup: usize = self
            .passages
            .iter()
            .filter(|p| p.duplicate_of.is_some())
            .map(|p| p.span.len())
            .sum();
        if total == 0 {
            0.0
        } else {
            dup as f64 / total as f64
        }
    }
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
        let doc = self.dedup.analyzer().analyze(text);
        let prepared = prepare(&self.dedup, &doc);
        match check(self, &self.dedup, &doc, &prepared) {
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
        verdict.doc = Some(id);
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
        let mut out = Vec::new();
        for (group, sim) in self.docs.matches(item, verifier) {
            for &d in &self.docs.groups[group as usize] {
                out.push((DocId::new(d), sim));
            }
        }
        Ok(out)
    }

    fn passage_match(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> std::result::Result<Option<(PassageId, Similarity)>, Self::Error> {
        Ok(self
            .passages
            .matches(item, verifier)
            .into_iter()
            .map(|(g, sim)| {
                (
                    self.passage_ids[self.passages.groups[g as usize][0] as usize],
                    sim,
                )
            })
            .min_by_key(|&(id, _)| id))
    }

    fn next_doc(&self) -> u32 {
        self.num_docs
    }
}

/// What a document is checked against: the documents and passages seen
/// before. [`DedupIndex`] is one; the persistent index in
/// [`crate::store`] is another, so both give the same verdicts.
pub(crate) trait History {
    /// What a failed lookup reports.
    type Error;

    /// Every earlier document whose set `verifier` matches with `item`,
    /// with its similarity (in any order).
    fn document_matches(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> std::result::Result<Vec<DocumentVerdict>, Self::Error>;

    /// The earliest earlier passage that `verifier` matches with `item`.
    fn passage_match(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> std::result::Result<Option<(PassageId, Similarity)>, Self::Error>;

    /// The id the next document added gets.
    fn next_doc(&self) -> u32;
}

/// The items of a document that take part in matching: its whole set (if
/// compared) and each passage that is compared ([`Sketcher`]'s rule).
pub(crate) fn prepare(dedup: &Deduplicator, doc: &AnalyzedDocument) -> Prepared {
    let sketcher = dedup.sketcher();
    let doc_item = sketcher
        .compares_document(doc.shingles().len())
        .then(|| IndexItem::new(doc.shingles(), sketcher, Level::Document));
    let passages = sketcher
        .compared_passages(doc)
        .map(|(i, p)| {
            (
                i as u32,
                IndexItem::new(p.shingles(), sketcher, Level::Passage),
            )
        })
        .collect();
    Prepared {
        doc: doc_item,
        passages,
    }
}

/// The verdict on `doc` (whose items are `prepared`) against `history`.
pub(crate) fn check<H: History>(
    history: &H,
    dedup: &Deduplicator,
    doc: &AnalyzedDocument,
    prepared: &Prepared,
) -> std::result::Result<Verdict, H::Error> {
    let (doc_verifier, verifier) = (
        dedup.verifier(Level::Document),
        dedup.verifier(Level::Passage),
    );
    let mut document_matches = match &prepared.doc {
        Some(item) => history.document_matches(item, doc_verifier)?,
        None => Vec::new(),
    };
    document_matches.sort_unstable_by_key(|&(d, _)| d);

    // Earlier passages of this same document, in a small local level.
    let mut local = GroupIndex::new(dedup, Level::Passage);
    let mut passages: Vec<PassageVerdict> = doc
        .passages()
        .iter()
        .enumerate()
        .map(|(i, p)| PassageVerdict {
            index: i as u32,
            span: p.span(),
            duplicate_of: None,
        })
        .collect();
    for (i, item) in &prepared.passages {
        // The earliest match: history first, then this document.
        let found = match history.passage_match(item, verifier)? {
            Some(m) => Some(m),
            None => local
                .matches(item, verifier)
                .into_iter()
                .map(|(g, sim)| (local.groups[g as usize][0], sim))
                .min_by_key(|&(index, _)| index)
                .map(|(index, sim)| (PassageId::new(DocId::new(history.next_doc()), index), sim)),
        };
        passages[*i as usize].duplicate_of = found;
        local
            .insert(item.clone(), *i)
            .expect("at most u32::MAX passages in one document");
    }
    Ok(Verdict {
        doc: None,
        document_matches,
        passages,
    })
}

/// The items of one document (see [`prepare`]).
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) doc: Option<IndexItem>,
    /// Passage position in the document, and its item.
    pub(crate) passages: Vec<(u32, IndexItem)>,
}

/// An item (a document or a passage) ready to be looked up in an index and
/// inserted: its set, the set's 64-bit fingerprint (the key under which the
/// indexes find identical sets, [`ShingleSet::fingerprint`]), and its
/// signature and band keys as the [`Sketcher`] makes them.
#[derive(Debug, Clone)]
pub(crate) struct IndexItem {
    pub(crate) set: ShingleSet,
    pub(crate) fingerprint: u64,
    pub(crate) signature: Signature,
    pub(crate) keys: Vec<u64>,
}

impl IndexItem {
    /// The item of `set` as one of `level`'s items.
    pub(crate) fn new(set: &ShingleSet, sketcher: &Sketcher, level: Level) -> IndexItem {
        let sketch = sketcher.sketch(level, set);
        IndexItem {
            set: set.clone(),
            fingerprint: set.fingerprint(),
            keys: sketch.band_keys().to_vec(),
            signature: sketch.signature().clone(),
        }
    }

    /// An item known only by its signature, the size of its set and the
    /// set's fingerprint (an index built with [`Verification::Estimate`]
    /// stores no sets). Its `set` is a placeholder of the right size: in
    /// estimate mode only the size is read.
    pub(crate) fn from_signature(
        signature: Signature,
        size: usize,
        fingerprint: u64,
        sketcher: &Sketcher,
        level: Level,
    ) -> IndexItem {
        IndexItem {
            set: ShingleSet::from_sorted((0..size as u64).collect()),
            fingerprint,
            keys: sketcher.band_keys(level, signature.as_slice()).collect(),
            signature,
        }
    }

    /// What `verifier` compares of this item.
    pub(crate) fn evidence(&self, verifier: &Verifier) -> Evidence<'_> {
        verifier.evidence(&self.set, &self.signature)
    }
}

/// One level (documents or passages) of an in-memory index: identical sets
/// share a group, and one entry per group sits in the LSH index.
#[derive(Debug, Clone)]
pub(crate) struct GroupIndex {
    index: LshIndex,
    verification: Verification,
    by_fingerprint: KeyMap<Vec<u32>>,
    /// External ids of the members of each group, in insertion order.
    pub(crate) groups: Vec<Vec<u32>>,
    /// Exact mode: the set of each group.
    pub(crate) sets: Vec<ShingleSet>,
    /// Estimate mode: the signature and set size of each group.
    pub(crate) signatures: Vec<(Signature, usize)>,
}

impl GroupIndex {
    /// An empty level for `level`'s items of `dedup`'s configuration.
    pub(crate) fn new(dedup: &Deduplicator, level: Level) -> Self {
        GroupIndex::with(
            dedup.sketcher().banding(level),
            dedup.sketcher().seed(),
            dedup.config().get_verification(),
        )
    }

    /// An empty level with this banding, seed and verification mode.
    pub(crate) fn with(banding: Banding, seed: u64, verification: Verification) -> Self {
        GroupIndex {
            index: LshIndex::new(banding, seed),
            verification,
            by_fingerprint: KeyMap::default(),
            groups: Vec::new(),
            sets: Vec::new(),
            signatures: Vec::new(),
        }
    }

    /// What verification compares of group `g`.
    fn evidence(&self, g: u32) -> Evidence<'_> {
        match self.verification {
            Verification::Exact => Evidence::Set(&self.sets[g as usize]),
            Verification::Estimate => {
                let (sig, size) = &self.signatures[g as usize];
                Evidence::signature(sig, *size)
            }
        }
    }

    /// What verification compares of `item`, in this level's mode.
    fn item_evidence<'i>(&self, item: &'i IndexItem) -> Evidence<'i> {
        match self.verification {
            Verification::Exact => Evidence::Set(&item.set),
            Verification::Estimate => Evidence::signature(&item.signature, item.set.len()),
        }
    }

    pub(crate) fn identical_group(&self, item: &IndexItem) -> Option<u32> {
        let groups = self.by_fingerprint.get(&item.fingerprint)?;
        let query = self.item_evidence(item);
        groups.iter().copied().find(|&g| self.evidence(g) == query)
    }

    /// Groups that `verifier` matches with `item`, in group order.
    pub(crate) fn matches(&self, item: &IndexItem, verifier: &Verifier) -> Vec<(u32, Similarity)> {
        let query = item.evidence(verifier);
        self.index
            .query_keys(&item.keys, u32::MAX)
            .into_iter()
            .filter_map(|g| Some((g, verifier.verify(self.evidence(g), query)?)))
            .collect()
    }

    /// Inserts `item` under the caller's id for it.
    pub(crate) fn insert(&mut self, item: IndexItem, external: u32) -> Result<()> {
        match self.identical_group(&item) {
            Some(g) => self.groups[g as usize].push(external),
            None => {
                let g = self.index.insert_keys(&item.keys)?;
                self.by_fingerprint
                    .entry(item.fingerprint)
                    .or_default()
                    .push(g);
                self.groups.push(vec![external]);
                match self.verification {
                    Verification::Exact => self.sets.push(item.set),
                    Verification::Estimate => {
                        let len = item.set.len();
                        self.signatures.push((item.signature, len));
                    }
                }
            }
        }
        Ok(())
    }
}
