//! Server configuration sources: each module finds one server's configuration
//! under an examined root (a live `/`, a mounted image, a triage collection),
//! parses it with a real parser, and reports every component the server is
//! configured to load, where it is declared and where its implementation is.
//! They observe; `ferret-detect`'s component policy judges.
//!
//! Every parser is bounded (file size, nesting depth, include count) and
//! reports a per-item [`CollectError`] instead of failing the run.

use crate::CollectError;
use ferret_core::{Component, LogTell};
use std::path::PathBuf;

pub mod apache;
pub mod dpkg;
pub mod esxi;
pub mod exchange;
pub mod facts;
pub mod iis;
pub mod nginx;
pub mod php;
pub mod registry;
pub mod registry_acl;
pub mod simple_conf;
pub mod tomcat;
mod xml;

/// Largest configuration file read (bigger ones are an error, not a hang).
pub const MAX_CONFIG_BYTES: u64 = 32 * 1024 * 1024;

/// Everything the server sources found under one root.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Every component found, in discovery order.
    pub components: Vec<Component>,
    /// Server log lines that record how components were installed.
    pub tells: Vec<LogTell>,
    /// Web content directories named by server configuration (IIS physical
    /// paths and virtual directories, Apache `DocumentRoot`, nginx `root`),
    /// resolved under the examined root; fed to the web-shell scan.
    pub web_roots: Vec<PathBuf>,
    /// Configuration files that were read and parsed.
    pub files_read: Vec<PathBuf>,
    /// Per-item errors; the run goes on.
    pub errors: Vec<CollectError>,
}

impl Discovered {
    /// Adds a web root once.
    pub fn add_web_root(&mut self, p: PathBuf) {
        if !self.web_roots.contains(&p) {
            self.web_roots.push(p);
        }
    }
}

/// Reads a configuration file with the size cap, without following a
/// swapped-in symlink or blocking on a FIFO.
pub fn read_config(path: &std::path::Path) -> Result<Vec<u8>, CollectError> {
    match crate::read::read_file(path, MAX_CONFIG_BYTES)? {
        crate::read::ReadOutcome::Content { bytes, .. } => Ok(bytes),
        crate::read::ReadOutcome::Skipped(why) => Err(CollectError::parse(path, why)),
    }
}

/// Discovers every server component under `root` (a live `/`, a mounted
/// image or a triage collection). With `paths`, each file is parsed when it is
/// a configuration Ferret recognises, and each directory is searched as a root.
pub fn discover(root: &std::path::Path, paths: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    if paths.is_empty() {
        collect_all(root, &mut out);
    }
    for p in paths {
        if p.is_dir() {
            collect_all(p, &mut out);
        } else if !collect_file(root, p, &mut out) {
            out.errors.push(CollectError::parse(
                p,
                "not a server configuration Ferret recognises (applicationHost.config, web.config, agents.config, a SYSTEM hive, a VIB descriptor or imgdb.tgz, an ESXi log, Apache/nginx/PHP/Tomcat/Redis/PostgreSQL configuration)",
            ));
        }
    }
    // A component reached through two includes is still one component.
    let mut seen = std::collections::HashSet::new();
    out.components.retain(|c| {
        seen.insert((
            c.server,
            c.kind,
            c.name.clone(),
            c.implementation.clone(),
            c.declared.clone(),
        ))
    });
    out
}

/// Every source, in dependency order: web servers first (they name the web
/// roots), PHP last (it reads `.user.ini` and `.htaccess` in those roots).
fn collect_all(root: &std::path::Path, out: &mut Discovered) {
    iis::collect(root, out);
    exchange::collect(root, out);
    registry::collect(root, out);
    esxi::collect(root, out);
    apache::collect(root, out);
    nginx::collect(root, out);
    tomcat::collect(root, out);
    simple_conf::collect(root, out);
    php::collect(root, out);
}

/// Parses one explicitly named file with the first source that recognises it.
fn collect_file(root: &std::path::Path, p: &std::path::Path, out: &mut Discovered) -> bool {
    iis::collect_file(root, p, out)
        || exchange::collect_file(root, p, out)
        || registry::collect_file(root, p, out)
        || esxi::collect_file(root, p, out)
        || apache::collect_file(root, p, out)
        || nginx::collect_file(root, p, out)
        || php::collect_file(root, p, out)
        || tomcat::collect_file(root, p, out)
        || simple_conf::collect_file(root, p, out)
}
