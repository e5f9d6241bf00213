//! Every shipped Sigma rule (`rules/sigma`) compiles, is routed to some log
//! format, and passes its samples (`rules/tests/sigma/<id>/{match,nomatch}`).

use ferret_core::Event;
use ferret_hunt::samples::run_samples;
use ferret_hunt::sigma::{LoadStatus, Origin, RuleSetBuilder};
use ferret_logs::{Collected, ReadOptions};
use std::path::{Path, PathBuf};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/sigma");
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/tests/sigma");

/// Reads a text-log sample with the real readers (format sniffed).
fn read_text(path: &Path) -> Result<Vec<Event>, String> {
    let read = Collected::from_path(path, &ReadOptions::default());
    match read.errors.first() {
        Some(e) => Err(format!("{} read errors, first: {e}", read.errors.len())),
        None => Ok(read.events),
    }
}

#[test]
fn shipped_rules_pass_their_samples() {
    let mut builder = RuleSetBuilder::new();
    builder.add_dir(Path::new(RULES), Origin::Shipped);
    let (rules, reports) = builder.build();
    let mut problems: Vec<String> = Vec::new();
    for r in &reports {
        if let LoadStatus::Refused(why) = &r.status {
            problems.push(format!("{} refused: {why}", r.path));
        }
        if let Some(why) = &r.unmapped {
            problems.push(format!("{} unmapped: {why}", r.path));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(rules.len() >= 30, "only {} shipped rules", rules.len());
    for i in 0..rules.len() {
        let meta = rules.meta(ferret_hunt::sigma::RuleId(i));
        assert!(
            meta.techniques.iter().any(|t| t.starts_with("T1505")),
            "{}: no T1505 technique tag",
            meta.path
        );
        assert!(
            meta.tags.iter().any(|t| t == "attack.persistence"),
            "{}",
            meta.path
        );
    }
    let report = run_samples(&rules, &PathBuf::from(SAMPLES), &read_text);
    for o in report.failures() {
        eprintln!(
            "FAIL {} ({}) {}: {}",
            o.file.display(),
            if o.expect_match { "match" } else { "nomatch" },
            rules_title(&rules, &o.rule),
            o.detail
        );
    }
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(report.untested.is_empty(), "{:#?}", report.untested);
    let failed = report.failures().count();
    assert_eq!(
        failed,
        0,
        "{failed} of {} samples failed",
        report.outcomes.len()
    );
    assert!(report.outcomes.len() >= 2 * rules.len());
    eprintln!(
        "{} rules, {} samples passed",
        rules.len(),
        report.outcomes.len()
    );
}

fn rules_title(rules: &ferret_hunt::sigma::RuleSet, id: &str) -> String {
    (0..rules.len())
        .map(|i| rules.meta(ferret_hunt::sigma::RuleId(i)))
        .find(|m| m.id.as_deref() == Some(id))
        .map(|m| m.title.clone())
        .unwrap_or_default()
}
