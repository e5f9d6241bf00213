//! nginx: finds the main configuration under the root
//! (`etc/nginx/nginx.conf`, `usr/local/nginx/conf/nginx.conf`,
//! `usr/local/etc/nginx/nginx.conf`), tokenizes it the way nginx does (quoted
//! strings with escapes, `#` comments, `{}` blocks, `;`), follows `include`
//! (globs, relative to the configuration directory; absolute paths map under
//! root, so Debian's `include /etc/nginx/modules-enabled/*.conf;` resolves in
//! the examined system) and reports:
//!
//! - `load_module path;` as [`ComponentKind::LoadModule`] (name = the file
//!   name without `.so`, `implementation` = the path as written, `resolved` =
//!   the file under root, relative paths against the nginx prefix);
//! - `fastcgi_pass` in a `location` as [`ComponentKind::HandlerMapping`]
//!   (name = the upstream, e.g. `unix:/run/php/php8.2-fpm.sock`);
//! - `fastcgi_param PHP_VALUE`/`PHP_ADMIN_VALUE` that set
//!   `auto_prepend_file`/`auto_append_file` as [`Server::Php`]
//!   [`ComponentKind::AutoInclude`];
//! - `root`/`alias` directories (without variables) that exist as web roots.
//!
//! Attributes set:
//! - `prefix` (LoadModule): the nginx prefix relative paths are resolved against;
//! - `context`: the enclosing blocks, e.g. `http > server > location ~ \.php$`;
//! - `location` (HandlerMapping): the location's arguments (`~ \.php$`);
//! - `extensions` (HandlerMapping): extensions the location regex matches when
//!   it is a simple extension pattern (`.php`), else absent;
//! - `directive`: `fastcgi_pass`, or `fastcgi_param PHP_VALUE` for auto-includes;
//! - `enabled_via`: the path the file was included as, when that is a symlink.
//!
//! Bounds: include depth [`MAX_INCLUDE_DEPTH`], [`MAX_FILES`] files per run,
//! block nesting [`MAX_BLOCK_DEPTH`]; include loops are errors.

use super::apache::{glob_in_root, has_glob, parent_sys, resolve_in_root, sys_path_of, under_root};
use super::{read_config, Discovered};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::path::{Path, PathBuf};

/// Main configurations looked for: (path under root, configuration directory,
/// prefix for `load_module` and relative `root`).
pub const MAIN_CONFIGS: &[(&str, &str, &str)] = &[
    ("etc/nginx/nginx.conf", "/etc/nginx", "/usr/share/nginx"),
    (
        "usr/local/nginx/conf/nginx.conf",
        "/usr/local/nginx/conf",
        "/usr/local/nginx",
    ),
    (
        "usr/local/etc/nginx/nginx.conf",
        "/usr/local/etc/nginx",
        "/usr/local/etc/nginx",
    ),
];
/// Deepest chain of includes followed.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Most configuration files read in one run.
pub const MAX_FILES: usize = 4096;
/// Deepest block nesting accepted in one file.
pub const MAX_BLOCK_DEPTH: usize = 64;
/// Most paths one include glob may expand to.
const MAX_GLOB_MATCHES: usize = 4096;

/// One directive, with its block when it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NginxDirective {
    /// 1-based line of the directive's name.
    pub line: u64,
    /// Directive name.
    pub name: String,
    /// Arguments, unquoted and unescaped.
    pub args: Vec<String>,
    /// The `{ ... }` block, if any.
    pub block: Option<Vec<NginxDirective>>,
}

/// A parsed file: the directives read and, when the file is malformed, why
/// (the directives before the problem are kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NginxParse {
    /// Top-level directives.
    pub directives: Vec<NginxDirective>,
    /// The first syntax error, with its line.
    pub error: Option<String>,
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Semi,
    Open,
    Close,
}

/// Splits nginx configuration text into tokens with their lines.
fn tokenize(text: &str) -> (Vec<(Tok, u64)>, Option<String>) {
    let mut toks = Vec::new();
    let mut line = 1u64;
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => {
                line += 1;
                chars.next();
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            ';' | '{' | '}' => {
                chars.next();
                let t = match c {
                    ';' => Tok::Semi,
                    '{' => Tok::Open,
                    _ => Tok::Close,
                };
                toks.push((t, line));
            }
            '"' | '\'' => {
                let start = line;
                chars.next();
                let mut w = String::new();
                let mut closed = false;
                while let Some(c2) = chars.next() {
                    match c2 {
                        '\\' => {
                            if let Some(e) = chars.next() {
                                if e == '\n' {
                                    line += 1;
                                }
                                push_escape(&mut w, e);
                            }
                        }
                        q if q == c => {
                            closed = true;
                            break;
                        }
                        '\n' => {
                            line += 1;
                            w.push('\n');
                        }
                        o => w.push(o),
                    }
                }
                if !closed {
                    return (
                        toks,
                        Some(format!("line {start}: unterminated quoted string")),
                    );
                }
                toks.push((Tok::Word(w), start));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c2) = chars.peek() {
                    if c2.is_whitespace() || matches!(c2, ';' | '{' | '}') {
                        break;
                    }
                    // `${var}` keeps its braces inside a word.
                    if c2 == '$' {
                        w.push(c2);
                        chars.next();
                        if chars.peek() == Some(&'{') {
                            for c3 in chars.by_ref() {
                                if c3 == '\n' {
                                    line += 1;
                                }
                                w.push(c3);
                                if c3 == '}' {
                                    break;
                                }
                            }
                        }
                        continue;
                    }
                    if c2 == '\\' {
                        chars.next();
                        if let Some(e) = chars.next() {
                            if e == '\n' {
                                line += 1;
                            }
                            push_escape(&mut w, e);
                        }
                        continue;
                    }
                    w.push(c2);
                    chars.next();
                }
                toks.push((Tok::Word(w), line));
            }
        }
    }
    (toks, None)
}

/// Adds what nginx makes of a backslash followed by `e` (in any word):
/// `\"`, `\'`, `\\` are the character, `\t`, `\r`, `\n` the control
/// character, anything else keeps its backslash (`\.` in a regex).
fn push_escape(w: &mut String, e: char) {
    match e {
        'n' => w.push('\n'),
        't' => w.push('\t'),
        'r' => w.push('\r'),
        '"' | '\'' | '\\' => w.push(e),
        _ => {
            w.push('\\');
            w.push(e);
        }
    }
}

/// Parses nginx configuration syntax (pure: bytes in, directives out). Never
/// fails: a syntax error ends parsing and is reported in [`NginxParse::error`].
pub fn parse_nginx_conf(bytes: &[u8]) -> NginxParse {
    let text = String::from_utf8_lossy(bytes);
    let (toks, tok_err) = tokenize(&text);
    let mut pos = 0;
    let (directives, err) = parse_block(&toks, &mut pos, 0);
    NginxParse {
        directives,
        error: tok_err.or(err),
    }
}

fn parse_block(
    toks: &[(Tok, u64)],
    pos: &mut usize,
    depth: usize,
) -> (Vec<NginxDirective>, Option<String>) {
    let mut out = Vec::new();
    let mut cur: Option<NginxDirective> = None;
    while let Some((tok, line)) = toks.get(*pos) {
        *pos += 1;
        match tok {
            Tok::Word(w) => match cur.as_mut() {
                Some(d) => d.args.push(w.clone()),
                None => {
                    cur = Some(NginxDirective {
                        line: *line,
                        name: w.clone(),
                        ..Default::default()
                    })
                }
            },
            Tok::Semi => match cur.take() {
                Some(d) => out.push(d),
                None => return (out, Some(format!("line {line}: unexpected \";\""))),
            },
            Tok::Open => {
                let Some(mut d) = cur.take() else {
                    return (out, Some(format!("line {line}: unexpected \"{{\"")));
                };
                if depth + 1 >= MAX_BLOCK_DEPTH {
                    return (
                        out,
                        Some(format!(
                            "line {line}: blocks nested deeper than {MAX_BLOCK_DEPTH}"
                        )),
                    );
                }
                let (inner, err) = parse_block(toks, pos, depth + 1);
                d.block = Some(inner);
                out.push(d);
                if err.is_some() {
                    return (out, err);
                }
            }
            Tok::Close => {
                if cur.is_some() || depth == 0 {
                    return (out, Some(format!("line {line}: unexpected \"}}\"")));
                }
                return (out, None);
            }
        }
    }
    if cur.is_some() {
        return (
            out,
            Some("unexpected end of file, expecting \";\" or \"}\"".into()),
        );
    }
    if depth > 0 {
        return (out, Some("unexpected end of file, expecting \"}\"".into()));
    }
    (out, None)
}

/// Discovers nginx's main configurations under `root` and what they include.
pub fn collect(root: &Path, out: &mut Discovered) {
    for (rel, conf_dir, prefix) in MAIN_CONFIGS {
        let sys = format!("/{rel}");
        if resolve_in_root(root, &sys).is_some_and(|p| p.is_file()) {
            Walker::new(root, out, conf_dir, prefix).include_one(&sys, &[]);
        }
    }
}

/// Parses one given nginx file if its name says it is one: `nginx.conf`, or a
/// `*.conf` / `sites-*/` file below a directory named `nginx` (its includes
/// are followed relative to that directory). False otherwise.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let sys = sys_path_of(root, path);
    let name = sys.rsplit('/').next().unwrap_or("");
    let conf_dir = if name == "nginx.conf" {
        parent_sys(&sys)
    } else {
        let comps: Vec<&str> = sys.split('/').collect();
        let Some(i) = (0..comps.len().saturating_sub(1))
            .rev()
            .find(|&i| comps[i] == "nginx")
        else {
            return false;
        };
        let in_sites = comps.get(i + 1).is_some_and(|c| c.starts_with("sites-"));
        if !name.ends_with(".conf") && !in_sites {
            return false;
        }
        comps[..=i].join("/")
    };
    let prefix = MAIN_CONFIGS
        .iter()
        .find(|(_, d, _)| *d == conf_dir)
        .map(|(_, _, p)| p.to_string())
        .unwrap_or_else(|| conf_dir.clone());
    Walker::new(root, out, &conf_dir, &prefix).include_one(&sys, &[]);
    true
}

struct Walker<'a> {
    root: &'a Path,
    out: &'a mut Discovered,
    conf_dir: String,
    prefix: String,
    stack: Vec<(PathBuf, Option<PathBuf>)>,
    files: usize,
}

impl<'a> Walker<'a> {
    fn new(root: &'a Path, out: &'a mut Discovered, conf_dir: &str, prefix: &str) -> Self {
        Walker {
            root,
            out,
            conf_dir: conf_dir.to_string(),
            prefix: prefix.to_string(),
            stack: Vec::new(),
            files: 0,
        }
    }

    fn err(&mut self, msg: impl std::fmt::Display) {
        let here = self
            .stack
            .last()
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| self.root.to_path_buf());
        self.out.errors.push(CollectError::parse(here, msg));
    }

    /// Reads one file (system path) and walks it in the context `ctx`.
    fn include_one(&mut self, sys: &str, ctx: &[String]) {
        let Some(real) = resolve_in_root(self.root, sys) else {
            return self.err(format!("{sys}: too many symbolic links"));
        };
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return self.err(format!(
                "includes nested deeper than {MAX_INCLUDE_DEPTH}; {sys} not read"
            ));
        }
        if self.stack.iter().any(|(p, _)| *p == real) {
            return self.err(format!("include loop: {sys} includes itself"));
        }
        self.files += 1;
        if self.files > MAX_FILES {
            if self.files == MAX_FILES + 1 {
                self.err(format!(
                    "more than {MAX_FILES} configuration files; rest skipped"
                ));
            }
            return;
        }
        let bytes = match read_config(&real) {
            Ok(b) => b,
            Err(e) => return self.out.errors.push(e),
        };
        self.out.files_read.push(real.clone());
        let parsed = parse_nginx_conf(&bytes);
        if let Some(e) = parsed.error {
            self.out.errors.push(CollectError::parse(&real, e));
        }
        let as_named = under_root(self.root, sys);
        let via = (as_named != real).then_some(as_named);
        self.stack.push((real, via));
        self.walk(&parsed.directives, ctx);
        self.stack.pop();
    }

    fn walk(&mut self, dirs: &[NginxDirective], ctx: &[String]) {
        for d in dirs {
            self.directive(d, ctx);
            if let Some(block) = &d.block {
                let mut inner = ctx.to_vec();
                inner.push(
                    std::iter::once(d.name.as_str())
                        .chain(d.args.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                self.walk(block, &inner);
            }
        }
    }

    fn sys_of(&self, base: &str, p: &str) -> String {
        if p.starts_with('/') {
            p.to_string()
        } else {
            format!("{}/{p}", base.trim_end_matches('/'))
        }
    }

    fn component(
        &self,
        server: Server,
        kind: ComponentKind,
        name: &str,
        d: &NginxDirective,
        ctx: &[String],
    ) -> Component {
        let (file, via) = self.stack.last().cloned().unwrap_or_default();
        let mut c = Component::new(server, kind, name, Declaration::at_line(file, d.line));
        if !ctx.is_empty() {
            c = c.with_attr("context", ctx.join(" > "));
        }
        if let Some(v) = via {
            c = c.with_attr("enabled_via", v.to_string_lossy());
        }
        c
    }

    fn directive(&mut self, d: &NginxDirective, ctx: &[String]) {
        let arg = |i: usize| d.args.get(i).map(String::as_str).unwrap_or("");
        match d.name.as_str() {
            "include" if !arg(0).is_empty() => {
                let sys = self.sys_of(&self.conf_dir, arg(0));
                if has_glob(&sys) {
                    match glob_in_root(self.root, &sys, MAX_GLOB_MATCHES) {
                        Ok(m) => m.iter().for_each(|s| self.include_one(s, ctx)),
                        Err(e) => self.err(format!("line {}: include {sys}: {e}", d.line)),
                    }
                } else if resolve_in_root(self.root, &sys).is_some_and(|p| p.is_file()) {
                    self.include_one(&sys, ctx);
                } else {
                    self.err(format!("line {}: include {sys}: not found", d.line));
                }
            }
            "load_module" if !arg(0).is_empty() => {
                let file = arg(0).rsplit('/').next().unwrap_or("");
                let name = file.strip_suffix(".so").unwrap_or(file);
                let sys = self.sys_of(&self.prefix, arg(0));
                let mut c = self
                    .component(Server::Nginx, ComponentKind::LoadModule, name, d, ctx)
                    .with_implementation(arg(0))
                    .with_attr("prefix", self.prefix.clone());
                c.resolved = resolve_in_root(self.root, &sys).filter(|p| p.is_file());
                self.out.components.push(c);
            }
            "root" | "alias" if !arg(0).is_empty() && !arg(0).contains('$') => {
                let sys = self.sys_of(&self.prefix, arg(0));
                if let Some(real) = resolve_in_root(self.root, &sys).filter(|p| p.is_dir()) {
                    self.out.add_web_root(real);
                }
            }
            "fastcgi_pass" if !arg(0).is_empty() => {
                let mut c = self
                    .component(Server::Nginx, ComponentKind::HandlerMapping, arg(0), d, ctx)
                    .with_attr("directive", "fastcgi_pass");
                if let Some(loc) = ctx.iter().rev().find_map(|c| c.strip_prefix("location ")) {
                    c = c.with_attr("location", loc);
                    let re = loc.split_whitespace().last().unwrap_or("");
                    if let Some(exts) = super::apache::extensions_from_regex(re) {
                        c = c.with_attr("extensions", exts.join(" "));
                    }
                }
                self.out.components.push(c);
            }
            "fastcgi_param" if matches!(arg(0), "PHP_VALUE" | "PHP_ADMIN_VALUE") => {
                for setting in arg(1).split('\n') {
                    let Some((k, v)) = setting.split_once('=') else {
                        continue;
                    };
                    let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"'));
                    if (k == "auto_prepend_file" || k == "auto_append_file")
                        && !v.is_empty()
                        && !v.eq_ignore_ascii_case("none")
                    {
                        let mut c = self
                            .component(Server::Php, ComponentKind::AutoInclude, &k, d, ctx)
                            .with_implementation(v)
                            .with_attr("directive", format!("fastcgi_param {}", arg(0)));
                        if v.starts_with('/') {
                            c.resolved = resolve_in_root(self.root, v).filter(|p| p.is_file());
                        }
                        self.out.components.push(c);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servers::apache::tests::{artifacts, copy_tree, write};
    use std::os::unix::fs::symlink;

    /// A Debian 12 root with the real `/etc/nginx` and `/usr/share/nginx`.
    fn debian_root(linux: &Path) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        copy_tree(&linux.join("etc"), &t.path().join("etc"));
        copy_tree(
            &linux.join("usr/share/nginx"),
            &t.path().join("usr/share/nginx"),
        );
        t
    }

    #[test]
    fn debian_default_has_no_modules_without_modules_enabled() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let mut out = Discovered::default();
        collect(t.path(), &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert!(out.components.is_empty(), "{:?}", out.components);
        assert!(out.web_roots.is_empty());
        let read: Vec<PathBuf> = vec![
            t.path().join("etc/nginx/nginx.conf"),
            t.path().join("etc/nginx/mime.types"),
        ];
        assert_eq!(out.files_read, read);
    }

    #[test]
    fn debian_modules_enabled_and_default_site() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        // What libnginx-mod-http-geoip's postinst and nginx's postinst create.
        std::fs::create_dir_all(root.join("etc/nginx/modules-enabled")).unwrap();
        symlink(
            "/usr/share/nginx/modules-available/mod-http-geoip.conf",
            root.join("etc/nginx/modules-enabled/50-mod-http-geoip.conf"),
        )
        .unwrap();
        symlink(
            "/usr/lib/nginx/modules",
            root.join("usr/share/nginx/modules"),
        )
        .unwrap();
        write(root, "usr/lib/nginx/modules/ngx_http_geoip_module.so", "");
        std::fs::create_dir_all(root.join("etc/nginx/sites-enabled")).unwrap();
        symlink(
            "/etc/nginx/sites-available/default",
            root.join("etc/nginx/sites-enabled/default"),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("var/www/html")).unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.components.len(), 1, "{:?}", out.components);
        let m = &out.components[0];
        assert_eq!(
            (m.server, m.kind, m.name.as_str()),
            (
                Server::Nginx,
                ComponentKind::LoadModule,
                "ngx_http_geoip_module"
            )
        );
        assert_eq!(
            m.implementation.as_deref(),
            Some("modules/ngx_http_geoip_module.so")
        );
        assert_eq!(
            m.resolved,
            Some(root.join("usr/lib/nginx/modules/ngx_http_geoip_module.so"))
        );
        assert_eq!(
            m.declared,
            Declaration::at_line(
                root.join("usr/share/nginx/modules-available/mod-http-geoip.conf"),
                1
            )
        );
        let via = root.join("etc/nginx/modules-enabled/50-mod-http-geoip.conf");
        assert_eq!(m.attr("enabled_via"), Some(via.to_str().unwrap()));
        assert_eq!(m.attr("prefix"), Some("/usr/share/nginx"));
        assert_eq!(out.web_roots, vec![root.join("var/www/html")]);
    }

    #[test]
    fn planted_php_location_and_prepend() {
        let Some(linux) = artifacts() else { return };
        let t = debian_root(&linux);
        let root = t.path();
        write(
            root,
            "etc/nginx/conf.d/shop.conf",
            "server {\n  root /srv/shop;\n  location ~ \\.(php|jpg)$ {\n    include snippets/fastcgi-php.conf;\n\
             \x20   fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n\
             \x20   fastcgi_param PHP_VALUE \"error_log=/x\\nauto_prepend_file=/tmp/x.php\";\n  }\n}\n",
        );
        std::fs::create_dir_all(root.join("srv/shop")).unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.components.len(), 2, "{:?}", out.components);
        let h = &out.components[0];
        assert_eq!(
            (h.kind, h.name.as_str()),
            (
                ComponentKind::HandlerMapping,
                "unix:/run/php/php8.2-fpm.sock"
            )
        );
        assert_eq!(h.declared.line, Some(5));
        assert_eq!(h.attr("extensions"), Some(".php .jpg"));
        assert_eq!(h.attr("location"), Some("~ \\.(php|jpg)$"));
        assert_eq!(
            h.attr("context"),
            Some("http > server > location ~ \\.(php|jpg)$")
        );
        let a = &out.components[1];
        assert_eq!(
            (a.server, a.kind, a.name.as_str()),
            (Server::Php, ComponentKind::AutoInclude, "auto_prepend_file")
        );
        assert_eq!(a.implementation.as_deref(), Some("/tmp/x.php"));
        assert_eq!(a.declared.line, Some(6));
        assert!(out
            .files_read
            .contains(&root.join("etc/nginx/snippets/fastcgi-php.conf")));
        assert!(out
            .files_read
            .contains(&root.join("etc/nginx/fastcgi.conf")));
        assert_eq!(out.web_roots, vec![root.join("srv/shop")]);
    }

    #[test]
    fn include_loop_and_depth() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        write(
            root,
            "etc/nginx/nginx.conf",
            "include a.conf;\nload_module /m/main.so;\n",
        );
        write(
            root,
            "etc/nginx/a.conf",
            "load_module /m/a.so; include b.conf;\n",
        );
        write(
            root,
            "etc/nginx/b.conf",
            "load_module /m/b.so;\ninclude /etc/nginx/a.conf;\n",
        );
        let mut out = Discovered::default();
        collect(root, &mut out);
        let names: Vec<&str> = out.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "main"]);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].to_string().contains("include loop"));

        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        for i in 0..100 {
            write(
                root,
                &format!("etc/nginx/c{i}.conf"),
                &format!("load_module m{i}.so;\ninclude c{}.conf;\n", i + 1),
            );
        }
        let mut out = Discovered::default();
        assert!(collect_file(
            root,
            &root.join("etc/nginx/c0.conf"),
            &mut out
        ));
        assert_eq!(out.components.len(), MAX_INCLUDE_DEPTH);
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].to_string().contains("nested deeper"));
    }

    #[test]
    fn tokenizer_and_errors() {
        let p = parse_nginx_conf(b"a 'x y' \"q\\\"z\" # c\n ;\nb {\n c\\ d ${v}e;\n}\n");
        assert_eq!(p.error, None);
        assert_eq!(p.directives.len(), 2);
        assert_eq!(p.directives[0].args, vec!["x y", "q\"z"]);
        assert_eq!(p.directives[0].line, 1);
        let b = &p.directives[1];
        assert_eq!((b.name.as_str(), b.line), ("b", 3));
        let inner = b.block.as_ref().unwrap();
        assert_eq!(
            (inner[0].name.as_str(), inner[0].args.clone(), inner[0].line),
            ("c\\ d", vec!["${v}e".to_string()], 4)
        );

        let err = |s: &str| parse_nginx_conf(s.as_bytes()).error;
        assert_eq!(err("a;}\nb;"), Some("line 1: unexpected \"}\"".into()));
        assert_eq!(
            err("a {\nb;"),
            Some("unexpected end of file, expecting \"}\"".into())
        );
        assert_eq!(
            err("a \"x;\n"),
            Some("line 1: unterminated quoted string".into())
        );
        assert_eq!(
            err("a b"),
            Some("unexpected end of file, expecting \";\" or \"}\"".into())
        );
        let deep = "a {".repeat(10_000);
        assert!(err(&deep).unwrap().contains("nested deeper"));
        let junk: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let _ = parse_nginx_conf(&junk);
    }
}
