//! Allowlists: what a site has reviewed and silenced, each entry with its reason.
//!
//! ```toml
//! [[allow]]
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! reason = "vendor debug console, reviewed by J. Doe 2026-11-02"
//!
//! [[allow]]
//! path = "/var/www/app/vendor/phpunit/**"
//! rule = "heur.php.request_to_sink"     # optional: silence only this signal
//! reason = "PHPUnit's eval-stdin helper; not reachable from the web (denied in nginx)"
//! ```
//! An entry names a `sha256`, a `path` glob, or both (then both must hold).

use crate::RuleError;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowFile {
    #[serde(default)]
    allow: Vec<EntryConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryConfig {
    sha256: Option<String>,
    path: Option<String>,
    rule: Option<String>,
    reason: String,
}

/// One compiled entry.
#[derive(Debug)]
struct Entry {
    sha256: Option<String>,
    path: Option<GlobMatcher>,
    rule: Option<String>,
    reason: String,
}

/// What the allowlist says about one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Allowed<'a> {
    /// Nothing.
    No,
    /// The whole file is allowed, for this reason.
    File(&'a str),
    /// These signals are allowed (rule id, reason).
    Rules(Vec<(&'a str, &'a str)>),
}

/// A set of allowlist files, compiled.
#[derive(Debug, Default)]
pub struct Allowlist {
    entries: Vec<Entry>,
}

impl Allowlist {
    /// Parses one allowlist file's text; `origin` names it in errors.
    pub fn add_toml(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        let file: AllowFile = toml::from_str(text).map_err(|e| RuleError::Data {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        for (i, e) in file.allow.into_iter().enumerate() {
            let bad = |m: String| RuleError::Data {
                origin: origin.to_string(),
                message: format!("allow entry {}: {m}", i + 1),
            };
            if e.sha256.is_none() && e.path.is_none() {
                return Err(bad("needs sha256, path, or both".into()));
            }
            if e.reason.trim().is_empty() {
                return Err(bad("reason must say why this is allowed".into()));
            }
            let sha256 = match e.sha256 {
                Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Some(h.to_ascii_lowercase())
                }
                Some(h) => return Err(bad(format!("sha256 {h:?} is not 64 hex digits"))),
                None => None,
            };
            let path = match e.path {
                Some(p) => Some(
                    Glob::new(&p)
                        .map_err(|err| bad(format!("path glob {p:?}: {}", err.kind())))?
                        .compile_matcher(),
                ),
                None => None,
            };
            self.entries.push(Entry {
                sha256,
                path,
                rule: e.rule,
                reason: e.reason,
            });
        }
        Ok(())
    }

    /// Whether any entry names a hash (then every file's hash is needed).
    pub fn needs_hash(&self) -> bool {
        self.entries.iter().any(|e| e.sha256.is_some())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What applies to a file with these paths and hash.
    pub fn check<'a>(&'a self, paths: &[&str], sha256: Option<&str>) -> Allowed<'a> {
        let mut rules = Vec::new();
        for e in &self.entries {
            let hash_ok = e.sha256.as_deref().is_none_or(|h| Some(h) == sha256);
            let path_ok = e
                .path
                .as_ref()
                .is_none_or(|g| paths.iter().any(|p| g.is_match(p)));
            if !(hash_ok && path_ok) {
                continue;
            }
            match &e.rule {
                None => return Allowed::File(&e.reason),
                Some(r) => rules.push((r.as_str(), e.reason.as_str())),
            }
        }
        if rules.is_empty() {
            Allowed::No
        } else {
            Allowed::Rules(rules)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn hash_path_and_rule_entries() {
        let mut a = Allowlist::default();
        a.add_toml(
            "t.toml",
            &format!(
                "[[allow]]\nsha256 = \"{H}\"\nreason = \"reviewed\"\n\
                 [[allow]]\npath = \"/srv/app/vendor/**\"\nrule = \"heur.long_line\"\nreason = \"minified\"\n"
            ),
        )
        .unwrap();
        assert_eq!(a.check(&["/x.php"], Some(H)), Allowed::File("reviewed"));
        assert_eq!(
            a.check(&["/srv/app/vendor/a/b.php"], None),
            Allowed::Rules(vec![("heur.long_line", "minified")])
        );
        assert_eq!(
            a.check(&["/srv/other.php"], Some(&"0".repeat(64))),
            Allowed::No
        );
    }

    #[test]
    fn entries_must_say_what_and_why() {
        let mut a = Allowlist::default();
        assert!(a.add_toml("t", "[[allow]]\nreason = \"x\"\n").is_err());
        assert!(a
            .add_toml("t", "[[allow]]\npath = \"/a\"\nreason = \" \"\n")
            .is_err());
        assert!(a
            .add_toml("t", "[[allow]]\nsha256 = \"abc\"\nreason = \"x\"\n")
            .is_err());
        assert!(a
            .add_toml("t", "[[allow]]\npath = \"/a\"\nreason = \"x\"\nextra = 1\n")
            .is_err());
    }
}
