//! Printers for a [`Posture`]: a table for people, one JSON document, or
//! JSON lines (one record per check). Every value from the examined system
//! is already [`ferret_core::Escaped`].

use crate::{Check, Evidence, Posture, Status};
use serde::Serialize;
use std::io::{self, Write};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text, one block per check.
    Table,
    /// The whole posture as one JSON document.
    Json,
    /// One `posture_check` JSON record per line.
    Jsonl,
}

/// One JSON line: the check with the host and time it belongs to.
#[derive(Serialize)]
struct Line<'a> {
    record: &'static str,
    host: &'a str,
    time: &'a str,
    #[serde(flatten)]
    check: &'a Check,
}

/// Writes `p` in `format`.
pub fn write(out: &mut dyn Write, p: &Posture, format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, p)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for c in &p.checks {
                let l = Line {
                    record: "posture_check",
                    host: &p.host,
                    time: &p.time,
                    check: c,
                };
                serde_json::to_writer(&mut *out, &l)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Table => table(out, p),
    }
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotMet => "NOT MET",
        Status::Unknown => "unknown",
    }
}

fn evidence_line(e: &Evidence) -> String {
    let mut s = e.what.clone();
    if let Some(f) = &e.file {
        s.push_str(&format!("  [{f}"));
        if let Some(l) = e.line {
            s.push_str(&format!(":{l}"));
        }
        s.push(']');
    }
    if let Some(v) = &e.value {
        s.push_str(&format!("  = {v}"));
    }
    s
}

fn table(out: &mut dyn Write, p: &Posture) -> io::Result<()> {
    writeln!(
        out,
        "Posture of {} (root {}) at {}",
        crate::escape(&p.host),
        p.root,
        crate::escape(&p.time)
    )?;
    for c in &p.checks {
        writeln!(out)?;
        writeln!(
            out,
            "{:<8} {}  {}  {}",
            status_label(c.status),
            c.mitigation,
            c.id,
            c.title
        )?;
        for e in &c.evidence {
            writeln!(out, "         - {}", evidence_line(e))?;
        }
        if c.status != Status::Met {
            writeln!(out, "         advice: {}", c.advice)?;
        }
    }
    let n = |s| p.checks.iter().filter(|c| c.status == s).count();
    writeln!(out)?;
    writeln!(
        out,
        "{} checks: {} met, {} not met, {} unknown",
        p.checks.len(),
        n(Status::Met),
        n(Status::NotMet),
        n(Status::Unknown)
    )?;
    for e in &p.errors {
        writeln!(out, "error: {e}")?;
    }
    Ok(())
}
