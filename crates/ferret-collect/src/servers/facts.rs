//! Facts about a component's implementation file: its hash, its Authenticode
//! signature (Windows images) and whether an installed package owns it
//! unchanged (Linux files). Read once per file; the judging is elsewhere.

use super::dpkg::PackageDb;
use crate::authenticode::{self, TrustedRoots};
use crate::read::{read_file, ReadOutcome};
use crate::CollectError;
use ferret_core::{Component, ComponentFacts, Server};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Largest implementation file read for hashing and signature checks.
pub const MAX_IMAGE_BYTES: u64 = 256 * 1024 * 1024;

/// Gathers [`ComponentFacts`] for components found under one root, caching
/// per file (many components share an image).
pub struct FactGatherer {
    root: PathBuf,
    roots: TrustedRoots,
    packages: Option<PackageDb>,
    cache: Mutex<HashMap<PathBuf, ComponentFacts>>,
}

impl FactGatherer {
    /// Loads the package database under `root` (when there is one) and the
    /// trusted roots for Authenticode. Problems loading the package database
    /// are returned, not fatal.
    pub fn new(root: &Path, trusted_roots_pem: &str) -> (FactGatherer, Vec<CollectError>) {
        let mut errors = Vec::new();
        let roots = TrustedRoots::from_pem(trusted_roots_pem).unwrap_or_else(|e| {
            errors.push(CollectError::parse(
                "rules/known-good/microsoft-roots.pem",
                e,
            ));
            TrustedRoots::default()
        });
        let packages = match PackageDb::load(root) {
            Ok(mut db) => {
                // Unreadable or malformed package files are reported, not dropped.
                if let Some(db) = db.as_mut() {
                    errors.append(&mut db.errors);
                }
                db
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let g = FactGatherer {
            root: root.to_path_buf(),
            roots,
            packages,
            cache: Mutex::new(HashMap::new()),
        };
        (g, errors)
    }

    /// Whether a package database was found under the root.
    pub fn has_package_db(&self) -> bool {
        self.packages.is_some()
    }

    /// The facts for one component (empty when it names no file found on disk).
    pub fn facts(&self, c: &Component) -> ComponentFacts {
        let Some(file) = c.resolved.as_deref() else {
            return ComponentFacts::default();
        };
        if let Some(f) = self.cache.lock().ok().and_then(|m| m.get(file).cloned()) {
            return f;
        }
        let facts = self.examine(c.server, file);
        if let Ok(mut m) = self.cache.lock() {
            m.insert(file.to_path_buf(), facts.clone());
        }
        facts
    }

    fn examine(&self, server: Server, file: &Path) -> ComponentFacts {
        let bytes = match read_file(file, MAX_IMAGE_BYTES) {
            Ok(ReadOutcome::Content { bytes, .. }) => bytes,
            Ok(ReadOutcome::Skipped(why)) => {
                return ComponentFacts {
                    unreadable: Some(why),
                    ..ComponentFacts::default()
                }
            }
            Err(e) => {
                return ComponentFacts {
                    unreadable: Some(e.reason()),
                    ..ComponentFacts::default()
                }
            }
        };
        let sha256 = Some(hex::encode(Sha256::digest(&bytes)));
        let windows = matches!(
            server,
            Server::Iis | Server::Exchange | Server::WindowsService
        );
        let signature = windows.then(|| authenticode::verify(&bytes, &self.roots));
        let package = (!windows)
            .then(|| {
                let original = original_unix_path(&self.root, file)?;
                Some(super::dpkg::status_in(
                    self.packages.as_ref(),
                    &original,
                    &bytes,
                ))
            })
            .flatten();
        ComponentFacts {
            sha256,
            signature,
            package,
            unreadable: None,
        }
    }
}

/// `/usr/lib/x.so` for `ROOT/usr/lib/x.so`.
pub fn original_unix_path(root: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root).ok()?;
    Some(format!("/{}", rel.to_string_lossy()))
}
