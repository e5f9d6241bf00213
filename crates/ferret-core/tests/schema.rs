//! The finding contract must not drift: the serialized keys of a full
//! finding must equal the golden file, and every key must be documented in
//! `docs/finding.md`.

use ferret_core::*;
use std::collections::BTreeSet;
use std::path::Path;

fn sample() -> Finding {
    Finding {
        id: stable_id(&["ferret.webshell", "/var/www/html/up/x.php"]),
        time: "2026-11-23T10:00:00Z".into(),
        host: "web01".into(),
        technique: Technique::WebShell,
        technique_name: Technique::WebShell.name().into(),
        title: "PHP web shell: request data reaches eval() directly".into(),
        severity: Severity::Critical,
        confidence: Confidence::new(0.93),
        score: 135,
        rule: "ferret.webshell".into(),
        subject: Subject::File(FileSubject {
            path: Escaped::from_text("/var/www/html/up/x.php"),
            original_path: Some(Escaped::from_text("C:\\inetpub\\wwwroot\\x.php")),
            sha256: "0".repeat(64),
            size: 31,
            language: Some("php".into()),
            identified_by: Some("extension".into()),
            mtime: Some("2026-11-20T03:14:15Z".into()),
        }),
        evidence: vec![Evidence {
            source: EvidenceSource::Heuristic,
            rule: "heur.php.request_to_sink".into(),
            detail: "request data reaches eval() directly".into(),
            score: 60,
            offset: Some(6),
            line: Some(1),
            excerpt: Some(Escaped::from_bytes(b"@eval($_POST['x']);")),
        }],
        mitigations: vec![Mitigation::M1047, Mitigation::M1042],
        incident: stable_id(&["file", "/var/www/html/up/x.php"]),
    }
}

fn key_paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                key_paths(v, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for v in a {
                key_paths(v, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn finding_matches_golden_json() {
    let golden_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/finding.golden.json");
    let actual = serde_json::to_string_pretty(&sample()).unwrap() + "\n";
    if std::env::var_os("FERRET_BLESS").is_some() {
        std::fs::write(&golden_path, &actual).unwrap();
    }
    let golden = std::fs::read_to_string(&golden_path)
        .expect("golden file (run with FERRET_BLESS=1 to create)");
    assert_eq!(
        actual, golden,
        "the finding contract changed: update docs/finding.md, then FERRET_BLESS=1"
    );
    let back: Finding = serde_json::from_str(&golden).unwrap();
    assert_eq!(back, sample());
}

#[test]
fn every_key_is_documented() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/finding.md"),
    )
    .unwrap();
    let mut keys = BTreeSet::new();
    key_paths(&serde_json::to_value(sample()).unwrap(), "", &mut keys);
    for k in keys {
        assert!(
            doc.contains(&format!("`{k}`")),
            "docs/finding.md does not document `{k}`"
        );
    }
}
