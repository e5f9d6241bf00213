//! Database policy (T1505.001, and T1505 for server modules): which catalog
//! objects are dangerous, and why. `DbPolicyConfig` (the known-good lists of
//! `rules/known-good/postgres.toml`) → `DbPolicy` (immutable) → `judge`.

use crate::RuleError;
use ferret_core::{
    stable_id, Confidence, DbObject, DbObjectSubject, Engine, Escaped, Evidence, EvidenceSource,
    Finding, Mitigation, ObjectKind, Subject, Technique,
};
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostgresKnownGood {
    extensions: Vec<String>,
    preload_libraries: Vec<String>,
    untrusted_languages: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedisKnownGood {
    module_dirs: Vec<String>,
    write_targets: Vec<String>,
    script_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MysqlKnownGood {
    plugin_libraries: Vec<String>,
    command_udfs: Vec<String>,
    stock_definers: Vec<String>,
}

/// The compiled policy.
pub struct DbPolicy {
    mysql: MysqlKnownGood,
    extensions: HashSet<String>,
    preload: HashSet<String>,
    untrusted_pl: HashSet<String>,
    redis: RedisKnownGood,
}

/// A judged object: its signals (possibly none).
pub struct Judgement {
    /// The finding, when any signal fired.
    pub finding: Option<Finding>,
}

struct Signal {
    id: &'static str,
    score: u32,
    detail: String,
    technique: Technique,
    /// Offset in the definition, when the signal points into it.
    at: Option<usize>,
}

fn body_patterns() -> &'static [(&'static str, u32, &'static str, Regex)] {
    static P: OnceLock<Vec<(&'static str, u32, &'static str, Regex)>> = OnceLock::new();
    P.get_or_init(|| {
        [
            ("pg.copy_program_in_body", 75, "runs an operating-system program with COPY ... PROGRAM", r"(?is)\bcopy\b.{0,400}?\b(?:from|to)\s+program\b"),
            ("pg.os_command_in_body", 25, "its body runs operating-system commands", r"(?-u)\b(?:os\.system|os\.popen|subprocess\.|popen\s*\(|system\s*\(|qx[/({]|exec\s+\{?\s*/bin/|`[^`\n]{1,200}`)"),
            ("pg.server_file_access_in_body", 50, "reads or writes server files (lo_export, lo_import, pg_read_file, pg_ls_dir)", r"(?i)\b(?:lo_export|lo_import|pg_read_file|pg_read_binary_file|pg_ls_dir|pg_stat_file)\s*\("),
            ("pg.dynamic_execute", 25, "executes SQL built at run time from its input (EXECUTE ... ||)", r"(?i)\bexecute\s+[^;]{0,200}\|\|"),
        ]
        .into_iter()
        .map(|(id, s, d, r)| (id, s, d, Regex::new(r).expect("static regex")))
        .collect()
    })
}

impl DbPolicy {
    /// Loads the embedded known-good lists.
    pub fn load() -> Result<DbPolicy, RuleError> {
        let kg: PostgresKnownGood = known_good("postgres.toml")?;
        Ok(DbPolicy {
            extensions: kg.extensions.into_iter().collect(),
            preload: kg.preload_libraries.into_iter().collect(),
            untrusted_pl: kg.untrusted_languages.into_iter().collect(),
            redis: known_good("redis.toml")?,
            mysql: known_good("mysql.toml")?,
        })
    }

    /// Judges one object; a finding when any signal fires.
    pub fn judge(&self, o: &DbObject, host: &str, time: &str) -> Judgement {
        let signals = match o.engine {
            Engine::Postgres => self.postgres(o),
            Engine::Redis => self.redis(o),
            Engine::Mysql => self.mysql(o),
        };
        if signals.is_empty() {
            return Judgement { finding: None };
        }
        let score: u32 = signals.iter().map(|s| s.score).sum();
        let severity = crate::severity_for_score(score, &crate::Thresholds::default())
            .unwrap_or(ferret_core::Severity::Info);
        let technique = signals
            .iter()
            .map(|s| s.technique)
            .min_by_key(|t| matches!(t, Technique::ServerSoftwareComponent))
            .unwrap_or(Technique::SqlStoredProcedures);
        let path = locator(o);
        let def = o.definition.as_deref();
        let evidence = signals
            .iter()
            .map(|s| Evidence {
                source: EvidenceSource::Policy,
                rule: s.id.to_string(),
                detail: s.detail.clone(),
                score: s.score,
                offset: s.at.map(|a| a as u64),
                line: s.at.and_then(|a| {
                    def.map(|d| memchr::memchr_iter(b'\n', &d[..a.min(d.len())]).count() as u64 + 1)
                }),
                excerpt: def.map(|d| {
                    let from = s.at.unwrap_or(0).min(d.len());
                    Escaped::from_bytes(&d[from..d.len().min(from + 200)])
                }),
            })
            .collect();
        let title = format!(
            "{} {} {}: {}",
            o.engine.as_str(),
            o.kind.as_str(),
            o.name,
            signals[0].detail
        );
        let finding = Finding {
            id: stable_id(&["ferret.db", &path]),
            time: time.to_string(),
            host: host.to_string(),
            technique,
            technique_name: technique.name().to_string(),
            title: ferret_core::escape_str(&title),
            severity,
            confidence: Confidence::new(0.9),
            score,
            rule: "ferret.db".into(),
            subject: Subject::DbObject(DbObjectSubject {
                path: Escaped::from_text(&path),
                engine: o.engine.as_str().into(),
                server: Escaped::from_text(&o.server),
                database: o.database.as_deref().map(Escaped::from_text),
                schema: o.schema.as_deref().map(Escaped::from_text),
                name: Escaped::from_text(&o.name),
                object_type: o.kind.as_str().into(),
                owner: o.owner.as_deref().map(Escaped::from_text),
            }),
            evidence,
            mitigations: vec![Mitigation::M1042, Mitigation::M1026, Mitigation::M1018],
            incident: stable_id(&["db_object", &path]),
        };
        Judgement {
            finding: Some(finding),
        }
    }

    fn mysql(&self, o: &DbObject) -> Vec<Signal> {
        static FILE_WRITE: OnceLock<Regex> = OnceLock::new();
        let file_write = FILE_WRITE.get_or_init(|| {
            Regex::new(
                r"(?i)\binto\s+(?:outfile|dumpfile)\b|\bload_file\s*\(|\bsys_(?:exec|eval)\s*\(",
            )
            .expect("static regex")
        });
        let a = |k: &str| o.attrs.get(k).map(String::as_str).unwrap_or_default();
        let k = &self.mysql;
        let sp = Technique::SqlStoredProcedures;
        let mut out = Vec::new();
        let mut push = |id, score, detail: String, technique, at| {
            out.push(Signal {
                id,
                score,
                detail,
                technique,
                at,
            })
        };
        match o.kind {
            ObjectKind::Udf => {
                if k.command_udfs
                    .iter()
                    .any(|u| o.name.eq_ignore_ascii_case(u))
                {
                    push("mysql.command_udf", 100, format!("UDF {} from {} runs operating-system commands (lib_mysqludf_sys family)", o.name, a("library")), sp, None);
                } else {
                    push(
                        "mysql.udf",
                        75,
                        format!("UDF {} loads native code from {}", o.name, a("library")),
                        sp,
                        None,
                    );
                }
            }
            ObjectKind::Module if !a("file").is_empty() => {
                if a("package_owned") == "false" {
                    push(
                        "mysql.unowned_plugin_file",
                        75,
                        format!(
                            "{} in plugin_dir belongs to no installed package",
                            a("file")
                        ),
                        Technique::ServerSoftwareComponent,
                        None,
                    );
                }
            }
            ObjectKind::Module => {
                let lib = a("library");
                if !k.plugin_libraries.iter().any(|l| l == lib) {
                    push(
                        "mysql.unknown_plugin",
                        50,
                        format!("plugin {} from {lib} is not a stock plugin", o.name),
                        Technique::ServerSoftwareComponent,
                        None,
                    );
                }
            }
            ObjectKind::Setting if o.name == "secure_file_priv" && a("value").is_empty() => {
                push("mysql.secure_file_priv_empty", 50, "secure_file_priv is empty: SELECT ... INTO DUMPFILE may write a library anywhere the server can".into(), sp, None);
            }
            ObjectKind::Function | ObjectKind::Trigger | ObjectKind::EventTrigger
                if !o
                    .owner
                    .as_deref()
                    .is_some_and(|d| k.stock_definers.iter().any(|s| s == d)) =>
            {
                if let Some(m) = o.definition.as_deref().and_then(|d| file_write.find(d)) {
                    push(
                        "mysql.routine_file_or_udf",
                        75,
                        format!(
                            "{} writes or reads server files or calls a command UDF",
                            o.kind.as_str()
                        ),
                        sp,
                        Some(m.start()),
                    );
                }
                if a("security") == "DEFINER" && a_owner_is_root(o) {
                    push(
                        "mysql.root_definer",
                        25,
                        "runs with root's privileges (SQL SECURITY DEFINER, DEFINER root)".into(),
                        sp,
                        None,
                    );
                }
            }
            _ => {}
        }
        out
    }

    fn redis(&self, o: &DbObject) -> Vec<Signal> {
        let a = |k: &str| o.attrs.get(k).map(String::as_str).unwrap_or_default();
        let k = &self.redis;
        let module = Technique::ServerSoftwareComponent;
        let mut out = Vec::new();
        match o.kind {
            ObjectKind::Module => {
                let path = a("path");
                let stock = k.module_dirs.iter().any(|d| path.starts_with(d.as_str()));
                let (id, score, detail) = if path.is_empty() || stock {
                    (
                        "redis.module_loaded",
                        50,
                        format!("module {} is loaded into the server ({path})", o.name),
                    )
                } else {
                    (
                        "redis.module_outside_module_dirs",
                        75,
                        format!(
                            "module {} is loaded from {path}, outside the module directories",
                            o.name
                        ),
                    )
                };
                out.push(Signal {
                    id,
                    score,
                    detail,
                    technique: module,
                    at: None,
                });
            }
            ObjectKind::Setting => {
                let value = a("value").to_ascii_lowercase();
                if o.name == "dir"
                    && k.write_targets
                        .iter()
                        .any(|t| value.contains(&t.to_ascii_lowercase()))
                {
                    out.push(Signal { id: "redis.dir_write_target", score: 75, detail: format!("dump directory is {}: SAVE would write into a web root, cron or SSH directory", a("value")), technique: Technique::WebShell, at: None });
                }
                if o.name == "dbfilename"
                    && k.script_names
                        .iter()
                        .any(|n| value == *n || value.ends_with(n.as_str()))
                {
                    out.push(Signal {
                        id: "redis.dbfilename_script",
                        score: 75,
                        detail: format!(
                            "dump file name is {}: a script, key or cron file",
                            a("value")
                        ),
                        technique: Technique::WebShell,
                        at: None,
                    });
                }
            }
            _ => {}
        }
        out
    }

    fn postgres(&self, o: &DbObject) -> Vec<Signal> {
        let a = |k: &str| o.attrs.get(k).map(String::as_str).unwrap_or_default();
        let yes = |k: &str| a(k) == "true";
        let mut out = Vec::new();
        let mut push = |id, score, detail: String, technique, at| {
            out.push(Signal {
                id,
                score,
                detail,
                technique,
                at,
            })
        };
        let sp = Technique::SqlStoredProcedures;
        match o.kind {
            ObjectKind::Function => {
                let lang = a("language");
                if lang == "c" {
                    let lib = a("library");
                    if !lib.is_empty() && !lib.starts_with("$libdir/") {
                        push(
                            "pg.c_function_outside_libdir",
                            75,
                            format!("C function loads a library outside $libdir: {lib}"),
                            Technique::ServerSoftwareComponent,
                            None,
                        );
                    } else if !yes("in_extension") {
                        push(
                            "pg.c_function",
                            25,
                            format!("C function not part of any extension (library {lib})"),
                            Technique::ServerSoftwareComponent,
                            None,
                        );
                    }
                } else if !yes("trusted") {
                    push("pg.untrusted_language_function", 75, format!("function in untrusted language {lang}: runs with the server's operating-system rights"), sp, None);
                }
                if let Some(def) = &o.definition {
                    for (id, score, detail, re) in body_patterns() {
                        if *id == "pg.os_command_in_body" && (yes("trusted") || lang == "c") {
                            continue;
                        }
                        if let Some(m) = re.find(def) {
                            push(id, *score, detail.to_string(), sp, Some(m.start()));
                        }
                    }
                }
                if yes("security_definer") && yes("owner_superuser") && !yes("in_extension") {
                    push("pg.security_definer_superuser", 50, "SECURITY DEFINER function owned by a superuser: anyone who may call it acts as superuser".into(), sp, None);
                }
            }
            ObjectKind::EventTrigger => {
                push(
                    "pg.event_trigger",
                    50,
                    format!(
                        "event trigger on {} runs {}() on every matching DDL command",
                        a("event"),
                        a("function")
                    ),
                    sp,
                    None,
                );
                if !yes("trusted") {
                    push(
                        "pg.event_trigger_untrusted",
                        25,
                        format!("its function is in untrusted language {}", a("language")),
                        sp,
                        None,
                    );
                }
            }
            ObjectKind::Trigger if !yes("trusted") && a("language") != "c" => {
                push(
                    "pg.trigger_untrusted_function",
                    75,
                    format!(
                        "trigger calls {}() in untrusted language {}",
                        a("function"),
                        a("language")
                    ),
                    sp,
                    None,
                );
            }
            ObjectKind::Extension => {
                if self.untrusted_pl.contains(&o.name) {
                    push(
                        "pg.untrusted_language_installed",
                        50,
                        format!("untrusted procedural language {} is installed", o.name),
                        sp,
                        None,
                    );
                } else if !self.extensions.contains(&o.name) {
                    push(
                        "pg.unknown_extension",
                        50,
                        format!("extension {} is not in the known-good list", o.name),
                        Technique::ServerSoftwareComponent,
                        None,
                    );
                }
            }
            ObjectKind::Setting => {
                let value = a("value");
                if o.name.ends_with("preload_libraries") {
                    for lib in value
                        .split(',')
                        .map(|l| l.trim().trim_matches('"'))
                        .filter(|l| !l.is_empty())
                    {
                        let base = lib.trim_start_matches("$libdir/");
                        if lib.contains('/') && !lib.starts_with("$libdir/") {
                            push(
                                "pg.preload_library_path",
                                75,
                                format!("{} loads {lib} from outside $libdir at start", o.name),
                                Technique::ServerSoftwareComponent,
                                None,
                            );
                        } else if !self.preload.contains(base) {
                            push(
                                "pg.preload_library",
                                50,
                                format!("{} loads {lib}, not in the known-good list", o.name),
                                Technique::ServerSoftwareComponent,
                                None,
                            );
                        }
                    }
                } else if o.name == "dynamic_library_path" && value != "$libdir" {
                    push(
                        "pg.library_path",
                        50,
                        format!("dynamic_library_path is {value}, not $libdir"),
                        Technique::ServerSoftwareComponent,
                        None,
                    );
                }
            }
            ObjectKind::Role => {
                let roles = a("file_roles");
                if roles.contains("pg_execute_server_program") {
                    push(
                        "pg.server_program_role",
                        75,
                        format!("role may run server programs (member of {roles})"),
                        sp,
                        None,
                    );
                } else if !roles.is_empty() {
                    push(
                        "pg.server_files_role",
                        50,
                        format!("role may read or write server files (member of {roles})"),
                        sp,
                        None,
                    );
                }
                if yes("superuser") && !yes("bootstrap") {
                    push(
                        "pg.extra_superuser",
                        25,
                        "superuser other than the bootstrap superuser".into(),
                        sp,
                        None,
                    );
                }
            }
            ObjectKind::LargeObject => {
                if let Some(d) = &o.definition {
                    if d.starts_with(b"\x7fELF") || d.starts_with(b"MZ") {
                        push("pg.large_object_binary", 75, "large object holds an executable or library image (lo_export of a UDF library)".into(), sp, Some(0));
                    }
                }
            }
            _ => {}
        }
        out
    }
}

fn a_owner_is_root(o: &DbObject) -> bool {
    o.owner
        .as_deref()
        .is_some_and(|d| d.trim_matches('`').starts_with("root@"))
}

pub(crate) fn known_good<T: serde::de::DeserializeOwned>(file: &str) -> Result<T, RuleError> {
    let origin = format!("rules/known-good/{file}");
    let (_, text) = crate::embedded::KNOWN_GOOD
        .iter()
        .find(|(n, _)| *n == file)
        .ok_or_else(|| RuleError::Data {
            origin: origin.clone(),
            message: "missing from the build".into(),
        })?;
    toml::from_str(text).map_err(|e| RuleError::Data {
        origin,
        message: e.to_string(),
    })
}

/// `postgres://host:port/db/schema.name (kind)`, without credentials.
fn locator(o: &DbObject) -> String {
    let mut s = format!("{}://{}", o.engine.as_str(), o.server);
    if let Some(d) = &o.database {
        s.push('/');
        s.push_str(d);
    }
    s.push('/');
    if let Some(sc) = &o.schema {
        s.push_str(sc);
        s.push('.');
    }
    s.push_str(&o.name);
    s.push_str(&format!(" ({})", o.kind.as_str()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn func(lang: &str, trusted: bool, body: &str) -> DbObject {
        let mut attrs = BTreeMap::new();
        attrs.insert("language", lang.to_string());
        attrs.insert("trusted", trusted.to_string());
        attrs.insert("library", String::new());
        DbObject {
            engine: Engine::Postgres,
            server: "127.0.0.1:5432".into(),
            database: Some("app".into()),
            schema: Some("public".into()),
            name: "f\n\x1b[2J".into(),
            kind: ObjectKind::Function,
            owner: Some("postgres".into()),
            attrs,
            definition: Some(body.as_bytes().to_vec()),
        }
    }

    #[test]
    fn untrusted_function_running_commands_is_critical() {
        let p = DbPolicy::load().unwrap();
        let f = p
            .judge(
                &func(
                    "plpython3u",
                    false,
                    "import os\nreturn os.popen(cmd).read()",
                ),
                "h",
                "t",
            )
            .finding
            .unwrap();
        assert_eq!(f.severity, ferret_core::Severity::Critical);
        assert_eq!(f.technique, Technique::SqlStoredProcedures);
        assert!(!f.title.contains('\n') && !f.title.contains('\x1b'));
    }

    #[test]
    fn redis_modules_and_dump_targets() {
        let p = DbPolicy::load().unwrap();
        let mut m = func("", true, "");
        m.engine = Engine::Redis;
        m.kind = ObjectKind::Module;
        m.attrs.insert("path", "/tmp/exp.so".into());
        let f = p.judge(&m, "h", "t").finding.unwrap();
        assert_eq!(f.evidence[0].rule, "redis.module_outside_module_dirs");
        assert_eq!(f.technique, Technique::ServerSoftwareComponent);
        m.attrs
            .insert("path", "/usr/lib/redis/modules/redisbloom.so".into());
        assert_eq!(
            p.judge(&m, "h", "t").finding.unwrap().evidence[0].rule,
            "redis.module_loaded"
        );
        let mut d = m.clone();
        d.kind = ObjectKind::Setting;
        d.name = "dir".into();
        d.attrs.insert("value", "/var/lib/redis".into());
        assert!(p.judge(&d, "h", "t").finding.is_none());
        d.attrs.insert("value", "/root/.ssh".into());
        assert_eq!(
            p.judge(&d, "h", "t").finding.unwrap().evidence[0].rule,
            "redis.dir_write_target"
        );
    }

    #[test]
    fn plain_sql_function_is_quiet() {
        let p = DbPolicy::load().unwrap();
        assert!(p
            .judge(&func("sql", true, "SELECT 1"), "h", "t")
            .finding
            .is_none());
        let copy = p
            .judge(
                &func("plpgsql", true, "BEGIN COPY t FROM PROGRAM 'id'; END"),
                "h",
                "t",
            )
            .finding
            .unwrap();
        assert_eq!(copy.evidence[0].rule, "pg.copy_program_in_body");
    }
}
