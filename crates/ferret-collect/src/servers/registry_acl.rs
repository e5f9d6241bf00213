//! Offline `SYSTEM` hive source for key permissions (mitigation M1024): the
//! security descriptor (owner and DACL) of chosen keys under every
//! `ControlSet00N`, read from the hive's `sk` cells and parsed with
//! `winstructs`. It observes; `ferret-posture` judges which ACEs are too open.
//!
//! Keys are given relative to the control set (`Services`,
//! `Services\TermService\Parameters`). A key that is not in the hive is
//! [`KeyAcl::Absent`]; a key whose descriptor cannot be read is
//! [`KeyAcl::Unreadable`] with the reason.
//!
//! Descriptors are read from the primary file only: notatin does not expose
//! the buffer it rebuilds from transaction logs, so for a dirty hive
//! ([`HiveAcls::dirty`]) the latest permission change may be missing.
//! notatin's own `get_security_descriptors` is not used: it walks the whole
//! `sk` list of the hive and loops forever on a list that cycles without
//! returning to its start. Here one `sk` cell is read per key, bounded, and
//! the descriptor's ACE headers are checked before `winstructs` sees them
//! (an ACE shorter than its header makes winstructs panic). notatin and
//! winstructs run inside `catch_unwind`; the same nested-`ri` guard as
//! [`super::registry`] protects subkey lookups.

use super::registry::{le_u32, subkey_list_check};
use crate::CollectError;
use notatin::cell_key_node::CellKeyNode;
use notatin::parser::Parser;
use notatin::parser_builder::ParserBuilder;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use winstructs::security::{AceData, AceType, SecurityDescriptor};

/// Where hive bins start: after the 4 KiB base block.
const HBIN_START: usize = 0x1000;
/// Most control sets looked at in one hive.
const MAX_CONTROL_SETS: usize = 64;
/// Most path segments in one key path.
const MAX_SEGMENTS: usize = 16;
/// Largest security descriptor accepted (real ones are a few hundred bytes).
pub const MAX_DESCRIPTOR_BYTES: usize = 64 * 1024;
/// Most ACEs kept from one DACL.
pub const MAX_ACES: usize = 1024;
/// `SE_DACL_PRESENT` in the descriptor's control flags.
const SE_DACL_PRESENT: u16 = 0x0004;
/// `INHERIT_ONLY_ACE` in an ACE's flags.
const INHERIT_ONLY_ACE: u8 = 0x08;

/// What an ACE does with its rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AceKind {
    /// Grants (`ACCESS_ALLOWED`, its callback and object forms).
    Allow,
    /// Denies (`ACCESS_DENIED`, its callback and object forms).
    Deny,
    /// Anything else in a DACL (obsolete compound ACEs, labels): no effect judged.
    Other,
}

/// One access control entry, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AceEntry {
    /// Allow, deny or other.
    pub kind: AceKind,
    /// The principal (`S-1-5-18`); empty for an ACE type without a SID.
    pub sid: String,
    /// The access mask, as stored (generic rights not mapped).
    pub mask: u32,
    /// `INHERIT_ONLY_ACE`: applies to subkeys created later, not to this key.
    pub inherit_only: bool,
}

/// A key's discretionary ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dacl {
    /// No DACL (`SE_DACL_PRESENT` clear, or a NULL DACL): everyone has full access.
    Null,
    /// The entries, in order (at most [`MAX_ACES`]).
    Entries(Vec<AceEntry>),
}

/// A key's security descriptor, reduced to what permissions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescriptor {
    /// The owner SID.
    pub owner: String,
    /// The DACL.
    pub dacl: Dacl,
}

/// What was found for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAcl {
    /// The descriptor was read.
    Read(KeyDescriptor),
    /// The key is not in the hive (the service is not installed).
    Absent,
    /// The key or its descriptor could not be read; why.
    Unreadable(String),
}

/// One key's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAclRead {
    /// Full path in the hive (`ControlSet001\Services\W3SVC`), names as the
    /// caller gave them after the control set's own name from the hive.
    pub key: String,
    /// The descriptor, absence, or reason.
    pub acl: KeyAcl,
}

/// Every requested key of every control set of one hive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HiveAcls {
    /// One entry per control set and requested key, control sets in order.
    pub keys: Vec<KeyAclRead>,
    /// Hive-level problems, in words (not a hive, no control set, parser panic).
    pub problems: Vec<String>,
    /// The primary file's sequence numbers differ (transaction logs not applied).
    pub dirty: bool,
}

/// Reads `path` (capped at [`super::registry::MAX_HIVE_BYTES`]) and the
/// descriptors of `keys` under each of its control sets.
pub fn read_file_acls(path: &Path, keys: &[String]) -> Result<HiveAcls, CollectError> {
    match crate::read::read_file(path, super::registry::MAX_HIVE_BYTES)? {
        crate::read::ReadOutcome::Content { bytes, .. } => Ok(read_key_acls(&bytes, keys)),
        crate::read::ReadOutcome::Skipped(why) => Err(CollectError::parse(path, why)),
    }
}

/// The descriptors of `keys` (relative to the control set, `\`-separated)
/// under each `ControlSet00N` of the hive in `bytes`. Never panics.
pub fn read_key_acls(bytes: &[u8], keys: &[String]) -> HiveAcls {
    let mut out = HiveAcls::default();
    if bytes.len() < HBIN_START + 32 || !bytes.starts_with(b"regf") {
        out.problems
            .push("not a registry hive (no regf signature or shorter than 4 KiB)".into());
        return out;
    }
    out.dirty = le_u32(bytes, 4) != le_u32(bytes, 8);
    let outcome = catch_unwind(AssertUnwindSafe(|| read_inner(bytes, keys, &mut out)));
    if outcome.is_err() {
        out.problems
            .push("the hive parser panicked on this hive".into());
    }
    out
}

fn read_inner(bytes: &[u8], keys: &[String], out: &mut HiveAcls) {
    let mut parser = match ParserBuilder::from_file(Cursor::new(bytes.to_vec())).build() {
        Ok(p) => p,
        Err(e) => {
            out.problems.push(format!("unreadable hive: {e}"));
            return;
        }
    };
    let mut root = match parser.get_root_key() {
        Ok(Some(r)) => r,
        Ok(None) => {
            out.problems.push("hive has no root key".into());
            return;
        }
        Err(e) => {
            out.problems.push(format!("root key unreadable: {e}"));
            return;
        }
    };
    if let Err(why) = subkey_list_check(bytes, &root) {
        out.problems.push(why);
        return;
    }
    let mut sets: Vec<CellKeyNode> = root
        .read_sub_keys(&mut parser)
        .into_iter()
        .filter(|k| is_control_set(&k.key_name))
        .collect();
    sets.sort_by(|a, b| {
        a.key_name
            .to_ascii_lowercase()
            .cmp(&b.key_name.to_ascii_lowercase())
    });
    if sets.is_empty() {
        out.problems.push("no ControlSet00N key in the hive".into());
    }
    for mut set in sets.into_iter().take(MAX_CONTROL_SETS) {
        for rel in keys {
            let acl = key_acl(&mut parser, bytes, &mut set, rel);
            out.keys.push(KeyAclRead {
                key: format!("{}\\{rel}", set.key_name),
                acl,
            });
        }
    }
}

/// The descriptor of `rel` below `set`.
fn key_acl(parser: &mut Parser, bytes: &[u8], set: &mut CellKeyNode, rel: &str) -> KeyAcl {
    let segments: Vec<&str> = rel.split('\\').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() || segments.len() > MAX_SEGMENTS {
        return KeyAcl::Unreadable(format!("bad key path ({} segments)", segments.len()));
    }
    let mut key = set.clone();
    for seg in segments {
        if let Err(why) = subkey_list_check(bytes, &key) {
            return KeyAcl::Unreadable(why);
        }
        match key.get_sub_key_by_path(parser, seg) {
            Some(k) => key = k,
            None => {
                return match key.logs.get() {
                    Some(logs) if !logs.is_empty() => KeyAcl::Unreadable(
                        logs.iter()
                            .take(2)
                            .map(|l| l.text.as_str())
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                    _ => KeyAcl::Absent,
                }
            }
        }
    }
    let sk = key.detail.security_key_offset_relative();
    match sk_descriptor(bytes, sk).and_then(parse_descriptor) {
        Ok(d) => KeyAcl::Read(d),
        Err(why) => KeyAcl::Unreadable(why),
    }
}

/// The descriptor bytes of the `sk` cell at hive-bin offset `rel`.
fn sk_descriptor(bytes: &[u8], rel: u32) -> Result<&[u8], String> {
    let cell = (rel as usize).saturating_add(HBIN_START);
    let head = bytes
        .get(cell..cell.saturating_add(24))
        .ok_or_else(|| format!("security cell offset {rel:#x} lies outside the hive"))?;
    if &head[4..6] != b"sk" {
        return Err(format!("no sk signature at security cell offset {rel:#x}"));
    }
    let cell_size =
        i32::from_le_bytes([head[0], head[1], head[2], head[3]]).unsigned_abs() as usize;
    let sd_size = le_u32(head, 20) as usize;
    if sd_size > MAX_DESCRIPTOR_BYTES || sd_size.saturating_add(24) > cell_size {
        return Err(format!(
            "security cell at {rel:#x}: descriptor size {sd_size} does not fit its cell ({cell_size} bytes)"
        ));
    }
    bytes
        .get(cell + 24..cell + 24 + sd_size)
        .ok_or_else(|| format!("security cell at {rel:#x} runs past the end of the hive"))
}

/// Parses a self-relative security descriptor (as stored in an `sk` cell).
/// Never panics.
pub fn parse_descriptor(sd: &[u8]) -> Result<KeyDescriptor, String> {
    if sd.len() < 20 {
        return Err(format!(
            "security descriptor of {} bytes is too short",
            sd.len()
        ));
    }
    if sd.len() > MAX_DESCRIPTOR_BYTES {
        return Err(format!(
            "security descriptor of {} bytes is too large",
            sd.len()
        ));
    }
    let control = u16::from_le_bytes([sd[2], sd[3]]);
    for (name, at) in [("SACL", 12), ("DACL", 16)] {
        let off = le_u32(sd, at) as usize;
        if off != 0 {
            acl_headers_ok(sd, off).map_err(|why| format!("{name}: {why}"))?;
        }
    }
    let parsed = catch_unwind(|| SecurityDescriptor::from_stream(&mut Cursor::new(sd)));
    let desc = match parsed {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(format!("security descriptor does not parse: {e}")),
        Err(_) => return Err("the descriptor parser panicked".into()),
    };
    let dacl = match desc.dacl {
        Some(acl) if control & SE_DACL_PRESENT != 0 => Dacl::Entries(
            acl.entries
                .iter()
                .take(MAX_ACES)
                .map(|ace| {
                    let (mask, sid) = match &ace.data {
                        AceData::Basic(b) => (b.access_rights, b.sid.to_string()),
                        AceData::Object(o) => (o.access_rights, o.sid.to_string()),
                        AceData::Unhandled(_) => (0, String::new()),
                    };
                    AceEntry {
                        kind: ace_kind(&ace.ace_type),
                        sid,
                        mask,
                        inherit_only: ace.ace_flags.bits() & INHERIT_ONLY_ACE != 0,
                    }
                })
                .collect(),
        ),
        _ => Dacl::Null,
    };
    Ok(KeyDescriptor {
        owner: desc.owner_sid.to_string(),
        dacl,
    })
}

/// Checks that the ACL at `off` and each of its ACE headers lie inside `sd`
/// and that no ACE is shorter than its header.
fn acl_headers_ok(sd: &[u8], off: usize) -> Result<(), String> {
    let head = sd
        .get(off..off.saturating_add(8))
        .ok_or_else(|| format!("ACL offset {off:#x} lies outside the descriptor"))?;
    let count = u16::from_le_bytes([head[4], head[5]]) as usize;
    let mut at = off + 8;
    for i in 0..count {
        let ace = sd
            .get(at..at + 4)
            .ok_or_else(|| format!("ACE {i} of {count} lies outside the descriptor"))?;
        let size = u16::from_le_bytes([ace[2], ace[3]]) as usize;
        if size < 8 || at + size > sd.len() {
            return Err(format!("ACE {i} has a bad size ({size} bytes)"));
        }
        at += size;
    }
    Ok(())
}

fn ace_kind(t: &AceType) -> AceKind {
    match t {
        AceType::AccessAllowed
        | AceType::AccessAllowedCallback
        | AceType::AccessAllowedObject
        | AceType::AccessAllowedCallbackObject => AceKind::Allow,
        AceType::AccessDenied
        | AceType::AccessDeniedCallback
        | AceType::AccessDeniedObject
        | AceType::AccessDeniedCallbackObject => AceKind::Deny,
        _ => AceKind::Other,
    }
}

/// `ControlSet` and three ASCII digits, any case.
fn is_control_set(name: &str) -> bool {
    super::registry::control_set_number(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::servers::registry::tests::{flip_bytes, hive};

    fn keys() -> Vec<String> {
        [
            "Services",
            "Services\\TermService\\Parameters",
            "Services\\W3SVC",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn sid_bytes(auth: u8, subs: &[u32]) -> Vec<u8> {
        let mut b = vec![1, subs.len() as u8, 0, 0, 0, 0, 0, auth];
        for s in subs {
            b.extend_from_slice(&s.to_le_bytes());
        }
        b
    }

    /// A self-relative descriptor: owner SYSTEM, group SYSTEM, the ACEs as
    /// (type, flags, mask, SID bytes) in a DACL when `dacl` is set.
    fn descriptor(control: u16, dacl: bool, aces: &[(u8, u8, u32, Vec<u8>)]) -> Vec<u8> {
        let owner = sid_bytes(5, &[18]);
        let mut acl = Vec::new();
        for (t, f, mask, sid) in aces {
            acl.push(*t);
            acl.push(*f);
            acl.extend_from_slice(&((8 + sid.len()) as u16).to_le_bytes());
            acl.extend_from_slice(&mask.to_le_bytes());
            acl.extend_from_slice(sid);
        }
        let mut sd = vec![1, 0];
        sd.extend_from_slice(&control.to_le_bytes());
        let owner_at = 20u32;
        let group_at = owner_at + owner.len() as u32;
        let dacl_at = if dacl {
            group_at + owner.len() as u32
        } else {
            0
        };
        for v in [owner_at, group_at, 0, dacl_at] {
            sd.extend_from_slice(&v.to_le_bytes());
        }
        sd.extend_from_slice(&owner);
        sd.extend_from_slice(&owner);
        if dacl {
            sd.extend_from_slice(&[2, 0]);
            sd.extend_from_slice(&((8 + acl.len()) as u16).to_le_bytes());
            sd.extend_from_slice(&(aces.len() as u16).to_le_bytes());
            sd.extend_from_slice(&[0, 0]);
            sd.extend_from_slice(&acl);
        }
        sd
    }

    #[test]
    fn real_hives_give_stock_descriptors() {
        let mut iis_seen = false;
        for name in ["SYSTEM", "SYSTEM_2", "SYSTEM_B", "SYSTEM_WIN_10_1709"] {
            let Some(bytes) = hive(name) else {
                return;
            };
            let r = read_key_acls(&bytes, &keys());
            assert!(r.problems.is_empty(), "{name}: {:?}", r.problems);
            assert!(
                !r.keys.is_empty() && r.keys.len().is_multiple_of(3),
                "{name}"
            );
            for k in &r.keys {
                if k.key.ends_with("W3SVC") && k.acl == KeyAcl::Absent {
                    continue; // not an IIS server
                }
                iis_seen |= k.key.ends_with("W3SVC");
                let KeyAcl::Read(d) = &k.acl else {
                    panic!("{name} {}: {:?}", k.key, k.acl);
                };
                assert!(
                    ["S-1-5-18", "S-1-5-32-544"].contains(&d.owner.as_str()),
                    "{name} {}: owner {}",
                    k.key,
                    d.owner
                );
                let Dacl::Entries(aces) = &d.dacl else {
                    panic!("{name} {}: null DACL", k.key);
                };
                let has = |sid: &str, mask: u32| {
                    aces.iter().any(|a| {
                        a.kind == AceKind::Allow
                            && a.sid == sid
                            && a.mask == mask
                            && !a.inherit_only
                    })
                };
                // Users read (KEY_READ), Administrators and SYSTEM KEY_ALL_ACCESS.
                assert!(has("S-1-5-32-545", 0x20019), "{name} {}: {aces:?}", k.key);
                assert!(has("S-1-5-32-544", 0xf003f), "{name} {}", k.key);
                assert!(has("S-1-5-18", 0xf003f), "{name} {}", k.key);
                // Stock: only SYSTEM, Administrators, CREATOR OWNER and service
                // SIDs hold KEY_SET_VALUE.
                assert!(aces.iter().all(|a| a.mask & 0x2 == 0
                    || ["S-1-5-18", "S-1-5-32-544", "S-1-3-0"].contains(&a.sid.as_str())
                    || a.sid.starts_with("S-1-5-80-")));
            }
        }
        // The `SYSTEM` hive comes from an IIS server (W3SVC installed).
        assert!(iis_seen);
    }

    #[test]
    fn changed_descriptor_in_a_real_hive_is_seen() {
        let Some(mut bytes) = hive("SYSTEM_2") else {
            return;
        };
        // Every Users KEY_READ ACE becomes KEY_ALL_ACCESS.
        let mut from = 0x20019u32.to_le_bytes().to_vec();
        from.extend_from_slice(&sid_bytes(5, &[32, 545]));
        let mut n = 0;
        let mut at = 0;
        while let Some(p) = bytes[at..].windows(from.len()).position(|w| w == from) {
            bytes[at + p..at + p + 4].copy_from_slice(&0xf003fu32.to_le_bytes());
            at += p + from.len();
            n += 1;
        }
        assert!(n > 0);
        let r = read_key_acls(&bytes, &keys());
        let services = r
            .keys
            .iter()
            .find(|k| k.key.eq_ignore_ascii_case("ControlSet001\\Services"))
            .unwrap();
        let KeyAcl::Read(d) = &services.acl else {
            panic!("{:?}", services.acl);
        };
        let Dacl::Entries(aces) = &d.dacl else {
            panic!("null DACL");
        };
        assert!(aces
            .iter()
            .any(|a| a.sid == "S-1-5-32-545" && a.mask == 0xf003f && !a.inherit_only));
        assert!(!aces
            .iter()
            .any(|a| a.sid == "S-1-5-32-545" && a.mask == 0x20019));
    }

    #[test]
    fn constructed_descriptors_parse() {
        let everyone = sid_bytes(1, &[0]);
        let users = sid_bytes(5, &[32, 545]);
        let sd = descriptor(
            0x8004,
            true,
            &[
                (0, 0, 0xf003f, everyone.clone()),
                (1, 0, 0x2, users.clone()),
                (0, 0x0a, 0x4000_0000, users.clone()),
            ],
        );
        let d = parse_descriptor(&sd).unwrap();
        assert_eq!(d.owner, "S-1-5-18");
        assert_eq!(
            d.dacl,
            Dacl::Entries(vec![
                AceEntry {
                    kind: AceKind::Allow,
                    sid: "S-1-1-0".into(),
                    mask: 0xf003f,
                    inherit_only: false
                },
                AceEntry {
                    kind: AceKind::Deny,
                    sid: "S-1-5-32-545".into(),
                    mask: 0x2,
                    inherit_only: false
                },
                AceEntry {
                    kind: AceKind::Allow,
                    sid: "S-1-5-32-545".into(),
                    mask: 0x4000_0000,
                    inherit_only: true
                },
            ])
        );
        // DACL present flag clear, or a NULL DACL: no DACL at all.
        let no_flag = descriptor(0x8000, true, &[(0, 0, 0x2, everyone.clone())]);
        assert_eq!(parse_descriptor(&no_flag).unwrap().dacl, Dacl::Null);
        let null = descriptor(0x8004, false, &[]);
        assert_eq!(parse_descriptor(&null).unwrap().dacl, Dacl::Null);
    }

    #[test]
    fn hostile_descriptors_are_errors_not_panics() {
        let users = sid_bytes(5, &[32, 545]);
        let good = descriptor(0x8004, true, &[(0, 0, 0x2, users.clone())]);
        // ACE size 0: winstructs alone would panic on `size - 4`.
        let mut zero = good.clone();
        let ace_at = good.len() - 8 - users.len();
        zero[ace_at + 2..ace_at + 4].copy_from_slice(&0u16.to_le_bytes());
        assert!(parse_descriptor(&zero).is_err_and(|e| e.contains("bad size")));
        // DACL offset past the end, truncated, too short.
        let mut far = good.clone();
        far[16..20].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        assert!(parse_descriptor(&far).is_err());
        assert!(parse_descriptor(&good[..good.len() - 3]).is_err());
        assert!(parse_descriptor(&good[..10]).is_err());
        // Random flips never panic.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut b = good.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % b.len();
                b[at] ^= (seed >> 32) as u8 | 1;
            }
            let _ = parse_descriptor(&b);
        }
    }

    #[test]
    fn hostile_hives_never_panic() {
        assert!(!read_key_acls(b"regf", &keys()).problems.is_empty());
        let Some(bytes) = hive("corrupted_system_hive") else {
            return;
        };
        let r = read_key_acls(&bytes, &keys());
        assert!(!r.problems.iter().any(|p| p.contains("panicked")));
        assert!(r
            .keys
            .iter()
            .any(|k| matches!(k.acl, KeyAcl::Unreadable(_) | KeyAcl::Absent)));
        let Some(good) = hive("SYSTEM_2") else {
            return;
        };
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..4 {
            let mut b = good.clone();
            flip_bytes(&mut b, &mut seed);
            let r = read_key_acls(&b, &keys());
            assert!(
                !r.problems.iter().any(|p| p.contains("panicked")),
                "round {round}: {:?}",
                r.problems
            );
        }
    }

    #[test]
    fn bad_security_cell_is_unreadable() {
        let Some(bytes) = hive("SYSTEM_2") else {
            return;
        };
        assert!(sk_descriptor(&bytes, u32::MAX).is_err());
        assert!(sk_descriptor(&bytes, 0).is_err_and(|e| e.contains("no sk signature")));
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("SYSTEM");
        std::fs::write(&p, &bytes).unwrap();
        let r = read_file_acls(&p, &keys()).unwrap();
        assert!(r.keys.iter().any(|k| matches!(k.acl, KeyAcl::Read(_))));
        assert!(read_file_acls(&d.path().join("nope"), &keys()).is_err());
    }

    #[test]
    fn control_set_names() {
        assert!(is_control_set("ControlSet001"));
        assert!(is_control_set("controlset012"));
        assert!(!is_control_set("ControlSet01"));
        assert!(!is_control_set("ControlSet00x"));
        assert!(!is_control_set("CurrentControlSet"));
        assert!(!is_control_set("ControlSé001"));
    }
}
