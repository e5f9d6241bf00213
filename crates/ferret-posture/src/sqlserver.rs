//! M1042: SQL Server's `xp_cmdshell` and CLR integration are off, from the
//! `Configuration option 'X' changed from A to B.` lines of each readable
//! ERRORLOG under root (UTF-16LE with a BOM, or UTF-8); the last change of
//! each option wins, across the files in modification order.

use crate::catalogue::MssqlRule;
use crate::{Check, Evidence, Status};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Most bytes read of one ERRORLOG.
const MAX_ERRORLOG: u64 = 64 * 1024 * 1024;
/// Deepest directory level searched for ERRORLOGs.
const MAX_DEPTH: usize = 10;
/// Most directory entries looked at while searching.
const MAX_ENTRIES: usize = 200_000;

/// Decodes an ERRORLOG (UTF-16LE with BOM, else UTF-8, lossy).
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).into_owned()
    }
}

/// `Configuration option 'xp_cmdshell' changed from 0 to 1.` → (option, from, to).
pub fn parse_change(line: &str) -> Option<(String, i64, i64)> {
    let at = line.find("Configuration option '")?;
    let rest = &line[at + "Configuration option '".len()..];
    let (name, rest) = rest.split_once('\'')?;
    let rest = rest.trim_start().strip_prefix("changed from ")?;
    let (from, rest) = rest.split_once(" to ")?;
    let to: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    Some((
        name.to_ascii_lowercase(),
        from.trim().parse().ok()?,
        to.parse().ok()?,
    ))
}

fn find_logs(root: &Path, set: &globset::GlobSet) -> Vec<PathBuf> {
    let mut found = Vec::new();
    crate::tree::walk(root, MAX_DEPTH, MAX_ENTRIES, |p, ft, name, depth| {
        let rel = p.strip_prefix(root).unwrap_or(p);
        if ft.is_file() && set.is_match(rel) {
            found.push(p.to_path_buf());
            return false;
        }
        // Pseudo and bulky trees that never hold an ERRORLOG.
        !(depth == 0 && matches!(name.to_str(), Some("proc" | "sys" | "dev" | "run")))
    });
    found
}

/// Runs the check.
pub fn check(rule: &MssqlRule, root: &Path, errors: &mut Vec<String>) -> Check {
    let set = match crate::catalogue::glob_set(&rule.meta.id, &rule.errorlogs) {
        Ok(s) => s,
        Err(e) => {
            return Check::new(
                &rule.meta,
                Status::Unknown,
                vec![Evidence::note(e.to_string())],
            )
        }
    };
    let mut logs = find_logs(root, &set);
    logs.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let mut last: BTreeMap<String, (PathBuf, u64, String, i64)> = BTreeMap::new();
    let mut read = 0usize;
    for log in &logs {
        let bytes = match ferret_collect::read::read_file(log, MAX_ERRORLOG) {
            Ok(ferret_collect::read::ReadOutcome::Content { bytes, .. }) => bytes,
            Ok(ferret_collect::read::ReadOutcome::Skipped(why)) => {
                errors.push(format!("{}: {why}", log.display()));
                continue;
            }
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        read += 1;
        for (i, line) in decode(&bytes).lines().enumerate() {
            if let Some((opt, _, to)) = parse_change(line) {
                if rule.options.contains(&opt) {
                    last.insert(
                        opt,
                        (log.clone(), i as u64 + 1, line.trim().to_string(), to),
                    );
                }
            }
        }
    }
    let mut evidence = Vec::new();
    let mut bad = false;
    for opt in &rule.options {
        match last.get(opt) {
            Some((file, line, text, to)) => {
                let on_is_safe = rule.safe_when_on.iter().any(|s| s == opt);
                let safe = if on_is_safe { *to == 1 } else { *to == 0 };
                bad |= !safe;
                let what = format!(
                    "'{opt}' last set to {to} ({})",
                    if safe { "safe" } else { "unsafe" }
                );
                evidence.push(Evidence::at(what, file).line(*line).value(text));
            }
            None if read > 0 => evidence.push(Evidence::note(format!(
                "'{opt}': no change recorded in the ERRORLOGs read (default)"
            ))),
            None => {}
        }
    }
    let status = if bad {
        Status::NotMet
    } else if read == 0 {
        evidence.push(Evidence::note("no readable SQL Server ERRORLOG under root"));
        Status::Unknown
    } else if last.is_empty() {
        // Defaults are off, but the logs may have rolled over since a change.
        evidence.push(Evidence::note(format!(
            "{read} ERRORLOGs read; the setting may predate them"
        )));
        Status::Unknown
    } else {
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_lines() {
        let l = "2024-03-01 10:00:00.12 spid52      Configuration option 'xp_cmdshell' changed from 0 to 1. Run the RECONFIGURE statement to install.";
        assert_eq!(parse_change(l), Some(("xp_cmdshell".into(), 0, 1)));
        assert_eq!(
            parse_change("Configuration option 'clr enabled' changed from 1 to 0."),
            Some(("clr enabled".into(), 1, 0))
        );
        assert_eq!(parse_change("nothing here"), None);
        let mut u16le = vec![0xFF, 0xFE];
        for u in "ab\r\n".encode_utf16() {
            u16le.extend(u.to_le_bytes());
        }
        assert_eq!(decode(&u16le), "ab\r\n");
    }
}
