//! The checks a profile applies, one module per kind of entry.

mod config;
mod interpreter;
mod planted;
mod reference;
mod served;
mod setuid;
mod symlinks;

use crate::findings::{finding, Hit};
use crate::profile::Profile;
use crate::walk::{expand, Item};
use crate::Reference;
use ferret_core::Finding;
use std::path::{Path, PathBuf};

/// Everything one profile's checks share while running over one root.
pub(crate) struct Ctx<'a> {
    pub root: &'a Path,
    pub profile: &'a Profile,
    pub reference: Option<&'a Reference>,
    pub host: &'a str,
    pub time: &'a str,
    pub findings: Vec<Finding>,
    pub errors: Vec<String>,
}

impl Ctx<'_> {
    /// Records a hit as a finding.
    pub fn push(&mut self, hit: Hit<'_>) {
        let f = finding(self.root, hit, self.host, self.time, &mut self.errors);
        self.findings.push(f);
    }

    /// The entries matching a profile path.
    pub fn expand(&mut self, entry: &crate::profile::Entry) -> Vec<Item> {
        expand(self.root, &entry.path, &entry.glob, &mut self.errors)
    }
}

/// Runs every check of the context's profile; returns the served folders found.
pub(crate) fn run_all(ctx: &mut Ctx<'_>) -> Vec<PathBuf> {
    let served = served::check(ctx);
    planted::check(ctx);
    interpreter::check(ctx);
    config::check(ctx);
    symlinks::check(ctx);
    setuid::check(ctx);
    reference::check(ctx);
    served
}

/// The file name's extension, lowercase, if it is one of `execute`.
pub(crate) fn executes(rel: &Path, execute: &[String]) -> bool {
    rel.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| execute.contains(&e))
}
