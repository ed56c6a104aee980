//! Stage 5b: the LSH index — band tables that map band keys to items.
//!
//! [`LshIndex`] holds one table per band. Items get dense `u32` ids in
//! insertion order (0, 1, 2, ...). Each table maps a band key to the newest
//! item with that key, and a per-band `next` array links each item to the
//! previous item with the same key, so a bucket is a chain through `next`.
//! That costs about 4 bytes per item per band plus one table entry per
//! distinct key, with no allocation per bucket, and supports both batch use
//! (insert everything, then ask each item for its earlier candidates) and
//! incremental use (query, then insert).
//!
//! Output is deterministic: candidates come back sorted, whatever the hash
//! tables' internal order.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::lsh::Banding;
use crate::minhash::Signature;

/// Band keys are already uniform XXH3 outputs: the table uses them as their
/// own hash instead of hashing them again.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8)) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

const NONE: u32 = u32::MAX;

/// A MinHash LSH index over signatures.
///
/// # Example
///
/// ```
/// use echodup::{Banding, LshIndex, MinHasher};
///
/// let hasher = MinHasher::new(128, echodup::DEFAULT_SEED);
/// let mut index = LshIndex::new(Banding::for_threshold(0.8, 128)?, echodup::DEFAULT_SEED);
/// let a = index.insert(&hasher.signature_from_shingles(0..100u64))?;
/// let _b = index.insert(&hasher.signature_from_shingles(1000..1100u64))?;
/// let query = hasher.signature_from_shingles(2..100u64); // J = 0.98 with a
/// assert_eq!(index.query(&query), vec![a]);
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone)]
pub struct LshIndex {
    banding: Banding,
    seed: u64,
    heads: Vec<KeyMap<u32>>,
    next: Vec<Vec<u32>>,
    len: u32,
}

impl std::fmt::Debug for LshIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LshIndex")
            .field("banding", &self.banding)
            .field("len", &self.len)
            .field("memory_usage", &self.memory_usage())
            .finish()
    }
}

impl LshIndex {
    /// An empty index with the given banding; `seed` seeds the band keys.
    pub fn new(banding: Banding, seed: u64) -> Self {
        LshIndex {
            banding,
            seed,
            heads: (0..banding.bands()).map(|_| KeyMap::default()).collect(),
            next: vec![Vec::new(); banding.bands()],
            len: 0,
        }
    }

    /// The banding in use.
    pub fn banding(&self) -> Banding {
        self.banding
    }

    /// The number of items inserted.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The band keys of `signature` under this index's banding and seed.
    pub fn keys(&self, signature: &Signature) -> Vec<u64> {
        self.banding
            .band_keys(signature, self.seed)
            .map(|(_, k)| k)
            .collect()
    }

    /// Inserts a signature and returns its id (the number of items before it).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) past `u32::MAX - 1` items.
    ///
    /// # Panics
    ///
    /// If the signature's length is not the banding's `num_perm`.
    pub fn insert(&mut self, signature: &Signature) -> crate::Result<u32> {
        let keys = self.keys(signature);
        self.insert_keys(&keys)
    }

    /// Inserts an item by its precomputed band keys (one per band).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) past `u32::MAX - 1` items.
    ///
    /// # Panics
    ///
    /// If `keys.len()` is not the number of bands.
    pub fn insert_keys(&mut self, keys: &[u64]) -> crate::Result<u32> {
        assert_eq!(
            keys.len(),
            self.banding.bands(),
            "one key per band expected"
        );
        if self.len == NONE - 1 {
            return Err(crate::Error::capacity(
                "items in one index",
                (NONE - 1) as u64,
            ));
        }
        let id = self.len;
        for ((table, next), &key) in self.heads.iter_mut().zip(&mut self.next).zip(keys) {
            let prev = table.insert(key, id).unwrap_or(NONE);
            next.push(prev);
        }
        self.len += 1;
        Ok(id)
    }

    /// The ids of every item that shares a band key with `signature`, sorted,
    /// each once.
    pub fn query(&self, signature: &Signature) -> Vec<u32> {
        self.query_keys(&self.keys(signature), u32::MAX)
    }

    /// The ids below `below` that share at least one of `keys` (one per band),
    /// sorted, each once. With `below` set to an item's own id, this is that
    /// item's candidates among the items inserted before it.
    pub fn query_keys(&self, keys: &[u64], below: u32) -> Vec<u32> {
        let mut out = Vec::new();
        for ((table, next), key) in self.heads.iter().zip(&self.next).zip(keys) {
            let mut at = table.get(key).copied().unwrap_or(NONE);
            while at != NONE {
                if at < below {
                    out.push(at);
                }
                at = next[at as usize];
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every candidate pair `(a, b)` with `a < b`, sorted, each once.
    ///
    /// Quadratic in the size of each bucket; identical items are best
    /// collapsed before indexing (the [`Deduplicator`](crate::Deduplicator)
    /// does so).
    pub fn candidate_pairs(&self) -> Vec<(u32, u32)> {
        let mut pairs = Vec::new();
        for (table, next) in self.heads.iter().zip(&self.next) {
            for &head in table.values() {
                let mut members = Vec::new();
                let mut at = head;
                while at != NONE {
                    members.push(at);
                    at = next[at as usize];
                }
                members.sort_unstable();
                for (i, &a) in members.iter().enumerate() {
                    for &b in &members[i + 1..] {
                        pairs.push((a, b));
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Approximate heap bytes held (table entries and chain links).
    pub fn memory_usage(&self) -> usize {
        let tables: usize = self.heads.iter().map(|t| t.capacity() * 13).sum();
        let links: usize = self.next.iter().map(|n| n.capacity() * 4).sum();
        tables + links
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::SplitMix64;
    use crate::minhash::MinHasher;
    use proptest::prelude::*;

    /// The oracle: two items are candidates iff some band of their signatures
    /// is equal, compared directly.
    fn naive_pairs(sigs: &[Signature], banding: Banding) -> Vec<(u32, u32)> {
        let r = banding.rows();
        let mut out = Vec::new();
        for i in 0..sigs.len() {
            for j in i + 1..sigs.len() {
                let share = (0..banding.bands()).any(|band| {
                    sigs[i].as_slice()[band * r..(band + 1) * r]
                        == sigs[j].as_slice()[band * r..(band + 1) * r]
                });
                if share {
                    out.push((i as u32, j as u32));
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn candidate_pairs_equal_naive_banding(seed in any::<u64>(), n in 2usize..40, rows in 1usize..5) {
            let banding = Banding::new(8, rows).unwrap();
            let hasher = MinHasher::new(banding.num_perm(), seed);
            let mut g = SplitMix64::new(seed);
            // Sets drawn from a small universe so that many pairs overlap.
            let sigs: Vec<Signature> = (0..n).map(|_| {
                let len = 1 + g.next_u64() % 6;
                hasher.signature_from_shingles((0..len).map(|_| g.next_u64() % 12))
            }).collect();
            let mut index = LshIndex::new(banding, seed);
            for s in &sigs { index.insert(s).unwrap(); }
            let expected = naive_pairs(&sigs, banding);
            prop_assert_eq!(index.candidate_pairs(), expected.clone());
            // Per-item queries of earlier items give the same pairs.
            let mut from_queries = Vec::new();
            for (i, s) in sigs.iter().enumerate() {
                for j in index.query_keys(&index.keys(s), i as u32) {
                    from_queries.push((j, i as u32));
                }
            }
            from_queries.sort_unstable();
            prop_assert_eq!(from_queries, expected);
        }
    }

    #[test]
    fn query_finds_only_sharing_items() {
        let banding = Banding::new(4, 2).unwrap();
        let mut index = LshIndex::new(banding, 1);
        let a = Signature::from_values(vec![1, 2, 3, 4, 5, 6, 7, 8]);
        let b = Signature::from_values(vec![9, 9, 9, 9, 9, 9, 7, 8]);
        let c = Signature::from_values(vec![0, 0, 0, 0, 0, 0, 0, 0]);
        index.insert(&a).unwrap();
        index.insert(&b).unwrap();
        index.insert(&c).unwrap();
        assert_eq!(index.query(&a), vec![0, 1]);
        assert_eq!(index.query(&c), vec![2]);
        assert_eq!(index.candidate_pairs(), vec![(0, 1)]);
        assert_eq!(index.len(), 3);
    }
}
