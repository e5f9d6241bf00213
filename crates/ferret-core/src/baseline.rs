//! What a baseline holds: one [`Item`] per file, component or database
//! object, keyed so that the same thing has the same key in every run.
//! Stored by `ferret-store`, compared and judged elsewhere; no I/O here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of thing an item records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A file under a component location (web root, module directory...).
    File,
    /// A server software component as `ferret inventory` lists it.
    Component,
    /// A database object as `ferret audit-db` lists it.
    DbObject,
}

impl ItemKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::File => "file",
            ItemKind::Component => "component",
            ItemKind::DbObject => "db_object",
        }
    }

    /// Parses a stored name.
    pub fn from_name(s: &str) -> Option<ItemKind> {
        match s {
            "file" => Some(ItemKind::File),
            "component" => Some(ItemKind::Component),
            "db_object" => Some(ItemKind::DbObject),
            _ => None,
        }
    }
}

/// A file's metadata as `lstat` gives it (times in nanoseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    /// Size in bytes.
    pub size: u64,
    /// `st_mode` (type and permission bits).
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Modification time.
    pub mtime_ns: i64,
    /// Status change time.
    pub ctime_ns: i64,
    /// Inode number.
    pub inode: u64,
    /// Device number.
    pub dev: u64,
}

/// One recorded thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// What it is.
    pub kind: ItemKind,
    /// Its identity: the path for files; `server|kind|name|declared-in` for
    /// components; `engine|server|database|schema|kind|name` for database
    /// objects. Raw (unescaped): escape before printing.
    pub key: String,
    /// SHA-256 of the content (file bytes, component image, object definition).
    pub sha256: Option<String>,
    /// File metadata, for files (and component images where read).
    pub meta: Option<FileMeta>,
    /// Anything else worth comparing (verdict, owner, language, package...).
    pub attrs: BTreeMap<String, String>,
}

/// How an item differs between a baseline and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Present now, not in the baseline.
    Added,
    /// Present in both, different.
    Changed,
    /// In the baseline, gone now.
    Removed,
}

impl ChangeKind {
    /// The name used in rule ids and output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}
