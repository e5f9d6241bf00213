//! The key file and the anchor, on real files in temp dirs.

use ferret_store::seal::{
    default_key_path, default_store_path, Anchor, AnchorContents, AnchorEntry, Key, SealError,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn key_is_created_private_loaded_back_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("etc/ferret/baseline.key");
    let key = Key::create(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("etc/ferret")), 0o700);
    assert_eq!(mode(&dir.path().join("etc")), 0o700);
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.len(), 65, "{text:?}");
    assert!(text.ends_with('\n'));
    let loaded = Key::load(&path).unwrap();
    assert_eq!(loaded.id(), key.id());
    assert_eq!(key.id().len(), 16);
    assert!(key.id().bytes().all(|b| b.is_ascii_hexdigit()));
    // Debug never shows the secret.
    assert!(!format!("{key:?}").contains(text.trim()));
    let other = Key::create(&dir.path().join("other.key")).unwrap();
    assert_ne!(other.id(), key.id());
    let err = Key::create(&path).unwrap_err();
    assert!(matches!(err, SealError::Exists { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text,
        "existing key kept"
    );
}

#[test]
fn key_load_refuses_open_permissions_and_malformed_contents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    Key::create(&path).unwrap();
    for bad_mode in [0o640, 0o604, 0o620, 0o666] {
        fs::set_permissions(&path, fs::Permissions::from_mode(bad_mode)).unwrap();
        let err = Key::load(&path).unwrap_err();
        match &err {
            SealError::Permissions { mode, .. } => assert_eq!(*mode, bad_mode),
            other => panic!("mode {bad_mode:o}: {other}"),
        }
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    Key::load(&path).unwrap();

    let cases: [(&[u8], &str); 5] = [
        (b"", "found 0 bytes"),
        (b"abcd\n", "found 5 bytes"),
        (&[b'g'; 64], "not hexadecimal"),
        (&[b'a'; 66], "found 66 bytes"),
        (
            b"0000000000000000000000000000000000000000000000000000000000000000\n\n",
            "found 66",
        ),
    ];
    for (i, (contents, reason)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("bad{i}"));
        fs::write(&p, contents).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        let err = Key::load(&p).unwrap_err();
        assert!(matches!(err, SealError::BadKey { .. }), "{err}");
        assert!(err.to_string().contains(reason), "{err}");
    }
    let dir_err = Key::load(dir.path()).unwrap_err();
    assert!(
        matches!(dir_err, SealError::BadKey { .. } | SealError::Io { .. }),
        "{dir_err}"
    );
    let missing = Key::load(&dir.path().join("absent")).unwrap_err();
    assert!(matches!(missing, SealError::Io { .. }), "{missing}");
    // Upper-case hex without a newline is still a key.
    let p = dir.path().join("upper");
    fs::write(&p, "AB".repeat(32)).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
    Key::load(&p).unwrap();
}

#[test]
fn anchor_records_per_store_never_lowers_and_replaces_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("baseline.key");
    let key = Key::create(&key_path).unwrap();
    let anchor = Anchor::beside(&key_path);
    assert_eq!(anchor.path(), dir.path().join("baseline.key.anchor"));
    assert_eq!(anchor.read(&key).unwrap(), None);
    let e = |generation, seal: &str| AnchorEntry {
        generation,
        seal: seal.into(),
    };
    anchor.record(&key, "store-a", e(1, "aa")).unwrap();
    anchor.record(&key, "store-b", e(7, "bb")).unwrap();
    anchor.record(&key, "store-a", e(2, "a2")).unwrap();
    anchor.record(&key, "store-a", e(1, "old")).unwrap();
    assert_eq!(anchor.entry(&key, "store-a").unwrap(), Some(e(2, "a2")));
    assert_eq!(anchor.entry(&key, "store-b").unwrap(), Some(e(7, "bb")));
    assert_eq!(anchor.entry(&key, "store-c").unwrap(), None);
    assert_eq!(mode(anchor.path()), 0o600);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left behind: {names:?}");
}

#[test]
fn anchor_edits_other_keys_and_garbage_are_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("baseline.key");
    let key = Key::create(&key_path).unwrap();
    let anchor = Anchor::beside(&key_path);
    anchor
        .record(
            &key,
            "s1",
            AnchorEntry {
                generation: 9,
                seal: "cafe".into(),
            },
        )
        .unwrap();
    let good = fs::read_to_string(anchor.path()).unwrap();
    assert!(good.contains("\"generation\": 9"), "{good}");

    // Lowering the recorded generation by hand breaks the MAC.
    fs::write(
        anchor.path(),
        good.replace("\"generation\": 9", "\"generation\": 3"),
    )
    .unwrap();
    let err = anchor.entry(&key, "s1").unwrap_err();
    assert!(matches!(err, SealError::AnchorInvalid { .. }), "{err}");
    assert!(err.to_string().contains("MAC"), "{err}");
    // An invalid anchor is never silently replaced.
    let rec = anchor.record(
        &key,
        "s1",
        AnchorEntry {
            generation: 10,
            seal: "x".into(),
        },
    );
    assert!(matches!(rec, Err(SealError::AnchorInvalid { .. })));

    fs::write(anchor.path(), &good).unwrap();
    let other = Key::create(&dir.path().join("other.key")).unwrap();
    let err = anchor.entry(&other, "s1").unwrap_err();
    assert!(
        err.to_string().contains("another key") || err.to_string().contains("not with this key"),
        "{err}"
    );

    for garbage in [
        &b""[..],
        b"{}",
        b"[1,2]",
        b"\xff\xfe",
        b"{\"format\":\"ferret-anchor-1\"}",
    ] {
        let err = AnchorContents::decode(anchor.path(), garbage, &key).unwrap_err();
        assert!(matches!(err, SealError::AnchorInvalid { .. }), "{err}");
    }
    let contents = AnchorContents::decode(anchor.path(), good.as_bytes(), &key).unwrap();
    assert_eq!(
        AnchorContents::decode(anchor.path(), &contents.encode(&key), &key).unwrap(),
        contents
    );
}

#[test]
fn default_paths_follow_env_then_role() {
    // The only test in this binary touching these variables.
    std::env::set_var("FERRET_KEY", "/x/k.key");
    std::env::set_var("FERRET_DB", "/x/s.db");
    assert_eq!(default_key_path(), Path::new("/x/k.key"));
    assert_eq!(default_store_path(), Path::new("/x/s.db"));
    std::env::remove_var("FERRET_KEY");
    std::env::remove_var("FERRET_DB");
    std::env::set_var("XDG_CONFIG_HOME", "/cfg");
    std::env::set_var("XDG_STATE_HOME", "/state");
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        assert_eq!(default_key_path(), Path::new("/etc/ferret/baseline.key"));
        assert_eq!(default_store_path(), Path::new("/var/lib/ferret/ferret.db"));
    } else {
        assert_eq!(default_key_path(), Path::new("/cfg/ferret/baseline.key"));
        assert_eq!(default_store_path(), Path::new("/state/ferret/ferret.db"));
    }
}

#[test]
fn mutated_anchor_bytes_never_panic_and_never_verify_changed() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("baseline.key");
    let key = Key::create(&key_path).unwrap();
    let anchor = Anchor::beside(&key_path);
    for (i, id) in ["a1", "b2"].iter().enumerate() {
        let entry = AnchorEntry {
            generation: 3 + i as u64,
            seal: format!("{:064x}", i + 1),
        };
        anchor.record(&key, id, entry).unwrap();
    }
    let good = fs::read(anchor.path()).unwrap();
    let original = AnchorContents::decode(anchor.path(), &good, &key).unwrap();
    let mut accepted = 0;
    for i in 0..good.len() {
        for replacement in [b'0', b'9', b' ', b'"', 0xff] {
            let mut bad = good.clone();
            if bad[i] == replacement {
                continue;
            }
            bad[i] = replacement;
            if let Ok(c) = AnchorContents::decode(anchor.path(), &bad, &key) {
                // Only layout (whitespace) edits may pass, never content.
                assert_eq!(c, original, "byte {i} -> {replacement}");
                accepted += 1;
            }
        }
        // Cut anywhere before the closing brace (the final newline is layout).
        if i + 1 < good.len() {
            assert!(
                AnchorContents::decode(anchor.path(), &good[..i], &key).is_err(),
                "cut at {i}"
            );
        }
        let _ = Key::parse(anchor.path(), &good[..i.min(70)]);
    }
    assert!(accepted < good.len(), "edits are mostly refused");
}
