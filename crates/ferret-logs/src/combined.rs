//! Apache / nginx / Tomcat access logs: common, combined and vhost_combined
//! (`host ident user [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200
//! 2326 "referer" "agent"`, an optional `vhost:port ` first, optional extra
//! fields after).
//!
//! Fields: the canonical names of [`webfields`](crate::webfields) (`c-ip`,
//! `cs-username`, `cs-method`, `cs-uri`, `cs-uri-stem`, `cs-uri-query`,
//! `sc-status`, `sc-bytes`, `cs-referer`, `cs-user-agent`, `s-port`), plus
//! `request` (the raw request line), `protocol`, `vhost` and `extra` (a list
//! of the values after the user agent) when present. Values are kept as
//! logged: Apache's `\"` and `\xhh` escapes are not undone. A request that is
//! not `METHOD URI [PROTOCOL]` (TLS bytes, `-`) is kept only as `request`.
//! The time's offset is applied, giving UTC.

use crate::textlog::{self, Emitter, LineParser};
use crate::webfields::{WebField, WebRequest};
use crate::{ReadOptions, ReadStats, Sink};
use ferret_core::{Fields, LogFormat, Timestamp, Value};
use std::io::BufRead;
use std::ops::ControlFlow;

/// Whether `head` (the first bytes of a file) looks like an access log: the
/// first of its first five non-blank lines and most of them parse.
pub fn looks_like(head: &[u8]) -> bool {
    textlog::most_lines(head, 5, |l| parse_line(&String::from_utf8_lossy(l)).is_ok())
}

/// Reads an access log from `r`, shown as `display`, handing events and
/// errors to `sink`.
pub fn read<R: BufRead>(display: &str, r: R, opts: &ReadOptions, sink: &mut Sink<'_>) -> ReadStats {
    textlog::run(display, r, opts, sink, &mut CombinedParser)
}

struct CombinedParser;

impl LineParser for CombinedParser {
    fn line(&mut self, out: &mut Emitter<'_, '_>, no: u64, text: &[u8]) -> ControlFlow<()> {
        let text = String::from_utf8_lossy(text);
        if text.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        match parse_line(&text) {
            Ok(access) => {
                let time = access.time;
                out.event(LogFormat::Combined, no, Some(time), access.into_fields())
            }
            Err(why) => out.error(no, format!("not an access log line: {why}")),
        }
    }

    fn finish(&mut self, _out: &mut Emitter<'_, '_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// One parsed access-log line, borrowing from the line.
#[derive(Debug)]
struct Access<'a> {
    vhost: Option<&'a str>,
    host: &'a str,
    user: &'a str,
    time: Timestamp,
    request: &'a str,
    status: &'a str,
    size: &'a str,
    referer: Option<&'a str>,
    agent: Option<&'a str>,
    extra: Vec<&'a str>,
}

impl Access<'_> {
    fn into_fields(self) -> Fields {
        let mut web = WebRequest::new();
        web.set(WebField::ClientIp, self.host);
        web.set(WebField::Username, self.user);
        web.set(WebField::Status, self.status);
        web.set(WebField::BytesSent, self.size);
        if let Some(r) = self.referer {
            web.set(WebField::Referer, r);
        }
        if let Some(a) = self.agent {
            web.set(WebField::UserAgent, a);
        }
        let mut fields = Fields::with_capacity(16);
        if let Some(v) = self.vhost {
            fields.insert("vhost", v);
            if let Some((_, port)) = v.rsplit_once(':') {
                if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
                    web.set(WebField::ServerPort, port);
                }
            }
        }
        if !self.request.is_empty() && self.request != "-" {
            fields.insert("request", self.request);
            if let Some((method, uri, protocol)) = split_request(self.request) {
                web.set(WebField::Method, method);
                web.set(WebField::Uri, uri);
                if let Some(p) = protocol {
                    fields.insert("protocol", p);
                }
            }
        }
        web.write_to(&mut fields);
        if !self.extra.is_empty() {
            let extra = self.extra.into_iter().map(Value::from).collect();
            fields.insert("extra", Value::List(extra));
        }
        fields
    }
}

/// `METHOD URI [PROTOCOL]` when the request has that shape (a method of
/// upper-case letters, `-` or `_`; a protocol starting `HTTP/`).
fn split_request(request: &str) -> Option<(&str, &str, Option<&str>)> {
    let mut parts = request.split(' ').filter(|p| !p.is_empty());
    let method = parts.next()?;
    let uri = parts.next()?;
    let protocol = parts.next();
    let method_ok = method
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
    let protocol_ok = match protocol {
        Some(p) => p.starts_with("HTTP/"),
        None => true,
    };
    (method_ok && protocol_ok && parts.next().is_none()).then_some((method, uri, protocol))
}

/// Parses one line; the error says which part did not fit.
fn parse_line(line: &str) -> Result<Access<'_>, &'static str> {
    let open = line.find('[').ok_or("no [time]")?;
    let prefix: Vec<&str> = line[..open].split_ascii_whitespace().collect();
    let (vhost, host, user) = match prefix.as_slice() {
        [host, _ident, user] => (None, *host, *user),
        [vhost, host, _ident, user] => (Some(*vhost), *host, *user),
        _ => return Err("expected `host ident user` before [time]"),
    };
    let close = open + line[open..].find(']').ok_or("no ] after the time")?;
    let time = parse_clf_time(&line[open + 1..close]).ok_or("bad [time]")?;
    let rest = line[close + 1..]
        .strip_prefix(" \"")
        .ok_or("no quoted request after [time]")?;
    let (request, after) = split_request_field(rest).ok_or("no `\"request\" status size`")?;
    let mut tail = after.strip_prefix(' ').unwrap_or(after).splitn(3, ' ');
    let status = tail.next().ok_or("no status")?;
    let size = tail.next().ok_or("no size")?;
    let mut referer = None;
    let mut agent = None;
    let mut extra = Vec::new();
    for (i, (v, quoted)) in quoted_values(tail.next().unwrap_or(""))
        .into_iter()
        .enumerate()
    {
        match i {
            0 if quoted => referer = Some(v),
            1 if quoted && referer.is_some() => agent = Some(v),
            _ => extra.push(v),
        }
    }
    Ok(Access {
        vhost,
        host,
        user,
        time,
        request,
        status,
        size,
        referer,
        agent,
        extra,
    })
}

/// Whether `s` (after a closing quote) starts ` STATUS SIZE` and then ends
/// or goes on after a space.
fn status_size_follows(s: &str) -> bool {
    let mut it = s.strip_prefix(' ').unwrap_or("").splitn(3, ' ');
    let status = it.next().unwrap_or("");
    let size = it.next().unwrap_or("");
    let status_ok =
        status == "-" || (status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()));
    let size_ok = size == "-" || (!size.is_empty() && size.bytes().all(|b| b.is_ascii_digit()));
    status_ok && size_ok
}

/// Splits `request" 200 123 ...` at the quote that ends the request: the
/// first unescaped `"` followed by a status and a size (so a raw quote inside
/// a Tomcat request does not end it early).
fn split_request_field(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' && backslashes & 1 == 0 && status_size_follows(&s[i + 1..]) {
            return Some((&s[..i], &s[i + 1..]));
        }
        backslashes = if b == b'\\' { backslashes + 1 } else { 0 };
    }
    None
}

/// The values after the size: `"quoted"` (to an unescaped quote followed by
/// a space or the end) or bare words; each with whether it was quoted.
fn quoted_values(s: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(body) = rest.strip_prefix('"') {
            let bytes = body.as_bytes();
            let mut backslashes = 0usize;
            let mut end = None;
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'"'
                    && backslashes & 1 == 0
                    && matches!(bytes.get(i + 1), None | Some(b' '))
                {
                    end = Some(i);
                    break;
                }
                backslashes = if b == b'\\' { backslashes + 1 } else { 0 };
            }
            match end {
                Some(i) => {
                    out.push((&body[..i], true));
                    rest = body[i + 1..].trim_start();
                }
                None => {
                    out.push((body, true));
                    rest = "";
                }
            }
        } else {
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            out.push((&rest[..end], false));
            rest = rest[end..].trim_start();
        }
    }
    out
}

/// `10/Oct/2000:13:55:36 -0700` (a fraction after the seconds allowed) in UTC.
fn parse_clf_time(s: &str) -> Option<Timestamp> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (stamp, zone) = s.trim().split_once(' ')?;
    let mut date = stamp.splitn(3, '/');
    let day: u32 = digits(date.next()?)?;
    let month_name = date.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as u32
        + 1;
    let (year, clock) = date.next()?.split_once(':')?;
    let year: u32 = digits(year)?;
    let (h, m, sec, us) = textlog::parse_hms(clock)?;
    let t = Timestamp::from_civil(i64::from(year), month, day, h, m, sec, us)?;
    let zb = zone.as_bytes();
    if zb.len() != 5 || !matches!(zb[0], b'+' | b'-') {
        return None;
    }
    let zh: i64 = i64::from(digits::<u32>(&zone[1..3])?);
    let zm: i64 = i64::from(digits::<u32>(&zone[3..5])?);
    let off = (zh * 3600 + zm * 60) * if zb[0] == b'-' { -1 } else { 1 };
    Some(Timestamp::from_unix_micros(
        t.unix_micros().checked_sub(off * 1_000_000)?,
    ))
}

fn digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::textlog::testing::{self, errors, events, time};
    use crate::Item;

    fn read_all(data: &[u8], opts: &ReadOptions) -> (Vec<Item>, ReadStats) {
        testing::collect(|sink| read("access.log", data, opts, sink))
    }

    #[test]
    fn combined_common_vhost_and_garbage() {
        let data = concat!(
            "203.0.113.9 - admin [10/Oct/2000:13:55:36 -0700] \"GET /up/s.php?c=id HTTP/1.1\" 200 2326 \"http://x/\" \"curl/8.0 \\\"q\\\"\" \"-\" 0.003\n",
            "198.51.100.1 - - [20/Jul/2009:22:59:29 +0000] \"POST /x.jsp HTTP/1.0\" 404 -\n",
            "www.example.com:443 192.0.2.4 - - [01/Jan/2024:00:00:00 +0100] \"GET / HTTP/2.0\" 301 5 \"-\" \"Mozilla\"\n",
            "192.0.2.5 - - [11/Jul/2018:09:32:02 +0300] \"\\x16\\x03\\x01\" 400 -\n",
            "192.0.2.6 - - [11/Jul/2018:09:32:02 +0300] \"-\" 400 0 \"-\" \"-\"\n",
            "192.0.2.7 - - [11/Jul/2018:09:32:27 +0300] \"GET /a\"b.jsp \" 200 357\r\n",
            "garbage line\n",
            "192.0.2.8 [20/Jul/2009:22:59:29 +0000] \"GET / HTTP/1.0\" 200 1\n",
        );
        let (items, stats) = read_all(data.as_bytes(), &ReadOptions::default());
        assert_eq!((stats.events, stats.errors), (6, 2));
        let ev = events(&items);
        let a = &ev[0].fields;
        assert_eq!(ev[0].source.line, Some(1));
        assert_eq!(ev[0].format, LogFormat::Combined);
        assert_eq!(time(ev[0]).as_deref(), Some("2000-10-10T20:55:36.000000Z"));
        assert_eq!(a.text("c-ip").as_deref(), Some("203.0.113.9"));
        assert_eq!(a.text("cs-username").as_deref(), Some("admin"));
        assert_eq!(
            a.text("request").as_deref(),
            Some("GET /up/s.php?c=id HTTP/1.1")
        );
        assert_eq!(a.text("cs-method").as_deref(), Some("GET"));
        assert_eq!(a.text("cs-uri").as_deref(), Some("/up/s.php?c=id"));
        assert_eq!(a.text("cs-uri-stem").as_deref(), Some("/up/s.php"));
        assert_eq!(a.text("cs-uri-query").as_deref(), Some("c=id"));
        assert_eq!(a.text("protocol").as_deref(), Some("HTTP/1.1"));
        assert_eq!(a.get("sc-status"), Some(&Value::Int(200)));
        assert_eq!(a.get("sc-bytes"), Some(&Value::Int(2326)));
        assert_eq!(a.text("cs-referer").as_deref(), Some("http://x/"));
        assert_eq!(
            a.text("cs-user-agent").as_deref(),
            Some("curl/8.0 \\\"q\\\"")
        );
        assert_eq!(a.text("extra").as_deref(), Some("- 0.003"));
        assert_eq!(a.len(), 13);

        let b = &ev[1].fields;
        assert_eq!(b.get("sc-bytes"), None);
        assert_eq!(b.get("cs-user-agent"), None);
        assert_eq!(b.text("cs-method").as_deref(), Some("POST"));

        let c = &ev[2].fields;
        assert_eq!(time(ev[2]).as_deref(), Some("2023-12-31T23:00:00.000000Z"));
        assert_eq!(c.text("vhost").as_deref(), Some("www.example.com:443"));
        assert_eq!(c.text("s-port").as_deref(), Some("443"));
        assert_eq!(c.text("c-ip").as_deref(), Some("192.0.2.4"));
        assert_eq!(c.get("cs-referer"), None);

        let d = &ev[3].fields;
        assert_eq!(d.text("request").as_deref(), Some("\\x16\\x03\\x01"));
        assert_eq!(d.get("cs-method"), None);
        let e = &ev[4].fields;
        assert_eq!(e.get("request"), None);
        assert_eq!(e.get("sc-status"), Some(&Value::Int(400)));
        let f = &ev[5].fields;
        assert_eq!(f.text("request").as_deref(), Some("GET /a\"b.jsp "));
        assert_eq!(f.text("cs-uri").as_deref(), Some("/a\"b.jsp"));
        assert_eq!(ev[5].source.line, Some(6));

        let errs = errors(&items);
        assert_eq!(errs[0].line, Some(7));
        assert_eq!(errs[1].line, Some(8));
        assert!(
            errs[1].message.contains("host ident user"),
            "{}",
            errs[1].message
        );
    }

    #[test]
    fn long_invalid_truncated_and_empty_input() {
        let ok = "1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /a HTTP/1.1\" 200 1";
        let mut data = format!("{ok} \"{}\"\n", "A".repeat(500)).into_bytes();
        data.extend_from_slice(
            b"1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET /\xff HTTP/1.1\" 200 1\n",
        );
        data.extend_from_slice(ok.as_bytes());
        let opts = ReadOptions {
            max_line: 200,
            ..ReadOptions::default()
        };
        let (items, stats) = read_all(&data, &opts);
        assert_eq!((stats.events, stats.errors), (2, 1));
        assert_eq!(stats.bytes, data.len() as u64);
        assert_eq!(
            errors(&items)[0].message,
            "line 1 longer than 200 bytes, skipped"
        );
        let ev = events(&items);
        assert_eq!(ev[0].fields.text("cs-uri").as_deref(), Some("/\u{fffd}"));
        assert_eq!(ev[1].source.line, Some(3));
        let (items, stats) = read_all(b"", &ReadOptions::default());
        assert!(items.is_empty());
        assert_eq!(stats, ReadStats::default());
    }

    #[test]
    fn a_huge_line_costs_one_error() {
        use std::io::Read;
        let huge = std::io::repeat(b'x').take(64 << 20);
        let tail = &b"\n1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1\n"[..];
        let r = std::io::BufReader::new(huge.chain(tail));
        let (items, stats) = testing::collect(|sink| read("big", r, &ReadOptions::default(), sink));
        assert_eq!((stats.events, stats.errors), (1, 1));
        assert_eq!(stats.bytes, (64 << 20) + tail.len() as u64);
        assert_eq!(events(&items)[0].source.line, Some(2));
    }

    #[test]
    fn sniffing() {
        let line = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n";
        assert!(looks_like(line));
        assert!(!looks_like(b"#Fields: date time\n"));
        assert!(!looks_like(b"type=SYSCALL msg=audit(1.2:3): pid=1\n"));
        assert!(!looks_like(b""));
    }
}
