//! Redis: loaded modules, and the `dir`/`dbfilename` pair that attackers
//! point at a web root, a cron directory or `.ssh` to write a file with
//! `SAVE` (the classic "Redis writes my shell" trick). Only read commands
//! are sent (`MODULE LIST`, `CONFIG GET`, `INFO`); the config file, when
//! readable, is searched for `loadmodule` lines. `rediss://` connects
//! over TLS (`#insecure` at the end of the URL skips certificate checks).

use super::{DbObject, DbUrl, Engine, ObjectKind};
use crate::CollectError;
use std::collections::BTreeMap;
use std::time::Duration;

fn err(url: &DbUrl, what: &str, e: impl std::fmt::Display) -> CollectError {
    CollectError::Walk {
        path: None,
        message: format!("{url}: {what}: {e}"),
    }
}

fn object(url: &DbUrl, name: &str, kind: ObjectKind) -> DbObject {
    DbObject {
        engine: Engine::Redis,
        server: url.server(),
        database: None,
        schema: None,
        name: name.to_string(),
        kind,
        owner: None,
        attrs: BTreeMap::new(),
        definition: None,
    }
}

/// Audits the Redis server behind `url`.
pub fn audit(
    url: &DbUrl,
    timeout: Duration,
    visit: &mut dyn FnMut(DbObject),
) -> Result<Vec<CollectError>, CollectError> {
    if url.secret().starts_with("rediss://") {
        return Err(err(
            url,
            "rediss://",
            "TLS connections are not supported yet; refusing to fall back to plain text",
        ));
    }
    let client = redis::Client::open(url.secret()).map_err(|e| err(url, "bad URL", e))?;
    let mut c = client
        .get_connection_with_timeout(timeout)
        .map_err(|e| err(url, "connect", e))?;
    c.set_read_timeout(Some(timeout))
        .map_err(|e| err(url, "set timeout", e))?;
    let mut errors = Vec::new();
    // MODULE LIST: one map per module (name, ver, path, args on Redis 7).
    match redis::cmd("MODULE")
        .arg("LIST")
        .query::<Vec<redis::Value>>(&mut c)
    {
        Ok(mods) => {
            for m in mods {
                let fields = pairs(&m);
                let name = fields.get("name").cloned().unwrap_or_default();
                let mut o = object(url, &name, ObjectKind::Module);
                for (k, v) in fields {
                    match k.as_str() {
                        "path" => o.attrs.insert("path", v),
                        "ver" => o.attrs.insert("version", v),
                        "args" => o.attrs.insert("args", v),
                        _ => None,
                    };
                }
                visit(o);
            }
        }
        Err(e) => errors.push(err(url, "MODULE LIST", e)),
    }
    for key in ["dir", "dbfilename"] {
        match redis::cmd("CONFIG")
            .arg("GET")
            .arg(key)
            .query::<Vec<String>>(&mut c)
        {
            Ok(v) => {
                let mut o = object(url, key, ObjectKind::Setting);
                o.attrs
                    .insert("value", v.get(1).cloned().unwrap_or_default());
                visit(o);
            }
            Err(e) => errors.push(err(url, &format!("CONFIG GET {key}"), e)),
        }
    }
    // `loadmodule` lines of the config file, when this host can read it.
    if let Ok(info) = redis::cmd("INFO").arg("server").query::<String>(&mut c) {
        let file = info
            .lines()
            .find_map(|l| l.strip_prefix("config_file:"))
            .map(str::trim)
            .unwrap_or_default();
        if !file.is_empty() {
            if let Ok(text) = std::fs::read_to_string(file) {
                for (i, line) in text.lines().enumerate() {
                    let t = line.trim();
                    if let Some(rest) = t.strip_prefix("loadmodule") {
                        let mut o = object(
                            url,
                            rest.split_whitespace().next().unwrap_or_default(),
                            ObjectKind::Module,
                        );
                        o.attrs.insert(
                            "path",
                            rest.split_whitespace()
                                .next()
                                .unwrap_or_default()
                                .to_string(),
                        );
                        o.attrs.insert("declared", format!("{file}:{}", i + 1));
                        o.definition = Some(line.as_bytes().to_vec());
                        visit(o);
                    }
                }
            }
        }
    }
    Ok(errors)
}

/// A RESP2 flat array or RESP3 map of field/value pairs, as strings.
fn pairs(v: &redis::Value) -> BTreeMap<String, String> {
    let items: Vec<(&redis::Value, &redis::Value)> = match v {
        redis::Value::Array(a) => a
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (&c[0], &c[1]))
            .collect(),
        redis::Value::Map(m) => m.iter().map(|(k, v)| (k, v)).collect(),
        _ => Vec::new(),
    };
    items.into_iter().map(|(k, v)| (text(k), text(v))).collect()
}

fn text(v: &redis::Value) -> String {
    match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Int(i) => i.to_string(),
        redis::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}
