//! Stage 6: checking candidate pairs.
//!
//! LSH proposes candidate pairs; verification decides which of them are
//! duplicates. By default ([`Verification::Exact`]) each candidate's
//! [`Similarity`] is computed exactly from the two [`ShingleSet`]s, so no
//! reported pair is below the threshold. [`Verification::Estimate`] uses the
//! MinHash signatures instead (no shingle sets kept), with the estimator's
//! error (see [`crate::minhash`]).
//!
//! The decision uses a [`Measure`]: Jaccard similarity (the default), or
//! containment, the larger of |A∩B|/|A| and |A∩B|/|B|, which finds a paragraph
//! quoted inside a longer one or an article that is a truncated copy of
//! another.

use crate::minhash::Signature;
use crate::shingle::ShingleSet;

/// How candidate pairs are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Verification {
    /// Exact similarity over the shingle sets (the default): no false
    /// positives. Costs one merge of two sorted sets per candidate pair and
    /// eight bytes per distinct shingle kept.
    #[default]
    Exact,
    /// Similarity estimated from the MinHash signatures: no shingle sets kept,
    /// but pairs whose true similarity is near the threshold may fall either
    /// side of it (standard error √(J(1−J)/num_perm)).
    Estimate,
}

/// Which similarity decides whether a pair is a duplicate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Measure {
    /// Jaccard similarity |A∩B| / |A∪B| (the default).
    #[default]
    Jaccard,
    /// Containment max(|A∩B|/|A|, |A∩B|/|B|): one text (nearly) inside the other.
    ///
    /// Candidates still come from MinHash LSH, which estimates Jaccard, so the
    /// banding is tuned for the Jaccard similarity that a pair at the
    /// containment threshold `t` has when the smaller set is half the larger,
    /// `t / (3 − t)`. A pair whose smaller text is less than half the larger
    /// may be missed.
    Containment,
}

impl Measure {
    /// The Jaccard similarity that candidate generation must reach for a pair
    /// at `threshold` under this measure (see [`Measure::Containment`]).
    pub fn candidate_jaccard(&self, threshold: f64) -> f64 {
        match self {
            Measure::Jaccard => threshold,
            Measure::Containment => threshold / (3.0 - threshold),
        }
    }
}

/// The similarity of two texts A and B.
///
/// # Example
///
/// ```
/// use echodup::{ShingleSet, Similarity};
///
/// let short = ShingleSet::from_hashes([1, 2]);
/// let long = ShingleSet::from_hashes([1, 2, 3, 4]);
/// let s = Similarity::exact(&short, &long);
/// assert_eq!((s.jaccard, s.containment_ab, s.containment_ba), (0.5, 1.0, 0.5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Similarity {
    /// |A∩B| / |A∪B|.
    pub jaccard: f64,
    /// |A∩B| / |A|: how much of A is inside B.
    pub containment_ab: f64,
    /// |A∩B| / |B|: how much of B is inside A.
    pub containment_ba: f64,
}

impl Similarity {
    /// The similarity of two identical, non-empty texts.
    pub const IDENTICAL: Similarity = Similarity {
        jaccard: 1.0,
        containment_ab: 1.0,
        containment_ba: 1.0,
    };

    /// Exact similarity of two shingle sets. Empty sets are similar to
    /// nothing: every value is 0 when either set is empty.
    pub fn exact(a: &ShingleSet, b: &ShingleSet) -> Similarity {
        if a.is_empty() || b.is_empty() {
            return Similarity::zero();
        }
        let inter = a.intersection_len(b) as f64;
        Self::from_counts(inter, a.len() as f64, b.len() as f64)
    }

    /// Similarity estimated from signatures and the sizes of the two sets.
    ///
    /// Jaccard is the fraction of equal signature slots; containment follows
    /// from it and the set sizes (|A∩B| = J(|A|+|B|)/(1+J)).
    ///
    /// # Panics
    ///
    /// If the signatures have different lengths.
    pub fn estimate(a: &Signature, len_a: usize, b: &Signature, len_b: usize) -> Similarity {
        Self::estimate_from_slots(a.as_slice(), len_a, b.as_slice(), len_b)
    }

    /// [`estimate`](Similarity::estimate) over raw signature slots.
    pub(crate) fn estimate_from_slots(
        a: &[u32],
        len_a: usize,
        b: &[u32],
        len_b: usize,
    ) -> Similarity {
        if len_a == 0 || len_b == 0 {
            return Similarity::zero();
        }
        let j = crate::minhash::slot_similarity(a, b);
        let inter = (j * (len_a + len_b) as f64 / (1.0 + j)).min(len_a.min(len_b) as f64);
        Similarity {
            jaccard: j,
            containment_ab: inter / len_a as f64,
            containment_ba: inter / len_b as f64,
        }
    }

    fn from_counts(inter: f64, a: f64, b: f64) -> Similarity {
        Similarity {
            jaccard: inter / (a + b - inter),
            containment_ab: inter / a,
            containment_ba: inter / b,
        }
    }

    pub(crate) const fn zero() -> Similarity {
        Similarity {
            jaccard: 0.0,
            containment_ab: 0.0,
            containment_ba: 0.0,
        }
    }

    /// The value `measure` compares with the threshold.
    pub fn score(&self, measure: Measure) -> f64 {
        match measure {
            Measure::Jaccard => self.jaccard,
            Measure::Containment => self.containment_ab.max(self.containment_ba),
        }
    }

    /// The same similarity seen from B's side (containments swapped).
    pub fn swapped(&self) -> Similarity {
        Similarity {
            jaccard: self.jaccard,
            containment_ab: self.containment_ba,
            containment_ba: self.containment_ab,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_jaccard(a: &[u64], b: &[u64]) -> f64 {
        use std::collections::BTreeSet;
        let a: BTreeSet<_> = a.iter().collect();
        let b: BTreeSet<_> = b.iter().collect();
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        a.intersection(&b).count() as f64 / a.union(&b).count() as f64
    }

    #[test]
    fn containment_measure_takes_larger_side() {
        let s = Similarity {
            jaccard: 0.3,
            containment_ab: 0.9,
            containment_ba: 0.31,
        };
        assert_eq!(s.score(Measure::Containment), 0.9);
        assert_eq!(s.swapped().score(Measure::Containment), 0.9);
        assert_eq!(s.score(Measure::Jaccard), 0.3);
    }

    #[test]
    fn containment_candidate_threshold_is_lower() {
        assert!((Measure::Containment.candidate_jaccard(0.8) - 0.8 / 2.2).abs() < 1e-12);
        assert_eq!(Measure::Jaccard.candidate_jaccard(0.8), 0.8);
    }

    proptest! {
        #[test]
        fn exact_similarity_matches_naive(a in prop::collection::vec(0u64..30, 0..20), b in prop::collection::vec(0u64..30, 0..20)) {
            let sa = ShingleSet::from_hashes(a.clone());
            let sb = ShingleSet::from_hashes(b.clone());
            let s = Similarity::exact(&sa, &sb);
            prop_assert!((s.jaccard - naive_jaccard(&a, &b)).abs() < 1e-12);
            prop_assert_eq!(s.jaccard, Similarity::exact(&sb, &sa).jaccard);
            prop_assert!(s.containment_ab >= s.jaccard && s.containment_ba >= s.jaccard);
            if !sa.is_empty() { prop_assert_eq!(Similarity::exact(&sa, &sa), Similarity::IDENTICAL); }
        }
    }
}
