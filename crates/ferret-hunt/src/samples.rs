//! Rule samples: events a rule must match and events it must not.
//!
//! Layout under a samples directory (`rules/tests/sigma` for shipped rules):
//! `<rule id>/match/*` and `<rule id>/nomatch/*`. A `.json` file holds one
//! event in the form [`Event::from_json`] reads; any other file is a log in
//! a text format, read by a callback the caller supplies (this crate does no
//! log reading). A `match` sample passes when at least one of its events
//! matches the rule; a `nomatch` sample passes when none does.

use crate::sigma::{RuleId, RuleMatch, RuleSet};
use ferret_core::Event;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Largest `.json` sample read (a sample is one event; this bounds memory).
const MAX_JSON_SAMPLE: u64 = 4 << 20;

/// Reads a text-log sample into events (the caller's log readers).
pub type ReadText<'a> = dyn Fn(&Path) -> Result<Vec<Event>, String> + 'a;

/// The result of one sample file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOutcome {
    /// The rule id (the sample folder's name).
    pub rule: String,
    /// The sample file.
    pub file: PathBuf,
    /// Whether the sample sits under `match/` (else `nomatch/`).
    pub expect_match: bool,
    /// Whether the rule behaved as expected.
    pub passed: bool,
    /// What happened, in words (field values escaped).
    pub detail: String,
}

/// The results of a whole samples directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleReport {
    /// One per sample file, in path order.
    pub outcomes: Vec<SampleOutcome>,
    /// Rules of the set lacking a `match` or a `nomatch` sample, with what is
    /// missing (`<id>: no match sample`), or naming a rule without an id.
    pub untested: Vec<String>,
    /// Problems with the directory itself: unreadable folders, sample folders
    /// naming no rule of the set, stray entries.
    pub errors: Vec<String>,
}

impl SampleReport {
    /// Whether every sample passed, every rule has both kinds of sample and
    /// the directory had no problems.
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.untested.is_empty() && self.outcomes.iter().all(|o| o.passed)
    }

    /// The outcomes that failed.
    pub fn failures(&self) -> impl Iterator<Item = &SampleOutcome> {
        self.outcomes.iter().filter(|o| !o.passed)
    }
}

/// Which kind of sample a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Expect {
    Match,
    NoMatch,
}

impl Expect {
    fn from_dir_name(name: &str) -> Option<Expect> {
        match name {
            "match" => Some(Expect::Match),
            "nomatch" => Some(Expect::NoMatch),
            _ => None,
        }
    }
}

/// Runs every sample under `dir` against `rules`; text-log samples are read
/// with `read_text`. Every rule of `rules` is expected to have samples, so
/// build the set from the rules under test only.
pub fn run_samples(rules: &RuleSet, dir: &Path, read_text: &ReadText<'_>) -> SampleReport {
    let mut report = SampleReport::default();
    let by_id = rule_ids(rules, &mut report.untested);
    let mut seen: BTreeMap<String, BTreeSet<Expect>> = BTreeMap::new();
    let rule_dirs = match sorted_entries(dir) {
        Ok(entries) => entries,
        Err(e) => {
            report.errors.push(e);
            return report;
        }
    };
    for rule_dir in rule_dirs {
        let name = file_name(&rule_dir);
        if !rule_dir.is_dir() {
            report.errors.push(format!(
                "{}: not a rule folder (expected <rule id>/match|nomatch/)",
                escaped(&rule_dir.display().to_string())
            ));
            continue;
        }
        let Some(ids) = by_id.get(&name) else {
            report.errors.push(format!(
                "{}: samples for a rule id not in the rule set",
                escaped(&rule_dir.display().to_string())
            ));
            continue;
        };
        let kinds = match sorted_entries(&rule_dir) {
            Ok(k) => k,
            Err(e) => {
                report.errors.push(e);
                continue;
            }
        };
        for kind_dir in kinds {
            let Some(expect) =
                Expect::from_dir_name(&file_name(&kind_dir)).filter(|_| kind_dir.is_dir())
            else {
                report.errors.push(format!(
                    "{}: stray entry (only match/ and nomatch/ folders belong here)",
                    escaped(&kind_dir.display().to_string())
                ));
                continue;
            };
            let files = match sorted_entries(&kind_dir) {
                Ok(f) => f,
                Err(e) => {
                    report.errors.push(e);
                    continue;
                }
            };
            for file in files {
                let outcome = run_one(rules, ids, &name, &file, expect, read_text);
                seen.entry(name.clone()).or_default().insert(expect);
                report.outcomes.push(outcome);
            }
        }
    }
    for id in by_id.keys() {
        let kinds = seen.get(id);
        for (expect, what) in [(Expect::Match, "match"), (Expect::NoMatch, "nomatch")] {
            if !kinds.is_some_and(|k| k.contains(&expect)) {
                report
                    .untested
                    .push(format!("{}: no {what} sample", escaped(id)));
            }
        }
    }
    report
}

/// Rule id -> the compiled rules carrying it; rules without an id are noted
/// as untested (samples are filed by id).
fn rule_ids(rules: &RuleSet, untested: &mut Vec<String>) -> BTreeMap<String, Vec<RuleId>> {
    let mut by_id: BTreeMap<String, Vec<RuleId>> = BTreeMap::new();
    for i in 0..rules.len() {
        let meta = rules.meta(RuleId(i));
        match &meta.id {
            Some(id) => by_id.entry(id.clone()).or_default().push(RuleId(i)),
            None => untested.push(format!(
                "{} ({}): rule has no id, so it cannot have samples",
                escaped(&meta.title),
                escaped(&meta.path)
            )),
        }
    }
    by_id
}

fn run_one(
    rules: &RuleSet,
    ids: &[RuleId],
    rule: &str,
    file: &Path,
    expect: Expect,
    read_text: &ReadText<'_>,
) -> SampleOutcome {
    let expect_match = expect == Expect::Match;
    let outcome = |passed: bool, detail: String| SampleOutcome {
        rule: rule.to_owned(),
        file: file.to_path_buf(),
        expect_match,
        passed,
        detail,
    };
    let events = match load_events(file, read_text) {
        Ok(events) => events,
        Err(e) => return outcome(false, e),
    };
    if events.is_empty() {
        return outcome(false, "the sample holds no event".into());
    }
    let mut matcher = rules.matcher();
    let mut found: Vec<RuleMatch> = Vec::new();
    let mut first_hit: Option<(usize, RuleMatch)> = None;
    let mut hits = 0usize;
    for (n, event) in events.iter().enumerate() {
        found.clear();
        matcher.scan(event, &mut found);
        if let Some(m) = found.iter().find(|m| ids.contains(&m.rule)) {
            hits += 1;
            if first_hit.is_none() {
                first_hit = Some((n, m.clone()));
            }
        }
    }
    let total = events.len();
    match (expect, first_hit) {
        (Expect::Match, Some((n, m))) => outcome(
            true,
            format!(
                "{hits} of {total} events matched; first: event {} on {}",
                n + 1,
                describe(&m)
            ),
        ),
        (Expect::Match, None) => outcome(false, format!("none of {total} events matched")),
        (Expect::NoMatch, None) => outcome(true, format!("none of {total} events matched")),
        (Expect::NoMatch, Some((n, m))) => outcome(
            false,
            format!(
                "{hits} of {total} events matched; first: event {} on {}",
                n + 1,
                describe(&m)
            ),
        ),
    }
}

/// The events of one sample file.
fn load_events(file: &Path, read_text: &ReadText<'_>) -> Result<Vec<Event>, String> {
    let is_json = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if !is_json {
        return read_text(file).map_err(|e| format!("cannot read the log sample: {}", escaped(&e)));
    }
    let size = fs::metadata(file)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > MAX_JSON_SAMPLE {
        return Err(format!(
            "{size} bytes: larger than the {MAX_JSON_SAMPLE}-byte limit for one event"
        ));
    }
    let bytes = fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    let event = Event::from_json(&value).map_err(|e| e.to_string())?;
    Ok(vec![event])
}

/// The fields a match rested on, escaped.
fn describe(m: &RuleMatch) -> String {
    if m.fields.is_empty() {
        return "no positive field (a keyword or negated selection)".into();
    }
    let parts: Vec<String> = m
        .fields
        .iter()
        .take(4)
        .map(|(name, value)| {
            let short: String = value.chars().take(120).collect();
            format!("{}={}", escaped(name), escaped(&short))
        })
        .collect();
    parts.join(", ")
}

/// Entries of a directory, sorted by path.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let read = fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read: {e}", escaped(&dir.display().to_string())))?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry
            .map_err(|e| format!("{}: cannot read: {e}", escaped(&dir.display().to_string())))?;
        out.push(entry.path());
    }
    out.sort();
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Text safe to show on a terminal (control characters escaped).
fn escaped(s: &str) -> String {
    s.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::{Origin, RuleSetBuilder};

    const RULE: &str = r#"
title: Test rule
id: 11111111-2222-3333-4444-555555555555
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\whoami.exe'
    condition: sel
level: high
"#;

    fn sysmon(image: &str) -> String {
        serde_json::json!({"format": "evtx", "fields": {
            "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
            "Image": image, "CommandLine": "x"}})
        .to_string()
    }

    fn rules() -> RuleSet {
        let mut b = RuleSetBuilder::new();
        b.add_source("t.yml", RULE, Origin::User);
        let (set, reports) = b.build();
        assert_eq!(set.len(), 1, "{reports:?}");
        set
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn no_text(_: &Path) -> Result<Vec<Event>, String> {
        Err("no text reader in this test".into())
    }

    const ID: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn passing_and_failing_samples() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(
            d,
            &format!("{ID}/match/a.json"),
            &sysmon("C:\\Windows\\System32\\whoami.exe"),
        );
        write(
            d,
            &format!("{ID}/match/b.json"),
            &sysmon("C:\\Windows\\System32\\cmd.exe"),
        );
        write(
            d,
            &format!("{ID}/nomatch/c.json"),
            &sysmon("C:\\Windows\\System32\\cmd.exe"),
        );
        write(
            d,
            &format!("{ID}/nomatch/d.json"),
            &sysmon("C:\\x\\WHOAMI.EXE"),
        );
        let r = run_samples(&rules(), d, &no_text);
        let passed: Vec<(String, bool)> = r
            .outcomes
            .iter()
            .map(|o| (file_name(&o.file), o.passed))
            .collect();
        assert_eq!(
            passed,
            vec![
                ("a.json".into(), true),
                ("b.json".into(), false),
                ("c.json".into(), true),
                ("d.json".into(), false)
            ]
        );
        assert!(
            r.outcomes[0].detail.contains("Image="),
            "{}",
            r.outcomes[0].detail
        );
        assert!(r.untested.is_empty() && r.errors.is_empty());
        assert!(!r.ok());
        assert_eq!(r.failures().count(), 2);
    }

    #[test]
    fn missing_kinds_unknown_rules_and_bad_files() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, &format!("{ID}/match/a.json"), &sysmon("C:\\whoami.exe"));
        write(d, &format!("{ID}/match/broken.json"), "{not json");
        write(d, &format!("{ID}/match/sample.log"), "text");
        write(d, &format!("{ID}/notes.txt"), "stray");
        write(
            d,
            "99999999-0000-0000-0000-000000000000/match/a.json",
            &sysmon("x"),
        );
        let r = run_samples(&rules(), d, &no_text);
        assert_eq!(r.untested, vec![format!("{ID}: no nomatch sample")]);
        assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
        let broken = r
            .outcomes
            .iter()
            .find(|o| o.file.ends_with("broken.json"))
            .unwrap();
        assert!(!broken.passed && broken.detail.starts_with("not JSON"));
        let log = r
            .outcomes
            .iter()
            .find(|o| o.file.ends_with("sample.log"))
            .unwrap();
        assert!(!log.passed && log.detail.contains("no text reader"));
        assert!(!r.ok());
    }

    #[test]
    fn text_samples_use_the_callback_and_a_missing_dir_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, &format!("{ID}/match/two.log"), "ignored");
        write(d, &format!("{ID}/nomatch/none.log"), "ignored");
        let read = |p: &Path| -> Result<Vec<Event>, String> {
            let image = if p.ends_with("two.log") {
                "C:\\whoami.exe"
            } else {
                "C:\\cmd.exe"
            };
            let v: serde_json::Value =
                serde_json::from_str(&sysmon(image)).map_err(|e| e.to_string())?;
            let e = Event::from_json(&v).map_err(|e| e.to_string())?;
            Ok(vec![
                Event::from_json(&serde_json::from_str(&sysmon("C:\\cmd.exe")).unwrap()).unwrap(),
                e,
            ])
        };
        let r = run_samples(&rules(), d, &read);
        assert!(r.ok(), "{r:?}");
        assert!(r.outcomes[0]
            .detail
            .starts_with("1 of 2 events matched; first: event 2"));
        let r = run_samples(&rules(), &d.join("absent"), &read);
        assert_eq!(r.errors.len(), 1);
        assert!(!r.ok());
    }
}
