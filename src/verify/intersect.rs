//! The size of the intersection of two sorted sets of distinct `u64`
//! shingle hashes: the inner loop of exact verification.
//!
//! Three kernels, all returning the same count:
//!
//! - a branch-free merge (each step advances one side or both by comparing,
//!   without a branch the predictor has to guess: on sets that share a few
//!   percent of their elements a branchy merge mispredicts about every
//!   other step);
//! - on x86-64 with AVX2 (detected at run time), a block merge: four values
//!   of each side are compared all against all (the second block rotated
//!   three times), the matches of the first block counted, and the block
//!   with the smaller last value is replaced. Each common value is counted
//!   once because both sides hold distinct values. The scheme is the
//!   "block-wise all-pairs comparison" of Schlegel, Willhalm and Lehner,
//!   *Fast Sorted-Set Intersection using SIMD Instructions* (ADMS 2011) and
//!   Lemire, Boytsov and Kurz, *SIMD Compression and the Intersection of
//!   Sorted Integers* (2016), here for 64-bit values;
//! - galloping (exponential then binary search of each element of the
//!   smaller set in the larger), when one set is more than 32 times the
//!   other.
//!
//! [`intersection_at_least`] stops as soon as the count can no longer reach
//! a bound: verification of a candidate pair far below the threshold (most
//! candidates at low thresholds) reads only part of the two sets.

/// Sets at least this many times larger than the other are searched by
/// galloping.
const GALLOP_RATIO: usize = 32;

/// |a ∩ b| for sorted slices of distinct values.
pub(crate) fn intersection_len(a: &[u64], b: &[u64]) -> usize {
    intersection_at_least(a, b, 0).expect("every count reaches 0")
}

/// |a ∩ b| for sorted slices of distinct values, or `None` once it is
/// certain to be below `needed` (then the sets are not read to the end).
pub(crate) fn intersection_at_least(a: &[u64], b: &[u64], needed: usize) -> Option<usize> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.len() < needed {
        return None;
    }
    if small.is_empty() {
        return Some(0);
    }
    if large.len() / small.len() >= GALLOP_RATIO {
        return gallop(small, large, needed);
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: `blocks_avx2` only requires the AVX2 target feature,
        // which was detected on this CPU just above.
        unsafe {
            return blocks_avx2(a, b, needed);
        }
    }
    merge(a, b, 0, 0, 0, needed)
}

/// The branch-free merge of `a[i..]` and `b[j..]`, adding to `count`.
#[inline]
fn merge(
    a: &[u64],
    b: &[u64],
    mut i: usize,
    mut j: usize,
    mut count: usize,
    needed: usize,
) -> Option<usize> {
    // The bound is checked every 64 steps: often enough to stop early,
    // rarely enough to cost nothing.
    while i < a.len() && j < b.len() {
        let steps = 64.min(a.len() - i).min(b.len() - j);
        for _ in 0..steps {
            // `steps` bounds both indexes: each step advances each by at
            // most one.
            let (x, y) = (a[i], b[j]);
            count += usize::from(x == y);
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
        if count + (a.len() - i).min(b.len() - j) < needed {
            return None;
        }
    }
    (count >= needed).then_some(count)
}

/// Each element of `small` searched in `large` (exponential search from the
/// last position found, then binary search).
fn gallop(small: &[u64], large: &[u64], needed: usize) -> Option<usize> {
    let mut count = 0;
    let mut from = 0;
    for (k, &x) in small.iter().enumerate() {
        if count + (small.len() - k) < needed {
            return None;
        }
        let rest = &large[from..];
        let mut step = 1;
        while step < rest.len() && rest[step - 1] < x {
            step *= 2;
        }
        let window = &rest[..step.min(rest.len())];
        match window.binary_search(&x) {
            Ok(p) => {
                count += 1;
                from += p + 1;
            }
            Err(p) => from += p,
        }
        if from == large.len() {
            break;
        }
    }
    (count >= needed).then_some(count)
}

/// The block merge with AVX2; the tails go to [`merge`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn blocks_avx2(a: &[u64], b: &[u64], needed: usize) -> Option<usize> {
    use std::arch::x86_64::{
        __m256i, _mm256_castsi256_pd, _mm256_cmpeq_epi64, _mm256_loadu_si256, _mm256_movemask_pd,
        _mm256_or_si256, _mm256_permute4x64_epi64,
    };
    let (mut i, mut j, mut count) = (0usize, 0usize, 0usize);
    let mut rounds = 0u32;
    while i + 4 <= a.len() && j + 4 <= b.len() {
        // SAFETY: `i + 4 <= a.len()` and `j + 4 <= b.len()`: both loads
        // read four in-bounds u64 values; unaligned loads accept any address.
        #[allow(unsafe_code)]
        let (va, vb) = unsafe {
            (
                _mm256_loadu_si256(a.as_ptr().add(i).cast::<__m256i>()),
                _mm256_loadu_si256(b.as_ptr().add(j).cast::<__m256i>()),
            )
        };
        let m0 = _mm256_cmpeq_epi64(va, vb);
        let m1 = _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64::<0b00_11_10_01>(vb));
        let m2 = _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64::<0b01_00_11_10>(vb));
        let m3 = _mm256_cmpeq_epi64(va, _mm256_permute4x64_epi64::<0b10_01_00_11>(vb));
        let any = _mm256_or_si256(_mm256_or_si256(m0, m1), _mm256_or_si256(m2, m3));
        count += _mm256_movemask_pd(_mm256_castsi256_pd(any)).count_ones() as usize;
        let (last_a, last_b) = (a[i + 3], b[j + 3]);
        i += 4 * usize::from(last_a <= last_b);
        j += 4 * usize::from(last_b <= last_a);
        rounds += 1;
        if rounds.is_multiple_of(16) && count + (a.len() - i).min(b.len() - j) < needed {
            return None;
        }
    }
    merge(a, b, i, j, count, needed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(a: &[u64], b: &[u64]) -> usize {
        a.iter().filter(|x| b.binary_search(x).is_ok()).count()
    }

    fn sorted_set(mut v: Vec<u64>) -> Vec<u64> {
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn kernels_agree_on_edges() {
        let e: [u64; 0] = [];
        assert_eq!(intersection_len(&e, &e), 0);
        assert_eq!(intersection_len(&[1], &e), 0);
        assert_eq!(intersection_len(&[1, 2, 3, 4, 5], &[1, 2, 3, 4, 5]), 5);
        assert_eq!(intersection_len(&[0, u64::MAX], &[u64::MAX]), 1);
        let big: Vec<u64> = (0..1000).map(|x| x * 3).collect();
        assert_eq!(intersection_len(&[3, 4, 2997, 5000], &big), 2);
        assert_eq!(intersection_at_least(&[1, 2], &[1, 2, 3], 3), None);
        assert_eq!(intersection_at_least(&[1, 2], &[1, 2, 3], 2), Some(2));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every kernel (the dispatched one, the portable merge, galloping)
        /// counts what a naive search counts, and the bounded count is the
        /// count when it reaches the bound and `None` otherwise.
        #[test]
        fn intersection_matches_naive(
            a in prop::collection::vec(0u64..400, 0..300),
            b in prop::collection::vec(0u64..400, 0..300),
            large in prop::collection::vec(any::<u64>(), 0..40),
            needed in 0usize..200,
        ) {
            let (a, b) = (sorted_set(a), sorted_set(b));
            let want = naive(&a, &b);
            prop_assert_eq!(intersection_len(&a, &b), want);
            prop_assert_eq!(intersection_len(&b, &a), want);
            prop_assert_eq!(merge(&a, &b, 0, 0, 0, 0), Some(want));
            if !a.is_empty() && a.len() <= b.len() {
                prop_assert_eq!(gallop(&a, &b, 0), Some(want));
            }
            let bounded = intersection_at_least(&a, &b, needed);
            prop_assert_eq!(bounded, (want >= needed).then_some(want));
            prop_assert_eq!(merge(&a, &b, 0, 0, 0, needed), (want >= needed).then_some(want));
            // Values over the whole u64 range (the sign bit matters to a
            // signed SIMD compare; ours compares for equality only).
            let mut c = sorted_set(large.clone());
            c.extend(a.iter().map(|x| x | (1 << 63)));
            let c = sorted_set(c);
            let d = sorted_set(large.iter().chain(b.iter()).map(|x| x ^ (1 << 63)).collect());
            prop_assert_eq!(intersection_len(&c, &d), naive(&c, &d));
        }

        /// Galloping, chosen for very unequal sizes, counts the same.
        #[test]
        fn galloping_matches_naive(
            small in prop::collection::vec(0u64..100_000, 0..20),
            step in 1u64..5,
        ) {
            let large: Vec<u64> = (0..20_000u64).map(|x| x * step).collect();
            let small = sorted_set(small);
            prop_assert_eq!(intersection_len(&small, &large), naive(&small, &large));
            prop_assert_eq!(intersection_len(&large, &small), naive(&small, &large));
        }
    }
}
