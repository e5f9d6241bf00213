//! `ferret inventory`: every server software component found, with its
//! verdict; and the shared step that turns a root's components into findings
//! for `ferret scan`.

use super::output::OutputArgs;
use super::Outcome;
use anyhow::Context as _;
use clap::Args;
use ferret_collect::servers::{self, facts::FactGatherer, Discovered};
use ferret_core::{escape_path, escape_str, Component, ComponentFacts, Escaped, Finding, Severity};
use ferret_detect::component_policy::{declared_in, ComponentPolicy, Judgement};
use ferret_report::inventory::{ComponentRecord, ReasonRecord};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Args)]
pub struct InventoryArgs {
    /// Configuration files to read (applicationHost.config, web.config,
    /// agents.config, a SYSTEM hive, a VIB descriptor or imgdb.tgz, an ESXi
    /// log, Apache/nginx/PHP/Tomcat/Redis/PostgreSQL configuration) or
    /// directories to search as system roots. Without any, the whole --root
    /// (or this host's /) is searched in the standard locations.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat DIR as a mounted disk image or a triage collection (KAPE `C/`,
    /// Velociraptor `C%3A/`, an ESXi or Linux file system copy).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// List only components that are not stock.
    #[arg(long)]
    pub not_stock: bool,
    /// Host name put on findings (default: this host, or the --root folder's name).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One judged component.
pub struct Row {
    /// The component as the sources found it.
    pub component: Component,
    /// What is known of its implementation file.
    pub facts: ComponentFacts,
    /// The verdict and its reasons.
    pub judgement: Judgement,
    /// The finding it earned (score at low or above), if any.
    pub finding: Option<Finding>,
}

/// What inventory found under one root.
pub struct Inventory {
    /// Every component with its facts, verdict and finding.
    pub rows: Vec<Row>,
    /// Findings from install logs (not about one component).
    pub log_findings: Vec<Finding>,
    /// What the sources found (web roots, files read, errors).
    pub discovered: Discovered,
    /// Problems loading the package database or trusted roots.
    pub setup_errors: Vec<String>,
}

impl Inventory {
    /// Every finding: the components' first, then the install logs'.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.rows
            .iter()
            .filter_map(|r| r.finding.as_ref())
            .chain(&self.log_findings)
    }
}

/// Discovers and judges every component under `root` (and in `paths`).
pub fn inventory(
    root: &Path,
    paths: &[PathBuf],
    host: &str,
    time: &str,
) -> anyhow::Result<Inventory> {
    let policy = ComponentPolicy::load().context("loading the known-good lists")?;
    let mut discovered = servers::discover(root, paths);
    let pem: String = ferret_detect::embedded::KNOWN_GOOD_PEM
        .iter()
        .map(|(_, t)| *t)
        .collect::<Vec<_>>()
        .join("\n");
    let (gatherer, setup) = FactGatherer::new(root, &pem);
    let components = std::mem::take(&mut discovered.components);
    let mut rows = Vec::with_capacity(components.len());
    for mut c in components {
        if let Some(orig) = c
            .resolved
            .as_deref()
            .and_then(|r| servers::facts::original_unix_path(root, r))
        {
            if !matches!(
                c.server,
                ferret_core::Server::Iis
                    | ferret_core::Server::Exchange
                    | ferret_core::Server::WindowsService
            ) {
                c.attrs.entry("original_path".into()).or_insert(orig);
            }
        }
        let facts = gatherer.facts(&c);
        let judgement = policy.judge(&c, &facts);
        let finding = policy.finding(&c, &facts, &judgement, host, time);
        rows.push(Row {
            component: c,
            facts,
            judgement,
            finding,
        });
    }
    let log_findings = discovered
        .tells
        .iter()
        .map(|t| policy.tell_finding(t, host, time))
        .collect();
    Ok(Inventory {
        rows,
        log_findings,
        discovered,
        setup_errors: setup.iter().map(|e| e.to_string()).collect(),
    })
}

/// The record a printer shows for one component.
pub fn record(
    c: &Component,
    facts: &ComponentFacts,
    j: &Judgement,
    finding: Option<Finding>,
) -> ComponentRecord {
    ComponentRecord {
        record: "component",
        server: c.server.as_str(),
        component: c.kind.as_str(),
        name: Escaped::from_text(&c.name),
        implementation: c.implementation.as_deref().map(Escaped::from_text),
        resolved: c.resolved.as_deref().map(Escaped::from_path),
        declared_in: Escaped::from_text(&declared_in(c)),
        verdict: j.verdict.as_str(),
        score: j.score,
        reasons: j
            .reasons
            .iter()
            .map(|r| ReasonRecord {
                rule: r.rule.to_string(),
                score: r.score,
                detail: Escaped::from_text(&r.detail),
            })
            .collect(),
        attrs: c
            .attrs
            .iter()
            .map(|(k, v)| (k.clone(), Escaped::from_text(v)))
            .collect(),
        sha256: facts.sha256.clone(),
        finding,
    }
}

pub fn exec(args: InventoryArgs) -> anyhow::Result<Outcome> {
    let root = match &args.root {
        Some(r) => {
            anyhow::ensure!(r.is_dir(), "--root {}: not a directory", r.display());
            r.clone()
        }
        None => PathBuf::from("/"),
    };
    let paths: Vec<PathBuf> = match &args.root {
        Some(r) => args
            .paths
            .iter()
            .map(|p| {
                if p.exists() {
                    p.clone()
                } else {
                    r.join(p.strip_prefix("/").unwrap_or(p))
                }
            })
            .collect(),
        None => args.paths.clone(),
    };
    for p in &paths {
        anyhow::ensure!(
            std::fs::symlink_metadata(p).is_ok(),
            "{}: no such file or directory",
            p.display()
        );
    }
    let host = super::scan::host_for(args.host.as_deref(), args.root.as_deref());
    let time = super::scan::now_rfc3339();
    let started = std::time::Instant::now();
    let inv = inventory(&root, &paths, &host, &time)?;
    let min: Severity = args.output.min_severity.into();
    let fail_on: Severity = args.output.fail_on.into();
    let mut scanned = paths.clone();
    scanned.push(root.clone());
    let mut rows: Vec<ComponentRecord> = Vec::new();
    let policy_findings: Vec<&Finding> = inv.findings().filter(|f| f.severity >= min).collect();
    let failing = inv.findings().any(|f| f.severity >= fail_on);
    for r in &inv.rows {
        if args.not_stock && r.judgement.verdict == ferret_detect::component_policy::Verdict::Stock
        {
            continue;
        }
        let finding = r.finding.clone().filter(|f| f.severity >= min);
        rows.push(record(&r.component, &r.facts, &r.judgement, finding));
    }
    rows.sort_by(|a, b| a.server.cmp(b.server));
    let stdout_color = args.output.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let rows_format = matches!(
        args.output.format,
        super::output::FormatArg::Jsonl | super::output::FormatArg::Table
    );
    let mut sink_lost = false;
    if rows_format {
        let mut out: Box<dyn Write> = match &args.output.output {
            Some(p) => {
                super::output::refuse_inside(p, &scanned)?;
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("creating --output {}", p.display()))?,
                ))
            }
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        };
        if args.output.format == super::output::FormatArg::Jsonl {
            let others: Vec<Finding> = inv
                .log_findings
                .iter()
                .filter(|f| f.severity >= min)
                .cloned()
                .collect();
            ferret_report::inventory::write_jsonl(&mut out, &rows, &others)?;
        } else {
            ferret_report::inventory::write_table(&mut out, &rows, stdout_color)?;
            if !policy_findings.is_empty() {
                writeln!(out, "\nFindings:")?;
                let opts = ferret_report::SinkOptions {
                    color: stdout_color,
                    ..Default::default()
                };
                let mut sink = ferret_report::Format::Table.sink(Box::new(&mut out), &opts);
                for f in &policy_findings {
                    sink.finding(f)?;
                }
                sink.finish()?;
            }
        }
        out.flush()?;
        // The rows are written; --sink still publishes the findings.
        if let Some(mut p) = args.output.publisher()? {
            for f in &policy_findings {
                p.publish(f)?;
            }
            let s = p.finish()?;
            sink_lost = super::output::report_published(
                args.output.sink.as_deref().unwrap_or_default(),
                &s,
                args.output.quiet,
            );
        }
    } else {
        // Documents (incidents, ECS, OCSF, timeline, Navigator, HTML) are about findings.
        let mut report = super::output::Report::open(&args.output, &scanned, "inventory")?;
        for f in &policy_findings {
            report.offer(f)?;
        }
        report.finish()?;
        sink_lost = report.outcome(false) == Outcome::Errors;
    }
    let errors = inv.discovered.errors.len() + inv.setup_errors.len();
    for e in &inv.discovered.errors {
        eprintln!("ferret: {}", escape_str(&e.to_string()));
    }
    for e in &inv.setup_errors {
        eprintln!("ferret: {}", escape_str(e));
    }
    if !args.output.quiet {
        let count = |v| inv.rows.iter().filter(|r| r.judgement.verdict == v).count();
        use ferret_detect::component_policy::Verdict;
        eprintln!(
            "ferret: {} components ({} stock, {} unknown, {} suspicious) from {} configuration files in {:.2}s; {} findings at or above {}; {} web roots; {} errors",
            inv.rows.len(),
            count(Verdict::Stock),
            count(Verdict::Unknown),
            count(Verdict::Suspicious),
            inv.discovered.files_read.len(),
            started.elapsed().as_secs_f64(),
            policy_findings.len(),
            min,
            inv.discovered.web_roots.len(),
            errors
        );
        for w in &inv.discovered.web_roots {
            eprintln!("ferret: web root {}", escape_path(w));
        }
    }
    Ok(if errors > 0 || sink_lost {
        Outcome::Errors
    } else if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
