//! Apache httpd: finds the main configuration under the root
//! (`etc/apache2/apache2.conf`, `etc/httpd/conf/httpd.conf`,
//! `usr/local/apache2/conf/httpd.conf`, `etc/httpd/httpd.conf`), parses it
//! with a directive parser (line continuations, quoted arguments, comments,
//! `<Section>` nesting), follows `Include`/`IncludeOptional` (globs, relative to
//! `ServerRoot`, `${VAR}` from Debian's `envvars` and `Define`) and reports:
//!
//! - `LoadModule name path` (and `LoadFile path`) as [`ComponentKind::LoadModule`]
//!   (`implementation` = the path as written, `resolved` = the file under root);
//! - `AddHandler`/`AddType`/`SetHandler`/`ForceType` that hand files to PHP as
//!   [`ComponentKind::HandlerMapping`] (name = the handler or type);
//! - `php_value`/`php_admin_value`/`php_flag`/`php_admin_flag`
//!   `auto_prepend_file`/`auto_append_file` as [`Server::Php`]
//!   [`ComponentKind::AutoInclude`];
//! - `DocumentRoot`, `Alias`, `ScriptAlias` (and their `*Match` forms without
//!   back-references) directories that exist as web roots (the path with every
//!   symlink resolved inside root).
//!
//! Conditional sections (`<IfModule>`, `<IfDefine>`, `<If>`, ...) are treated
//! as active. Attributes set:
//! - `server_root` (LoadModule): the `ServerRoot` in effect;
//! - `directive`: the directive as written (`LoadFile`, `AddType`, `php_admin_value`, ...);
//! - `expanded` (LoadModule): the path after `${VAR}` expansion, when it differs;
//! - `condition`: the enclosing conditional sections, e.g. `<IfModule !mod_php8.c> <IfModule proxy_fcgi_module>`;
//! - `context`: the enclosing other sections, e.g. `<VirtualHost *:80> <Directory /var/www/>`;
//! - `enabled_via`: the path the file was included as, when that is a symlink
//!   (`mods-enabled/x.load`); `Declaration.file` is then the file it points to;
//! - `extensions` (HandlerMapping): the mapped extensions, space separated
//!   (`.php .phar`); for `SetHandler`/`ForceType` derived from the enclosing
//!   `<Files>`/`<FilesMatch>` pattern when it is a simple extension pattern,
//!   `*` when no such section restricts it (every file in scope), absent when
//!   the pattern is too complex;
//! - `files` (HandlerMapping): the enclosing `<Files>`/`<FilesMatch>` pattern.
//!
//! `.htaccess` files are parsed by [`collect_htaccess`] (no includes, no
//! modules: only what `.htaccess` may do); `php::collect` finds them.
//!
//! Bounds: include depth [`MAX_INCLUDE_DEPTH`], [`MAX_FILES`] files per run,
//! [`MAX_GLOB_MATCHES`] per glob, section nesting [`MAX_SECTION_DEPTH`],
//! logical lines of [`MAX_LINE_BYTES`]; include loops are errors.

use super::{read_config, Discovered};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::collections::HashMap;
use std::path::{Component as PathComponent, Path, PathBuf};

/// Main configuration files looked for, relative to root.
pub const MAIN_CONFIGS: &[&str] = &[
    "etc/apache2/apache2.conf",
    "etc/httpd/conf/httpd.conf",
    "usr/local/apache2/conf/httpd.conf",
    "etc/httpd/httpd.conf",
];
/// Deepest chain of includes followed.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Most configuration files read in one run.
pub const MAX_FILES: usize = 4096;
/// Most paths one include glob may expand to.
pub const MAX_GLOB_MATCHES: usize = 4096;
/// Deepest `<Section>` nesting accepted in one file.
pub const MAX_SECTION_DEPTH: usize = 64;
/// Longest logical line (after joining continuations).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Most symlinks followed when resolving one path inside root.
const MAX_SYMLINK_HOPS: usize = 40;

/// What one logical configuration line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A directive (`LoadModule a b`).
    Directive,
    /// A section start (`<IfModule x>`).
    Open,
    /// A section end (`</IfModule>`).
    Close,
}

/// One logical line of an Apache configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApacheLine {
    /// 1-based line it starts on.
    pub line: u64,
    /// Directive, section start or section end.
    pub kind: LineKind,
    /// Directive or section name as written.
    pub name: String,
    /// Arguments, unquoted.
    pub args: Vec<String>,
}

/// A parsed file: its lines (sections balanced) and what was wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApacheParse {
    /// Lines in order; every `Close` matches an earlier `Open`.
    pub lines: Vec<ApacheLine>,
    /// Problems (unbalanced sections, overlong lines), with line numbers.
    pub errors: Vec<String>,
}

/// Parses Apache configuration syntax (pure: bytes in, lines out). Never
/// fails: problems are listed in [`ApacheParse::errors`]; parsing stops at a
/// nesting deeper than [`MAX_SECTION_DEPTH`].
pub fn parse_apache_conf(bytes: &[u8]) -> ApacheParse {
    let mut out = ApacheParse::default();
    let mut open: Vec<String> = Vec::new();
    let mut logical = String::new();
    let mut start = 0u64;
    let mut too_long = false;
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let n = i as u64 + 1;
        if logical.is_empty() && !too_long {
            start = n;
        }
        let text = String::from_utf8_lossy(raw);
        let text = text.trim_end();
        let (piece, cont) = match text.strip_suffix('\\') {
            Some(p) => (p, true),
            None => (text, false),
        };
        if !too_long {
            if logical.len() + piece.len() > MAX_LINE_BYTES {
                too_long = true;
                logical.clear();
            } else {
                logical.push_str(piece);
            }
        }
        if cont {
            continue;
        }
        if too_long {
            out.errors.push(format!(
                "line {start}: longer than {MAX_LINE_BYTES} bytes, skipped"
            ));
            too_long = false;
            continue;
        }
        let line = std::mem::take(&mut logical);
        if !parse_logical(line.trim(), start, &mut open, &mut out) {
            return out;
        }
    }
    if too_long {
        out.errors.push(format!(
            "line {start}: longer than {MAX_LINE_BYTES} bytes, skipped"
        ));
    } else if !logical.trim().is_empty() {
        let line = std::mem::take(&mut logical);
        parse_logical(line.trim(), start, &mut open, &mut out);
    }
    for name in open.iter().rev() {
        out.errors.push(format!("<{name}> is not closed"));
    }
    out
}

/// Handles one logical line; false when parsing must stop.
fn parse_logical(t: &str, line: u64, open: &mut Vec<String>, out: &mut ApacheParse) -> bool {
    if t.is_empty() || t.starts_with('#') {
        return true;
    }
    if let Some(rest) = t.strip_prefix("</") {
        let name = rest.trim_end_matches('>').trim().to_string();
        match open.last() {
            Some(top) if top.eq_ignore_ascii_case(&name) => {
                open.pop();
                out.lines.push(ApacheLine {
                    line,
                    kind: LineKind::Close,
                    name,
                    args: Vec::new(),
                });
            }
            _ => out
                .errors
                .push(format!("line {line}: </{name}> without matching <{name}>")),
        }
        return true;
    }
    if let Some(rest) = t.strip_prefix('<') {
        let Some(inner) = rest.strip_suffix('>') else {
            out.errors
                .push(format!("line {line}: section start without closing '>'"));
            return true;
        };
        let mut words = split_words(inner);
        if words.is_empty() {
            out.errors.push(format!("line {line}: empty section start"));
            return true;
        }
        if open.len() >= MAX_SECTION_DEPTH {
            out.errors.push(format!(
                "line {line}: sections nested deeper than {MAX_SECTION_DEPTH}; rest of file skipped"
            ));
            return false;
        }
        let name = words.remove(0);
        open.push(name.clone());
        out.lines.push(ApacheLine {
            line,
            kind: LineKind::Open,
            name,
            args: words,
        });
        return true;
    }
    let mut words = split_words(t);
    if words.is_empty() {
        return true;
    }
    let name = words.remove(0);
    out.lines.push(ApacheLine {
        line,
        kind: LineKind::Directive,
        name,
        args: words,
    });
    true
}

/// Splits a line into words the way httpd does: whitespace separates, `"..."`
/// and `'...'` quote (a backslash before the quote character escapes it).
pub fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut w = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\\' && chars.peek() == Some(&first) {
                    w.push(first);
                    chars.next();
                } else if c == first {
                    break;
                } else {
                    w.push(c);
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
        }
        words.push(w);
    }
    words
}

/// Discovers Apache's main configurations under `root` and everything they
/// include.
pub fn collect(root: &Path, out: &mut Discovered) {
    for rel in MAIN_CONFIGS {
        let sys = format!("/{rel}");
        let Some(real) = resolve_in_root(root, &sys) else {
            continue;
        };
        if real.is_file() {
            let conf_dir = parent_sys(&sys);
            let server_root = default_server_root(&conf_dir);
            let mut w = Walker::new(root, out, server_root, &conf_dir);
            w.include_one(&sys, false);
        }
    }
}

/// Parses one given Apache file if its name says it is one: `apache2.conf` or
/// `httpd.conf` (as a main configuration), or a `*.conf`/`*.load` below a
/// directory named `apache2`, `apache` or `httpd` (as if included, with that
/// directory as `ServerRoot`; its includes are followed). False otherwise;
/// `.htaccess` is recognised by `php::collect_file`, which also finds them.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let sys = sys_path_of(root, path);
    let name = sys.rsplit('/').next().unwrap_or("");
    let server_root = if name == "apache2.conf" || name == "httpd.conf" {
        default_server_root(&parent_sys(&sys))
    } else if name.ends_with(".conf") || name.ends_with(".load") {
        match apache_ancestor(&sys) {
            Some(dir) => dir,
            None => return false,
        }
    } else {
        return false;
    };
    let mut w = Walker::new(root, out, server_root.clone(), &server_root);
    w.include_one(&sys, false);
    true
}

/// Parses one `.htaccess` file: handler mappings and PHP auto-includes (what
/// `.htaccess` may do; includes and modules are not allowed there).
pub fn collect_htaccess(root: &Path, path: &Path, out: &mut Discovered) {
    let sys = sys_path_of(root, path);
    let mut w = Walker::new(root, out, parent_sys(&sys), "");
    w.htaccess = true;
    w.include_one(&sys, false);
}

/// `ServerRoot` when none is set: the main configuration's directory, or its
/// parent when that directory is `conf` (`/etc/httpd/conf/httpd.conf`).
fn default_server_root(conf_dir: &str) -> String {
    if conf_dir.ends_with("/conf") {
        parent_sys(conf_dir)
    } else {
        conf_dir.to_string()
    }
}

/// The nearest ancestor directory named like an Apache configuration root.
fn apache_ancestor(sys: &str) -> Option<String> {
    let comps: Vec<&str> = sys.split('/').collect();
    (0..comps.len().saturating_sub(1))
        .rev()
        .find(|&i| matches!(comps[i], "apache2" | "apache" | "httpd"))
        .map(|i| comps[..=i].join("/"))
}

/// Walks configuration files, carrying the state httpd carries.
struct Walker<'a> {
    root: &'a Path,
    out: &'a mut Discovered,
    vars: HashMap<String, String>,
    server_root: String,
    /// Files being read (real path, path included as when a symlink).
    stack: Vec<(PathBuf, Option<PathBuf>)>,
    files: usize,
    sections: Vec<(String, String)>,
    htaccess: bool,
}

impl<'a> Walker<'a> {
    fn new(
        root: &'a Path,
        out: &'a mut Discovered,
        server_root: String,
        envvars_dir: &str,
    ) -> Self {
        let mut w = Walker {
            root,
            out,
            vars: HashMap::new(),
            server_root,
            stack: Vec::new(),
            files: 0,
            sections: Vec::new(),
            htaccess: false,
        };
        if !envvars_dir.is_empty() {
            w.load_envvars(&format!("{envvars_dir}/envvars"));
        }
        w
    }

    /// Reads `export NAME=value` (and `NAME=value`) lines of Debian's envvars.
    fn load_envvars(&mut self, sys: &str) {
        let Some(real) = resolve_in_root(self.root, sys) else {
            return;
        };
        if !real.is_file() {
            return;
        }
        let bytes = match read_config(&real) {
            Ok(b) => b,
            Err(e) => return self.out.errors.push(e),
        };
        self.vars = parse_envvars(&bytes);
    }

    /// Replaces `${NAME}` with defined values; unknown names stay as written.
    fn expand(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            match after.find('}') {
                Some(j) => {
                    let name = &after[..j];
                    match self.vars.get(name) {
                        Some(v) => out.push_str(v),
                        None => out.push_str(&rest[i..i + 3 + j]),
                    }
                    rest = &after[j + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A path from the configuration as a path on the examined system.
    fn sys_of(&self, p: &str) -> String {
        if p.starts_with('/') {
            p.to_string()
        } else {
            format!("{}/{}", self.server_root.trim_end_matches('/'), p)
        }
    }

    fn err(&mut self, path: &Path, msg: impl std::fmt::Display) {
        self.out.errors.push(CollectError::parse(path, msg));
    }

    fn current(&self) -> PathBuf {
        self.stack
            .last()
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| self.root.to_path_buf())
    }

    /// Includes a path or glob (system path).
    fn include(&mut self, sys: &str, optional: bool, line: u64) {
        let here = self.current();
        if has_glob(sys) {
            match glob_in_root(self.root, sys, MAX_GLOB_MATCHES) {
                Ok(m) if m.is_empty() && !optional => {
                    self.err(&here, format!("line {line}: Include {sys}: no match"))
                }
                Ok(m) => m.iter().for_each(|s| self.include_one(s, optional)),
                Err(e) => self.err(&here, format!("line {line}: Include {sys}: {e}")),
            }
        } else {
            let exists = resolve_in_root(self.root, sys).is_some_and(|p| p.exists());
            if exists {
                self.include_one(sys, optional);
            } else if !optional {
                self.err(&here, format!("line {line}: Include {sys}: not found"));
            }
        }
    }

    /// Includes one existing path: a file, or a directory's files (sorted).
    fn include_one(&mut self, sys: &str, optional: bool) {
        let here = self.current();
        let Some(real) = resolve_in_root(self.root, sys) else {
            return self.err(&here, format!("{sys}: too many symbolic links"));
        };
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return self.err(
                &here,
                format!("includes nested deeper than {MAX_INCLUDE_DEPTH}; {sys} not read"),
            );
        }
        if self.stack.iter().any(|(p, _)| *p == real) {
            return self.err(&here, format!("include loop: {sys} includes itself"));
        }
        if real.is_dir() {
            let names = match sorted_names(&real) {
                Ok(n) => n,
                Err(e) => return self.out.errors.push(CollectError::io(&real, e)),
            };
            // Count the directory as a level so nested directories stay bounded.
            self.stack.push((real, None));
            for n in names {
                self.include_one(&format!("{}/{n}", sys.trim_end_matches('/')), optional);
            }
            self.stack.pop();
            return;
        }
        self.files += 1;
        if self.files > MAX_FILES {
            if self.files == MAX_FILES + 1 {
                self.err(
                    &real,
                    format!("more than {MAX_FILES} configuration files; rest skipped"),
                );
            }
            return;
        }
        let bytes = match read_config(&real) {
            Ok(b) => b,
            Err(e) => return self.out.errors.push(e),
        };
        self.out.files_read.push(real.clone());
        let parsed = parse_apache_conf(&bytes);
        for e in parsed.errors {
            self.err(&real, e);
        }
        let as_named = under_root(self.root, sys);
        let via = (as_named != real).then_some(as_named);
        self.stack.push((real, via));
        let saved = self.sections.len();
        for l in &parsed.lines {
            match l.kind {
                LineKind::Open => self.sections.push((l.name.clone(), l.args.join(" "))),
                LineKind::Close => {
                    if self.sections.len() > saved {
                        self.sections.pop();
                    }
                }
                LineKind::Directive => self.directive(l),
            }
        }
        self.sections.truncate(saved);
        self.stack.pop();
    }

    fn directive(&mut self, l: &ApacheLine) {
        let name = l.name.to_ascii_lowercase();
        let args: Vec<String> = l.args.iter().map(|a| self.expand(a)).collect();
        let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
        match name.as_str() {
            "define" if !arg(0).is_empty() => {
                self.vars.insert(arg(0).to_string(), arg(1).to_string());
            }
            "undefine" => {
                self.vars.remove(arg(0));
            }
            _ if self.htaccess => {}
            "serverroot" if !arg(0).is_empty() => self.server_root = arg(0).to_string(),
            "include" | "includeoptional" if !arg(0).is_empty() => {
                let sys = self.sys_of(arg(0));
                self.include(&sys, name == "includeoptional", l.line);
            }
            "loadmodule" | "loadfile" => {
                let (mod_name, raw, path) = if name == "loadmodule" {
                    (arg(0).to_string(), l.args.get(1), arg(1))
                } else {
                    let n = arg(0).rsplit('/').next().unwrap_or("").to_string();
                    (n, l.args.first(), arg(0))
                };
                let Some(raw) = raw.filter(|_| !mod_name.is_empty()) else {
                    let here = self.current();
                    return self.err(&here, format!("line {}: {} needs a path", l.line, l.name));
                };
                let sys = self.sys_of(path);
                let mut c = self
                    .component(Server::Apache, ComponentKind::LoadModule, &mod_name, l)
                    .with_implementation(raw.clone())
                    .with_attr("server_root", self.server_root.clone());
                if raw != path {
                    c = c.with_attr("expanded", path);
                }
                if name == "loadfile" {
                    c = c.with_attr("directive", l.name.clone());
                }
                c.resolved = resolve_in_root(self.root, &sys).filter(|p| p.is_file());
                self.out.components.push(c);
            }
            "documentroot" => self.web_root(arg(0)),
            "alias" | "scriptalias" => self.web_root(arg(1)),
            "aliasmatch" | "scriptaliasmatch" if !arg(1).contains('$') => self.web_root(arg(1)),
            _ => {}
        }
        match name.as_str() {
            "addhandler" | "addtype" if is_php_handler(arg(0)) => {
                let exts: Vec<String> = args[1..]
                    .iter()
                    .map(|e| {
                        if e.starts_with('.') {
                            e.clone()
                        } else {
                            format!(".{e}")
                        }
                    })
                    .collect();
                self.handler(l, arg(0), Some(exts.join(" ")));
            }
            "sethandler" | "forcetype" if is_php_handler(arg(0)) => {
                let exts = match self.files_pattern() {
                    None => Some("*".to_string()),
                    Some((kind, pat)) => files_extensions(&kind, &pat).map(|v| v.join(" ")),
                };
                self.handler(l, arg(0), exts);
            }
            "php_value" | "php_admin_value" | "php_flag" | "php_admin_flag" => {
                let key = arg(0).to_ascii_lowercase();
                let val = arg(1);
                if (key == "auto_prepend_file" || key == "auto_append_file")
                    && !val.is_empty()
                    && !val.eq_ignore_ascii_case("none")
                {
                    let mut c = self
                        .component(Server::Php, ComponentKind::AutoInclude, &key, l)
                        .with_implementation(val)
                        .with_attr("directive", l.name.clone());
                    if val.starts_with('/') {
                        c.resolved = resolve_in_root(self.root, val).filter(|p| p.is_file());
                    }
                    self.out.components.push(c);
                }
            }
            _ => {}
        }
    }

    fn handler(&mut self, l: &ApacheLine, handler: &str, exts: Option<String>) {
        let mut c = self
            .component(Server::Apache, ComponentKind::HandlerMapping, handler, l)
            .with_attr("directive", l.name.clone());
        if let Some(e) = exts {
            c = c.with_attr("extensions", e);
        }
        if let Some((kind, pat)) = self.files_pattern() {
            c = c.with_attr("files", format!("<{kind} {pat}>"));
        }
        self.out.components.push(c);
    }

    /// The innermost enclosing `<Files>`/`<FilesMatch>` (kind, pattern).
    fn files_pattern(&self) -> Option<(String, String)> {
        self.sections
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case("files") || n.eq_ignore_ascii_case("filesmatch"))
            .cloned()
    }

    fn component(
        &self,
        server: Server,
        kind: ComponentKind,
        name: &str,
        l: &ApacheLine,
    ) -> Component {
        let (file, via) = self.stack.last().cloned().unwrap_or_default();
        let mut c = Component::new(server, kind, name, Declaration::at_line(file, l.line));
        let (cond, ctx): (Vec<_>, Vec<_>) =
            self.sections.iter().partition(|(n, _)| is_conditional(n));
        let fmt = |v: Vec<&(String, String)>| {
            v.iter()
                .map(|(n, a)| {
                    if a.is_empty() {
                        format!("<{n}>")
                    } else {
                        format!("<{n} {a}>")
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        if !cond.is_empty() {
            c = c.with_attr("condition", fmt(cond));
        }
        if !ctx.is_empty() {
            c = c.with_attr("context", fmt(ctx));
        }
        if let Some(v) = via {
            c = c.with_attr("enabled_via", v.to_string_lossy());
        }
        c
    }

    fn web_root(&mut self, p: &str) {
        if p.is_empty() || self.htaccess {
            return;
        }
        let sys = self.sys_of(p);
        if let Some(real) = resolve_in_root(self.root, &sys).filter(|r| r.is_dir()) {
            self.out.add_web_root(real);
        }
    }
}

/// Parses `export NAME=value` / `NAME=value` shell lines (values may use
/// earlier `$NAME`/`${NAME}`; unknown names are empty, as in the shell).
pub fn parse_envvars(bytes: &[u8]) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = HashMap::new();
    for raw in String::from_utf8_lossy(bytes).lines() {
        let t = raw.trim();
        let t = t.strip_prefix("export ").map(str::trim).unwrap_or(t);
        let Some((name, value)) = t.split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        let v = shell_expand(value, &vars);
        vars.insert(name.to_string(), v);
    }
    vars
}

fn shell_expand(s: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut name = String::new();
        if chars.peek() == Some(&'{') {
            chars.next();
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
                name.push(c);
            }
            // `${X##pattern}` and friends: unsupported, empty.
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                name.push(c);
                chars.next();
            }
        }
        if let Some(v) = vars.get(&name) {
            out.push_str(v);
        }
    }
    out
}

fn is_conditional(section: &str) -> bool {
    let s = section.to_ascii_lowercase();
    s.starts_with("if") || s == "else" || s == "elseif"
}

/// Whether a handler or MIME type hands files to PHP (`application/x-httpd-php`,
/// `php-script`, `php8-script`, `x-httpd-php74___lsphp`, `proxy:...fcgi://`
/// to a PHP-FPM socket); `...-php-source` (source highlighting) does not.
pub fn is_php_handler(h: &str) -> bool {
    let h = h.to_ascii_lowercase();
    if !h.contains("php") || h.ends_with("php-source") {
        return false;
    }
    if h.starts_with("proxy:") {
        return h.contains("fcgi://");
    }
    true
}

/// Extensions matched by a `<Files>`/`<FilesMatch>` pattern, when simple.
fn files_extensions(kind: &str, pat: &str) -> Option<Vec<String>> {
    let mut words = split_words(pat);
    if kind.eq_ignore_ascii_case("filesmatch") {
        return words.pop().and_then(|p| extensions_from_regex(&p));
    }
    match words.as_slice() {
        [tilde, re] if tilde == "~" => extensions_from_regex(re),
        [glob] => {
            let ext = glob.strip_prefix('*').unwrap_or(glob);
            let ok = ext.starts_with('.') && ext[1..].chars().all(literal_char);
            if ok {
                Some(vec![ext.to_string()])
            } else {
                Some(vec![glob.clone()])
            }
        }
        _ => None,
    }
}

fn literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The extensions a simple "ends with" regex matches: `.+\.ph(?:ar|p|tml)$`
/// gives `.phar .php .phtml`, `\.(php|jpg)$` gives `.php .jpg`. `None` when
/// the pattern is more complex than `\.` literal, at most one group of
/// literal alternatives, literal, `$`.
pub fn extensions_from_regex(re: &str) -> Option<Vec<String>> {
    let re = re.strip_prefix("(?i)").unwrap_or(re);
    let re = re.strip_suffix('$')?;
    let tail = &re[re.rfind("\\.")? + 2..];
    let (prefix, alts, suffix) = match tail.find('(') {
        Some(i) => {
            let close = i + tail[i..].find(')')?;
            let inner = &tail[i + 1..close];
            let inner = inner.strip_prefix("?:").unwrap_or(inner);
            (
                &tail[..i],
                inner.split('|').collect::<Vec<_>>(),
                &tail[close + 1..],
            )
        }
        None => (tail, vec![""], ""),
    };
    let all = std::iter::once(prefix)
        .chain(alts.iter().copied())
        .chain(std::iter::once(suffix));
    if !all.clone().all(|p| p.chars().all(literal_char)) {
        return None;
    }
    let v: Vec<String> = alts
        .iter()
        .map(|a| format!(".{prefix}{a}{suffix}"))
        .collect();
    (!v.iter().any(|e| e == ".")).then_some(v)
}

/// `root` joined with a path on the examined system (`/etc/x` → `root/etc/x`).
pub(crate) fn under_root(root: &Path, sys: &str) -> PathBuf {
    let rel = sys.trim_start_matches('/');
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// The path on the examined system of a file given either under `root` or as
/// a system path (`/etc/apache2/x.conf`).
pub(crate) fn sys_path_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            PathComponent::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    format!("/{}", parts.join("/"))
}

/// The parent of a system path (`/etc/apache2/x.conf` → `/etc/apache2`).
pub(crate) fn parent_sys(sys: &str) -> String {
    match sys.trim_end_matches('/').rsplit_once('/') {
        Some((p, _)) if !p.is_empty() => p.to_string(),
        _ => "/".to_string(),
    }
}

/// Resolves a path on the examined system to the real path under `root`
/// ([`crate::layout::resolve_in_root`]; `..` is held at the root). `None`
/// after too many symlinks (a loop) or an unreadable link.
pub(crate) fn resolve_in_root(root: &Path, sys: &str) -> Option<PathBuf> {
    crate::layout::resolve_in_root(root, sys, MAX_SYMLINK_HOPS)
        .ok()
        .map(|r| r.path)
}

/// Whether a path has glob characters.
pub(crate) fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Most entries read from one directory (include directories and globs).
const MAX_DIR_ENTRIES: usize = 100_000;

/// Directory entry names, sorted (non-UTF-8 names are skipped); an error past
/// [`MAX_DIR_ENTRIES`] entries.
fn sorted_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir)? {
        if names.len() >= MAX_DIR_ENTRIES {
            return Err(std::io::Error::other(format!(
                "more than {MAX_DIR_ENTRIES} entries"
            )));
        }
        if let Some(n) = e.ok().and_then(|e| e.file_name().into_string().ok()) {
            names.push(n);
        }
    }
    names.sort();
    Ok(names)
}

/// Expands a glob on the examined system (wildcards in any component, no
/// leading-dot matches, sorted like httpd and nginx do) to the system paths
/// that exist under `root`. An error past `max` matches or on a bad pattern.
pub(crate) fn glob_in_root(root: &Path, sys: &str, max: usize) -> Result<Vec<String>, String> {
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let mut cands = vec![String::new()];
    for comp in sys.split('/').filter(|c| !c.is_empty()) {
        if !has_glob(comp) {
            cands.iter_mut().for_each(|c| {
                c.push('/');
                c.push_str(comp)
            });
            continue;
        }
        let pat = glob::Pattern::new(comp).map_err(|e| format!("bad pattern: {e}"))?;
        let mut next = Vec::new();
        for c in &cands {
            let Some(dir) = resolve_in_root(root, c).filter(|d| d.is_dir()) else {
                continue;
            };
            let names = sorted_names(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for n in names.into_iter().filter(|n| pat.matches_with(n, opts)) {
                if next.len() >= max {
                    return Err(format!("more than {max} matches"));
                }
                next.push(format!("{c}/{n}"));
            }
        }
        cands = next;
    }
    Ok(cands
        .into_iter()
        .filter(|c| resolve_in_root(root, c).is_some_and(|p| p.exists()))
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// The real Debian 12 `linux/` artifacts, or `None` (test skipped).
    pub(crate) fn artifacts() -> Option<PathBuf> {
        let p = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/datasets/artifacts/linux"
        ));
        if p.is_dir() {
            Some(p)
        } else {
            println!("skipped: ../shared not present");
            None
        }
    }

    /// Copies a directory tree (files and directories only).
    pub(crate) fn copy_tree(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let dst = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy_tree(&e.path(), &dst);
            } else {
                std::fs::copy(e.path(), dst).unwrap();
            }
        }
    }

    /// Writes a file under root, creating directories.
    pub(crate) fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The modules Debian 12's apache2 postinst enables (`enable_default_mpm`:
    /// mpm_event; `enable_default_modules`: the rest, with their `# Depends:`).
    const DEBIAN_DEFAULT_MODULES: &[&str] = &[
        "access_compat",
        "alias",
        "auth_basic",
        "authn_core",
        "authn_file",
        "authz_core",
        "authz_host",
        "authz_user",
        "autoindex",
        "deflate",
        "dir",
        "env",
        "filter",
        "mime",
        "mpm_event",
        "negotiation",
        "reqtimeout",
        "setenvif",
        "status",
    ];
    /// The configurations its `enable_default_conf` enables.
    const DEBIAN_DEFAULT_CONFS: &[&str] = &[
        "charset",
        "localized-error-pages",
        "other-vhosts-access-log",
        "security",
        "serve-cgi-bin",
    ];

    fn enable(root: &Path, kind: &str, name: &str) {
        let dir = root.join(format!("etc/apache2/{kind}-enabled"));
        std::fs::create_dir_all(&dir).unwrap();
        for ext in ["load", "conf"] {
            let avail = root.join(format!("etc/apache2/{kind}-available/{name}.{ext}"));
            if avail.exists() {
                symlink(
                    format!("../{kind}-available/{name}.{ext}"),
                    dir.join(format!("{name}.{ext}")),
                )
                .unwrap();
            }
        }
    }

    /// A Debian 12 root as apache2's postinst leaves it: the real `/etc`,
    /// the default modules/confs/site enabled by relative symlinks (what
    /// a2enmod/a2enconf/a2ensite make), empty module images, `/var/www/html`.
    pub(crate) fn debian_root(linux: &Path) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        copy_tree(&linux.join("etc"), &root.join("etc"));
        for m in DEBIAN_DEFAULT_MODULES {
            enable(root, "mods", m);
            write(root, &format!("usr/lib/apache2/modules/mod_{m}.so"), "");
        }
        for c in DEBIAN_DEFAULT_CONFS {
            enable(root, "conf", c);
        }
        std::fs::create_dir_all(root.join("etc/apache2/sites-enabled")).unwrap();
        symlink(
            "../sites-available/000-default.conf",
            root.join("etc/apache2/sites-enabled/000-default.conf"),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("var/www/html")).unwrap();
        t
    }

    fn modules(out: &Discovered) -> Vec<String> {
        let mut v: Vec<String> = out
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::LoadModule)
            .map(|c| c.name.clone())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn debian_defaults_exact_modules_resolved() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let want: Vec<String> = DEBIAN_DEFAULT_MODULES
            .iter()
            .map(|m| format!("{m}_module"))
            .collect();
        assert_eq!(modules(&out), want);
        assert_eq!(
            out.components.len(),
            19,
            "only LoadModule in the stock default"
        );
        for c in &out.components {
            let m = c.name.trim_end_matches("_module");
            assert_eq!(c.server, Server::Apache);
            assert_eq!(
                c.implementation.as_deref(),
                Some(format!("/usr/lib/apache2/modules/mod_{m}.so").as_str())
            );
            assert_eq!(
                c.resolved,
                Some(root.join(format!("usr/lib/apache2/modules/mod_{m}.so")))
            );
            assert_eq!(c.attr("server_root"), Some("/etc/apache2"));
            assert_eq!(
                c.declared.file,
                root.join(format!("etc/apache2/mods-available/{m}.load"))
            );
            let via = root.join(format!("etc/apache2/mods-enabled/{m}.load"));
            assert_eq!(c.attr("enabled_via"), Some(via.to_str().unwrap()));
            assert_eq!(c.attr("condition"), None);
        }
        let line = |n: &str| {
            out.components
                .iter()
                .find(|c| c.name == n)
                .unwrap()
                .declared
                .line
        };
        assert_eq!(line("status_module"), Some(1));
        assert_eq!(
            line("access_compat_module"),
            Some(2),
            "after its '# Depends:' line"
        );
        // DocumentRoot /var/www/html exists; /usr/lib/cgi-bin and the icons do not.
        assert_eq!(out.web_roots, vec![root.join("var/www/html")]);
        assert!(out
            .files_read
            .contains(&root.join("etc/apache2/ports.conf")));
        assert!(out
            .files_read
            .contains(&root.join("etc/apache2/sites-available/000-default.conf")));
    }

    #[test]
    fn unresolved_module_when_image_missing() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        std::fs::remove_file(t.path().join("usr/lib/apache2/modules/mod_dir.so")).unwrap();
        let mut out = Discovered::default();
        collect(t.path(), &mut out);
        let dir = out
            .components
            .iter()
            .find(|c| c.name == "dir_module")
            .unwrap();
        assert_eq!(dir.resolved, None);
        assert_eq!(
            out.components
                .iter()
                .filter(|c| c.resolved.is_some())
                .count(),
            18
        );
    }

    #[test]
    fn debian_php_module_and_fpm_handlers() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        enable(root, "mods", "php8.2");
        enable(root, "conf", "php8.2-fpm");
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let php = out
            .components
            .iter()
            .find(|c| c.name == "php_module")
            .unwrap();
        assert_eq!(
            php.implementation.as_deref(),
            Some("/usr/lib/apache2/modules/libphp8.2.so")
        );
        assert_eq!(php.resolved, None);
        assert_eq!(php.declared.line, Some(3));
        let h: Vec<&Component> = out
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::HandlerMapping)
            .collect();
        assert_eq!(h.len(), 2, "{h:#?}");
        // mods-enabled/*.conf is included before conf-enabled/*.conf.
        assert_eq!(h[0].name, "application/x-httpd-php");
        assert_eq!(
            h[0].declared.file,
            root.join("etc/apache2/mods-available/php8.2.conf")
        );
        assert_eq!(h[0].declared.line, Some(4));
        assert_eq!(h[0].attr("extensions"), Some(".phar .php .phtml"));
        assert_eq!(h[0].attr("directive"), Some("SetHandler"));
        assert_eq!(
            h[0].attr("files"),
            Some(r"<FilesMatch .+\.ph(?:ar|p|tml)$>")
        );
        assert_eq!(
            h[1].name,
            "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"
        );
        assert_eq!(h[1].declared.line, Some(12));
        assert_eq!(h[1].attr("extensions"), Some(".phar .php .phtml"));
        assert_eq!(
            h[1].attr("condition"),
            Some("<IfModule !mod_php8.c> <IfModule proxy_fcgi_module>")
        );
    }

    #[test]
    fn planted_module_autoinclude_and_handler() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        write(
            root,
            "etc/apache2/conf-enabled/zz-evil.conf",
            "# looks harmless\n<IfModule !evil_module>\n  LoadModule evil_module /tmp/.x/mod_evil.so\n</IfModule>\n\
             <VirtualHost *:80>\n  DocumentRoot \"/srv/my site\"\n  php_admin_value auto_prepend_file /srv/p.php\n\
             \x20 AddHandler application/x-httpd-php .jpg \\\n    .png\n</VirtualHost>\n",
        );
        write(root, "tmp/.x/mod_evil.so", "x");
        std::fs::create_dir_all(root.join("srv/my site")).unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(modules(&out).len(), 20);
        let evil = out
            .components
            .iter()
            .find(|c| c.name == "evil_module")
            .unwrap();
        let conf = root.join("etc/apache2/conf-enabled/zz-evil.conf");
        assert_eq!(evil.declared, Declaration::at_line(&conf, 3));
        assert_eq!(evil.implementation.as_deref(), Some("/tmp/.x/mod_evil.so"));
        assert_eq!(evil.resolved, Some(root.join("tmp/.x/mod_evil.so")));
        assert_eq!(evil.attr("condition"), Some("<IfModule !evil_module>"));
        assert_eq!(evil.attr("enabled_via"), None);
        let pre = out
            .components
            .iter()
            .find(|c| c.kind == ComponentKind::AutoInclude)
            .unwrap();
        assert_eq!(
            (pre.server, pre.name.as_str()),
            (Server::Php, "auto_prepend_file")
        );
        assert_eq!(pre.implementation.as_deref(), Some("/srv/p.php"));
        assert_eq!(pre.declared.line, Some(7));
        assert_eq!(pre.attr("context"), Some("<VirtualHost *:80>"));
        let h = out
            .components
            .iter()
            .find(|c| c.kind == ComponentKind::HandlerMapping)
            .unwrap();
        assert_eq!(h.attr("extensions"), Some(".jpg .png"));
        assert_eq!(h.declared.line, Some(8));
        assert!(out.web_roots.contains(&root.join("srv/my site")));
    }

    #[test]
    fn include_loop_is_error_and_rest_found() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(
            root,
            "etc/apache2/apache2.conf",
            "Include a.conf\nLoadModule main_module m.so\n",
        );
        write(
            root,
            "etc/apache2/a.conf",
            "LoadModule a_module a.so\nInclude b.conf\n",
        );
        write(
            root,
            "etc/apache2/b.conf",
            "LoadModule b_module b.so\nInclude /etc/apache2/a.conf\n",
        );
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert_eq!(modules(&out), vec!["a_module", "b_module", "main_module"]);
        assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
        assert!(
            out.errors[0].to_string().contains("include loop"),
            "{}",
            out.errors[0]
        );
        assert_eq!(
            out.errors[0].path(),
            Some(root.join("etc/apache2/b.conf").as_path())
        );
        let main = out
            .components
            .iter()
            .find(|c| c.name == "main_module")
            .unwrap();
        assert_eq!(main.attr("server_root"), Some("/etc/apache2"));
        assert_eq!(main.resolved, None);
    }

    #[test]
    fn deep_include_chain_is_bounded() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        for i in 0..200 {
            write(
                root,
                &format!("etc/apache2/c{i}.conf"),
                &format!(
                    "LoadModule m{i}_module x.so\nIncludeOptional c{}.conf\n",
                    i + 1
                ),
            );
        }
        let mut out = Discovered::default();
        assert!(collect_file(
            root,
            &root.join("etc/apache2/c0.conf"),
            &mut out
        ));
        assert_eq!(out.components.len(), MAX_INCLUDE_DEPTH);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].to_string().contains("nested deeper than 32"));
    }

    #[test]
    fn rhel_layout_serverroot_and_in_root_symlinks() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(
            root,
            "etc/httpd/conf/httpd.conf",
            "ServerRoot \"/etc/httpd\"\nInclude conf.modules.d/*.conf\nDefine D /opt/x\nLoadFile ${D}/libevil.so\n",
        );
        write(
            root,
            "etc/httpd/conf.modules.d/00-base.conf",
            "LoadModule dir_module modules/mod_dir.so\n",
        );
        write(
            root,
            "etc/httpd/conf.modules.d/.hidden.conf",
            "LoadModule hidden_module modules/h.so\n",
        );
        write(root, "usr/lib64/httpd/modules/mod_dir.so", "");
        write(root, "opt/x/libevil.so", "");
        // RHEL's /etc/httpd/modules is an absolute-looking link into /usr/lib64.
        symlink("/usr/lib64/httpd/modules", root.join("etc/httpd/modules")).unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(modules(&out), vec!["dir_module", "libevil.so"]);
        let d = &out.components[0];
        assert_eq!(
            d.resolved,
            Some(root.join("usr/lib64/httpd/modules/mod_dir.so"))
        );
        assert_eq!(d.attr("server_root"), Some("/etc/httpd"));
        let f = &out.components[1];
        assert_eq!(f.implementation.as_deref(), Some("${D}/libevil.so"));
        assert_eq!(f.attr("expanded"), Some("/opt/x/libevil.so"));
        assert_eq!(f.attr("directive"), Some("LoadFile"));
        assert_eq!(f.resolved, Some(root.join("opt/x/libevil.so")));
    }

    #[test]
    fn include_missing_is_error_optional_is_not() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(
            root,
            "etc/apache2/apache2.conf",
            "IncludeOptional nothere/*.conf\nIncludeOptional gone.conf\nInclude missing.conf\nInclude none/*.conf\n",
        );
        let mut out = Discovered::default();
        collect(root, &mut out);
        let msgs: Vec<String> = out.errors.iter().map(|e| e.reason()).collect();
        assert_eq!(
            msgs,
            vec![
                "line 3: Include /etc/apache2/missing.conf: not found",
                "line 4: Include /etc/apache2/none/*.conf: no match"
            ]
        );
    }

    #[test]
    fn envvars_of_debian() {
        let Some(linux) = artifacts() else { return };
        let v = parse_envvars(&std::fs::read(linux.join("etc/apache2/envvars")).unwrap());
        assert_eq!(
            v.get("APACHE_RUN_DIR").map(String::as_str),
            Some("/var/run/apache2")
        );
        assert_eq!(
            v.get("APACHE_LOG_DIR").map(String::as_str),
            Some("/var/log/apache2")
        );
        assert_eq!(
            v.get("APACHE_RUN_USER").map(String::as_str),
            Some("www-data")
        );
    }

    #[test]
    fn parser_syntax() {
        let p = parse_apache_conf(
            b"# c \\\n still comment\nA \"b c\" 'd\\'e' f\\g\n<If x>\n  B 1 \\\n  2\n</if>\n</Nope>\nC\r\n<Open",
        );
        let got: Vec<(u64, LineKind, &str, Vec<&str>)> = p
            .lines
            .iter()
            .map(|l| {
                (
                    l.line,
                    l.kind,
                    l.name.as_str(),
                    l.args.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (3, LineKind::Directive, "A", vec!["b c", "d'e", "f\\g"]),
                (4, LineKind::Open, "If", vec!["x"]),
                (5, LineKind::Directive, "B", vec!["1", "2"]),
                (7, LineKind::Close, "if", vec![]),
                (9, LineKind::Directive, "C", vec![]),
            ]
        );
        assert_eq!(
            p.errors,
            vec![
                "line 8: </Nope> without matching <Nope>",
                "line 10: section start without closing '>'"
            ]
        );
    }

    #[test]
    fn parser_bounds() {
        let deep = "<A>\n".repeat(1000);
        let p = parse_apache_conf(deep.as_bytes());
        assert_eq!(p.lines.len(), MAX_SECTION_DEPTH);
        assert_eq!(p.errors.len(), 1);
        let long = format!("X {}\nY\n", "a".repeat(MAX_LINE_BYTES + 1));
        let p = parse_apache_conf(long.as_bytes());
        assert_eq!(p.lines.len(), 1);
        assert_eq!(p.lines[0].name, "Y");
        assert_eq!(
            p.errors,
            vec![format!(
                "line 1: longer than {MAX_LINE_BYTES} bytes, skipped"
            )]
        );
        let junk: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let _ = parse_apache_conf(&junk);
    }

    #[test]
    fn regex_extensions() {
        let e = |r: &str| extensions_from_regex(r).map(|v| v.join(" "));
        assert_eq!(e(r".+\.ph(?:ar|p|tml)$"), Some(".phar .php .phtml".into()));
        assert_eq!(e(r"\.(php|jpg)$"), Some(".php .jpg".into()));
        assert_eq!(e(r"(?i)\.php$"), Some(".php".into()));
        assert_eq!(e(r"\.php"), None);
        assert_eq!(e(r"\.ph(p[3-7]?|t)$"), None);
        assert_eq!(e(r"^\.ht"), None);
        assert!(is_php_handler("application/x-httpd-php"));
        assert!(is_php_handler("php8-script"));
        assert!(!is_php_handler("application/x-httpd-php-source"));
        assert!(!is_php_handler("proxy:balancer://php"));
        assert!(!is_php_handler("cgi-script"));
    }

    #[test]
    fn collect_file_recognition() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let a = write(
            root,
            "etc/apache2/sites-enabled/x.conf",
            "<VirtualHost *>\nSetHandler php-script\n</VirtualHost>\n",
        );
        let n = write(root, "etc/nginx/nginx.conf", "");
        let mut out = Discovered::default();
        assert!(collect_file(root, &a, &mut out));
        assert!(!collect_file(root, &n, &mut out));
        assert_eq!(out.components.len(), 1);
        assert_eq!(out.components[0].attr("extensions"), Some("*"));
        assert_eq!(out.components[0].attr("context"), Some("<VirtualHost *>"));
    }
}
