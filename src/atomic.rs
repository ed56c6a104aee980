//! The crate's one atomic file writer: a file is replaced all at once or not
//! at all.
//!
//! [`AtomicWriter::create`] makes a temporary file beside the target (in the
//! same folder, so that the final rename never crosses file systems), named
//! `.NAME.echodup-XXXXXX.tmp` for a target `NAME` (`XXXXXX`: random
//! characters; the leading dot hides it on Unix). Bytes written go to it.
//! [`AtomicWriter::commit`] syncs it to disk, renames it over the target and
//! then syncs the folder where the platform allows it, so that the rename
//! itself is durable. Dropped without a commit (an error on the way), the
//! temporary file is removed and the target is untouched. A process killed
//! before the commit may leave the temporary file behind; nothing reads it.
//!
//! Every temporary file in flight is listed in a process-wide registry, so
//! that a program stopped by a signal can remove them before it exits:
//! [`remove_temporary_files`] (the `echodup` CLI calls it on Ctrl-C).
//!
//! Two users: the index store ([`IndexFile`](crate::index::IndexFile), which writes a whole new
//! index file for each change) and the public
//! `io::AtomicFile` (feature `jsonl`), which adds buffering and gzip on top.
//! The temporary files are made by the `tempfile` crate.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// The temporary files of the writers alive in this process.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the list was held leaves it consistent (pushes and
    // removals are single operations): keep using it.
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file's entry in the registry, removed when dropped (after a
/// commit renamed the file, or after a drop removed it).
#[derive(Debug)]
struct Registered(PathBuf);

impl Registered {
    fn new(path: &Path) -> Registered {
        in_flight().push(path.to_path_buf());
        Registered(path.to_path_buf())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut list = in_flight();
        if let Some(i) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(i);
        }
    }
}

/// Removes the temporary files of every output still being written by this
/// process, and returns how many were removed.
///
/// Outputs are written to a temporary file beside the target and renamed
/// over it when complete (`io::AtomicFile`, feature `jsonl`, and
/// [`IndexFile`](crate::index::IndexFile)); an error removes the temporary
/// file, but a process stopped by a signal does not run that code. Call this
/// from a signal handler (one that runs on an ordinary thread, such as the
/// `ctrlc` crate's) right before exiting; the targets stay as they were.
/// Writes still in progress on other threads then fail, so call it only when
/// the process is about to exit.
pub fn remove_temporary_files() -> usize {
    remove_registered(|_| true)
}

/// Removes the registered temporary files that `which` selects.
fn remove_registered(which: impl Fn(&Path) -> bool) -> usize {
    in_flight()
        .iter()
        .filter(|p| which(p) && std::fs::remove_file(p).is_ok())
        .count()
}

/// An open temporary file that becomes `target` on [`commit`](Self::commit).
/// Unbuffered: wrap it in a `BufWriter` for small writes.
#[derive(Debug)]
pub(crate) struct AtomicWriter {
    target: PathBuf,
    temp: NamedTempFile,
    /// Declared after `temp`, so dropped after it: the registry lists the
    /// file for as long as it exists.
    registered: Registered,
}

impl AtomicWriter {
    /// Starts writing `target`: creates the temporary file beside it (with
    /// the permissions a new file gets, as the umask allows).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the target when its
    /// folder does not exist or is not writable, when `target` is a folder or
    /// has no file name.
    pub(crate) fn create(target: &Path) -> Result<AtomicWriter> {
        let invalid = |why: &str| {
            Error::io(
                "writing",
                target,
                io::Error::new(io::ErrorKind::InvalidInput, why.to_string()),
            )
        };
        if target.is_dir() {
            return Err(invalid("it is a folder"));
        }
        let name = target
            .file_name()
            .ok_or_else(|| invalid("not a file name"))?;
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut prefix = OsString::from(".");
        prefix.push(name);
        prefix.push(".echodup-");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // tempfile's default is 0600; a new output file gets 0666 less the
        // umask, like any file the process creates.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(folder)
            .map_err(|e| Error::io("writing", target, e))?;
        let registered = Registered::new(temp.path());
        Ok(AtomicWriter {
            target: target.to_path_buf(),
            temp,
            registered,
        })
    }

    /// The file that [`commit`](Self::commit) replaces.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file.
    #[cfg(any(test, feature = "jsonl"))]
    pub(crate) fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Syncs the temporary file to disk, renames it over the target and syncs
    /// the target's folder (where the platform allows it).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) naming the target; the target
    /// is then untouched and the temporary file removed.
    pub(crate) fn commit(self) -> Result<()> {
        let AtomicWriter {
            target,
            temp,
            registered,
        } = self;
        let err = |e: io::Error| Error::io("writing", &target, e);
        temp.as_file().sync_all().map_err(err)?;
        // On failure the error holds the temporary file, whose drop removes it.
        temp.persist(&target).map_err(|e| err(e.error))?;
        if let Some(folder) = target.parent() {
            let folder = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            };
            // Opening a folder fails on some platforms (Windows): then the
            // rename is as durable as the platform makes it.
            if let Ok(dir) = File::open(folder) {
                let _ = dir.sync_all();
            }
        }
        drop(registered);
        Ok(())
    }
}

impl Write for AtomicWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.temp.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

impl Seek for AtomicWriter {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.temp.seek(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_in_flight_are_removed_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut w = AtomicWriter::create(&target).unwrap();
        w.write_all(b"half a result").unwrap();
        let temp = w.temp_path().to_path_buf();
        assert!(temp.exists());
        // Only this test's files: other tests run writers at the same time.
        assert_eq!(remove_registered(|p| p.starts_with(dir.path())), 1);
        assert!(!temp.exists());
        assert!(!target.exists());
        // Committing now fails (its file is gone) and leaves no target.
        assert!(w.commit().is_err());
        assert!(!target.exists());
        // A committed writer is no longer listed.
        let mut w = AtomicWriter::create(&target).unwrap();
        w.write_all(b"whole").unwrap();
        let temp = w.temp_path().to_path_buf();
        w.commit().unwrap();
        assert!(!in_flight().contains(&temp));
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
    }
    use crate::ErrorKind;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_the_target_and_drop_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.edx");
        std::fs::write(&target, b"old").unwrap();

        let mut w = AtomicWriter::create(&target).unwrap();
        let temp = w.temp_path().to_path_buf();
        let name = temp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".out.edx.echodup-") && name.ends_with(".tmp"),
            "{name}"
        );
        assert_eq!(temp.parent(), Some(dir.path()));
        w.write_all(b"new").unwrap();
        drop(w);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out.edx"]);

        let mut w = AtomicWriter::create(&target).unwrap();
        w.write_all(b"xxw").unwrap();
        w.seek(SeekFrom::Start(0)).unwrap();
        w.write_all(b"ne").unwrap();
        assert_eq!(w.target(), target);
        w.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["out.edx"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_new_file_gets_the_mode_of_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        AtomicWriter::create(&target).unwrap().commit().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        // 0666 less the umask, not tempfile's 0600.
        assert_eq!(mode(&target), mode(&plain));
    }

    #[test]
    fn errors_name_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/folder/x");
        let e = AtomicWriter::create(&missing).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(
            e.to_string().contains(&missing.display().to_string()),
            "{e}"
        );
        let e = AtomicWriter::create(dir.path()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(
            std::error::Error::source(&e).unwrap().to_string(),
            "it is a folder"
        );
        // A commit over a folder fails and leaves no temporary file.
        let sub = dir.path().join("sub");
        let w = AtomicWriter::create(&sub).unwrap();
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("keep"), b"").unwrap();
        let e = w.commit().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(names(dir.path()), ["sub"]);
    }
}
