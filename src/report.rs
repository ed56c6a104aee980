//! [`Report`]: everything a run found, with provenance.

use std::ops::Range;

use crate::cluster::{Clusters, KeepOrder};
use crate::config::Config;
use crate::corpus::{DocId, PassageId};
use crate::document_pairs::{DocumentPairs, PairGroups};
use crate::verify::{Similarity, Verification};

/// Two near-duplicate documents, `a < b`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DocumentPair {
    /// The earlier document.
    pub a: DocId,
    /// The later document.
    pub b: DocId,
    /// Their similarity on the basis the run decided by
    /// ([`Config::document_basis`](crate::Config::document_basis)): equal to
    /// `content` or to `raw` (`containment_ab` is how much of `a` is inside
    /// `b`).
    pub similarity: Similarity,
    /// Their similarity on the whole text, boilerplate included.
    #[cfg_attr(feature = "serde", serde(default = "Similarity::zero"))]
    pub raw: Similarity,
    /// Their similarity on their content, boilerplate left out (equal to
    /// `raw` when neither has boilerplate).
    #[cfg_attr(feature = "serde", serde(default = "Similarity::zero"))]
    pub content: Similarity,
}

/// One passage of a passage cluster, with where it is and how similar it is
/// to the cluster's first passage.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PassageMatch {
    /// The passage.
    pub passage: PassageId,
    /// Its byte span in its document's original text.
    pub span: Range<usize>,
    /// Its similarity to the first member of the cluster (1.0 for the first
    /// member itself). Members joined through a chain of matches can be below
    /// the threshold here.
    pub similarity: Similarity,
}

/// A group of near-duplicate passages: connected components of verified
/// passage pairs.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PassageCluster {
    pub(crate) members: Vec<PassageMatch>,
    pub(crate) num_documents: usize,
    #[cfg_attr(feature = "serde", serde(default))]
    pub(crate) boilerplate: bool,
}

impl PassageCluster {
    /// The members in input order; the first is the original, every later
    /// one a duplicate of an earlier passage.
    pub fn members(&self) -> &[PassageMatch] {
        &self.members
    }

    /// How many distinct documents the cluster spans.
    pub fn num_documents(&self) -> usize {
        self.num_documents
    }

    /// Whether the cluster is boilerplate (site chrome, navigation, related
    /// headlines, prompts) rather than content shared by documents: text
    /// repeated around documents that are otherwise different (the rule is
    /// in [`boilerplate`](crate::boilerplate)), whatever
    /// [`DocumentBasis`](crate::DocumentBasis) decides pairs. Always false
    /// without passages or with estimated verification.
    pub fn is_boilerplate(&self) -> bool {
        self.boilerplate
    }

    /// Whether the cluster spans more than one document (syndication,
    /// boilerplate) rather than repeats inside one.
    pub fn is_cross_document(&self) -> bool {
        self.num_documents > 1
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Always false: a cluster has at least two members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// A passage that repeats an earlier passage of the same document.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Repeat {
    /// The repeating passage.
    pub passage: PassageId,
    /// Its span.
    pub span: Range<usize>,
    /// The index of the earlier passage it repeats (the document's first
    /// passage in the same passage cluster).
    pub original: u32,
    /// The span of that earlier passage.
    pub original_span: Range<usize>,
    /// Similarity of the earlier passage to this one.
    pub similarity: Similarity,
}

/// A run of consecutive passages that repeats a run of consecutive earlier
/// passages of the same document: "passages 9–14 repeat passages 3–8", the
/// mark of a page whose body was doubled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RepeatedBlock {
    /// The document.
    pub doc: DocId,
    /// Passage indices of the earlier run.
    pub original: Range<u32>,
    /// Passage indices of the repeating run (same length).
    pub repeat: Range<u32>,
    /// Byte span from the first to the last passage of the earlier run.
    pub original_span: Range<usize>,
    /// Byte span from the first to the last passage of the repeating run.
    pub repeat_span: Range<usize>,
}

impl RepeatedBlock {
    /// The number of passages in each run.
    pub fn len(&self) -> usize {
        (self.repeat.end - self.repeat.start) as usize
    }

    /// Always false: a block has at least one passage.
    pub fn is_empty(&self) -> bool {
        self.repeat.is_empty()
    }
}

/// How much of one document duplicates something earlier.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DocumentSummary {
    /// The document.
    pub doc: DocId,
    /// Its length in bytes.
    pub len: usize,
    /// Its passages' spans, in order.
    pub passages: Vec<Range<usize>>,
    /// The indices of its passages that duplicate an earlier passage (earlier
    /// in this document or in an earlier document).
    pub duplicate_passages: Vec<u32>,
    /// Bytes of passage text in the document (the sum of its passage spans).
    pub passage_bytes: usize,
    /// Bytes of those spans that belong to duplicate passages.
    pub duplicate_bytes: usize,
    /// The indices of its passages that are boilerplate (in a boilerplate
    /// passage cluster), ascending.
    #[cfg_attr(feature = "serde", serde(default))]
    pub boilerplate_passages: Vec<u32>,
    /// Bytes of those passages' spans.
    #[cfg_attr(feature = "serde", serde(default))]
    pub boilerplate_bytes: usize,
    /// The document cluster it belongs to, if any (a position in [`Report::clusters`]).
    pub cluster: Option<usize>,
    /// Whether the document is in a cluster and is not the one kept.
    pub is_duplicate: bool,
}

impl DocumentSummary {
    /// Fraction of its passage bytes that duplicate earlier passages (0 for a
    /// document without passages). Compare with a limit to drop articles that
    /// are mostly duplicated ("drop above 0.8").
    pub fn duplicate_fraction(&self) -> f64 {
        if self.passage_bytes == 0 {
            0.0
        } else {
            self.duplicate_bytes as f64 / self.passage_bytes as f64
        }
    }

    /// Fraction of its passages that duplicate earlier passages.
    pub fn duplicate_passage_fraction(&self) -> f64 {
        if self.passages.is_empty() {
            0.0
        } else {
            self.duplicate_passages.len() as f64 / self.passages.len() as f64
        }
    }
}

/// Counts from a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Stats {
    /// Documents in the input.
    pub documents: usize,
    /// Documents whose normalized text was empty (never duplicates).
    pub empty_documents: usize,
    /// Passages in all documents.
    pub passages: usize,
    /// Passages compared (long enough and not empty after normalization).
    pub compared_passages: usize,
    /// Distinct document shingle sets (after collapsing identical ones).
    pub distinct_documents: usize,
    /// Distinct passage shingle sets.
    pub distinct_passages: usize,
    /// Candidate pairs of distinct documents examined.
    pub document_candidates: u64,
    /// Candidate pairs of distinct passages examined.
    pub passage_candidates: u64,
    /// Verified document pairs (counted, not stored: see
    /// [`document_pair_groups`](Stats::document_pair_groups)).
    pub document_pairs: usize,
    /// What the report stores for the document pairs: groups of two or more
    /// identical documents, plus verified pairs of distinct groups. A group
    /// of m identical documents is one entry for its m(m − 1)/2 pairs.
    pub document_pair_groups: usize,
    /// Document clusters.
    pub document_clusters: usize,
    /// Documents that duplicate a kept document.
    pub duplicate_documents: usize,
    /// Passage clusters.
    pub passage_clusters: usize,
    /// Passages that duplicate an earlier passage.
    pub duplicate_passages: usize,
    /// Passages that repeat an earlier passage of the same document.
    pub repeats: usize,
    /// Bytes of duplicate passages.
    pub duplicate_passage_bytes: usize,
    /// Passage clusters found to be boilerplate.
    pub boilerplate_clusters: usize,
    /// Passages in boilerplate clusters.
    pub boilerplate_passages: usize,
    /// Bytes of those passages.
    pub boilerplate_bytes: usize,
    /// LSH buckets (documents and passages) larger than
    /// [`Config::max_bucket`](crate::Config::max_bucket), whose candidates
    /// were capped to star and chain pairs.
    pub capped_buckets: u64,
    /// Pairs inside those buckets that the cap left out, summed over the
    /// capped buckets: m(m − 1)/2 minus the 2m − 3 star and chain pairs for
    /// a bucket of m distinct sets. A pair left out of one band's bucket may
    /// still have been examined through another band, so this is an upper
    /// bound on the candidate pairs lost. Which pairs are kept depends on the
    /// texts only, not on their order in the input.
    pub capped_pairs_skipped: u64,
    /// Heap bytes the run held per corpus after analysis: sketches, passage
    /// spans and ids (not the texts, not this report).
    pub sketch_bytes: usize,
    /// Bytes of band keys the run wrote to a temporary file instead of
    /// holding them (see [`Config::max_key_memory`](crate::Config::max_key_memory));
    /// 0 when they fit.
    #[cfg_attr(feature = "serde", serde(default))]
    pub spilled_bytes: u64,
    /// How noisy (OCR-like) the texts look, and whether
    /// [`Config::scanned`](crate::Config::scanned) fits
    /// ([`TextNoise::looks_scanned`](crate::noise::TextNoise::looks_scanned)).
    /// Counted by [`run`](crate::Deduplicator::run) and
    /// [`run_fetched`](crate::Deduplicator::run_fetched) on a sample
    /// ([`TextNoise::sampled`](crate::noise::TextNoise::sampled)); empty (no
    /// documents counted) after
    /// [`run_analyzed`](crate::Deduplicator::run_analyzed), which has no text.
    #[cfg_attr(feature = "serde", serde(default))]
    pub noise: crate::noise::TextNoise,
}

/// Everything a [`Deduplicator`](crate::Deduplicator) run found.
///
/// Memory is linear in the corpus, however many documents are identical:
/// document pairs are kept as groups and listed by an iterator. The serde
/// form lists every document pair under `document_pairs` (written as they
/// are expanded).
///
/// Document ids are positions in the input slice. Every list is sorted
/// (pairs by `(a, b)`, clusters by first member, repeats by passage) and
/// identical for identical input and config, whatever the thread count.
#[derive(Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Report {
    pub(crate) config: Config,
    pub(crate) document_pairs: PairGroups,
    pub(crate) clusters: Clusters,
    pub(crate) passage_clusters: Vec<PassageCluster>,
    pub(crate) repeats: Vec<Repeat>,
    pub(crate) repeated_blocks: Vec<RepeatedBlock>,
    pub(crate) summaries: Vec<DocumentSummary>,
    pub(crate) stats: Stats,
}

impl Report {
    /// The configuration of the run.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How pairs were verified (exact or estimated), so reports made in
    /// different modes are never confused.
    pub fn verification(&self) -> Verification {
        self.config.get_verification()
    }

    /// Verified near-duplicate document pairs, sorted by `(a, b)`.
    ///
    /// Every pair within a group of identical documents is listed, so there
    /// are m(m − 1)/2 pairs for m copies of one text. The report does not
    /// hold them: it keeps the groups of identical documents and the
    /// verified pairs of groups, and the iterator expands them as it goes,
    /// holding the partners of one document at a time.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::{Config, Deduplicator, DocId};
    ///
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let report = Deduplicator::new(Config::new())?.run(&[text; 4])?;
    /// let pairs: Vec<(u32, u32)> =
    ///     report.document_pairs().map(|p| (p.a.as_u32(), p.b.as_u32())).collect();
    /// assert_eq!(pairs, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]);
    /// assert_eq!(report.num_document_pairs(), 6);
    /// assert_eq!(report.stats().document_pair_groups, 1);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn document_pairs(&self) -> DocumentPairs<'_> {
        self.document_pairs.iter()
    }

    /// The number of verified document pairs, counted without listing them
    /// (as [`Stats::document_pairs`]).
    pub fn num_document_pairs(&self) -> usize {
        self.document_pairs.len()
    }

    /// The similarity of document `a` to document `b` (`containment_ab` is
    /// how much of `a` is inside `b`), if they are a verified pair; `None`
    /// otherwise, and for `a == b`. Fast for any group size: a lookup in the
    /// groups, no list of pairs.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::{Config, Deduplicator, DocId, Similarity};
    ///
    /// let docs = [
    ///     "Fresh snow closed the mountain pass for the second time this week.",
    ///     "The council approved the new budget on Tuesday after a long debate.",
    ///     "Fresh snow closed the mountain pass for the second time this week.",
    /// ];
    /// let report = Deduplicator::new(Config::new())?.run(&docs)?;
    /// let d = DocId::new;
    /// assert_eq!(report.pair_similarity(d(2), d(0)), Some(Similarity::IDENTICAL));
    /// assert_eq!(report.pair_similarity(d(0), d(1)), None);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn pair_similarity(&self, a: DocId, b: DocId) -> Option<Similarity> {
        self.document_pairs.similarity(a, b)
    }

    /// Clusters of near-duplicate documents.
    pub fn clusters(&self) -> &Clusters {
        &self.clusters
    }

    /// Keeps, in each document cluster, the member with the smallest
    /// ([`KeepOrder::Ascending`]) or largest ([`KeepOrder::Descending`]) key,
    /// instead of the one the [`KeepPolicy`](crate::KeepPolicy) of the
    /// run's config chose: the copy published first, or the one from the
    /// preferred source.
    ///
    /// `key` gives a document's key, or `None` when it has none; it is
    /// called once for each clustered document, in order. The rules are
    /// those of [`Clusters::keep_by`]: a missing key is never kept over a
    /// present one, in either order, and ties (all keys missing included)
    /// go to the earliest document in input order.
    ///
    /// Everything that depends on the kept member follows:
    /// [`clusters`](Report::clusters) (each
    /// [`representative`](crate::Cluster::representative)),
    /// [`duplicates`](Report::duplicates), each summary's
    /// [`is_duplicate`](DocumentSummary::is_duplicate), and a
    /// [`CleaningPlan`](crate::CleaningPlan) made afterwards. Pairs, cluster
    /// members, passage results and [`Stats`] do not change.
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::{Config, Deduplicator, DocId, KeepOrder};
    ///
    /// let text = "The council approved the new budget on Tuesday after a long debate.";
    /// let docs = [text, "Fresh snow closed the mountain pass again.", text, text];
    /// let published = [Some("2024-05-02"), None, Some("2024-05-01"), None];
    /// let mut report = Deduplicator::new(Config::new())?.run(&docs)?;
    /// assert_eq!(report.duplicates(), [DocId::new(2), DocId::new(3)]);
    /// report.keep_by(KeepOrder::Ascending, |d| published[d.as_usize()]);
    /// assert_eq!(report.duplicates(), [DocId::new(0), DocId::new(3)]);
    /// assert!(report.summary(DocId::new(0)).is_duplicate);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn keep_by<K: Ord>(&mut self, order: KeepOrder, key: impl FnMut(DocId) -> Option<K>) {
        self.clusters.keep_by(order, key);
        for s in &mut self.summaries {
            s.is_duplicate = self.clusters.is_duplicate(s.doc);
        }
    }

    /// The documents to drop: every clustered document but the kept one, sorted.
    pub fn duplicates(&self) -> Vec<DocId> {
        let mut v: Vec<DocId> = self.clusters.iter().flat_map(|c| c.duplicates()).collect();
        v.sort_unstable();
        v
    }

    /// Clusters of near-duplicate passages (both repeats inside a document
    /// and copies across documents), ordered by first member.
    pub fn passage_clusters(&self) -> &[PassageCluster] {
        &self.passage_clusters
    }

    /// Passages that repeat an earlier passage of the same document, sorted.
    pub fn repeats(&self) -> &[Repeat] {
        &self.repeats
    }

    /// Repeats grouped into runs of consecutive passages, sorted.
    pub fn repeated_blocks(&self) -> &[RepeatedBlock] {
        &self.repeated_blocks
    }

    /// One summary per input document, in input order.
    pub fn summaries(&self) -> &[DocumentSummary] {
        &self.summaries
    }

    /// The summary of one document.
    ///
    /// # Panics
    ///
    /// If `doc` is not a document of the run.
    pub fn summary(&self, doc: DocId) -> &DocumentSummary {
        &self.summaries[doc.as_usize()]
    }

    /// Counts.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Report")
            .field("verification", &self.verification())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}
