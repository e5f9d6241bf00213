//! Turning analyzer results (Sigma matches, correlation hits, web-log and
//! network scores)
//! into [`Finding`]s: one place decides technique, severity, score and
//! mitigations for everything `ferret hunt` reports.

use crate::network::{EventRef as NetEventRef, FindingKind, NetworkFinding};
use crate::sigma::correlation::{CorrelationHit, CorrelationRule};
use crate::sigma::{Level, RuleMatch, RuleMeta};
use crate::weblog::WeblogFinding;
use ferret_core::{
    escape_str, stable_id, Confidence, Escaped, Event, EventSubject, Evidence, EvidenceSource,
    Finding, Mitigation, Severity, Subject, Technique,
};

/// What every finding of one run shares.
#[derive(Debug, Clone)]
pub struct HuntContext {
    /// `--host`: overrides the host events name.
    pub host: Option<String>,
    /// The run's time (RFC 3339).
    pub time: String,
}

impl HuntContext {
    fn host_of(&self, event_host: Option<&str>) -> String {
        self.host
            .clone()
            .or_else(|| event_host.map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// The most specific T1505 technique among ATT&CK ids (`T1505.003` beats
/// `T1505`); [`Technique::Other`] when none is T1505.
pub fn technique_of(techniques: &[String]) -> Technique {
    let mut best: Option<Technique> = None;
    for t in techniques {
        if let Ok(k) = t.parse::<Technique>() {
            if best.is_none() || best == Some(Technique::ServerSoftwareComponent) {
                best = Some(k);
            }
        }
    }
    best.unwrap_or(Technique::Other)
}

/// The mitigations ATT&CK's T1505 text names for a technique.
pub fn mitigations_of(t: Technique) -> Vec<Mitigation> {
    match t {
        Technique::SqlStoredProcedures => vec![Mitigation::M1026, Mitigation::M1042],
        Technique::TransportAgent | Technique::IisComponents => {
            vec![Mitigation::M1045, Mitigation::M1047, Mitigation::M1026]
        }
        Technique::WebShell => vec![Mitigation::M1042, Mitigation::M1026, Mitigation::M1047],
        Technique::TerminalServicesDll => vec![Mitigation::M1024, Mitigation::M1047],
        Technique::VsphereInstallationBundles => {
            vec![Mitigation::M1045, Mitigation::M1047, Mitigation::M1046]
        }
        Technique::ServerSoftwareComponent => vec![Mitigation::M1047, Mitigation::M1045],
        Technique::Other => Vec::new(),
    }
}

/// Severity, score and confidence for a Sigma level (scores sit in the
/// severity bands of `docs/finding.md`).
pub fn grade(level: Level) -> (Severity, u32, Confidence) {
    match level {
        Level::Informational => (Severity::Info, 10, Confidence::new(0.3)),
        Level::Low => (Severity::Low, 25, Confidence::new(0.4)),
        Level::Medium => (Severity::Medium, 50, Confidence::new(0.6)),
        Level::High => (Severity::High, 75, Confidence::new(0.8)),
        Level::Critical => (Severity::Critical, 100, Confidence::new(0.9)),
    }
}

/// A rule's stable id for findings: its `id`, else `name`, else its file.
pub fn rule_key(meta: &RuleMeta) -> String {
    meta.id
        .clone()
        .or_else(|| meta.name.clone())
        .unwrap_or_else(|| format!("sigma:{}", meta.path))
}

/// Which log an event came from, for `subject.log`.
pub fn log_name(event: &Event) -> String {
    event
        .fields
        .text("Channel")
        .filter(|c| !c.is_empty())
        .map(|c| escape_str(&c))
        .unwrap_or_else(|| event.format.name().to_owned())
}

/// The subject for one event.
pub fn event_subject(event: &Event) -> Subject {
    Subject::Event(EventSubject {
        path: Escaped::from_text(&event.source.path),
        line: event.source.line,
        record_id: event.source.record_id,
        event_time: event.time.map(|t| t.to_rfc3339()),
        log: log_name(event),
    })
}

/// Characters of matched field text kept in an excerpt.
const MAX_EXCERPT: usize = 400;

/// `name=value; ...` of the matched fields, for the excerpt.
fn excerpt_of(fields: &[(String, String)]) -> Option<Escaped> {
    if fields.is_empty() {
        return None;
    }
    let text = fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    // Long values (script blocks, audit records) are cut for the excerpt; the
    // event itself stays in the log at the subject's record or line.
    let text = match text.char_indices().nth(MAX_EXCERPT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    };
    Some(Escaped::from_text(&text))
}

fn tags_note(meta_tags: &[String]) -> String {
    let attack: Vec<&str> = meta_tags
        .iter()
        .filter(|t| t.to_ascii_lowercase().starts_with("attack.t"))
        .map(String::as_str)
        .collect();
    if attack.is_empty() {
        String::new()
    } else {
        escape_str(&format!("; ATT&CK tags: {}", attack.join(", ")))
    }
}

/// The finding for one event a Sigma rule matched.
pub fn sigma_finding(meta: &RuleMeta, event: &Event, m: &RuleMatch, ctx: &HuntContext) -> Finding {
    let technique = technique_of(&meta.techniques);
    let (severity, score, confidence) = grade(meta.level);
    let key = rule_key(meta);
    let host = ctx.host_of(event.host().as_deref());
    let locator = event
        .source
        .record_id
        .map(|r| format!("r{r}"))
        .or_else(|| event.source.line.map(|l| format!("l{l}")))
        .unwrap_or_default();
    Finding {
        id: stable_id(&[&key, &event.source.path, &locator]),
        time: ctx.time.clone(),
        host: host.clone(),
        technique,
        technique_name: technique.name().to_owned(),
        title: escape_str(&meta.title),
        severity,
        confidence,
        score,
        rule: key.clone(),
        subject: event_subject(event),
        evidence: vec![Evidence {
            source: EvidenceSource::Sigma,
            rule: key,
            detail: format!(
                "Sigma rule {:?} ({} level, {}){}",
                meta.title,
                level_name(meta.level),
                escape_str(&meta.path),
                tags_note(&meta.tags)
            ),
            score,
            offset: None,
            line: event.source.line,
            excerpt: excerpt_of(&with_context(&m.fields, &meta.fields, event)),
        }],
        mitigations: mitigations_of(technique),
        incident: stable_id(&["hunt", &host, technique.id()]),
    }
}

/// The matched fields, then the rule's `fields:` (what an analyst needs to
/// judge the match, such as the working directory) that the event has and the
/// match did not already show.
fn with_context(
    matched: &[(String, String)],
    wanted: &[String],
    event: &Event,
) -> Vec<(String, String)> {
    let mut out = matched.to_vec();
    for name in wanted {
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
            continue;
        }
        if let Some(v) = event.fields.text(name) {
            out.push((name.clone(), v.into_owned()));
        }
    }
    out
}

/// The lowercase name of a level.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Informational => "informational",
        Level::Low => "low",
        Level::Medium => "medium",
        Level::High => "high",
        Level::Critical => "critical",
    }
}

/// One event a correlation hit names: where it is and which host it names.
#[derive(Debug, Clone)]
pub struct EventRef {
    /// The event's source and time, as in the subject.
    pub subject: Subject,
    /// The host the event names.
    pub host: Option<String>,
}

/// The finding for one correlation hit; `events` are the refs the hit's
/// `events` indices point into.
pub fn correlation_finding(
    rule: &CorrelationRule,
    hit: &CorrelationHit,
    events: &[EventRef],
    ctx: &HuntContext,
) -> Finding {
    let technique = technique_of(&rule.techniques);
    let (severity, score, confidence) = grade(rule.level);
    let key = rule
        .id
        .clone()
        .or_else(|| rule.name.clone())
        .unwrap_or_else(|| format!("sigma:{}", rule.path));
    let first = hit.events.first().and_then(|i| events.get(*i));
    let host = ctx.host_of(first.and_then(|e| e.host.as_deref()));
    let group = hit
        .group
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let subject = first.map(|e| e.subject.clone()).unwrap_or_else(|| {
        Subject::Event(EventSubject {
            path: Escaped::from_text(&rule.path),
            line: None,
            record_id: None,
            event_time: Some(hit.first.to_rfc3339()),
            log: "correlation".into(),
        })
    });
    let mut evidence = vec![Evidence {
        source: EvidenceSource::Sigma,
        rule: key.clone(),
        detail: format!(
            "Sigma correlation {:?}: {} matching events from {} to {}{}",
            rule.title,
            hit.count,
            hit.first.to_rfc3339(),
            hit.last.to_rfc3339(),
            tags_note(&rule.tags)
        ),
        score,
        offset: None,
        line: None,
        excerpt: (!group.is_empty()).then(|| Escaped::from_text(&group)),
    }];
    for e in hit
        .events
        .iter()
        .skip(1)
        .take(20)
        .filter_map(|i| events.get(*i))
    {
        if let Subject::Event(s) = &e.subject {
            evidence.push(Evidence {
                source: EvidenceSource::Sigma,
                rule: key.clone(),
                detail: format!(
                    "also: {} {}",
                    s.path,
                    s.record_id
                        .map(|r| format!("record {r}"))
                        .or_else(|| s.line.map(|l| format!("line {l}")))
                        .unwrap_or_default()
                ),
                score: 0,
                offset: None,
                line: s.line,
                excerpt: None,
            });
        }
    }
    Finding {
        id: stable_id(&[&key, &group, &hit.first.to_rfc3339()]),
        time: ctx.time.clone(),
        host: host.clone(),
        technique,
        technique_name: technique.name().to_owned(),
        title: escape_str(&rule.title),
        severity,
        confidence,
        score,
        rule: key,
        subject,
        evidence,
        mitigations: mitigations_of(technique),
        incident: stable_id(&["hunt", &host, technique.id()]),
    }
}

/// The finding for a URI the web-log analysis scored.
pub fn weblog_finding(w: &WeblogFinding, ctx: &HuntContext) -> Finding {
    let technique = Technique::WebShell;
    let score = w.score.round().clamp(0.0, 1000.0) as u32;
    // The site key is a virtual host, an address:port or the log's folder:
    // not a host name, so it goes into `subject.log`, not `host`.
    let host = ctx.host_of(None);
    let (path, line) = w
        .lines
        .first()
        .map(|(p, l)| (p.clone(), Some(*l)))
        .unwrap_or_default();
    let mut evidence: Vec<Evidence> = w
        .signals
        .iter()
        .map(|s| Evidence {
            source: EvidenceSource::Anomaly,
            rule: format!("weblog.{}", s.name),
            detail: escape_str(&s.detail),
            score: s.weight.round().max(0.0) as u32,
            offset: None,
            line: None,
            excerpt: None,
        })
        .collect();
    evidence.push(Evidence {
        source: EvidenceSource::Anomaly,
        rule: "weblog.requests".into(),
        detail: escape_str(&format!(
            "{} requests from {} clients ({}{}), first {} last {}; lines: {}",
            w.requests,
            w.client_count,
            w.clients.join(", "),
            if w.client_count as usize > w.clients.len() {
                ", ..."
            } else {
                ""
            },
            w.first_seen
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
            w.last_seen
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
            w.lines
                .iter()
                .map(|(p, l)| format!("{p}:{l}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        score: 0,
        offset: None,
        line: None,
        excerpt: Some(Escaped::from_text(&w.uri)),
    });
    let confidence = Confidence::new((0.3 + w.signals.len() as f64 * 0.1).min(0.9));
    Finding {
        id: stable_id(&["weblog", &w.site, &w.uri]),
        time: ctx.time.clone(),
        host: host.clone(),
        technique,
        technique_name: technique.name().to_owned(),
        title: format!("Web-log pattern of a web shell at {}", escape_str(&w.uri)),
        severity: w.severity,
        confidence,
        score,
        rule: "ferret.weblog".into(),
        subject: Subject::Event(EventSubject {
            path: Escaped::from_text(&path),
            line,
            record_id: None,
            event_time: w.first_seen.map(|t| t.to_rfc3339()),
            log: format!(
                "web log, site {}, uri {}",
                escape_str(&w.site),
                escape_str(&w.uri)
            ),
        }),
        evidence,
        mitigations: mitigations_of(technique),
        incident: stable_id(&["hunt", &host, technique.id()]),
    }
}

/// `path record N` / `path line N` of a network event.
fn net_locator(e: &NetEventRef) -> String {
    match (e.record_id, e.line) {
        (Some(r), _) => format!("{} record {r}", e.path),
        (None, Some(l)) => format!("{} line {l}", e.path),
        (None, None) => e.path.clone(),
    }
}

/// The finding for a URI or flow the network analysis scored.
pub fn network_finding(n: &NetworkFinding, ctx: &HuntContext) -> Finding {
    let technique = Technique::WebShell;
    let score = n.score.round().clamp(0.0, 1000.0) as u32;
    // The server is an address, not necessarily this host's name.
    let host = ctx.host_of(None);
    let (what, rule_prefix) = match n.kind {
        FindingKind::Content => (
            format!("{}{}", n.server, n.uri.as_deref().unwrap_or("")),
            "network.content",
        ),
        FindingKind::Flow => (
            n.flow
                .as_ref()
                .map(|f| format!("{} -> {} {}", f.orig, f.resp, f.proto))
                .unwrap_or_else(|| n.server.clone()),
            "network.flow",
        ),
    };
    let excerpt = n.excerpt.as_deref().map(Escaped::from_text);
    let mut evidence: Vec<Evidence> = n
        .signals
        .iter()
        .map(|s| Evidence {
            source: EvidenceSource::Anomaly,
            rule: format!("{rule_prefix}.{}", s.name),
            detail: escape_str(&s.detail),
            score: s.weight.round().max(0.0) as u32,
            offset: None,
            line: None,
            excerpt: s
                .excerpt
                .as_deref()
                .map(Escaped::from_text)
                .or_else(|| excerpt.clone()),
        })
        .collect();
    let flow = n
        .flow
        .as_ref()
        .map(|f| {
            format!(
                "; flow {} -> {} {} from {} for {}",
                f.orig,
                f.resp,
                f.proto,
                f.start
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "-".into()),
                f.duration
                    .map(|d| format!("{d:.1} s"))
                    .unwrap_or_else(|| "-".into())
            )
        })
        .unwrap_or_default();
    evidence.push(Evidence {
        source: EvidenceSource::Anomaly,
        rule: format!("{rule_prefix}.events"),
        detail: escape_str(&format!(
            "{} {}, host {}, first {} last {}{flow}; events: {}",
            n.count,
            match n.kind {
                FindingKind::Content => format!(
                    "transactions from {} clients ({}{})",
                    n.client_count,
                    n.clients.join(", "),
                    if n.client_count as usize > n.clients.len() {
                        ", ..."
                    } else {
                        ""
                    }
                ),
                FindingKind::Flow => "connections".to_owned(),
            },
            n.host.as_deref().unwrap_or("-"),
            n.first_seen
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
            n.last_seen
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
            n.events
                .iter()
                .map(net_locator)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        score: 0,
        offset: None,
        line: None,
        excerpt: Some(Escaped::from_text(&what)),
    });
    let telling = n.telling.as_ref().or(n.events.first());
    let confidence = Confidence::new((0.3 + n.signals.len() as f64 * 0.1).min(0.9));
    let title = match n.kind {
        FindingKind::Content => format!(
            "Web-shell traffic to {}",
            escape_str(&format!(
                "{}{}",
                n.host.as_deref().unwrap_or(&n.server),
                n.uri.as_deref().unwrap_or("")
            ))
        ),
        FindingKind::Flow => match &n.flow {
            Some(f) => format!(
                "Web server {} opened suspicious connections to {} ({})",
                escape_str(&n.server),
                escape_str(&f.resp),
                f.proto
            ),
            None => format!(
                "Suspicious connections from web server {}",
                escape_str(&what)
            ),
        },
    };
    Finding {
        id: stable_id(&["network", rule_prefix, &n.server, &what]),
        time: ctx.time.clone(),
        host: host.clone(),
        technique,
        technique_name: technique.name().to_owned(),
        title,
        severity: n.severity,
        confidence,
        score,
        rule: format!("ferret.{rule_prefix}"),
        subject: Subject::Event(EventSubject {
            path: Escaped::from_text(telling.map_or("", |e| e.path.as_str())),
            line: telling.and_then(|e| e.line),
            record_id: telling.and_then(|e| e.record_id),
            event_time: telling
                .and_then(|e| e.time)
                .or(n.first_seen)
                .map(|t| t.to_rfc3339()),
            log: format!(
                "network, server {}{}",
                escape_str(&n.server),
                n.uri
                    .as_deref()
                    .map(|u| format!(", uri {}", escape_str(u)))
                    .unwrap_or_default()
            ),
        }),
        evidence,
        mitigations: mitigations_of(technique),
        incident: stable_id(&["hunt", &host, technique.id()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technique_prefers_the_sub_technique() {
        let t = |v: &[&str]| technique_of(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(t(&["T1505", "T1505.003"]), Technique::WebShell);
        assert_eq!(t(&["T1505.001", "T1505"]), Technique::SqlStoredProcedures);
        assert_eq!(t(&["T1059.001"]), Technique::Other);
        assert_eq!(t(&[]), Technique::Other);
    }
}
