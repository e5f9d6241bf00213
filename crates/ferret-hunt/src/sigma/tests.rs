//! End-to-end engine tests: rule text in, matches out.

use ferret_core::{Event, EventSource, Fields, LogFormat, Value};

use super::*;

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

fn event(format: LogFormat, fields: &[(&str, Value)]) -> Event {
    Event {
        source: EventSource {
            path: "t.evtx".into(),
            record_id: Some(1),
            line: None,
        },
        format,
        time: None,
        fields: fields.iter().cloned().collect::<Fields>(),
    }
}

fn proc_event(image: &str, cmd: &str) -> Event {
    event(
        LogFormat::Evtx,
        &[
            ("Channel", SYSMON.into()),
            ("EventID", Value::Int(1)),
            ("Image", image.into()),
            ("CommandLine", cmd.into()),
            (
                "ParentImage",
                "C:\\Windows\\System32\\inetsrv\\w3wp.exe".into(),
            ),
        ],
    )
}

/// A process_creation rule with this detection body (indented by 4).
fn rule(detection: &str) -> String {
    format!(
        "title: t\nid: r1\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n{detection}\n"
    )
}

fn build_one(text: &str) -> (RuleSet, Vec<RuleReport>) {
    let mut b = RuleSetBuilder::new();
    b.add_source("r.yml", text, Origin::User);
    b.build()
}

fn matches(text: &str, ev: &Event) -> bool {
    let (set, reports) = build_one(text);
    assert_eq!(reports[0].status, LoadStatus::Loaded, "{text}");
    let mut out = Vec::new();
    let mut m = set.matcher();
    m.scan(ev, &mut out);
    // The prefilter never changes the outcome.
    let mut b = RuleSetBuilder::new();
    b.add_source("r.yml", text, Origin::User);
    b.prefilter(false);
    let (slow, _) = b.build();
    let mut out2 = Vec::new();
    slow.matcher().scan(ev, &mut out2);
    assert_eq!(out, out2, "prefilter changed the result for {text}");
    !out.is_empty()
}

fn refused(text: &str) -> String {
    let (_, reports) = build_one(text);
    match &reports[0].status {
        LoadStatus::Refused(r) => r.clone(),
        LoadStatus::Loaded => panic!("loaded: {text}"),
    }
}

#[test]
fn fields_lists_and_all() {
    let ev = proc_event("C:\\Windows\\System32\\cmd.exe", "cmd.exe /c whoami /priv");
    let r = rule("    sel:\n      Image|endswith: '\\cmd.exe'\n      CommandLine|contains:\n        - 'nltest'\n        - 'whoami'\n    condition: sel");
    assert!(matches(&r, &ev));
    let r = rule("    sel:\n      CommandLine|contains|all:\n        - 'whoami'\n        - '/priv'\n    condition: sel");
    assert!(matches(&r, &ev));
    let r = rule("    sel:\n      CommandLine|contains|all:\n        - 'whoami'\n        - '/groups'\n    condition: sel");
    assert!(!matches(&r, &ev));
    let r = rule("    sel:\n      Image|endswith: '\\powershell.exe'\n      CommandLine|contains: whoami\n    condition: sel");
    assert!(!matches(&r, &ev));
    // List of maps: OR.
    let r = rule("    sel:\n      - Image|endswith: '\\powershell.exe'\n      - CommandLine|contains: WHOAMI\n    condition: sel");
    assert!(matches(&r, &ev));
    // Field names: exact, then ASCII case-insensitive.
    let r = rule("    sel:\n      commandline|contains: whoami\n    condition: sel");
    assert!(matches(&r, &ev));
}

#[test]
fn numbers_null_and_list_values() {
    let ev = event(
        LogFormat::Evtx,
        &[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4688)),
            ("Code", "4688".into()),
            ("Empty", Value::Null),
            ("Data", Value::List(vec!["xp_cmdshell".into(), "1".into()])),
        ],
    );
    let r = |d: &str| {
        format!("title: t\nlogsource: {{product: windows, service: security}}\ndetection:\n{d}\n")
    };
    assert!(matches(
        &r("  sel:\n    EventID: 4688\n    Code: 4688\n  condition: sel"),
        &ev
    ));
    assert!(!matches(
        &r("  sel:\n    EventID: 4689\n  condition: sel"),
        &ev
    ));
    assert!(matches(
        &r("  sel:\n    Missing: null\n  condition: sel"),
        &ev
    ));
    assert!(matches(
        &r("  sel:\n    Empty: null\n  condition: sel"),
        &ev
    ));
    assert!(!matches(
        &r("  sel:\n    Code: null\n  condition: sel"),
        &ev
    ));
    assert!(matches(
        &r("  sel:\n    Data: xp_cmdshell\n  condition: sel"),
        &ev
    ));
    assert!(matches(
        &r("  sel:\n    Data|contains|all: [xp_cmd, shell]\n  condition: sel"),
        &ev
    ));
    assert!(!matches(
        &r("  sel:\n    Data: xp_cmdshell 1\n  condition: sel"),
        &ev
    ));
    assert!(matches(
        &r("  sel:\n    Missing|exists: false\n    Code|exists: true\n  condition: sel"),
        &ev
    ));
    assert!(!matches(
        &r("  sel:\n    Missing|exists: true\n  condition: sel"),
        &ev
    ));
    assert!(matches(
        &r("  sel:\n    EventID|gte: 4000\n    EventID|lt: 5000\n  condition: sel"),
        &ev
    ));
    assert!(!matches(
        &r("  sel:\n    EventID|gt: 4688\n  condition: sel"),
        &ev
    ));
}

#[test]
fn keywords() {
    let ev = proc_event("C:\\x\\a.exe", "a.exe --dump-creds now");
    let r = rule("    keywords:\n      - 'dump-creds'\n      - 'other'\n    condition: keywords");
    assert!(matches(&r, &ev));
    let r = rule("    keywords: 'DUMP-CREDS'\n    condition: keywords");
    assert!(matches(&r, &ev));
    let r = rule("    keywords:\n      - 'nothing-here'\n    condition: keywords");
    assert!(!matches(&r, &ev));
    let r = rule(
        "    keywords:\n      '|all':\n        - 'dump'\n        - 'w3wp'\n    condition: keywords",
    );
    assert!(matches(&r, &ev));
    let r = rule(
        "    keywords:\n      '|all':\n        - 'dump'\n        - 'nope'\n    condition: keywords",
    );
    assert!(!matches(&r, &ev));
}

#[test]
fn conditions_with_quantifiers() {
    let ev = proc_event("C:\\Windows\\System32\\cmd.exe", "cmd /c whoami");
    let base = "    sel_img:\n      Image|endswith: '\\cmd.exe'\n    sel_cmd:\n      CommandLine|contains: whoami\n    sel_other:\n      CommandLine|contains: nltest\n    filter_a:\n      Image|startswith: 'C:\\Program Files'\n    filter_b:\n      CommandLine|contains: 'benign'\n";
    let c = |cond: &str| rule(&format!("{base}    condition: {cond}"));
    assert!(matches(&c("1 of sel_* and not 1 of filter_*"), &ev));
    assert!(!matches(&c("all of sel_*"), &ev));
    assert!(matches(
        &c("sel_img and sel_cmd and not (filter_a or filter_b)"),
        &ev
    ));
    assert!(matches(
        &c("all of filter_* or (sel_img and not sel_other)"),
        &ev
    ));
    assert!(matches(&c("1 of them"), &ev));
    assert!(!matches(&c("all of them"), &ev));
    assert!(!matches(&c("not sel_img"), &ev));
    assert!(!matches(&c("sel_other"), &ev));
    // A condition list is an OR of its items.
    let r = rule(&format!(
        "{base}    condition:\n      - sel_other\n      - sel_cmd"
    ));
    assert!(matches(&r, &ev));
}

#[test]
fn modifiers_through_rules() {
    let ev = proc_event(
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA 10.2.3.4",
    );
    let r = rule("    sel:\n      CommandLine|contains|windash: ' /enc '\n    condition: sel");
    assert!(matches(&r, &ev));
    let r =
        rule("    sel:\n      CommandLine|wide|base64offset|contains: 'IEX ('\n    condition: sel");
    assert!(matches(&r, &ev));
    let r = rule("    sel:\n      CommandLine|wide|base64offset|contains: 'Invoke-Mimikatz'\n    condition: sel");
    assert!(!matches(&r, &ev));
    let r =
        rule("    sel:\n      CommandLine|re: '-enc\\s+[A-Za-z0-9+/=]{20,}'\n    condition: sel");
    assert!(matches(&r, &ev));
    let r = rule("    sel:\n      CommandLine|re: '-ENC'\n    condition: sel");
    assert!(!matches(&r, &ev));
    let r = rule("    sel:\n      CommandLine|re|i: '-ENC'\n    condition: sel");
    assert!(matches(&r, &ev));
    let r = rule("    sel:\n      Image|cased: 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe'\n    condition: sel");
    assert!(!matches(&r, &ev));
    let r = rule("    sel:\n      Image: 'c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe'\n    condition: sel");
    assert!(matches(&r, &ev));
    let r = rule("    sel:\n      Image|fieldref: ParentImage\n    condition: sel");
    assert!(!matches(&r, &ev));
    let same = event(
        LogFormat::Evtx,
        &[
            ("Channel", SYSMON.into()),
            ("EventID", Value::Int(1)),
            ("Image", "a".into()),
            ("ParentImage", "A".into()),
        ],
    );
    assert!(matches(
        &rule("    sel:\n      Image|fieldref: ParentImage\n    condition: sel"),
        &same
    ));
    assert!(!matches(
        &rule("    sel:\n      Image|fieldref|cased: ParentImage\n    condition: sel"),
        &same
    ));
    let net = event(
        LogFormat::Evtx,
        &[
            ("Channel", SYSMON.into()),
            ("EventID", Value::Int(3)),
            ("DestinationIp", "192.168.7.9".into()),
        ],
    );
    let r = "title: n\nlogsource: {product: windows, category: network_connection}\ndetection:\n  sel:\n    DestinationIp|cidr:\n      - 10.0.0.0/8\n      - 192.168.0.0/16\n  condition: sel\n";
    assert!(matches(r, &net));
    let r = "title: n\nlogsource: {product: windows, category: network_connection}\ndetection:\n  sel:\n    DestinationIp|cidr: 172.16.0.0/12\n  condition: sel\n";
    assert!(!matches(r, &net));
}

#[test]
fn expand_needs_placeholders() {
    let text = rule("    sel:\n      Image|expand: '%shells%'\n    condition: sel");
    assert!(refused(&text).contains("unknown placeholder %shells%"));
    let mut b = RuleSetBuilder::new();
    b.placeholder("shells", vec!["*\\cmd.exe".into(), "*\\pwsh.exe".into()]);
    b.add_source("r.yml", &text, Origin::User);
    let (set, reports) = b.build();
    assert_eq!(reports[0].status, LoadStatus::Loaded);
    let mut out = Vec::new();
    set.matcher()
        .scan(&proc_event("C:\\Windows\\cmd.exe", "x"), &mut out);
    // Placeholder values are literal: `*` in a value is not a wildcard.
    assert!(out.is_empty());
    let mut b = RuleSetBuilder::new();
    b.placeholder("shells", vec!["C:\\Windows\\cmd.exe".into()]);
    b.add_source("r.yml", &text, Origin::User);
    let (set, _) = b.build();
    set.matcher()
        .scan(&proc_event("c:\\windows\\CMD.exe", "x"), &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn security_4688_aliases_and_routes() {
    let ev = event(
        LogFormat::Evtx,
        &[
            ("Channel", "Security".into()),
            ("EventID", Value::Int(4688)),
            ("NewProcessName", "C:\\Windows\\System32\\cmd.exe".into()),
            (
                "ParentProcessName",
                "C:\\Windows\\System32\\inetsrv\\w3wp.exe".into(),
            ),
            ("CommandLine", "cmd /c whoami".into()),
        ],
    );
    let r = rule("    sel:\n      ParentImage|endswith: '\\w3wp.exe'\n      Image|endswith: '\\cmd.exe'\n    condition: sel");
    assert!(matches(&r, &ev));
    // The same event from another channel is not a process creation.
    let mut other = ev.clone();
    other.fields.insert("Channel", "System");
    assert!(!matches(&r, &other));
    // A web log never meets a Windows rule.
    let mut web = ev.clone();
    web.format = LogFormat::W3c;
    assert!(!matches(&r, &web));
}

#[test]
fn match_fields_and_rule_order() {
    let text = format!(
        "{}\n---\n{}",
        rule("    sel:\n      Image|endswith: '\\cmd.exe'\n    filter:\n      CommandLine|contains: benign\n    condition: sel and not filter"),
        rule("    sel:\n      CommandLine|contains: whoami\n    condition: sel").replace("id: r1", "id: r2")
    );
    let (set, reports) = build_one(&text);
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[1].doc, 1);
    assert_eq!(set.len(), 2);
    let mut out = Vec::new();
    let mut m = set.matcher();
    m.scan(&proc_event("C:\\W\\cmd.exe", "cmd /c whoami"), &mut out);
    assert_eq!(
        out.iter().map(|m| m.rule).collect::<Vec<_>>(),
        [RuleId(0), RuleId(1)]
    );
    assert_eq!(
        out[0].fields,
        [("Image".to_owned(), "C:\\W\\cmd.exe".to_owned())]
    );
    assert_eq!(
        out[1].fields,
        [("CommandLine".to_owned(), "cmd /c whoami".to_owned())]
    );
    assert!(out[0].captured.is_empty());
    assert_eq!(set.meta(RuleId(1)).id.as_deref(), Some("r2"));
    assert_eq!(set.route_names(RuleId(0)), ["sysmon-1", "security-4688"]);
    // Long values are cut to 1 KiB on a character boundary.
    out.clear();
    let long = format!("cmd /c whoami {}", "é".repeat(1000));
    m.scan(&proc_event("C:\\W\\x.exe", &long), &mut out);
    assert_eq!(out.len(), 1);
    assert!(out[0].fields[0].1.len() <= 1024 && out[0].fields[0].1.len() > 1000);
}

#[test]
fn metadata() {
    let text = "title: Web shell\nid: 1-2\nname: ws\nstatus: test\nlevel: high\ndescription: d\nauthor: me\ntags:\n  - attack.persistence\n  - attack.t1505.003\nreferences: [https://example.invalid]\nfalsepositives: Unknown\nlogsource: {category: webserver}\ndetection:\n  sel:\n    cs-uri-stem|endswith: .aspx\n    sc-status: 200\n  condition: sel\n";
    let (set, reports) = build_one(text);
    assert_eq!(reports[0].id.as_deref(), Some("1-2"));
    assert_eq!(reports[0].unmapped, None);
    let m = set.meta(RuleId(0));
    assert_eq!(m.level, Level::High);
    assert_eq!(m.techniques, ["T1505.003"]);
    assert_eq!(m.falsepositives, ["Unknown"]);
    assert_eq!(m.name.as_deref(), Some("ws"));
    assert_eq!(m.logsource.category.as_deref(), Some("webserver"));
    let ev = event(
        LogFormat::W3c,
        &[
            ("cs-uri-stem", "/aspnet_client/x.ASPX".into()),
            ("sc-status", Value::Int(200)),
        ],
    );
    let mut out = Vec::new();
    set.matcher().scan(&ev, &mut out);
    assert_eq!(out.len(), 1);
    // c-uri style names reach W3C fields through the route's aliases.
    let t2 = text.replace("cs-uri-stem|endswith", "c-uri-stem|endswith");
    assert!(matches(&t2, &ev));
}

#[test]
fn unmapped_and_refused() {
    let (_, reports) = build_one("title: a\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    eventName: x\n  condition: sel\n");
    assert_eq!(reports[0].status, LoadStatus::Loaded);
    assert_eq!(
        reports[0].unmapped.as_deref(),
        Some("no mapping for logsource product=aws category=- service=cloudtrail")
    );
    assert!(
        refused(&rule("    sel:\n      Image|bogus: x\n    condition: sel"))
            .contains("unknown modifier \"bogus\"")
    );
    assert!(
        refused(&rule("    sel:\n      Image|re: '(x'\n    condition: sel")).contains("bad regex")
    );
    assert!(refused(&rule(
        "    sel:\n      Image: x\n    condition: sel and other"
    ))
    .contains("unknown selection \"other\""));
    assert!(refused(&rule(
        "    sel:\n      Image: x\n    condition: sel | count() by Image > 3"
    ))
    .contains("deprecated aggregation"));
    assert!(refused(&rule(
        "    sel:\n      Image: x\n    condition: sel near sel"
    ))
    .contains("near"));
    assert!(refused(&rule("    sel:\n      Image: x")).contains("no condition"));
    assert!(
        refused("logsource: {product: windows}\ndetection: {s: x, condition: s}")
            .contains("missing title")
    );
    assert!(refused("title: [").starts_with("YAML"));
    assert!(
        refused(&rule("    sel:\n      Image: []\n    condition: sel"))
            .contains("empty value list")
    );
}

#[test]
fn global_and_repeat_documents() {
    let text = "action: global\ntitle: g\nlogsource: {product: windows, category: process_creation}\ndetection:\n  condition: sel\n---\ndetection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n---\naction: repeat\ndetection:\n  sel:\n    Image|endswith: '\\pwsh.exe'\n";
    let (set, reports) = build_one(text);
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.status == LoadStatus::Loaded));
    assert_eq!((reports[0].doc, reports[1].doc), (1, 2));
    let mut out = Vec::new();
    set.matcher()
        .scan(&proc_event("C:\\x\\pwsh.exe", "p"), &mut out);
    assert_eq!(out.iter().map(|m| m.rule).collect::<Vec<_>>(), [RuleId(1)]);
}

#[test]
fn correlation_documents_capture_fields() {
    let text = format!(
        "{}name: base\n---\ntitle: many\ncorrelation:\n  type: event_count\n  rules: [base]\n  group-by: [ParentImage]\n  timespan: 5m\n  condition: {{gte: 3}}\n",
        rule("    sel:\n      Image|endswith: '\\cmd.exe'\n    condition: sel")
    );
    let (set, reports) = build_one(&text);
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(reports[1].status, LoadStatus::Loaded, "{reports:?}");
    assert_eq!(set.correlations().len(), 1);
    let mut out = Vec::new();
    set.matcher()
        .scan(&proc_event("C:\\x\\cmd.exe", "c"), &mut out);
    assert_eq!(
        out[0].captured,
        [(
            "ParentImage".to_owned(),
            "C:\\Windows\\System32\\inetsrv\\w3wp.exe".to_owned()
        )]
    );
    let bad = "title: c\ncorrelation:\n  type: event_count\n  rules: [nothing]\n  timespan: 5m\n  condition: {gte: 3}\n";
    let (_, reports) = build_one(bad);
    assert!(matches!(&reports[0].status, LoadStatus::Refused(r) if r.starts_with("correlation:")));
}

#[test]
fn custom_mappings() {
    let toml = "[[route]]\nname = \"x\"\nformats = [\"jsonl\"]\nwhen = { kind = [\"proc*\"] }\nfields = { Image = \"exe\" }\n[[logsource]]\nproduct = \"custom\"\nroutes = [\"x\"]\n";
    let mut b = RuleSetBuilder::with_mappings_toml(toml).unwrap();
    b.add_source("r.yml", "title: c\nlogsource: {product: custom}\ndetection:\n  sel:\n    Image|endswith: /sh\n  condition: sel\n", Origin::User);
    let (set, reports) = b.build();
    assert_eq!(reports[0].unmapped, None);
    let ev = event(
        LogFormat::Jsonl,
        &[("kind", "PROCESS".into()), ("exe", "/bin/sh".into())],
    );
    let mut out = Vec::new();
    set.matcher().scan(&ev, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].fields, [("exe".to_owned(), "/bin/sh".to_owned())]);
    assert!(RuleSetBuilder::with_mappings_toml("nonsense = [").is_err());
}

#[test]
fn add_dir_sorted_and_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(
        dir.path().join("b/z.yml"),
        rule("    s:\n      Image: z\n    condition: s"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        rule("    s:\n      Image: a\n    condition: s"),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a rule").unwrap();
    std::fs::write(dir.path().join("bad.yml"), [0xFFu8, 0xFE, 0x00]).unwrap();
    let mut b = RuleSetBuilder::new();
    b.add_dir(dir.path(), Origin::User);
    b.add_dir(&dir.path().join("missing"), Origin::User);
    let (set, reports) = b.build();
    let names: Vec<String> = reports
        .iter()
        .map(|r| r.path.rsplit(['/', '\\']).next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(names, ["a.yaml", "z.yml", "bad.yml", "missing"]);
    assert_eq!(set.len(), 2);
    assert!(matches!(&reports[2].status, LoadStatus::Refused(r) if r.contains("UTF-8")));
    assert!(matches!(&reports[3].status, LoadStatus::Refused(r) if r.contains("cannot read")));
}

#[test]
fn shipped_rules_load() {
    let mut b = RuleSetBuilder::new();
    b.add_shipped();
    let (set, reports) = b.build();
    assert!(reports.len() >= shipped::SHIPPED.len());
    assert!(set.len() <= reports.len());
    for r in &reports {
        assert_eq!(r.status, LoadStatus::Loaded, "{}: {:?}", r.path, r.status);
    }
}

#[test]
fn ruleset_is_shareable() {
    fn check<T: Send + Sync>() {}
    check::<RuleSet>();
}
