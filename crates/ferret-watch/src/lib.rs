//! The watch daemon: watches component locations (inotify through `notify`),
//! judges each created or modified file and re-reads each changed server
//! configuration at once, tails web and audit logs through the hunt engine,
//! and keeps its offsets and what it has seen in the store so that a restart
//! neither loses nor repeats findings.
//!
//! Shape: one loop thread owns the store, the Sigma matcher and the outputs;
//! a pool of judge threads each own a web-shell scanner over shared rules.
//! File events mark paths pending; a path is judged once its writer closed it
//! or it was quiet for [`WatchConfig::quiet`], and only when its `lstat`
//! (size, mtime, ctime, inode) differs from the seen table. An inotify
//! overflow rescans every root with the same comparison, so nothing is lost.
//! Each finding is reported once ever: its key (the finding id with the
//! file's SHA-256, or the log's generation, folded in) goes to the store in
//! the same transaction as the state that produced it, after the finding
//! was written out.

use ferret_core::Finding;
use ferret_detect::webshell::WebshellConfig;
use ferret_hunt::sigma::RuleSet;
use ferret_logs::ReadOptions;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

mod daemon;
pub mod error;
pub mod files;
mod logs;
pub mod output;

pub use daemon::run;
pub use error::WatchError;
pub use logs::discover_host_logs;
pub use output::{Forward, Outputs, StdoutFormat};

/// Builds the Sigma rules (at start and on reload); `Err` keeps the old ones.
pub type SigmaSource = Box<dyn Fn() -> Result<RuleSet, String> + Send>;

/// Re-reads the server configuration and returns its findings.
pub type ConfigReread = Box<dyn Fn() -> Vec<Finding> + Send>;

/// Configuration files to watch, and how to judge them again.
pub struct ConfigWatch {
    /// The files the configuration was read from.
    pub files: Vec<PathBuf>,
    /// Called when one of them changed.
    pub reread: ConfigReread,
}

/// What the daemon watches and how.
pub struct WatchConfig {
    /// Directories (watched recursively) and files whose content is judged.
    pub roots: Vec<PathBuf>,
    /// Logs followed through the Sigma rules and the web-log analysis.
    pub logs: Vec<PathBuf>,
    /// The web-shell rules (rebuilt on reload).
    pub webshell: WebshellConfig,
    /// The Sigma rules.
    pub sigma: SigmaSource,
    /// Whether web requests are scored per URI.
    pub weblog: bool,
    /// How often the web-log analysis scores recent requests.
    pub weblog_interval: Duration,
    /// Host name put on findings.
    pub host: String,
    /// Files larger than this many bytes are not read.
    pub max_size: u64,
    /// A file still being written is judged after this much quiet (or at
    /// once when its writer closes it).
    pub quiet: Duration,
    /// Judge threads (0: one per core).
    pub threads: usize,
    /// Limits for log lines.
    pub read_options: ReadOptions,
    /// Server configuration to re-read when it changes.
    pub configs: Option<ConfigWatch>,
}

/// How the daemon is told to stop or reload (set from signal handlers).
#[derive(Debug, Clone, Default)]
pub struct Control {
    /// Set to stop: the daemon finishes its batch, commits and returns.
    pub stop: Arc<AtomicBool>,
    /// Set to rebuild the rules before the next batch.
    pub reload: Arc<AtomicBool>,
}

impl Control {
    /// A control whose `stop` is set by SIGTERM and SIGINT and whose
    /// `reload` is set by SIGHUP.
    pub fn with_signals() -> std::io::Result<Control> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let c = Control::default();
        signal_hook::flag::register(SIGTERM, Arc::clone(&c.stop))?;
        signal_hook::flag::register(SIGINT, Arc::clone(&c.stop))?;
        signal_hook::flag::register(SIGHUP, Arc::clone(&c.reload))?;
        Ok(c)
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Findings written.
    pub reported: u64,
    /// Files judged.
    pub files: u64,
    /// Log events read.
    pub events: u64,
    /// Rescans after an event overflow.
    pub rescans: u64,
    /// Problems reported (per item; the run went on).
    pub notes: u64,
}

/// Now, as RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
