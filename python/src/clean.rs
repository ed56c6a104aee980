//! The library's cleaning plan from Python: which documents to drop and
//! which passages to strip (`echodup::clean`), with the same decisions as
//! `echodup dedup`, and the cleaned texts.
//!
//! Options cross the boundary in one place, [`clean_options`]: an option
//! the library gains (such as stripping boilerplate) is one more argument
//! there, one more field of `echodup.CleanOptions`, and nothing else.

use echodup::clean::{CleanOptions, CleaningPlan, DropReason};
use echodup::{DocId, Report};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{OrRaise, TextColumn, column_bytes};

/// The library's `CleanOptions` from the fields of `echodup.CleanOptions`.
pub(crate) fn clean_options(
    strip_passages: bool,
    drop_if_duplicated: Option<f64>,
    strip_boilerplate: bool,
) -> CleanOptions {
    CleanOptions::new()
        .strip_passages(strip_passages)
        .strip_boilerplate(strip_boilerplate)
        .drop_if_duplicated(drop_if_duplicated)
}

/// The plan's verdict on one document, as the `reason` text of
/// `echodup dedup --removed` (None when kept).
fn reason_name(why: &DropReason) -> String {
    match why {
        DropReason::NearDuplicate { .. } => "near-duplicate".to_owned(),
        DropReason::MostlyDuplicated { .. } => "mostly-duplicated".to_owned(),
        DropReason::NothingLeft => "all-passages-duplicated".to_owned(),
        other => format!("{other:?}"),
    }
}

/// `(passage, start, end, is_repeat, of_doc, of_passage, boilerplate)` of a
/// stripped passage.
type StrippedTuple = (u32, usize, usize, bool, u32, u32, bool);
/// `(kept, reason, of, fraction, duplicate_fraction, removed_bytes, stripped)`.
type DocumentPlanTuple = (
    bool,
    Option<String>,
    Option<u32>,
    Option<f64>,
    f64,
    usize,
    Vec<StrippedTuple>,
);

/// A cleaning plan (wrapped by `echodup.CleaningPlan`).
#[pyclass(name = "_CleaningPlan", module = "echodup._echodup", frozen)]
pub(crate) struct PyCleaningPlan {
    inner: CleaningPlan,
}

impl PyCleaningPlan {
    pub(crate) fn new(py: Python<'_>, report: &Report, options: CleanOptions) -> PyResult<Self> {
        Ok(PyCleaningPlan {
            inner: report.cleaning_plan(options).or_raise(py)?,
        })
    }

    fn check_len(&self, n: usize) -> PyResult<()> {
        if n != self.inner.len() {
            return Err(PyValueError::new_err(format!(
                "the plan is for {} documents, got {n} texts",
                self.inner.len()
            )));
        }
        Ok(())
    }
}

#[pymethods]
impl PyCleaningPlan {
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// One tuple per document (see `DocumentPlanTuple`).
    fn documents(&self) -> Vec<DocumentPlanTuple> {
        self.inner
            .documents()
            .iter()
            .map(|d| {
                let why = d.drop_reason();
                (
                    d.is_kept(),
                    why.as_ref().map(reason_name),
                    match why {
                        Some(DropReason::NearDuplicate { of }) => Some(of.as_u32()),
                        _ => None,
                    },
                    match why {
                        Some(DropReason::MostlyDuplicated { fraction }) => Some(fraction),
                        _ => None,
                    },
                    d.duplicate_fraction(),
                    d.removed_bytes(),
                    d.stripped()
                        .iter()
                        .map(|s| {
                            (
                                s.passage.index,
                                s.span.start,
                                s.span.end,
                                s.is_repeat(),
                                s.duplicates.doc.as_u32(),
                                s.duplicates.index,
                                s.boilerplate,
                            )
                        })
                        .collect(),
                )
            })
            .collect()
    }

    /// `(keep, duplicate_fraction)`: bytes of u8 (1 = kept) and of f64, one
    /// value per document.
    fn columns<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let docs = self.inner.documents();
        let keep: Vec<u8> = docs.iter().map(|d| u8::from(d.is_kept())).collect();
        let fraction: Vec<f64> = docs.iter().map(|d| d.duplicate_fraction()).collect();
        Ok((
            PyBytes::new(py, &keep),
            column_bytes(py, &fraction, f64::to_ne_bytes)?,
        ))
    }

    /// `{num_dropped, num_stripped, dropped_bytes, stripped_bytes, kept}`.
    fn stats(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("kept", self.inner.kept().count()),
            ("dropped", self.inner.num_dropped()),
            ("stripped_passages", self.inner.num_stripped()),
            ("dropped_bytes", self.inner.dropped_bytes()),
            ("stripped_bytes", self.inner.stripped_bytes()),
        ]
    }

    /// The cleaned text of each of `texts` (the documents' original texts,
    /// in order), None for a dropped document.
    fn clean_texts(&self, py: Python<'_>, texts: Vec<String>) -> PyResult<Vec<Option<String>>> {
        self.check_len(texts.len())?;
        let plan = &self.inner;
        Ok(py.detach(|| {
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    plan.clean_text(DocId::new(i as u32), t)
                        .map(|c| c.into_owned())
                })
                .collect()
        }))
    }

    /// As `clean_texts` over an Arrow-style string column; returns
    /// `(offsets, data)` of a large_string column (int64 offsets) with an
    /// empty text where a document is dropped (the caller masks those).
    fn clean_buffers<'py>(
        &self,
        py: Python<'py>,
        offsets: &[u8],
        offset_width: usize,
        data: &[u8],
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let texts = TextColumn::new("texts", offsets, offset_width, data)?;
        self.check_len(texts.len())?;
        let plan = &self.inner;
        let (out_offsets, out_data) = py
            .detach(|| {
                let mut out_offsets: Vec<i64> = Vec::with_capacity(texts.len() + 1);
                let mut out_data: Vec<u8> = Vec::with_capacity(data.len());
                out_offsets.push(0);
                for i in 0..texts.len() {
                    let text = texts.get("texts", i)?;
                    if let Some(c) = plan.clean_text(DocId::new(i as u32), text) {
                        out_data.extend_from_slice(c.as_bytes());
                    }
                    out_offsets.push(out_data.len() as i64);
                }
                Ok::<_, String>((out_offsets, out_data))
            })
            .map_err(PyValueError::new_err)?;
        Ok((
            column_bytes(py, &out_offsets, i64::to_ne_bytes)?,
            PyBytes::new(py, &out_data),
        ))
    }
}
