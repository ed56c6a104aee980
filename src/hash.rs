//! The stable hash functions behind shingles, signatures and band keys.
//!
//! Everything here is part of the output format: shingle hashes are
//! [XXH3-64](https://github.com/Cyan4973/xxHash) of the bytes involved, with the
//! configured seed (default [`DEFAULT_SEED`](crate::DEFAULT_SEED)); multi-byte
//! integers are hashed in little-endian order on every platform; per-slot MinHash
//! coefficients are expanded from the seed by SplitMix64 (Steele, Lea and Flood,
//! "Fast splittable pseudorandom number generators", OOPSLA 2014), never by an
//! RNG crate whose stream could change between releases. Changing any of this
//! changes signatures and band keys, and bumps [`FORMAT_VERSION`](crate::FORMAT_VERSION).

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// XXH3-64 of `bytes` under `seed`.
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8], seed: u64) -> u64 {
    xxh3_64_with_seed(bytes, seed)
}

/// XXH3-64 of a sequence of `u64`, each written as 8 little-endian bytes.
///
/// Up to 16 values are hashed from a stack buffer; longer inputs go through a
/// heap buffer (only short passages of a long shingle size reach it).
#[inline]
pub(crate) fn hash_u64s(values: &[u64], seed: u64) -> u64 {
    let mut buf = [0u8; 128];
    if values.len() <= 16 {
        for (chunk, v) in buf.chunks_exact_mut(8).zip(values) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        hash_bytes(&buf[..values.len() * 8], seed)
    } else {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        hash_bytes(&bytes, seed)
    }
}

/// XXH3's default secret (the secret of every seeded hash of up to 240
/// bytes; the seed is added to or subtracted from its words).
const SECRET: [u8; 192] = xxhash_rust::const_xxh3::const_custom_default_secret(0);

/// The little-endian word of [`SECRET`] at byte `at`.
#[inline(always)]
const fn secret_word(at: usize) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < 8 {
        w |= (SECRET[at + i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// The secret word at byte `at` (a multiple of 8) keyed as `mix16B` keys
/// it: plus the seed for the first word of a 16-byte piece, minus it for
/// the second.
#[inline(always)]
fn keyed_secret_word(at: usize, seed: u64) -> u64 {
    if at.is_multiple_of(16) {
        secret_word(at).wrapping_add(seed)
    } else {
        secret_word(at).wrapping_sub(seed)
    }
}

/// XXH3's 64 × 64 → 128-bit multiply, folded to 64 bits.
#[inline(always)]
fn mul_fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    product as u64 ^ (product >> 64) as u64
}

/// XXH3's final avalanche of the 9-to-240-byte paths.
#[inline(always)]
fn avalanche(mut acc: u64) -> u64 {
    acc ^= acc >> 37;
    acc = acc.wrapping_mul(0x1656_6791_9E37_79F9);
    acc ^ (acc >> 32)
}

/// XXH3-64 of `n` integers of `U` bytes (4 or 8), 17 to 128 bytes in all,
/// given as `word(i)`, the 8-byte little-endian word that starts at integer
/// `i`, and `key(at)`, the secret word at byte `at` plus the seed (`at / 8`
/// even) or minus it (odd).
///
/// XXH3 hashes 17 to 128 bytes as the length times XXH64's first prime plus
/// `mix16B` of 16-byte pieces taken from both ends (each piece's two words
/// XORed with two keyed secret words, multiplied 64 × 64 → 128 bits and
/// folded), then one avalanche
/// (Collet, the XXH3 specification in xxHash's `doc/xxhash_spec.md`, and
/// `XXH3_len_17to128_64b` in `xxhash.h`). Every piece starts on an integer,
/// so callers read each word from the integers themselves, with no byte
/// buffer and no dispatch on the length at run time for each hash.
#[inline(always)]
fn xxh3_17_to_128<const U: usize>(
    n: usize,
    word: impl Fn(usize) -> u64,
    key: impl Fn(usize) -> u64,
) -> u64 {
    let len = U * n;
    debug_assert!((17..=128).contains(&len));
    // The piece at integer `i` with the secret's 16 bytes at `secret`.
    let mix = |i: usize, secret: usize| {
        mul_fold(word(i) ^ key(secret), word(i + 8 / U) ^ key(secret + 8))
    };
    let piece = 16 / U;
    let mut acc = (len as u64).wrapping_mul(0x9E37_79B1_85EB_CA87);
    if len > 32 {
        if len > 64 {
            if len > 96 {
                acc = acc
                    .wrapping_add(mix(3 * piece, 96))
                    .wrapping_add(mix(n - 4 * piece, 112));
            }
            acc = acc
                .wrapping_add(mix(2 * piece, 64))
                .wrapping_add(mix(n - 3 * piece, 80));
        }
        acc = acc
            .wrapping_add(mix(piece, 32))
            .wrapping_add(mix(n - 2 * piece, 48));
    }
    acc = acc.wrapping_add(mix(0, 0)).wrapping_add(mix(n - piece, 16));
    avalanche(acc)
}

/// XXH3-64 of 3 or 4 `u32` (12 or 16 bytes), given as in
/// [`xxh3_17_to_128`] (`XXH3_len_9to16_64b`).
#[inline(always)]
fn xxh3_9_to_16(n: usize, word: impl Fn(usize) -> u64, seed: u64) -> u64 {
    let len = 4 * n;
    debug_assert!((9..=16).contains(&len));
    let lo = word(0) ^ (secret_word(24) ^ secret_word(32)).wrapping_add(seed);
    let hi = word(n - 2) ^ (secret_word(40) ^ secret_word(48)).wrapping_sub(seed);
    avalanche(
        (len as u64)
            .wrapping_add(lo.swap_bytes())
            .wrapping_add(hi)
            .wrapping_add(mul_fold(lo, hi)),
    )
}

/// XXH3-64 of windows of 3 to 16 `u64` tokens (24 to 128 bytes), equal to
/// [`hash_u64s`] of each window, computed on the tokens themselves
/// ([`xxh3_17_to_128`]) with the keyed secret words computed once.
///
/// Against copying the tokens into a byte buffer and calling
/// [`xxh3_64_with_seed`] for each window, 2.2× faster for 5-token windows on
/// the 2-core development VM (throwaway timing loop, not kept); a property
/// test checks every window length against [`hash_u64s`].
#[derive(Clone, Debug)]
pub(crate) struct WindowHasher {
    /// `keys[k]` = secret word `k` + seed for even `k`, − seed for odd `k`,
    /// for the 128 bytes of the secret that windows of up to 128 bytes use.
    keys: [u64; 16],
}

impl WindowHasher {
    /// The window lengths, in tokens, that [`WindowHasher::hash`] takes.
    pub(crate) const LENGTHS: std::ops::RangeInclusive<usize> = 3..=16;

    /// The hasher for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut keys = [0u64; 16];
        for (k, key) in keys.iter_mut().enumerate() {
            *key = keyed_secret_word(8 * k, seed);
        }
        WindowHasher { keys }
    }

    /// [`hash_u64s`] of `window` under this hasher's seed; `window.len()`
    /// must be in [`LENGTHS`](Self::LENGTHS).
    #[inline]
    pub(crate) fn hash(&self, window: &[u64]) -> u64 {
        debug_assert!(Self::LENGTHS.contains(&window.len()));
        xxh3_17_to_128::<8>(window.len(), |i| window[i], |at| self.keys[at / 8])
    }
}

/// XXH3-64 of a sequence of `u32`, each written as 4 little-endian bytes.
///
/// 3 to 32 values (band keys: `rows` values) are hashed on the values
/// themselves ([`xxh3_9_to_16`], [`xxh3_17_to_128`]), each 8-byte word
/// made of two values, with no byte buffer: four-byte stores read back as
/// eight bytes stall the CPU, which was most of the cost of band keys.
/// Other lengths go through a stack buffer, or a heap buffer past 64
/// values.
#[inline]
pub(crate) fn hash_u32s(values: &[u32], seed: u64) -> u64 {
    // 12 to 128 bytes: hashed on the values themselves (band keys of 3 to
    // 32 rows); each 8-byte word starts on a value.
    let n = values.len();
    let word = |i: usize| u64::from(values[i]) | (u64::from(values[i + 1]) << 32);
    if (3..=4).contains(&n) {
        return xxh3_9_to_16(n, word, seed);
    }
    if (5..=32).contains(&n) {
        return xxh3_17_to_128::<4>(n, word, |at| keyed_secret_word(at, seed));
    }
    // 1, 2 or more than 32 values: through a byte buffer.
    let mut buf = [0u8; 256];
    if n <= 64 {
        for (chunk, v) in buf.chunks_exact_mut(4).zip(values) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        hash_bytes(&buf[..n * 4], seed)
    } else {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        hash_bytes(&bytes, seed)
    }
}

/// XXH3-128 of a sequence of `u64`, each written as 8 little-endian bytes,
/// streamed through a stack buffer (no allocation).
pub(crate) fn hash_u64s_128(values: &[u64], seed: u64) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::with_seed(seed);
    let mut buf = [0u8; 256];
    for chunk in values.chunks(32) {
        for (b, v) in buf.chunks_exact_mut(8).zip(chunk) {
            b.copy_from_slice(&v.to_le_bytes());
        }
        h.update(&buf[..chunk.len() * 8]);
    }
    h.digest128()
}

/// SplitMix64: a tiny, fixed generator used to expand a seed into coefficients.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_known_answer() {
        // First outputs of SplitMix64 seeded with 0, as published with the algorithm.
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn u64_hash_is_byte_hash_of_le_bytes() {
        let v = [1u64, 2, 0xDEAD_BEEF];
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(hash_u64s(&v, 9), hash_bytes(&bytes, 9));
        let long: Vec<u64> = (0..40).collect();
        let bytes: Vec<u8> = long.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(hash_u64s(&long, 9), hash_bytes(&bytes, 9));
    }

    proptest::proptest! {
        #[test]
        fn window_hasher_equals_hash_u64s(
            tokens in proptest::collection::vec(proptest::prelude::any::<u64>(), 16),
            seed in proptest::prelude::any::<u64>(),
        ) {
            let h = WindowHasher::new(seed);
            for n in WindowHasher::LENGTHS {
                proptest::prop_assert_eq!(h.hash(&tokens[..n]), hash_u64s(&tokens[..n], seed));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn u32_hash_equals_byte_hash_at_every_length(
            values in proptest::collection::vec(proptest::prelude::any::<u32>(), 40),
            seed in proptest::prelude::any::<u64>(),
        ) {
            let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            for len in 0..=values.len() {
                proptest::prop_assert_eq!(
                    hash_u32s(&values[..len], seed),
                    hash_bytes(&bytes[..len * 4], seed)
                );
            }
        }
    }

    #[test]
    fn window_hasher_known_seeds_and_edges() {
        // Seeds whose keyed secret words wrap, and tokens of all zero and
        // all one bits.
        for seed in [0, 1, crate::DEFAULT_SEED, u64::MAX, 1 << 63] {
            let h = WindowHasher::new(seed);
            for fill in [0u64, u64::MAX, 0x0123_4567_89AB_CDEF] {
                let tokens = [fill; 16];
                for n in WindowHasher::LENGTHS {
                    assert_eq!(
                        h.hash(&tokens[..n]),
                        hash_u64s(&tokens[..n], seed),
                        "{seed} {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn u64_hash_128_is_byte_hash_of_le_bytes() {
        for len in [0usize, 1, 31, 32, 33, 100] {
            let v: Vec<u64> = (0..len as u64).map(|x| x * 0x9E37).collect();
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            assert_eq!(
                hash_u64s_128(&v, 5),
                xxhash_rust::xxh3::xxh3_128_with_seed(&bytes, 5)
            );
        }
    }

    #[test]
    fn u32_hash_is_byte_hash_of_le_bytes() {
        let v: Vec<u32> = (0..100).collect();
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(hash_u32s(&v, 3), hash_bytes(&bytes, 3));
        // Every length: the stack buffer, the integer paths and the heap.
        let v: Vec<u32> = (0..70u32).map(|x| x.wrapping_mul(0x9E37_79B9)).collect();
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        for len in 0..=v.len() {
            assert_eq!(hash_u32s(&v[..len], 3), hash_bytes(&bytes[..len * 4], 3));
        }
    }
}
