//! Building `Finding`s for files under the root.

use crate::profile::{Advisory, Entry};
use crate::walk::{sha256_file, HASH_CAP};
use ferret_core::{
    stable_id, Confidence, Escaped, Evidence, EvidenceSource, FileSubject, Finding, Mitigation,
    Severity, Technique, Timestamp,
};
use std::path::Path;

/// What a check found about one file.
pub struct Hit<'a> {
    /// The profile's name.
    pub profile: &'a str,
    /// The check (`planted`, `unshipped_script`, ...).
    pub check: &'static str,
    /// Relative path under the root.
    pub rel: &'a Path,
    /// What was found, in words (attacker text already escaped).
    pub what: String,
    /// Severity.
    pub severity: Severity,
    /// Technique.
    pub technique: Technique,
    /// The advisory, when one applies.
    pub advisory: Option<&'a Advisory>,
    /// Why it matters.
    pub why: &'a str,
    /// 1-based line, for configuration and start-up file lines.
    pub line: Option<u64>,
    /// The matched text, escaped.
    pub excerpt: Option<Escaped>,
    /// How sure.
    pub confidence: f64,
}

impl<'a> Hit<'a> {
    /// A hit with the entry's severity, technique, advisory and why.
    pub fn from_entry(
        profile: &'a str,
        check: &'static str,
        rel: &'a Path,
        entry: &'a Entry,
        what: String,
    ) -> Hit<'a> {
        Hit {
            profile,
            check,
            rel,
            what,
            severity: entry.severity,
            technique: entry.technique,
            advisory: entry.advisory.as_ref(),
            why: &entry.why,
            line: None,
            excerpt: None,
            confidence: 0.8,
        }
    }

    /// A hit outside every profile entry: server-component persistence,
    /// `severity`, no advisory, the check's own `why`.
    pub fn plain(
        profile: &'a str,
        check: &'static str,
        rel: &'a Path,
        what: String,
        severity: Severity,
        why: &'a str,
    ) -> Hit<'a> {
        Hit {
            profile,
            check,
            rel,
            what,
            severity,
            technique: Technique::ServerSoftwareComponent,
            advisory: None,
            why,
            line: None,
            excerpt: None,
            confidence: 0.8,
        }
    }
}

fn rfc3339(meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let micros = meta
        .mtime()
        .checked_mul(1_000_000)?
        .checked_add(meta.mtime_nsec() / 1000)?;
    Some(Timestamp::from_unix_micros(micros).to_rfc3339())
}

/// Turns a hit into a finding; hashing problems go to `errors`.
pub fn finding(
    root: &Path,
    hit: Hit<'_>,
    host: &str,
    time: &str,
    errors: &mut Vec<String>,
) -> Finding {
    let full = root.join(hit.rel);
    let rel_text = hit.rel.to_string_lossy();
    let rule = format!("appliance.{}.{}", hit.profile, hit.check);
    let meta = std::fs::symlink_metadata(&full).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let mut note = String::new();
    let sha256 = match meta.as_ref() {
        Some(m) if m.is_file() => match sha256_file(&full, HASH_CAP) {
            Ok(Some(h)) => h,
            Ok(None) => {
                note = format!(" (larger than {} MiB: not hashed)", HASH_CAP >> 20);
                String::new()
            }
            Err(e) => {
                errors.push(crate::walk::item_error(&full, "cannot hash", &e));
                note = " (could not be read to hash)".into();
                String::new()
            }
        },
        _ => String::new(),
    };
    let advisory = match hit.advisory {
        Some(a) => format!(
            " Advisory {}: {} ({}).",
            ferret_core::escape_str(&a.id),
            ferret_core::escape_str(&a.title),
            ferret_core::escape_str(&a.url)
        ),
        None => String::new(),
    };
    let detail = format!(
        "{}{}. {}{}",
        hit.what,
        note,
        ferret_core::escape_str(hit.why),
        advisory
    );
    let score = hit.severity.min_score();
    let mut original = std::path::PathBuf::from("/");
    original.push(hit.rel);
    let path = Escaped::from_path(&full);
    let title = format!(
        "{} ({}): {}",
        hit.what,
        hit.profile,
        Escaped::from_path(&original)
    );
    let mut mitigations = vec![Mitigation::M1047];
    if matches!(hit.check, "config_code" | "interpreter_start" | "setuid") {
        mitigations.push(Mitigation::M1042);
    }
    if matches!(hit.check, "setuid" | "symlink_out") {
        mitigations.push(Mitigation::M1018);
    }
    Finding {
        id: stable_id(&[&rule, &rel_text]),
        time: time.to_string(),
        host: host.to_string(),
        technique: hit.technique,
        technique_name: hit.technique.name().to_string(),
        title,
        severity: hit.severity,
        confidence: Confidence::new(hit.confidence),
        score,
        rule: rule.clone(),
        subject: ferret_core::Subject::File(FileSubject {
            path: path.clone(),
            original_path: Some(Escaped::from_path(&original)),
            sha256,
            size,
            language: None,
            identified_by: None,
            mtime: meta.as_ref().and_then(rfc3339),
        }),
        evidence: vec![Evidence {
            source: EvidenceSource::Policy,
            rule,
            detail,
            score,
            offset: None,
            line: hit.line,
            excerpt: hit.excerpt,
        }],
        mitigations,
        incident: stable_id(&["file", path.as_str()]),
    }
}
