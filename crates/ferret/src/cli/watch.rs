//! `ferret watch`: the daemon. Plans what to watch (web roots, module
//! directories, the server configuration's files, web and audit logs), opens
//! the store and the outputs, and runs `ferret_watch::run` until SIGTERM or
//! SIGINT; SIGHUP reloads the rules.

use super::Outcome;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use ferret_core::{escape_path, escape_str, Finding};
use ferret_detect::webshell::WebshellConfig;
use ferret_hunt::sigma::LoadStatus;
use ferret_logs::ReadOptions;
use ferret_store::state::WatchState;
use ferret_store::Store;
use ferret_watch::{ConfigWatch, Control, Outputs, StdoutFormat, WatchConfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

// Web roots watched when no PATH is given (below --root, or on this host): the scan's list.
use super::scan::WEB_ROOTS;
use ferret_detect::baseline_policy::{BaselinePolicy, LocationClass};

/// How findings are printed on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// One readable line per finding.
    Table,
    /// One JSON object per line (docs/finding.md).
    Jsonl,
    /// Nothing on standard output (use --output or --syslog).
    None,
}

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Directories (watched recursively) or files to watch. Without any, the
    /// usual web roots, the web roots the server configuration names and the
    /// server module directories (below --root, or on this host).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The system root whose configuration is read and whose usual locations
    /// are watched when no PATH is given (default: /).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// A log to follow through the Sigma rules and the web-log analysis
    /// (repeatable): Apache/nginx combined, IIS W3C, JSON lines, auditd.
    /// Without PATHs the host's access and audit logs are followed too.
    #[arg(long = "log", value_name = "FILE")]
    pub logs: Vec<PathBuf>,
    /// Do not follow the host's own logs (/var/log/apache2/*access*.log,
    /// /var/log/nginx/access.log, /var/log/audit/audit.log).
    #[arg(long)]
    pub no_host_logs: bool,
    /// Add a YARA rule tree (repeatable; re-read on SIGHUP).
    #[arg(long = "yara", value_name = "DIR")]
    pub yara: Vec<PathBuf>,
    /// Add a Sigma rule tree (repeatable; re-read on SIGHUP).
    #[arg(long = "sigma", value_name = "DIR")]
    pub sigma: Vec<PathBuf>,
    /// Run only the --yara and --sigma rules, not Ferret's own.
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Silence what a site has reviewed (TOML [[allow]] entries; repeatable).
    #[arg(long, value_name = "FILE")]
    pub allowlist: Vec<PathBuf>,
    /// Do not read the server configuration (nor re-read it when it changes).
    #[arg(long)]
    pub no_components: bool,
    /// Skip the web-log analysis of followed access logs.
    #[arg(long)]
    pub no_weblog: bool,
    /// Seconds between two scorings of the followed web logs' recent requests.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub weblog_interval: u64,
    /// A file still being written is judged after this many milliseconds
    /// without change (at once when its writer closes it).
    #[arg(long, default_value_t = 200, value_name = "MS")]
    pub settle: u64,
    /// Files larger than this many MiB are not read.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub max_size: u64,
    /// Judge threads (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Host name put on findings (default: this host).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
    /// The store keeping log offsets and what was seen and reported
    /// (default: $FERRET_DB, else /var/lib/ferret/ferret.db as root, else
    /// $XDG_STATE_HOME/ferret/ferret.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Standard output format.
    #[arg(long, value_enum, default_value_t = WatchFormat::Table)]
    pub format: WatchFormat,
    /// Append findings as JSON lines to FILE (synced after each batch).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Send each finding to syslog as one RFC 5424 message (to SOCKET,
    /// default /dev/log).
    #[arg(long, value_name = "SOCKET", num_args = 0..=1, default_missing_value = "/dev/log")]
    pub syslog: Option<PathBuf>,
    /// Also publish each finding to NATS JetStream (nats://HOST:PORT), one
    /// subject per host; each batch waits for its acknowledgements, and what
    /// cannot be sent waits in the spool until the server is back.
    #[arg(long, value_name = "URL", env = "FERRET_SINK")]
    pub sink: Option<String>,
    /// The spool file for --sink (default: $FERRET_SPOOL, else
    /// $XDG_STATE_HOME/ferret/spool.jsonl, else ~/.local/state/ferret/spool.jsonl).
    #[arg(long, value_name = "FILE", requires = "sink")]
    pub spool: Option<PathBuf>,
}

/// `--sink` for the daemon: each batch is published and its
/// acknowledgements awaited before the next.
struct FleetForward {
    url: String,
    publisher: ferret_fleet::Publisher,
}

impl ferret_watch::Forward for FleetForward {
    fn send(&mut self, findings: &[Finding]) -> Result<(), String> {
        for f in findings {
            self.publisher.publish(f).map_err(|e| e.to_string())?;
        }
        let before = self.publisher.summary().spooled;
        self.publisher.flush().map_err(|e| e.to_string())?;
        let spooled = self.publisher.summary().spooled;
        if spooled > before {
            eprintln!(
                "ferret watch: --sink {}: {} finding(s) wait in the spool until the server is back",
                escape_str(&self.url),
                spooled - before
            );
        }
        Ok(())
    }

    fn name(&self) -> String {
        format!("--sink {}", escape_str(&self.url))
    }
}

pub fn exec(args: WatchArgs) -> anyhow::Result<Outcome> {
    let control = Control::with_signals().context("installing signal handlers")?;
    let host = super::scan::host_for(args.host.as_deref(), None);
    let system_root = args.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    anyhow::ensure!(
        system_root.is_dir(),
        "--root {}: not a directory",
        system_root.display()
    );
    let inventory = if args.no_components {
        None
    } else {
        Some(super::inventory::inventory(
            &system_root,
            &[],
            &host,
            &super::scan::now_rfc3339(),
        )?)
    };
    let mut roots = if args.paths.is_empty() {
        // Module and plugin directories: the same list `ferret baseline` records.
        let policy = BaselinePolicy::load()?;
        let module_dirs = policy
            .locations()
            .iter()
            .filter(|l| l.class == LocationClass::ModuleDir && !l.windows)
            .map(|l| l.path.as_str());
        let mut found: Vec<PathBuf> = WEB_ROOTS
            .iter()
            .copied()
            .chain(module_dirs)
            .map(|r| system_root.join(r))
            .filter(|p| p.is_dir())
            .collect();
        for w in inventory.iter().flat_map(|i| &i.discovered.web_roots) {
            if !found.iter().any(|f| w.starts_with(f)) {
                found.push(w.clone());
            }
        }
        found
    } else {
        args.paths.clone()
    };
    roots.sort();
    roots.dedup();
    let mut logs = args.logs.clone();
    if args.paths.is_empty() && args.root.is_none() && !args.no_host_logs {
        logs.extend(ferret_watch::discover_host_logs());
    }
    logs.dedup();
    anyhow::ensure!(
        !roots.is_empty() || !logs.is_empty(),
        "nothing to watch: no PATH or --log given and none of the usual locations exists"
    );
    let configs = inventory.map(|inv| {
        let (root, host) = (system_root.clone(), host.clone());
        ConfigWatch {
            files: inv.discovered.files_read.clone(),
            reread: Box::new(move || reread(&root, &host)),
        }
    });
    let db = args
        .db
        .clone()
        .unwrap_or_else(ferret_store::seal::default_store_path);
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let state = WatchState::new(Store::open(&db)?)?;
    let stdout = match args.format {
        WatchFormat::Table => StdoutFormat::Table,
        WatchFormat::Jsonl => StdoutFormat::Jsonl,
        WatchFormat::None => StdoutFormat::Off,
    };
    let mut outputs = Outputs::open(stdout, args.output.as_deref(), args.syslog.as_deref())?;
    if let Some(url) = &args.sink {
        let mut cfg =
            ferret_fleet::SinkConfig::new(url).with_context(|| format!("--sink {url}"))?;
        if let Some(spool) = &args.spool {
            cfg.spool = spool.clone();
        }
        let publisher =
            ferret_fleet::Publisher::open(cfg).with_context(|| format!("opening --sink {url}"))?;
        outputs.forward_to(Box::new(FleetForward {
            url: url.clone(),
            publisher,
        }));
    }
    let (sigma_dirs, no_builtin) = (args.sigma.clone(), args.no_builtin_rules);
    let config = WatchConfig {
        roots: roots.clone(),
        logs: logs.clone(),
        webshell: WebshellConfig {
            user_yara: args.yara.clone(),
            allowlists: args.allowlist.clone(),
            no_shipped_rules: args.no_builtin_rules,
            timeout: Duration::ZERO,
            compiled_rules: None,
        },
        sigma: Box::new(move || sigma_rules(&sigma_dirs, no_builtin)),
        weblog: !args.no_weblog && !args.no_builtin_rules,
        weblog_interval: Duration::from_secs(args.weblog_interval.max(1)),
        host,
        max_size: args.max_size.saturating_mul(1 << 20),
        quiet: Duration::from_millis(args.settle),
        threads: args.threads,
        read_options: ReadOptions::default(),
        configs,
    };
    eprintln!(
        "ferret watch: {} location(s), {} log(s), store {}",
        roots.len(),
        logs.len(),
        escape_path(&db)
    );
    let summary = ferret_watch::run(config, state, &mut outputs, &control, &mut |n| {
        eprintln!("ferret watch: {n}")
    })?;
    eprintln!(
        "ferret watch: stopped; {} finding(s) reported, {} file(s) judged, {} log event(s), {} rescan(s)",
        summary.reported, summary.files, summary.events, summary.rescans
    );
    Ok(Outcome::Clean)
}

/// The Sigma rules; any refused rule is an error (on reload the old rules stay).
fn sigma_rules(dirs: &[PathBuf], no_builtin: bool) -> Result<ferret_hunt::sigma::RuleSet, String> {
    let (rules, reports) = super::hunt::build_rules(dirs, no_builtin);
    let refused: Vec<String> = reports
        .iter()
        .filter_map(|r| match &r.status {
            LoadStatus::Refused(why) => Some(format!("{}: {why}", r.path)),
            LoadStatus::Loaded => None,
        })
        .collect();
    if refused.is_empty() {
        Ok(rules)
    } else {
        Err(refused.join("; "))
    }
}

/// The configuration's findings now.
fn reread(root: &Path, host: &str) -> Vec<Finding> {
    match super::inventory::inventory(root, &[], host, &super::scan::now_rfc3339()) {
        Ok(inv) => inv.findings().cloned().collect(),
        Err(e) => {
            eprintln!(
                "ferret watch: re-reading the configuration: {}",
                escape_str(&e.to_string())
            );
            Vec::new()
        }
    }
}
