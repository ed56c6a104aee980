//! [`Verdict`]: what an index says about a document, and how it is reached
//! — the one check that the in-memory and the file index share.

use std::ops::Range;

use crate::analyze::AnalyzedDocument;
use crate::corpus::{DocId, PassageId};
use crate::dedup::Deduplicator;
use crate::sketch::Level;
use crate::verify::{Similarity, Verifier};

use super::group_index::{GroupIndex, IndexItem};

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

/// What a document is checked against: the documents and passages seen
/// before. [`DedupIndex`] is one; the persistent index in
/// [`IndexFile`](crate::index::IndexFile) is another, so both give the same verdicts.
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

    /// The earliest earlier passage that `verifier` matches with `item`,
    /// which is `prepared.passages[slot]` of the document being checked
    /// (an index that looked the items up beforehand finds its lookup by
    /// `slot`, in constant time).
    fn passage_match(
        &self,
        slot: usize,
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

/// Documents with at most this many compared passages check each passage
/// against their earlier ones by a scan (`n²/2` band key comparisons:
/// 1,500 for ten passages); longer ones through a local level.
const LINEAR_LOCAL_PASSAGES: usize = 64;

/// The verdict on `doc` (whose items are `prepared`) against `history`.
pub(crate) fn check<H: History>(
    history: &H,
    dedup: &Deduplicator,
    doc: &AnalyzedDocument,
    prepared: &Prepared,
) -> std::result::Result<Verdict, H::Error> {
    check_with(history, dedup, doc, prepared, LINEAR_LOCAL_PASSAGES)
}

/// [`check`], scanning a document's earlier passages when it has at most
/// `linear` (tests compare both ways).
fn check_with<H: History>(
    history: &H,
    dedup: &Deduplicator,
    doc: &AnalyzedDocument,
    prepared: &Prepared,
    linear: usize,
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

    // Earlier passages of this same document: for most documents a list
    // of the first passage of each distinct set, scanned in order (the
    // first that shares a band key and verifies is the earliest match, as
    // a level's `first_matches` would find it); for documents with many
    // passages a small local level, which costs hash tables.
    let mut local =
        (prepared.passages.len() > linear).then(|| GroupIndex::new(dedup, Level::Passage));
    let mut firsts: Vec<(&IndexItem, u32)> = Vec::new();
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
    for (slot, (i, item)) in prepared.passages.iter().enumerate() {
        // The earliest match: history first, then this document.
        let found = match history.passage_match(slot, item, verifier)? {
            Some(m) => Some(m),
            None => {
                let earliest = match &local {
                    Some(local) => local
                        .first_matches(item, verifier)
                        .into_iter()
                        .min_by_key(|&(index, _)| index),
                    None => {
                        let query = item.evidence(verifier);
                        firsts.iter().find_map(|&(first, index)| {
                            let shares = first.keys.iter().zip(&item.keys).any(|(a, b)| a == b);
                            shares
                                .then(|| verifier.verify(first.evidence(verifier), query))
                                .flatten()
                                .map(|sim| (index, sim))
                        })
                    }
                };
                earliest.map(|(index, sim)| {
                    (PassageId::new(DocId::new(history.next_doc()), index), sim)
                })
            }
        };
        passages[*i as usize].duplicate_of = found;
        match &mut local {
            Some(local) => local
                .insert(item.clone(), *i)
                .expect("at most u32::MAX passages in one document"),
            None => {
                let query = item.evidence(verifier);
                let seen = firsts.iter().any(|&(first, _)| {
                    first.fingerprint == item.fingerprint && first.evidence(verifier) == query
                });
                if !seen {
                    firsts.push((item, *i));
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::index::DedupIndex;

    /// The scan of a document's earlier passages finds what a local level
    /// finds: the same earliest match, with the same similarity, for
    /// documents that repeat passages exactly, nearly, and not at all.
    #[test]
    fn scanning_earlier_passages_finds_what_a_local_level_finds() {
        let words = [
            "harbour",
            "council",
            "voted",
            "tuesday",
            "to",
            "extend",
            "the",
            "night",
            "ferry",
            "service",
            "after",
            "residents",
            "asked",
            "for",
            "later",
            "boats",
            "during",
            "summer",
            "months",
            "and",
            "festival",
            "weeks",
            "officials",
            "said",
            "costs",
            "would",
            "rise",
        ];
        let mut next = crate::index::file::test_texts::xorshift(0x9E37_79B9_7F4A_7C15);
        for config in [
            Config::new().min_passage_tokens(5),
            Config::new()
                .min_passage_tokens(5)
                .verification(crate::verify::Verification::Estimate),
        ] {
            // An empty history: every match is within the document.
            let dedup = Deduplicator::new(config.clone()).unwrap();
            let index = DedupIndex::new(config).unwrap();
            let (mut repeats, mut checked) = (0, 0);
            for _ in 0..200 {
                let mut paragraphs: Vec<String> = Vec::new();
                for _ in 0..(2 + next() % 12) {
                    let earlier = (!paragraphs.is_empty() && next().is_multiple_of(3))
                        .then(|| paragraphs[next() as usize % paragraphs.len()].clone());
                    let p = match earlier {
                        // The same paragraph, or with one word changed.
                        Some(p) if next().is_multiple_of(2) => p,
                        Some(p) => {
                            let mut w: Vec<&str> = p.split(' ').collect();
                            let k = next() as usize % w.len();
                            w[k] = words[next() as usize % words.len()];
                            w.join(" ")
                        }
                        None => (0..(8 + next() % 30))
                            .map(|_| words[next() as usize % words.len()])
                            .collect::<Vec<_>>()
                            .join(" "),
                    };
                    paragraphs.push(p);
                }
                let doc = dedup.analyzer().analyze(&paragraphs.join("\n\n"));
                let prepared = prepare(&dedup, &doc);
                let scan = check_with(&index, &dedup, &doc, &prepared, usize::MAX);
                let level = check_with(&index, &dedup, &doc, &prepared, 0);
                let (scan, level) = (scan.unwrap(), level.unwrap());
                assert_eq!(scan, level);
                repeats += scan
                    .passages()
                    .iter()
                    .filter(|p| p.duplicate_of.is_some())
                    .count();
                checked += 1;
            }
            assert!(checked == 200 && repeats > 100, "{repeats}");
        }
    }
}
