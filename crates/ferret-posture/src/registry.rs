//! M1024: registry permissions. For each `SYSTEM` hive the inventory read,
//! the security descriptors of the keys attackers change for T1505 (listed in
//! the `[registry]` table of `rules/posture/checks.toml`, under every
//! `ControlSet00N`) are read with `ferret_collect::servers::registry_acl`, and
//! every allow ACE that grants a write right to a principal outside the
//! trusted list is reported.
//!
//! Not met: such an ACE (or a key without a DACL) exists, evidence
//! `key: SID has write (mask 0x...)` at the hive. Met: every key present was
//! read and none is open; the evidence lists the keys checked. Unknown: no
//! hive, or a key or hive could not be read (the reason is given). Deny ACEs
//! are not subtracted (a deny before an allow would make a report too strict,
//! never too lax). For a dirty hive the primary file is judged, which the
//! evidence says.

use crate::catalogue::{RegistryRule, CHECKS_TOML};
use crate::{Check, Evidence, Status};
use ferret_collect::servers::registry_acl::{self, AceEntry, AceKind, Dacl, HiveAcls, KeyAcl};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Most "open ACE" evidence lines per hive (the rest are counted).
const MAX_LISTED: usize = 20;

/// What the permission judgement needs: the keys, who may write, and what
/// counts as write. Read from the `[registry]` table of the catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct AclPolicy {
    /// Keys relative to each `ControlSet00N` (`Services\TermService\Parameters`).
    pub keys: Vec<String>,
    /// Principals allowed to write, exact SIDs.
    pub trusted_sids: Vec<String>,
    /// Principals allowed to write, SID prefixes (`S-1-5-80-`: service SIDs).
    pub trusted_sid_prefixes: Vec<String>,
    /// Write rights by name; an ACE has one when its mask holds all its bits.
    pub write_rights: BTreeMap<String, u32>,
}

#[derive(Deserialize)]
struct PolicyTable {
    registry: AclPolicy,
}

impl AclPolicy {
    /// The policy in the embedded catalogue.
    pub fn embedded() -> Result<AclPolicy, String> {
        AclPolicy::parse(CHECKS_TOML)
    }

    /// The policy in the `[registry]` table of a catalogue text.
    pub fn parse(catalogue: &str) -> Result<AclPolicy, String> {
        toml::from_str::<PolicyTable>(catalogue)
            .map(|t| t.registry)
            .map_err(|e| format!("rules/posture/checks.toml [registry]: {e}"))
    }

    /// Whether `sid` may write.
    pub fn trusted(&self, sid: &str) -> bool {
        self.trusted_sids
            .iter()
            .any(|t| t.eq_ignore_ascii_case(sid))
            || self.trusted_sid_prefixes.iter().any(|p| {
                sid.get(..p.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(p))
            })
    }

    /// The names of the write rights `mask` holds (empty: no write).
    pub fn write_rights_in(&self, mask: u32) -> Vec<&str> {
        self.write_rights
            .iter()
            .filter(|(_, bits)| **bits != 0 && mask & **bits == **bits)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Why `ace` opens the key to an untrusted writer, if it does.
    pub fn open_ace(&self, ace: &AceEntry) -> Option<String> {
        if ace.kind != AceKind::Allow || self.trusted(&ace.sid) {
            return None;
        }
        let rights = self.write_rights_in(ace.mask);
        if rights.is_empty() {
            return None;
        }
        let sid = if ace.sid.is_empty() { "?" } else { &ace.sid };
        let scope = if ace.inherit_only {
            ", inherited by new subkeys only"
        } else {
            ""
        };
        Some(format!(
            "{sid} has write (mask {:#010x}: {}{scope})",
            ace.mask,
            rights.join(", ")
        ))
    }
}

/// Runs the check over the hives the inventory read, with the embedded policy.
pub fn check(rule: &RegistryRule, files_read: &[PathBuf]) -> Check {
    match AclPolicy::embedded() {
        Ok(policy) => check_with(rule, &policy, files_read),
        Err(e) => Check::new(&rule.meta, Status::Unknown, vec![Evidence::note(e)]),
    }
}

/// Runs the check over the hives the inventory read, with `policy`.
pub fn check_with(rule: &RegistryRule, policy: &AclPolicy, files_read: &[PathBuf]) -> Check {
    let hives: Vec<&PathBuf> = files_read
        .iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| rule.hives.iter().any(|h| h.eq_ignore_ascii_case(n)))
        })
        .collect();
    if hives.is_empty() {
        return Check::new(
            &rule.meta,
            Status::Unknown,
            vec![Evidence::note(
                "no SYSTEM hive under root (not a Windows system, or not collected)",
            )],
        );
    }
    let mut judged = Judged::default();
    for hive in hives {
        match registry_acl::read_file_acls(hive, &policy.keys) {
            Ok(acls) => judge_hive(policy, hive, &acls, &mut judged),
            Err(e) => {
                judged.unknown = true;
                judged.unreadable.push(Evidence::at(
                    format!("hive not readable: {}", e.reason()),
                    hive,
                ));
            }
        }
    }
    let (status, evidence) = if !judged.open.is_empty() {
        (
            Status::NotMet,
            [judged.open, judged.unreadable, judged.notes].concat(),
        )
    } else if judged.unknown || !judged.any_read {
        (
            Status::Unknown,
            [judged.unreadable, judged.checked, judged.notes].concat(),
        )
    } else {
        (Status::Met, [judged.checked, judged.notes].concat())
    };
    Check::new(&rule.meta, status, evidence)
}

/// Evidence gathered over all hives, by what it decides.
#[derive(Default)]
struct Judged {
    open: Vec<Evidence>,
    unreadable: Vec<Evidence>,
    checked: Vec<Evidence>,
    notes: Vec<Evidence>,
    unknown: bool,
    any_read: bool,
}

fn judge_hive(policy: &AclPolicy, hive: &Path, acls: &HiveAcls, j: &mut Judged) {
    let mut open = 0usize;
    let mut read = Vec::new();
    let mut absent = Vec::new();
    for problem in &acls.problems {
        j.unknown = true;
        j.unreadable
            .push(Evidence::at("hive problem", hive).value(problem));
    }
    for k in &acls.keys {
        match &k.acl {
            KeyAcl::Absent => absent.push(k.key.as_str()),
            KeyAcl::Unreadable(why) => {
                j.unknown = true;
                j.unreadable.push(
                    Evidence::at("key security descriptor not readable", hive)
                        .value(&format!("{}: {why}", k.key)),
                );
            }
            KeyAcl::Read(d) => {
                j.any_read = true;
                read.push(k.key.as_str());
                let found: Vec<String> = match &d.dacl {
                    Dacl::Null => {
                        vec!["no DACL: everyone has full access".to_string()]
                    }
                    Dacl::Entries(aces) => aces.iter().filter_map(|a| policy.open_ace(a)).collect(),
                };
                for why in found {
                    open += 1;
                    if open <= MAX_LISTED {
                        j.open.push(
                            Evidence::at(
                                "registry key writable by a principal other than SYSTEM, \
                                 Administrators, TrustedInstaller, CREATOR OWNER or a service SID",
                                hive,
                            )
                            .value(&format!("{}: {why}", k.key)),
                        );
                    }
                }
            }
        }
    }
    if open > MAX_LISTED {
        j.open.push(Evidence::at(
            format!(
                "{} more open ACEs in this hive not listed",
                open - MAX_LISTED
            ),
            hive,
        ));
    }
    if !read.is_empty() {
        j.checked.push(
            Evidence::at(
                "keys read; write access only for SYSTEM, Administrators, TrustedInstaller, \
                 CREATOR OWNER and service SIDs",
                hive,
            )
            .value(&read.join(", ")),
        );
    }
    if !absent.is_empty() {
        j.notes.push(
            Evidence::at("keys not in the hive (service not installed)", hive)
                .value(&absent.join(", ")),
        );
    }
    if acls.dirty {
        j.notes.push(Evidence::at(
            "dirty hive: descriptors read from the primary file; a change recorded only in \
             its transaction logs is not seen",
            hive,
        ));
    }
}
