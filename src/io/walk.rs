//! Walking a folder input: every `.txt` file under it once, in name order,
//! and the entries passed over ([`SkippedEntry`]) with the reason.
//!
//! Links are followed, but each folder and each file is visited once: the
//! walk keeps the identity of everything it has entered (device and inode
//! on Unix, the canonical path elsewhere), so a link back to a parent folder
//! (`ln -s .. d/loop/up`) or a second link to a file is passed over. Entries
//! named like text files that are not regular files (a FIFO, a socket, a
//! device) are passed over too, since reading them could block forever.

use std::collections::HashSet;
use std::fmt;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};

/// An entry under a folder input that was not read, and why. Listed in
/// [`Corpus::skipped_entries`](super::Corpus::skipped_entries) whatever
/// [`ReadOptions::skip_invalid`](super::ReadOptions::skip_invalid) says:
/// these are not errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedEntry {
    pub(super) path: PathBuf,
    pub(super) reason: EntryReason,
}

impl SkippedEntry {
    /// The entry's path, as reached from the folder named as input.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why it was not read.
    pub fn reason(&self) -> EntryReason {
        self.reason
    }
}

/// Why an entry of a folder input was passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntryReason {
    /// Named like a text file, but not a regular file (a FIFO, a socket, a
    /// device): reading it could block or never end.
    NotARegularFile,
    /// A folder or file already visited in this walk, reached again through
    /// a link (a symlink loop, or two links to one file).
    AlreadyVisited,
}

impl fmt::Display for EntryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryReason::NotARegularFile => "not a regular file",
            EntryReason::AlreadyVisited => "already visited (reached again through a link)",
        })
    }
}

/// One result of a walk, in name order.
#[derive(Debug)]
pub(super) enum Entry {
    /// A text file to read.
    File(PathBuf),
    /// A subfolder or text file that could not be examined or listed.
    Unreadable(PathBuf, io::Error),
    /// An entry passed over.
    Skipped(SkippedEntry),
}

/// Identity of a file or folder: what makes two paths the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

#[cfg(unix)]
fn identity(_path: &Path, meta: &Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Identity::Inode(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &Metadata) -> Identity {
    Identity::Path(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Whether a name is a text file's: `.txt` or `.txt.gz` in any case.
pub(super) fn is_text_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".txt")
}

/// Walks `dir`: its text files, recursively, in name order, and what was
/// passed over or could not be read, each under its own path.
///
/// # Errors
///
/// When `dir` itself cannot be examined or listed.
pub(super) fn walk(dir: &Path) -> io::Result<Vec<Entry>> {
    let meta = fs::metadata(dir)?;
    let mut seen = HashSet::new();
    seen.insert(identity(dir, &meta));
    let mut out = Vec::new();
    visit(sorted_entries(dir)?, &mut seen, &mut out);
    Ok(out)
}

fn sorted_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    Ok(entries)
}

fn visit(entries: Vec<PathBuf>, seen: &mut HashSet<Identity>, out: &mut Vec<Entry>) {
    for path in entries {
        // Follows links: a link to a folder is walked, a link to a file read.
        let meta = match fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                // A dangling link or an entry gone since the listing: only
                // worth a word when it would have been read.
                if is_text_name(&path) {
                    out.push(Entry::Unreadable(path, e));
                }
                continue;
            }
        };
        let skip = |path, reason| Entry::Skipped(SkippedEntry { path, reason });
        if meta.is_dir() {
            if !seen.insert(identity(&path, &meta)) {
                out.push(skip(path, EntryReason::AlreadyVisited));
                continue;
            }
            match sorted_entries(&path) {
                Ok(entries) => visit(entries, seen, out),
                Err(e) => out.push(Entry::Unreadable(path, e)),
            }
        } else if is_text_name(&path) {
            if !meta.is_file() {
                out.push(skip(path, EntryReason::NotARegularFile));
            } else if !seen.insert(identity(&path, &meta)) {
                out.push(skip(path, EntryReason::AlreadyVisited));
            } else {
                out.push(Entry::File(path));
            }
        }
    }
}
