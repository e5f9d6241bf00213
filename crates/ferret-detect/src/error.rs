//! Errors of rule loading: each names its origin file.

use std::path::PathBuf;

/// A rule or data file that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A YARA source did not compile; `message` is yara-x's rendered report.
    #[error("{origin}: YARA rule refused:\n{message}")]
    Yara {
        /// The rule file (a path, or `rules/yara/...` for shipped ones).
        origin: String,
        /// yara-x's diagnostic.
        message: String,
    },
    /// A YARA rule lacks required metadata or has a bad value.
    #[error("{origin}: rule {rule}: {message}")]
    Meta {
        /// The rule file.
        origin: String,
        /// The rule identifier.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// A data file (allowlist, known-good list) is not valid TOML for its schema.
    #[error("{origin}: {message}")]
    Data {
        /// The file.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A rule directory or file could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}
