//! IIS / W3C extended log format: `#Fields:` directives name the columns of
//! the lines after them (a file may hold several headers); values are
//! separated by spaces, `-` means absent, quoted values (`"a ""b"" c"`) are
//! unquoted.
//!
//! Every column is kept under its header name (values raw: `+` in
//! `cs(User-Agent)` stays), plus the canonical names of
//! [`webfields`](crate::webfields). `date` + `time` give the event time in
//! UTC (W3C times are UTC); without a `date` column the `#Date:` directive's
//! date is used; `date-local`/`time-local` (IIS Advanced Logging) are local
//! time without a zone and are taken as UTC; a `#GMT-Offset:` directive is
//! applied. Data lines before any `#Fields:` are read with the IIS default
//! field set when they have its 15 values, else reported as errors.
//! A line with more values than columns keeps the surplus in `extra`.

use crate::textlog::{self, Emitter, LineParser};
use crate::webfields::{WebField, WebRequest};
use crate::{ReadOptions, ReadStats, Sink};
use ferret_core::{Fields, LogFormat, Timestamp, Value};
use std::io::BufRead;
use std::ops::ControlFlow;

/// The columns IIS writes by default (IIS 7 and later).
pub const IIS_DEFAULT_FIELDS: [&str; 15] = [
    "date",
    "time",
    "s-ip",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "s-port",
    "cs-username",
    "c-ip",
    "cs(User-Agent)",
    "cs(Referer)",
    "sc-status",
    "sc-substatus",
    "sc-win32-status",
    "time-taken",
];

/// Most columns kept from one `#Fields:` line; more is not a log.
const MAX_COLUMNS: usize = 512;

/// Whether `head` (the first bytes of a file) looks like a W3C log: a
/// `#Software:`, `#Version:`, `#Date:` or `#Fields:` directive at the start of
/// a line.
pub fn looks_like(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.split(|&b| b == b'\n').take(32).any(|l| {
        [&b"#Software:"[..], b"#Version:", b"#Date:", b"#Fields:"]
            .iter()
            .any(|d| l.starts_with(d))
    })
}

/// Reads a W3C log from `r`, shown as `display`, handing events and errors to `sink`.
pub fn read<R: BufRead>(display: &str, r: R, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    textlog::run(display, r, opts, sink, &mut W3cParser::default())
}

/// One `#Fields:` column, with what it means worked out once.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    /// Whether no earlier column has this name (later ones are ignored).
    first: bool,
    /// Whether it holds the date or the time of the request.
    part: Option<TimePart>,
    /// The canonical field it fills.
    web: Option<WebField>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimePart {
    Date,
    Time,
}

/// The columns named by a `#Fields:` value (at most [`MAX_COLUMNS`]).
fn columns<'n>(names: impl Iterator<Item = &'n str>) -> Vec<Column> {
    let mut seen = std::collections::HashSet::new();
    names
        .take(MAX_COLUMNS)
        .map(|name| {
            let part = match name.to_ascii_lowercase().as_str() {
                "date" | "date-local" => Some(TimePart::Date),
                "time" | "time-local" => Some(TimePart::Time),
                _ => None,
            };
            Column {
                name: name.to_owned(),
                first: seen.insert(name.to_owned()),
                part,
                web: WebField::from_w3c(name),
            }
        })
        .collect()
}

#[derive(Default)]
struct W3cParser {
    /// The columns of the last `#Fields:` directive.
    columns: Option<Vec<Column>>,
    /// The date of the last `#Date:` / `#Start-Date:` directive.
    date: Option<String>,
    /// `#GMT-Offset:` in seconds east of UTC.
    offset_secs: i64,
}

impl W3cParser {
    fn directive(&mut self, text: &str) {
        let Some((name, value)) = text[1..].split_once(':') else {
            return;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "fields" => {
                self.columns = Some(columns(value.split_ascii_whitespace()));
            }
            "date" | "start-date" => {
                self.date = value
                    .split_ascii_whitespace()
                    .next()
                    .filter(|d| textlog::parse_ymd(d).is_some())
                    .map(str::to_owned);
            }
            "gmt-offset" => self.offset_secs = parse_offset(value).unwrap_or(0),
            _ => {}
        }
    }
}

impl LineParser for W3cParser {
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let text = String::from_utf8_lossy(text);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        if text.starts_with('#') {
            self.directive(text);
            return ControlFlow::Continue(());
        }
        if text.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        let values = split_values(text);
        let default_columns;
        let columns: &[Column] = match &self.columns {
            Some(c) => c,
            None if values.len() == IIS_DEFAULT_FIELDS.len() => {
                default_columns = columns(IIS_DEFAULT_FIELDS.into_iter());
                &default_columns
            }
            None => {
                return out.error(
                    no,
                    format!(
                        "data line before any #Fields: directive, with {} values (not the {} of the IIS default)",
                        values.len(),
                        IIS_DEFAULT_FIELDS.len()
                    ),
                )
            }
        };
        let mut fields = Fields::with_capacity(columns.len() + WebField::ALL.len());
        let mut request = WebRequest::new();
        let (mut date, mut time) = (None, None);
        for (column, value) in columns.iter().zip(&values) {
            let value = value.as_str();
            if value == "-" || value.is_empty() || !column.first {
                continue;
            }
            match column.part {
                Some(TimePart::Date) => date = Some(value),
                Some(TimePart::Time) => time = Some(value),
                None => {}
            }
            if let Some(field) = column.web {
                request.set(field, value);
            }
            // Names are unique (`first`), so no search for an earlier one.
            fields.push(column.name.as_str(), value);
        }
        if values.len() > columns.len() {
            let extra = values[columns.len()..]
                .iter()
                .map(|v| Value::Str(v.clone()))
                .collect();
            fields.insert("extra", Value::List(extra));
        }
        request.write_to(&mut fields);
        let date = date.or(self.date.as_deref());
        let time = match (date, time) {
            (Some(d), Some(t)) => textlog::date_time(d, t).and_then(|t| {
                t.unix_micros()
                    .checked_sub(self.offset_secs.checked_mul(1_000_000)?)
                    .map(Timestamp::from_unix_micros)
            }),
            _ => None,
        };
        out.event(LogFormat::W3c, no, time, fields)
    }

    fn finish(&mut self, _out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// `-0800` / `+05:30` as seconds east of UTC.
fn parse_offset(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => (1, s),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// Splits a data line on runs of spaces and tabs; a value starting with `"`
/// runs to the next lone `"` (`""` inside stands for one quote).
fn split_values(line: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c == ' ' || c == '\t' {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut v = String::new();
            while let Some((_, c)) = chars.next() {
                if c == '"' {
                    if chars.peek().map(|&(_, n)| n) == Some('"') {
                        chars.next();
                        v.push('"');
                    } else {
                        break;
                    }
                } else {
                    v.push(c);
                }
            }
            values.push(v);
            continue;
        }
        let mut end = line.len();
        while let Some(&(i, c)) = chars.peek() {
            if c == ' ' || c == '\t' {
                end = i;
                break;
            }
            chars.next();
        }
        values.push(line[start..end].to_owned());
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::textlog::testing::{self, errors, events, time};
    use crate::Item;

    fn read_all(data: &[u8], opts: &ReadOptions) -> (Vec<Item>, ReadStats) {
        testing::collect(|sink| read("t.log", data, opts, sink))
    }

    const TWO_HEADERS: &str = "#Software: Microsoft Internet Information Services 10.0\r\n\
#Version: 1.0\r\n\
#Date: 2023-05-01 00:00:01\r\n\
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n\
2023-05-01 08:15:02 10.0.0.5 POST /aspnet_client/system_web/shell.aspx cmd=whoami 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 31\r\n\
#Software: Microsoft Internet Information Services 10.0\r\n\
#Date: 2023-05-02 00:00:01\r\n\
#Fields: time c-ip cs-method cs-uri-stem sc-status cs-host\r\n\
09:00:00.250 198.51.100.7 GET /owa/auth/x.js 404 mail.example.com\r\n";

    #[test]
    fn columns_follow_each_header() {
        let (items, stats) = read_all(TWO_HEADERS.as_bytes(), &ReadOptions::default());
        assert_eq!(stats.events, 2);
        assert_eq!(stats.errors, 0);
        assert_eq!(stats.bytes, TWO_HEADERS.len() as u64);
        let ev = events(&items);
        let a = &ev[0].fields;
        assert_eq!(ev[0].source.line, Some(5));
        assert_eq!(ev[0].format, LogFormat::W3c);
        assert_eq!(time(ev[0]).as_deref(), Some("2023-05-01T08:15:02.000000Z"));
        assert_eq!(
            a.text("cs-uri-stem").as_deref(),
            Some("/aspnet_client/system_web/shell.aspx")
        );
        assert_eq!(
            a.text("cs-uri").as_deref(),
            Some("/aspnet_client/system_web/shell.aspx?cmd=whoami")
        );
        assert_eq!(
            a.text("cs(User-Agent)").as_deref(),
            Some("Mozilla/5.0+(Windows+NT+10.0)")
        );
        assert_eq!(
            a.text("cs-user-agent").as_deref(),
            Some("Mozilla/5.0+(Windows+NT+10.0)")
        );
        assert_eq!(a.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(a.get("time-taken"), Some(&Value::Int(31)));
        assert_eq!(a.text("s-port").as_deref(), Some("443"));
        assert_eq!(a.get("cs-username"), None);
        assert_eq!(a.get("cs(Referer)"), None);
        let b = &ev[1].fields;
        assert_eq!(ev[1].source.line, Some(9));
        assert_eq!(time(ev[1]).as_deref(), Some("2023-05-02T09:00:00.250000Z"));
        assert_eq!(b.text("cs-host").as_deref(), Some("mail.example.com"));
        assert_eq!(b.get("sc-status"), Some(&Value::Int(404)));
        assert_eq!(b.get("s-ip"), None);
    }

    #[test]
    fn headerless_lines_use_the_iis_default_or_fail() {
        let data = b"2023-05-01 08:15:02 10.0.0.5 GET /a.aspx - 80 - 203.0.113.9 UA - 200 0 0 5\n\
2023-05-01 08:15:02 10.0.0.5 GET /short\n";
        let (items, stats) = read_all(data, &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (1, 1));
        let ev = events(&items);
        assert_eq!(ev[0].fields.text("c-ip").as_deref(), Some("203.0.113.9"));
        assert_eq!(errors(&items)[0].line, Some(2));
    }

    #[test]
    fn quoted_values_offsets_and_surplus() {
        let data = "#GMT-Offset: -0800\n#Fields: date time cs-uri sc-status cs(User-Agent)\n\
\"2001-10-31\" 00:00:18 /a?b=1 200 \"Mozilla/4.5 [en] \"\"q\"\"\" surplus\n";
        let (items, stats) = read_all(data.as_bytes(), &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (1, 0));
        let e = events(&items)[0];
        assert_eq!(time(e).as_deref(), Some("2001-10-31T08:00:18.000000Z"));
        assert_eq!(
            e.fields.text("cs-user-agent").as_deref(),
            Some("Mozilla/4.5 [en] \"q\"")
        );
        assert_eq!(e.fields.text("cs-uri-stem").as_deref(), Some("/a"));
        assert_eq!(e.fields.text("cs-uri-query").as_deref(), Some("b=1"));
        assert_eq!(e.fields.text("extra").as_deref(), Some("surplus"));
    }

    #[test]
    fn long_invalid_truncated_and_empty_input() {
        let long = "x".repeat(300);
        let data = format!(
            "#Fields: date time cs-uri-stem\n2020-01-01 00:00:00 /{long}\n2020-01-01 00:00:01 /\u{fffd}\n2020-01-01 00:00:02 /cut"
        )
        .into_bytes();
        let mut data = data;
        let pos = data
            .windows(3)
            .position(|w| w == "\u{fffd}".as_bytes())
            .unwrap();
        data.splice(pos..pos + 3, [0xff]);
        let opts = ReadOptions {
            max_line: 100,
            ..ReadOptions::default()
        };
        let (items, stats) = read_all(&data, &opts);
        assert_eq!((stats.events, stats.errors), (2, 1));
        match &items[0] {
            Item::Error(e) => {
                assert_eq!(e.line, Some(2));
                assert_eq!(e.message, "line 2 longer than 100 bytes, skipped");
            }
            other => panic!("expected an error, got {other:?}"),
        }
        let ev = events(&items);
        assert_eq!(
            ev[0].fields.text("cs-uri-stem").as_deref(),
            Some("/\u{fffd}")
        );
        assert_eq!(ev[1].fields.text("cs-uri-stem").as_deref(), Some("/cut"));
        assert_eq!(ev[1].source.line, Some(4));
        let (items, stats) = read_all(b"", &ReadOptions::default());
        assert!(items.is_empty());
        assert_eq!(stats, ReadStats::default());
    }

    #[test]
    fn stops_when_the_sink_says_so() {
        let mut n = 0;
        let data = "#Fields: time\n00:00:01\n00:00:02\n00:00:03\n";
        let stats = read("t", data.as_bytes(), &ReadOptions::default(), &mut |_| {
            n += 1;
            ControlFlow::Break(())
        });
        assert_eq!(n, 1);
        assert_eq!(stats.events, 1);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like(
            b"\xEF\xBB\xBF#Software: Microsoft IIS\r\n#Version: 1.0\r\n"
        ));
        assert!(looks_like(b"#Fields: date time\n"));
        assert!(!looks_like(
            b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n"
        ));
    }
}
