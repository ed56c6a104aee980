//! Reading corpora and writing results atomically (feature `jsonl`).
//!
//! - [`Corpus::read`] reads one corpus from several inputs, in the order
//!   given: JSON Lines files (plain or gzip-compressed, recognised by their
//!   first bytes, not their name), plain `.txt` files (each file one
//!   document, its path the id), folders of `.txt` files (searched
//!   recursively, in name order) and `-` for standard input (JSON Lines).
//! - [`ReadOptions`] says which fields hold the text and the id (dotted paths
//!   such as `body.text` reach into nested objects), whether bad records stop
//!   the read or are skipped and listed ([`Skipped`]), and whether the original
//!   records are kept for writing them back ([`Document::to_json_line`]).
//! - [`AtomicFile`] writes an output file all at once or not at all: a
//!   temporary file in the same folder, synced and renamed over the target
//!   on [`commit`](AtomicFile::commit), removed if dropped uncommitted.
//!   [`check_output`] refuses an output that is also an input.
//!
//! Every failure is an [`Error`] that names the place: the file, the 1-based
//! line and the field (`corpus.jsonl:7: field "text" is missing`).
//!
//! # Example
//!
//! ```
//! use echodup::io::{Corpus, ReadOptions};
//!
//! let dir = std::env::temp_dir().join(format!("echodup-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("corpus.jsonl");
//! std::fs::write(&path, concat!(
//!     r#"{"id": "a", "body": {"text": "First story."}}"#, "\n",
//!     r#"{"id": "b", "body": {"text": 42}}"#, "\n",
//!     r#"{"id": "c", "body": {"text": "Third story."}}"#, "\n",
//! )).unwrap();
//!
//! let options = ReadOptions::new().text_field("body.text");
//! let err = Corpus::read(&[&path], &options).unwrap_err();
//! assert!(err.to_string().ends_with(r#"corpus.jsonl:2: field "body.text" is a number, not a string"#));
//!
//! let corpus = Corpus::read(&[&path], &options.skip_invalid(true))?;
//! assert_eq!(corpus.len(), 2);
//! assert_eq!(corpus.documents()[1].id(), "c");
//! assert_eq!(corpus.skipped()[0].line(), Some(2));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), echodup::Error>(())
//! ```

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::atomic::AtomicWriter;
use crate::corpus::DocId;
use crate::error::{Error, Result};

/// The input name that stands for standard input.
pub const STDIN: &str = "-";

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How a corpus is read: which fields hold the text and the id, and what
/// happens to bad records. A plain value with chained setters.
///
/// # Example
///
/// ```
/// use echodup::io::ReadOptions;
///
/// let options = ReadOptions::new().text_field("article.body").id_field(Some("url"));
/// assert_eq!(options.get_text_field(), "article.body");
/// assert_eq!(options.get_id_field(), Some("url"));
/// assert!(!options.get_skip_invalid());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    text_field: String,
    id_field: Option<String>,
    skip_invalid: bool,
    keep_records: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            text_field: "text".to_string(),
            id_field: Some("id".to_string()),
            skip_invalid: false,
            keep_records: false,
        }
    }
}

impl ReadOptions {
    /// The defaults: text in `"text"`, id in `"id"`, stop at the first bad
    /// record, records not kept.
    pub fn new() -> Self {
        ReadOptions::default()
    }

    /// The field that holds a JSON record's text; a dotted path reaches into
    /// nested objects (`"body.text"`). Defaults to `"text"`. The value must be
    /// a string.
    pub fn text_field(mut self, path: &str) -> Self {
        self.text_field = path.to_string();
        self
    }

    /// The field that holds a JSON record's id, as a dotted path; its value
    /// must be a string or an integer and ids must be unique. Defaults to
    /// `Some("id")`. With `None`, a record's id is `FILE:LINE`.
    pub fn id_field(mut self, path: Option<&str>) -> Self {
        self.id_field = path.map(str::to_string);
        self
    }

    /// Whether a bad record (malformed JSON, a missing or non-string text
    /// field, a duplicate id, invalid UTF-8, an empty file, the rest of a
    /// truncated gzip stream, an unreadable file inside a folder) is skipped
    /// and listed in [`Corpus::skipped`] instead of stopping the read.
    /// Defaults to `false`. An input named on the command line that cannot be
    /// opened always stops the read.
    pub fn skip_invalid(mut self, on: bool) -> Self {
        self.skip_invalid = on;
        self
    }

    /// Whether each JSON record's original line is kept, so that
    /// [`Document::to_json_line`] can write it back with all its fields.
    /// Defaults to `false` (it doubles the memory a corpus takes).
    pub fn keep_records(mut self, on: bool) -> Self {
        self.keep_records = on;
        self
    }

    /// The text field path.
    pub fn get_text_field(&self) -> &str {
        &self.text_field
    }

    /// The id field path, if ids come from a field.
    pub fn get_id_field(&self) -> Option<&str> {
        self.id_field.as_deref()
    }

    /// Whether bad records are skipped.
    pub fn get_skip_invalid(&self) -> bool {
        self.skip_invalid
    }

    /// Whether original records are kept.
    pub fn get_keep_records(&self) -> bool {
        self.keep_records
    }
}

/// One document of a [`Corpus`]: its id, its text and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    id: String,
    text: String,
    source: Arc<Path>,
    line: Option<u64>,
    record: Option<Box<str>>,
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
            if let Some(slot) = field_mut(&mut value, &options.text_field) {
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
    error: Error,
    reason: String,
    id: Option<String>,
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
    /// bytes for gzip); compare with [`input_len`] for a progress bar.
    ///
    /// # Errors
    ///
    /// As [`read`](Corpus::read).
    pub fn read_with_progress<P: AsRef<Path>>(
        inputs: &[P],
        options: &ReadOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Corpus> {
        let mut reader = Reader {
            options,
            documents: Vec::new(),
            skipped: Vec::new(),
            ids: HashMap::new(),
            counter: Arc::new(AtomicU64::new(0)),
            progress,
        };
        for input in inputs {
            reader.input(input.as_ref())?;
        }
        crate::corpus::to_u32(reader.documents.len(), "documents")?;
        Ok(Corpus {
            documents: reader.documents,
            skipped: reader.skipped,
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
}

/// The total size in bytes of the inputs as stored, for a progress bar, or
/// `None` when it is unknown (standard input, or an input that cannot be
/// examined).
pub fn input_len<P: AsRef<Path>>(inputs: &[P]) -> Option<u64> {
    let mut total = 0;
    for input in inputs {
        let path = input.as_ref();
        if path == Path::new(STDIN) {
            return None;
        }
        let meta = fs::metadata(path).ok()?;
        if meta.is_dir() {
            for file in text_files(path).ok()? {
                total += fs::metadata(file).ok()?.len();
            }
        } else {
            total += meta.len();
        }
    }
    Some(total)
}

/// Refuses an output path that names the same file as an input (or as
/// another output): writing it would destroy the input. `-` (standard
/// input or output) is never compared.
///
/// # Errors
///
/// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the output, whose source says which input it
/// clashes with.
pub fn check_output<P: AsRef<Path>>(output: &Path, inputs: &[P]) -> Result<()> {
    if output == Path::new(STDIN) {
        return Ok(());
    }
    let out = identity(output);
    for input in inputs {
        let input = input.as_ref();
        if input == Path::new(STDIN) {
            continue;
        }
        if input == output || (out.is_some() && identity(input) == out) {
            return Err(Error::io(
                "writing",
                output,
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "the output is the same file as the input {}",
                        input.display()
                    ),
                ),
            ));
        }
    }
    Ok(())
}

/// A path as the file system sees it: canonical if it exists, otherwise its
/// canonical folder plus its name.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(parent).ok()?.join(name))
}

struct Reader<'a> {
    options: &'a ReadOptions,
    documents: Vec<Document>,
    skipped: Vec<Skipped>,
    /// Each id seen, with the document that has it.
    ids: HashMap<String, usize>,
    counter: Arc<AtomicU64>,
    progress: &'a mut dyn FnMut(u64),
}

/// Counts the bytes read through it, for progress.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input: its bytes (decompressed) and whether they were gzip.
struct Opened {
    reader: Box<dyn BufRead>,
    gzip: bool,
    empty: bool,
}

impl Reader<'_> {
    fn input(&mut self, path: &Path) -> Result<()> {
        if path == Path::new(STDIN) {
            let opened = self.open_stream(Box::new(io::stdin().lock()), path)?;
            return self.jsonl(path, opened);
        }
        let meta = fs::metadata(path).map_err(|e| Error::io("reading", path, e))?;
        if meta.is_dir() {
            let files = text_files(path).map_err(|e| Error::io("reading", path, e))?;
            if files.is_empty() {
                let why = io::Error::new(io::ErrorKind::NotFound, "the folder holds no .txt files");
                return self.bad(Error::io("reading", path, why), None);
            }
            for file in files {
                match File::open(&file) {
                    Ok(f) => self.text_file(&file, f)?,
                    Err(e) => self.bad(Error::io("reading", &file, e), None)?,
                }
            }
            return Ok(());
        }
        let file = File::open(path).map_err(|e| Error::io("reading", path, e))?;
        if is_text_name(path) {
            self.text_file(path, file)
        } else {
            let opened = self.open_stream(Box::new(file), path)?;
            self.jsonl(path, opened)
        }
    }

    /// Wraps a raw stream: counts its bytes, recognises gzip.
    fn open_stream(&mut self, raw: Box<dyn Read>, path: &Path) -> Result<Opened> {
        let counting = Counting {
            inner: raw,
            counter: Arc::clone(&self.counter),
        };
        let mut buffered = BufReader::with_capacity(1 << 16, counting);
        let head = buffered
            .fill_buf()
            .map_err(|e| Error::io("reading", path, e))?;
        let empty = head.is_empty();
        let gzip = head.starts_with(&GZIP_MAGIC);
        let reader: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::bufread::MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Opened {
            reader,
            gzip,
            empty,
        })
    }

    /// Stops with `error`, or records it and goes on when skipping.
    fn bad(&mut self, error: Error, id: Option<String>) -> Result<()> {
        if !self.options.skip_invalid {
            return Err(error);
        }
        let full = error.to_string();
        let reason = match (error.path(), error.line()) {
            (Some(p), Some(l)) => full
                .strip_prefix(&format!("{}:{l}: ", p.display()))
                .unwrap_or(&full)
                .to_string(),
            _ => {
                let mut s = full.clone();
                let mut source = std::error::Error::source(&error);
                while let Some(e) = source {
                    s = format!("{s}: {e}");
                    source = e.source();
                }
                s
            }
        };
        self.skipped.push(Skipped { error, reason, id });
        Ok(())
    }

    fn text_file(&mut self, path: &Path, file: File) -> Result<()> {
        let mut opened = self.open_stream(Box::new(file), path)?;
        if opened.empty {
            return self.bad(Error::parse(path, 1, "the file is empty"), None);
        }
        let mut bytes = Vec::new();
        if let Err(e) = opened.reader.read_to_end(&mut bytes) {
            let line = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            return self.bad(stream_error(path, line, opened.gzip, e), None);
        }
        (self.progress)(self.counter.load(Ordering::Relaxed));
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                let column = valid
                    - bytes[..valid]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |p| p + 1)
                    + 1;
                return self.bad(
                    Error::parse(
                        path,
                        line,
                        format!("invalid UTF-8 at byte {column} of the line"),
                    ),
                    None,
                );
            }
        };
        let id = path.display().to_string();
        self.push(id, text, path, None, None)
    }

    fn jsonl(&mut self, path: &Path, mut opened: Opened) -> Result<()> {
        if opened.empty {
            return self.bad(Error::parse(path, 1, "the file is empty"), None);
        }
        let source: Arc<Path> = Arc::from(path);
        let mut buf = Vec::new();
        let mut line: u64 = 0;
        let mut records = 0usize;
        let mut last_report = 0u64;
        loop {
            buf.clear();
            match opened.reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => line += 1,
                Err(e) => {
                    let fatal = !opened.gzip || !is_corrupt_stream(&e);
                    let err = stream_error(path, line + 1, opened.gzip, e);
                    if fatal {
                        return Err(err);
                    }
                    return self.bad(err, None);
                }
            }
            let read = self.counter.load(Ordering::Relaxed);
            if read - last_report >= 1 << 20 {
                last_report = read;
                (self.progress)(read);
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            records += 1;
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t,
                Err(e) => {
                    let at = e.valid_up_to() + 1;
                    self.bad(
                        Error::parse(
                            path,
                            line,
                            format!("invalid UTF-8 at byte {at} of the line"),
                        ),
                        None,
                    )?;
                    continue;
                }
            };
            match self.record(text, &source, line) {
                Ok((id, body)) => {
                    let record = self.options.keep_records.then(|| Box::<str>::from(text));
                    self.push(id, body, &source, Some(line), record)?;
                }
                Err((what, id)) => self.bad(Error::parse(path, line, what), id)?,
            }
        }
        (self.progress)(self.counter.load(Ordering::Relaxed));
        if records == 0 {
            return self.bad(
                Error::parse(
                    path,
                    line.max(1),
                    "the file holds no records (only blank lines)",
                ),
                None,
            );
        }
        Ok(())
    }

    /// Parses one record into (id, text), or says what is wrong with it
    /// (and its id, when known).
    fn record(
        &self,
        text: &str,
        source: &Path,
        line: u64,
    ) -> std::result::Result<(String, String), (String, Option<String>)> {
        let mut value: Value = serde_json::from_str(text)
            .map_err(|e| (format!("malformed JSON: {}", json_message(&e)), None))?;
        if !value.is_object() {
            return Err((
                format!("the record is {}, not a JSON object", describe(&value)),
                None,
            ));
        }
        let id = match &self.options.id_field {
            None => format!("{}:{line}", source.display()),
            Some(field) => match field_mut(&mut value, field) {
                None => return Err((format!("field \"{field}\" is missing"), None)),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
                Some(other) => {
                    let what = format!(
                        "field \"{field}\" is {}, not a string or an integer",
                        describe(other)
                    );
                    return Err((what, None));
                }
            },
        };
        let field = &self.options.text_field;
        match field_mut(&mut value, field) {
            None => Err((format!("field \"{field}\" is missing"), Some(id))),
            Some(Value::String(s)) => Ok((id, std::mem::take(s))),
            Some(other) => Err((
                format!("field \"{field}\" is {}, not a string", describe(other)),
                Some(id),
            )),
        }
    }

    fn push(
        &mut self,
        id: String,
        text: String,
        source: &Path,
        line: Option<u64>,
        record: Option<Box<str>>,
    ) -> Result<()> {
        if let Some(&first) = self.ids.get(&id) {
            let first = &self.documents[first];
            let at = match first.line {
                Some(l) => format!("{}:{l}", first.source.display()),
                None => first.source.display().to_string(),
            };
            let field = self.options.id_field.as_deref().unwrap_or("id");
            let what = format!("field \"{field}\": duplicate id \"{id}\" (first seen at {at})");
            let err = match line {
                Some(l) => Error::parse(source, l, what),
                None => Error::parse(
                    source,
                    1,
                    format!("duplicate id \"{id}\" (first seen at {at})"),
                ),
            };
            return self.bad(err, Some(id));
        }
        self.ids.insert(id.clone(), self.documents.len());
        self.documents.push(Document {
            id,
            text,
            source: Arc::from(source),
            line,
            record,
        });
        Ok(())
    }
}

/// Whether a read error means the gzip data itself is bad (truncated or
/// corrupt) rather than the device failing.
fn is_corrupt_stream(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput
    )
}

fn stream_error(path: &Path, line: u64, gzip: bool, e: io::Error) -> Error {
    if gzip && is_corrupt_stream(&e) {
        Error::parse(path, line, "the gzip stream is truncated or corrupt").with_source(e)
    } else {
        Error::io("reading", path, e)
    }
}

/// serde_json's message without its own "at line 1 column N" (the line is
/// ours), with the column kept.
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => format!("{} at column {}", &s[..i], e.column()),
        None => s,
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The value at a dotted path (`a.b.c`), if every step is an object that has
/// the key. A key that itself contains dots is found when it exists as is.
fn field_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let map = value.as_object_mut()?;
    if map.contains_key(path) {
        return map.get_mut(path);
    }
    let (head, rest) = path.split_once('.')?;
    field_mut(map.get_mut(head)?, rest)
}

fn is_text_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".txt")
}

/// Every text file under `dir`, recursively, in name order.
fn text_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(text_files(&path)?);
        } else if is_text_name(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

/// An output file written all at once or not at all.
///
/// Bytes go to a temporary file in the target's folder (so the final rename
/// never crosses file systems), `.NAME.echodup-XXXXXX.tmp` for a target
/// `NAME` (`XXXXXX` random); [`commit`](AtomicFile::commit) flushes it,
/// syncs it to disk, renames it over the target and syncs the folder where
/// the platform allows it. Dropped without a commit (an error on the way),
/// the temporary file is removed and the target is untouched. A target whose
/// name ends in `.gz` is gzip-compressed.
///
/// # Example
///
/// ```
/// use std::io::Write;
/// use echodup::io::AtomicFile;
///
/// let dir = std::env::temp_dir().join(format!("echodup-atomic-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let target = dir.join("out.jsonl");
///
/// let mut out = AtomicFile::create(&target)?;
/// writeln!(out, "{{\"id\": 1}}").unwrap();
/// drop(out); // not committed: nothing appears
/// assert!(!target.exists());
/// assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
///
/// let mut out = AtomicFile::create(&target)?;
/// writeln!(out, "{{\"id\": 1}}").unwrap();
/// out.commit()?;
/// assert_eq!(std::fs::read_to_string(&target).unwrap(), "{\"id\": 1}\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), echodup::Error>(())
/// ```
pub struct AtomicFile {
    sink: Sink,
}

enum Sink {
    Plain(BufWriter<AtomicWriter>),
    Gzip(flate2::write::GzEncoder<BufWriter<AtomicWriter>>),
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = self.writer();
        f.debug_struct("AtomicFile")
            .field("target", &w.target())
            .field("temp", &w.temp_path())
            .finish_non_exhaustive()
    }
}

impl AtomicFile {
    /// Starts writing `target`: creates the temporary file beside it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the target when its folder does not exist or
    /// is not writable, or when `target` is a folder.
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = target.as_ref();
        let gzip = target
            .file_name()
            .is_some_and(|n| n.to_string_lossy().to_lowercase().ends_with(".gz"));
        let writer = BufWriter::with_capacity(1 << 16, AtomicWriter::create(target)?);
        let sink = if gzip {
            Sink::Gzip(flate2::write::GzEncoder::new(
                writer,
                flate2::Compression::default(),
            ))
        } else {
            Sink::Plain(writer)
        };
        Ok(AtomicFile { sink })
    }

    /// The file that [`commit`](AtomicFile::commit) will replace.
    pub fn target(&self) -> &Path {
        self.writer().target()
    }

    /// Finishes the file: flushes, syncs to disk and renames it over the
    /// target.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the target; the target is then untouched and
    /// the temporary file removed.
    pub fn commit(self) -> Result<()> {
        let target = self.target().to_path_buf();
        let writer = match self.sink {
            Sink::Plain(w) => Ok(w),
            Sink::Gzip(g) => g.finish(),
        };
        // On an error the writer is dropped, which removes the temporary file.
        writer
            .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
            .map_err(|e| Error::io("writing", &target, e))?
            .commit()
    }

    fn writer(&self) -> &AtomicWriter {
        match &self.sink {
            Sink::Plain(w) => w.get_ref(),
            Sink::Gzip(g) => g.get_ref().get_ref(),
        }
    }

    fn sink(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Plain(w) => w,
            Sink::Gzip(g) => g,
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.sink().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            static N: AtomicU64 = AtomicU64::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let p =
                std::env::temp_dir().join(format!("echodup-io-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Dir(p)
        }

        fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let p = self.0.join(name);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent).unwrap();
            }
            fs::write(&p, bytes).unwrap();
            p
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn read_err(paths: &[&Path], options: &ReadOptions) -> String {
        Corpus::read(paths, options).unwrap_err().to_string()
    }

    #[test]
    fn jsonl_plain_and_gzip_read_alike_whatever_the_name() {
        let d = Dir::new("gz");
        let body = b"{\"id\":\"a\",\"text\":\"one\"}\n\n{\"id\":7,\"text\":\"two\"}\r\n";
        let plain = d.file("c.jsonl", body);
        let packed = d.file("c.data", &gzip(body));
        for p in [&plain, &packed] {
            let c = Corpus::read(&[p], &ReadOptions::new()).unwrap();
            assert_eq!(c.texts(), ["one", "two"]);
            assert_eq!(c.documents()[1].id(), "7");
            assert_eq!(c.documents()[1].line(), Some(3));
        }
    }

    #[test]
    fn nested_fields_and_line_ids() {
        let d = Dir::new("nested");
        let p = d.file("c.jsonl", b"{\"a\":{\"b\":\"deep\"},\"x.y\":\"dotted\"}\n");
        let c = Corpus::read(&[&p], &ReadOptions::new().text_field("a.b").id_field(None)).unwrap();
        assert_eq!(c.texts(), ["deep"]);
        assert_eq!(c.documents()[0].id(), format!("{}:1", p.display()));
        let c = Corpus::read(&[&p], &ReadOptions::new().text_field("x.y").id_field(None)).unwrap();
        assert_eq!(c.texts(), ["dotted"]);
    }

    #[test]
    fn bad_records_name_file_line_and_field() {
        let d = Dir::new("bad");
        let cases: [(&[u8], &str); 7] = [
            (
                b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"",
                ":2: malformed JSON: EOF while parsing an object at column 20",
            ),
            (b"{\"id\":\"a\"}\n", ":1: field \"text\" is missing"),
            (
                b"{\"id\":\"a\",\"text\":[1]}\n",
                ":1: field \"text\" is an array, not a string",
            ),
            (b"{\"text\":\"x\"}\n", ":1: field \"id\" is missing"),
            (
                b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}\n",
                ":2: field \"id\": duplicate id \"a\"",
            ),
            (
                b"{\"id\":\"a\",\"text\":\"\xff\"}\n",
                ":1: invalid UTF-8 at byte 19 of the line",
            ),
            (b"[1,2]\n", ":1: the record is an array, not a JSON object"),
        ];
        for (i, (body, expected)) in cases.iter().enumerate() {
            let p = d.file(&format!("c{i}.jsonl"), body);
            let msg = read_err(&[&p], &ReadOptions::new());
            assert!(msg.starts_with(&p.display().to_string()), "{msg}");
            assert!(msg.contains(expected), "{msg} lacks {expected}");
        }
    }

    #[test]
    fn skip_invalid_lists_every_skipped_record() {
        let d = Dir::new("skip");
        let p = d.file("c.jsonl", b"{\"id\":\"a\",\"text\":\"x\"}\nnot json\n{\"id\":\"b\"}\n{\"id\":\"a\",\"text\":\"z\"}\n{\"id\":\"c\",\"text\":\"y\"}\n");
        let c = Corpus::read(&[&p], &ReadOptions::new().skip_invalid(true)).unwrap();
        assert_eq!(c.texts(), ["x", "y"]);
        let lines: Vec<_> = c.skipped().iter().map(|s| s.line()).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4)]);
        assert_eq!(c.skipped()[1].reason(), "field \"text\" is missing");
        assert_eq!(c.skipped()[1].id(), Some("b"));
        assert_eq!(c.skipped()[2].id(), Some("a"));
    }

    #[test]
    fn truncated_gzip_is_a_parse_error_and_keeps_earlier_records_when_skipping() {
        let d = Dir::new("trunc");
        let mut body = Vec::new();
        for i in 0..2000 {
            body.extend_from_slice(
                format!("{{\"id\":\"{i}\",\"text\":\"record number {i} of many\"}}\n").as_bytes(),
            );
        }
        let packed = gzip(&body);
        let p = d.file("c.jsonl.gz", &packed[..packed.len() / 2]);
        let e = Corpus::read(&[&p], &ReadOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Parse);
        assert!(
            e.to_string()
                .contains("gzip stream is truncated or corrupt"),
            "{e}"
        );
        let c = Corpus::read(&[&p], &ReadOptions::new().skip_invalid(true)).unwrap();
        assert!(c.len() > 100 && c.len() < 2000);
        assert_eq!(c.skipped().len(), 1);
    }

    #[test]
    fn empty_files_and_folders_without_text_are_errors() {
        let d = Dir::new("empty");
        let e = d.file("e.jsonl", b"");
        assert!(read_err(&[&e], &ReadOptions::new()).ends_with("e.jsonl:1: the file is empty"));
        let blank = d.file("b.jsonl", b"\n\n");
        assert!(read_err(&[&blank], &ReadOptions::new()).contains("no records"));
        let t = d.file("t.txt", b"");
        assert!(read_err(&[&t], &ReadOptions::new()).contains("the file is empty"));
        let sub = d.0.join("sub");
        fs::create_dir_all(sub.join("deeper")).unwrap();
        d.file("sub/notes.md", b"not a text file");
        let e = Corpus::read(&[&sub], &ReadOptions::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(e.to_string(), format!("reading {}", sub.display()));
        assert_eq!(
            std::error::Error::source(&e).unwrap().to_string(),
            "the folder holds no .txt files"
        );
        let c = Corpus::read(&[&sub], &ReadOptions::new().skip_invalid(true)).unwrap();
        assert_eq!(
            c.skipped()[0].reason(),
            format!("reading {}: the folder holds no .txt files", sub.display())
        );
        let missing = d.0.join("missing.jsonl");
        let err = Corpus::read(&[&missing], &ReadOptions::new().skip_invalid(true)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
    }

    #[test]
    fn text_files_and_folders_are_documents_in_name_order() {
        let d = Dir::new("txt");
        d.file("docs/b.txt", b"second");
        d.file("docs/a.txt", b"first");
        d.file("docs/z/c.txt.gz", &gzip(b"third"));
        d.file("docs/skip.json", b"{}");
        let single = d.file("one.TXT", b"alone\n");
        let c = Corpus::read(&[d.0.join("docs"), single.clone()], &ReadOptions::new()).unwrap();
        assert_eq!(c.texts(), ["first", "second", "third", "alone\n"]);
        assert_eq!(c.documents()[3].id(), single.display().to_string());
        assert_eq!(c.find(&single.display().to_string()), Some(DocId::new(3)));
        let bad = d.file("bad.txt", b"ok\nok\nbad \xc3( here");
        assert!(
            read_err(&[&bad], &ReadOptions::new())
                .ends_with("bad.txt:3: invalid UTF-8 at byte 5 of the line")
        );
    }

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

    #[test]
    fn atomic_file_replaces_target_only_on_commit() {
        let d = Dir::new("atomic");
        let target = d.file("out.jsonl", b"old");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        drop(f);
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(&d.0).unwrap().count(), 1);
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        let gz = d.0.join("out.jsonl.gz");
        let mut f = AtomicFile::create(&gz).unwrap();
        f.write_all(b"packed").unwrap();
        f.commit().unwrap();
        let mut s = String::new();
        flate2::read::GzDecoder::new(File::open(&gz).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "packed");
        assert!(AtomicFile::create(d.0.join("no/such/folder/x")).is_err());
    }

    #[test]
    fn output_equal_to_an_input_is_refused() {
        let d = Dir::new("same");
        let input = d.file("in.jsonl", b"{}");
        let other = d.0.join("out.jsonl");
        assert!(check_output(&other, &[&input]).is_ok());
        let e = check_output(&input, &[&input]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        let roundabout = d.0.join(".").join("in.jsonl");
        assert!(check_output(&roundabout, &[&input]).is_err());
        assert!(check_output(Path::new("-"), &[Path::new("-")]).is_ok());
    }
}
