//! `--keep-by FIELD` and `--keep-order`: keep the copy of each cluster with
//! the smallest or largest value of a record field, through
//! [`Report::keep_by`].
//!
//! Values compare by a fixed rule (in `FieldKey`): booleans before numbers
//! before strings; numbers by value, strings by their bytes (so ISO dates
//! compare as dates). A record without the field, or with `null`, has no key
//! and is never kept over one that has a value. Objects and arrays are
//! errors naming the file and the line.

use anyhow::{Context, bail};
use clap::Args;
use echodup::io::{Corpus, Document};
use echodup::{DocId, KeepOrder, Report};
use serde_json::Value;

use crate::args::text_form;
use crate::progress::Progress;

/// Which copy of a cluster is kept, by a record field.
#[derive(Args, Debug)]
pub(crate) struct KeepByArgs {
    /// Keep the copy with the smallest (or, with --keep-order desc, largest)
    /// value of this JSON record field (a dotted path reaches into objects),
    /// such as a publication date or a source priority; replaces --keep.
    /// Records without the field are kept only when no copy has it; ties go
    /// to the earlier copy.
    #[arg(long, value_name = "PATH", conflicts_with = "keep")]
    pub(crate) keep_by: Option<String>,
    /// With --keep-by: keep the smallest value (asc) or the largest (desc).
    #[arg(long, value_parser = text_form::<KeepOrder>(KeepOrder::NAMES),
          default_value = "asc", requires = "keep_by")]
    pub(crate) keep_order: KeepOrder,
}

impl KeepByArgs {
    /// Whether records must be kept whole to read the field.
    pub(crate) fn needs_records(&self) -> bool {
        self.keep_by.is_some()
    }

    /// Re-picks the kept copy of each cluster of `report` by the field, if
    /// one was given.
    ///
    /// # Errors
    ///
    /// When a clustered document is not a JSON record (a text file), or
    /// its field holds an object or an array.
    pub(crate) fn apply(
        &self,
        report: &mut Report,
        corpus: &Corpus,
        progress: &Progress,
    ) -> anyhow::Result<()> {
        let Some(path) = &self.keep_by else {
            return Ok(());
        };
        let clustered: usize = report.clusters().iter().map(|c| c.len()).sum();
        let phase = progress.phase("keeping", Some(clustered as u64), "documents");
        // Only clustered documents' keys are read (and checked).
        let mut keys: Vec<Option<FieldKey>> = vec![None; corpus.len()];
        for c in report.clusters() {
            for &m in c.members() {
                keys[m.as_usize()] = FieldKey::of(corpus.document(m), path)?;
                phase.inc(1);
            }
        }
        report.keep_by(self.keep_order, |d: DocId| keys[d.as_usize()].take());
        phase.finish(|n| {
            format!(
                "kept by {path} ({}) in {n} clustered documents",
                self.keep_order
            )
        });
        Ok(())
    }
}

/// A field's value as a key. The derived order is the documented rule:
/// booleans (false before true) before numbers before strings.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FieldKey {
    Bool(bool),
    Number(Number),
    String(String),
}

/// A JSON number ordered by value (as a 64-bit float, `f64::total_cmp`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Number(f64);

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl FieldKey {
    /// The key of `doc` at the dotted `path`; `None` when the field is
    /// missing or null.
    fn of(doc: &Document, path: &str) -> anyhow::Result<Option<FieldKey>> {
        let place = || match doc.line() {
            Some(line) => format!("{}:{line}", doc.source().display()),
            None => doc.source().display().to_string(),
        };
        let Some(record) = doc.record() else {
            bail!(
                "{}: --keep-by reads JSON records; this is a text file",
                place()
            );
        };
        let value: Value =
            serde_json::from_str(record).with_context(|| format!("{}: re-reading", place()))?;
        FieldKey::from_value(field(&value, path)).map_err(|what| {
            anyhow::anyhow!(
                "{}: field {path:?} is {what}, not a number or a string (--keep-by)",
                place()
            )
        })
    }

    /// The key of a value; `Err` names what an unusable value is.
    fn from_value(value: Option<&Value>) -> Result<Option<FieldKey>, &'static str> {
        Ok(match value {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(FieldKey::Bool(*b)),
            Some(Value::Number(n)) => Some(FieldKey::Number(Number(
                n.as_f64()
                    .expect("a JSON number without arbitrary precision is an f64"),
            ))),
            Some(Value::String(s)) => Some(FieldKey::String(s.clone())),
            Some(Value::Array(_)) => return Err("an array"),
            Some(Value::Object(_)) => return Err("an object"),
        })
    }
}

/// The value at a dotted path (`a.b.c`), by the rule of `--id-field`: a key
/// that itself contains dots is found when it exists as is.
fn field<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    if let Some(v) = map.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    field(map.get(head)?, rest)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn key(v: Value) -> Option<FieldKey> {
        FieldKey::from_value(Some(&v)).unwrap()
    }

    #[test]
    fn numbers_compare_as_numbers_and_strings_as_strings() {
        assert!(key(json!(9)) < key(json!(10)));
        assert!(key(json!(-1.5)) < key(json!(2)));
        assert_eq!(key(json!(2)), key(json!(2.0)));
        assert!(key(json!("2024-01-09")) < key(json!("2024-01-10")));
        assert!(
            key(json!("10")) < key(json!("9")),
            "strings compare as text"
        );
    }

    #[test]
    fn mixed_types_order_booleans_numbers_strings() {
        assert!(key(json!(false)) < key(json!(true)));
        assert!(key(json!(true)) < key(json!(-5)));
        assert!(key(json!(1e300)) < key(json!("")));
    }

    #[test]
    fn missing_and_null_have_no_key_objects_and_arrays_are_refused() {
        assert_eq!(FieldKey::from_value(None), Ok(None));
        assert_eq!(key(json!(null)), None);
        assert_eq!(FieldKey::from_value(Some(&json!({}))), Err("an object"));
        assert_eq!(FieldKey::from_value(Some(&json!([1]))), Err("an array"));
    }

    #[test]
    fn dotted_paths_reach_into_objects() {
        let v = json!({"meta": {"date": "2024"}, "a.b": 1});
        assert_eq!(field(&v, "meta.date"), Some(&json!("2024")));
        assert_eq!(field(&v, "a.b"), Some(&json!(1)));
        assert_eq!(field(&v, "meta.missing"), None);
        assert_eq!(field(&v, "meta.date.year"), None);
    }
}
