//! MariaDB/MySQL catalogs, read-only: UDFs (`mysql.func`), plugins, files in
//! `plugin_dir` that no Debian package owns (when readable), `secure_file_priv`,
//! and stored routines, triggers and events with their definitions.
//!
//! TLS when the URL asks for it, with the MySQL client's own parameter:
//! `?ssl-mode=REQUIRED` (encrypted, certificate not checked), `VERIFY_CA`,
//! `VERIFY_IDENTITY`; a server without TLS is then an error, never a
//! silent downgrade.
//! The session is set `TRANSACTION READ ONLY` and every query runs in a
//! read-only transaction with a statement time limit.

use super::{bounded, DbObject, DbUrl, Engine, ObjectKind};
use crate::CollectError;
use mysql::prelude::Queryable;
use std::collections::BTreeMap;
use std::time::Duration;

fn err(url: &DbUrl, what: &str, e: impl std::fmt::Display) -> CollectError {
    CollectError::Walk {
        path: None,
        message: format!("{url}: {what}: {e}"),
    }
}

fn object(
    url: &DbUrl,
    db: Option<String>,
    name: String,
    kind: ObjectKind,
    owner: Option<String>,
) -> DbObject {
    DbObject {
        engine: Engine::Mysql,
        server: url.server(),
        database: db.clone(),
        schema: None,
        name,
        kind,
        owner,
        attrs: BTreeMap::new(),
        definition: None,
    }
}

/// Cell as text, invalid UTF-8 replaced, NULL as empty.
fn s(row: &mysql::Row, i: usize) -> String {
    match row.as_ref(i) {
        Some(mysql::Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        Some(mysql::Value::NULL) | None => String::new(),
        Some(v) => v.as_sql(true).trim_matches('\'').to_string(),
    }
}

fn b(row: &mysql::Row, i: usize) -> Vec<u8> {
    match row.as_ref(i) {
        Some(mysql::Value::Bytes(b)) => bounded(b.clone()),
        _ => Vec::new(),
    }
}

/// Audits the server behind `url` (optionally only `databases`).
pub fn audit(
    url: &DbUrl,
    databases: &[String],
    timeout: Duration,
    statement_timeout: Duration,
    visit: &mut dyn FnMut(DbObject),
) -> Result<Vec<CollectError>, CollectError> {
    let (plain, ssl) = split_ssl_mode(url.secret());
    let opts = mysql::Opts::from_url(&plain).map_err(|e| err(url, "bad URL", e))?;
    let ssl = match ssl.as_deref() {
        None | Some("DISABLED") | Some("PREFERRED") => None,
        Some("REQUIRED") => Some(
            mysql::SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ),
        Some("VERIFY_CA") => {
            Some(mysql::SslOpts::default().with_danger_skip_domain_validation(true))
        }
        Some("VERIFY_IDENTITY") => Some(mysql::SslOpts::default()),
        Some(other) => {
            return Err(err(
                url,
                "ssl-mode",
                format!(
                    "{other:?} is not DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"
                ),
            ))
        }
    };
    let opts = mysql::OptsBuilder::from_opts(opts)
        .tcp_connect_timeout(Some(timeout))
        .read_timeout(Some(statement_timeout))
        .ssl_opts(ssl);
    let mut c = mysql::Conn::new(opts).map_err(|e| err(url, "connect", e))?;
    c.query_drop("SET SESSION TRANSACTION READ ONLY")
        .map_err(|e| err(url, "read-only session", e))?;
    // MariaDB names it max_statement_time (seconds), MySQL max_execution_time (ms): set what exists.
    let _ = c.query_drop(format!(
        "SET SESSION max_statement_time = {}",
        statement_timeout.as_secs()
    ));
    let _ = c.query_drop(format!(
        "SET SESSION max_execution_time = {}",
        statement_timeout.as_millis()
    ));
    c.query_drop("START TRANSACTION READ ONLY")
        .map_err(|e| err(url, "read-only transaction", e))?;
    let mut errors = Vec::new();
    let in_scope = |db: &str| databases.is_empty() || databases.iter().any(|d| d == db);

    match c.query::<mysql::Row, _>("SELECT name, dl, type FROM mysql.func ORDER BY name") {
        Ok(rows) => {
            for r in rows {
                let mut o = object(url, None, s(&r, 0), ObjectKind::Udf, None);
                o.attrs.insert("library", s(&r, 1));
                o.attrs.insert("type", s(&r, 2));
                visit(o);
            }
        }
        Err(e) => errors.push(err(url, "mysql.func", e)),
    }
    match c.query::<mysql::Row, _>(
        "SELECT PLUGIN_NAME, PLUGIN_STATUS, PLUGIN_TYPE, PLUGIN_LIBRARY, PLUGIN_AUTHOR FROM information_schema.PLUGINS \
         WHERE PLUGIN_LIBRARY IS NOT NULL ORDER BY PLUGIN_NAME",
    ) {
        Ok(rows) => {
            for r in rows {
                let mut o = object(url, None, s(&r, 0), ObjectKind::Module, None);
                o.attrs.insert("status", s(&r, 1));
                o.attrs.insert("type", s(&r, 2));
                o.attrs.insert("library", s(&r, 3));
                o.attrs.insert("author", s(&r, 4));
                visit(o);
            }
        }
        Err(e) => errors.push(err(url, "information_schema.PLUGINS", e)),
    }
    let mut plugin_dir = String::new();
    match c.query::<mysql::Row, _>(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('secure_file_priv', 'plugin_dir')",
    ) {
        Ok(rows) => {
            for r in rows {
                let (name, value) = (s(&r, 0), s(&r, 1));
                if name == "plugin_dir" {
                    plugin_dir = value.clone();
                }
                let null = matches!(r.as_ref(1), Some(mysql::Value::NULL));
                let mut o = object(url, None, name, ObjectKind::Setting, None);
                o.attrs
                    .insert("value", if null { "NULL".into() } else { value });
                visit(o);
            }
        }
        Err(e) => errors.push(err(url, "server variables", e)),
    }
    for (kind, sql) in [
        (ObjectKind::Function, "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, DEFINER, SECURITY_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES ORDER BY 1, 2"),
        (ObjectKind::Trigger, "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, DEFINER, '', ACTION_STATEMENT FROM information_schema.TRIGGERS ORDER BY 1, 2"),
        (ObjectKind::EventTrigger, "SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER, STATUS, EVENT_DEFINITION FROM information_schema.EVENTS ORDER BY 1, 2"),
    ] {
        match c.query_iter(sql) {
            Ok(mut result) => {
                while let Some(Ok(r)) = result.next() {
                    let db = s(&r, 0);
                    if !in_scope(&db) {
                        continue;
                    }
                    let mut o = object(url, Some(db), s(&r, 1), kind, Some(s(&r, 2)));
                    o.attrs.insert("security", s(&r, 3));
                    o.definition = Some(b(&r, 4));
                    visit(o);
                }
            }
            Err(e) => errors.push(err(url, "routines, triggers and events", e)),
        }
    }
    let _ = c.query_drop("COMMIT");
    plugin_files(url, &plugin_dir, visit);
    Ok(errors)
}

/// The URL without its `ssl-mode` parameter (which the driver does not
/// know), and that parameter's value, upper-cased.
fn split_ssl_mode(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut mode = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some((k, v))
                if k.eq_ignore_ascii_case("ssl-mode") || k.eq_ignore_ascii_case("ssl_mode") =>
            {
                mode = Some(v.to_ascii_uppercase());
                false
            }
            _ => true,
        })
        .collect();
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, mode)
}

/// Libraries in `plugin_dir` and whether a Debian package owns them (when this
/// host can read the directory: a local server, or the image it runs from).
fn plugin_files(url: &DbUrl, dir: &str, visit: &mut dyn FnMut(DbObject)) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let owned = dpkg_owned_files();
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "so") {
            continue;
        }
        let mut o = object(
            url,
            None,
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            ObjectKind::Module,
            None,
        );
        o.attrs.insert("file", p.display().to_string());
        let canon = std::fs::canonicalize(&p).unwrap_or(p.clone());
        let is_owned = owned.as_ref().map(|set| {
            set.contains(&p.display().to_string()) || set.contains(&canon.display().to_string())
        });
        o.attrs.insert(
            "package_owned",
            is_owned.map_or("unknown".into(), |b| b.to_string()),
        );
        visit(o);
    }
}

/// Every path listed in `/var/lib/dpkg/info/*.list`, or `None` without dpkg.
fn dpkg_owned_files() -> Option<std::collections::HashSet<String>> {
    let rd = std::fs::read_dir("/var/lib/dpkg/info").ok()?;
    let mut set = std::collections::HashSet::new();
    for e in rd.flatten() {
        if e.path().extension().is_some_and(|x| x == "list") {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                set.extend(
                    text.lines()
                        .filter(|l| l.contains("plugin"))
                        .map(str::to_string),
                );
            }
        }
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_mode_is_taken_out_of_the_url() {
        assert_eq!(
            split_ssl_mode("mysql://r@h:1/db?ssl-mode=required&x=1"),
            ("mysql://r@h:1/db?x=1".into(), Some("REQUIRED".into()))
        );
        assert_eq!(split_ssl_mode("mysql://r@h"), ("mysql://r@h".into(), None));
    }
}
