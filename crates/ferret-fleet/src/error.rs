//! The fleet pipeline's one error type: every variant says what was being
//! done and carries the underlying message (the server's, for PostgreSQL).

use std::path::PathBuf;

/// A fleet pipeline failure.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// A `--sink` URL that is not `nats://HOST[:PORT]`.
    #[error("bad sink URL {url:?}: {reason}")]
    BadSinkUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A NATS or JetStream operation failed.
    #[error("NATS: {what}: {message}")]
    Nats {
        /// What was being done.
        what: String,
        /// The client's or server's message.
        message: String,
    },
    /// A PostgreSQL operation failed.
    #[error("PostgreSQL: {what}: {message}")]
    Db {
        /// What was being done.
        what: String,
        /// The server's message (with detail and hint when it sent them).
        message: String,
        /// The SQLSTATE code, when the server sent one.
        code: Option<String>,
    },
    /// Reading or writing the spool failed.
    #[error("spool {}: {what}: {source}", path.display())]
    Spool {
        /// The spool file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The spool reached its size cap: nothing more is written to it.
    #[error("spool {} is full ({size} bytes, cap {cap}): findings that cannot be sent are not kept; \
             restore the connection to the NATS server or move the spool away", path.display())]
    SpoolFull {
        /// The spool file.
        path: PathBuf,
        /// Its size plus what was to be appended.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// A configuration value that cannot work.
    #[error("{0}")]
    Config(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl FleetError {
    /// A NATS failure while doing `what`.
    pub(crate) fn nats(what: impl Into<String>, e: impl std::fmt::Display) -> FleetError {
        FleetError::Nats {
            what: what.into(),
            message: e.to_string(),
        }
    }

    /// A PostgreSQL failure while doing `what`, with the server's own message.
    pub(crate) fn db(what: impl Into<String>, e: &tokio_postgres::Error) -> FleetError {
        let (message, code) = match e.as_db_error() {
            Some(d) => {
                let mut m = format!("{}: {}", d.severity(), d.message());
                if let Some(detail) = d.detail() {
                    m.push_str(&format!(" (detail: {detail})"));
                }
                if let Some(hint) = d.hint() {
                    m.push_str(&format!(" (hint: {hint})"));
                }
                (m, Some(d.code().code().to_string()))
            }
            None => {
                let mut m = e.to_string();
                let mut src = std::error::Error::source(e);
                while let Some(s) = src {
                    m.push_str(&format!(": {s}"));
                    src = s.source();
                }
                (m, None)
            }
        };
        FleetError::Db {
            what: what.into(),
            message,
            code,
        }
    }

    /// True when the server refused the data itself (SQLSTATE classes 22
    /// data exception, 23 integrity violation, 54 limit exceeded): storing
    /// the same row again cannot work, unlike a lost connection or a
    /// missing table.
    pub(crate) fn is_data_error(&self) -> bool {
        matches!(self, FleetError::Db { code: Some(c), .. }
            if c.starts_with("22") || c.starts_with("23") || c.starts_with("54"))
    }

    /// True for a PostgreSQL deadlock or serialization failure (retry the transaction).
    pub(crate) fn is_retryable_db(&self) -> bool {
        matches!(self, FleetError::Db { code: Some(c), .. } if c == "40P01" || c == "40001")
    }
}
