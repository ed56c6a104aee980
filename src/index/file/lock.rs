//! One writer at a time: [`WriteLock`], an operating-system lock on the
//! file `NAME.lock` beside an index `NAME`, and the removal of temporary
//! files that a killed writer left behind.
//!
//! The lock is the advisory whole-file lock of the platform (`flock` on
//! Unix, `LockFileEx` on Windows, through [`std::fs::File::try_lock`]). The
//! operating system releases it when the process that holds it ends, however
//! it ends, so a killed writer never leaves a stale lock: the next writer
//! takes it at once. The lock file's *content* (process id, host name, and
//! the time the lock was taken) only names the holder in the error that a
//! second writer gets; the file is left in place when the lock is released
//! (removing it would let a third writer lock a new file while a second
//! still holds the old one).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, ErrorKind, Result};

/// The lock file of the index at `index`: `NAME.lock` in the same folder.
pub(super) fn lock_path(index: &Path) -> PathBuf {
    let mut name = index.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    index.with_file_name(name)
}

/// Further tries, 25 ms apart, before a held lock is a conflict.
const RETRIES: usize = 20;

/// The exclusive right to change one index, held until dropped.
#[derive(Debug)]
pub(super) struct WriteLock {
    /// The locked file; closing it releases the lock.
    _file: File,
}

impl WriteLock {
    /// Takes the lock of the index at `index`, waiting at most half a
    /// second.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Conflict`] naming the holder (process id, host, since
    /// when) if another process, or another handle in this one, holds it;
    /// [`ErrorKind::Io`] if the lock file cannot be created or locked.
    pub(super) fn acquire(index: &Path) -> Result<WriteLock> {
        let path = lock_path(index);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io("creating the lock file", &path, e))?;
        // A lock released a moment ago may still be held for a moment by a
        // process that forked from the holder (until its exec closes the
        // descriptor): try for a short while before naming the holder.
        let mut result = file.try_lock();
        for _ in 0..RETRIES {
            if !matches!(result, Err(fs::TryLockError::WouldBlock)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
            result = file.try_lock();
        }
        match result {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(Error::about(
                    ErrorKind::Conflict,
                    index,
                    format!(
                        "another writer is changing this index ({}; lock file {}); \
                         wait for it to finish, or stop it",
                        describe_holder(&holder),
                        path.display()
                    ),
                ));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::io("locking", &path, e));
            }
        }
        // Name the holder for a second writer. Best effort: the lock itself
        // is what excludes other writers.
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let text = format!(
            "pid {}\nhost {}\nsince {started}\n",
            std::process::id(),
            host_name()
        );
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|()| file.flush());
        Ok(WriteLock { _file: file })
    }
}

/// "process 123 on host news-1, since 2026-12-01 16:30:00 UTC" from the
/// content of a lock file (as [`WriteLock::acquire`] writes it).
fn describe_holder(content: &str) -> String {
    let field = |name: &str| {
        content
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (field("pid"), field("host")) {
        (Some(pid), host) => {
            let mut s = format!("held by process {pid} on host {}", host.unwrap_or("?"));
            if let Some(since) = field("since").and_then(|v| v.parse::<u64>().ok()) {
                s.push_str(&format!(", since {}", utc(since)));
            }
            s
        }
        _ => "held by a process that has not written its name yet".to_string(),
    }
}

/// Seconds since 1970 as "YYYY-MM-DD HH:MM:SS UTC" (civil-from-days, after
/// Howard Hinnant's `chrono`-compatible date algorithms).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// This machine's name, as well as the platform tells it without a crate.
fn host_name() -> String {
    let from_file = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .ok();
    from_file
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Removes the temporary files (`.NAME.echodup-XXXXXX.tmp`) that a writer
/// of the index at `index` left behind when it was killed; returns how
/// many. Call only while holding the index's [`WriteLock`]: then no writer
/// of this index is running, and every such file is a leftover.
pub(super) fn remove_leftovers(index: &Path) -> io::Result<usize> {
    let Some(name) = index.file_name().and_then(|n| n.to_str()) else {
        return Ok(0);
    };
    let folder = match index.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.echodup-");
    let mut removed = 0;
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        if n.starts_with(&prefix)
            && n.ends_with(".tmp")
            && entry.file_type().is_ok_and(|t| t.is_file())
            && fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Which file a path named when it was looked at: a writer that replaced
/// the index since (through a rename) made a new file, with another stamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Device and inode: a rename over the path changes them.
    #[cfg(unix)]
    node: (u64, u64),
}

impl Stamp {
    /// The stamp of a file whose metadata is `m`.
    pub(super) fn of(m: &fs::Metadata) -> Stamp {
        Stamp {
            len: m.len(),
            modified: m.modified().ok(),
            #[cfg(unix)]
            node: {
                use std::os::unix::fs::MetadataExt;
                (m.dev(), m.ino())
            },
        }
    }

    /// The stamp of the file at `path` now.
    pub(super) fn now(path: &Path) -> io::Result<Stamp> {
        fs::metadata(path).map(|m| Stamp::of(&m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_fails_naming_the_holder_and_the_first_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("a.edx");
        let first = WriteLock::acquire(&index).unwrap();
        let e = WriteLock::acquire(&index).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict);
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("held by process {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("a.edx.lock"), "{msg}");
        drop(first);
        let _again = WriteLock::acquire(&index).unwrap();
    }

    #[test]
    fn holders_are_described_from_the_lock_file() {
        assert_eq!(
            describe_holder("pid 12\nhost news-1\nsince 0\n"),
            "held by process 12 on host news-1, since 1970-01-01 00:00:00 UTC"
        );
        assert_eq!(utc(1_764_606_645), "2025-12-01 16:30:45 UTC");
        assert!(describe_holder("").contains("not written"));
    }

    #[test]
    fn only_this_index_s_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("a.edx");
        for n in [
            ".a.edx.echodup-x1y2z3.tmp",
            ".a.edx.echodup-qqqqqq.tmp",
            ".b.edx.echodup-x1y2z3.tmp",
            "a.edx",
            ".a.edx.echodup-keep",
        ] {
            fs::write(dir.path().join(n), b"x").unwrap();
        }
        assert_eq!(remove_leftovers(&index).unwrap(), 2);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [".a.edx.echodup-keep", ".b.edx.echodup-x1y2z3.tmp", "a.edx"]
        );
    }
}
