//! `ferret scan --live`: read the running processes from /proc, judge them
//! with `ferret_detect::live_policy`, and hand the findings to the scan's report.

use super::output::{OutputArgs, Report};
use super::Outcome;
use anyhow::Context as _;
use clap::Args;
use ferret_collect::live::maps::Backing;
use ferret_collect::live::net::SockState;
use ferret_collect::live::{snapshot, users, LiveOptions, Selection, Snapshot};
use ferret_collect::servers::dpkg::PackageDb;
use ferret_core::escape_str;
use ferret_detect::live_policy::{
    Connection, Image, LiveContext, LivePolicy, LiveProcess, MappedFile, PackageOwner,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// The `--live` flags of `ferret scan`.
#[derive(Debug, Clone, Args)]
pub struct LiveArgs {
    /// Check this Linux host's running processes (read from /proc): shells and
    /// recon tools below web and database server workers, their connections
    /// to unusual peers, and files mapped into them that no package owns,
    /// deleted or memory-only. Without PATH and --root, only these checks run.
    #[arg(long)]
    pub live: bool,
    /// The proc file system to read.
    #[arg(
        long = "proc",
        value_name = "DIR",
        default_value = "/proc",
        hide = true
    )]
    pub proc_root: PathBuf,
    /// With --live, judge only these processes and their descendants (repeatable).
    #[arg(long = "live-pid", value_name = "PID", requires = "live")]
    pub pids: Vec<u32>,
    /// With --live, a site's additions to the live policy (TOML, repeatable):
    /// usual peers, allowed module paths and memfd names, allowed commands.
    /// See docs/live.md.
    #[arg(long = "live-config", value_name = "FILE", requires = "live")]
    pub config: Vec<PathBuf>,
}

/// What one live run did.
#[derive(Debug, Default)]
pub struct LiveRun {
    /// Processes read.
    pub processes: usize,
    /// Processes judged.
    pub examined: usize,
    /// Processes that exited while read.
    pub vanished: usize,
    /// Problems reported.
    pub errors: usize,
}

/// `ferret scan --live` with nothing else to scan.
pub fn exec(
    args: &LiveArgs,
    host: &str,
    now: &str,
    output: &OutputArgs,
) -> anyhow::Result<Outcome> {
    let mut report = Report::open(output, &[], "scan --live")?;
    let r = run(args, host, now, &mut report, &mut |m| eprintln!("{m}"))?;
    report.finish()?;
    if !output.quiet {
        eprintln!(
            "ferret: {} findings at or above {}; {} processes read, {} judged, {} vanished while read; {} errors",
            report.reported, report.min, r.processes, r.examined, r.vanished, r.errors
        );
    }
    Ok(report.outcome(r.errors > 0))
}

/// Runs the live checks and offers each finding to `report`; `note` gets
/// each problem as one escaped line.
pub fn run(
    args: &LiveArgs,
    host: &str,
    now: &str,
    report: &mut Report,
    note: &mut dyn FnMut(String),
) -> anyhow::Result<LiveRun> {
    let mut site = Vec::new();
    for f in &args.config {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading --live-config {}", f.display()))?;
        site.push((f.display().to_string(), text));
    }
    let policy = LivePolicy::load(&site).context("loading the live policy")?;
    let selection = if args.pids.is_empty() {
        Selection::All
    } else {
        Selection::Trees(args.pids.clone())
    };
    let snap = snapshot(&LiveOptions {
        proc_root: args.proc_root.clone(),
        selection,
    })
    .context("reading the process table")?;
    let mut run = LiveRun {
        processes: snap.processes.len(),
        examined: snap.selected().count(),
        vanished: snap.vanished,
        errors: snap.errors.len(),
    };
    for e in &snap.errors {
        note(format!("ferret: live: {}", escape_str(&e.to_string())));
    }
    for pid in &args.pids {
        if !snap.processes.contains_key(pid) {
            note(format!("ferret: live: no process {pid}"));
            run.errors += 1;
        }
    }
    let procs = to_policy_input(&snap, &users(Path::new("/etc/passwd")));
    let packages = LazyPackages::default();
    let owner: Option<&dyn PackageOwner> = packages.available().then_some(&packages);
    let ctx = LiveContext {
        host: host.to_string(),
        time: now.to_string(),
    };
    for f in policy.judge(&procs, owner, &ctx) {
        report.offer(&f)?;
    }
    for e in packages.errors() {
        note(format!(
            "ferret: live: package database: {}",
            escape_str(&e)
        ));
    }
    Ok(run)
}

/// The package databases of this host, loaded on the first question.
#[derive(Default)]
struct LazyPackages(OnceLock<(Option<PackageDb>, Vec<String>)>);

impl LazyPackages {
    fn get(&self) -> &(Option<PackageDb>, Vec<String>) {
        self.0
            .get_or_init(|| match PackageDb::load(Path::new("/")) {
                Ok(Some(db)) => {
                    let errs = db.errors.iter().map(|e| e.to_string()).collect();
                    (Some(db), errs)
                }
                Ok(None) => (None, Vec::new()),
                Err(e) => (None, vec![e.to_string()]),
            })
    }

    /// Whether this host has a dpkg or RPM database (checked without loading it).
    fn available(&self) -> bool {
        Path::new("/var/lib/dpkg/info").is_dir() || Path::new("/var/lib/rpm/rpmdb.sqlite").is_file()
    }

    fn errors(&self) -> Vec<String> {
        self.0.get().map(|(_, e)| e.clone()).unwrap_or_default()
    }
}

impl PackageOwner for LazyPackages {
    fn owner(&self, path: &str) -> Option<String> {
        self.get().0.as_ref()?.owner(path).map(str::to_string)
    }
}

fn image(b: &Backing) -> Option<Image> {
    match b {
        Backing::File(p) => Some(Image::File(p.clone())),
        Backing::Deleted(p) => Some(Image::Deleted(p.clone())),
        Backing::Memfd(n) => Some(Image::Memfd(n.clone())),
        Backing::Anonymous | Backing::Special(_) => None,
    }
}

/// The source's snapshot in the analyzer's terms (the two crates do not
/// depend on each other).
fn to_policy_input(
    snap: &Snapshot,
    users: &std::collections::HashMap<u32, String>,
) -> Vec<LiveProcess> {
    snap.processes
        .values()
        .map(|p| {
            let mut lp = LiveProcess {
                pid: p.pid,
                ppid: p.ppid,
                start_ticks: p.start_ticks,
                started: p.started_unix.and_then(|s| {
                    let t = SystemTime::UNIX_EPOCH
                        .checked_add(Duration::from_secs(u64::try_from(s).ok()?))?;
                    Some(humantime::format_rfc3339_seconds(t).to_string())
                }),
                comm: p.comm.clone(),
                cmdline: p.cmdline.clone(),
                uid: p.uid,
                user: p.uid.and_then(|u| users.get(&u).cloned()),
                ..LiveProcess::default()
            };
            if let Some(d) = &p.detail {
                lp.examined = true;
                lp.exe = d.exe.as_ref().and_then(image);
                lp.cwd = d.cwd.clone();
                // One entry per file: executable when any of its mappings is.
                let mut files: BTreeMap<Image, bool> = BTreeMap::new();
                for m in &d.maps {
                    if let Some(i) = image(&m.backing) {
                        *files.entry(i).or_default() |= m.perms.exec;
                    }
                }
                lp.mappings = files
                    .into_iter()
                    .map(|(image, exec)| MappedFile { image, exec })
                    .collect();
                lp.connections = d
                    .sockets
                    .iter()
                    .map(|s| Connection {
                        proto: s.proto.as_str(),
                        local: s.local,
                        remote: s.remote,
                        connected: matches!(s.state, SockState::Established | SockState::SynSent),
                        local_port_listening: s.local_port_listening,
                    })
                    .collect();
            }
            lp
        })
        .collect()
}
