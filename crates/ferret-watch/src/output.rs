//! Where findings go: standard output (a table line or a JSON line), a
//! JSON-lines file (appended, synced once per batch) and syslog (one RFC 5424
//! message per finding over a Unix datagram socket). Printers never judge:
//! findings arrive with attacker text already escaped.

use crate::error::WatchError;
use ferret_core::{Finding, Severity};
use std::fs::File;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

/// How findings are printed on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutFormat {
    /// One readable line per finding.
    Table,
    /// One JSON object per line (the Finding contract).
    Jsonl,
    /// Nothing on standard output.
    Off,
}

/// Every output of one daemon.
pub struct Outputs {
    stdout: StdoutFormat,
    file: Option<(PathBuf, File)>,
    syslog: Option<Syslog>,
    forward: Option<Box<dyn Forward>>,
    written: u64,
}

/// Another place findings go after the local outputs (the fleet sink).
pub trait Forward {
    /// Sends one batch; returns when the receiver has it (or it is kept safe
    /// locally). An error stops the daemon like any output error.
    fn send(&mut self, findings: &[Finding]) -> Result<(), String>;
    /// Named in errors.
    fn name(&self) -> String;
}

struct Syslog {
    socket: UnixDatagram,
    path: PathBuf,
    pid: u32,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("stdout", &self.stdout)
            .field("file", &self.file.as_ref().map(|(p, _)| p))
            .field("syslog", &self.syslog.as_ref().map(|s| &s.path))
            .finish()
    }
}

fn out_err(what: impl Into<String>, source: std::io::Error) -> WatchError {
    WatchError::Output {
        what: what.into(),
        source,
    }
}

impl Outputs {
    /// Outputs to standard output in `stdout`, appended to `file` and sent
    /// to the syslog socket `syslog` (usually `/dev/log`).
    pub fn open(
        stdout: StdoutFormat,
        file: Option<&Path>,
        syslog: Option<&Path>,
    ) -> Result<Outputs, WatchError> {
        let file = match file {
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| out_err(p.display().to_string(), e))?;
                Some((p.to_path_buf(), f))
            }
            None => None,
        };
        let syslog = match syslog {
            Some(p) => {
                let socket = UnixDatagram::unbound().map_err(|e| out_err("syslog", e))?;
                socket
                    .connect(p)
                    .map_err(|e| out_err(format!("syslog {}", p.display()), e))?;
                Some(Syslog {
                    socket,
                    path: p.to_path_buf(),
                    pid: std::process::id(),
                })
            }
            None => None,
        };
        Ok(Outputs {
            stdout,
            file,
            syslog,
            forward: None,
            written: 0,
        })
    }

    /// Also sends every batch to `forward`.
    pub fn forward_to(&mut self, forward: Box<dyn Forward>) {
        self.forward = Some(forward);
    }

    /// Findings written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Writes one batch of findings to every output, then flushes standard
    /// output and syncs the file.
    pub fn write(&mut self, findings: &[Finding]) -> Result<(), WatchError> {
        if findings.is_empty() {
            return Ok(());
        }
        let mut json = Vec::with_capacity(findings.len());
        for f in findings {
            let line = serde_json::to_string(f)
                .map_err(|e| out_err("a finding", std::io::Error::other(e)))?;
            json.push(line);
        }
        if self.stdout != StdoutFormat::Off {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for (f, j) in findings.iter().zip(&json) {
                let r = match self.stdout {
                    StdoutFormat::Jsonl => writeln!(out, "{j}"),
                    _ => writeln!(out, "{}", table_line(f)),
                };
                r.map_err(|e| out_err("standard output", e))?;
            }
            out.flush().map_err(|e| out_err("standard output", e))?;
        }
        if let Some((path, file)) = &mut self.file {
            let mut buf = String::new();
            for j in &json {
                buf.push_str(j);
                buf.push('\n');
            }
            file.write_all(buf.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| out_err(path.display().to_string(), e))?;
        }
        if let Some(s) = &self.syslog {
            for (f, j) in findings.iter().zip(&json) {
                let msg = rfc5424(f, j, s.pid);
                s.socket
                    .send(msg.as_bytes())
                    .map_err(|e| out_err(format!("syslog {}", s.path.display()), e))?;
            }
        }
        if let Some(fw) = self.forward.as_mut() {
            fw.send(findings)
                .map_err(|e| out_err(fw.name(), std::io::Error::other(e)))?;
        }
        self.written += findings.len() as u64;
        Ok(())
    }
}

/// One readable line: time, severity, technique, title, subject, id.
pub fn table_line(f: &Finding) -> String {
    format!(
        "{}  {:<8}  {}  {}  {}  [{} {}]",
        f.time,
        f.severity.to_string(),
        f.technique.id(),
        f.title,
        f.subject.path().as_str(),
        f.rule,
        f.id
    )
}

/// Syslog severity for a finding's severity.
fn syslog_severity(s: Severity) -> u8 {
    match s {
        Severity::Critical => 2,
        Severity::High => 3,
        Severity::Medium => 4,
        Severity::Low => 5,
        Severity::Info => 6,
    }
}

/// A printable-ASCII header field without spaces (RFC 5424 §6), at most `max`.
fn header_field(s: &str, max: usize) -> String {
    let v: String = s
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .take(max)
        .collect();
    if v.is_empty() {
        "-".to_owned()
    } else {
        v
    }
}

/// The RFC 5424 message for one finding (facility daemon): the header, no
/// structured data, and the finding's JSON (already escaped, one line) as
/// the message.
pub fn rfc5424(f: &Finding, json: &str, pid: u32) -> String {
    let pri = 3 * 8 + syslog_severity(f.severity);
    format!(
        "<{pri}>1 {} {} ferret {pid} {} - {json}",
        header_field(&f.time, 64),
        header_field(&f.host, 255),
        header_field(&f.rule, 32),
    )
}
