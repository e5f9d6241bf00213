//! `ferret fleet`: the fleet pipeline's commands. `publish` sends findings
//! collected earlier (and the spool); `ingest` is the durable JetStream
//! consumer writing PostgreSQL; `report` is the cross-host view.

use super::output::{parse_window, report_published};
use super::Outcome;
use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use ferret_core::{escape_path, escape_str};
use ferret_fleet::{IngestConfig, Publisher, ReportQuery, SinkConfig};
use ferret_incident::read::for_each_finding;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Publish findings saved as JSON lines (and anything left in the spool) to NATS JetStream.
    ///
    /// For collections made offline: `ferret scan --format jsonl -o f.jsonl`
    /// on an isolated host, then `ferret fleet publish f.jsonl` where the
    /// broker is reachable. With no INPUT, only the spool is flushed.
    ///
    /// Examples:
    ///   ferret fleet publish --sink nats://broker:4222 web01-scan.jsonl
    ///   ferret fleet publish --sink nats://broker:4222          # flush the spool
    #[command(verbatim_doc_comment)]
    Publish(PublishArgs),
    /// Consume findings from JetStream into PostgreSQL (durable; acknowledged after commit).
    ///
    /// Creates the stream and the durable consumer when absent and applies the
    /// schema's migrations. Each batch is one transaction (findings upserted
    /// on host + id, so redelivery never duplicates); messages are acknowledged
    /// only after the commit. Incidents are recomputed per host when the
    /// stream goes quiet. Stop with SIGTERM or Ctrl-C (the current batch is
    /// committed and acknowledged first).
    ///
    /// Examples:
    ///   ferret fleet ingest --nats nats://broker:4222 --db-url postgres://ferret@db/fleet
    ///   ferret fleet ingest --db-url postgres://ferret@db/fleet --exit-when-idle 30s
    #[command(verbatim_doc_comment)]
    Ingest(IngestArgs),
    /// The cross-host view: hosts, incidents, and campaigns (one file hash on several hosts).
    ///
    /// Examples:
    ///   ferret fleet report --db-url postgres://ferret@db/fleet
    ///   ferret fleet report --db-url postgres://ferret@db/fleet --format json --min-hosts 3
    #[command(verbatim_doc_comment)]
    Report(FleetReportArgs),
}

/// Where the stream lives; shared by publish and ingest.
#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// JetStream stream name.
    #[arg(long, value_name = "NAME", default_value = "FERRET_FINDINGS")]
    pub stream: String,
    /// Subject prefix; each host publishes to PREFIX.<host>.
    #[arg(long, value_name = "PREFIX", default_value = "ferret.findings")]
    pub subject_prefix: String,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Findings as JSON lines; `-` reads standard input.
    #[arg(value_name = "INPUT.jsonl")]
    pub inputs: Vec<PathBuf>,
    /// The NATS server (nats://HOST:PORT).
    #[arg(long, value_name = "URL", env = "FERRET_SINK")]
    pub sink: String,
    /// The spool file (default: $FERRET_SPOOL, else
    /// $XDG_STATE_HOME/ferret/spool.jsonl, else ~/.local/state/ferret/spool.jsonl).
    #[arg(long, value_name = "FILE")]
    pub spool: Option<PathBuf>,
    #[command(flatten)]
    pub stream: StreamArgs,
    /// No summary on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The NATS server (nats://HOST:PORT).
    #[arg(
        long,
        value_name = "URL",
        env = "FERRET_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats: String,
    /// The PostgreSQL database (postgres://USER@HOST:PORT/DB).
    #[arg(long, value_name = "URL", env = "FERRET_FLEET_DB")]
    pub db_url: String,
    #[command(flatten)]
    pub stream: StreamArgs,
    /// Durable consumer name (several ingesters with one name share the work).
    #[arg(long, value_name = "NAME", default_value = "ferret-ingest")]
    pub durable: String,
    /// Messages per transaction.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub batch: usize,
    /// Stop after this long without a message (default: run until signalled).
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub exit_when_idle: Option<u64>,
    /// Join findings into one incident only within this span.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_window)]
    pub window: u64,
    /// How long JetStream waits for this consumer's acknowledgement before
    /// redelivering (applies when the durable consumer is created).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_window)]
    pub ack_wait: u64,
    /// No progress on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `ferret fleet report --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetFormat {
    /// For people.
    Table,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct FleetReportArgs {
    /// The PostgreSQL database the ingester writes.
    #[arg(long, value_name = "URL", env = "FERRET_FLEET_DB")]
    pub db_url: String,
    /// A campaign is one hash on at least this many hosts.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_hosts: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FleetFormat,
}

pub fn exec(c: FleetCommand) -> anyhow::Result<Outcome> {
    match c {
        FleetCommand::Publish(a) => publish(a),
        FleetCommand::Ingest(a) => ingest(a),
        FleetCommand::Report(a) => report(a),
    }
}

fn publish(a: PublishArgs) -> anyhow::Result<Outcome> {
    let mut cfg = SinkConfig::new(&a.sink).with_context(|| format!("--sink {}", a.sink))?;
    if let Some(s) = &a.spool {
        cfg.spool = s.clone();
    }
    cfg.stream = a.stream.stream.clone();
    cfg.subject_prefix = a.stream.subject_prefix.clone();
    let mut publisher =
        Publisher::open(cfg).with_context(|| format!("opening --sink {}", a.sink))?;
    let mut bad = 0usize;
    let mut unreadable = 0usize;
    for input in &a.inputs {
        let name = if input.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            escape_path(input)
        };
        let mut reader: Box<dyn BufRead> = if input.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            match std::fs::File::open(input) {
                Ok(f) => Box::new(BufReader::new(f)),
                Err(e) => {
                    unreadable += 1;
                    eprintln!("ferret: {name}: {e}");
                    continue;
                }
            }
        };
        // Published as read: a large file or a pipe is never held whole in
        // memory, and what was read is sent meanwhile.
        let published = for_each_finding(&mut reader, &name, &mut |item| match item {
            Ok(f) => publisher
                .publish(&f)
                .with_context(|| format!("publishing to --sink {}", a.sink)),
            Err(e) => {
                eprintln!("ferret: {e}");
                if e.line == 0 {
                    unreadable += 1;
                } else {
                    bad += 1;
                }
                Ok(())
            }
        });
        published?;
    }
    let s = publisher
        .finish()
        .with_context(|| format!("finishing --sink {}", a.sink))?;
    let lost = report_published(&a.sink, &s, a.quiet);
    Ok(if bad > 0 || unreadable > 0 || lost {
        Outcome::Errors
    } else {
        Outcome::Clean
    })
}

fn ingest(a: IngestArgs) -> anyhow::Result<Outcome> {
    let mut cfg = IngestConfig::new(&a.nats, &a.db_url);
    cfg.stream = a.stream.stream.clone();
    cfg.subject_prefix = a.stream.subject_prefix.clone();
    cfg.durable = a.durable.clone();
    cfg.batch = a.batch.max(1);
    cfg.exit_when_idle = a.exit_when_idle.map(Duration::from_secs);
    cfg.ack_wait = Duration::from_secs(a.ack_wait.max(1));
    cfg.correlate = ferret_incident::Options {
        window_secs: a.window,
    };
    let quiet = a.quiet;
    let mut last = std::time::Instant::now();
    let stats = ferret_fleet::ingest(&cfg, &mut |s| {
        if !quiet && last.elapsed() >= Duration::from_secs(5) {
            last = std::time::Instant::now();
            eprintln!(
                "ferret fleet ingest: {} received, {} stored, {} duplicates, {} rejected, {} batches",
                s.received, s.inserted, s.duplicates, s.rejected, s.batches
            );
        }
    })
    .context("fleet ingest")?;
    eprintln!(
        "ferret fleet ingest: stopped; {} received, {} stored, {} duplicates, {} rejected, {} batches",
        stats.received, stats.inserted, stats.duplicates, stats.rejected, stats.batches
    );
    Ok(if stats.rejected > 0 {
        Outcome::Errors
    } else {
        Outcome::Clean
    })
}

fn report(a: FleetReportArgs) -> anyhow::Result<Outcome> {
    let q = ReportQuery {
        min_hosts: a.min_hosts.max(1),
        ..Default::default()
    };
    let r = ferret_fleet::fleet_report(&a.db_url, &q).with_context(|| {
        format!(
            "reading the fleet database {}",
            escape_str(&redact(&a.db_url))
        )
    })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match a.format {
        FleetFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &r)?;
            writeln!(out)?;
        }
        FleetFormat::Table => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            r.write_table(&mut out, color)?;
        }
    }
    out.flush()?;
    Ok(if r.campaigns.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// The URL without a password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
