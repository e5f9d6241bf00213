//! Reading one file once, safely.
//!
//! Opened with `O_NOFOLLOW` (a file swapped for a symlink after listing is not
//! followed), `O_NONBLOCK` (a file swapped for a FIFO does not hang the
//! worker) and, where permitted, `O_NOATIME` (a responder's scan does not
//! change the access times an investigation relies on). The type is checked
//! on the open descriptor, then the content is read with a size cap.

use crate::CollectError;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// What reading a file gave.
#[derive(Debug)]
pub enum ReadOutcome {
    /// The whole content.
    Content {
        /// The bytes.
        bytes: Vec<u8>,
        /// Modification time, seconds since the epoch, if known.
        mtime: Option<i64>,
    },
    /// Not read, on purpose; the reason says why (too large, not a regular file).
    Skipped(String),
}

/// Reads `path` whole if it is a regular file of at most `max_size` bytes.
pub fn read_file(path: &Path, max_size: u64) -> Result<ReadOutcome, CollectError> {
    let file = open(path)?;
    let meta = file.metadata().map_err(|e| io_err(path, e))?;
    if !meta.file_type().is_file() {
        return Ok(ReadOutcome::Skipped("skipped: not a regular file".into()));
    }
    if meta.len() > max_size {
        return Ok(ReadOutcome::Skipped(format!(
            "skipped: too large ({} bytes > --max-size {} bytes)",
            meta.len(),
            max_size
        )));
    }
    let mtime = mtime_secs(&meta);
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while we read: never take more than the cap plus one.
    file.take(max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_err(path, e))?;
    if bytes.len() as u64 > max_size {
        return Ok(ReadOutcome::Skipped(format!(
            "skipped: too large (grew past --max-size {max_size} bytes while read)"
        )));
    }
    Ok(ReadOutcome::Content { bytes, mtime })
}

fn io_err(path: &Path, e: std::io::Error) -> CollectError {
    if e.kind() == std::io::ErrorKind::NotFound {
        CollectError::Vanished {
            path: path.to_path_buf(),
        }
    } else {
        CollectError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

#[cfg(unix)]
fn mtime_secs(meta: &std::fs::Metadata) -> Option<i64> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.mtime())
}

#[cfg(not(unix))]
fn mtime_secs(meta: &std::fs::Metadata) -> Option<i64> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// Opens for reading without following a final symlink or blocking on a
/// FIFO (and without touching atime where allowed).
#[cfg(target_os = "linux")]
pub(crate) fn open(path: &Path) -> Result<File, CollectError> {
    use std::os::unix::fs::OpenOptionsExt;
    let base = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
    let try_open = |flags| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(flags)
            .open(path)
    };
    match try_open(base | libc::O_NOATIME) {
        Ok(f) => Ok(f),
        // O_NOATIME is refused unless we own the file or are privileged.
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            try_open(base).map_err(|e| open_err(path, e))
        }
        Err(e) => Err(open_err(path, e)),
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
pub(crate) fn open(path: &Path) -> Result<File, CollectError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_err(path, e))
}

#[cfg(not(unix))]
pub(crate) fn open(path: &Path) -> Result<File, CollectError> {
    File::open(path).map_err(|e| open_err(path, e))
}

fn open_err(path: &Path, e: std::io::Error) -> CollectError {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return CollectError::Walk {
            path: Some(path.to_path_buf()),
            message: "became a symbolic link during the scan; not followed".into(),
        };
    }
    io_err(path, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_small_and_skips_large() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.php");
        std::fs::write(&p, b"<?php echo 1;").unwrap();
        match read_file(&p, 100).unwrap() {
            ReadOutcome::Content { bytes, .. } => assert_eq!(bytes, b"<?php echo 1;"),
            other => panic!("{other:?}"),
        }
        match read_file(&p, 4).unwrap() {
            ReadOutcome::Skipped(r) => assert!(r.contains("too large"), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_file_is_vanished() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_file(&dir.path().join("gone.php"), 100).unwrap_err();
        assert!(matches!(err, CollectError::Vanished { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_and_fifo_are_not_followed_or_blocked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.php");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("l.php");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read_file(&link, 100).is_err());
        let fifo = dir.path().join("f.php");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        match read_file(&fifo, 100).unwrap() {
            ReadOutcome::Skipped(r) => assert!(r.contains("not a regular file")),
            other => panic!("{other:?}"),
        }
    }
}
