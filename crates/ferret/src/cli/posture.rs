//! `ferret posture`: which of T1505's mitigations this server has in place
//! (met, not met, unknown), with the evidence. Runs the inventory, reads the
//! baseline store read-only, optionally reads PostgreSQL catalogs, and hands
//! it all to `ferret-posture`.

use super::Outcome;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use ferret_collect::db::{postgres, DbUrl, Engine};
use ferret_detect::component_policy::{declared_in, Verdict};
use ferret_posture::{report, BaselineState, Catalogue, ComponentFact, DbCatalog, Facts};
use ferret_store::baseline::{BaselineError, Baselines};
use ferret_store::seal::{default_key_path, default_store_path, Anchor, Key};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `--format` values for posture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PostureFormat {
    /// One block per check, for people.
    Table,
    /// The whole posture as one JSON document.
    Json,
    /// One JSON record per check.
    Jsonl,
}

/// `ferret posture` flags. Each check is met, not met or unknown, with the file, line and value that
/// decided it: M1047 a sealed, recent baseline (ferret baseline); M1045
/// signed or package-verified modules; M1042 PHP disable_functions, upload
/// directories that cannot run scripts, untrusted PostgreSQL languages,
/// SQL Server xp_cmdshell/CLR; M1018 web and module directories not
/// writable by the server's user; M1026 few superusers; M1024 registry
/// permissions; M1046 Secure Boot / ESXi execInstalledOnly.
///
/// Exit status: 0 every check met or unknown, 1 a check not met, 2 errors.
#[derive(Debug, Clone, Args)]
pub struct PostureArgs {
    /// Examine DIR as a mounted disk image or collection instead of this host.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// The baseline store (default: $FERRET_DB, else the standard location).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The baseline key (default: $FERRET_KEY, else the standard location).
    #[arg(long, value_name = "PATH")]
    pub key: Option<PathBuf>,
    /// PostgreSQL servers to read, read-only (postgres://user@host:5432).
    /// Passwords are used to connect and never printed.
    #[arg(long = "db-url", value_name = "URL")]
    pub db_url: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PostureFormat,
    /// Write the report to FILE instead of standard output (refused inside
    /// the examined tree).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Host name in the report (default: this host, or the --root folder's name).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
}

/// Reads the store read-only and verifies its latest baseline.
fn baseline_state(db: &Path, key: &Path) -> BaselineState {
    if std::fs::symlink_metadata(db).is_err() {
        return BaselineState::NoStore {
            path: db.to_path_buf(),
        };
    }
    let unreadable = |path: &Path, reason: String| BaselineState::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let store = match Baselines::open_read_only(db) {
        Ok(s) => s,
        Err(e) => return unreadable(db, e.to_string()),
    };
    let has_baseline = match store.latest() {
        Ok(l) => l.is_some(),
        Err(e) => return unreadable(db, e.to_string()),
    };
    let empty = BaselineState::Empty {
        path: db.to_path_buf(),
    };
    let k = match Key::load(key) {
        Ok(k) => k,
        // Without the key an empty store cannot be told from an emptied one.
        Err(_) if !has_baseline => return empty,
        Err(e) => return unreadable(key, e.to_string()),
    };
    // Verified even when empty: the anchor tells an emptied store apart.
    match store.verify(&k, &Anchor::beside(key)) {
        Ok(Ok(info)) => BaselineState::Trusted {
            path: db.to_path_buf(),
            generation: info.generation,
            created: info.created,
            items: info.items,
            key_id: info.key_id,
        },
        Ok(Err(t)) => BaselineState::Tampered {
            path: db.to_path_buf(),
            reason: t.to_string(),
        },
        Err(BaselineError::NoBaseline { .. }) => empty,
        Err(e) => unreadable(db, e.to_string()),
    }
}

/// Reads one PostgreSQL server's catalogs.
fn catalog(raw: &str) -> DbCatalog {
    let url = match DbUrl::parse(raw) {
        Ok(u) => u,
        Err(e) => {
            return DbCatalog {
                server: "(bad URL)".into(),
                objects: Err(e.to_string()),
            }
        }
    };
    let server = url.to_string();
    if url.engine != Engine::Postgres {
        return DbCatalog {
            server,
            objects: Err("posture reads postgres:// URLs only".into()),
        };
    }
    let mut objects = Vec::new();
    let result = postgres::audit(&url, &postgres::PgOptions::default(), &mut |o| {
        objects.push(o)
    });
    DbCatalog {
        server,
        objects: match result {
            Ok(errs) if errs.is_empty() => Ok(objects),
            Ok(errs) if !objects.is_empty() => {
                for e in errs {
                    eprintln!("ferret: {}", ferret_core::escape_str(&e.to_string()));
                }
                Ok(objects)
            }
            Ok(errs) => Err(errs
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")),
            Err(e) => Err(e.to_string()),
        },
    }
}

pub fn exec(args: PostureArgs) -> anyhow::Result<Outcome> {
    let root = match &args.root {
        Some(r) => {
            anyhow::ensure!(r.is_dir(), "--root {}: not a directory", r.display());
            r.clone()
        }
        None => PathBuf::from("/"),
    };
    let catalogue = Catalogue::load().context("loading rules/posture/checks.toml")?;
    let host = super::scan::host_for(args.host.as_deref(), args.root.as_deref());
    let time = super::scan::now_rfc3339();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let inv = super::inventory::inventory(&root, &[], &host, &time)?;
    let components = inv
        .rows
        .iter()
        .map(|r| ComponentFact {
            server: r.component.server.as_str().to_string(),
            kind: r.component.kind.as_str().to_string(),
            name: r.component.name.clone(),
            resolved: r.component.resolved.clone(),
            declared_in: declared_in(&r.component),
            stock: r.judgement.verdict == Verdict::Stock,
            facts: r.facts.clone(),
        })
        .collect();
    let db = args.db.clone().unwrap_or_else(default_store_path);
    let key = args.key.clone().unwrap_or_else(default_key_path);
    let databases: Vec<DbCatalog> = args.db_url.iter().map(|u| catalog(u)).collect();
    let facts = Facts {
        root: root.clone(),
        live: args.root.is_none(),
        now,
        components,
        web_roots: inv.discovered.web_roots.clone(),
        files_read: inv.discovered.files_read.clone(),
        baseline: baseline_state(&db, &key),
        databases,
    };
    let posture = ferret_posture::assess(&catalogue, &facts, &host, &time);
    let format = match args.format {
        PostureFormat::Table => report::Format::Table,
        PostureFormat::Json => report::Format::Json,
        PostureFormat::Jsonl => report::Format::Jsonl,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => {
            let examined = match &args.root {
                Some(r) => vec![r.clone()],
                None => facts.web_roots.clone(),
            };
            super::output::refuse_inside(p, &examined)?;
            Box::new(std::io::BufWriter::new(
                std::fs::File::create(p)
                    .with_context(|| format!("creating --output {}", p.display()))?,
            ))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    report::write(&mut out, &posture, format)?;
    out.flush()?;
    let db_errors = facts.databases.iter().filter_map(|d| {
        d.objects
            .as_ref()
            .err()
            .map(|e| format!("{}: {e}", d.server))
    });
    let errors: Vec<String> = inv
        .discovered
        .errors
        .iter()
        .map(|e| e.to_string())
        .chain(inv.setup_errors.iter().cloned())
        .chain(db_errors)
        .collect();
    for e in &errors {
        eprintln!("ferret: {}", ferret_core::escape_str(e));
    }
    // Already escaped.
    for e in &posture.errors {
        eprintln!("ferret: {e}");
    }
    Ok(if !errors.is_empty() || !posture.errors.is_empty() {
        Outcome::Errors
    } else if posture.any_not_met() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
