//! Incidents, for machines (`--format incidents`, one JSON object per
//! incident per line) and for people (`--format incident-table`, each incident
//! with its findings beneath and the reason each one joined).

use crate::{Document, Meta, ReportError};
use ferret_core::escape_controls;
use ferret_core::{Finding, Severity};
use ferret_incident::{Correlation, Incident};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

/// One JSON object per incident: the incident's own keys plus `finding_count`
/// and `finding_titles` (in the incident's finding order).
pub struct IncidentsJsonl;

/// Incidents for a terminal, strongest first; colour (ANSI, severity only)
/// when `color` is set.
pub struct IncidentTable {
    /// Paint severities with ANSI colours.
    pub color: bool,
}

/// Findings by id, each id's findings in input order (ids are per host, so
/// one id can name findings on several hosts).
fn finding_index(c: &Correlation) -> HashMap<&str, Vec<&Finding>> {
    let mut m: HashMap<&str, Vec<&Finding>> = HashMap::with_capacity(c.findings.len());
    for f in &c.findings {
        m.entry(f.id.as_str()).or_default().push(f);
    }
    m
}

/// The findings of `inc`, in the incident's order (an id with no finding is skipped).
fn findings_of<'a>(index: &HashMap<&str, Vec<&'a Finding>>, inc: &Incident) -> Vec<&'a Finding> {
    inc.findings
        .iter()
        .filter_map(|id| {
            let same_id = index.get(id.as_str())?;
            same_id
                .iter()
                .find(|f| f.host == inc.host)
                .or_else(|| same_id.first())
                .copied()
        })
        .collect()
}

impl Document for IncidentsJsonl {
    fn write(&self, c: &Correlation, _meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError> {
        let index = finding_index(c);
        for inc in &c.incidents {
            let mut v = serde_json::to_value(inc)?;
            let titles: Vec<&str> = findings_of(&index, inc)
                .iter()
                .map(|f| f.title.as_str())
                .collect();
            if let Value::Object(m) = &mut v {
                m.insert("finding_count".into(), json!(inc.findings.len()));
                m.insert("finding_titles".into(), json!(titles));
            }
            serde_json::to_writer(&mut *out, &v)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

impl IncidentTable {
    fn badge(&self, s: Severity) -> String {
        let text = format!("{:<8}", s.as_str().to_uppercase());
        if !self.color {
            return text;
        }
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn incident(
        &self,
        index: &HashMap<&str, Vec<&Finding>>,
        inc: &Incident,
        out: &mut dyn Write,
    ) -> Result<(), ReportError> {
        let techniques: Vec<&str> = inc.techniques.iter().map(|t| t.id()).collect();
        writeln!(
            out,
            "{} {}  {}  {} .. {}  {}",
            self.badge(inc.severity),
            escape_controls(&inc.id),
            escape_controls(&inc.host),
            escape_controls(&inc.first_seen),
            escape_controls(&inc.last_seen),
            techniques.join(" ")
        )?;
        writeln!(out, "         {}", escape_controls(&inc.title))?;
        let sources: Vec<String> = inc.sources.iter().map(|s| escape_controls(s)).collect();
        writeln!(out, "         sources: {}", sources.join(", "))?;
        for f in findings_of(index, inc) {
            writeln!(
                out,
                "    {} {}  {}  {}  {}",
                self.badge(f.severity),
                escape_controls(&f.rule),
                f.subject.kind(),
                escape_controls(f.subject.path().as_str()),
                escape_controls(&f.time)
            )?;
            for l in inc.links.iter().filter(|l| l.finding == f.id) {
                writeln!(
                    out,
                    "             joined by {} (with {})",
                    escape_controls(&l.key),
                    escape_controls(&l.with)
                )?;
            }
        }
        writeln!(out)?;
        Ok(())
    }
}

impl Document for IncidentTable {
    fn write(&self, c: &Correlation, meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError> {
        let index = finding_index(c);
        for inc in &c.incidents {
            self.incident(&index, inc, out)?;
        }
        let by_sev: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|s| {
                let n = c.incidents.iter().filter(|i| i.severity == *s).count();
                (n > 0).then(|| format!("{n} {s}"))
            })
            .collect();
        let hosts: BTreeSet<&str> = c.findings.iter().map(|f| f.host.as_str()).collect();
        let detail = if by_sev.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_sev.join(", "))
        };
        writeln!(
            out,
            "{} incident{}{detail}, {} finding{}, {} host{}",
            c.incidents.len(),
            plural(c.incidents.len()),
            c.findings.len(),
            plural(c.findings.len()),
            hosts.len(),
            plural(hosts.len())
        )?;
        if !meta.errors.is_empty() {
            writeln!(out, "errors ({}):", meta.errors.len())?;
            for e in &meta.errors {
                writeln!(out, "  {}", escape_controls(e))?;
            }
        }
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{sample_correlation, sample_meta, HOSTILE};
    use ferret_core::Escaped;

    fn table(c: &Correlation, color: bool) -> String {
        let mut out = Vec::new();
        IncidentTable { color }
            .write(c, &sample_meta(), &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn jsonl_one_incident_per_line() {
        let c = sample_correlation();
        let mut out = Vec::new();
        IncidentsJsonl.write(&c, &sample_meta(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["id"], c.incidents[0].id.as_str());
        assert_eq!(lines[0]["finding_count"], 3);
        assert_eq!(lines[0]["severity"], "critical");
        assert_eq!(lines[0]["techniques"][0], "T1505.003");
        assert_eq!(lines[0]["links"][0]["key"], "uri:/up/x.php");
        assert_eq!(
            lines[0]["finding_titles"][2],
            "Shell below a web server worker"
        );
        // The incident reads back as the model's own type.
        let back: Incident = serde_json::from_value(lines[1].clone()).unwrap();
        assert_eq!(back, c.incidents[1]);
        assert!(!text.contains('\x1b'));
        let hostile = Escaped::from_text(HOSTILE);
        assert_eq!(lines[2]["subjects"][0], hostile.as_str());
    }

    #[test]
    fn table_groups_findings_under_incidents() {
        let c = sample_correlation();
        let t = table(&c, false);
        let web = t.find(&c.incidents[0].id).unwrap();
        let comp = t.find(&c.incidents[1].id).unwrap();
        let lone = t.find(&c.incidents[2].id).unwrap();
        assert!(web < comp && comp < lone, "{t}");
        let block = &t[web..comp];
        assert!(block.starts_with(&format!(
            "{}  web01  2026-11-20T03:14:15Z .. 2026-11-23T10:00:00Z  T1505.003",
            c.incidents[0].id
        )));
        assert!(block.contains("sources: hunt, live, scan"));
        assert!(block.contains("ferret.weblog  event  /var/log/apache2/access.log"));
        assert!(block.contains("joined by uri:/up/x.php"));
        assert!(block.contains("joined by cwd:/var/www/html/up"));
        assert!(t.starts_with("CRITICAL "));
        assert!(t.contains("3 incidents (1 critical, 1 high, 1 medium), 5 findings, 2 hosts"));
        assert!(t.contains("errors (1):\n  hunt.jsonl:3: not a finding"));
    }

    #[test]
    fn colour_only_when_asked_and_only_on_severity() {
        let c = sample_correlation();
        assert!(!table(&c, false).contains('\x1b'));
        let t = table(&c, true);
        assert!(t.contains("\x1b[1;35mCRITICAL\x1b[0m"));
        // Every escape sequence is a severity badge.
        let escapes = t.matches('\x1b').count();
        let badges = Severity::ALL
            .iter()
            .map(|s| {
                t.matches(&format!("m{:<8}\x1b[0m", s.as_str().to_uppercase()))
                    .count()
            })
            .sum::<usize>();
        assert_eq!(escapes, badges * 2);
    }

    #[test]
    fn no_raw_controls_reach_the_terminal() {
        let mut c = sample_correlation();
        c.incidents[2].host = "evil\x1b]0;owned\x07\nhost".into();
        c.incidents[2].title = format!("raw {HOSTILE}");
        c.findings[3].host = c.incidents[2].host.clone();
        c.findings[3].rule = "rule\r\x1b[2J".into();
        let mut meta = sample_meta();
        meta.errors.push("bad\x1b[31m\nline".into());
        let mut out = Vec::new();
        IncidentTable { color: false }
            .write(&c, &meta, &mut out)
            .unwrap();
        let t = String::from_utf8(out).unwrap();
        assert!(!t.contains('\x1b') && !t.contains('\x07') && !t.contains('\r'));
        assert!(t.contains("evil\\x1b]0;owned\\x07\\nhost"));
        assert!(t.contains("bad\\x1b[31m\\nline"));
        // Each line is one the table wrote: no line starts inside a hostile value.
        assert!(t
            .lines()
            .all(|l| !l.starts_with("host") && !l.starts_with("=cmd")));
    }

    #[test]
    fn same_id_on_two_hosts_picks_the_incidents_host() {
        let mut c = sample_correlation();
        let mut twin = c.findings[3].clone();
        twin.host = "web09".into();
        twin.title = "the twin on another host".into();
        c.findings.insert(0, twin);
        let index = finding_index(&c);
        let got = findings_of(&index, &c.incidents[2]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].host, "web01");
        assert_ne!(got[0].title, "the twin on another host");
    }

    #[test]
    fn empty_run() {
        let t = table(&Correlation::default(), false);
        assert!(t.starts_with("0 incidents, 0 findings, 0 hosts\n"));
    }
}
