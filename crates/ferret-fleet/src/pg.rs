//! PostgreSQL helpers shared by ingest and report: connecting (the
//! connection task spawned on the current runtime), and turning finding text
//! into what the database accepts.

use crate::FleetError;
use ferret_core::{Escaped, Timestamp};

/// Connects to `url` without TLS and spawns the connection task.
pub(crate) async fn connect(url: &str) -> Result<tokio_postgres::Client, FleetError> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| FleetError::db(format!("connecting to {}", redact(url)), &e))?;
    tokio::spawn(async move {
        // A broken connection shows as errors on the client's next query.
        let _ = conn.await;
    });
    Ok(client)
}

/// `url` with any password replaced, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Microseconds since the epoch of an RFC 3339 time, when it is one.
pub(crate) fn micros(rfc3339: &str) -> Option<i64> {
    Timestamp::parse_rfc3339(rfc3339).map(|t| t.unix_micros())
}

/// SQL turning a microseconds parameter into `timestamptz`.
pub(crate) fn ts_from_micros(param: &str) -> String {
    format!("(timestamptz 'epoch' + {param} * interval '1 microsecond')")
}

/// Text read from the database, made safe to print: control and invisible
/// characters escaped, backslashes (already escaping) kept.
pub(crate) fn printable(s: &str) -> String {
    // `Escaped`'s deserializer is the crate's one escape for already-escaped text.
    serde_json::from_value::<Escaped>(serde_json::Value::String(s.to_owned()))
        .map(|e| e.as_str().to_owned())
        .unwrap_or_default()
}

/// True when any string in `v` (keys included) holds NUL, which PostgreSQL
/// text and jsonb refuse.
pub(crate) fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(a) => a.iter().any(has_nul),
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// A content hash worth joining hosts on: 64 hex digits, lowercased.
pub(crate) fn sha256_key(s: Option<&str>) -> Option<String> {
    let s = s?;
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(printable("a\u{1b}[2J\\x41"), "a\\x1b[2J\\x41");
        assert!(micros("2026-02-30T00:00:00Z").is_none());
        assert_eq!(micros("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert!(has_nul(&serde_json::json!({"a": ["x\u{0}"]})));
        assert!(!has_nul(&serde_json::json!({"a": ["x"]})));
        assert_eq!(sha256_key(Some(&"AB".repeat(32))), Some("ab".repeat(32)));
        assert_eq!(sha256_key(Some("xyz")), None);
    }
}
