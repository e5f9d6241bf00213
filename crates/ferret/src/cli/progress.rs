//! A progress line on standard error for long runs: only on a terminal, and
//! never when `--quiet`. Workers bump atomic counters; the printer thread
//! refreshes the line, so the hot path never touches the terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters the workers update.
#[derive(Debug, Default)]
pub struct Counters {
    /// Regular files read.
    pub files: AtomicU64,
    /// Bytes read.
    pub bytes: AtomicU64,
    /// Files identified as server-side scripts.
    pub scripts: AtomicU64,
    /// Items skipped on purpose.
    pub skipped: AtomicU64,
    /// Items that failed.
    pub errors: AtomicU64,
    /// Files the allowlist silenced.
    pub allowlisted: AtomicU64,
}

impl Counters {
    /// Adds one to `c`.
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads `c`.
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// The progress line, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Shows a spinner when standard error is a terminal and not quiet.
    pub fn new(quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        pb.set_style(
            ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .expect("static template"),
        );
        pb.enable_steady_tick(Duration::from_millis(100));
        Progress(Some(pb))
    }

    /// Refreshes the line from the counters.
    pub fn update(&self, c: &Counters, findings: u64) {
        if let Some(pb) = &self.0 {
            pb.set_message(format!(
                "{} files ({:.1} MB), {} scripts, {} findings, {} errors",
                Counters::get(&c.files),
                Counters::get(&c.bytes) as f64 / 1e6,
                Counters::get(&c.scripts),
                findings,
                Counters::get(&c.errors)
            ));
        }
    }

    /// Sets the line's text (for commands with their own counters).
    pub fn message(&self, text: String) {
        if let Some(pb) = &self.0 {
            pb.set_message(text);
        }
    }

    /// Prints a line above the progress line (or plainly).
    pub fn println(&self, line: &str) {
        match &self.0 {
            Some(pb) => pb.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the line.
    pub fn finish(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}
