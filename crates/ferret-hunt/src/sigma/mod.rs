//! The Sigma engine: loads standard Sigma rules unchanged, compiles them
//! once into an immutable [`RuleSet`] and matches [`ferret_core::Event`]s.
//!
//! Rules are routed by their `logsource` through the mapping file
//! `rules/mappings/sigma-logsources.toml` (which events a rule applies to and
//! how its field names translate), and a per-route Aho-Corasick prefilter
//! skips rules none of whose required literals occur in the event.

mod condition;
pub mod correlation;
mod detection;
mod document;
mod lower;
pub mod mapping;
mod matcher;
mod pattern;
mod prefilter;
mod ruleset;
mod shipped;
#[cfg(test)]
mod tests;

pub use mapping::MappingError;
pub use matcher::{Matcher, RuleMatch};
pub use ruleset::{RuleSet, RuleSetBuilder};

/// Where a rule file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Embedded in the binary (Ferret's own `rules/sigma`).
    Shipped,
    /// Given by the user at run time.
    User,
}

/// A rule's `level:` (default [`Level::Medium`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `informational`.
    Informational,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Level {
    /// The level named `name` (case-insensitive), if it is one.
    pub fn from_name(name: &str) -> Option<Level> {
        match name.trim().to_ascii_lowercase().as_str() {
            "informational" => Some(Level::Informational),
            "low" => Some(Level::Low),
            "medium" => Some(Level::Medium),
            "high" => Some(Level::High),
            "critical" => Some(Level::Critical),
            _ => None,
        }
    }

    /// The lowercase name, as Sigma spells it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// A rule's `logsource:` (the keys the engine routes on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LogSource {
    /// `product:` (e.g. `windows`).
    pub product: Option<String>,
    /// `category:` (e.g. `process_creation`).
    pub category: Option<String>,
    /// `service:` (e.g. `security`).
    pub service: Option<String>,
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let part = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        write!(
            f,
            "product={} category={} service={}",
            part(&self.product),
            part(&self.category),
            part(&self.service)
        )
    }
}

/// What a compiled rule says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    /// `id:` (a UUID in SigmaHQ rules).
    pub id: Option<String>,
    /// `name:` (referenced by correlation rules).
    pub name: Option<String>,
    /// `title:`.
    pub title: String,
    /// `description:`.
    pub description: Option<String>,
    /// `status:` (stable, test, experimental, ...).
    pub status: Option<String>,
    /// `level:`.
    pub level: Level,
    /// `tags:`, as written.
    pub tags: Vec<String>,
    /// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, e.g. `T1505.003`.
    pub techniques: Vec<String>,
    /// `references:`.
    pub references: Vec<String>,
    /// `falsepositives:`.
    pub falsepositives: Vec<String>,
    /// `fields:`: the event fields an analyst needs to judge a match; their
    /// values join the matched fields in a finding's excerpt.
    pub fields: Vec<String>,
    /// `author:`.
    pub author: Option<String>,
    /// `logsource:`.
    pub logsource: LogSource,
    /// The file the rule came from (unescaped: printers escape it).
    pub path: String,
    /// Shipped or user-supplied.
    pub origin: Origin,
}

/// Whether one YAML document became a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadStatus {
    /// Compiled.
    Loaded,
    /// Not compiled, with the precise reason.
    Refused(String),
}

/// The outcome of loading one YAML document (or one unreadable file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleReport {
    /// The file.
    pub path: String,
    /// The 0-based YAML document within the file.
    pub doc: usize,
    /// The rule's `id:`, when it could be read.
    pub id: Option<String>,
    /// The rule's `title:`, when it could be read.
    pub title: Option<String>,
    /// Loaded or refused.
    pub status: LoadStatus,
    /// Set when the rule loaded but no logsource mapping routes events to it
    /// (why): such a rule never runs.
    pub unmapped: Option<String>,
}

/// A compiled rule's index in its [`RuleSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub usize);
