//! Output flags shared by every subcommand that reports findings.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use ferret_core::{Finding, Severity};
use ferret_report::{FindingSink, Format};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A table for people, grouped by severity (colour on a terminal only).
    Table,
    /// One JSON finding per line (see docs/finding.md).
    Jsonl,
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
    /// Output format.
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
}

impl OutputArgs {
    /// Opens the sink. `scanned` are the trees the output must stay out of.
    pub fn open(&self, scanned: &[PathBuf]) -> anyhow::Result<Box<dyn FindingSink>> {
        let format = match self.format {
            FormatArg::Table => Format::Table,
            FormatArg::Jsonl => Format::Jsonl,
        };
        match &self.output {
            Some(path) => {
                refuse_inside(path, scanned)?;
                let f = std::fs::File::create(path)
                    .with_context(|| format!("creating --output {}", path.display()))?;
                Ok(format.sink(Box::new(std::io::BufWriter::new(f)), false))
            }
            None => {
                let color =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(std::io::stdout()));
                Ok(format.sink(out, color))
            }
        }
    }
}

/// The open sink plus the severity gates: writes findings at or above
/// `--min-severity` and remembers whether one reached `--fail-on`.
pub struct Report {
    sink: Box<dyn FindingSink>,
    /// `--min-severity`.
    pub min: Severity,
    fail_on: Severity,
    /// Findings written.
    pub reported: u64,
    failing: bool,
}

impl Report {
    /// Opens the sink for `args`, refusing an output file inside `scanned`.
    pub fn open(args: &OutputArgs, scanned: &[PathBuf]) -> anyhow::Result<Report> {
        Ok(Report {
            sink: args.open(scanned)?,
            min: args.min_severity.into(),
            fail_on: args.fail_on.into(),
            reported: 0,
            failing: false,
        })
    }

    /// Writes `f` when it is at or above `--min-severity`.
    pub fn offer(&mut self, f: &Finding) -> anyhow::Result<()> {
        if f.severity >= self.min {
            self.reported += 1;
            self.failing |= f.severity >= self.fail_on;
            self.sink.finding(f)?;
        }
        Ok(())
    }

    /// Flushes the sink.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        Ok(self.sink.finish()?)
    }

    /// The run's outcome: errors first, then findings at or above `--fail-on`.
    pub fn outcome(&self, errors: bool) -> super::Outcome {
        if errors {
            super::Outcome::Errors
        } else if self.failing {
            super::Outcome::Findings
        } else {
            super::Outcome::Clean
        }
    }
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
