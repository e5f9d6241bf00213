//! Apache Tomcat components: Valves and lifecycle Listeners (`server.xml`,
//! `context.xml`, context descriptors), servlet filters, listeners and
//! servlets (`web.xml`, global and per web application), and JVM agents
//! (`-javaagent:` / `-agentpath:` in `setenv.sh`, `/etc/default/tomcat*`,
//! `/etc/sysconfig/tomcat*`, `tomcat.conf`).
//!
//! Instances are found at `etc/tomcat*` (Debian/RHEL configuration; the
//! instance's `CATALINA_BASE` is `var/lib/<same name>`), `usr/share/tomcat*/conf`,
//! `opt/tomcat*/conf`, `var/lib/tomcat*/conf` and `usr/local/tomcat/conf`;
//! symbolic links (Debian's `var/lib/tomcat10/conf -> /etc/tomcat10`) are
//! followed inside the root only. Each Host's `appBase` (default `webapps`,
//! against `CATALINA_BASE`) and each web application directory in it become
//! web roots; their `WEB-INF/web.xml` and `META-INF/context.xml` are read.
//! Packed `.war` files are not opened.
//!
//! Attributes set:
//! - `scope`: where the component applies — Valves `engine` / `host` /
//!   `context`; `server.xml` `<Listener>`s (Tomcat lifecycle listeners, kind
//!   `servlet_listener`) `server` / `engine` / `host` / `context`; `web.xml`
//!   items `global` (`conf/web.xml`, applies to every application) or `web_app`.
//! - `host`: the Host name, for Valves and Listeners inside a `<Host>`.
//! - `web_app`: the context path (`/`, `/manager`) of the application.
//! - `url_patterns`: space-separated `url-pattern`s mapped to a filter or servlet.
//! - `servlet_names`: servlets a filter is mapped to (space-separated).
//! - `jsp_file`: a servlet's `jsp-file` (then also its implementation).
//! - `option`: `-javaagent` or `-agentpath` (native agent); `agent_options`:
//!   what follows `=` in the option.

use super::simple_conf::{resolve_in_root, resolve_under, sorted_glob};
use super::xml::{self, Element};
use super::{read_config, Discovered};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Most web applications read per Host `appBase`.
pub const MAX_WEBAPPS: usize = 2_000;

/// One component declared in a Tomcat XML file (before it is placed on disk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Valve, ServletFilter, ServletListener or Servlet.
    pub kind: ComponentKind,
    /// Configured name (filter / servlet name; the class for Valves and Listeners).
    pub name: String,
    /// The class (or `jsp-file`), when declared.
    pub class: Option<String>,
    /// 1-based line of the declaring element.
    pub line: u64,
    /// Attributes (see the module documentation).
    pub attrs: BTreeMap<String, String>,
}

/// A `<Host>` of `server.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDecl {
    /// Host name.
    pub name: String,
    /// `appBase` (default `webapps`).
    pub app_base: String,
    /// `(path, docBase)` of each `<Context>` declared inside it.
    pub contexts: Vec<(String, String)>,
}

/// What a Tomcat XML file declares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TomcatXml {
    /// Root element name (`Server`, `Context`, `web-app`, `web-fragment`).
    pub root: String,
    /// Components in document order.
    pub items: Vec<Declared>,
    /// Hosts (`server.xml` only).
    pub hosts: Vec<HostDecl>,
}

/// Parses `server.xml`, `context.xml` or `web.xml` (by root element). Bytes
/// in, declarations out; bounded by the XML tree's limits.
pub fn parse_tomcat_xml(bytes: &[u8]) -> Result<TomcatXml, String> {
    let root = xml::parse(bytes)?;
    let mut out = TomcatXml {
        root: root.name.clone(),
        ..TomcatXml::default()
    };
    if root.name.eq_ignore_ascii_case("web-app") || root.name.eq_ignore_ascii_case("web-fragment") {
        web_xml(&root, &mut out.items);
    } else {
        let scope = if root.name.eq_ignore_ascii_case("Context") {
            "context"
        } else {
            "server"
        };
        let mut ctx = Scope {
            scope,
            host: None,
            context: None,
        };
        for c in &root.children {
            server_element(c, &mut ctx, &mut out);
        }
    }
    Ok(out)
}

/// Where an element of `server.xml` sits.
#[derive(Clone)]
struct Scope<'a> {
    scope: &'static str,
    host: Option<&'a str>,
    context: Option<&'a str>,
}

fn server_element<'a>(el: &'a Element, ctx: &mut Scope<'a>, out: &mut TomcatXml) {
    let name = el.name.to_ascii_lowercase();
    let mut inner = ctx.clone();
    match name.as_str() {
        "valve" | "listener" => {
            let Some(class) = el
                .attr("className")
                .map(str::trim)
                .filter(|c| !c.is_empty())
            else {
                return;
            };
            let kind = if name == "valve" {
                ComponentKind::Valve
            } else {
                ComponentKind::ServletListener
            };
            let mut attrs = BTreeMap::new();
            attrs.insert("scope".to_string(), ctx.scope.to_string());
            if let Some(h) = ctx.host {
                attrs.insert("host".to_string(), h.to_string());
            }
            if let Some(c) = ctx.context {
                attrs.insert("web_app".to_string(), c.to_string());
            }
            out.items.push(Declared {
                kind,
                name: class.to_string(),
                class: Some(class.to_string()),
                line: el.line,
                attrs,
            });
            return;
        }
        "engine" => inner.scope = "engine",
        "host" => {
            inner.scope = "host";
            inner.host = el.attr("name");
            out.hosts.push(HostDecl {
                name: el.attr("name").unwrap_or_default().to_string(),
                app_base: el.attr("appBase").unwrap_or("webapps").to_string(),
                contexts: Vec::new(),
            });
        }
        "context" => {
            inner.scope = "context";
            inner.context = Some(el.attr("path").unwrap_or(""));
            if let (Some(h), Some(doc)) = (out.hosts.last_mut(), el.attr("docBase")) {
                if ctx.host.is_some() {
                    h.contexts
                        .push((el.attr("path").unwrap_or("").to_string(), doc.to_string()));
                }
            }
        }
        _ => {}
    }
    for c in &el.children {
        server_element(c, &mut inner, out);
    }
}

fn web_xml(root: &Element, items: &mut Vec<Declared>) {
    // url-patterns and servlet names mapped to each filter / servlet name.
    let mut filter_urls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut filter_servlets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut servlet_urls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in root.children_named("filter-mapping") {
        let Some(n) = m.child_text("filter-name") else {
            continue;
        };
        let urls = filter_urls.entry(n.to_string()).or_default();
        urls.extend(texts(m, "url-pattern"));
        let names = filter_servlets.entry(n.to_string()).or_default();
        names.extend(texts(m, "servlet-name"));
    }
    for m in root.children_named("servlet-mapping") {
        let Some(n) = m.child_text("servlet-name") else {
            continue;
        };
        servlet_urls
            .entry(n.to_string())
            .or_default()
            .extend(texts(m, "url-pattern"));
    }
    for el in &root.children {
        let mut attrs = BTreeMap::new();
        let (kind, name, class) = match el.name.to_ascii_lowercase().as_str() {
            "filter" => {
                let name = el.child_text("filter-name").unwrap_or_default().to_string();
                put_list(&mut attrs, "url_patterns", filter_urls.get(&name));
                put_list(&mut attrs, "servlet_names", filter_servlets.get(&name));
                (
                    ComponentKind::ServletFilter,
                    name,
                    el.child_text("filter-class"),
                )
            }
            "listener" => {
                let class = el.child_text("listener-class");
                (
                    ComponentKind::ServletListener,
                    class.unwrap_or_default().to_string(),
                    class,
                )
            }
            "servlet" => {
                let name = el
                    .child_text("servlet-name")
                    .unwrap_or_default()
                    .to_string();
                put_list(&mut attrs, "url_patterns", servlet_urls.get(&name));
                let jsp = el.child_text("jsp-file");
                if let Some(j) = jsp {
                    attrs.insert("jsp_file".to_string(), j.to_string());
                }
                (
                    ComponentKind::Servlet,
                    name,
                    el.child_text("servlet-class").or(jsp),
                )
            }
            _ => continue,
        };
        items.push(Declared {
            kind,
            name,
            class: class.map(str::to_string),
            line: el.line,
            attrs,
        });
    }
}

fn texts<'a>(el: &'a Element, name: &'a str) -> impl Iterator<Item = String> + 'a {
    el.children_named(name)
        .map(|c| c.text.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn put_list(attrs: &mut BTreeMap<String, String>, key: &str, v: Option<&Vec<String>>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        attrs.insert(key.to_string(), v.join(" "));
    }
}

/// A JVM agent option found in a shell or environment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentOption {
    /// 1-based line.
    pub line: u64,
    /// `-javaagent` or `-agentpath`.
    pub option: &'static str,
    /// The jar / library path as written.
    pub path: String,
    /// What follows `=` (agent options), when present.
    pub options: Option<String>,
}

/// Finds `-javaagent:<jar>[=opts]` and `-agentpath:<lib>[=opts]` in a shell
/// or environment file (`setenv.sh`, `/etc/default/tomcat10`), skipping
/// comment lines. Bytes in, options out.
pub fn parse_agent_options(bytes: &[u8]) -> Vec<AgentOption> {
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(raw);
        if text.trim_start().starts_with('#') {
            continue;
        }
        for option in ["-javaagent", "-agentpath"] {
            let needle = format!("{option}:");
            let mut rest = text.as_ref();
            while let Some(at) = rest.find(&needle) {
                let after = &rest[at + needle.len()..];
                let end = after
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '`'))
                    .unwrap_or(after.len());
                let value = &after[..end];
                rest = &after[end..];
                if value.is_empty() {
                    continue;
                }
                let (path, options) = match value.split_once('=') {
                    Some((p, o)) => (p, Some(o.to_string())),
                    None => (value, None),
                };
                out.push(AgentOption {
                    line: i as u64 + 1,
                    option,
                    path: path.to_string(),
                    options,
                });
            }
        }
    }
    out
}

/// One Tomcat instance: its `conf` directory and, when known, `CATALINA_BASE` / `CATALINA_HOME`.
#[derive(Debug)]
struct Instance {
    conf: PathBuf,
    base: Option<PathBuf>,
    home: Option<PathBuf>,
}

fn instances(root: &Path, out: &mut Discovered) -> Vec<Instance> {
    let mut found: Vec<Instance> = Vec::new();
    let mut add = |conf: PathBuf, base: Option<PathBuf>, home: Option<PathBuf>| {
        if !conf.is_dir() {
            return;
        }
        match found.iter_mut().find(|i| i.conf == conf) {
            Some(i) => {
                i.base = i.base.take().or(base);
                i.home = i.home.take().or(home);
            }
            None => found.push(Instance { conf, base, home }),
        }
    };
    let existing = |p: String| resolve_in_root(root, &p).ok().filter(|p| p.is_dir());
    for conf in sorted_glob(root, "etc/tomcat*", out) {
        let name = conf
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let home = existing(format!("/usr/share/{name}"));
        let base = existing(format!("/var/lib/{name}")).or_else(|| home.clone());
        add(conf, base, home);
    }
    for pattern in [
        "usr/share/tomcat*/conf",
        "opt/tomcat*/conf",
        "var/lib/tomcat*/conf",
        "usr/local/tomcat/conf",
    ] {
        // The pattern's directory (`var/lib/tomcat10`) is the instance's base.
        let Some(dir_pattern) = pattern.strip_suffix("/conf") else {
            continue;
        };
        for base in sorted_glob(root, dir_pattern, out) {
            if let Ok(conf) = resolve_under(root, &base.join("x"), "conf") {
                add(conf, Some(base.clone()), Some(base));
            }
        }
    }
    found
}

/// Finds Tomcat instances under `root` and reports their Valves, Listeners,
/// filters, servlets and JVM agents, and their web roots.
pub fn collect(root: &Path, out: &mut Discovered) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for inst in instances(root, out) {
        let base = inst
            .base
            .clone()
            .unwrap_or_else(|| inst.conf.parent().unwrap_or(root).to_path_buf());
        let mut hosts = Vec::new();
        let server = inst.conf.join("server.xml");
        if server.is_file() && seen.insert(server.clone()) {
            if let Some(x) = xml_file(&server, None, out) {
                hosts = x.hosts;
            }
        }
        let global_web = inst.conf.join("web.xml");
        if global_web.is_file() && seen.insert(global_web.clone()) {
            xml_file(&global_web, None, out);
        }
        let global_ctx = inst.conf.join("context.xml");
        if global_ctx.is_file() && seen.insert(global_ctx.clone()) {
            xml_file(&global_ctx, None, out);
        }
        // Context descriptors: conf/<Engine>/<Host>/<app>.xml.
        let conf_rel = inst
            .conf
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().into_owned());
        if let Ok(rel) = conf_rel {
            for d in sorted_glob(root, &format!("{rel}/*/*/*.xml"), out) {
                if d.is_file() && seen.insert(d.clone()) {
                    let app = d.file_stem().map(|s| context_path(&s.to_string_lossy()));
                    xml_file(&d, app.as_deref(), out);
                }
            }
        }
        if hosts.is_empty() {
            hosts.push(HostDecl {
                name: "localhost".into(),
                app_base: "webapps".into(),
                contexts: Vec::new(),
            });
        }
        for h in &hosts {
            host_roots(root, &base, h, &mut seen, out);
        }
        for dir in [inst.base.as_ref(), inst.home.as_ref()]
            .into_iter()
            .flatten()
        {
            let setenv = dir.join("bin/setenv.sh");
            if setenv.is_file() && seen.insert(setenv.clone()) {
                agents_file(root, &setenv, out);
            }
        }
    }
    for pattern in [
        "etc/default/tomcat*",
        "etc/sysconfig/tomcat*",
        "etc/tomcat*/tomcat.conf",
    ] {
        for f in sorted_glob(root, pattern, out) {
            if f.is_file() && seen.insert(f.clone()) {
                agents_file(root, &f, out);
            }
        }
    }
}

/// Reads one explicitly given `server.xml`, `web.xml`, `context.xml` (or
/// other context descriptor in a Tomcat `conf` tree), `setenv.sh` or
/// `/etc/default/tomcat*` file. `false` when it is none of them.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let parent = |n: usize| {
        path.ancestors()
            .nth(n)
            .and_then(|p| p.file_name())
            .map(|p| p.to_string_lossy().into_owned())
    };
    match name.as_str() {
        "server.xml" => {
            if let Some(x) = xml_file(path, None, out) {
                let conf = path.parent().unwrap_or(root);
                let base = conf.parent().unwrap_or(root).to_path_buf();
                for h in &x.hosts {
                    host_roots(root, &base, h, &mut HashSet::new(), out);
                }
            }
            true
        }
        "web.xml" => {
            let app = (parent(1).as_deref() == Some("WEB-INF"))
                .then(|| parent(2).map(|a| context_path(&a)));
            xml_file(path, app.flatten().as_deref(), out);
            true
        }
        "context.xml" => {
            let app = (parent(1).as_deref() == Some("META-INF"))
                .then(|| parent(2).map(|a| context_path(&a)));
            xml_file(path, app.flatten().as_deref(), out);
            true
        }
        "setenv.sh" => {
            agents_file(root, path, out);
            true
        }
        n if n.starts_with("tomcat")
            && parent(1).is_some_and(|p| p == "default" || p == "sysconfig") =>
        {
            agents_file(root, path, out);
            true
        }
        _ => false,
    }
}

/// `ROOT` → `/`, `foo#bar` → `/foo/bar`, as Tomcat names contexts.
fn context_path(dir: &str) -> String {
    if dir == "ROOT" {
        "/".to_string()
    } else {
        format!("/{}", dir.replace('#', "/"))
    }
}

/// Registers a Host's appBase and its web applications as web roots, and
/// reads each application's `WEB-INF/web.xml` and `META-INF/context.xml`.
fn host_roots(
    root: &Path,
    base: &Path,
    h: &HostDecl,
    seen: &mut HashSet<PathBuf>,
    out: &mut Discovered,
) {
    let app_base = match resolve_under(root, &base.join("x"), &h.app_base) {
        Ok(p) => p,
        Err(e) => {
            out.errors.push(CollectError::parse(
                base,
                format!("Host {} appBase: {e}", h.name),
            ));
            return;
        }
    };
    let mut apps: Vec<(String, PathBuf)> = Vec::new();
    if app_base.is_dir() {
        out.add_web_root(app_base.clone());
        match std::fs::read_dir(&app_base) {
            Ok(rd) => {
                let mut names: Vec<String> = rd
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .take(MAX_WEBAPPS + 1)
                    .collect();
                if names.len() > MAX_WEBAPPS {
                    out.errors.push(CollectError::parse(
                        &app_base,
                        format!("more than {MAX_WEBAPPS} entries; the rest were not read"),
                    ));
                    names.truncate(MAX_WEBAPPS);
                }
                names.sort();
                for n in names {
                    if let Ok(dir) = resolve_under(root, &app_base.join("x"), &n) {
                        if dir.is_dir() {
                            apps.push((context_path(&n), dir));
                        }
                    }
                }
            }
            Err(e) => out.errors.push(CollectError::io(&app_base, e)),
        }
    }
    for (path, doc) in &h.contexts {
        if let Ok(dir) = resolve_under(root, &app_base.join("x"), doc) {
            if dir.is_dir() {
                apps.push((
                    if path.is_empty() {
                        "/".into()
                    } else {
                        path.clone()
                    },
                    dir,
                ));
            }
        }
    }
    for (app, dir) in apps {
        out.add_web_root(dir.clone());
        for rel in ["WEB-INF/web.xml", "META-INF/context.xml"] {
            let Ok(f) = resolve_under(root, &dir.join("x"), rel) else {
                continue;
            };
            if f.is_file() && seen.insert(f.clone()) {
                xml_file(&f, Some(&app), out);
            }
        }
    }
}

/// Reads and parses one XML file, reports its components. `web_app` is the
/// context path when the file belongs to one application.
fn xml_file(path: &Path, web_app: Option<&str>, out: &mut Discovered) -> Option<TomcatXml> {
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(e);
            return None;
        }
    };
    let parsed = match parse_tomcat_xml(&bytes) {
        Ok(p) => p,
        Err(e) => {
            out.errors.push(CollectError::parse(path, e));
            return None;
        }
    };
    out.files_read.push(path.to_path_buf());
    let is_web =
        !parsed.root.eq_ignore_ascii_case("Server") && !parsed.root.eq_ignore_ascii_case("Context");
    for d in &parsed.items {
        let mut c = Component::new(
            Server::Tomcat,
            d.kind,
            d.name.clone(),
            Declaration::at_line(path, d.line),
        );
        c.implementation = d.class.clone();
        c.attrs = d.attrs.clone();
        if is_web {
            let scope = if web_app.is_some() {
                "web_app"
            } else {
                "global"
            };
            c.attrs.insert("scope".into(), scope.into());
        }
        if let Some(app) = web_app {
            c.attrs
                .entry("web_app".into())
                .or_insert_with(|| app.to_string());
        }
        out.components.push(c);
    }
    Some(parsed)
}

/// Reads a shell / environment file and reports its JVM agents.
fn agents_file(root: &Path, path: &Path, out: &mut Discovered) {
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    out.files_read.push(path.to_path_buf());
    for a in parse_agent_options(&bytes) {
        let name = Path::new(&a.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| a.path.clone());
        let mut c = Component::new(
            Server::Tomcat,
            ComponentKind::JavaAgent,
            name,
            Declaration::at_line(path, a.line),
        )
        .with_implementation(a.path.clone())
        .with_attr("option", a.option);
        if let Some(o) = &a.options {
            c = c.with_attr("agent_options", o.clone());
        }
        if a.path.starts_with('/') {
            c.resolved = resolve_in_root(root, &a.path).ok().filter(|p| p.is_file());
        }
        out.components.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOMCAT: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/artifacts/linux/etc/tomcat10"
    );

    /// A Debian-like root: `etc/tomcat10` (copied, writable),
    /// `var/lib/tomcat10/conf -> /etc/tomcat10` (absolute, as Debian has it),
    /// `var/lib/tomcat10/webapps/ROOT`. `None` when the artifacts are absent.
    fn debian_root() -> Option<tempfile::TempDir> {
        let src = Path::new(TOMCAT);
        if !src.is_dir() {
            println!("skipped: ../shared not present");
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("etc/tomcat10");
        std::fs::create_dir_all(&conf).unwrap();
        for e in std::fs::read_dir(src).unwrap() {
            let e = e.unwrap();
            std::fs::write(conf.join(e.file_name()), std::fs::read(e.path()).unwrap()).unwrap();
        }
        let base = tmp.path().join("var/lib/tomcat10");
        std::fs::create_dir_all(base.join("webapps/ROOT")).unwrap();
        std::fs::write(base.join("webapps/ROOT/index.html"), "<html/>").unwrap();
        std::os::unix::fs::symlink("/etc/tomcat10", base.join("conf")).unwrap();
        std::fs::create_dir_all(tmp.path().join("usr/share/tomcat10/bin")).unwrap();
        Some(tmp)
    }

    fn of_kind(out: &Discovered, kind: ComponentKind) -> Vec<&Component> {
        out.components.iter().filter(|c| c.kind == kind).collect()
    }

    #[test]
    fn stock_debian_tomcat() {
        let Some(tmp) = debian_root() else { return };
        let root = tmp.path();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let conf = root.join("etc/tomcat10");
        // Read once each, through the symlink mapped inside the root.
        assert_eq!(
            out.files_read,
            vec![
                conf.join("server.xml"),
                conf.join("web.xml"),
                conf.join("context.xml")
            ]
        );

        let valves = of_kind(&out, ComponentKind::Valve);
        assert_eq!(valves.len(), 1);
        assert_eq!(valves[0].name, "org.apache.catalina.valves.AccessLogValve");
        assert_eq!(
            valves[0].implementation.as_deref(),
            Some("org.apache.catalina.valves.AccessLogValve")
        );
        assert_eq!(
            valves[0].declared,
            Declaration::at_line(conf.join("server.xml"), 155)
        );
        assert_eq!(valves[0].attr("scope"), Some("host"));
        assert_eq!(valves[0].attr("host"), Some("localhost"));

        let listeners: Vec<_> = of_kind(&out, ComponentKind::ServletListener)
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.attr("scope").unwrap(),
                    c.declared.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            listeners,
            vec![
                (
                    "org.apache.catalina.startup.VersionLoggerListener",
                    "server",
                    23
                ),
                (
                    "org.apache.catalina.core.AprLifecycleListener",
                    "server",
                    28
                ),
                (
                    "org.apache.catalina.core.JreMemoryLeakPreventionListener",
                    "server",
                    32
                ),
                (
                    "org.apache.catalina.mbeans.GlobalResourcesLifecycleListener",
                    "server",
                    33
                ),
                (
                    "org.apache.catalina.core.ThreadLocalLeakPreventionListener",
                    "server",
                    34
                ),
            ]
        );

        let servlets: Vec<_> = of_kind(&out, ComponentKind::Servlet)
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.implementation.as_deref().unwrap(),
                    c.attr("url_patterns").unwrap_or(""),
                    c.declared.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            servlets,
            vec![
                (
                    "default",
                    "org.apache.catalina.servlets.DefaultServlet",
                    "/",
                    123
                ),
                (
                    "jsp",
                    "org.apache.jasper.servlet.JspServlet",
                    "*.jsp *.jspx",
                    273
                ),
            ]
        );
        assert!(of_kind(&out, ComponentKind::Servlet)
            .iter()
            .all(|c| c.attr("scope") == Some("global")));
        assert!(of_kind(&out, ComponentKind::ServletFilter).is_empty());
        assert!(of_kind(&out, ComponentKind::JavaAgent).is_empty());
        assert_eq!(out.components.len(), 8);

        let webapps = root.join("var/lib/tomcat10/webapps");
        assert_eq!(out.web_roots, vec![webapps.clone(), webapps.join("ROOT")]);
    }

    #[test]
    fn planted_valve_filter_and_agent() {
        let Some(tmp) = debian_root() else { return };
        let root = tmp.path();
        let server = root.join("etc/tomcat10/server.xml");
        let text = std::fs::read_to_string(&server).unwrap();
        let planted = text.replacen(
            "<Engine name=\"Catalina\" defaultHost=\"localhost\">",
            "<Engine name=\"Catalina\" defaultHost=\"localhost\"><Valve className=\"org.apache.catalina.valves.EvilValve\"/>",
            1,
        );
        assert_ne!(planted, text);
        std::fs::write(&server, planted).unwrap();
        let line = text
            .lines()
            .position(|l| l.contains("<Engine name=\"Catalina\" defaultHost=\"localhost\">"))
            .unwrap() as u64
            + 1;

        let app = root.join("var/lib/tomcat10/webapps/app");
        std::fs::create_dir_all(app.join("WEB-INF")).unwrap();
        std::fs::write(
            app.join("WEB-INF/web.xml"),
            r#"<?xml version="1.0"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  <filter>
    <filter-name>cache</filter-name>
    <filter-class>sun.misc.qwe$Proxy12</filter-class>
  </filter>
  <filter-mapping><filter-name>cache</filter-name><url-pattern>/*</url-pattern><servlet-name>up</servlet-name></filter-mapping>
  <listener><listener-class>com.x.Boot</listener-class></listener>
  <servlet><servlet-name>up</servlet-name><jsp-file>/WEB-INF/up.jsp</jsp-file></servlet>
  <servlet-mapping><servlet-name>up</servlet-name><url-pattern>/upload</url-pattern></servlet-mapping>
</web-app>
"#,
        )
        .unwrap();
        std::fs::create_dir_all(app.join("META-INF")).unwrap();
        std::fs::write(
            app.join("META-INF/context.xml"),
            "<Context>\n  <Valve className=\"x.MemShellValve\"/>\n</Context>\n",
        )
        .unwrap();
        std::fs::write(
            root.join("usr/share/tomcat10/bin/setenv.sh"),
            "# JAVA_OPTS=\"-javaagent:/opt/commented.jar\"\nJAVA_OPTS=\"$JAVA_OPTS -javaagent:/tmp/a.jar=k=v -Xmx1g\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("etc/default")).unwrap();
        std::fs::write(
            root.join("etc/default/tomcat10"),
            "CATALINA_OPTS='-agentpath:/usr/lib/x.so'\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::write(root.join("tmp/a.jar"), b"PK").unwrap();

        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);

        let valves: Vec<_> = of_kind(&out, ComponentKind::Valve)
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.attr("scope").unwrap(),
                    c.declared.line.unwrap(),
                    c.attr("web_app"),
                )
            })
            .collect();
        assert_eq!(
            valves,
            vec![
                ("org.apache.catalina.valves.EvilValve", "engine", line, None),
                (
                    "org.apache.catalina.valves.AccessLogValve",
                    "host",
                    155,
                    None
                ),
                ("x.MemShellValve", "context", 2, Some("/app")),
            ]
        );

        let filter = of_kind(&out, ComponentKind::ServletFilter);
        assert_eq!(filter.len(), 1);
        let f = filter[0];
        assert_eq!(f.name, "cache");
        assert_eq!(f.implementation.as_deref(), Some("sun.misc.qwe$Proxy12"));
        assert_eq!(f.attr("url_patterns"), Some("/*"));
        assert_eq!(f.attr("servlet_names"), Some("up"));
        assert_eq!(f.attr("web_app"), Some("/app"));
        assert_eq!(f.attr("scope"), Some("web_app"));
        assert_eq!(
            f.declared,
            Declaration::at_line(app.join("WEB-INF/web.xml"), 3)
        );

        let up = out.components.iter().find(|c| c.name == "up").unwrap();
        assert_eq!(up.kind, ComponentKind::Servlet);
        assert_eq!(up.implementation.as_deref(), Some("/WEB-INF/up.jsp"));
        assert_eq!(up.attr("jsp_file"), Some("/WEB-INF/up.jsp"));
        assert_eq!(up.attr("url_patterns"), Some("/upload"));
        let boot = out
            .components
            .iter()
            .find(|c| c.name == "com.x.Boot")
            .unwrap();
        assert_eq!(
            (boot.kind, boot.attr("web_app")),
            (ComponentKind::ServletListener, Some("/app"))
        );

        let agents: Vec<_> = of_kind(&out, ComponentKind::JavaAgent)
            .iter()
            .map(|c| {
                (
                    c.implementation.as_deref().unwrap(),
                    c.attr("option").unwrap(),
                    c.attr("agent_options"),
                    c.declared.line.unwrap(),
                    c.resolved.clone(),
                )
            })
            .collect();
        assert_eq!(
            agents,
            vec![
                (
                    "/tmp/a.jar",
                    "-javaagent",
                    Some("k=v"),
                    2,
                    Some(root.join("tmp/a.jar"))
                ),
                ("/usr/lib/x.so", "-agentpath", None, 1, None),
            ]
        );
        assert!(out.web_roots.contains(&app));

        // The same files given explicitly.
        let mut one = Discovered::default();
        assert!(collect_file(root, &app.join("WEB-INF/web.xml"), &mut one));
        assert_eq!(one.components.len(), 3);
        assert!(one
            .components
            .iter()
            .all(|c| c.attr("web_app") == Some("/app")));
        assert!(collect_file(
            root,
            &root.join("usr/share/tomcat10/bin/setenv.sh"),
            &mut one
        ));
        assert_eq!(one.components.len(), 4);
        assert!(!collect_file(
            root,
            &root.join("etc/tomcat10/tomcat-users.xml"),
            &mut one
        ));
    }

    #[test]
    fn hostile_files_are_errors() {
        let Some(tmp) = debian_root() else { return };
        let root = tmp.path();
        std::fs::write(
            root.join("etc/tomcat10/server.xml"),
            "<Server><Service></Server>",
        )
        .unwrap();
        std::fs::write(root.join("etc/tomcat10/web.xml"), "<a>".repeat(1000)).unwrap();
        // A webapp symlinked out of the root is read inside it (where it does not exist).
        std::os::unix::fs::symlink("/etc", root.join("var/lib/tomcat10/webapps/etc")).unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert_eq!(out.errors.len(), 2, "{:?}", out.errors);
        assert!(out.errors[0].to_string().contains("server.xml"));
        assert!(out.errors[1].to_string().contains("nesting"));
        assert!(of_kind(&out, ComponentKind::Valve).is_empty());
        assert!(!out.web_roots.iter().any(|p| p == Path::new("/etc")));
        assert!(parse_tomcat_xml(b"\xff\xfe\x00<").is_err());
        assert!(parse_agent_options(b"-javaagent: x\n# -javaagent:/c.jar\n").is_empty());
        let a = parse_agent_options(b"X=-javaagent:/a.jar;Y='-agentpath:/b.so=o'");
        assert_eq!(
            a.iter().map(|a| a.path.as_str()).collect::<Vec<_>>(),
            vec!["/a.jar", "/b.so"]
        );
    }
}
