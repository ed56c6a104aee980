//! Python bindings of echodup: the native module `echodup._echodup`.
//!
//! This crate is a thin layer: every result comes from the `echodup` crate
//! unchanged. Values cross the boundary as plain tuples, lists, dicts and
//! `bytes`; the pure-Python package `echodup` (in `python/echodup/`) wraps
//! them into named tuples and classes with docstrings and type hints. Heavy
//! work runs with the interpreter detached (`Python::detach`, the GIL
//! released), so other Python threads keep running.
//!
//! Errors of the library become `echodup.EchodupError` (or its subclass for
//! the [`ErrorKind`]) whose message is the library's `Display` text.

use std::path::PathBuf;

mod batch;
mod clean;
mod spark;

use echodup::index::IndexFile;
use echodup::verify::Evidence;
use echodup::{
    Banding, Config, DEFAULT_KEPT_SET_BYTES, DEFAULT_MAX_BUCKET, DEFAULT_MAX_KEY_MEMORY,
    DEFAULT_SEED, DedupIndex, Deduplicator, DocumentBasis, Error, ErrorKind, FORMAT_VERSION,
    KeepPolicy, Level, Measure, Normalizer, Report, Segmentation, Shingling, Similarity, Sketcher,
    Verdict, Verification,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rayon::prelude::*;

create_exception!(
    echodup,
    EchodupError,
    PyException,
    "Any failure reported by echodup. `str(e)` is the library's message; \
     `e.kind` names the ErrorKind, `e.parameter`, `e.path` and `e.line` say where \
     (or are None), `e.detail` adds the underlying cause (an OS error)."
);
create_exception!(
    echodup,
    InvalidConfigError,
    EchodupError,
    "A Config parameter broke a rule; `e.parameter` names it."
);
create_exception!(
    echodup,
    IoError,
    EchodupError,
    "Reading or writing a file failed; `e.path` names it."
);
create_exception!(
    echodup,
    ParseError,
    EchodupError,
    "Input data was malformed; `e.path` and `e.line` say where."
);
create_exception!(
    echodup,
    FormatError,
    EchodupError,
    "A saved file is damaged or of an unsupported format version."
);
create_exception!(
    echodup,
    IncompatibleError,
    EchodupError,
    "Values made with different configurations were combined."
);
create_exception!(
    echodup,
    DuplicateIdError,
    EchodupError,
    "A document id given to a persistent index is already in it."
);
create_exception!(
    echodup,
    CapacityError,
    EchodupError,
    "A limit of the library was exceeded."
);

/// The library's error as a Python exception of the matching class.
fn py_err(py: Python<'_>, e: Error) -> PyErr {
    let message = e.to_string();
    let (err, kind) = match e.kind() {
        ErrorKind::InvalidConfig => (InvalidConfigError::new_err(message), "invalid_config"),
        ErrorKind::Io => (IoError::new_err(message), "io"),
        ErrorKind::Parse => (ParseError::new_err(message), "parse"),
        ErrorKind::Format => (FormatError::new_err(message), "format"),
        ErrorKind::Incompatible => (IncompatibleError::new_err(message), "incompatible"),
        ErrorKind::DuplicateId => (DuplicateIdError::new_err(message), "duplicate_id"),
        ErrorKind::Capacity => (CapacityError::new_err(message), "capacity"),
        _ => (EchodupError::new_err(message), "other"),
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if !detail.is_empty() {
            detail.push_str(": ");
        }
        detail.push_str(&s.to_string());
        source = s.source();
    }
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail in
    // practice; if it ever did, the exception is still raised without them.
    let _ = value.setattr("kind", kind);
    let _ = value.setattr("parameter", e.parameter());
    let _ = value.setattr("path", e.path().map(|p| p.display().to_string()));
    let _ = value.setattr("line", e.line());
    let _ = value.setattr("detail", (!detail.is_empty()).then_some(detail));
    err
}

/// Maps a library result to a Python one.
trait OrRaise<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> OrRaise<T> for echodup::Result<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| py_err(py, e))
    }
}

/// Runs `f` on a rayon pool of `threads` threads, or on the current pool.
fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    // As the CLI's --threads: starting thousands of threads takes longer
    // than any corpus needs (10,000 took 75 s for two documents).
    const MAX_THREADS: usize = 1024;
    match threads {
        None => Ok(f()),
        Some(0) => Err(PyValueError::new_err("threads must be at least 1 (got 0)")),
        Some(n) if n > MAX_THREADS => Err(PyValueError::new_err(format!(
            "threads must be at most {MAX_THREADS} (got {n})"
        ))),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}")))?;
            Ok(pool.install(f))
        }
    }
}

// ---------------------------------------------------------------------------
// Config

/// Every parameter of a run (see the package docs and `echodup.Config`).
#[pyclass(name = "Config", module = "echodup", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq)]
struct PyConfig {
    inner: Config,
}

fn banding_of(py: Python<'_>, b: Option<(usize, usize)>) -> PyResult<Option<Banding>> {
    b.map(|(bands, rows)| Banding::new(bands, rows).or_raise(py))
        .transpose()
}

#[pymethods]
impl PyConfig {
    #[new]
    #[pyo3(signature = (
        *,
        threshold = 0.8,
        passage_threshold = None,
        shingle_size = 5,
        char_shingles = false,
        num_perm = 128,
        seed = DEFAULT_SEED,
        passages = true,
        min_passage_tokens = 1,
        containment = false,
        verification = "exact",
        max_bucket = DEFAULT_MAX_BUCKET,
        keep = "first",
        segmentation = "auto",
        document_basis = "content",
        case_fold = true,
        fold_typography = true,
        strip_punctuation = true,
        fold_digits = false,
        banding = None,
        passage_banding = None,
        kept_set_bytes = DEFAULT_KEPT_SET_BYTES,
        max_key_memory = DEFAULT_MAX_KEY_MEMORY,
        temp_dir = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        threshold: f64,
        passage_threshold: Option<f64>,
        shingle_size: usize,
        char_shingles: bool,
        num_perm: usize,
        seed: u64,
        passages: bool,
        min_passage_tokens: usize,
        containment: bool,
        verification: &str,
        max_bucket: usize,
        keep: &str,
        segmentation: &str,
        document_basis: &str,
        case_fold: bool,
        fold_typography: bool,
        strip_punctuation: bool,
        fold_digits: bool,
        banding: Option<(usize, usize)>,
        passage_banding: Option<(usize, usize)>,
        kept_set_bytes: usize,
        max_key_memory: usize,
        temp_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let verification: Verification = parse_choice(verification)?;
        let keep: KeepPolicy = parse_choice(keep)?;
        let segmentation: Segmentation = parse_choice(segmentation)?;
        let document_basis: DocumentBasis = parse_choice(document_basis)?;
        let mut config = Config::new()
            .document_basis(document_basis)
            .threshold(threshold)
            .shingling(if char_shingles {
                Shingling::Chars(shingle_size)
            } else {
                Shingling::Words(shingle_size)
            })
            .num_perm(num_perm)
            .seed(seed)
            .passages(passages)
            .min_passage_tokens(min_passage_tokens)
            .measure(if containment {
                Measure::Containment
            } else {
                Measure::Jaccard
            })
            .verification(verification)
            .max_bucket(max_bucket)
            .kept_set_bytes(kept_set_bytes)
            .max_key_memory(max_key_memory)
            .temp_dir(temp_dir)
            .keep(keep)
            .segmentation(segmentation)
            .normalizer(
                Normalizer::news()
                    .case_fold(case_fold)
                    .fold_typography(fold_typography)
                    .strip_punctuation(strip_punctuation)
                    .fold_digits(fold_digits),
            );
        if let Some(t) = passage_threshold {
            config = config.passage_threshold(t);
        }
        if let Some(b) = banding_of(py, banding)? {
            config = config.banding(b);
        }
        if let Some(b) = banding_of(py, passage_banding)? {
            config = config.passage_banding(b);
        }
        config.validate().or_raise(py)?;
        Ok(PyConfig { inner: config })
    }

    /// The preset for scanned, OCR'd text (Rust `Config::scanned()`): OCR
    /// folding, 6-glyph shingles, threshold 0.3, banding for noise, the
    /// signature pre-filter and star clusters.
    #[staticmethod]
    fn scanned() -> Self {
        PyConfig {
            inner: Config::scanned(),
        }
    }

    /// Parses the JSON written by `to_json` (or by serde from the Rust
    /// `Config`); missing fields take their defaults.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Self> {
        let config: Config = serde_json::from_str(json)
            .map_err(|e| ParseError::new_err(format!("config JSON: {e}")))?;
        config.validate().or_raise(py)?;
        Ok(PyConfig { inner: config })
    }

    /// The configuration as JSON (the serde form of the Rust `Config`).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| PyValueError::new_err(format!("config JSON: {e}")))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = slf.get_type().getattr("from_json")?;
        Ok((from_json, (slf.get().to_json()?,)))
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("Config.from_json({:?})", self.to_json()?))
    }

    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.get_threshold()
    }
    #[getter]
    fn passage_threshold(&self) -> f64 {
        self.inner.get_passage_threshold()
    }
    #[getter]
    fn shingle_size(&self) -> usize {
        self.inner.get_shingling().size()
    }
    #[getter]
    fn char_shingles(&self) -> bool {
        matches!(self.inner.get_shingling(), Shingling::Chars(_))
    }
    #[getter]
    fn num_perm(&self) -> usize {
        self.inner.get_num_perm()
    }
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.get_seed()
    }
    #[getter]
    fn passages(&self) -> bool {
        self.inner.get_passages()
    }
    #[getter]
    fn min_passage_tokens(&self) -> usize {
        self.inner.get_min_passage_tokens()
    }
    #[getter]
    fn containment(&self) -> bool {
        self.inner.get_measure() == Measure::Containment
    }
    #[getter]
    fn verification(&self) -> &'static str {
        self.inner.get_verification().name()
    }
    #[getter]
    fn max_bucket(&self) -> usize {
        self.inner.get_max_bucket()
    }
    #[getter]
    fn kept_set_bytes(&self) -> usize {
        self.inner.get_kept_set_bytes()
    }
    #[getter]
    fn max_key_memory(&self) -> usize {
        self.inner.get_max_key_memory()
    }
    #[getter]
    fn temp_dir(&self) -> Option<PathBuf> {
        self.inner.get_temp_dir().map(PathBuf::from)
    }
    #[getter]
    fn keep(&self) -> &'static str {
        self.inner.get_keep().name()
    }
    #[getter]
    fn segmentation(&self) -> &'static str {
        self.inner.get_segmentation().name()
    }
    #[getter]
    fn document_basis(&self) -> &'static str {
        self.inner.get_document_basis().name()
    }
    #[getter]
    fn case_fold(&self) -> bool {
        self.inner.get_normalizer().get_case_fold()
    }
    #[getter]
    fn fold_typography(&self) -> bool {
        self.inner.get_normalizer().get_fold_typography()
    }
    #[getter]
    fn strip_punctuation(&self) -> bool {
        self.inner.get_normalizer().get_strip_punctuation()
    }
    #[getter]
    fn fold_digits(&self) -> bool {
        self.inner.get_normalizer().get_fold_digits()
    }
    /// `(bands, rows)` of the document banding (explicit or derived).
    #[getter]
    fn banding(&self, py: Python<'_>) -> PyResult<(usize, usize)> {
        let b = self.inner.get_banding().or_raise(py)?;
        Ok((b.bands(), b.rows()))
    }
    /// `(bands, rows)` of the passage banding (explicit or derived).
    #[getter]
    fn passage_banding(&self, py: Python<'_>) -> PyResult<(usize, usize)> {
        let b = self.inner.get_passage_banding().or_raise(py)?;
        Ok((b.bands(), b.rows()))
    }
    /// `Config::fingerprint()`: outputs of configs with different fingerprints never mix.
    #[getter]
    fn fingerprint(&self, py: Python<'_>) -> PyResult<u64> {
        self.inner.fingerprint().or_raise(py)
    }
    /// The canonical text behind the fingerprint.
    #[getter]
    fn signature_parameters(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.signature_parameters().or_raise(py)
    }
}

fn config_or_default(config: Option<PyRef<'_, PyConfig>>) -> Config {
    config.map(|c| c.inner.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Plain-tuple forms of library values

type SimTuple = (f64, f64, f64);
/// `(doc, index, start, end, jaccard, containment_ab, containment_ba)`.
type PassageTuple = (u32, u32, usize, usize, f64, f64, f64);
/// `(doc, jaccard, containment_ab, containment_ba)`.
type MatchTuple = (u32, f64, f64, f64);
/// `(doc, index, jaccard, containment_ab, containment_ba)`.
type PassageRefTuple = (u32, u32, f64, f64, f64);
/// `(index, start, end, duplicate_of)`.
type PassageVerdictTuple = (u32, usize, usize, Option<PassageRefTuple>);
/// `(doc, document_matches, passages)`.
type VerdictTuple = (Option<u32>, Vec<MatchTuple>, Vec<PassageVerdictTuple>);

fn sim(s: &Similarity) -> SimTuple {
    (s.jaccard, s.containment_ab, s.containment_ba)
}

fn verdict_tuple(v: &Verdict) -> VerdictTuple {
    (
        v.doc().map(|d| d.as_u32()),
        v.document_matches()
            .iter()
            .map(|(d, s)| (d.as_u32(), s.jaccard, s.containment_ab, s.containment_ba))
            .collect(),
        v.passages()
            .iter()
            .map(|p| {
                (
                    p.index,
                    p.span.start,
                    p.span.end,
                    p.duplicate_of.map(|(id, s)| {
                        let (j, ab, ba) = sim(&s);
                        (id.doc.as_u32(), id.index, j, ab, ba)
                    }),
                )
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------
// Report

/// What `deduplicate` found (wrapped by `echodup.Report`).
#[pyclass(name = "_Report", module = "echodup._echodup", frozen)]
struct PyReport {
    inner: Report,
}

#[pymethods]
impl PyReport {
    /// The HTML report page of this run (`echodup report`): `texts` are the
    /// run's texts in order, `ids` their names (positions when None).
    #[pyo3(signature = (texts, ids = None, title = None, max_bytes = None))]
    fn html(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        title: Option<String>,
        max_bytes: Option<usize>,
    ) -> PyResult<String> {
        let page = html_report(title, max_bytes);
        let report = &self.inner;
        py.detach(|| match &ids {
            Some(ids) => page.render_with_ids(report, &texts, ids),
            None => page.render(report, &texts),
        })
        .or_raise(py)
    }

    /// `html`, written to `path` atomically (temporary file and rename).
    #[pyo3(signature = (path, texts, ids = None, title = None, max_bytes = None))]
    fn write_html(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        title: Option<String>,
        max_bytes: Option<usize>,
    ) -> PyResult<()> {
        let page = html_report(title, max_bytes);
        let report = &self.inner;
        py.detach(|| match &ids {
            Some(ids) => page.write_with_ids(&path, report, &texts, ids),
            None => page.write(&path, report, &texts),
        })
        .or_raise(py)
    }

    fn config(&self) -> PyConfig {
        PyConfig {
            inner: self.inner.config().clone(),
        }
    }

    fn document_pairs(&self) -> Vec<(u32, u32, f64, f64, f64)> {
        self.inner
            .document_pairs()
            .map(|p| {
                let (j, ab, ba) = sim(&p.similarity);
                (p.a.as_u32(), p.b.as_u32(), j, ab, ba)
            })
            .collect()
    }

    /// `[(members, representative)]`.
    fn clusters(&self) -> Vec<(Vec<u32>, u32)> {
        self.inner
            .clusters()
            .iter()
            .map(|c| {
                (
                    c.members().iter().map(|d| d.as_u32()).collect(),
                    c.representative().as_u32(),
                )
            })
            .collect()
    }

    fn duplicates(&self) -> Vec<u32> {
        self.inner.duplicates().iter().map(|d| d.as_u32()).collect()
    }

    /// `[(num_documents, [member])]`.
    fn passage_clusters(&self) -> Vec<(usize, Vec<PassageTuple>)> {
        self.inner
            .passage_clusters()
            .iter()
            .map(|c| {
                let members = c
                    .members()
                    .iter()
                    .map(|m| {
                        let (j, ab, ba) = sim(&m.similarity);
                        (
                            m.passage.doc.as_u32(),
                            m.passage.index,
                            m.span.start,
                            m.span.end,
                            j,
                            ab,
                            ba,
                        )
                    })
                    .collect();
                (c.num_documents(), members)
            })
            .collect()
    }

    /// `[(doc, index, start, end, original, original_start, original_end, j, c_ab, c_ba)]`.
    #[allow(clippy::type_complexity)]
    fn repeats(&self) -> Vec<(u32, u32, usize, usize, u32, usize, usize, f64, f64, f64)> {
        self.inner
            .repeats()
            .iter()
            .map(|r| {
                let (j, ab, ba) = sim(&r.similarity);
                (
                    r.passage.doc.as_u32(),
                    r.passage.index,
                    r.span.start,
                    r.span.end,
                    r.original,
                    r.original_span.start,
                    r.original_span.end,
                    j,
                    ab,
                    ba,
                )
            })
            .collect()
    }

    /// `[(doc, (orig_first, orig_end), (rep_first, rep_end), (orig_start, orig_end_byte), (rep_start, rep_end_byte))]`.
    #[allow(clippy::type_complexity)]
    fn repeated_blocks(
        &self,
    ) -> Vec<(u32, (u32, u32), (u32, u32), (usize, usize), (usize, usize))> {
        self.inner
            .repeated_blocks()
            .iter()
            .map(|b| {
                (
                    b.doc.as_u32(),
                    (b.original.start, b.original.end),
                    (b.repeat.start, b.repeat.end),
                    (b.original_span.start, b.original_span.end),
                    (b.repeat_span.start, b.repeat_span.end),
                )
            })
            .collect()
    }

    /// `[(doc, len, passages, duplicate_passages, passage_bytes, duplicate_bytes, cluster, is_duplicate)]`.
    #[allow(clippy::type_complexity)]
    fn summaries(
        &self,
    ) -> Vec<(
        u32,
        usize,
        Vec<(usize, usize)>,
        Vec<u32>,
        usize,
        usize,
        Option<usize>,
        bool,
    )> {
        self.inner
            .summaries()
            .iter()
            .map(|s| {
                (
                    s.doc.as_u32(),
                    s.len,
                    s.passages.iter().map(|p| (p.start, p.end)).collect(),
                    s.duplicate_passages.clone(),
                    s.passage_bytes,
                    s.duplicate_bytes,
                    s.cluster,
                    s.is_duplicate,
                )
            })
            .collect()
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("documents", s.documents)?;
        d.set_item("empty_documents", s.empty_documents)?;
        d.set_item("passages", s.passages)?;
        d.set_item("compared_passages", s.compared_passages)?;
        d.set_item("distinct_documents", s.distinct_documents)?;
        d.set_item("distinct_passages", s.distinct_passages)?;
        d.set_item("document_candidates", s.document_candidates)?;
        d.set_item("passage_candidates", s.passage_candidates)?;
        d.set_item("document_pairs", s.document_pairs)?;
        d.set_item("document_pair_groups", s.document_pair_groups)?;
        d.set_item("document_clusters", s.document_clusters)?;
        d.set_item("duplicate_documents", s.duplicate_documents)?;
        d.set_item("passage_clusters", s.passage_clusters)?;
        d.set_item("duplicate_passages", s.duplicate_passages)?;
        d.set_item("repeats", s.repeats)?;
        d.set_item("duplicate_passage_bytes", s.duplicate_passage_bytes)?;
        d.set_item("capped_buckets", s.capped_buckets)?;
        d.set_item("capped_pairs_skipped", s.capped_pairs_skipped)?;
        d.set_item("sketch_bytes", s.sketch_bytes)?;
        Ok(d)
    }

    /// `[cluster, duplicate, duplicate_fraction]` as column bytes (see
    /// `batch::label_columns`).
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        batch::label_columns(py, &self.inner)
    }

    /// The library's cleaning plan under these options.
    #[pyo3(signature = (strip_passages = false, drop_if_duplicated = None, strip_boilerplate = false))]
    fn cleaning_plan(
        &self,
        py: Python<'_>,
        strip_passages: bool,
        drop_if_duplicated: Option<f64>,
        strip_boilerplate: bool,
    ) -> PyResult<clean::PyCleaningPlan> {
        let options = clean::clean_options(strip_passages, drop_if_duplicated, strip_boilerplate);
        clean::PyCleaningPlan::new(py, &self.inner, options)
    }

    /// The whole report as JSON (the serde form of the Rust `Report`).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| serde_json::to_string(&self.inner))
            .map_err(|e| PyValueError::new_err(format!("report JSON: {e}")))
    }
}

// ---------------------------------------------------------------------------
// DedupIndex

/// The in-memory incremental index (wrapped by `echodup.DedupIndex`).
#[pyclass(name = "_DedupIndex", module = "echodup._echodup")]
struct PyDedupIndex {
    inner: DedupIndex,
}

#[pymethods]
impl PyDedupIndex {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(py: Python<'_>, config: Option<PyRef<'_, PyConfig>>) -> PyResult<Self> {
        Ok(PyDedupIndex {
            inner: DedupIndex::new(config_or_default(config)).or_raise(py)?,
        })
    }

    fn config(&self) -> PyConfig {
        PyConfig {
            inner: self.inner.config().clone(),
        }
    }

    fn add(&mut self, py: Python<'_>, text: String) -> PyResult<VerdictTuple> {
        let inner = &mut self.inner;
        let v = py.detach(|| inner.add(&text)).or_raise(py)?;
        Ok(verdict_tuple(&v))
    }

    fn add_many(&mut self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<VerdictTuple>> {
        let inner = &mut self.inner;
        let verdicts = py
            .detach(|| {
                texts
                    .iter()
                    .map(|t| inner.add(t))
                    .collect::<echodup::Result<Vec<_>>>()
            })
            .or_raise(py)?;
        Ok(verdicts.iter().map(verdict_tuple).collect())
    }

    fn query(&self, py: Python<'_>, text: String) -> VerdictTuple {
        let inner = &self.inner;
        let v = py.detach(|| inner.query(&text));
        verdict_tuple(&v)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn num_passages(&self) -> usize {
        self.inner.num_passages()
    }
}

// ---------------------------------------------------------------------------
// IndexFile

/// The persistent index (wrapped by `echodup.IndexFile`).
#[pyclass(name = "_IndexFile", module = "echodup._echodup")]
struct PyIndexFile {
    inner: IndexFile,
}

fn info_dict<'py>(
    py: Python<'py>,
    info: echodup::store::IndexInfo,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("path", info.path.display().to_string())?;
    d.set_item("format_version", info.format_version)?;
    d.set_item("size", info.size)?;
    d.set_item("documents", info.documents)?;
    d.set_item("passages", info.passages)?;
    d.set_item("document_groups", info.document_groups)?;
    d.set_item("passage_groups", info.passage_groups)?;
    d.set_item("config", PyConfig { inner: info.config })?;
    d.set_item("fingerprint", info.fingerprint)?;
    Ok(d)
}

#[pymethods]
impl PyIndexFile {
    #[staticmethod]
    fn create(py: Python<'_>, path: PathBuf, config: PyRef<'_, PyConfig>) -> PyResult<Self> {
        let config = config.inner.clone();
        let inner = py
            .detach(|| IndexFile::create(&path, config))
            .or_raise(py)?;
        Ok(PyIndexFile { inner })
    }

    #[staticmethod]
    #[pyo3(signature = (path, config = None))]
    fn open(py: Python<'_>, path: PathBuf, config: Option<PyRef<'_, PyConfig>>) -> PyResult<Self> {
        let config = config.map(|c| c.inner.clone());
        let inner = py
            .detach(|| match &config {
                Some(c) => IndexFile::open_with(&path, c),
                None => IndexFile::open(&path),
            })
            .or_raise(py)?;
        Ok(PyIndexFile { inner })
    }

    #[staticmethod]
    fn merge<'py>(
        py: Python<'py>,
        out: PathBuf,
        inputs: Vec<PathBuf>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let info = py.detach(|| IndexFile::merge(&out, &inputs)).or_raise(py)?;
        info_dict(py, info)
    }

    fn config(&self) -> PyConfig {
        PyConfig {
            inner: self.inner.config().clone(),
        }
    }

    fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn num_passages(&self) -> usize {
        self.inner.num_passages()
    }

    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        info_dict(py, self.inner.info())
    }

    fn verify(&self, py: Python<'_>) -> PyResult<()> {
        let inner = &self.inner;
        py.detach(|| inner.verify()).or_raise(py)
    }

    fn query(&self, py: Python<'_>, text: String) -> PyResult<VerdictTuple> {
        let inner = &self.inner;
        let v = py.detach(|| inner.query(&text)).or_raise(py)?;
        Ok(verdict_tuple(&v))
    }

    fn add_batch(
        &mut self,
        py: Python<'_>,
        docs: Vec<(String, String)>,
    ) -> PyResult<Vec<VerdictTuple>> {
        let inner = &mut self.inner;
        let verdicts = py.detach(|| inner.add_batch(docs)).or_raise(py)?;
        Ok(verdicts.iter().map(verdict_tuple).collect())
    }

    fn doc_id(&self, py: Python<'_>, doc: u32) -> PyResult<String> {
        // Documents are numbered up to `next_doc`, removed ones included.
        let end = self.inner.next_doc().as_u32();
        if doc >= end {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "document {doc} is not in the index (documents 0 to {})",
                end as i64 - 1
            )));
        }
        self.inner.doc_id(echodup::DocId::new(doc)).or_raise(py)
    }

    fn find(&self, py: Python<'_>, id: &str) -> PyResult<Option<u32>> {
        Ok(self.inner.find(id).or_raise(py)?.map(|d| d.as_u32()))
    }
}

// ---------------------------------------------------------------------------
// Columnar band keys

/// The band keys of one batch, as native-endian column bytes.
#[derive(Default)]
struct KeyColumns {
    band: Vec<u32>,
    key: Vec<u64>,
    id: Vec<i64>,
    passage: Vec<u32>,
}

/// Appends the band keys of one text to `out`: of the document (if it is
/// compared) or of each passage that is compared, as the batch run does.
fn keys_of(dedup: &Deduplicator, passages: bool, id: i64, text: &str, out: &mut KeyColumns) {
    let sketcher = dedup.sketcher();
    let doc = dedup.analyzer().analyze(text);
    let mut push = |level: Level, set: &echodup::ShingleSet, passage: Option<usize>| {
        let sketch = sketcher.sketch(level, set);
        for (band, &key) in sketch.band_keys().iter().enumerate() {
            out.band.push(band as u32);
            out.key.push(key);
            out.id.push(id);
            if let Some(i) = passage {
                out.passage.push(i as u32);
            }
        }
    };
    if !passages {
        if sketcher.compares_document(doc.shingles().len()) {
            push(Level::Document, doc.shingles(), None);
        }
    } else {
        for (i, p) in sketcher.compared_passages(&doc) {
            push(Level::Passage, p.shingles(), Some(i));
        }
    }
}

impl KeyColumns {
    fn append(&mut self, mut other: KeyColumns) {
        self.band.append(&mut other.band);
        self.key.append(&mut other.key);
        self.id.append(&mut other.id);
        self.passage.append(&mut other.passage);
    }
}

/// Rows `0..n` in parallel, `chunk` rows at a time: `fill(rows, part)` writes
/// the rows of one chunk into a fresh `empty()` part, and the parts are
/// appended in row order. The first error, in row order, is returned.
fn par_chunks<T: Send>(
    n: usize,
    chunk: usize,
    empty: impl Fn() -> T + Sync,
    fill: impl Fn(std::ops::Range<usize>, &mut T) -> Result<(), String> + Sync,
    append: impl Fn(&mut T, T),
) -> Result<T, String> {
    let parts: Vec<Result<T, String>> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let mut part = empty();
            fill(c * chunk..((c + 1) * chunk).min(n), &mut part)?;
            Ok(part)
        })
        .collect();
    let mut all = empty();
    for part in parts {
        append(&mut all, part?);
    }
    Ok(all)
}

/// Band keys of rows `0..n`, `text(i)` giving row `i`, in row order, in parallel.
fn band_key_columns<'t>(
    dedup: &Deduplicator,
    passages: bool,
    ids: &[i64],
    text: impl Fn(usize) -> Result<&'t str, String> + Sync,
) -> Result<KeyColumns, String> {
    par_chunks(
        ids.len(),
        1024,
        KeyColumns::default,
        |rows, out| {
            for i in rows {
                keys_of(dedup, passages, ids[i], text(i)?, out);
            }
            Ok(())
        },
        KeyColumns::append,
    )
}

pub(crate) fn column_bytes<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    values: &[T],
    to_bytes: impl Fn(T) -> [u8; N],
) -> PyResult<Bound<'py, PyBytes>> {
    PyBytes::new_with(py, values.len() * N, |buf| {
        for (dst, v) in buf.chunks_exact_mut(N).zip(values) {
            dst.copy_from_slice(&to_bytes(*v));
        }
        Ok(())
    })
}

/// `(fingerprint, band, key, id, passage)`: the columns as native-endian bytes
/// (u32, u64, i64, u32; `passage` is None at document level).
type KeyBatch<'py> = (
    u64,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Option<Bound<'py, PyBytes>>,
);

/// One of the library's config enums from its text form; a bad name is a
/// `ValueError` with the library's message (which lists the names).
/// The HTML report builder for `Report.html` / `write_html`.
fn html_report(title: Option<String>, max_bytes: Option<usize>) -> echodup::HtmlReport {
    let mut page = echodup::HtmlReport::new();
    if let Some(t) = title {
        page = page.title(t);
    }
    if let Some(m) = max_bytes {
        page = page.max_bytes(m);
    }
    page
}

fn parse_choice<T: std::str::FromStr<Err = Error>>(text: &str) -> PyResult<T> {
    text.parse()
        .map_err(|e: Error| PyValueError::new_err(e.to_string()))
}

/// Whether `level` (`"document"` or `"passage"`) is the passage level.
pub(crate) fn parse_level(level: &str) -> PyResult<bool> {
    Ok(parse_choice::<Level>(level)? == Level::Passage)
}

pub(crate) fn check_fingerprint(
    py: Python<'_>,
    config: &Config,
    expected: Option<u64>,
) -> PyResult<u64> {
    let fingerprint = config.fingerprint().or_raise(py)?;
    if let Some(expected) = expected
        && expected != fingerprint
    {
        return Err(IncompatibleError::new_err(format!(
            "band keys: configuration fingerprint {fingerprint:#018x} differs from the expected \
             {expected:#018x} (this configuration: {})",
            config.signature_parameters().or_raise(py)?
        )));
    }
    Ok(fingerprint)
}

fn read_i64s(what: &str, bytes: &[u8]) -> PyResult<Vec<i64>> {
    if !bytes.len().is_multiple_of(8) {
        return Err(PyValueError::new_err(format!(
            "{what}: {} bytes is not a whole number of 64-bit integers",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| i64::from_ne_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

fn into_batch<'py>(
    py: Python<'py>,
    fingerprint: u64,
    passages: bool,
    cols: KeyColumns,
) -> PyResult<KeyBatch<'py>> {
    Ok((
        fingerprint,
        column_bytes(py, &cols.band, u32::to_ne_bytes)?,
        column_bytes(py, &cols.key, u64::to_ne_bytes)?,
        column_bytes(py, &cols.id, i64::to_ne_bytes)?,
        if passages {
            Some(column_bytes(py, &cols.passage, u32::to_ne_bytes)?)
        } else {
            None
        },
    ))
}

/// Band keys of `texts` (a list of str) with ids from `ids` (bytes of int64).
#[pyfunction]
#[pyo3(signature = (ids, texts, config, level, expected_fingerprint = None, threads = None))]
fn band_keys_list<'py>(
    py: Python<'py>,
    ids: &[u8],
    texts: Vec<String>,
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<KeyBatch<'py>> {
    let passages = parse_level(level)?;
    let fingerprint = check_fingerprint(py, &config.inner, expected_fingerprint)?;
    let ids = read_i64s("ids", ids)?;
    if ids.len() != texts.len() {
        return Err(PyValueError::new_err(format!(
            "ids and texts differ in length ({} ids, {} texts)",
            ids.len(),
            texts.len()
        )));
    }
    let dedup = Deduplicator::new(config.inner.clone()).or_raise(py)?;
    let cols = py
        .detach(|| {
            with_threads(threads, || {
                band_key_columns(&dedup, passages, &ids, |i| Ok(texts[i].as_str()))
            })
        })?
        .map_err(PyValueError::new_err)?;
    into_batch(py, fingerprint, passages, cols)
}

/// Band keys of an Arrow-style string column: `offsets` (bytes of int32 or
/// int64, `len + 1` values) into `data` (UTF-8 bytes), ids from `ids`.
#[pyfunction]
#[pyo3(signature = (ids, offsets, offset_width, data, config, level, expected_fingerprint = None, threads = None))]
#[allow(clippy::too_many_arguments)]
fn band_keys_buffers<'py>(
    py: Python<'py>,
    ids: &[u8],
    offsets: &[u8],
    offset_width: usize,
    data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<KeyBatch<'py>> {
    let passages = parse_level(level)?;
    let fingerprint = check_fingerprint(py, &config.inner, expected_fingerprint)?;
    let (ids, texts) = id_text_rows(ids, offsets, offset_width, data)?;
    let dedup = Deduplicator::new(config.inner.clone()).or_raise(py)?;
    let text = |i: usize| texts.get("texts", i);
    let cols = py
        .detach(|| with_threads(threads, || band_key_columns(&dedup, passages, &ids, text)))?
        .map_err(PyValueError::new_err)?;
    into_batch(py, fingerprint, passages, cols)
}

// ---------------------------------------------------------------------------
// Kernels for engines (echodup.spark): per-item sketches and pair verification.

/// An Arrow-style string column: `offsets` into `data`, `len + 1` offsets.
pub(crate) struct TextColumn<'a> {
    offsets: Vec<usize>,
    data: &'a [u8],
}

impl<'a> TextColumn<'a> {
    /// Reads `offsets` (bytes of int32 or int64 as `width` says) over `data`.
    pub(crate) fn new(what: &str, offsets: &[u8], width: usize, data: &'a [u8]) -> PyResult<Self> {
        let offsets: Vec<usize> = match width {
            4 if offsets.len().is_multiple_of(4) => offsets
                .chunks_exact(4)
                .map(|c| i32::from_ne_bytes(c.try_into().expect("4 bytes")))
                .map(|o| usize::try_from(o).unwrap_or(usize::MAX))
                .collect(),
            8 if offsets.len().is_multiple_of(8) => offsets
                .chunks_exact(8)
                .map(|c| i64::from_ne_bytes(c.try_into().expect("8 bytes")))
                .map(|o| usize::try_from(o).unwrap_or(usize::MAX))
                .collect(),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "{what} offsets: width must be 4 or 8 and divide the buffer ({width}, {} bytes)",
                    offsets.len()
                )));
            }
        };
        if offsets.is_empty() {
            return Err(PyValueError::new_err(format!(
                "{what} offsets: need at least one value"
            )));
        }
        Ok(TextColumn { offsets, data })
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Row `i` as bytes.
    pub(crate) fn bytes(&self, what: &str, i: usize) -> Result<&'a [u8], String> {
        let (start, end) = (self.offsets[i], self.offsets[i + 1]);
        self.data.get(start..end).ok_or_else(|| {
            format!(
                "{what} row {i}: offsets {start}..{end} outside the data ({} bytes)",
                self.data.len()
            )
        })
    }

    /// Row `i` as UTF-8 text.
    fn get(&self, what: &str, i: usize) -> Result<&'a str, String> {
        let bytes = self.bytes(what, i)?;
        std::str::from_utf8(bytes).map_err(|e| format!("{what} row {i}: text is not UTF-8: {e}"))
    }

    /// Row `i` as a shingle set written by [`set_buffers`]: sorted, distinct
    /// 64-bit hashes, little-endian.
    pub(crate) fn set(&self, what: &str, i: usize) -> Result<echodup::ShingleSet, String> {
        let bytes = self.bytes(what, i)?;
        if !bytes.len().is_multiple_of(8) {
            return Err(format!(
                "{what} row {i}: {} bytes is not a whole number of 64-bit hashes",
                bytes.len()
            ));
        }
        let hashes: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        Ok(echodup::ShingleSet::from_hashes(hashes))
    }
}

/// The ids (bytes of int64) and the string column of one batch, checked to
/// have one text per id.
fn id_text_rows<'a>(
    ids: &[u8],
    offsets: &[u8],
    offset_width: usize,
    data: &'a [u8],
) -> PyResult<(Vec<i64>, TextColumn<'a>)> {
    let ids = read_i64s("ids", ids)?;
    let texts = TextColumn::new("texts", offsets, offset_width, data)?;
    if texts.len() != ids.len() {
        return Err(PyValueError::new_err(format!(
            "ids and texts differ in length ({} ids, {} texts)",
            ids.len(),
            texts.len()
        )));
    }
    Ok((ids, texts))
}

/// Shingle sets as a binary column: the byte length of each set and the
/// sets' bytes, sorted distinct 64-bit hashes, little-endian (what
/// [`TextColumn::set`] reads back).
#[derive(Default)]
struct SetColumn {
    lens: Vec<i64>,
    bytes: Vec<u8>,
}

impl SetColumn {
    fn push(&mut self, set: &echodup::ShingleSet) {
        for h in set.as_slice() {
            self.bytes.extend_from_slice(&h.to_le_bytes());
        }
        self.lens.push(8 * set.len() as i64);
    }

    fn append(&mut self, mut other: SetColumn) {
        self.lens.append(&mut other.lens);
        self.bytes.append(&mut other.bytes);
    }

    /// `(offsets, data)` of an Arrow large_binary column: int64 offsets,
    /// `len + 1` of them, as native-endian bytes.
    fn into_buffers(self, py: Python<'_>) -> PyResult<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)> {
        let mut offsets = Vec::with_capacity(self.lens.len() + 1);
        offsets.push(0i64);
        for l in &self.lens {
            offsets.push(offsets.last().expect("not empty") + l);
        }
        Ok((
            column_bytes(py, &offsets, i64::to_ne_bytes)?,
            PyBytes::new(py, &self.bytes),
        ))
    }
}

/// Per-item sketch columns (see [`sketch_buffers`]).
#[derive(Default)]
struct SketchColumns {
    id: Vec<i64>,
    passage: Vec<i32>,
    start: Vec<i64>,
    end: Vec<i64>,
    length: Vec<i64>,
    fp_hi: Vec<i64>,
    fp_lo: Vec<i64>,
    size: Vec<i64>,
    keys: Vec<i32>,
    /// MinHash signatures, `num_perm` slots per item (when asked for).
    signatures: Option<Vec<u32>>,
    /// Shingle sets (when asked for), as [`set_buffers`] writes them.
    sets: Option<SetColumn>,
    /// Passage texts (passage level), as an Arrow large_string column.
    text_offsets: Vec<i64>,
    text_data: Vec<u8>,
}

impl SketchColumns {
    /// Appends one item: its set, where it lies in its document, and its text.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        sketcher: &Sketcher,
        level: Level,
        id: i64,
        passage: Option<usize>,
        span: std::ops::Range<usize>,
        length: usize,
        set: &echodup::ShingleSet,
        text: Option<&str>,
    ) {
        let sketch = sketcher.sketch(level, set);
        let fp = sketch.fingerprint();
        self.id.push(id);
        self.passage
            .push(passage.map_or(-1, |p| i32::try_from(p).unwrap_or(i32::MAX)));
        self.start.push(span.start as i64);
        self.end.push(span.end as i64);
        self.length.push(length as i64);
        self.fp_hi.push((fp >> 64) as u64 as i64);
        self.fp_lo.push(fp as u64 as i64);
        self.size.push(sketch.size().min(u32::MAX as usize) as i64);
        // The short keys the batch engine keeps: the same buckets.
        self.keys
            .extend(sketch.short_band_keys().map(|key| key as i32));
        if let Some(out) = &mut self.signatures {
            out.extend_from_slice(sketch.signature().as_slice());
        }
        if let Some(out) = &mut self.sets {
            out.push(set);
        }
        if let Some(t) = text {
            if self.text_offsets.is_empty() {
                self.text_offsets.push(0);
            }
            self.text_data.extend_from_slice(t.as_bytes());
            self.text_offsets.push(self.text_data.len() as i64);
        }
    }

    fn append(&mut self, mut other: SketchColumns) {
        self.id.append(&mut other.id);
        self.passage.append(&mut other.passage);
        self.start.append(&mut other.start);
        self.end.append(&mut other.end);
        self.length.append(&mut other.length);
        self.fp_hi.append(&mut other.fp_hi);
        self.fp_lo.append(&mut other.fp_lo);
        self.size.append(&mut other.size);
        self.keys.append(&mut other.keys);
        if let (Some(mine), Some(theirs)) = (&mut self.signatures, &mut other.signatures) {
            mine.append(theirs);
        }
        if let (Some(mine), Some(theirs)) = (&mut self.sets, other.sets.take()) {
            mine.append(theirs);
        }
        if other.text_offsets.len() > 1 {
            if self.text_offsets.is_empty() {
                self.text_offsets.push(0);
            }
            let base = *self.text_offsets.last().expect("not empty");
            self.text_offsets
                .extend(other.text_offsets[1..].iter().map(|o| o + base));
            self.text_data.append(&mut other.text_data);
        }
    }
}

/// Appends the items of one text: the document (if it is compared), or
/// each passage that the batch run compares.
fn sketch_one(dedup: &Deduplicator, passages: bool, id: i64, text: &str, out: &mut SketchColumns) {
    let sketcher = dedup.sketcher();
    let doc = dedup.analyzer().analyze(text);
    if !passages {
        if sketcher.compares_document(doc.shingles().len()) {
            let whole = 0..text.len();
            let set = doc.shingles();
            out.push(
                sketcher,
                Level::Document,
                id,
                None,
                whole,
                text.len(),
                set,
                None,
            );
        }
        return;
    }
    for (i, p) in sketcher.compared_passages(&doc) {
        let span = p.span();
        let t = &text[span.clone()];
        let len = span.len();
        out.push(
            sketcher,
            Level::Passage,
            id,
            Some(i),
            span,
            len,
            p.shingles(),
            Some(t),
        );
    }
}

/// `(fingerprint, bands, id, passage, start, end, length, fp_hi, fp_lo,
/// size, keys, text_offsets, text_data[, signatures])` as native-endian
/// bytes: i64 columns except `passage` and `keys` (i32; `bands` keys per
/// item); the passage texts as a large_string column (empty at document
/// level); the signatures (u32, `num_perm` per item) when asked for; the
/// shingle sets (int64 offsets, then little-endian u64 hashes) when asked for.
type SketchBatch<'py> = (u64, usize, Vec<Bound<'py, PyBytes>>);

/// Per-item sketches of an Arrow-style string column, for engines that
/// group and band outside the library: one row per document with a
/// non-empty shingle set (`level="document"`) or per compared passage,
/// with its byte span, length, 128-bit set fingerprint, set size and band
/// keys (the upper 32 bits of each 64-bit key, as the batch run uses).
#[pyfunction]
#[pyo3(signature = (ids, offsets, offset_width, data, config, level, expected_fingerprint = None, threads = None, signatures = false, sets = false))]
#[allow(clippy::too_many_arguments)]
fn sketch_buffers<'py>(
    py: Python<'py>,
    ids: &[u8],
    offsets: &[u8],
    offset_width: usize,
    data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
    signatures: bool,
    sets: bool,
) -> PyResult<SketchBatch<'py>> {
    let passages = parse_level(level)?;
    let fingerprint = check_fingerprint(py, &config.inner, expected_fingerprint)?;
    let (ids, texts) = id_text_rows(ids, offsets, offset_width, data)?;
    let dedup = Deduplicator::new(config.inner.clone()).or_raise(py)?;
    let bands = if passages {
        dedup.passage_banding().bands()
    } else {
        dedup.banding().bands()
    };
    let empty = || SketchColumns {
        signatures: signatures.then(Vec::new),
        sets: sets.then(Default::default),
        ..SketchColumns::default()
    };
    let fill = |rows: std::ops::Range<usize>, out: &mut SketchColumns| {
        for i in rows {
            sketch_one(&dedup, passages, ids[i], texts.get("texts", i)?, out);
        }
        Ok(())
    };
    let cols = py
        .detach(|| {
            with_threads(threads, || {
                par_chunks(ids.len(), 256, empty, fill, SketchColumns::append)
            })
        })?
        .map_err(PyValueError::new_err)?;
    let i64s = |v: &[i64]| column_bytes(py, v, i64::to_ne_bytes);
    let i32s = |v: &[i32]| column_bytes(py, v, i32::to_ne_bytes);
    let text_offsets: &[i64] = if cols.text_offsets.is_empty() {
        &[0]
    } else {
        &cols.text_offsets
    };
    let mut columns = vec![
        i64s(&cols.id)?,
        i32s(&cols.passage)?,
        i64s(&cols.start)?,
        i64s(&cols.end)?,
        i64s(&cols.length)?,
        i64s(&cols.fp_hi)?,
        i64s(&cols.fp_lo)?,
        i64s(&cols.size)?,
        i32s(&cols.keys)?,
        i64s(text_offsets)?,
        PyBytes::new(py, &cols.text_data),
    ];
    if let Some(sigs) = &cols.signatures {
        columns.push(column_bytes(py, sigs, u32::to_ne_bytes)?);
    }
    if let Some(sets) = cols.sets {
        let (offsets, data) = sets.into_buffers(py)?;
        columns.push(offsets);
        columns.push(data);
    }
    Ok((fingerprint, bands, columns))
}

/// The two columns of candidate pairs that [`verify_buffers`] and
/// [`verify_set_buffers`] take: `(offsets, offset width, data)` of `a` and
/// of `b`, one row per pair.
type PairBuffers<'a> = [(&'a [u8], usize, &'a [u8]); 2];

/// Verifies the pairs `(a[i], b[i])` of `buffers` as the batch run verifies
/// a candidate pair, `set_of(dedup, passages, column, name, i)` giving the
/// shingle set of row `i` of a column (`rows` names what a row holds, for
/// the length-mismatch message). Returns `(jaccard, containment_ab,
/// containment_ba)` as bytes of f64 and `matched` as bytes of u8.
#[allow(clippy::too_many_arguments)]
fn verify_pairs<'py>(
    py: Python<'py>,
    buffers: PairBuffers<'_>,
    rows: &str,
    config: &Config,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
    set_of: impl Fn(
        &Deduplicator,
        bool,
        &TextColumn<'_>,
        &str,
        usize,
    ) -> Result<echodup::ShingleSet, String>
    + Sync,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let passages = parse_level(level)?;
    check_fingerprint(py, config, expected_fingerprint)?;
    let [(a_offsets, a_width, a_data), (b_offsets, b_width, b_data)] = buffers;
    let a = TextColumn::new("a", a_offsets, a_width, a_data)?;
    let b = TextColumn::new("b", b_offsets, b_width, b_data)?;
    if a.len() != b.len() {
        return Err(PyValueError::new_err(format!(
            "a and b differ in length ({} and {} {rows})",
            a.len(),
            b.len()
        )));
    }
    let dedup = Deduplicator::new(config.clone()).or_raise(py)?;
    let verifier = dedup.verifier(if passages {
        Level::Passage
    } else {
        Level::Document
    });
    let sims: Vec<Similarity> = py
        .detach(|| {
            with_threads(threads, || {
                (0..a.len())
                    .into_par_iter()
                    .map(|i| {
                        let x = set_of(&dedup, passages, &a, "a", i)?;
                        let y = set_of(&dedup, passages, &b, "b", i)?;
                        Ok(set_similarity(&dedup, verifier, &x, &y))
                    })
                    .collect::<Result<Vec<_>, String>>()
            })
        })?
        .map_err(PyValueError::new_err)?;
    let f64s = |f: fn(&Similarity) -> f64| {
        let v: Vec<f64> = sims.iter().map(f).collect();
        column_bytes(py, &v, f64::to_ne_bytes)
    };
    let matched: Vec<u8> = sims.iter().map(|s| u8::from(verifier.accepts(s))).collect();
    Ok(vec![
        f64s(|s| s.jaccard)?,
        f64s(|s| s.containment_ab)?,
        f64s(|s| s.containment_ba)?,
        PyBytes::new(py, &matched),
    ])
}

/// The similarity of two shingle sets as the batch run verifies a
/// candidate pair: exact, or in estimate mode from their signatures (made
/// only then).
pub(crate) fn set_similarity(
    dedup: &Deduplicator,
    verifier: &echodup::Verifier,
    x: &echodup::ShingleSet,
    y: &echodup::ShingleSet,
) -> Similarity {
    match verifier.verification() {
        Verification::Estimate => {
            let h = dedup.hasher();
            let sx = h.signature_from_shingles(x.as_slice().iter().copied());
            let sy = h.signature_from_shingles(y.as_slice().iter().copied());
            verifier.similarity(
                Evidence::signature(&sx, x.len()),
                Evidence::signature(&sy, y.len()),
            )
        }
        _ => verifier.similarity(Evidence::Set(x), Evidence::Set(y)),
    }
}

/// `f` of the shingle set of `text` that verification compares: the
/// document's set, or at passage level the set of a passage text.
fn with_text_set<R>(
    dedup: &Deduplicator,
    passages: bool,
    text: &str,
    f: impl FnOnce(&echodup::ShingleSet) -> R,
) -> R {
    if passages {
        f(&dedup.analyzer().passage_set(text))
    } else {
        f(dedup.analyzer().analyze(text).shingles())
    }
}

/// Verifies pairs of texts `(a[i], b[i])` as the batch run verifies a
/// candidate pair: exact similarity of the two shingle sets (document sets,
/// or passage sets of passage texts), or the estimate from signatures in
/// estimate mode. Returns `(jaccard, containment_ab, containment_ba)` as
/// bytes of f64 and `matched` as bytes of u8 (1 where the configured
/// measure reaches the level's threshold).
#[pyfunction]
#[pyo3(signature = (a_offsets, a_width, a_data, b_offsets, b_width, b_data, config, level, expected_fingerprint = None, threads = None))]
#[allow(clippy::too_many_arguments)]
fn verify_buffers<'py>(
    py: Python<'py>,
    a_offsets: &[u8],
    a_width: usize,
    a_data: &[u8],
    b_offsets: &[u8],
    b_width: usize,
    b_data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let buffers = [(a_offsets, a_width, a_data), (b_offsets, b_width, b_data)];
    verify_pairs(
        py,
        buffers,
        "texts",
        &config.inner,
        level,
        expected_fingerprint,
        threads,
        |dedup, passages, column, name, i| {
            let text = column.get(name, i)?;
            Ok(with_text_set(dedup, passages, text, Clone::clone))
        },
    )
}

/// The shingle set of each text of an Arrow-style string column (the
/// document's set, or at `level="passage"` the set of a passage text), as
/// a large_binary column: `(offsets, data)`, int64 offsets into
/// little-endian 64-bit hashes, sorted and distinct. What verification
/// compares, computed once per text: an engine joins these onto candidate
/// pairs instead of the texts, and [`verify_set_buffers`] compares them
/// without analysing anything again.
#[pyfunction]
#[pyo3(signature = (offsets, offset_width, data, config, level, expected_fingerprint = None, threads = None))]
#[allow(clippy::too_many_arguments)]
fn set_buffers<'py>(
    py: Python<'py>,
    offsets: &[u8],
    offset_width: usize,
    data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let passages = parse_level(level)?;
    check_fingerprint(py, &config.inner, expected_fingerprint)?;
    let texts = TextColumn::new("texts", offsets, offset_width, data)?;
    let dedup = Deduplicator::new(config.inner.clone()).or_raise(py)?;
    let fill = |rows: std::ops::Range<usize>, out: &mut SetColumn| {
        for i in rows {
            let text = texts.get("texts", i)?;
            with_text_set(&dedup, passages, text, |set| out.push(set));
        }
        Ok(())
    };
    let sets = py
        .detach(|| {
            with_threads(threads, || {
                par_chunks(
                    texts.len(),
                    256,
                    SetColumn::default,
                    fill,
                    SetColumn::append,
                )
            })
        })?
        .map_err(PyValueError::new_err)?;
    sets.into_buffers(py)
}

/// As [`verify_buffers`], over pairs of shingle sets written by
/// [`set_buffers`] (binary columns `a` and `b`): the same similarity and
/// verdict, with no text analysed again.
#[pyfunction]
#[pyo3(signature = (a_offsets, a_width, a_data, b_offsets, b_width, b_data, config, level, expected_fingerprint = None, threads = None))]
#[allow(clippy::too_many_arguments)]
fn verify_set_buffers<'py>(
    py: Python<'py>,
    a_offsets: &[u8],
    a_width: usize,
    a_data: &[u8],
    b_offsets: &[u8],
    b_width: usize,
    b_data: &[u8],
    config: PyRef<'_, PyConfig>,
    level: &str,
    expected_fingerprint: Option<u64>,
    threads: Option<usize>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let buffers = [(a_offsets, a_width, a_data), (b_offsets, b_width, b_data)];
    verify_pairs(
        py,
        buffers,
        "sets",
        &config.inner,
        level,
        expected_fingerprint,
        threads,
        |_, _, column, name, i| column.set(name, i),
    )
}

// ---------------------------------------------------------------------------

#[pymodule]
fn _echodup(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyConfig>()?;
    m.add_class::<PyReport>()?;
    m.add_class::<PyDedupIndex>()?;
    m.add_class::<PyIndexFile>()?;
    m.add_class::<clean::PyCleaningPlan>()?;
    m.add_function(wrap_pyfunction!(batch::deduplicate, m)?)?;
    m.add_function(wrap_pyfunction!(batch::deduplicate_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(band_keys_list, m)?)?;
    m.add_function(wrap_pyfunction!(band_keys_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(sketch_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(verify_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(set_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(verify_set_buffers, m)?)?;
    m.add_function(wrap_pyfunction!(spark::band_rows, m)?)?;
    m.add_function(wrap_pyfunction!(spark::bucket_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(spark::verify_incidences, m)?)?;
    m.add_function(wrap_pyfunction!(spark::verify_node_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(spark::edge_components, m)?)?;
    m.add("EchodupError", py.get_type::<EchodupError>())?;
    m.add("InvalidConfigError", py.get_type::<InvalidConfigError>())?;
    m.add("IoError", py.get_type::<IoError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("IncompatibleError", py.get_type::<IncompatibleError>())?;
    m.add("DuplicateIdError", py.get_type::<DuplicateIdError>())?;
    m.add("CapacityError", py.get_type::<CapacityError>())?;
    m.add("DEFAULT_SEED", DEFAULT_SEED)?;
    m.add("DEFAULT_MAX_BUCKET", DEFAULT_MAX_BUCKET)?;
    m.add("FORMAT_VERSION", FORMAT_VERSION)?;
    m.add("STORE_FORMAT_VERSION", echodup::index::STORE_FORMAT_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
