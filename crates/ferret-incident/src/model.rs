//! What correlation produces: incidents, each the findings about one
//! compromised component on one host, and the reason each finding joined.

use ferret_core::{Escaped, Finding, Severity, Technique};
use serde::{Deserialize, Serialize};

/// Findings about the same component on one host, joined by what they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Stable id: the same findings give the same id in every run (see
    /// `docs/incidents.md` for how it is chosen).
    pub id: String,
    /// The host every finding of the incident belongs to.
    pub host: String,
    /// The strongest finding's title (already escaped).
    pub title: String,
    /// The strongest severity of its findings.
    pub severity: Severity,
    /// The highest score of its findings.
    pub score: u32,
    /// The earliest evidence time (RFC 3339, UTC).
    pub first_seen: String,
    /// The latest evidence time (RFC 3339, UTC).
    pub last_seen: String,
    /// Every technique its findings name, strongest finding's first, no repeats.
    pub techniques: Vec<Technique>,
    /// The component(s) it is about: the paths/names of its file, component,
    /// DB-object and process subjects (events only when nothing else), no repeats.
    pub subjects: Vec<Escaped>,
    /// Which analyses contributed (`scan`, `inventory`, `hunt`, `audit-db`,
    /// `baseline`, `live`, `watch`), sorted, no repeats.
    pub sources: Vec<String>,
    /// The ids of its findings, in time order (ties by id).
    pub findings: Vec<String>,
    /// Why each finding after the first joined: one link per joined finding.
    pub links: Vec<Link>,
}

/// Why one finding joined an incident: it shares `key` with `with`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The finding that joined.
    pub finding: String,
    /// The finding it was joined to.
    pub with: String,
    /// What they share, as `kind:value` (escaped), e.g. `sha256:ab12...`,
    /// `path:/var/www/html/up/x.php`, `uri:/up/x.php`, `cwd:/var/www/html/up`.
    pub key: String,
}

/// The result of correlating a set of findings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Correlation {
    /// Incidents, strongest first (severity, then score, then first seen, then id).
    pub incidents: Vec<Incident>,
    /// Every input finding (duplicates by host+id merged, the latest kept),
    /// with `incident` set to the id of the incident that holds it.
    pub findings: Vec<Finding>,
}

impl Correlation {
    /// The incident holding finding `id` on `host`.
    pub fn incident_of(&self, f: &Finding) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == f.incident)
    }
}

/// What correlation may join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Two findings join only when their evidence times lie within this many
    /// seconds of each other (a file's span runs from its mtime to the scan).
    pub window_secs: u64,
}

impl Default for Options {
    fn default() -> Self {
        // A web shell is often planted days before it is used; a week joins the
        // plant, its use and the scan without joining unrelated months.
        Options {
            window_secs: 7 * 86_400,
        }
    }
}

/// One moment in a finding's story, for timelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    /// RFC 3339, UTC.
    pub time: String,
    /// What happened then.
    pub what: MomentKind,
}

/// The kinds of moments a finding can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MomentKind {
    /// The file was last modified (its mtime).
    Modified,
    /// A logged event (a log line, an event record).
    Logged,
    /// A process started.
    Started,
    /// The analysis that made the finding ran.
    Detected,
}

impl MomentKind {
    /// Lowercase name used in CSV and HTML.
    pub fn as_str(self) -> &'static str {
        match self {
            MomentKind::Modified => "modified",
            MomentKind::Logged => "logged",
            MomentKind::Started => "started",
            MomentKind::Detected => "detected",
        }
    }
}
