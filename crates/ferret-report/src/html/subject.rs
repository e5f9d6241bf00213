//! A finding's subject as a compact key/value list, per kind.

use super::escape::E;
use ferret_core::{Escaped, Subject};
use std::fmt::Write;

/// One row of the list: a name and a value shown as code or as text.
enum Val<'a> {
    Code(&'a str),
    Text(String),
}

/// Writes the subject's kind and every field it carries.
pub(crate) fn write(o: &mut String, s: &Subject) {
    let rows = rows(s);
    let _ = write!(
        o,
        "<dl class=\"subject\"><div class=\"kind\"><dt>Subject</dt><dd>{}</dd></div>",
        E(s.kind())
    );
    for (name, v) in rows {
        let _ = match v {
            Val::Code(c) => write!(
                o,
                "<div><dt>{}</dt><dd><code>{}</code></dd></div>",
                E(name),
                E(c)
            ),
            Val::Text(t) => write!(o, "<div><dt>{}</dt><dd>{}</dd></div>", E(name), E(&t)),
        };
    }
    o.push_str("</dl>\n");
}

fn code<'a>(name: &'static str, e: &'a Escaped) -> (&'static str, Val<'a>) {
    (name, Val::Code(e.as_str()))
}

fn text<'a>(name: &'static str, t: impl ToString) -> (&'static str, Val<'a>) {
    (name, Val::Text(t.to_string()))
}

/// The fields of each kind, most identifying first; absent options omitted.
fn rows(s: &Subject) -> Vec<(&'static str, Val<'_>)> {
    let mut r = Vec::new();
    match s {
        Subject::File(f) => {
            r.push(code("path", &f.path));
            if let Some(p) = &f.original_path {
                r.push(code("original path", p));
            }
            r.push(("sha256", Val::Code(&f.sha256)));
            r.push(text("size", format!("{} bytes", f.size)));
            if let Some(l) = &f.language {
                let by = f.identified_by.as_deref().map(|b| format!(" (by {b})"));
                r.push(text("language", format!("{l}{}", by.unwrap_or_default())));
            }
            if let Some(m) = &f.mtime {
                r.push(text("modified", m));
            }
        }
        Subject::Component(c) => {
            r.push(code("path", &c.path));
            r.push(text("server", &c.server));
            r.push(text("component", &c.component));
            r.push(code("name", &c.name));
            if let Some(i) = &c.implementation {
                r.push(code("implementation", i));
            }
            r.push(code("declared in", &c.declared_in));
            r.push(text("verdict", &c.verdict));
            if let Some(h) = &c.sha256 {
                r.push(("sha256", Val::Code(h)));
            }
        }
        Subject::Event(e) => {
            r.push(code("path", &e.path));
            r.push(text("log", &e.log));
            if let Some(l) = e.line {
                r.push(text("line", l));
            }
            if let Some(id) = e.record_id {
                r.push(text("record", id));
            }
            if let Some(t) = &e.event_time {
                r.push(text("event time", t));
            }
        }
        Subject::Process(p) => {
            r.push(code("path", &p.path));
            r.push(text("pid", p.pid));
            r.push(code("name", &p.name));
            r.push(code("cmdline", &p.cmdline));
            match (&p.user, p.uid) {
                (Some(u), Some(id)) => r.push(text("user", format!("{u} ({id})"))),
                (Some(u), None) => r.push(code("user", u)),
                (None, Some(id)) => r.push(text("uid", id)),
                (None, None) => {}
            }
            if let Some(t) = &p.started {
                r.push(text("started", t));
            }
            if let Some(c) = &p.cwd {
                r.push(code("cwd", c));
            }
            if !p.ancestry.is_empty() {
                let chain: Vec<String> = p
                    .ancestry
                    .iter()
                    .map(|n| format!("{}[{}] {}", n.name, n.pid, n.cmdline))
                    .collect();
                r.push(text("ancestry", chain.join(" \u{2192} ")));
            }
        }
        Subject::DbObject(d) => {
            r.push(code("path", &d.path));
            r.push(text("engine", &d.engine));
            r.push(code("server", &d.server));
            if let Some(db) = &d.database {
                r.push(code("database", db));
            }
            if let Some(s) = &d.schema {
                r.push(code("schema", s));
            }
            r.push(code("name", &d.name));
            r.push(text("type", &d.object_type));
            if let Some(w) = &d.owner {
                r.push(code("owner", w));
            }
        }
    }
    r
}
