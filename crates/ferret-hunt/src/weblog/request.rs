//! One web request as the analysis sees it, read from an [`Event`]'s
//! canonical fields (`cs-method`, `cs-uri-stem`, `sc-status`, `c-ip`...).

use super::config::SpecialDir;
use super::shapes::{cut, percent_decode};
use ferret_core::{Event, LogFormat, Timestamp, Value};
use std::borrow::Cow;

/// The request method, as far as the signals care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// GET or HEAD: reading.
    Read,
    /// POST.
    Post,
    /// Anything else (PUT, OPTIONS, scanner junk) or not logged.
    Other,
}

impl Method {
    /// The method of a request line's verb (`None`: not logged).
    pub(crate) fn of(verb: Option<&str>) -> Method {
        match verb {
            Some(m) if m.eq_ignore_ascii_case("GET") || m.eq_ignore_ascii_case("HEAD") => {
                Method::Read
            }
            Some(m) if m.eq_ignore_ascii_case("POST") => Method::Post,
            _ => Method::Other,
        }
    }
}

/// The fields of one request the analysis uses.
#[derive(Debug, Clone)]
pub(crate) struct Request<'a> {
    /// The site key: Host header, else server address and port, else the log's directory.
    pub site: Cow<'a, str>,
    /// The URI stem: decoded, path parameters (`;jsessionid=`) cut, case-folded for IIS.
    pub uri: String,
    /// The raw query, without `?`, when there is one.
    pub query: Option<Cow<'a, str>>,
    pub method: Method,
    /// Whether the response was a success (2xx, or no status logged).
    pub ok: bool,
    /// The client address.
    pub client: Option<Cow<'a, str>>,
    /// Whether a Referer was logged for the request.
    pub has_referer: bool,
    /// Whether the Referer names a page other than the URI itself.
    pub referred_elsewhere: bool,
    /// Response size in bytes.
    pub bytes: Option<u64>,
    pub time: Option<Timestamp>,
}

/// A field's text, unless absent, empty or the `-` placeholder.
pub(crate) fn text<'e>(e: &'e Event, name: &str) -> Option<Cow<'e, str>> {
    e.fields
        .text(name)
        .filter(|t| !t.trim().is_empty() && t.trim() != "-")
}

/// The site an event belongs to.
fn site_of(e: &Event) -> Cow<'_, str> {
    if let Some(host) = text(e, "cs-host") {
        return Cow::Owned(host.trim().to_ascii_lowercase());
    }
    if let Some(ip) = text(e, "s-ip") {
        return match text(e, "s-port") {
            Some(port) => Cow::Owned(format!("{}:{}", ip.trim(), port.trim())),
            None => Cow::Owned(ip.trim().to_owned()),
        };
    }
    let path = e.source.path.as_str();
    match path.rfind(['/', '\\']) {
        Some(i) => Cow::Borrowed(&path[..i.max(1)]),
        None => Cow::Borrowed("."),
    }
}

impl<'a> Request<'a> {
    /// The request an event records, or `None` for non-web events and
    /// requests without a URI.
    pub(crate) fn from_event(e: &'a Event, max_uri_len: usize) -> Option<Request<'a>> {
        if !e.format.is_web() {
            return None;
        }
        let (stem, query) = match text(e, "cs-uri-stem") {
            Some(stem) => (stem, text(e, "cs-uri-query")),
            None => {
                let uri = text(e, "cs-uri")?;
                match uri {
                    Cow::Borrowed(u) => match u.split_once('?') {
                        Some((s, q)) => (Cow::Borrowed(s), Some(Cow::Borrowed(q))),
                        None => (Cow::Borrowed(u), None),
                    },
                    Cow::Owned(u) => match u.split_once('?') {
                        Some((s, q)) => (Cow::Owned(s.to_owned()), Some(Cow::Owned(q.to_owned()))),
                        None => (Cow::Owned(u.clone()), None),
                    },
                }
            }
        };
        let query = query.filter(|q| !q.is_empty());
        let stem = stem.split(';').next().unwrap_or_default();
        let mut uri = percent_decode(cut(stem, max_uri_len.saturating_mul(3)), false);
        uri.truncate(cut(&uri, max_uri_len).len());
        if e.format == LogFormat::W3c {
            uri.make_ascii_lowercase();
        }
        if uri.is_empty() {
            return None;
        }
        let method = Method::of(text(e, "cs-method").as_deref());
        let ok = match e.fields.get("sc-status").map(Value::as_i64) {
            None => true,
            Some(Some(s)) => (200..300).contains(&s),
            Some(None) => false,
        };
        let bytes = e
            .fields
            .get("sc-bytes")
            .and_then(Value::as_i64)
            .and_then(|b| u64::try_from(b).ok());
        let referer = text(e, "cs-referer");
        let referred_elsewhere = referer
            .as_deref()
            .is_some_and(|r| referer_path(r, e.format, max_uri_len) != uri);
        Some(Request {
            site: site_of(e),
            uri,
            query,
            method,
            ok,
            client: text(e, "c-ip"),
            has_referer: referer.is_some(),
            referred_elsewhere,
            bytes,
            time: e.time,
        })
    }
}

/// The path a Referer names, normalised like a URI stem (`http://h/a/b.php?x`
/// gives `/a/b.php`).
fn referer_path(referer: &str, format: LogFormat, max_uri_len: usize) -> String {
    let r = referer.trim().trim_matches('"');
    let after_scheme = match r.find("://") {
        Some(i) => {
            let rest = &r[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => r,
    };
    let path = after_scheme
        .split(['?', '#', ';'])
        .next()
        .unwrap_or_default();
    let mut p = percent_decode(cut(path, max_uri_len.saturating_mul(3)), false);
    p.truncate(cut(&p, max_uri_len).len());
    if format == LogFormat::W3c {
        p.make_ascii_lowercase();
    }
    p
}

/// Where a URI stands as a web-shell candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// The last path segment has a script extension.
    pub script: bool,
    /// Index of the special directory the URI is under, if any.
    pub special_dir: Option<usize>,
}

impl Candidate {
    /// Classifies `uri`; `None` when it is neither a script nor under a special directory.
    pub(crate) fn of(
        uri: &str,
        extensions: &[String],
        special_dirs: &[SpecialDir],
    ) -> Option<Candidate> {
        let name = uri.rsplit(['/', '\\']).next().unwrap_or(uri);
        let script = name.rsplit_once('.').is_some_and(|(_, ext)| {
            extensions
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext.trim_end()))
        });
        let special_dir = special_dirs.iter().position(|d| {
            let prefix = d.prefix.as_str();
            uri.len() >= prefix.len()
                && uri.is_char_boundary(prefix.len())
                && uri[..prefix.len()].eq_ignore_ascii_case(prefix)
        });
        (script || special_dir.is_some()).then_some(Candidate {
            script,
            special_dir,
        })
    }
}

/// The last path segment of a URI (the file name).
pub(crate) fn file_name(uri: &str) -> &str {
    uri.rsplit(['/', '\\']).next().unwrap_or(uri)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::{EventSource, Fields};

    fn event(format: LogFormat, fields: &[(&str, Value)]) -> Event {
        Event {
            source: EventSource {
                path: "/logs/site1/access.log".into(),
                record_id: None,
                line: Some(3),
            },
            format,
            time: None,
            fields: fields.iter().cloned().collect::<Fields>(),
        }
    }

    #[test]
    fn reads_canonical_fields() {
        let e = event(
            LogFormat::W3c,
            &[
                ("cs-method", "POST".into()),
                ("cs-uri-stem", "/ASPNET_Client/x%2Easpx".into()),
                ("cs-uri-query", "-".into()),
                ("sc-status", Value::Int(200)),
                ("s-ip", "10.0.0.5".into()),
                ("s-port", "443".into()),
                ("c-ip", "198.51.100.7".into()),
                ("sc-bytes", Value::Int(512)),
            ],
        );
        let r = Request::from_event(&e, 2048).unwrap();
        assert_eq!(r.site, "10.0.0.5:443");
        assert_eq!(r.uri, "/aspnet_client/x.aspx");
        assert_eq!(r.query, None);
        assert_eq!(r.method, Method::Post);
        assert!(r.ok && !r.has_referer);
        assert_eq!(r.bytes, Some(512));
        assert_eq!(r.client.as_deref(), Some("198.51.100.7"));
    }

    #[test]
    fn combined_keeps_case_and_splits_the_uri() {
        let e = event(
            LogFormat::Combined,
            &[
                ("cs-method", "GET".into()),
                ("cs-uri", "/App/Shell.JSP;jsessionid=1?cmd=id".into()),
                ("sc-status", Value::Int(404)),
                ("cs-referer", "http://x/".into()),
            ],
        );
        let r = Request::from_event(&e, 2048).unwrap();
        assert_eq!(r.site, "/logs/site1");
        assert_eq!(r.uri, "/App/Shell.JSP");
        assert_eq!(r.query.as_deref(), Some("cmd=id"));
        assert!(!r.ok && r.has_referer && r.referred_elsewhere);
        assert_eq!(
            referer_path("https://h.test/App/Shell.JSP?a=1", LogFormat::Combined, 64),
            "/App/Shell.JSP"
        );
        assert_eq!(referer_path("http://h.test", LogFormat::W3c, 64), "/");
        assert_eq!(
            referer_path("/A%2Fb.aspx#x", LogFormat::W3c, 64),
            "/a/b.aspx"
        );
        let exts = vec!["jsp".to_owned()];
        let c = Candidate::of(&r.uri, &exts, &[]).unwrap();
        assert!(c.script && c.special_dir.is_none());
        assert!(Candidate::of("/index.html", &exts, &[]).is_none());
        let dirs = vec![SpecialDir {
            prefix: "/owa/auth/".to_owned(),
            weight: 1.0,
        }];
        assert_eq!(
            Candidate::of("/OWA/auth/x.js", &exts, &dirs).map(|c| c.special_dir),
            Some(Some(0))
        );
        assert_eq!(file_name("/a/b/cmd.jsp"), "cmd.jsp");
    }

    #[test]
    fn non_web_and_empty_events_are_skipped() {
        assert!(Request::from_event(
            &event(LogFormat::Evtx, &[("cs-uri-stem", "/a.php".into())]),
            64
        )
        .is_none());
        assert!(
            Request::from_event(&event(LogFormat::W3c, &[("cs-method", "GET".into())]), 64)
                .is_none()
        );
        let long = format!("/{}é.php", "a".repeat(100));
        let e = event(
            LogFormat::Combined,
            &[("cs-uri-stem", long.as_str().into())],
        );
        let r = Request::from_event(&e, 20).unwrap();
        assert!(r.uri.len() <= 20);
    }
}
