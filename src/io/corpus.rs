//! What a read gives: the [`Corpus`], its [`Document`]s (and writing a
//! record back with new text) and the [`Skipped`] records.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::ReadOptions;
use super::read::{self, field_mut};
use crate::corpus::DocId;
use crate::error::{Error, Result};

/// One document of a [`Corpus`]: its id, its text and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub(super) id: String,
    pub(super) text: String,
    pub(super) source: Arc<Path>,
    pub(super) line: Option<u64>,
    pub(super) record: Option<Box<str>>,
}

impl Document {
    /// The id: the id field of a JSON record, `FILE:LINE` without an id
    /// field, or the path of a text file.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file it was read from (`-` for standard input).
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The 1-based line of a JSON record; `None` for a text file.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The original JSON line, when read with
    /// [`ReadOptions::keep_records`].
    pub fn record(&self) -> Option<&str> {
        self.record.as_deref()
    }

    /// One JSON line for this document with `text` as its text: the original
    /// record with every other field as it was (field order kept) when it was
    /// kept, otherwise `{"id": ..., "text": ...}`. The original line is
    /// returned unchanged when `text` is the document's own text.
    ///
    /// `options` must be the options the corpus was read with (they name the
    /// text field).
    pub fn to_json_line(&self, text: &str, options: &ReadOptions) -> String {
        if let Some(record) = &self.record {
            if text == self.text {
                return record.to_string();
            }
            let mut value: Value = serde_json::from_str(record).expect("record parsed when read");
            if let Some(slot) = field_mut(&mut value, options.get_text_field()) {
                *slot = Value::String(text.to_string());
            }
            return value.to_string();
        }
        let mut map = serde_json::Map::new();
        map.insert("id".to_string(), Value::String(self.id.clone()));
        map.insert("text".to_string(), Value::String(text.to_string()));
        Value::Object(map).to_string()
    }
}

/// A record left out of a [`Corpus`] read with
/// [`ReadOptions::skip_invalid`], and why.
#[derive(Debug)]
pub struct Skipped {
    pub(super) error: Error,
    pub(super) reason: String,
    pub(super) id: Option<String>,
}

impl Skipped {
    /// The error that would have stopped the read (its message names file,
    /// line and field).
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The file.
    pub fn path(&self) -> &Path {
        self.error.path().expect("skip errors name a file")
    }

    /// The 1-based line, when the problem is in one record.
    pub fn line(&self) -> Option<u64> {
        self.error.line()
    }

    /// Why, without the place (`field "text" is missing`).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The record's id, when it could be read.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// Documents read from one or more inputs, in input order.
#[derive(Debug)]
pub struct Corpus {
    documents: Vec<Document>,
    skipped: Vec<Skipped>,
}

impl Corpus {
    /// Reads every input, in order, as one corpus.
    ///
    /// What each input is: `-` is standard input, read as JSON Lines; a
    /// folder is every `.txt` (or `.txt.gz`) file under it, in name order; a
    /// file whose name ends in `.txt` (or `.txt.gz`) is one document; any
    /// other file is JSON Lines. Gzip compression is recognised by the first
    /// bytes, whatever the name. Blank lines in JSON Lines are ignored.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Io`](crate::ErrorKind::Io) naming the input when it cannot be opened or read,
    ///   or when it is a folder without `.txt` files (the
    ///   [`source`](std::error::Error::source) says which).
    /// - [`ErrorKind::Parse`](crate::ErrorKind::Parse) naming file, line and field for malformed JSON,
    ///   a record that is not an object, a missing or non-string text field, a
    ///   missing, non-string or duplicate id, invalid UTF-8, a truncated or
    ///   corrupt gzip stream or an empty file.
    ///   With [`ReadOptions::skip_invalid`] these (and unreadable files
    ///   inside a folder) are listed in [`Corpus::skipped`] instead.
    /// - [`ErrorKind::Capacity`](crate::ErrorKind::Capacity) with `u32::MAX` documents or more.
    pub fn read<P: AsRef<Path>>(inputs: &[P], options: &ReadOptions) -> Result<Corpus> {
        Corpus::read_with_progress(inputs, options, &mut |_| {})
    }

    /// As [`read`](Corpus::read), calling `progress` now and then with the
    /// number of bytes read so far from the inputs as stored (compressed
    /// bytes for gzip); compare with [`input_len`](super::input_len) for a
    /// progress bar.
    ///
    /// # Errors
    ///
    /// As [`read`](Corpus::read).
    pub fn read_with_progress<P: AsRef<Path>>(
        inputs: &[P],
        options: &ReadOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Corpus> {
        let (documents, skipped) = read::read_inputs(inputs, options, progress)?;
        crate::corpus::to_u32(documents.len(), "documents")?;
        Ok(Corpus { documents, skipped })
    }

    /// The documents, in input order; document `i` is [`DocId`] `i` of a run
    /// over [`texts`](Corpus::texts).
    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The texts, in order, ready for
    /// [`Deduplicator::run`](crate::Deduplicator::run).
    pub fn texts(&self) -> Vec<&str> {
        self.documents.iter().map(|d| d.text.as_str()).collect()
    }

    /// The document with id `id`, if any.
    pub fn find(&self, id: &str) -> Option<DocId> {
        self.documents
            .iter()
            .position(|d| d.id == id)
            .map(|i| DocId::new(i as u32))
    }

    /// The document `doc`.
    ///
    /// # Panics
    ///
    /// If `doc` is not a document of this corpus.
    pub fn document(&self, doc: DocId) -> &Document {
        &self.documents[doc.as_usize()]
    }

    /// Total bytes of text.
    pub fn text_bytes(&self) -> u64 {
        self.documents.iter().map(|d| d.text.len() as u64).sum()
    }

    /// The records skipped under [`ReadOptions::skip_invalid`], in input order.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read::tests::Dir;

    #[test]
    fn records_are_written_back_with_fields_in_order() {
        let d = Dir::new("records");
        let p = d.file(
            "c.jsonl",
            b"{\"z\":1,\"id\":\"a\",\"body\":{\"text\":\"old\",\"k\":2}}\n",
        );
        let options = ReadOptions::new()
            .text_field("body.text")
            .keep_records(true);
        let c = Corpus::read(&[&p], &options).unwrap();
        let doc = &c.documents()[0];
        assert_eq!(
            doc.to_json_line("old", &options),
            "{\"z\":1,\"id\":\"a\",\"body\":{\"text\":\"old\",\"k\":2}}"
        );
        assert_eq!(
            doc.to_json_line("new", &options),
            r#"{"z":1,"id":"a","body":{"text":"new","k":2}}"#
        );
        let plain = Corpus::read(&[&p], &ReadOptions::new().text_field("body.text")).unwrap();
        assert_eq!(
            plain.documents()[0].to_json_line("new", &options),
            r#"{"id":"a","text":"new"}"#
        );
    }
}
