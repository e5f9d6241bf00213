//! `--format table`: findings grouped by severity, most severe first, each
//! with its evidence. Colour only when asked (the binary asks on a TTY).

use crate::{FindingSink, ReportError};
use ferret_core::{Finding, Severity, Subject};
use std::io::Write;

/// Buffers findings (grouping needs them all) and prints them at `finish`.
pub struct TableSink<'w> {
    out: Box<dyn Write + 'w>,
    color: bool,
    findings: Vec<Finding>,
}

impl<'w> TableSink<'w> {
    /// A sink over `out`.
    pub fn new(out: Box<dyn Write + 'w>, color: bool) -> Self {
        TableSink {
            out,
            color,
            findings: Vec::new(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn write_one(&mut self, f: &Finding) -> Result<(), ReportError> {
        let sev = f.severity.as_str().to_uppercase();
        let code = match f.severity {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        let badge = self.paint(code, &format!("{sev:<8}"));
        let path = self.paint("1", f.subject.path().as_str());
        let mut facts = vec![
            format!("score {}", f.score),
            format!("confidence {:.2}", f.confidence.get()),
        ];
        let mits: Vec<&str> = f.mitigations.iter().map(|m| m.id()).collect();
        let tech = format!("{} {}", f.technique.id(), f.technique.name());
        match &f.subject {
            Subject::File(file) => {
                if let Some(l) = &file.language {
                    let by = file
                        .identified_by
                        .as_deref()
                        .map(|b| format!(" by {b}"))
                        .unwrap_or_default();
                    facts.insert(0, format!("{l}{by}"));
                }
                writeln!(self.out, "{badge} {path}  ({})", facts.join(", "))?;
                if let Some(o) = &file.original_path {
                    writeln!(self.out, "         on source system: {o}")?;
                }
                writeln!(self.out, "         {}", f.title)?;
                writeln!(
                    self.out,
                    "         {tech} | sha256 {} | {} bytes | mitigations {}",
                    file.sha256,
                    file.size,
                    mits.join(" ")
                )?;
            }
            Subject::DbObject(d) => {
                facts.insert(0, format!("{} {}", d.engine, d.object_type));
                writeln!(self.out, "{badge} {path}  ({})", facts.join(", "))?;
                writeln!(self.out, "         {}", f.title)?;
                let owner = d
                    .owner
                    .as_ref()
                    .map(|o| format!(" | owner {o}"))
                    .unwrap_or_default();
                writeln!(
                    self.out,
                    "         {tech} | server {}{owner} | mitigations {}",
                    d.server,
                    mits.join(" ")
                )?;
            }
            Subject::Component(c) => {
                facts.insert(0, format!("{} {}", c.server, c.component));
                writeln!(self.out, "{badge} {path}  ({})", facts.join(", "))?;
                writeln!(self.out, "         {}", f.title)?;
                let imp = c
                    .implementation
                    .as_ref()
                    .map(|i| format!(" | implementation {i}"))
                    .unwrap_or_default();
                writeln!(
                    self.out,
                    "         {tech} | {} {}{imp} | declared in {} | mitigations {}",
                    c.verdict,
                    c.name,
                    c.declared_in,
                    mits.join(" ")
                )?;
            }
            Subject::Event(e) => {
                facts.insert(0, e.log.clone());
                writeln!(self.out, "{badge} {path}  ({})", facts.join(", "))?;
                writeln!(self.out, "         {}", f.title)?;
                let at = match (e.line, e.record_id) {
                    (Some(l), _) => format!("line {l}"),
                    (None, Some(r)) => format!("record {r}"),
                    _ => "log".into(),
                };
                let when = e
                    .event_time
                    .as_ref()
                    .map(|t| format!(" | at {t}"))
                    .unwrap_or_default();
                writeln!(
                    self.out,
                    "         {tech} | {at}{when} | mitigations {}",
                    mits.join(" ")
                )?;
            }
            Subject::Process(p) => {
                facts.insert(0, format!("pid {}", p.pid));
                writeln!(self.out, "{badge} {path}  ({})", facts.join(", "))?;
                writeln!(self.out, "         {}", f.title)?;
                let chain: Vec<String> = p
                    .ancestry
                    .iter()
                    .map(|n| format!("{}[{}]", n.name, n.pid))
                    .collect();
                writeln!(self.out, "         tree {}", chain.join(" > "))?;
                writeln!(
                    self.out,
                    "         {tech} | cmdline {} | mitigations {}",
                    p.cmdline,
                    mits.join(" ")
                )?;
            }
        }
        for e in &f.evidence {
            let loc = match (e.line, e.offset) {
                (Some(l), Some(o)) => format!("  (line {l}, offset {o})"),
                (None, Some(o)) => format!("  (offset {o})"),
                // An event is one record: its place is in the subject line.
                _ if matches!(f.subject, Subject::Event(_)) => String::new(),
                _ => "  (whole object)".into(),
            };
            let src = format!("{:?}", e.source).to_lowercase();
            writeln!(self.out, "           +{:<3} {src} {}{loc}", e.score, e.rule)?;
            writeln!(self.out, "                {}", e.detail)?;
            if let Some(x) = &e.excerpt {
                writeln!(
                    self.out,
                    "                | {}",
                    self.paint("2", x.as_str())
                )?;
            }
        }
        writeln!(self.out)?;
        Ok(())
    }
}

impl FindingSink for TableSink<'_> {
    fn finding(&mut self, f: &Finding) -> Result<(), ReportError> {
        self.findings.push(f.clone());
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let mut all = std::mem::take(&mut self.findings);
        // A total order, so output is the same from run to run.
        all.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.score.cmp(&a.score))
                .then_with(|| a.subject.path().cmp(b.subject.path()))
        });
        let mut current: Option<Severity> = None;
        for f in &all {
            if current != Some(f.severity) {
                current = Some(f.severity);
                let n = all.iter().filter(|x| x.severity == f.severity).count();
                let head = format!("== {} ({n}) ==", f.severity.as_str().to_uppercase());
                let head = self.paint("1", &head);
                writeln!(self.out, "{head}")?;
            }
            self.write_one(f)?;
        }
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{finding, SharedBuf};

    #[test]
    fn groups_and_escapes() {
        let buf = SharedBuf::default();
        let mut s = TableSink::new(Box::new(buf.clone()), false);
        let mut low = finding("/w/b.php");
        low.severity = Severity::Medium;
        s.finding(&low).unwrap();
        s.finding(&finding("/w/evil\n== FAKE ==\x1b[31m.php"))
            .unwrap();
        s.finish().unwrap();
        let text = buf.text();
        assert!(text.find("== HIGH (1) ==").unwrap() < text.find("== MEDIUM (1) ==").unwrap());
        assert!(!text.contains('\x1b'), "{text}");
        assert!(!text.lines().any(|l| l.starts_with("== FAKE")), "{text}");
        assert!(text.contains("heur.php.request_to_sink"));
    }
}
