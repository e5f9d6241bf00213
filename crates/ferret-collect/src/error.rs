//! Errors of the sources, always with the path they concern.

use std::path::PathBuf;

/// A failure to walk or read one item; the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The file or directory could not be opened or read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The item.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The item disappeared between listing and reading.
    #[error("{}: vanished during the scan", .path.display())]
    Vanished {
        /// The item.
        path: PathBuf,
    },
    /// The walker reported a problem (permission denied on a directory, ...).
    #[error("{}", .message)]
    Walk {
        /// The item, when the walker names it.
        path: Option<PathBuf>,
        /// The walker's message.
        message: String,
    },
    /// A configuration file, hive, descriptor or archive could not be parsed
    /// (malformed, hostile, too deep, too large); what was read before stays.
    #[error("{}: {message}", .path.display())]
    Parse {
        /// The item (for archive members, the archive).
        path: PathBuf,
        /// What is wrong, in words.
        message: String,
    },
    /// An exclude glob does not parse.
    #[error("bad --exclude pattern {pattern:?}: {message}")]
    Glob {
        /// The pattern as given.
        pattern: String,
        /// Why it does not parse.
        message: String,
    },
}

impl CollectError {
    /// The path the error concerns, when known.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            CollectError::Io { path, .. }
            | CollectError::Vanished { path }
            | CollectError::Parse { path, .. } => Some(path),
            CollectError::Walk { path, .. } => path.as_deref(),
            CollectError::Glob { .. } => None,
        }
    }

    /// A one-line message without the path (printers escape and add it).
    pub fn reason(&self) -> String {
        match self {
            CollectError::Io { source, .. } => source.to_string(),
            CollectError::Vanished { .. } => "vanished during the scan".into(),
            CollectError::Parse { message, .. } => message.clone(),
            CollectError::Walk { message, .. } => message.clone(),
            CollectError::Glob { pattern, message } => {
                format!("bad pattern {pattern:?}: {message}")
            }
        }
    }
}

impl CollectError {
    /// A parse error about `path`.
    pub fn parse(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        CollectError::Parse {
            path: path.into(),
            message: message.to_string(),
        }
    }
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CollectError::Io {
            path: path.into(),
            source,
        }
    }
}
