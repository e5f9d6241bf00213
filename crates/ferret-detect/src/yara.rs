//! Compiling YARA rules (ours, embedded; the user's, from `--yara DIR`) once,
//! and reading each rule's metadata into a table the scanners share.

use crate::score::weight_for_severity;
use crate::RuleError;
use ferret_core::{Language, Severity, Technique};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOrigin {
    /// Shipped in the binary (`rules/yara/`).
    Shipped,
    /// Loaded from a `--yara DIR` tree.
    User,
}

/// What Ferret needs to know about a rule to weigh and explain its match.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    /// Stable id (`meta.id`, or `namespace.identifier` for user rules without one).
    pub id: String,
    /// The rule's identifier in its source.
    pub identifier: String,
    /// The file it came from.
    pub origin_file: String,
    /// Shipped or user.
    pub origin: RuleOrigin,
    /// ATT&CK technique.
    pub technique: Technique,
    /// Severity the rule alone implies.
    pub severity: Severity,
    /// Weight added to a file's score when the rule matches.
    pub score: u32,
    /// What the match means.
    pub description: String,
    /// Malware family, when the rule names one.
    pub family: Option<String>,
}

/// A compiled rule set plus its metadata table.
pub struct CompiledYara {
    pub(crate) rules: yara_x::Rules,
    pub(crate) meta: HashMap<(String, String), RuleMeta>,
}

/// Externals signature-base/LOKI style rules use; defined for every user rule set.
pub(crate) const EXTERNALS: [&str; 4] = ["filename", "filepath", "extension", "filetype"];

/// Number of rule families (see [`rule_family`]).
pub const FAMILIES: usize = 4;

/// Languages whose rules are compiled into one set: PHP; JSP; the Microsoft
/// pages (classic ASP and ASP.NET mix VBScript, JScript and C# idioms); and
/// the small CGI-era languages (whose shells often embed one another). A file
/// is scanned by its family's set only, which is most of a scan's speed, and
/// a set is compiled only when a file of its family turns up.
pub fn rule_family(l: Language) -> usize {
    match l {
        Language::Php => 0,
        Language::Jsp => 1,
        Language::Asp | Language::Aspx => 2,
        Language::Cfm | Language::Perl | Language::Python | Language::Shell => 3,
    }
}

/// Compiles the shipped rules of one family: `rules/yara/<language>/` of its
/// languages, plus any folder that names no language. A shipped rule that
/// does not compile or lacks metadata is a build defect: the error names it.
pub fn compile_family(family: usize) -> Result<CompiledYara, RuleError> {
    let sources: Vec<(String, String)> = crate::embedded::YARA
        .iter()
        .filter(|(p, _)| {
            let dir = p.split('/').next().unwrap_or_default();
            Language::from_name(dir).is_none_or(|d| rule_family(d) == family)
        })
        .map(|(p, s)| (format!("rules/yara/{p}"), s.to_string()))
        .collect();
    let (compiled, errors) = compile(&sources, RuleOrigin::Shipped, false)?;
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(compiled),
    }
}

/// Compiles every `.yar`/`.yara` file under the user's directories, unchanged.
/// Files that do not compile are returned as errors beside the rules that did.
pub fn compile_user(dirs: &[PathBuf]) -> Result<(CompiledYara, Vec<RuleError>), RuleError> {
    let mut files = Vec::new();
    for d in dirs {
        collect_rule_files(d, &mut files)?;
    }
    files.sort();
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match std::fs::read(&f) {
            Ok(b) => sources.push((
                f.display().to_string(),
                String::from_utf8_lossy(&b).into_owned(),
            )),
            Err(e) => errors.push(RuleError::Io { path: f, source: e }),
        }
    }
    let (compiled, mut compile_errors) = compile(&sources, RuleOrigin::User, true)?;
    errors.append(&mut compile_errors);
    Ok((compiled, errors))
}

fn collect_rule_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), RuleError> {
    let meta = std::fs::metadata(dir).map_err(|e| RuleError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    if meta.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let rd = std::fs::read_dir(dir).map_err(|e| RuleError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    for e in rd.flatten() {
        let p = e.path();
        let ft = e.file_type().map_err(|err| RuleError::Io {
            path: p.clone(),
            source: err,
        })?;
        if ft.is_dir() {
            collect_rule_files(&p, out)?;
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "yar" || x == "yara") {
            out.push(p);
        }
    }
    Ok(())
}

/// Each source gets its own namespace, so identifiers may repeat across files.
fn compile(
    sources: &[(String, String)],
    origin: RuleOrigin,
    externals: bool,
) -> Result<(CompiledYara, Vec<RuleError>), RuleError> {
    let mut c = yara_x::Compiler::new();
    if externals {
        for name in EXTERNALS {
            c.define_global(name, "").map_err(|e| RuleError::Yara {
                origin: "(externals)".into(),
                message: e.to_string(),
            })?;
        }
    }
    let mut errors = Vec::new();
    for (origin_file, src) in sources {
        // The namespace is the file: identifiers may repeat across files, and
        // compiled rules read back from disk still know where each came from.
        let ns = origin_file.as_str();
        // A user file that fails must not poison the rest: check it alone
        // first. Shipped files must all compile, so they skip the probe.
        if origin == RuleOrigin::User {
            let mut probe = yara_x::Compiler::new();
            if externals {
                for name in EXTERNALS {
                    let _ = probe.define_global(name, "");
                }
            }
            if let Err(e) = probe.add_source(
                yara_x::SourceCode::from(src.as_str()).with_origin(origin_file.as_str()),
            ) {
                errors.push(RuleError::Yara {
                    origin: origin_file.clone(),
                    message: e.to_string(),
                });
                continue;
            }
        }
        c.new_namespace(ns);
        if let Err(e) =
            c.add_source(yara_x::SourceCode::from(src.as_str()).with_origin(origin_file.as_str()))
        {
            errors.push(RuleError::Yara {
                origin: origin_file.clone(),
                message: e.to_string(),
            });
            continue;
        }
    }
    let (compiled, mut meta_errors) = CompiledYara::from_rules(c.build(), origin);
    errors.append(&mut meta_errors);
    Ok((compiled, errors))
}

impl CompiledYara {
    /// Wraps built rules, reading every rule's metadata (the namespace names
    /// the origin file). Rules whose metadata is bad are reported.
    pub(crate) fn from_rules(
        rules: yara_x::Rules,
        origin: RuleOrigin,
    ) -> (CompiledYara, Vec<RuleError>) {
        let mut meta = HashMap::new();
        let mut errors = Vec::new();
        for rule in rules.iter() {
            let ns = rule.namespace().to_string();
            match read_meta(&rule, &ns, origin) {
                Ok(m) => {
                    meta.insert((ns, rule.identifier().to_string()), m);
                }
                Err(e) => errors.push(e),
            }
        }
        (CompiledYara { rules, meta }, errors)
    }
}

/// A fingerprint of the shipped rule sources: compiled rule files made by a
/// build with other rules are refused.
pub fn shipped_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for (p, s) in crate::embedded::YARA {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(s.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

fn read_meta(rule: &yara_x::Rule, file: &str, origin: RuleOrigin) -> Result<RuleMeta, RuleError> {
    let mut fields: HashMap<&str, String> = HashMap::new();
    for (k, v) in rule.metadata() {
        let s = match v {
            yara_x::MetaValue::Integer(i) => i.to_string(),
            yara_x::MetaValue::Float(f) => f.to_string(),
            yara_x::MetaValue::Bool(b) => b.to_string(),
            yara_x::MetaValue::String(s) => s.to_string(),
            yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b.as_ref()).into_owned(),
        };
        fields.entry(k).or_insert(s);
    }
    let bad = |message: String| RuleError::Meta {
        origin: file.to_string(),
        rule: rule.identifier().to_string(),
        message,
    };
    let shipped = origin == RuleOrigin::Shipped;
    let id = match fields.get("id") {
        Some(id) => id.clone(),
        None if shipped => return Err(bad("missing meta.id".into())),
        None => format!("user.{}", rule.identifier()),
    };
    let technique = match fields.get("technique") {
        Some(t) => t.parse::<Technique>().map_err(|e| bad(e.to_string()))?,
        None if shipped => return Err(bad("missing meta.technique".into())),
        None => Technique::WebShell,
    };
    let severity = match fields.get("severity") {
        Some(s) => s.parse::<Severity>().map_err(|e| bad(e.to_string()))?,
        None if shipped => return Err(bad("missing meta.severity".into())),
        None => Severity::High,
    };
    let score = match fields.get("score") {
        Some(s) => s
            .parse::<u32>()
            .map_err(|_| bad(format!("meta.score {s:?} is not a whole number")))?,
        None => weight_for_severity(severity),
    };
    let description = match fields.get("description") {
        Some(d) => d.clone(),
        None if shipped => return Err(bad("missing meta.description".into())),
        None => format!("matched YARA rule {}", rule.identifier()),
    };
    Ok(RuleMeta {
        id,
        identifier: rule.identifier().to_string(),
        origin_file: file.to_string(),
        origin,
        technique,
        severity,
        score,
        description,
        family: fields.get("family").cloned(),
    })
}
