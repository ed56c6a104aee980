//! Writing results: [`AtomicFile`] (all at once or not at all),
//! [`check_output`] (an output must not be an input) and [`input_len`] (the
//! inputs' size, for a progress bar).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::STDIN;
use super::walk::{Entry, walk};
use crate::atomic::AtomicWriter;
use crate::error::{Error, Result};

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
            for entry in walk(path).ok()? {
                if let Entry::File(file) = entry {
                    total += fs::metadata(file).ok()?.len();
                }
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
    use std::fs::File;
    use std::io::Read;

    use super::*;
    use crate::ErrorKind;
    use crate::io::read::tests::Dir;

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
