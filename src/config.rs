//! [`Config`]: every parameter of a run, as one plain value.

use crate::boilerplate::DocumentBasis;
use crate::cluster::{Clustering, KeepPolicy};
use crate::error::{Error, Result};
use crate::lsh::{Banding, check_threshold};
use crate::normalize::Normalizer;
use crate::segment::Segmentation;
use crate::shingle::Shingling;
use crate::sketch::Level;
use crate::verify::{Measure, Verification};

/// The seed used for shingle hashes, MinHash coefficients and band keys
/// unless [`Config::seed`] sets another.
pub const DEFAULT_SEED: u64 = 0x6563_686F_6475_7031; // "echodup1"

/// The version of every stable output: normalization, shingle hashes,
/// signatures and band keys. It changes whenever one of them would.
pub const FORMAT_VERSION: u32 = 1;

/// Largest accepted `num_perm`.
pub const MAX_NUM_PERM: usize = 8192;
/// Default [`Config::max_bucket`]: buckets of up to 256 distinct sets are
/// expanded to all their pairs (at most 32,640 verifications each).
pub const DEFAULT_MAX_BUCKET: usize = 256;
/// Default [`Config::kept_set_bytes`]: 256 MiB, the document sets of about
/// 50,000 news articles.
pub const DEFAULT_KEPT_SET_BYTES: usize = 256 << 20;
/// Default [`Config::boilerplate_min_documents`].
pub const DEFAULT_BOILERPLATE_MIN_DOCUMENTS: usize = 3;
/// Largest accepted shingle size.
pub const MAX_SHINGLE_SIZE: usize = 1024;
/// Default [`Config::max_key_memory`]: 16 MiB of band keys in memory, about
/// 130,000 items (documents and passages, some 13,000 news articles) with 32
/// bands. Spilling costs no measurable user CPU (issue 17: 12.8 s spilled
/// against 13.0 s in memory for 100,000 articles); the kernel's copy into
/// the page cache is system time, small on most machines but about 40 µs a
/// fresh 4 KiB page on the 2-core VM of docs/BENCHMARKS.md, whose host takes
/// back free memory.
pub const DEFAULT_MAX_KEY_MEMORY: usize = 16 << 20;

/// Every parameter of a run: how texts are normalized, segmented, shingled,
/// sketched, banded, verified and clustered.
///
/// A plain value with chained setters; getters carry a `get_` prefix.
/// Nothing is checked until the config is used
/// ([`Deduplicator::new`](crate::Deduplicator::new),
/// [`Config::validate`]); then an invalid parameter is an
/// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) error that names it.
///
/// # Example
///
/// ```
/// use echodup::Config;
///
/// let config = Config::new().shingle_size(5).num_perm(128).threshold(0.8);
/// assert_eq!(config.get_num_perm(), 128);
/// let banding = config.get_banding()?; // derived from threshold and num_perm
/// assert_eq!((banding.bands(), banding.rows()), (32, 4));
///
/// let bad = Config::new().threshold(1.5);
/// assert_eq!(bad.validate().unwrap_err().parameter(), Some("threshold"));
/// # Ok::<(), echodup::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Config {
    normalizer: Normalizer,
    segmentation: Segmentation,
    shingling: Shingling,
    num_perm: usize,
    seed: u64,
    threshold: f64,
    passage_threshold: Option<f64>,
    measure: Measure,
    banding: Option<Banding>,
    passage_banding: Option<Banding>,
    verification: Verification,
    keep: KeepPolicy,
    min_passage_tokens: usize,
    passages: bool,
    max_bucket: usize,
    // Issue 16 (scanned text): clustering, signature pre-filter, banding
    // for a corpus's background similarity.
    clustering: Clustering,
    signature_prefilter: Option<f64>,
    background_similarity: Option<f64>,
    document_basis: DocumentBasis,
    boilerplate_min_documents: usize,
    // Issue 17: sets kept from the first analysis for verification.
    kept_set_bytes: usize,
    // Issue 17 (memory per item): where and when band keys go to disk.
    // They change no result.
    temp_dir: Option<std::path::PathBuf>,
    max_key_memory: usize,
}

/// The miss probability at the threshold that [`Config::background_similarity`]
/// allows the banding.
pub const BACKGROUND_MISS: f64 = 0.01;

/// Default miss probability of [`Config::signature_prefilter`] in
/// [`Config::scanned`]: at most one pair in a million at the threshold.
pub const DEFAULT_PREFILTER_MISS: f64 = 1e-6;

impl Default for Config {
    fn default() -> Self {
        Config {
            normalizer: Normalizer::news(),
            segmentation: Segmentation::Auto,
            shingling: Shingling::Words(5),
            num_perm: 128,
            seed: DEFAULT_SEED,
            threshold: 0.8,
            passage_threshold: None,
            measure: Measure::Jaccard,
            banding: None,
            passage_banding: None,
            verification: Verification::Exact,
            keep: KeepPolicy::First,
            min_passage_tokens: 1,
            passages: true,
            max_bucket: DEFAULT_MAX_BUCKET,
            clustering: Clustering::Components,
            signature_prefilter: None,
            background_similarity: None,
            document_basis: DocumentBasis::Content,
            boilerplate_min_documents: DEFAULT_BOILERPLATE_MIN_DOCUMENTS,
            kept_set_bytes: DEFAULT_KEPT_SET_BYTES,
            temp_dir: None,
            max_key_memory: DEFAULT_MAX_KEY_MEMORY,
        }
    }
}

impl Config {
    /// The defaults: news normalization, passages read from the page
    /// ([`Segmentation::Auto`]), word 5-shingles,
    /// 128 slots, threshold 0.8 (Jaccard), automatic banding, exact
    /// verification, keep the first copy.
    pub fn new() -> Self {
        Config::default()
    }

    /// The preset for scanned, OCR'd text (newspaper archives): OCR
    /// folding ([`Normalizer::scanned`]), passages read from the page with
    /// words hyphenated across line ends re-joined ([`Segmentation::Auto`]),
    /// shingles of 6 characters other than spaces ([`Shingling::Glyphs`]),
    /// threshold 0.3 (Jaccard), banding for a background similarity of 0.03
    /// ([`Config::background_similarity`]: 64 × 2 of 128 slots), the
    /// signature pre-filter at a miss probability of 10⁻⁶
    /// ([`Config::signature_prefilter`]), star clusters
    /// ([`Clustering::Star`]), passages not compared (whole reprints are
    /// what an archive deduplicates; turn them on with
    /// [`passages`](Config::passages)) and documents compared on their
    /// whole text ([`DocumentBasis::Raw`]: a scanned page has no site
    /// chrome to leave out).
    ///
    /// Tuned on generated scanned reprints (`synth::ScanGenerator`, with the
    /// `tools` feature; docs/QUALITY.md, "Scanned reprints"): the adjusted
    /// Rand index stays above 0.96 up to 10% damaged words. Every piece can
    /// be used alone, and every setter still applies on top.
    ///
    /// ```
    /// use echodup::{Config, Deduplicator};
    ///
    /// let wire = "Harbour reopens after storm\n\nThe harbour reopened on Friday after a week of \
    ///             storms kept the fishing fleet in port and the ferries tied up.";
    /// let scan = "HARBOUR REOPENS\n\nThe harbour re-\nopened on Fri day after a week of\n\
    ///             storrns kept the fishing f1eet in port\nand the ferries tied up.";
    /// let other = "Library extends hours\n\nThe town library will stay open until nine on \
    ///              weekdays from next month, the council said.";
    /// let report = Deduplicator::new(Config::scanned())?.run(&[wire, scan, other])?;
    /// assert_eq!(report.clusters().len(), 1);
    /// assert_eq!(report.clusters()[0].len(), 2);
    /// // The default settings miss it: too many words differ.
    /// let plain = Deduplicator::new(Config::new())?.run(&[wire, scan, other])?;
    /// assert!(plain.clusters().is_empty());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn scanned() -> Self {
        Config::new()
            .normalizer(Normalizer::scanned())
            .segmentation(Segmentation::Auto)
            .shingling(Shingling::Glyphs(6))
            .threshold(0.3)
            .background_similarity(0.03)
            .signature_prefilter(Some(DEFAULT_PREFILTER_MISS))
            .clustering(Clustering::Star)
            .passages(false)
            .document_basis(DocumentBasis::Raw)
    }

    /// How text is normalized. Defaults to [`Normalizer::news`].
    pub fn normalizer(mut self, normalizer: Normalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// How documents are cut into passages. Defaults to
    /// [`Segmentation::Auto`], which reads each blank-line block: one passage
    /// when it is hard-wrapped, one per line when its lines are paragraphs
    /// (scraped pages), and re-joins words hyphenated across a line end. Use
    /// [`Segmentation::BlankLines`] to cut only at blank lines, or
    /// [`Segmentation::Lines`] to cut at every line.
    ///
    /// ```
    /// use echodup::{Analyzer, Config, Segmentation};
    ///
    /// let page = "Storm closes coast road\nThe road shut at dawn.\nIt reopens today.";
    /// let auto = Analyzer::new(&Config::new())?.analyze(page);
    /// assert_eq!(auto.passages().len(), 3);
    /// let blank = Config::new().segmentation(Segmentation::BlankLines);
    /// assert_eq!(Analyzer::new(&blank)?.analyze(page).passages().len(), 1);
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn segmentation(mut self, segmentation: Segmentation) -> Self {
        self.segmentation = segmentation;
        self
    }

    /// Shingle kind and size. Defaults to [`Shingling::Words`]`(5)`.
    ///
    /// Shorter shingles match more loosely (3 words suits short passages and
    /// headlines); longer ones demand longer identical runs (7–9 for long
    /// articles where stock phrases recur). Character shingles
    /// ([`Shingling::Chars`], 4–6 characters) suit text without spaces and
    /// OCR-noisy text.
    pub fn shingling(mut self, shingling: Shingling) -> Self {
        self.shingling = shingling;
        self
    }

    /// Word shingles of `n` words: shorthand for `shingling(Shingling::Words(n))`.
    pub fn shingle_size(mut self, n: usize) -> Self {
        self.shingling = Shingling::Words(n);
        self
    }

    /// Signature slots. Defaults to 128. More slots give a sharper S-curve
    /// and a smaller estimation error (√(J(1−J)/num_perm)) at a linear cost in
    /// time and memory.
    pub fn num_perm(mut self, num_perm: usize) -> Self {
        self.num_perm = num_perm;
        self
    }

    /// Seed of shingle hashes, MinHash functions and band keys. Defaults to
    /// [`DEFAULT_SEED`]. Results are only comparable between equal seeds.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Similarity at or above which two documents are duplicates, in (0, 1].
    /// Defaults to 0.8. Also the passage threshold unless
    /// [`passage_threshold`](Config::passage_threshold) is set.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// Similarity at or above which two passages are duplicates, in (0, 1].
    /// Defaults to the document threshold.
    pub fn passage_threshold(mut self, threshold: f64) -> Self {
        self.passage_threshold = Some(threshold);
        self
    }

    /// The similarity compared with the thresholds. Defaults to
    /// [`Measure::Jaccard`].
    pub fn measure(mut self, measure: Measure) -> Self {
        self.measure = measure;
        self
    }

    /// Explicit document banding; by default it is derived from the threshold
    /// and `num_perm` ([`Banding::for_threshold`]).
    pub fn banding(mut self, banding: Banding) -> Self {
        self.banding = Some(banding);
        self
    }

    /// Explicit passage banding; by default derived from the passage threshold.
    pub fn passage_banding(mut self, banding: Banding) -> Self {
        self.passage_banding = Some(banding);
        self
    }

    /// How candidates are checked. Defaults to [`Verification::Exact`].
    pub fn verification(mut self, verification: Verification) -> Self {
        self.verification = verification;
        self
    }

    /// Which member of a document cluster is kept. Defaults to [`KeepPolicy::First`].
    pub fn keep(mut self, keep: KeepPolicy) -> Self {
        self.keep = keep;
        self
    }

    /// Passages with fewer tokens (words, or characters with character
    /// shingles) are listed in the report but not compared. Defaults to 1:
    /// every passage with text is compared (a passage shorter than a shingle
    /// only ever matches the same normalized text, see [`crate::shingle`]).
    pub fn min_passage_tokens(mut self, n: usize) -> Self {
        self.min_passage_tokens = n;
        self
    }

    /// Whether passage-level duplicates (repeats, cross-document passage
    /// clusters) are searched. Defaults to `true`; turning it off halves the
    /// work when only whole documents matter.
    pub fn passages(mut self, on: bool) -> Self {
        self.passages = on;
        self
    }

    /// The largest LSH bucket whose members are all paired as candidates
    /// (counted in distinct shingle sets; identical texts are one). A bucket
    /// with more members, such as a footer with a changing date shared by
    /// 100,000 articles, is expanded to `2m` pairs instead of `m²/2`: each
    /// member with the bucket's first member and with its neighbour in input
    /// order. Clusters stay whole when the members resemble the first one;
    /// pairs of two other members are then found only through another band
    /// they share. Defaults to [`DEFAULT_MAX_BUCKET`]; at least 2.
    pub fn max_bucket(mut self, n: usize) -> Self {
        self.max_bucket = n;
        self
    }

    /// The most bytes of shingle sets that
    /// [`Deduplicator::run`](crate::Deduplicator::run) and
    /// [`run_fetched`](crate::Deduplicator::run_fetched) keep from the
    /// first analysis for verification. Verification needs the exact sets
    /// of the documents in candidate pairs; a document whose set was kept
    /// is not analyzed a second time. Sets are kept for the documents in
    /// input order while the total fits (8 bytes per distinct shingle plus
    /// 24 per document: about 5 KB for a 3.6 KB news article); the
    /// documents after that, and documents compared on their content
    /// without their boilerplate passages, are analyzed again when they
    /// are candidates. The same number bounds the sets that verification
    /// holds at a time (those of the candidates, fetched once each): they
    /// are fetched a connected component of the candidate graph after
    /// another, as many components at once as fit (at least one, so a
    /// component larger than the budget is held whole), and what needs two
    /// candidates' sets is computed while their component is held. Results
    /// never depend on it, only time and memory: 0 keeps nothing and holds
    /// one component at a time (the least memory).
    /// [`run_analyzed`](crate::Deduplicator::run_analyzed) borrows the
    /// caller's sets and ignores it. Defaults to
    /// [`DEFAULT_KEPT_SET_BYTES`] (256 MiB).
    ///
    /// ```
    /// use echodup::{Config, Deduplicator};
    ///
    /// let docs = ["The river rose again overnight in the valley.", "The river rose again overnight in the valley!"];
    /// let keep_none = Deduplicator::new(Config::new().kept_set_bytes(0))?.run(&docs)?;
    /// let keep_all = Deduplicator::new(Config::new())?.run(&docs)?;
    /// assert_eq!(keep_none.clusters(), keep_all.clusters());
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn kept_set_bytes(mut self, bytes: usize) -> Self {
        self.kept_set_bytes = bytes;
        self
    }

    /// The most bytes of band keys a run keeps in memory (4 bytes per band
    /// and per document or passage compared: 128 bytes an item with 32
    /// bands, most of what a run keeps per item). A run whose keys outgrow
    /// it writes them to a temporary file in [`Config::temp_dir`], band by
    /// band in blocks, and reads them back one band at a time to find
    /// candidates, holding about 24 bytes per item in memory instead of
    /// 150; bands are then processed a few at a time, as many as the same
    /// budget holds columns of (each column, 8 bytes a distinct set, is
    /// sorted through a scratch buffer as large again). The results are the
    /// same either way. Defaults to
    /// [`DEFAULT_MAX_KEY_MEMORY`] (16 MiB, about 130,000 items); 0 always
    /// spills, `usize::MAX` never does.
    pub fn max_key_memory(mut self, bytes: usize) -> Self {
        self.max_key_memory = bytes;
        self
    }

    /// The folder of the temporary file of band keys (see
    /// [`Config::max_key_memory`]): an unnamed file that the system removes
    /// when the run ends or the process dies. Defaults to `None`, the
    /// system's temporary folder ([`std::env::temp_dir`]: `TMPDIR` on Unix).
    /// On Linux the file is written and read past the page cache
    /// (`O_DIRECT`, where the folder's file system allows it): the keys are
    /// read back from the disk itself, so a local SSD serves better than a
    /// network or spinning disk. A run that cannot make or write the file
    /// fails with [`ErrorKind::Io`](crate::ErrorKind::Io) naming the folder.
    pub fn temp_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.temp_dir = dir;
        self
    }

    /// The most bytes of band keys a run keeps in memory.
    pub fn get_max_key_memory(&self) -> usize {
        self.max_key_memory
    }

    /// The folder of the temporary file of band keys, if set.
    pub fn get_temp_dir(&self) -> Option<&std::path::Path> {
        self.temp_dir.as_deref()
    }

    /// How verified document pairs become clusters. Defaults to
    /// [`Clustering::Components`]; [`Clustering::Star`] never chains two
    /// stories through one link (and, with [`Measure::Containment`], never
    /// through a short text inside two long ones).
    pub fn clustering(mut self, clustering: Clustering) -> Self {
        self.clustering = clustering;
        self
    }

    /// A cheap check of each candidate pair on its MinHash signatures before
    /// the exact check, with `Some(miss)` the largest probability that a
    /// pair at or above the threshold is dropped by it (in (0, 0.5]).
    /// Defaults to `None`: every candidate is checked exactly.
    ///
    /// The slots two signatures share follow a binomial law: with `k` slots
    /// and Jaccard similarity `J`, the count of equal slots is
    /// `Binomial(k, J)` (Broder 1997). A pair is checked exactly only if it
    /// shares at least `m` slots, where `m` is the largest count with
    /// `P[Binomial(k, j) < m] ≤ miss`, `j` the lowest Jaccard similarity a
    /// pair at the threshold can have (the threshold itself; under
    /// [`Measure::Containment`], the Jaccard similarity of the smaller set
    /// lying at the threshold inside the larger, from the two set sizes).
    /// The exact check still decides every pair that passes, so no reported
    /// pair is below the threshold; the trade is that a true pair is lost
    /// with probability at most `miss`, for a check of `num_perm` integers
    /// instead of a merge of two shingle sets and fewer sets recomputed.
    /// Keeps the signatures of the compared items (4 bytes a slot) during
    /// the run. Invalid values are reported by [`Config::validate`].
    pub fn signature_prefilter(mut self, miss: Option<f64>) -> Self {
        self.signature_prefilter = miss;
        self
    }

    /// The Jaccard similarity typical of two *unrelated* documents of the
    /// corpus, in [0, 1) (for example 0.03 for 6-glyph shingles of English
    /// news, 0.07 for character 5-grams): when set, the automatic banding is
    /// chosen for the cost of verification, not by the default weighting:
    /// [`Banding::for_background`] picks the banding with the fewest
    /// candidates among unrelated documents whose probability of missing a
    /// pair at the threshold is at most 1%. Defaults to `None`.
    pub fn background_similarity(mut self, background: f64) -> Self {
        self.background_similarity = Some(background);
        self
    }

    /// The clustering.
    pub fn get_clustering(&self) -> Clustering {
        self.clustering
    }

    /// The signature pre-filter's miss probability, if it is on.
    pub fn get_signature_prefilter(&self) -> Option<f64> {
        self.signature_prefilter
    }

    /// The background similarity the automatic banding is chosen for, if set.
    pub fn get_background_similarity(&self) -> Option<f64> {
        self.background_similarity
    }

    /// What document similarity is computed on: the text that is not
    /// boilerplate ([`DocumentBasis::Content`], the default) or the whole
    /// text ([`DocumentBasis::Raw`]). Pairs report both; this one decides.
    /// Content needs passages: with [`passages`](Self::passages) off, or in
    /// the incremental indexes ([`DedupIndex`](crate::DedupIndex), the file
    /// index), which see one document at a time, documents are compared on
    /// their whole text.
    pub fn document_basis(mut self, basis: DocumentBasis) -> Self {
        self.document_basis = basis;
        self
    }

    /// The fewest documents a passage cluster must span to be considered
    /// boilerplate (see [`boilerplate`](crate::boilerplate) for the rule).
    /// Passages shared by fewer documents are always content, so a text
    /// quoted once in a reply is never taken for boilerplate. Defaults to
    /// [`DEFAULT_BOILERPLATE_MIN_DOCUMENTS`]; at least 2.
    pub fn boilerplate_min_documents(mut self, n: usize) -> Self {
        self.boilerplate_min_documents = n;
        self
    }

    /// What document similarity is computed on.
    pub fn get_document_basis(&self) -> DocumentBasis {
        self.document_basis
    }

    /// The fewest documents a boilerplate passage cluster spans.
    pub fn get_boilerplate_min_documents(&self) -> usize {
        self.boilerplate_min_documents
    }

    /// The normalizer.
    pub fn get_normalizer(&self) -> Normalizer {
        self.normalizer
    }

    /// The segmentation.
    pub fn get_segmentation(&self) -> Segmentation {
        self.segmentation
    }

    /// The shingling.
    pub fn get_shingling(&self) -> Shingling {
        self.shingling
    }

    /// Signature slots.
    pub fn get_num_perm(&self) -> usize {
        self.num_perm
    }

    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    /// The document threshold.
    pub fn get_threshold(&self) -> f64 {
        self.threshold
    }

    /// The passage threshold (the document threshold unless set).
    pub fn get_passage_threshold(&self) -> f64 {
        self.passage_threshold.unwrap_or(self.threshold)
    }

    /// The measure.
    pub fn get_measure(&self) -> Measure {
        self.measure
    }

    /// The verification mode.
    pub fn get_verification(&self) -> Verification {
        self.verification
    }

    /// The keep policy.
    pub fn get_keep(&self) -> KeepPolicy {
        self.keep
    }

    /// The minimum passage length compared.
    pub fn get_min_passage_tokens(&self) -> usize {
        self.min_passage_tokens
    }

    /// The bucket size above which candidate pairs are capped.
    pub fn get_max_bucket(&self) -> usize {
        self.max_bucket
    }

    /// The most bytes of shingle sets a run keeps for verification.
    pub fn get_kept_set_bytes(&self) -> usize {
        self.kept_set_bytes
    }

    /// Whether passages are compared.
    pub fn get_passages(&self) -> bool {
        self.passages
    }

    /// The document banding: the explicit one, or the one derived from the
    /// threshold (lowered for containment, see [`Measure::Containment`]).
    ///
    /// # Errors
    ///
    /// As [`Config::validate`].
    pub fn get_banding(&self) -> Result<Banding> {
        self.validate()?;
        Ok(self.valid_banding(Level::Document))
    }

    /// The passage banding, explicit or derived like [`Config::get_banding`].
    ///
    /// # Errors
    ///
    /// As [`Config::validate`].
    pub fn get_passage_banding(&self) -> Result<Banding> {
        self.validate()?;
        Ok(self.valid_banding(Level::Passage))
    }

    /// The threshold of `level`'s items.
    pub(crate) fn threshold_of(&self, level: Level) -> f64 {
        match level {
            Level::Document => self.threshold,
            Level::Passage => self.get_passage_threshold(),
        }
    }

    /// The banding of `level`'s items, for a config that
    /// [`validate`](Config::validate) accepted (the one place that derives it).
    pub(crate) fn valid_banding(&self, level: Level) -> Banding {
        let explicit = match level {
            Level::Document => self.banding,
            Level::Passage => self.passage_banding,
        };
        explicit.unwrap_or_else(|| {
            let threshold = self.measure.candidate_jaccard(self.threshold_of(level));
            match self.background_similarity {
                Some(bg) => Banding::for_background(threshold, self.num_perm, bg, BACKGROUND_MISS),
                None => Banding::for_threshold(threshold, self.num_perm),
            }
            .expect("threshold, num_perm and background validated")
        })
    }

    /// Checks every parameter.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) naming the
    /// first parameter that breaks its rule: a threshold outside (0, 1],
    /// `num_perm` of 0 or above [`MAX_NUM_PERM`], a shingle size of 0 or above
    /// [`MAX_SHINGLE_SIZE`], or a banding whose `bands × rows` is not `num_perm`.
    pub fn validate(&self) -> Result<()> {
        check_threshold("threshold", self.threshold)?;
        if let Some(t) = self.passage_threshold {
            check_threshold("passage_threshold", t)?;
        }
        if self.num_perm == 0 || self.num_perm > MAX_NUM_PERM {
            return Err(Error::invalid_config(
                "num_perm",
                format!("must be in 1..={MAX_NUM_PERM} (got {})", self.num_perm),
            ));
        }
        if self.boilerplate_min_documents < 2 {
            return Err(Error::invalid_config(
                "boilerplate_min_documents",
                format!(
                    "must be at least 2 (got {})",
                    self.boilerplate_min_documents
                ),
            ));
        }
        if self.max_bucket < 2 {
            return Err(Error::invalid_config(
                "max_bucket",
                format!("must be at least 2 (got {})", self.max_bucket),
            ));
        }
        if let Some(miss) = self.signature_prefilter
            && !(miss > 0.0 && miss <= 0.5)
        {
            return Err(Error::invalid_config(
                "signature_prefilter",
                format!("miss probability must be in (0, 0.5] (got {miss})"),
            ));
        }
        if let Some(bg) = self.background_similarity
            && !(0.0..1.0).contains(&bg)
        {
            return Err(Error::invalid_config(
                "background_similarity",
                format!("must be in [0, 1) (got {bg})"),
            ));
        }
        let n = self.shingling.size();
        if n == 0 || n > MAX_SHINGLE_SIZE {
            return Err(Error::invalid_config(
                "shingle_size",
                format!("must be in 1..={MAX_SHINGLE_SIZE} (got {n})"),
            ));
        }
        for (name, b) in [
            ("banding", self.banding),
            ("passage_banding", self.passage_banding),
        ] {
            if let Some(b) = b
                && b.num_perm() != self.num_perm
            {
                return Err(Error::invalid_config(
                    name,
                    format!(
                        "bands × rows ({} × {} = {}) must equal num_perm ({})",
                        b.bands(),
                        b.rows(),
                        b.num_perm(),
                        self.num_perm
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A 64-bit fingerprint of every parameter that changes shingle sets,
    /// signatures or band keys (normalization, segmentation, shingling, seed,
    /// `num_perm`, bandings) and of [`FORMAT_VERSION`]. Outputs with different
    /// fingerprints must never be mixed. Thresholds used only for
    /// verification, the measure and the keep policy are not part of it.
    ///
    /// # Errors
    ///
    /// As [`Config::validate`].
    pub fn fingerprint(&self) -> Result<u64> {
        Ok(crate::hash::hash_bytes(
            self.signature_parameters()?.as_bytes(),
            0,
        ))
    }

    /// The canonical text behind [`Config::fingerprint`], readable in error
    /// messages: `echodup/1 normalize=... shingles=words:5 num_perm=128 ...`.
    ///
    /// # Errors
    ///
    /// As [`Config::validate`].
    pub fn signature_parameters(&self) -> Result<String> {
        self.validate()?;
        let n = self.normalizer;
        let b = self.valid_banding(Level::Document);
        let pb = self.valid_banding(Level::Passage);
        Ok(format!(
            "echodup/{FORMAT_VERSION} normalize=nfkc,case:{},typography:{},punct:{},digits:{}{} \
             segment={:?} shingles={} num_perm={} seed={:#x} banding={}x{} passage_banding={}x{}",
            // `segment` is written with `Debug` (`BlankLines`): this text is
            // hashed into index files, so it never changes with the text form.
            n.get_case_fold() as u8,
            n.get_fold_typography() as u8,
            n.get_strip_punctuation() as u8,
            n.get_fold_digits() as u8,
            // Written only when on, so that every earlier fingerprint stays.
            if n.get_fold_ocr() { ",ocr:1" } else { "" },
            self.segmentation,
            self.shingling,
            self.num_perm,
            self.seed,
            b.bands(),
            b.rows(),
            pb.bands(),
            pb.rows(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn invalid_values_name_their_parameter() {
        let cases = [
            (Config::new().threshold(0.0), "threshold"),
            (Config::new().threshold(f64::NAN), "threshold"),
            (Config::new().passage_threshold(1.01), "passage_threshold"),
            (Config::new().num_perm(0), "num_perm"),
            (Config::new().shingle_size(0), "shingle_size"),
            (
                Config::new().signature_prefilter(Some(0.0)),
                "signature_prefilter",
            ),
            (
                Config::new().background_similarity(1.0),
                "background_similarity",
            ),
            (
                Config::new().banding(Banding::new(10, 10).unwrap()),
                "banding",
            ),
        ];
        for (config, parameter) in cases {
            let e = config.validate().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
            assert_eq!(e.parameter(), Some(parameter), "{e}");
        }
    }

    #[test]
    fn banding_message_gives_numbers() {
        let e = Config::new()
            .banding(Banding::new(10, 10).unwrap())
            .validate()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "banding bands × rows (10 × 10 = 100) must equal num_perm (128)"
        );
    }

    #[test]
    fn fingerprint_tracks_signature_parameters_only() {
        let base = Config::new();
        let f = base.fingerprint().unwrap();
        assert_eq!(f, Config::new().fingerprint().unwrap());
        assert_ne!(f, base.clone().num_perm(256).fingerprint().unwrap());
        assert_ne!(f, base.clone().seed(1).fingerprint().unwrap());
        assert_ne!(f, base.clone().shingle_size(4).fingerprint().unwrap());
        assert_ne!(
            f,
            base.clone()
                .normalizer(Normalizer::minimal())
                .fingerprint()
                .unwrap()
        );
        assert_eq!(
            f,
            base.clone()
                .keep(KeepPolicy::Longest)
                .fingerprint()
                .unwrap()
        );
    }

    #[test]
    fn containment_lowers_candidate_threshold() {
        let j = Config::new().threshold(0.8).get_banding().unwrap();
        let c = Config::new()
            .threshold(0.8)
            .measure(Measure::Containment)
            .get_banding()
            .unwrap();
        assert!(c.probability(0.4) > j.probability(0.4));
    }
}
