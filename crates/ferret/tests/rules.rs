//! `ferret rules list|test`.

use crate::util::*;

#[test]
fn rules_test_passes_on_the_shipped_samples() {
    let out = ferret()
        .current_dir(repo())
        .args(["rules", "test"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(" 0 failed, 0 rules lacking samples"),
        "{text}"
    );
}

#[test]
fn rules_test_fails_when_a_sample_misbehaves() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "heur.php.request_to_sink/match/x.php",
        b"<?php echo 'nothing here'; ?>",
    );
    let out = ferret()
        .args(["rules", "test", "--samples", d.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL heur.php.request_to_sink"));
}

#[test]
fn rules_list_jsonl_has_every_rule_with_metadata() {
    let out = ferret()
        .args(["rules", "list", "--format", "jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 100);
    let mut sigma = 0;
    for l in &lines {
        if l["kind"] == "sigma" {
            sigma += 1;
            assert!(
                l["id"].is_string()
                    && l["status"] == "loaded"
                    && l["origin"] == "shipped"
                    && l["mapped"] == true
                    && l["technique"].as_str().unwrap().starts_with("T1505")
                    && l["level"].is_string(),
                "{l}"
            );
        } else {
            assert!(
                l["id"].is_string() && l["technique"] == "T1505.003" && l["score"].is_u64(),
                "{l}"
            );
        }
    }
    assert!(sigma >= 30, "{sigma} shipped Sigma rules listed");
}

#[test]
fn compiled_rules_give_the_same_findings_and_bad_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let compiled = d.path().join("ferret.rules");
    let out = ferret()
        .args(["rules", "compile", "-o"])
        .arg(&compiled)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = repo().join("examples/webroot");
    let root = root.to_str().unwrap();
    let (plain, _, _) = scan_jsonl(&[root]);
    let (pre, code, _) = scan_jsonl(&[root, "--compiled-rules", compiled.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(paths(&plain), paths(&pre));
    let evidence = |f: &[serde_json::Value]| {
        f.iter()
            .map(|x| x["evidence"].to_string())
            .collect::<Vec<_>>()
    };
    let (mut a, mut b) = (evidence(&plain), evidence(&pre));
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // A truncated or foreign file is a clear error, not a silent fallback.
    let bytes = std::fs::read(&compiled).unwrap();
    std::fs::write(&compiled, &bytes[..bytes.len() / 2]).unwrap();
    let (_, code, err) = scan_jsonl(&[root, "--compiled-rules", compiled.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("truncated") || err.contains("corrupt"),
        "{err}"
    );
    std::fs::write(&compiled, b"not rules").unwrap();
    let (_, code, err) = scan_jsonl(&[root, "--compiled-rules", compiled.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a ferret compiled rules file"), "{err}");
}
