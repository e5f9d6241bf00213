//! Ferret's analyzers. Each follows yara-x's shape: a `*Config` is compiled
//! once by `build()` into immutable `*Rules` (`Send + Sync`, shared by every
//! worker thread), and each thread makes its own cheap `*Scanner` that judges
//! one observation at a time. Analyzers do no I/O beyond the observation they
//! are given, and never print.
//!
//! - [`webshell`]: web shells in file content (T1505.003): yara-x rules, our
//!   heuristics and a de-obfuscation pass, combined into one score per file.
//! - [`language`]: which server-side language a file holds.
//! - [`allowlist`]: what a site has reviewed and silenced.
//! - [`samples`]: the rule sample tests behind `ferret rules test`.

pub mod allowlist;
pub mod baseline_policy;
pub mod component_policy;
pub mod db_policy;
mod deobfuscate;
mod error;
mod heuristics;
pub mod language;
pub mod live_policy;
pub mod samples;
mod score;
pub mod webshell;
mod yara;

pub use error::RuleError;
pub use score::{severity_for_score, Thresholds};
pub use yara::{RuleMeta, RuleOrigin};

/// The rule files compiled into the binary.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
