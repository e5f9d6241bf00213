//! The daemon's loop: reconcile at start, then take file events, judge
//! files once they are quiet (or closed after writing), follow logs, re-read
//! changed configuration, and write each batch of findings then commit it.

use crate::error::WatchError;
use crate::files::{Judged, Judges, SharedRules, Stat};
use crate::logs::Followed;
use crate::output::Outputs;
use crate::{Control, Summary, WatchConfig};
use crossbeam_channel::RecvTimeoutError;
use ferret_collect::walk::{Entry, Walk, WalkOptions};
use ferret_core::{escape_path, escape_str, stable_id, Event, Finding};
use ferret_hunt::findings::{sigma_finding, weblog_finding, HuntContext};
use ferret_hunt::sigma::RuleSet;
use ferret_hunt::weblog::{WeblogAnalyzer, WeblogConfig};
use ferret_store::state::{Batch, Reported, WatchState};
use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RemoveKind};
use notify::{RecursiveMode, Watcher};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often logs and configuration files are polled, and signals checked.
const TICK: Duration = Duration::from_millis(250);
/// Web requests kept per log for the web-log analysis.
const WEBLOG_HISTORY: usize = 20_000;
/// Delay before a rescan asked for by an overflow, so a burst asks once.
const RESCAN_DELAY: Duration = Duration::from_millis(200);

/// A file waiting to be judged.
struct Pending {
    last_event: Instant,
    closed: bool,
}

struct Daemon<'a> {
    config: WatchConfig,
    state: WatchState,
    outputs: &'a mut Outputs,
    notes: &'a mut dyn FnMut(&str),
    rules: Arc<SharedRules>,
    sigma: RuleSet,
    judges: Option<Judges>,
    pending: HashMap<PathBuf, Pending>,
    inflight: HashSet<PathBuf>,
    again: HashSet<PathBuf>,
    logs: Vec<Followed>,
    web: HashMap<PathBuf, (VecDeque<Event>, bool)>,
    weblog_cfg: Option<Arc<WeblogConfig>>,
    last_weblog: Instant,
    configs: HashMap<PathBuf, Option<Stat>>,
    batch: Batch,
    batch_keys: HashSet<String>,
    findings: Vec<Finding>,
    summary: Summary,
}

/// Runs the daemon until `control.stop` is set; returns what it did.
pub fn run(
    config: WatchConfig,
    state: WatchState,
    outputs: &mut Outputs,
    control: &Control,
    notes: &mut dyn FnMut(&str),
) -> Result<Summary, WatchError> {
    let (rules, refused) = config
        .webshell
        .build()
        .map_err(|e| WatchError::Rules(e.to_string()))?;
    for e in refused {
        notes(&format!(
            "rule file refused: {}",
            escape_str(&e.to_string())
        ));
    }
    let sigma = (config.sigma)().map_err(WatchError::Rules)?;
    let rules = SharedRules::new(rules);
    let threads = if config.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        config.threads
    };
    let judges = Judges::start(
        threads,
        Arc::clone(&rules),
        config.host.clone(),
        config.max_size,
    );
    let logs = config.logs.iter().cloned().map(Followed::new).collect();
    let configs = config
        .configs
        .as_ref()
        .map(|c| {
            c.files
                .iter()
                .map(|p| (p.clone(), Stat::regular(p)))
                .collect()
        })
        .unwrap_or_default();
    let weblog_cfg = config.weblog.then(|| Arc::new(WeblogConfig::shipped()));
    let d = Daemon {
        config,
        state,
        outputs,
        notes,
        rules,
        sigma,
        judges: Some(judges),
        pending: HashMap::new(),
        inflight: HashSet::new(),
        again: HashSet::new(),
        logs,
        web: HashMap::new(),
        weblog_cfg,
        last_weblog: Instant::now(),
        configs,
        batch: Batch::default(),
        batch_keys: HashSet::new(),
        findings: Vec::new(),
        summary: Summary::default(),
    };
    d.run(control)
}

impl Daemon<'_> {
    fn note(&mut self, s: &str) {
        self.summary.notes += 1;
        (self.notes)(s);
    }

    fn run(mut self, control: &Control) -> Result<Summary, WatchError> {
        let (ev_tx, ev_rx) = crossbeam_channel::unbounded();
        let mut watcher = notify::RecommendedWatcher::new(
            move |r| {
                let _ = ev_tx.send(r);
            },
            notify::Config::default().with_follow_symlinks(false),
        )
        .map_err(|source| WatchError::Watch {
            path: PathBuf::from("(inotify)"),
            source,
        })?;
        let roots: Vec<PathBuf> = self.config.roots.clone();
        for r in &roots {
            self.watch(&mut watcher, r);
        }
        // Reconcile: everything that changed while the daemon was down.
        self.rescan(&roots);
        self.poll_logs()?;
        self.step()?;
        let mut rescan_at: Option<Instant> = None;
        let mut last_tick = Instant::now();
        let mut last_config = Instant::now();
        while !control.stop.load(Ordering::SeqCst) {
            if control.reload.swap(false, Ordering::SeqCst) {
                self.reload();
            }
            match ev_rx.recv_timeout(self.timeout(rescan_at)) {
                Ok(first) => {
                    let mut n = 0;
                    for ev in std::iter::once(first).chain(ev_rx.try_iter()) {
                        if self.event(ev) {
                            rescan_at.get_or_insert_with(|| Instant::now() + RESCAN_DELAY);
                        }
                        n += 1;
                        if n >= 10_000 {
                            break;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if rescan_at.is_some_and(|t| Instant::now() >= t) {
                rescan_at = None;
                self.summary.rescans += 1;
                for r in &roots {
                    self.watch(&mut watcher, r);
                }
                self.rescan(&roots);
            }
            self.dispatch_ready();
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                self.poll_logs()?;
                if last_config.elapsed() >= Duration::from_secs(1) {
                    last_config = Instant::now();
                    self.poll_configs();
                }
                if self.last_weblog.elapsed() >= self.config.weblog_interval {
                    self.score_weblog();
                }
            }
            self.step()?;
        }
        drop(watcher);
        // Stop: the files already queued are judged, then all is committed.
        if let Some(judges) = self.judges.take() {
            for j in judges.stop() {
                self.judged(j)?;
            }
        }
        self.poll_logs()?;
        self.step()?;
        self.summary.reported = self.outputs.written();
        Ok(self.summary)
    }

    /// How long to wait for file events.
    fn timeout(&self, rescan_at: Option<Instant>) -> Duration {
        let mut t = TICK;
        if let Some(r) = rescan_at {
            t = t.min(r.saturating_duration_since(Instant::now()));
        }
        if !self.pending.is_empty() {
            t = t.min(self.config.quiet / 2);
        }
        if !self.inflight.is_empty() {
            t = t.min(Duration::from_millis(10));
        }
        t.max(Duration::from_millis(1))
    }

    fn watch(&mut self, w: &mut notify::RecommendedWatcher, root: &Path) {
        let mode = if root.is_dir() {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        if let Err(e) = w.watch(root, mode) {
            let msg = format!(
                "cannot watch {}: {}",
                escape_path(root),
                escape_str(&e.to_string())
            );
            self.note(&msg);
        }
    }

    /// Takes one notify event; returns whether a rescan is needed.
    fn event(&mut self, ev: notify::Result<notify::Event>) -> bool {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                let msg = format!("file events: {}", escape_str(&e.to_string()));
                self.note(&msg);
                return true;
            }
        };
        if ev.need_rescan() {
            return true;
        }
        match ev.kind {
            EventKind::Remove(RemoveKind::File) => {
                for p in ev.paths {
                    self.pending.remove(&p);
                    self.batch.removed.push(p);
                }
            }
            EventKind::Create(CreateKind::Folder) => {
                for p in ev.paths {
                    self.walk_new_dir(&p);
                }
            }
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                for p in ev.paths {
                    self.mark(p, true);
                }
            }
            EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Data(_))
            | EventKind::Modify(ModifyKind::Any)
            | EventKind::Modify(ModifyKind::Metadata(_))
            | EventKind::Modify(ModifyKind::Name(_)) => {
                for p in ev.paths {
                    match std::fs::symlink_metadata(&p) {
                        Ok(m) if m.is_dir() => self.walk_new_dir(&p),
                        Ok(m) if m.is_file() => self.mark(p, false),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        false
    }

    fn mark(&mut self, path: PathBuf, closed: bool) {
        let p = self.pending.entry(path).or_insert(Pending {
            last_event: Instant::now(),
            closed,
        });
        p.last_event = Instant::now();
        p.closed |= closed;
    }

    /// A directory appeared (or was moved in): its files may have been
    /// written before its watch was in place.
    fn walk_new_dir(&mut self, dir: &Path) {
        for p in walk_files(std::slice::from_ref(&dir.to_path_buf())) {
            self.mark(p, false);
        }
    }

    /// Compares every file under `roots` with the seen table and judges
    /// those that differ.
    fn rescan(&mut self, roots: &[PathBuf]) {
        let existing: Vec<PathBuf> = roots
            .iter()
            .filter(|r| std::fs::symlink_metadata(r).is_ok())
            .cloned()
            .collect();
        for p in walk_files(&existing) {
            self.consider(p);
        }
    }

    /// Sends files whose writer closed them, or quiet for long enough.
    fn dispatch_ready(&mut self) {
        let quiet = self.config.quiet;
        let ready: Vec<PathBuf> = self
            .pending
            .iter()
            .filter(|(_, p)| p.closed || p.last_event.elapsed() >= quiet)
            .map(|(k, _)| k.clone())
            .collect();
        for p in ready {
            self.pending.remove(&p);
            self.consider(p);
        }
    }

    /// Judges `path` unless it looks as when last judged.
    fn consider(&mut self, path: PathBuf) {
        if self.inflight.contains(&path) {
            self.again.insert(path);
            return;
        }
        let Some(stat) = Stat::regular(&path) else {
            return;
        };
        match self.state.file(&path) {
            Ok(Some(seen)) if stat.same_as(&seen) => return,
            Ok(_) => {}
            Err(e) => {
                let msg = escape_str(&e.to_string());
                self.note(&msg);
            }
        }
        if let Some(j) = &self.judges {
            self.inflight.insert(path.clone());
            j.send(path);
        }
    }

    fn judged(&mut self, j: Judged) -> Result<(), WatchError> {
        self.inflight.remove(&j.path);
        self.summary.files += 1;
        if let Some(n) = &j.note {
            self.note(n);
        }
        if let (Some(f), Some(seen)) = (j.finding, &j.seen) {
            let key = stable_id(&[&f.id, "file", &seen.sha256]);
            self.offer(f, key)?;
        }
        if let Some(seen) = j.seen {
            self.batch.files.push((j.path.clone(), seen));
        }
        if self.again.remove(&j.path) {
            self.mark(j.path, false);
        }
        Ok(())
    }

    /// Keeps `f` for this batch unless its key was reported before.
    fn offer(&mut self, f: Finding, key: String) -> Result<(), WatchError> {
        if self.batch_keys.contains(&key) || self.state.reported(&key)? {
            return Ok(());
        }
        self.batch.reported.push(Reported {
            key: key.clone(),
            finding_id: f.id.clone(),
            time: f.time.clone(),
        });
        self.batch_keys.insert(key);
        self.findings.push(f);
        Ok(())
    }

    /// Takes the judges' results, writes the batch's findings, then commits.
    fn step(&mut self) -> Result<(), WatchError> {
        let results: Vec<Judged> = match &self.judges {
            Some(j) => j.results().try_iter().collect(),
            None => Vec::new(),
        };
        for j in results {
            self.judged(j)?;
        }
        if self.findings.is_empty() && self.batch.is_empty() {
            return Ok(());
        }
        let findings = std::mem::take(&mut self.findings);
        self.outputs.write(&findings)?;
        let batch = std::mem::take(&mut self.batch);
        self.state.commit(&batch)?;
        self.batch_keys.clear();
        Ok(())
    }

    fn poll_logs(&mut self) -> Result<(), WatchError> {
        let mut events = Vec::new();
        let mut notes = Vec::new();
        let opts = self.config.read_options.clone();
        for l in &mut self.logs {
            let start = events.len();
            l.poll(&self.state, &opts, &mut events, &mut notes)?;
            if self.weblog_cfg.is_some() {
                let (ring, fresh) = self.web.entry(l.path.clone()).or_default();
                for (e, _) in &events[start..] {
                    if e.format.is_web() {
                        if ring.len() >= WEBLOG_HISTORY {
                            ring.pop_front();
                        }
                        ring.push_back(e.clone());
                        *fresh = true;
                    }
                }
            }
            if l.dirty {
                l.dirty = false;
                if let Some(o) = l.offset() {
                    self.batch.logs.push((l.path.clone(), o));
                }
            }
        }
        for n in notes {
            self.note(&n);
        }
        self.summary.events += events.len() as u64;
        if events.is_empty() {
            return Ok(());
        }
        let ctx = HuntContext {
            host: Some(self.config.host.clone()),
            time: crate::now_rfc3339(),
        };
        let mut found = Vec::new();
        {
            let sigma = &self.sigma;
            let mut matcher = sigma.matcher();
            let mut matches = Vec::new();
            let correlations = sigma.correlations();
            for (event, generation) in &events {
                matches.clear();
                matcher.scan(event, &mut matches);
                for m in matches.drain(..) {
                    if correlations.suppressed(m.rule) {
                        continue;
                    }
                    let f = sigma_finding(sigma.meta(m.rule), event, &m, &ctx);
                    let key = stable_id(&[&f.id, "log", &generation.to_string()]);
                    found.push((f, key));
                }
            }
        }
        for (f, key) in found {
            self.offer(f, key)?;
        }
        Ok(())
    }

    /// Scores each log's recent web requests; reports URIs not reported before.
    fn score_weblog(&mut self) {
        self.last_weblog = Instant::now();
        let Some(cfg) = &self.weblog_cfg else { return };
        let ctx = HuntContext {
            host: Some(self.config.host.clone()),
            time: crate::now_rfc3339(),
        };
        let mut found = Vec::new();
        for (ring, fresh) in self.web.values_mut() {
            if !std::mem::take(fresh) {
                continue;
            }
            let mut a = WeblogAnalyzer::new(Arc::clone(cfg));
            for e in ring.iter() {
                a.observe(e);
            }
            for w in a.finish() {
                let f = weblog_finding(&w, &ctx);
                let key = stable_id(&[&f.id, "weblog"]);
                found.push((f, key));
            }
        }
        for (f, key) in found {
            if let Err(e) = self.offer(f, key) {
                let msg = escape_str(&e.to_string());
                self.note(&msg);
            }
        }
    }

    /// Re-reads configuration when a file it was read from changed.
    fn poll_configs(&mut self) {
        let mut changed = false;
        for (p, last) in &mut self.configs {
            let now = Stat::regular(p);
            if now != *last {
                *last = now;
                changed = true;
            }
        }
        if !changed {
            return;
        }
        let Some(c) = &self.config.configs else {
            return;
        };
        let found = (c.reread)();
        for f in found {
            let key = stable_id(&[&f.id, "config"]);
            if let Err(e) = self.offer(f, key) {
                let msg = escape_str(&e.to_string());
                self.note(&msg);
            }
        }
    }

    /// Rebuilds both rule sets; on any error the old ones stay.
    fn reload(&mut self) {
        match self.config.webshell.build() {
            Ok((rules, refused)) if refused.is_empty() => {
                self.rules.replace(rules);
                self.note("web-shell rules reloaded");
            }
            Ok((_, refused)) => {
                for e in refused {
                    let msg = format!(
                        "reload: rule file refused, old rules kept: {}",
                        escape_str(&e.to_string())
                    );
                    self.note(&msg);
                }
            }
            Err(e) => {
                let msg = format!(
                    "reload: web-shell rules not loaded, old rules kept: {}",
                    escape_str(&e.to_string())
                );
                self.note(&msg);
            }
        }
        match (self.config.sigma)() {
            Ok(s) => {
                self.sigma = s;
                self.note("Sigma rules reloaded");
            }
            Err(e) => {
                let msg = format!(
                    "reload: Sigma rules not loaded, old rules kept: {}",
                    escape_str(&e)
                );
                self.note(&msg);
            }
        }
    }
}

/// The regular files under `roots` (no symbolic links followed, pseudo file
/// systems pruned).
fn walk_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    if roots.is_empty() {
        return Vec::new();
    }
    let Ok(walk) = Walk::new(
        roots.to_vec(),
        WalkOptions {
            threads: 1,
            ..WalkOptions::default()
        },
    ) else {
        return Vec::new();
    };
    let (tx, rx) = crossbeam_channel::unbounded();
    walk.run(|| {
        let tx = tx.clone();
        move |e| {
            if let Entry::File(f) = e {
                let _ = tx.send(f.path);
            }
        }
    });
    drop(tx);
    rx.into_iter().collect()
}
