//! Logsource mappings: which events a rule's `logsource` applies to (routes)
//! and how Sigma field names translate per route. Data, read from
//! `rules/mappings/sigma-logsources.toml` (embedded) or a user file.

use std::collections::{BTreeMap, HashMap};

use ferret_core::{Event, LogFormat, Value};
use serde::Deserialize;

use super::lower::{lower, push_lower};
use super::pattern::Wildcard;
use super::LogSource;

/// The shipped mapping file.
pub const SHIPPED_MAPPINGS: &str = include_str!("../../../../rules/mappings/sigma-logsources.toml");

/// Why a mapping file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// Not valid TOML or not the expected shape.
    #[error("sigma logsource mappings: {0}")]
    Toml(#[from] toml::de::Error),
    /// A route names a format no reader produces.
    #[error("sigma logsource mappings: route {route:?}: unknown format {format:?}")]
    UnknownFormat {
        /// The route.
        route: String,
        /// The format name.
        format: String,
    },
    /// A route has no formats.
    #[error("sigma logsource mappings: route {0:?} lists no formats")]
    NoFormats(String),
    /// Two routes share a name.
    #[error("sigma logsource mappings: route {0:?} defined twice")]
    DuplicateRoute(String),
    /// A logsource entry names a route that is not defined.
    #[error("sigma logsource mappings: logsource entry {entry} names unknown route {route:?}")]
    UnknownRoute {
        /// 0-based index of the `[[logsource]]` entry.
        entry: usize,
        /// The route name.
        route: String,
    },
    /// A logsource entry sets none of product/category/service.
    #[error(
        "sigma logsource mappings: logsource entry {0} sets none of product, category, service"
    )]
    EmptyLogsource(usize),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    route: Vec<RouteDef>,
    #[serde(default)]
    logsource: Vec<SourceDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteDef {
    name: String,
    formats: Vec<String>,
    #[serde(default)]
    when: BTreeMap<String, Vec<Scalar>>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Int(i64),
    Str(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceDef {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
    routes: Vec<String>,
}

/// One route: the events it applies to and its field aliases.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) name: String,
    pub(crate) formats: Vec<LogFormat>,
    /// Field name and the (lowercased) patterns one of which its value must match.
    pub(crate) when: Vec<(String, Vec<Wildcard>)>,
    /// Lowercased Sigma field name -> event field name.
    pub(crate) aliases: HashMap<String, String>,
}

impl Route {
    /// The exact lowercased `Channel` values this route requires, when it
    /// requires `Channel` without wildcards (used to index routes).
    pub(crate) fn exact_channels(&self) -> Option<Vec<String>> {
        let (_, pats) = self.when.iter().find(|(f, _)| f == "Channel")?;
        pats.iter().map(|p| p.exact().map(str::to_owned)).collect()
    }

    /// Whether `event` satisfies the route's format and field conditions.
    pub(crate) fn applies(&self, event: &Event, buf: &mut String) -> bool {
        self.formats.contains(&event.format)
            && self
                .when
                .iter()
                .all(|(field, pats)| match event.fields.get(field) {
                    None => false,
                    Some(Value::List(items)) => items.iter().any(|v| value_matches(v, pats, buf)),
                    Some(v) => value_matches(v, pats, buf),
                })
    }

    /// The event field name a Sigma field name stands for on this route.
    pub(crate) fn event_field<'a>(&'a self, sigma_lc: &str, sigma: &'a str) -> &'a str {
        self.aliases
            .get(sigma_lc)
            .map(String::as_str)
            .unwrap_or(sigma)
    }
}

fn value_matches(v: &Value, pats: &[Wildcard], buf: &mut String) -> bool {
    buf.clear();
    push_lower(buf, &v.as_text());
    pats.iter().any(|p| p.is_match(buf))
}

struct SourceEntry {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
    routes: Vec<usize>,
}

/// Compiled logsource mappings.
pub struct Mappings {
    pub(crate) routes: Vec<Route>,
    sources: Vec<SourceEntry>,
}

impl std::fmt::Debug for Mappings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mappings")
            .field("routes", &self.routes.len())
            .field("logsources", &self.sources.len())
            .finish()
    }
}

fn norm(v: &Option<String>) -> Option<String> {
    v.as_deref().map(|s| s.trim().to_ascii_lowercase())
}

impl Mappings {
    /// Reads a mapping file.
    pub fn from_toml(text: &str) -> Result<Mappings, MappingError> {
        let def: FileDef = toml::from_str(text)?;
        let mut routes = Vec::with_capacity(def.route.len());
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for r in def.route {
            if by_name.contains_key(&r.name) {
                return Err(MappingError::DuplicateRoute(r.name));
            }
            if r.formats.is_empty() {
                return Err(MappingError::NoFormats(r.name));
            }
            let mut formats = Vec::with_capacity(r.formats.len());
            for f in &r.formats {
                formats.push(LogFormat::from_name(f).ok_or_else(|| {
                    MappingError::UnknownFormat {
                        route: r.name.clone(),
                        format: f.clone(),
                    }
                })?);
            }
            let when = r
                .when
                .into_iter()
                .map(|(field, vals)| {
                    let pats = vals
                        .into_iter()
                        .map(|v| match v {
                            Scalar::Int(i) => Wildcard::new(&i.to_string(), false),
                            Scalar::Str(s) => Wildcard::new(&lower(&s), false),
                        })
                        .collect();
                    (field, pats)
                })
                .collect();
            let aliases = r
                .fields
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            by_name.insert(r.name.clone(), routes.len());
            routes.push(Route {
                name: r.name,
                formats,
                when,
                aliases,
            });
        }
        let mut sources = Vec::with_capacity(def.logsource.len());
        for (entry, s) in def.logsource.into_iter().enumerate() {
            if s.product.is_none() && s.category.is_none() && s.service.is_none() {
                return Err(MappingError::EmptyLogsource(entry));
            }
            let mut ids = Vec::with_capacity(s.routes.len());
            for r in &s.routes {
                ids.push(*by_name.get(r).ok_or_else(|| MappingError::UnknownRoute {
                    entry,
                    route: r.clone(),
                })?);
            }
            sources.push(SourceEntry {
                product: norm(&s.product),
                category: norm(&s.category),
                service: norm(&s.service),
                routes: ids,
            });
        }
        Ok(Mappings { routes, sources })
    }

    /// The shipped mappings.
    pub fn shipped() -> Mappings {
        // The shipped file is checked by a unit test; an error here would be a build defect.
        Mappings::from_toml(SHIPPED_MAPPINGS).unwrap_or(Mappings {
            routes: Vec::new(),
            sources: Vec::new(),
        })
    }

    /// The routes for a rule's logsource: entries setting exactly the same
    /// keys to the same values (case-insensitive).
    pub(crate) fn routes_for(&self, ls: &LogSource) -> Vec<usize> {
        let (p, c, s) = (norm(&ls.product), norm(&ls.category), norm(&ls.service));
        let mut out: Vec<usize> = Vec::new();
        for e in &self.sources {
            if e.product == p && e.category == c && e.service == s {
                for r in &e.routes {
                    if !out.contains(r) {
                        out.push(*r);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::{EventSource, Fields};

    fn ev(format: LogFormat, fields: &[(&str, Value)]) -> Event {
        Event {
            source: EventSource {
                path: "t".into(),
                record_id: None,
                line: None,
            },
            format,
            time: None,
            fields: fields.iter().cloned().collect::<Fields>(),
        }
    }

    fn ls(p: Option<&str>, c: Option<&str>, s: Option<&str>) -> LogSource {
        LogSource {
            product: p.map(Into::into),
            category: c.map(Into::into),
            service: s.map(Into::into),
        }
    }

    #[test]
    fn shipped_file_parses_and_routes() {
        let m = Mappings::from_toml(SHIPPED_MAPPINGS).unwrap();
        let names = |ids: Vec<usize>| -> Vec<String> {
            ids.into_iter().map(|i| m.routes[i].name.clone()).collect()
        };
        assert_eq!(
            names(m.routes_for(&ls(Some("windows"), Some("process_creation"), None))),
            ["sysmon-1", "security-4688"]
        );
        assert_eq!(
            names(m.routes_for(&ls(Some("Windows"), None, Some("MSSQL")))),
            ["mssql-application", "mssql-errorlog"]
        );
        assert_eq!(
            names(m.routes_for(&ls(None, Some("webserver"), None))),
            ["web-access", "net-http"]
        );
        assert_eq!(
            names(m.routes_for(&ls(Some("zeek"), None, Some("http")))),
            ["zeek-http"]
        );
        assert!(m
            .routes_for(&ls(Some("linux"), None, Some("syslog")))
            .is_empty());
        assert!(m.routes_for(&ls(Some("aws"), None, None)).is_empty());
        let mut buf = String::new();
        let sql = &m.routes[m.routes_for(&ls(Some("windows"), None, Some("mssql")))[0]];
        let e = ev(
            LogFormat::Evtx,
            &[
                ("Channel", "application".into()),
                ("Provider_Name", "MSSQL$SQLEXPRESS".into()),
            ],
        );
        assert!(sql.applies(&e, &mut buf));
        let e = ev(
            LogFormat::Evtx,
            &[
                ("Channel", "Application".into()),
                ("Provider_Name", "Office".into()),
            ],
        );
        assert!(!sql.applies(&e, &mut buf));
        let sysmon1 =
            &m.routes[m.routes_for(&ls(Some("windows"), Some("process_creation"), None))[0]];
        let e = ev(
            LogFormat::Evtx,
            &[
                ("Channel", "Microsoft-Windows-Sysmon/Operational".into()),
                ("EventID", Value::Int(1)),
            ],
        );
        assert!(sysmon1.applies(&e, &mut buf));
        let mut e2 = e.clone();
        e2.format = LogFormat::W3c;
        assert!(!sysmon1.applies(&e2, &mut buf));
        let e = ev(
            LogFormat::Evtx,
            &[
                ("Channel", "Microsoft-Windows-Sysmon/Operational".into()),
                ("EventID", "11".into()),
            ],
        );
        assert!(!sysmon1.applies(&e, &mut buf));
        assert_eq!(
            sysmon1.exact_channels().unwrap(),
            ["microsoft-windows-sysmon/operational"]
        );
        let execve = m.routes.iter().find(|r| r.name == "auditd-execve").unwrap();
        let e = ev(
            LogFormat::Auditd,
            &[("type", Value::List(vec!["SYSCALL".into(), "EXECVE".into()]))],
        );
        assert!(execve.applies(&e, &mut buf));
        let s4688 = m.routes.iter().find(|r| r.name == "security-4688").unwrap();
        assert_eq!(s4688.event_field("image", "Image"), "NewProcessName");
        assert_eq!(
            s4688.event_field("commandline", "CommandLine"),
            "CommandLine"
        );
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(matches!(
            Mappings::from_toml("[[route]]\nname = 1"),
            Err(MappingError::Toml(_))
        ));
        let bad_format = "[[route]]\nname = \"a\"\nformats = [\"nope\"]";
        assert!(matches!(
            Mappings::from_toml(bad_format),
            Err(MappingError::UnknownFormat { .. })
        ));
        let unknown = "[[logsource]]\nproduct = \"x\"\nroutes = [\"r\"]";
        assert!(matches!(
            Mappings::from_toml(unknown),
            Err(MappingError::UnknownRoute { .. })
        ));
        let dup = "[[route]]\nname = \"a\"\nformats = [\"evtx\"]\n[[route]]\nname = \"a\"\nformats = [\"evtx\"]";
        assert!(matches!(
            Mappings::from_toml(dup),
            Err(MappingError::DuplicateRoute(_))
        ));
    }
}
