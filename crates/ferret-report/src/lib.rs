//! Ferret's printers. A finding is data: printers format it and never judge.
//!
//! Every printer implements [`FindingSink`]; the binary picks one by
//! [`Format`] (its name is the `--format` value). A new format is a new file
//! here, one variant on `Format`, and one golden test; nothing else changes.
//! All text that came from the scanned system reaches a printer already
//! escaped (`ferret_core::Escaped`), so no format can be forged by a file name.

mod document;
mod ecs;
mod html;
mod incidents;
pub mod inventory;
mod jsonl;
mod navigator;
mod ocsf;
mod table;
mod timeline;

pub use document::{CorrelatedSink, Document, Meta};
pub use ecs::Ecs;
pub use html::Html;
pub use incidents::{IncidentTable, IncidentsJsonl};
pub use jsonl::JsonlSink;
pub use navigator::Navigator;
pub use ocsf::Ocsf;
pub use table::TableSink;
pub use timeline::Timeline;

use ferret_core::Finding;
use ferret_incident::Options;
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
    /// Incidents for people: each incident with its findings beneath.
    IncidentTable,
    /// One JSON incident per line, with its findings' ids and links.
    Incidents,
    /// Elastic Common Schema documents, one JSON object per line.
    Ecs,
    /// OCSF Detection Finding (class 2004) events, one JSON object per line.
    Ocsf,
    /// A CSV timeline: one row per moment of each finding.
    Timeline,
    /// A MITRE ATT&CK Navigator layer (JSON): techniques scored by findings.
    Navigator,
    /// A self-contained HTML report (one file, no network fetches).
    Html,
}

/// How a sink is set up.
#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    /// Colour (the tables only).
    pub color: bool,
    /// What correlation may join (formats that group findings into incidents).
    pub correlate: Options,
    /// The run's description, for the documents that carry one.
    pub meta: Meta,
}

impl Format {
    /// Every format with its `--format` name.
    pub const ALL: [(Format, &'static str); 9] = [
        (Format::Table, "table"),
        (Format::Jsonl, "jsonl"),
        (Format::IncidentTable, "incident-table"),
        (Format::Incidents, "incidents"),
        (Format::Ecs, "ecs"),
        (Format::Ocsf, "ocsf"),
        (Format::Timeline, "timeline"),
        (Format::Navigator, "navigator"),
        (Format::Html, "html"),
    ];

    /// The `--format` name.
    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("table")
    }

    /// A sink of this format over `out`. Streaming formats write each finding
    /// as it arrives; the others keep the findings, correlate them into
    /// incidents at the end and write one document.
    pub fn sink<'w>(
        self,
        out: Box<dyn Write + 'w>,
        opts: &SinkOptions,
    ) -> Box<dyn FindingSink + 'w> {
        let doc: Box<dyn Document> = match self {
            Format::Table => return Box::new(TableSink::new(out, opts.color)),
            Format::Jsonl => return Box::new(JsonlSink::new(out)),
            Format::IncidentTable => Box::new(IncidentTable { color: opts.color }),
            Format::Incidents => Box::new(IncidentsJsonl),
            Format::Ecs => Box::new(Ecs),
            Format::Ocsf => Box::new(Ocsf),
            Format::Timeline => Box::new(Timeline),
            Format::Navigator => Box::new(Navigator),
            Format::Html => Box::new(Html),
        };
        Box::new(CorrelatedSink::new(
            out,
            doc,
            opts.correlate,
            opts.meta.clone(),
        ))
    }
}

#[cfg(test)]
pub(crate) mod testutil;
