//! `ferret hunt`: read event, web and network logs, run the Sigma rules, the
//! web-log analysis and the network analysis over them, report.
//!
//! Source → transform → sink: discovery lists log files into a channel; each
//! worker thread owns a Sigma matcher, a web-log analyzer and a network
//! analyzer, reads one file at a time and sends findings to this thread,
//! which alone writes output. Correlations and the web-log and network scores
//! need every event first, so they run after the workers, over the compact
//! matches and statistics the workers kept.

use super::output::{OutputArgs, Report};
use super::progress::Progress;
use super::Outcome;
use clap::Args;
use crossbeam_channel::RecvTimeoutError;
use ferret_core::{escape_str, Event, Finding, Timestamp};
use ferret_hunt::findings::{self, EventRef, HuntContext};
use ferret_hunt::network::{NetworkAnalyzer, NetworkConfig};
use ferret_hunt::sigma::correlation::BaseMatch;
use ferret_hunt::sigma::{LoadStatus, Origin, RuleMatch, RuleSet, RuleSetBuilder};
use ferret_hunt::weblog::{WeblogAnalyzer, WeblogConfig};
use ferret_logs::{Item, LogFile, ReadOptions};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Args)]
pub struct HuntArgs {
    /// Log files or directories (walked recursively): .evtx, JSON lines,
    /// audit.log, IIS W3C, Apache/nginx/Tomcat access logs, ESXi shell.log and
    /// hostd.log, SQL Server ERRORLOG, packet captures (pcap, pcapng) and Zeek
    /// http/conn/files logs (TSV or JSON); plain, .gz or .zip. The format is
    /// told from each file's first bytes, not its name.
    #[arg(value_name = "LOG", required = true)]
    pub logs: Vec<PathBuf>,
    /// Add a Sigma rule tree (repeatable), loaded unchanged (SigmaHQ layout
    /// works as is). A rule that cannot be compiled is printed with the
    /// reason, the run goes on without it, and the exit status is 2; rules
    /// whose logsource no reader produces are counted (-v lists them).
    #[arg(long = "sigma", value_name = "DIR")]
    pub sigma: Vec<PathBuf>,
    /// Run only the --sigma rules, not Ferret's own rules and web-log analysis.
    #[arg(long, requires = "sigma")]
    pub no_builtin_rules: bool,
    /// Skip the web-log analysis (per-URI scoring of W3C/combined logs).
    #[arg(long)]
    pub no_weblog: bool,
    /// Skip the network analysis of captures and Zeek logs (web-shell
    /// content per script, new outbound and beacon-like flows of web
    /// servers). Sigma rules still run over their events.
    #[arg(long)]
    pub no_network: bool,
    /// Only events at or after this time (RFC 3339, or YYYY-MM-DD for the
    /// start of that day, UTC). Events that record no time are kept.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<Timestamp>,
    /// Only events before this time (RFC 3339, or YYYY-MM-DD: the start of that day, UTC).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: Option<Timestamp>,
    /// Worker threads (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Host name put on findings (default: the host each event names).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Report every matching event. By default, after the first 10 events of
    /// one log that match one rule, the rest are folded into one finding that
    /// counts them and names the last.
    #[arg(long)]
    pub each_event: bool,
    /// Lines longer than this many KiB are skipped and reported.
    #[arg(long, default_value_t = 1024, value_name = "KIB")]
    pub max_line: usize,
    /// List every refused or unmapped rule and every read error on standard error.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z")))
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time or a YYYY-MM-DD date"))
}

/// What workers send to the printer thread.
enum Msg {
    Finding(Box<Finding>),
    Note(String),
}

/// Counters the workers update.
#[derive(Default)]
struct Counts {
    files: AtomicU64,
    events: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    filtered: AtomicU64,
    matches: AtomicU64,
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// What each worker keeps for the after-pass.
struct WorkerState {
    weblog: Option<WeblogAnalyzer>,
    network: Option<NetworkAnalyzer>,
    /// Per rule, in the current file: matches so far, and the folded rest.
    per_file: HashMap<ferret_hunt::sigma::RuleId, (u64, Option<(Box<Finding>, String)>)>,
    each_event: bool,
    base: Vec<BaseMatch>,
    refs: Vec<EventRef>,
}

/// Loads the shipped rules and the user's trees; prints refusals.
pub fn build_rules(
    sigma: &[PathBuf],
    no_builtin: bool,
) -> (RuleSet, Vec<ferret_hunt::sigma::RuleReport>) {
    let mut b = RuleSetBuilder::new();
    if !no_builtin {
        b.add_shipped();
    }
    for d in sigma {
        b.add_dir(d, Origin::User);
    }
    b.build()
}

pub fn exec(args: HuntArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let progress = Progress::new(args.output.quiet);
    let (rules, reports) = build_rules(&args.sigma, args.no_builtin_rules);
    let refused: Vec<_> = reports
        .iter()
        .filter_map(|r| match &r.status {
            LoadStatus::Refused(why) => Some((r, why)),
            LoadStatus::Loaded => None,
        })
        .collect();
    let unmapped: Vec<_> = reports
        .iter()
        .filter(|r| matches!(r.status, LoadStatus::Loaded))
        .filter_map(|r| r.unmapped.as_ref().map(|why| (r, why)))
        .collect();
    // A refused rule is an error (as a refused YARA file is for scan): the
    // hunt runs without it and the exit status says so.
    for (r, why) in &refused {
        progress.println(&format!(
            "ferret: rule refused: {}: {}",
            escape_str(&r.path),
            escape_str(why)
        ));
    }
    if args.verbose {
        for (r, why) in &unmapped {
            progress.println(&format!(
                "ferret: rule not run: {}: {}",
                escape_str(&r.path),
                escape_str(why)
            ));
        }
    }
    let discovery = ferret_logs::discover(&args.logs);
    let counts = Counts::default();
    for e in &discovery.errors {
        progress.println(&format!("ferret: {}", escape_str(&e.to_string())));
        counts.errors.fetch_add(1, Ordering::Relaxed);
    }
    let mut report = Report::open(&args.output, &args.logs, "hunt")?;
    let ctx = HuntContext {
        host: args.host.clone(),
        time: super::scan::now_rfc3339(),
    };
    let opts = ReadOptions {
        max_line: args.max_line.saturating_mul(1024).max(1024),
        ..ReadOptions::default()
    };
    let weblog_cfg =
        (!args.no_weblog && !args.no_builtin_rules).then(|| Arc::new(WeblogConfig::shipped()));
    let network_cfg =
        (!args.no_network && !args.no_builtin_rules).then(|| Arc::new(NetworkConfig::shipped()));
    let workers = if args.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        args.threads
    }
    .max(1);
    let referenced = referenced_rules(&rules);
    let (tx, rx) = crossbeam_channel::bounded::<Msg>(1024);
    let (file_tx, file_rx) = crossbeam_channel::unbounded::<LogFile>();
    for f in discovery.files {
        let _ = file_tx.send(f);
    }
    drop(file_tx);
    let mut states: Vec<WorkerState> = Vec::new();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let mut handles = Vec::new();
        for _ in 0..workers {
            let (file_rx, tx) = (file_rx.clone(), tx.clone());
            let (rules, counts, ctx, opts, weblog_cfg, network_cfg, args, referenced) = (
                &rules,
                &counts,
                &ctx,
                &opts,
                &weblog_cfg,
                &network_cfg,
                &args,
                &referenced,
            );
            handles.push(s.spawn(move || {
                let mut state = WorkerState {
                    weblog: weblog_cfg.as_ref().map(|c| WeblogAnalyzer::new(c.clone())),
                    network: network_cfg.as_ref().map(|c| NetworkAnalyzer::new(c.clone())),
                    per_file: HashMap::new(),
                    each_event: args.each_event,
                    base: Vec::new(),
                    refs: Vec::new(),
                };
                let mut matcher = rules.matcher();
                let mut matches: Vec<RuleMatch> = Vec::new();
                for file in file_rx {
                    counts.files.fetch_add(1, Ordering::Relaxed);
                    let mut on_item = |item: Item| -> ControlFlow<()> {
                        match item {
                            Item::Error(e) => {
                                counts.errors.fetch_add(1, Ordering::Relaxed);
                                let _ = tx.send(Msg::Note(format!(
                                    "ferret: {}",
                                    escape_str(&e.to_string())
                                )));
                            }
                            Item::Event(event) => {
                                counts.events.fetch_add(1, Ordering::Relaxed);
                                if !in_window(&event, args.from, args.to) {
                                    counts.filtered.fetch_add(1, Ordering::Relaxed);
                                    return ControlFlow::Continue(());
                                }
                                examine(&event, rules, &mut matcher, &mut matches, &mut state, referenced, ctx, counts, &tx);
                            }
                        }
                        ControlFlow::Continue(())
                    };
                    let stats = ferret_logs::read_file(&file, opts, &mut on_item);
                    counts.bytes.fetch_add(stats.bytes, Ordering::Relaxed);
                    for (_, (n, folded)) in state.per_file.drain() {
                        if let Some((mut f, first)) = folded {
                            let more = n - FOLD_AFTER;
                            f.title = format!("{} (+{} more in this log)", f.title, more - 1);
                            f.evidence.push(ferret_core::Evidence {
                                source: ferret_core::EvidenceSource::Sigma,
                                rule: f.rule.clone(),
                                detail: format!(
                                    "{more} more events of this log matched this rule, from {first} to this one; --each-event lists each"
                                ),
                                score: 0,
                                offset: None,
                                line: None,
                                excerpt: None,
                            });
                            let _ = tx.send(Msg::Finding(f));
                        }
                    }
                }
                state
            }));
        }
        drop((tx, file_rx));
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Msg::Finding(f)) => report.offer(&f)?,
                Ok(Msg::Note(n)) => progress.println(&n),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            progress.message(format!(
                "{} files, {} events ({:.1} MB), {} findings, {} errors",
                get(&counts.files),
                get(&counts.events),
                get(&counts.bytes) as f64 / 1e6,
                report.reported,
                get(&counts.errors)
            ));
        }
        for h in handles {
            match h.join() {
                Ok(st) => states.push(st),
                Err(_) => anyhow::bail!("a hunt worker thread panicked"),
            }
        }
        Ok(())
    })?;
    // The after-pass: correlations over the kept matches, web-log scores.
    let mut after: Vec<Finding> = Vec::new();
    let mut weblog: Option<WeblogAnalyzer> = None;
    let mut network: Option<NetworkAnalyzer> = None;
    let mut base: Vec<BaseMatch> = Vec::new();
    let mut refs: Vec<EventRef> = Vec::new();
    for st in states {
        let offset = refs.len();
        refs.extend(st.refs);
        base.extend(st.base.into_iter().map(|mut m| {
            m.event += offset;
            m
        }));
        if let Some(w) = st.weblog {
            match &mut weblog {
                Some(acc) => acc.merge(w),
                None => weblog = Some(w),
            }
        }
        if let Some(n) = st.network {
            match &mut network {
                Some(acc) => acc.merge(n),
                None => network = Some(n),
            }
        }
    }
    let correlations = rules.correlations();
    if correlations.len() > 0 {
        let outcome = correlations.run(&base);
        for hit in &outcome.hits {
            let rule = correlations.rule(hit.correlation);
            after.push(findings::correlation_finding(rule, hit, &refs, &ctx));
        }
        if outcome.untimed > 0 && args.verbose {
            progress.println(&format!(
                "ferret: {} matches recorded no time and could not take part in correlations",
                outcome.untimed
            ));
        }
    }
    let web_requests = weblog.as_ref().map_or(0, |w| w.requests());
    if let Some(w) = weblog {
        after.extend(w.finish().iter().map(|f| findings::weblog_finding(f, &ctx)));
    }
    let (transactions, conns) = network
        .as_ref()
        .map_or((0, 0), |n| (n.transactions(), n.conns()));
    if let Some(n) = network {
        after.extend(
            n.finish()
                .iter()
                .map(|f| findings::network_finding(f, &ctx)),
        );
    }
    for f in &after {
        report.offer(f)?;
    }
    report.finish()?;
    progress.finish();
    let took = started.elapsed().as_secs_f64().max(1e-6);
    if !args.output.quiet {
        let events = get(&counts.events);
        eprintln!(
            "ferret: {} findings at or above {}; {} files, {events} events ({:.1} MB) in {took:.2}s ({:.0} events/s); {} outside --from/--to; {web_requests} web requests, {transactions} HTTP transactions and {conns} connections analysed; {} read errors",
            report.reported,
            report.min,
            get(&counts.files),
            get(&counts.bytes) as f64 / 1e6,
            events as f64 / took,
            get(&counts.filtered),
            get(&counts.errors),
        );
        eprintln!(
            "ferret: rules: {} loaded, {} refused, {} not run for want of a logsource mapping{}",
            rules.len(),
            refused.len(),
            unmapped.len(),
            if (!refused.is_empty() || !unmapped.is_empty()) && !args.verbose {
                " (-v lists them; `ferret rules list --sigma DIR` gives each reason)"
            } else {
                ""
            }
        );
    }
    Ok(report.outcome(get(&counts.errors) > 0 || !refused.is_empty()))
}

/// Matching events of one rule in one log reported one by one before folding.
const FOLD_AFTER: u64 = 10;

fn locator(e: &Event) -> String {
    e.source
        .record_id
        .map(|r| format!("record {r}"))
        .or_else(|| e.source.line.map(|l| format!("line {l}")))
        .unwrap_or_else(|| "?".into())
}

fn in_window(e: &Event, from: Option<Timestamp>, to: Option<Timestamp>) -> bool {
    match e.time {
        None => true,
        Some(t) => from.is_none_or(|f| t >= f) && to.is_none_or(|x| t < x),
    }
}

#[allow(clippy::too_many_arguments)]
fn examine(
    event: &Event,
    rules: &RuleSet,
    matcher: &mut ferret_hunt::sigma::Matcher<'_>,
    matches: &mut Vec<RuleMatch>,
    state: &mut WorkerState,
    referenced: &std::collections::HashSet<ferret_hunt::sigma::RuleId>,
    ctx: &HuntContext,
    counts: &Counts,
    tx: &crossbeam_channel::Sender<Msg>,
) {
    if let Some(w) = &mut state.weblog {
        w.observe(event);
    }
    if let Some(n) = &mut state.network {
        n.observe(event);
    }
    matches.clear();
    matcher.scan(event, matches);
    if matches.is_empty() {
        return;
    }
    counts
        .matches
        .fetch_add(matches.len() as u64, Ordering::Relaxed);
    let correlations = rules.correlations();
    let mut event_ref = None;
    for m in matches.drain(..) {
        if referenced.contains(&m.rule) {
            let idx = *event_ref.get_or_insert_with(|| {
                state.refs.push(EventRef {
                    subject: findings::event_subject(event),
                    host: event.host().map(|h| h.into_owned()),
                });
                state.refs.len() - 1
            });
            state.base.push(BaseMatch {
                rule: m.rule,
                time: event.time,
                event: idx,
                captured: m.captured.clone(),
            });
        }
        if correlations.suppressed(m.rule) {
            continue;
        }
        let f = Box::new(findings::sigma_finding(rules.meta(m.rule), event, &m, ctx));
        if state.each_event {
            let _ = tx.send(Msg::Finding(f));
            continue;
        }
        let slot = state.per_file.entry(m.rule).or_insert((0, None));
        slot.0 += 1;
        if slot.0 <= FOLD_AFTER {
            let _ = tx.send(Msg::Finding(f));
        } else {
            let first = match slot.1.take() {
                Some((_, first)) => first,
                None => locator(event),
            };
            slot.1 = Some((f, first));
        }
    }
}

/// Base rules some correlation names (by id or name): their matches are kept
/// for the after-pass.
fn referenced_rules(rules: &RuleSet) -> std::collections::HashSet<ferret_hunt::sigma::RuleId> {
    let names: std::collections::HashSet<&str> = rules
        .correlations()
        .iter()
        .flat_map(|(_, c)| c.rules.iter().map(String::as_str))
        .collect();
    (0..rules.len())
        .map(ferret_hunt::sigma::RuleId)
        .filter(|id| {
            let m = rules.meta(*id);
            m.id.as_deref().is_some_and(|i| names.contains(i))
                || m.name.as_deref().is_some_and(|n| names.contains(n))
        })
        .collect()
}
