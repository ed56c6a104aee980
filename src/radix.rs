//! Radix sorts of `key << 32 | item` values by their keys: the band
//! columns and fingerprint keys of [`matching`](crate::matching), where a
//! sort is only a way to make each run of equal keys contiguous.
//!
//! The keys are hash values, spread evenly over 32 bits, so a few passes of
//! counting by digits order them with sequential reads and writes to a few
//! thousand places that stay in the cache, where a comparison sort makes
//! `log₂ n` passes (about 1.6 times the time at 1,000,000 values and 3
//! times at 50,000 on the machine of docs/BENCHMARKS.md). Both sorts here
//! are stable, so values with equal keys keep their order: with item
//! numbers pushed in order the result is that of `sort_unstable`, and it
//! does not depend on the number of threads.

use rayon::prelude::*;

/// Bits of a digit.
const BITS: u32 = 11;
/// Values of a digit.
const DIGITS: usize = 1 << BITS;
const MASK: u64 = DIGITS as u64 - 1;

/// Below this many values [`sort_by_high_halves`] is a comparison sort: its
/// passes over 2,048 buckets would cost more than they save.
pub(crate) const RADIX_SORT_MIN: usize = 1 << 12;

/// From this many values [`sort_by_high_halves`] starts with a pass on the
/// top digit: about 384 values to a bucket. Below it the two passes of a
/// bucket cost more in their 2 × 2,048 counts than they save (2.6 times
/// the time of the three passes over all values at 70,000 values, 1.25 at
/// 200,000, 0.9 at 400,000: docs/BENCHMARKS.md).
const MSD_SORT_MIN: usize = 3 << 17;

/// From this many values [`par_sort_by_high_halves`] sorts in parallel.
const PAR_SORT_MIN: usize = RADIX_SORT_MIN * 16;

/// The shift of the top digit, 10 bits, of a value's key.
const TOP: u32 = 32 + 2 * BITS;
/// Values of the top digit.
const TOP_BUCKETS: usize = 1 << (64 - TOP);

/// Sorts `v` by the high 32 bits of each value, stably, moving values
/// through `scratch`. Values with equal high halves keep their order (below
/// [`RADIX_SORT_MIN`] values they are sorted whole, which is the same
/// order when their low halves rise along `v`).
///
/// From [`MSD_SORT_MIN`] values, one most-significant-digit pass on the
/// top 10 bits of the keys and then each of the 1,024 buckets sorted on
/// the other 22 bits by two passes of 11 bits, as the parallel form
/// [`par_sort_by_high_halves`] does on one thread: a bucket's passes stay
/// in the cache, where the passes over all of `v` scatter to 2,048 places
/// spread over the whole column (0.8 times the time at 1,000,000 values,
/// docs/BENCHMARKS.md). Below it, a
/// least-significant-digit radix sort in three passes, on digits of 11,
/// 11 and 10 bits (one pass counts all three), skipping a digit every
/// value shares: on uniform keys four reads and three writes of `v` in all.
///
/// # Panics
///
/// If `v` holds more than `u32::MAX` values.
pub(crate) fn sort_by_high_halves(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let n = v.len();
    if n < RADIX_SORT_MIN {
        v.sort_unstable();
        return;
    }
    assert!(u32::try_from(n).is_ok(), "at most u32::MAX values");
    if n >= MSD_SORT_MIN {
        msd_sort(v, scratch);
        return;
    }
    let mut counts = vec![[0u32; DIGITS]; 3];
    for &x in v.iter() {
        let key = x >> 32;
        counts[0][(key & MASK) as usize] += 1;
        counts[1][((key >> BITS) & MASK) as usize] += 1;
        counts[2][(key >> (2 * BITS)) as usize] += 1;
    }
    // Every place is written before it is read: only its length matters
    // (no zeroing pass when the buffer comes back from the last band).
    scratch.resize(n, 0);
    for (pass, starts) in counts.iter_mut().enumerate() {
        if starts.contains(&(n as u32)) {
            // Every value has this digit: the pass would move nothing.
            continue;
        }
        prefix_sums(starts);
        scatter(v, scratch, 32 + BITS * pass as u32, starts);
        std::mem::swap(v, scratch);
    }
}

/// The sort of [`sort_by_high_halves`] from [`MSD_SORT_MIN`] values: the
/// top digit's pass into `scratch`, then each bucket sorted on the two
/// lower digits through its part of `v` and back.
fn msd_sort(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let n = v.len();
    let mut starts = [0u32; TOP_BUCKETS];
    for &x in v.iter() {
        starts[(x >> TOP) as usize] += 1;
    }
    let lens = starts;
    let mut next = 0u32;
    for c in starts.iter_mut() {
        (*c, next) = (next, next + *c);
    }
    // Every place is written before it is read: only its length matters.
    scratch.resize(n, 0);
    for &x in v.iter() {
        let slot = &mut starts[(x >> TOP) as usize];
        scratch[*slot as usize] = x;
        *slot += 1;
    }
    let mut at = 0usize;
    for len in lens {
        let range = at..at + len as usize;
        sort_bucket_low_digits(&mut scratch[range.clone()], &mut v[range]);
        at += len as usize;
    }
    std::mem::swap(v, scratch);
}

/// [`sort_by_high_halves`] on the current rayon pool, for one large column
/// sorted while other threads would be idle: the same order (it is
/// stable), whatever the number of threads.
///
/// One most-significant-digit pass first: each of a few chunks of `v`
/// counts the top 10 bits of its keys, and then writes its values to its
/// own places in each of the 1,024 buckets (the chunks' pieces of a bucket
/// follow one another in chunk order), all in parallel; then each bucket
/// is sorted on the other 22 bits of its keys by two passes of 11 bits
/// (an insertion sort below 64 values), buckets in parallel. With one
/// thread, or below 65,536 values, it is [`sort_by_high_halves`].
///
/// # Panics
///
/// If `v` holds more than `u32::MAX` values.
pub(crate) fn par_sort_by_high_halves(v: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let n = v.len();
    let threads = rayon::current_num_threads();
    if threads == 1 || n < PAR_SORT_MIN {
        sort_by_high_halves(v, scratch);
        return;
    }
    assert!(u32::try_from(n).is_ok(), "at most u32::MAX values");
    let (top, top_buckets) = (TOP, TOP_BUCKETS);
    let chunk_len = n.div_ceil(threads * 4);
    let counts: Vec<Vec<u32>> = v
        .par_chunks(chunk_len)
        .map(|chunk| {
            let mut c = vec![0u32; top_buckets];
            for &x in chunk {
                c[(x >> top) as usize] += 1;
            }
            c
        })
        .collect();
    // Every place is written before it is read: only its length matters
    // (no zeroing pass when the buffer comes back from the last band).
    scratch.resize(n, 0);
    // Bucket by bucket, each chunk's piece of it, in chunk order.
    let mut pieces: Vec<Vec<&mut [u64]>> = counts
        .iter()
        .map(|_| Vec::with_capacity(top_buckets))
        .collect();
    let mut bucket_lens = vec![0usize; top_buckets];
    let mut rest: &mut [u64] = scratch;
    for (digit, len) in bucket_lens.iter_mut().enumerate() {
        for (chunk_pieces, c) in pieces.iter_mut().zip(&counts) {
            let (piece, tail) = std::mem::take(&mut rest).split_at_mut(c[digit] as usize);
            chunk_pieces.push(piece);
            rest = tail;
            *len += c[digit] as usize;
        }
    }
    v.par_chunks(chunk_len)
        .zip(pieces.into_par_iter())
        .for_each(|(chunk, mut pieces)| {
            let mut at = vec![0usize; top_buckets];
            for &x in chunk {
                let d = (x >> top) as usize;
                pieces[d][at[d]] = x;
                at[d] += 1;
            }
        });
    // Each bucket sorted on the two lower digits, from `scratch` through
    // its part of `v` and back.
    let mut buckets: Vec<(&mut [u64], &mut [u64])> = Vec::with_capacity(top_buckets);
    let (mut from, mut through): (&mut [u64], &mut [u64]) = (scratch, v);
    for &len in &bucket_lens {
        let (a, a_rest) = std::mem::take(&mut from).split_at_mut(len);
        let (b, b_rest) = std::mem::take(&mut through).split_at_mut(len);
        buckets.push((a, b));
        (from, through) = (a_rest, b_rest);
    }
    buckets.into_par_iter().for_each(|(bucket, tmp)| {
        sort_bucket_low_digits(bucket, tmp);
    });
    std::mem::swap(v, scratch);
}

/// Sorts `bucket` stably by bits 32..54 of its values (two digits), using
/// `tmp` (as long) on the way; the result is in `bucket`.
fn sort_bucket_low_digits(bucket: &mut [u64], tmp: &mut [u64]) {
    if bucket.len() < 64 {
        // Insertion sort: stable, and cheaper than two counting passes.
        for i in 1..bucket.len() {
            let x = bucket[i];
            let mut j = i;
            while j > 0 && (bucket[j - 1] >> 32) & 0x3F_FFFF > (x >> 32) & 0x3F_FFFF {
                bucket[j] = bucket[j - 1];
                j -= 1;
            }
            bucket[j] = x;
        }
        return;
    }
    let mut counts = [[0u32; DIGITS]; 2];
    for &x in bucket.iter() {
        counts[0][((x >> 32) & MASK) as usize] += 1;
        counts[1][((x >> (32 + BITS)) & MASK) as usize] += 1;
    }
    for starts in counts.iter_mut() {
        prefix_sums(starts);
    }
    scatter(bucket, tmp, 32, &mut counts[0]);
    scatter(tmp, bucket, 32 + BITS, &mut counts[1]);
}

/// Turns counts into the start of each digit's place.
fn prefix_sums(counts: &mut [u32; DIGITS]) {
    let mut next = 0u32;
    for c in counts.iter_mut() {
        (*c, next) = (next, next + *c);
    }
}

/// Moves each value of `from` to `to[starts[digit]]` (advancing that
/// start), its digit being the 11 bits at `shift`: one stable pass.
fn scatter(from: &[u64], to: &mut [u64], shift: u32, starts: &mut [u32; DIGITS]) {
    for &x in from {
        let slot = &mut starts[((x >> shift) & MASK) as usize];
        to[*slot as usize] = x;
        *slot += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `n` values `key << 32 | low` with keys drawn from `seed`: uniform
    /// (`spread` 0), from `spread` distinct keys, or sharing all but their
    /// lowest 11 bits (`spread` 1, so two radix digits are skipped, and
    /// one top bucket of the parallel sort takes every value), or all but
    /// bits 21 to 31 (`spread` 2: 2,048 keys, about two to each top
    /// bucket); `low` rises with the position, or is drawn too.
    pub(crate) fn radix_input(n: usize, seed: u64, spread: u32, positions: bool) -> Vec<u64> {
        let mut rng = crate::hash::SplitMix64::new(seed);
        (0..n)
            .map(|i| {
                let r = rng.next_u64();
                let key = match spread {
                    0 => r >> 32,
                    1 => 0xABCD_E000 | (r >> 53),
                    2 => 0x0012_3456 | ((r >> 53) << 21),
                    k => (r >> 32) % u64::from(k),
                };
                let low = if positions { i as u64 } else { r & 0xFFFF_FFFF };
                (key << 32) | low
            })
            .collect()
    }

    /// Both sorts, the parallel one on 1 to 3 threads.
    fn sorted_every_way(v: &[u64]) -> Vec<(String, Vec<u64>)> {
        let mut out = Vec::new();
        let mut s = v.to_vec();
        sort_by_high_halves(&mut s, &mut vec![7; 3]);
        out.push(("sequential".to_string(), s));
        for threads in 1..=3 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let mut p = v.to_vec();
            pool.install(|| par_sort_by_high_halves(&mut p, &mut Vec::new()));
            out.push((format!("parallel, {threads} threads"), p));
        }
        out
    }

    #[test]
    fn radix_sorts_are_sort_unstable_on_positions() {
        for (n, spread) in [
            (0, 0),
            (1, 0),
            (RADIX_SORT_MIN - 1, 0),
            (RADIX_SORT_MIN, 0),
            (RADIX_SORT_MIN * 16, 0),
            (200_000, 0),
            (200_000, 1),
            (200_000, 2),
            (200_000, 3),
            (200_000, 5_000),
            (RADIX_SORT_MIN * 16 + 17, 1),
            // The top digit's pass first, on spread and shared top digits.
            (MSD_SORT_MIN, 0),
            (MSD_SORT_MIN + 3, 1),
            (MSD_SORT_MIN, 2),
            // About 64 values in each top bucket, on two keys: buckets
            // either side of the insertion sort's limit.
            (RADIX_SORT_MIN * 16, 2),
        ] {
            for seed in 0..2 {
                let v = radix_input(n, seed, spread, true);
                let mut expected = v.clone();
                expected.sort_unstable();
                for (how, got) in sorted_every_way(&v) {
                    assert!(
                        got == expected,
                        "{how}: n {n}, spread {spread}, seed {seed}"
                    );
                }
            }
        }
    }

    #[test]
    fn values_of_one_key_keep_their_order_past_the_thresholds() {
        // Low halves in falling order: a stable sort keeps them falling
        // within a key; the keys come out sorted all the same. Keys 0 to 6
        // (one top bucket) and spread over the top digit.
        for (n, spread) in [(PAR_SORT_MIN + 4_000, 1), (MSD_SORT_MIN + 1, 0x0123_4567)] {
            let v: Vec<u64> = (0..n as u64)
                .map(|i| (((i % 7) * spread) << 32) | (n as u64 - i))
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|&x| x >> 32);
            for (how, got) in sorted_every_way(&v) {
                assert!(got == expected, "{how}: n {n}");
            }
        }
    }

    proptest! {
        #[test]
        fn radix_sorts_group_any_values_by_high_half(
            n in 0usize..80_000,
            seed in any::<u64>(),
            spread in prop::sample::select(vec![0u32, 1, 2, 40, 3_000]),
        ) {
            let v = radix_input(n, seed, spread, false);
            let mut expected = v.clone();
            expected.sort_by_key(|&x| x >> 32);
            for (how, got) in sorted_every_way(&v) {
                if n < RADIX_SORT_MIN {
                    let mut whole = expected.clone();
                    whole.sort_unstable();
                    prop_assert!(got == whole, "{}", how);
                } else {
                    prop_assert!(got == expected, "{}", how);
                }
            }
        }
    }
}
