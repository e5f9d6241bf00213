//! Why a baseline operation failed, and why a store cannot be trusted.

use crate::seal::SealError;
use crate::StoreError;
use std::path::PathBuf;

/// Why a store cannot be trusted. Every variant is loud: callers print it and
/// exit 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Tamper {
    /// The recomputed MAC differs from the seal (items, header or acceptances
    /// altered), or the store's rows cannot be read back as written.
    #[error("baseline {baseline_id} was ALTERED: {detail}. Its content no longer matches its seal; someone wrote to the store outside Ferret. Investigate the host, then create a new baseline from a known-good state")]
    Altered {
        /// The baseline whose seal fails.
        baseline_id: i64,
        /// What differs.
        detail: String,
    },
    /// Rows are missing or the file is damaged (item count differs, SQLite's
    /// integrity check fails, the file is truncated).
    #[error("the baseline store is DAMAGED: {detail}. Rows are missing or the file is corrupt (truncated, edited or a failing disk); restore it from a backup or create a new baseline from a known-good state")]
    Damaged {
        /// What is wrong.
        detail: String,
    },
    /// The store's latest generation is older than the anchor's: an older copy
    /// was put back.
    #[error("the baseline store was ROLLED BACK: it holds generation {store_generation}, but generation {anchor_generation} was written and sealed. An older copy of the store was put back (hiding later changes); find out who replaced the file, then create a new baseline from a known-good state")]
    RolledBack {
        /// The latest generation in the store (0: none left).
        store_generation: u64,
        /// The generation the anchor recorded.
        anchor_generation: u64,
    },
    /// The seal was made with another key.
    #[error("the latest baseline was sealed with key {sealed_with}, not with this key ({key}): pass the key it was sealed with (--key), or create a new baseline with this one")]
    WrongKey {
        /// The id of the key that sealed it.
        sealed_with: String,
        /// The id of the key given.
        key: String,
    },
    /// The anchor itself fails its MAC or is missing while the store has
    /// baselines.
    #[error("the ANCHOR that guards the store against rollback cannot be trusted: {detail}. Without it an older copy of the store could pass as current; if you removed or replaced it yourself, restore it, otherwise investigate, then create a new baseline")]
    AnchorInvalid {
        /// What is wrong.
        detail: String,
    },
}

/// A baseline operation that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The store (SQLite) failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key or the anchor failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The store file does not exist.
    #[error("{path}: no baseline store here; run `ferret baseline create` first")]
    NotFound {
        /// The store file.
        path: PathBuf,
    },
    /// The store holds no baseline yet.
    #[error("{path}: the store holds no baseline yet; run `ferret baseline create` first")]
    NoBaseline {
        /// The store file.
        path: PathBuf,
    },
    /// The store was made by an older Ferret and is open read-only, so its
    /// schema cannot be brought up to date.
    #[error("{path}: baseline schema version {found}, this Ferret needs {known}; open it once read-write (e.g. `ferret baseline diff`) to upgrade it")]
    SchemaOutdated {
        /// The store file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this build uses.
        known: u32,
    },
    /// A row of the store cannot be read back (outside `verify`).
    #[error("{path}: unreadable row: {detail}; run `ferret baseline diff` to verify the store")]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The caller asked for something inconsistent (duplicate items, a change
    /// without its item, an unknown base baseline).
    #[error("{detail}")]
    Invalid {
        /// What is wrong.
        detail: String,
    },
}
