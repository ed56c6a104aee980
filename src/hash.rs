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

/// XXH3-64 of a sequence of `u32`, each written as 4 little-endian bytes.
///
/// Up to 16 values (band keys: `rows` values) are written in pairs, one
/// 8-byte store per pair, into a small stack buffer: XXH3 then reads each 8
/// bytes back from a single store, which the CPU forwards, where four-byte
/// stores read back as eight bytes stall (this was most of the cost of band
/// keys).
#[inline]
pub(crate) fn hash_u32s(values: &[u32], seed: u64) -> u64 {
    if values.len() <= 16 {
        let mut buf = [0u8; 64];
        let pairs = values.chunks_exact(2);
        if let [last] = pairs.remainder() {
            let at = values.len() / 2 * 8;
            buf[at..at + 4].copy_from_slice(&last.to_le_bytes());
        }
        for (chunk, pair) in buf.chunks_exact_mut(8).zip(pairs) {
            let packed = u64::from(pair[0]) | (u64::from(pair[1]) << 32);
            chunk.copy_from_slice(&packed.to_le_bytes());
        }
        return hash_bytes(&buf[..values.len() * 4], seed);
    }
    let mut buf = [0u8; 256];
    if values.len() <= 64 {
        for (chunk, v) in buf.chunks_exact_mut(4).zip(values) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        hash_bytes(&buf[..values.len() * 4], seed)
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
        // Every length through the paired path, the stack buffer and the heap.
        let v: Vec<u32> = (0..70u32).map(|x| x.wrapping_mul(0x9E37_79B9)).collect();
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        for len in 0..=v.len() {
            assert_eq!(hash_u32s(&v[..len], 3), hash_bytes(&bytes[..len * 4], 3));
        }
    }
}
