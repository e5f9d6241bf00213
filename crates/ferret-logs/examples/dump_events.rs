//! Dumps every event of the logs under the given paths as JSON lines, in the
//! sample form `ferret_core::Event::from_json` reads (rule samples, benchmarks).
//!
//! `cargo run -p ferret-logs --example dump_events -- PATH... > events.jsonl`
//!
//! Files are found with [`discover`] and read with [`read_file`] (any format,
//! plain or in archives). Read errors go to stderr, escaped, one per line; a
//! summary line ends stderr.

use ferret_logs::discover::discover;
use ferret_logs::dispatch::read_file;
use ferret_logs::{Item, ReadOptions, ReadStats};
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: dump_events PATH... > events.jsonl");
        return ExitCode::from(2);
    }
    let found = discover(&paths);
    for e in &found.errors {
        eprintln!("{}", e.to_string().escape_debug());
    }
    let opts = ReadOptions::default();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut total = ReadStats::default();
    let mut write_failed = false;
    for file in &found.files {
        let mut sink = |item: Item| match item {
            Item::Event(event) => match writeln!(out, "{}", event.to_json()) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => {
                    write_failed = true;
                    ControlFlow::Break(())
                }
            },
            Item::Error(e) => {
                eprintln!("{}", e.to_string().escape_debug());
                ControlFlow::Continue(())
            }
        };
        total.add(read_file(file, &opts, &mut sink));
        if write_failed {
            break;
        }
    }
    if out.flush().is_err() || write_failed {
        eprintln!("dump_events: cannot write to stdout");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "dump_events: {} files, {} events, {} errors, {} bytes ({} skipped by name, {} special)",
        found.files.len(),
        total.events,
        total.errors + found.errors.len() as u64,
        total.bytes,
        found.skipped,
        found.special
    );
    ExitCode::SUCCESS
}
