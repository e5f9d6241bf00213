//! Accounts of the examined system (`etc/passwd`, `etc/group`) and the users
//! its web servers run as: Apache `User`/`Group` (with Debian's `envvars`),
//! nginx `user`, PHP-FPM pool `user`/`group`.

use ferret_collect::servers::apache::{parse_apache_conf, parse_envvars, LineKind};
use ferret_collect::servers::nginx::parse_nginx_conf;
use ferret_collect::servers::php::parse_php_ini;
use ferret_collect::servers::read_config;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A pool's `user` (with its line) and `group`.
type PoolUser = (Option<(String, u64)>, Option<String>);

/// One `etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Account name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// 1-based line.
    pub line: u64,
}

/// Parses `etc/passwd` (malformed lines are skipped).
pub fn parse_passwd(bytes: &[u8]) -> Vec<PasswdEntry> {
    String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 || l.trim_start().starts_with('#') {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].trim().parse().ok()?,
                gid: f[3].trim().parse().ok()?,
                line: i as u64 + 1,
            })
        })
        .collect()
}

/// Parses `etc/group` into (name, gid, members).
pub fn parse_group(bytes: &[u8]) -> Vec<(String, u32, Vec<String>)> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 3 || l.trim_start().starts_with('#') {
                return None;
            }
            let members = f
                .get(3)
                .map(|m| {
                    m.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            Some((f[0].to_string(), f[2].trim().parse().ok()?, members))
        })
        .collect()
}

/// A user a web server (or PHP) runs as, with where that is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUser {
    /// `apache`, `nginx` or `php-fpm`.
    pub server: &'static str,
    /// The user name as configured (after `envvars` substitution).
    pub user: String,
    /// The group named with it, when one is.
    pub group: Option<String>,
    /// The file that names it.
    pub file: PathBuf,
    /// Its line.
    pub line: u64,
    /// The uid from `etc/passwd`, when listed.
    pub uid: Option<u32>,
    /// Every gid the user has (primary, the named group, memberships).
    pub gids: Vec<u32>,
}

/// The server users found, and the accounts file read.
#[derive(Debug, Clone, Default)]
pub struct ServerUsers {
    /// Each distinct user configuration.
    pub users: Vec<ServerUser>,
    /// `etc/passwd` entries (empty when unreadable).
    pub passwd: Vec<PasswdEntry>,
    /// Whether `etc/passwd` was read.
    pub passwd_read: bool,
}

impl ServerUsers {
    /// Reads the accounts under `root` and the server configuration among
    /// `files_read` (the inventory's list). Problems go to `errors`.
    pub fn gather(root: &Path, files_read: &[PathBuf], errors: &mut Vec<String>) -> ServerUsers {
        let mut out = ServerUsers::default();
        let passwd_path = root.join("etc/passwd");
        let mut groups = Vec::new();
        if passwd_path.exists() {
            match read_config(&passwd_path) {
                Ok(b) => {
                    out.passwd = parse_passwd(&b);
                    out.passwd_read = true;
                }
                Err(e) => errors.push(e.to_string()),
            }
            if let Ok(b) = read_config(&root.join("etc/group")) {
                groups = parse_group(&b);
            }
        }
        let envvars = ["etc/apache2/envvars", "etc/sysconfig/httpd"]
            .iter()
            .filter_map(|p| read_config(&root.join(p)).ok())
            .map(|b| parse_envvars(&b))
            .fold(HashMap::new(), |mut acc, m| {
                acc.extend(m);
                acc
            });
        let mut found: Vec<(&'static str, String, Option<String>, PathBuf, u64)> = Vec::new();
        for f in files_read {
            let s = crate::sys_path(root, f);
            let apache = s.contains("/apache2/") || s.contains("/httpd/");
            let pool = s.contains("/pool.d/") || s.contains("/php-fpm.d/");
            if !(apache || pool || s.contains("/nginx/")) {
                continue;
            }
            let Ok(bytes) = read_config(f) else { continue };
            if apache {
                let (mut user, mut group) = (None, None);
                for l in parse_apache_conf(&bytes).lines {
                    if l.kind != LineKind::Directive || l.args.is_empty() {
                        continue;
                    }
                    let v = expand(&l.args[0], &envvars);
                    if l.name.eq_ignore_ascii_case("User") {
                        user = Some((v, l.line));
                    } else if l.name.eq_ignore_ascii_case("Group") {
                        group = Some(v);
                    }
                }
                if let Some((u, line)) = user {
                    found.push(("apache", u, group, f.clone(), line));
                }
            } else if s.contains("/nginx/") {
                for d in parse_nginx_conf(&bytes).directives {
                    if d.name == "user" && !d.args.is_empty() {
                        let g = d.args.get(1).cloned();
                        found.push(("nginx", d.args[0].clone(), g, f.clone(), d.line));
                    }
                }
            } else if pool {
                let parsed = parse_php_ini(&bytes);
                let mut by_section: HashMap<Option<String>, PoolUser> = HashMap::new();
                for e in parsed.entries {
                    let slot = by_section.entry(e.section.clone()).or_default();
                    match e.key.as_str() {
                        "user" => slot.0 = Some((e.value.clone(), e.line)),
                        "group" => slot.1 = Some(e.value.clone()),
                        _ => {}
                    }
                }
                let mut pools: Vec<_> = by_section.into_values().collect();
                pools.sort_by_key(|p| p.0.as_ref().map(|u| u.1));
                for (user, group) in pools {
                    if let Some((u, line)) = user {
                        found.push(("php-fpm", u, group, f.clone(), line));
                    }
                }
            }
        }
        for (server, user, group, file, line) in found {
            let entry = out.passwd.iter().find(|p| p.name == user);
            let mut gids: Vec<u32> = entry.map(|e| vec![e.gid]).unwrap_or_default();
            for (name, gid, members) in &groups {
                if group.as_deref() == Some(name.as_str()) || members.contains(&user) {
                    gids.push(*gid);
                }
            }
            gids.sort_unstable();
            gids.dedup();
            let u = ServerUser {
                server,
                uid: entry
                    .map(|e| e.uid)
                    .or_else(|| user.strip_prefix('#')?.parse().ok()),
                user,
                group,
                file,
                line,
                gids,
            };
            if !out
                .users
                .iter()
                .any(|x| x.user == u.user && x.server == u.server)
            {
                out.users.push(u);
            }
        }
        out
    }
}

/// `${APACHE_RUN_USER}` → its value from `envvars`.
fn expand(v: &str, vars: &HashMap<String, String>) -> String {
    let mut out = v.to_string();
    for (k, val) in vars {
        out = out.replace(&format!("${{{k}}}"), val);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_parse() {
        let p = parse_passwd(b"root:x:0:0:root:/root:/bin/bash\n# c\nbad\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n");
        assert_eq!(p.len(), 2);
        assert_eq!((p[1].uid, p[1].line), (33, 4));
        let g = parse_group(b"www-data:x:33:\ndeploy:x:1001:www-data,bob\n");
        assert_eq!(g[1].2, vec!["www-data".to_string(), "bob".to_string()]);
    }
}
