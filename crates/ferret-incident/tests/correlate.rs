//! Correlation of findings from every source into incidents: the triage story
//! (a web shell, its access-log lines, the commands it ran), and the findings
//! that must stay apart.

use ferret_core::{
    ComponentSubject, Confidence, Escaped, EventSubject, Evidence, EvidenceSource, FileSubject,
    Finding, ProcessSubject, Severity, Subject, Technique,
};
use ferret_incident::read::read_findings;
use ferret_incident::{correlate, keys_of, Correlation, Incident, KeyKind, Options, Role};

const SCAN: &str = "2024-03-05T12:00:00Z";

/// A small builder: a finding with sensible defaults, changed by `with_*`.
struct B(Finding);

impl B {
    fn new(id: &str, rule: &str, subject: Subject) -> B {
        B(Finding {
            id: id.into(),
            time: SCAN.into(),
            host: "web01".into(),
            technique: Technique::WebShell,
            technique_name: Technique::WebShell.name().into(),
            title: format!("finding {id}"),
            severity: Severity::Medium,
            confidence: Confidence::new(0.6),
            score: 50,
            rule: rule.into(),
            subject,
            evidence: Vec::new(),
            mitigations: Vec::new(),
            incident: String::new(),
        })
    }

    fn file(id: &str, path: &str, original: Option<&str>, mtime: &str) -> B {
        B::new(
            id,
            "ferret.webshell",
            Subject::File(FileSubject {
                path: Escaped::from_text(path),
                original_path: original.map(Escaped::from_text),
                sha256: ferret_core::stable_id(&[id]).repeat(4),
                size: 100,
                language: None,
                identified_by: None,
                mtime: Some(mtime.into()),
            }),
        )
    }

    fn weblog(id: &str, uri: &str, first: &str) -> B {
        let mut b = B::new(
            id,
            "ferret.weblog",
            Subject::Event(EventSubject {
                path: Escaped::from_text("/logs/u_ex240302.log"),
                line: Some(7),
                record_id: None,
                event_time: Some(first.into()),
                log: format!("web log, site W3SVC1, uri {}", ferret_core::escape_str(uri)),
            }),
        );
        b.0.evidence.push(Evidence {
            source: EvidenceSource::Anomaly,
            rule: "weblog.requests".into(),
            detail: "12 requests".into(),
            score: 0,
            offset: None,
            line: None,
            excerpt: Some(Escaped::from_text(uri)),
        });
        b
    }

    fn sigma(id: &str, excerpt: &str, at: &str) -> B {
        let mut b = B::new(
            id,
            "sigma-rule-1",
            Subject::Event(EventSubject {
                path: Escaped::from_text("/logs/Security.evtx"),
                line: None,
                record_id: Some(42),
                event_time: Some(at.into()),
                log: "Microsoft-Windows-Sysmon/Operational".into(),
            }),
        );
        b.0.evidence.push(Evidence {
            source: EvidenceSource::Sigma,
            rule: "sigma-rule-1".into(),
            detail: "Sigma rule".into(),
            score: 50,
            offset: None,
            line: None,
            excerpt: Some(Escaped::from_text(excerpt)),
        });
        b
    }

    fn process(id: &str, exe: &str, cmdline: &str, cwd: Option<&str>, started: &str) -> B {
        B::new(
            id,
            "ferret.live.lineage",
            Subject::Process(ProcessSubject {
                path: Escaped::from_text(exe),
                pid: 4242,
                name: Escaped::from_text("x"),
                cmdline: Escaped::from_text(cmdline),
                uid: None,
                user: None,
                started: Some(started.into()),
                cwd: cwd.map(Escaped::from_text),
                ancestry: Vec::new(),
            }),
        )
    }

    fn component(id: &str, server: &str, name: &str, implementation: &str) -> B {
        B::new(
            id,
            "ferret.component",
            Subject::Component(ComponentSubject {
                path: Escaped::from_text(implementation),
                server: server.into(),
                component: "module".into(),
                name: Escaped::from_text(name),
                implementation: Some(Escaped::from_text(implementation)),
                declared_in: Escaped::from_text("/etc/redis/redis.conf:12"),
                verdict: "suspicious".into(),
                sha256: None,
            }),
        )
    }

    fn host(mut self, h: &str) -> B {
        self.0.host = h.into();
        self
    }

    fn time(mut self, t: &str) -> B {
        self.0.time = t.into();
        self
    }

    fn grade(mut self, s: Severity, score: u32) -> B {
        self.0.severity = s;
        self.0.score = score;
        self
    }

    fn done(self) -> Finding {
        self.0
    }
}

fn shell() -> Finding {
    B::file(
        "shell",
        "examples/triage/C/inetpub/wwwroot/aspnet_client/OutlookEN.aspx",
        Some(r"C:\inetpub\wwwroot\aspnet_client\OutlookEN.aspx"),
        "2024-03-01T10:00:00Z",
    )
    .grade(Severity::Critical, 120)
    .done()
}

fn access_log() -> Finding {
    B::weblog(
        "weblog",
        "/aspnet_client/OutlookEN.aspx",
        "2024-03-02T08:00:00Z",
    )
    .grade(Severity::High, 80)
    .done()
}

fn whoami() -> Finding {
    B::sigma(
        "whoami",
        r"Image=C:\Windows\System32\cmd.exe; CommandLine=cmd.exe /c whoami; CurrentDirectory=C:\inetpub\wwwroot\aspnet_client\; ParentImage=C:\Windows\System32\inetsrv\w3wp.exe",
        "2024-03-02T08:01:00Z",
    )
    .done()
}

fn cmd_process() -> Finding {
    B::process(
        "cmd",
        r"C:\Windows\System32\cmd.exe",
        "cmd.exe /c whoami",
        Some(r"C:\inetpub\wwwroot\aspnet_client"),
        "2024-03-02T08:01:00Z",
    )
    .done()
}

fn redis_module() -> Finding {
    B::component("redis", "redis", "evil", "/tmp/exp.so").done()
}

fn bin_sh_event() -> Finding {
    B::sigma(
        "binsh",
        "Image=/bin/sh; CommandLine=/bin/sh -c id; CurrentDirectory=/tmp",
        "2024-03-04T00:00:00Z",
    )
    .done()
}

fn story() -> Vec<Finding> {
    vec![
        shell(),
        access_log(),
        whoami(),
        cmd_process(),
        redis_module(),
        bin_sh_event(),
    ]
}

fn run(findings: Vec<Finding>) -> Correlation {
    correlate(findings, &Options::default())
}

fn holding<'c>(c: &'c Correlation, id: &str) -> &'c Incident {
    c.incidents
        .iter()
        .find(|i| i.findings.iter().any(|f| f == id))
        .unwrap_or_else(|| panic!("no incident holds {id}"))
}

#[test]
fn triage_story_is_one_incident_and_unrelated_findings_stay_apart() {
    let c = run(story());
    assert_eq!(c.incidents.len(), 3, "{:#?}", c.incidents);
    let i = holding(&c, "shell");
    let mut ids = i.findings.clone();
    ids.sort();
    assert_eq!(ids, ["cmd", "shell", "weblog", "whoami"]);
    // Time order: the plant, then the log, then the commands.
    assert_eq!(i.findings[0], "shell");
    assert_eq!(i.findings[1], "weblog");
    assert_eq!(i.severity, Severity::Critical);
    assert_eq!(i.score, 120);
    assert_eq!(i.title, "finding shell");
    assert_eq!(i.first_seen, "2024-03-01T10:00:00.000000Z");
    assert_eq!(i.last_seen, "2024-03-05T12:00:00.000000Z");
    assert_eq!(i.sources, ["hunt", "live", "scan"]);
    assert_eq!(
        i.subjects[0].as_str(),
        r"C:\\inetpub\\wwwroot\\aspnet_client\\OutlookEN.aspx"
    );
    assert_eq!(i.links.len(), 3);
    let link = |id: &str| i.links.iter().find(|l| l.finding == id).expect("link");
    assert_eq!(link("weblog").key, "uri:/aspnet_client/outlooken.aspx");
    assert_eq!(link("weblog").with, "shell");
    assert_eq!(link("whoami").key, "cwd:c:/inetpub/wwwroot/aspnet_client");
    assert_eq!(link("cmd").key, "cwd:c:/inetpub/wwwroot/aspnet_client");
    // The strongest incident comes first; every finding names its incident.
    assert_eq!(c.incidents[0].id, i.id);
    assert_eq!(c.findings.len(), 6);
    for f in &c.findings {
        let inc = c.incident_of(f).expect("incident");
        assert!(inc.findings.contains(&f.id));
    }
    assert_ne!(holding(&c, "redis").id, holding(&c, "binsh").id);
    assert_eq!(holding(&c, "redis").findings, ["redis"]);
}

#[test]
fn identity_and_reference_keys_have_their_roles() {
    let keys = keys_of(&shell());
    assert!(keys.iter().all(|k| k.role == Role::Identity));
    let paths: Vec<&str> = keys
        .iter()
        .filter(|k| k.kind == KeyKind::Path)
        .map(|k| k.value.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "c:/inetpub/wwwroot/aspnet_client/outlooken.aspx",
            "examples/triage/C/inetpub/wwwroot/aspnet_client/OutlookEN.aspx"
        ]
    );
    let keys = keys_of(&whoami());
    assert!(keys.iter().all(|k| k.role == Role::Reference));
    assert!(keys
        .iter()
        .any(|k| k.kind == KeyKind::Path && k.value == "c:/windows/system32/cmd.exe"));
    // An event never offers its own log file.
    assert!(!keys.iter().any(|k| k.value.contains("security.evtx")));
    assert!(keys_of(&access_log())
        .iter()
        .all(|k| k.kind == KeyKind::Uri && k.role == Role::Reference));
}

#[test]
fn two_processes_naming_bin_sh_stay_apart() {
    let a = B::process(
        "p1",
        "/bin/sh",
        "/bin/sh -c id",
        Some("/tmp"),
        "2024-03-02T00:00:00Z",
    )
    .done();
    let b = B::process(
        "p2",
        "/bin/sh",
        "/bin/sh -c uname",
        Some("/tmp"),
        "2024-03-02T00:00:01Z",
    )
    .done();
    let c = run(vec![a, b, bin_sh_event()]);
    assert_eq!(c.incidents.len(), 3);
    // A file finding for /bin/sh would join all three.
    let mut with_file = vec![B::file("sh", "/bin/sh", None, "2024-03-01T00:00:00Z").done()];
    with_file.extend(c.findings.clone());
    assert_eq!(run(with_file).incidents.len(), 1);
}

#[test]
fn the_same_path_on_two_hosts_stays_apart() {
    let a = shell();
    let b = B(shell()).host("web02").done();
    let log_b = B(access_log()).host("web02").done();
    let c = run(vec![a, b, log_b]);
    assert_eq!(c.incidents.len(), 2);
    let two = c
        .incidents
        .iter()
        .find(|i| i.host == "web02")
        .expect("web02");
    assert_eq!(two.findings.len(), 2);
    assert_ne!(c.incidents[0].id, c.incidents[1].id);
}

#[test]
fn a_log_line_outside_the_window_stays_apart() {
    let late = B::weblog(
        "late",
        "/aspnet_client/OutlookEN.aspx",
        "2024-06-01T00:00:00Z",
    )
    .time("2024-06-02T00:00:00Z")
    .done();
    let c = run(vec![shell(), late.clone()]);
    assert_eq!(c.incidents.len(), 2);
    // A window of 100 days joins them.
    let wide = correlate(
        vec![shell(), late],
        &Options {
            window_secs: 100 * 86_400,
        },
    );
    assert_eq!(wide.incidents.len(), 1);
}

#[test]
fn ids_are_stable_under_shuffling_and_when_a_log_joins() {
    let alone = run(vec![shell()]);
    let with_log = run(vec![shell(), access_log()]);
    assert_eq!(alone.incidents[0].id, holding(&with_log, "shell").id);
    let reference = run(story());
    let mut input = story();
    for turn in 0..input.len() {
        input.rotate_left(1);
        if turn % 2 == 1 {
            input.reverse();
        }
        assert_eq!(run(input.clone()), reference, "turn {turn}");
    }
}

#[test]
fn a_uri_two_files_tie_for_joins_neither() {
    let a = B::file("a", "/var/www/a/x.php", None, "2024-03-01T00:00:00Z").done();
    let b = B::file("b", "/var/www/b/x.php", None, "2024-03-01T00:00:00Z").done();
    let c = run(vec![
        a.clone(),
        b.clone(),
        B::weblog("w", "/x.php", "2024-03-02T00:00:00Z").done(),
    ]);
    assert_eq!(c.incidents.len(), 3);
    assert_eq!(holding(&c, "w").findings, ["w"]);
    // The longer match wins.
    let c = run(vec![
        a.clone(),
        b,
        B::weblog("w", "/a/x.php?c=1", "2024-03-02T00:00:00Z").done(),
    ]);
    assert_eq!(holding(&c, "w").findings, ["a", "w"]);
    // A working directory holding two flagged files joins neither; holding
    // one file under two names (a scan and its baseline) joins both.
    let a2 = B::file("a2", "/var/www/a/y.php", None, "2024-03-01T00:00:00Z").done();
    let sh = || {
        B::process(
            "p",
            "/bin/sh",
            "sh",
            Some("/var/www/a"),
            "2024-03-02T00:00:00Z",
        )
        .done()
    };
    let c = run(vec![a.clone(), a2, sh()]);
    assert_eq!(holding(&c, "p").findings, ["p"]);
    let mut again = a.clone();
    again.id = "a-baseline".into();
    again.rule = "ferret.baseline.added".into();
    let c = run(vec![a, again, sh()]);
    assert_eq!(holding(&c, "p").findings.len(), 3);
}

#[test]
fn scripts_only_a_directory_uri_joins_nothing() {
    let index = B::file("i", "/var/www/api/index", None, "2024-03-01T00:00:00Z").done();
    let c = run(vec![
        index,
        B::weblog("w", "/api/", "2024-03-02T00:00:00Z").done(),
    ]);
    assert_eq!(c.incidents.len(), 2);
}

#[test]
fn equal_uris_join_and_module_images_join_components() {
    let w1 = B::weblog("w1", "/up/s.php", "2024-03-02T00:00:00Z").done();
    let s1 = B::sigma(
        "s1",
        "cs-uri-stem=/UP/s.php; c-ip=1.2.3.4",
        "2024-03-02T00:01:00Z",
    )
    .done();
    let c = run(vec![w1, s1]);
    assert_eq!(c.incidents.len(), 1);
    assert_eq!(c.incidents[0].links[0].key, "uri:/up/s.php");

    let mut module = B::process(
        "m",
        "/usr/bin/redis-server",
        "redis-server *:6379",
        None,
        SCAN,
    )
    .done();
    module.rule = "ferret.live.module".into();
    module.evidence.push(Evidence {
        source: EvidenceSource::Policy,
        rule: "live.unowned_in_writable_dir".into(),
        detail: "mapped file".into(),
        score: 60,
        offset: None,
        line: None,
        excerpt: Some(Escaped::from_text("/tmp/exp.so (deleted)")),
    });
    let c = run(vec![redis_module(), module]);
    assert_eq!(c.incidents.len(), 1);
    assert_eq!(c.incidents[0].links[0].key, "path:/tmp/exp.so");
    assert_eq!(c.incidents[0].sources, ["inventory", "live"]);
}

#[test]
fn duplicates_merge_keeping_the_latest() {
    let old = shell();
    let new = B(shell()).time("2024-03-06T00:00:00Z").done();
    for input in [
        vec![old.clone(), new.clone()],
        vec![new.clone(), old.clone()],
    ] {
        let c = run(input);
        assert_eq!(c.findings.len(), 1);
        assert_eq!(c.findings[0].time, "2024-03-06T00:00:00Z");
        assert_eq!(c.incidents[0].findings, ["shell"]);
    }
}

#[test]
fn hostile_text_stays_escaped_in_incidents() {
    let mut f = B::file(
        "evil",
        "/var/www/x\n<script>alert(1)</script>.php",
        None,
        "2024-03-01T00:00:00Z",
    )
    .done();
    // A hand-edited input may carry raw controls in plain-text fields.
    f.title = "owned\n\u{1b}[2J<script>".into();
    f.host = "h\r\nx".into();
    let c = run(vec![f]);
    let i = &c.incidents[0];
    for text in [&i.title, &i.host, &i.subjects[0].as_str().to_owned(), &i.id] {
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    assert_eq!(i.title, "owned\\n\\x1b[2J<script>");
    assert_eq!(
        i.subjects[0].as_str(),
        "/var/www/x\\n<script>alert(1)</script>.php"
    );
    assert!(i.links.is_empty());
}

#[test]
fn read_findings_reports_bad_lines_and_goes_on() {
    let good = serde_json::to_string(&shell()).expect("json");
    let other = serde_json::to_string(&access_log()).expect("json");
    let input = format!(
        "{good}\r\n\nnot json\n{{\"record\":\"component\",\"server\":\"iis\"}}\n  \n{other}\n{{\"id\":\"x\",\"rule\":\"r\",\"subject\":{{}},\"severity\":\"bad\"}}\n"
    );
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    read_findings(
        &mut input.as_bytes(),
        "in\nput.jsonl",
        &mut findings,
        &mut errors,
    );
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0], shell());
    let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 7]);
    assert!(errors.iter().all(|e| e.source_name == "in\\nput.jsonl"));
    assert!(errors[0]
        .to_string()
        .starts_with("in\\nput.jsonl:3: not JSON"));
    assert!(
        errors[1].message.contains("inventory record"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].message.contains("finding contract"),
        "{}",
        errors[2]
    );
}

#[test]
fn many_findings_correlate_into_the_expected_groups() {
    // 2,000 shells on 10 hosts, each with a log line and a process; plus
    // noise that joins nothing.
    let mut input = Vec::new();
    for n in 0..2_000 {
        let host = format!("h{}", n % 10);
        let dir = format!("/var/www/site{n}");
        input.push(
            B::file(
                &format!("f{n}"),
                &format!("{dir}/s{n}.php"),
                None,
                "2024-03-01T00:00:00Z",
            )
            .host(&host)
            .done(),
        );
        input.push(
            B::weblog(
                &format!("w{n}"),
                &format!("/s{n}.php"),
                "2024-03-02T00:00:00Z",
            )
            .host(&host)
            .done(),
        );
        input.push(
            B::process(
                &format!("p{n}"),
                "/bin/sh",
                "sh -c id",
                Some(&dir),
                "2024-03-02T00:00:00Z",
            )
            .host(&host)
            .done(),
        );
        input.push(bin_sh_event_numbered(n).host(&host).done());
    }
    let c = run(input);
    assert_eq!(c.findings.len(), 8_000);
    assert_eq!(c.incidents.len(), 4_000);
    assert_eq!(
        c.incidents.iter().filter(|i| i.findings.len() == 3).count(),
        2_000
    );
}

fn bin_sh_event_numbered(n: usize) -> B {
    let mut b = B(bin_sh_event());
    b.0.id = format!("e{n}");
    b
}

/// The size the brief names: `cargo test --release -- --ignored` shows the
/// time; the assertions check only the grouping.
#[test]
#[ignore]
fn a_hundred_thousand_findings() {
    let mut input = Vec::new();
    for n in 0..25_000 {
        let host = format!("h{}", n % 50);
        let dir = format!("/var/www/site{}", n % 5_000);
        input.push(
            B::file(
                &format!("f{n}"),
                &format!("{dir}/s{n}.php"),
                None,
                "2024-03-01T00:00:00Z",
            )
            .host(&host)
            .done(),
        );
        input.push(
            B::weblog(
                &format!("w{n}"),
                &format!("/s{n}.php"),
                "2024-03-02T00:00:00Z",
            )
            .host(&host)
            .done(),
        );
        input.push(
            B::process(
                &format!("p{n}"),
                "/bin/sh",
                "sh -c id /etc/passwd",
                Some(&dir),
                SCAN,
            )
            .host(&host)
            .done(),
        );
        input.push(bin_sh_event_numbered(n).host(&host).done());
    }
    let start = std::time::Instant::now();
    let c = run(input);
    eprintln!("100,000 findings correlated in {:?}", start.elapsed());
    assert_eq!(c.findings.len(), 100_000);
    assert_eq!(
        c.incidents.iter().map(|i| i.findings.len()).sum::<usize>(),
        100_000
    );
}

#[test]
fn hashes_and_command_lines_reach_the_file() {
    let file = B::file("f", "/var/www/html/up/x.php", None, "2024-03-01T00:00:00Z").done();
    let Subject::File(s) = &file.subject else {
        unreachable!()
    };
    let sha = s.sha256.to_uppercase();
    let by_hash = B::sigma(
        "h",
        &format!("Image=/usr/bin/php; Hashes=MD5=00,SHA256={sha},IMPHASH=11"),
        "2024-03-02T00:00:00Z",
    )
    .done();
    let by_cmdline = B::process(
        "p",
        "/usr/bin/php",
        "php -f \"/var/www/html/up/x.php\"",
        None,
        "2024-03-02T00:00:00Z",
    )
    .done();
    let c = run(vec![file, by_hash, by_cmdline]);
    assert_eq!(c.incidents.len(), 1, "{:#?}", c.incidents);
    let keys: Vec<&str> = c.incidents[0]
        .links
        .iter()
        .map(|l| l.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            format!("sha256:{}", sha.to_lowercase()),
            "path:/var/www/html/up/x.php".to_owned()
        ]
    );
}
