//! `ferret rules list|test`: what rules are loaded, and proof that each one
//! matches its positive samples and not its negative ones.

use super::Outcome;
use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use ferret_core::escape_str;
use ferret_detect::samples::{self, Expect};
use ferret_detect::webshell::WebshellConfig;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the loaded rules: YARA rules and heuristics (id, severity, weight,
    /// description) and Sigma rules (one line per rule document: path, id,
    /// title, status `loaded` or `refused` with the reason, and whether its
    /// logsource has a mapping).
    List(ListArgs),
    /// Run every rule's positive and negative samples (rules/tests/<rule-id>/{match,nomatch}/
    /// for YARA rules and heuristics, rules/tests/sigma/<rule-id>/{match,nomatch}/ for Sigma rules).
    ///
    /// Exit status 0 when every sample behaves and every shipped rule has
    /// both kinds of sample; 1 otherwise.
    Test(TestArgs),
    /// Compile Ferret's rules once into FILE, for `ferret scan --compiled-rules FILE`.
    Compile(CompileArgs),
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Where to write the compiled rules.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Also load a YARA rule tree (repeatable).
    #[arg(long = "yara", value_name = "DIR")]
    yara: Vec<PathBuf>,
    /// Also load a Sigma rule tree (repeatable), e.g. SigmaHQ's `rules/`.
    #[arg(long = "sigma", value_name = "DIR")]
    sigma: Vec<PathBuf>,
    /// List only Sigma rules.
    #[arg(long)]
    sigma_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The samples folder.
    #[arg(long, default_value = "rules/tests", value_name = "DIR")]
    samples: PathBuf,
    /// Also load a YARA rule tree (repeatable); its rules need no samples.
    #[arg(long = "yara", value_name = "DIR")]
    yara: Vec<PathBuf>,
    /// Print every sample, not only failures.
    #[arg(long, short = 'v')]
    verbose: bool,
}

pub fn exec(cmd: RulesCommand) -> anyhow::Result<Outcome> {
    match cmd {
        RulesCommand::List(a) => list(a),
        RulesCommand::Test(a) => test(a),
        RulesCommand::Compile(a) => compile(a),
    }
}

/// Shipped rules plus `--yara` trees; refused files are reported and returned.
fn load(
    yara: Vec<PathBuf>,
) -> anyhow::Result<(
    ferret_detect::webshell::WebshellRules,
    Vec<ferret_detect::RuleError>,
)> {
    let (rules, errors) = WebshellConfig {
        user_yara: yara,
        ..Default::default()
    }
    .build()?;
    for e in &errors {
        eprintln!(
            "ferret: rule file refused: {}",
            escape_str(&e.to_string()).replace("\\n", "\n    ")
        );
    }
    Ok((rules, errors))
}

fn compile(a: CompileArgs) -> anyhow::Result<Outcome> {
    let (rules, _) = load(Vec::new())?;
    let bytes = rules.serialize_shipped()?;
    std::fs::write(&a.output, &bytes).with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "ferret: wrote {} rules ({:.1} MB) to {}",
        rules.rule_metas().len(),
        bytes.len() as f64 / 1e6,
        escape_str(&a.output.display().to_string())
    );
    Ok(Outcome::Clean)
}

fn list(a: ListArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let sigma_refused = list_sigma(&a, &mut out)?;
    if a.sigma_only {
        out.flush()?;
        return Ok(if sigma_refused {
            Outcome::Errors
        } else {
            Outcome::Clean
        });
    }
    let (rules, errors) = load(a.yara)?;
    for m in rules.rule_metas() {
        let origin = match m.origin {
            ferret_detect::RuleOrigin::Shipped => "shipped",
            ferret_detect::RuleOrigin::User => "user",
        };
        match a.format {
            ListFormat::Table => writeln!(
                out,
                "{:<48} yara      {:<8} +{:<3} {}",
                escape_str(&m.id),
                m.severity,
                m.score,
                escape_str(&m.description)
            )?,
            ListFormat::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"id": m.id, "kind": "yara", "origin": origin, "file": m.origin_file,
                    "technique": m.technique, "severity": m.severity, "score": m.score,
                    "description": m.description, "family": m.family})
            )?,
        }
    }
    for (id, score, desc) in ferret_detect::webshell::heuristics() {
        match a.format {
            ListFormat::Table => writeln!(out, "{id:<48} heuristic {:<8} +{score:<3} {desc}", "-")?,
            ListFormat::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"id": id, "kind": "heuristic", "origin": "shipped", "technique": "T1505.003",
                    "score": score, "description": desc})
            )?,
        }
    }
    out.flush()?;
    Ok(if errors.is_empty() && !sigma_refused {
        Outcome::Clean
    } else {
        Outcome::Errors
    })
}

/// Lists shipped and `--sigma` rules, one line per rule document; true when
/// a user's rule was refused.
fn list_sigma(a: &ListArgs, out: &mut impl Write) -> anyhow::Result<bool> {
    use ferret_hunt::sigma::LoadStatus;
    let (rules, reports) = super::hunt::build_rules(&a.sigma, false);
    let metas: std::collections::HashMap<
        (&str, Option<&str>, &str),
        &ferret_hunt::sigma::RuleMeta,
    > = (0..rules.len())
        .map(|i| rules.meta(ferret_hunt::sigma::RuleId(i)))
        .map(|m| ((m.path.as_str(), m.id.as_deref(), m.title.as_str()), m))
        .collect();
    let mut counts = (0usize, 0usize, 0usize);
    for r in &reports {
        let meta = metas
            .get(&(
                r.path.as_str(),
                r.id.as_deref(),
                r.title.as_deref().unwrap_or(""),
            ))
            .copied();
        let technique = meta.map(|m| ferret_hunt::findings::technique_of(&m.techniques).id());
        let level = meta.map(|m| m.level.name());
        let origin = meta.map(|m| match m.origin {
            ferret_hunt::sigma::Origin::Shipped => "shipped",
            ferret_hunt::sigma::Origin::User => "user",
        });
        let (status, reason) = match &r.status {
            LoadStatus::Loaded => ("loaded", None),
            LoadStatus::Refused(why) => ("refused", Some(why.as_str())),
        };
        match status {
            "loaded" => counts.0 += 1,
            _ => counts.1 += 1,
        }
        if r.unmapped.is_some() {
            counts.2 += 1;
        }
        match a.format {
            ListFormat::Table => writeln!(
                out,
                "{:<8} {:<36} {} ({}){}",
                status,
                escape_str(r.id.as_deref().unwrap_or("-")),
                escape_str(r.title.as_deref().unwrap_or("-")),
                escape_str(&r.path),
                reason
                    .or(r.unmapped.as_deref())
                    .map(|w| format!(": {}", escape_str(w)))
                    .unwrap_or_default()
            )?,
            ListFormat::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"kind": "sigma", "path": r.path, "doc": r.doc, "id": r.id,
                    "title": r.title, "origin": origin, "technique": technique, "level": level,
                    "status": status, "reason": reason,
                    "mapped": r.unmapped.is_none() || reason.is_some(), "unmapped_reason": r.unmapped})
            )?,
        }
    }
    let _ = rules;
    eprintln!(
        "ferret: sigma: {} rule documents loaded, {} refused, {} loaded but without a logsource mapping",
        counts.0, counts.1, counts.2
    );
    Ok(counts.1 > 0)
}

fn test(a: TestArgs) -> anyhow::Result<Outcome> {
    let (rules, errors) = load(a.yara.clone())?;
    let report = samples::run(&rules, &a.samples, true)
        .with_context(|| format!("running samples under {}", a.samples.display()))?;
    let mut failed = 0;
    for r in &report.results {
        if !r.passed {
            failed += 1;
        }
        if !r.passed || a.verbose {
            let what = match r.expect {
                Expect::Match => "must match",
                Expect::NoMatch => "must not match",
                Expect::Webshell => "must be a finding (>= medium)",
                Expect::Benign => "must not be a finding",
            };
            println!(
                "{} {} {what}: {} (signals: {})",
                if r.passed { "ok  " } else { "FAIL" },
                escape_str(&r.rule),
                escape_str(&r.file.display().to_string()),
                r.signals.join(" ")
            );
        }
    }
    for u in &report.untested {
        println!("UNTESTED {u}");
    }
    println!(
        "ferret rules test: {} samples, {} passed, {} failed, {} rules lacking samples",
        report.results.len(),
        report.results.len() - failed,
        failed,
        report.untested.len()
    );
    let sigma_ok = test_sigma(&a)?;
    Ok(if report.ok() && errors.is_empty() && sigma_ok {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// Runs the shipped Sigma rules' samples under `<samples>/sigma`; true when all pass.
fn test_sigma(a: &TestArgs) -> anyhow::Result<bool> {
    let dir = a.samples.join("sigma");
    let (rules, reports) = super::hunt::build_rules(&[], false);
    let mut ok = true;
    for r in &reports {
        if let ferret_hunt::sigma::LoadStatus::Refused(why) = &r.status {
            println!(
                "FAIL sigma rule refused: {}: {}",
                escape_str(&r.path),
                escape_str(why)
            );
            ok = false;
        }
    }
    let read_text =
        |p: &std::path::Path| -> Result<Vec<ferret_core::Event>, String> { read_log_events(p) };
    let report = ferret_hunt::samples::run_samples(&rules, &dir, &read_text);
    let mut failed = 0;
    for o in &report.outcomes {
        if !o.passed {
            failed += 1;
        }
        if !o.passed || a.verbose {
            println!(
                "{} sigma {} {}: {} ({})",
                if o.passed { "ok  " } else { "FAIL" },
                escape_str(&o.rule),
                if o.expect_match {
                    "must match"
                } else {
                    "must not match"
                },
                escape_str(&o.file.display().to_string()),
                escape_str(&o.detail)
            );
        }
    }
    for u in &report.untested {
        println!("UNTESTED sigma {}", escape_str(u));
    }
    for e in &report.errors {
        println!("ERROR sigma {}", escape_str(e));
    }
    println!(
        "ferret rules test: {} Sigma samples, {} passed, {} failed, {} Sigma rules lacking samples",
        report.outcomes.len(),
        report.outcomes.len() - failed,
        failed,
        report.untested.len()
    );
    Ok(ok && report.ok())
}

/// Every event of one log file (any format the readers know); the first read
/// error fails the sample.
pub fn read_log_events(p: &std::path::Path) -> Result<Vec<ferret_core::Event>, String> {
    let read = ferret_logs::Collected::from_path(p, &ferret_logs::ReadOptions::default());
    match read.errors.first() {
        Some(e) => Err(e.to_string()),
        None => Ok(read.events),
    }
}
