//! `--format navigator`: a MITRE ATT&CK Navigator layer (layer format 4.5)
//! scoring each T1505 technique by the number of findings that name it.
//!
//! Also holds the ATT&CK vocabulary the other standard formats share: the
//! persistence tactic, reference URLs and the parent/sub-technique split.

use crate::{Document, Meta, ReportError};
use ferret_core::{escape_controls, Finding, Mitigation, Severity, Technique};
use ferret_incident::{Correlation, Incident};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// The ATT&CK tactic every T1505 technique belongs to.
pub(crate) const TACTIC_ID: &str = "TA0003";
/// The tactic's name.
pub(crate) const TACTIC_NAME: &str = "Persistence";
/// The ATT&CK (Enterprise) version the ids and names come from.
pub(crate) const ATTACK_VERSION: &str = "16";
/// How many incidents a technique's comment names before `and N more`.
const COMMENT_INCIDENTS: usize = 5;

/// The tactic's page.
pub(crate) fn tactic_url() -> String {
    format!("https://attack.mitre.org/tactics/{TACTIC_ID}/")
}

/// A technique's page: `T1505.003` → `.../techniques/T1505/003/`.
pub(crate) fn technique_url(id: &str) -> String {
    format!(
        "https://attack.mitre.org/techniques/{}/",
        id.replace('.', "/")
    )
}

/// A mitigation's page.
pub(crate) fn mitigation_url(m: Mitigation) -> String {
    format!("https://attack.mitre.org/mitigations/{}/", m.id())
}

/// A technique as ATT&CK parent plus optional sub-technique; `None` for
/// [`Technique::Other`], which names no ATT&CK technique of its own.
pub(crate) fn split(t: Technique) -> Option<(Technique, Option<Technique>)> {
    match t {
        Technique::Other => None,
        Technique::ServerSoftwareComponent => Some((t, None)),
        sub => Some((Technique::ServerSoftwareComponent, Some(sub))),
    }
}

/// Writes one Navigator layer over every finding of the run.
pub struct Navigator;

impl Document for Navigator {
    fn write(&self, c: &Correlation, meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError> {
        serde_json::to_writer_pretty(&mut *out, &layer(c, meta))?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

/// What the layer says about one technique.
#[derive(Default)]
struct Tally<'a> {
    findings: usize,
    worst: Option<Severity>,
    hosts: BTreeSet<&'a str>,
    incidents: Vec<&'a Incident>,
    seen: BTreeSet<&'a str>,
}

fn layer(c: &Correlation, meta: &Meta) -> Value {
    let mut tallies: BTreeMap<Technique, Tally> = BTreeMap::new();
    let incidents = crate::ecs::incident_index(c);
    let mut other = 0usize;
    for f in &c.findings {
        if f.technique == Technique::Other {
            other += 1;
            continue;
        }
        let t = tallies.entry(f.technique).or_default();
        count(t, f, incidents.get(f.incident.as_str()).copied());
    }
    let any_sub = tallies
        .keys()
        .any(|t| *t != Technique::ServerSoftwareComponent);
    if any_sub {
        // The parent is listed so that its sub-techniques open by default.
        tallies
            .entry(Technique::ServerSoftwareComponent)
            .or_default();
    }
    let max = tallies.values().map(|t| t.findings).max().unwrap_or(0);
    let techniques: Vec<Value> = tallies
        .iter()
        .map(|(tech, tally)| technique_entry(*tech, tally, any_sub))
        .collect();
    json!({
        "name": name(meta),
        "versions": {"attack": ATTACK_VERSION, "navigator": "5.1.0", "layer": "4.5"},
        "domain": "enterprise-attack",
        "description": description(c, meta, other),
        "sorting": 3,
        "layout": {
            "layout": "side",
            "showID": true,
            "showName": true,
            "expandedSubtechniques": "annotated"
        },
        "hideDisabled": false,
        "techniques": techniques,
        "gradient": {
            "colors": ["#ffe3d6", "#e2341d"],
            "minValue": 0,
            "maxValue": max.max(1)
        },
        "legendItems": [
            {"label": "fewest findings (score = findings naming the technique)", "color": "#ffe3d6"},
            {"label": format!("most findings ({})", max.max(1)), "color": "#e2341d"}
        ],
        "showTacticRowBackground": false,
        "selectTechniquesAcrossTactics": true,
        "selectSubtechniquesWithParent": false,
        "metadata": layer_metadata(c, meta)
    })
}

fn count<'a>(t: &mut Tally<'a>, f: &'a Finding, inc: Option<&'a Incident>) {
    t.findings += 1;
    t.worst = t.worst.max(Some(f.severity));
    t.hosts.insert(&f.host);
    if let Some(i) = inc {
        if t.seen.insert(i.id.as_str()) {
            t.incidents.push(i);
        }
    }
}

fn technique_entry(tech: Technique, t: &Tally, any_sub: bool) -> Value {
    let mut e = json!({
        "techniqueID": tech.id(),
        "tactic": "persistence",
        "enabled": true,
    });
    if t.findings > 0 {
        e["score"] = json!(t.findings);
        e["comment"] = json!(comment(t));
        let hosts: Vec<String> = t.hosts.iter().map(|h| escape_controls(h)).collect();
        e["metadata"] = json!([
            {"name": "findings", "value": t.findings.to_string()},
            {"name": "incidents", "value": t.incidents.len().to_string()},
            {"name": "hosts", "value": hosts.join(", ")},
            {"name": "highest severity", "value": t.worst.map(Severity::as_str).unwrap_or("")},
        ]);
    } else {
        e["comment"] = json!("no finding names T1505 itself; see its sub-techniques");
    }
    if tech == Technique::ServerSoftwareComponent && any_sub {
        e["showSubtechniques"] = json!(true);
    }
    e
}

/// Up to [`COMMENT_INCIDENTS`] incidents as `host: title (severity)`, strongest first.
fn comment(t: &Tally) -> String {
    let mut incs = t.incidents.clone();
    incs.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.score.cmp(&a.score))
            .then(a.id.cmp(&b.id))
    });
    let mut parts: Vec<String> = incs
        .iter()
        .take(COMMENT_INCIDENTS)
        .map(|i| {
            format!(
                "{}: {} ({})",
                escape_controls(&i.host),
                escape_controls(&i.title),
                i.severity
            )
        })
        .collect();
    if incs.len() > COMMENT_INCIDENTS {
        parts.push(format!("and {} more", incs.len() - COMMENT_INCIDENTS));
    }
    let noun = if t.findings == 1 {
        "finding"
    } else {
        "findings"
    };
    format!("{} {noun}. {}", t.findings, parts.join("; "))
}

fn name(meta: &Meta) -> String {
    if meta.command.is_empty() {
        "Ferret T1505 findings".into()
    } else {
        format!("Ferret {}: T1505 findings", escape_controls(&meta.command))
    }
}

fn description(c: &Correlation, meta: &Meta, other: usize) -> String {
    let mut d = format!(
        "Techniques scored by the number of findings naming them: {} findings in {} incidents",
        c.findings.len(),
        c.incidents.len()
    );
    if !meta.generated.is_empty() {
        d.push_str(&format!(", generated {}", escape_controls(&meta.generated)));
    }
    if !meta.tool.is_empty() {
        d.push_str(&format!(" by {}", escape_controls(&meta.tool)));
    }
    d.push('.');
    if other > 0 {
        d.push_str(&format!(
            " {other} finding(s) outside T1505 (technique `other`) are left out of the layer."
        ));
    }
    d
}

fn layer_metadata(c: &Correlation, meta: &Meta) -> Value {
    let hosts: BTreeSet<&str> = c.findings.iter().map(|f| f.host.as_str()).collect();
    let hosts: Vec<String> = hosts.into_iter().map(escape_controls).collect();
    let inputs: Vec<String> = meta.inputs.iter().map(|i| escape_controls(i)).collect();
    let mut m = vec![
        json!({"name": "generated", "value": escape_controls(&meta.generated)}),
        json!({"name": "tool", "value": escape_controls(&meta.tool)}),
        json!({"name": "inputs", "value": inputs.join(", ")}),
        json!({"name": "hosts", "value": hosts.join(", ")}),
    ];
    if !meta.errors.is_empty() {
        m.push(json!({"name": "errors", "value": meta.errors.len().to_string()}));
    }
    Value::Array(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{sample_correlation, sample_meta, HOSTILE};

    fn render(c: &Correlation) -> Value {
        let mut out = Vec::new();
        Navigator.write(c, &sample_meta(), &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    fn entry<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
        v["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["techniqueID"] == id)
    }

    #[test]
    fn layer_has_the_required_keys() {
        let v = render(&sample_correlation());
        assert_eq!(v["versions"]["layer"], "4.5");
        assert_eq!(v["domain"], "enterprise-attack");
        assert!(v["name"].as_str().unwrap().contains("report"));
        for t in v["techniques"].as_array().unwrap() {
            assert!(t["techniqueID"].as_str().unwrap().starts_with("T1505"));
            assert_eq!(t["tactic"], "persistence");
        }
        let g = &v["gradient"];
        assert!(g["maxValue"].as_u64().unwrap() > g["minValue"].as_u64().unwrap());
        assert_eq!(g["colors"].as_array().unwrap().len(), 2);
        assert_eq!(v["legendItems"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn scores_count_findings_and_parent_opens() {
        let v = render(&sample_correlation());
        // Four web-shell findings (file, log, process, hostile file), one component.
        let shell = entry(&v, "T1505.003").unwrap();
        assert_eq!(shell["score"], 4);
        assert_eq!(v["gradient"]["maxValue"], 4);
        let parent = entry(&v, "T1505").unwrap();
        assert_eq!(parent["score"], 1);
        assert_eq!(parent["showSubtechniques"], true);
        let c = shell["comment"].as_str().unwrap();
        // The critical incident is named first.
        assert!(c.starts_with("4 findings. web01: Shell below"), "{c}");
        let md = shell["metadata"].as_array().unwrap();
        assert!(md
            .iter()
            .any(|m| m["name"] == "highest severity" && m["value"] == "critical"));
    }

    #[test]
    fn other_is_left_out_and_said_so() {
        let mut c = sample_correlation();
        for f in c.findings.iter_mut() {
            f.technique = Technique::Other;
        }
        c.findings[4].technique = Technique::WebShell;
        let v = render(&c);
        let ids: Vec<&str> = v["techniques"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["techniqueID"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["T1505", "T1505.003"]);
        assert!(entry(&v, "T1505").unwrap().get("score").is_none());
        assert!(v["description"]
            .as_str()
            .unwrap()
            .contains("4 finding(s) outside T1505"));
    }

    #[test]
    fn hostile_title_stays_data() {
        let mut out = Vec::new();
        Navigator
            .write(&sample_correlation(), &sample_meta(), &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'));
        let v: Value = serde_json::from_str(&text).unwrap();
        let c = entry(&v, "T1505.003").unwrap()["comment"].as_str().unwrap();
        assert!(c.contains("<script>"), "{c}");
        assert!(!c.contains('\n') && !c.contains('\x1b'));
        let title = format!(
            "PHP web shell at {}",
            ferret_core::Escaped::from_text(HOSTILE)
        );
        assert!(c.contains(&title), "{c}");
    }

    #[test]
    fn parent_alone_does_not_open() {
        let mut c = sample_correlation();
        c.findings
            .retain(|f| f.technique == Technique::ServerSoftwareComponent);
        let v = render(&c);
        let parent = entry(&v, "T1505").unwrap();
        assert!(parent.get("showSubtechniques").is_none());
        assert_eq!(v["techniques"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn controls_are_escaped_once() {
        assert_eq!(escape_controls("a\\nb\x1bc\n"), "a\\nb\\x1bc\\n");
    }

    #[test]
    fn urls_and_split() {
        assert_eq!(
            technique_url("T1505.003"),
            "https://attack.mitre.org/techniques/T1505/003/"
        );
        assert_eq!(split(Technique::Other), None);
        assert_eq!(
            split(Technique::WebShell),
            Some((
                Technique::ServerSoftwareComponent,
                Some(Technique::WebShell)
            ))
        );
        assert_eq!(
            split(Technique::ServerSoftwareComponent),
            Some((Technique::ServerSoftwareComponent, None))
        );
    }
}
