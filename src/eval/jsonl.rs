//! JSON Lines records: reading them with the file and line in every error,
//! and writing them in the layout of the shared evaluation corpora.

use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::io::json_message;

/// Calls `f` with the record of each non-blank line of `path` (a `what`)
/// and its line number.
pub(super) fn read_records<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    mut f: impl FnMut(T, u64) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let mut line_no = 0u64;
    for line in BufReader::new(file).lines() {
        line_no += 1;
        let line = line.map_err(|e| Error::io("reading", path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|e| {
            let message = json_message(&e);
            let message = match e.classify() {
                serde_json::error::Category::Data => format!("not a {what}: {message}"),
                _ => format!("invalid JSON: {message}"),
            };
            Error::parse(path, line_no, message)
        })?;
        f(record, line_no)?;
    }
    Ok(())
}

/// Writes `value` as one JSON line in the layout of the shared corpora's
/// files: a space after every `:` and `,` (`{"a": 1, "b": [2, 3]}`, as
/// Python's `json.dumps` writes), strings escaped by serde_json.
pub(crate) fn write_json_line(w: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *w, Spaced);
    value.serialize(&mut ser)?;
    w.write_all(b"\n")
}

/// serde_json's compact layout with a space after `:` and `,`.
struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_have_the_shared_layout_and_serde_escaping() {
        #[derive(Serialize)]
        struct Line<'a> {
            id: &'a str,
            text: &'a str,
            list: [u32; 2],
        }
        let mut out = Vec::new();
        let text = "a\"b\\c\nd\re\tf\u{1}g “h”";
        write_json_line(
            &mut out,
            &Line {
                id: "x/1",
                text,
                list: [1, 2],
            },
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "{\"id\": \"x/1\", \"text\": \"a\\\"b\\\\c\\nd\\re\\tf\\u0001g “h”\", \"list\": [1, 2]}\n"
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["text"].as_str().unwrap(), text);
    }
}
