//! Output flags shared by every subcommand that reports findings.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use ferret_core::{Finding, Severity};
use ferret_fleet::{PublishSummary, Publisher, SinkConfig};
use ferret_report::{FindingSink, Format, Meta, SinkOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A table for people, grouped by severity (colour on a terminal only).
    Table,
    /// One JSON finding per line (see docs/finding.md).
    Jsonl,
    /// Incidents for people: findings about one component joined, with why.
    IncidentTable,
    /// One JSON incident per line (docs/incidents.md).
    Incidents,
    /// Elastic Common Schema documents, one per line (docs/formats.md).
    Ecs,
    /// OCSF Detection Finding events, one per line (docs/formats.md).
    Ocsf,
    /// CSV timeline: one row per moment (modified, logged, started, detected).
    Timeline,
    /// MITRE ATT&CK Navigator layer: techniques scored by findings.
    Navigator,
    /// One self-contained HTML report (no network fetches).
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::IncidentTable => Format::IncidentTable,
            FormatArg::Incidents => Format::Incidents,
            FormatArg::Ecs => Format::Ecs,
            FormatArg::Ocsf => Format::Ocsf,
            FormatArg::Timeline => Format::Timeline,
            FormatArg::Navigator => Format::Navigator,
            FormatArg::Html => Format::Html,
        }
    }
}

/// `--min-severity` / `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum SeverityArg {
    /// Everything.
    Info,
    /// Weak tells too.
    Low,
    /// Likely malicious (default).
    Medium,
    /// Strong evidence.
    High,
    /// Overwhelming evidence.
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// Where and how findings are written.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format. The incident formats, ECS, OCSF, the timeline, the
    /// Navigator layer and HTML join findings into incidents first.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// Write findings to FILE instead of standard output. Refused when FILE
    /// lies inside a scanned tree: Ferret never writes where it looks.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report findings at or above this severity.
    #[arg(long, value_enum, default_value = "medium", value_name = "SEVERITY")]
    pub min_severity: SeverityArg,
    /// Exit with status 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value = "medium", value_name = "SEVERITY")]
    pub fail_on: SeverityArg,
    /// No progress bar and no summary on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Join findings into one incident only when their times lie within this
    /// span of each other (incident formats).
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_window)]
    pub window: u64,
    /// Also publish every reported finding to NATS JetStream
    /// (nats://HOST:PORT), one subject per host; acknowledgements are awaited
    /// and what cannot be sent waits in the spool for the next run.
    #[arg(long, value_name = "URL", env = "FERRET_SINK")]
    pub sink: Option<String>,
    /// The spool file for --sink (default: $FERRET_SPOOL, else
    /// $XDG_STATE_HOME/ferret/spool.jsonl, else ~/.local/state/ferret/spool.jsonl).
    #[arg(long, value_name = "FILE", requires = "sink")]
    pub spool: Option<PathBuf>,
}

/// Parses `--window` (`7d`, `36h`, `90m`) into seconds.
pub fn parse_window(s: &str) -> Result<u64, String> {
    humantime::parse_duration(s)
        .map(|d| d.as_secs())
        .map_err(|e| format!("{e} (examples: 7d, 36h, 90m)"))
}

impl OutputArgs {
    /// Opens the writer sink. `scanned` are the trees the output must stay
    /// out of; `command`, the inputs and the run's per-item `errors` (escaped)
    /// describe the run in documents.
    pub fn open(
        &self,
        scanned: &[PathBuf],
        command: &str,
        errors: Vec<String>,
    ) -> anyhow::Result<Box<dyn FindingSink>> {
        let format = Format::from(self.format);
        let meta = Meta {
            generated: super::scan::now_rfc3339(),
            tool: format!("ferret {}", env!("CARGO_PKG_VERSION")),
            command: command.to_string(),
            inputs: scanned
                .iter()
                .map(|p| ferret_core::Escaped::from_path(p).to_string())
                .collect(),
            errors,
        };
        let mut opts = SinkOptions {
            color: false,
            correlate: ferret_incident::Options {
                window_secs: self.window,
            },
            meta,
        };
        match &self.output {
            Some(path) => {
                refuse_inside(path, scanned)?;
                let f = std::fs::File::create(path)
                    .with_context(|| format!("creating --output {}", path.display()))?;
                Ok(format.sink(Box::new(std::io::BufWriter::new(f)), &opts))
            }
            None => {
                opts.color =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(std::io::stdout()));
                Ok(format.sink(out, &opts))
            }
        }
    }

    /// Opens the `--sink` publisher, if one was asked for.
    pub fn publisher(&self) -> anyhow::Result<Option<Publisher>> {
        let Some(url) = &self.sink else {
            return Ok(None);
        };
        let mut cfg = SinkConfig::new(url).with_context(|| format!("--sink {url}"))?;
        if let Some(spool) = &self.spool {
            cfg.spool = spool.clone();
        }
        let p = Publisher::open(cfg).with_context(|| format!("opening --sink {url}"))?;
        Ok(Some(p))
    }
}

/// The open sink plus the severity gates: writes findings at or above
/// `--min-severity` and remembers whether one reached `--fail-on`; publishes
/// them too with `--sink`.
pub struct Report {
    sink: Box<dyn FindingSink>,
    publisher: Option<Publisher>,
    sink_url: String,
    quiet: bool,
    /// `--min-severity`.
    pub min: Severity,
    fail_on: Severity,
    /// Findings written.
    pub reported: u64,
    failing: bool,
    lost: bool,
}

impl Report {
    /// Opens the sink for `args`, refusing an output file inside `scanned`.
    pub fn open(args: &OutputArgs, scanned: &[PathBuf], command: &str) -> anyhow::Result<Report> {
        Report::open_noting(args, scanned, command, Vec::new())
    }

    /// As [`Report::open`], with the run's per-item errors for documents.
    pub fn open_noting(
        args: &OutputArgs,
        scanned: &[PathBuf],
        command: &str,
        errors: Vec<String>,
    ) -> anyhow::Result<Report> {
        Ok(Report {
            sink: args.open(scanned, command, errors)?,
            publisher: args.publisher()?,
            sink_url: args.sink.clone().unwrap_or_default(),
            quiet: args.quiet,
            min: args.min_severity.into(),
            fail_on: args.fail_on.into(),
            reported: 0,
            failing: false,
            lost: false,
        })
    }

    /// Writes `f` when it is at or above `--min-severity`.
    pub fn offer(&mut self, f: &Finding) -> anyhow::Result<()> {
        if f.severity >= self.min {
            self.reported += 1;
            self.failing |= f.severity >= self.fail_on;
            self.sink.finding(f)?;
            if let Some(p) = self.publisher.as_mut() {
                p.publish(f)
                    .with_context(|| format!("publishing to --sink {}", self.sink_url))?;
            }
        }
        Ok(())
    }

    /// Flushes the sink and awaits the publisher's acknowledgements.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        self.sink.finish()?;
        if let Some(p) = self.publisher.take() {
            let s = p
                .finish()
                .with_context(|| format!("finishing --sink {}", self.sink_url))?;
            self.lost |= report_published(&self.sink_url, &s, self.quiet);
        }
        Ok(())
    }

    /// The run's outcome: errors (or findings the sink lost) first, then
    /// findings at or above `--fail-on`.
    pub fn outcome(&self, errors: bool) -> super::Outcome {
        if errors || self.lost {
            super::Outcome::Errors
        } else if self.failing {
            super::Outcome::Findings
        } else {
            super::Outcome::Clean
        }
    }
}

/// Says what a publisher did; spooled or lost findings are always said, even
/// with -q. Returns whether findings were lost (neither acknowledged nor spooled).
pub fn report_published(url: &str, s: &PublishSummary, quiet: bool) -> bool {
    let url = ferret_core::escape_str(url);
    let why = s
        .note
        .as_deref()
        .map(|n| format!(" ({})", ferret_core::escape_str(n)))
        .unwrap_or_default();
    if s.lost > 0 {
        eprintln!(
            "ferret: --sink {url}: {} findings could not be sent nor spooled{why}",
            s.lost
        );
    }
    if s.spooled > 0 {
        eprintln!(
            "ferret: --sink {url}: {} findings acknowledged, {} from the spool; {} could not be sent and wait in the spool for the next run{why}",
            s.acked, s.flushed, s.spooled
        );
    } else if !quiet {
        eprintln!(
            "ferret: --sink {url}: {} findings acknowledged, {} from the spool",
            s.acked, s.flushed
        );
    }
    s.lost > 0
}

/// Refuses an output file inside any scanned tree.
pub fn refuse_inside(out: &Path, scanned: &[PathBuf]) -> anyhow::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(dir) = std::fs::canonicalize(parent) else {
        return Ok(());
    };
    for root in scanned {
        if let Ok(r) = std::fs::canonicalize(root) {
            if dir.starts_with(&r) {
                anyhow::bail!(
                    "--output {} lies inside the scanned tree {}; Ferret never writes inside what it examines",
                    out.display(),
                    root.display()
                );
            }
        }
    }
    Ok(())
}
