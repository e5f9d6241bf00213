//! `ferret posture` on real trees, with a real baseline store made through
//! the ferret-store API (present, absent, tampered).

use crate::util::{ferret, write};
use ferret_core::{Item, ItemKind};
use ferret_store::baseline::{Baselines, NewBaseline};
use ferret_store::seal::{Anchor, Key};
use std::path::Path;

/// A small Debian-like server: PHP-FPM without disable_functions, Apache
/// serving /var/www/html, a second uid-0 account.
fn tree(r: &Path) {
    write(
        r,
        "etc/php/8.2/fpm/php.ini",
        b"[PHP]\nengine = On\nexpose_php = Off\n",
    );
    write(
        r,
        "etc/apache2/apache2.conf",
        b"User www-data\nGroup www-data\nIncludeOptional sites-enabled/*.conf\n",
    );
    write(
        r,
        "etc/apache2/sites-enabled/site.conf",
        b"<VirtualHost *:80>\nDocumentRoot /var/www/html\n</VirtualHost>\n",
    );
    write(r, "var/www/html/index.html", b"hello\n");
    write(r, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\nbackdoor:x:0:0::/:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n");
}

/// Runs posture with JSON output; returns (document, exit code, stderr).
fn run(root: &Path, db: &Path, key: &Path) -> (serde_json::Value, i32, String) {
    let out = ferret()
        .args(["posture", "--format", "json", "--host", "web1", "--root"])
        .arg(root)
        .arg("--db")
        .arg(db)
        .arg("--key")
        .arg(key)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        v,
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

fn make_store(db: &Path, key: &Path) {
    let k = Key::create(key).unwrap();
    let mut b = Baselines::open(db).unwrap();
    let item = Item {
        kind: ItemKind::File,
        key: "/var/www/html/index.html".into(),
        sha256: Some("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03".into()),
        meta: None,
        attrs: Default::default(),
    };
    b.write(
        NewBaseline {
            host: "web1".into(),
            roots: vec!["/var/www".into()],
            note: None,
        },
        vec![item],
        &k,
        &Anchor::beside(key),
    )
    .unwrap();
}

#[test]
fn absent_store_and_weak_settings_are_not_met() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    tree(&root);
    let state = t.path().join("state");
    let (v, code, stderr) = run(&root, &state.join("ferret.db"), &state.join("baseline.key"));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(v["host"], "web1");
    let b = check(&v, "audit.baseline");
    assert_eq!(b["status"], "not_met");
    assert!(b["evidence"][0]["what"]
        .as_str()
        .unwrap()
        .contains("no baseline store"));
    let php = check(&v, "php.disable_functions");
    assert_eq!(php["status"], "not_met");
    assert!(php["evidence"][0]["what"]
        .as_str()
        .unwrap()
        .contains("not set"));
    assert!(php["evidence"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("etc/php/8.2/fpm/php.ini"));
    let su = check(&v, "privilege.few_superusers");
    assert_eq!(su["status"], "not_met");
    assert!(su["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["value"] == "backdoor" && e["line"] == 2));
    assert_eq!(check(&v, "registry.permissions")["status"], "unknown");
    assert_eq!(
        check(&v, "postgres.untrusted_languages")["status"],
        "unknown"
    );
    // Nothing was written inside the examined tree.
    assert!(!state.exists());
}

#[test]
fn sealed_recent_store_is_met_and_tampering_is_not() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    tree(&root);
    let (db, key) = (
        t.path().join("s/ferret.db"),
        t.path().join("k/baseline.key"),
    );
    make_store(&db, &key);
    let (v, _, stderr) = run(&root, &db, &key);
    let b = check(&v, "audit.baseline");
    assert_eq!(b["status"], "met", "{b:#}\n{stderr}");
    assert!(b["evidence"][0]["what"]
        .as_str()
        .unwrap()
        .contains("generation 1, 1 items"));
    assert!(b["evidence"][1]["what"]
        .as_str()
        .unwrap()
        .contains("created 0 days ago"));

    // An item changed behind Ferret's back: the seal no longer matches.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute("UPDATE items SET sha256 = ?1", ["00".repeat(32)])
        .unwrap();
    drop(c);
    let (v, code, _) = run(&root, &db, &key);
    let b = check(&v, "audit.baseline");
    assert_eq!(b["status"], "not_met", "{b:#}");
    assert_eq!(code, 1);
    let why = b["evidence"][0]["value"].as_str().unwrap();
    assert!(why.contains("ALTERED"), "{why}");
}

#[test]
fn jsonl_and_output_file() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    tree(&root);
    let out_file = t.path().join("posture.jsonl");
    let out = ferret()
        .args(["posture", "--format", "jsonl", "--root"])
        .arg(&root)
        .arg("--db")
        .arg(t.path().join("none.db"))
        .arg("--output")
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    assert!(lines.iter().all(|l| l["record"] == "posture_check"));
    assert!(lines.iter().any(|l| l["mitigation"] == "M1046"));
    // --output inside the examined tree is refused.
    let refused = ferret()
        .args(["posture", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(root.join("p.txt"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(!root.join("p.txt").exists());
}
