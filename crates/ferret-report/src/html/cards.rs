//! One card per incident: its facts, the links that joined its findings, and
//! each finding with subject, moments, evidence and mitigations.

use super::escape::E;
use super::subject;
use super::view::{FindingView, IncidentView};
use std::fmt::Write;

/// The card of one incident. Filters read its `data-*` attributes.
pub(crate) fn incident(o: &mut String, iv: &IncidentView) {
    let inc = iv.inc;
    let sev = inc.severity.as_str();
    let techs: Vec<&str> = inc.techniques.iter().map(|t| t.id()).collect();
    let _ = write!(
        o,
        "<article class=\"incident sev-{sev}\" id=\"inc-{id}\" data-incident=\"{id}\" data-severity=\"{sev}\" \
data-host=\"{host}\" data-techniques=\"{techs}\">\n<header><span class=\"badge sev-{sev}\">{sev}</span>\
<h2>{title}</h2><span class=\"score\" title=\"score\">{score}</span></header>\n<dl class=\"facts\">\
<div><dt>Incident</dt><dd><code>{id}</code></dd></div><div><dt>Host</dt><dd>{host}</dd></div>\
<div><dt>First seen</dt><dd>{first}</dd></div><div><dt>Last seen</dt><dd>{last}</dd></div>",
        id = E(&inc.id),
        host = E(&inc.host),
        techs = E(&techs.join(" ")),
        title = E(&inc.title),
        score = inc.score,
        first = E(&inc.first_seen),
        last = E(&inc.last_seen),
    );
    o.push_str("<div><dt>Techniques</dt><dd>");
    for (n, t) in inc.techniques.iter().enumerate() {
        let sep = if n > 0 { ", " } else { "" };
        let _ = write!(
            o,
            "{sep}<span class=\"tech\">{}</span> {}",
            E(t.id()),
            E(t.name())
        );
    }
    let _ = write!(
        o,
        "</dd></div><div><dt>Sources</dt><dd>{}</dd></div>",
        E(&inc.sources.join(", "))
    );
    o.push_str("<div class=\"full\"><dt>Subjects</dt><dd>");
    for (n, s) in inc.subjects.iter().enumerate() {
        let sep = if n > 0 { "<br>" } else { "" };
        let _ = write!(o, "{sep}<code>{}</code>", E(s.as_str()));
    }
    o.push_str("</dd></div></dl>\n");
    links(o, iv);
    if !iv.missing.is_empty() {
        o.push_str("<p class=\"warn\">Findings named by this incident but absent from the input: ");
        for (n, id) in iv.missing.iter().enumerate() {
            let sep = if n > 0 { ", " } else { "" };
            let _ = write!(o, "{sep}<code>{}</code>", E(id));
        }
        o.push_str("</p>\n");
    }
    for fv in &iv.findings {
        finding(o, fv, &inc.id);
    }
    o.push_str("</article>\n");
}

/// Why each finding after the first joined: `finding → with` via the shared key.
fn links(o: &mut String, iv: &IncidentView) {
    if iv.inc.links.is_empty() {
        return;
    }
    o.push_str("<div class=\"links\"><h3>Joined by</h3><ul>");
    for l in &iv.inc.links {
        let _ = write!(
            o,
            "<li>{} joined {} by <code>{}</code></li>",
            FindingRef(iv, &l.finding),
            FindingRef(iv, &l.with),
            E(&l.key)
        );
    }
    o.push_str("</ul></div>\n");
}

/// A link to a finding of the incident, named by its short id and title.
struct FindingRef<'a>(&'a IncidentView<'a>, &'a str);

impl std::fmt::Display for FindingRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let FindingRef(iv, id) = *self;
        let short: String = id.chars().take(8).collect();
        match iv.findings.iter().find(|fv| fv.f.id == id) {
            Some(fv) => write!(
                f,
                "<a href=\"#{}\"><code>{}</code></a> <span class=\"muted\">({})</span>",
                E(&anchor(&iv.inc.id, id)),
                E(&short),
                E(&fv.f.title)
            ),
            None => write!(f, "<code>{}</code>", E(&short)),
        }
    }
}

/// The element id of a finding inside an incident's card.
fn anchor(incident: &str, finding: &str) -> String {
    format!("f-{incident}-{finding}")
}

/// One finding: heading, subject, moments, evidence, mitigations.
pub(crate) fn finding(o: &mut String, fv: &FindingView, incident: &str) {
    let f = fv.f;
    let sev = f.severity.as_str();
    let _ = write!(
        o,
        "<section class=\"finding\" id=\"{anchor}\"><h3><span class=\"badge small sev-{sev}\">{sev}</span> {title}</h3>\n\
<p class=\"line\"><span><code>{id}</code></span><span>rule <code>{rule}</code></span>\
<span>score {score}</span><span>confidence {conf:.2}</span><span><span class=\"tech\">{tid}</span> {tname}</span>\
<span>found {time}</span></p>\n",
        anchor = E(&anchor(incident, &f.id)),
        title = E(&f.title),
        id = E(&f.id),
        rule = E(&f.rule),
        score = f.score,
        conf = f.confidence.get(),
        tid = E(f.technique.id()),
        tname = E(&f.technique_name),
        time = E(&f.time),
    );
    subject::write(o, &f.subject);
    if !fv.moments.is_empty() {
        o.push_str("<p class=\"moments\"><b>Moments</b> ");
        for m in &fv.moments {
            let _ = write!(
                o,
                "<span class=\"moment\"><span class=\"kind\">{}</span> {}</span>",
                E(m.what.as_str()),
                E(&m.time)
            );
        }
        o.push_str("</p>\n");
    }
    evidence(o, fv);
    if !f.mitigations.is_empty() {
        o.push_str("<p class=\"mitigations\"><b>Mitigations</b> ");
        for m in &f.mitigations {
            let _ = write!(
                o,
                "<span class=\"mitigation\"><span class=\"tech\">{}</span> {}</span>",
                E(m.id()),
                E(m.name())
            );
        }
        o.push_str("</p>\n");
    }
    o.push_str("</section>\n");
}

/// The evidence table.
fn evidence(o: &mut String, fv: &FindingView) {
    if fv.f.evidence.is_empty() {
        return;
    }
    o.push_str(
        "<table class=\"evidence\"><thead><tr><th>Source</th><th>Rule</th><th>Detail</th>\
<th class=\"num\">Score</th><th class=\"num\">Line</th><th>Excerpt</th></tr></thead><tbody>\n",
    );
    for ev in &fv.f.evidence {
        let source = serde_json::to_value(ev.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let line = ev.line.map(|l| l.to_string()).unwrap_or_default();
        let _ = write!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>",
            E(&source),
            E(&ev.rule),
            E(&ev.detail),
            ev.score,
            E(&line)
        );
        if let Some(x) = &ev.excerpt {
            let _ = write!(o, "<code class=\"excerpt\">{}</code>", E(x.as_str()));
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody></table>\n");
}
