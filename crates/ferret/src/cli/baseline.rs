//! `ferret baseline create|diff|accept|show`: a sealed record of every
//! server component, database object and file under the component
//! locations, and the changes since, judged by where they happened.

use super::output::{OutputArgs, Report};
use super::Outcome;
use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use ferret_collect::db::{mysql, postgres, redis, DbUrl, Engine};
use ferret_collect::read::{read_file, ReadOutcome};
use ferret_collect::snapshot::{self, SnapshotOptions};
use ferret_collect::walk::WalkOptions;
use ferret_core::{escape_path, escape_str, ChangeKind, Item, ItemKind, Severity};
use ferret_detect::baseline_policy::{diff, BaselinePolicy, Change, LocationClass, Root};
use ferret_detect::component_policy::declared_in;
use ferret_detect::language;
use ferret_detect::webshell::{FileInput, ScanContext, WebshellConfig, WebshellRules};
use ferret_store::baseline::{BaselineInfo, Baselines, NewBaseline, Tamper};
use ferret_store::seal::{default_key_path, default_store_path, Anchor, Key};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `ferret baseline` and its subcommands.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = BASELINE_HELP)]
pub struct BaselineArgs {
    #[command(subcommand)]
    command: BaselineCommand,
}

const BASELINE_HELP: &str = "\
Examples:
  ferret baseline create                         # this host: components, their files, web roots
  ferret baseline create --root /mnt/image --db /cases/web01.db --key /cases/web01.key
  ferret baseline diff                           # what changed since, graded by location
  ferret baseline diff --min-severity info --format jsonl
  ferret baseline accept --all --why 'apache2 2.4.62 upgrade, ticket 4711'
  ferret baseline accept --finding 3f2a9c0d1e2b4a5c --why 'new upload form reviewed'
  ferret baseline show

The store (--db, default $FERRET_DB, /var/lib/ferret/ferret.db as root) is sealed with a key
(--key, default $FERRET_KEY, /etc/ferret/baseline.key as root) kept outside the store; keep
both outside the recorded trees. A store that was altered, truncated or rolled back makes
`diff` say BASELINE STORE CANNOT BE TRUSTED and exit 2. See docs/baseline.md.";

#[derive(Debug, Clone, Subcommand)]
enum BaselineCommand {
    /// Record every component, database object and file under the component locations.
    ///
    /// Without PATH: the directories in rules/baseline/locations.toml (web roots, module and
    /// plugin directories of Apache, nginx, PHP, Tomcat, Redis, PostgreSQL, IIS inetsrv,
    /// Exchange agent and ESXi VIB locations, server configuration), the web roots the server
    /// configuration names and the directories of the components' implementation files, all
    /// below --root when given. Each file is recorded with SHA-256, size, mode, owner, times,
    /// inode; symbolic links with their target (never followed). Makes the key when absent.
    ///
    /// Examples:
    ///   ferret baseline create
    ///   ferret baseline create /var/www /usr/lib/apache2/modules --note 'after patching'
    ///   ferret baseline create --db-url postgres://audit@127.0.0.1:5432
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// Report what was added, changed or removed since the latest baseline.
    ///
    /// Each change is a finding (rule ferret.baseline.added|changed|removed) whose severity
    /// depends on where it happened and what it is: a new script in an upload directory is
    /// high, a changed module whose package checksum still matches is info, a file made
    /// group/world-writable or setuid is medium (rules/baseline/severity.toml). Files whose
    /// size, mtime, ctime, inode and device are unchanged keep their recorded hash (--rehash
    /// reads them all). The store is verified first: altered, damaged, rolled back or sealed
    /// with another key, it is reported loudly and the exit status is 2.
    ///
    /// Examples:
    ///   ferret baseline diff
    ///   ferret baseline diff --rehash --min-severity low --format jsonl -o changes.jsonl
    ///
    /// Exit status: 0 nothing at or above --fail-on, 1 changes at or above it, 2 an untrusted
    /// store or errors on some items.
    #[command(verbatim_doc_comment)]
    Diff(DiffArgs),
    /// Accept reviewed changes into a new sealed baseline, recording who and why.
    ///
    /// Examples:
    ///   ferret baseline accept --all --why 'php8.2 security update'
    ///   ferret baseline accept --key-of /var/www/html/new.php --why 'release 5.2' --who alice
    ///   ferret baseline accept --finding 3f2a9c0d1e2b4a5c --why 'reviewed, benign'
    #[command(verbatim_doc_comment)]
    Accept(AcceptArgs),
    /// Show the store's baselines (newest first) and the accepted changes.
    ///
    /// Examples:
    ///   ferret baseline show
    ///   ferret baseline show --format jsonl
    #[command(verbatim_doc_comment)]
    Show(ShowArgs),
}

/// Where the store and key are.
#[derive(Debug, Clone, Args)]
struct StoreArgs {
    /// The baseline store (SQLite). Default: $FERRET_DB, else /var/lib/ferret/ferret.db as
    /// root, else ~/.local/state/ferret/ferret.db.
    #[arg(long = "db", value_name = "PATH")]
    db: Option<PathBuf>,
    /// The sealing key (64 hex characters, mode 0600). Default: $FERRET_KEY, else
    /// /etc/ferret/baseline.key as root, else ~/.config/ferret/baseline.key. Its anchor
    /// (KEY.anchor) beside it detects a store rolled back to an older copy.
    #[arg(long = "key", value_name = "PATH")]
    key: Option<PathBuf>,
}

impl StoreArgs {
    fn db(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(default_store_path)
    }
    fn key(&self) -> PathBuf {
        self.key.clone().unwrap_or_else(default_key_path)
    }
}

/// What to record.
#[derive(Debug, Clone, Args)]
struct Selection {
    /// Directories or files to record instead of the default locations (with --root:
    /// paths inside the image).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Treat DIR as a mounted disk image or a triage collection.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    /// Also record the objects of these database servers, read-only (postgres://, mysql://,
    /// redis://; repeatable), as `ferret audit-db` lists them. A postgres:// URL that names a
    /// database records that database and the server-wide objects; without one, every
    /// database that accepts connections.
    #[arg(long = "db-url", value_name = "URL")]
    db_url: Vec<String>,
    /// Skip files and directories matching GLOB (repeatable; as `ferret scan --exclude`).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not read server configuration: record files only (PATHs or the default locations).
    #[arg(long)]
    no_components: bool,
    /// Files larger than this many MiB are recorded without a hash ("too large: not hashed").
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    max_hash: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    threads: usize,
    /// Host name recorded and put on findings (default: this host, or the --root folder's name).
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
}

#[derive(Debug, Clone, Args)]
struct CreateArgs {
    #[command(flatten)]
    sel: Selection,
    /// A note stored with the baseline ("after the March patch round").
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// No summary on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Debug, Clone, Args)]
struct DiffArgs {
    #[command(flatten)]
    sel: Selection,
    /// Hash every file, even those whose metadata is unchanged.
    #[arg(long)]
    rehash: bool,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["all", "key_of", "finding"])))]
struct AcceptArgs {
    #[command(flatten)]
    sel: Selection,
    /// Accept every current change.
    #[arg(long)]
    all: bool,
    /// Accept the change of this item: a file path, or a component / database object key
    /// as `show` and the findings name it (repeatable).
    #[arg(long = "key-of", value_name = "ITEM")]
    key_of: Vec<String>,
    /// Accept the change behind this finding id (repeatable).
    #[arg(long, value_name = "ID")]
    finding: Vec<String>,
    /// Why the change is accepted (recorded and sealed).
    #[arg(long, value_name = "TEXT")]
    why: String,
    /// Who reviewed it (default: $SUDO_USER, else $USER).
    #[arg(long, value_name = "NAME")]
    who: Option<String>,
    /// Hash every file, even those whose metadata is unchanged.
    #[arg(long)]
    rehash: bool,
    /// No summary on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// `show --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ShowFormat {
    /// Lines for people.
    Table,
    /// One JSON object per baseline and per acceptance.
    Jsonl,
}

#[derive(Debug, Clone, Args)]
struct ShowArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ShowFormat,
}

pub fn exec(args: BaselineArgs) -> anyhow::Result<Outcome> {
    match args.command {
        BaselineCommand::Create(a) => create(a),
        BaselineCommand::Diff(a) => diff_cmd(a),
        BaselineCommand::Accept(a) => accept(a),
        BaselineCommand::Show(a) => show(a),
    }
}

/// What one collection run found.
struct Collected {
    items: Vec<Item>,
    roots: Vec<Root>,
    walked: Vec<PathBuf>,
    errors: Vec<String>,
    hashed: u64,
    reused: u64,
    host: String,
}

fn root_of(sel: &Selection) -> anyhow::Result<PathBuf> {
    match &sel.root {
        Some(r) => {
            anyhow::ensure!(r.is_dir(), "--root {}: not a directory", r.display());
            Ok(r.clone())
        }
        None => Ok(PathBuf::from("/")),
    }
}

/// The directories below `root` the policy names, as found on disk.
fn default_locations(policy: &BaselinePolicy, root: &Path) -> Vec<Root> {
    let drives = ferret_collect::layout::windows_drives(root);
    let mut out = Vec::new();
    for loc in policy.locations() {
        let technique = Some(policy.location_technique(loc));
        let found: Vec<PathBuf> = if loc.windows {
            drives
                .iter()
                .filter_map(|(_, d)| ferret_collect::layout::join_ci(d, &loc.path))
                .collect()
        } else {
            vec![root.join(&loc.path)]
        };
        for path in found {
            if path.is_dir() {
                out.push(Root {
                    path,
                    class: loc.class,
                    technique,
                });
            }
        }
    }
    out
}

fn class_of_component(server: ferret_core::Server) -> LocationClass {
    match server {
        ferret_core::Server::Exchange => LocationClass::AgentDir,
        ferret_core::Server::Esxi => LocationClass::VibDir,
        _ => LocationClass::ModuleDir,
    }
}

/// Refuses a store or key inside a recorded tree: it would record itself.
fn refuse_inside(what: &str, p: &Path, walked: &[PathBuf]) -> anyhow::Result<()> {
    let abs = |q: &Path| -> Option<PathBuf> {
        std::fs::canonicalize(q).ok().or_else(|| {
            let parent = q.parent().filter(|x| !x.as_os_str().is_empty())?;
            Some(std::fs::canonicalize(parent).ok()?.join(q.file_name()?))
        })
    };
    let Some(target) = abs(p) else {
        return Ok(());
    };
    for w in walked {
        if let Ok(r) = std::fs::canonicalize(w) {
            if target.starts_with(&r) {
                anyhow::bail!(
                    "the {what} {} lies inside the recorded tree {}; it would record its own changes. Keep the store and the key outside the recorded trees (--db, --key)",
                    p.display(),
                    w.display()
                );
            }
        }
    }
    Ok(())
}

/// Collects every item; `previous` feeds the fast path.
fn collect(
    sel: &Selection,
    policy: &BaselinePolicy,
    previous: &[Item],
    rehash: bool,
) -> anyhow::Result<Collected> {
    let root = root_of(sel)?;
    let host = super::scan::host_for(sel.host.as_deref(), sel.root.as_deref());
    let time = super::scan::now_rfc3339();
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut roots = default_locations(policy, &root);
    let mut extra: Vec<Root> = Vec::new();
    if !sel.no_components {
        let inv = super::inventory::inventory(&root, &[], &host, &time)?;
        let mut comps: Vec<Item> = Vec::new();
        for r in &inv.rows {
            comps.push(snapshot::component_item(
                &r.component,
                &r.facts,
                r.judgement.verdict.as_str(),
                &declared_in(&r.component),
            ));
            if let Some(file) = &r.component.resolved {
                if r.component.server == ferret_core::Server::WindowsService {
                    continue; // its directory is System32: record the image only
                }
                let dir = file.parent().map(Path::to_path_buf);
                let path = match dir {
                    Some(d) if d.is_dir() => d,
                    _ => continue,
                };
                extra.push(Root {
                    path,
                    class: class_of_component(r.component.server),
                    technique: None,
                });
            }
        }
        for w in &inv.discovered.web_roots {
            extra.push(Root {
                path: w.clone(),
                class: LocationClass::WebRoot,
                technique: None,
            });
        }
        snapshot::dedup_keys(&mut comps);
        items.extend(comps);
        errors.extend(inv.discovered.errors.iter().map(|e| e.to_string()));
        errors.extend(inv.setup_errors.iter().cloned());
    }
    // Configuration-named roots are more specific than the defaults: they
    // come first, so a class from configuration wins over a broad default.
    extra.retain(|e| !roots.iter().any(|r| r.path == e.path));
    roots.extend(extra);
    let walked: Vec<PathBuf> = if sel.paths.is_empty() {
        let mut w: Vec<PathBuf> = roots.iter().map(|r| r.path.clone()).collect();
        w.sort();
        w.dedup();
        // A root inside another root is walked once, with the outer one.
        let outer: Vec<PathBuf> = w
            .iter()
            .filter(|p| !w.iter().any(|q| q != *p && p.starts_with(q)))
            .cloned()
            .collect();
        outer
    } else {
        let mut given = Vec::new();
        for p in &sel.paths {
            let q = match &sel.root {
                Some(r) if !p.exists() => r.join(p.strip_prefix("/").unwrap_or(p)),
                _ => p.clone(),
            };
            anyhow::ensure!(
                std::fs::symlink_metadata(&q).is_ok(),
                "{}: no such file or directory",
                q.display()
            );
            given.push(q);
        }
        given
    };
    refuse_inside("store", &sel.store.db(), &walked)?;
    refuse_inside("key", &sel.store.key(), &walked)?;
    let opts = SnapshotOptions {
        walk: WalkOptions {
            threads: sel.threads,
            excludes: sel.exclude.clone(),
            collection: sel.root.clone(),
        },
        hash_cap: sel.max_hash.saturating_mul(1024 * 1024),
        rehash,
        package_exts: policy.native_module_extensions(),
        package_root: root.clone(),
    };
    let snap = snapshot::snapshot_files(&walked, &opts, previous)?;
    errors.extend(snap.errors.iter().map(|e| e.to_string()));
    items.extend(snap.items);
    for url in &sel.db_url {
        collect_db(url, &mut items, &mut errors);
    }
    Ok(Collected {
        items,
        roots,
        walked,
        errors,
        hashed: snap.hashed,
        reused: snap.reused,
        host,
    })
}

fn collect_db(raw: &str, items: &mut Vec<Item>, errors: &mut Vec<String>) {
    let url = match DbUrl::parse(raw) {
        Ok(u) => u,
        Err(e) => {
            errors.push(e.reason());
            return;
        }
    };
    // A URL naming a database records that database (and the server-wide
    // objects); without one, every database that accepts connections.
    let mut opts = postgres::PgOptions::default();
    opts.databases.extend(url.database.clone());
    let mut found: Vec<Item> = Vec::new();
    let mut visit = |o: ferret_core::DbObject| found.push(snapshot::db_item(&o));
    let result = match url.engine {
        Engine::Redis => redis::audit(&url, opts.connect_timeout, &mut visit),
        Engine::Mysql => mysql::audit(
            &url,
            &[],
            opts.connect_timeout,
            opts.statement_timeout,
            &mut visit,
        ),
        _ => postgres::audit(&url, &opts, &mut visit),
    };
    match result {
        Ok(errs) => errors.extend(errs.iter().map(|e| e.reason())),
        Err(e) => errors.push(e.reason()),
    }
    snapshot::dedup_keys(&mut found);
    items.extend(found);
}

fn report_errors(errors: &[String]) {
    for e in errors {
        eprintln!("ferret: {}", escape_str(e));
    }
}

fn load_or_create_key(path: &Path) -> anyhow::Result<(Key, bool)> {
    if path.exists() {
        Ok((Key::load(path)?, false))
    } else {
        Ok((Key::create(path)?, true))
    }
}

fn load_key(path: &Path) -> anyhow::Result<Key> {
    anyhow::ensure!(
        path.exists(),
        "{}: no baseline key; run `ferret baseline create` first (or pass the key the store was sealed with, --key)",
        path.display()
    );
    Ok(Key::load(path)?)
}

fn counts(items: &[Item]) -> (usize, usize, usize) {
    let n = |k| items.iter().filter(|i| i.kind == k).count();
    (
        n(ItemKind::File),
        n(ItemKind::Component),
        n(ItemKind::DbObject),
    )
}

fn create(a: CreateArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let policy = BaselinePolicy::load()?;
    let c = collect(&a.sel, &policy, &[], true)?;
    let key_path = a.sel.store.key();
    let (key, made) = load_or_create_key(&key_path)?;
    let anchor = Anchor::beside(&key_path);
    let mut store = Baselines::open(&a.sel.store.db())?;
    let (files, comps, dbs) = counts(&c.items);
    let info = store.write(
        NewBaseline {
            host: c.host.clone(),
            roots: c.walked.iter().map(|p| escape_path(p)).collect(),
            note: a.note.clone(),
        },
        c.items,
        &key,
        &anchor,
    )?;
    report_errors(&c.errors);
    if !a.quiet {
        if made {
            eprintln!(
                "ferret: made a new key {} (id {}); keep it outside the recorded trees and back it up",
                key_path.display(),
                key.id()
            );
        }
        eprintln!(
            "ferret: baseline {} (generation {}) of {} in {}: {} files, {} components, {} database objects from {} locations; {} hashed in {:.2}s; {} errors",
            info.id,
            info.generation,
            escape_str(&c.host),
            a.sel.store.db().display(),
            files,
            comps,
            dbs,
            c.walked.len(),
            c.hashed,
            started.elapsed().as_secs_f64(),
            c.errors.len()
        );
    }
    Ok(if c.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Errors
    })
}

/// Opens and verifies the store. `Err` for a usage problem; `Ok(Err(()))`
/// when the store cannot be trusted (already reported loudly).
/// The store, its latest baseline and that baseline's items (read once,
/// for the seal check and the comparison).
type Trusted = (Baselines, BaselineInfo, Vec<Item>, Key, Anchor);

fn open_trusted(store: &StoreArgs) -> anyhow::Result<Result<Trusted, Tamper>> {
    let key_path = store.key();
    let key = load_key(&key_path)?;
    let anchor = Anchor::beside(&key_path);
    let b = Baselines::open_existing(&store.db())?;
    match b.verify_and_load(&key, &anchor)? {
        Ok((info, items)) => Ok(Ok((b, info, items, key, anchor))),
        Err(t) => Ok(Err(t)),
    }
}

fn loud(t: &Tamper) {
    eprintln!("ferret: BASELINE STORE CANNOT BE TRUSTED: {t}");
    eprintln!("ferret: no changes are reported against it; nothing here is a clean result");
}

/// The changes of a collection against a baseline, graded.
struct Judged {
    change: Change,
    finding: ferret_core::Finding,
}

/// Largest script read to run the web-shell scanner on it.
const MAX_SCRIPT: u64 = 64 * 1024 * 1024;

/// Grades each change; added and changed scripts also go through the
/// web-shell scanner, whose evidence joins the baseline finding (and may
/// raise its severity). Returns the judged changes and per-file errors.
fn judge(
    policy: &BaselinePolicy,
    c: &Collected,
    changes: Vec<Change>,
) -> anyhow::Result<(Vec<Judged>, Vec<String>)> {
    let time = super::scan::now_rfc3339();
    let ctx = ScanContext {
        host: c.host.clone(),
        time: time.clone(),
    };
    let mut rules: Option<WebshellRules> = None;
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let mut content: Option<Vec<u8>> = None;
        let (file, lang) = if change.item_kind() == ItemKind::File {
            let path = snapshot::key_to_path(change.key());
            let regular = change
                .after
                .as_ref()
                .is_some_and(|a| !a.attrs.contains_key("type") && a.sha256.is_some());
            if regular {
                if let Ok(ReadOutcome::Content { bytes, .. }) = read_file(&path, MAX_SCRIPT) {
                    content = Some(bytes);
                }
            }
            let ident = language::identify(&path, content.as_deref().unwrap_or(&[]));
            let placement = policy.classify(&path, &c.roots);
            let ft = policy.file_type(&path, ident.map(|i| i.0));
            (Some((placement, ft, path)), ident)
        } else {
            (None, None)
        };
        let grade = policy.grade(&change, file.as_ref().map(|(p, t, _)| (*p, *t)));
        let mut finding = policy.finding(
            &change,
            &grade,
            lang.map(|(l, by)| (l, by.as_str())),
            &c.host,
            &time,
        );
        if let (Some(bytes), Some((_, _, path)), Some(_)) = (&content, &file, lang) {
            if rules.is_none() {
                let (r, _) = WebshellConfig::default()
                    .build()
                    .context("loading the web-shell rules")?;
                rules = Some(r);
            }
            let rules = rules.as_ref().expect("built above");
            let original = change
                .after
                .as_ref()
                .and_then(|a| a.attrs.get("original_path"))
                .map(String::as_str);
            let input = FileInput {
                path,
                original_path: original,
                data: bytes,
                mtime: None,
            };
            match rules.scanner().scan(&input, &ctx) {
                Ok(v) => {
                    if let Some(w) = v.finding {
                        if w.severity > finding.severity {
                            finding.severity = w.severity;
                            finding.score = w.score;
                            finding.confidence = w.confidence;
                        }
                        finding.title = format!("{} ({})", finding.title, w.title);
                        finding.evidence.extend(w.evidence);
                    }
                }
                Err(e) => errors.push(format!("{}: {e}", path.display())),
            }
        }
        out.push(Judged { change, finding });
    }
    Ok((out, errors))
}

fn diff_cmd(a: DiffArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let policy = BaselinePolicy::load()?;
    let (info, recorded) = match open_trusted(&a.sel.store)? {
        Ok((_, info, items, _, _)) => (info, items),
        Err(t) => {
            loud(&t);
            return Ok(Outcome::Errors);
        }
    };
    let mut c = collect(&a.sel, &policy, &recorded, a.rehash)?;
    let changes = diff(&recorded, &c.items);
    let (judged, scan_errors) = judge(&policy, &c, changes)?;
    c.errors.extend(scan_errors);
    let mut report = Report::open(&a.output, &c.walked, "baseline diff")?;
    let mut sorted: Vec<&Judged> = judged.iter().collect();
    sorted.sort_by(|x, y| {
        y.finding
            .severity
            .cmp(&x.finding.severity)
            .then_with(|| x.change.key().cmp(y.change.key()))
    });
    for j in &sorted {
        report.offer(&j.finding)?;
    }
    report.finish()?;
    report_errors(&c.errors);
    if !a.output.quiet {
        let n = |k| judged.iter().filter(|j| j.change.kind == k).count();
        let (files, comps, dbs) = counts(&c.items);
        eprintln!(
            "ferret: baseline diff against baseline {} (generation {}, {}): {} added, {} changed, {} removed; {} findings at or above {}; {} files ({} hashed, {} reused), {} components, {} database objects in {:.2}s; {} errors",
            info.id,
            info.generation,
            info.created,
            n(ChangeKind::Added),
            n(ChangeKind::Changed),
            n(ChangeKind::Removed),
            report.reported,
            Severity::from(a.output.min_severity),
            files,
            c.hashed,
            c.reused,
            comps,
            dbs,
            started.elapsed().as_secs_f64(),
            c.errors.len()
        );
    }
    Ok(report.outcome(!c.errors.is_empty()))
}

fn who(given: &Option<String>) -> String {
    given
        .clone()
        .or_else(|| std::env::var("SUDO_USER").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("USER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

fn accept(a: AcceptArgs) -> anyhow::Result<Outcome> {
    let policy = BaselinePolicy::load()?;
    let (mut store, info, recorded, key, anchor) = match open_trusted(&a.sel.store)? {
        Ok(t) => t,
        Err(t) => {
            loud(&t);
            return Ok(Outcome::Errors);
        }
    };
    let c = collect(&a.sel, &policy, &recorded, a.rehash)?;
    let changes = diff(&recorded, &c.items);
    let mut wanted_keys: Vec<(String, bool)> =
        a.key_of.iter().map(|k| (k.clone(), false)).collect();
    let mut wanted_ids: Vec<(String, bool)> = a
        .finding
        .iter()
        .map(|k| (k.to_ascii_lowercase(), false))
        .collect();
    let mut chosen = Vec::new();
    for ch in &changes {
        let mut take = a.all;
        for (k, hit) in wanted_keys.iter_mut() {
            let as_path = snapshot::path_key(Path::new(k.as_str()));
            if ch.key() == k || ch.key() == as_path {
                *hit = true;
                take = true;
            }
        }
        for (id, hit) in wanted_ids.iter_mut() {
            if ch.finding_id() == *id {
                *hit = true;
                take = true;
            }
        }
        if take {
            chosen.push((
                ch.kind,
                ch.item_kind(),
                ch.key().to_string(),
                ch.after.clone(),
            ));
        }
    }
    let missing: Vec<String> = wanted_keys
        .iter()
        .chain(&wanted_ids)
        .filter(|(_, hit)| !hit)
        .map(|(k, _)| escape_str(k))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "no current change matches {}; run `ferret baseline diff --min-severity info` to list them",
        missing.join(", ")
    );
    report_errors(&c.errors);
    if chosen.is_empty() {
        if !a.quiet {
            eprintln!(
                "ferret: nothing changed since baseline {}; nothing to accept",
                info.id
            );
        }
        return Ok(if c.errors.is_empty() {
            Outcome::Clean
        } else {
            Outcome::Errors
        });
    }
    let n = chosen.len();
    let reviewer = who(&a.who);
    let new = store.accept(&info, chosen, &reviewer, &a.why, &key, &anchor)?;
    if !a.quiet {
        eprintln!(
            "ferret: accepted {n} change(s) by {} into baseline {} (generation {}); {} change(s) left",
            escape_str(&reviewer),
            new.id,
            new.generation,
            changes.len() - n
        );
    }
    Ok(if c.errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Errors
    })
}

/// A key as shown: file keys are already escaped; the others are raw.
fn shown_key(kind: ItemKind, key: &str) -> String {
    match kind {
        ItemKind::File => escape_path(&snapshot::key_to_path(key)),
        _ => escape_str(key),
    }
}

fn show(a: ShowArgs) -> anyhow::Result<Outcome> {
    let trusted = match open_trusted(&a.store)? {
        Ok((b, _, _, _, _)) => Ok(b),
        Err(t) => Err(t),
    };
    let b = match trusted {
        Ok(b) => b,
        Err(t) => {
            loud(&t);
            return Ok(Outcome::Errors);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let history = b.history()?;
    let accepted = b.acceptances()?;
    match a.format {
        ShowFormat::Jsonl => {
            for h in &history {
                let v = serde_json::json!({
                    "record": "baseline", "id": h.id, "generation": h.generation,
                    "created": h.created, "host": escape_str(&h.host),
                    "roots": h.roots.iter().map(|r| escape_str(r)).collect::<Vec<_>>(),
                    "items": h.items, "parent": h.parent,
                    "note": h.note.as_deref().map(escape_str),
                    "key_id": h.key_id, "seal": h.seal,
                });
                writeln!(out, "{v}")?;
            }
            for x in &accepted {
                let v = serde_json::json!({
                    "record": "acceptance", "baseline_id": x.baseline_id, "time": x.time,
                    "who": escape_str(&x.who), "why": escape_str(&x.why),
                    "kind": x.kind.as_str(), "key": shown_key(x.kind, &x.key),
                    "change": x.change.as_str(), "sha256": x.sha256,
                });
                writeln!(out, "{v}")?;
            }
        }
        ShowFormat::Table => {
            writeln!(out, "Baselines (newest first; the store verifies):")?;
            for h in &history {
                writeln!(
                    out,
                    "  #{:<4} gen {:<4} {}  {}  {} items  key {}{}",
                    h.id,
                    h.generation,
                    h.created,
                    escape_str(&h.host),
                    h.items,
                    h.key_id,
                    h.note
                        .as_deref()
                        .map(|n| format!("  \"{}\"", escape_str(n)))
                        .unwrap_or_default()
                )?;
            }
            writeln!(out, "Accepted changes:")?;
            if accepted.is_empty() {
                writeln!(out, "  (none)")?;
            }
            for x in &accepted {
                writeln!(
                    out,
                    "  {}  baseline #{}  {} {} {}  by {}: {}",
                    x.time,
                    x.baseline_id,
                    x.change.as_str(),
                    x.kind.as_str(),
                    shown_key(x.kind, &x.key),
                    escape_str(&x.who),
                    escape_str(&x.why)
                )?;
            }
        }
    }
    out.flush().context("writing standard output")?;
    Ok(Outcome::Clean)
}
