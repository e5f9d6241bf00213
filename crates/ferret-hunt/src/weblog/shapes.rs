//! Parameter shapes: query-string patterns of known web shells and tunnels
//! (China Chopper `z0=`, `cmd=whoami`, Tunna `proxy&port=`, reGeorg
//! `cmd=connect&target=`), matched against a request's decoded query.

use super::config::WeblogError;
use crate::settings::{compile, weight};
use regex::Regex;
use serde::Deserialize;

/// Parameters of one query examined for shapes; the rest are ignored.
const MAX_PARAMS: usize = 64;

/// A shape as written in the settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShape {
    name: String,
    description: String,
    weight: f64,
    #[serde(default)]
    param: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    also_params: Vec<String>,
    #[serde(default)]
    single_param: bool,
}

/// A checked shape: every condition it sets must hold for a query to match.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// Short stable name (`tunna`, `command_param`).
    pub name: String,
    /// What it means, in words.
    pub description: String,
    /// The weight of the `param_shape` signal when this is the heaviest shape hit.
    pub weight: f64,
    param: Option<Regex>,
    value: Option<Regex>,
    query: Option<Regex>,
    /// Lowercase parameter names that must also be present.
    also_params: Vec<String>,
    single_param: bool,
}

impl Shape {
    /// Checks and compiles shape number `i`.
    pub(crate) fn compile(i: usize, raw: RawShape) -> Result<Shape, WeblogError> {
        let field = |k: &str| format!("shape[{i}].{k}");
        let name = raw.name.trim().to_owned();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(WeblogError::Invalid {
                field: field("name"),
                reason: "a non-empty name of letters, digits, '_' and '-'".into(),
            });
        }
        if raw.param.is_none() && raw.value.is_none() && raw.query.is_none() {
            return Err(WeblogError::Invalid {
                field: format!("shape[{i}]"),
                reason: "needs at least one of param, value, query".into(),
            });
        }
        let opt =
            |k: &str, p: &Option<String>| p.as_deref().map(|p| compile(&field(k), p)).transpose();
        Ok(Shape {
            weight: weight(&field("weight"), raw.weight)?,
            param: opt("param", &raw.param)?,
            value: opt("value", &raw.value)?,
            query: opt("query", &raw.query)?,
            also_params: raw
                .also_params
                .iter()
                .map(|p| p.trim().to_ascii_lowercase())
                .collect(),
            single_param: raw.single_param,
            description: raw.description,
            name,
        })
    }

    /// Whether the query matches this shape.
    pub(crate) fn matches(&self, q: &ParsedQuery) -> bool {
        if self.single_param && q.params.len() != 1 {
            return false;
        }
        if let Some(re) = &self.query {
            if !re.is_match(&q.decoded) {
                return false;
            }
        }
        if !self
            .also_params
            .iter()
            .all(|want| q.params.iter().any(|(n, _)| n.eq_ignore_ascii_case(want)))
        {
            return false;
        }
        if self.param.is_none() && self.value.is_none() {
            return true;
        }
        q.params.iter().any(|(n, v)| {
            self.param.as_ref().is_none_or(|re| re.is_match(n))
                && self.value.as_ref().is_none_or(|re| re.is_match(v))
        })
    }
}

/// A query string, percent-decoded: whole and split into parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedQuery {
    /// The whole query, decoded (`+` as space).
    pub decoded: String,
    /// (name, value) pairs in order, decoded; at most [`MAX_PARAMS`].
    pub params: Vec<(String, String)>,
}

impl ParsedQuery {
    /// Parses at most `max_len` bytes of `raw` (cut at a character boundary).
    pub(crate) fn parse(raw: &str, max_len: usize) -> ParsedQuery {
        let raw = cut(raw, max_len);
        let params = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .take(MAX_PARAMS)
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(n, true), percent_decode(v, true))
            })
            .collect();
        ParsedQuery {
            decoded: percent_decode(raw, true),
            params,
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Decodes `%XX` escapes (and `+` as a space when asked); malformed escapes
/// stay as written and invalid UTF-8 becomes U+FFFD.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    if !s.contains(['%', '+']) {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    b.get(i + 1).and_then(|&c| hex(c)),
                    b.get(i + 2).and_then(|&c| hex(c)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' if plus_as_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weblog::WeblogConfig;

    fn hits(query: &str) -> Vec<String> {
        let cfg = WeblogConfig::shipped();
        let q = ParsedQuery::parse(query, 8192);
        cfg.shapes
            .iter()
            .filter(|s| s.matches(&q))
            .map(|s| s.name.clone())
            .collect()
    }

    #[test]
    fn decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b+c%2", true), "a b c%2");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("%ff%zz", true), "\u{fffd}%zz");
        assert_eq!(cut("héllo", 2), "h");
        let q = ParsedQuery::parse("a=1&&b&c=x%3Dy", 100);
        assert_eq!(
            q.params,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "".into()),
                ("c".into(), "x=y".into())
            ]
        );
    }

    #[test]
    fn shell_shapes_match() {
        assert!(hits("proxy").contains(&"tunna".to_owned()));
        assert!(hits("proxy&port=3389&ip=127.0.0.1").contains(&"tunna".to_owned()));
        assert!(hits("cmd=connect&target=10.0.0.1&port=22").contains(&"regeorg".to_owned()));
        assert!(hits("z0=QGluaV9zZXQ&z1=Yw").contains(&"china_chopper".to_owned()));
        assert!(hits("cmd=whoami").contains(&"command_param".to_owned()));
        assert!(hits("cmd=net+user").contains(&"command_param".to_owned()));
        assert!(hits("c=cat%20/etc/passwd").contains(&"short_param_command".to_owned()));
        assert!(hits("q=x&f=cat /etc/passwd").contains(&"os_command".to_owned()));
        assert!(hits("a=FilesMan").contains(&"shell_action".to_owned()));
        assert!(
            hits("pw=@eval(base64_decode($_POST[z0]));").contains(&"short_param_code".to_owned())
        );
        let b64 =
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=";
        assert_eq!(
            hits(&format!("data={b64}")),
            vec!["base64_value".to_owned()]
        );
    }

    #[test]
    fn ordinary_queries_do_not_match() {
        for q in [
            "",
            "id=42&page=2",
            "q=cat+food&sort=price",
            "c=12&e=3",
            "action=view&id=7",
            "proxy=1",
            "cmdline=foo",
            "org.apache.catalina.filters.CSRF_NONCE=A0C7E9691A3A68A0EC67B208ADB6808A",
            "Source=nessus",
        ] {
            assert!(hits(q).is_empty(), "{q:?} matched {:?}", hits(q));
        }
        // A command parameter with another value is only the weak shape.
        assert_eq!(hits("cmd=login"), vec!["command_param_other".to_owned()]);
    }
}
