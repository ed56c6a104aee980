//! Reading the inputs into documents: JSON Lines (plain or gzip), text files
//! and folders of them, with every error naming file, line and field.
//!
//! Over 600 lines only with its tests (190 lines, with the `Dir` helper the
//! other io tests share); the reader itself is about 400.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::{Document, ReadOptions, STDIN, Skipped};
use crate::error::{Error, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads every input, in order: the documents and the records skipped.
pub(super) fn read_inputs<P: AsRef<Path>>(
    inputs: &[P],
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<(Vec<Document>, Vec<Skipped>)> {
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
    Ok((reader.documents, reader.skipped))
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
        if !self.options.get_skip_invalid() {
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
                    let record = self
                        .options
                        .get_keep_records()
                        .then(|| Box::<str>::from(text));
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
        let id = match self.options.get_id_field() {
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
        let field = self.options.get_text_field();
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
            let field = self.options.get_id_field().unwrap_or("id");
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
pub(crate) fn json_message(e: &serde_json::Error) -> String {
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
pub(super) fn field_mut<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
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
pub(super) fn text_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
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

#[cfg(test)]
pub(super) mod tests {
    use std::io::Write;

    use super::*;
    use crate::ErrorKind;
    use crate::corpus::DocId;
    use crate::io::Corpus;

    /// A fresh temporary folder, removed when dropped.
    pub(crate) struct Dir(pub(crate) PathBuf);

    impl Dir {
        pub(crate) fn new(name: &str) -> Dir {
            static N: AtomicU64 = AtomicU64::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let p =
                std::env::temp_dir().join(format!("echodup-io-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Dir(p)
        }

        pub(crate) fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
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
}
