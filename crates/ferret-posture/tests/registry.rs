//! M1024 (registry permissions) on real `SYSTEM` hives laid out as a triage
//! collection, discovered through ferret-collect as `ferret posture` does,
//! and the ACE judgement on constructed entries.

use ferret_collect::servers::registry_acl::{AceEntry, AceKind};
use ferret_posture::registry::AclPolicy;
mod common;

use ferret_posture::{Check, Status};
use std::path::{Path, PathBuf};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/artifacts/registry"
);

/// A decompressed hive from the data set, or `None` when it is not here.
fn hive(name: &str) -> Option<Vec<u8>> {
    let b = std::fs::read(Path::new(DIR).join(name)).ok();
    if b.is_none() {
        println!("skipped: ../shared not present");
    }
    b
}

/// Lays `bytes` out as `C/Windows/System32/config/SYSTEM` under a new root.
fn root_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let config = d.path().join("C/Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    let p = config.join("SYSTEM");
    std::fs::write(&p, bytes).unwrap();
    (d, p)
}

/// The M1024 check on `root`, the way the CLI gets there.
fn registry_check(root: &Path) -> Check {
    common::check(&common::posture(root), "registry.permissions").clone()
}

fn values(c: &Check) -> Vec<String> {
    c.evidence
        .iter()
        .filter_map(|e| e.value.as_ref().map(|v| v.to_string()))
        .collect()
}

/// `S-1-5-32-545` (Users) as stored: revision, count, authority, sub-authorities.
fn users_sid() -> Vec<u8> {
    let mut b = vec![1, 2, 0, 0, 0, 0, 0, 5];
    b.extend_from_slice(&32u32.to_le_bytes());
    b.extend_from_slice(&545u32.to_le_bytes());
    b
}

#[test]
fn stock_hives_are_met_with_the_keys_checked() {
    for name in ["SYSTEM_2", "SYSTEM_WIN_10_1709"] {
        let Some(bytes) = hive(name) else {
            return;
        };
        let (d, path) = root_with(&bytes);
        let c = registry_check(d.path());
        assert_eq!(c.status, Status::Met, "{name}: {:#?}", c.evidence);
        let checked = c
            .evidence
            .iter()
            .find(|e| e.what.starts_with("keys read"))
            .expect("keys checked");
        assert_eq!(
            checked.file.as_ref().map(|f| f.to_string()),
            Some(path.to_string_lossy().into_owned())
        );
        let listed = checked.value.as_ref().unwrap().to_string();
        // Key names escaped (a backslash is written `\\`).
        assert!(
            listed.starts_with(
                "ControlSet001\\\\Services, ControlSet001\\\\Services\\\\TermService\\\\Parameters"
            ),
            "{listed}"
        );
        // IIS and Exchange are not installed on these hosts.
        assert!(c
            .evidence
            .iter()
            .any(|e| e.what.starts_with("keys not in the hive")
                && e.value
                    .as_ref()
                    .is_some_and(|v| v.to_string().contains("W3SVC"))));
    }
}

#[test]
fn users_write_on_services_is_not_met() {
    let Some(mut bytes) = hive("SYSTEM_2") else {
        return;
    };
    // Every Users KEY_READ (0x20019) ACE in the hive becomes KEY_ALL_ACCESS.
    let mut from = 0x20019u32.to_le_bytes().to_vec();
    from.extend_from_slice(&users_sid());
    let mut at = 0;
    let mut n = 0;
    while let Some(p) = bytes[at..].windows(from.len()).position(|w| w == from) {
        bytes[at + p..at + p + 4].copy_from_slice(&0xf003fu32.to_le_bytes());
        at += p + from.len();
        n += 1;
    }
    assert!(n > 0);
    let (d, path) = root_with(&bytes);
    let c = registry_check(d.path());
    assert_eq!(c.status, Status::NotMet, "{:#?}", c.evidence);
    let v = values(&c);
    assert!(
        v.iter().any(|s| s.ends_with("Services: S-1-5-32-545 has write (mask 0x000f003f: KEY_ALL_ACCESS, KEY_CREATE_SUB_KEY, KEY_SET_VALUE, WRITE_DAC, WRITE_OWNER)")),
        "{v:#?}"
    );
    assert!(v
        .iter()
        .any(|s| s.contains("TermService") && s.contains("S-1-5-32-545 has write")));
    assert!(c.evidence.iter().all(
        |e| e.file.as_ref().map(|f| f.to_string()) == Some(path.to_string_lossy().into_owned())
    ));
    // The advice says what to do.
    assert!(c.advice.contains("Set-Acl"));
}

#[test]
fn unreadable_hive_is_unknown_and_no_hive_is_unknown() {
    let empty = tempfile::tempdir().unwrap();
    let c = registry_check(empty.path());
    assert_eq!(c.status, Status::Unknown);
    assert!(c.evidence[0].what.contains("no SYSTEM hive"));

    let mut junk = b"regf".to_vec();
    junk.resize(0x3000, 0x5a);
    let (d, _) = root_with(&junk);
    let c = registry_check(d.path());
    assert_eq!(c.status, Status::Unknown, "{:#?}", c.evidence);
    assert!(c.evidence.iter().any(|e| e.what == "hive problem"));

    // A real hive whose security cells lost their signature: keys found,
    // descriptors unreadable.
    let Some(mut bytes) = hive("SYSTEM_2") else {
        return;
    };
    let mut at = 0x1000;
    while let Some(p) = bytes[at..].windows(2).position(|w| w == b"sk") {
        let cell = at + p - 4;
        if cell % 8 == 0 && i32::from_le_bytes(bytes[cell..cell + 4].try_into().unwrap()) < 0 {
            bytes[cell + 4..cell + 6].copy_from_slice(b"zz");
        }
        at += p + 2;
    }
    let (d, _) = root_with(&bytes);
    let c = registry_check(d.path());
    assert_eq!(c.status, Status::Unknown, "{:#?}", c.evidence);
    assert!(values(&c).iter().any(|v| v.contains("no sk signature")));
}

fn ace(kind: AceKind, sid: &str, mask: u32, inherit_only: bool) -> AceEntry {
    AceEntry {
        kind,
        sid: sid.into(),
        mask,
        inherit_only,
    }
}

#[test]
fn ace_judgement() {
    let p = AclPolicy::embedded().unwrap();
    let allow = |sid: &str, mask: u32| p.open_ace(&ace(AceKind::Allow, sid, mask, false));
    // Untrusted principals with a write right.
    assert_eq!(
        allow("S-1-1-0", 0x4000_0000).as_deref(),
        Some("S-1-1-0 has write (mask 0x40000000: GENERIC_WRITE)")
    );
    assert!(allow("S-1-5-11", 0x2).is_some_and(|s| s.contains("KEY_SET_VALUE")));
    assert!(allow("S-1-5-21-1-2-3-1104", 0x4).is_some_and(|s| s.contains("KEY_CREATE_SUB_KEY")));
    assert!(allow("S-1-5-32-545", 0x1000_0000).is_some_and(|s| s.contains("GENERIC_ALL")));
    assert!(allow("S-1-5-32-545", 0x40000).is_some_and(|s| s.contains("WRITE_DAC")));
    assert!(allow("S-1-5-32-545", 0x80000).is_some_and(|s| s.contains("WRITE_OWNER")));
    // Read only, or trusted principals.
    assert_eq!(allow("S-1-5-32-545", 0x20019), None);
    assert_eq!(allow("S-1-5-32-545", 0x8000_0000), None);
    for trusted in [
        "S-1-5-18",
        "S-1-5-32-544",
        "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
        "S-1-3-0",
        "S-1-5-80-2940520708-3855866260-481812779-327648279-1710889582",
    ] {
        assert_eq!(allow(trusted, 0xf003f), None, "{trusted}");
    }
    // Deny and other ACEs grant nothing; inherit-only grants to new subkeys.
    assert_eq!(
        p.open_ace(&ace(AceKind::Deny, "S-1-1-0", 0xf003f, false)),
        None
    );
    assert_eq!(
        p.open_ace(&ace(AceKind::Other, "S-1-1-0", 0xf003f, false)),
        None
    );
    assert!(p
        .open_ace(&ace(AceKind::Allow, "S-1-5-32-545", 0x1000_0000, true))
        .is_some_and(|s| s.ends_with("inherited by new subkeys only)")));
    // KEY_ALL_ACCESS is named only when all its bits are there.
    assert!(!p.write_rights_in(0x2).contains(&"KEY_ALL_ACCESS"));
    assert!(p.write_rights_in(0xf003f).contains(&"KEY_ALL_ACCESS"));
}
