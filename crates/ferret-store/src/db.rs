//! Opening the store: WAL journal, a busy timeout, and schema migrations
//! kept per namespace (each module owns its tables and their migrations).

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A problem with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("{path}: {context}: {source}")]
    Sqlite {
        /// The store file.
        path: String,
        /// What was being done.
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The store was written by a newer Ferret.
    #[error("{path}: schema {namespace} is at version {found}, this Ferret knows up to {known}; use a newer Ferret")]
    TooNew {
        /// The store file.
        path: String,
        /// The schema namespace.
        namespace: String,
        /// The version in the file.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
}

/// An open store file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if absent) the store at `path` for reading and writing,
    /// in WAL mode with full synchronous commits.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let store = Store::wrap(Connection::open(path), path)?;
        store
            .conn
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
            )
            .map_err(|e| store.err("cannot set journal mode", e))?;
        store.ensure_migrations_table()?;
        Ok(store)
    }

    /// Opens an existing store read-only (fails when absent).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        );
        Store::wrap(conn, path)
    }

    /// A store over a freshly opened connection, with the busy timeout set.
    fn wrap(conn: rusqlite::Result<Connection>, path: &Path) -> Result<Store, StoreError> {
        let conn = conn.map_err(|e| sqlite(path, "cannot open", e))?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(|e| sqlite(path, "cannot set busy timeout", e))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLite connection, for the modules that own tables.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The SQLite connection, mutably (transactions).
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// An error about this store.
    pub fn err(&self, context: &str, source: rusqlite::Error) -> StoreError {
        sqlite(&self.path, context, source)
    }

    /// Brings the tables of `namespace` up to date: runs, each in its own
    /// transaction, the steps of `steps` after the version recorded for the
    /// namespace (step `i` makes version `i + 1`). Steps are only ever
    /// appended; a store newer than `steps` is refused.
    pub fn migrate(&mut self, namespace: &str, steps: &[&str]) -> Result<(), StoreError> {
        let found = self.schema_version(namespace)?;
        if found as usize > steps.len() {
            return Err(StoreError::TooNew {
                path: self.path.display().to_string(),
                namespace: namespace.to_string(),
                found,
                known: steps.len() as u32,
            });
        }
        for (i, sql) in steps.iter().enumerate().skip(found as usize) {
            let path = self.path.clone();
            let tx = self
                .conn
                .transaction()
                .map_err(|e| sqlite(&path, "cannot begin migration", e))?;
            tx.execute_batch(sql)
                .map_err(|e| sqlite(&path, &format!("migration {namespace} {}", i + 1), e))?;
            tx.execute(
                "INSERT INTO schema_migrations(namespace, version) VALUES (?1, ?2)
                 ON CONFLICT(namespace) DO UPDATE SET version = excluded.version",
                rusqlite::params![namespace, (i + 1) as u32],
            )
            .map_err(|e| sqlite(&path, "cannot record migration", e))?;
            tx.commit()
                .map_err(|e| sqlite(&path, "cannot commit migration", e))?;
        }
        Ok(())
    }

    /// The schema version recorded for `namespace` (0 when none).
    pub fn schema_version(&self, namespace: &str) -> Result<u32, StoreError> {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type='table' AND name='schema_migrations'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err("cannot read schema", e))?;
        if !exists {
            return Ok(0);
        }
        self.conn
            .query_row(
                "SELECT version FROM schema_migrations WHERE namespace = ?1",
                [namespace],
                |r| r.get(0),
            )
            .optional()
            .map(|v| v.unwrap_or(0))
            .map_err(|e| self.err("cannot read schema version", e))
    }

    fn ensure_migrations_table(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations(
                    namespace TEXT PRIMARY KEY, version INTEGER NOT NULL)",
            )
            .map_err(|e| self.err("cannot create the migrations table", e))
    }
}

fn sqlite(path: &Path, context: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        context: context.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_in_order_and_newer_stores_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        let steps = [
            "CREATE TABLE a(x INTEGER)",
            "ALTER TABLE a ADD COLUMN y TEXT",
        ];
        let mut s = Store::open(&p).unwrap();
        s.migrate("t", &steps[..1]).unwrap();
        assert_eq!(s.schema_version("t").unwrap(), 1);
        s.migrate("t", &steps).unwrap();
        s.migrate("t", &steps).unwrap();
        assert_eq!(s.schema_version("t").unwrap(), 2);
        assert_eq!(s.schema_version("other").unwrap(), 0);
        let err = s.migrate("t", &steps[..1]).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::TooNew {
                    found: 2,
                    known: 1,
                    ..
                }
            ),
            "{err}"
        );
        let mode: String = s
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
