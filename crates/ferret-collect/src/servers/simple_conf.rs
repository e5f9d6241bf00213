//! Redis and PostgreSQL server configuration: the native code they load.
//!
//! - Redis (`etc/redis/redis.conf`, `etc/redis.conf`, `etc/redis/*.conf`,
//!   `usr/local/etc/redis.conf`): every `loadmodule /path [args]` becomes a
//!   [`ComponentKind::RedisModule`]; `include` directives (wildcards allowed,
//!   as Redis 7 does) are followed, bounded.
//! - PostgreSQL (`etc/postgresql/*/*/postgresql.conf`, then
//!   `postgresql.auto.conf` in the cluster's data directory; RHEL-style
//!   `var/lib/pgsql/[*/]data`): `shared_preload_libraries`,
//!   `session_preload_libraries` and `local_preload_libraries` become one
//!   [`ComponentKind::PreloadLibrary`] per library. Later settings override
//!   earlier ones, so only the effective value is reported, declared at the
//!   line that set it. `include`, `include_if_exists` and `include_dir` are
//!   followed, bounded.
//!
//! Includes never leave the root: an absolute include `/etc/x` is read as
//! `root/etc/x`, `..` cannot climb above it, and a symlink whose target lies
//! outside the root is refused.
//!
//! Attributes set: Redis `args` (the module arguments, space-joined, when
//! any); PostgreSQL `setting` (which `*_preload_libraries`), `cluster`
//! (`15/main`, when known).

use super::{read_config, Discovered};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Deepest include nesting followed.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Most configuration files read for one server under one root.
pub const MAX_FILES: usize = 512;
/// Longest line accepted (longer lines are an error for that line).
pub const MAX_LINE: usize = 64 * 1024;

/// The PostgreSQL settings that name libraries to load.
pub const PRELOAD_SETTINGS: [&str; 3] = [
    "shared_preload_libraries",
    "session_preload_libraries",
    "local_preload_libraries",
];

/// A Redis directive that matters here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisDirective {
    /// `loadmodule <path> [args...]`.
    LoadModule {
        /// The module path as written.
        path: String,
        /// Its arguments.
        args: Vec<String>,
    },
    /// `include <path>` (may hold wildcards).
    Include(String),
}

/// One parsed line of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<T> {
    /// 1-based line number.
    pub line: u64,
    /// What it says.
    pub item: T,
}

/// Result of parsing one file: items in order plus per-line errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// Items in file order.
    pub items: Vec<Line<T>>,
    /// `(line, message)` for lines that could not be parsed.
    pub errors: Vec<(u64, String)>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Parses a `redis.conf`: keywords are case-insensitive, arguments split as
/// Redis does (double quotes with `\n`, `\xHH`... escapes, single quotes).
/// Only `loadmodule` and `include` are kept.
pub fn parse_redis_conf(bytes: &[u8]) -> Parsed<RedisDirective> {
    let mut out = Parsed::default();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = i as u64 + 1;
        if raw.len() > MAX_LINE {
            out.errors
                .push((n, format!("line longer than {MAX_LINE} bytes")));
            continue;
        }
        let text = String::from_utf8_lossy(raw);
        let t = text.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let args = match split_redis_args(t) {
            Ok(a) => a,
            Err(e) => {
                out.errors.push((n, e));
                continue;
            }
        };
        let Some((kw, rest)) = args.split_first() else {
            continue;
        };
        let item = if kw.eq_ignore_ascii_case("loadmodule") {
            match rest.split_first() {
                Some((path, args)) => RedisDirective::LoadModule {
                    path: path.clone(),
                    args: args.to_vec(),
                },
                None => {
                    out.errors.push((n, "loadmodule without a path".into()));
                    continue;
                }
            }
        } else if kw.eq_ignore_ascii_case("include") {
            match rest {
                [path] => RedisDirective::Include(path.clone()),
                _ => {
                    out.errors.push((n, "include takes one path".into()));
                    continue;
                }
            }
        } else {
            continue;
        };
        out.items.push(Line { line: n, item });
    }
    out
}

/// Splits a Redis configuration line into arguments (`sdssplitargs` rules).
fn split_redis_args(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Ok(out);
        };
        let mut cur = String::new();
        match first {
            '"' => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err("unbalanced double quote".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => cur.push('\n'),
                            Some('r') => cur.push('\r'),
                            Some('t') => cur.push('\t'),
                            Some('b') => cur.push('\u{8}'),
                            Some('a') => cur.push('\u{7}'),
                            Some('x') => {
                                let h: String = chars.clone().take(2).collect();
                                match u8::from_str_radix(&h, 16) {
                                    Ok(v) if h.len() == 2 => {
                                        cur.push(v as char);
                                        chars.next();
                                        chars.next();
                                    }
                                    _ => cur.push('x'),
                                }
                            }
                            Some(c) => cur.push(c),
                            None => return Err("unbalanced double quote".into()),
                        },
                        Some(c) => cur.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err("closing quote must be followed by a space".into());
                }
            }
            '\'' => {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err("unbalanced single quote".into()),
                        Some('\'') => break,
                        Some('\\') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            cur.push('\'');
                        }
                        Some(c) => cur.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err("closing quote must be followed by a space".into());
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    cur.push(c);
                    chars.next();
                }
            }
        }
        out.push(cur);
    }
}

/// One `name = value` line of a PostgreSQL configuration file (names lowercased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgSetting {
    /// Parameter name, lowercase (`include_dir` and friends included).
    pub name: String,
    /// Value, unquoted and unescaped.
    pub value: String,
}

/// Parses a `postgresql.conf` / `postgresql.auto.conf`: `name [=] value`
/// per line, `#` comments, single-quoted values with `''` and backslash escapes.
pub fn parse_postgres_conf(bytes: &[u8]) -> Parsed<PgSetting> {
    let mut out = Parsed::default();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = i as u64 + 1;
        if raw.len() > MAX_LINE {
            out.errors
                .push((n, format!("line longer than {MAX_LINE} bytes")));
            continue;
        }
        let text = String::from_utf8_lossy(raw);
        match parse_pg_line(&text) {
            Ok(Some(item)) => out.items.push(Line { line: n, item }),
            Ok(None) => {}
            Err(e) => out.errors.push((n, e)),
        }
    }
    out
}

fn parse_pg_line(line: &str) -> Result<Option<PgSetting>, String> {
    let s = line.trim_start();
    if s.is_empty() || s.starts_with('#') {
        return Ok(None);
    }
    let name_len = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '$'))
        .unwrap_or(s.len());
    if name_len == 0 {
        return Err("expected a parameter name".into());
    }
    let name = s[..name_len].to_ascii_lowercase();
    let mut rest = s[name_len..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    let (value, after) = if let Some(q) = rest.strip_prefix('\'') {
        let mut v = String::new();
        let mut chars = q.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(format!("{name}: unterminated quoted string")),
                Some((i, '\'')) => {
                    if q[i + 1..].starts_with('\'') {
                        chars.next();
                        v.push('\'');
                    } else {
                        break i + 1;
                    }
                }
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'b')) => v.push('\u{8}'),
                    Some((_, 'f')) => v.push('\u{c}'),
                    Some((_, 'n')) => v.push('\n'),
                    Some((_, 'r')) => v.push('\r'),
                    Some((_, 't')) => v.push('\t'),
                    Some((_, c)) => v.push(c),
                    None => return Err(format!("{name}: unterminated quoted string")),
                },
                Some((_, c)) => v.push(c),
            }
        };
        (v, &q[end..])
    } else {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '#')
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(format!("{name}: no value"));
        }
        (rest[..end].to_string(), &rest[end..])
    };
    let after = after.trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return Err(format!("{name}: junk after the value"));
    }
    Ok(Some(PgSetting { name, value }))
}

/// Splits a PostgreSQL library list (`'a, "b c", $libdir/d'`) into entries:
/// comma-separated, whitespace trimmed, double quotes group (`""` is a quote).
pub fn split_pg_list(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Finds Redis and PostgreSQL configuration under `root` and reports the
/// modules and libraries they load.
pub fn collect(root: &Path, out: &mut Discovered) {
    let mut seen = HashSet::new();
    let mut redis: Vec<PathBuf> = [
        "/etc/redis/redis.conf",
        "/etc/redis.conf",
        "/usr/local/etc/redis.conf",
    ]
    .iter()
    .filter_map(|p| resolve_in_root(root, p).ok())
    .collect();
    redis.extend(sorted_glob(root, "etc/redis/*.conf", out));
    for p in redis.into_iter().filter(|p| p.is_file()) {
        redis_file(root, &p, 0, &mut seen, out);
    }

    let mut clusters: Vec<(PathBuf, Option<String>)> = Vec::new();
    for conf in sorted_glob(root, "etc/postgresql/*/*/postgresql.conf", out) {
        let cluster = conf.parent().and_then(|c| {
            Some(format!(
                "{}/{}",
                c.parent()?.file_name()?.to_str()?,
                c.file_name()?.to_str()?
            ))
        });
        clusters.push((conf, cluster));
    }
    for pattern in [
        "var/lib/pgsql/data/postgresql.conf",
        "var/lib/pgsql/*/data/postgresql.conf",
    ] {
        clusters.extend(
            sorted_glob(root, pattern, out)
                .into_iter()
                .map(|p| (p, None)),
        );
    }
    let mut data_dirs = HashSet::new();
    for (conf, cluster) in clusters {
        let data = postgres_cluster(root, &conf, cluster.as_deref(), out);
        if let Some(d) = data {
            data_dirs.insert(d);
        }
    }
    // Data directories without a configuration found above (auto.conf alone).
    for auto in sorted_glob(root, "var/lib/postgresql/*/*/postgresql.auto.conf", out) {
        let Some(dir) = auto.parent() else { continue };
        if data_dirs.contains(dir) {
            continue;
        }
        let cluster = dir
            .strip_prefix(root.join("var/lib/postgresql"))
            .ok()
            .map(|c| c.to_string_lossy().into_owned());
        let mut settings = Vec::new();
        let mut seen = HashSet::new();
        pg_file(root, &auto, 0, false, &mut seen, &mut settings, out);
        report_preload(root, &settings, cluster.as_deref(), out);
    }
}

/// Reads one explicitly given `redis.conf` or `postgresql.conf` /
/// `postgresql.auto.conf` (with its includes). `false` when the file is neither.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.starts_with("postgresql") && name.ends_with(".conf") {
        let mut settings = Vec::new();
        let mut seen = HashSet::new();
        pg_file(root, path, 0, false, &mut seen, &mut settings, out);
        report_preload(root, &settings, None, out);
        true
    } else if name.contains("redis") && name.ends_with(".conf") {
        redis_file(root, path, 0, &mut HashSet::new(), out);
        true
    } else {
        false
    }
}

fn redis_file(
    root: &Path,
    path: &Path,
    depth: usize,
    seen: &mut HashSet<PathBuf>,
    out: &mut Discovered,
) {
    if !seen.insert(path.to_path_buf()) {
        return;
    }
    if seen.len() > MAX_FILES {
        out.errors.push(CollectError::parse(
            path,
            format!("more than {MAX_FILES} files; not read"),
        ));
        return;
    }
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    out.files_read.push(path.to_path_buf());
    let parsed = parse_redis_conf(&bytes);
    push_line_errors(path, parsed.errors, out);
    for Line { line, item } in parsed.items {
        match item {
            RedisDirective::LoadModule { path: module, args } => {
                let name = Path::new(&module)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| module.clone());
                let mut c = Component::new(
                    Server::Redis,
                    ComponentKind::RedisModule,
                    name,
                    Declaration::at_line(path, line),
                )
                .with_implementation(module.clone());
                c.resolved = resolve_under(root, path, &module)
                    .ok()
                    .filter(|p| p.is_file());
                if !args.is_empty() {
                    c = c.with_attr("args", args.join(" "));
                }
                out.components.push(c);
            }
            RedisDirective::Include(inc) => {
                if depth + 1 > MAX_INCLUDE_DEPTH {
                    out.errors.push(CollectError::parse(
                        path,
                        format!("line {line}: includes nested deeper than {MAX_INCLUDE_DEPTH}"),
                    ));
                    continue;
                }
                for target in include_targets(root, path, line, &inc, out) {
                    redis_file(root, &target, depth + 1, seen, out);
                }
            }
        }
    }
}

/// A setting as read, with where it was set.
struct Setting {
    name: String,
    value: String,
    file: PathBuf,
    line: u64,
}

/// Reads a cluster's `postgresql.conf` (with includes) and then
/// `postgresql.auto.conf` in its data directory; reports the effective preload
/// libraries. Returns the data directory used.
fn postgres_cluster(
    root: &Path,
    conf: &Path,
    cluster: Option<&str>,
    out: &mut Discovered,
) -> Option<PathBuf> {
    let mut settings = Vec::new();
    let mut seen = HashSet::new();
    pg_file(root, conf, 0, false, &mut seen, &mut settings, out);
    let declared = settings
        .iter()
        .rev()
        .find(|s| s.name == "data_directory")
        .and_then(|s| resolve_under(root, &s.file, &s.value).ok());
    let data = declared
        .or_else(|| cluster.map(|c| root.join("var/lib/postgresql").join(c)))
        .or_else(|| conf.parent().map(Path::to_path_buf));
    if let Some(d) = &data {
        let auto = d.join("postgresql.auto.conf");
        if auto.is_file() && auto != conf {
            pg_file(root, &auto, 0, false, &mut seen, &mut settings, out);
        }
    }
    report_preload(root, &settings, cluster, out);
    data
}

#[allow(clippy::too_many_arguments)]
fn pg_file(
    root: &Path,
    path: &Path,
    depth: usize,
    if_exists: bool,
    seen: &mut HashSet<PathBuf>,
    settings: &mut Vec<Setting>,
    out: &mut Discovered,
) {
    if if_exists && !path.exists() {
        return;
    }
    if !seen.insert(path.to_path_buf()) {
        out.errors.push(CollectError::parse(
            path,
            "included more than once (include loop?); skipped",
        ));
        return;
    }
    if seen.len() > MAX_FILES {
        out.errors.push(CollectError::parse(
            path,
            format!("more than {MAX_FILES} files; not read"),
        ));
        return;
    }
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    out.files_read.push(path.to_path_buf());
    let parsed = parse_postgres_conf(&bytes);
    push_line_errors(path, parsed.errors, out);
    for Line { line, item } in parsed.items {
        let include = matches!(
            item.name.as_str(),
            "include" | "include_if_exists" | "include_dir"
        );
        if !include {
            settings.push(Setting {
                name: item.name,
                value: item.value,
                file: path.to_path_buf(),
                line,
            });
            continue;
        }
        if depth + 1 > MAX_INCLUDE_DEPTH {
            out.errors.push(CollectError::parse(
                path,
                format!("line {line}: includes nested deeper than {MAX_INCLUDE_DEPTH}"),
            ));
            continue;
        }
        let source = match source_path(root, path, &item.value) {
            Ok(t) => t,
            Err(e) => {
                out.errors
                    .push(CollectError::parse(path, format!("line {line}: {e}")));
                continue;
            }
        };
        if item.name == "include_dir" {
            match resolve_in_root(root, &source) {
                Ok(dir) if dir.is_dir() => {}
                Ok(dir) => {
                    out.errors.push(CollectError::parse(
                        path,
                        format!(
                            "line {line}: include_dir {}: not a directory",
                            dir.display()
                        ),
                    ));
                    continue;
                }
                Err(e) => {
                    out.errors
                        .push(CollectError::parse(path, format!("line {line}: {e}")));
                    continue;
                }
            }
            for f in sorted_glob(root, &format!("{source}/*.conf"), out) {
                pg_file(root, &f, depth + 1, false, seen, settings, out);
            }
            continue;
        }
        match resolve_in_root(root, &source) {
            Ok(t) => pg_file(
                root,
                &t,
                depth + 1,
                item.name == "include_if_exists",
                seen,
                settings,
                out,
            ),
            Err(e) => out
                .errors
                .push(CollectError::parse(path, format!("line {line}: {e}"))),
        }
    }
}

fn report_preload(root: &Path, settings: &[Setting], cluster: Option<&str>, out: &mut Discovered) {
    let mut effective: BTreeMap<&str, &Setting> = BTreeMap::new();
    for s in settings {
        if let Some(k) = PRELOAD_SETTINGS.iter().find(|k| **k == s.name) {
            effective.insert(k, s);
        }
    }
    for key in PRELOAD_SETTINGS {
        let Some(s) = effective.get(key) else {
            continue;
        };
        for lib in split_pg_list(&s.value) {
            let mut c = Component::new(
                Server::Postgres,
                ComponentKind::PreloadLibrary,
                lib.clone(),
                Declaration::at_line(&s.file, s.line),
            )
            .with_implementation(lib.clone())
            .with_attr("setting", key);
            if let Some(cl) = cluster {
                c = c.with_attr("cluster", cl);
            }
            c.resolved = resolve_pg_library(root, &s.file, &lib, cluster);
            out.components.push(c);
        }
    }
}

/// Where PostgreSQL would find a library: an absolute path (with or without
/// the `.so` suffix), or a bare / `$libdir/` name in Debian's
/// `usr/lib/postgresql/<version>/lib` when the cluster version is known.
fn resolve_pg_library(
    root: &Path,
    conf: &Path,
    lib: &str,
    cluster: Option<&str>,
) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = if lib.starts_with('/') {
        vec![
            resolve_under(root, conf, lib).ok()?,
            resolve_under(root, conf, &format!("{lib}.so")).ok()?,
        ]
    } else {
        let name = lib.strip_prefix("$libdir/").unwrap_or(lib);
        if name.contains('/') {
            return None;
        }
        let version = cluster?.split('/').next()?;
        let dir = root.join("usr/lib/postgresql").join(version).join("lib");
        vec![dir.join(name), dir.join(format!("{name}.so"))]
    };
    candidates.into_iter().find(|p| p.is_file())
}

fn push_line_errors(path: &Path, errors: Vec<(u64, String)>, out: &mut Discovered) {
    for (line, msg) in errors {
        out.errors
            .push(CollectError::parse(path, format!("line {line}: {msg}")));
    }
}

/// Files matching an include pattern (wildcards allowed), under root, sorted.
fn include_targets(
    root: &Path,
    from: &Path,
    line: u64,
    inc: &str,
    out: &mut Discovered,
) -> Vec<PathBuf> {
    let source = match source_path(root, from, inc) {
        Ok(s) => s,
        Err(e) => {
            out.errors
                .push(CollectError::parse(from, format!("line {line}: {e}")));
            return Vec::new();
        }
    };
    if !inc.contains(['*', '?', '[']) {
        return match resolve_in_root(root, &source) {
            Ok(t) => vec![t],
            Err(e) => {
                out.errors
                    .push(CollectError::parse(from, format!("line {line}: {e}")));
                Vec::new()
            }
        };
    }
    sorted_glob(root, &source, out)
}

/// Paths under `root` matching `pattern` (a path on the source system,
/// absolute or relative to `/`; wildcards in any component), resolved with
/// [`resolve_in_root`], in sorted order, at most [`MAX_FILES`]. Names starting
/// with `.` are matched only by a pattern starting with `.`.
pub(crate) fn sorted_glob(root: &Path, pattern: &str, out: &mut Discovered) -> Vec<PathBuf> {
    let mut cur: Vec<String> = vec![String::new()];
    for part in pattern.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if !part.contains(['*', '?', '[']) {
            cur.iter_mut().for_each(|c| {
                c.push('/');
                c.push_str(part);
            });
            continue;
        }
        let pat = match glob::Pattern::new(part) {
            Ok(p) => p,
            Err(e) => {
                out.errors.push(CollectError::parse(
                    root.join(pattern.trim_start_matches('/')),
                    format!("bad pattern: {e}"),
                ));
                return Vec::new();
            }
        };
        let mut next = Vec::new();
        for dir in &cur {
            let Ok(real) = resolve_in_root(root, dir) else {
                continue;
            };
            let Ok(rd) = std::fs::read_dir(&real) else {
                continue;
            };
            let mut names: Vec<String> = rd
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| pat.matches(n) && (!n.starts_with('.') || part.starts_with('.')))
                .take(MAX_FILES)
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
            next.truncate(MAX_FILES);
        }
        cur = next;
    }
    let mut found: Vec<PathBuf> = Vec::new();
    for c in cur {
        if let Ok(p) = resolve_in_root(root, &c) {
            if p.exists() && !found.contains(&p) {
                found.push(p);
            }
        }
    }
    found
}

/// Maps a path named in a configuration file (`from`, under `root`) to a path
/// under `root`: absolute paths are taken below `root`, relative ones against
/// `from`'s directory; see [`resolve_in_root`].
pub(crate) fn resolve_under(root: &Path, from: &Path, p: &str) -> Result<PathBuf, String> {
    resolve_in_root(root, &source_path(root, from, p)?)
}

/// The path on the source system that `p`, named in `from`, designates.
fn source_path(root: &Path, from: &Path, p: &str) -> Result<String, String> {
    let p = p.trim();
    if p.is_empty() {
        return Err("empty path".into());
    }
    if p.starts_with('/') {
        return Ok(p.to_string());
    }
    let dir = from
        .parent()
        .and_then(|d| d.strip_prefix(root).ok())
        .unwrap_or(Path::new(""));
    Ok(format!("/{}/{p}", dir.to_string_lossy()))
}

/// Most symbolic links followed while resolving one path (as Linux does).
const MAX_SYMLINKS: usize = 40;

/// Resolves `source` (a path on the examined system) under `root` as if
/// `root` were `/` ([`crate::layout::resolve_in_root`]). `..` that would
/// climb above the root, and link loops, are errors. Missing components are
/// kept as they are (the result may not exist).
pub(crate) fn resolve_in_root(root: &Path, source: &str) -> Result<PathBuf, String> {
    use crate::layout::ResolveError;
    match crate::layout::resolve_in_root(root, source, MAX_SYMLINKS) {
        Ok(r) if r.climbed_above_root => Err(format!("{source}: climbs above the root")),
        Ok(r) => Ok(r.path),
        Err(e @ ResolveError::TooManyLinks(_)) => Err(format!("{source}: {e}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINUX: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/artifacts/linux"
    );

    /// Copies `rel` from the artifacts into `root` (fresh, writable); `false` when absent.
    fn plant(root: &Path, rel: &str) -> bool {
        let src = Path::new(LINUX).join(rel);
        if !src.is_file() {
            println!("skipped: ../shared not present");
            return false;
        }
        let dst = root.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::write(&dst, std::fs::read(&src).unwrap()).unwrap();
        true
    }

    fn append(p: &Path, text: &str) {
        let mut b = std::fs::read(p).unwrap();
        b.extend_from_slice(text.as_bytes());
        std::fs::write(p, b).unwrap();
    }

    #[test]
    fn stock_redis_and_postgres_load_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        if !plant(tmp.path(), "etc/redis/redis.conf")
            || !plant(tmp.path(), "etc/postgresql/15/main/postgresql.conf")
        {
            return;
        }
        let mut out = Discovered::default();
        collect(tmp.path(), &mut out);
        assert!(out.components.is_empty(), "{:?}", out.components);
        // conf.d (include_dir) does not exist in the copy: one I/O error naming it.
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(out.errors[0].to_string().contains("conf.d"));
        assert_eq!(out.files_read.len(), 2);
    }

    #[test]
    fn planted_redis_modules_and_includes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        if !plant(root, "etc/redis/redis.conf") {
            return;
        }
        let conf = root.join("etc/redis/redis.conf");
        append(
            &conf,
            "loadmodule /tmp/.x/backdoor.so \"arg one\" 2\ninclude /etc/redis/extra/*.conf\ninclude /../../etc/passwd\n",
        );
        let stock_lines = std::fs::read_to_string(&conf).unwrap().lines().count() as u64;
        std::fs::create_dir_all(root.join("etc/redis/extra")).unwrap();
        std::fs::write(
            root.join("etc/redis/extra/m.conf"),
            "# modules\nLOADMODULE /usr/lib/redis/modules/redisearch.so\ninclude /etc/redis/redis.conf\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("tmp/.x")).unwrap();
        std::fs::write(root.join("tmp/.x/backdoor.so"), b"\x7fELF").unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        let mods: Vec<_> = out
            .components
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.implementation.as_deref().unwrap(),
                    c.declared.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            mods,
            vec![
                ("backdoor", "/tmp/.x/backdoor.so", stock_lines - 2),
                ("redisearch", "/usr/lib/redis/modules/redisearch.so", 2),
            ]
        );
        let c = &out.components[0];
        assert_eq!(c.server, Server::Redis);
        assert_eq!(c.kind, ComponentKind::RedisModule);
        assert_eq!(c.attr("args"), Some("arg one 2"));
        assert_eq!(
            c.resolved.as_deref(),
            Some(root.join("tmp/.x/backdoor.so").as_path())
        );
        assert_eq!(out.components[1].resolved, None);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(out.errors[0].to_string().contains("climbs above the root"));
    }

    #[test]
    fn planted_postgres_preload_with_override() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        if !plant(root, "etc/postgresql/15/main/postgresql.conf") {
            return;
        }
        let conf = root.join("etc/postgresql/15/main/postgresql.conf");
        let stock_lines = std::fs::read_to_string(&conf).unwrap().lines().count() as u64;
        append(
            &conf,
            "shared_preload_libraries = 'auto_explain'\nshared_preload_libraries = 'pg_stat_statements,/tmp/evil'\nsession_preload_libraries = 'x'\n",
        );
        let confd = root.join("etc/postgresql/15/main/conf.d");
        std::fs::create_dir_all(&confd).unwrap();
        // include_dir is processed where it appears (line 805), before the
        // appended lines: its setting is overridden.
        std::fs::write(
            confd.join("10-tune.conf"),
            "shared_preload_libraries = 'timescaledb'\n",
        )
        .unwrap();
        std::fs::write(
            confd.join(".hidden.conf"),
            "local_preload_libraries = 'hidden'\n",
        )
        .unwrap();
        let data = root.join("var/lib/postgresql/15/main");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(
            data.join("postgresql.auto.conf"),
            "# Do not edit\nsession_preload_libraries = ''\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::write(root.join("tmp/evil.so"), b"\x7fELF").unwrap();

        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let libs: Vec<_> = out
            .components
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.attr("setting").unwrap(),
                    c.declared.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            libs,
            vec![
                (
                    "pg_stat_statements",
                    "shared_preload_libraries",
                    stock_lines + 2
                ),
                ("/tmp/evil", "shared_preload_libraries", stock_lines + 2),
            ]
        );
        let evil = &out.components[1];
        assert_eq!(evil.server, Server::Postgres);
        assert_eq!(evil.kind, ComponentKind::PreloadLibrary);
        assert_eq!(evil.implementation.as_deref(), Some("/tmp/evil"));
        assert_eq!(
            evil.resolved.as_deref(),
            Some(root.join("tmp/evil.so").as_path())
        );
        assert_eq!(evil.attr("cluster"), Some("15/main"));
        assert_eq!(evil.declared.file, conf);

        // auto.conf overrides postgresql.conf.
        std::fs::write(
            data.join("postgresql.auto.conf"),
            "shared_preload_libraries = 'pg_cron'\n",
        )
        .unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        let c: Vec<_> = out
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.declared.line))
            .collect();
        assert_eq!(c, vec![("pg_cron", Some(1)), ("x", Some(stock_lines + 3))]);
        assert_eq!(
            out.components[0].declared.file,
            data.join("postgresql.auto.conf")
        );
    }

    #[test]
    fn include_loops_and_explicit_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("srv")).unwrap();
        std::fs::write(
            root.join("srv/postgresql.conf"),
            "include 'a.conf'\nshared_preload_libraries='one'\n",
        )
        .unwrap();
        std::fs::write(
            root.join("srv/a.conf"),
            "include = 'postgresql.conf'\nbad line ' here\n",
        )
        .unwrap();
        let mut out = Discovered::default();
        assert!(collect_file(
            root,
            &root.join("srv/postgresql.conf"),
            &mut out
        ));
        assert_eq!(out.components.len(), 1);
        assert_eq!(out.components[0].name, "one");
        assert_eq!(out.errors.len(), 2, "{:?}", out.errors);
        std::fs::write(
            root.join("srv/redis-6380.conf"),
            "include redis-6380.conf\nloadmodule 'a b.so'\n",
        )
        .unwrap();
        let mut out = Discovered::default();
        assert!(collect_file(
            root,
            &root.join("srv/redis-6380.conf"),
            &mut out
        ));
        assert_eq!(out.components.len(), 1);
        assert_eq!(out.components[0].name, "a b");
        assert!(!collect_file(root, &root.join("srv/other.conf"), &mut out));
    }

    #[test]
    fn parsers() {
        assert_eq!(
            split_pg_list(" a , \"b,c\" ,, $libdir/d "),
            vec!["a", "b,c", "$libdir/d"]
        );
        assert!(split_pg_list("").is_empty());
        let p = parse_postgres_conf(b"A = 'it''s\\n' # c\nb 5\n  # x\nc = 'open\nd = 1 2\n");
        assert_eq!(p.items.len(), 2);
        assert_eq!(
            p.items[0].item,
            PgSetting {
                name: "a".into(),
                value: "it's\n".into()
            }
        );
        assert_eq!(p.items[1].line, 2);
        assert_eq!(p.errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![4, 5]);
        let r = parse_redis_conf(b"loadmodule \"/a\\x41\"\nloadmodule\ninclude 'x'y\nport 6379\n");
        assert_eq!(
            r.items,
            vec![Line {
                line: 1,
                item: RedisDirective::LoadModule {
                    path: "/aA".into(),
                    args: vec![]
                }
            }]
        );
        assert_eq!(r.errors.len(), 2);
        let junk: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let _ = parse_redis_conf(&junk);
        let _ = parse_postgres_conf(&junk);
    }
}
