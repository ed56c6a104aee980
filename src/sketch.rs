//! Stage 4b: item sketches — what is kept of a document or a passage so that
//! it can be found again.
//!
//! An *item* is a whole document or one of its passages. Every part of the
//! crate that matches items — the batch engine of
//! [`Deduplicator`](crate::Deduplicator), the in-memory
//! [`DedupIndex`](crate::DedupIndex), the file index
//! [`IndexFile`](crate::index::IndexFile) and the Python binding — turns
//! shingle sets into items here, with one [`Sketcher`], so they agree on
//! three things:
//!
//! - **Which items are compared** ([`Sketcher::compares_document`],
//!   [`Sketcher::compares_passage`]): a document whose shingle set is not
//!   empty, and a passage with at least
//!   [`Config::min_passage_tokens`](crate::Config::min_passage_tokens) tokens
//!   and a non-empty set, when passages are compared at all.
//! - **What an item's sketch is** ([`ItemSketch`]): a 128-bit fingerprint of
//!   its set (equal sets, equal fingerprints), the set's size, its MinHash
//!   [`Signature`] and one band key per band of its level's [`Banding`].
//! - **The short band key** ([`short_key`]): the batch engine and columnar
//!   engines (Spark) keep the upper 32 bits of each 64-bit band key. Two
//!   different keys that share their upper half only add a candidate, which
//!   verification then rejects.
//!
//! Comparing two items is [`Verifier`](crate::verify::Verifier)'s job.
//!
//! # Example
//!
//! ```
//! use echodup::sketch::{Level, Sketcher};
//! use echodup::{Analyzer, Config};
//!
//! let config = Config::new().min_passage_tokens(3);
//! let (analyzer, sketcher) = (Analyzer::new(&config)?, Sketcher::new(&config)?);
//! let doc = analyzer.analyze("Short.\n\nA paragraph long enough to be compared with others.");
//! let compared: Vec<usize> = sketcher.compared_passages(&doc).map(|(i, _)| i).collect();
//! assert_eq!(compared, [1]); // "Short." has one token
//!
//! let sketch = sketcher.sketch(Level::Document, doc.shingles());
//! assert_eq!(sketch.size(), doc.shingles().len());
//! assert_eq!(sketch.band_keys().len(), sketcher.banding(Level::Document).bands());
//! # Ok::<(), echodup::Error>(())
//! ```

use std::iter::FusedIterator;

use crate::analyze::{AnalyzedDocument, AnalyzedPassage};
use crate::band_keys::{BandKeys, SpillPolicy};
use crate::config::Config;
use crate::error::Result;
use crate::lsh::{Banding, band_key};
use crate::minhash::{MinHasher, Signature};
use crate::shingle::{ShingleSet, set_fingerprint128};
use crate::verify::Verification;

/// Whether an item is a whole document or one passage of a document.
///
/// Text form (`Display`/`FromStr`, serde, the CLI's `--level`): `document`,
/// `passage`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Level {
    /// A whole document (the default).
    #[default]
    Document,
    /// One passage (paragraph) of a document.
    Passage,
}

crate::text::text_form!(Level, "level", {
    Level::Document => "document",
    Level::Passage => "passage",
});

/// The 32-bit form of a 64-bit band key: its upper half.
///
/// The batch engine and columnar engines keep this form (half the memory of
/// the full key). Distinct keys may share it, which only adds a candidate
/// pair that verification rejects; the in-memory and file indexes keep the
/// full key.
///
/// ```
/// assert_eq!(echodup::sketch::short_key(0x0123_4567_89ab_cdef), 0x0123_4567);
/// ```
#[inline]
pub const fn short_key(key: u64) -> u32 {
    (key >> 32) as u32
}

/// Turns shingle sets into [`ItemSketch`]es for one configuration, and says
/// which items are compared (see the [module documentation](self)).
///
/// Built from a [`Config`] (validated here), then immutable; cheap to clone.
#[derive(Clone, Debug, PartialEq)]
pub struct Sketcher {
    hasher: MinHasher,
    seed: u64,
    document_banding: Banding,
    passage_banding: Banding,
    passages: bool,
    min_passage_tokens: usize,
}

impl Sketcher {
    /// A sketcher for `config`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// the parameter at fault.
    pub fn new(config: &Config) -> Result<Self> {
        config.validate()?;
        Ok(Sketcher::from_valid(config))
    }

    /// A sketcher for a config already validated.
    pub(crate) fn from_valid(config: &Config) -> Self {
        Sketcher {
            hasher: MinHasher::new(config.get_num_perm(), config.get_seed()),
            seed: config.get_seed(),
            document_banding: config.valid_banding(Level::Document),
            passage_banding: config.valid_banding(Level::Passage),
            passages: config.get_passages(),
            min_passage_tokens: config.get_min_passage_tokens().max(1),
        }
    }

    /// The MinHasher that makes signatures.
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    /// The seed of band keys (the configuration's seed).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The banding of `level`'s items.
    pub fn banding(&self, level: Level) -> Banding {
        match level {
            Level::Document => self.document_banding,
            Level::Passage => self.passage_banding,
        }
    }

    /// Whether a document whose set has `shingles` distinct shingles is
    /// compared: when the set is not empty (an empty or blank document is a
    /// duplicate of nothing).
    #[inline]
    pub fn compares_document(&self, shingles: usize) -> bool {
        shingles > 0
    }

    /// Whether a passage of `tokens` tokens with `shingles` distinct shingles
    /// is compared: when passages are compared at all
    /// ([`Config::passages`](crate::Config::passages)), it has at least
    /// [`Config::min_passage_tokens`](crate::Config::min_passage_tokens)
    /// tokens (at least one), and its set is not empty.
    #[inline]
    pub fn compares_passage(&self, tokens: usize, shingles: usize) -> bool {
        self.passages && tokens >= self.min_passage_tokens && shingles > 0
    }

    /// The passages of `doc` that are compared, with their positions, in
    /// order.
    pub fn compared_passages<'d>(&self, doc: &'d AnalyzedDocument) -> ComparedPassages<'_, 'd> {
        ComparedPassages {
            sketcher: self,
            passages: doc.passages().iter().enumerate(),
        }
    }

    /// The sketch of `set` as an item of `level`.
    ///
    /// An empty set gets a sketch too (all slots `u32::MAX`), but the crate
    /// never compares one: see [`compares_document`](Sketcher::compares_document).
    pub fn sketch(&self, level: Level, set: &ShingleSet) -> ItemSketch {
        let mut slots = Vec::new();
        self.signature_into(set.as_slice(), &mut slots);
        let band_keys = self.band_keys(level, &slots).collect();
        ItemSketch {
            fingerprint: set_fingerprint128(set.as_slice()),
            size: set.len(),
            signature: Signature::from_values(slots),
            band_keys,
        }
    }

    /// Writes the signature of `set` (sorted, distinct hashes) into `slots`,
    /// reusing its allocation.
    pub(crate) fn signature_into(&self, set: &[u64], slots: &mut Vec<u32>) {
        slots.clear();
        slots.resize(self.hasher.num_perm(), u32::MAX);
        self.hasher.update(slots, set.iter().copied());
    }

    /// The band keys of a signature's `slots` under `level`'s banding.
    pub(crate) fn band_keys<'s>(
        &self,
        level: Level,
        slots: &'s [u32],
    ) -> impl Iterator<Item = u64> + 's {
        let (rows, seed) = (self.banding(level).rows(), self.seed);
        slots
            .chunks_exact(rows)
            .enumerate()
            .map(move |(band, values)| band_key(values, seed, band as u32))
    }
}

/// The passages of a document that are compared, with their positions:
/// what [`Sketcher::compared_passages`] returns. `'s` borrows the sketcher,
/// `'d` the document.
#[derive(Debug, Clone)]
pub struct ComparedPassages<'s, 'd> {
    sketcher: &'s Sketcher,
    passages: std::iter::Enumerate<std::slice::Iter<'d, AnalyzedPassage>>,
}

impl<'d> Iterator for ComparedPassages<'_, 'd> {
    type Item = (usize, &'d AnalyzedPassage);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.sketcher;
        self.passages
            .find(|(_, p)| s.compares_passage(p.tokens(), p.shingles().len()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.passages.size_hint().1)
    }
}

impl FusedIterator for ComparedPassages<'_, '_> {}

/// What is kept of one item to find it again: a fingerprint of its shingle
/// set, the set's size, its signature and its band keys. Made by
/// [`Sketcher::sketch`].
///
/// Sketches are comparable only when made by sketchers of the same
/// configuration ([`Config::fingerprint`](crate::Config::fingerprint)) and
/// level.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ItemSketch {
    fingerprint: u128,
    size: usize,
    signature: Signature,
    band_keys: Box<[u64]>,
}

impl ItemSketch {
    /// The 128-bit fingerprint of the set (XXH3-128 of its sorted hashes),
    /// as [`ShingleSet::fingerprint128`]: equal sets have equal
    /// fingerprints, and two different sets among 10⁹ share one with
    /// probability below 10⁻²⁰.
    pub fn fingerprint(&self) -> u128 {
        self.fingerprint
    }

    /// The number of distinct shingles in the set.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The MinHash signature of the set.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// One 64-bit key per band, band 0 first.
    pub fn band_keys(&self) -> &[u64] {
        &self.band_keys
    }

    /// The [`short_key`] of each band, band 0 first: the form the batch
    /// engine keeps.
    pub fn short_band_keys(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.band_keys.iter().map(|&k| short_key(k))
    }
}

/// Per-item sketches of one level (documents or passages), in item order, as
/// columns: what the batch engine keeps of each item instead of its shingle
/// set. In memory, 20 bytes per item (fingerprint and size) plus 4 per band
/// of short keys, unless the keys are spilled to a temporary file
/// ([`BandKeys`], under the configuration's
/// [`max_key_memory`](Config::max_key_memory)); plus the signatures when
/// kept.
#[derive(Debug)]
pub(crate) struct SketchColumns {
    level: Level,
    num_perm: usize,
    keep_signatures: bool,
    /// `bands` short band keys per item.
    keys: BandKeys,
    /// 128-bit fingerprint of each item's shingle set.
    fingerprints: Vec<u128>,
    /// Distinct shingles in each item's set.
    sizes: Vec<u32>,
    /// `num_perm` slots per item (estimate mode only).
    signatures: Vec<u32>,
}

impl SketchColumns {
    /// No items yet, of `level`, for `sketcher`; signatures are kept for
    /// [`Verification::Estimate`]; band keys go to disk as `spill` says.
    pub(crate) fn new(
        sketcher: &Sketcher,
        level: Level,
        verification: Verification,
        spill: SpillPolicy,
    ) -> Self {
        SketchColumns {
            level,
            num_perm: sketcher.hasher().num_perm(),
            keep_signatures: verification == Verification::Estimate,
            keys: BandKeys::new(sketcher.banding(level).bands(), spill),
            fingerprints: Vec::new(),
            sizes: Vec::new(),
            signatures: Vec::new(),
        }
    }

    /// Reserves room for `additional` more items.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.keys.reserve(additional);
        self.fingerprints.reserve(additional);
        self.sizes.reserve(additional);
        if self.keep_signatures {
            self.signatures.reserve(additional * self.num_perm);
        }
    }

    /// The number of items.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// Sketches a set (sorted, distinct shingles) as [`Sketcher::sketch`]
    /// does and appends it as the next item. `slots` is a reusable
    /// signature buffer, and holds the set's signature afterwards.
    pub(crate) fn push(&mut self, set: &[u64], sketcher: &Sketcher, slots: &mut Vec<u32>) {
        sketcher.signature_into(set, slots);
        self.push_signed(set, slots, sketcher);
    }

    /// Appends a set (sorted, distinct shingles) whose signature `slots`
    /// the caller computed (the signature of exactly this set, however it
    /// was built) as the next item.
    pub(crate) fn push_signed(&mut self, set: &[u64], slots: &[u32], sketcher: &Sketcher) {
        self.push_fingerprinted(set.len(), set_fingerprint128(set), slots, sketcher);
    }

    /// [`push_signed`](Self::push_signed) of a set of `len` shingles whose
    /// [`set_fingerprint128`] the caller computed too.
    pub(crate) fn push_fingerprinted(
        &mut self,
        len: usize,
        fingerprint: u128,
        slots: &[u32],
        sketcher: &Sketcher,
    ) {
        debug_assert_eq!(slots.len(), self.num_perm);
        self.keys
            .push(sketcher.band_keys(self.level, slots).map(short_key));
        self.fingerprints.push(fingerprint);
        self.sizes.push(u32::try_from(len).unwrap_or(u32::MAX));
        if self.keep_signatures {
            self.signatures.extend_from_slice(slots);
        }
    }

    /// Appends `other`'s items (keys in memory) after these, emptying it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the folder when band
    /// keys are spilled and the temporary file cannot be made or written.
    pub(crate) fn append(&mut self, other: &mut SketchColumns) -> Result<()> {
        self.keys.append(&mut other.keys)?;
        self.fingerprints.append(&mut other.fingerprints);
        self.sizes.append(&mut other.sizes);
        self.signatures.append(&mut other.signatures);
        Ok(())
    }

    /// The end of the appends: writes the last spilled keys and releases
    /// spare capacity.
    ///
    /// # Errors
    ///
    /// As [`append`](SketchColumns::append).
    pub(crate) fn seal(&mut self) -> Result<()> {
        self.keys.seal()?;
        self.fingerprints.shrink_to_fit();
        self.sizes.shrink_to_fit();
        self.signatures.shrink_to_fit();
        Ok(())
    }

    /// The fingerprints of all items, in item order.
    pub(crate) fn fingerprints(&self) -> &[u128] {
        &self.fingerprints
    }

    /// The short band keys of `item` (keys in memory only).
    #[cfg(test)]
    pub(crate) fn keys(&self, item: u32) -> &[u32] {
        self.keys.item(item)
    }

    /// The band keys, read one band at a time.
    pub(crate) fn band_keys(&self) -> &BandKeys {
        &self.keys
    }

    /// Keeps the signatures too (for the signature pre-filter), whatever the
    /// verification.
    pub(crate) fn with_signatures(mut self, on: bool) -> Self {
        self.keep_signatures |= on;
        self
    }

    /// Whether signatures are kept.
    pub(crate) fn has_signatures(&self) -> bool {
        self.keep_signatures
    }

    /// Signature slots per item.
    pub(crate) fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The signature of `item` (estimate mode only).
    pub(crate) fn signature(&self, item: u32) -> &[u32] {
        let k = self.num_perm;
        &self.signatures[item as usize * k..(item as usize + 1) * k]
    }

    /// The size of `item`'s set.
    pub(crate) fn size(&self, item: u32) -> usize {
        self.sizes[item as usize] as usize
    }

    /// Heap bytes held (capacity, not length); spilled keys are not held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.keys.heap_bytes()
            + self.fingerprints.capacity() * 16
            + self.sizes.capacity() * 4
            + self.signatures.capacity() * 4
    }

    /// Bytes of band keys written to a temporary file.
    pub(crate) fn spilled_bytes(&self) -> u64 {
        self.keys.spilled_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;

    #[test]
    fn columns_hold_what_item_sketches_hold() {
        let config = Config::new().shingle_size(2);
        let sketcher = Sketcher::new(&config).unwrap();
        let analyzer = Analyzer::new(&config).unwrap();
        let doc = analyzer.analyze("one two three four\n\nfive six seven\n\nx");
        let mut columns = SketchColumns::new(
            &sketcher,
            Level::Passage,
            Verification::Estimate,
            SpillPolicy::never(),
        );
        let mut slots = Vec::new();
        for (_, p) in sketcher.compared_passages(&doc) {
            columns.push(p.shingles().as_slice(), &sketcher, &mut slots);
        }
        assert_eq!(columns.len(), 3);
        for (i, (_, p)) in sketcher.compared_passages(&doc).enumerate() {
            let s = sketcher.sketch(Level::Passage, p.shingles());
            let i = i as u32;
            assert_eq!(columns.fingerprints()[i as usize], s.fingerprint());
            assert_eq!(columns.size(i), s.size());
            assert_eq!(columns.signature(i), s.signature().as_slice());
            assert!(columns.keys(i).iter().copied().eq(s.short_band_keys()));
        }
    }

    #[test]
    fn passage_rule_needs_passages_tokens_and_shingles() {
        let on = Sketcher::new(&Config::new().min_passage_tokens(3)).unwrap();
        assert!(on.compares_passage(3, 1));
        assert!(!on.compares_passage(2, 1));
        assert!(!on.compares_passage(5, 0));
        // A minimum of 0 means 1: a passage without tokens is never compared.
        let zero = Sketcher::new(&Config::new().min_passage_tokens(0)).unwrap();
        assert!(!zero.compares_passage(0, 0));
        let off = Sketcher::new(&Config::new().passages(false)).unwrap();
        assert!(!off.compares_passage(100, 100));
        assert!(off.compares_document(1) && !off.compares_document(0));
    }

    #[test]
    fn sketch_keys_are_the_banding_keys_of_the_signature() {
        let config = Config::new();
        let sketcher = Sketcher::new(&config).unwrap();
        let set = ShingleSet::from_hashes((0..40u64).collect::<Vec<_>>());
        let s = sketcher.sketch(Level::Document, &set);
        let want: Vec<u64> = sketcher
            .banding(Level::Document)
            .band_keys(s.signature(), config.get_seed())
            .map(|(_, k)| k)
            .collect();
        assert_eq!(s.band_keys(), want.as_slice());
        assert_eq!(s.fingerprint(), set.fingerprint128());
        assert_eq!(
            s.signature(),
            &sketcher
                .hasher()
                .signature_from_shingles(set.as_slice().iter().copied())
        );
    }
}
