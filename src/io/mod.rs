//! Reading corpora and writing results atomically (feature `jsonl`).
//!
//! - [`Corpus::read`] (`read.rs`) reads one corpus from several inputs, in
//!   the order given: JSON Lines files (plain, or compressed with gzip, zstd
//!   or bzip2, one stream or several concatenated, recognised by their first
//!   bytes, not their name), plain `.txt` files (each file one document, its
//!   path the id), folders of `.txt` files (searched recursively, in name
//!   order) and `-` for standard input (JSON Lines). A byte-order mark at
//!   the start of any input is skipped. The [`Corpus`], its [`Document`]s and
//!   the [`Skipped`] records are in `corpus.rs`.
//! - Folders are walked by `walk.rs`: links are followed, but each file and
//!   folder is visited once (a symlink loop is walked once), and entries
//!   that are not regular files (a FIFO named `x.txt`) are passed over; both
//!   are listed as [`SkippedEntry`]s in [`Corpus::skipped_entries`].
//! - [`ReadOptions`] (`options.rs`) says which fields hold the text and the
//!   id (dotted paths such as `body.text` reach into nested objects), whether
//!   bad records stop the read or are skipped and listed ([`Skipped`]), and
//!   whether the original records are kept for writing them back
//!   ([`Document::to_json_line`], which replaces only the text field's
//!   string and keeps every other byte of the record).
//! - [`AtomicFile`] (`output.rs`) writes an output file all at once or not
//!   at all: a temporary file in the same folder, synced and renamed over the
//!   target on [`commit`](AtomicFile::commit), removed if dropped
//!   uncommitted. [`check_output`] refuses an output that is also an input.
//!
//! Every failure is an [`Error`](crate::Error) that names the place: the
//! file (or the subfolder that cannot be listed), the 1-based line and the
//! field (`corpus.jsonl:7: field "text" is missing`).
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

mod corpus;
mod options;
mod output;
mod read;
mod walk;

pub use corpus::{Corpus, Document, Skipped};
pub use options::{ReadOptions, STDIN};
pub use output::{AtomicFile, check_output, input_len};
pub use walk::{EntryReason, SkippedEntry};

// For `eval`'s own JSON Lines files.
#[cfg(feature = "tools")]
pub(crate) use read::json_message;
