//! `--format ocsf`: one OCSF 1.3 Detection Finding (class 2004, activity
//! Create) per finding per line, for Security Lake and other OCSF consumers.
//!
//! The subject becomes the first entry of `evidences` (a `file`, `process`,
//! `database`, `url` or `data` artifact) and each of Ferret's signals one more
//! entry (`name` = its rule, `data` = the signal); what OCSF has no attribute
//! for sits under `unmapped.ferret`. `docs/formats.md` has the mapping table.

use crate::ecs::{incident_index, name_and_extension, ordered, prune, uri_of};
use crate::navigator::{mitigation_url, split, ATTACK_VERSION, TACTIC_ID, TACTIC_NAME};
use crate::{Document, Meta, ReportError};
use ferret_core::{Finding, Severity, Subject, Timestamp};
use ferret_incident::{Correlation, Incident, Moment};
use serde_json::{json, Value};
use std::io::Write;

/// The OCSF schema version the events follow.
pub(crate) const OCSF_VERSION: &str = "1.3.0";
const CLASS_UID: u32 = 2004;
const ACTIVITY_CREATE: u32 = 1;

/// The moments of a finding (production: [`ferret_incident::moments`]).
pub(crate) type MomentsFn<'a> = &'a dyn Fn(&Finding) -> Vec<Moment>;

/// Writes one Detection Finding per finding, ordered by time, host and id.
pub struct Ocsf;

impl Document for Ocsf {
    fn write(&self, c: &Correlation, meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError> {
        write_events(c, meta, &ferret_incident::moments, out)
    }
}

fn write_events(
    c: &Correlation,
    meta: &Meta,
    moments: MomentsFn,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let incidents = incident_index(c);
    for f in ordered(&c.findings) {
        let inc = incidents.get(f.incident.as_str()).copied();
        let ev = event(f, inc, meta, moments(f));
        serde_json::to_writer(&mut *out, &ev)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// RFC 3339 → OCSF `timestamp_t` (milliseconds since the epoch).
pub(crate) fn epoch_ms(t: &str) -> Option<i64> {
    Timestamp::parse_rfc3339(t).map(|t| t.unix_micros().div_euclid(1000))
}

/// OCSF `severity_id` and its caption.
pub(crate) fn severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `confidence_id` (1 Low, 2 Medium, 3 High) from a 0..1 confidence.
fn confidence_id(c: f64) -> (u8, &'static str) {
    if c >= 0.8 {
        (3, "High")
    } else if c >= 0.5 {
        (2, "Medium")
    } else {
        (1, "Low")
    }
}

fn event(f: &Finding, inc: Option<&Incident>, meta: &Meta, moments: Vec<Moment>) -> Value {
    let time = epoch_ms(&f.time);
    let (sev_id, sev) = severity(f.severity);
    let (conf_id, conf) = confidence_id(f.confidence.get());
    let seen: Vec<i64> = moments.iter().filter_map(|m| epoch_ms(&m.time)).collect();
    let related: Vec<Value> = inc
        .map(|i| {
            i.findings
                .iter()
                .filter(|id| **id != f.id)
                .map(|id| json!({"uid": id, "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE}))
                .collect()
        })
        .unwrap_or_default();
    let desc: Vec<&str> = f.evidence.iter().map(|e| e.detail.as_str()).collect();
    let mut ev = json!({
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": time,
        "severity_id": sev_id,
        "severity": sev,
        "status_id": 1,
        "status": "New",
        "is_alert": true,
        "confidence_id": conf_id,
        "confidence": conf,
        "confidence_score": (f.confidence.get() * 100.0).round() as u32,
        "risk_score": f.score,
        "message": f.title,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "Ferret",
                "vendor_name": "Ferret",
                "version": env!("CARGO_PKG_VERSION"),
            },
            "uid": f.id,
            "correlation_uid": f.incident,
            "logged_time": meta_time(meta),
        },
        "finding_info": {
            "uid": f.id,
            "title": f.title,
            "desc": desc.join("; "),
            "types": [f.technique_label()],
            "created_time": time,
            "first_seen_time": seen.iter().min(),
            "last_seen_time": seen.iter().max(),
            "analytic": {"uid": f.rule, "name": f.rule, "type_id": 1, "type": "Rule"},
            "attacks": attacks(f),
            "related_events_count": related.len(),
            "related_events": (!related.is_empty()).then_some(related),
        },
        "evidences": evidences(f),
        "resources": [resource(&f.subject)],
        "device": {"hostname": f.host, "type_id": 1, "type": "Server"},
        "remediation": remediation(f),
        "unmapped": {"ferret": unmapped(f, inc)},
    });
    prune(&mut ev);
    ev
}

fn meta_time(meta: &Meta) -> Option<i64> {
    epoch_ms(&meta.generated)
}

fn attacks(f: &Finding) -> Value {
    let Some((parent, sub)) = split(f.technique) else {
        return Value::Null;
    };
    let mut a = json!({
        "technique": {"uid": parent.id(), "name": parent.name()},
        "tactic": {"uid": TACTIC_ID, "name": TACTIC_NAME},
        "version": ATTACK_VERSION,
    });
    if let Some(sub) = sub {
        a["sub_technique"] = json!({"uid": sub.id(), "name": sub.name()});
    }
    json!([a])
}

fn ocsf_file(path: &str, sha256: Option<&str>) -> Value {
    let (name, _) = name_and_extension(path);
    let hashes = sha256
        .filter(|h| !h.is_empty())
        .map(|h| json!([{"algorithm_id": 3, "algorithm": "SHA-256", "value": h}]));
    json!({"name": name, "path": path, "type_id": 1, "type": "Regular File", "hashes": hashes})
}

/// The subject as an evidence artifact, then one entry per signal.
fn evidences(f: &Finding) -> Vec<Value> {
    let mut subject = json!({"name": format!("subject: {}", f.subject.kind())});
    match &f.subject {
        Subject::File(file) => {
            let mut v = ocsf_file(file.path.as_str(), Some(&file.sha256));
            v["size"] = json!(file.size);
            v["modified_time"] = json!(file.mtime.as_deref().and_then(epoch_ms));
            subject["file"] = v;
        }
        Subject::Component(c) => {
            let implementation = c.image_path();
            subject["file"] = ocsf_file(
                implementation.unwrap_or(c.path.as_str()),
                c.sha256.as_deref(),
            );
            subject["data"] = json!({
                "server": c.server,
                "component": c.component,
                "name": c.name,
                "implementation": c.implementation,
                "declared_in": c.declared_in,
                "verdict": c.verdict,
            });
        }
        Subject::Process(p) => {
            let parent = p
                .parent()
                .map(|n| json!({"pid": n.pid, "name": n.name, "cmd_line": n.cmdline}));
            subject["process"] = json!({
                "pid": p.pid,
                "name": p.name,
                "cmd_line": p.cmdline,
                "file": ocsf_file(p.path.as_str(), None),
                "user": {"name": p.user, "uid": p.uid.map(|u| u.to_string())},
                "created_time": p.started.as_deref().and_then(epoch_ms),
                "working_directory": p.cwd,
                "parent_process": parent,
            });
        }
        Subject::DbObject(d) => {
            let (type_id, kind) = match d.engine.as_str() {
                "postgres" | "mysql" | "mssql" => (1, "Relational"),
                "redis" => (6, "NoSQL"),
                _ => (99, "Other"),
            };
            subject["database"] = json!({
                "name": d.database.as_ref().unwrap_or(&d.name),
                "type_id": type_id,
                "type": kind,
            });
            subject["data"] = json!({
                "engine": d.engine,
                "server": d.server,
                "schema": d.schema,
                "name": d.name,
                "object_type": d.object_type,
                "owner": d.owner,
                "locator": d.path,
            });
        }
        Subject::Event(e) => {
            if let Some(uri) = uri_of(&e.log) {
                let path = uri.split(['?', '#']).next().unwrap_or(uri);
                subject["url"] = json!({"path": path, "url_string": uri});
            }
            subject["data"] = json!({
                "log": e.log,
                "path": e.path,
                "line": e.line,
                "record_id": e.record_id,
                "event_time": e.event_time,
            });
        }
    }
    let mut out = vec![subject];
    out.extend(
        f.evidence
            .iter()
            .map(|e| json!({"name": e.rule, "data": e})),
    );
    out
}

fn resource(s: &Subject) -> Value {
    let uid = match s {
        Subject::File(f) => Some(f.sha256.clone()),
        Subject::Component(c) => c.sha256.clone(),
        Subject::Process(p) => Some(p.pid.to_string()),
        Subject::DbObject(_) | Subject::Event(_) => None,
    };
    json!({"name": s.path(), "type": s.kind(), "uid": uid})
}

fn remediation(f: &Finding) -> Value {
    if f.mitigations.is_empty() {
        return Value::Null;
    }
    let names: Vec<String> = f
        .mitigations
        .iter()
        .map(|m| format!("{} {}", m.id(), m.name()))
        .collect();
    let refs: Vec<String> = f.mitigations.iter().map(|m| mitigation_url(*m)).collect();
    json!({
        "desc": format!("ATT&CK mitigations: {}", names.join(", ")),
        "references": refs,
    })
}

fn unmapped(f: &Finding, inc: Option<&Incident>) -> Value {
    json!({
        "severity": f.severity,
        "confidence": f.confidence.get(),
        "score": f.score,
        "technique": f.technique,
        "subject": f.subject,
        "incident": inc.map(|i| json!({
            "id": i.id,
            "title": i.title,
            "severity": i.severity,
            "first_seen": i.first_seen,
            "last_seen": i.last_seen,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{moments_like, sample_correlation, sample_meta, HOSTILE};
    use ferret_core::Technique;

    fn events(c: &Correlation) -> (String, Vec<Value>) {
        let mut out = Vec::new();
        write_events(c, &sample_meta(), &moments_like, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let v = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (text, v)
    }

    fn by_rule<'a>(d: &'a [Value], rule: &str) -> &'a Value {
        d.iter()
            .find(|v| v["finding_info"]["analytic"]["uid"] == rule)
            .unwrap()
    }

    #[test]
    fn class_and_base_attributes() {
        let c = sample_correlation();
        let (_, d) = events(&c);
        assert_eq!(d.len(), c.findings.len());
        for v in &d {
            assert_eq!(v["class_uid"], 2004);
            assert_eq!(v["category_uid"], 2);
            assert_eq!(v["type_uid"], 200401);
            assert_eq!(v["activity_id"], 1);
            assert_eq!(v["status_id"], 1);
            assert_eq!(v["metadata"]["version"], OCSF_VERSION);
            assert_eq!(v["metadata"]["product"]["name"], "Ferret");
            assert_eq!(v["metadata"]["uid"], v["finding_info"]["uid"]);
            assert!(v["time"].is_i64());
            assert!(v["device"]["hostname"].is_string());
        }
        let mut rev = c.clone();
        rev.findings.reverse();
        assert_eq!(events(&rev).1, d);
    }

    #[test]
    fn file_finding_maps() {
        let (_, d) = events(&sample_correlation());
        let v = d
            .iter()
            .find(|v| v["evidences"][0]["file"]["path"] == "/var/www/html/up/x.php")
            .unwrap();
        let shell_time = epoch_ms("2026-11-23T10:00:00Z").unwrap();
        assert_eq!(v["time"], shell_time);
        assert_eq!(v["severity_id"], 4);
        assert_eq!(v["severity"], "High");
        assert_eq!(v["confidence_score"], 90);
        assert_eq!(v["risk_score"], 80);
        let fi = &v["finding_info"];
        assert_eq!(
            fi["first_seen_time"],
            epoch_ms("2026-11-20T03:14:15Z").unwrap()
        );
        assert_eq!(fi["last_seen_time"], shell_time);
        assert_eq!(fi["attacks"][0]["technique"]["uid"], "T1505");
        assert_eq!(fi["attacks"][0]["sub_technique"]["uid"], "T1505.003");
        assert_eq!(fi["attacks"][0]["tactic"]["uid"], "TA0003");
        assert_eq!(fi["related_events_count"], 2);
        let file = &v["evidences"][0]["file"];
        assert_eq!(file["name"], "x.php");
        assert_eq!(file["hashes"][0]["algorithm_id"], 3);
        assert_eq!(file["hashes"][0]["value"], "0".repeat(64));
        assert_eq!(
            file["modified_time"],
            epoch_ms("2026-11-20T03:14:15Z").unwrap()
        );
        assert_eq!(v["evidences"][1]["name"], "heur.php.request_to_sink");
        assert_eq!(v["evidences"][1]["data"]["score"], 60);
        assert_eq!(
            v["remediation"]["references"][0],
            "https://attack.mitre.org/mitigations/M1047/"
        );
        assert_eq!(
            v["metadata"]["correlation_uid"],
            v["unmapped"]["ferret"]["incident"]["id"]
        );
        assert_eq!(v["resources"][0]["type"], "file");
    }

    #[test]
    fn process_event_component_map() {
        let (_, d) = events(&sample_correlation());
        let p = by_rule(&d, "ferret.live.lineage");
        let proc_ = &p["evidences"][0]["process"];
        assert_eq!(proc_["pid"], 1234);
        assert_eq!(proc_["cmd_line"], "sh -c id");
        assert_eq!(proc_["file"]["path"], "/usr/bin/dash");
        assert!(proc_["file"].get("hashes").is_none());
        assert_eq!(proc_["user"]["name"], "www-data");
        assert_eq!(
            proc_["created_time"],
            epoch_ms("2026-11-21T08:00:05Z").unwrap()
        );
        assert_eq!(p["severity_id"], 5);
        assert_eq!(
            p["finding_info"]["first_seen_time"],
            epoch_ms("2026-11-21T08:00:05Z").unwrap()
        );

        let e = by_rule(&d, "ferret.weblog");
        assert_eq!(e["evidences"][0]["url"]["path"], "/up/x.php");
        assert_eq!(e["evidences"][0]["data"]["line"], 17);

        let m = by_rule(&d, "ferret.component");
        assert_eq!(m["evidences"][0]["file"]["path"], "/tmp/.ICE-unix/mod_x.so");
        assert_eq!(m["evidences"][0]["data"]["verdict"], "unexpected");
        assert_eq!(m["finding_info"]["attacks"][0]["technique"]["uid"], "T1505");
        assert!(m["finding_info"]["attacks"][0]
            .get("sub_technique")
            .is_none());
        assert_eq!(m["device"]["hostname"], "web02");
        assert!(m["finding_info"].get("related_events").is_none());
        assert_eq!(m["finding_info"]["related_events_count"], 0);
    }

    #[test]
    fn other_has_no_attack() {
        let mut c = sample_correlation();
        for f in c.findings.iter_mut() {
            f.technique = Technique::Other;
        }
        let (_, d) = events(&c);
        for v in d {
            assert!(v["finding_info"].get("attacks").is_none());
            assert_eq!(
                v["finding_info"]["types"][0],
                "other Outside T1505 (see the rule's tags)"
            );
        }
    }

    #[test]
    fn hostile_text_is_json_data() {
        let (text, d) = events(&sample_correlation());
        assert!(!text.contains('\x1b'));
        assert_eq!(text.lines().count(), 5);
        let expect = ferret_core::Escaped::from_text(HOSTILE);
        assert!(d
            .iter()
            .any(|v| v["evidences"][0]["file"]["path"] == expect.as_str()));
    }

    #[test]
    fn document_uses_the_correlation_crates_moments() {
        let c = sample_correlation();
        let mut out = Vec::new();
        Ocsf.write(&c, &sample_meta(), &mut out).unwrap();
        let real: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(real, events(&c).1);
    }

    #[test]
    fn severity_and_time_helpers() {
        let ids: Vec<u8> = Severity::ALL.into_iter().map(|s| severity(s).0).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        assert_eq!(epoch_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(epoch_ms("not a time"), None);
    }
}
