//! Helpers: a temp tree, the binary, JSONL parsing.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn ferret() -> Command {
    Command::cargo_bin("ferret").unwrap()
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn write(dir: &Path, rel: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    p
}

/// Runs `ferret ARGS --format jsonl`; returns (findings, exit code, stderr).
pub fn run_jsonl<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (Vec<serde_json::Value>, i32, String) {
    let out = ferret()
        .args(args)
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    let findings = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        findings,
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `ferret scan ARGS --format jsonl -q`; returns (findings, exit code, stderr).
pub fn scan_jsonl(args: &[&str]) -> (Vec<serde_json::Value>, i32, String) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.push("-q");
    run_jsonl(&all)
}

pub fn paths(findings: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| f["subject"]["path"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// A harmless PHP one-liner that every layer of detection must see.
pub const SHELL: &[u8] = b"<?php if (false) { @eval($_POST['ferret_test']); } ?>";
