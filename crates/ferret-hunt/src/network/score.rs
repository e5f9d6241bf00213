//! Scoring one URI of one server: its content signals (each counted once,
//! however many transactions showed it) and the signals of the URI as a whole,
//! judged against its server's traffic.

use super::config::NetworkConfig;
use super::content::ContentSignal;
use super::servers::{ServerStats, UriStats};
use super::Signal;
use ferret_core::Timestamp;

/// What a URI is judged against: its server's whole traffic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerContext {
    pub clients: u64,
    pub uris: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl ServerContext {
    pub(crate) fn of(s: &ServerStats) -> ServerContext {
        ServerContext {
            clients: s.clients.count(),
            uris: s.uri_count.count(),
            first: s.first,
            last: s.last,
        }
    }
}

fn signal(name: &'static str, weight: f64, detail: String) -> Signal {
    Signal {
        name,
        weight,
        detail,
        excerpt: None,
    }
}

/// Every signal the URI shows, heaviest first.
pub(crate) fn signals(cfg: &NetworkConfig, ctx: &ServerContext, u: &UriStats) -> Vec<Signal> {
    let mut out = Vec::new();
    for (i, agg) in u.signals.iter().enumerate() {
        let (Some(agg), Some(sig)) = (agg, ContentSignal::ALL.get(i)) else {
            continue;
        };
        out.push(Signal {
            name: sig.name(),
            weight: sig.weight(cfg),
            detail: format!(
                "{} ({} of {} transactions)",
                agg.first.item.0, agg.count, u.transactions
            ),
            excerpt: Some(agg.first.item.1.clone()).filter(|e| !e.is_empty()),
        });
    }
    out.extend(new_uri(cfg, ctx, u));
    out.extend(single_client(cfg, ctx, u));
    out.extend(constant_posts(cfg, u));
    out.extend(session(cfg, u));
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.name.cmp(b.name)));
    out
}

fn new_uri(cfg: &NetworkConfig, ctx: &ServerContext, u: &UriStats) -> Option<Signal> {
    let c = &cfg.new_uri;
    let (first, server_first, server_last) = (u.first_seen?, ctx.first?, ctx.last?);
    let delay = first
        .unix_micros()
        .saturating_sub(server_first.unix_micros());
    let span = server_last
        .unix_micros()
        .saturating_sub(server_first.unix_micros());
    let min = i64::try_from(c.min_delay_secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
    if !(u.script || u.telling > 0)
        || ctx.uris < c.min_server_uris
        || delay < min
        || (delay as f64) < c.min_span_fraction * span as f64
    {
        return None;
    }
    Some(signal(
        "new_uri",
        c.weight,
        format!(
            "first seen {:.1} h after the server's first transaction (at {}), among {} URIs; the traffic spans {:.1} h",
            delay as f64 / 3.6e9,
            first.to_rfc3339(),
            ctx.uris,
            span as f64 / 3.6e9
        ),
    ))
}

fn single_client(cfg: &NetworkConfig, ctx: &ServerContext, u: &UriStats) -> Option<Signal> {
    let c = &cfg.single_client;
    let n = u.clients.count();
    (u.script && n == 1 && u.transactions >= c.min_transactions && ctx.clients >= c.min_server_clients)
        .then(|| {
            signal(
                "single_client",
                c.weight,
                format!(
                    "one client made all {} transactions to the script while the server saw {} clients",
                    u.transactions, ctx.clients
                ),
            )
        })
}

fn constant_posts(cfg: &NetworkConfig, u: &UriStats) -> Option<Signal> {
    let c = &cfg.constant_posts;
    let (client, stats, cv) = u
        .clients
        .iter()
        .filter(|(_, s)| s.posts >= c.min_posts && s.sizes.n >= c.min_posts)
        .filter_map(|(n, s)| Some((n, s, s.sizes.cv()?)))
        .filter(|(_, _, cv)| *cv <= c.max_cv)
        .min_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(b.0)))?;
    Some(signal(
        "constant_posts",
        c.weight,
        format!(
            "client {client} sent {} POSTs with bodies of {}..{} bytes (coefficient of variation {cv:.2})",
            stats.posts, stats.sizes.min, stats.sizes.max
        ),
    ))
}

fn session(cfg: &NetworkConfig, u: &UriStats) -> Option<Signal> {
    let c = &cfg.session;
    let clients = u.telling_clients.count();
    (u.telling >= c.min_telling && clients <= 2).then(|| {
        signal(
            "session",
            c.weight,
            format!(
                "{} transactions with content signals from {} client(s): an interactive session",
                u.telling,
                clients.max(1)
            ),
        )
    })
}
