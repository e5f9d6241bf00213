//! `--format ecs`: one Elastic Common Schema (8.x) document per finding per
//! line (NDJSON), ready for an Elasticsearch bulk or Filebeat input.
//!
//! ECS names carry what ECS has a field for (`event.*`, `rule.*`, `host.*`,
//! `file.*`, `process.*`, `url.*`, `log.*`, `threat.*`); the rest of the finding
//! sits under `ferret.*`. `docs/formats.md` has the mapping table.

use crate::navigator::{split, tactic_url, technique_url, ATTACK_VERSION, TACTIC_ID, TACTIC_NAME};
use crate::{Document, Meta, ReportError};
use ferret_core::{Finding, Severity, Subject, Technique};
use ferret_incident::{Correlation, Incident};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::Write;

/// The ECS version the documents follow.
pub(crate) const ECS_VERSION: &str = "8.11.0";

/// Writes one ECS document per finding, ordered by time, host and id.
pub struct Ecs;

impl Document for Ecs {
    fn write(&self, c: &Correlation, meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError> {
        let incidents = incident_index(c);
        for f in ordered(&c.findings) {
            let inc = incidents.get(f.incident.as_str()).copied();
            serde_json::to_writer(&mut *out, &document(f, inc, meta))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Incidents by id, so that looking up each finding's incident is not a scan
/// of every incident (the same answer as [`Correlation::incident_of`]).
pub(crate) fn incident_index(c: &Correlation) -> HashMap<&str, &Incident> {
    let mut m = HashMap::with_capacity(c.incidents.len());
    for i in &c.incidents {
        m.entry(i.id.as_str()).or_insert(i);
    }
    m
}

/// Findings in a stable order: time, then host, then id.
pub(crate) fn ordered(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.host.cmp(&b.host))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

/// ECS `event.severity`: 1 (info) to 5 (critical).
pub(crate) fn severity_number(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// The last path component and its extension (without the dot), from an
/// escaped path with `/` or `\` separators.
pub(crate) fn name_and_extension(path: &str) -> (&str, Option<&str>) {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Some(ext),
        _ => None,
    };
    (name, ext)
}

/// The requested URI a web-log or network event names (`..., uri /up/x.php`).
pub(crate) fn uri_of(log: &str) -> Option<&str> {
    let (_, uri) = log.split_once(", uri ")?;
    (!uri.is_empty()).then_some(uri)
}

fn document(f: &Finding, inc: Option<&Incident>, meta: &Meta) -> Value {
    let created = if meta.generated.is_empty() {
        f.time.as_str()
    } else {
        meta.generated.as_str()
    };
    let reason = f
        .evidence
        .first()
        .map(|e| e.detail.as_str())
        .unwrap_or(f.title.as_str());
    let mut doc = json!({
        "@timestamp": f.time,
        "message": f.title,
        "ecs": {"version": ECS_VERSION},
        "event": {
            "kind": "alert",
            "category": categories(&f.subject),
            "type": ["indicator"],
            "severity": severity_number(f.severity),
            "risk_score": f64::from(f.score),
            "id": f.id,
            "module": "ferret",
            "dataset": "ferret.finding",
            "created": created,
            "reason": reason,
        },
        "rule": {"id": f.rule, "name": f.rule, "ruleset": "ferret"},
        "host": {"name": f.host},
        "observer": {
            "vendor": "Ferret",
            "product": "ferret",
            "type": "scanner",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "threat": threat(f.technique),
        "ferret": ferret_extras(f, inc),
    });
    if let Value::Object(m) = &mut doc {
        subject_fields(&f.subject, m);
    }
    prune(&mut doc);
    doc
}

fn categories(s: &Subject) -> Vec<&'static str> {
    let first = match s {
        Subject::File(_) => "file",
        Subject::Process(_) => "process",
        Subject::Event(_) => return vec!["intrusion_detection"],
        Subject::DbObject(_) => "database",
        Subject::Component(_) => "configuration",
    };
    vec![first, "intrusion_detection"]
}

fn threat(t: Technique) -> Value {
    let Some((parent, sub)) = split(t) else {
        return Value::Null;
    };
    let mut technique = json!({
        "id": [parent.id()],
        "name": [parent.name()],
        "reference": [technique_url(parent.id())],
    });
    if let Some(sub) = sub {
        technique["subtechnique"] = json!({
            "id": [sub.id()],
            "name": [sub.name()],
            "reference": [technique_url(sub.id())],
        });
    }
    json!({
        "framework": "MITRE ATT&CK",
        "tactic": {"id": [TACTIC_ID], "name": [TACTIC_NAME], "reference": [tactic_url()]},
        "technique": technique,
    })
}

fn ferret_extras(f: &Finding, inc: Option<&Incident>) -> Value {
    let mitigations: Vec<Value> = f
        .mitigations
        .iter()
        .map(|m| json!({"id": m.id(), "name": m.name()}))
        .collect();
    let incident = match inc {
        Some(i) => json!({
            "id": i.id,
            "title": i.title,
            "severity": i.severity,
            "score": i.score,
            "first_seen": i.first_seen,
            "last_seen": i.last_seen,
        }),
        None => json!({"id": f.incident}),
    };
    json!({
        "severity": f.severity,
        "confidence": f.confidence.get(),
        "score": f.score,
        "technique": f.technique,
        "technique_name": f.technique_name,
        "attack_version": ATTACK_VERSION,
        "incident": incident,
        "subject": f.subject,
        "evidence": f.evidence,
        "mitigations": mitigations,
    })
}

/// Adds the ECS field sets the subject fills (file, process, url, log, service).
fn subject_fields(s: &Subject, doc: &mut Map<String, Value>) {
    match s {
        Subject::File(file) => {
            let mut v = file_fields(file.path.as_str());
            v["size"] = json!(file.size);
            v["mtime"] = json!(file.mtime);
            v["hash"] = json!({"sha256": file.sha256});
            doc.insert("file".into(), v);
        }
        Subject::Component(c) => {
            let implementation = c.image_path();
            let mut v = file_fields(implementation.unwrap_or(c.path.as_str()));
            v["hash"] = json!({"sha256": c.sha256});
            doc.insert("file".into(), v);
            doc.insert("service".into(), json!({"type": c.server}));
        }
        Subject::Process(p) => {
            let parent = p
                .parent()
                .map(|n| json!({"pid": n.pid, "name": n.name, "command_line": n.cmdline}));
            doc.insert(
                "process".into(),
                json!({
                    "pid": p.pid,
                    "executable": p.path,
                    "name": p.name,
                    "command_line": p.cmdline,
                    "working_directory": p.cwd,
                    "start": p.started,
                    "parent": parent,
                    "user": {"name": p.user, "id": p.uid.map(|u| u.to_string())},
                }),
            );
        }
        Subject::Event(e) => {
            doc.insert("log".into(), json!({"file": {"path": e.path}}));
            if let Some(uri) = uri_of(&e.log) {
                let path = uri.split(['?', '#']).next().unwrap_or(uri);
                doc.insert("url".into(), json!({"path": path, "original": uri}));
            }
            if let Some(Value::Object(ev)) = doc.get_mut("event") {
                ev.insert("start".into(), json!(e.event_time));
            }
        }
        Subject::DbObject(d) => {
            doc.insert("service".into(), json!({"type": d.engine}));
        }
    }
}

fn file_fields(path: &str) -> Value {
    let (name, ext) = name_and_extension(path);
    let dir = path
        .len()
        .checked_sub(name.len() + 1)
        .and_then(|n| path.get(..n))
        .filter(|d| !d.is_empty());
    json!({"path": path, "name": name, "extension": ext, "directory": dir, "type": "file"})
}

/// Drops nulls and objects left empty, so absent facts are absent keys.
pub(crate) fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for x in m.values_mut() {
                prune(x);
            }
            m.retain(|_, x| !(x.is_null() || x.as_object().is_some_and(Map::is_empty)));
        }
        Value::Array(a) => a.iter_mut().for_each(prune),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{sample_correlation, sample_meta, HOSTILE};

    fn docs(c: &Correlation) -> Vec<Value> {
        let mut out = Vec::new();
        Ecs.write(c, &sample_meta(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn by_rule<'a>(d: &'a [Value], rule: &str) -> &'a Value {
        d.iter().find(|v| v["rule"]["id"] == rule).unwrap()
    }

    #[test]
    fn one_document_per_finding_in_stable_order() {
        let c = sample_correlation();
        let d = docs(&c);
        assert_eq!(d.len(), c.findings.len());
        let mut rev = c.clone();
        rev.findings.reverse();
        assert_eq!(docs(&rev), d);
        for v in &d {
            assert_eq!(v["event"]["kind"], "alert");
            assert_eq!(v["event"]["type"][0], "indicator");
            assert_eq!(v["event"]["dataset"], "ferret.finding");
            assert_eq!(v["event"]["created"], "2026-11-23T12:00:00Z");
            assert_eq!(v["ecs"]["version"], ECS_VERSION);
            assert_eq!(v["observer"]["product"], "ferret");
            assert_eq!(v["rule"]["ruleset"], "ferret");
        }
    }

    #[test]
    fn file_subject() {
        let d = docs(&sample_correlation());
        let v = d
            .iter()
            .find(|v| v["file"]["path"] == "/var/www/html/up/x.php")
            .unwrap();
        assert_eq!(v["@timestamp"], "2026-11-23T10:00:00Z");
        assert_eq!(v["file"]["name"], "x.php");
        assert_eq!(v["file"]["extension"], "php");
        assert_eq!(v["file"]["directory"], "/var/www/html/up");
        assert_eq!(v["file"]["size"], 42);
        assert_eq!(v["file"]["mtime"], "2026-11-20T03:14:15Z");
        assert_eq!(v["file"]["hash"]["sha256"], "0".repeat(64));
        assert_eq!(
            v["event"]["category"],
            json!(["file", "intrusion_detection"])
        );
        assert_eq!(v["event"]["severity"], 4);
        assert_eq!(v["event"]["risk_score"], 80.0);
        assert_eq!(v["threat"]["framework"], "MITRE ATT&CK");
        assert_eq!(v["threat"]["tactic"]["id"], json!(["TA0003"]));
        assert_eq!(v["threat"]["technique"]["id"], json!(["T1505"]));
        assert_eq!(
            v["threat"]["technique"]["subtechnique"]["id"],
            json!(["T1505.003"])
        );
        assert_eq!(
            v["threat"]["technique"]["subtechnique"]["reference"][0],
            "https://attack.mitre.org/techniques/T1505/003/"
        );
        assert_eq!(v["ferret"]["mitigations"][0]["id"], "M1047");
        assert_eq!(v["ferret"]["incident"]["severity"], "critical");
        assert_eq!(
            v["ferret"]["evidence"][0]["rule"],
            "heur.php.request_to_sink"
        );
        assert!(v.get("process").is_none() && v.get("log").is_none());
    }

    #[test]
    fn process_event_and_component_subjects() {
        let mut c = sample_correlation();
        if let Subject::Process(p) = &mut c.findings[2].subject {
            p.ancestry = vec![
                ferret_core::ProcessNode {
                    pid: 900,
                    name: ferret_core::Escaped::from_text("apache2"),
                    cmdline: ferret_core::Escaped::from_text("/usr/sbin/apache2 -k start"),
                },
                ferret_core::ProcessNode {
                    pid: 1234,
                    name: ferret_core::Escaped::from_text("sh"),
                    cmdline: ferret_core::Escaped::from_text("sh -c id"),
                },
            ];
        }
        let d = docs(&c);
        let p = by_rule(&d, "ferret.live.lineage");
        assert_eq!(p["process"]["pid"], 1234);
        assert_eq!(p["process"]["executable"], "/usr/bin/dash");
        assert_eq!(p["process"]["command_line"], "sh -c id");
        assert_eq!(p["process"]["working_directory"], "/var/www/html/up");
        assert_eq!(p["process"]["start"], "2026-11-21T08:00:05Z");
        assert_eq!(p["process"]["user"]["name"], "www-data");
        assert_eq!(p["process"]["user"]["id"], "33");
        assert_eq!(p["process"]["parent"]["pid"], 900);
        assert_eq!(p["process"]["parent"]["name"], "apache2");
        assert_eq!(p["event"]["severity"], 5);
        assert_eq!(p["event"]["category"][0], "process");

        let e = by_rule(&d, "ferret.weblog");
        assert_eq!(e["log"]["file"]["path"], "/var/log/apache2/access.log");
        assert_eq!(e["url"]["path"], "/up/x.php");
        assert_eq!(e["event"]["start"], "2026-11-21T08:00:00Z");
        assert_eq!(e["event"]["category"], json!(["intrusion_detection"]));
        assert_eq!(e["ferret"]["subject"]["line"], 17);

        let m = by_rule(&d, "ferret.component");
        assert_eq!(m["file"]["path"], "/tmp/.ICE-unix/mod_x.so");
        assert_eq!(m["file"]["extension"], "so");
        assert_eq!(m["file"]["hash"]["sha256"], "ab".repeat(32));
        assert_eq!(m["service"]["type"], "apache");
        assert_eq!(m["host"]["name"], "web02");
        assert_eq!(m["event"]["category"][0], "configuration");
        assert_eq!(m["threat"]["technique"]["id"], json!(["T1505"]));
        assert!(m["threat"]["technique"].get("subtechnique").is_none());
        assert_eq!(
            m["ferret"]["subject"]["declared_in"],
            "/etc/apache2/apache2.conf:12"
        );
    }

    #[test]
    fn db_object_subject() {
        let mut c = sample_correlation();
        c.findings[0].subject = Subject::DbObject(ferret_core::DbObjectSubject {
            path: ferret_core::Escaped::from_text("postgres://db:5432/app/public.f (function)"),
            engine: "postgres".into(),
            server: ferret_core::Escaped::from_text("db:5432"),
            database: Some(ferret_core::Escaped::from_text("app")),
            schema: None,
            name: ferret_core::Escaped::from_text("f"),
            object_type: "function".into(),
            owner: None,
        });
        let d = docs(&c);
        let v = d
            .iter()
            .find(|x| x["service"]["type"] == "postgres")
            .unwrap();
        assert_eq!(
            v["event"]["category"],
            json!(["database", "intrusion_detection"])
        );
        assert_eq!(v["ferret"]["subject"]["object_type"], "function");
        assert!(v.get("file").is_none());
    }

    #[test]
    fn other_technique_has_no_threat() {
        let mut c = sample_correlation();
        c.findings[0].technique = Technique::Other;
        let d = docs(&c);
        let other: Vec<&Value> = d
            .iter()
            .filter(|v| v["ferret"]["technique"] == "other")
            .collect();
        assert_eq!(other.len(), 1);
        assert!(other[0].get("threat").is_none());
    }

    #[test]
    fn hostile_path_stays_data() {
        let mut out = Vec::new();
        Ecs.write(&sample_correlation(), &sample_meta(), &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 5);
        assert!(!text.contains('\x1b'));
        let d: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let v = d
            .iter()
            .find(|v| {
                v["file"]["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("<script>"))
            })
            .unwrap();
        let path = v["file"]["path"].as_str().unwrap();
        assert_eq!(path, ferret_core::Escaped::from_text(HOSTILE).as_str());
        assert!(!path.contains('\n'));
        assert_eq!(v["file"]["extension"], "php");
    }

    #[test]
    fn severity_scale_and_helpers() {
        let n: Vec<u8> = Severity::ALL.into_iter().map(severity_number).collect();
        assert_eq!(n, [1, 2, 3, 4, 5]);
        assert_eq!(
            name_and_extension("C:\\\\inetpub\\\\a.aspx"),
            ("a.aspx", Some("aspx"))
        );
        assert_eq!(name_and_extension("/x/.htaccess"), (".htaccess", None));
        assert_eq!(
            uri_of("web log, site default, uri /a.php?x=1"),
            Some("/a.php?x=1")
        );
        assert_eq!(uri_of("esxi shell.log"), None);
    }
}
