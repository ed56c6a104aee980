//! [`ReadOptions`]: which fields hold the text and the id, and what happens
//! to bad records; [`STDIN`], the input name for standard input.

/// The input name that stands for standard input.
pub const STDIN: &str = "-";

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
    /// and listed in [`Corpus::skipped`](super::Corpus::skipped) instead of
    /// stopping the read. Defaults to `false`. An input named on the command
    /// line that cannot be opened always stops the read.
    pub fn skip_invalid(mut self, on: bool) -> Self {
        self.skip_invalid = on;
        self
    }

    /// Whether each JSON record's original line is kept, so that
    /// [`Document::to_json_line`](super::Document::to_json_line) can write it
    /// back with all its fields. Defaults to `false` (it doubles the memory a
    /// corpus takes).
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
