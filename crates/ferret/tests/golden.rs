//! Golden outputs: the example web root in every `--format`, compared with
//! `tests/golden/` (volatile values, time, host and mtime, normalized).
//! `FERRET_BLESS=1 cargo test` rewrites them after a deliberate change.

use crate::util::*;

fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("FERRET_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} differs from the golden file (FERRET_BLESS=1 to accept):\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

fn run(format: &str) -> String {
    let out = ferret()
        .current_dir(repo())
        .args([
            "scan",
            "examples/webroot",
            "--format",
            format,
            "-q",
            "--host",
            "golden",
            "--threads",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table_golden() {
    golden("webroot.table.txt", &run("table"));
}

#[test]
fn jsonl_golden() {
    golden("webroot.jsonl", &normalized_jsonl(&run("jsonl")));
}

/// The example triage collection: web shells and rogue components together.
#[test]
fn triage_scan_golden() {
    let out = ferret()
        .current_dir(repo())
        .args([
            "scan",
            "--root",
            "examples/triage",
            "--format",
            "jsonl",
            "-q",
            "--host",
            "golden",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    golden(
        "triage.jsonl",
        &normalized_jsonl(&String::from_utf8(out.stdout).unwrap()),
    );
}

#[test]
fn triage_inventory_golden() {
    let out = ferret()
        .current_dir(repo())
        .args([
            "inventory",
            "--root",
            "examples/triage",
            "-q",
            "--host",
            "golden",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    golden(
        "triage.inventory.txt",
        &String::from_utf8(out.stdout).unwrap(),
    );
}

/// JSON lines with the volatile values (time, file mtime) replaced, sorted.
fn normalized_jsonl(text: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["time"] = "TIME".into();
            if v["subject"]["kind"] == "file" {
                v["subject"]["mtime"] = "MTIME".into();
            }
            serde_json::to_string(&v).unwrap()
        })
        .collect();
    lines.sort();
    lines.join("\n") + "\n"
}
