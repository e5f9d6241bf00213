//! M1042: PHP's `disable_functions` covers the command-execution functions
//! in every web-facing ini set the inventory read, and in every PHP-FPM pool.
//!
//! A set is a directory's `php.ini` plus its scan directory (`conf.d/*.ini`,
//! `/etc/php.d/*.ini` for `/etc/php.ini`), read in PHP's order; the last
//! `disable_functions` wins. A pool's `php_admin_value[disable_functions]`
//! adds to its FPM set's list (PHP-FPM appends it), so each pool is judged on
//! the union. Sets of non-web SAPIs (`cli`, ...) are skipped.

use crate::catalogue::PhpRule;
use crate::{Check, Evidence, Facts, Status};
use ferret_collect::servers::php::parse_php_ini;
use ferret_collect::servers::read_config;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The effective `disable_functions` of a set: the file and line that set
/// it, and the functions it lists (lower case).
#[derive(Debug, Clone, Default)]
struct Setting {
    at: Option<(PathBuf, u64, String)>,
    functions: BTreeSet<String>,
}

/// Splits a `disable_functions` value as PHP does (commas and spaces).
pub fn split_functions(v: &str) -> BTreeSet<String> {
    v.split([',', ' ', '\t'])
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads one set; `files` in PHP's order.
fn read_set(files: &[PathBuf], errors: &mut Vec<String>) -> Setting {
    let mut s = Setting::default();
    for f in files {
        let bytes = match read_config(f) {
            Ok(b) => b,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        for e in parse_php_ini(&bytes).entries {
            if e.key.eq_ignore_ascii_case("disable_functions") {
                s.functions = split_functions(&e.value);
                s.at = Some((f.clone(), e.line, e.value));
            }
        }
    }
    s
}

/// The scan directory files of the set whose main ini is `ini`, sorted.
fn scan_files(ini: &Path) -> Vec<PathBuf> {
    let Some(dir) = ini.parent() else {
        return Vec::new();
    };
    let scan = if dir.file_name().is_some_and(|n| n == "etc") {
        dir.join("php.d")
    } else {
        dir.join("conf.d")
    };
    let mut v: Vec<PathBuf> = std::fs::read_dir(&scan)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ini"))
        .collect();
    v.sort();
    v
}

/// One FPM pool's `disable_functions`.
struct Pool {
    file: PathBuf,
    name: String,
    setting: Option<(u64, String)>,
}

fn read_pools(file: &Path, errors: &mut Vec<String>) -> Vec<Pool> {
    let bytes = match read_config(file) {
        Ok(b) => b,
        Err(e) => {
            errors.push(e.to_string());
            return Vec::new();
        }
    };
    let mut pools: Vec<Pool> = Vec::new();
    for e in parse_php_ini(&bytes).entries {
        let Some(name) = e.section.clone() else {
            continue;
        };
        if name == "global" {
            continue;
        }
        if pools.last().map(|p| &p.name) != Some(&name) {
            pools.push(Pool {
                file: file.to_path_buf(),
                name: name.clone(),
                setting: None,
            });
        }
        let key = e.key.replace(' ', "");
        if key.eq_ignore_ascii_case("php_admin_value[disable_functions]") {
            if let Some(p) = pools.last_mut() {
                p.setting = Some((e.line, e.value.clone()));
            }
        }
    }
    pools
}

/// The FPM set directory a pool file belongs to: `.../fpm/pool.d/x.conf` →
/// `.../fpm`; `/etc/php-fpm.d/x.conf` → `/etc`.
fn pool_base(pool_file: &Path) -> Option<&Path> {
    pool_file.parent()?.parent()
}

/// Runs the check.
pub fn check(rule: &PhpRule, facts: &Facts, errors: &mut Vec<String>) -> Check {
    let required: Vec<String> = rule
        .required
        .iter()
        .map(|f| f.to_ascii_lowercase())
        .collect();
    let mut evidence = Vec::new();
    let (mut failing, mut judged) = (false, 0usize);
    let mut inis: Vec<&PathBuf> = facts
        .files_read
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "php.ini"))
        .collect();
    inis.sort();
    inis.dedup();
    let pool_files: Vec<&PathBuf> = facts
        .files_read
        .iter()
        .filter(|p| {
            let parent = p.parent().and_then(|d| d.file_name());
            p.extension().is_some_and(|x| x == "conf")
                && parent.is_some_and(|d| d == "pool.d" || d == "php-fpm.d")
        })
        .collect();
    let mut judge = |label: String,
                     file: &Path,
                     line: Option<u64>,
                     value: Option<&str>,
                     set: &BTreeSet<String>| {
        judged += 1;
        let missing: Vec<&str> = required
            .iter()
            .filter(|f| !set.contains(f.as_str()))
            .map(String::as_str)
            .collect();
        let what = if missing.is_empty() {
            format!("{label}: disable_functions covers {}", required.join(", "))
        } else if value.is_none() {
            failing = true;
            format!(
                "{label}: disable_functions is not set; missing {}",
                missing.join(", ")
            )
        } else {
            failing = true;
            format!("{label}: disable_functions misses {}", missing.join(", "))
        };
        let mut e = Evidence::at(what, file);
        if let Some(l) = line {
            e = e.line(l);
        }
        if let Some(v) = value {
            e = e.value(v);
        }
        evidence.push(e);
    };
    for ini in inis {
        let dir = ini.parent().unwrap_or(Path::new("/"));
        let sapi = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if rule.skip_sapis.contains(&sapi) {
            continue;
        }
        let mut files = vec![ini.clone()];
        files.extend(scan_files(ini));
        let set = read_set(&files, errors);
        let pools: Vec<Pool> = pool_files
            .iter()
            .filter(|p| {
                pool_base(p) == Some(dir)
                    || (dir.file_name().is_some_and(|n| n == "etc")
                        && p.parent()
                            .and_then(|d| d.file_name())
                            .is_some_and(|n| n == "php-fpm.d"))
            })
            .flat_map(|p| read_pools(p, errors))
            .collect();
        let (file, line, value) = match &set.at {
            Some((f, l, v)) => (f.as_path(), Some(*l), Some(v.as_str())),
            None => (ini.as_path(), None, None),
        };
        if pools.is_empty() {
            judge(
                format!("PHP {}", crate::sys_path(&facts.root, dir)),
                file,
                line,
                value,
                &set.functions,
            );
        }
        for p in pools {
            let mut all = set.functions.clone();
            let label = format!("PHP-FPM pool [{}]", ferret_core::escape_str(&p.name));
            match &p.setting {
                Some((l, v)) => {
                    all.extend(split_functions(v));
                    judge(label, &p.file, Some(*l), Some(v), &all);
                }
                None => judge(label + " (from php.ini)", file, line, value, &all),
            }
        }
    }
    let status = if failing {
        Status::NotMet
    } else if judged == 0 {
        evidence.push(Evidence::note(
            "no web-facing PHP configuration was read under root",
        ));
        Status::Unknown
    } else {
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_php() {
        let s = split_functions("exec,system , SHELL_EXEC passthru,,");
        assert!(s.contains("shell_exec") && s.contains("passthru") && s.len() == 4);
    }
}
