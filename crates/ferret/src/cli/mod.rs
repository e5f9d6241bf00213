//! The command line: one module per subcommand, each with its clap args and
//! an `exec` function. Flags shared by several subcommands live here.

mod output;
mod progress;
mod rules;
mod scan;

use clap::{Parser, Subcommand};

/// Ferret finds server software component persistence (MITRE ATT&CK T1505):
/// web shells, rogue server modules and their kin, with the evidence for each.
///
/// Exit status: 0 when nothing at or above --fail-on was found, 1 when
/// something was, 2 when an error happened (results found so far are still
/// written).
#[derive(Debug, Parser)]
#[command(
    name = "ferret",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files for web shells (T1505.003) and report each with its evidence.
    ///
    /// Examples:
    ///   ferret scan /var/www
    ///   ferret scan --root /mnt/image            # a mounted disk image
    ///   ferret scan --root ./kape-collection     # C/ or C%3A/ drive folders
    ///   ferret scan /srv --format jsonl --output findings.jsonl
    ///   ferret scan /srv --yara ./signature-base/yara --exclude '*.min.js'
    Scan(scan::ScanArgs),
    /// List, test and check the rules.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above --fail-on.
    Clean,
    /// Findings at or above --fail-on.
    Findings,
    /// Some items could not be examined.
    Errors,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Errors => 2,
        }
    }
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(a) => scan::exec(a),
        Command::Rules(c) => rules::exec(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
