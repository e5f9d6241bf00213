//! Ferret's correlation: findings from every analysis (scan, inventory, hunt,
//! audit-db, baseline, live) about the same component on one host are joined
//! into one [`Incident`]: the same file path or hash, a log line requesting the
//! script's URI, a process whose working directory or command line names it,
//! the same module image or database object, within a time window.
//!
//! Pure transform: findings in, incidents out; no I/O beyond [`read`].

mod correlate;
mod keys;
mod model;
pub mod read;
mod times;

pub use correlate::correlate;
pub use keys::{keys_of, Key, KeyKind, Role};
pub use model::{Correlation, Incident, Link, Moment, MomentKind, Options};
pub use times::{moments, source_of};
