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
use crate::minhash::{MinHasher, Signature};
use crate::shingle::ShingleSet;
use crate::verify::{Measure, Similarity, Verification};

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
    docs: Level,
    passages: Level,
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
        let verification = dedup.config().get_verification();
        Ok(DedupIndex {
            docs: Level::new(dedup.banding(), dedup.config().get_seed(), verification),
            passages: Level::new(
                dedup.passage_banding(),
                dedup.config().get_seed(),
                verification,
            ),
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
        self.check(&doc).0
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
        let (mut verdict, prepared) = self.check(doc);
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

    fn check(&self, doc: &AnalyzedDocument) -> (Verdict, Prepared) {
        let config = self.dedup.config();
        let hasher = self.dedup.hasher();
        let measure = config.get_measure();
        let mut prepared = Prepared {
            doc: None,
            passages: Vec::new(),
        };

        let mut document_matches = Vec::new();
        if !doc.shingles().is_empty() {
            let item = self.docs.prepare(doc.shingles(), hasher);
            for (group, sim) in self.docs.matches(&item, config.get_threshold(), measure) {
                for &d in &self.docs.groups[group as usize] {
                    document_matches.push((DocId::new(d), sim));
                }
            }
            document_matches.sort_unstable_by_key(|&(d, _)| d);
            prepared.doc = Some(item);
        }

        // Earlier passages of this same document, in a small local level.
        let mut local = Level::new(
            self.passages.index.banding(),
            config.get_seed(),
            config.get_verification(),
        );
        let min = config.get_min_passage_tokens().max(1);
        let threshold = config.get_passage_threshold();
        let mut passages = Vec::with_capacity(doc.passages().len());
        for (i, p) in doc.passages().iter().enumerate() {
            let mut verdict = PassageVerdict {
                index: i as u32,
                span: p.span(),
                duplicate_of: None,
            };
            if config.get_passages() && p.tokens() >= min && !p.shingles().is_empty() {
                let item = self.passages.prepare(p.shingles(), hasher);
                // The earliest match: history first, then this document.
                let from_history = self
                    .passages
                    .matches(&item, threshold, measure)
                    .into_iter()
                    .map(|(g, sim)| {
                        (
                            self.passage_ids[self.passages.groups[g as usize][0] as usize],
                            sim,
                        )
                    })
                    .min_by_key(|&(id, _)| id);
                let found = from_history.or_else(|| {
                    local
                        .matches(&item, threshold, measure)
                        .into_iter()
                        .map(|(g, sim)| (local.groups[g as usize][0], sim))
                        .min_by_key(|&(index, _)| index)
                        .map(|(index, sim)| (PassageId::new(DocId::new(self.num_docs), index), sim))
                });
                verdict.duplicate_of = found;
                local
                    .insert(item.clone(), i as u32)
                    .expect("add checked the passage count");
                prepared.passages.push((i as u32, item));
            }
            passages.push(verdict);
        }
        (
            Verdict {
                doc: None,
                document_matches,
                passages,
            },
            prepared,
        )
    }
}

#[derive(Debug)]
struct Prepared {
    doc: Option<Item>,
    passages: Vec<(u32, Item)>,
}

/// A set ready to be looked up and inserted.
#[derive(Debug, Clone)]
struct Item {
    set: ShingleSet,
    fingerprint: u64,
    signature: Signature,
    keys: Vec<u64>,
}

/// One level (documents or passages) of the index: identical sets share a
/// group, and one entry per group sits in the LSH index.
#[derive(Debug, Clone)]
struct Level {
    index: LshIndex,
    seed: u64,
    verification: Verification,
    by_fingerprint: KeyMap<Vec<u32>>,
    /// External ids of the members of each group, in insertion order.
    groups: Vec<Vec<u32>>,
    /// Exact mode: the set of each group.
    sets: Vec<ShingleSet>,
    /// Estimate mode: the signature and set size of each group.
    signatures: Vec<(Signature, usize)>,
}

impl Level {
    fn new(banding: Banding, seed: u64, verification: Verification) -> Self {
        Level {
            index: LshIndex::new(banding, seed),
            seed,
            verification,
            by_fingerprint: KeyMap::default(),
            groups: Vec::new(),
            sets: Vec::new(),
            signatures: Vec::new(),
        }
    }

    fn prepare(&self, set: &ShingleSet, hasher: &MinHasher) -> Item {
        let signature = hasher.signature_from_shingles(set.as_slice().iter().copied());
        let keys = self
            .index
            .banding()
            .band_keys(&signature, self.seed)
            .map(|(_, k)| k)
            .collect();
        Item {
            set: set.clone(),
            fingerprint: set.fingerprint(),
            signature,
            keys,
        }
    }

    fn identical_group(&self, item: &Item) -> Option<u32> {
        let groups = self.by_fingerprint.get(&item.fingerprint)?;
        groups.iter().copied().find(|&g| match self.verification {
            Verification::Exact => self.sets[g as usize] == item.set,
            Verification::Estimate => {
                let (sig, len) = &self.signatures[g as usize];
                *sig == item.signature && *len == item.set.len()
            }
        })
    }

    /// Groups whose similarity to `item` reaches the threshold, in group order.
    fn matches(&self, item: &Item, threshold: f64, measure: Measure) -> Vec<(u32, Similarity)> {
        let identical = self.identical_group(item);
        let mut out = Vec::new();
        for g in self.index.query_keys(&item.keys, u32::MAX) {
            let sim = if Some(g) == identical {
                Similarity::IDENTICAL
            } else {
                match self.verification {
                    Verification::Exact => Similarity::exact(&self.sets[g as usize], &item.set),
                    Verification::Estimate => {
                        let (sig, len) = &self.signatures[g as usize];
                        Similarity::estimate(sig, *len, &item.signature, item.set.len())
                    }
                }
            };
            if sim.score(measure) >= threshold {
                out.push((g, sim));
            }
        }
        out
    }

    /// Inserts `item` under the caller's id for it.
    fn insert(&mut self, item: Item, external: u32) -> Result<()> {
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
