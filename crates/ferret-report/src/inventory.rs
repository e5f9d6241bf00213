//! `ferret inventory` output: one row per server component, with its verdict
//! and reasons. The table is for people; `jsonl` gives one component per line
//! (`"record": "component"`, with the finding embedded when the component
//! earned one) and one line per finding that has no component
//! (`"record": "finding"`, e.g. an install-log line).

use crate::ReportError;
use ferret_core::{Escaped, Finding};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// One reason behind a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonRecord {
    /// Stable id of the check.
    pub rule: String,
    /// Weight it added (0 for reasons that explain a stock verdict).
    pub score: u32,
    /// Why, escaped.
    pub detail: Escaped,
}

/// One component as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentRecord {
    /// Always `component`.
    pub record: &'static str,
    /// The server that loads it.
    pub server: &'static str,
    /// What it is.
    pub component: &'static str,
    /// Its configured name.
    pub name: Escaped,
    /// The implementation as declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Escaped>,
    /// The implementation found on disk, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Escaped>,
    /// `file:line` or `file!key`.
    pub declared_in: Escaped,
    /// `stock`, `unknown` or `suspicious`.
    pub verdict: &'static str,
    /// Sum of the reasons' weights.
    pub score: u32,
    /// Every reason, strongest first.
    pub reasons: Vec<ReasonRecord>,
    /// Further facts from the declaration.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, Escaped>,
    /// SHA-256 of the implementation file, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The finding, when the component earned one at or above --min-severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
}

#[derive(Serialize)]
struct FindingRecord<'a> {
    record: &'static str,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// Writes components as one JSON object per line, then the findings that
/// belong to no component.
pub fn write_jsonl(
    out: &mut dyn Write,
    rows: &[ComponentRecord],
    other: &[Finding],
) -> Result<(), ReportError> {
    for r in rows {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    for f in other {
        serde_json::to_writer(
            &mut *out,
            &FindingRecord {
                record: "finding",
                finding: f,
            },
        )?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Writes the component table: one row per component, grouped by server,
/// with the reasons under every component that is not stock.
pub fn write_table(
    out: &mut dyn Write,
    rows: &[ComponentRecord],
    color: bool,
) -> Result<(), ReportError> {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut server = "";
    for r in rows {
        if r.server != server {
            server = r.server;
            writeln!(out, "\n{}", paint("1", &format!("== {server}")))?;
        }
        let verdict = match r.verdict {
            "suspicious" => paint("31", "SUSPICIOUS"),
            "unknown" => paint("33", "unknown   "),
            _ => paint("32", "stock     "),
        };
        let imp = r.implementation.as_ref().map(|i| i.as_str()).unwrap_or("-");
        writeln!(
            out,
            "{verdict} {:<16} {}  {}",
            r.component,
            r.name,
            clip(imp, 90)
        )?;
        writeln!(out, "           declared {}", r.declared_in)?;
        if r.verdict != "stock" {
            for reason in r.reasons.iter().filter(|x| x.score > 0) {
                writeln!(out, "           +{:<3} {}", reason.score, reason.detail)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Shortens text to `max` characters with an ellipsis in the middle.
fn clip(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        return s.to_string();
    }
    let half = (max - 3) / 2;
    let head: String = chars[..half].iter().collect();
    let tail: String = chars[chars.len() - half..].iter().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, verdict: &'static str) -> ComponentRecord {
        ComponentRecord {
            record: "component",
            server: "iis",
            component: "native_module",
            name: Escaped::from_text(name),
            implementation: Some(Escaped::from_text("C:\\x\\y.dll")),
            resolved: None,
            declared_in: Escaped::from_text("applicationHost.config:12"),
            verdict,
            score: if verdict == "stock" { 0 } else { 60 },
            reasons: vec![ReasonRecord {
                rule: "iis.x".into(),
                score: 60,
                detail: Escaped::from_text("image outside inetsrv"),
            }],
            attrs: BTreeMap::new(),
            sha256: None,
            finding: None,
        }
    }

    #[test]
    fn table_shows_reasons_only_for_non_stock_and_escapes_names() {
        let mut buf = Vec::new();
        write_table(
            &mut buf,
            &[row("Good", "stock"), row("Ev\x1b[2Jil", "suspicious")],
            false,
        )
        .unwrap();
        let t = String::from_utf8(buf).unwrap();
        assert_eq!(t.matches("image outside inetsrv").count(), 1);
        assert!(t.contains("Ev\\x1b[2Jil"));
        assert!(!t.contains('\x1b'));
    }

    #[test]
    fn jsonl_one_component_per_line() {
        let mut buf = Vec::new();
        write_jsonl(&mut buf, &[row("A", "stock"), row("B\nC", "unknown")], &[]).unwrap();
        let t = String::from_utf8(buf).unwrap();
        assert_eq!(t.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(t.lines().nth(1).unwrap()).unwrap();
        assert_eq!(v["record"], "component");
        assert_eq!(v["name"], "B\\nC");
    }
}
