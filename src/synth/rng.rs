//! The generator's only source of randomness: SplitMix64 streams keyed by
//! `(seed, article, salt)`, so that any article can be generated alone and
//! the output never depends on an RNG crate's version.

use crate::hash::SplitMix64;

/// Salts of the independent streams of one article (and of the plan).
pub(super) const SALT_PLAN: u64 = 1;
pub(super) const SALT_STORY: u64 = 2;
pub(super) const SALT_TOPIC: u64 = 3;
pub(super) const SALT_EDIT: u64 = 4;
pub(super) const SALT_FOOTER: u64 = 5;
/// Salts of the page generator's streams (`synth::page`).
pub(super) const SALT_PAGE_PLAN: u64 = 16;
pub(super) const SALT_PAGE_SITE: u64 = 17;
pub(super) const SALT_PAGE_TOPIC: u64 = 18;
pub(super) const SALT_PAGE_HEADLINE: u64 = 19;
pub(super) const SALT_PAGE_BODY: u64 = 20;
pub(super) const SALT_PAGE_CHROME: u64 = 21;
pub(super) const SALT_PAGE_EDIT: u64 = 22;
/// Salts of the scanned-reprint generator's streams (`synth::scan`).
pub(super) const SALT_SCAN_PLAN: u64 = 32;
pub(super) const SALT_SCAN_STORY: u64 = 33;
pub(super) const SALT_SCAN_TOPIC: u64 = 34;
pub(super) const SALT_SCAN_PRINT: u64 = 35;
pub(super) const SALT_SCAN_PAPER: u64 = 36;
pub(super) const SALT_SCAN_OCR: u64 = 37;
pub(super) const SALT_SCAN_ORDER: u64 = 38;

/// SplitMix64 with the helpers the generator needs.
pub(super) struct Rng(SplitMix64);

impl Rng {
    /// A stream for `(seed, index, salt)`: independent of every other
    /// article, so any article can be generated alone.
    pub(super) fn new(seed: u64, index: u64, salt: u64) -> Self {
        let mut mix = SplitMix64::new(
            seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        Rng(SplitMix64::new(mix.next_u64()))
    }

    #[inline]
    pub(super) fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n > 0`).
    #[inline]
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(super) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}
