//! What a read gives: the [`Corpus`], its [`Document`]s (and writing a
//! record back with new text), the [`Skipped`] records and the
//! [`SkippedEntry`]s of folder inputs.

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use serde_json::value::RawValue;

use super::read;
use super::{ReadOptions, SkippedEntry};
use crate::corpus::DocId;
use crate::error::{Error, ErrorKind, Result};

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

    /// One JSON line for this document with `text` as its text: when the
    /// record was kept, the original line with only the text field's value
    /// replaced, every other byte as it was (numbers, key order, repeated
    /// keys, escapes and spacing); otherwise `{"id": ..., "text": ...}`. The
    /// original line is returned unchanged when `text` is the document's own
    /// text.
    ///
    /// When a key repeats in an object, the text was read from its last
    /// occurrence (as `serde_json` keeps the last), and that is the one
    /// replaced; earlier occurrences are kept as written.
    ///
    /// `options` must be the options the corpus was read with (they name the
    /// text field).
    ///
    /// # Example
    ///
    /// ```
    /// use echodup::io::{Corpus, ReadOptions};
    ///
    /// let dir = std::env::temp_dir().join(format!("echodup-record-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("c.jsonl");
    /// std::fs::write(&path, "{\"n\": 123456789012345678901234567890, \"id\": \"a\", \"text\": \"old\"}\n").unwrap();
    /// let options = ReadOptions::new().keep_records(true);
    /// let corpus = Corpus::read(&[&path], &options)?;
    /// assert_eq!(
    ///     corpus.documents()[0].to_json_line("new \"text\"", &options),
    ///     r#"{"n": 123456789012345678901234567890, "id": "a", "text": "new \"text\""}"#
    /// );
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), echodup::Error>(())
    /// ```
    pub fn to_json_line(&self, text: &str, options: &ReadOptions) -> String {
        if let Some(record) = &self.record {
            if text == self.text {
                return record.to_string();
            }
            let span = text_span(record, options.get_text_field())
                .expect("the text field was read from this record");
            let escaped = serde_json::to_string(text).expect("a string serializes");
            let mut line = String::with_capacity(record.len() - span.len() + escaped.len());
            line.push_str(&record[..span.start]);
            line.push_str(&escaped);
            line.push_str(&record[span.end..]);
            return line;
        }
        let mut map = serde_json::Map::new();
        map.insert("id".to_string(), Value::String(self.id.clone()));
        map.insert("text".to_string(), Value::String(text.to_string()));
        Value::Object(map).to_string()
    }
}

/// The byte span in `record` of the JSON value at the dotted `path`, found
/// as `read::field_mut` finds it in a parsed record: a key that exists as
/// is (dots and all) first, then the first dotted step; the last occurrence
/// of a repeated key, as `serde_json::Value` keeps it.
fn text_span(record: &str, path: &str) -> Option<Range<usize>> {
    // A map deserializes entry by entry, so the last occurrence of a key wins.
    let map: BTreeMap<String, &RawValue> = serde_json::from_str(record).ok()?;
    let (raw, inner) = match map.get(path) {
        Some(raw) => (*raw, None),
        None => {
            let (head, rest) = path.split_once('.')?;
            (*map.get(head)?, Some(rest))
        }
    };
    // `raw` borrows from `record`: its offset is where it starts there.
    let start = raw.get().as_ptr() as usize - record.as_ptr() as usize;
    match inner {
        None => Some(start..start + raw.get().len()),
        Some(rest) => {
            let span = text_span(raw.get(), rest)?;
            Some(start + span.start..start + span.end)
        }
    }
}

/// A record left out of a [`Corpus`] read with
/// [`ReadOptions::skip_invalid`], and why.
///
/// Kept small, since a file of short invalid lines gives one per line: the
/// file's path and each distinct reason are shared between the records that
/// have them (about 64 bytes a record, plus its id), and the [`Error`] is
/// rebuilt when asked for.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub(super) path: Arc<Path>,
    pub(super) line: Option<NonZeroU64>,
    pub(super) kind: ErrorKind,
    pub(super) reason: Arc<str>,
    pub(super) id: Option<Box<str>>,
}

impl Skipped {
    /// The error that would have stopped the read, rebuilt from what is
    /// kept: its kind, file, line and message (which names file, line and
    /// field). An underlying cause is not kept as a
    /// [`source`](std::error::Error::source): for an error of a whole file
    /// (an I/O failure) it is part of the [`reason`](Skipped::reason).
    pub fn error(&self) -> Error {
        match self.line() {
            Some(line) if self.kind == ErrorKind::Parse => {
                Error::parse(&self.path, line, &self.reason)
            }
            line => Error::rebuilt(self.kind, &self.path, line, &self.reason),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line, when the problem is in one record.
    pub fn line(&self) -> Option<u64> {
        self.line.map(NonZeroU64::get)
    }

    /// Why: without the place (`field "text" is missing`) when the problem
    /// is in one record; the whole message, causes included, when it is in
    /// the file (`reading dump/a.jsonl: Permission denied (os error 13)`).
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
    skipped_entries: Vec<SkippedEntry>,
}

impl Corpus {
    /// Reads every input, in order, as one corpus.
    ///
    /// What each input is: `-` is standard input, read as JSON Lines; a
    /// folder is every `.txt` (or `.txt.gz`) file under it, in name order,
    /// each file and folder once however many links lead to it, entries that
    /// are not regular files passed over (listed in
    /// [`skipped_entries`](Corpus::skipped_entries)); a file whose name ends
    /// in `.txt` (or `.txt.gz`) is one document; any other file is JSON
    /// Lines. Gzip, zstd and bzip2 compression (one stream or several
    /// concatenated) are recognised by the first bytes, whatever the name. A
    /// byte-order mark at the start of an input (after decompression) is
    /// skipped. Blank lines in JSON Lines are ignored.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Io`](crate::ErrorKind::Io) naming the input when it cannot be opened or read,
    ///   or when it is a folder without `.txt` files (the
    ///   [`source`](std::error::Error::source) says which); a subfolder or
    ///   file inside a folder that cannot be read is named itself.
    /// - [`ErrorKind::Parse`](crate::ErrorKind::Parse) naming file, line and field for malformed JSON,
    ///   a record that is not an object, a missing or non-string text field, a
    ///   missing, non-string or duplicate id, invalid UTF-8, a truncated or
    ///   corrupt gzip, zstd or bzip2 stream or an empty file.
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
        let read = read::read_inputs(inputs, options, progress)?;
        crate::corpus::to_u32(read.documents.len(), "documents")?;
        Ok(Corpus {
            documents: read.documents,
            skipped: read.skipped,
            skipped_entries: read.skipped_entries,
        })
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

    /// The entries of folder inputs passed over, in input order: links back
    /// to a folder or file already visited, and entries named like text
    /// files that are not regular files (FIFOs, sockets, devices). Not
    /// errors: listed whatever [`ReadOptions::skip_invalid`] says.
    pub fn skipped_entries(&self) -> &[SkippedEntry] {
        &self.skipped_entries
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

    /// Issue 14, reproduction 1: only the text field's value changes.
    #[test]
    fn records_are_edited_byte_exactly_except_the_text_field() {
        let d = Dir::new("exact");
        let floats: Vec<String> = (1..40)
            .map(|i| format!("{}", 0.1f64 * i as f64 + 1e-17 * i as f64))
            .collect();
        let lines = [
            // Big integers, floats with many digits, spacing and key order.
            format!(
                r#"{{ "n" : 123456789012345678901234567890, "f": [{}, 1.0000000000000000000001, 2.50e+3], "id": "a", "text": "old a" }}"#,
                floats.join(", ")
            ),
            // A repeated key elsewhere, unicode escapes in other fields.
            r#"{"k":1,"k":2,"id":"b","note":"caf\u00e9 \ud83d\ude00 \/","text":"old b"}"#
                .to_string(),
            // A repeated text key: the last one was read and is replaced.
            r#"{"id":"c","text":"first","text":"old c","z":null}"#.to_string(),
        ];
        let p = d.file("c.jsonl", (lines.join("\n") + "\n").as_bytes());
        let options = ReadOptions::new().keep_records(true);
        let c = Corpus::read(&[&p], &options).unwrap();
        assert_eq!(c.texts(), ["old a", "old b", "old c"]);
        let new = "new \"quoted\"\n\u{1}é";
        let escaped = serde_json::to_string(new).unwrap();
        for (doc, line) in c.documents().iter().zip(&lines) {
            let old = format!("\"{}\"", doc.text());
            let at = line.rfind(&old).unwrap();
            let expected = format!("{}{escaped}{}", &line[..at], &line[at + old.len()..]);
            assert_eq!(doc.to_json_line(new, &options), expected);
            let back: Value = serde_json::from_str(&expected).unwrap();
            assert!(back.to_string().contains(&escaped));
        }
    }

    #[test]
    fn nested_and_dotted_text_fields_are_edited_in_place() {
        let d = Dir::new("exact-nested");
        // The head key repeats: the last object was read, and is edited.
        let line = r#"{"id":"b","body":{"text":"early"},"body": {"text" : "old"}}"#;
        let p = d.file("d.jsonl", (line.to_string() + "\n").as_bytes());
        let options = ReadOptions::new()
            .text_field("body.text")
            .keep_records(true);
        let c = Corpus::read(&[&p], &options).unwrap();
        assert_eq!(c.texts(), ["old"]);
        assert_eq!(
            c.documents()[0].to_json_line("new", &options),
            r#"{"id":"b","body":{"text":"early"},"body": {"text" : "new"}}"#
        );
        let line = r#"{"id":"a","body":{"n":1.5e300,"text":"old","k":"\u0041"},"tail":18446744073709551616,"x.y":"old"}"#;
        let p = d.file("e.jsonl", (line.to_string() + "\n").as_bytes());
        let c = Corpus::read(&[&p], &options).unwrap();
        assert_eq!(
            c.documents()[0].to_json_line("new", &options),
            line.replacen(r#""text":"old""#, r#""text":"new""#, 1)
        );
        let dotted = ReadOptions::new().text_field("x.y").keep_records(true);
        let c = Corpus::read(&[&p], &dotted).unwrap();
        assert_eq!(
            c.documents()[0].to_json_line("new", &dotted),
            line.replace(r#""x.y":"old""#, r#""x.y":"new""#)
        );
    }
}
