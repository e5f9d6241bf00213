//! Ferret's embedded store (SQLite, bundled): sealed baselines of files,
//! components and database objects, the reviewed changes accepted into them,
//! and the watch daemon's state (log offsets, files and findings seen).
//!
//! Every write happens in one transaction in WAL mode, so a store on a full
//! disk or a writer killed mid-way leaves the previous state intact.

pub mod baseline;
mod db;
pub mod seal;
pub mod state;

pub use db::{Store, StoreError};
