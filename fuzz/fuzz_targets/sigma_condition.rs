//! Sigma condition expressions: an arbitrary condition string against fixed
//! selections. Invariants: never panics; an accepted condition evaluates the
//! same with and without the prefilter, and `not (C)` gives the opposite.
#![no_main]
use ferret_core::{Event, EventSource, Fields, LogFormat, Value};
use ferret_hunt::sigma::{LoadStatus, Origin, RuleSetBuilder};
use libfuzzer_sys::fuzz_target;

/// A YAML double-quoted scalar holding `s` exactly.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20
                || (0x7F..=0x9F).contains(&(c as u32))
                || c == '\u{FEFF}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{85}' =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const SELECTIONS: &str = "detection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n  sel_a:\n    CommandLine|contains: whoami\n  sel_b:\n    CommandLine|contains: nltest\n  filter_1:\n    ParentImage|contains: services\n  filter_2:\n    Image|startswith: 'C:\\Program Files'\n  keywords:\n    - w3wp\n  _hidden:\n    EventID: 1\n";

fn rule(cond: &str) -> String {
    format!(
        "title: f\nlogsource: {{product: windows, category: process_creation}}\n{SELECTIONS}  condition: {}\n",
        quote(cond)
    )
}

fuzz_target!(|data: &[u8]| {
    let Ok(cond) = std::str::from_utf8(data) else {
        return;
    };
    if cond.len() > 4096 {
        return;
    }
    let event = Event {
        source: EventSource {
            path: "fuzz".into(),
            record_id: None,
            line: None,
        },
        format: LogFormat::Evtx,
        time: None,
        fields: [
            (
                "Channel",
                Value::from("Microsoft-Windows-Sysmon/Operational"),
            ),
            ("EventID", Value::Int(1)),
            ("Image", "C:\\Windows\\System32\\cmd.exe".into()),
            ("CommandLine", "cmd /c whoami".into()),
            (
                "ParentImage",
                "C:\\Windows\\System32\\inetsrv\\w3wp.exe".into(),
            ),
        ]
        .into_iter()
        .collect::<Fields>(),
    };
    let run = |text: &str, prefilter: bool| -> Option<bool> {
        let mut b = RuleSetBuilder::new();
        b.prefilter(prefilter);
        b.add_source("c.yml", text, Origin::User);
        let (set, reports) = b.build();
        assert_eq!(reports.len(), 1);
        if reports[0].status != LoadStatus::Loaded {
            return None;
        }
        let mut out = Vec::new();
        set.matcher().scan(&event, &mut out);
        Some(!out.is_empty())
    };
    let text = rule(cond);
    let Some(hit) = run(&text, true) else { return };
    assert_eq!(Some(hit), run(&text, false), "prefilter changed the result");
    if cond.contains(['(', ')']) {
        return; // `not (...)` around unbalanced parentheses would change the grouping
    }
    let negated = rule(&format!("not ({cond})"));
    if let Some(neg) = run(&negated, true) {
        assert_eq!(neg, !hit, "not (C) must be the opposite of C");
    }
});
