//! `ferret scan --root` on a built PAN-OS-like tree: the layout is recognised,
//! the profile's findings and the web-shell scan's join in one output, and
//! `--profile none` / an unknown profile behave.

use crate::util::{run_jsonl, write, SHELL};

/// A GlobalProtect layout (markers), an UPSTYLE-style `.pth` and a web shell in
/// the unauthenticated folder.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "var/appweb/sslvpndocs/global-protect/portal/index.html",
        b"<html></html>",
    );
    write(root, "var/appweb/htdocs/unauth/logo.png", b"\x89PNG");
    write(
        root,
        "usr/lib/python3.6/site-packages/system.pth",
        b"import base64;exec(base64.b64decode('cHJpbnQoMSk='))\n",
    );
    write(
        root,
        "usr/lib/python3.6/site-packages/easy-install.pth",
        b"./setuptools-40.egg\n",
    );
    write(root, "var/appweb/htdocs/unauth/t.php", SHELL);
    dir
}

fn scan(root: &std::path::Path, extra: &[&str]) -> (Vec<serde_json::Value>, i32, String) {
    let mut args: Vec<std::ffi::OsString> = vec!["scan".into(), "--root".into(), root.into()];
    args.push("--no-components".into());
    args.extend(extra.iter().map(|a| a.into()));
    run_jsonl(&args)
}

#[test]
fn a_recognised_appliance_gets_its_profile() {
    let t = tree();
    let (f, code, err) = scan(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("appliance profile panos"), "{err}");
    let rules: Vec<&str> = f.iter().map(|x| x["rule"].as_str().unwrap()).collect();
    for want in [
        "appliance.panos.planted",
        "appliance.panos.interpreter_start",
        "appliance.panos.unshipped_script",
        "ferret.webshell",
    ] {
        assert!(rules.contains(&want), "{want} missing from {rules:?}");
    }
    // The stock .pth that only lists a path is not reported.
    assert!(!f.iter().any(|x| x["subject"]["path"]
        .as_str()
        .unwrap()
        .ends_with("easy-install.pth")));
    let pth = f
        .iter()
        .find(|x| x["rule"] == "appliance.panos.planted")
        .unwrap();
    assert_eq!(
        pth["subject"]["original_path"],
        "/usr/lib/python3.6/site-packages/system.pth"
    );
    assert!(pth["evidence"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("CVE-2024-3400"));

    // --profile none: only the web-shell scan remains.
    let (f, _, err) = scan(t.path(), &["--profile", "none"]);
    assert!(!err.contains("appliance profile"), "{err}");
    assert!(f.iter().all(|x| x["rule"] == "ferret.webshell"), "{f:#?}");

    // An unknown profile is a clear error naming the known ones.
    let (_, code, err) = scan(t.path(), &["--profile", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("netscaler") && err.contains("sophos"), "{err}");
}

#[test]
fn a_plain_tree_gets_no_profile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "var/www/html/index.php", b"<?php echo 1; ?>");
    let (f, code, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(f.is_empty());
    assert!(!err.contains("appliance profile"), "{err}");
}
