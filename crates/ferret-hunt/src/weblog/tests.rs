//! Synthetic tests: each signal positive and negative, weak signals alone,
//! order independence and merge equivalence.

use super::*;
use ferret_core::{EventSource, Fields, LogFormat, Value};

const HOUR: i64 = 3600;
const T0: i64 = 1_600_000_000;

/// One synthetic request.
#[derive(Clone)]
struct R {
    secs: i64,
    client: String,
    method: &'static str,
    uri: String,
    query: Option<String>,
    status: i64,
    bytes: i64,
    referer: bool,
    /// The Referer names the URI itself (a shell's own form).
    self_referer: bool,
}

fn r(secs: i64, client: &str, method: &'static str, uri: &str) -> R {
    R {
        secs,
        client: client.to_owned(),
        method,
        uri: uri.to_owned(),
        query: None,
        status: 200,
        bytes: 1000,
        referer: true,
        self_referer: false,
    }
}

impl R {
    fn q(mut self, q: &str) -> R {
        self.query = Some(q.to_owned());
        self
    }
    fn status(mut self, s: i64) -> R {
        self.status = s;
        self
    }
    fn bytes(mut self, b: i64) -> R {
        self.bytes = b;
        self
    }
    fn no_ref(mut self) -> R {
        self.referer = false;
        self
    }
}

fn events(reqs: &[R]) -> Vec<Event> {
    reqs.iter()
        .enumerate()
        .map(|(i, q)| {
            let mut f = Fields::new();
            f.push("cs-method", q.method);
            f.push("cs-uri-stem", q.uri.as_str());
            if let Some(query) = &q.query {
                f.push("cs-uri-query", query.as_str());
            }
            f.push("sc-status", Value::Int(q.status));
            f.push("c-ip", q.client.as_str());
            f.push("sc-bytes", Value::Int(q.bytes));
            f.push("cs-host", "www.example.test");
            if q.self_referer {
                f.push("cs-referer", format!("https://www.example.test{}", q.uri));
            } else if q.referer {
                f.push("cs-referer", "https://www.example.test/");
            }
            Event {
                source: EventSource {
                    path: "/logs/u_ex200913.log".into(),
                    record_id: None,
                    line: Some(i as u64 + 1),
                },
                format: LogFormat::W3c,
                time: Some(Timestamp::from_unix_secs(T0 + q.secs)),
                fields: f,
            }
        })
        .collect()
}

fn analyze(evs: &[Event]) -> WeblogAnalyzer {
    let mut a = WeblogAnalyzer::new(Arc::new(WeblogConfig::shipped()));
    for e in evs {
        a.observe(e);
    }
    a
}

/// The names of the signals `uri` shows (whether or not it reaches the threshold).
fn signals_of(reqs: &[R], uri: &str) -> Vec<&'static str> {
    let a = analyze(&events(reqs));
    let site = a
        .sites
        .get("www.example.test")
        .expect("the synthetic site exists");
    let ctx = score::SiteContext::of(site);
    let u = site.uris.get(uri).expect("the URI was kept");
    score::signals(&a.cfg, &ctx, uri, u)
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// Ordinary traffic: 20 clients browsing over 10 hours, with Referers.
fn background() -> Vec<R> {
    let mut v = Vec::new();
    for i in 0..200 {
        let client = format!("198.51.100.{}", i % 20);
        v.push(r(i * 180, &client, "GET", "/default.aspx").bytes(5000 + (i % 7) * 10));
        v.push(r(i * 180 + 1, &client, "GET", "/style.css"));
    }
    v
}

fn with(mut base: Vec<R>, extra: impl IntoIterator<Item = R>) -> Vec<R> {
    base.extend(extra);
    base
}

#[test]
fn param_shape_fires_on_successful_shell_queries_only() {
    let reqs = with(
        background(),
        [r(9 * HOUR, "203.0.113.9", "GET", "/images/pic.aspx").q("cmd=whoami")],
    );
    assert!(signals_of(&reqs, "/images/pic.aspx").contains(&"param_shape"));
    let probe = with(
        background(),
        [r(9 * HOUR, "203.0.113.9", "GET", "/images/pic.aspx")
            .q("cmd=whoami")
            .status(404)],
    );
    assert!(signals_of(&probe, "/images/pic.aspx").is_empty());
    let plain = with(
        background(),
        [r(9 * HOUR, "203.0.113.9", "GET", "/images/pic.aspx").q("id=3&page=2")],
    );
    assert!(!signals_of(&plain, "/images/pic.aspx").contains(&"param_shape"));
}

#[test]
fn new_script_needs_a_late_first_success() {
    let late = with(
        background(),
        [r(8 * HOUR, "198.51.100.1", "GET", "/late.aspx")],
    );
    assert!(signals_of(&late, "/late.aspx").contains(&"new_script"));
    assert!(!signals_of(&late, "/default.aspx").contains(&"new_script"));
    let early = with(background(), [r(60, "198.51.100.1", "GET", "/early.aspx")]);
    assert!(!signals_of(&early, "/early.aspx").contains(&"new_script"));
}

#[test]
fn new_post_needs_posts_to_start_late() {
    let mut reqs = background();
    for i in 0..10 {
        reqs.push(r(i * 600, &format!("198.51.100.{i}"), "GET", "/login.aspx"));
    }
    let late = with(
        reqs.clone(),
        [r(7 * HOUR, "203.0.113.9", "POST", "/login.aspx")],
    );
    assert!(signals_of(&late, "/login.aspx").contains(&"new_post"));
    let early = with(reqs, [r(120, "198.51.100.3", "POST", "/login.aspx")]);
    assert!(!signals_of(&early, "/login.aspx").contains(&"new_post"));
    // First seen with a POST: that is new_script's case, not a second signal.
    let fresh = with(
        background(),
        [r(7 * HOUR, "203.0.113.9", "POST", "/fresh.aspx")],
    );
    assert_eq!(signals_of(&fresh, "/fresh.aspx"), vec!["new_script"]);
}

#[test]
fn few_clients_is_relative_to_the_site() {
    let reqs = with(
        background(),
        (0..3).map(|i| r(HOUR + i, "203.0.113.9", "GET", "/tools/x.aspx")),
    );
    assert!(signals_of(&reqs, "/tools/x.aspx").contains(&"few_clients"));
    assert!(!signals_of(&reqs, "/default.aspx").contains(&"few_clients"));
    // A site with only two clients: one client per script is normal there.
    let small: Vec<R> = (0..6)
        .map(|i| {
            r(
                i,
                if i % 2 == 0 { "10.0.0.1" } else { "10.0.0.2" },
                "GET",
                "/a.aspx",
            )
        })
        .chain((0..3).map(|i| r(10 + i, "10.0.0.1", "GET", "/tools/x.aspx")))
        .collect();
    assert!(!signals_of(&small, "/tools/x.aspx").contains(&"few_clients"));
}

#[test]
fn no_referer_needs_a_site_that_logs_referers() {
    let reqs = with(
        background(),
        (0..4).map(|i| r(HOUR + i, "203.0.113.9", "GET", "/x.aspx").no_ref()),
    );
    assert!(signals_of(&reqs, "/x.aspx").contains(&"no_referer"));
    let bare: Vec<R> = background().into_iter().map(R::no_ref).collect();
    let reqs = with(
        bare,
        (0..4).map(|i| r(HOUR + i, "203.0.113.9", "GET", "/x.aspx").no_ref()),
    );
    assert!(!signals_of(&reqs, "/x.aspx").contains(&"no_referer"));
}

#[test]
fn size_swing_is_per_client() {
    let sizes = [48, 76, 987, 134_023, 53, 1636, 698];
    let swing = with(
        background(),
        sizes
            .iter()
            .enumerate()
            .map(|(i, &b)| r(HOUR + i as i64, "203.0.113.9", "POST", "/s.aspx").bytes(b)),
    );
    assert!(signals_of(&swing, "/s.aspx").contains(&"size_swing"));
    let steady = with(
        background(),
        (0..7).map(|i| r(HOUR + i, "203.0.113.9", "POST", "/s.aspx").bytes(700 + i)),
    );
    assert!(!signals_of(&steady, "/s.aspx").contains(&"size_swing"));
    // The same sizes spread over seven clients: no one client sees a swing.
    let spread = with(
        background(),
        sizes.iter().enumerate().map(|(i, &b)| {
            r(
                HOUR + i as i64,
                &format!("203.0.113.{i}"),
                "POST",
                "/s.aspx",
            )
            .bytes(b)
        }),
    );
    assert!(!signals_of(&spread, "/s.aspx").contains(&"size_swing"));
}

#[test]
fn post_heavy_needs_few_clients() {
    let one = with(
        background(),
        (0..12).map(|i| r(HOUR + i, "203.0.113.9", "POST", "/p.aspx")),
    );
    assert!(signals_of(&one, "/p.aspx").contains(&"post_heavy"));
    let many = with(
        background(),
        (0..12).map(|i| r(HOUR + i, &format!("198.51.100.{i}"), "POST", "/p.aspx")),
    );
    assert!(!signals_of(&many, "/p.aspx").contains(&"post_heavy"));
}

#[test]
fn script_name_and_special_dir() {
    let reqs = with(
        background(),
        [
            r(HOUR, "203.0.113.9", "GET", "/up/cmd.aspx"),
            r(
                HOUR,
                "203.0.113.9",
                "GET",
                "/aspnet_client/system_web/err.aspx",
            ),
        ],
    );
    assert!(signals_of(&reqs, "/up/cmd.aspx").contains(&"script_name"));
    assert!(!signals_of(&reqs, "/default.aspx").contains(&"script_name"));
    assert!(signals_of(&reqs, "/aspnet_client/system_web/err.aspx").contains(&"special_dir"));
    // The OWA logon page used by every client from the start is not special.
    let owa = with(
        background(),
        (0..20).map(|i| {
            r(
                i * 60,
                &format!("198.51.100.{i}"),
                "POST",
                "/owa/auth/logon.aspx",
            )
        }),
    );
    assert!(!signals_of(&owa, "/owa/auth/logon.aspx").contains(&"special_dir"));
}

#[test]
fn one_weak_signal_alone_is_no_finding() {
    // A script without Referers, and a login page getting POSTs: each weak.
    let reqs = with(
        with(
            background(),
            (0..5).map(|i| r(i * 600, &format!("198.51.100.{i}"), "GET", "/feed.aspx").no_ref()),
        ),
        (0..5).map(|i| r(i * 700, &format!("198.51.100.{i}"), "POST", "/login.aspx")),
    );
    assert_eq!(signals_of(&reqs, "/feed.aspx"), vec!["no_referer"]);
    assert!(signals_of(&reqs, "/login.aspx").is_empty());
    assert!(analyze(&events(&reqs)).finish().is_empty());
    assert!(analyze(&events(&background())).finish().is_empty());
}

#[test]
fn referred_counts_against_only_what_scored() {
    // One admin posting to an AJAX endpoint from the admin pages, sizes varying.
    let sizes = [52, 40_000, 310, 9_000, 75, 22_000, 130];
    let ajax = with(
        background(),
        sizes
            .iter()
            .enumerate()
            .map(|(i, &b)| r(i as i64 * 60, "203.0.113.5", "POST", "/admin/ajax.aspx").bytes(b)),
    );
    let got = signals_of(&ajax, "/admin/ajax.aspx");
    assert!(
        got.contains(&"referred") && got.contains(&"size_swing"),
        "{got:?}"
    );
    assert!(analyze(&events(&ajax)).finish().is_empty());
    // Self-referencing requests (a shell's own form) do not count as referred.
    let own: Vec<R> = background()
        .into_iter()
        .chain(sizes.iter().enumerate().map(|(i, &b)| {
            let mut q = r(i as i64 * 60, "203.0.113.5", "POST", "/admin/ajax.aspx").bytes(b);
            q.self_referer = true;
            q
        }))
        .collect();
    assert!(!signals_of(&own, "/admin/ajax.aspx").contains(&"referred"));
    // Nothing else scored: the counter-signal is not reported alone.
    assert!(signals_of(&background(), "/default.aspx").is_empty());
}

#[test]
fn busy_cms_site_stays_below_medium() {
    let mut reqs = Vec::new();
    for i in 0..600 {
        let c = format!("198.51.100.{}", i % 50);
        reqs.push(r(i * 70, &c, "GET", "/index.php").bytes(20_000 + (i % 13) * 100));
        if i % 10 == 0 {
            reqs.push(r(i * 70 + 5, &c, "GET", "/wp-login.php"));
            reqs.push(r(i * 70 + 20, &c, "POST", "/wp-login.php").bytes(300));
        }
    }
    // The site calling its own cron every 10 minutes, without a Referer.
    reqs.extend((0..72).map(|i| {
        r(i * 600, "127.0.0.1", "POST", "/wp-cron.php")
            .bytes(0)
            .no_ref()
    }));
    // One administrator using the AJAX endpoint from the admin pages.
    reqs.extend((0..200).map(|i| {
        r(
            4 * HOUR + i * 30,
            "203.0.113.5",
            "POST",
            "/wp-admin/admin-ajax.php",
        )
        .bytes(60 + (i % 5) * (i % 5) * 9_000)
    }));
    // A password-guessing run against xmlrpc.php from one address, late in the log.
    reqs.extend((0..300).map(|i| {
        r(6 * HOUR + i * 2, "192.0.2.77", "POST", "/xmlrpc.php")
            .bytes(403)
            .no_ref()
    }));
    let found = analyze(&events(&reqs)).finish();
    assert!(
        found.iter().all(|f| f.severity < Severity::Medium),
        "{found:#?}"
    );
}

fn shell_session() -> Vec<R> {
    let sizes = [48, 48, 76, 159, 987, 134_023, 1636, 698, 726, 801, 53, 53];
    let mut reqs = background();
    reqs.push(r(6 * HOUR, "203.0.113.9", "GET", "/uploads/cmd.aspx").no_ref());
    for (i, &b) in sizes.iter().enumerate() {
        reqs.push(
            r(
                6 * HOUR + 60 * (i as i64 + 1),
                "203.0.113.9",
                "POST",
                "/uploads/cmd.aspx",
            )
            .bytes(b)
            .no_ref(),
        );
    }
    // A scanner's probes: many scripts, all 404, some with shell queries.
    for i in 0..300 {
        reqs.push(
            r(2 * HOUR + i, "192.0.2.66", "GET", &format!("/probe{i}.php"))
                .q("cmd=id")
                .status(404)
                .no_ref(),
        );
    }
    reqs
}

#[test]
fn shell_session_is_found_and_probes_are_not() {
    let evs = events(&shell_session());
    let a = analyze(&evs);
    assert_eq!(a.requests(), evs.len() as u64);
    let found = a.finish();
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.uri, "/uploads/cmd.aspx");
    assert_eq!(f.site, "www.example.test");
    assert_eq!(f.clients, vec!["203.0.113.9".to_owned()]);
    assert_eq!(f.client_count, 1);
    assert_eq!(f.requests, 13);
    assert!(f.severity >= Severity::High, "{f:#?}");
    let names: Vec<&str> = f.signals.iter().map(|s| s.name).collect();
    for want in [
        "new_script",
        "new_post",
        "few_clients",
        "size_swing",
        "post_heavy",
        "no_referer",
        "script_name",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(f.lines.len() <= 20 && !f.lines.is_empty());
    assert_eq!(f.first_seen, Some(Timestamp::from_unix_secs(T0 + 6 * HOUR)));
    assert!(f.last_seen > f.first_seen);
    assert!(f.signals.windows(2).all(|w| w[0].weight >= w[1].weight));
    let sum: f64 = f.signals.iter().map(|s| s.weight).sum();
    assert_eq!(f.score, sum);
}

/// A deterministic shuffle (xorshift), so the test needs no RNG crate.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn order_does_not_matter() {
    let mut reqs = shell_session();
    // Many clients on one script, so the per-URI client cap is exercised.
    reqs.extend((0..100).map(|i| {
        r(
            3 * HOUR + i,
            &format!("100.64.0.{i}"),
            "GET",
            "/search.aspx",
        )
        .bytes(100 + i * i * 50)
        .no_ref()
    }));
    let evs = events(&reqs);
    let want = analyze(&evs).finish();
    assert!(!want.is_empty());
    for seed in [1, 7, 12345] {
        let mut shuffled = evs.clone();
        shuffle(&mut shuffled, seed);
        assert_eq!(analyze(&shuffled).finish(), want, "seed {seed}");
    }
}

#[test]
fn merging_equals_one_analyzer() {
    let mut reqs = shell_session();
    reqs.extend((0..100).map(|i| {
        r(
            3 * HOUR + i,
            &format!("100.64.0.{i}"),
            "GET",
            "/search.aspx",
        )
    }));
    let mut evs = events(&reqs);
    shuffle(&mut evs, 99);
    let want = analyze(&evs).finish();
    let cfg = Arc::new(WeblogConfig::shipped());
    let mut parts: Vec<WeblogAnalyzer> = (0..3)
        .map(|_| WeblogAnalyzer::new(Arc::clone(&cfg)))
        .collect();
    for (i, e) in evs.iter().enumerate() {
        parts[i % 3].observe(e);
    }
    let mut merged = WeblogAnalyzer::new(cfg);
    for p in parts {
        merged.merge(p);
    }
    assert_eq!(merged.requests(), evs.len() as u64);
    assert_eq!(merged.finish(), want);
}

#[test]
fn non_web_events_are_ignored_and_caps_hold() {
    let mut evs = events(&shell_session());
    let mut other = evs[0].clone();
    other.format = LogFormat::Evtx;
    let mut a = analyze(std::slice::from_ref(&other));
    assert_eq!(a.requests(), 0);
    assert!(a.sites.is_empty());
    let text = include_str!("../../../../rules/weblog/signals.toml")
        .replace("max_uris_per_site = 200000", "max_uris_per_site = 5");
    let cfg = Arc::new(WeblogConfig::from_toml(&text).expect("edited settings load"));
    a = WeblogAnalyzer::new(cfg);
    evs.truncate(420);
    for e in &evs {
        a.observe(e);
    }
    let site = &a.sites["www.example.test"];
    assert_eq!(site.uris.len(), 5);
    assert!(a.dropped() > 0);
    assert_eq!(a.dropped(), site.dropped);
}
