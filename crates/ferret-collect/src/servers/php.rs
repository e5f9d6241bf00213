//! PHP: parses the ini files each PHP SAPI reads and the per-directory files
//! found in web roots, and reports:
//!
//! - `extension=` / `zend_extension=` as [`ComponentKind::PhpExtension`] /
//!   [`ComponentKind::ZendExtension`] (`implementation` = the value,
//!   `resolved` = the `.so` under root: an absolute path, else in the
//!   effective `extension_dir`, else in the distribution default —
//!   `usr/lib/php/<api>/` (Debian; the API directory of the configuration's
//!   PHP version first), `usr/lib64/php/modules/`, `usr/lib/php*/modules/`,
//!   `usr/local/lib/php/extensions/*/`; `NAME` and `NAME.so` are tried);
//! - non-empty `auto_prepend_file` / `auto_append_file` as
//!   [`ComponentKind::AutoInclude`] (`implementation` = the value);
//! - from PHP-FPM pools, `php_value[...]`/`php_admin_value[...]` of the same keys;
//! - from `.user.ini` in web roots, `auto_prepend_file`/`auto_append_file`
//!   only (PHP ignores `extension=` there);
//! - from `.htaccess` in web roots, via [`super::apache::collect_htaccess`]:
//!   PHP handler mappings and `php_value` auto-includes.
//!
//! Files read: `etc/php/*/*/php.ini` with its `conf.d/*.ini` (one set per
//! SAPI directory), `etc/php.ini` with `etc/php.d/*.ini`, `etc/php[0-9]*/php.ini`
//! with `conf.d/*.ini` (Alpine), `usr/local/etc/php/php.ini` with
//! `conf.d/*.ini` (official container images), FPM's `php-fpm.conf` and
//! `pool.d/*.conf` / `php-fpm.d/*.conf`.
//!
//! **Ordering:** [`collect`] walks the web roots already in
//! [`Discovered::web_roots`], so run `apache::collect` and `nginx::collect`
//! first. The walk is bounded ([`MAX_WALK_DEPTH`], [`MAX_WALK_ENTRIES`]) and
//! never follows symlinks.
//!
//! Attributes set: `sapi` (`apache2`, `fpm`, `cli`, ... when the path tells),
//! `php_version` (`8.2`, when the path tells), `extension_dir` (the directory
//! searched: the effective setting, or `default`), `section` (the ini section
//! the entry is in, e.g. `PATH=/var/www`), `directive` (`php_admin_value` for
//! FPM pool entries), `enabled_via` (the `conf.d` link the file was read
//! through, when a symlink; `Declaration.file` is its target).

use super::apache::{glob_in_root, parent_sys, resolve_in_root, sys_path_of, under_root};
use super::{read_config, Discovered};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Deepest directory level walked below a web root.
pub const MAX_WALK_DEPTH: usize = 12;
/// Most directory entries looked at across all web roots.
pub const MAX_WALK_ENTRIES: usize = 200_000;
/// Most ini files in one SAPI's set.
const MAX_SET_FILES: usize = 4096;

/// Debian's extension API directories by PHP version.
const API_DIRS: &[(&str, &str)] = &[
    ("7.3", "20180731"),
    ("7.4", "20190902"),
    ("8.0", "20200930"),
    ("8.1", "20210902"),
    ("8.2", "20220829"),
    ("8.3", "20230831"),
    ("8.4", "20240924"),
];

/// One `key = value` line of an ini file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// 1-based line.
    pub line: u64,
    /// The `[section]` it is in, if any.
    pub section: Option<String>,
    /// The key as written (`extension`, `php_admin_value[auto_prepend_file]`).
    pub key: String,
    /// The value, unquoted, without trailing comment.
    pub value: String,
}

/// A parsed ini file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IniParse {
    /// Entries in order.
    pub entries: Vec<IniEntry>,
    /// Problems (unterminated quotes, bad section headers), with lines.
    pub errors: Vec<String>,
}

/// Parses PHP ini syntax (pure: bytes in, entries out): `[section]`, `;` and
/// `#` comment lines, `key = value` with `"double"` (backslash escapes the
/// quote) or `'single'` quoted values and trailing `;` comments.
pub fn parse_php_ini(bytes: &[u8]) -> IniParse {
    let mut out = IniParse::default();
    let mut section: Option<String> = None;
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let text = String::from_utf8_lossy(raw);
        let t = text.trim();
        if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix('[') {
            match rest.split_once(']') {
                Some((name, _)) => section = Some(name.trim().to_string()),
                None => out
                    .errors
                    .push(format!("line {line}: section header without ']'")),
            }
            continue;
        }
        let (key, value) = t.split_once('=').unwrap_or((t, ""));
        let (value, err) = ini_value(value.trim());
        if let Some(e) = err {
            out.errors.push(format!("line {line}: {e}"));
        }
        out.entries.push(IniEntry {
            line,
            section: section.clone(),
            key: key.trim().to_string(),
            value,
        });
    }
    out
}

fn ini_value(v: &str) -> (String, Option<&'static str>) {
    let mut chars = v.chars();
    match chars.next() {
        Some('"') => {
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some('"') => s.push('"'),
                        Some(o) => {
                            s.push('\\');
                            s.push(o);
                        }
                        None => s.push('\\'),
                    },
                    '"' => return (s, None),
                    o => s.push(o),
                }
            }
            (s, Some("unterminated double quote"))
        }
        Some('\'') => match v[1..].split_once('\'') {
            Some((s, _)) => (s.to_string(), None),
            None => (v[1..].to_string(), Some("unterminated single quote")),
        },
        _ => (v.split(';').next().unwrap_or("").trim().to_string(), None),
    }
}

/// Discovers PHP's ini files, FPM pools and, in the web roots already in
/// `out.web_roots`, `.user.ini` and `.htaccess` files (run the Apache and
/// nginx sources first).
pub fn collect(root: &Path, out: &mut Discovered) {
    // Debian/Ubuntu: one set per SAPI directory.
    for sapi_dir in glob_or_err(root, "/etc/php/*/*", out) {
        let has_ini = exists(root, &format!("{sapi_dir}/php.ini"));
        let has_confd =
            resolve_in_root(root, &format!("{sapi_dir}/conf.d")).is_some_and(|p| p.is_dir());
        if has_ini || has_confd {
            ini_set(root, out, &sapi_dir, "php.ini", "conf.d");
        }
    }
    ini_set(root, out, "/etc", "php.ini", "php.d");
    for dir in glob_or_err(root, "/etc/php[0-9]*", out) {
        ini_set(root, out, &dir, "php.ini", "conf.d");
    }
    ini_set(root, out, "/usr/local/etc/php", "php.ini", "conf.d");
    for pat in [
        "/etc/php/*/fpm/php-fpm.conf",
        "/etc/php/*/fpm/pool.d/*.conf",
        "/etc/php-fpm.conf",
        "/etc/php-fpm.d/*.conf",
        "/usr/local/etc/php-fpm.conf",
        "/usr/local/etc/php-fpm.d/*.conf",
    ] {
        for f in glob_or_err(root, pat, out) {
            process_set(root, out, &[f]);
        }
    }
    walk_web_roots(root, out);
}

/// Parses one given file if its name says it is PHP's: `.htaccess`,
/// `.user.ini`, `php.ini` or another `*.ini` below a directory whose name
/// starts with `php`, `php-fpm.conf` or a `*.conf` in `pool.d`/`php-fpm.d`.
/// False otherwise.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let sys = sys_path_of(root, path);
    let name = sys.rsplit('/').next().unwrap_or("");
    let parent = parent_sys(&sys);
    let parent_name = parent.rsplit('/').next().unwrap_or("");
    match name {
        ".htaccess" => super::apache::collect_htaccess(root, path, out),
        ".user.ini" => user_ini(root, out, &sys),
        "php-fpm.conf" => process_set(root, out, &[sys]),
        n if n.ends_with(".conf") && matches!(parent_name, "pool.d" | "php-fpm.d") => {
            process_set(root, out, &[sys])
        }
        n if n.ends_with(".ini")
            && (n == "php.ini" || sys.split('/').any(|c| c.starts_with("php"))) =>
        {
            process_set(root, out, &[sys])
        }
        _ => return false,
    }
    true
}

fn exists(root: &Path, sys: &str) -> bool {
    resolve_in_root(root, sys).is_some_and(|p| p.exists())
}

fn glob_or_err(root: &Path, pat: &str, out: &mut Discovered) -> Vec<String> {
    glob_in_root(root, pat, MAX_SET_FILES).unwrap_or_else(|e| {
        out.errors
            .push(CollectError::parse(under_root(root, pat), e));
        Vec::new()
    })
}

/// `dir/ini` then `dir/scan_dir/*.ini`, as one set (when any exists).
fn ini_set(root: &Path, out: &mut Discovered, dir: &str, ini: &str, scan_dir: &str) {
    let mut files = Vec::new();
    let main = format!("{dir}/{ini}");
    if resolve_in_root(root, &main).is_some_and(|p| p.is_file()) {
        files.push(main);
    }
    files.extend(glob_or_err(root, &format!("{dir}/{scan_dir}/*.ini"), out));
    if !files.is_empty() {
        process_set(root, out, &files);
    }
}

/// One ini entry with where it came from.
struct Found {
    file: PathBuf,
    via: Option<PathBuf>,
    entry: IniEntry,
}

/// Reads a set of ini files (system paths) PHP reads together, then reports
/// what they load, with the set's final `extension_dir`.
fn process_set(root: &Path, out: &mut Discovered, files: &[String]) {
    let mut found = Vec::new();
    for sys in files {
        let Some(real) = resolve_in_root(root, sys).filter(|p| p.is_file()) else {
            out.errors.push(CollectError::parse(
                under_root(root, sys),
                "not a file or too many symbolic links",
            ));
            continue;
        };
        let bytes = match read_config(&real) {
            Ok(b) => b,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        out.files_read.push(real.clone());
        let parsed = parse_php_ini(&bytes);
        for e in parsed.errors {
            out.errors.push(CollectError::parse(&real, e));
        }
        let named = under_root(root, sys);
        let via = (named != real).then_some(named);
        found.extend(parsed.entries.into_iter().map(|entry| Found {
            file: real.clone(),
            via: via.clone(),
            entry,
        }));
    }
    let first = files.first().map(String::as_str).unwrap_or("");
    let (version, sapi) = version_and_sapi(first);
    let ext_dir = found
        .iter()
        .filter(|f| setting_key(&f.entry.key).1 == "extension_dir")
        .filter(|f| !f.entry.value.is_empty())
        .last()
        .map(|f| f.entry.value.clone());
    for f in &found {
        let (directive, key) = setting_key(&f.entry.key);
        let v = f.entry.value.as_str();
        let kind = match key.as_str() {
            "extension" => ComponentKind::PhpExtension,
            "zend_extension" => ComponentKind::ZendExtension,
            "auto_prepend_file" | "auto_append_file" => ComponentKind::AutoInclude,
            _ => continue,
        };
        if v.is_empty() || (kind == ComponentKind::AutoInclude && v.eq_ignore_ascii_case("none")) {
            continue;
        }
        let name = if kind == ComponentKind::AutoInclude {
            key.clone()
        } else {
            let file = v.rsplit('/').next().unwrap_or(v);
            file.strip_suffix(".so").unwrap_or(file).to_string()
        };
        let mut c = Component::new(
            Server::Php,
            kind,
            name,
            Declaration::at_line(&f.file, f.entry.line),
        )
        .with_implementation(v);
        if kind == ComponentKind::AutoInclude {
            if v.starts_with('/') {
                c.resolved = resolve_in_root(root, v).filter(|p| p.is_file());
            }
        } else {
            c.resolved = resolve_extension(root, v, ext_dir.as_deref(), version.as_deref());
            c = c.with_attr(
                "extension_dir",
                ext_dir.clone().unwrap_or_else(|| "default".into()),
            );
        }
        if let Some(s) = &sapi {
            c = c.with_attr("sapi", s.clone());
        }
        if let Some(v) = &version {
            c = c.with_attr("php_version", v.clone());
        }
        if let Some(s) = &f.entry.section {
            c = c.with_attr("section", s.clone());
        }
        if let Some(d) = directive {
            c = c.with_attr("directive", d);
        }
        if let Some(v) = &f.via {
            c = c.with_attr("enabled_via", v.to_string_lossy());
        }
        out.components.push(c);
    }
}

/// `php_admin_value[x]` → (`Some("php_admin_value")`, `x`); `x` → (`None`, `x`).
fn setting_key(key: &str) -> (Option<String>, String) {
    if let Some((d, rest)) = key.split_once('[') {
        let d = d.trim();
        if matches!(
            d,
            "php_value" | "php_admin_value" | "php_flag" | "php_admin_flag"
        ) {
            let k = rest.trim_end().trim_end_matches(']').trim();
            return (Some(d.to_string()), k.to_ascii_lowercase());
        }
    }
    (None, key.to_ascii_lowercase())
}

/// `/etc/php/8.2/apache2/...` → (`8.2`, `apache2`).
fn version_and_sapi(sys: &str) -> (Option<String>, Option<String>) {
    let comps: Vec<&str> = sys.split('/').filter(|c| !c.is_empty()).collect();
    match comps.as_slice() {
        ["etc", "php", v, s, ..] if v.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            let sapi = (*s != "mods-available").then(|| s.to_string());
            (Some(v.to_string()), sapi)
        }
        ["etc", "php-fpm.conf"]
        | ["etc", "php-fpm.d", ..]
        | ["usr", "local", "etc", "php-fpm.conf"] => (None, Some("fpm".into())),
        ["usr", "local", "etc", "php-fpm.d", ..] => (None, Some("fpm".into())),
        _ => (None, None),
    }
}

/// Finds an extension's file under root.
fn resolve_extension(
    root: &Path,
    v: &str,
    ext_dir: Option<&str>,
    version: Option<&str>,
) -> Option<PathBuf> {
    if v.contains('/') {
        return v
            .starts_with('/')
            .then(|| resolve_in_root(root, v))
            .flatten()
            .filter(|p| p.is_file());
    }
    let names: Vec<String> = if v.ends_with(".so") {
        vec![v.to_string()]
    } else {
        vec![v.to_string(), format!("{v}.so")]
    };
    let dirs: Vec<String> = match ext_dir {
        Some(d) => vec![d.to_string()],
        None => {
            let mut d = Vec::new();
            if let Some(api) = version.and_then(|v| API_DIRS.iter().find(|(ver, _)| *ver == v)) {
                d.push(format!("/usr/lib/php/{}", api.1));
            }
            for pat in [
                "/usr/lib/php/*",
                "/usr/lib64/php/modules",
                "/usr/lib/php*/modules",
                "/usr/local/lib/php/extensions/*",
            ] {
                d.extend(glob_in_root(root, pat, 256).unwrap_or_default());
            }
            d
        }
    };
    dirs.iter()
        .flat_map(|d| {
            names
                .iter()
                .map(move |n| format!("{}/{n}", d.trim_end_matches('/')))
        })
        .find_map(|sys| resolve_in_root(root, &sys).filter(|p| p.is_file()))
}

/// A `.user.ini`: auto-includes only (relative values resolved against its
/// directory, where PHP's `include_path` `.` finds them for scripts there).
fn user_ini(root: &Path, out: &mut Discovered, sys: &str) {
    let Some(real) = resolve_in_root(root, sys) else {
        return;
    };
    let bytes = match read_config(&real) {
        Ok(b) => b,
        Err(e) => return out.errors.push(e),
    };
    out.files_read.push(real.clone());
    let parsed = parse_php_ini(&bytes);
    for e in parsed.errors {
        out.errors.push(CollectError::parse(&real, e));
    }
    for e in parsed.entries {
        let key = e.key.to_ascii_lowercase();
        let v = e.value.as_str();
        if !matches!(key.as_str(), "auto_prepend_file" | "auto_append_file")
            || v.is_empty()
            || v.eq_ignore_ascii_case("none")
        {
            continue;
        }
        let target = if v.starts_with('/') {
            v.to_string()
        } else {
            format!("{}/{v}", parent_sys(sys))
        };
        let mut c = Component::new(
            Server::Php,
            ComponentKind::AutoInclude,
            key,
            Declaration::at_line(&real, e.line),
        )
        .with_implementation(v);
        c.resolved = resolve_in_root(root, &target).filter(|p| p.is_file());
        if let Some(s) = e.section {
            c = c.with_attr("section", s);
        }
        out.components.push(c);
    }
}

/// Walks each web root (bounded, no symlinks) for `.user.ini` and `.htaccess`.
fn walk_web_roots(root: &Path, out: &mut Discovered) {
    let mut entries = 0usize;
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    let roots = out.web_roots.clone();
    'roots: for web_root in roots {
        let mut stack = vec![(web_root.clone(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            if !seen_dirs.insert(dir.clone()) {
                continue;
            }
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) => {
                    out.errors.push(CollectError::io(&dir, e));
                    continue;
                }
            };
            let mut files = Vec::new();
            for ent in rd.flatten() {
                entries += 1;
                if entries > MAX_WALK_ENTRIES {
                    out.errors.push(CollectError::parse(
                        &web_root,
                        format!("web-root walk stopped after {MAX_WALK_ENTRIES} entries"),
                    ));
                    break 'roots;
                }
                let Ok(ft) = ent.file_type() else {
                    continue;
                };
                let path = ent.path();
                if ft.is_dir() && depth < MAX_WALK_DEPTH {
                    stack.push((path, depth + 1));
                } else if ft.is_file() {
                    let name = ent.file_name();
                    if name == ".htaccess" || name == ".user.ini" {
                        files.push(path);
                    }
                }
            }
            files.sort();
            for f in files {
                if f.file_name().is_some_and(|n| n == ".htaccess") {
                    super::apache::collect_htaccess(root, &f, out);
                } else {
                    user_ini(root, out, &sys_path_of(root, &f));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servers::apache::tests::{artifacts, copy_tree, write};
    use std::os::unix::fs::symlink;

    /// The extensions php8.2-common's postinst enables, in `conf.d` order
    /// (`10-` for mysqlnd and pdo, `20-` for the rest, per `; priority=`).
    const DEBIAN_EXTENSIONS: &[&str] = &[
        "mysqlnd",
        "pdo",
        "calendar",
        "ctype",
        "exif",
        "ffi",
        "fileinfo",
        "ftp",
        "gettext",
        "iconv",
        "mysqli",
        "pdo_mysql",
        "phar",
        "posix",
        "shmop",
        "sockets",
        "sysvmsg",
        "sysvsem",
        "sysvshm",
        "tokenizer",
    ];
    const SAPIS: &[&str] = &["apache2", "cli", "fpm"];

    /// A Debian 12 root as the PHP packages' postinsts leave it: `php.ini`
    /// copied from the templates, `conf.d/NN-x.ini` absolute symlinks into
    /// `mods-available` (what phpenmod makes), empty `.so` images in the
    /// 8.2 API directory.
    fn debian_root(linux: &Path) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        copy_tree(&linux.join("etc"), &root.join("etc"));
        let tmpl = linux.join("usr/lib/php/8.2");
        for sapi in SAPIS {
            let src = if *sapi == "cli" {
                "php.ini-production.cli"
            } else {
                "php.ini-production"
            };
            let dir = root.join(format!("etc/php/8.2/{sapi}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(tmpl.join(src), dir.join("php.ini")).unwrap();
            let confd = root.join(format!("etc/php/8.2/{sapi}/conf.d"));
            std::fs::create_dir_all(&confd).unwrap();
            for (i, e) in DEBIAN_EXTENSIONS.iter().enumerate() {
                let prio = if i < 2 { 10 } else { 20 };
                symlink(
                    format!("/etc/php/8.2/mods-available/{e}.ini"),
                    confd.join(format!("{prio}-{e}.ini")),
                )
                .unwrap();
            }
        }
        for e in DEBIAN_EXTENSIONS {
            write(root, &format!("usr/lib/php/20220829/{e}.so"), "");
        }
        t
    }

    #[test]
    fn debian_extensions_per_sapi_resolved() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.components.len(), SAPIS.len() * DEBIAN_EXTENSIONS.len());
        for sapi in SAPIS {
            let got: Vec<&Component> = out
                .components
                .iter()
                .filter(|c| c.attr("sapi") == Some(sapi))
                .collect();
            let names: Vec<&str> = got.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, DEBIAN_EXTENSIONS, "{sapi}");
            for c in got {
                assert_eq!(
                    (c.server, c.kind),
                    (Server::Php, ComponentKind::PhpExtension)
                );
                assert_eq!(c.implementation, Some(format!("{}.so", c.name)));
                assert_eq!(
                    c.resolved,
                    Some(root.join(format!("usr/lib/php/20220829/{}.so", c.name)))
                );
                assert_eq!(
                    c.declared,
                    Declaration::at_line(
                        root.join(format!("etc/php/8.2/mods-available/{}.ini", c.name)),
                        3
                    )
                );
                assert_eq!(c.attr("php_version"), Some("8.2"));
                assert_eq!(c.attr("extension_dir"), Some("default"));
                let prio = if matches!(c.name.as_str(), "pdo" | "mysqlnd") {
                    10
                } else {
                    20
                };
                let link = root.join(format!("etc/php/8.2/{sapi}/conf.d/{prio}-{}.ini", c.name));
                assert_eq!(c.attr("enabled_via"), link.to_str());
            }
        }
        // The www pool and php.ini set no auto-includes; php.ini and 20 ini
        // files per SAPI plus php-fpm.conf and www.conf were read.
        assert_eq!(out.files_read.len(), 3 * 21 + 2);
    }

    #[test]
    fn planted_in_ini_pool_and_confd() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        write(
            root,
            "etc/php/8.2/fpm/conf.d/99-zz.ini",
            "; x\n[PHP]\nextension_dir = \"/opt/ext\"\nzend_extension=/usr/lib/php/20220829/opcache.so\n\
             extension = evil ; comment\nauto_prepend_file = '/var/tmp/p.php'\nauto_append_file=\n",
        );
        write(root, "opt/ext/evil.so", "");
        write(
            root,
            "etc/php/8.2/fpm/pool.d/www2.conf",
            "[www2]\nphp_admin_value[auto_prepend_file] = /dev/shm/q.php\nphp_value[memory_limit] = 1G\n",
        );
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let fpm: Vec<&Component> = out
            .components
            .iter()
            .filter(|c| c.attr("sapi") == Some("fpm") && c.declared.file.ends_with("99-zz.ini"))
            .collect();
        assert_eq!(fpm.len(), 3, "{fpm:#?}");
        assert_eq!(
            (fpm[0].kind, fpm[0].name.as_str()),
            (ComponentKind::ZendExtension, "opcache")
        );
        assert_eq!(fpm[0].resolved, None, "no opcache.so planted");
        assert_eq!(
            (fpm[1].kind, fpm[1].name.as_str(), fpm[1].declared.line),
            (ComponentKind::PhpExtension, "evil", Some(5))
        );
        assert_eq!(fpm[1].implementation.as_deref(), Some("evil"));
        assert_eq!(fpm[1].resolved, Some(root.join("opt/ext/evil.so")));
        assert_eq!(fpm[1].attr("extension_dir"), Some("/opt/ext"));
        assert_eq!(fpm[1].attr("section"), Some("PHP"));
        assert_eq!(
            (fpm[2].kind, fpm[2].implementation.as_deref()),
            (ComponentKind::AutoInclude, Some("/var/tmp/p.php"))
        );
        // extension_dir is the set's: fpm's stock extensions now resolve nowhere.
        let fpm_ctype = out
            .components
            .iter()
            .find(|c| c.name == "ctype" && c.attr("sapi") == Some("fpm"))
            .unwrap();
        assert_eq!(fpm_ctype.resolved, None);
        let cli_ctype = out
            .components
            .iter()
            .find(|c| c.name == "ctype" && c.attr("sapi") == Some("cli"))
            .unwrap();
        assert!(cli_ctype.resolved.is_some());
        let pool = out
            .components
            .iter()
            .find(|c| c.declared.file.ends_with("www2.conf"))
            .unwrap();
        assert_eq!(
            (pool.kind, pool.name.as_str()),
            (ComponentKind::AutoInclude, "auto_prepend_file")
        );
        assert_eq!(pool.implementation.as_deref(), Some("/dev/shm/q.php"));
        assert_eq!(pool.attr("directive"), Some("php_admin_value"));
        assert_eq!(pool.declared.line, Some(2));
        assert_eq!(pool.attr("section"), Some("www2"));
    }

    #[test]
    fn web_roots_user_ini_and_htaccess() {
        let Some(linux) = artifacts() else { return };
        let t = crate::servers::apache::tests::debian_root(&linux);
        let root = t.path();
        let www = "var/www/html";
        write(
            root,
            &format!("{www}/uploads/.htaccess"),
            "# gallery\nAddType application/x-httpd-php .jpg\nOptions -Indexes\n",
        );
        write(
            root,
            &format!("{www}/.user.ini"),
            "auto_prepend_file=/tmp/x.php\nextension=ignored.so\n",
        );
        write(
            root,
            &format!("{www}/a/.user.ini"),
            "auto_append_file = \"footer.php\"\n",
        );
        write(root, &format!("{www}/a/footer.php"), "<?php\n");
        write(root, "tmp/x.php", "<?php\n");
        // Symlinked directories are not followed.
        write(root, "elsewhere/.htaccess", "SetHandler php-script\n");
        symlink(root.join("elsewhere"), root.join(www).join("linked")).unwrap();
        let mut out = Discovered::default();
        crate::servers::apache::collect(root, &mut out);
        crate::servers::nginx::collect(root, &mut out);
        let before = out.components.len();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let web: Vec<&Component> = out.components[before..].iter().collect();
        assert_eq!(web.len(), 3, "{web:#?}");
        let pre = web.iter().find(|c| c.name == "auto_prepend_file").unwrap();
        assert_eq!(
            pre.declared,
            Declaration::at_line(root.join(www).join(".user.ini"), 1)
        );
        assert_eq!(pre.implementation.as_deref(), Some("/tmp/x.php"));
        assert_eq!(pre.resolved, Some(root.join("tmp/x.php")));
        let app = web.iter().find(|c| c.name == "auto_append_file").unwrap();
        assert_eq!(app.resolved, Some(root.join(www).join("a/footer.php")));
        let h = web
            .iter()
            .find(|c| c.kind == ComponentKind::HandlerMapping)
            .unwrap();
        assert_eq!(
            (h.server, h.name.as_str()),
            (Server::Apache, "application/x-httpd-php")
        );
        assert_eq!(h.attr("extensions"), Some(".jpg"));
        assert_eq!(h.attr("directive"), Some("AddType"));
        assert_eq!(
            h.declared,
            Declaration::at_line(root.join(www).join("uploads/.htaccess"), 2)
        );
    }

    #[test]
    fn collect_file_recognition() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let h = write(
            root,
            "srv/.htaccess",
            "php_value auto_prepend_file /x.php\nphp_flag engine on\n",
        );
        let u = write(root, "srv/.user.ini", "auto_prepend_file=none\n");
        let d = write(root, "home/u/.config/desktop.ini", "extension=x\n");
        let p = write(root, "etc/php.d/x.ini", "extension=/abs/x.so\n");
        let mut out = Discovered::default();
        assert!(collect_file(root, &h, &mut out));
        assert!(collect_file(root, &u, &mut out));
        assert!(!collect_file(root, &d, &mut out));
        assert!(collect_file(root, &p, &mut out));
        let got: Vec<(Server, ComponentKind, &str)> = out
            .components
            .iter()
            .map(|c| (c.server, c.kind, c.name.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Server::Php, ComponentKind::AutoInclude, "auto_prepend_file"),
                (Server::Php, ComponentKind::PhpExtension, "x"),
            ]
        );
        assert_eq!(
            out.components[1].implementation.as_deref(),
            Some("/abs/x.so")
        );
        assert_eq!(out.components[1].resolved, None);
    }

    #[test]
    fn walk_is_bounded_in_depth() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let mut rel = String::from("w");
        for _ in 0..20 {
            rel.push_str("/d");
        }
        write(
            root,
            &format!("{rel}/.user.ini"),
            "auto_prepend_file=/deep.php\n",
        );
        write(root, "w/d/d/.user.ini", "auto_prepend_file=/shallow.php\n");
        let mut out = Discovered::default();
        out.add_web_root(root.join("w"));
        collect(root, &mut out);
        let got: Vec<&str> = out
            .components
            .iter()
            .filter_map(|c| c.implementation.as_deref())
            .collect();
        assert_eq!(got, vec!["/shallow.php"]);
    }

    #[test]
    fn ini_syntax() {
        let p = parse_php_ini(
            b"; c\n# old\n[PATH=/var/www]\na = 1 ; x\nb = \"q \\\" ; r\" ; t\nc='s;t'\nd\ne = \"open\n[bad\n",
        );
        let got: Vec<(u64, Option<&str>, &str, &str)> = p
            .entries
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.section.as_deref(),
                    e.key.as_str(),
                    e.value.as_str(),
                )
            })
            .collect();
        let s = Some("PATH=/var/www");
        assert_eq!(
            got,
            vec![
                (4, s, "a", "1"),
                (5, s, "b", "q \" ; r"),
                (6, s, "c", "s;t"),
                (7, s, "d", ""),
                (8, s, "e", "open"),
            ]
        );
        assert_eq!(
            p.errors,
            vec![
                "line 8: unterminated double quote",
                "line 9: section header without ']'"
            ]
        );
        let junk: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let _ = parse_php_ini(&junk);
    }
}
