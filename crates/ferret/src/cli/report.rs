//! `ferret report`: findings produced earlier (other hosts, other days) read
//! back from JSON lines, joined into incidents and written in any format.

use super::output::{OutputArgs, Report};
use super::Outcome;
use anyhow::Context as _;
use clap::Args;
use ferret_core::{escape_path, Finding};
use ferret_incident::read::{read_findings, ReadError};
use std::io::BufReader;
use std::path::PathBuf;

/// Errors listed in a document; the rest are counted.
const MAX_LISTED_ERRORS: usize = 50;

#[derive(Debug, Args)]
#[command(mut_arg("format", |a| a.default_value("incident-table")))]
#[command(mut_arg("min_severity", |a| a.default_value("info")))]
#[command(mut_arg("fail_on", |a| a.default_value("medium")))]
pub struct ReportArgs {
    /// Findings as JSON lines (`--format jsonl` of any command); `-` reads
    /// standard input.
    #[arg(value_name = "INPUT.jsonl", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Only findings of these hosts (repeatable).
    #[arg(long, value_name = "NAME")]
    pub host: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn exec(args: ReportArgs) -> anyhow::Result<Outcome> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut errors: Vec<ReadError> = Vec::new();
    let mut unreadable = 0usize;
    for input in &args.inputs {
        let name = if input.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            escape_path(input)
        };
        if input.as_os_str() == "-" {
            let stdin = std::io::stdin();
            read_findings(&mut stdin.lock(), &name, &mut findings, &mut errors);
            continue;
        }
        match std::fs::File::open(input) {
            Ok(f) => read_findings(&mut BufReader::new(f), &name, &mut findings, &mut errors),
            Err(e) => {
                unreadable += 1;
                eprintln!("ferret: {name}: {e}");
            }
        }
    }
    if !args.host.is_empty() {
        findings.retain(|f| args.host.contains(&f.host));
    }
    for e in &errors {
        eprintln!("ferret: {e}");
    }
    let mut listed: Vec<String> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        .map(|e| e.to_string())
        .collect();
    if errors.len() > MAX_LISTED_ERRORS {
        listed.push(format!(
            "... and {} more lines that were not findings",
            errors.len() - MAX_LISTED_ERRORS
        ));
    }
    let read = findings.len();
    let mut report = Report::open_noting(&args.output, &args.inputs, "report", listed)
        .context("opening the output")?;
    for f in &findings {
        report.offer(f)?;
    }
    report.finish()?;
    if !args.output.quiet {
        eprintln!(
            "ferret: {read} findings read from {} input(s); {} at or above {} reported; {} bad lines, {unreadable} unreadable inputs",
            args.inputs.len(),
            report.reported,
            report.min,
            errors.len()
        );
    }
    Ok(report.outcome(!errors.is_empty() || unreadable > 0))
}
