//! PostgreSQL catalogs, read-only.
//!
//! Every session sets `default_transaction_read_only` and a statement
//! timeout, and every query runs inside a `READ ONLY` transaction, so the
//! audit cannot change the server even if a query were wrong. Functions are
//! streamed (`query_raw`), so memory does not grow with the catalog.

use super::{bounded, DbObject, DbUrl, Engine, ObjectKind};
use crate::CollectError;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls, Transaction};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

/// How to audit.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Databases to audit; empty means every database that accepts connections.
    pub databases: Vec<String>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Per-statement timeout.
    pub statement_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            databases: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(60),
        }
    }
}

fn err(url: &DbUrl, what: &str, e: impl std::fmt::Display) -> CollectError {
    // The driver's messages do not carry the password; the URL is shown without it.
    CollectError::Walk {
        path: None,
        message: format!("{url}: {what}: {e}"),
    }
}

/// The server's own message when there is one (the driver's Display says only "db error").
fn pg_err(url: &DbUrl, what: &str, e: postgres::Error) -> CollectError {
    match e.as_db_error() {
        Some(d) => err(url, what, format!("{}: {}", d.code().code(), d.message())),
        None => err(url, what, e),
    }
}

fn connect(url: &DbUrl, opts: &PgOptions, db: Option<&str>) -> Result<Client, CollectError> {
    let mut cfg = Config::from_str(url.secret()).map_err(|e| err(url, "bad URL", e))?;
    if let Some(db) = db {
        cfg.dbname(db);
    }
    cfg.application_name("ferret-audit-db")
        .connect_timeout(opts.connect_timeout)
        .options(&format!(
            "-c default_transaction_read_only=on -c statement_timeout={}",
            opts.statement_timeout.as_millis()
        ));
    if cfg.get_ssl_mode() == postgres::config::SslMode::Disable {
        return cfg
            .connect(NoTls)
            .map_err(|e| pg_err(url, &connect_what(db), e));
    }
    // `sslmode=require` (and `prefer`) as libpq means them: encrypted, and the
    // certificate is not verified (the server's is often self-signed).
    let tls = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()
        .map_err(|e| err(url, "TLS", e))?;
    cfg.connect(postgres_native_tls::MakeTlsConnector::new(tls))
        .map_err(|e| pg_err(url, &connect_what(db), e))
}

/// Names the database a failed connection was for.
fn connect_what(db: Option<&str>) -> String {
    match db {
        Some(db) => format!("connect to database {db:?}"),
        None => "connect".into(),
    }
}

/// Audits the server behind `url`: server-wide objects once, then every
/// database. Returns per-database errors (the audit goes on without them).
pub fn audit(
    url: &DbUrl,
    opts: &PgOptions,
    visit: &mut dyn FnMut(DbObject),
) -> Result<Vec<CollectError>, CollectError> {
    let mut first = connect(url, opts, url.database.as_deref())?;
    let server = url.server();
    let mut errors = Vec::new();
    let databases: Vec<String> = {
        let mut tx = read_only(&mut first, url)?;
        server_objects(&mut tx, &server, visit).map_err(|e| pg_err(url, "server catalogs", e))?;
        let dbs = if opts.databases.is_empty() {
            tx.query("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1", &[])
                .map_err(|e| err(url, "list databases", e))?
                .iter()
                .map(|r| t(r, 0))
                .collect()
        } else {
            opts.databases.clone()
        };
        tx.commit().map_err(|e| err(url, "end transaction", e))?;
        dbs
    };
    drop(first);
    for db in databases {
        let result = connect(url, opts, Some(&db)).and_then(|mut c| {
            let mut tx = read_only(&mut c, url)?;
            database_objects(&mut tx, &server, &db, visit)
                .map_err(|e| pg_err(url, &format!("database {db:?}"), e))?;
            tx.commit().map_err(|e| err(url, "end transaction", e))
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    Ok(errors)
}

/// Catalog text as raw bytes: names and bodies come from whoever created the
/// object, and a `SQL_ASCII` database can hold bytes that are not UTF-8,
/// which the server refuses to send to a UTF-8 client as text. Queries
/// therefore fetch such columns as `convert_to(x, getdatabaseencoding())`: bytea in the
/// database's own encoding, with no conversion and no validation.
struct Raw(Vec<u8>);

impl<'a> postgres::types::FromSql<'a> for Raw {
    fn from_sql(
        _: &postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }

    fn from_sql_null(
        _: &postgres::types::Type,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(Vec::new()))
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        use postgres::types::Type;
        [
            Type::BYTEA,
            Type::TEXT,
            Type::NAME,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::CHAR,
            Type::UNKNOWN,
        ]
        .contains(ty)
    }
}

/// Column `i` as text, invalid UTF-8 replaced (escaping happens in the finding).
fn t(r: &postgres::Row, i: usize) -> String {
    String::from_utf8_lossy(&r.get::<_, Raw>(i).0).into_owned()
}

fn read_only<'a>(c: &'a mut Client, url: &DbUrl) -> Result<Transaction<'a>, CollectError> {
    c.build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| err(url, "start read-only transaction", e))
}

fn object(
    server: &str,
    db: Option<&str>,
    schema: Option<String>,
    name: String,
    kind: ObjectKind,
    owner: Option<String>,
) -> DbObject {
    DbObject {
        engine: Engine::Postgres,
        server: server.to_string(),
        database: db.map(str::to_string),
        schema,
        name,
        kind,
        owner,
        attrs: BTreeMap::new(),
        definition: None,
    }
}

fn server_objects(
    tx: &mut Transaction<'_>,
    server: &str,
    visit: &mut dyn FnMut(DbObject),
) -> Result<(), postgres::Error> {
    for r in tx.query(
        "SELECT name, setting FROM pg_settings WHERE name IN ('shared_preload_libraries', \
         'session_preload_libraries', 'local_preload_libraries', 'dynamic_library_path') ORDER BY 1",
        &[],
    )? {
        let mut o = object(server, None, None, t(&r, 0), ObjectKind::Setting, None);
        o.attrs.insert("value", t(&r, 1));
        visit(o);
    }
    let roles = "SELECT convert_to(r.rolname::text, getdatabaseencoding()), r.rolsuper, r.oid = 10, coalesce(string_agg(g.rolname, ',' ORDER BY g.rolname) \
         FILTER (WHERE g.rolname IN ('pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files')), '') \
         FROM pg_roles r LEFT JOIN pg_auth_members m ON m.member = r.oid LEFT JOIN pg_roles g ON g.oid = m.roleid \
         WHERE r.rolname NOT LIKE 'pg\\_%' GROUP BY r.rolname, r.rolsuper, r.oid ORDER BY 1";
    let mut rows = tx.query_raw(roles, std::iter::empty::<&str>())?;
    while let Some(r) = rows.next()? {
        let mut o = object(server, None, None, t(&r, 0), ObjectKind::Role, None);
        o.attrs.insert("superuser", r.get::<_, bool>(1).to_string());
        o.attrs.insert("bootstrap", r.get::<_, bool>(2).to_string());
        o.attrs.insert("file_roles", t(&r, 3));
        visit(o);
    }
    drop(rows);
    Ok(())
}

fn database_objects(
    tx: &mut Transaction<'_>,
    server: &str,
    db: &str,
    visit: &mut dyn FnMut(DbObject),
) -> Result<(), postgres::Error> {
    let db = Some(db);
    let funcs = "SELECT convert_to(n.nspname::text, getdatabaseencoding()), convert_to(p.proname::text, getdatabaseencoding()), convert_to(pg_get_userbyid(p.proowner)::text, getdatabaseencoding()), \
         convert_to(l.lanname::text, getdatabaseencoding()), l.lanpltrusted, p.prosecdef, convert_to(coalesce(p.probin, ''), getdatabaseencoding()), \
         convert_to(left(coalesce(p.prosrc, ''), 65536), getdatabaseencoding()), coalesce(o.rolsuper, false), \
         EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang \
         LEFT JOIN pg_roles o ON o.oid = p.proowner \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND l.lanname <> 'internal'";
    let mut rows = tx.query_raw(funcs, std::iter::empty::<&str>())?;
    while let Some(r) = rows.next()? {
        let mut o = object(
            server,
            db,
            Some(t(&r, 0)),
            t(&r, 1),
            ObjectKind::Function,
            Some(t(&r, 2)),
        );
        o.attrs.insert("language", t(&r, 3));
        o.attrs.insert("trusted", r.get::<_, bool>(4).to_string());
        o.attrs
            .insert("security_definer", r.get::<_, bool>(5).to_string());
        o.attrs.insert("library", t(&r, 6));
        o.attrs
            .insert("owner_superuser", r.get::<_, bool>(8).to_string());
        o.attrs
            .insert("in_extension", r.get::<_, bool>(9).to_string());
        o.definition = Some(bounded(r.get::<_, Raw>(7).0));
        visit(o);
    }
    drop(rows);
    for r in tx.query(
        "SELECT convert_to(e.evtname::text, getdatabaseencoding()), convert_to(e.evtevent::text, getdatabaseencoding()), convert_to(pg_get_userbyid(e.evtowner)::text, getdatabaseencoding()), \
         convert_to(p.proname::text, getdatabaseencoding()), convert_to(l.lanname::text, getdatabaseencoding()), l.lanpltrusted, \
         e.evtenabled::text FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid \
         JOIN pg_language l ON l.oid = p.prolang ORDER BY 1",
        &[],
    )? {
        let mut o = object(server, db, None, t(&r, 0), ObjectKind::EventTrigger, Some(t(&r, 2)));
        o.attrs.insert("event", t(&r, 1));
        o.attrs.insert("function", t(&r, 3));
        o.attrs.insert("language", t(&r, 4));
        o.attrs.insert("trusted", r.get::<_, bool>(5).to_string());
        o.attrs.insert("enabled", t(&r, 6));
        visit(o);
    }
    for r in tx.query(
        "SELECT convert_to(n.nspname::text, getdatabaseencoding()), convert_to(c.relname || '.' || t.tgname, getdatabaseencoding()), convert_to(pg_get_userbyid(c.relowner)::text, getdatabaseencoding()), \
         convert_to(p.proname::text, getdatabaseencoding()), convert_to(l.lanname::text, getdatabaseencoding()), \
         l.lanpltrusted FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid \
         JOIN pg_language l ON l.oid = p.prolang WHERE NOT t.tgisinternal ORDER BY 1, 2",
        &[],
    )? {
        let mut o = object(server, db, Some(t(&r, 0)), t(&r, 1), ObjectKind::Trigger, Some(t(&r, 2)));
        o.attrs.insert("function", t(&r, 3));
        o.attrs.insert("language", t(&r, 4));
        o.attrs.insert("trusted", r.get::<_, bool>(5).to_string());
        visit(o);
    }
    for r in tx.query(
        "SELECT convert_to(e.extname::text, getdatabaseencoding()), convert_to(e.extversion, getdatabaseencoding()), convert_to(pg_get_userbyid(e.extowner)::text, getdatabaseencoding()), \
         convert_to(n.nspname::text, getdatabaseencoding()) FROM pg_extension e \
         JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1",
        &[],
    )? {
        let mut o = object(server, db, Some(t(&r, 3)), t(&r, 0), ObjectKind::Extension, Some(t(&r, 2)));
        o.attrs.insert("version", t(&r, 1));
        visit(o);
    }
    // Large objects: the first bytes say whether one holds a library (lo_export of a .so).
    let mut rows = tx.query_raw(
        "SELECT m.oid::bigint, convert_to(pg_get_userbyid(m.lomowner)::text, getdatabaseencoding()), \
         CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) \
         OR m.lomowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN lo_get(m.oid, 0, 4) END \
         FROM pg_largeobject_metadata m ORDER BY 1",
        std::iter::empty::<&str>(),
    )?;
    while let Some(r) = rows.next()? {
        let mut o = object(
            server,
            db,
            None,
            r.get::<_, i64>(0).to_string(),
            ObjectKind::LargeObject,
            Some(t(&r, 1)),
        );
        o.definition = r.get::<_, Option<Vec<u8>>>(2);
        visit(o);
    }
    Ok(())
}
