//! `ferret`: find server software component persistence (MITRE ATT&CK T1505).
//!
//! This file only parses the command line, dispatches to one subcommand
//! module under `cli/`, and turns the outcome into an exit code:
//! 0 = nothing at or above `--fail-on`, 1 = findings, 2 = errors (partial
//! results are still written). Nothing below `main` exits the process.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) => {
            // A closed pipe (`ferret scan | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("ferret: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
