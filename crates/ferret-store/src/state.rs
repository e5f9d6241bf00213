//! The watch daemon's state: how far each followed log was read, what each
//! watched file looked like when it was last judged, and which findings were
//! already reported. Writes go through [`WatchState::commit`], one
//! transaction per batch, so a restart neither loses nor repeats.

use crate::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The schema namespace of these tables.
pub const NAMESPACE: &str = "watch";

/// The migrations of the watch tables (appended to, never edited).
pub const STEPS: &[&str] = &["CREATE TABLE watch_log_offsets(
        path BLOB PRIMARY KEY,
        dev INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        line INTEGER NOT NULL,
        head_hash TEXT NOT NULL,
        context BLOB NOT NULL,
        generation INTEGER NOT NULL);
    CREATE TABLE watch_files_seen(
        path BLOB PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        sha256 TEXT NOT NULL);
    CREATE TABLE watch_findings(
        key TEXT PRIMARY KEY,
        finding_id TEXT NOT NULL,
        time TEXT NOT NULL);"];

/// Where a followed log was left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOffset {
    /// Device of the file read.
    pub dev: u64,
    /// Inode of the file read.
    pub inode: u64,
    /// Bytes already handed on.
    pub offset: u64,
    /// Lines before `offset`.
    pub line: u64,
    /// SHA-256 (hex) of the file's first line or first 4 KiB, to tell a
    /// replaced file that kept the inode.
    pub head_hash: String,
    /// What the format carries across chunks (W3C directives).
    pub context: Vec<u8>,
    /// How many times the log was replaced or truncated; part of the
    /// identity of the findings of its lines.
    pub generation: u64,
}

/// What a watched file looked like when it was last judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSeen {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Status change time, nanoseconds since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub inode: u64,
    /// SHA-256 (hex) of the content judged (empty when it could not be read).
    pub sha256: String,
}

/// One finding reported: its once-ever key, its id, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// What makes it the same finding again (the id with the content's or
    /// the log generation's identity folded in).
    pub key: String,
    /// The finding's id.
    pub finding_id: String,
    /// When it was reported (RFC 3339).
    pub time: String,
}

/// Changes written together in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Files judged, with what they looked like.
    pub files: Vec<(PathBuf, FileSeen)>,
    /// Files gone.
    pub removed: Vec<PathBuf>,
    /// Logs and where they were left.
    pub logs: Vec<(PathBuf, LogOffset)>,
    /// Findings reported.
    pub reported: Vec<Reported>,
}

impl Batch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.removed.is_empty()
            && self.logs.is_empty()
            && self.reported.is_empty()
    }
}

/// The watch tables of one store.
#[derive(Debug)]
pub struct WatchState {
    store: Store,
}

fn key(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

fn i64_of(v: u64) -> i64 {
    v as i64
}

impl WatchState {
    /// Takes `store`, bringing its watch tables up to date.
    pub fn new(mut store: Store) -> Result<WatchState, StoreError> {
        store.migrate(NAMESPACE, STEPS)?;
        Ok(WatchState { store })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// What `path` looked like when last judged.
    pub fn file(&self, path: &Path) -> Result<Option<FileSeen>, StoreError> {
        self.store
            .conn()
            .prepare_cached(
                "SELECT size, mtime_ns, ctime_ns, inode, sha256 FROM watch_files_seen WHERE path = ?1",
            )
            .and_then(|mut s| {
                s.query_row([key(path)], |r| {
                    Ok(FileSeen {
                        size: r.get::<_, i64>(0)? as u64,
                        mtime_ns: r.get(1)?,
                        ctime_ns: r.get(2)?,
                        inode: r.get::<_, i64>(3)? as u64,
                        sha256: r.get(4)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.store.err("cannot read a seen file", e))
    }

    /// Every file path recorded at or below `root`.
    pub fn files_under(&self, root: &Path) -> Result<Vec<PathBuf>, StoreError> {
        use std::os::unix::ffi::OsStringExt;
        let mut prefix = key(root).to_vec();
        if prefix.last() != Some(&b'/') {
            prefix.push(b'/');
        }
        let mut upper = prefix.clone();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        self.store
            .conn()
            .prepare_cached("SELECT path FROM watch_files_seen WHERE path >= ?1 AND path < ?2")
            .and_then(|mut s| {
                s.query_map(params![prefix, upper], |r| r.get::<_, Vec<u8>>(0))?
                    .map(|r| r.map(|b| PathBuf::from(std::ffi::OsString::from_vec(b))))
                    .collect()
            })
            .map_err(|e| self.store.err("cannot list seen files", e))
    }

    /// Where the log at `path` was left.
    pub fn log(&self, path: &Path) -> Result<Option<LogOffset>, StoreError> {
        self.store
            .conn()
            .prepare_cached(
                "SELECT dev, inode, offset, line, head_hash, context, generation
                 FROM watch_log_offsets WHERE path = ?1",
            )
            .and_then(|mut s| {
                s.query_row([key(path)], |r| {
                    Ok(LogOffset {
                        dev: r.get::<_, i64>(0)? as u64,
                        inode: r.get::<_, i64>(1)? as u64,
                        offset: r.get::<_, i64>(2)? as u64,
                        line: r.get::<_, i64>(3)? as u64,
                        head_hash: r.get(4)?,
                        context: r.get(5)?,
                        generation: r.get::<_, i64>(6)? as u64,
                    })
                })
                .optional()
            })
            .map_err(|e| self.store.err("cannot read a log offset", e))
    }

    /// Whether a finding with this once-ever key was reported.
    pub fn reported(&self, key: &str) -> Result<bool, StoreError> {
        self.store
            .conn()
            .prepare_cached("SELECT 1 FROM watch_findings WHERE key = ?1")
            .and_then(|mut s| s.exists([key]))
            .map_err(|e| self.store.err("cannot read reported findings", e))
    }

    /// How many findings were reported, ever.
    pub fn reported_count(&self) -> Result<u64, StoreError> {
        self.store
            .conn()
            .query_row("SELECT count(*) FROM watch_findings", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.store.err("cannot count reported findings", e))
    }

    /// Writes `batch` in one transaction.
    pub fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let path = self.store.path().display().to_string();
        let err = |context: &str, source| StoreError::Sqlite {
            path: path.clone(),
            context: context.to_owned(),
            source,
        };
        let tx = self
            .store
            .conn_mut()
            .transaction()
            .map_err(|e| err("cannot begin", e))?;
        {
            let mut put_file = tx
                .prepare_cached(
                    "INSERT INTO watch_files_seen(path, size, mtime_ns, ctime_ns, inode, sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(path) DO UPDATE SET size = excluded.size,
                       mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
                       inode = excluded.inode, sha256 = excluded.sha256",
                )
                .map_err(|e| err("cannot record a file", e))?;
            for (p, f) in &batch.files {
                put_file
                    .execute(params![
                        key(p),
                        i64_of(f.size),
                        f.mtime_ns,
                        f.ctime_ns,
                        i64_of(f.inode),
                        f.sha256
                    ])
                    .map_err(|e| err("cannot record a file", e))?;
            }
            let mut del = tx
                .prepare_cached("DELETE FROM watch_files_seen WHERE path = ?1")
                .map_err(|e| err("cannot forget a file", e))?;
            for p in &batch.removed {
                del.execute([key(p)])
                    .map_err(|e| err("cannot forget a file", e))?;
            }
            let mut put_log = tx
                .prepare_cached(
                    "INSERT INTO watch_log_offsets(path, dev, inode, offset, line, head_hash, context, generation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT(path) DO UPDATE SET dev = excluded.dev, inode = excluded.inode,
                       offset = excluded.offset, line = excluded.line, head_hash = excluded.head_hash,
                       context = excluded.context, generation = excluded.generation",
                )
                .map_err(|e| err("cannot record a log offset", e))?;
            for (p, l) in &batch.logs {
                put_log
                    .execute(params![
                        key(p),
                        i64_of(l.dev),
                        i64_of(l.inode),
                        i64_of(l.offset),
                        i64_of(l.line),
                        l.head_hash,
                        l.context,
                        i64_of(l.generation)
                    ])
                    .map_err(|e| err("cannot record a log offset", e))?;
            }
            let mut put_finding = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO watch_findings(key, finding_id, time) VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| err("cannot record a finding", e))?;
            for r in &batch.reported {
                put_finding
                    .execute(params![r.key, r.finding_id, r.time])
                    .map_err(|e| err("cannot record a finding", e))?;
            }
        }
        tx.commit().map_err(|e| err("cannot commit", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_persist_across_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let mut st = WatchState::new(Store::open(&db).unwrap()).unwrap();
        let seen = FileSeen {
            size: 3,
            mtime_ns: -5,
            ctime_ns: 7,
            inode: u64::MAX,
            sha256: "ab".into(),
        };
        let off = LogOffset {
            dev: 1,
            inode: 2,
            offset: 30,
            line: 3,
            head_hash: "h".into(),
            context: b"#Fields: a\n".to_vec(),
            generation: 1,
        };
        let batch = Batch {
            files: vec![
                (PathBuf::from("/w/a.php"), seen.clone()),
                (PathBuf::from("/w/sub/b.php"), seen.clone()),
                (PathBuf::from("/w2/c.php"), seen.clone()),
            ],
            removed: vec![],
            logs: vec![(PathBuf::from("/l/access.log"), off.clone())],
            reported: vec![Reported {
                key: "k1".into(),
                finding_id: "f1".into(),
                time: "t".into(),
            }],
        };
        st.commit(&batch).unwrap();
        drop(st);
        let mut st = WatchState::new(Store::open(&db).unwrap()).unwrap();
        assert_eq!(st.file(Path::new("/w/a.php")).unwrap(), Some(seen));
        assert_eq!(st.file(Path::new("/w/x.php")).unwrap(), None);
        let mut under = st.files_under(Path::new("/w")).unwrap();
        under.sort();
        assert_eq!(
            under,
            [PathBuf::from("/w/a.php"), PathBuf::from("/w/sub/b.php")]
        );
        assert_eq!(st.log(Path::new("/l/access.log")).unwrap(), Some(off));
        assert!(st.reported("k1").unwrap());
        assert!(!st.reported("k2").unwrap());
        st.commit(&Batch {
            removed: vec![PathBuf::from("/w/a.php")],
            reported: batch.reported.clone(),
            ..Batch::default()
        })
        .unwrap();
        assert_eq!(st.file(Path::new("/w/a.php")).unwrap(), None);
        assert_eq!(st.reported_count().unwrap(), 1);
    }
}
