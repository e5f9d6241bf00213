//! Judging files: a pool of threads, each owning a web-shell scanner over the
//! current rules (swapped on reload), reading each file once (no symbolic
//! links, no FIFOs, a size cap) and returning what it looked like, its
//! SHA-256 and its finding.

use crossbeam_channel::{Receiver, Sender};
use ferret_collect::read::{read_file, ReadOutcome};
use ferret_core::{escape_path, escape_str, Finding};
use ferret_detect::webshell::{FileInput, ScanContext, WebshellRules};
use ferret_store::state::FileSeen;
use sha2::{Digest, Sha256};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// What a file looks like from `lstat`, the part compared with the seen table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Status change time, ns since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub inode: u64,
}

impl Stat {
    /// The `lstat` of `path` when it is a regular file.
    pub fn regular(path: &Path) -> Option<Stat> {
        let m = std::fs::symlink_metadata(path).ok()?;
        m.file_type().is_file().then(|| Stat::of(&m))
    }

    /// The fields of `m`.
    pub fn of(m: &std::fs::Metadata) -> Stat {
        Stat {
            size: m.size(),
            mtime_ns: m.mtime() * 1_000_000_000 + m.mtime_nsec(),
            ctime_ns: m.ctime() * 1_000_000_000 + m.ctime_nsec(),
            inode: m.ino(),
        }
    }

    /// Whether `seen` was recorded for a file that looked like this.
    pub fn same_as(&self, seen: &FileSeen) -> bool {
        self.size == seen.size
            && self.mtime_ns == seen.mtime_ns
            && self.ctime_ns == seen.ctime_ns
            && self.inode == seen.inode
    }
}

/// One file judged.
#[derive(Debug)]
pub(crate) struct Judged {
    pub path: PathBuf,
    /// What it looked like when read (`None`: gone or skipped).
    pub seen: Option<FileSeen>,
    pub finding: Option<Finding>,
    /// A problem with this file, already escaped.
    pub note: Option<String>,
}

/// The rules the judges use, swapped as a whole on reload.
pub(crate) struct SharedRules {
    rules: RwLock<Arc<WebshellRules>>,
    generation: AtomicU64,
}

impl SharedRules {
    pub fn new(rules: WebshellRules) -> Arc<SharedRules> {
        Arc::new(SharedRules {
            rules: RwLock::new(Arc::new(rules)),
            generation: AtomicU64::new(0),
        })
    }

    /// Puts `rules` in place; judges pick them up before their next file.
    pub fn replace(&self, rules: WebshellRules) {
        let mut slot = self.rules.write().unwrap_or_else(|p| p.into_inner());
        *slot = Arc::new(rules);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn current(&self) -> (u64, Arc<WebshellRules>) {
        let slot = self.rules.read().unwrap_or_else(|p| p.into_inner());
        (self.generation.load(Ordering::SeqCst), Arc::clone(&slot))
    }
}

/// The judging threads.
pub(crate) struct Judges {
    jobs: Option<Sender<PathBuf>>,
    results: Receiver<Judged>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Judges {
    /// Starts `n` threads judging with `rules`.
    pub fn start(n: usize, rules: Arc<SharedRules>, host: String, max_size: u64) -> Judges {
        let (jobs, job_rx) = crossbeam_channel::unbounded::<PathBuf>();
        let (result_tx, results) = crossbeam_channel::unbounded();
        let threads = (0..n.max(1))
            .map(|i| {
                let (job_rx, result_tx, rules, host) = (
                    job_rx.clone(),
                    result_tx.clone(),
                    Arc::clone(&rules),
                    host.clone(),
                );
                std::thread::Builder::new()
                    .name(format!("ferret-judge-{i}"))
                    .spawn(move || work(&job_rx, &result_tx, &rules, &host, max_size))
                    .expect("spawning a judge thread")
            })
            .collect();
        Judges {
            jobs: Some(jobs),
            results,
            threads,
        }
    }

    /// Queues `path`.
    pub fn send(&self, path: PathBuf) {
        if let Some(j) = &self.jobs {
            let _ = j.send(path);
        }
    }

    /// Where results arrive.
    pub fn results(&self) -> &Receiver<Judged> {
        &self.results
    }

    /// Stops the threads after the queued files.
    pub fn stop(mut self) -> Vec<Judged> {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.results.try_iter().collect()
    }
}

fn work(
    jobs: &Receiver<PathBuf>,
    results: &Sender<Judged>,
    shared: &SharedRules,
    host: &str,
    max_size: u64,
) {
    let mut held: Option<PathBuf> = None;
    'rules: loop {
        let (generation, rules) = shared.current();
        let mut scanner = rules.scanner();
        loop {
            let path = match held.take() {
                Some(p) => p,
                None => match jobs.recv() {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            if shared.generation.load(Ordering::SeqCst) != generation {
                held = Some(path);
                continue 'rules;
            }
            let judged = judge(path, &mut scanner, host, max_size);
            if results.send(judged).is_err() {
                return;
            }
        }
    }
}

fn judge(
    path: PathBuf,
    scanner: &mut ferret_detect::webshell::WebshellScanner<'_>,
    host: &str,
    max_size: u64,
) -> Judged {
    let mut judged = Judged {
        path,
        seen: None,
        finding: None,
        note: None,
    };
    let Some(before) = Stat::regular(&judged.path) else {
        return judged;
    };
    let (bytes, mtime) = match read_file(&judged.path, max_size) {
        Ok(ReadOutcome::Content { bytes, mtime }) => (bytes, mtime),
        Ok(ReadOutcome::Skipped(reason)) => {
            judged.note = Some(format!("{}: {reason}", escape_path(&judged.path)));
            judged.seen = Some(seen_of(before, String::new()));
            return judged;
        }
        Err(e) => {
            judged.note = Some(format!(
                "{}: {}",
                escape_path(&judged.path),
                escape_str(&e.reason())
            ));
            return judged;
        }
    };
    let sha = hex::encode(Sha256::digest(&bytes));
    // The file may have changed while it was read: record what was read
    // only when it still looks the same, else it is judged again.
    let after = Stat::regular(&judged.path);
    let stat = if after == Some(before) {
        before
    } else {
        Stat {
            mtime_ns: i64::MIN,
            ..before
        }
    };
    judged.seen = Some(seen_of(stat, sha));
    let mtime = mtime.map(|s| {
        humantime::format_rfc3339_seconds(
            SystemTime::UNIX_EPOCH + Duration::from_secs(s.max(0) as u64),
        )
        .to_string()
    });
    let input = FileInput {
        path: &judged.path,
        original_path: None,
        data: &bytes,
        mtime: mtime.as_deref(),
    };
    let ctx = ScanContext {
        host: host.to_owned(),
        time: crate::now_rfc3339(),
    };
    match scanner.scan(&input, &ctx) {
        Ok(v) => judged.finding = v.finding,
        Err(e) => {
            judged.note = Some(format!(
                "{}: {}",
                escape_path(&judged.path),
                escape_str(&e.to_string())
            ))
        }
    }
    judged
}

fn seen_of(s: Stat, sha256: String) -> FileSeen {
    FileSeen {
        size: s.size,
        mtime_ns: s.mtime_ns,
        ctime_ns: s.ctime_ns,
        inode: s.inode,
        sha256,
    }
}
