//! Batch runs from Python: `deduplicate` over a list of str or an Arrow
//! string column, with a progress callback (and Ctrl-C) served from the
//! calling thread while the library works on another, the kept copy of each
//! cluster chosen by caller-given keys (`keep_by`), and the per-row label
//! columns of a report.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use echodup::{DocId, KeepOrder, Report};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString};

use crate::{
    OrRaise, PyConfig, PyReport, TextColumn, column_bytes, config_or_default, parse_choice,
    with_threads,
};

/// What the worker thread shares with the calling thread: documents done,
/// and whether the caller gave up (a callback raised, or Ctrl-C).
#[derive(Default)]
struct Watch {
    done: AtomicU64,
    cancelled: AtomicBool,
    finished: AtomicBool,
}

/// How often the calling thread wakes to report progress and check signals.
const TICK: Duration = Duration::from_millis(100);

/// Runs `work` on a scoped thread while the calling thread, detached from
/// the interpreter between ticks, calls `callback(done, total)` when the
/// count moved and checks for signals. A callback that raises, or Ctrl-C,
/// sets `cancelled` (the work then skips what is left: see
/// [`run_report`]) and is raised once the work has stopped.
fn run_watched<T: Send>(
    py: Python<'_>,
    total: usize,
    callback: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Watch) -> T + Send,
) -> PyResult<T> {
    let watch = Watch::default();
    let (out, failure) = std::thread::scope(|s| {
        let handle = s.spawn(|| {
            let out = work(&watch);
            watch.finished.store(true, Ordering::Release);
            out
        });
        let mut failure: Option<PyErr> = None;
        let mut reported = u64::MAX;
        loop {
            let finished = py.detach(|| {
                let step = Duration::from_millis(5);
                let mut waited = Duration::ZERO;
                while waited < TICK {
                    if watch.finished.load(Ordering::Acquire) {
                        return true;
                    }
                    std::thread::sleep(step);
                    waited += step;
                }
                watch.finished.load(Ordering::Acquire)
            });
            if failure.is_none() {
                let step = py.check_signals().and_then(|()| {
                    let done = watch.done.load(Ordering::Relaxed);
                    match callback {
                        Some(cb) if done != reported && !finished => {
                            reported = done;
                            cb.call1((done, total as u64)).map(drop)
                        }
                        _ => Ok(()),
                    }
                });
                if let Err(e) = step {
                    watch.cancelled.store(true, Ordering::Relaxed);
                    failure = Some(e);
                }
            }
            if finished {
                break;
            }
        }
        match handle.join() {
            Ok(out) => (out, failure),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(cb) = callback {
        cb.call1((total as u64, total as u64))?;
    }
    Ok(out)
}

/// A key for `keep_by`, ordered as the CLI's `--keep-by` orders field
/// values: booleans (false first) before numbers before strings; numbers by
/// value (as 64-bit floats), strings by their bytes.
#[derive(Clone, Debug)]
enum SortKey {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl PartialEq for SortKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use SortKey::*;
        match (self, other) {
            (Bool(a), Bool(b)) => a.cmp(b),
            (Number(a), Number(b)) => a.total_cmp(b),
            (Text(a), Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Bool(_), _) | (Number(_), Text(_)) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        }
    }
}

/// The keys of `keep_by`, one per document: None and NaN are missing; a
/// value of another type is a `TypeError` naming its row.
fn sort_keys(keys: &[Bound<'_, PyAny>]) -> PyResult<Vec<Option<SortKey>>> {
    keys.iter()
        .enumerate()
        .map(|(row, k)| {
            if k.is_none() {
                Ok(None)
            } else if let Ok(b) = k.cast::<PyBool>() {
                Ok(Some(SortKey::Bool(b.is_true())))
            } else if k.is_instance_of::<PyInt>() {
                // As the CLI: numbers compare as 64-bit floats.
                Ok(Some(SortKey::Number(k.extract::<f64>()?)))
            } else if let Ok(f) = k.cast::<PyFloat>() {
                let v = f.value();
                Ok((!v.is_nan()).then_some(SortKey::Number(v)))
            } else if let Ok(s) = k.cast::<PyString>() {
                Ok(Some(SortKey::Text(s.to_cow()?.into_owned())))
            } else {
                Err(PyTypeError::new_err(format!(
                    "keep_by: row {row}: a key must be a bool, a number, a str or None, not {}",
                    k.get_type().name()?
                )))
            }
        })
        .collect()
}

/// The texts of a run, from Python.
enum Texts<'a> {
    List(Vec<String>),
    Column(TextColumn<'a>),
}

impl Texts<'_> {
    fn len(&self) -> usize {
        match self {
            Texts::List(v) => v.len(),
            Texts::Column(c) => c.len(),
        }
    }

    /// Row `i` (an Arrow column is checked to be UTF-8 before the run).
    fn get(&self, i: usize) -> &str {
        match self {
            Texts::List(v) => &v[i],
            Texts::Column(c) => c.get("texts", i).unwrap_or_default(),
        }
    }
}

/// `Deduplicator::run_fetched` over the texts that `texts()` reads, watched;
/// then `keep_by` when keys are given: what [`deduplicate`] and
/// [`deduplicate_buffers`] share, from their Python arguments. `keep_order`
/// and `keep_by` are checked before `texts()` reads the texts.
fn run_report<'t>(
    py: Python<'_>,
    config: Option<PyRef<'_, PyConfig>>,
    threads: Option<usize>,
    keep_by: Option<Vec<Bound<'_, PyAny>>>,
    keep_order: &str,
    progress: Option<Bound<'_, PyAny>>,
    texts: impl FnOnce() -> PyResult<Texts<'t>>,
) -> PyResult<PyReport> {
    let keep_by = keep_by_of(keep_by, keep_order)?;
    let config = config_or_default(config);
    let texts = &texts()?;
    let progress = progress.as_ref();
    if let Some((keys, _)) = &keep_by
        && keys.len() != texts.len()
    {
        return Err(PyValueError::new_err(format!(
            "keep_by: {} keys for {} documents",
            keys.len(),
            texts.len()
        )));
    }
    if let Texts::Column(c) = texts {
        // Once, so that fetching a row cannot fail during the run.
        for i in 0..c.len() {
            c.get("texts", i).map_err(PyValueError::new_err)?;
        }
    }
    let n = texts.len();
    let result = run_watched(py, n, progress, |watch| {
        with_threads(threads, || {
            let dedup = echodup::Deduplicator::new(config)?;
            dedup.run_fetched(
                n,
                |d: DocId| {
                    // After a cancel the report is thrown away: skip the texts.
                    if watch.cancelled.load(Ordering::Relaxed) {
                        ""
                    } else {
                        texts.get(d.as_usize())
                    }
                },
                |_| {
                    watch.done.fetch_add(1, Ordering::Relaxed);
                },
            )
        })
    })??;
    let mut report = result.or_raise(py)?;
    if let Some((mut keys, order)) = keep_by {
        report.keep_by(order, |d| keys[d.as_usize()].take());
    }
    Ok(PyReport { inner: report })
}

fn keep_by_of(
    keys: Option<Vec<Bound<'_, PyAny>>>,
    order: &str,
) -> PyResult<Option<(Vec<Option<SortKey>>, KeepOrder)>> {
    let order: KeepOrder = parse_choice(order)?;
    keys.map(|k| Ok((sort_keys(&k)?, order))).transpose()
}

/// `Deduplicator::new(config)?.run(texts)` with the GIL released; with
/// `keep_by` keys (one per text) the kept copy of each cluster is chosen by
/// them; `progress(done, total)` is called from this thread as documents
/// are sketched.
#[pyfunction]
#[pyo3(signature = (texts, config = None, threads = None, keep_by = None, keep_order = "asc", progress = None))]
pub(crate) fn deduplicate(
    py: Python<'_>,
    texts: Vec<String>,
    config: Option<PyRef<'_, PyConfig>>,
    threads: Option<usize>,
    keep_by: Option<Vec<Bound<'_, PyAny>>>,
    keep_order: &str,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<PyReport> {
    run_report(py, config, threads, keep_by, keep_order, progress, || {
        Ok(Texts::List(texts))
    })
}

/// As [`deduplicate`], over an Arrow-style string column (`offsets` of
/// `offset_width` bytes into `data`): no Python object per row.
#[pyfunction]
#[pyo3(signature = (offsets, offset_width, data, config = None, threads = None, keep_by = None, keep_order = "asc", progress = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn deduplicate_buffers(
    py: Python<'_>,
    offsets: &[u8],
    offset_width: usize,
    data: &[u8],
    config: Option<PyRef<'_, PyConfig>>,
    threads: Option<usize>,
    keep_by: Option<Vec<Bound<'_, PyAny>>>,
    keep_order: &str,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<PyReport> {
    run_report(py, config, threads, keep_by, keep_order, progress, || {
        let column = TextColumn::new("texts", offsets, offset_width, data)?;
        Ok(Texts::Column(column))
    })
}

/// Per-document label columns of a report: `cluster` (int64: the first
/// member of the document's cluster, the document itself when it has no
/// near duplicate), `duplicate` (u8: 1 for a member other than the kept
/// one) and `duplicate_fraction` (f64: the share of its passage bytes that
/// duplicate earlier passages), as native-endian bytes.
pub(crate) fn label_columns<'py>(
    py: Python<'py>,
    report: &Report,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let clusters = report.clusters();
    let summaries = report.summaries();
    let cluster: Vec<i64> = summaries
        .iter()
        .map(|s| {
            s.cluster
                .and_then(|c| clusters.as_slice().get(c))
                .and_then(|c| c.members().first())
                .map_or(i64::from(s.doc.as_u32()), |m| i64::from(m.as_u32()))
        })
        .collect();
    let duplicate: Vec<u8> = summaries.iter().map(|s| u8::from(s.is_duplicate)).collect();
    let fraction: Vec<f64> = summaries.iter().map(|s| s.duplicate_fraction()).collect();
    Ok(vec![
        column_bytes(py, &cluster, i64::to_ne_bytes)?,
        PyBytes::new(py, &duplicate),
        column_bytes(py, &fraction, f64::to_ne_bytes)?,
    ])
}
