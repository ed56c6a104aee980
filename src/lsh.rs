//! Stage 5a: LSH banding — band keys and the S-curve.
//!
//! A signature of `num_perm` values is cut into `bands` slices of `rows`
//! values (`bands × rows = num_perm`: every slot is used). Each slice is hashed
//! to a 64-bit band key; two texts become a candidate pair when they share a
//! key in at least one band. For two texts of Jaccard similarity `s` that
//! happens with probability `1 − (1 − sʳ)ᵇ` ([`Banding::probability`]), an
//! S-shaped curve whose steep part sits near `(1/b)^(1/r)` (Leskovec,
//! Rajaraman and Ullman, *Mining of Massive Datasets*, ch. 3.4).
//!
//! [`Banding::for_threshold`] picks `(bands, rows)` among the exact divisors
//! of `num_perm` by minimizing `w_fp·FP + w_fn·FN`, where FP is the mean
//! candidate probability of pairs below the threshold and FN the mean miss
//! probability of pairs at or above it (both averaged uniformly over
//! similarity, in the manner of datasketch's `_optimal_param`). With exact
//! verification a false positive costs only one set comparison while a false
//! negative is a lost duplicate, so the default weights are 0.01 and 0.99.
//!
//! Default choices for 128 slots:
//!
//! | threshold | bands × rows | P(candidate) at threshold |
//! |---|---|---|
//! | 0.5 | 64 × 2 | 1.0000 |
//! | 0.6–0.8 | 32 × 4 | 0.988–1.0000 |
//! | 0.85–0.9 | 16 × 8 | 0.994–1.0000 |
//! | 0.95 | 8 × 16 | 0.990 |
//!
//! Band key of band `i`: XXH3-64 of the band's `rows` values (4 little-endian
//! bytes each) under seed `seed + i`. Keys are plain `u64`s, identical on
//! every machine, so an engine such as Spark can group `(band, key, id)` rows.

use crate::error::{Error, Result};
use crate::hash::hash_u32s;
use crate::minhash::Signature;

/// How a signature is cut into bands.
///
/// # Example
///
/// ```
/// use echodup::Banding;
///
/// let b = Banding::for_threshold(0.8, 128)?;
/// assert_eq!((b.bands(), b.rows()), (32, 4));
/// assert!(b.probability(0.8) > 0.999);   // expected recall at J = 0.8
/// assert!(b.probability(0.3) < 0.25);    // few candidates at J = 0.3
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Banding {
    bands: usize,
    rows: usize,
}

/// Default weight of false positives in [`Banding::for_threshold`].
pub const DEFAULT_FALSE_POSITIVE_WEIGHT: f64 = 0.01;
/// Default weight of false negatives in [`Banding::for_threshold`].
pub const DEFAULT_FALSE_NEGATIVE_WEIGHT: f64 = 0.99;

impl Banding {
    /// An explicit banding.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if either is 0.
    pub fn new(bands: usize, rows: usize) -> Result<Self> {
        if bands == 0 {
            return Err(Error::invalid_config("bands", "must be at least 1 (got 0)"));
        }
        if rows == 0 {
            return Err(Error::invalid_config("rows", "must be at least 1 (got 0)"));
        }
        Ok(Banding { bands, rows })
    }

    /// The banding for `threshold` and `num_perm` with the default weights.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if the
    /// threshold is outside (0, 1] or `num_perm` is 0.
    pub fn for_threshold(threshold: f64, num_perm: usize) -> Result<Self> {
        Self::optimal(
            threshold,
            num_perm,
            DEFAULT_FALSE_POSITIVE_WEIGHT,
            DEFAULT_FALSE_NEGATIVE_WEIGHT,
        )
    }

    /// The banding with `bands × rows = num_perm` that minimizes
    /// `fp_weight·FP + fn_weight·FN` (see the [module docs](self)).
    /// Ties go to more rows (fewer candidates).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if the
    /// threshold is outside (0, 1], `num_perm` is 0 or a weight is negative or
    /// not finite.
    pub fn optimal(
        threshold: f64,
        num_perm: usize,
        fp_weight: f64,
        fn_weight: f64,
    ) -> Result<Self> {
        check_threshold("threshold", threshold)?;
        check_num_perm(num_perm)?;
        for (name, w) in [("fp_weight", fp_weight), ("fn_weight", fn_weight)] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::invalid_config(
                    name,
                    format!("must be a finite number ≥ 0 (got {w})"),
                ));
            }
        }
        let mut best: Option<(f64, Banding)> = None;
        for b in Banding::all_of(num_perm) {
            let fp = if threshold > 0.0 {
                integrate(|s| b.probability(s), 0.0, threshold) / threshold
            } else {
                0.0
            };
            let fneg = if threshold < 1.0 {
                integrate(|s| 1.0 - b.probability(s), threshold, 1.0) / (1.0 - threshold)
            } else {
                1.0 - b.probability(1.0)
            };
            let cost = fp_weight * fp + fn_weight * fneg;
            if best.is_none_or(|(c, _)| cost <= c + 1e-12) {
                best = Some((cost, b));
            }
        }
        Ok(best.expect("num_perm ≥ 1 has the divisor 1").1)
    }

    /// The banding for a corpus whose unrelated documents have Jaccard
    /// similarity about `background`, chosen for the cost of verification:
    /// among the bandings with `bands × rows = num_perm`, the one that makes
    /// the fewest candidates at `background` (each candidate costs a
    /// check) among those whose probability of missing a pair at
    /// `threshold` is at most `max_miss`; if none reaches that, the one that
    /// misses least. Unlike [`for_threshold`](Banding::for_threshold), which
    /// weighs all similarities below the threshold alike, this counts the
    /// pairs that dominate a corpus: almost all pairs are unrelated, so the
    /// candidate count is about `P(background) × n²/2`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) if the
    /// threshold is outside (0, 1], `num_perm` is 0, `background` is outside
    /// [0, 1) or `max_miss` outside [0, 1].
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::Banding;
    ///
    /// let b = Banding::for_background(0.3, 128, 0.03, 0.01)?;
    /// assert_eq!((b.bands(), b.rows()), (64, 2));
    /// assert!(b.probability(0.3) > 0.99 && b.probability(0.03) < 0.06);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn for_background(
        threshold: f64,
        num_perm: usize,
        background: f64,
        max_miss: f64,
    ) -> Result<Self> {
        check_threshold("threshold", threshold)?;
        check_num_perm(num_perm)?;
        if !(0.0..1.0).contains(&background) {
            return Err(Error::invalid_config(
                "background_similarity",
                format!("must be in [0, 1) (got {background})"),
            ));
        }
        if !(0.0..=1.0).contains(&max_miss) {
            return Err(Error::invalid_config(
                "max_miss",
                format!("must be in [0, 1] (got {max_miss})"),
            ));
        }
        let mut best: Option<(bool, f64, Banding)> = None;
        for b in Banding::all_of(num_perm) {
            let miss = 1.0 - b.probability(threshold);
            let ok = miss <= max_miss;
            // Among admissible bandings the fewest candidates; else the
            // smallest miss.
            let cost = if ok { b.probability(background) } else { miss };
            let better = match best {
                None => true,
                Some((bok, bcost, _)) => (ok && !bok) || (ok == bok && cost < bcost - 1e-15),
            };
            if better {
                best = Some((ok, cost, b));
            }
        }
        Ok(best.expect("num_perm ≥ 1 has the divisor 1").2)
    }

    /// Every banding with `bands × rows = num_perm`, fewest rows first.
    fn all_of(num_perm: usize) -> impl Iterator<Item = Banding> {
        (1..=num_perm)
            .filter(move |rows| num_perm.is_multiple_of(*rows))
            .map(move |rows| Banding {
                bands: num_perm / rows,
                rows,
            })
    }

    /// The number of bands.
    pub const fn bands(&self) -> usize {
        self.bands
    }

    /// Rows (signature slots) per band.
    pub const fn rows(&self) -> usize {
        self.rows
    }

    /// The number of signature slots this banding uses.
    pub const fn num_perm(&self) -> usize {
        self.bands * self.rows
    }

    /// The probability that two texts of Jaccard similarity `s` share at least
    /// one band key, `1 − (1 − sʳ)ᵇ`: the expected recall of candidate
    /// generation at `s`.
    pub fn probability(&self, s: f64) -> f64 {
        let s = s.clamp(0.0, 1.0);
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The band keys of `signature`, as `(band, key)`, band 0 first.
    ///
    /// # Panics
    ///
    /// If the signature's length is not `bands × rows`.
    pub fn band_keys<'a>(&self, signature: &'a Signature, seed: u64) -> BandKeys<'a> {
        assert_eq!(
            signature.len(),
            self.num_perm(),
            "signature length does not match bands × rows"
        );
        BandKeys {
            chunks: signature.as_slice().chunks_exact(self.rows),
            band: 0,
            seed,
        }
    }
}

/// The key of one band: XXH3-64 of its values under `seed + band`.
#[inline]
pub(crate) fn band_key(values: &[u32], seed: u64, band: u32) -> u64 {
    hash_u32s(values, seed.wrapping_add(band as u64))
}

/// Checks that `value` is a threshold in (0, 1].
pub(crate) fn check_threshold(name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid_config(
            name,
            format!("must be in (0, 1] (got {value})"),
        ))
    }
}

/// Midpoint rule over 256 intervals: deterministic and accurate enough to rank
/// bandings.
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const N: usize = 256;
    let h = (b - a) / N as f64;
    (0..N).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
}

/// Iterator over the `(band, key)` pairs of one signature; see [`Banding::band_keys`].
#[derive(Debug, Clone)]
pub struct BandKeys<'a> {
    chunks: std::slice::ChunksExact<'a, u32>,
    band: u32,
    seed: u64,
}

impl Iterator for BandKeys<'_> {
    type Item = (u32, u64);

    fn next(&mut self) -> Option<(u32, u64)> {
        let chunk = self.chunks.next()?;
        let band = self.band;
        self.band += 1;
        Some((band, band_key(chunk, self.seed, band)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for BandKeys<'_> {}
impl std::iter::FusedIterator for BandKeys<'_> {}

/// `num_perm` of a banding search: at least 1.
fn check_num_perm(num_perm: usize) -> Result<()> {
    if num_perm == 0 {
        return Err(Error::invalid_config(
            "num_perm",
            "must be at least 1 (got 0)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bandings_for_128() {
        let pick = |t| {
            let b = Banding::for_threshold(t, 128).unwrap();
            (b.bands(), b.rows())
        };
        assert_eq!(pick(0.5), (64, 2));
        assert_eq!(pick(0.8), (32, 4));
        assert_eq!(pick(0.9), (16, 8));
        assert_eq!(pick(0.95), (8, 16));
    }

    #[test]
    fn background_banding_keeps_recall_and_minimizes_candidates() {
        for (t, k, bg) in [
            (0.3, 128, 0.03),
            (0.5, 128, 0.05),
            (0.8, 128, 0.1),
            (0.4, 240, 0.02),
        ] {
            let chosen = Banding::for_background(t, k, bg, 0.01).unwrap();
            assert!(chosen.probability(t) >= 0.99, "{t} {k}");
            // Brute force: no admissible banding makes fewer candidates.
            for rows in (1..=k).filter(|r| k % r == 0) {
                let b = Banding::new(k / rows, rows).unwrap();
                if b.probability(t) >= 0.99 {
                    assert!(b.probability(bg) >= chosen.probability(bg) - 1e-12);
                }
            }
        }
        // Nothing reaches a 1e-12 miss at 0.05 with 8 slots: the smallest miss.
        let b = Banding::for_background(0.05, 8, 0.01, 1e-12).unwrap();
        assert_eq!((b.bands(), b.rows()), (8, 1));
        assert!(Banding::for_background(0.5, 128, 1.0, 0.01).is_err());
        assert!(Banding::for_background(0.5, 128, 0.1, 2.0).is_err());
    }

    #[test]
    fn banding_uses_every_slot() {
        for k in [1, 7, 64, 100, 128, 250, 256] {
            for t in [0.1, 0.5, 0.8, 0.99, 1.0] {
                assert_eq!(Banding::for_threshold(t, k).unwrap().num_perm(), k);
            }
        }
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(Banding::for_threshold(0.0, 128).is_err());
        assert!(Banding::for_threshold(1.5, 128).is_err());
        assert!(Banding::for_threshold(f64::NAN, 128).is_err());
        assert!(Banding::for_threshold(0.5, 0).is_err());
        assert!(Banding::new(0, 4).is_err());
    }

    #[test]
    fn s_curve_is_monotone() {
        let b = Banding::new(20, 5).unwrap();
        let mut last = 0.0;
        for i in 0..=100 {
            let p = b.probability(i as f64 / 100.0);
            assert!(p >= last);
            last = p;
        }
        assert_eq!(b.probability(1.0), 1.0);
        assert_eq!(b.probability(0.0), 0.0);
    }

    #[test]
    fn band_keys_known_answer() {
        let sig = Signature::from_values(vec![1u32, 2, 3, 4]);
        let b = Banding::new(2, 2).unwrap();
        let keys: Vec<_> = b.band_keys(&sig, 10).collect();
        assert_eq!(
            keys,
            vec![(0, hash_u32s(&[1, 2], 10)), (1, hash_u32s(&[3, 4], 11))]
        );
    }
}
