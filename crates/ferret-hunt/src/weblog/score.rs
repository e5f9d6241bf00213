//! Scoring: the signals one URI shows, judged against its site's context.

use super::config::WeblogConfig;
use super::request::file_name;
use super::stats::{SiteStats, UriStats};
use super::Signal;
use ferret_core::Timestamp;

const MICROS_PER_HOUR: f64 = 3_600_000_000.0;

/// What a URI is judged against: the whole site's traffic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SiteContext {
    /// Distinct clients of the site.
    pub clients: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Share of the site's requests that carried a Referer.
    pub referer_fraction: f64,
}

impl SiteContext {
    pub(crate) fn of(site: &SiteStats) -> SiteContext {
        SiteContext {
            clients: site.clients.count(),
            first: site.first,
            last: site.last,
            referer_fraction: if site.requests == 0 {
                0.0
            } else {
                site.with_referer as f64 / site.requests as f64
            },
        }
    }
}

/// Microseconds from `a` to `b` (0 when `b` is earlier), and whether both are known.
fn delay(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<i64> {
    let (a, b) = (a?, b?);
    Some(b.unix_micros().saturating_sub(a.unix_micros()).max(0))
}

fn hours(micros: i64) -> f64 {
    micros as f64 / MICROS_PER_HOUR
}

fn signal(name: &'static str, weight: f64, detail: String) -> Signal {
    Signal {
        name,
        weight,
        detail,
    }
}

/// Every signal the URI shows; empty when it never answered successfully.
pub(crate) fn signals(
    cfg: &WeblogConfig,
    site: &SiteContext,
    uri: &str,
    u: &UriStats,
) -> Vec<Signal> {
    if u.ok == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(param_shape(cfg, u));
    let new_script = new_script(cfg, site, u);
    let rare = u.clients.count() <= cfg.few_clients.max_clients;
    out.extend(special_dir(cfg, u, rare || new_script.is_some()));
    out.extend(script_name(cfg, uri, u));
    out.extend(new_script);
    out.extend(new_post(cfg, site, u));
    out.extend(few_clients(cfg, site, u));
    out.extend(size_swing(cfg, u));
    out.extend(post_heavy(cfg, u));
    out.extend(no_referer(cfg, site, u));
    // A counter-signal only lowers a score that something else raised.
    if !out.is_empty() {
        out.extend(referred(cfg, u));
    }
    out
}

/// The URI's file name is one web shells and tunnels commonly ship with.
fn script_name(cfg: &WeblogConfig, uri: &str, u: &UriStats) -> Option<Signal> {
    let name = file_name(uri);
    (u.ok > 0 && u.candidate.script && cfg.script_name.pattern.is_match(name)).then(|| {
        signal(
            "script_name",
            cfg.script_name.weight,
            format!("the script's file name {name:?} is a common web-shell or tunnel name"),
        )
    })
}

fn param_shape(cfg: &WeblogConfig, u: &UriStats) -> Option<Signal> {
    let mut hits: Vec<(usize, u64)> = u
        .shape_hits
        .iter()
        .enumerate()
        .filter(|(i, &n)| n > 0 && *i < cfg.shapes.len())
        .map(|(i, &n)| (i, n))
        .collect();
    if hits.is_empty() {
        return None;
    }
    hits.sort_by(|a, b| {
        cfg.shapes[b.0]
            .weight
            .total_cmp(&cfg.shapes[a.0].weight)
            .then(a.0.cmp(&b.0))
    });
    let weight = cfg.shapes[hits[0].0].weight;
    let words: Vec<String> = hits
        .iter()
        .map(|&(i, n)| {
            let s = &cfg.shapes[i];
            format!("{} ({}, {n} successful requests)", s.name, s.description)
        })
        .collect();
    Some(signal(
        "param_shape",
        weight,
        format!("query has web-shell parameter shapes: {}", words.join("; ")),
    ))
}

fn special_dir(cfg: &WeblogConfig, u: &UriStats, rare_or_new: bool) -> Option<Signal> {
    let dir = cfg.special_dirs.get(u.candidate.special_dir?)?;
    (u.candidate.script && rare_or_new).then(|| {
        signal(
            "special_dir",
            dir.weight,
            format!(
                "{} successful requests to a script under {} used by {} client(s) or new in the log",
                u.ok,
                dir.prefix,
                u.clients.count()
            ),
        )
    })
}

fn new_script(cfg: &WeblogConfig, site: &SiteContext, u: &UriStats) -> Option<Signal> {
    let c = &cfg.new_script;
    let d = delay(site.first, u.first_ok)?;
    let span = delay(site.first, site.last)?;
    let min = i64::try_from(c.min_delay_secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
    if d < min || (d as f64) < c.min_span_fraction * span as f64 {
        return None;
    }
    Some(signal(
        "new_script",
        c.weight,
        format!(
            "first successful request {:.1} h after the site's log starts (at {}); the log spans {:.1} h",
            hours(d),
            u.first_ok.map(|t| t.to_rfc3339()).unwrap_or_default(),
            hours(span)
        ),
    ))
}

fn new_post(cfg: &WeblogConfig, site: &SiteContext, u: &UriStats) -> Option<Signal> {
    let c = &cfg.new_post;
    let d = delay(site.first, u.first_ok_post)?;
    let min = i64::try_from(c.min_delay_secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
    if d < min {
        return None;
    }
    let first_read = u.first_ok_read.filter(|&r| Some(r) < u.first_ok_post)?;
    let before = format!("GET/HEAD only before, from {}", first_read.to_rfc3339());
    Some(signal(
        "new_post",
        c.weight,
        format!(
            "{} successful POSTs, the first {:.1} h after the site's log starts (at {}); {before}",
            u.ok_posts,
            hours(d),
            u.first_ok_post.map(|t| t.to_rfc3339()).unwrap_or_default()
        ),
    ))
}

fn few_clients(cfg: &WeblogConfig, site: &SiteContext, u: &UriStats) -> Option<Signal> {
    let c = &cfg.few_clients;
    let n = u.clients.count();
    if n == 0
        || n > c.max_clients
        || u.ok < c.min_requests
        || site.clients < c.min_site_clients
        || (site.clients as f64) < c.min_ratio * n as f64
    {
        return None;
    }
    Some(signal(
        "few_clients",
        c.weight,
        format!(
            "{n} client(s) made its {} successful requests while the site saw {} clients",
            u.ok, site.clients
        ),
    ))
}

fn size_swing(cfg: &WeblogConfig, u: &UriStats) -> Option<Signal> {
    let c = &cfg.size_swing;
    let (client, stats, cv) = u
        .clients
        .iter()
        .filter(|(_, s)| s.sizes.n >= c.min_responses)
        .filter_map(|(name, s)| Some((name, s, s.sizes.cv()?)))
        .filter(|(_, _, cv)| *cv >= c.min_cv)
        .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(a.0)))?;
    Some(signal(
        "size_swing",
        c.weight,
        format!(
            "responses to client {client} swing in size: {} responses of {}..{} bytes, mean {:.0}, coefficient of variation {cv:.2}",
            stats.sizes.n,
            stats.sizes.min,
            stats.sizes.max,
            stats.sizes.mean().unwrap_or(0.0)
        ),
    ))
}

fn post_heavy(cfg: &WeblogConfig, u: &UriStats) -> Option<Signal> {
    let c = &cfg.post_heavy;
    let n = u.clients.count();
    (u.ok_posts >= c.min_posts && n >= 1 && n <= c.max_clients).then(|| {
        signal(
            "post_heavy",
            c.weight,
            format!("{} successful POSTs from {n} client(s)", u.ok_posts),
        )
    })
}

fn no_referer(cfg: &WeblogConfig, site: &SiteContext, u: &UriStats) -> Option<Signal> {
    let c = &cfg.no_referer;
    let without = u.ok - u.ok_with_referer.min(u.ok);
    let frac = without as f64 / u.ok as f64;
    (u.ok >= c.min_requests && frac >= c.min_fraction && site.referer_fraction >= c.min_site_fraction)
        .then(|| {
            signal(
                "no_referer",
                c.weight,
                format!(
                    "{without} of {} successful requests had no Referer, while {:.0}% of the site's requests had one",
                    u.ok,
                    site.referer_fraction * 100.0
                ),
            )
        })
}

fn referred(cfg: &WeblogConfig, u: &UriStats) -> Option<Signal> {
    let c = &cfg.referred;
    let frac = u.ok_referred_elsewhere as f64 / u.ok as f64;
    (u.ok >= c.min_requests && frac >= c.min_fraction).then(|| {
        signal(
            "referred",
            c.weight,
            format!(
                "{} of {} successful requests came from links on other pages (counts against)",
                u.ok_referred_elsewhere, u.ok
            ),
        )
    })
}
