//! The moments of a finding (when its file changed, its event was logged, its
//! process started, the analysis ran) and the analysis that produced it.

use crate::model::{Moment, MomentKind};
use ferret_core::{Finding, Subject, Timestamp};

/// Every moment a finding carries (mtime, event time, process start, detection),
/// earliest first. Times that do not parse as RFC 3339 are left out; the rest
/// are rendered in UTC with microseconds, so their text sorts as their time.
pub fn moments(f: &Finding) -> Vec<Moment> {
    let mut out: Vec<(Timestamp, MomentKind)> = Vec::with_capacity(2);
    let mut add = |t: Option<&str>, what: MomentKind| {
        if let Some(ts) = t.and_then(Timestamp::parse_rfc3339) {
            out.push((ts, what));
        }
    };
    match &f.subject {
        Subject::File(s) => add(s.mtime.as_deref(), MomentKind::Modified),
        Subject::Event(e) => add(e.event_time.as_deref(), MomentKind::Logged),
        Subject::Process(p) => add(p.started.as_deref(), MomentKind::Started),
        Subject::Component(_) | Subject::DbObject(_) => {}
    }
    add(Some(&f.time), MomentKind::Detected);
    out.sort_by_key(|(t, what)| (*t, kind_rank(*what)));
    out.into_iter()
        .map(|(t, what)| Moment {
            time: t.to_rfc3339(),
            what,
        })
        .collect()
}

/// The earliest and latest moment of a finding, in microseconds since the
/// epoch; `None` when it has none.
pub(crate) fn span_of(f: &Finding) -> Option<(i64, i64)> {
    let mut span: Option<(i64, i64)> = None;
    let mut add = |t: Option<&str>| {
        if let Some(ts) = t.and_then(Timestamp::parse_rfc3339) {
            let m = ts.unix_micros();
            span = Some(span.map_or((m, m), |(a, b)| (a.min(m), b.max(m))));
        }
    };
    match &f.subject {
        Subject::File(s) => add(s.mtime.as_deref()),
        Subject::Event(e) => add(e.event_time.as_deref()),
        Subject::Process(p) => add(p.started.as_deref()),
        Subject::Component(_) | Subject::DbObject(_) => {}
    }
    add(Some(&f.time));
    span
}

/// Ties at one instant keep the story's order: modified, started, logged, detected.
fn kind_rank(k: MomentKind) -> u8 {
    match k {
        MomentKind::Modified => 0,
        MomentKind::Started => 1,
        MomentKind::Logged => 2,
        MomentKind::Detected => 3,
    }
}

/// The analysis that produced a finding (`scan`, `inventory`, `hunt`,
/// `audit-db`, `baseline`, `live`, `watch`), from its rule and subject.
pub fn source_of(f: &Finding) -> &'static str {
    let rule = f.rule.as_str();
    let by_rule = [
        ("ferret.baseline.", "baseline"),
        ("ferret.live.", "live"),
        ("ferret.watch.", "watch"),
    ];
    if let Some((_, s)) = by_rule.iter().find(|(p, _)| rule.starts_with(p)) {
        return s;
    }
    match rule {
        "ferret.webshell" => return "scan",
        "ferret.component" | "ferret.install_log" => return "inventory",
        "ferret.db" => return "audit-db",
        _ => {}
    }
    match &f.subject {
        Subject::File(_) => "scan",
        Subject::Component(_) => "inventory",
        Subject::DbObject(_) => "audit-db",
        Subject::Event(_) => "hunt",
        Subject::Process(_) => "live",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::{Confidence, Escaped, EventSubject, FileSubject, Severity, Technique};

    fn finding(rule: &str, time: &str, subject: Subject) -> Finding {
        Finding {
            id: "f1".into(),
            time: time.into(),
            host: "h".into(),
            technique: Technique::WebShell,
            technique_name: Technique::WebShell.name().into(),
            title: "t".into(),
            severity: Severity::High,
            confidence: Confidence::new(0.8),
            score: 70,
            rule: rule.into(),
            subject,
            evidence: Vec::new(),
            mitigations: Vec::new(),
            incident: String::new(),
        }
    }

    fn file(mtime: Option<&str>) -> Subject {
        Subject::File(FileSubject {
            path: Escaped::from_text("/var/www/x.php"),
            original_path: None,
            sha256: String::new(),
            size: 1,
            language: None,
            identified_by: None,
            mtime: mtime.map(str::to_owned),
        })
    }

    #[test]
    fn moments_are_sorted_utc_and_skip_bad_times() {
        let f = finding(
            "ferret.webshell",
            "2024-05-02T10:00:00+02:00",
            file(Some("2024-05-01T00:00:00Z")),
        );
        let m = moments(&f);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].what, MomentKind::Modified);
        assert_eq!(m[0].time, "2024-05-01T00:00:00.000000Z");
        assert_eq!(m[1].what, MomentKind::Detected);
        assert_eq!(m[1].time, "2024-05-02T08:00:00.000000Z");
        let bad = finding("ferret.webshell", "yesterday", file(Some("not a time")));
        assert!(moments(&bad).is_empty());
        assert_eq!(span_of(&bad), None);
        let span = span_of(&f).expect("span");
        assert_eq!(span.1 - span.0, 32 * 3600 * 1_000_000);
    }

    #[test]
    fn sources_follow_rule_then_subject() {
        let ev = Subject::Event(EventSubject {
            path: Escaped::from_text("/var/log/x"),
            line: Some(1),
            record_id: None,
            event_time: None,
            log: "x".into(),
        });
        let t = "2024-01-01T00:00:00Z";
        assert_eq!(
            source_of(&finding("ferret.webshell", t, file(None))),
            "scan"
        );
        assert_eq!(
            source_of(&finding("ferret.baseline.added", t, file(None))),
            "baseline"
        );
        assert_eq!(
            source_of(&finding("ferret.install_log", t, ev.clone())),
            "inventory"
        );
        assert_eq!(source_of(&finding("sigma-rule-id", t, ev.clone())), "hunt");
        assert_eq!(source_of(&finding("ferret.weblog", t, ev)), "hunt");
        assert_eq!(
            source_of(&finding("ferret.live.lineage", t, file(None))),
            "live"
        );
    }
}
