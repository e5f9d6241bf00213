//! The finding contract: one `Finding` per judged subject, serialized as one
//! JSON object per line. `docs/finding.md` documents every key; the schema test
//! in `tests/schema.rs` fails when this file and that document drift apart.

use crate::escape::{escape_bytes, escape_controls, escape_path, escape_str};
use crate::{Confidence, Mitigation, Severity, Technique};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Text that came from an attacker-controlled place (a file name, matched
/// bytes), already escaped into one printable line. The only constructors
/// escape, so unescaped text cannot reach a printer through this type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Escaped(String);

impl Escaped {
    /// Escapes raw bytes.
    pub fn from_bytes(b: &[u8]) -> Self {
        Escaped(escape_bytes(b))
    }
    /// Escapes a path (raw bytes on Unix).
    pub fn from_path(p: &Path) -> Self {
        Escaped(escape_path(p))
    }
    /// Escapes a string.
    pub fn from_text(s: &str) -> Self {
        Escaped(escape_str(s))
    }
    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Escaped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Escaped {
    /// Text read back from JSON is already escaped; any control character that
    /// a hand-edited file slipped in is escaped again rather than trusted.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Escaped(escape_controls(&s)))
    }
}

/// One judged thing: a file, a component, an event... and why it was judged so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable hash of the rule and the subject: the same rule on the same
    /// subject gives the same id in every run.
    pub id: String,
    /// When the finding was made (RFC 3339, UTC).
    pub time: String,
    /// The host the subject belongs to (the scanning host, or the image's name).
    pub host: String,
    /// The ATT&CK technique.
    pub technique: Technique,
    /// The technique's ATT&CK name, for people reading the JSON.
    pub technique_name: String,
    /// A short human sentence.
    pub title: String,
    /// How bad, if true.
    pub severity: Severity,
    /// How sure.
    pub confidence: Confidence,
    /// The combined score of all signals (0-100+) that set severity and confidence.
    pub score: u32,
    /// The id of the analyzer rule that raised the finding (e.g. `ferret.webshell`).
    pub rule: String,
    /// What the finding is about.
    pub subject: Subject,
    /// Every signal that contributed, strongest first.
    pub evidence: Vec<Evidence>,
    /// What to do about it (ATT&CK M-numbers).
    pub mitigations: Vec<Mitigation>,
    /// Id shared by all findings about one subject or component.
    pub incident: String,
}

impl Finding {
    /// The technique's id and name as one label, e.g. `T1505.003 Web Shell`.
    pub fn technique_label(&self) -> String {
        format!("{} {}", self.technique.id(), self.technique.name())
    }
}

/// What a finding is about. Serialized with a `kind` key; kinds other than
/// `file` arrive with the capabilities that produce them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A file on disk.
    File(FileSubject),
    /// An object in a database server's catalog (function, trigger, role, module...).
    DbObject(DbObjectSubject),
    /// A component a server is configured to load (module, agent, VIB, service DLL...).
    Component(ComponentSubject),
    /// A line of a log file (a server's own install log, an event).
    Event(EventSubject),
    /// A running process (`ferret scan --live`).
    Process(ProcessSubject),
}

impl Subject {
    /// The path or name that identifies the subject, escaped.
    pub fn path(&self) -> &Escaped {
        match self {
            Subject::File(f) => &f.path,
            Subject::DbObject(d) => &d.path,
            Subject::Component(c) => &c.path,
            Subject::Event(e) => &e.path,
            Subject::Process(p) => &p.path,
        }
    }

    /// The subject's kind, as serialized.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::File(_) => "file",
            Subject::DbObject(_) => "db_object",
            Subject::Component(_) => "component",
            Subject::Event(_) => "event",
            Subject::Process(_) => "process",
        }
    }
}

/// A file: where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSubject {
    /// The scanned path as given on the command line joined with the relative path.
    pub path: Escaped,
    /// With `--root`, the path as it was on the source system (`C:\inetpub\...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_path: Option<Escaped>,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The server-side language Ferret identified (`php`, `jsp`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// How the language was identified: `extension` or `content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identified_by: Option<String>,
    /// Last modification time (RFC 3339), when the file system gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<String>,
}

/// An object in a database server's catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbObjectSubject {
    /// A locator without credentials: `postgres://host:5432/db/schema.name (function)`.
    pub path: Escaped,
    /// `postgres`, `mysql` or `redis`.
    pub engine: String,
    /// `host:port` (never credentials).
    pub server: Escaped,
    /// The database, when the object lives in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<Escaped>,
    /// The schema, when the engine has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Escaped>,
    /// The object's name.
    pub name: Escaped,
    /// What it is: `function`, `event_trigger`, `trigger`, `extension`, `role`, `setting`, `large_object`, ...
    pub object_type: String,
    /// Its owner, when the catalog records one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Escaped>,
}

/// A server software component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentSubject {
    /// The implementation file as found on disk (under `--root`) when it was
    /// found, otherwise the file that declares the component.
    pub path: Escaped,
    /// The server that loads it (`iis`, `exchange`, `windows_service`, `esxi`,
    /// `apache`, `nginx`, `php`, `tomcat`, `redis`, `postgres`).
    pub server: String,
    /// What it is (`native_module`, `transport_agent`, `service_dll`, `vib`, ...).
    pub component: String,
    /// Its configured name.
    pub name: Escaped,
    /// The implementation as declared (image path, type name, script).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Escaped>,
    /// Where it is declared: `file:line`, or `file!key` for hives and archives.
    pub declared_in: Escaped,
    /// stock, unknown or suspicious.
    pub verdict: String,
    /// SHA-256 of the implementation file, when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl ComponentSubject {
    /// The component's image when `implementation` names a file (it holds a
    /// path separator), not a type name such as `Ns.Agent, Version=...`.
    pub fn image_path(&self) -> Option<&str> {
        self.implementation
            .as_ref()
            .map(|i| i.as_str())
            .filter(|i| i.contains(['/', '\\']))
    }
}

/// A line or record of a log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSubject {
    /// The log file.
    pub path: Escaped,
    /// 1-based line number, for text logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The record id, for record-based logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<u64>,
    /// The event's own time, when it records one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// Which log (`esxi shell.log`, a channel name...).
    pub log: String,
}

/// Where a piece of evidence came from.
/// A running process, with the chain of processes that started it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessSubject {
    /// The process's executable as the kernel names it (`/proc/PID/exe`),
    /// with ` (deleted)` or `memfd:` as the kernel shows them.
    pub path: Escaped,
    /// Process id.
    pub pid: u32,
    /// The short name (`/proc/PID/comm`).
    pub name: Escaped,
    /// The command line, arguments joined by spaces.
    pub cmdline: Escaped,
    /// Real user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// The user name for `uid`, where the examined system's passwd file names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Escaped>,
    /// When the process started (RFC 3339), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// Its working directory (`/proc/PID/cwd`), where readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<Escaped>,
    /// Its ancestors, init first and this process last.
    pub ancestry: Vec<ProcessNode>,
}

impl ProcessSubject {
    /// The nearest ancestor other than the process itself (the ancestry runs
    /// init first and this process last).
    pub fn parent(&self) -> Option<&ProcessNode> {
        self.ancestry.iter().rev().find(|n| n.pid != self.pid)
    }
}

/// One process in an ancestry chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessNode {
    /// Process id.
    pub pid: u32,
    /// The short name (`/proc/PID/comm`).
    pub name: Escaped,
    /// The command line, arguments joined by spaces.
    pub cmdline: Escaped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceSource {
    /// A YARA rule (ours or the user's).
    Yara,
    /// A heuristic Ferret computes (entropy, obfuscation, data flow).
    Heuristic,
    /// A Sigma rule.
    Sigma,
    /// A policy check (path, signature, known-good list).
    Policy,
    /// A difference from the baseline.
    Baseline,
    /// A statistical anomaly.
    Anomaly,
    /// Process lineage.
    Lineage,
}

/// One signal, with where it matched and what it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Which kind of analysis produced it.
    pub source: EvidenceSource,
    /// The rule or heuristic id (stable).
    pub rule: String,
    /// Why this matters, in words.
    pub detail: String,
    /// The weight this signal added to the finding's score.
    pub score: u32,
    /// Byte offset of the match in the subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// 1-based line number of the match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The matched bytes with a little context, escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<Escaped>,
}

/// A stable short id: the first 16 hex digits of SHA-256 over the parts,
/// separated by NUL bytes so that `("ab","c")` and `("a","bc")` differ.
pub fn stable_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(p.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_id_separates_parts() {
        assert_ne!(stable_id(&["ab", "c"]), stable_id(&["a", "bc"]));
        assert_eq!(stable_id(&["x"]).len(), 16);
        assert_eq!(stable_id(&["x"]), stable_id(&["x"]));
    }

    #[test]
    fn escaped_cannot_carry_controls_back_in() {
        let e: Escaped = serde_json::from_str("\"a\\u001b[2Jb\\nc\"").unwrap();
        assert_eq!(e.as_str(), "a\\x1b[2Jb\\nc");
        let ok: Escaped = serde_json::from_str("\"a\\\\x41\"").unwrap();
        assert_eq!(ok.as_str(), "a\\x41");
    }
}
