//! The report's view of a correlation: each incident with its findings
//! resolved and each finding's moments computed once.

use ferret_core::Finding;
use ferret_incident::{moments, Correlation, Incident, Moment};
use std::collections::{HashMap, HashSet};

/// A finding with its moments, earliest first.
pub(crate) struct FindingView<'a> {
    pub f: &'a Finding,
    pub moments: Vec<Moment>,
}

/// An incident with the findings it names, in its order.
pub(crate) struct IncidentView<'a> {
    pub inc: &'a Incident,
    pub findings: Vec<FindingView<'a>>,
    /// Ids the incident names that are not among the correlation's findings.
    pub missing: Vec<&'a str>,
}

/// Everything the report shows.
pub(crate) struct View<'a> {
    pub incidents: Vec<IncidentView<'a>>,
    /// Findings whose incident id names no incident (shown, never dropped).
    pub orphans: Vec<FindingView<'a>>,
}

impl<'a> View<'a> {
    /// Resolves every incident's findings.
    pub fn new(c: &'a Correlation) -> Self {
        let fv = |f: &'a Finding| FindingView {
            f,
            moments: moments(f),
        };
        // Findings by (incident, id): an incident's own, never another's.
        let mut by_key: HashMap<(&str, &str), Vec<&'a Finding>> = HashMap::new();
        for f in &c.findings {
            by_key
                .entry((f.incident.as_str(), f.id.as_str()))
                .or_default()
                .push(f);
        }
        let incidents = c
            .incidents
            .iter()
            .map(|inc| {
                let mut findings = Vec::new();
                let mut missing = Vec::new();
                for id in &inc.findings {
                    let same = by_key.get(&(inc.id.as_str(), id.as_str()));
                    let hit = same.and_then(|v| {
                        v.iter()
                            .find(|f| f.host == inc.host)
                            .or_else(|| v.first())
                            .copied()
                    });
                    match hit {
                        Some(f) => findings.push(fv(f)),
                        None => missing.push(id.as_str()),
                    }
                }
                IncidentView {
                    inc,
                    findings,
                    missing,
                }
            })
            .collect();
        let known: HashSet<&str> = c.incidents.iter().map(|i| i.id.as_str()).collect();
        let orphans = c
            .findings
            .iter()
            .filter(|f| !known.contains(f.incident.as_str()))
            .map(fv)
            .collect();
        View { incidents, orphans }
    }
}
