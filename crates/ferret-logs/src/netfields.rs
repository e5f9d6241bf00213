//! Field building shared by the network sources (packet captures and Zeek
//! logs): Zeek's connection-id names, and the canonical web-request names of
//! [`webfields`](crate::webfields) derived from Zeek's `http` names, so
//! `category: webserver`/`proxy` rules and the web-log analyzer read HTTP from
//! captures and Zeek logs as they read W3C and combined logs.

use crate::webfields::{WebField, WebRequest};
use ferret_core::{Fields, Value};
use std::net::IpAddr;

/// Zeek's `_path` for HTTP transactions.
pub const HTTP: &str = "http";
/// Zeek's `_path` for connections.
pub const CONN: &str = "conn";
/// Zeek's `_path` for file transfers.
pub const FILES: &str = "files";

/// Where each canonical name comes from: the Zeek `http` field (or, for
/// `cs-cookie`, the capture's `Cookie` header).
const WEB_SOURCES: [(&str, WebField); 14] = [
    ("method", WebField::Method),
    ("uri", WebField::Uri),
    ("status_code", WebField::Status),
    ("id.orig_h", WebField::ClientIp),
    ("id.resp_h", WebField::ServerIp),
    ("id.resp_p", WebField::ServerPort),
    ("host", WebField::Host),
    ("user_agent", WebField::UserAgent),
    ("referrer", WebField::Referer),
    ("request_body_len", WebField::BytesReceived),
    ("response_body_len", WebField::BytesSent),
    ("request_header.cookie", WebField::Cookie),
    ("username", WebField::Username),
    ("cookie", WebField::Cookie),
];

/// Pushes Zeek's connection-id fields: `id.orig_h`, `id.orig_p`,
/// `id.resp_h`, `id.resp_p` (addresses as text, ports as Int).
pub fn push_conn_id(fields: &mut Fields, orig: (IpAddr, u16), resp: (IpAddr, u16)) {
    fields.push("id.orig_h", orig.0.to_string());
    fields.push("id.orig_p", i64::from(orig.1));
    fields.push("id.resp_h", resp.0.to_string());
    fields.push("id.resp_p", i64::from(resp.1));
}

/// Adds the canonical web-request names (`cs-method`, `cs-uri-stem`,
/// `cs-uri-query`, `cs-uri`, `sc-status`, `c-ip`, `s-ip`, `s-port`, `cs-host`,
/// `cs-user-agent`, `cs-referer`, `cs-bytes`, `sc-bytes`, `cs-cookie`,
/// `cs-username`) derived from the Zeek `http` fields already in `fields`.
/// `cs-bytes`/`sc-bytes` are the body lengths (Zeek does not count headers);
/// `cs-uri-stem` is `uri` before the first `?`, `cs-uri-query` after it.
/// Zeek's unset (`-`) and empty values give no canonical field.
pub fn add_web_names(fields: &mut Fields) {
    let mut request = WebRequest::new();
    for (source, field) in WEB_SOURCES {
        match fields.get(source) {
            None | Some(Value::Null) | Some(Value::List(_)) => {}
            Some(value) => request.set(field, &value.as_text()),
        }
    }
    request.write_to(fields);
}

pub use ferret_core::entropy;

/// `n` as an [`i64`] field value, saturating (counters never reach it).
pub fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_names_from_zeek_http_fields() {
        let mut f = Fields::new();
        f.push("_path", "http");
        push_conn_id(
            &mut f,
            ("10.0.0.5".parse().unwrap(), 51000),
            ("192.168.1.10".parse().unwrap(), 80),
        );
        f.push("method", "POST");
        f.push("host", "shop.example");
        f.push("uri", "/uploads/x.php?c=id&d=1");
        f.push("referrer", "-");
        f.push("user_agent", "curl/8.0");
        f.push("request_body_len", 42i64);
        f.push("response_body_len", 7i64);
        f.push("status_code", 200i64);
        f.push("tags", Value::List(vec![]));
        add_web_names(&mut f);
        assert_eq!(f.text("cs-method").as_deref(), Some("POST"));
        assert_eq!(f.text("cs-uri-stem").as_deref(), Some("/uploads/x.php"));
        assert_eq!(f.text("cs-uri-query").as_deref(), Some("c=id&d=1"));
        assert_eq!(f.text("cs-uri").as_deref(), Some("/uploads/x.php?c=id&d=1"));
        assert_eq!(f.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(f.get("cs-bytes"), Some(&Value::Int(42)));
        assert_eq!(f.get("sc-bytes"), Some(&Value::Int(7)));
        assert_eq!(f.text("c-ip").as_deref(), Some("10.0.0.5"));
        assert_eq!(f.text("s-ip").as_deref(), Some("192.168.1.10"));
        assert_eq!(f.text("s-port").as_deref(), Some("80"));
        assert_eq!(f.text("cs-host").as_deref(), Some("shop.example"));
        assert_eq!(f.text("cs-user-agent").as_deref(), Some("curl/8.0"));
        assert_eq!(f.get("cs-referer"), None);
        assert_eq!(f.get("cs-cookie"), None);
    }
}
