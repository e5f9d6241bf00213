//! The daemon's errors: what stops it (store, watcher, output) as opposed to
//! per-item problems, which are reported as notes and the run goes on.

use std::path::PathBuf;

/// A problem that stops the daemon.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The store refused a read or a write.
    #[error(transparent)]
    Store(#[from] ferret_store::StoreError),
    /// The file-event watcher could not be set up.
    #[error("cannot watch {path}: {source}")]
    Watch {
        /// The location.
        path: PathBuf,
        /// What notify said.
        #[source]
        source: notify::Error,
    },
    /// An output could not be written.
    #[error("cannot write {what}: {source}")]
    Output {
        /// Which output.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The rules could not be built at start.
    #[error("cannot load rules: {0}")]
    Rules(String),
}
