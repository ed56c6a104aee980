//! The crate's error type.

use std::fmt;
use std::path::{Path, PathBuf};

/// A specialized [`Result`](std::result::Result) whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is, for callers that act on it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A [`Config`](crate::Config) parameter broke a rule; [`Error::parameter`] names it.
    InvalidConfig,
    /// Reading or writing a file failed; the `io::Error` is the [`source`](std::error::Error::source).
    Io,
    /// Input data was malformed; [`Error::path`] and [`Error::line`] say where.
    Parse,
    /// A saved file is damaged (a checksum, length or value does not hold)
    /// or of an unsupported format version; [`Error::path`] names the file.
    Format,
    /// Two values made with different configurations were combined (or an
    /// index file was opened with a configuration other than its own); the
    /// message names the first parameter that differs.
    Incompatible,
    /// A document id given to a persistent index is already in it, or given
    /// twice in one batch; the message names the id.
    DuplicateId,
    /// A limit of the crate was exceeded (more than `u32::MAX` documents or passages).
    Capacity,
    /// Another writer holds a persistent index (the message names it: process
    /// id, host, since when), or changed it since this handle opened it:
    /// retry later, or reopen the index.
    Conflict,
}

/// The error type of every fallible operation in this crate.
///
/// Its representation is private: match on [`kind`](Error::kind) and read the
/// optional accessors ([`parameter`](Error::parameter), [`path`](Error::path),
/// [`line`](Error::line)). `Display` describes this layer only; an underlying
/// I/O or parse error is reachable through [`source`](std::error::Error::source).
pub struct Error {
    kind: ErrorKind,
    message: String,
    parameter: Option<&'static str>,
    path: Option<PathBuf>,
    line: Option<u64>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    fn new(kind: ErrorKind, message: String) -> Self {
        Error {
            kind,
            message,
            parameter: None,
            path: None,
            line: None,
            source: None,
        }
    }

    pub(crate) fn invalid_config(parameter: &'static str, rule: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorKind::InvalidConfig, format!("{parameter} {rule}"));
        e.parameter = Some(parameter);
        e
    }

    pub(crate) fn capacity(what: &str, limit: u64) -> Self {
        Error::new(
            ErrorKind::Capacity,
            format!("too many {what}: at most {limit} are supported"),
        )
    }

    /// A damaged or unsupported file at `path`, described by `what`.
    pub(crate) fn format(path: impl AsRef<Path>, what: impl fmt::Display) -> Self {
        Self::about(ErrorKind::Format, path, what)
    }

    /// Values of different configurations at `path`, described by `what`.
    pub(crate) fn incompatible(path: impl AsRef<Path>, what: impl fmt::Display) -> Self {
        Self::about(ErrorKind::Incompatible, path, what)
    }

    /// A document id seen before, at `path`.
    /// Values that do not belong together, without a file: texts that are
    /// not those of a report.
    #[cfg(feature = "html")]
    pub(crate) fn incompatible_values(what: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Incompatible, what.to_string())
    }

    pub(crate) fn duplicate_id(path: impl AsRef<Path>, what: impl fmt::Display) -> Self {
        Self::about(ErrorKind::DuplicateId, path, what)
    }

    pub(crate) fn about(kind: ErrorKind, path: impl AsRef<Path>, what: impl fmt::Display) -> Self {
        let path = path.as_ref();
        let mut e = Error::new(kind, format!("{}: {what}", path.display()));
        e.path = Some(path.to_path_buf());
        e
    }

    /// An I/O failure on `path`, described by `action` ("reading", "writing").
    pub fn io(action: &str, path: impl AsRef<Path>, source: std::io::Error) -> Self {
        let path = path.as_ref();
        let mut e = Error::new(ErrorKind::Io, format!("{action} {}", path.display()));
        e.path = Some(path.to_path_buf());
        e.source = Some(Box::new(source));
        e
    }

    /// Malformed input at `path`, line `line` (1-based), described by `what`.
    pub fn parse(path: impl AsRef<Path>, line: u64, what: impl fmt::Display) -> Self {
        let path = path.as_ref();
        let mut e = Error::new(
            ErrorKind::Parse,
            format!("{}:{line}: {what}", path.display()),
        );
        e.path = Some(path.to_path_buf());
        e.line = Some(line);
        e
    }

    /// An error of `kind` about `path` (and `line`) whose whole message is
    /// `message`: one rebuilt from what a skipped record keeps.
    #[cfg(feature = "jsonl")]
    pub(crate) fn rebuilt(
        kind: ErrorKind,
        path: &Path,
        line: Option<u64>,
        message: impl fmt::Display,
    ) -> Self {
        let mut e = Error::new(kind, message.to_string());
        e.path = Some(path.to_path_buf());
        e.line = line;
        e
    }

    /// Attaches an underlying cause, reachable through `source()`.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The configuration parameter at fault, for [`ErrorKind::InvalidConfig`].
    pub fn parameter(&self) -> Option<&'static str> {
        self.parameter
    }

    /// The file involved, where there is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The 1-based line of the input at fault, where known.
    pub fn line(&self) -> Option<u64> {
        self.line
    }
}

// An `Error` is never mutated after construction, and its boxed source is only
// handed out by shared reference, so observing it after a panic is sound.
impl std::panic::UnwindSafe for Error {}
impl std::panic::RefUnwindSafe for Error {}

/// An I/O error with no file attached ([`ErrorKind::Io`]), so that `?` works
/// on `std::io` results in a function returning [`Result`]. The library's
/// own I/O errors name their file ([`Error::path`]); prefer [`Error::io`]
/// where there is one.
impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        let mut e = Error::new(ErrorKind::Io, "i/o error".to_string());
        e.source = Some(Box::new(source));
        e
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(p) = self.parameter {
            d.field("parameter", &p);
        }
        if let Some(p) = &self.path {
            d.field("path", p);
        }
        if let Some(l) = self.line {
            d.field("line", &l);
        }
        if let Some(s) = &self.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_config_names_parameter() {
        let e = Error::invalid_config("num_perm", "must be at least 1 (got 0)");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert_eq!(e.parameter(), Some("num_perm"));
        assert_eq!(e.to_string(), "num_perm must be at least 1 (got 0)");
    }

    #[test]
    fn io_errors_convert_for_the_question_mark() {
        fn read() -> Result<()> {
            std::fs::read("/no/such/echodup/file")?;
            Ok(())
        }
        let e = read().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(e.path(), None);
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn parse_error_names_place() {
        let e = Error::parse("corpus.jsonl", 7, "field \"text\" is missing");
        assert_eq!(e.line(), Some(7));
        assert_eq!(e.to_string(), "corpus.jsonl:7: field \"text\" is missing");
    }

    #[test]
    fn io_error_keeps_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = Error::io("reading", "a.txt", io);
        assert_eq!(e.to_string(), "reading a.txt");
        assert!(std::error::Error::source(&e).is_some());
    }
}
