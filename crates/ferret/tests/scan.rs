//! `ferret scan`: detection, formats, exit codes, scoping.

use crate::util::*;

#[test]
fn example_webroot_finds_the_shells_and_only_them() {
    let root = repo().join("examples/webroot");
    let (f, code, _) = scan_jsonl(&[root.to_str().unwrap()]);
    assert_eq!(code, 1);
    let mut names: Vec<String> = paths(&f)
        .iter()
        .map(|p| p.rsplit("webroot/").next().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "admin/notes.txt",
            "app/status.jsp",
            "includes/cache.php",
            "uploads/.thumbs.php",
            "uploads/avatar.jpg"
        ]
    );
    for x in &f {
        assert!(!x["evidence"].as_array().unwrap().is_empty());
        for e in x["evidence"].as_array().unwrap() {
            assert!(e["rule"].is_string() && e["detail"].is_string() && e["score"].is_u64());
        }
    }
    let avatar = f
        .iter()
        .find(|x| {
            x["subject"]["path"]
                .as_str()
                .unwrap()
                .ends_with("avatar.jpg")
        })
        .unwrap();
    assert_eq!(avatar["subject"]["identified_by"], "content");
    let thumbs = f
        .iter()
        .find(|x| {
            x["subject"]["path"]
                .as_str()
                .unwrap()
                .ends_with(".thumbs.php")
        })
        .unwrap();
    assert!(
        thumbs["evidence"]
            .to_string()
            .contains("in content decoded: base64 > gzinflate"),
        "{thumbs}"
    );
}

#[test]
fn table_groups_by_severity_and_has_no_colour_when_piped() {
    let root = repo().join("examples/webroot");
    let out = ferret()
        .args(["scan", root.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("== "), "{text}");
    assert!(!text.contains('\x1b'));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("files scanned") && err.contains("skipped") && err.contains("errors"),
        "{err}"
    );
}

#[test]
fn clean_tree_exits_zero_and_weak_signal_is_not_medium() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "a.php",
        b"<?php $x = eval('return 1;'); echo $x; ?>",
    );
    write(
        d.path(),
        "b.php",
        b"<?php echo htmlspecialchars($_GET['q']); ?>",
    );
    let (f, code, _) = scan_jsonl(&[d.path().to_str().unwrap()]);
    assert_eq!((f.len(), code), (0, 0));
    let (f, _, _) = scan_jsonl(&[d.path().to_str().unwrap(), "--min-severity", "info"]);
    assert!(f
        .iter()
        .all(|x| x["severity"] != "medium" && x["severity"] != "high"));
}

#[test]
fn fail_on_and_min_severity() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "s.php", SHELL);
    let p = d.path().to_str().unwrap();
    let (f, code, _) = scan_jsonl(&[p, "--fail-on", "critical"]);
    assert!(!f.is_empty());
    let sev = f[0]["severity"].as_str().unwrap();
    assert_eq!(code, if sev == "critical" { 1 } else { 0 });
    let (f, _, _) = scan_jsonl(&[p, "--min-severity", "critical"]);
    assert!(f.iter().all(|x| x["severity"] == "critical"));
}

#[test]
fn exclude_and_allowlist() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "vendor/s.php", SHELL);
    let reviewed = write(d.path(), "app/reviewed.php", SHELL);
    write(d.path(), "app/other.php", b"<?php system($_GET['x']); ?>");
    let allow = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        allow.path(),
        format!(
            "[[allow]]\npath = \"{}\"\nreason = \"reviewed test file\"\n",
            reviewed.display()
        ),
    )
    .unwrap();
    let (f, _, _) = scan_jsonl(&[
        d.path().to_str().unwrap(),
        "--exclude",
        "vendor",
        "--allowlist",
        allow.path().to_str().unwrap(),
    ]);
    let p = paths(&f);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].ends_with("app/other.php"));
}

#[test]
fn bad_allowlist_is_a_clear_error() {
    let allow = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(allow.path(), "[[allow]]\npath = \"/x\"\n").unwrap();
    let d = tempfile::tempdir().unwrap();
    let out = ferret()
        .args([
            "scan",
            d.path().to_str().unwrap(),
            "--allowlist",
            allow.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reason"));
}

#[test]
fn root_maps_triage_paths_to_the_source_system() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "C%3A/inetpub/wwwroot/up/x.php", SHELL);
    write(d.path(), "var/www/html/y.php", SHELL);
    let (f, _, _) = scan_jsonl(&["--root", d.path().to_str().unwrap(), "--host", "srv1"]);
    let mut orig: Vec<&str> = f
        .iter()
        .map(|x| x["subject"]["original_path"].as_str().unwrap())
        .collect();
    orig.sort();
    assert_eq!(
        orig,
        [
            "/var/www/html/y.php",
            "C:\\\\inetpub\\\\wwwroot\\\\up\\\\x.php"
        ]
    );
    assert!(f.iter().all(|x| x["host"] == "srv1"));
    // PATHs under --root are taken inside the image.
    let (f, _, _) = scan_jsonl(&["--root", d.path().to_str().unwrap(), "/var/www"]);
    assert_eq!(f.len(), 1);
}

#[test]
fn user_yara_rules_get_externals_and_run_on_non_scripts() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "blob.bin", b"\x00\x01MARKER-FERRET-TEST\x02");
    let rules = tempfile::tempdir().unwrap();
    write(
        rules.path(),
        "t.yar",
        br#"rule user_marker { meta: score = 80 strings: $a = "MARKER-FERRET-TEST" condition: $a and extension == ".bin" and filename == "blob.bin" }"#,
    );
    write(rules.path(), "broken.yar", b"rule x { condition: nope }");
    let (f, code, err) = scan_jsonl(&[
        d.path().to_str().unwrap(),
        "--yara",
        rules.path().to_str().unwrap(),
    ]);
    assert_eq!(f.len(), 1, "{err}");
    assert_eq!(f[0]["evidence"][0]["rule"], "user.user_marker");
    assert_eq!(code, 2, "a refused rule file is an error");
    assert!(err.contains("broken.yar"), "{err}");
}

#[test]
fn output_file_inside_the_scanned_tree_is_refused() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "s.php", SHELL);
    let out = ferret()
        .args(["scan", d.path().to_str().unwrap(), "--output"])
        .arg(d.path().join("report.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.path().join("report.jsonl").exists());
    let o = tempfile::tempdir().unwrap();
    let target = o.path().join("r.jsonl");
    let out = ferret()
        .args([
            "scan",
            d.path().to_str().unwrap(),
            "--format",
            "jsonl",
            "-q",
            "--output",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&target).unwrap().lines().count(), 1);
}

#[test]
fn scan_never_writes_inside_the_tree() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a/s.php", SHELL);
    write(d.path(), "b.txt", b"hello");
    let before = listing(d.path());
    let _ = scan_jsonl(&[d.path().to_str().unwrap()]);
    assert_eq!(before, listing(d.path()));
}

fn listing(p: &std::path::Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(p).unwrap().flatten() {
        let m = e.metadata().unwrap();
        v.push((
            e.path().display().to_string(),
            m.len(),
            m.modified().unwrap(),
        ));
        if m.is_dir() {
            v.extend(listing(&e.path()));
        }
    }
    v.sort();
    v
}

#[test]
fn ids_are_stable_across_runs() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "s.php", SHELL);
    let (a, _, _) = scan_jsonl(&[d.path().to_str().unwrap()]);
    let (b, _, _) = scan_jsonl(&[d.path().to_str().unwrap(), "--threads", "1"]);
    assert_eq!(a[0]["id"], b[0]["id"]);
    assert_eq!(a[0]["evidence"], b[0]["evidence"]);
}

#[test]
fn missing_path_is_an_error_but_others_are_scanned() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "s.php", SHELL);
    let (f, code, err) = scan_jsonl(&[d.path().to_str().unwrap(), "/nonexistent/ferret"]);
    assert_eq!((f.len(), code), (1, 2));
    assert!(err.contains("/nonexistent/ferret"));
}
