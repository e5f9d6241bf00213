//! Canonical web-request field names shared by the W3C and combined readers,
//! so rules and the web-log analyzer read one set of names whatever the
//! server wrote (`cs-uri-stem`, `sc-status`, `c-ip`, `cs-user-agent`...).

use ferret_core::{Fields, Value};

/// One canonical web-request field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebField {
    /// `cs-method`: the HTTP method.
    Method,
    /// `cs-uri-stem`: the path, without the query.
    UriStem,
    /// `cs-uri-query`: the query, without the `?`.
    UriQuery,
    /// `cs-uri`: stem, plus `?` and the query when there is one.
    Uri,
    /// `sc-status`: the HTTP status (Int).
    Status,
    /// `sc-substatus`: the IIS substatus.
    Substatus,
    /// `c-ip`: the client address.
    ClientIp,
    /// `cs-user-agent`: the User-Agent header, as logged.
    UserAgent,
    /// `cs-referer`: the Referer header.
    Referer,
    /// `cs-host`: the Host header.
    Host,
    /// `sc-bytes`: bytes sent to the client (Int).
    BytesSent,
    /// `cs-bytes`: bytes received from the client (Int).
    BytesReceived,
    /// `cs-username`: the authenticated user.
    Username,
    /// `time-taken`: the time the request took, as logged (Int).
    TimeTaken,
    /// `s-ip`: the server address.
    ServerIp,
    /// `s-port`: the server port.
    ServerPort,
    /// `cs-cookie`: the Cookie header.
    Cookie,
}

impl WebField {
    /// Every canonical field, in output order.
    pub const ALL: [WebField; 17] = [
        WebField::Method,
        WebField::UriStem,
        WebField::UriQuery,
        WebField::Uri,
        WebField::Status,
        WebField::Substatus,
        WebField::ClientIp,
        WebField::UserAgent,
        WebField::Referer,
        WebField::Host,
        WebField::BytesSent,
        WebField::BytesReceived,
        WebField::Username,
        WebField::TimeTaken,
        WebField::ServerIp,
        WebField::ServerPort,
        WebField::Cookie,
    ];

    /// The field's name in events.
    pub fn name(self) -> &'static str {
        match self {
            WebField::Method => "cs-method",
            WebField::UriStem => "cs-uri-stem",
            WebField::UriQuery => "cs-uri-query",
            WebField::Uri => "cs-uri",
            WebField::Status => "sc-status",
            WebField::Substatus => "sc-substatus",
            WebField::ClientIp => "c-ip",
            WebField::UserAgent => "cs-user-agent",
            WebField::Referer => "cs-referer",
            WebField::Host => "cs-host",
            WebField::BytesSent => "sc-bytes",
            WebField::BytesReceived => "cs-bytes",
            WebField::Username => "cs-username",
            WebField::TimeTaken => "time-taken",
            WebField::ServerIp => "s-ip",
            WebField::ServerPort => "s-port",
            WebField::Cookie => "cs-cookie",
        }
    }

    /// Whether the value is stored as an integer when it is one.
    pub fn is_int(self) -> bool {
        matches!(
            self,
            WebField::Status | WebField::BytesSent | WebField::BytesReceived | WebField::TimeTaken
        )
    }

    /// The canonical field a W3C `#Fields:` column name fills (ASCII case
    /// ignored), covering IIS, IIS Advanced Logging and other W3C writers.
    pub fn from_w3c(column: &str) -> Option<WebField> {
        const NAMES: [(&str, WebField); 23] = [
            ("cs-method", WebField::Method),
            ("cs-uri-stem", WebField::UriStem),
            ("cs-uri-query", WebField::UriQuery),
            ("cs-uri", WebField::Uri),
            ("sc-status", WebField::Status),
            ("sc-substatus", WebField::Substatus),
            ("c-ip", WebField::ClientIp),
            ("cs(user-agent)", WebField::UserAgent),
            ("cs(referer)", WebField::Referer),
            ("cs(referrer)", WebField::Referer),
            ("cs(host)", WebField::Host),
            ("sc-bytes", WebField::BytesSent),
            ("bytes", WebField::BytesSent),
            ("cs-bytes", WebField::BytesReceived),
            ("cs-username", WebField::Username),
            ("c-auth-id", WebField::Username),
            ("time-taken", WebField::TimeTaken),
            ("timetakenms", WebField::TimeTaken),
            ("s-ip", WebField::ServerIp),
            ("s-port", WebField::ServerPort),
            ("cs-host", WebField::Host),
            ("cs(cookie)", WebField::Cookie),
            ("cs-cookie", WebField::Cookie),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(column))
            .map(|(_, f)| *f)
    }
}

/// The canonical fields of one request, filled from whatever the log had.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebRequest {
    values: [Option<String>; WebField::ALL.len()],
}

impl WebRequest {
    /// No fields yet.
    pub fn new() -> WebRequest {
        WebRequest::default()
    }

    /// Sets `field` unless it already has a value (the first writer wins);
    /// absent markers (`-` and the empty string) are ignored.
    pub fn set(&mut self, field: WebField, value: &str) {
        if value.is_empty() || value == "-" {
            return;
        }
        let slot = &mut self.values[field as usize];
        if slot.is_none() {
            *slot = Some(value.to_owned());
        }
    }

    /// The value of `field`, if set.
    pub fn get(&self, field: WebField) -> Option<&str> {
        self.values[field as usize].as_deref()
    }

    /// Fills the gaps one field implies in others: stem and query from a full
    /// URI, the full URI from stem and query.
    fn complete(&mut self) {
        if let Some(uri) = self.get(WebField::Uri).map(str::to_owned) {
            match uri.split_once('?') {
                Some((stem, query)) => {
                    self.set(WebField::UriStem, stem);
                    self.set(WebField::UriQuery, query);
                }
                None => self.set(WebField::UriStem, &uri),
            }
        }
        if self.get(WebField::Uri).is_none() {
            if let Some(stem) = self.get(WebField::UriStem) {
                let uri = match self.get(WebField::UriQuery) {
                    Some(q) => format!("{stem}?{q}"),
                    None => stem.to_owned(),
                };
                self.set(WebField::Uri, &uri);
            }
        }
    }

    /// Writes the canonical fields into `fields` (replacing same-named raw
    /// columns, so `sc-status` becomes an Int); integers as [`Value::Int`]
    /// when they parse, else kept as text.
    pub fn write_to(mut self, fields: &mut Fields) {
        self.complete();
        for field in WebField::ALL {
            let Some(v) = self.values[field as usize].take() else {
                continue;
            };
            let value = match v.parse::<i64>() {
                Ok(i) if field.is_int() => Value::Int(i),
                _ => Value::Str(v),
            };
            fields.insert(field.name(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_parts_fill_each_other() {
        let mut r = WebRequest::new();
        r.set(WebField::Uri, "/a.aspx?cmd=whoami");
        r.set(WebField::Status, "200");
        r.set(WebField::BytesSent, "12x");
        r.set(WebField::Referer, "-");
        let mut f = Fields::new();
        r.write_to(&mut f);
        assert_eq!(f.text("cs-uri-stem").as_deref(), Some("/a.aspx"));
        assert_eq!(f.text("cs-uri-query").as_deref(), Some("cmd=whoami"));
        assert_eq!(f.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(f.get("sc-bytes"), Some(&Value::from("12x")));
        assert_eq!(f.get("cs-referer"), None);

        let mut r = WebRequest::new();
        r.set(WebField::UriStem, "/x");
        r.set(WebField::UriQuery, "a=1");
        let mut f = Fields::new();
        r.write_to(&mut f);
        assert_eq!(f.text("cs-uri").as_deref(), Some("/x?a=1"));
        assert_eq!(
            WebField::from_w3c("cs(User-Agent)"),
            Some(WebField::UserAgent)
        );
        assert_eq!(WebField::from_w3c("s-sitename"), None);
    }
}
