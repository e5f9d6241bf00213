//! Server configuration that runs code on request (`config_code`).

use super::Ctx;
use crate::findings::Hit;
use crate::profile::ConfigKind;
use ferret_core::Escaped;

/// Largest configuration file read.
const CAP: u64 = 8 * 1024 * 1024;

const APACHE: &[&str] = &[
    "addhandler",
    "sethandler",
    "scriptalias",
    "scriptaliasmatch",
    "action",
    "loadmodule",
];

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether an nginx line (comment removed) holds a directive that runs Lua:
/// `\w+_by_lua(_block|_file)?` or `lua_package_path`/`lua_package_cpath`.
pub(crate) fn nginx_runs_code(line: &str) -> Option<&str> {
    let code = line.split('#').next().unwrap_or("");
    code.split(|c: char| !c.is_ascii() || !is_word(c as u8))
        .find(|w| {
            *w == "lua_package_path"
                || *w == "lua_package_cpath"
                || ["_by_lua", "_by_lua_block", "_by_lua_file"]
                    .iter()
                    .any(|s| w.len() > s.len() && w.ends_with(s))
        })
}

/// Whether an Apache line's directive is one that maps handlers, script
/// folders or modules.
pub(crate) fn apache_runs_code(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with('#') {
        return None;
    }
    let word = t.split(|c: char| c.is_whitespace()).next().unwrap_or("");
    APACHE
        .iter()
        .any(|d| word.eq_ignore_ascii_case(d))
        .then_some(word)
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let profile = ctx.profile;
    for c in &profile.config {
        for it in ctx.expand(&c.entry) {
            if it.meta.is_dir() {
                continue;
            }
            let full = ctx.root.join(&it.rel);
            let bytes = match crate::walk::read_capped(&full, CAP) {
                Ok(b) => b,
                Err(e) => {
                    ctx.errors
                        .push(crate::walk::item_error(&full, "cannot read", &e));
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            for (n, line) in text.lines().enumerate() {
                let directive = match c.kind {
                    ConfigKind::Nginx => nginx_runs_code(line),
                    ConfigKind::Apache => apache_runs_code(line),
                };
                let Some(directive) = directive else { continue };
                if c.allow.iter().any(|a| line.contains(a.as_str())) {
                    continue;
                }
                let what = format!(
                    "Configuration line {} uses {} (runs code on request)",
                    n + 1,
                    ferret_core::escape_str(directive)
                );
                let mut hit =
                    Hit::from_entry(&profile.name, "config_code", &it.rel, &c.entry, what);
                hit.line = Some(n as u64 + 1);
                let shown: String = line.chars().take(300).collect();
                hit.excerpt = Some(Escaped::from_text(&shown));
                hit.confidence = 0.8;
                ctx.push(hit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_lua_directives() {
        assert_eq!(
            nginx_runs_code("  content_by_lua_block {"),
            Some("content_by_lua_block")
        );
        assert_eq!(
            nginx_runs_code("location / { access_by_lua_file /x.lua; }"),
            Some("access_by_lua_file")
        );
        assert_eq!(
            nginx_runs_code("lua_package_path '/tmp/?.lua';"),
            Some("lua_package_path")
        );
        assert_eq!(nginx_runs_code("# content_by_lua 'x';"), None);
        assert_eq!(nginx_runs_code("_by_lua x;"), None);
        assert_eq!(nginx_runs_code("proxy_pass http://by_lua_backend;"), None);
    }

    #[test]
    fn apache_handler_directives() {
        assert_eq!(
            apache_runs_code("  addhandler cgi-script .txt"),
            Some("addhandler")
        );
        assert_eq!(
            apache_runs_code("LoadModule x modules/x.so"),
            Some("LoadModule")
        );
        assert_eq!(apache_runs_code("#LoadModule x y"), None);
        assert_eq!(apache_runs_code("DocumentRoot /var/www"), None);
    }
}
