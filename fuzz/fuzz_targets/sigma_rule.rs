//! Sigma rule files: arbitrary text through the builder and a scan of fixed
//! events. Invariants: never panics; every added file yields a report; match
//! ids are in range and in rule order; reported fields are bounded; the
//! prefilter never changes the result.
#![no_main]
use ferret_core::{Event, EventSource, Fields, LogFormat, Value};
use ferret_hunt::sigma::{Origin, RuleSetBuilder};
use libfuzzer_sys::fuzz_target;

fn events() -> Vec<Event> {
    let mk = |format, fields: Vec<(&str, Value)>| Event {
        source: EventSource {
            path: "fuzz".into(),
            record_id: Some(1),
            line: None,
        },
        format,
        time: None,
        fields: fields.into_iter().collect::<Fields>(),
    };
    vec![
        mk(
            LogFormat::Evtx,
            vec![
                ("Channel", "Microsoft-Windows-Sysmon/Operational".into()),
                ("EventID", Value::Int(1)),
                ("Image", "C:\\Windows\\System32\\cmd.exe".into()),
                ("CommandLine", "cmd.exe /c whoami /all".into()),
                (
                    "ParentImage",
                    "C:\\Windows\\System32\\inetsrv\\w3wp.exe".into(),
                ),
                (
                    "Hashes",
                    Value::List(vec!["MD5=00".into(), Value::Int(7), Value::Null]),
                ),
            ],
        ),
        mk(
            LogFormat::W3c,
            vec![
                ("cs-uri-stem", "/a.aspx".into()),
                ("cs-uri-query", "cmd=whoami".into()),
                ("sc-status", Value::Int(200)),
                ("c-ip", "10.1.2.3".into()),
            ],
        ),
    ]
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let build = |prefilter: bool| {
        let mut b = RuleSetBuilder::new();
        b.prefilter(prefilter);
        b.placeholder("p", vec!["x".into(), "y*".into()]);
        b.add_source("fuzz.yml", &text, Origin::User);
        b.build()
    };
    let (set, reports) = build(true);
    assert!(!reports.is_empty(), "a file always yields a report");
    assert!(set.len() <= reports.len());
    let (slow, _) = build(false);
    let (mut m, mut ms) = (set.matcher(), slow.matcher());
    for e in events() {
        let (mut out, mut out2) = (Vec::new(), Vec::new());
        m.scan(&e, &mut out);
        ms.scan(&e, &mut out2);
        assert_eq!(out, out2, "prefilter changed the result");
        let mut last = None;
        for r in &out {
            assert!(r.rule.0 < set.len());
            assert!(last < Some(r.rule), "rule order");
            last = Some(r.rule);
            assert!(r.fields.len() <= 16);
            assert!(r.fields.iter().all(|(_, v)| v.len() <= 1024));
        }
    }
});
