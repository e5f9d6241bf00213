//! Test doubles: a shared buffer writer and a sample finding.

use ferret_core::*;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A `Write` whose bytes the test can read back.
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A high web-shell finding about `path`, with one evidence whose excerpt holds a terminal escape.
pub fn finding(path: &str) -> Finding {
    Finding {
        id: stable_id(&["t", path]),
        time: "2026-11-23T10:00:00Z".into(),
        host: "web01".into(),
        technique: Technique::WebShell,
        technique_name: "Web Shell".into(),
        title: "PHP web shell: request data reaches eval() directly".into(),
        severity: Severity::High,
        confidence: Confidence::new(0.9),
        score: 80,
        rule: "ferret.webshell".into(),
        subject: Subject::File(FileSubject {
            path: Escaped::from_path(Path::new(path)),
            original_path: None,
            sha256: "0".repeat(64),
            size: 42,
            language: Some("php".into()),
            identified_by: Some("extension".into()),
            mtime: None,
        }),
        evidence: vec![Evidence {
            source: EvidenceSource::Heuristic,
            rule: "heur.php.request_to_sink".into(),
            detail: "request data reaches eval() directly".into(),
            score: 60,
            offset: Some(6),
            line: Some(1),
            excerpt: Some(Escaped::from_bytes(b"eval($_POST['x'])\x1b[2J")),
        }],
        mitigations: vec![Mitigation::M1047],
        incident: stable_id(&["file", path]),
    }
}
