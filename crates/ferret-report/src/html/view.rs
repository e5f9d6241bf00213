//! The report's view of a correlation: each incident with its findings
//! resolved and each finding's moments computed once.

use ferret_core::Finding;
use ferret_incident::{moments, Correlation, Incident, Moment};

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
        let incidents = c
            .incidents
            .iter()
            .map(|inc| {
                let mut findings = Vec::new();
                let mut missing = Vec::new();
                for id in &inc.findings {
                    let hit = c
                        .findings
                        .iter()
                        .find(|f| &f.id == id && f.incident == inc.id && f.host == inc.host)
                        .or_else(|| {
                            c.findings
                                .iter()
                                .find(|f| &f.id == id && f.incident == inc.id)
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
        let orphans = c
            .findings
            .iter()
            .filter(|f| !c.incidents.iter().any(|i| i.id == f.incident))
            .map(fv)
            .collect();
        View { incidents, orphans }
    }
}
