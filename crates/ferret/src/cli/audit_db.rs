//! `ferret audit-db`: a live, read-only audit of database catalogs.

use super::output::{OutputArgs, Report};
use super::Outcome;
use clap::Args;
use ferret_collect::db::{mysql, postgres, redis, DbUrl, Engine};
use ferret_core::{escape_str, Severity};
use ferret_detect::db_policy::DbPolicy;
use std::io::Write;
use std::time::{Duration, SystemTime};

#[derive(Debug, Args)]
pub struct AuditDbArgs {
    /// Database servers: postgres://user@host:port[/db][?sslmode=require],
    /// mysql://user@host:port[?ssl-mode=REQUIRED|VERIFY_CA|VERIFY_IDENTITY],
    /// redis://host:port (rediss:// for TLS). Without any, the space-separated
    /// URLs in FERRET_DB_URL. Passwords are used to connect and never printed.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// Audit only these databases (repeatable; default: every database that accepts connections).
    #[arg(long, value_name = "NAME")]
    pub database: Vec<String>,
    /// List every object inspected, with its verdict, instead of findings.
    #[arg(long)]
    pub inventory: bool,
    /// Seconds to wait for a connection.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub connect_timeout: u64,
    /// Seconds any one catalog query may run.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub statement_timeout: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn exec(args: AuditDbArgs) -> anyhow::Result<Outcome> {
    let raw: Vec<String> = if args.urls.is_empty() {
        std::env::var("FERRET_DB_URL")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    } else {
        args.urls.clone()
    };
    anyhow::ensure!(
        !raw.is_empty(),
        "no database URL: give one (postgres://user@host:5432) or set FERRET_DB_URL"
    );
    let policy = DbPolicy::load()?;
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let time = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let mut report = if args.inventory {
        None
    } else {
        Some(Report::open(&args.output, &[], "audit-db")?)
    };
    let mut inventory = std::io::BufWriter::new(std::io::stdout());
    let (mut errors, mut objects) = (0u64, 0u64);
    let opts = postgres::PgOptions {
        databases: args.database.clone(),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        statement_timeout: Duration::from_secs(args.statement_timeout),
    };
    for r in &raw {
        let url = match DbUrl::parse(r) {
            Ok(u) => u,
            Err(e) => {
                errors += 1;
                eprintln!("ferret: {}", escape_str(&e.reason()));
                continue;
            }
        };
        let mut write_err: Option<anyhow::Error> = None;
        let mut visit = |o: ferret_core::DbObject| {
            objects += 1;
            let j = policy.judge(&o, &host, &time);
            if args.inventory {
                let verdict = match &j.finding {
                    Some(f) if f.severity >= Severity::Medium => "suspicious",
                    Some(_) => "review",
                    None => "ok",
                };
                let reasons: Vec<String> = j
                    .finding
                    .iter()
                    .flat_map(|f| f.evidence.iter().map(|e| e.rule.clone()))
                    .collect();
                let line = format!(
                    "{:<10} {:<14} {:<60} owner={} {}",
                    verdict,
                    o.kind.as_str(),
                    escape_str(&format!(
                        "{}/{}{}",
                        o.database.as_deref().unwrap_or("-"),
                        o.schema
                            .as_deref()
                            .map(|s| format!("{s}."))
                            .unwrap_or_default(),
                        o.name
                    )),
                    escape_str(o.owner.as_deref().unwrap_or("-")),
                    reasons.join(",")
                );
                if let Err(e) = writeln!(inventory, "{line}") {
                    write_err.get_or_insert(e.into());
                }
            } else if let (Some(f), Some(report)) = (j.finding, report.as_mut()) {
                if let Err(e) = report.offer(&f) {
                    write_err.get_or_insert(e);
                }
            }
        };
        let result = match url.engine {
            Engine::Redis => redis::audit(&url, opts.connect_timeout, &mut visit),
            Engine::Mysql => mysql::audit(
                &url,
                &opts.databases,
                opts.connect_timeout,
                opts.statement_timeout,
                &mut visit,
            ),
            _ => postgres::audit(&url, &opts, &mut visit),
        };
        match result {
            Ok(db_errors) => {
                for e in db_errors {
                    errors += 1;
                    eprintln!("ferret: {}", escape_str(&e.reason()));
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("ferret: {}", escape_str(&e.reason()));
            }
        }
        if let Some(e) = write_err {
            return Err(e);
        }
    }
    inventory.flush()?;
    let Some(mut report) = report else {
        return Ok(if errors > 0 {
            Outcome::Errors
        } else {
            Outcome::Clean
        });
    };
    report.finish()?;
    if !args.output.quiet {
        eprintln!(
            "ferret: {} findings at or above {}; {objects} catalog objects inspected; {errors} errors",
            report.reported, report.min
        );
    }
    Ok(report.outcome(errors > 0))
}
