//! M1018: web roots and module directories are not writable by the web
//! server's user; M1026: few superusers (uid 0 accounts, PostgreSQL
//! superuser roles).
//!
//! Writability is read from mode bits and ownership (`lstat`, symlinks not
//! followed): the owner's write bit when the user owns the entry, the
//! group's when one of the user's groups does, the others' bit always. ACLs
//! and capabilities are not read. Each tree is sampled up to the catalogue's
//! cap; upload directories (the upload check's names) are skipped, since the
//! server is meant to write there.

use crate::accounts::{ServerUser, ServerUsers};
use crate::catalogue::{SuperuserRule, WritableRule};
use crate::{Check, Evidence, Facts, Status};
use ferret_core::{Engine, ObjectKind};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Component kinds whose file sits in a module directory.
const MODULE_KINDS: &[&str] = &[
    "module",
    "php_extension",
    "zend_extension",
    "native_module",
    "load_module",
];

/// Why `user` (or anyone) can write an entry with this metadata.
fn writable_by(m: &std::fs::Metadata, user: Option<&ServerUser>) -> Option<String> {
    let mode = m.mode();
    if let Some(u) = user {
        if u.uid == Some(m.uid()) && mode & 0o200 != 0 {
            return Some(format!("owned by {} (uid {})", u.user, m.uid()));
        }
        if u.gids.contains(&m.gid()) && mode & 0o020 != 0 {
            return Some(format!(
                "group-writable by gid {}, a group of {}",
                m.gid(),
                u.user
            ));
        }
    }
    (mode & 0o002 != 0).then(|| "writable by every user".to_string())
}

/// The directories to examine: web roots, the catalogue's module dirs that
/// exist, and the directories of the module files found.
fn trees(rule: &WritableRule, facts: &Facts) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = facts.web_roots.clone();
    for pat in &rule.module_dirs {
        let rel = pat.trim_start_matches('/');
        let (base, glob) = match rel.find('*') {
            Some(i) => {
                let cut = rel[..i].rfind('/').map(|j| j + 1).unwrap_or(0);
                (&rel[..cut], Some(&rel[cut..]))
            }
            None => (rel, None),
        };
        let base = facts.root.join(base);
        match glob {
            None => {
                if base.is_dir() {
                    out.push(base);
                }
            }
            Some(g) => {
                let Ok(m) = globset::Glob::new(g).map(|g| g.compile_matcher()) else {
                    continue;
                };
                for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
                    if m.is_match(Path::new(&e.file_name()))
                        && e.file_type().is_ok_and(|t| t.is_dir())
                    {
                        out.push(e.path());
                    }
                }
            }
        }
    }
    for c in &facts.components {
        if MODULE_KINDS.contains(&c.kind.as_str()) {
            if let Some(d) = c.resolved.as_ref().and_then(|p| p.parent()) {
                if d.starts_with(&facts.root) && d != facts.root {
                    out.push(d.to_path_buf());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    // A tree inside another is walked with it.
    let all = out.clone();
    out.retain(|p| !all.iter().any(|q| q != p && p.starts_with(q)));
    out
}

/// Runs the writability check.
/// `upload_names` are the upload check's directory globs (skipped here).
pub fn writable(
    rule: &WritableRule,
    upload_names: &[String],
    facts: &Facts,
    users: &ServerUsers,
) -> Check {
    let mut evidence = Vec::new();
    for u in &users.users {
        let what = match u.uid {
            Some(uid) => format!(
                "{} runs as {} (uid {uid}, gids {:?})",
                u.server, u.user, u.gids
            ),
            None => format!(
                "{} runs as {}, not in etc/passwd: only world-writable entries can be judged",
                u.server, u.user
            ),
        };
        evidence.push(Evidence::at(what, &u.file).line(u.line).value(&u.user));
    }
    let uploads = crate::catalogue::glob_set(&rule.meta.id, upload_names).ok();
    let known: Vec<&ServerUser> = users.users.iter().filter(|u| u.uid.is_some()).collect();
    let trees = trees(rule, facts);
    let mut bad = 0usize;
    for tree in &trees {
        let (mut listed, mut looked) = (0usize, 0usize);
        let mut stack = vec![tree.clone()];
        let mut first = true;
        'walk: while let Some(p) = stack.pop() {
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if m.file_type().is_symlink() {
                continue;
            }
            if m.is_dir() && !first {
                let name = p.file_name().map(|n| n.to_os_string()).unwrap_or_default();
                if uploads
                    .as_ref()
                    .is_some_and(|g| g.is_match(Path::new(&name)))
                {
                    continue;
                }
            }
            first = false;
            looked += 1;
            let why = if known.is_empty() {
                writable_by(&m, None).map(|w| (w, None))
            } else {
                known
                    .iter()
                    .find_map(|u| writable_by(&m, Some(*u)).map(|w| (w, Some(u.user.as_str()))))
            };
            if let Some((why, _)) = why {
                bad += 1;
                if listed < rule.max_listed {
                    listed += 1;
                    let what = format!("writable: {why}");
                    evidence.push(Evidence::at(what, &p).value(&format!(
                        "mode {:04o} uid {} gid {}",
                        m.mode() & 0o7777,
                        m.uid(),
                        m.gid()
                    )));
                }
            }
            if m.is_dir() {
                for e in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                    if looked + stack.len() >= rule.max_files_per_dir {
                        evidence.push(Evidence::at(
                            format!("sampled: stopped after {} entries", rule.max_files_per_dir),
                            tree,
                        ));
                        break 'walk;
                    }
                    stack.push(e.path());
                }
            }
        }
        if listed == rule.max_listed {
            evidence.push(Evidence::at("more writable entries not listed", tree));
        }
    }
    let status = if bad > 0 {
        Status::NotMet
    } else if trees.is_empty() {
        evidence.push(Evidence::note("no web root or module directory found"));
        Status::Unknown
    } else if known.is_empty() {
        evidence.push(Evidence::note(format!(
            "{} directories have no world-writable entry, but the server's user (and so its own write access) is not known",
            trees.len()
        )));
        Status::Unknown
    } else {
        evidence.push(Evidence::note(format!(
            "{} directories checked",
            trees.len()
        )));
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}

/// Runs the superuser check (etc/passwd and PostgreSQL roles).
pub fn superusers(rule: &SuperuserRule, facts: &Facts, errors: &mut Vec<String>) -> Check {
    let mut evidence = Vec::new();
    let (mut bad, mut read) = (false, false);
    let passwd = facts.root.join("etc/passwd");
    if passwd.exists() {
        match ferret_collect::servers::read_config(&passwd) {
            Ok(b) => {
                read = true;
                let zero: Vec<_> = crate::accounts::parse_passwd(&b)
                    .into_iter()
                    .filter(|e| e.uid == 0)
                    .collect();
                for e in &zero {
                    let extra = !rule.allowed_uid0.contains(&e.name);
                    bad |= extra;
                    let what = if extra {
                        "extra account with uid 0"
                    } else {
                        "uid 0 account"
                    };
                    evidence.push(Evidence::at(what, &passwd).line(e.line).value(&e.name));
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    for db in &facts.databases {
        let Ok(objects) = &db.objects else { continue };
        let supers: Vec<_> = objects
            .iter()
            .filter(|o| o.engine == Engine::Postgres && o.kind == ObjectKind::Role)
            .filter(|o| o.attrs.get("superuser").is_some_and(|v| v == "true"))
            .collect();
        if objects.iter().any(|o| o.engine == Engine::Postgres) {
            read = true;
        }
        let extra = supers
            .iter()
            .filter(|o| o.attrs.get("bootstrap").is_none_or(|v| v != "true"))
            .count();
        if extra > rule.max_pg_superusers {
            bad = true;
        }
        for o in supers {
            let boot = o.attrs.get("bootstrap").is_some_and(|v| v == "true");
            let what = if boot {
                "PostgreSQL bootstrap superuser"
            } else {
                "PostgreSQL superuser role"
            };
            evidence.push(Evidence::about(what, &db.server).value(&o.name));
        }
    }
    let status = if bad {
        Status::NotMet
    } else if !read {
        evidence.push(Evidence::note(
            "no etc/passwd under root and no PostgreSQL catalog read",
        ));
        Status::Unknown
    } else {
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}
