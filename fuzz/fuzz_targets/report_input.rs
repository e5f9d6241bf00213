//! `ferret report` input: hostile JSON lines are read (bad lines become
//! errors, never panics), correlated the same way twice, with every finding
//! in exactly one incident, and rendered in every format; the HTML report
//! carries no `<script` beyond its own.
#![no_main]
use ferret_core::Finding;
use ferret_incident::read::read_findings;
use ferret_incident::{correlate, Correlation, Options};
use ferret_report::{Format, SinkOptions};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Renders `findings` in `format` into bytes.
fn render(format: Format, findings: &[Finding]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut sink = format.sink(Box::new(&mut out), &SinkOptions::default());
        for f in findings {
            sink.finding(f).expect("writing to memory");
        }
        sink.finish().expect("writing to memory");
    }
    out
}

/// How often `<script` (any case) occurs in `bytes`.
fn scripts(bytes: &[u8]) -> usize {
    bytes
        .windows(7)
        .filter(|w| w.eq_ignore_ascii_case(b"<script"))
        .count()
}

/// The HTML report's own `<script` count: that of an empty report.
fn own_scripts() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| scripts(&render(Format::Html, &[])))
}

fn check(c: &Correlation, read: usize) {
    assert!(c.findings.len() <= read);
    let mut ids = HashSet::new();
    for i in &c.incidents {
        assert!(ids.insert(i.id.as_str()), "two incidents share id {}", i.id);
        assert!(!i.findings.is_empty());
        assert_eq!(i.links.len(), i.findings.len() - 1);
        assert!(!i.title.chars().any(char::is_control));
        assert!(!i.host.chars().any(char::is_control));
    }
    let held: usize = c.incidents.iter().map(|i| i.findings.len()).sum();
    assert_eq!(held, c.findings.len());
    for f in &c.findings {
        let holders = c
            .incidents
            .iter()
            .filter(|i| i.id == f.incident && i.findings.contains(&f.id))
            .count();
        assert_eq!(holders, 1, "finding {} in {holders} incidents", f.id);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    read_findings(&mut &data[..], "fuzz.jsonl", &mut findings, &mut errors);
    for e in &errors {
        assert!(!e.to_string().chars().any(char::is_control), "{e:?}");
    }
    // A narrow window too, so that time decides some joins.
    let window = data.first().map_or(0, |b| u64::from(*b) * 3_600);
    for opts in [
        Options::default(),
        Options {
            window_secs: window,
        },
    ] {
        let once = correlate(findings.clone(), &opts);
        let again = correlate(findings.iter().rev().cloned().collect(), &opts);
        assert_eq!(once, again, "correlation depends on input order");
        check(&once, findings.len());
    }
    for (format, name) in Format::ALL {
        let out = render(format, &findings);
        if format == Format::Html {
            assert_eq!(
                scripts(&out),
                own_scripts(),
                "{name}: a <script from the input"
            );
        }
    }
});
