//! Rule sample tests, run by `ferret rules test` and by `cargo test`.
//!
//! Layout: `<dir>/<rule-id>/match/*` must raise the rule's signal,
//! `<dir>/<rule-id>/nomatch/*` must not; `<dir>/verdict/webshell/*` must end as
//! a finding (medium or above) and `<dir>/verdict/benign/*` must not. Files
//! ending in `.b64` are base64-decoded in memory (positive samples are stored
//! so, to keep antivirus off the checkout); the name without `.b64` is the
//! name the scanner sees. Every shipped rule and heuristic must have at least
//! one sample of each kind.

use crate::webshell::{FileInput, ScanContext, WebshellRules};
use crate::RuleError;
use base64::Engine as _;
use ferret_core::Severity;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a sample must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Raise the rule.
    Match,
    /// Not raise the rule.
    NoMatch,
    /// End as a finding of medium or above.
    Webshell,
    /// Not end as such a finding.
    Benign,
}

/// One sample's outcome.
#[derive(Debug)]
pub struct SampleResult {
    /// The rule id (folder name), or `verdict`.
    pub rule: String,
    /// The sample file.
    pub file: PathBuf,
    /// What it had to do.
    pub expect: Expect,
    /// Whether it did.
    pub passed: bool,
    /// The signals it raised.
    pub signals: Vec<String>,
}

/// All outcomes, plus rules without samples.
#[derive(Debug, Default)]
pub struct SampleReport {
    /// Every sample.
    pub results: Vec<SampleResult>,
    /// Shipped rules or heuristics lacking a positive or a negative sample.
    pub untested: Vec<String>,
}

impl SampleReport {
    /// Whether every sample passed and every rule had samples.
    pub fn ok(&self) -> bool {
        self.untested.is_empty() && self.results.iter().all(|r| r.passed)
    }
}

/// Runs every sample under `dir` through the full scanner.
pub fn run(
    rules: &WebshellRules,
    dir: &Path,
    require_coverage: bool,
) -> Result<SampleReport, RuleError> {
    let io = |p: &Path, e| RuleError::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let mut scanner = rules.scanner();
    let ctx = ScanContext {
        host: "test".into(),
        time: "1970-01-01T00:00:00Z".into(),
    };
    let mut report = SampleReport::default();
    let mut covered: BTreeSet<(String, bool)> = BTreeSet::new();
    let mut rule_dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    rule_dirs.sort();
    for rd in rule_dirs {
        let rule = rd
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let kinds: &[(&str, Expect)] = if rule == "verdict" {
            &[("webshell", Expect::Webshell), ("benign", Expect::Benign)]
        } else {
            &[("match", Expect::Match), ("nomatch", Expect::NoMatch)]
        };
        for (sub, expect) in kinds {
            let sd = rd.join(sub);
            let Ok(rdir) = std::fs::read_dir(&sd) else {
                continue;
            };
            let mut files: Vec<PathBuf> = rdir
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                let raw = std::fs::read(&f).map_err(|e| io(&f, e))?;
                let (data, name) = decode_sample(&f, raw)?;
                let input = FileInput {
                    path: &name,
                    original_path: None,
                    data: &data,
                    mtime: None,
                };
                let signals = scanner.signal_ids(&input).map_err(|e| RuleError::Data {
                    origin: f.display().to_string(),
                    message: e.to_string(),
                })?;
                let finding = scanner
                    .scan(&input, &ctx)
                    .map_err(|e| RuleError::Data {
                        origin: f.display().to_string(),
                        message: e.to_string(),
                    })?
                    .finding;
                let at_least_medium = finding
                    .as_ref()
                    .is_some_and(|f| f.severity >= Severity::Medium);
                let passed = match expect {
                    Expect::Match => signals.contains(&rule),
                    Expect::NoMatch => !signals.contains(&rule),
                    Expect::Webshell => at_least_medium,
                    Expect::Benign => !at_least_medium,
                };
                covered.insert((rule.clone(), matches!(expect, Expect::Match)));
                report.results.push(SampleResult {
                    rule: rule.clone(),
                    file: f,
                    expect: *expect,
                    passed,
                    signals,
                });
            }
        }
    }
    if require_coverage {
        let mut ids: Vec<String> = rules
            .rule_metas()
            .into_iter()
            .filter(|m| m.origin == crate::RuleOrigin::Shipped)
            .map(|m| m.id.clone())
            .collect();
        ids.extend(
            crate::heuristics::HEURISTICS
                .iter()
                .map(|h| h.0.to_string()),
        );
        for id in ids {
            for positive in [true, false] {
                if !covered.contains(&(id.clone(), positive)) {
                    report.untested.push(format!(
                        "{id}: no {} sample",
                        if positive { "match" } else { "nomatch" }
                    ));
                }
            }
        }
    }
    Ok(report)
}

fn decode_sample(path: &Path, raw: Vec<u8>) -> Result<(Vec<u8>, PathBuf), RuleError> {
    if path.extension().is_some_and(|e| e == "b64") {
        let text: Vec<u8> = raw
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let data = base64::engine::general_purpose::STANDARD
            .decode(&text)
            .map_err(|e| RuleError::Data {
                origin: path.display().to_string(),
                message: format!("not valid base64: {e}"),
            })?;
        Ok((data, path.with_extension("")))
    } else {
        Ok((raw, path.to_path_buf()))
    }
}
