//! Ferret's printers. A finding is data: printers format it and never judge.
//!
//! Every printer implements [`FindingSink`]; the binary picks one by
//! [`Format`] (its name is the `--format` value). A new format is a new file
//! here, one variant on `Format`, and one golden test; nothing else changes.
//! All text that came from the scanned system reaches a printer already
//! escaped (`ferret_core::Escaped`), so no format can be forged by a file name.

pub mod inventory;
mod jsonl;
mod table;

pub use jsonl::JsonlSink;
pub use table::TableSink;

use ferret_core::Finding;
use std::io::Write;

/// A failure to write output.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The writer failed.
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    /// A finding could not be serialized.
    #[error("serializing a finding: {0}")]
    Json(#[from] serde_json::Error),
}

/// Receives findings in the order the run settles them.
pub trait FindingSink {
    /// Called once per finding.
    fn finding(&mut self, f: &Finding) -> Result<(), ReportError>;
    /// Called once at the end; flushes.
    fn finish(&mut self) -> Result<(), ReportError>;
}

/// Output formats, named as on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people, grouped by severity.
    Table,
    /// One JSON finding per line (the contract of `docs/finding.md`).
    Jsonl,
}

impl Format {
    /// Every format with its `--format` name.
    pub const ALL: [(Format, &'static str); 2] =
        [(Format::Table, "table"), (Format::Jsonl, "jsonl")];

    /// A sink of this format over `out`; `color` only matters to the table.
    pub fn sink<'w>(self, out: Box<dyn Write + 'w>, color: bool) -> Box<dyn FindingSink + 'w> {
        match self {
            Format::Table => Box::new(TableSink::new(out, color)),
            Format::Jsonl => Box::new(JsonlSink::new(out)),
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil;
