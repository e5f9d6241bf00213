//! Following one log file across appends, rotation (rename and a new file)
//! and truncation, through [`ferret_logs::tail::Tailer`].
//!
//! The file is read through an open handle, so after a rotation the rest of
//! the old file is read from that handle before the new file is followed
//! from its start. A new file or a truncated one starts a new generation:
//! its lines' findings are new even where line numbers repeat.

use ferret_core::{escape_path, escape_str, Event};
use ferret_logs::tail::{sniff_tailable, TailState, Tailer};
use ferret_logs::{Item, ReadOptions};
use ferret_store::state::{LogOffset, WatchState};
use ferret_store::StoreError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Most bytes read from one log per poll, so one busy log cannot starve the rest.
const MAX_READ_PER_POLL: u64 = 8 << 20;
/// Bytes of the head hashed to tell a replaced file.
const HEAD_HASH_LEN: u64 = 4096;
/// Quiet time after which held lines (auditd) are handed on.
const FLUSH_AFTER: Duration = Duration::from_secs(1);

/// One followed log.
#[derive(Debug)]
pub(crate) struct Followed {
    pub path: PathBuf,
    display: String,
    open: Option<Open>,
    /// Not a format that can be followed (reported once).
    refused: bool,
    /// Generation of the file now open (or to open next).
    generation: u64,
    /// Where the log was left in the store at start (used once).
    saved: Option<Option<LogOffset>>,
    last_data: Instant,
    /// Whether the offset moved since the last commit.
    pub dirty: bool,
}

#[derive(Debug)]
struct Open {
    file: File,
    dev: u64,
    inode: u64,
    tailer: Tailer,
}

/// SHA-256 of the first `min(limit, 4 KiB)` bytes, cut after the first line.
fn head_hash(file: &File, limit: u64) -> String {
    let len = limit.min(HEAD_HASH_LEN) as usize;
    let mut buf = vec![0u8; len];
    let mut got = 0;
    while got < len {
        match file.read_at(&mut buf[got..], got as u64) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    buf.truncate(got);
    if let Some(nl) = memchr_nl(&buf) {
        buf.truncate(nl + 1);
    }
    hex::encode(Sha256::digest(&buf))
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

impl Followed {
    pub fn new(path: PathBuf) -> Followed {
        Followed {
            display: path.to_string_lossy().into_owned(),
            path,
            open: None,
            refused: false,
            generation: 0,
            saved: None,
            last_data: Instant::now(),
            dirty: false,
        }
    }

    /// Where the log stands, for the store.
    pub fn offset(&self) -> Option<LogOffset> {
        let o = self.open.as_ref()?;
        let st = o.tailer.state();
        Some(LogOffset {
            dev: o.dev,
            inode: o.inode,
            offset: st.offset,
            line: st.line,
            head_hash: head_hash(&o.file, st.offset),
            context: st.context.clone(),
            generation: self.generation,
        })
    }

    /// Reads what was appended (and the ends of rotated files), sending
    /// events to `events` and problems to `notes`.
    pub fn poll(
        &mut self,
        state: &WatchState,
        opts: &ReadOptions,
        events: &mut Vec<(Event, u64)>,
        notes: &mut Vec<String>,
    ) -> Result<(), StoreError> {
        if self.refused {
            return Ok(());
        }
        if self.saved.is_none() {
            self.saved = Some(state.log(&self.path)?);
        }
        let meta = std::fs::metadata(&self.path).ok();
        let Some(open) = &mut self.open else {
            if let Some(meta) = meta {
                self.start(&meta, opts, events, notes);
            }
            return Ok(());
        };
        let replaced = meta
            .as_ref()
            .is_some_and(|m| (m.dev(), m.ino()) != (open.dev, open.inode));
        let truncated = meta
            .as_ref()
            .is_some_and(|m| !replaced && m.len() < open.tailer.position());
        // Whatever happened, the open file's rest is read first.
        let generation = self.generation;
        let got = read_more(open, generation, &self.display, events, notes);
        if got > 0 {
            self.last_data = Instant::now();
            self.dirty = true;
        } else if self.last_data.elapsed() >= FLUSH_AFTER {
            let before = open.tailer.state().offset;
            let _ = open
                .tailer
                .flush(&mut collect(generation, &self.display, events, notes));
            self.dirty |= open.tailer.state().offset != before;
        }
        if replaced || truncated {
            if replaced {
                let _ = open
                    .tailer
                    .finish(&mut collect(generation, &self.display, events, notes));
            }
            self.open = None;
            self.generation += 1;
            self.dirty = true;
            if let Some(meta) = meta {
                self.start_fresh(&meta, opts, events, notes);
            }
        }
        Ok(())
    }

    /// First sight of the file: resumes from the saved offset when it is the
    /// same file, else reads the old file's rest if it is still reachable
    /// next to it, then starts from 0.
    fn start(
        &mut self,
        meta: &std::fs::Metadata,
        opts: &ReadOptions,
        events: &mut Vec<(Event, u64)>,
        notes: &mut Vec<String>,
    ) {
        // The saved offset is for the first sight only.
        let saved = self.saved.replace(None).flatten();
        let Some(saved) = saved else {
            self.start_fresh(meta, opts, events, notes);
            return;
        };
        self.generation = saved.generation;
        let same_file = (meta.dev(), meta.ino()) == (saved.dev, saved.inode)
            && meta.len() >= saved.offset
            && File::open(&self.path)
                .map(|f| head_hash(&f, saved.offset) == saved.head_hash)
                .unwrap_or(false);
        if same_file {
            if let Some(file) = self.open_file() {
                if let Some(open) = self.make_open(file, opts, Some(&saved), notes) {
                    self.open = Some(open);
                    self.poll_open(events, notes);
                }
            }
            return;
        }
        // Replaced while the daemon was down: the old file may sit beside it.
        if let Some(old) = self.find_rotated(&saved) {
            if let Ok(file) = File::open(&old) {
                if let Some(mut open) = self.make_open(file, opts, Some(&saved), notes) {
                    let g = self.generation;
                    read_more(&mut open, g, &self.display, events, notes);
                    let _ = open
                        .tailer
                        .finish(&mut collect(g, &self.display, events, notes));
                }
            }
        }
        self.generation += 1;
        self.start_fresh(meta, opts, events, notes);
    }

    fn start_fresh(
        &mut self,
        _meta: &std::fs::Metadata,
        opts: &ReadOptions,
        events: &mut Vec<(Event, u64)>,
        notes: &mut Vec<String>,
    ) {
        self.dirty = true;
        if let Some(file) = self.open_file() {
            if let Some(open) = self.make_open(file, opts, None, notes) {
                self.open = Some(open);
                self.poll_open(events, notes);
            }
        }
    }

    fn poll_open(&mut self, events: &mut Vec<(Event, u64)>, notes: &mut Vec<String>) {
        if let Some(open) = &mut self.open {
            if read_more(open, self.generation, &self.display, events, notes) > 0 {
                self.last_data = Instant::now();
                self.dirty = true;
            }
        }
    }

    fn open_file(&self) -> Option<File> {
        File::open(&self.path).ok()
    }

    /// A tail over `file` once its format is known from its head (`None`
    /// while the file is empty, or when the format cannot be followed).
    fn make_open(
        &mut self,
        file: File,
        opts: &ReadOptions,
        saved: Option<&LogOffset>,
        notes: &mut Vec<String>,
    ) -> Option<Open> {
        let meta = file.metadata().ok()?;
        let mut head = vec![0u8; 64 * 1024];
        let n = file.read_at(&mut head, 0).ok()?;
        head.truncate(n);
        if head.is_empty() {
            return None;
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(format) = sniff_tailable(&name, &head) else {
            if head.contains(&b'\n') {
                self.refused = true;
                notes.push(format!(
                    "{}: not a log format that can be followed (combined, W3C, JSON lines, auditd)",
                    escape_path(&self.path)
                ));
            }
            return None;
        };
        let state = saved.map_or_else(TailState::default, |s| TailState {
            offset: s.offset,
            line: s.line,
            context: s.context.clone(),
        });
        match Tailer::resume(format, &self.display, opts.clone(), state) {
            Ok(tailer) => Some(Open {
                file,
                dev: meta.dev(),
                inode: meta.ino(),
                tailer,
            }),
            Err(e) => {
                self.refused = true;
                notes.push(escape_str(&e.to_string()));
                None
            }
        }
    }

    /// A file beside the log (`access.log.1`, ...) that is the saved inode.
    fn find_rotated(&self, saved: &LogOffset) -> Option<PathBuf> {
        let dir = self.path.parent()?;
        let name = self.path.file_name()?.to_string_lossy().into_owned();
        std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&name))
            .map(|e| e.path())
            .find(|p| {
                std::fs::symlink_metadata(p)
                    .is_ok_and(|m| m.is_file() && (m.dev(), m.ino()) == (saved.dev, saved.inode))
            })
    }
}

fn collect<'a>(
    generation: u64,
    display: &'a str,
    events: &'a mut Vec<(Event, u64)>,
    notes: &'a mut Vec<String>,
) -> impl FnMut(Item) -> ControlFlow<()> + 'a {
    move |item| {
        match item {
            Item::Event(e) => events.push((e, generation)),
            Item::Error(e) => {
                let _ = display;
                notes.push(escape_str(&e.to_string()));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Reads from the tail's position to the end of the open file (capped);
/// returns the bytes read.
fn read_more(
    open: &mut Open,
    generation: u64,
    display: &str,
    events: &mut Vec<(Event, u64)>,
    notes: &mut Vec<String>,
) -> u64 {
    let pos = open.tailer.position();
    if open.file.seek(SeekFrom::Start(pos)).is_err() {
        return 0;
    }
    let mut buf = Vec::new();
    if let Err(e) = (&open.file).take(MAX_READ_PER_POLL).read_to_end(&mut buf) {
        notes.push(format!("{}: read error: {}", escape_str(display), e));
        return 0;
    }
    if buf.is_empty() {
        return 0;
    }
    let _ = open
        .tailer
        .push(&buf, &mut collect(generation, display, events, notes));
    buf.len() as u64
}

/// The logs found on this host when present: Apache and nginx access logs
/// and the audit log.
pub fn discover_host_logs() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in ["/var/log/apache2", "/var/log/httpd"] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            let mut names: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n.contains("access") && n.ends_with(".log")
                    })
                })
                .collect();
            names.sort();
            found.extend(names);
        }
    }
    for p in ["/var/log/nginx/access.log", "/var/log/audit/audit.log"] {
        if Path::new(p).is_file() {
            found.push(PathBuf::from(p));
        }
    }
    found
}
