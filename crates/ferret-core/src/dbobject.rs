//! Observations of database catalogs: pure data, made by `ferret-collect`'s
//! database sources and judged by `ferret-detect`'s database policy.

use std::collections::BTreeMap;

/// Database engines Ferret audits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// PostgreSQL.
    Postgres,
    /// MariaDB or MySQL.
    Mysql,
    /// Redis.
    Redis,
}

impl Engine {
    /// `postgres`, `mysql`, `redis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Redis => "redis",
        }
    }
}

/// Longest definition kept per object; longer ones are cut (and say so).
pub const MAX_DEFINITION: usize = 64 * 1024;

/// One catalog object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbObject {
    /// Which engine.
    pub engine: Engine,
    /// `host:port`, never credentials.
    pub server: String,
    /// The database, when the object lives in one.
    pub database: Option<String>,
    /// The schema, when the engine has them.
    pub schema: Option<String>,
    /// The object's name.
    pub name: String,
    /// What it is.
    pub kind: ObjectKind,
    /// Its owner, when recorded.
    pub owner: Option<String>,
    /// Catalog facts (language, library path, security definer, ...).
    pub attrs: BTreeMap<&'static str, String>,
    /// Source text or definition, at most [`MAX_DEFINITION`] bytes.
    pub definition: Option<Vec<u8>>,
}

/// Kinds of catalog object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A function or procedure.
    Function,
    /// A trigger on a table.
    Trigger,
    /// An event trigger (DDL-level).
    EventTrigger,
    /// An installed extension.
    Extension,
    /// A role and its privileges.
    Role,
    /// A server setting (preload libraries, file access).
    Setting,
    /// A large object.
    LargeObject,
    /// A loaded server module (Redis module, MySQL plugin).
    Module,
    /// A user-defined function in a shared library (MySQL UDF).
    Udf,
}

impl ObjectKind {
    /// The snake_case name used in findings.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
            ObjectKind::EventTrigger => "event_trigger",
            ObjectKind::Extension => "extension",
            ObjectKind::Role => "role",
            ObjectKind::Setting => "setting",
            ObjectKind::LargeObject => "large_object",
            ObjectKind::Module => "module",
            ObjectKind::Udf => "udf",
        }
    }
}
