//! M1024: registry permissions. Ferret reads hives with `notatin` inside
//! `ferret-collect`, which does not expose key security descriptors, so this
//! check reports which hives were read and stays unknown.

use crate::catalogue::RegistryRule;
use crate::{Check, Evidence, Status};
use std::path::PathBuf;

/// Runs the check over the hives the inventory read.
pub fn check(rule: &RegistryRule, files_read: &[PathBuf]) -> Check {
    let hives: Vec<&PathBuf> = files_read
        .iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| rule.hives.iter().any(|h| h.eq_ignore_ascii_case(n)))
        })
        .collect();
    let mut evidence: Vec<Evidence> = hives
        .iter()
        .map(|h| {
            Evidence::at(
                "hive read; its key security descriptors are not examined by this Ferret",
                h,
            )
        })
        .collect();
    if hives.is_empty() {
        evidence.push(Evidence::note(
            "no registry hive under root (not a Windows system, or not collected)",
        ));
    }
    Check::new(&rule.meta, Status::Unknown, evidence)
}
