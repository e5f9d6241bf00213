//! Documents: formats written once over the whole correlated set, after the
//! run has settled every finding (incidents need all of them).

use crate::{FindingSink, ReportError};
use ferret_core::Finding;
use ferret_incident::{correlate, Correlation, Options};
use std::io::Write;

/// What a document says about the run that produced it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// When the document was generated (RFC 3339, UTC).
    pub generated: String,
    /// The producing tool and version, e.g. `ferret 0.1.0`.
    pub tool: String,
    /// The command that produced the findings (`scan`, `report`...).
    pub command: String,
    /// The inputs read (paths or roots), escaped.
    pub inputs: Vec<String>,
    /// Per-item errors of the run (escaped), shown so a reader knows what was not seen.
    pub errors: Vec<String>,
}

/// A format written once, over incidents and their findings.
pub trait Document {
    /// Writes the whole document.
    fn write(&self, c: &Correlation, meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError>;
}

/// Keeps findings, correlates them at `finish` and writes one [`Document`].
pub struct CorrelatedSink<'w> {
    out: Box<dyn Write + 'w>,
    doc: Box<dyn Document>,
    opts: Options,
    meta: Meta,
    findings: Vec<Finding>,
}

impl<'w> CorrelatedSink<'w> {
    /// A sink writing `doc` to `out` at the end.
    pub fn new(
        out: Box<dyn Write + 'w>,
        doc: Box<dyn Document>,
        opts: Options,
        meta: Meta,
    ) -> Self {
        CorrelatedSink {
            out,
            doc,
            opts,
            meta,
            findings: Vec::new(),
        }
    }
}

impl FindingSink for CorrelatedSink<'_> {
    fn finding(&mut self, f: &Finding) -> Result<(), ReportError> {
        self.findings.push(f.clone());
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let c = correlate(std::mem::take(&mut self.findings), &self.opts);
        self.doc.write(&c, &self.meta, &mut self.out)?;
        self.out.flush()?;
        Ok(())
    }
}
