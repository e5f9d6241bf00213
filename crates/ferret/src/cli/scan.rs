//! `ferret scan`: walk, read each file once, judge it, report.

use super::output::{OutputArgs, Report};
use super::progress::{Counters, Progress};
use super::Outcome;
use anyhow::Context as _;
use clap::Args;
use crossbeam_channel::RecvTimeoutError;
use ferret_collect::read::{read_file, ReadOutcome};
use ferret_collect::walk::{Entry, Walk, WalkOptions};
use ferret_core::{escape_path, escape_str, Finding, Severity};
use ferret_detect::webshell::{FileInput, ScanContext, WebshellConfig};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Web roots looked at when no path is given (on this host, or below --root).
pub(super) const WEB_ROOTS: &[&str] = &[
    "var/www",
    "srv",
    "usr/share/nginx",
    "usr/local/apache2/htdocs",
    "usr/local/nginx/html",
    "opt/lampp/htdocs",
    "var/lib/tomcat9/webapps",
    "var/lib/tomcat10/webapps",
    "opt/tomcat/webapps",
    "usr/share/tomcat/webapps",
    "home",
];

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files or directories to scan. With --root, taken as paths inside the
    /// image (e.g. /var/www); without any, the whole --root, or else the usual
    /// web roots of this host (/var/www, /srv, nginx/Apache/Tomcat roots, /home).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat DIR as a mounted disk image or a triage collection (KAPE `C/`,
    /// Velociraptor `C%3A/`); findings also carry the path on the source system.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Add a YARA rule tree (repeatable), loaded unchanged; the externals
    /// filename, filepath, extension and filetype are defined. User rules run
    /// on every file, not only scripts.
    #[arg(long = "yara", value_name = "DIR")]
    pub yara: Vec<PathBuf>,
    /// Run only the --yara rules, not Ferret's own rules and heuristics.
    #[arg(long, requires = "yara")]
    pub no_builtin_rules: bool,
    /// Load Ferret's rules precompiled by `ferret rules compile -o FILE`
    /// instead of compiling them at start (saves about half a second of CPU
    /// per language family; refused if made by a build with other rules).
    #[arg(long, value_name = "FILE", conflicts_with = "no_builtin_rules")]
    pub compiled_rules: Option<PathBuf>,
    /// Skip files and directories matching GLOB (repeatable). A pattern
    /// without `/` matches a name anywhere (`node_modules`, `*.min.js`); one
    /// with `/` matches the path below the scanned directory (`cache/**`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Silence what a site has reviewed: a TOML file of [[allow]] entries,
    /// each with sha256 and/or path glob, optional rule, and a reason (repeatable).
    #[arg(long, value_name = "FILE")]
    pub allowlist: Vec<PathBuf>,
    /// Files larger than this many MiB are skipped and reported as "too large".
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub max_size: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Host name put on findings (default: this host, or the --root folder's name).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// Do not read server configuration (IIS, Exchange, TermService, ESXi,
    /// Apache, nginx, PHP, Tomcat, Redis, PostgreSQL) for rogue components.
    /// By default it is read with --root, or on this host when no PATH is given,
    /// and the web roots it names are scanned too.
    #[arg(long)]
    pub no_components: bool,
    /// Edge-appliance profile (rules/appliances/): `auto` applies each profile
    /// whose marker files are under --root (NetScaler, Ivanti Connect Secure,
    /// PAN-OS, FortiOS, Cisco IOS XE, Sophos Firewall); a name forces that
    /// one; `none` turns them off. Profiles report scripts in served folders
    /// the product does not ship, files advisories name as planted, code run
    /// at interpreter start, server configuration running code on request,
    /// symlinks leaving served folders and set-uid files in temporary folders.
    #[arg(long, value_name = "NAME", default_value = "auto")]
    pub profile: String,
    /// With a profile: `sha256sum` lines over a clean image of the same
    /// version (paths relative to the root); files that differ are reported
    /// as modified, and scripts in served folders it does not list as not shipped.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// List every skipped item (symlinks, FIFOs, too large) on standard error.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub live: super::live::LiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What workers send to the printer thread.
enum Msg {
    Finding(Box<Finding>),
    Note(String),
}

pub fn exec(args: ScanArgs) -> anyhow::Result<Outcome> {
    let host = host_name(&args);
    let now = now_rfc3339();
    if args.live.live && args.paths.is_empty() && args.root.is_none() {
        return super::live::exec(&args.live, &host, &now, &args.output);
    }
    // Server components first: their configuration names the web roots.
    let system_root = match (&args.root, args.paths.is_empty()) {
        _ if args.no_components => None,
        (Some(r), _) => Some(r.clone()),
        (None, true) => Some(PathBuf::from("/")),
        (None, false) => None,
    };
    let inventory = match &system_root {
        Some(r) if r.is_dir() => Some(super::inventory::inventory(r, &[], &host, &now)?),
        _ => None,
    };
    let mut roots = plan_roots(
        &args,
        inventory.as_ref().map(|i| &i.discovered.web_roots[..]),
    )?;
    roots.dedup();
    let config = WebshellConfig {
        user_yara: args.yara.clone(),
        allowlists: args.allowlist.clone(),
        no_shipped_rules: args.no_builtin_rules,
        timeout: Duration::ZERO,
        compiled_rules: args.compiled_rules.clone(),
    };
    let (rules, rule_errors) = config.build().context("loading rules")?;
    let counters = Counters::default();
    let progress = Progress::new(args.output.quiet);
    for e in &rule_errors {
        progress.println(&format!(
            "ferret: rule file refused: {}",
            escape_str(&e.to_string()).replace("\\n", "\n    ")
        ));
        Counters::bump(&counters.errors);
    }
    let existing: Vec<PathBuf> = roots
        .into_iter()
        .filter(|r| {
            let ok = std::fs::symlink_metadata(r).is_ok();
            if !ok {
                progress.println(&format!(
                    "ferret: {}: no such file or directory",
                    escape_path(r)
                ));
                Counters::bump(&counters.errors);
            }
            ok
        })
        .collect();
    if existing.is_empty() {
        progress.finish();
        anyhow::bail!("nothing to scan: none of the given paths exists");
    }
    let mut report = Report::open(&args.output, &existing, "scan")?;
    let walk = Walk::new(
        existing.clone(),
        WalkOptions {
            threads: args.threads.min(2),
            excludes: args.exclude.clone(),
            collection: args.root.clone(),
        },
    )?;
    let ctx = ScanContext { host, time: now };
    let max_size = args.max_size.saturating_mul(1 << 20);
    let started = std::time::Instant::now();
    let (tx, rx) = crossbeam_channel::bounded::<Msg>(1024);
    if let Some(inv) = &inventory {
        for e in &inv.discovered.errors {
            progress.println(&format!("ferret: {}", escape_str(&e.to_string())));
            Counters::bump(&counters.errors);
        }
        for e in &inv.setup_errors {
            progress.println(&format!("ferret: {}", escape_str(e)));
            Counters::bump(&counters.errors);
        }
        for f in inv.findings() {
            report.offer(f)?;
        }
    }
    if let Some(root) = appliance_root(&args) {
        let runs = appliances(&args, &root, &ctx.host, &ctx.time)?;
        for r in &runs {
            progress.println(&format!(
                "ferret: appliance profile {} ({}){}: {} served folders, {} findings",
                r.profile,
                r.product,
                if r.recognised {
                    " recognised"
                } else {
                    " forced"
                },
                r.served.len(),
                r.findings.len()
            ));
            for e in &r.errors {
                progress.println(&format!("ferret: {e}"));
                Counters::bump(&counters.errors);
            }
            for f in &r.findings {
                report.offer(f)?;
            }
        }
    }
    if args.live.live {
        let run = super::live::run(&args.live, &ctx.host, &ctx.time, &mut report, &mut |m| {
            progress.println(&m)
        })?;
        counters
            .errors
            .fetch_add(run.errors as u64, std::sync::atomic::Ordering::Relaxed);
    }
    // Source → transform → sink: the walker lists entries into a channel;
    // each worker thread owns one scanner (yara-x scanners stay on the
    // thread that made them) and reads, judges and sends findings to this
    // thread, which alone writes output.
    let workers = if args.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        args.threads
    };
    let (entry_tx, entry_rx) = crossbeam_channel::bounded::<Entry>(4096);
    std::thread::scope(|s| -> anyhow::Result<()> {
        let (rules, ctx, counters, walk, verbose) = (&rules, &ctx, &counters, &walk, args.verbose);
        s.spawn(move || {
            walk.run(|| {
                let entry_tx = entry_tx.clone();
                move |entry| {
                    let _ = entry_tx.send(entry);
                }
            });
        });
        for _ in 0..workers {
            let (entry_rx, tx) = (entry_rx.clone(), tx.clone());
            s.spawn(move || {
                let mut scanner = rules.scanner();
                for entry in entry_rx {
                    for m in visit(entry, &mut scanner, ctx, counters, max_size, verbose) {
                        let _ = tx.send(m);
                    }
                }
            });
        }
        drop((tx, entry_rx));
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(Msg::Finding(f)) => report.offer(&f)?,
                Ok(Msg::Note(n)) => progress.println(&n),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            progress.update(counters, report.reported);
        }
        Ok(())
    })?;
    report.finish()?;
    progress.finish();
    if !args.output.quiet {
        summary(
            &counters,
            report.reported,
            report.min,
            started.elapsed(),
            rules.allowlist_len(),
        );
    }
    Ok(report.outcome(Counters::get(&counters.errors) > 0))
}

fn visit(
    entry: Entry,
    scanner: &mut ferret_detect::webshell::WebshellScanner<'_>,
    ctx: &ScanContext,
    c: &Counters,
    max_size: u64,
    verbose: bool,
) -> Vec<Msg> {
    let file = match entry {
        Entry::File(f) => f,
        Entry::Skipped { path, reason } => {
            Counters::bump(&c.skipped);
            return if verbose {
                vec![Msg::Note(format!(
                    "ferret: {}: {reason}",
                    escape_path(&path)
                ))]
            } else {
                vec![]
            };
        }
        Entry::Error(e) => {
            Counters::bump(&c.errors);
            return vec![Msg::Note(format!("ferret: {}", escape_str(&e.to_string())))];
        }
    };
    let (bytes, mtime) = match read_file(&file.path, max_size) {
        Ok(ReadOutcome::Content { bytes, mtime }) => (bytes, mtime),
        Ok(ReadOutcome::Skipped(reason)) => {
            Counters::bump(&c.skipped);
            // Too large is worth telling even without --verbose: it was not examined.
            let tell = verbose || reason.contains("too large");
            return if tell {
                vec![Msg::Note(format!(
                    "ferret: {}: {reason}",
                    escape_path(&file.path)
                ))]
            } else {
                vec![]
            };
        }
        Err(e) => {
            Counters::bump(&c.errors);
            let reason = escape_str(&e.reason());
            return vec![Msg::Note(format!(
                "ferret: {}: {reason}",
                escape_path(&file.path)
            ))];
        }
    };
    Counters::bump(&c.files);
    c.bytes
        .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
    let mtime =
        mtime.map(|s| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s.max(0) as u64)));
    let input = FileInput {
        path: &file.path,
        original_path: file.original_path.as_deref(),
        data: &bytes,
        mtime: mtime.as_deref(),
    };
    match scanner.scan(&input, ctx) {
        Ok(v) => {
            if v.language.is_some() {
                Counters::bump(&c.scripts);
            }
            if v.allowlisted.is_some() {
                Counters::bump(&c.allowlisted);
            }
            v.finding
                .map(|f| vec![Msg::Finding(Box::new(f))])
                .unwrap_or_default()
        }
        Err(e) => {
            Counters::bump(&c.errors);
            vec![Msg::Note(format!(
                "ferret: {}: {}",
                escape_path(&file.path),
                escape_str(&e.to_string())
            ))]
        }
    }
}

/// The trees to walk, as the user will see them in findings. Web roots named
/// by server configuration join the usual ones on a live host.
fn plan_roots(args: &ScanArgs, configured: Option<&[PathBuf]>) -> anyhow::Result<Vec<PathBuf>> {
    match (&args.root, args.paths.is_empty()) {
        (Some(root), true) => {
            anyhow::ensure!(root.is_dir(), "--root {}: not a directory", root.display());
            Ok(vec![root.clone()])
        }
        (Some(root), false) => Ok(args
            .paths
            .iter()
            .map(|p| root.join(strip_root(p)))
            .collect()),
        (None, false) => Ok(args.paths.clone()),
        (None, true) => {
            let mut found: Vec<PathBuf> = WEB_ROOTS
                .iter()
                .map(|r| Path::new("/").join(r))
                .filter(|p| p.is_dir())
                .collect();
            for w in configured.unwrap_or_default() {
                if !found.iter().any(|f| w.starts_with(f)) {
                    found.push(w.clone());
                }
            }
            anyhow::ensure!(
                !found.is_empty(),
                "no PATH given and none of the usual web roots exists here; name what to scan, e.g. `ferret scan /var/www`"
            );
            Ok(found)
        }
    }
}

/// The tree edge-appliance profiles look at: --root, else this host's `/`
/// when no PATH is given; none with `--profile none`.
fn appliance_root(args: &ScanArgs) -> Option<PathBuf> {
    if args.profile.eq_ignore_ascii_case("none") {
        return None;
    }
    match (&args.root, args.paths.is_empty()) {
        (Some(r), _) => Some(r.clone()),
        (None, true) => Some(PathBuf::from("/")),
        (None, false) => None,
    }
}

/// Applies the chosen appliance profiles to `root`.
fn appliances(
    args: &ScanArgs,
    root: &Path,
    host: &str,
    time: &str,
) -> anyhow::Result<Vec<ferret_appliance::ApplianceRun>> {
    let choice = if args.profile.eq_ignore_ascii_case("auto") {
        ferret_appliance::ProfileChoice::Auto
    } else {
        ferret_appliance::ProfileChoice::Named(args.profile.to_ascii_lowercase())
    };
    let reference = match &args.reference {
        Some(p) => Some(
            ferret_appliance::Reference::load(p)
                .with_context(|| format!("--reference {}", p.display()))?,
        ),
        None => None,
    };
    ferret_appliance::run(root, &choice, reference.as_ref(), host, time)
        .with_context(|| format!("--profile {}", escape_str(&args.profile)))
}

fn strip_root(p: &Path) -> &Path {
    p.strip_prefix("/").unwrap_or(p)
}

fn host_name(args: &ScanArgs) -> String {
    host_for(args.host.as_deref(), args.root.as_deref())
}

/// The host name for findings: as given, else the --root folder's name, else this host's.
pub fn host_for(host: Option<&str>, root: Option<&Path>) -> String {
    if let Some(h) = host {
        return h.to_string();
    }
    if let Some(root) = root {
        if let Some(n) = std::fs::canonicalize(root)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        {
            return n;
        }
    }
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// Now, as RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

fn summary(c: &Counters, reported: u64, min: Severity, took: Duration, allow: usize) {
    let secs = took.as_secs_f64().max(1e-6);
    let files = Counters::get(&c.files);
    let mb = Counters::get(&c.bytes) as f64 / 1e6;
    eprintln!(
        "ferret: {} findings at or above {}; {} files scanned ({} scripts, {:.1} MB) in {:.2}s ({:.0} files/s, {:.1} MB/s); {} skipped; {} errors{}",
        reported,
        min,
        files,
        Counters::get(&c.scripts),
        mb,
        secs,
        files as f64 / secs,
        mb / secs,
        Counters::get(&c.skipped),
        Counters::get(&c.errors),
        if allow > 0 { format!("; {} allowlisted", Counters::get(&c.allowlisted)) } else { String::new() }
    );
}
