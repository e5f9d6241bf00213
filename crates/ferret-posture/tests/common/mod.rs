//! What the posture tests share: every check run on a root the way the CLI
//! does (discovery through ferret-collect, no store).

use ferret_posture::{assess, BaselineState, Catalogue, Check, Facts, Posture};
use std::path::Path;

/// Runs every check on `root`.
pub fn posture(root: &Path) -> Posture {
    let d = ferret_collect::servers::discover(root, &[]);
    let facts = Facts {
        root: root.to_path_buf(),
        live: false,
        now: 1_700_000_000,
        components: Vec::new(),
        web_roots: d.web_roots.clone(),
        files_read: d.files_read.clone(),
        baseline: BaselineState::NoStore {
            path: "/nonexistent/ferret.db".into(),
        },
        databases: Vec::new(),
    };
    assess(
        &Catalogue::load().unwrap(),
        &facts,
        "test-host",
        "2023-11-14T22:13:20Z",
    )
}

/// The check `id` of a posture.
pub fn check<'a>(p: &'a Posture, id: &str) -> &'a Check {
    p.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}
