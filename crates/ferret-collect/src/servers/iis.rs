//! IIS (T1505.004): `applicationHost.config` (full IIS and IIS Express), the
//! .NET root `web.config` files and every site's `web.config`.
//!
//! Components: `globalModules/add` (native images), `modules/add` with a
//! `type` (managed modules), `handlers/add`, `isapiFilters/filter`, and the
//! classic `system.web/httpModules` and `httpHandlers`. Site physical paths and
//! virtual directories become web roots, so the web-shell scan and the
//! `web.config` search cover them.
//!
//! Attributes set: `config` (`applicationHost`, `web.config`, `root web.config`),
//! `location` (a `<location path>` the entry is under), `precondition`,
//! `path`, `verb`, `modules`, `script_processor`, `type`, `resource_type`
//! (handlers), `enabled` (ISAPI filters), `section` (`system.webServer` or
//! `system.web`), `expanded` (the image path with `%windir%`-style variables
//! expanded to a standard install).

use super::xml::{self, Element};
use super::{read_config, Discovered};
use crate::layout::{expand_windows_vars, join_ci, resolve_windows, windows_drives};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::path::{Path, PathBuf};

/// Most `web.config` files read below one web root.
const MAX_WEB_CONFIGS: usize = 10_000;
/// Deepest directory searched below a web root for `web.config`.
const MAX_WEB_DEPTH: usize = 16;
/// Most directory entries looked at below one web root.
const MAX_WEB_ENTRIES: usize = 500_000;

/// Which configuration file a component came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// `applicationHost.config` (server-wide).
    ApplicationHost,
    /// A site or application `web.config`.
    WebConfig,
    /// A .NET Framework root `web.config` (applies to every ASP.NET site).
    RootWebConfig,
}

impl ConfigKind {
    fn as_str(self) -> &'static str {
        match self {
            ConfigKind::ApplicationHost => "applicationHost",
            ConfigKind::WebConfig => "web.config",
            ConfigKind::RootWebConfig => "root web.config",
        }
    }
}

/// A parsed IIS configuration file: its components and the physical paths of
/// its sites and virtual directories (as written, Windows form).
#[derive(Debug, Default)]
pub struct Parsed {
    /// Components declared in the file.
    pub components: Vec<Component>,
    /// `physicalPath` of every virtual directory, as written.
    pub physical_paths: Vec<String>,
}

/// Parses one IIS configuration file (bytes in, components out). Pure: no
/// path is resolved.
pub fn parse(file: &Path, bytes: &[u8], kind: ConfigKind) -> Result<Parsed, String> {
    let root = xml::parse(bytes)?;
    if !root.name.eq_ignore_ascii_case("configuration") {
        return Err(format!(
            "root element is <{}>, not <configuration>",
            root.name
        ));
    }
    let mut out = Parsed::default();
    read_scope(file, &root, None, kind, &mut out);
    for loc in root.children_named("location") {
        let path = loc.attr("path").unwrap_or("").to_string();
        read_scope(file, loc, Some(&path), kind, &mut out);
    }
    for site in root.path_all("system.applicationHost/sites/site") {
        for app in site.children_named("application") {
            for vd in app.children_named("virtualDirectory") {
                if let Some(p) = vd.attr("physicalPath").filter(|p| !p.trim().is_empty()) {
                    if !out.physical_paths.iter().any(|x| x == p) {
                        out.physical_paths.push(p.to_string());
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Reads the component sections directly below `scope` (`<configuration>`
/// or a `<location>`).
fn read_scope(
    file: &Path,
    scope: &Element,
    location: Option<&str>,
    kind: ConfigKind,
    out: &mut Parsed,
) {
    let base = |c: Component| {
        let c = c.with_attr("config", kind.as_str());
        match location {
            Some(l) => c.with_attr("location", l),
            None => c,
        }
    };
    if let Some(ws) = scope.child("system.webServer") {
        for add in ws.path_all("globalModules/add") {
            let Some(name) = add.attr("name") else {
                continue;
            };
            let mut c = Component::new(
                Server::Iis,
                ComponentKind::NativeModule,
                name,
                at(file, add),
            )
            .with_attr("section", "system.webServer");
            if let Some(image) = add.attr("image") {
                c = c
                    .with_implementation(image)
                    .with_attr("expanded", expand_windows_vars(image, None));
            }
            if let Some(pc) = add.attr("preCondition") {
                c = c.with_attr("precondition", pc);
            }
            out.components.push(base(c));
        }
        for add in ws.path_all("modules/add") {
            let (Some(name), Some(ty)) = (add.attr("name"), add.attr("type")) else {
                // An `add` without a type enables a global (native) module by name.
                continue;
            };
            let mut c = Component::new(
                Server::Iis,
                ComponentKind::ManagedModule,
                name,
                at(file, add),
            )
            .with_implementation(ty)
            .with_attr("type", ty)
            .with_attr("section", "system.webServer");
            if let Some(pc) = add.attr("preCondition") {
                c = c.with_attr("precondition", pc);
            }
            out.components.push(base(c));
        }
        for add in ws.path_all("handlers/add") {
            if let Some(c) = handler(file, add, "system.webServer") {
                out.components.push(base(c));
            }
        }
        for f in ws.path_all("isapiFilters/filter") {
            let Some(name) = f.attr("name") else { continue };
            let mut c = Component::new(Server::Iis, ComponentKind::IsapiFilter, name, at(file, f))
                .with_attr("section", "system.webServer")
                .with_attr("enabled", f.attr("enabled").unwrap_or("true"));
            if let Some(p) = f.attr("path") {
                c = c
                    .with_implementation(p)
                    .with_attr("expanded", expand_windows_vars(p, None));
            }
            out.components.push(base(c));
        }
    }
    if let Some(web) = scope.child("system.web") {
        for add in web.path_all("httpModules/add") {
            let (Some(name), Some(ty)) = (add.attr("name"), add.attr("type")) else {
                continue;
            };
            let c = Component::new(
                Server::Iis,
                ComponentKind::ManagedModule,
                name,
                at(file, add),
            )
            .with_implementation(ty)
            .with_attr("type", ty)
            .with_attr("section", "system.web");
            out.components.push(base(c));
        }
        for add in web.path_all("httpHandlers/add") {
            if let Some(c) = handler(file, add, "system.web") {
                out.components.push(base(c));
            }
        }
    }
}

fn handler(file: &Path, add: &Element, section: &str) -> Option<Component> {
    // Classic `httpHandlers` entries have no name: the path names them.
    let name = add.attr("name").or_else(|| add.attr("path"))?;
    let mut c = Component::new(Server::Iis, ComponentKind::Handler, name, at(file, add))
        .with_attr("section", section);
    let implementation = add
        .attr("scriptProcessor")
        .filter(|s| !s.is_empty())
        .or_else(|| add.attr("type").filter(|s| !s.is_empty()))
        .or_else(|| add.attr("modules").filter(|s| !s.is_empty()));
    if let Some(i) = implementation {
        c = c.with_implementation(i);
    }
    for (attr, key) in [
        ("path", "path"),
        ("verb", "verb"),
        ("modules", "modules"),
        ("scriptProcessor", "script_processor"),
        ("type", "type"),
        ("resourceType", "resource_type"),
        ("preCondition", "precondition"),
    ] {
        if let Some(v) = add.attr(attr).filter(|v| !v.is_empty()) {
            c = c.with_attr(key, v);
        }
    }
    if let Some(sp) = add.attr("scriptProcessor").filter(|s| !s.is_empty()) {
        c = c.with_attr("expanded", expand_windows_vars(sp, None));
    }
    Some(c)
}

fn at(file: &Path, e: &Element) -> Declaration {
    Declaration::at_line(file, e.line)
}

/// Discovers IIS configuration under `root` (every Windows drive in the
/// collection): `applicationHost.config`, IIS Express configurations in user
/// profiles, .NET root `web.config` files, then every site's `web.config`.
pub fn collect(root: &Path, out: &mut Discovered) {
    for (_, drive) in windows_drives(root) {
        if let Some(p) = join_ci(
            &drive,
            "Windows/System32/inetsrv/config/applicationHost.config",
        ) {
            read_file(root, &p, ConfigKind::ApplicationHost, out);
        }
        if let Some(users) = join_ci(&drive, "Users") {
            for user in list_dir(&users) {
                if let Some(p) =
                    join_ci(&user, "Documents/IISExpress/config/applicationhost.config")
                {
                    read_file(root, &p, ConfigKind::ApplicationHost, out);
                }
            }
        }
        if let Some(net) = join_ci(&drive, "Windows/Microsoft.NET") {
            for fw in ["Framework", "Framework64"] {
                let Some(fw) = join_ci(&net, fw) else {
                    continue;
                };
                for v in list_dir(&fw) {
                    if let Some(p) = join_ci(&v, "Config/web.config") {
                        read_file(root, &p, ConfigKind::RootWebConfig, out);
                    }
                }
            }
        }
    }
}

/// Parses an explicitly given file when it is an IIS configuration
/// (`applicationHost.config`, `web.config`); returns whether it was one.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    // Collected copies are often renamed (`DefaultWebSite-OWA_web.config`).
    let kind = if name.ends_with(".config") && name.contains("applicationhost") {
        ConfigKind::ApplicationHost
    } else if name.ends_with("web.config") {
        ConfigKind::WebConfig
    } else {
        return false;
    };
    read_file(root, path, kind, out);
    true
}

fn read_file(root: &Path, path: &Path, kind: ConfigKind, out: &mut Discovered) {
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => return out.errors.push(e),
    };
    out.files_read.push(path.to_path_buf());
    let parsed = match parse(path, &bytes, kind) {
        Ok(p) => p,
        Err(e) => return out.errors.push(CollectError::parse(path, e)),
    };
    for mut c in parsed.components {
        if let Some(expanded) = c.attr("expanded") {
            c.resolved = resolve_windows(root, expanded);
        }
        out.components.push(c);
    }
    if kind != ConfigKind::ApplicationHost {
        return;
    }
    for physical in parsed.physical_paths {
        let expanded = expand_windows_vars(&physical, None);
        let Some(dir) = resolve_windows(root, &expanded).filter(|d| d.is_dir()) else {
            continue;
        };
        if out.web_roots.contains(&dir) {
            continue;
        }
        out.add_web_root(dir.clone());
        for wc in find_web_configs(&dir, out) {
            read_file(root, &wc, ConfigKind::WebConfig, out);
        }
    }
}

/// Every `web.config` below a web root, bounded in depth and entries, never
/// following symbolic links.
fn find_web_configs(dir: &Path, out: &mut Discovered) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((d, depth)) = stack.pop() {
        let rd = match std::fs::read_dir(&d) {
            Ok(rd) => rd,
            Err(e) => {
                out.errors.push(CollectError::io(&d, e));
                continue;
            }
        };
        for e in rd.flatten() {
            seen += 1;
            if seen > MAX_WEB_ENTRIES || found.len() >= MAX_WEB_CONFIGS {
                out.errors.push(CollectError::parse(
                    dir,
                    "web root too large: stopped looking for web.config files",
                ));
                return found;
            }
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() && depth < MAX_WEB_DEPTH {
                stack.push((e.path(), depth + 1));
            } else if ft.is_file()
                && e.file_name()
                    .to_string_lossy()
                    .eq_ignore_ascii_case("web.config")
            {
                found.push(e.path());
            }
        }
    }
    found.sort();
    found
}

fn list_dir(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifacts() -> Option<PathBuf> {
        let p = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/datasets/artifacts/iis"
        ));
        if p.is_dir() {
            Some(p)
        } else {
            eprintln!("skipped: ../shared not present");
            None
        }
    }

    #[test]
    fn exchange_2019_application_host() {
        let Some(a) = artifacts() else { return };
        let f = a.join("applicationHost/exchange2019/applicationHost.config");
        let p = parse(&f, &std::fs::read(&f).unwrap(), ConfigKind::ApplicationHost).unwrap();
        let native: Vec<&Component> = p
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::NativeModule)
            .collect();
        let expected = std::fs::read_to_string(&f)
            .unwrap()
            .lines()
            .filter(|l| l.contains("<add name=") && l.contains(" image="))
            .count();
        assert_eq!(native.len(), expected);
        let kerb = native.iter().find(|c| c.name == "kerbauth").unwrap();
        assert_eq!(
            kerb.implementation.as_deref(),
            Some("C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\kerbauth.dll")
        );
        let uri = native.iter().find(|c| c.name == "UriCacheModule").unwrap();
        assert_eq!(uri.declared.line, Some(566));
        assert_eq!(
            uri.attr("expanded"),
            Some("C:\\Windows\\System32\\inetsrv\\cachuri.dll")
        );
        assert!(p
            .components
            .iter()
            .any(|c| c.kind == ComponentKind::Handler));
        assert!(p
            .physical_paths
            .iter()
            .any(|x| x.contains("inetpub\\wwwroot")));
    }

    #[test]
    fn every_artifact_config_parses_except_the_broken_one() {
        let Some(a) = artifacts() else { return };
        let mut n = 0;
        for dir in ["applicationHost", "web.config"] {
            let mut stack = vec![a.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                        continue;
                    }
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    if name == "administration.config" {
                        continue;
                    }
                    let kind = if dir == "web.config" {
                        ConfigKind::WebConfig
                    } else {
                        ConfigKind::ApplicationHost
                    };
                    let r = parse(&p, &std::fs::read(&p).unwrap(), kind);
                    if name == "BadApplicationHost.config" {
                        assert!(r.is_err(), "{name} should not parse");
                    } else {
                        assert!(r.is_ok(), "{}: {:?}", p.display(), r.err());
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, 9 + 14 - 1);
    }

    #[test]
    fn collection_layout_finds_config_sites_and_web_configs() {
        let Some(a) = artifacts() else { return };
        let t = tempfile::tempdir().unwrap();
        let c = t.path().join("C");
        let cfg = c.join("Windows/System32/inetsrv/config");
        std::fs::create_dir_all(&cfg).unwrap();
        std::fs::copy(
            a.join("applicationHost/exchange2019/applicationHost.config"),
            cfg.join("applicationHost.config"),
        )
        .unwrap();
        let www = c.join("inetpub/wwwroot/aspnet_client");
        std::fs::create_dir_all(&www).unwrap();
        std::fs::write(
            www.join("web.config"),
            "<configuration><system.webServer><modules><add name=\"X\" type=\"Evil.Module, Evil\"/></modules></system.webServer></configuration>",
        )
        .unwrap();
        let mut d = Discovered::default();
        collect(t.path(), &mut d);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert!(d.web_roots.iter().any(|w| w.ends_with("inetpub/wwwroot")));
        let evil = d
            .components
            .iter()
            .find(|c| c.name == "X")
            .expect("web.config module found");
        assert_eq!(evil.attr("config"), Some("web.config"));
        assert_eq!(evil.implementation.as_deref(), Some("Evil.Module, Evil"));
    }
}
