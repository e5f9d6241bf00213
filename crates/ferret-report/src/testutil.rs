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

/// A hostile file name: markup, an event handler, a terminal escape and a newline.
pub const HOSTILE: &str =
    "/var/www/html/up/\"><script>document.title='PWNED'</script><img src=x onerror=alert(1)>\x1b[2J\n=cmd|' /C calc'!A0.php";

/// A correlated set built by hand (no correlation engine involved): a web-shell
/// incident on web01 holding a file, a web-log event and a process, and a
/// component incident on web02; one finding has [`HOSTILE`] as its path.
pub fn sample_correlation() -> ferret_incident::Correlation {
    use ferret_incident::{Correlation, Incident, Link};
    let mut shell = finding("/var/www/html/up/x.php");
    shell.subject = match shell.subject {
        Subject::File(mut f) => {
            f.mtime = Some("2026-11-20T03:14:15Z".into());
            Subject::File(f)
        }
        s => s,
    };
    let mut hostile = finding(HOSTILE);
    hostile.severity = Severity::Medium;
    hostile.score = 55;
    hostile.title = format!("PHP web shell at {}", Escaped::from_text(HOSTILE));
    let mut weblog = finding("/var/log/apache2/access.log");
    weblog.id = stable_id(&["weblog", "x"]);
    weblog.rule = "ferret.weblog".into();
    weblog.title = "Web-log pattern of a web shell at /up/x.php".into();
    weblog.severity = Severity::Medium;
    weblog.score = 50;
    weblog.subject = Subject::Event(EventSubject {
        path: Escaped::from_text("/var/log/apache2/access.log"),
        line: Some(17),
        record_id: None,
        event_time: Some("2026-11-21T08:00:00Z".into()),
        log: "web log, site default, uri /up/x.php".into(),
    });
    let mut process = finding("/usr/bin/dash");
    process.id = stable_id(&["live", "1234"]);
    process.rule = "ferret.live.lineage".into();
    process.title = "Shell below a web server worker".into();
    process.severity = Severity::Critical;
    process.score = 110;
    process.subject = Subject::Process(ProcessSubject {
        path: Escaped::from_text("/usr/bin/dash"),
        pid: 1234,
        name: Escaped::from_text("sh"),
        cmdline: Escaped::from_text("sh -c id"),
        uid: Some(33),
        user: Some(Escaped::from_text("www-data")),
        started: Some("2026-11-21T08:00:05Z".into()),
        cwd: Some(Escaped::from_text("/var/www/html/up")),
        ancestry: vec![],
    });
    process.evidence[0].source = EvidenceSource::Lineage;
    let mut module = finding("/tmp/.ICE-unix/mod_x.so");
    module.id = stable_id(&["component", "x"]);
    module.host = "web02".into();
    module.technique = Technique::ServerSoftwareComponent;
    module.technique_name = Technique::ServerSoftwareComponent.name().into();
    module.rule = "ferret.component".into();
    module.title = "Apache module loaded from a temporary directory".into();
    module.subject = Subject::Component(ComponentSubject {
        path: Escaped::from_text("/etc/apache2/apache2.conf"),
        server: "apache".into(),
        component: "module".into(),
        name: Escaped::from_text("x_module"),
        implementation: Some(Escaped::from_text("/tmp/.ICE-unix/mod_x.so")),
        declared_in: Escaped::from_text("/etc/apache2/apache2.conf:12"),
        verdict: "unexpected".into(),
        sha256: Some("ab".repeat(32)),
    });
    let web = Incident {
        id: stable_id(&["incident", "web01", "x.php"]),
        host: "web01".into(),
        title: process.title.clone(),
        severity: Severity::Critical,
        score: 110,
        first_seen: "2026-11-20T03:14:15Z".into(),
        last_seen: "2026-11-23T10:00:00Z".into(),
        techniques: vec![Technique::WebShell],
        subjects: vec![
            Escaped::from_text("/var/www/html/up/x.php"),
            Escaped::from_text("/usr/bin/dash"),
        ],
        sources: vec!["hunt".into(), "live".into(), "scan".into()],
        findings: vec![shell.id.clone(), weblog.id.clone(), process.id.clone()],
        links: vec![
            Link {
                finding: weblog.id.clone(),
                with: shell.id.clone(),
                key: "uri:/up/x.php".into(),
            },
            Link {
                finding: process.id.clone(),
                with: shell.id.clone(),
                key: "cwd:/var/www/html/up".into(),
            },
        ],
    };
    let lone = Incident {
        id: stable_id(&["incident", "web01", "hostile"]),
        host: "web01".into(),
        title: hostile.title.clone(),
        severity: Severity::Medium,
        score: 55,
        first_seen: hostile.time.clone(),
        last_seen: hostile.time.clone(),
        techniques: vec![Technique::WebShell],
        subjects: vec![hostile.subject.path().clone()],
        sources: vec!["scan".into()],
        findings: vec![hostile.id.clone()],
        links: vec![],
    };
    let comp = Incident {
        id: stable_id(&["incident", "web02", "mod_x"]),
        host: "web02".into(),
        title: module.title.clone(),
        severity: Severity::High,
        score: 80,
        first_seen: module.time.clone(),
        last_seen: module.time.clone(),
        techniques: vec![Technique::ServerSoftwareComponent],
        subjects: vec![Escaped::from_text("/tmp/.ICE-unix/mod_x.so")],
        sources: vec!["inventory".into()],
        findings: vec![module.id.clone()],
        links: vec![],
    };
    for f in [&mut shell, &mut weblog, &mut process] {
        f.incident = web.id.clone();
    }
    hostile.incident = lone.id.clone();
    module.incident = comp.id.clone();
    Correlation {
        incidents: vec![web, comp, lone],
        findings: vec![shell, weblog, process, hostile, module],
    }
}

/// A fixed run description for documents.
pub fn sample_meta() -> crate::Meta {
    crate::Meta {
        generated: "2026-11-23T12:00:00Z".into(),
        tool: "ferret 0.1.0".into(),
        command: "report".into(),
        inputs: vec!["scan.jsonl".into(), "hunt.jsonl".into()],
        errors: vec!["hunt.jsonl:3: not a finding".into()],
    }
}

/// A finding's moments computed as `ferret_incident::moments` documents them
/// (file mtime, event time, process start, detection), earliest first: lets
/// the timeline and OCSF tests run without the correlation crate's own code.
pub fn moments_like(f: &Finding) -> Vec<ferret_incident::Moment> {
    use ferret_incident::{Moment, MomentKind};
    let mut m = Vec::new();
    let mut push = |t: Option<&String>, what| {
        if let Some(t) = t {
            m.push(Moment {
                time: t.clone(),
                what,
            });
        }
    };
    match &f.subject {
        Subject::File(x) => push(x.mtime.as_ref(), MomentKind::Modified),
        Subject::Event(x) => push(x.event_time.as_ref(), MomentKind::Logged),
        Subject::Process(x) => push(x.started.as_ref(), MomentKind::Started),
        Subject::Component(_) | Subject::DbObject(_) => {}
    }
    push(Some(&f.time), MomentKind::Detected);
    m.sort_by(|a, b| a.time.cmp(&b.time));
    m
}

/// The analysis a sample finding came from, by its rule (a stand-in for
/// `ferret_incident::source_of` in tests).
pub fn source_like(f: &Finding) -> &'static str {
    match f.rule.as_str() {
        "ferret.weblog" => "hunt",
        "ferret.live.lineage" => "live",
        "ferret.component" => "inventory",
        _ => "scan",
    }
}
