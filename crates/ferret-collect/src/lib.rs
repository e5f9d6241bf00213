//! Ferret's sources: they find and read what is on disk, and never judge it.
//!
//! - [`walk`]: a parallel, symlink-safe file-system walker over scan roots.
//! - [`read`]: reads one file once, without following a swapped-in symlink,
//!   blocking on a FIFO, or touching its access time where the OS allows.
//! - [`layout`]: maps paths inside a mounted image or triage collection back
//!   to the path on the source system (`C%3A/inetpub/...` → `C:\inetpub\...`).
//! - [`mounts`]: which mount points are pseudo file systems to skip.

pub mod authenticode;
pub mod db;
mod error;
pub mod layout;
pub mod live;
pub mod mounts;
pub mod read;
pub mod servers;
pub mod snapshot;
pub mod walk;

pub use error::CollectError;
