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
    /// List the loaded YARA rules and heuristics with id, severity, weight and description.
    List(ListArgs),
    /// Run every rule's positive and negative samples (rules/tests/<rule-id>/{match,nomatch}/).
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
    let (rules, errors) = load(a.yara)?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
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
    Ok(if errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Errors
    })
}

fn test(a: TestArgs) -> anyhow::Result<Outcome> {
    let (rules, errors) = load(a.yara)?;
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
    Ok(if report.ok() && errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
