//! Stage 3: shingles, and the sets of them that similarity is measured on.
//!
//! A [`Shingler`] turns normalized text into tokens and then into shingles:
//! `n` consecutive tokens hashed to a `u64`.
//!
//! - [`Shingling::Words`]`(n)` (default `n = 5`): tokens are the words of the
//!   normalized text (split at spaces); each word is hashed with XXH3-64 under
//!   the seed, and a shingle is XXH3-64 of its `n` word hashes (8 little-endian
//!   bytes each) under the seed.
//! - [`Shingling::Chars`]`(n)`: tokens are the characters of the normalized
//!   text, spaces included (for text written without spaces, such as Chinese or
//!   Japanese, and for OCR-noisy text where words break); a token is the
//!   character's code point and a shingle is hashed as above.
//! - [`Shingling::Glyphs`]`(n)`: tokens are the characters of the normalized
//!   text other than spaces, as [`Shingling::Chars`] otherwise. Where a scan
//!   splits a word (`corre spondent`) or runs two together (`ofthe`), the
//!   shingles do not change: for OCR output.
//!
//! Short texts: a text with fewer than `n` tokens (but at least one) gives one
//! shingle, the hash of all its tokens; an empty text gives no shingle. A
//! passage with one shingle therefore only ever matches a passage with the
//! same normalized text, which is what boilerplate lines ("Advertisement",
//! "More in Politics") need.
//!
//! The [`ShingleSet`] of a text is its shingles, sorted and without repeats;
//! Jaccard similarity and containment are computed exactly on it.

use std::ops::Range;

use crate::hash::{WindowHasher, hash_bytes, hash_u64s};

/// Which tokens shingles are made of, and how many per shingle.
///
/// Text form (`Display`/`FromStr`, serde, the index file's configuration
/// text): `words:N`, `chars:N` or `glyphs:N`.
///
/// ```
/// use echodup::Shingling;
///
/// assert_eq!("chars:5".parse::<Shingling>()?, Shingling::Chars(5));
/// assert_eq!(Shingling::Words(3).to_string(), "words:3");
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shingling {
    /// `n` consecutive words. The default, with `n = 5`.
    Words(usize),
    /// `n` consecutive characters (spaces included).
    Chars(usize),
    /// `n` consecutive characters other than spaces: spacing differences
    /// (a word split in two, two words run together) do not change the
    /// shingles. For OCR output of printed columns.
    ///
    /// ```
    /// use echodup::shingle::{Shingler, Shingling};
    ///
    /// let s = Shingler::new(Shingling::Glyphs(4), echodup::DEFAULT_SEED);
    /// assert_eq!(s.shingle_set("the corre spondent"), s.shingle_set("thecorrespondent"));
    /// ```
    Glyphs(usize),
}

impl Default for Shingling {
    fn default() -> Self {
        Shingling::Words(5)
    }
}

impl Shingling {
    /// The number of tokens per shingle.
    pub const fn size(&self) -> usize {
        match *self {
            Shingling::Words(n) | Shingling::Chars(n) | Shingling::Glyphs(n) => n,
        }
    }
}

impl std::fmt::Display for Shingling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Shingling::Words(n) => write!(f, "words:{n}"),
            Shingling::Chars(n) => write!(f, "chars:{n}"),
            Shingling::Glyphs(n) => write!(f, "glyphs:{n}"),
        }
    }
}

impl std::str::FromStr for Shingling {
    type Err = crate::Error;

    /// Reads `words:N`, `chars:N` or `glyphs:N`. The size is not range-checked here
    /// ([`Config::validate`](crate::Config::validate) does that).
    fn from_str(s: &str) -> crate::Result<Self> {
        let bad = || {
            crate::Error::invalid_config(
                "shingling",
                format!("must be words:N, chars:N or glyphs:N (got {s:?})"),
            )
        };
        let key = crate::text::canonical(s);
        let (kind, n) = key.split_once(':').ok_or_else(bad)?;
        let n: usize = n.parse().map_err(|_| bad())?;
        match kind {
            "words" => Ok(Shingling::Words(n)),
            "chars" => Ok(Shingling::Chars(n)),
            "glyphs" => Ok(Shingling::Glyphs(n)),
            _ => Err(bad()),
        }
    }
}

crate::text::serde_via_text!(Shingling);

/// Turns normalized text into tokens and shingle hashes.
///
/// # Example
///
/// ```
/// use echodup::shingle::{Shingler, Shingling};
///
/// let s = Shingler::new(Shingling::Words(3), echodup::DEFAULT_SEED);
/// assert_eq!(s.shingles("a b c d e").len(), 3); // "a b c", "b c d", "c d e"
/// assert_eq!(s.shingles("a b").len(), 1);       // shorter than 3 words: one shingle
/// assert!(s.shingles("").is_empty());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shingler {
    shingling: Shingling,
    seed: u64,
}

impl Shingler {
    /// A shingler for `shingling` under `seed`.
    ///
    /// # Panics
    ///
    /// If the shingle size is 0 ([`Config`](crate::Config) rejects that with an error).
    pub fn new(shingling: Shingling, seed: u64) -> Self {
        assert!(shingling.size() > 0, "shingle size must be at least 1");
        Shingler { shingling, seed }
    }

    /// The shingling in use.
    pub const fn shingling(&self) -> Shingling {
        self.shingling
    }

    /// The seed of the token and shingle hashes.
    pub(crate) const fn seed(&self) -> u64 {
        self.seed
    }

    /// Appends the tokens of `normalized` to `out`: word hashes for
    /// [`Shingling::Words`], code points for [`Shingling::Chars`], code
    /// points other than spaces for [`Shingling::Glyphs`].
    pub fn tokens_into(&self, normalized: &str, out: &mut Vec<u64>) {
        match self.shingling {
            Shingling::Words(_) => {
                // Normalized text has single spaces and no edge spaces, but
                // any text is accepted: empty pieces are skipped.
                for w in normalized.as_bytes().split(|&b| b == b' ') {
                    if !w.is_empty() {
                        out.push(hash_bytes(w, self.seed));
                    }
                }
            }
            Shingling::Chars(_) => out.extend(normalized.chars().map(|c| c as u64)),
            Shingling::Glyphs(_) => {
                out.extend(normalized.chars().filter(|&c| c != ' ').map(|c| c as u64))
            }
        }
    }

    /// The token that separates two passages when a document's tokens are
    /// the concatenation of its passages' tokens: none for words and glyphs,
    /// a space for characters.
    pub(crate) fn passage_joiner(&self) -> Option<u64> {
        match self.shingling {
            Shingling::Words(_) | Shingling::Glyphs(_) => None,
            Shingling::Chars(_) => Some(' ' as u64),
        }
    }

    /// Appends the shingle hashes of a token sequence to `out`, in order
    /// (repeats included).
    pub fn shingles_from_tokens_into(&self, tokens: &[u64], out: &mut Vec<u64>) {
        let n = self.shingling.size();
        if tokens.is_empty() {
            return;
        }
        if tokens.len() < n {
            out.push(hash_u64s(tokens, self.seed));
            return;
        }
        out.reserve(tokens.len() + 1 - n);
        if WindowHasher::LENGTHS.contains(&n) {
            // Each window hashed on its tokens, as `hash_u64s` hashes it.
            let hasher = WindowHasher::new(self.seed);
            out.extend(tokens.windows(n).map(|w| hasher.hash(w)));
        } else {
            out.extend(tokens.windows(n).map(|w| hash_u64s(w, self.seed)));
        }
    }

    /// The shingle hashes of normalized text, in order (repeats included).
    pub fn shingles(&self, normalized: &str) -> Vec<u64> {
        let mut tokens = Vec::new();
        self.tokens_into(normalized, &mut tokens);
        let mut out = Vec::new();
        self.shingles_from_tokens_into(&tokens, &mut out);
        out
    }

    /// The shingle set of normalized text.
    pub fn shingle_set(&self, normalized: &str) -> ShingleSet {
        ShingleSet::from_hashes(self.shingles(normalized))
    }
}

/// A set of shingle hashes, kept sorted and without repeats.
///
/// Exact Jaccard similarity and containment are computed on these sets by a
/// linear merge. Eight bytes per distinct shingle.
///
/// # Example
///
/// ```
/// use echodup::ShingleSet;
///
/// let a = ShingleSet::from_hashes(vec![3, 1, 2, 2]);
/// let b = ShingleSet::from_hashes([2, 3, 4]);
/// assert_eq!(a.as_slice(), &[1, 2, 3]);
/// assert_eq!(a.intersection_len(&b), 2);
/// assert_eq!(a.jaccard(&b), 0.5);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShingleSet(Box<[u64]>);

impl ShingleSet {
    /// A set from any shingle hashes (sorted and deduplicated here).
    pub fn from_hashes(hashes: impl Into<Vec<u64>>) -> Self {
        let mut v: Vec<u64> = hashes.into();
        sort_dedup_tail(&mut v, 0, &mut SortScratch::default());
        ShingleSet(v.into_boxed_slice())
    }

    /// A set from hashes already sorted and deduplicated.
    pub(crate) fn from_sorted(hashes: Vec<u64>) -> Self {
        debug_assert!(hashes.windows(2).all(|w| w[0] < w[1]));
        ShingleSet(hashes.into_boxed_slice())
    }

    /// The sorted hashes.
    pub fn as_slice(&self) -> &[u64] {
        &self.0
    }

    /// The number of distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty (the text had no tokens).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// |self ∩ other|, by a merge of the two sorted sets (branch-free, with
    /// AVX2 where the CPU has it; by galloping when one set is much larger).
    pub fn intersection_len(&self, other: &ShingleSet) -> usize {
        crate::verify::intersect::intersection_len(&self.0, &other.0)
    }

    /// Exact Jaccard similarity |A∩B| / |A∪B|. Two empty sets have similarity 0:
    /// an empty text duplicates nothing.
    pub fn jaccard(&self, other: &ShingleSet) -> f64 {
        crate::verify::Similarity::exact(self, other).jaccard
    }

    /// A 64-bit fingerprint of the whole set, equal for equal sets.
    pub fn fingerprint(&self) -> u64 {
        crate::hash::hash_u64s(&self.0, 0x5345_5446_5052_4e54)
    }

    /// The 128-bit fingerprint (XXH3-128) by which
    /// [`Deduplicator::run`](crate::Deduplicator::run) collapses identical
    /// sets before banding: equal for equal sets, and a collision among 10⁹
    /// distinct sets has probability below 10⁻²⁰. Engines that group
    /// identical texts outside the library (Spark, through the Python
    /// bindings) group by this value to get the library's groups.
    pub fn fingerprint128(&self) -> u128 {
        set_fingerprint128(&self.0)
    }
}

/// Sets of at least this many hashes are sorted by [`sort_dedup_tail`]'s
/// bucket sort; smaller ones by `sort_unstable`.
const BUCKET_SORT_MIN: usize = 256;

/// Reusable buffers of [`sort_dedup_tail`] and [`sort_document_and_passages`].
#[derive(Debug, Default)]
pub(crate) struct SortScratch {
    buckets: Vec<u32>,
    tmp: Vec<u64>,
    tmp_tags: Vec<u32>,
    /// Per passage: where its next hash goes in the passage sets.
    cursors: Vec<usize>,
}

/// The tag of a document shingle that belongs to no passage's set (a
/// window across a passage break) in [`sort_document_and_passages`].
pub(crate) const NO_PASSAGE: u32 = u32::MAX;

/// Sorts and deduplicates a document's shingles `doc` and its passages'
/// shingle lists, which lie one after another in `passage_sets` at
/// `ranges` (in order); each range is updated to its passage's set, the
/// sets again one after another from the start of `passage_sets`.
///
/// `tags[i]` is the passage whose list `doc[i]` comes from, or
/// [`NO_PASSAGE`]; a passage's list is either all in `doc` under its tag or
/// not at all. The result is that of [`sort_dedup_tail`] on `doc` and on
/// each list, but one bucket sort of the document (hashes and tags moved
/// together) orders the passages' lists too: a pass over the sorted
/// document deals each hash back to its passage, in order, so the passages
/// need no sort of their own. Small or skewed documents take the plain
/// sorts.
pub(crate) fn sort_document_and_passages(
    doc: &mut Vec<u64>,
    tags: &[u32],
    passage_sets: &mut Vec<u64>,
    ranges: &mut [Range<usize>],
    s: &mut SortScratch,
) {
    assert_eq!(doc.len(), tags.len(), "one tag per document shingle");
    let n = doc.len();
    if n < BUCKET_SORT_MIN || !bucket_sort_tagged(doc, tags, s) {
        // What `sort_dedup_tail` does with a small or skewed document.
        compact_passage_sets(passage_sets, ranges, |_, list| {
            list.sort_unstable();
            dedup_sorted(list)
        });
        comparison_sort_dedup_tail(doc, 0);
        return;
    }
    let SortScratch {
        tmp,
        tmp_tags,
        cursors,
        ..
    } = s;
    // The document sorted, repeats included, with each hash's tag.
    let (sorted, sorted_tags) = (&tmp[..n], &tmp_tags[..n]);
    cursors.clear();
    cursors.extend(ranges.iter().map(|r| r.start));
    for (&x, &t) in sorted.iter().zip(sorted_tags) {
        if t == NO_PASSAGE {
            continue;
        }
        let p = t as usize;
        let c = cursors[p];
        // Repeats of a hash are adjacent in the sorted document, so within
        // one passage they come one after another.
        if c == ranges[p].start || passage_sets[c - 1] != x {
            passage_sets[c] = x;
            cursors[p] = c + 1;
        }
    }
    // A passage with tags now holds its set at the start of its range; one
    // without (its list is not in the document) is sorted on its own.
    for (c, r) in cursors.iter_mut().zip(ranges.iter()) {
        *c -= r.start;
    }
    compact_passage_sets(passage_sets, ranges, |p, list| {
        if cursors[p] > 0 {
            cursors[p]
        } else {
            list.sort_unstable();
            dedup_sorted(list)
        }
    });
    // The document without repeats (branch-free).
    doc[0] = sorted[0];
    let mut w = 1;
    for i in 1..n {
        let x = sorted[i];
        doc[w] = x;
        w += usize::from(x != sorted[i - 1]);
    }
    doc.truncate(w);
}

/// Moves each passage's set to follow the previous one: `set_len(p, list)`
/// gets passage `p`'s region of `passage_sets` and returns how many values
/// at its start are its set.
fn compact_passage_sets(
    passage_sets: &mut Vec<u64>,
    ranges: &mut [Range<usize>],
    mut set_len: impl FnMut(usize, &mut [u64]) -> usize,
) {
    let mut w = 0;
    for (p, range) in ranges.iter_mut().enumerate() {
        debug_assert!(range.start >= w, "ranges in order");
        let len = set_len(p, &mut passage_sets[range.clone()]);
        passage_sets.copy_within(range.start..range.start + len, w);
        *range = w..w + len;
        w += len;
    }
    passage_sets.truncate(w);
}

/// Removes the repeats of a sorted slice, in place; returns how many
/// distinct values lead it.
fn dedup_sorted(v: &mut [u64]) -> usize {
    if v.is_empty() {
        return 0;
    }
    let mut w = 1;
    for r in 1..v.len() {
        if v[r] != v[w - 1] {
            v[w] = v[r];
            w += 1;
        }
    }
    w
}

/// The bucket sort of [`sort_dedup_tail`] on `doc` with `tags` moved along,
/// into `s.tmp` and `s.tmp_tags` (repeats kept); `false`, with nothing
/// done, when the hashes are not spread evenly enough for it.
fn bucket_sort_tagged(doc: &[u64], tags: &[u32], s: &mut SortScratch) -> bool {
    let n = doc.len();
    let buckets = &mut s.buckets;
    let Some(shift) = bucket_starts(doc, buckets) else {
        return false;
    };
    let (tmp, tmp_tags) = (&mut s.tmp, &mut s.tmp_tags);
    if tmp.len() < n {
        tmp.resize(n, 0);
    }
    if tmp_tags.len() < n {
        tmp_tags.resize(n, 0);
    }
    for (&x, &t) in doc.iter().zip(tags) {
        let b = &mut buckets[(x >> shift) as usize];
        tmp[*b as usize] = x;
        tmp_tags[*b as usize] = t;
        *b += 1;
    }
    // Insertion sort within the buckets, as in `bucket_sort_dedup_tail`.
    for i in 1..n {
        let (x, t) = (tmp[i], tmp_tags[i]);
        let mut j = i;
        while j > 0 && tmp[j - 1] > x {
            tmp[j] = tmp[j - 1];
            tmp_tags[j] = tmp_tags[j - 1];
            j -= 1;
        }
        tmp[j] = x;
        tmp_tags[j] = t;
    }
    true
}

/// Sorts `v[start..]` and removes its repeats, in place.
///
/// Shingle hashes are uniform 64-bit values, so from [`BUCKET_SORT_MIN`]
/// hashes on they are sorted by one counting pass on their top
/// `⌊log₂ n⌋` bits (at most 16): a scatter into buckets of about one or two
/// hashes each, then an insertion sort of each bucket, with repeats dropped
/// as the buckets are written back. If any bucket would hold more than 32
/// hashes (a skewed input, such as one shingle repeated), the whole input
/// is sorted by `sort_unstable` instead, so it costs no more than a
/// comparison sort. No comparison sort
/// of the whole set: about three passes over it.
pub(crate) fn sort_dedup_tail(v: &mut Vec<u64>, start: usize, s: &mut SortScratch) {
    let n = v.len() - start;
    if n < BUCKET_SORT_MIN {
        comparison_sort_dedup_tail(v, start);
        return;
    }
    bucket_sort_dedup_tail(v, start, s);
}

/// `v[start..]` sorted by comparison, repeats dropped.
fn comparison_sort_dedup_tail(v: &mut Vec<u64>, start: usize) {
    v[start..].sort_unstable();
    let len = dedup_sorted(&mut v[start..]);
    v.truncate(start + len);
}

/// Counts `values` (at least two) into `2^⌊log₂ n⌋` buckets (at most
/// 2^16) by their top bits and leaves in `buckets[b]` where bucket `b`
/// starts; returns the shift that gives a value's bucket, or `None` when a
/// bucket would hold more than 32 values (a skewed input).
fn bucket_starts(values: &[u64], buckets: &mut Vec<u32>) -> Option<u32> {
    let n = values.len();
    let bits = (usize::BITS - 1 - n.leading_zeros()).min(16);
    let shift = 64 - bits;
    buckets.clear();
    buckets.resize((1 << bits) + 1, 0);
    // buckets[b + 1] counts bucket b; after the prefix sum, buckets[b] is
    // where bucket b starts.
    for &x in values {
        buckets[(x >> shift) as usize + 1] += 1;
    }
    let mut largest = 0;
    for b in 1..buckets.len() {
        largest = largest.max(buckets[b]);
        buckets[b] += buckets[b - 1];
    }
    (largest <= 32).then_some(shift)
}

/// The bucket sort of [`sort_dedup_tail`].
fn bucket_sort_dedup_tail(v: &mut Vec<u64>, start: usize, s: &mut SortScratch) {
    let n = v.len() - start;
    let buckets = &mut s.buckets;
    let Some(shift) = bucket_starts(&v[start..], buckets) else {
        // Not uniform: a comparison sort.
        comparison_sort_dedup_tail(v, start);
        return;
    };
    let tmp = &mut s.tmp;
    if tmp.len() < n {
        tmp.resize(n, 0);
    }
    for &x in &v[start..] {
        let b = &mut buckets[(x >> shift) as usize];
        tmp[*b as usize] = x;
        *b += 1;
    }
    // Every hash is in its bucket, the buckets in order: one insertion
    // sort over the whole buffer only moves hashes within their bucket.
    for i in 1..n {
        let x = tmp[i];
        let mut j = i;
        while j > 0 && tmp[j - 1] > x {
            tmp[j] = tmp[j - 1];
            j -= 1;
        }
        tmp[j] = x;
    }
    // Write back without repeats (branch-free).
    v[start] = tmp[0];
    let mut w = start + 1;
    for i in 1..n {
        let x = tmp[i];
        v[w] = x;
        w += usize::from(x != tmp[i - 1]);
    }
    v.truncate(w);
}

/// A 128-bit fingerprint (XXH3-128) of a sorted, deduplicated shingle set,
/// by which the batch engine collapses identical sets without keeping them.
pub(crate) fn set_fingerprint128(sorted: &[u64]) -> u128 {
    crate::hash::hash_u64s_128(sorted, 0x5345_5446_5052_4e54)
}

impl std::fmt::Debug for ShingleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShingleSet")
            .field("len", &self.0.len())
            .finish()
    }
}

impl From<Vec<u64>> for ShingleSet {
    fn from(v: Vec<u64>) -> Self {
        ShingleSet::from_hashes(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_SEED;
    use proptest::prelude::*;

    #[test]
    fn shingle_hashes_known_answer() {
        // Pinned: a change here is a format change.
        let s = Shingler::new(Shingling::Words(2), DEFAULT_SEED);
        let h = s.shingles("the cat sat");
        let w = |x: &str| hash_bytes(x.as_bytes(), DEFAULT_SEED);
        assert_eq!(
            h,
            vec![
                hash_u64s(&[w("the"), w("cat")], DEFAULT_SEED),
                hash_u64s(&[w("cat"), w("sat")], DEFAULT_SEED)
            ]
        );
        assert_eq!(s.shingles("the cat")[0], 0xa1af_d20b_3c10_c2d7);
    }

    #[test]
    fn short_text_is_one_shingle_and_empty_is_none() {
        let s = Shingler::new(Shingling::Words(5), DEFAULT_SEED);
        assert_eq!(s.shingles("one two").len(), 1);
        assert_ne!(s.shingles("one two"), s.shingles("one three"));
        assert!(s.shingles("").is_empty());
        let c = Shingler::new(Shingling::Chars(4), DEFAULT_SEED);
        assert_eq!(c.shingles("ab").len(), 1);
        assert_eq!(c.shingles("東京タワー").len(), 2);
    }

    #[test]
    fn fingerprint128_is_the_engine_fingerprint_and_tells_sets_apart() {
        let a = ShingleSet::from_hashes(vec![3, 1, 2, 2]);
        let b = ShingleSet::from_hashes(vec![1, 2, 3]);
        let c = ShingleSet::from_hashes(vec![1, 2, 4]);
        assert_eq!(a.fingerprint128(), b.fingerprint128());
        assert_ne!(a.fingerprint128(), c.fingerprint128());
        assert_eq!(a.fingerprint128(), set_fingerprint128(&[1, 2, 3]));
        // The empty set has a fingerprint of its own.
        assert_eq!(
            ShingleSet::default().fingerprint128(),
            set_fingerprint128(&[])
        );
        assert_ne!(ShingleSet::default().fingerprint128(), a.fingerprint128());
    }

    #[test]
    fn empty_sets_have_similarity_zero() {
        let e = ShingleSet::default();
        assert_eq!(e.jaccard(&e), 0.0);
    }

    proptest! {
        #[test]
        fn shingle_count_is_max_of_tokens_minus_n_plus_one(words in prop::collection::vec("[a-z]{1,6}", 0..40), n in 1usize..8) {
            let text = words.join(" ");
            let s = Shingler::new(Shingling::Words(n), DEFAULT_SEED);
            let expected = match words.len() { 0 => 0, k if k < n => 1, k => k - n + 1 };
            prop_assert_eq!(s.shingles(&text).len(), expected);
        }

        #[test]
        fn char_shingle_count(text in "[a-z 東京]{0,40}", n in 1usize..6) {
            let s = Shingler::new(Shingling::Chars(n), DEFAULT_SEED);
            let k = text.chars().count();
            let expected = match k { 0 => 0, k if k < n => 1, k => k - n + 1 };
            prop_assert_eq!(s.shingles(&text).len(), expected);
        }

        #[test]
        fn shingles_are_hashes_of_each_window(tokens in prop::collection::vec(any::<u64>(), 0..200), n in 1usize..20) {
            let s = Shingler::new(Shingling::Words(n), 11);
            let mut out = vec![7];
            s.shingles_from_tokens_into(&tokens, &mut out);
            let expected: Vec<u64> = if tokens.is_empty() {
                vec![]
            } else if tokens.len() < n {
                vec![hash_u64s(&tokens, 11)]
            } else {
                tokens.windows(n).map(|w| hash_u64s(w, 11)).collect()
            };
            prop_assert_eq!(&out[1..], &expected[..]);
        }

        #[test]
        fn shingles_are_deterministic(text in "[a-z ]{0,80}") {
            let s = Shingler::new(Shingling::Words(3), 42);
            prop_assert_eq!(s.shingles(&text), s.shingles(&text));
        }

        #[test]
        fn bucket_sort_equals_sort_and_dedup(v in prop::collection::vec(any::<u64>(), 0..2000), few in prop::collection::vec(0u64..8, 0..400), start in 0usize..5, skew in 0u32..64) {
            // Uniform hashes, many repeats of few values, and hashes whose
            // top bits are all alike (one huge bucket).
            for input in [v.clone(), few, v.iter().map(|x| x >> skew).collect()] {
                let mut expected = input.clone();
                let start = start.min(input.len());
                expected[start..].sort_unstable();
                let mut tail = expected.split_off(start);
                tail.dedup();
                expected.extend(tail);
                let mut got = input;
                sort_dedup_tail(&mut got, start, &mut SortScratch::default());
                prop_assert_eq!(got, expected);
            }
        }

        #[test]
        fn document_and_passages_sort_equals_separate_sorts(
            lists in prop::collection::vec((prop::collection::vec(any::<u64>(), 0..150), any::<bool>()), 0..12),
            cross in prop::collection::vec(any::<u64>(), 0..40),
            repeats in 0usize..60,
            skew in prop::sample::select(vec![0u32, 0, 0, 8, 60]),
        ) {
            // Passage lists (in the document or not), windows across
            // breaks, repeats within and across passages, and hashes whose
            // top bits are alike (the plain sorts then); documents from a
            // few hashes to past the bucket sort's threshold.
            let mut lists: Vec<(Vec<u64>, bool)> = lists
                .into_iter()
                .map(|(l, in_doc)| (l.iter().map(|x| x >> skew).collect(), in_doc))
                .collect();
            for r in 0..repeats.min(lists.len() * 4) {
                let (from, to) = (r % lists.len(), (r * 7 + 3) % lists.len());
                if let Some(&x) = lists[from].0.get(r % 5) {
                    lists[to].0.push(x);
                }
            }
            let cross: Vec<u64> = cross.iter().map(|x| x >> skew).collect();
            let (mut passage_sets, mut ranges, mut doc, mut tags) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (p, (list, in_doc)) in lists.iter().enumerate() {
                ranges.push(passage_sets.len()..passage_sets.len() + list.len());
                passage_sets.extend_from_slice(list);
                if *in_doc {
                    doc.extend_from_slice(list);
                    tags.extend(std::iter::repeat_n(p as u32, list.len()));
                }
            }
            doc.extend_from_slice(&cross);
            tags.extend(std::iter::repeat_n(NO_PASSAGE, cross.len()));
            let mut expected_doc = doc.clone();
            expected_doc.sort_unstable();
            expected_doc.dedup();
            let mut s = SortScratch::default();
            // Twice with the same scratch: buffers left from a larger
            // document must not leak into the next.
            for _ in 0..2 {
                let (mut d, mut sets, mut rs) = (doc.clone(), passage_sets.clone(), ranges.clone());
                sort_document_and_passages(&mut d, &tags, &mut sets, &mut rs, &mut s);
                prop_assert_eq!(&d, &expected_doc);
                let mut at = 0;
                for ((list, _), r) in lists.iter().zip(&rs) {
                    let mut expected = list.clone();
                    expected.sort_unstable();
                    expected.dedup();
                    prop_assert_eq!(r.start, at);
                    prop_assert_eq!(&sets[r.clone()], &expected[..]);
                    at = r.end;
                }
                prop_assert_eq!(sets.len(), at);
            }
        }

        #[test]
        fn set_is_sorted_and_unique(v in prop::collection::vec(any::<u64>(), 0..50)) {
            let set = ShingleSet::from_hashes(v.clone());
            prop_assert!(set.as_slice().windows(2).all(|w| w[0] < w[1]));
            let mut u = v; u.sort(); u.dedup();
            prop_assert_eq!(set.as_slice(), &u[..]);
        }
    }
}
