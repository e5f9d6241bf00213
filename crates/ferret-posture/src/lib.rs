//! Mitigation posture: for each mitigation ATT&CK lists for T1505, whether a
//! server has it in place (met, not met, unknown), with the evidence read.
//!
//! The caller gathers [`Facts`] (the inventory's components and files read,
//! the web roots, the baseline store's state, live database catalogs) and
//! calls [`assess`] with the [`Catalogue`] (the checks and what "met" needs,
//! from `rules/posture/checks.toml`). Each check reads what else it needs
//! under [`Facts::root`] itself, read-only. The [`Posture`] serializes to
//! JSON; [`report`] prints it as a table, JSON or JSON lines.
//!
//! Checks never fail the run: what cannot be read is a check `unknown` with
//! the reason, or an entry in [`Posture::errors`].

pub mod accounts;
pub mod audit;
pub mod boot;
pub mod catalogue;
pub mod php;
pub mod postgres;
pub mod privilege;
pub mod registry;
pub mod report;
pub mod signing;
pub mod sqlserver;
mod time;
mod tree;
pub mod uploads;

pub use audit::BaselineState;
pub use catalogue::{Catalogue, CatalogueError, CheckMeta};
pub use ferret_core::Mitigation;

use ferret_core::{ComponentFacts, DbObject, Escaped};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Whether a mitigation is in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In place, per the evidence.
    Met,
    /// Not in place: the evidence shows what is missing.
    NotMet,
    /// Could not be told from what was readable; the evidence says why.
    Unknown,
}

impl Status {
    /// `met`, `not_met`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "not_met",
            Status::Unknown => "unknown",
        }
    }
}

/// One piece of evidence: what was seen (Ferret's words), and where and
/// what, escaped (file names and values come from the examined system).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// What this shows, in Ferret's words.
    pub what: String,
    /// The file (or database object, or store) it was read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Escaped>,
    /// 1-based line in `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The value read, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Escaped>,
}

impl Evidence {
    /// Evidence with no location.
    pub fn note(what: impl Into<String>) -> Evidence {
        Evidence {
            what: what.into(),
            file: None,
            line: None,
            value: None,
        }
    }

    /// Evidence read from a file.
    pub fn at(what: impl Into<String>, file: &Path) -> Evidence {
        Evidence {
            file: Some(Escaped::from_path(file)),
            ..Evidence::note(what)
        }
    }

    /// Evidence about something that is not a file (a database, a store URL).
    pub fn about(what: impl Into<String>, place: &str) -> Evidence {
        Evidence {
            file: Some(Escaped::from_text(place)),
            ..Evidence::note(what)
        }
    }

    /// Adds the line.
    pub fn line(mut self, line: u64) -> Evidence {
        self.line = Some(line);
        self
    }

    /// Adds the value read.
    pub fn value(mut self, value: &str) -> Evidence {
        self.value = Some(Escaped::from_text(value));
        self
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable id (`php.disable_functions`).
    pub id: String,
    /// The mitigation it audits.
    pub mitigation: Mitigation,
    /// What is checked.
    pub title: String,
    /// Met, not met or unknown.
    pub status: Status,
    /// Why: each file, line and value that decided it.
    pub evidence: Vec<Evidence>,
    /// What to do when not met or unknown.
    pub advice: String,
}

impl Check {
    /// A result for the check `meta` describes.
    pub fn new(meta: &CheckMeta, status: Status, evidence: Vec<Evidence>) -> Check {
        Check {
            id: meta.id.clone(),
            mitigation: meta.mitigation,
            title: meta.title.clone(),
            status,
            evidence,
            advice: meta.advice.clone(),
        }
    }
}

/// The whole posture of one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Posture {
    /// Always `posture`: tells this record from findings in a mixed stream.
    pub record: &'static str,
    /// The host examined.
    pub host: String,
    /// When (RFC 3339).
    pub time: String,
    /// The examined root (`/` for this host).
    pub root: Escaped,
    /// Every check, in catalogue order.
    pub checks: Vec<Check>,
    /// Items that could not be read (the checks they touched say unknown).
    pub errors: Vec<Escaped>,
}

impl Posture {
    /// The worst status: not met if any check is not met, else unknown if
    /// any is unknown, else met.
    pub fn any_not_met(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::NotMet)
    }
}

/// A server component the inventory found, reduced to what posture needs.
#[derive(Debug, Clone)]
pub struct ComponentFact {
    /// `apache`, `iis`, `php`, ... (ferret-core `Server::as_str`).
    pub server: String,
    /// `module`, `php_extension`, ... (ferret-core `ComponentKind::as_str`).
    pub kind: String,
    /// The component's name.
    pub name: String,
    /// The implementation file under root, when found.
    pub resolved: Option<PathBuf>,
    /// The configuration file that declares it.
    pub declared_in: String,
    /// Whether the known-good lists judged it stock.
    pub stock: bool,
    /// Signature, package ownership, checksum.
    pub facts: ComponentFacts,
}

/// A live database server's catalog, as `ferret-collect::db` read it.
#[derive(Debug, Clone)]
pub struct DbCatalog {
    /// `postgres://host:port` without credentials.
    pub server: String,
    /// The objects read, or why the server could not be read.
    pub objects: Result<Vec<DbObject>, String>,
}

/// What the caller gathered for the checks.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The examined root (`/` for this host).
    pub root: PathBuf,
    /// Whether `root` is this running host (then `/sys` is read for Secure Boot).
    pub live: bool,
    /// Current time, seconds since the Unix epoch (for the baseline's age).
    pub now: i64,
    /// Components found, with their facts.
    pub components: Vec<ComponentFact>,
    /// Web content directories the server configuration names.
    pub web_roots: Vec<PathBuf>,
    /// Configuration files the inventory read (paths under root).
    pub files_read: Vec<PathBuf>,
    /// The baseline store's state.
    pub baseline: BaselineState,
    /// Live database catalogs (`--db-url`).
    pub databases: Vec<DbCatalog>,
}

/// Runs every check of the catalogue against the facts.
pub fn assess(cat: &Catalogue, facts: &Facts, host: &str, time: &str) -> Posture {
    let mut errors: Vec<String> = Vec::new();
    let users = accounts::ServerUsers::gather(&facts.root, &facts.files_read, &mut errors);
    let checks = vec![
        audit::check(&cat.baseline, &facts.baseline, facts.now),
        signing::check(&cat.signing, &facts.components),
        php::check(&cat.php_disable_functions, facts, &mut errors),
        uploads::check(&cat.upload_dirs, facts, &mut errors),
        postgres::languages(&cat.pg_languages, &facts.databases),
        sqlserver::check(&cat.mssql_features, &facts.root, &mut errors),
        privilege::writable(&cat.writable_dirs, &cat.upload_dirs.names, facts, &users),
        privilege::superusers(&cat.superusers, facts, &mut errors),
        registry::check(&cat.registry, &facts.files_read),
        boot::check(&cat.secure_boot, &facts.root, facts.live, &mut errors),
    ];
    Posture {
        record: "posture",
        host: host.to_string(),
        time: time.to_string(),
        root: Escaped::from_path(&facts.root),
        checks,
        errors: errors.iter().map(|e| Escaped::from_text(e)).collect(),
    }
}

/// The path of `p` on the examined system: `root/etc/x` → `/etc/x`.
pub(crate) fn sys_path(root: &Path, p: &Path) -> String {
    match p.strip_prefix(root) {
        Ok(rel) => format!("/{}", rel.to_string_lossy()),
        Err(_) => p.to_string_lossy().into_owned(),
    }
}

/// `sys` (a path on the examined system) under `root`, no symlink followed
/// outside it; `None` when it cannot be resolved.
pub(crate) fn in_root(root: &Path, sys: &str) -> Option<PathBuf> {
    ferret_collect::layout::resolve_in_root(root, sys, 40)
        .ok()
        .filter(|r| r.exists)
        .map(|r| r.path)
}

/// Escapes text from outside Ferret (host names given on the command line).
pub(crate) fn escape(s: &str) -> String {
    ferret_core::escape_str(s)
}
