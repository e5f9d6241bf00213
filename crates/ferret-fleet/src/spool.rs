//! The local spool: findings that could not be sent, one JSON object per line.
//!
//! Append-only while publishing (one `write` and one `fsync` per batch), read
//! and rewritten only by a flush. Every append and flush holds an exclusive
//! `flock` on a sibling lock file (`<spool>.lock`, never renamed), so two
//! Ferret processes on one host cannot interleave lines or lose each other's
//! findings. A flush rewrites the spool atomically (a temporary file in the
//! same directory, `fsync`, `rename`, `fsync` of the directory) with only what
//! is still unsent. Reading tolerates a torn last line (a crash mid-append)
//! and reports bad lines by number; bad lines are moved to `<spool>.bad`, never
//! silently dropped. The spool is mode 0600, its directory 0700 when created.

use crate::FleetError;
use ferret_core::Finding;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// The default size cap: beyond it appends are refused rather than fill the disk.
pub const DEFAULT_CAP: u64 = 2 << 30;

/// The default spool path: `$FERRET_SPOOL`, else
/// `$XDG_STATE_HOME/ferret/spool.jsonl`, else
/// `$HOME/.local/state/ferret/spool.jsonl`.
pub fn default_path() -> Result<PathBuf, FleetError> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = env("FERRET_SPOOL") {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = env("XDG_STATE_HOME") {
        return Ok(PathBuf::from(p).join("ferret").join("spool.jsonl"));
    }
    if let Some(p) = env("HOME") {
        return Ok(PathBuf::from(p).join(".local/state/ferret/spool.jsonl"));
    }
    Err(FleetError::Config(
        "no spool path: set FERRET_SPOOL (or XDG_STATE_HOME or HOME)".into(),
    ))
}

/// One finding read back from the spool.
#[derive(Debug, Clone)]
pub struct SpoolEntry {
    /// 1-based line number in the spool.
    pub line: usize,
    /// The line as written (the exact payload that is published).
    pub raw: Vec<u8>,
    /// The finding it holds.
    pub finding: Finding,
}

/// A spool line that does not hold a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// Why it was refused.
    pub reason: String,
    /// True for an unterminated last line (a crash in the middle of an append).
    pub torn: bool,
    /// The line's bytes.
    pub raw: Vec<u8>,
}

/// What a spool holds.
#[derive(Debug, Clone, Default)]
pub struct SpoolContents {
    /// The findings, in spool order.
    pub entries: Vec<SpoolEntry>,
    /// Lines that are not findings.
    pub bad: Vec<BadLine>,
}

/// One non-blank spool line: a finding, or why it is not one.
#[derive(Debug, Clone)]
pub enum SpoolLine {
    /// A finding.
    Entry(Box<SpoolEntry>),
    /// Not a finding.
    Bad(BadLine),
}

/// Judges one line (1-based `line`; `torn` when it had no newline).
/// `None` for a blank line.
pub fn parse_line(line: usize, raw: &[u8], torn: bool) -> Option<SpoolLine> {
    let text = raw.trim_ascii();
    if text.is_empty() {
        return None;
    }
    Some(match serde_json::from_slice::<Finding>(text) {
        Ok(finding) => SpoolLine::Entry(Box::new(SpoolEntry {
            line,
            raw: text.to_vec(),
            finding,
        })),
        Err(e) => SpoolLine::Bad(BadLine {
            line,
            reason: if torn {
                format!("unterminated last line (interrupted append?): {e}")
            } else {
                e.to_string()
            },
            torn,
            raw: raw.to_vec(),
        }),
    })
}

/// Reads a spool line by line, holding one line in memory at a time.
pub struct SpoolLines<R> {
    r: R,
    line: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> SpoolLines<R> {
    /// Lines of `r`.
    pub fn new(r: R) -> Self {
        SpoolLines {
            r,
            line: 0,
            buf: Vec::new(),
        }
    }
}

impl<R: BufRead> Iterator for SpoolLines<R> {
    type Item = std::io::Result<SpoolLine>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.r.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            self.line += 1;
            let torn = self.buf.last() != Some(&b'\n');
            let raw = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
            if let Some(l) = parse_line(self.line, raw, torn) {
                return Some(Ok(l));
            }
        }
    }
}

/// Parses spool bytes. Never fails and never panics: good lines are kept,
/// bad ones reported with their line numbers.
pub fn parse_spool(data: &[u8]) -> SpoolContents {
    let mut out = SpoolContents::default();
    for l in SpoolLines::new(data).flatten() {
        match l {
            SpoolLine::Entry(e) => out.entries.push(*e),
            SpoolLine::Bad(b) => out.bad.push(b),
        }
    }
    out
}

/// Writes the replacement of a spool during a flush: what is kept goes to
/// a temporary file in the same directory, and [`SpoolRewrite::commit`]
/// renames it over the spool (or removes the spool when nothing was kept).
pub struct SpoolRewrite<'a> {
    spool: &'a Spool,
    tmp: PathBuf,
    out: std::io::BufWriter<File>,
    kept: u64,
    bad: Option<File>,
    bad_lines: u64,
}

impl SpoolRewrite<'_> {
    /// Keeps one serialized finding.
    pub fn keep(&mut self, raw: &[u8]) -> Result<(), FleetError> {
        self.kept += 1;
        self.out
            .write_all(raw)
            .and_then(|_| self.out.write_all(b"\n"))
            .map_err(self.spool.err("writing its replacement"))
    }

    /// Moves a bad line to `<spool>.bad`.
    pub fn set_aside(&mut self, bad: &BadLine) -> Result<(), FleetError> {
        if self.bad.is_none() {
            let f = self
                .spool
                .open_private(&self.spool.bad_path(), true)
                .map_err(self.spool.err("opening its .bad file"))?;
            self.bad = Some(f);
        }
        self.bad_lines += 1;
        let f = self.bad.as_mut().expect("opened above");
        f.write_all(&bad.raw)
            .and_then(|_| f.write_all(b"\n"))
            .map_err(self.spool.err("writing its .bad file"))
    }

    /// Lines moved to `<spool>.bad` so far.
    pub fn bad_lines(&self) -> u64 {
        self.bad_lines
    }

    /// Replaces the spool with what was kept; returns how many findings that is.
    pub fn commit(self) -> Result<u64, FleetError> {
        let SpoolRewrite {
            spool,
            tmp,
            out,
            kept,
            bad,
            ..
        } = self;
        let done = (|| -> std::io::Result<()> {
            if let Some(b) = bad {
                b.sync_data()?;
            }
            let f = out.into_inner().map_err(|e| e.into_error())?;
            if kept == 0 {
                drop(f);
                std::fs::remove_file(&tmp)?;
                match std::fs::remove_file(&spool.path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            } else {
                f.sync_all()?;
                std::fs::rename(&tmp, &spool.path)?;
            }
            Ok(())
        })();
        if let Err(e) = done {
            let _ = std::fs::remove_file(&tmp);
            return Err(spool.err("replacing it")(e));
        }
        spool.sync_dir()?;
        Ok(kept)
    }
}

/// A spool file with its lock and cap.
#[derive(Debug, Clone)]
pub struct Spool {
    path: PathBuf,
    cap: u64,
}

/// The exclusive lock on a spool; released when dropped.
#[derive(Debug)]
pub struct SpoolLock {
    _file: File,
}

impl Spool {
    /// A spool at `path` refusing to grow beyond `cap` bytes. Nothing is created yet.
    pub fn new(path: impl Into<PathBuf>, cap: u64) -> Spool {
        Spool {
            path: path.into(),
            cap,
        }
    }

    /// The spool file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "spool".into());
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn err(&self, what: &'static str) -> impl FnOnce(std::io::Error) -> FleetError + '_ {
        move |source| FleetError::Spool {
            path: self.path.clone(),
            what,
            source,
        }
    }

    fn ensure_dir(&self) -> Result<(), FleetError> {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(self.err("creating its directory")),
            _ => Ok(()),
        }
    }

    fn open_private(&self, path: &Path, append: bool) -> std::io::Result<File> {
        let mut o = OpenOptions::new();
        o.read(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        if append {
            o.append(true);
        } else {
            o.write(true);
        }
        o.open(path)
    }

    /// Takes the exclusive lock, waiting for another process that holds it.
    pub fn lock(&self) -> Result<SpoolLock, FleetError> {
        self.ensure_dir()?;
        let file = self
            .open_private(&self.sibling(".lock"), false)
            .map_err(self.err("opening its lock file"))?;
        loop {
            // SAFETY: flock on a file descriptor this function owns.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(SpoolLock { _file: file });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(self.err("locking it")(e));
            }
        }
    }

    /// The spool's size in bytes (0 when absent).
    pub fn size(&self) -> u64 {
        std::fs::symlink_metadata(&self.path)
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// Appends serialized findings (one JSON object each, without newline)
    /// under the lock, then `fsync`s. Refuses the whole batch with
    /// [`FleetError::SpoolFull`] when it would take the spool beyond its cap.
    pub fn append(&self, lines: &[Vec<u8>]) -> Result<(), FleetError> {
        if lines.is_empty() {
            return Ok(());
        }
        let _lock = self.lock()?;
        self.append_locked(lines)
    }

    fn append_locked(&self, lines: &[Vec<u8>]) -> Result<(), FleetError> {
        let mut f = self
            .open_private(&self.path, true)
            .map_err(self.err("opening it"))?;
        let size = f.metadata().map_err(self.err("reading its size"))?.len();
        let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() + 1);
        if size > 0 && !ends_with_newline(&mut f, size) {
            // A torn line from a crash: end it so the new lines stay whole.
            buf.push(b'\n');
        }
        for l in lines {
            buf.extend_from_slice(l);
            buf.push(b'\n');
        }
        let total = size + buf.len() as u64;
        if total > self.cap {
            return Err(FleetError::SpoolFull {
                path: self.path.clone(),
                size: total,
                cap: self.cap,
            });
        }
        f.write_all(&buf).map_err(self.err("appending to it"))?;
        f.sync_data().map_err(self.err("syncing it"))
    }

    /// Reads the whole spool (empty when absent). Hold the lock.
    pub fn read(&self, _lock: &SpoolLock) -> Result<SpoolContents, FleetError> {
        let mut data = Vec::new();
        match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&self.path)
        {
            Ok(mut f) => {
                f.read_to_end(&mut data).map_err(self.err("reading it"))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.err("opening it")(e)),
        }
        Ok(parse_spool(&data))
    }

    /// Reads the spool line by line (nothing when absent). Hold the lock.
    pub fn lines(
        &self,
        _lock: &SpoolLock,
    ) -> Result<SpoolLines<std::io::BufReader<File>>, FleetError> {
        let f = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&self.path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                File::open("/dev/null").map_err(self.err("opening /dev/null"))?
            }
            Err(e) => return Err(self.err("opening it")(e)),
        };
        Ok(SpoolLines::new(std::io::BufReader::with_capacity(
            1 << 16,
            f,
        )))
    }

    /// Starts replacing the spool (see [`SpoolRewrite`]). Hold the lock.
    pub fn rewrite_start(&self, _lock: &SpoolLock) -> Result<SpoolRewrite<'_>, FleetError> {
        let tmp = self.sibling(&format!(".tmp.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let f = self
            .open_private(&tmp, false)
            .map_err(self.err("creating its replacement"))?;
        Ok(SpoolRewrite {
            spool: self,
            tmp,
            out: std::io::BufWriter::with_capacity(1 << 16, f),
            kept: 0,
            bad: None,
            bad_lines: 0,
        })
    }

    /// Where bad lines are set aside.
    pub fn bad_path(&self) -> PathBuf {
        self.sibling(".bad")
    }

    /// Replaces the spool with `keep` (serialized findings) atomically; removes
    /// it when `keep` is empty. Hold the lock.
    pub fn rewrite(&self, _lock: &SpoolLock, keep: &[&[u8]]) -> Result<(), FleetError> {
        if keep.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(self.err("removing it")(e))
                }
                _ => self.sync_dir(),
            };
        }
        let tmp = self.sibling(&format!(".tmp.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let write = || -> std::io::Result<()> {
            let mut f = self.open_private(&tmp, false)?;
            let mut buf = Vec::new();
            for l in keep {
                buf.extend_from_slice(l);
                buf.push(b'\n');
            }
            f.write_all(&buf)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.err("rewriting it")(e));
        }
        self.sync_dir()
    }

    /// Appends refused lines to `<spool>.bad` (mode 0600) for a person to look at.
    pub fn keep_bad(&self, _lock: &SpoolLock, bad: &[BadLine]) -> Result<PathBuf, FleetError> {
        let path = self.bad_path();
        let mut f = self
            .open_private(&path, true)
            .map_err(self.err("opening its .bad file"))?;
        let mut buf = Vec::new();
        for b in bad {
            buf.extend_from_slice(&b.raw);
            buf.push(b'\n');
        }
        f.write_all(&buf)
            .and_then(|_| f.sync_data())
            .map_err(self.err("writing its .bad file"))?;
        Ok(path)
    }

    fn sync_dir(&self) -> Result<(), FleetError> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(self.err("syncing its directory"))
    }
}

fn ends_with_newline(f: &mut File, size: u64) -> bool {
    use std::os::unix::fs::FileExt;
    let mut b = [0u8; 1];
    matches!(f.read_at(&mut b, size - 1), Ok(1) if b[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_line(id: &str) -> Vec<u8> {
        let f = crate::testdata::finding("h1", id, "2026-01-01T00:00:00Z", None);
        serde_json::to_vec(&f).unwrap()
    }

    #[test]
    fn torn_last_line_and_bad_lines_are_reported_good_ones_kept() {
        let mut data = Vec::new();
        data.extend(finding_line("a"));
        data.extend(b"\nnot json\n\n");
        data.extend(finding_line("b"));
        data.extend(b"\n{\"id\":\"tor");
        let c = parse_spool(&data);
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.entries[0].finding.id, "a");
        assert_eq!(c.entries[1].line, 4);
        assert_eq!(c.bad.len(), 2);
        assert_eq!((c.bad[0].line, c.bad[0].torn), (2, false));
        assert_eq!((c.bad[1].line, c.bad[1].torn), (5, true));
        // An unterminated but complete last line is a finding.
        let mut whole = finding_line("c");
        let c = parse_spool(&whole);
        assert_eq!(c.entries.len(), 1);
        whole.push(b'\n');
        assert_eq!(parse_spool(&whole).entries.len(), 1);
        assert!(parse_spool(b"").entries.is_empty());
    }

    #[test]
    fn append_read_rewrite_with_modes_and_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/ferret/spool.jsonl");
        let s = Spool::new(&path, 1 << 20);
        s.append(&[finding_line("a"), finding_line("b")]).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // A torn tail from a crash does not swallow the next append.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"id\":")
            .unwrap();
        s.append(&[finding_line("c")]).unwrap();
        let lock = s.lock().unwrap();
        let c = s.read(&lock).unwrap();
        let ids: Vec<_> = c.entries.iter().map(|e| e.finding.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(c.bad.len(), 1);
        s.rewrite(&lock, &[&c.entries[1].raw]).unwrap();
        let c2 = s.read(&lock).unwrap();
        assert_eq!(c2.entries.len(), 1);
        assert_eq!(c2.entries[0].finding.id, "b");
        assert_eq!(mode(&path), 0o600);
        s.rewrite(&lock, &[]).unwrap();
        assert!(!path.exists());
        drop(lock);
        let small = Spool::new(&path, 10);
        match small.append(&[finding_line("d")]) {
            Err(FleetError::SpoolFull { cap: 10, .. }) => {}
            other => panic!("expected SpoolFull, got {other:?}"),
        }
        assert!(!path.exists() || std::fs::metadata(&path).unwrap().len() == 0);
    }

    #[test]
    fn a_symlinked_spool_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"").unwrap();
        let path = dir.path().join("spool.jsonl");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(Spool::new(&path, 1 << 20)
            .append(&[finding_line("a")])
            .is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"");
    }
}
