//! Shared helpers for the layout tests: loading the six profiles, building
//! trees, and looking findings up by rule id and path.

#![allow(dead_code)]

use ferret_appliance::{ApplianceRun, Profile, ProfileChoice};
use ferret_core::Finding;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The six product families the issue names.
pub const PRODUCTS: &[&str] = &["netscaler", "ivanti", "panos", "fortios", "iosxe", "sophos"];

/// Host and time every run uses.
pub const HOST: &str = "host";
/// Time every run uses.
pub const TIME: &str = "2026-11-24T00:00:00Z";

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/appliances")
}

/// The embedded profiles plus any of the six whose file exists in
/// `rules/appliances/` but is not embedded yet (so the layouts can be tested
/// while the profile list grows).
pub fn profiles() -> Vec<Profile> {
    let mut all = ferret_appliance::profile::embedded().expect("embedded profiles load");
    for name in PRODUCTS {
        if all.iter().any(|p| p.name == *name) {
            continue;
        }
        let file = rules_dir().join(format!("{name}.toml"));
        if let Ok(text) = fs::read_to_string(&file) {
            let p = Profile::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            all.push(p);
        }
    }
    all
}

/// One profile by name, if its file exists.
pub fn profile(name: &str) -> Option<Profile> {
    profiles().into_iter().find(|p| p.name == name)
}

/// Runs every profile automatically over `root`.
pub fn run_auto(root: &Path) -> Vec<ApplianceRun> {
    ferret_appliance::run_profiles(&profiles(), root, &ProfileChoice::Auto, None, HOST, TIME)
        .expect("run succeeds")
}

/// The findings of the run of profile `name`, panicking if it did not run.
pub fn findings_of<'a>(runs: &'a [ApplianceRun], name: &str) -> &'a [Finding] {
    &runs
        .iter()
        .find(|r| r.profile == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = runs.iter().map(|r| r.profile.clone()).collect();
            panic!("profile {name} not applied; applied: {names:?}")
        })
        .findings
}

/// Whether a finding has rule `appliance.<profile>.<check>` about `rel`.
pub fn has(findings: &[Finding], profile: &str, check: &str, rel: &str) -> bool {
    let rule = format!("appliance.{profile}.{check}");
    let shown = format!("/{rel}");
    findings
        .iter()
        .any(|f| f.rule == rule && f.title.contains(&shown))
}

/// A short listing of findings for assertion messages.
pub fn list(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.title))
        .collect()
}

/// Writes `text` at `rel` under `root`, creating parents.
pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(&p, text).expect("write");
}

/// Creates folder `rel` under `root`.
pub fn dir(root: &Path, rel: &str) {
    fs::create_dir_all(root.join(rel)).expect("mkdir");
}

/// A symlink at `rel` pointing at `target` (not resolved).
pub fn link(root: &Path, rel: &str, target: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    std::os::unix::fs::symlink(target, &p).expect("symlink");
}

/// A set-uid, executable file at `rel`.
pub fn setuid_file(root: &Path, rel: &str) {
    write(root, rel, "\x7fELF-not-really\n");
    fs::set_permissions(root.join(rel), fs::Permissions::from_mode(0o4755)).expect("chmod");
}

/// Turns a profile pattern into one concrete relative path: `**` components
/// are dropped, `*` and `?` become `x`, `{a,b}` becomes `a`, `[..]` its
/// first character. `None` for a pattern that leaves nothing.
pub fn materialise(pattern: &str) -> Option<String> {
    let mut parts = Vec::new();
    for comp in pattern.split('/') {
        if comp == "**" {
            continue;
        }
        let mut out = String::new();
        let mut chars = comp.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' | '?' => out.push('x'),
                '{' => {
                    let mut first = String::new();
                    let mut done = false;
                    for d in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                        if d == ',' {
                            done = true;
                        }
                        if !done {
                            first.push(d);
                        }
                    }
                    out.push_str(&first);
                }
                '[' => {
                    let mut first = None;
                    for d in chars.by_ref() {
                        if d == ']' {
                            break;
                        }
                        if first.is_none() && d != '!' && d != '^' {
                            first = Some(d);
                        }
                    }
                    out.push(first.unwrap_or('x'));
                }
                '\\' => {
                    if let Some(d) = chars.next() {
                        out.push(d);
                    }
                }
                c => out.push(c),
            }
        }
        parts.push(out);
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// Creates the first marker group of `p` under `root`: names with an
/// extension become files, others folders.
pub fn markers(root: &Path, p: &Profile) {
    let group = p.markers.first().expect("profile has markers");
    for m in group {
        let rel = materialise(m).expect("marker path");
        let name = rel.rsplit('/').next().unwrap_or("");
        if name.contains('.') {
            write(root, &rel, "# marker written by the test\n");
        } else {
            dir(root, &rel);
        }
    }
}
