//! Every shipped rule and heuristic against its positive and negative
//! samples under `rules/tests/` (the same check as `ferret rules test`).

use ferret_detect::samples;
use ferret_detect::webshell::WebshellConfig;
use std::path::Path;

#[test]
fn every_rule_passes_its_samples() {
    let (rules, errors) = WebshellConfig::default()
        .build()
        .expect("shipped rules compile");
    assert!(errors.is_empty(), "{errors:?}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/tests");
    let report = samples::run(&rules, &dir, true).expect("samples readable");
    let failed: Vec<String> = report
        .results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| {
            format!(
                "{} {:?} {} (signals: {})",
                r.rule,
                r.expect,
                r.file.display(),
                r.signals.join(" ")
            )
        })
        .collect();
    assert!(failed.is_empty(), "failing samples:\n{}", failed.join("\n"));
    assert!(
        report.untested.is_empty(),
        "rules without samples:\n{}",
        report.untested.join("\n")
    );
    assert!(report.results.len() > 100);
}

#[test]
fn shipped_rules_have_metadata() {
    let (rules, _) = WebshellConfig::default().build().unwrap();
    let metas = rules.rule_metas();
    assert!(metas.len() > 100, "only {} rules", metas.len());
    let mut ids = std::collections::HashSet::new();
    for m in metas {
        assert!(ids.insert(m.id.clone()), "duplicate rule id {}", m.id);
        assert!(m.id.starts_with("ferret."), "{}", m.id);
        assert!(!m.description.is_empty());
    }
}
