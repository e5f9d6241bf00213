//! Synthetic tests: each content and flow signal positive and negative,
//! benign browsing below medium, web-shell sessions at high, order
//! independence, merge equivalence and caps.

use super::*;
use base64::Engine;
use ferret_core::{EventSource, Fields, LogFormat, Value};

const T0: i64 = 1_700_000_000;
const HOUR: i64 = 3600;
const SERVER: &str = "10.0.0.5";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Deterministic pseudo-random bytes (xorshift).
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// One synthetic HTTP transaction.
#[derive(Clone)]
pub(super) struct H {
    secs: i64,
    client: String,
    server: String,
    port: i64,
    method: &'static str,
    uri: String,
    host: &'static str,
    status: i64,
    ua: String,
    req: Option<Vec<u8>>,
    resp: Option<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
}

pub(super) fn h(secs: i64, client: &str, method: &'static str, uri: &str) -> H {
    H {
        secs,
        client: client.to_owned(),
        server: SERVER.to_owned(),
        port: 80,
        method,
        uri: uri.to_owned(),
        host: "shop.example.test",
        status: 200,
        ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0".to_owned(),
        req: None,
        resp: Some(b"<html><body>ok</body></html>".to_vec()),
        headers: Vec::new(),
    }
}

impl H {
    fn body(mut self, b: impl Into<Vec<u8>>) -> H {
        self.req = Some(b.into());
        self
    }
    fn resp(mut self, b: impl Into<Vec<u8>>) -> H {
        self.resp = Some(b.into());
        self
    }
    fn header(mut self, name: &'static str, v: &str) -> H {
        self.headers.push((name, v.to_owned()));
        self
    }
    fn ua(mut self, ua: &str) -> H {
        self.ua = ua.to_owned();
        self
    }
    fn status(mut self, s: i64) -> H {
        self.status = s;
        self
    }
    fn server(mut self, ip: &str, port: i64) -> H {
        self.server = ip.to_owned();
        self.port = port;
        self
    }
}

/// One synthetic connection.
#[derive(Clone)]
pub(super) struct C {
    secs: f64,
    orig: String,
    resp: String,
    port: i64,
    proto: &'static str,
    duration: f64,
}

pub(super) fn c(secs: f64, orig: &str, resp: &str, port: i64, duration: f64) -> C {
    C {
        secs,
        orig: orig.to_owned(),
        resp: resp.to_owned(),
        port,
        proto: "tcp",
        duration,
    }
}

impl C {
    fn udp(mut self) -> C {
        self.proto = "udp";
        self
    }
}

fn body_fields(f: &mut Fields, prefix: &str, b: &[u8]) {
    f.push(
        format!("{prefix}_body"),
        String::from_utf8_lossy(b).into_owned(),
    );
    f.push(format!("{prefix}_body_len"), Value::Int(b.len() as i64));
    f.push(
        format!("{prefix}_body_entropy"),
        Value::Float(decode::entropy(b)),
    );
    f.push(format!("{prefix}_body_truncated"), Value::Bool(false));
}

pub(super) fn http_event(i: usize, q: &H, format: LogFormat) -> Event {
    let mut f = Fields::new();
    f.push("_path", "http");
    f.push("id.orig_h", q.client.as_str());
    f.push("id.orig_p", Value::Int(40000 + (i as i64 % 20000)));
    f.push("id.resp_h", q.server.as_str());
    f.push("id.resp_p", Value::Int(q.port));
    f.push("method", q.method);
    f.push("host", q.host);
    f.push("uri", q.uri.as_str());
    f.push("user_agent", q.ua.as_str());
    f.push("status_code", Value::Int(q.status));
    if format == LogFormat::Pcap {
        if let Some(b) = &q.req {
            body_fields(&mut f, "request", b);
        }
        if let Some(b) = &q.resp {
            body_fields(&mut f, "response", b);
        }
        for (n, v) in &q.headers {
            f.push(format!("request_header.{n}"), v.as_str());
        }
    } else {
        f.push(
            "request_body_len",
            Value::Int(q.req.as_ref().map_or(0, |b| b.len() as i64)),
        );
    }
    Event {
        source: EventSource {
            path: "/cases/web.pcap".into(),
            record_id: (format == LogFormat::Pcap).then_some(i as u64 + 1),
            line: (format == LogFormat::Zeek).then_some(i as u64 + 9),
        },
        format,
        time: Some(Timestamp::from_unix_secs(T0 + q.secs)),
        fields: f,
    }
}

pub(super) fn conn_event(i: usize, q: &C) -> Event {
    let mut f = Fields::new();
    f.push("_path", "conn");
    f.push("id.orig_h", q.orig.as_str());
    f.push("id.orig_p", Value::Int(50000 + (i as i64 % 10000)));
    f.push("id.resp_h", q.resp.as_str());
    f.push("id.resp_p", Value::Int(q.port));
    f.push("proto", q.proto);
    f.push("duration", Value::Float(q.duration));
    f.push("conn_state", "SF");
    Event {
        source: EventSource {
            path: "/cases/conn.log".into(),
            record_id: None,
            line: Some(i as u64 + 9),
        },
        format: LogFormat::Zeek,
        time: Some(Timestamp::from_unix_micros(
            ((T0 as f64 + q.secs) * 1e6) as i64,
        )),
        fields: f,
    }
}

fn events(http: &[H], conns: &[C]) -> Vec<Event> {
    http.iter()
        .enumerate()
        .map(|(i, q)| http_event(i, q, LogFormat::Pcap))
        .chain(conns.iter().enumerate().map(|(i, q)| conn_event(i, q)))
        .collect()
}

fn cfg() -> Arc<NetworkConfig> {
    Arc::new(NetworkConfig::shipped())
}

fn run(evs: &[Event]) -> Vec<NetworkFinding> {
    let mut a = NetworkAnalyzer::new(cfg());
    for e in evs {
        a.observe(e);
    }
    a.finish()
}

/// The signal names one transaction shows.
fn hits_of(q: &H) -> Vec<&'static str> {
    let e = http_event(0, q, LogFormat::Pcap);
    let c = NetworkConfig::shipped();
    let t = Txn::from_event(&e, 2048);
    content::analyze(&c, &t)
        .into_iter()
        .map(|h| h.signal.name())
        .collect()
}

fn names(f: &NetworkFinding) -> Vec<&'static str> {
    f.signals.iter().map(|s| s.name).collect()
}

fn find<'a>(fs: &'a [NetworkFinding], uri: &str) -> Option<&'a NetworkFinding> {
    fs.iter().find(|f| f.uri.as_deref() == Some(uri))
}

/// A gzip-like binary download (high-entropy response to a GET).
fn gzip_download(secs: i64, client: &str) -> H {
    let mut body = vec![0x1f, 0x8b, 0x08, 0x00];
    body.extend(noise(secs as u64, 4092));
    h(secs, client, "GET", "/download.php?file=report.tar.gz").resp(body)
}

/// Multipart upload of a binary (compressed) file.
fn upload(secs: i64, client: &str) -> H {
    let mut body = b"------WebKitFormBoundaryx7\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\nContent-Type: application/zip\r\n\r\n".to_vec();
    body.extend(noise(secs as u64 + 7, 2000));
    body.extend(b"\r\n------WebKitFormBoundaryx7--\r\n");
    h(secs, client, "POST", "/upload.php")
        .header(
            "content-type",
            "multipart/form-data; boundary=----WebKitFormBoundaryx7",
        )
        .body(body)
        .resp(b"{\"ok\":true}".to_vec())
}

fn login(secs: i64, client: &str) -> H {
    h(secs, client, "POST", "/login.php")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"username=alice&password=S3cr3t%21pass&remember=on".to_vec())
        .resp(b"<html>Welcome back</html>".to_vec())
}

fn json_api(secs: i64, client: &str) -> H {
    h(secs, client, "POST", "/api/cart.php")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/javascript, */*; q=0.01")
        .body(format!("{{\"item\":{secs},\"qty\":1,\"note\":\"gift wrap\"}}").into_bytes())
        .resp(b"{\"total\":42.5,\"items\":3}".to_vec())
}

/// Twenty clients browsing for ten hours: pages, images, logins, JSON API
/// calls, uploads and downloads.
fn background() -> Vec<H> {
    let mut v = Vec::new();
    for i in 0..200i64 {
        let cl = format!("198.51.100.{}", i % 20);
        let t = i * 180;
        v.push(h(t, &cl, "GET", "/index.php?page=2&sort=price"));
        v.push(h(t + 1, &cl, "GET", "/img/logo.png").resp(noise(i as u64, 1500)));
        if i % 4 == 0 {
            v.push(login(t + 2, &cl));
        }
        if i % 3 == 0 {
            v.push(json_api(t + 3, &cl));
        }
        if i % 10 == 0 {
            v.push(upload(t + 4, &cl));
            v.push(gzip_download(t + 5, &cl));
        }
    }
    v
}

/// The server's ordinary outbound traffic: DNS, NTP, its database, a CDN.
fn background_conns() -> Vec<C> {
    let mut v = Vec::new();
    for i in 0..120 {
        let t = i as f64 * 300.0;
        v.push(c(t, SERVER, "10.0.0.2", 53, 0.01).udp());
        v.push(c(t + 5.0, SERVER, "10.0.0.10", 3306, 2.0 + (i % 5) as f64));
        v.push(c(t + 7.0, "198.51.100.3", SERVER, 80, 900.0));
    }
    for i in 0..10 {
        // NTP polls every 1024 s: perfectly regular, ignored.
        v.push(c(i as f64 * 1024.0, SERVER, "10.0.0.3", 123, 0.02).udp());
        // CDN keep-alive: long, but the CDN is a usual destination.
        v.push(c(
            i as f64 * 3000.0 + 11.0,
            SERVER,
            "203.0.113.50",
            443,
            1800.0,
        ));
    }
    v
}

const CHOPPER_CODE: &str = "@ini_set(\"display_errors\",\"0\");@set_time_limit(0);echo(\"->|\");system(base64_decode($_POST[\"z1\"]));echo(\"|<-\");die();";

fn chopper_session(start: i64) -> Vec<H> {
    (0..4)
        .map(|k| {
            let body = format!(
                "pass=%40eval%28base64_decode%28%24_POST%5Bz0%5D%29%29%3B&z0={}&z1={}",
                b64(CHOPPER_CODE.as_bytes()).replace('+', "%2B").replace('=', "%3D"),
                b64(b"cd /var/www/html;whoami;echo [S];pwd;echo [E]").replace('=', "%3D")
            );
            h(start + k * 40, "203.0.113.66", "POST", "/uploads/thumb.php")
                .header("content-type", "application/x-www-form-urlencoded")
                .ua("Mozilla/5.0 (compatible; Baiduspider/2.0)")
                .body(body.into_bytes())
                .resp(b"->|uid=33(www-data) gid=33(www-data) groups=33(www-data)\n[S]\n/var/www/html\n[E]\n|<-".to_vec())
        })
        .collect()
}

fn behinder_session(start: i64) -> Vec<H> {
    (0..5)
        .map(|k| {
            h(start + k * 30, "203.0.113.77", "POST", "/static/about.jsp")
                .header("content-type", "application/octet-stream")
                .header("accept", "application/json, text/javascript, */*; q=0.01")
                .header("connection", "keep-alive")
                .body(noise(1000 + k as u64, 2048 + 16 * k as usize))
                .resp(noise(2000 + k as u64, 1024 + 32 * k as usize))
        })
        .collect()
}

fn godzilla_session(start: i64) -> Vec<H> {
    (0..5)
        .map(|k| {
            let value = b64(&noise(3000 + k as u64, 96));
            let resp = format!(
                "11CD6A8758984163{}6C37AC826A2A04BC",
                b64(&noise(4000 + k as u64, 80))
            );
            h(
                start + k * 20,
                "203.0.113.88",
                "POST",
                "/assets/img/logo.jsp",
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", "JSESSIONID=7A1B2C3D4E5F;")
            .body(
                format!(
                    "pass={}",
                    value
                        .replace('+', "%2B")
                        .replace('/', "%2F")
                        .replace('=', "%3D")
                )
                .into_bytes(),
            )
            .resp(resp.into_bytes())
        })
        .collect()
}

// ---- per-transaction signals -------------------------------------------------

#[test]
fn chopper_transaction_shows_code_fields_framing_and_command() {
    let hits = hits_of(&chopper_session(0)[0]);
    for want in [
        "code_param",
        "chopper_fields",
        "response_framing",
        "command",
        "command_output",
    ] {
        assert!(hits.contains(&want), "{want} missing from {hits:?}");
    }
}

#[test]
fn code_param_decodes_chr_chains_and_rot13() {
    let chr: String = "eval($_POST[x]);"
        .bytes()
        .map(|b| format!("chr({b})"))
        .collect::<Vec<_>>()
        .join(".");
    let q = h(0, "203.0.113.1", "POST", "/a.php")
        .body(format!("x={}", chr.replace('(', "%28").replace(')', "%29")).into_bytes());
    assert!(hits_of(&q).contains(&"code_param"), "{:?}", hits_of(&q));
    let rot = h(0, "203.0.113.1", "POST", "/a.php").body(b"k=riny(%24_CBFG%5Bn%5D)%3B".to_vec());
    assert_eq!(hits_of(&rot), vec!["code_param"]);
    // ASP form.
    let asp = h(0, "203.0.113.1", "POST", "/a.aspx")
        .body(b"z=Response.Write(%22ok%22)%3Beval(Request.Item%5B%22a%22%5D)".to_vec());
    assert!(hits_of(&asp).contains(&"code_param"));
}

#[test]
fn antsword_prefix_and_user_agent() {
    let value = format!("xq{}", b64(b"cd \"/var/www\";whoami;echo e1a2;pwd"));
    let q = h(0, "203.0.113.2", "POST", "/up/img.php")
        .ua("antSword/v2.1")
        .body(
            format!(
                "ant=%40eval(%24_POST%5Bk1%5D)&k1={}",
                value.replace('=', "%3D")
            )
            .into_bytes(),
        );
    let hits = hits_of(&q);
    for want in [
        "antsword_params",
        "shell_user_agent",
        "code_param",
        "command",
    ] {
        assert!(hits.contains(&want), "{want} missing from {hits:?}");
    }
    // A value that is plain base64 of text has no junk prefix.
    let plain = h(0, "203.0.113.2", "POST", "/up/img.php")
        .body(format!("data={}", b64(b"hello there, general kenobi")).into_bytes());
    assert!(!hits_of(&plain).contains(&"antsword_params"));
}

#[test]
fn behinder_transaction_is_encrypted_with_fixed_accept() {
    let hits = hits_of(&behinder_session(0)[0]);
    assert_eq!(
        hits,
        vec!["encrypted_body", "encrypted_response", "behinder_headers"]
    );
    // Base64 mode: the body is base64 of 1024 random bytes.
    let q = h(0, "203.0.113.7", "POST", "/a.aspx")
        .body(b64(&noise(5, 1024)).into_bytes())
        .resp(b64(&noise(6, 512)).into_bytes());
    assert_eq!(hits_of(&q), vec!["encrypted_body", "encrypted_response"]);
    // Not a multiple of the block size: not this family's traffic.
    let odd = h(0, "203.0.113.7", "POST", "/a.jsp").body(noise(9, 2049));
    assert!(hits_of(&odd).is_empty());
    // Not a script: a binary POST to an API path is not scored.
    let api = h(0, "203.0.113.7", "POST", "/v1/blob").body(noise(9, 2048));
    assert!(hits_of(&api).is_empty());
}

#[test]
fn godzilla_transaction_shows_pass_cookie_and_framing() {
    let hits = hits_of(&godzilla_session(0)[0]);
    assert_eq!(
        hits,
        vec![
            "encrypted_response",
            "godzilla_pass",
            "godzilla_cookie",
            "godzilla_response"
        ]
    );
}

#[test]
fn commands_and_output_in_queries_and_responses() {
    let q = h(0, "203.0.113.9", "GET", "/images/x.php?cmd=whoami")
        .resp(b"nt authority\\system\r\n".to_vec());
    assert_eq!(hits_of(&q), vec!["command", "command_output"]);
    let b = h(0, "203.0.113.9", "POST", "/x.aspx")
        .body(format!("c={}", b64(b"cmd.exe /c ipconfig /all")).into_bytes());
    assert_eq!(hits_of(&b), vec!["command"]);
    for out in [
        &b"uid=0(root) gid=0(root) groups=0(root)"[..],
        b"\r\nWindows IP Configuration\r\n\r\n   Host Name . . :",
        b" Volume in drive C has no label.\r\n Volume Serial Number is 1A2B-3C4D\r\n",
        b" Directory of C:\\inetpub\\wwwroot\r\n",
        b"total 8\ndrwxr-xr-x 2 www-data www-data 4096 Jan 1 00:00 .\n",
        b"root:x:0:0:root:/root:/bin/bash\n",
    ] {
        let q = h(0, "203.0.113.9", "GET", "/x.php").resp(out.to_vec());
        assert_eq!(
            hits_of(&q),
            vec!["command_output"],
            "{:?}",
            String::from_utf8_lossy(out)
        );
    }
    // A 404 probe's request-side hits do not count.
    let probe = h(0, "203.0.113.9", "GET", "/x.php?cmd=whoami").status(404);
    assert!(hits_of(&probe).is_empty());
}

#[test]
fn benign_transactions_show_nothing() {
    let mut all = vec![
        login(0, "198.51.100.1"),
        json_api(0, "198.51.100.1"),
        upload(0, "198.51.100.1"),
        gzip_download(0, "198.51.100.1"),
        h(0, "198.51.100.1", "GET", "/img/logo.png").resp(noise(1, 4096)),
        h(
            0,
            "198.51.100.1",
            "GET",
            "/search.php?q=internet+user+group&lang=en",
        ),
        h(0, "198.51.100.1", "POST", "/comment.php")
            .body(b"name=Bob&text=I+love+the+cat+food%2C+thanks%21".to_vec()),
        h(0, "198.51.100.1", "POST", "/token.php")
            .body(b"grant_type=refresh_token&refresh_token=dGhpcyBpcyBhIHRva2Vu".to_vec()),
        h(0, "198.51.100.1", "GET", "/doc.php")
            .resp(b"<p>Run <code>ls -la</code> to list files</p>".to_vec()),
    ];
    // A gzip'd page (the capture decodes it, so it is readable here).
    all.push(
        h(0, "198.51.100.1", "GET", "/news.php").resp(b"<html>news of the day</html>".to_vec()),
    );
    for q in &all {
        assert!(hits_of(q).is_empty(), "{} showed {:?}", q.uri, hits_of(q));
    }
}

// ---- sessions and scoring ------------------------------------------------------

#[test]
fn benign_browsing_stays_below_medium() {
    let found = run(&events(&background(), &background_conns()));
    assert!(
        found.iter().all(|f| f.severity < Severity::Medium),
        "{:#?}",
        found
    );
    assert!(found.is_empty(), "{found:#?}");
    // The margin: every URI of the benign traffic, reported or not.
    let mut a = NetworkAnalyzer::new(cfg());
    for e in events(&background(), &background_conns()) {
        a.observe(&e);
    }
    let mut worst = (0.0, String::new());
    for s in a.servers.values() {
        let ctx = score::ServerContext::of(s);
        for (uri, u) in &s.uris {
            let total: f64 = score::signals(&a.cfg, &ctx, u)
                .iter()
                .map(|s| s.weight)
                .sum();
            if total > worst.0 {
                worst = (total, uri.clone());
            }
        }
    }
    eprintln!("benign: highest URI score {} ({})", worst.0, worst.1);
    assert!(worst.0 < a.cfg.threshold());
}

#[test]
fn web_shell_sessions_reach_high() {
    let mut http = background();
    http.extend(chopper_session(8 * HOUR));
    http.extend(behinder_session(8 * HOUR + 600));
    http.extend(godzilla_session(9 * HOUR));
    let found = run(&events(&http, &background_conns()));
    for uri in [
        "/uploads/thumb.php",
        "/static/about.jsp",
        "/assets/img/logo.jsp",
    ] {
        let f = find(&found, uri).unwrap_or_else(|| panic!("no finding for {uri}: {found:#?}"));
        eprintln!("{uri}: score {} {:?} {:?}", f.score, f.severity, names(f));
        assert!(f.severity >= Severity::High, "{uri}: {f:#?}");
        assert_eq!(f.kind, FindingKind::Content);
        assert_eq!(f.server, "10.0.0.5:80");
        assert_eq!(f.host.as_deref(), Some("shop.example.test"));
        assert_eq!(f.client_count, 1);
        assert!(names(f).contains(&"session"), "{uri}: {:?}", names(f));
        assert!(names(f).contains(&"new_uri"), "{uri}: {:?}", names(f));
        assert!(names(f).contains(&"single_client"), "{uri}: {:?}", names(f));
        assert!(f
            .excerpt
            .as_ref()
            .is_some_and(|e| !e.is_empty() && e.chars().count() <= 200));
        assert!(f.events.len() <= 20 && !f.events.is_empty());
        assert!(f.telling.as_ref().is_some_and(|t| t.record_id.is_some()));
        let flow = f.flow.as_ref().expect("the telling transaction's flow");
        assert!(flow.orig.starts_with("203.0.113.") && flow.resp == "10.0.0.5:80");
        assert!(f.first_seen <= f.last_seen);
    }
    // Only the three shells are reported.
    assert_eq!(found.len(), 3, "{found:#?}");
    for w in found.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}

#[test]
fn uri_signals_need_their_context() {
    // The same Behinder traffic at the very start of the capture, from two
    // clients that also browse: no new_uri, no single_client.
    let mut http = behinder_session(0);
    for (i, q) in http.iter_mut().enumerate() {
        q.client = format!("198.51.100.{}", i % 2);
    }
    http.extend(background());
    let found = run(&events(&http, &[]));
    let f = find(&found, "/static/about.jsp").expect("still encrypted traffic");
    assert!(!names(f).contains(&"new_uri"), "{:?}", names(f));
    assert!(!names(f).contains(&"single_client"), "{:?}", names(f));
    // Repeated constant-size POSTs from one client.
    let posts: Vec<H> = (0..6)
        .map(|k| h(k * 10, "203.0.113.5", "POST", "/hb.php").body(b"a=1234567890".to_vec()))
        .collect();
    let mut a = NetworkAnalyzer::new(cfg());
    for e in events(&posts, &[]) {
        a.observe(&e);
    }
    let server = a.servers.get("10.0.0.5:80").expect("server kept");
    let ctx = score::ServerContext::of(server);
    let u = server.uris.get("/hb.php").expect("script kept");
    let sigs: Vec<_> = score::signals(&a.cfg, &ctx, u)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(sigs, vec!["constant_posts"]);
}

#[test]
fn zeek_logs_score_what_they_carry() {
    let mut http: Vec<Event> = background()
        .iter()
        .enumerate()
        .map(|(i, q)| http_event(i, q, LogFormat::Zeek))
        .collect();
    let shell = h(8 * HOUR, "203.0.113.9", "GET", "/img/a.php?cmd=whoami").ua("antSword/v2.1");
    for k in 0..3 {
        let mut q = shell.clone();
        q.secs += k * 10;
        http.push(http_event(1000 + k as usize, &q, LogFormat::Zeek));
    }
    let found = run(&http);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.uri.as_deref(), Some("/img/a.php"));
    assert!(names(f).contains(&"command") && names(f).contains(&"shell_user_agent"));
    assert!(f.telling.as_ref().is_some_and(|t| t.line.is_some()));
}

#[test]
fn other_formats_and_logs_are_ignored() {
    let mut e = http_event(0, &chopper_session(0)[0], LogFormat::Pcap);
    e.format = LogFormat::Combined;
    let mut files = http_event(0, &chopper_session(0)[0], LogFormat::Zeek);
    files.fields.insert("_path", "files");
    let mut a = NetworkAnalyzer::new(cfg());
    a.observe(&e);
    a.observe(&files);
    assert_eq!((a.transactions(), a.conns()), (0, 0));
    assert!(a.finish().is_empty());
}

// ---- flows ---------------------------------------------------------------------

#[test]
fn reverse_shell_after_a_web_shell_is_a_flow_finding() {
    let mut http = background();
    http.extend(chopper_session(8 * HOUR));
    let mut conns = background_conns();
    conns.push(c(
        (8 * HOUR + 100) as f64,
        SERVER,
        "198.51.100.200",
        4444,
        1200.0,
    ));
    let found = run(&events(&http, &conns));
    let flows: Vec<_> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Flow)
        .collect();
    assert_eq!(flows.len(), 1, "{found:#?}");
    let f = flows[0];
    assert_eq!(
        names(f),
        vec![
            "shell_port",
            "after_content",
            "long_lived",
            "rare_destination"
        ]
    );
    assert!(f.severity >= Severity::High, "{f:#?}");
    let flow = f.flow.as_ref().expect("flow");
    assert_eq!(flow.resp, "198.51.100.200:4444");
    assert!(flow.orig.starts_with("10.0.0.5:"));
    assert_eq!(flow.duration, Some(1200.0));
    assert_eq!(f.server, SERVER);
    assert_eq!(f.host.as_deref(), Some("shop.example.test"));
}

#[test]
fn outbound_rules_ignore_dns_ntp_cdn_and_non_servers() {
    let mut conns = background_conns();
    // A rare DNS resolver and an NTP server after the shell: ignored ports.
    conns.push(c((8 * HOUR + 5) as f64, SERVER, "9.9.9.9", 53, 0.1).udp());
    conns.push(c((8 * HOUR + 6) as f64, SERVER, "162.159.200.1", 123, 0.1).udp());
    // A workstation (never an HTTP server) connecting to port 4444.
    conns.push(c(
        (8 * HOUR + 7) as f64,
        "198.51.100.9",
        "198.51.100.200",
        4444,
        900.0,
    ));
    let mut http = background();
    http.extend(chopper_session(8 * HOUR));
    let found = run(&events(&http, &conns));
    assert!(
        found.iter().all(|f| f.kind == FindingKind::Content),
        "{found:#?}"
    );
    // Without any content hit, a one-off outbound HTTPS connection stays
    // below the threshold (rare destination only).
    let mut conns = background_conns();
    conns.push(c((8 * HOUR) as f64, SERVER, "192.0.2.44", 443, 3.0));
    assert!(run(&events(&background(), &conns)).is_empty());
}

#[test]
fn beacons_need_regular_intervals() {
    let mut http = background();
    http.extend(chopper_session(8 * HOUR));
    let beacon = |jitter: bool| -> Vec<C> {
        (0..12)
            .map(|k| {
                let wobble = if jitter {
                    [0.0, 50.0, 3.0, 140.0][k % 4]
                } else {
                    (k % 3) as f64 * 0.4
                };
                c(
                    (8 * HOUR + 200) as f64 + k as f64 * 60.0 + wobble,
                    SERVER,
                    "198.51.100.201",
                    8443,
                    1.0,
                )
            })
            .collect()
    };
    let found = run(&events(&http, &beacon(false)));
    let f = found
        .iter()
        .find(|f| f.kind == FindingKind::Flow)
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(names(f), vec!["beacon", "after_content"]);
    assert_eq!(f.count, 12);
    let found = run(&events(&http, &beacon(true)));
    assert!(
        found.iter().all(|f| f.kind == FindingKind::Content),
        "{found:#?}"
    );
}

// ---- order, merge, caps ------------------------------------------------------------

fn full_case() -> Vec<Event> {
    let mut http = background();
    http.extend(chopper_session(8 * HOUR));
    http.extend(behinder_session(8 * HOUR + 600));
    http.extend(godzilla_session(9 * HOUR));
    let mut conns = background_conns();
    conns.push(c(
        (8 * HOUR + 100) as f64,
        SERVER,
        "198.51.100.200",
        4444,
        1200.0,
    ));
    events(&http, &conns)
}

#[test]
fn order_does_not_matter_and_merge_equals_one() {
    let evs = full_case();
    let one = run(&evs);
    assert!(one.len() >= 4);
    let mut shuffled = evs.clone();
    let mut x: u64 = 42;
    for i in (1..shuffled.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        shuffled.swap(i, (x >> 33) as usize % (i + 1));
    }
    assert_eq!(run(&shuffled), one);
    let c = cfg();
    let mut parts: Vec<NetworkAnalyzer> = (0..3)
        .map(|_| NetworkAnalyzer::new(Arc::clone(&c)))
        .collect();
    for (i, e) in shuffled.iter().enumerate() {
        parts[(i * 7) % 3].observe(e);
    }
    let mut merged = parts.remove(0);
    for p in parts {
        merged.merge(p);
    }
    let mut single = NetworkAnalyzer::new(c);
    for e in &evs {
        single.observe(e);
    }
    assert_eq!(merged.transactions(), single.transactions());
    assert_eq!(merged.conns(), single.conns());
    assert_eq!(merged.dropped(), 0);
    assert_eq!(merged.finish(), one);
}

#[test]
fn caps_bound_memory() {
    let small = NetworkConfig::from_toml(
        &include_str!("../../../../rules/network/signals.toml")
            .replace("max_servers = 10000", "max_servers = 4")
            .replace("max_uris_per_server = 100000", "max_uris_per_server = 8")
            .replace("clients_per_uri = 32", "clients_per_uri = 4")
            .replace("max_hosts = 100000", "max_hosts = 5")
            .replace("max_flows = 200000", "max_flows = 16"),
    )
    .expect("small limits are valid");
    let mut a = NetworkAnalyzer::new(Arc::new(small));
    let mut n = 0;
    for s in 0..10 {
        for u in 0..30 {
            for cl in 0..10 {
                let q = h(
                    u,
                    &format!("192.0.2.{cl}"),
                    "POST",
                    &format!("/d{u}/s.php?cmd=whoami"),
                )
                .server(&format!("10.1.0.{s}"), 80);
                a.observe(&http_event(n, &q, LogFormat::Pcap));
                n += 1;
            }
        }
    }
    for o in 0..10 {
        for d in 0..40 {
            a.observe(&conn_event(
                n,
                &c(
                    d as f64,
                    &format!("10.2.0.{o}"),
                    &format!("192.0.2.{d}"),
                    4444,
                    1.0,
                ),
            ));
            n += 1;
        }
    }
    assert!(a.servers.len() <= 4);
    assert!(a.servers.values().all(|s| s.uris.len() <= 8));
    assert!(a
        .servers
        .values()
        .flat_map(|s| s.uris.values())
        .all(|u| u.clients.iter().count() <= 4 && u.clients.count() >= 4));
    assert!(a.flows.hosts.len() <= 5);
    assert!(a.flows.hosts.values().map(|d| d.len()).sum::<usize>() <= 16);
    assert!(a.dropped() > 0);
    let found = a.finish();
    assert!(found
        .iter()
        .all(|f| f.clients.len() <= 4 && f.events.len() <= 20));
}

#[test]
fn hostile_fields_do_not_panic() {
    let mut a = NetworkAnalyzer::new(cfg());
    let long = "é%".repeat(50_000);
    let mut f = Fields::new();
    f.push("_path", "http");
    f.push("uri", format!("/{long}.php?{long}"));
    f.push("id.resp_h", long.as_str());
    f.push("id.resp_p", Value::Int(-5));
    f.push("method", "POST");
    f.push("request_body", format!("chr({long}chr(99999999)z0={long}"));
    f.push("request_body_entropy", Value::Float(f64::NAN));
    f.push("request_body_len", Value::Int(i64::MIN));
    f.push("response_body", "->|".repeat(10_000));
    let e = Event {
        source: EventSource {
            path: "x".into(),
            record_id: None,
            line: None,
        },
        format: LogFormat::Pcap,
        time: None,
        fields: f,
    };
    a.observe(&e);
    let mut conn = conn_event(0, &c(0.0, &long, "1.2.3.4", 4444, f64::INFINITY));
    conn.time = None;
    a.observe(&conn);
    let found = a.finish();
    assert!(found
        .iter()
        .all(|f| f.excerpt.as_ref().is_none_or(|e| e.chars().count() <= 200)));
}
