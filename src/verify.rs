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
//!
//! [`Verifier`] is the one place where a stored item is compared with a
//! query item: the batch engine, the in-memory and file indexes and the
//! Python binding all call it, each with the [`Evidence`] it holds (sets, or
//! signatures and set sizes).

pub(crate) mod intersect;

use crate::config::Config;
use crate::error::Result;
use crate::lsh::check_threshold;
use crate::minhash::Signature;
use crate::shingle::ShingleSet;
use crate::sketch::Level;

/// How candidate pairs are checked.
///
/// Text form (`Display`/`FromStr`, serde): `exact`, `estimate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
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
///
/// Text form (`Display`/`FromStr`, serde): `jaccard`, `containment`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
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

crate::text::text_form!(Verification, "verification", {
    Verification::Exact => "exact",
    Verification::Estimate => "estimate",
});

crate::text::text_form!(Measure, "measure", {
    Measure::Jaccard => "jaccard",
    Measure::Containment => "containment",
});

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

/// What verification compares of one item: its shingle set (exact), or its
/// signature and the size of its set (estimate).
///
/// Two pieces of evidence are equal when they are the same set, or the same
/// signature of sets of the same size: that is how the indexes recognise an
/// item they already hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence<'a> {
    /// The item's shingle set.
    Set(&'a ShingleSet),
    /// The item's MinHash signature slots and the number of distinct
    /// shingles in its set.
    Signature {
        /// The signature's slot values.
        slots: &'a [u32],
        /// The size of the item's set.
        size: usize,
    },
}

impl<'a> Evidence<'a> {
    /// The evidence of a signature and its set's size.
    pub fn signature(signature: &'a Signature, size: usize) -> Self {
        Evidence::Signature {
            slots: signature.as_slice(),
            size,
        }
    }
}

/// Compares a stored item with a query item and decides whether they are
/// duplicates: one [`Verification`] mode, one [`Measure`], one threshold.
///
/// # Example
///
/// ```
/// use echodup::sketch::Level;
/// use echodup::verify::{Evidence, Verifier};
/// use echodup::{Config, ShingleSet};
///
/// let verifier = Verifier::for_level(&Config::new().threshold(0.6), Level::Document)?;
/// let stored = ShingleSet::from_hashes([1, 2, 3, 4, 5]);
/// let query = ShingleSet::from_hashes([1, 2, 3, 4, 9]);
/// let sim = verifier.verify(Evidence::Set(&stored), Evidence::Set(&query)).unwrap();
/// assert_eq!(sim.jaccard, 4.0 / 6.0);
/// let other = ShingleSet::from_hashes([7, 8, 9]);
/// assert_eq!(verifier.verify(Evidence::Set(&stored), Evidence::Set(&other)), None);
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verifier {
    verification: Verification,
    measure: Measure,
    threshold: f64,
}

impl Verifier {
    /// A verifier with the given mode, measure and threshold.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming
    /// `threshold` if it is not in (0, 1].
    pub fn new(verification: Verification, measure: Measure, threshold: f64) -> Result<Self> {
        check_threshold("threshold", threshold)?;
        Ok(Verifier {
            verification,
            measure,
            threshold,
        })
    }

    /// The verifier that `config` uses for `level`'s items (documents use
    /// [`Config::threshold`], passages [`Config::passage_threshold`]).
    ///
    /// # Errors
    ///
    /// As [`Config::validate`].
    pub fn for_level(config: &Config, level: Level) -> Result<Self> {
        config.validate()?;
        Ok(Verifier::from_valid(config, level))
    }

    /// [`for_level`](Verifier::for_level) for a config already validated.
    pub(crate) fn from_valid(config: &Config, level: Level) -> Self {
        Verifier {
            verification: config.get_verification(),
            measure: config.get_measure(),
            threshold: config.threshold_of(level),
        }
    }

    /// The verification mode.
    pub fn verification(&self) -> Verification {
        self.verification
    }

    /// The measure compared with the threshold.
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// The threshold: pairs whose score reaches it are duplicates.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The evidence this verifier's mode compares, of an item with shingle
    /// set `set` and signature `signature`.
    pub fn evidence<'a>(&self, set: &'a ShingleSet, signature: &'a Signature) -> Evidence<'a> {
        match self.verification {
            Verification::Exact => Evidence::Set(set),
            Verification::Estimate => Evidence::signature(signature, set.len()),
        }
    }

    /// The similarity of `stored` (A) to `query` (B): exact for two sets,
    /// estimated for two signatures.
    ///
    /// # Panics
    ///
    /// If one is a set and the other a signature, or the signatures have
    /// different lengths: evidence of different modes or configurations is
    /// never comparable.
    pub fn similarity(&self, stored: Evidence<'_>, query: Evidence<'_>) -> Similarity {
        match (stored, query) {
            (Evidence::Set(a), Evidence::Set(b)) => Similarity::exact(a, b),
            (
                Evidence::Signature { slots: a, size: la },
                Evidence::Signature { slots: b, size: lb },
            ) => Similarity::estimate_from_slots(a, la, b, lb),
            _ => panic!("a shingle set compared with a signature"),
        }
    }

    /// Whether `similarity` reaches the threshold under the measure.
    #[inline]
    pub fn accepts(&self, similarity: &Similarity) -> bool {
        similarity.score(self.measure) >= self.threshold
    }

    /// The similarity of `stored` to `query` if they are duplicates.
    ///
    /// # Panics
    ///
    /// As [`similarity`](Verifier::similarity).
    pub fn verify(&self, stored: Evidence<'_>, query: Evidence<'_>) -> Option<Similarity> {
        if let (Evidence::Set(a), Evidence::Set(b)) = (stored, query) {
            // Exact: the merge stops once the pair cannot reach the
            // threshold; the decision is still `accepts` on the full count.
            if a.is_empty() || b.is_empty() {
                return None;
            }
            let needed = self.least_intersection(a.len(), b.len());
            let inter = intersect::intersection_at_least(a.as_slice(), b.as_slice(), needed)?;
            let s = Similarity::from_counts(inter as f64, a.len() as f64, b.len() as f64);
            return self.accepts(&s).then_some(s);
        }
        let s = self.similarity(stored, query);
        self.accepts(&s).then_some(s)
    }

    /// A lower bound on |A∩B| for sets of sizes `a` and `b` to be accepted
    /// (one below the exact bound, so that rounding can never reject a pair
    /// that [`accepts`](Verifier::accepts) would take).
    fn least_intersection(&self, a: usize, b: usize) -> usize {
        let t = self.threshold;
        let bound = match self.measure {
            // I / (a + b - I) >= t  <=>  I >= t (a + b) / (1 + t)
            Measure::Jaccard => t * (a + b) as f64 / (1.0 + t),
            // max(I / a, I / b) >= t  <=>  I >= t min(a, b)
            Measure::Containment => t * a.min(b) as f64,
        };
        (bound.floor() as usize).saturating_sub(1)
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
    ///
    /// # Panics
    ///
    /// If the slices have different lengths.
    pub fn estimate_from_slots(a: &[u32], len_a: usize, b: &[u32], len_b: usize) -> Similarity {
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

    #[test]
    fn verifier_compares_sets_or_signatures_by_mode() {
        let a = ShingleSet::from_hashes((0..100).collect::<Vec<u64>>());
        let b = ShingleSet::from_hashes((10..100).collect::<Vec<u64>>());
        let h = crate::MinHasher::new(128, 7);
        let (sa, sb) = (
            h.signature_from_shingles(a.as_slice().iter().copied()),
            h.signature_from_shingles(b.as_slice().iter().copied()),
        );
        let exact = Verifier::new(Verification::Exact, Measure::Jaccard, 0.9).unwrap();
        let sim = exact
            .verify(exact.evidence(&a, &sa), exact.evidence(&b, &sb))
            .unwrap();
        assert_eq!(sim, Similarity::exact(&a, &b));
        let estimate = Verifier::new(Verification::Estimate, Measure::Containment, 0.95).unwrap();
        let sim = estimate.similarity(estimate.evidence(&a, &sa), estimate.evidence(&b, &sb));
        assert_eq!(sim, Similarity::estimate(&sa, a.len(), &sb, b.len()));
        // b lies inside a: containment accepts what Jaccard 0.95 would not.
        assert!(estimate.accepts(&sim));
        assert_eq!(
            Verifier::new(Verification::Exact, Measure::Jaccard, 0.0)
                .unwrap_err()
                .parameter(),
            Some("threshold")
        );
        assert_eq!(exact.evidence(&a, &sa), Evidence::Set(&a));
        assert_ne!(estimate.evidence(&a, &sa), estimate.evidence(&b, &sb));
    }

    #[test]
    #[should_panic(expected = "a shingle set compared with a signature")]
    fn verifier_refuses_mixed_evidence() {
        let a = ShingleSet::from_hashes([1, 2]);
        let s = Signature::from_values(vec![1, 2]);
        let v = Verifier::new(Verification::Exact, Measure::Jaccard, 0.5).unwrap();
        v.similarity(Evidence::Set(&a), Evidence::signature(&s, 2));
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

        /// `verify` (whose merge stops once the threshold is out of reach)
        /// decides exactly as `accepts` on the full similarity, for both
        /// measures, at thresholds that land exactly on achievable values.
        #[test]
        fn verify_with_early_exit_decides_as_the_full_similarity(
            a in prop::collection::vec(0u64..200, 0..150),
            b in prop::collection::vec(0u64..200, 0..150),
            t in 1u32..=20,
            containment in any::<bool>(),
        ) {
            let (sa, sb) = (ShingleSet::from_hashes(a), ShingleSet::from_hashes(b));
            let measure = if containment { Measure::Containment } else { Measure::Jaccard };
            // Thresholds on the grid k/20, and the pair's own score.
            let own = Similarity::exact(&sa, &sb).score(measure);
            for threshold in [f64::from(t) / 20.0, own] {
                if threshold <= 0.0 {
                    continue;
                }
                let v = Verifier::new(Verification::Exact, measure, threshold).unwrap();
                let full = Similarity::exact(&sa, &sb);
                let want = v.accepts(&full).then_some(full);
                prop_assert_eq!(v.verify(Evidence::Set(&sa), Evidence::Set(&sb)), want);
            }
        }
    }
}
