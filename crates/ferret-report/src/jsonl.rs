//! `--format jsonl`: one finding per line, as it arrives.

use crate::{FindingSink, ReportError};
use ferret_core::Finding;
use std::io::Write;

/// Writes each finding as one JSON object and a newline. JSON escapes every
/// control character, so an excerpt or path cannot break the line.
pub struct JsonlSink<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> JsonlSink<'w> {
    /// A sink over `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        JsonlSink { out }
    }
}

impl FindingSink for JsonlSink<'_> {
    fn finding(&mut self, f: &Finding) -> Result<(), ReportError> {
        serde_json::to_writer(&mut self.out, f)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{finding, SharedBuf};

    #[test]
    fn one_line_per_finding() {
        let buf = SharedBuf::default();
        let mut s = JsonlSink::new(Box::new(buf.clone()));
        s.finding(&finding("/w/a\nb.php")).unwrap();
        s.finding(&finding("/w/c.php")).unwrap();
        s.finish().unwrap();
        let text = buf.text();
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["technique"], "T1505.003");
        }
        assert!(text.contains("a\\\\nb.php"), "{text}");
    }
}
