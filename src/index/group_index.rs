//! One level (documents or passages) of an in-memory index, and the items
//! it holds.

use crate::dedup::Deduplicator;
use crate::error::Result;
use crate::lsh::Banding;
use crate::minhash::Signature;
use crate::shingle::ShingleSet;
use crate::sketch::{Level, Sketcher};
use crate::verify::{Evidence, Similarity, Verification, Verifier};

use super::lsh_index::{KeyMap, LshIndex};

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

    /// Every member (caller's id) of every group that `verifier` matches
    /// with `item`, with the group's similarity; in group order.
    pub(crate) fn member_matches(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Vec<(u32, Similarity)> {
        let mut out = Vec::new();
        for (g, sim) in self.matches(item, verifier) {
            out.extend(self.groups[g as usize].iter().map(|&m| (m, sim)));
        }
        out
    }

    /// The first member (caller's id) of each group that `verifier` matches
    /// with `item`, with its similarity; in group order.
    pub(crate) fn first_matches(
        &self,
        item: &IndexItem,
        verifier: &Verifier,
    ) -> Vec<(u32, Similarity)> {
        let matches = self.matches(item, verifier).into_iter();
        matches
            .map(|(g, sim)| (self.groups[g as usize][0], sim))
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
