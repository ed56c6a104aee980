//! Stage 4: MinHash signatures.
//!
//! [`MinHasher`] computes classic MinHash signatures (Broder, "On the
//! resemblance and containment of documents", 1997): `num_perm` independent
//! hash functions, and for each the minimum value over the shingles of a text.
//! The fraction of slots where two signatures agree is an unbiased estimator
//! of the Jaccard similarity J of the two shingle sets, with variance
//! J(1−J)/num_perm (standard error 0.035 at J = 0.8 with 128 slots).
//!
//! Why the classic scheme: passages are small sets, often with fewer shingles
//! than signature slots. One-permutation hashing with densification is cheaper
//! per shingle on long texts, but on a 50-word paragraph most of its bins are
//! empty and densification dominates the cost (and adds variance), while the
//! classic scheme's cost is a fixed, vectorizable amount of work per shingle.
//!
//! Hash family: slot `i` maps a shingle hash `h` (a 64-bit XXH3 output) with
//! `lo = h mod 2³²`, `hi = h >> 32` to `a_i·lo + b_i·hi + c_i mod 2³²`, with
//! `a_i` odd and `a_i, b_i, c_i` expanded from the seed by SplitMix64. For a
//! fixed slot this is a bijection of `lo` for each `hi`, so the slot values of
//! distinct shingles are uniform and the argmin is uniform over the set: each
//! slot is an unbiased Jaccard estimator (up to 32-bit ties, probability about
//! |A∪B|/2³²). All arithmetic is 32-bit, which the compiler vectorizes.
//!
//! The kernel computes the same values with one multiply per slot instead
//! of two, by Winograd's rearrangement of an inner product ("A new algorithm
//! for inner product", 1968), exact in the ring of integers mod 2³²:
//! `a·lo + b·hi = (a + hi)·(b + lo) − a·b − lo·hi`, where `a·b` is fixed
//! per slot (kept as `d = c − a·b`) and `lo·hi` is computed once per
//! shingle. On cores where 32-bit vector multiplies are the bottleneck of
//! this loop (as on the Zen 1 of the benchmarks), halving them is what
//! counts; the additions it costs run beside them.

use crate::hash::SplitMix64;

/// A MinHash signature: `num_perm` 32-bit minimum hash values.
///
/// Signatures are only comparable when made by [`MinHasher`]s with the same
/// `num_perm` and seed.
///
/// # Example
///
/// ```
/// use echodup::MinHasher;
///
/// let h = MinHasher::new(128, echodup::DEFAULT_SEED);
/// let a = h.signature_from_shingles(0..100u64);
/// let b = h.signature_from_shingles(50..150u64);
/// assert_eq!(a.len(), 128);
/// let j = a.similarity(&b); // true Jaccard is 50/150
/// assert!((j - 1.0 / 3.0).abs() < 0.15);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Signature(Box<[u32]>);

impl Signature {
    /// A signature from raw slot values (for signatures computed elsewhere or
    /// read back from storage).
    pub fn from_values(values: impl Into<Box<[u32]>>) -> Self {
        Signature(values.into())
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the signature has no slots.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The slot values.
    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    /// The estimated Jaccard similarity: the fraction of equal slots.
    ///
    /// The signature of an empty set has every slot at `u32::MAX`; two such
    /// signatures compare as 1.0 here, which is why the pipeline never
    /// sketches empty sets.
    ///
    /// # Panics
    ///
    /// If the two signatures have different lengths (a caller bug: they come
    /// from different configurations).
    pub fn similarity(&self, other: &Signature) -> f64 {
        slot_similarity(&self.0, &other.0)
    }
}

/// The fraction of equal slots.
///
/// # Panics
///
/// If the lengths differ.
pub(crate) fn slot_similarity(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(
        a.len(),
        b.len(),
        "signatures of different lengths are not comparable"
    );
    if a.is_empty() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head: Vec<_> = self.0.iter().take(4).collect();
        write!(f, "Signature(len {}, {:?}...)", self.0.len(), head)
    }
}

/// Computes MinHash signatures from shingle hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct MinHasher {
    seed: u64,
    a: Box<[u32]>,
    b: Box<[u32]>,
    c: Box<[u32]>,
    /// `c − a·b` per slot: the kernel's constant term (see the module docs).
    d: Box<[u32]>,
}

impl std::fmt::Debug for MinHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinHasher")
            .field("num_perm", &self.a.len())
            .field("seed", &self.seed)
            .finish()
    }
}

impl MinHasher {
    /// A hasher with `num_perm` slots whose hash functions are expanded from `seed`.
    ///
    /// # Panics
    ///
    /// If `num_perm` is 0 ([`Config`](crate::Config) rejects that with an error).
    pub fn new(num_perm: usize, seed: u64) -> Self {
        assert!(num_perm > 0, "num_perm must be at least 1");
        let mut g = SplitMix64::new(seed ^ 0x4D49_4E48_4153_4831);
        let (mut a, mut b, mut c) = (
            Vec::with_capacity(num_perm),
            Vec::with_capacity(num_perm),
            Vec::with_capacity(num_perm),
        );
        for _ in 0..num_perm {
            let x = g.next_u64();
            let y = g.next_u64();
            a.push((x as u32) | 1);
            b.push((x >> 32) as u32);
            c.push(y as u32);
        }
        let d: Vec<u32> = (0..num_perm)
            .map(|i| c[i].wrapping_sub(a[i].wrapping_mul(b[i])))
            .collect();
        MinHasher {
            seed,
            a: a.into(),
            b: b.into(),
            c: c.into(),
            d: d.into(),
        }
    }

    /// The number of slots.
    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// The seed the hash functions came from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The signature of a set of shingle hashes. Repeats are harmless (the
    /// minimum ignores them), so the raw shingle sequence can be passed.
    pub fn signature_from_shingles(&self, shingles: impl IntoIterator<Item = u64>) -> Signature {
        let mut sig = vec![u32::MAX; self.a.len()];
        self.update(&mut sig, shingles);
        Signature(sig.into_boxed_slice())
    }

    /// Folds more shingles into an existing slot vector (all `u32::MAX` for
    /// an empty set). Lets a caller build a signature from several pieces.
    ///
    /// # Panics
    ///
    /// If `slots.len() != self.num_perm()`.
    pub fn update(&self, slots: &mut [u32], shingles: impl IntoIterator<Item = u64>) {
        assert_eq!(
            slots.len(),
            self.a.len(),
            "slot vector has the wrong length"
        );
        kernel::update(slots, &self.a, &self.b, &self.d, shingles);
    }

    /// Folds another slot vector into `slots`: the slot-wise minimum, which
    /// is the slot vector of the union of the two sets (the minimum over a
    /// union is the minimum of the minima; a shingle in both sets counts
    /// once either way).
    ///
    /// # Panics
    ///
    /// If the lengths differ from `self.num_perm()`.
    pub(crate) fn merge(&self, slots: &mut [u32], other: &[u32]) {
        let n = self.a.len();
        assert!(
            slots.len() == n && other.len() == n,
            "slot vector has the wrong length"
        );
        for (s, &o) in slots.iter_mut().zip(other) {
            *s = (*s).min(o);
        }
    }
}

/// The inner loop, with one copy compiled for AVX2 and chosen at run time.
///
/// Both copies run the same integer arithmetic, so they give identical
/// signatures; AVX2 only lets the compiler process eight 32-bit lanes per
/// instruction instead of emulating 32-bit multiplies with SSE2. `d` is
/// `c − a·b` per slot: slot `i` of shingle `h` is `(a_i + hi)·(b_i + lo) +
/// d_i − lo·hi`, which equals `a_i·lo + b_i·hi + c_i` mod 2³² (the module
/// docs; a test checks it against that formula).
mod kernel {
    #[inline(always)]
    fn portable(
        slots: &mut [u32],
        a: &[u32],
        b: &[u32],
        d: &[u32],
        shingles: impl IntoIterator<Item = u64>,
    ) {
        let n = slots.len();
        let (a, b, d) = (&a[..n], &b[..n], &d[..n]);
        for h in shingles {
            let lo = h as u32;
            let hi = (h >> 32) as u32;
            let lo_hi = lo.wrapping_mul(hi);
            // Indexed loop over equal-length slices: the compiler vectorizes it.
            for i in 0..n {
                let v = a[i]
                    .wrapping_add(hi)
                    .wrapping_mul(b[i].wrapping_add(lo))
                    .wrapping_add(d[i])
                    .wrapping_sub(lo_hi);
                slots[i] = slots[i].min(v);
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn avx2(
        slots: &mut [u32],
        a: &[u32],
        b: &[u32],
        d: &[u32],
        shingles: impl IntoIterator<Item = u64>,
    ) {
        portable(slots, a, b, d, shingles)
    }

    pub(super) fn update(
        slots: &mut [u32],
        a: &[u32],
        b: &[u32],
        d: &[u32],
        shingles: impl IntoIterator<Item = u64>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            #[allow(unsafe_code)]
            // SAFETY: `avx2` only requires the AVX2 target feature, which was
            // detected on this CPU just above.
            unsafe {
                return avx2(slots, a, b, d, shingles);
            }
        }
        portable(slots, a, b, d, shingles)
    }

    /// Each copy this CPU can run, by name, for tests.
    #[cfg(test)]
    #[allow(clippy::type_complexity)] // a test-only list of kernels
    pub(super) fn available_for_test()
    -> Vec<(&'static str, fn(&mut [u32], &[u32], &[u32], &[u32], &[u64]))> {
        let mut out: Vec<(&'static str, fn(&mut [u32], &[u32], &[u32], &[u32], &[u64]))> =
            vec![("portable", |s, a, b, d, h| {
                portable(s, a, b, d, h.iter().copied())
            })];
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            out.push(("avx2", |s, a, b, d, h| {
                #[allow(unsafe_code)]
                // SAFETY: only listed when AVX2 was detected.
                unsafe {
                    avx2(s, a, b, d, h.iter().copied())
                }
            }));
        }
        out
    }

    #[cfg(test)]
    pub(super) fn portable_for_test(
        slots: &mut [u32],
        a: &[u32],
        b: &[u32],
        d: &[u32],
        shingles: &[u64],
    ) {
        portable(slots, a, b, d, shingles.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_SEED;
    use crate::hash::SplitMix64;

    #[test]
    fn signature_known_answer() {
        // Pinned: a change here is a format change.
        let h = MinHasher::new(4, DEFAULT_SEED);
        let s = h.signature_from_shingles([1u64, 2, 3]);
        assert_eq!(
            s.as_slice(),
            &[1455905968, 690725948, 2554544773, 442052187]
        );
    }

    /// The hash family as the module docs define it, slot by slot: the
    /// oracle of the kernel's rearranged arithmetic.
    fn by_definition(h: &MinHasher, shingles: &[u64]) -> Vec<u32> {
        (0..h.num_perm())
            .map(|i| {
                shingles
                    .iter()
                    .map(|&x| {
                        let (lo, hi) = (x as u32, (x >> 32) as u32);
                        h.a[i]
                            .wrapping_mul(lo)
                            .wrapping_add(h.b[i].wrapping_mul(hi))
                            .wrapping_add(h.c[i])
                    })
                    .fold(u32::MAX, u32::min)
            })
            .collect()
    }

    #[test]
    fn dispatched_kernel_equals_portable_kernel() {
        let h = MinHasher::new(200, 5);
        let mut g = SplitMix64::new(1);
        for len in [0usize, 1, 7, 64, 300] {
            let shingles: Vec<u64> = (0..len).map(|_| g.next_u64()).collect();
            let fast = h.signature_from_shingles(shingles.iter().copied());
            let mut slow = vec![u32::MAX; 200];
            kernel::portable_for_test(&mut slow, &h.a, &h.b, &h.d, &shingles);
            assert_eq!(fast.as_slice(), &slow[..]);
            assert_eq!(slow, by_definition(&h, &shingles));
        }
    }

    #[test]
    fn every_kernel_copy_equals_the_definition() {
        let mut g = SplitMix64::new(3);
        for num_perm in [1usize, 7, 16, 64, 128, 200, 256] {
            let h = MinHasher::new(num_perm, 11);
            for len in [0usize, 1, 2, 5, 64, 301] {
                let shingles: Vec<u64> = (0..len).map(|_| g.next_u64()).collect();
                let want = by_definition(&h, &shingles);
                for (name, copy) in kernel::available_for_test() {
                    let mut got = vec![u32::MAX; num_perm];
                    copy(&mut got, &h.a, &h.b, &h.d, &shingles);
                    assert_eq!(got, want, "{name}, {num_perm} slots, {len} shingles");
                }
            }
            // The edges of both halves of a shingle hash, each alone, so that
            // every slot's value is compared, not only each slot's minimum.
            for x in [0, 1, u64::MAX, 0xFFFF_FFFF, 0xFFFF_FFFF_0000_0000, 1 << 32] {
                let want = by_definition(&h, &[x]);
                for (name, copy) in kernel::available_for_test() {
                    let mut got = vec![u32::MAX; num_perm];
                    copy(&mut got, &h.a, &h.b, &h.d, &[x]);
                    assert_eq!(got, want, "{name}, {num_perm} slots, shingle {x:#x}");
                }
            }
        }
    }

    proptest::proptest! {
        /// Winograd's rearrangement is exact mod 2³² for any coefficients
        /// and shingle, not only the seeded ones.
        #[test]
        fn one_multiply_form_equals_the_definition(
            a in proptest::prelude::any::<u32>(),
            b in proptest::prelude::any::<u32>(),
            c in proptest::prelude::any::<u32>(),
            x in proptest::prelude::any::<u64>(),
        ) {
            let (lo, hi) = (x as u32, (x >> 32) as u32);
            let d = c.wrapping_sub(a.wrapping_mul(b));
            let mut got = [u32::MAX];
            kernel::portable_for_test(&mut got, &[a], &[b], &[d], &[x]);
            let want = a.wrapping_mul(lo).wrapping_add(b.wrapping_mul(hi)).wrapping_add(c);
            proptest::prop_assert_eq!(got[0], want);
        }
    }

    #[test]
    fn merge_is_the_signature_of_the_union() {
        let h = MinHasher::new(64, 9);
        let a = h.signature_from_shingles([1u64, 2, 3, 40]);
        let b = h.signature_from_shingles([3u64, 40, 50]);
        let mut merged = a.as_slice().to_vec();
        h.merge(&mut merged, b.as_slice());
        assert_eq!(
            merged,
            h.signature_from_shingles([1u64, 2, 3, 40, 50]).as_slice()
        );
    }

    #[test]
    fn identical_sets_have_similarity_one() {
        let h = MinHasher::new(64, 7);
        let a = h.signature_from_shingles([5u64, 9, 11]);
        let b = h.signature_from_shingles([11u64, 5, 9, 9]);
        assert_eq!(a.similarity(&b), 1.0);
    }

    #[test]
    #[should_panic(expected = "different lengths")]
    fn comparing_different_lengths_panics() {
        let a = MinHasher::new(4, 1).signature_from_shingles([1u64]);
        let b = MinHasher::new(8, 1).signature_from_shingles([1u64]);
        a.similarity(&b);
    }

    /// Random pairs of sets with known Jaccard; the estimator's mean error must
    /// be near zero (unbiased) and its spread near √(J(1−J)/k). Seeds are fixed,
    /// so the test is deterministic; the bounds sit at about 4 standard errors
    /// of the statistic tested.
    #[test]
    fn estimator_is_unbiased_with_binomial_variance() {
        for &k in &[64usize, 128, 256] {
            let h = MinHasher::new(k, DEFAULT_SEED ^ k as u64);
            let mut g = SplitMix64::new(99 + k as u64);
            let trials = 1500;
            let (mut sum_err, mut sum_sq, mut sum_var) = (0.0, 0.0, 0.0);
            for t in 0..trials {
                // Small sets like paragraphs (10..120 shingles), varied overlap.
                let n_a = 10 + (g.next_u64() % 110) as usize;
                let shared = (g.next_u64() % (n_a as u64 + 1)) as usize;
                let n_b_only = (g.next_u64() % 100) as usize;
                let base = (t as u64) << 32;
                let a: Vec<u64> = (0..n_a as u64)
                    .map(|i| crate::hash::hash_u64s(&[base + i], 1))
                    .collect();
                let mut b: Vec<u64> = a[..shared].to_vec();
                b.extend(
                    (0..n_b_only as u64)
                        .map(|i| crate::hash::hash_u64s(&[base + 1_000_000 + i], 1)),
                );
                if b.is_empty() {
                    continue;
                }
                let exact = shared as f64 / (n_a + n_b_only) as f64;
                let est = h
                    .signature_from_shingles(a.iter().copied())
                    .similarity(&h.signature_from_shingles(b.iter().copied()));
                let err = est - exact;
                sum_err += err;
                sum_sq += err * err;
                sum_var += exact * (1.0 - exact) / k as f64;
            }
            let n = trials as f64;
            let mean_err = sum_err / n;
            let expected_var = sum_var / n;
            let observed_var = sum_sq / n;
            // Bias: mean error within 4 standard errors of the mean.
            let se_mean = (expected_var / n).sqrt();
            assert!(
                mean_err.abs() < 4.0 * se_mean + 1e-4,
                "k={k}: mean error {mean_err}"
            );
            // Variance: within 20% of the binomial variance J(1−J)/k.
            let ratio = observed_var / expected_var;
            assert!((0.8..1.2).contains(&ratio), "k={k}: variance ratio {ratio}");
        }
    }
}
