//! Recall and precision of Ferret's shipped Sigma rules on the public EVTX
//! collection (`shared/datasets/evtx`, described by its `MANIFEST.tsv`):
//! - every file whose `t1505_activity` starts with `T1505` yields a match of
//!   a shipped rule tagged with the sub-technique the manifest names, and
//!   every event a SigmaHQ rule tagged `attack.t1505*` matches there is
//!   matched by a shipped rule too;
//! - files marked `-` (no T1505 activity) yield no shipped-rule match at
//!   level medium or above, except the reviewed ones in [`KNOWN_OTHER`].

use ferret_core::Event;
use ferret_hunt::sigma::{Level, Origin, RuleMatch, RuleSet, RuleSetBuilder};
use ferret_logs::discover::discover;
use ferret_logs::dispatch::read_file;
use ferret_logs::{Item, ReadOptions};
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

const DATASET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/datasets/evtx");
const SIGMAHQ: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/sigma/rules"
);
const OURS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/sigma");

/// Files marked `-` where a shipped rule fires at medium or above, reviewed
/// by hand: (manifest file, rule id, why it is right or acceptable).
const KNOWN_OTHER: &[(&str, &str, &str)] = &[];

/// One row of MANIFEST.tsv.
struct Row {
    file: String,
    activity: String,
}

fn manifest(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv readable");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Some(Row {
                file: (*cols.first()?).to_owned(),
                activity: (*cols.get(4)?).to_owned(),
            })
        })
        .collect()
}

/// The technique a manifest activity names: `T1505` or `T1505.00N`.
fn named_technique(activity: &str) -> Option<String> {
    let rest = activity.strip_prefix("T1505")?;
    match rest.as_bytes() {
        [b'.', a, b, c, ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            Some(format!("T1505.{}", &rest[1..4]))
        }
        _ => Some("T1505".into()),
    }
}

fn read_events(path: &Path) -> Vec<Event> {
    let found = discover(&[path.to_path_buf()]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let mut events = Vec::new();
    for file in &found.files {
        let mut sink = |item: Item| {
            if let Item::Event(e) = item {
                events.push(e);
            }
            ControlFlow::Continue(())
        };
        read_file(file, &ReadOptions::default(), &mut sink);
    }
    events
}

fn load(builder: RuleSetBuilder) -> RuleSet {
    let (rules, _reports) = builder.build();
    rules
}

/// SigmaHQ rules tagged with T1505 or one of its sub-techniques.
fn sigmahq_t1505(root: &Path) -> RuleSet {
    let mut builder = RuleSetBuilder::new();
    let mut stack = vec![root.to_path_buf()];
    let mut files: Vec<PathBuf> = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    for p in files {
        if let Ok(text) = std::fs::read_to_string(&p) {
            if text.contains("attack.t1505") {
                builder.add_source(&p.display().to_string(), &text, Origin::User);
            }
        }
    }
    load(builder)
}

fn scan(rules: &RuleSet, event: &Event) -> Vec<RuleMatch> {
    let mut out = Vec::new();
    rules.matcher().scan(event, &mut out);
    out
}

#[test]
fn shipped_rules_on_the_evtx_collection() {
    let dataset = Path::new(DATASET);
    if !dataset.join("MANIFEST.tsv").is_file() {
        eprintln!("skipped: {} not found", dataset.display());
        return;
    }
    let mut ours = RuleSetBuilder::new();
    ours.add_dir(Path::new(OURS), Origin::Shipped);
    let ours = load(ours);
    let sigmahq = if Path::new(SIGMAHQ).is_dir() {
        Some(sigmahq_t1505(Path::new(SIGMAHQ)))
    } else {
        eprintln!("skipped SigmaHQ comparison: {SIGMAHQ} not found");
        None
    };
    let mut failures: Vec<String> = Vec::new();
    let mut unexpected: Vec<String> = Vec::new();
    let mut t1505_files = 0;
    let mut quiet_files = 0;
    for row in manifest(dataset) {
        let expected = named_technique(&row.activity);
        let quiet = row.activity == "-";
        let other = expected.is_none() && !quiet;
        let events = read_events(&dataset.join(&row.file));
        let mut techniques: BTreeSet<String> = BTreeSet::new();
        let mut hq_events = 0;
        for (n, event) in events.iter().enumerate() {
            let mine = scan(&ours, event);
            for m in &mine {
                let meta = ours.meta(m.rule);
                techniques.extend(meta.techniques.iter().cloned());
                if other || (quiet && meta.level < Level::Medium) {
                    eprintln!(
                        "note: {} event {} ({:?}): {} [{:?}]",
                        row.file,
                        n + 1,
                        meta.level,
                        meta.title,
                        m.fields.iter().take(3).collect::<Vec<_>>()
                    );
                }
                if quiet && meta.level >= Level::Medium {
                    let id = meta.id.clone().unwrap_or_default();
                    if !KNOWN_OTHER
                        .iter()
                        .any(|(f, r, _)| *f == row.file && *r == id)
                    {
                        unexpected.push(format!(
                            "{} event {} ({:?}): {} [{}] on {:?}",
                            row.file,
                            n + 1,
                            event.source.record_id,
                            meta.title,
                            id,
                            m.fields
                        ));
                    }
                }
            }
            if let (Some(hq), Some(_)) = (&sigmahq, &expected) {
                let theirs = scan(hq, event);
                if !theirs.is_empty() {
                    hq_events += 1;
                    if mine.is_empty() {
                        let titles: Vec<&str> = theirs
                            .iter()
                            .map(|m| hq.meta(m.rule).title.as_str())
                            .collect();
                        failures.push(format!(
                            "{} event {}: SigmaHQ {titles:?} match, no shipped rule does",
                            row.file,
                            n + 1
                        ));
                    }
                }
            }
        }
        if let Some(want) = &expected {
            t1505_files += 1;
            let hit = techniques
                .iter()
                .any(|t| t == want || (want == "T1505" && t.starts_with("T1505")));
            eprintln!(
                "{}: {} events, ours {:?}, SigmaHQ t1505 matched {hq_events} events",
                row.file,
                events.len(),
                techniques
            );
            if !hit {
                failures.push(format!(
                    "{}: no shipped rule tagged {want} matched ({} events; techniques seen {techniques:?})",
                    row.file,
                    events.len()
                ));
            }
        } else if quiet {
            quiet_files += 1;
        }
    }
    eprintln!("{t1505_files} T1505 files, {quiet_files} quiet files checked");
    assert!(
        t1505_files >= 10,
        "only {t1505_files} T1505 files in the manifest"
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}

#[test]
fn manifest_technique_names() {
    assert_eq!(
        named_technique("T1505.003 (weak): x").as_deref(),
        Some("T1505.003")
    );
    assert_eq!(
        named_technique("T1505.001: y").as_deref(),
        Some("T1505.001")
    );
    assert_eq!(named_technique("T1505 z").as_deref(), Some("T1505"));
    assert_eq!(named_technique("-"), None);
    assert_eq!(named_technique("Linux auditd"), None);
}
