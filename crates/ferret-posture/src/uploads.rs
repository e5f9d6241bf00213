//! M1042: upload directories under the web roots cannot execute scripts.
//!
//! Upload directories are found by name (the catalogue's globs) in a bounded
//! walk of each web root that never follows symlinks. A directory counts as
//! protected when one of these is found:
//!
//! - Apache, in its own `.htaccess` (effective when `AllowOverride` permits)
//!   or in a `<Directory>`/`<DirectoryMatch>` section of the configuration
//!   the inventory read that covers it: `php_admin_flag engine off` (or
//!   `php_flag`/`php_value`), `RemoveHandler`/`RemoveType` of a script
//!   extension, `SetHandler none`/`default-handler`, or `Require all denied`
//!   / `Deny from all` (also inside `<FilesMatch>` naming a script extension);
//! - nginx: a `location ^~ /url/` (or `=`-less prefix) covering it with no
//!   `fastcgi_pass`/`proxy_pass`/`uwsgi_pass`/`scgi_pass`, or a regex
//!   `location` naming the directory with `deny all` / `return 403|404`
//!   (the order of regex locations is not modelled);
//! - IIS: a `web.config` in it whose `<handlers accessPolicy=...>` has
//!   neither `Script` nor `Execute` (text search; not a full IIS merge).

use crate::catalogue::UploadRule;
use crate::{Check, Evidence, Facts, Status};
use ferret_collect::servers::apache::{parse_apache_conf, ApacheLine, LineKind};
use ferret_collect::servers::nginx::{parse_nginx_conf, NginxDirective};
use ferret_collect::servers::read_config;
use std::path::{Path, PathBuf};

/// Finds directories whose name matches under `web_root`.
fn find_dirs(rule: &UploadRule, set: &globset::GlobSet, web_root: &Path) -> (Vec<PathBuf>, bool) {
    let mut found = Vec::new();
    let complete = crate::tree::walk(
        web_root,
        rule.max_depth,
        rule.max_entries,
        |p, ft, name, _| {
            if !ft.is_dir() {
                return false;
            }
            if set.is_match(Path::new(name)) {
                found.push(p.to_path_buf());
                return false;
            }
            true
        },
    );
    found.sort();
    (found, !complete)
}

fn is_script_ext(rule: &UploadRule, arg: &str) -> bool {
    let a = arg.trim_start_matches('.').to_ascii_lowercase();
    rule.script_extensions.contains(&a)
}

fn mentions_script(rule: &UploadRule, text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    rule.script_extensions
        .iter()
        .any(|x| t.contains(x.as_str()))
}

/// The blocking directive among `lines` (a section's body), if any.
fn apache_blocker(rule: &UploadRule, lines: &[ApacheLine]) -> Option<(u64, String)> {
    // Inside a <Files>/<FilesMatch> that does not name a script extension,
    // a deny does not stop scripts.
    let mut scope: Vec<bool> = Vec::new();
    for l in lines {
        match l.kind {
            LineKind::Open => {
                let files = l.name.eq_ignore_ascii_case("FilesMatch")
                    || l.name.eq_ignore_ascii_case("Files");
                scope.push(!files || l.args.iter().any(|a| mentions_script(rule, a)));
                continue;
            }
            LineKind::Close => {
                scope.pop();
                continue;
            }
            LineKind::Directive => {}
        }
        if scope.contains(&false) {
            continue;
        }
        let n = l.name.to_ascii_lowercase();
        let args: Vec<String> = l.args.iter().map(|a| a.to_ascii_lowercase()).collect();
        let first = args.first().map(String::as_str).unwrap_or("");
        let second = args.get(1).map(String::as_str).unwrap_or("");
        let hit = match n.as_str() {
            "php_admin_flag" | "php_flag" | "php_admin_value" | "php_value" => {
                first == "engine" && matches!(second, "off" | "0")
            }
            "removehandler" | "removetype" => args.iter().any(|a| is_script_ext(rule, a)),
            "sethandler" => matches!(first, "none" | "default-handler"),
            "require" => first == "all" && second == "denied",
            "deny" => first == "from" && second == "all",
            _ => false,
        };
        if hit {
            return Some((l.line, format!("{} {}", l.name, l.args.join(" "))));
        }
    }
    None
}

/// Apache `<Directory>` sections of one parsed file: (path or regex, is
/// regex, body lines).
fn apache_sections(lines: &[ApacheLine]) -> Vec<(String, bool, Vec<ApacheLine>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        let is_dir = l.kind == LineKind::Open
            && (l.name.eq_ignore_ascii_case("Directory")
                || l.name.eq_ignore_ascii_case("DirectoryMatch"));
        if !is_dir {
            i += 1;
            continue;
        }
        let regex = l.name.eq_ignore_ascii_case("DirectoryMatch")
            || l.args.first().is_some_and(|a| a == "~");
        let target = l.args.last().cloned().unwrap_or_default();
        let mut depth = 0usize;
        let mut body = Vec::new();
        let mut j = i + 1;
        while j < lines.len() {
            match lines[j].kind {
                LineKind::Open => depth += 1,
                LineKind::Close if depth == 0 => break,
                LineKind::Close => depth -= 1,
                LineKind::Directive => {}
            }
            body.push(lines[j].clone());
            j += 1;
        }
        out.push((target, regex, body));
        i = j + 1;
    }
    out
}

/// Whether an Apache `<Directory>` target covers the system path `sys`.
fn covers(target: &str, regex: bool, sys: &str) -> bool {
    let target = target.trim_end_matches('/');
    if regex {
        let name = sys.rsplit('/').next().unwrap_or(sys);
        return !name.is_empty() && target.contains(name);
    }
    let Ok(g) = globset::GlobBuilder::new(target)
        .literal_separator(true)
        .build()
    else {
        return false;
    };
    let m = g.compile_matcher();
    let mut p = Path::new(sys);
    loop {
        if m.is_match(p) {
            return true;
        }
        match p.parent() {
            Some(q) => p = q,
            None => return false,
        }
    }
}

fn nginx_locations<'a>(ds: &'a [NginxDirective], out: &mut Vec<&'a NginxDirective>) {
    for d in ds {
        if d.name == "location" {
            out.push(d);
        }
        if let Some(b) = &d.block {
            nginx_locations(b, out);
        }
    }
}

fn nginx_has(block: &[NginxDirective], pred: &dyn Fn(&NginxDirective) -> bool) -> bool {
    block
        .iter()
        .any(|d| pred(d) || d.block.as_deref().is_some_and(|b| nginx_has(b, pred)))
}

/// The nginx `location` that protects the upload directory whose URL path is
/// `url` and name is `name`.
fn nginx_blocker(loc: &NginxDirective, url: &str, name: &str) -> bool {
    let Some(block) = &loc.block else {
        return false;
    };
    let denies = nginx_has(block, &|d| {
        (d.name == "deny" && d.args.first().is_some_and(|a| a == "all"))
            || (d.name == "return" && d.args.first().is_some_and(|a| a == "403" || a == "404"))
    });
    let passes = nginx_has(block, &|d| {
        matches!(
            d.name.as_str(),
            "fastcgi_pass" | "proxy_pass" | "uwsgi_pass" | "scgi_pass"
        )
    });
    match loc.args.as_slice() {
        [m, p] if m == "^~" => url.starts_with(p.trim_end_matches('/')) && (!passes || denies),
        [m, re] if m == "~" || m == "~*" => re.contains(name) && denies,
        _ => false,
    }
}

/// An IIS `web.config` in the directory that removes script access.
fn iis_blocker(dir: &Path) -> Option<(PathBuf, String)> {
    let wc = ["web.config", "Web.config", "Web.Config"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())?;
    let text = String::from_utf8_lossy(&read_config(&wc).ok()?).to_ascii_lowercase();
    let at = text.find("<handlers")?;
    let tag = &text[at..text[at..].find('>').map(|e| at + e).unwrap_or(text.len())];
    let ap = tag.split("accesspolicy=").nth(1)?;
    let value: String = ap
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| *c != '"' && *c != '\'')
        .collect();
    (!value.contains("script") && !value.contains("execute"))
        .then(|| (wc, format!("accessPolicy=\"{value}\"")))
}

/// Runs the check.
pub fn check(rule: &UploadRule, facts: &Facts, errors: &mut Vec<String>) -> Check {
    let mut evidence = Vec::new();
    if facts.web_roots.is_empty() {
        evidence.push(Evidence::note(
            "no web root named by the server configuration read",
        ));
        return Check::new(&rule.meta, Status::Unknown, evidence);
    }
    let set = match crate::catalogue::glob_set(&rule.meta.id, &rule.names) {
        Ok(s) => s,
        Err(e) => {
            errors.push(e.to_string());
            return Check::new(
                &rule.meta,
                Status::Unknown,
                vec![Evidence::note(e.to_string())],
            );
        }
    };
    // Apache sections and nginx locations of every configuration file read.
    let mut apache: Vec<(PathBuf, String, bool, Vec<ApacheLine>)> = Vec::new();
    let mut nginx: Vec<(PathBuf, Vec<NginxDirective>)> = Vec::new();
    for f in &facts.files_read {
        let s = crate::sys_path(&facts.root, f);
        if s.contains("/apache2/") || s.contains("/httpd/") {
            if let Ok(b) = read_config(f) {
                for (t, re, body) in apache_sections(&parse_apache_conf(&b).lines) {
                    apache.push((f.clone(), t, re, body));
                }
            }
        } else if s.contains("/nginx/") {
            if let Ok(b) = read_config(f) {
                nginx.push((f.clone(), parse_nginx_conf(&b).directives));
            }
        }
    }
    let (mut open, mut total) = (0usize, 0usize);
    for web_root in &facts.web_roots {
        let (dirs, cut) = find_dirs(rule, &set, web_root);
        if cut {
            evidence.push(Evidence::at(
                format!(
                    "walk stopped after {} entries; some directories were not looked at",
                    rule.max_entries
                ),
                web_root,
            ));
        }
        for dir in dirs {
            total += 1;
            let sys = crate::sys_path(&facts.root, &dir);
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let url = format!(
                "/{}",
                dir.strip_prefix(web_root)
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
            let mut found: Option<Evidence> = None;
            let ht = dir.join(".htaccess");
            if ht.is_file() {
                if let Ok(b) = read_config(&ht) {
                    if let Some((line, d)) = apache_blocker(rule, &parse_apache_conf(&b).lines) {
                        found = Some(
                            Evidence::at(
                                "scripts blocked by .htaccess (if AllowOverride permits)",
                                &ht,
                            )
                            .line(line)
                            .value(&d),
                        );
                    }
                }
            }
            if found.is_none() {
                found = apache.iter().find_map(|(f, t, re, body)| {
                    if !covers(t, *re, &sys) {
                        return None;
                    }
                    let (line, d) = apache_blocker(rule, body)?;
                    Some(
                        Evidence::at(format!("scripts blocked by <Directory {t}>"), f)
                            .line(line)
                            .value(&d),
                    )
                });
            }
            if found.is_none() {
                found = nginx.iter().find_map(|(f, ds)| {
                    let mut locs = Vec::new();
                    nginx_locations(ds, &mut locs);
                    let l = locs.into_iter().find(|l| nginx_blocker(l, &url, &name))?;
                    Some(
                        Evidence::at("scripts blocked by nginx location", f)
                            .line(l.line)
                            .value(&format!("location {}", l.args.join(" "))),
                    )
                });
            }
            if found.is_none() {
                found = iis_blocker(&dir).map(|(wc, v)| {
                    Evidence::at("IIS handlers without Script/Execute access", &wc).value(&v)
                });
            }
            match found {
                Some(e) => evidence.push(e),
                None => {
                    open += 1;
                    evidence.push(Evidence::at("upload directory: no configuration found that stops scripts executing in it", &dir));
                }
            }
        }
    }
    let status = if open > 0 {
        Status::NotMet
    } else {
        evidence.insert(
            0,
            Evidence::note(format!(
                "{total} upload directories under {} web roots",
                facts.web_roots.len()
            )),
        );
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_cover() {
        assert!(covers(
            "/var/www/html/wp-content/uploads",
            false,
            "/var/www/html/wp-content/uploads/2024"
        ));
        assert!(covers("/var/www/*/uploads", false, "/var/www/site/uploads"));
        assert!(!covers(
            "/var/www/html/other",
            false,
            "/var/www/html/uploads"
        ));
    }

    #[test]
    fn apache_blockers() {
        let rule = crate::Catalogue::load().unwrap().upload_dirs;
        let p = parse_apache_conf(b"<FilesMatch \"\\.php$\">\nRequire all denied\n</FilesMatch>\n");
        assert_eq!(apache_blocker(&rule, &p.lines).unwrap().0, 2);
        let p = parse_apache_conf(b"php_admin_flag engine off\n");
        assert!(apache_blocker(&rule, &p.lines).is_some());
        let p = parse_apache_conf(b"Options -Indexes\nphp_flag engine on\n");
        assert!(apache_blocker(&rule, &p.lines).is_none());
    }
}
