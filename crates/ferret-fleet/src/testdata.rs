//! Synthetic findings for tests, fuzzing and benchmarks of the pipeline.

use ferret_core::{
    Confidence, Escaped, Evidence, EvidenceSource, FileSubject, Finding, Mitigation, Severity,
    Subject, Technique,
};

/// A web-shell finding on `host` with id `id`, made at `time` (RFC 3339),
/// about a file whose content hash is `sha256` (a hash derived from the id
/// when `None`).
pub fn finding(host: &str, id: &str, time: &str, sha256: Option<&str>) -> Finding {
    let sha = sha256.map(str::to_owned).unwrap_or_else(|| {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(id.as_bytes()))
    });
    Finding {
        id: id.to_owned(),
        time: time.to_owned(),
        host: host.to_owned(),
        technique: Technique::WebShell,
        technique_name: "Web Shell".into(),
        title: "PHP web shell: request data reaches eval() directly".into(),
        severity: Severity::Critical,
        confidence: Confidence::new(0.93),
        score: 135,
        rule: "ferret.webshell".into(),
        subject: Subject::File(FileSubject {
            path: Escaped::from_text(&format!("/var/www/html/up/{id}.php")),
            original_path: None,
            sha256: sha,
            size: 31,
            language: Some("php".into()),
            identified_by: Some("extension".into()),
            mtime: Some(time.to_owned()),
        }),
        evidence: vec![Evidence {
            source: EvidenceSource::Heuristic,
            rule: "heur.php.request_to_sink".into(),
            detail: "request data reaches eval() directly".into(),
            score: 60,
            offset: Some(6),
            line: Some(1),
            excerpt: Some(Escaped::from_text("@eval($_POST['x']);")),
        }],
        mitigations: vec![Mitigation::M1047],
        incident: id.to_owned(),
    }
}
