//! Edge appliances (T1505 on the "Network" platform): NetScaler, Ivanti
//! Connect Secure, PAN-OS, FortiOS, Cisco IOS XE and Sophos Firewall images
//! recognised by their marker files and checked against their profile
//! (`rules/appliances/*.toml`): scripts in served folders the product does not
//! ship, files reported planted, code run at interpreter start, server
//! configuration that runs code on request, symlinks leaving served folders,
//! set-uid files in temporary folders, and files differing from a reference.
//!
//! Everything is read under the root; nothing is executed, followed through a
//! symlink, or written.

mod checks;
pub mod findings;
pub mod profile;
pub mod recognise;
mod reference;
pub mod walk;

pub use profile::{Advisory, Profile};
pub use reference::Reference;

use ferret_core::Finding;
use std::path::{Path, PathBuf};

/// A profile failed to load or a reference file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ApplianceError {
    /// A profile is malformed (unknown key, bad glob, undeclared advisory...).
    #[error("appliance profile {profile}: {message}")]
    Profile {
        /// The profile's file or name (escaped).
        profile: String,
        /// What is wrong (escaped).
        message: String,
    },
    /// A reference file could not be read or parsed.
    #[error("reference {path}: {message}")]
    Reference {
        /// The reference file (escaped).
        path: String,
        /// What is wrong (escaped).
        message: String,
    },
    /// `--profile` named no shipped profile.
    #[error("unknown appliance profile {name:?}; known: {known}")]
    UnknownProfile {
        /// The name given (escaped).
        name: String,
        /// The shipped names, comma-separated.
        known: String,
    },
    /// The root is not a readable folder.
    #[error("root {path}: {message}")]
    Root {
        /// The root (escaped).
        path: String,
        /// What is wrong (escaped).
        message: String,
    },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Which profiles apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileChoice {
    /// Every profile whose markers are present.
    Auto,
    /// This profile, markers or not.
    Named(String),
    /// None.
    Off,
}

/// What one applied profile found.
#[derive(Debug, Clone)]
pub struct ApplianceRun {
    /// The profile's name.
    pub profile: String,
    /// The product it describes.
    pub product: String,
    /// Whether it was recognised by its markers (false when forced).
    pub recognised: bool,
    /// The served folders that exist under the root.
    pub served: Vec<PathBuf>,
    /// Findings, strongest first.
    pub findings: Vec<Finding>,
    /// Per-item errors (escaped), e.g. unreadable files.
    pub errors: Vec<String>,
}

/// Every shipped profile's name and product.
pub fn profile_names() -> Vec<(String, String)> {
    profile::embedded()
        .map(|ps| ps.into_iter().map(|p| (p.name, p.product)).collect())
        .unwrap_or_default()
}

/// Applies the chosen profiles to the tree at `root`.
pub fn run(
    root: &Path,
    choice: &ProfileChoice,
    reference: Option<&Reference>,
    host: &str,
    time: &str,
) -> Result<Vec<ApplianceRun>, ApplianceError> {
    let profiles = profile::embedded()?;
    run_profiles(&profiles, root, choice, reference, host, time)
}

/// Applies the chosen profiles among `profiles` (the embedded ones, or
/// others loaded with [`Profile::from_toml`]) to the tree at `root`.
pub fn run_profiles(
    profiles: &[Profile],
    root: &Path,
    choice: &ProfileChoice,
    reference: Option<&Reference>,
    host: &str,
    time: &str,
) -> Result<Vec<ApplianceRun>, ApplianceError> {
    if *choice == ProfileChoice::Off {
        return Ok(Vec::new());
    }
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(ApplianceError::Root {
                path: ferret_core::Escaped::from_path(root).to_string(),
                message: "not a folder".into(),
            })
        }
        Err(e) => {
            return Err(ApplianceError::Root {
                path: ferret_core::Escaped::from_path(root).to_string(),
                message: ferret_core::escape_str(&e.to_string()),
            })
        }
    }
    let mut chosen: Vec<(&Profile, bool, Vec<String>)> = Vec::new();
    match choice {
        ProfileChoice::Off => {}
        ProfileChoice::Named(name) => {
            let p = profiles.iter().find(|p| p.name == *name).ok_or_else(|| {
                ApplianceError::UnknownProfile {
                    name: ferret_core::escape_str(name),
                    known: profiles
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?;
            let mut errors = Vec::new();
            let rec = recognise::recognised(root, p, &mut errors);
            chosen.push((p, rec, errors));
        }
        ProfileChoice::Auto => {
            for p in profiles {
                let mut errors = Vec::new();
                if recognise::recognised(root, p, &mut errors) {
                    chosen.push((p, true, errors));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (p, recognised, errors) in chosen {
        let mut ctx = checks::Ctx {
            root,
            profile: p,
            reference,
            host,
            time,
            findings: Vec::new(),
            errors,
        };
        let served = checks::run_all(&mut ctx);
        let mut findings = ctx.findings;
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.score.cmp(&a.score))
                .then_with(|| a.subject.path().cmp(b.subject.path()))
                .then_with(|| a.rule.cmp(&b.rule))
        });
        findings.dedup_by(|a, b| a.id == b.id);
        out.push(ApplianceRun {
            profile: p.name.clone(),
            product: p.product.clone(),
            recognised: recognised && *choice == ProfileChoice::Auto,
            served,
            findings,
            errors: ctx.errors,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
