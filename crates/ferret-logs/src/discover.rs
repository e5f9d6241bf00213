//! Finding log files: paths given on the command line, directories walked.

use crate::ReadError;
use std::fs;
use std::path::{Path, PathBuf};

/// One file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// Where it is.
    pub path: PathBuf,
    /// The path as shown in events and errors (lossy for non-UTF-8 names).
    pub display: String,
    /// Its size in bytes when found.
    pub size: u64,
    /// Whether it was met in a directory walk (not named directly): such a
    /// file whose format cannot be told is skipped without an error unless
    /// its name suggests a log.
    pub walked: bool,
}

/// What [`discover`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Files to read, in walk order (sorted by name within each directory).
    pub files: Vec<LogFile>,
    /// Paths that could not be read or are not files.
    pub errors: Vec<ReadError>,
    /// Files met in a walk whose names show they are not logs (`.dll`, `.png`...).
    pub skipped: u64,
    /// Symbolic links, FIFOs, sockets and devices met in a walk, not followed or read.
    pub special: u64,
}

/// Every log file under `paths`: files given directly are always taken;
/// directories are walked recursively in name order without following
/// symbolic links (so loops cannot happen), counting FIFOs, sockets and
/// devices in [`Discovery::special`]; a FIFO, socket or device given directly
/// and an unreadable directory are errors.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut out = Discovery::default();
    for given in paths {
        let display = given.to_string_lossy().into_owned();
        match fs::metadata(given) {
            Err(e) => out
                .errors
                .push(ReadError::file(display, format!("cannot read: {e}"))),
            Ok(meta) if meta.is_file() => out.files.push(LogFile {
                path: given.clone(),
                display,
                size: meta.len(),
                walked: false,
            }),
            Ok(meta) if meta.is_dir() => walk(given, &mut out),
            Ok(_) => out.errors.push(ReadError::file(
                display,
                "not a regular file or directory (FIFO, socket or device), not read",
            )),
        }
    }
    out
}

/// Walks `root` depth-first, entries of each directory in name order.
fn walk(root: &Path, out: &mut Discovery) {
    let mut pending: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                out.errors.push(ReadError::file(
                    dir.to_string_lossy(),
                    format!("cannot read directory: {e}"),
                ));
                continue;
            }
        };
        let mut items: Vec<(PathBuf, fs::FileType)> = Vec::new();
        for entry in entries {
            match entry.and_then(|e| Ok((e.path(), e.file_type()?))) {
                Ok(item) => items.push(item),
                Err(e) => out.errors.push(ReadError::file(
                    dir.to_string_lossy(),
                    format!("cannot list directory entry: {e}"),
                )),
            }
        }
        items.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
        let mut subdirs = Vec::new();
        for (path, kind) in items {
            if kind.is_dir() {
                subdirs.push(path);
            } else if kind.is_file() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if not_a_log_name(&name) {
                    out.skipped += 1;
                    continue;
                }
                match fs::symlink_metadata(&path) {
                    Ok(meta) => out.files.push(LogFile {
                        display: path.to_string_lossy().into_owned(),
                        path,
                        size: meta.len(),
                        walked: true,
                    }),
                    Err(e) => out.errors.push(ReadError::file(
                        path.to_string_lossy(),
                        format!("cannot read: {e}"),
                    )),
                }
            } else {
                out.special += 1;
            }
        }
        // Pushed in reverse so the first subdirectory is walked next.
        pending.extend(subdirs.into_iter().rev());
    }
}

/// Whether a file name suggests a log (worth an "unknown format" error when
/// its content is not recognised).
pub fn log_like_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const EXTENSIONS: [&str; 10] = [
        ".log", ".txt", ".json", ".jsonl", ".evtx", ".gz", ".zip", ".pcap", ".pcapng", ".cap",
    ];
    EXTENSIONS.iter().any(|e| lower.ends_with(e))
        || lower.contains(".log.")
        || lower.starts_with("errorlog")
        || lower.starts_with("audit.log")
}

/// Whether a file name shows it is not a log (binaries, images, documents...).
pub fn not_a_log_name(name: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "dll", "exe", "sys", "so", "o", "a", "dylib", "class", "jar", "war", "pyc", "msi", "cab",
        "png", "jpg", "jpeg", "gif", "bmp", "ico", "svg", "webp", "tif", "tiff", "pdf", "doc",
        "docx", "xls", "xlsx", "ppt", "pptx", "mp3", "mp4", "avi", "mov", "wav", "iso", "img",
        "vmdk", "vhd", "vhdx", "7z", "rar", "woff", "woff2", "ttf", "otf", "eot", "pdb", "lib",
    ];
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn walk_sorts_skips_and_survives_fifos_and_loops() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("b.log"), "x").unwrap();
        fs::write(root.join("a.json"), "{}").unwrap();
        fs::write(root.join("sub/c.evtx"), "x").unwrap();
        fs::write(root.join("lib.dll"), "MZ").unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"odd\xff.log");
        fs::write(root.join(odd), "x").unwrap();
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        let fifo = root.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let have_fifo = made.is_ok_and(|s| s.success());

        let d = discover(&[root.to_path_buf()]);
        let names: Vec<String> = d
            .files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["a.json", "b.log", "odd\u{fffd}.log", "sub/c.evtx"]);
        assert!(d.files.iter().all(|f| f.walked && f.size > 0));
        // The non-UTF-8 name still opens through `path`.
        assert_eq!(fs::read(&d.files[2].path).unwrap(), b"x");
        assert!(d.files[2].display.ends_with("odd\u{fffd}.log"));
        assert_eq!(d.skipped, 1);
        assert_eq!(d.special, 1 + u64::from(have_fifo));
        assert!(d.errors.is_empty(), "{:?}", d.errors);

        if have_fifo {
            let direct = discover(&[fifo, root.join("missing.log"), root.join("b.log")]);
            assert_eq!(direct.errors.len(), 2);
            assert!(direct.errors[0].message.contains("FIFO"));
            assert_eq!(direct.files.len(), 1);
            assert!(!direct.files[0].walked);
        }
    }

    #[test]
    fn names() {
        assert!(log_like_name("ERRORLOG.1"));
        assert!(log_like_name("access.log.2"));
        assert!(log_like_name("audit.log"));
        assert!(log_like_name("x.JSONL"));
        assert!(log_like_name("dmz.pcapng"));
        assert!(log_like_name("trace.PCAP"));
        assert!(log_like_name("conn.00:00:00-01:00:00.log"));
        assert!(!not_a_log_name("dump.cap"));
        assert!(!log_like_name("messages"));
        assert!(not_a_log_name("a.DLL"));
        assert!(!not_a_log_name(".png"));
        assert!(!not_a_log_name("access.log"));
    }
}
