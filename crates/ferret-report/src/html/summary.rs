//! The report's head: what produced it, the summary counts, the filter bar.

use super::escape::E;
use super::view::View;
use crate::Meta;
use ferret_core::{Severity, Technique};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The page header: tool, generation time, command, inputs.
pub(crate) fn header(o: &mut String, meta: &Meta) {
    let tool = if meta.tool.is_empty() {
        "ferret"
    } else {
        &meta.tool
    };
    let _ = write!(
        o,
        "<header class=\"top\"><h1>Ferret incident report</h1><dl class=\"meta\">\
<div><dt>Tool</dt><dd>{}</dd></div><div><dt>Generated</dt><dd>{}</dd></div>\
<div><dt>Command</dt><dd><code>{}</code></dd></div><div><dt>Inputs</dt><dd>",
        E(tool),
        E(or_dash(&meta.generated)),
        E(or_dash(&meta.command)),
    );
    if meta.inputs.is_empty() {
        o.push('\u{2014}');
    }
    for (n, i) in meta.inputs.iter().enumerate() {
        let sep = if n > 0 { " " } else { "" };
        let _ = write!(o, "{sep}<code>{}</code>", E(i));
    }
    o.push_str("</dd></div></dl></header>\n");
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "\u{2014}"
    } else {
        s
    }
}

/// Counts by severity, findings, hosts, techniques, and the run's errors.
pub(crate) fn summary(o: &mut String, view: &View, meta: &Meta, findings: usize) {
    o.push_str("<section class=\"summary\" aria-label=\"Summary\"><div class=\"tiles\">");
    for sev in Severity::ALL.into_iter().rev() {
        let n = view
            .incidents
            .iter()
            .filter(|i| i.inc.severity == sev)
            .count();
        let zero = if n == 0 { " zero" } else { "" };
        let _ = write!(
            o,
            "<div class=\"tile sev-{s}{zero}\"><b>{n}</b><span>{s}</span></div>",
            s = sev.as_str()
        );
    }
    let hosts = hosts(view);
    let _ = write!(
        o,
        "<div class=\"tile total\"><b>{}</b><span>incidents</span></div>\
<div class=\"tile total\"><b>{findings}</b><span>findings</span></div>\
<div class=\"tile total\"><b>{}</b><span>hosts</span></div></div>\n<dl class=\"facts wide\">",
        view.incidents.len(),
        hosts.len()
    );
    o.push_str("<div><dt>Hosts</dt><dd>");
    for (n, (h, count)) in hosts.iter().enumerate() {
        let sep = if n > 0 { ", " } else { "" };
        let _ = write!(o, "{sep}{} <span class=\"muted\">({count})</span>", E(h));
    }
    if hosts.is_empty() {
        o.push('\u{2014}');
    }
    o.push_str("</dd></div><div><dt>Techniques</dt><dd>");
    let techs = techniques(view);
    for (n, (t, count)) in techs.iter().enumerate() {
        let sep = if n > 0 { ", " } else { "" };
        let _ = write!(
            o,
            "{sep}<span class=\"tech\">{}</span> {} <span class=\"muted\">({count})</span>",
            E(t.id()),
            E(t.name())
        );
    }
    if techs.is_empty() {
        o.push('\u{2014}');
    }
    o.push_str("</dd></div></dl>\n");
    if !meta.errors.is_empty() {
        let _ = write!(
            o,
            "<div class=\"errors\"><h3>Not seen: {} error(s) during the run</h3><ul>",
            meta.errors.len()
        );
        for e in &meta.errors {
            let _ = write!(o, "<li><code>{}</code></li>", E(e));
        }
        o.push_str("</ul></div>\n");
    }
    o.push_str("</section>\n");
}

/// Hosts with their incident counts, by name.
fn hosts<'a>(view: &View<'a>) -> BTreeMap<&'a str, usize> {
    let mut m = BTreeMap::new();
    for i in &view.incidents {
        *m.entry(i.inc.host.as_str()).or_insert(0) += 1;
    }
    m
}

/// Techniques with their incident counts, by id.
fn techniques(view: &View) -> BTreeMap<Technique, usize> {
    let mut m = BTreeMap::new();
    for i in &view.incidents {
        for t in &i.inc.techniques {
            *m.entry(*t).or_insert(0) += 1;
        }
    }
    m
}

/// The filter bar, hidden until the script shows it (absent without JS).
pub(crate) fn filters(o: &mut String, view: &View) {
    o.push_str("<form id=\"filters\" class=\"filters\" hidden><fieldset><legend>Severity</legend>");
    for sev in Severity::ALL.into_iter().rev() {
        let _ = write!(
            o,
            "<label class=\"sev-{s}\"><input type=\"checkbox\" name=\"sev\" value=\"{s}\" checked> {s}</label>",
            s = sev.as_str()
        );
    }
    o.push_str("</fieldset><label>Host <select id=\"f-host\"><option value=\"\">all</option>");
    for h in hosts(view).keys() {
        let _ = write!(o, "<option value=\"{h}\">{h}</option>", h = E(h));
    }
    o.push_str(
        "</select></label><label>Technique <select id=\"f-tech\"><option value=\"\">all</option>",
    );
    for t in techniques(view).keys() {
        let _ = write!(
            o,
            "<option value=\"{}\">{} {}</option>",
            E(t.id()),
            E(t.id()),
            E(t.name())
        );
    }
    o.push_str(
        "</select></label><label class=\"grow\">Search <input id=\"f-text\" type=\"search\" \
placeholder=\"path, hash, rule, excerpt\u{2026}\" autocomplete=\"off\"></label>\
<button type=\"reset\">Reset</button><output id=\"f-count\"></output></form>\n",
    );
}
