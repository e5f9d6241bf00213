//! The profile schema (`rules/appliances/*.toml`, documented in that folder's
//! README), its validation, and the profiles embedded in the binary.

use crate::ApplianceError;
use ferret_core::{Severity, Technique};
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::str::FromStr;

/// The profiles shipped in `rules/appliances/`, as `(file name, text)`.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "netscaler.toml",
        include_str!("../../../rules/appliances/netscaler.toml"),
    ),
    (
        "ivanti.toml",
        include_str!("../../../rules/appliances/ivanti.toml"),
    ),
    (
        "panos.toml",
        include_str!("../../../rules/appliances/panos.toml"),
    ),
    (
        "fortios.toml",
        include_str!("../../../rules/appliances/fortios.toml"),
    ),
    (
        "iosxe.toml",
        include_str!("../../../rules/appliances/iosxe.toml"),
    ),
    (
        "sophos.toml",
        include_str!("../../../rules/appliances/sophos.toml"),
    ),
];

/// A profile as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    product: String,
    markers: Vec<Vec<String>>,
    #[serde(default)]
    advisory: Vec<Advisory>,
    #[serde(default)]
    served: Vec<RawServed>,
    #[serde(default)]
    planted: Vec<RawEntry>,
    #[serde(default)]
    interpreter_start: Vec<RawServed>,
    #[serde(default)]
    config: Vec<RawConfig>,
    #[serde(default)]
    symlinks: Vec<RawEntry>,
    #[serde(default)]
    setuid: Vec<RawEntry>,
}

/// A public advisory a profile cites.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    /// Short id, e.g. `CISA-AA23-201A`.
    pub id: String,
    /// The advisory's title.
    pub title: String,
    /// Where to read it.
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    path: String,
    severity: Severity,
    technique: String,
    #[serde(default)]
    advisory: Option<String>,
    why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServed {
    path: String,
    #[serde(default)]
    execute: Vec<String>,
    #[serde(default)]
    shipped: Vec<String>,
    severity: Severity,
    technique: String,
    #[serde(default)]
    advisory: Option<String>,
    why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    path: String,
    kind: String,
    #[serde(default)]
    allow: Vec<String>,
    severity: Severity,
    technique: String,
    #[serde(default)]
    advisory: Option<String>,
    why: String,
}

/// What every profile entry carries: where, how bad, which technique, and why.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The path pattern, relative to the root, `/`-separated.
    pub path: String,
    /// The same pattern compiled (`*` within a component, `**` across).
    pub glob: GlobMatcher,
    /// Severity of what the entry finds.
    pub severity: Severity,
    /// ATT&CK technique of what the entry finds.
    pub technique: Technique,
    /// The advisory the entry cites, resolved.
    pub advisory: Option<Advisory>,
    /// Why it matters, in the profile author's words.
    pub why: String,
}

/// A served folder or an interpreter start-up folder.
#[derive(Debug, Clone)]
pub struct Served {
    /// Location, severity, technique, advisory.
    pub entry: Entry,
    /// Extensions (lowercase, no dot) mapped to an interpreter there.
    pub execute: Vec<String>,
    /// Names the product ships there (matched against the file name).
    pub shipped: GlobSet,
}

/// Which configuration language a `[[config]]` entry reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// nginx: `*_by_lua*` directives and `lua_package_(c)path`.
    Nginx,
    /// Apache httpd: handler, script alias and module directives.
    Apache,
}

/// A configuration file that could run code on request.
#[derive(Debug, Clone)]
pub struct Config {
    /// Location, severity, technique, advisory.
    pub entry: Entry,
    /// The language.
    pub kind: ConfigKind,
    /// Stock lines (substring match).
    pub allow: Vec<String>,
}

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The `--profile` value.
    pub name: String,
    /// The product it describes.
    pub product: String,
    /// Groups of paths; the profile is recognised when every path of a group exists.
    pub markers: Vec<Vec<String>>,
    /// Every advisory cited.
    pub advisories: Vec<Advisory>,
    /// Served folders.
    pub served: Vec<Served>,
    /// Indicator paths.
    pub planted: Vec<Entry>,
    /// Interpreter start-up folders.
    pub interpreter_start: Vec<Served>,
    /// Configuration files.
    pub config: Vec<Config>,
    /// Folders no symlink may leave.
    pub symlinks: Vec<Entry>,
    /// Folders where a set-uid or set-gid file is a finding.
    pub setuid: Vec<Entry>,
}

/// Compiles a path pattern: `*` within one component, `**` across components.
pub(crate) fn path_glob(p: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(GlobBuilder::new(p)
        .literal_separator(true)
        .backslash_escape(true)
        .build()?
        .compile_matcher())
}

fn bad(profile: &str, what: String) -> ApplianceError {
    ApplianceError::Profile {
        profile: ferret_core::escape_str(profile),
        message: ferret_core::escape_str(&what),
    }
}

/// A relative, `/`-separated path without `.` or `..` components.
fn check_rel(profile: &str, p: &str) -> Result<(), ApplianceError> {
    if p.is_empty()
        || p.starts_with('/')
        || p.split('/').any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(bad(
            profile,
            format!(
                "path {p:?} must be relative, `/`-separated, without `.`/`..` or empty components"
            ),
        ));
    }
    Ok(())
}

impl Profile {
    /// Parses and validates one profile: unknown keys are refused, globs must
    /// compile, cited advisories must be declared, paths must be relative.
    pub fn from_toml(text: &str) -> Result<Profile, ApplianceError> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| ApplianceError::Profile {
            profile: "?".into(),
            message: ferret_core::escape_str(&e.to_string()),
        })?;
        let name = raw.name.clone();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            || name == "none"
            || name == "auto"
        {
            return Err(bad(
                &name,
                "name must be lowercase letters, digits, `-` or `_` (not `none`/`auto`)".into(),
            ));
        }
        if raw.markers.is_empty() || raw.markers.iter().any(|g| g.is_empty()) {
            return Err(bad(
                &name,
                "markers must hold at least one non-empty group".into(),
            ));
        }
        for m in raw.markers.iter().flatten() {
            check_rel(&name, m)?;
            path_glob(m).map_err(|e| bad(&name, format!("marker {m:?}: {e}")))?;
        }
        let mut ids = std::collections::HashSet::new();
        for a in &raw.advisory {
            if a.id.is_empty() || !ids.insert(a.id.clone()) {
                return Err(bad(
                    &name,
                    format!("advisory id {:?} empty or repeated", a.id),
                ));
            }
        }
        let entry = |path: &str,
                     severity: Severity,
                     technique: &str,
                     advisory: &Option<String>,
                     why: &str|
         -> Result<Entry, ApplianceError> {
            check_rel(&name, path)?;
            let glob = path_glob(path).map_err(|e| bad(&name, format!("path {path:?}: {e}")))?;
            let technique = Technique::from_str(technique)
                .map_err(|e| bad(&name, format!("path {path:?}: {e}")))?;
            let advisory = match advisory {
                None => None,
                Some(id) => Some(
                    raw.advisory
                        .iter()
                        .find(|a| &a.id == id)
                        .cloned()
                        .ok_or_else(|| {
                            bad(
                                &name,
                                format!("path {path:?} cites undeclared advisory {id:?}"),
                            )
                        })?,
                ),
            };
            if why.trim().is_empty() {
                return Err(bad(&name, format!("path {path:?}: `why` is empty")));
            }
            Ok(Entry {
                path: path.to_string(),
                glob,
                severity,
                technique,
                advisory,
                why: why.to_string(),
            })
        };
        let names = |list: &[String]| -> Result<GlobSet, ApplianceError> {
            let mut b = GlobSetBuilder::new();
            for n in list {
                if n.contains('/') {
                    return Err(bad(&name, format!("shipped name {n:?} must not hold `/`")));
                }
                b.add(Glob::new(n).map_err(|e| bad(&name, format!("shipped name {n:?}: {e}")))?);
            }
            b.build().map_err(|e| bad(&name, e.to_string()))
        };
        let served_list =
            |list: &[RawServed], need_execute: bool| -> Result<Vec<Served>, ApplianceError> {
                list.iter()
                    .map(|s| {
                        let execute: Vec<String> = s
                            .execute
                            .iter()
                            .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                            .collect();
                        if need_execute
                            && (execute.is_empty()
                                || execute.iter().any(|e| e.is_empty() || e.contains('/')))
                        {
                            return Err(bad(
                                &name,
                                format!("served {:?}: `execute` must list extensions", s.path),
                            ));
                        }
                        if !need_execute && !execute.is_empty() {
                            return Err(bad(
                                &name,
                                format!("interpreter_start {:?}: `execute` does not apply", s.path),
                            ));
                        }
                        Ok(Served {
                            entry: entry(&s.path, s.severity, &s.technique, &s.advisory, &s.why)?,
                            execute,
                            shipped: names(&s.shipped)?,
                        })
                    })
                    .collect()
            };
        let plain = |list: &[RawEntry]| -> Result<Vec<Entry>, ApplianceError> {
            list.iter()
                .map(|e| entry(&e.path, e.severity, &e.technique, &e.advisory, &e.why))
                .collect()
        };
        let config = raw
            .config
            .iter()
            .map(|c| {
                let kind = match c.kind.as_str() {
                    "nginx" => ConfigKind::Nginx,
                    "apache" => ConfigKind::Apache,
                    k => {
                        return Err(bad(
                            &name,
                            format!("config {:?}: kind {k:?} is not nginx or apache", c.path),
                        ))
                    }
                };
                if c.allow.iter().any(|a| a.trim().is_empty()) {
                    return Err(bad(&name, format!("config {:?}: empty allow line", c.path)));
                }
                Ok(Config {
                    entry: entry(&c.path, c.severity, &c.technique, &c.advisory, &c.why)?,
                    kind,
                    allow: c.allow.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Profile {
            served: served_list(&raw.served, true)?,
            interpreter_start: served_list(&raw.interpreter_start, false)?,
            planted: plain(&raw.planted)?,
            symlinks: plain(&raw.symlinks)?,
            setuid: plain(&raw.setuid)?,
            config,
            name: raw.name,
            product: raw.product,
            markers: raw.markers,
            advisories: raw.advisory,
        })
    }
}

/// Every embedded profile, validated; names must be unique.
pub fn embedded() -> Result<Vec<Profile>, ApplianceError> {
    let mut out: Vec<Profile> = Vec::new();
    for (file, text) in EMBEDDED {
        let p = Profile::from_toml(text).map_err(|e| match e {
            ApplianceError::Profile { message, .. } => ApplianceError::Profile {
                profile: (*file).to_string(),
                message,
            },
            other => other,
        })?;
        if out.iter().any(|o| o.name == p.name) {
            return Err(bad(file, format!("profile name {:?} repeated", p.name)));
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
product = "Test"
markers = [["etc/t"]]
[[advisory]]
id = "A-1"
title = "T"
url = "https://example.invalid/"
[[served]]
path = "www/**"
execute = [".PHP"]
shipped = ["index.php"]
severity = "high"
technique = "T1505.003"
advisory = "A-1"
why = "served"
"#;

    #[test]
    fn every_embedded_profile_loads_and_validates() {
        let all = embedded().expect("embedded profiles valid");
        assert_eq!(all.len(), EMBEDDED.len());
        for p in &all {
            assert!(
                !p.served.is_empty() || !p.planted.is_empty(),
                "{} checks nothing",
                p.name
            );
            for a in &p.advisories {
                assert!(a.url.starts_with("https://"), "{}: {}", p.name, a.id);
            }
        }
    }

    #[test]
    fn minimal_profile_loads_and_normalises_extensions() {
        let p = Profile::from_toml(MINIMAL).unwrap();
        assert_eq!(p.served[0].execute, vec!["php".to_string()]);
        assert_eq!(p.served[0].entry.advisory.as_ref().unwrap().id, "A-1");
    }

    #[test]
    fn unknown_keys_undeclared_advisories_and_bad_globs_are_refused() {
        let unknown = MINIMAL.replace("why = \"served\"", "why = \"served\"\nextra = 1");
        assert!(Profile::from_toml(&unknown).is_err());
        let undeclared = MINIMAL.replace("advisory = \"A-1\"", "advisory = \"B-2\"");
        assert!(Profile::from_toml(&undeclared).is_err());
        let glob = MINIMAL.replace("www/**", "www/[");
        assert!(Profile::from_toml(&glob).is_err());
        let abs = MINIMAL.replace("www/**", "/www");
        assert!(Profile::from_toml(&abs).is_err());
        let up = MINIMAL.replace("www/**", "www/../etc");
        assert!(Profile::from_toml(&up).is_err());
        let tech = MINIMAL.replace("T1505.003", "T9999");
        assert!(Profile::from_toml(&tech).is_err());
        let sev = MINIMAL.replace("\"high\"", "\"dire\"");
        assert!(Profile::from_toml(&sev).is_err());
    }
}
