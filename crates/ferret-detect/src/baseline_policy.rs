//! Baseline policy (M1047 Audit): what changed between a recorded baseline
//! and now, and how much each change matters.
//!
//! [`diff`] compares two item lists by (kind, key) and names the fields that
//! differ. [`BaselinePolicy`] (loaded once from `rules/baseline/*.toml`)
//! classes each location (upload directory, web root, module directory,
//! configuration, Exchange agent or ESXi VIB location), types each file
//! (script, native module, configuration, other) and grades each change with
//! the severity table, then turns it into a [`Finding`]. No I/O here: the
//! caller identifies a file's language from content it has read.
//!
//! Item keys of files are `ferret_core::escape_path` of the path, which is
//! printable and lossless; they are shown as they are.

use crate::RuleError;
use ferret_core::{
    stable_id, ChangeKind, ComponentSubject, Confidence, DbObjectSubject, Escaped, Evidence,
    EvidenceSource, FileMeta, FileSubject, Finding, Item, ItemKind, Language, Mitigation, Severity,
    Subject, Technique, Timestamp,
};
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

const LOCATIONS_TOML: &str = include_str!("../../../rules/baseline/locations.toml");
const SEVERITY_TOML: &str = include_str!("../../../rules/baseline/severity.toml");

/// Item attributes that describe but do not identify a state: never a change.
pub const NOTED_ATTRS: &[&str] = &["declared_in", "original_path"];

/// The class of a location, which sets how much a change there matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationClass {
    /// Where a web application stores uploads (data, never code).
    UploadDir,
    /// Web content a server serves and runs.
    WebRoot,
    /// A server's module or plugin directory.
    ModuleDir,
    /// Where Exchange loads transport agents from.
    AgentDir,
    /// Where ESXi keeps installed VIBs and boot modules.
    VibDir,
    /// Server configuration.
    Config,
    /// A location given on the command line that no rule classes.
    Other,
    /// A server software component (not a file location).
    Component,
    /// A database object (not a file location).
    DbObject,
}

impl LocationClass {
    /// Every class.
    pub const ALL: [LocationClass; 9] = [
        LocationClass::UploadDir,
        LocationClass::WebRoot,
        LocationClass::ModuleDir,
        LocationClass::AgentDir,
        LocationClass::VibDir,
        LocationClass::Config,
        LocationClass::Other,
        LocationClass::Component,
        LocationClass::DbObject,
    ];

    /// The snake_case name used in the tables and output.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationClass::UploadDir => "upload_dir",
            LocationClass::WebRoot => "web_root",
            LocationClass::ModuleDir => "module_dir",
            LocationClass::AgentDir => "agent_dir",
            LocationClass::VibDir => "vib_dir",
            LocationClass::Config => "config",
            LocationClass::Other => "other",
            LocationClass::Component => "component",
            LocationClass::DbObject => "db_object",
        }
    }
}

/// What kind of file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A server-side script in the given language.
    Script(Language),
    /// A binary a server loads (shared object, DLL, JAR, VIB...).
    NativeModule,
    /// A configuration file.
    Config,
    /// Anything else.
    Other,
}

impl FileType {
    /// `script`, `native_module`, `config` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Script(_) => "script",
            FileType::NativeModule => "native_module",
            FileType::Config => "config",
            FileType::Other => "other",
        }
    }
}

/// A directory recorded by default, below the examined root.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Relative to the root (or to a drive folder when `windows`), `/`-separated.
    pub path: String,
    /// Its class.
    pub class: LocationClass,
    /// The server it belongs to (`apache`, `iis`...).
    pub server: String,
    /// Looked up below each drive folder of a Windows collection.
    #[serde(default)]
    pub windows: bool,
    /// The sub-technique a change there serves, when not the class's default.
    #[serde(default)]
    pub technique: Option<String>,
}

/// A recorded directory with its class, as the caller resolved it on disk.
#[derive(Debug, Clone)]
pub struct Root {
    /// The directory as walked.
    pub path: PathBuf,
    /// Its class.
    pub class: LocationClass,
    /// Its sub-technique, when it has its own.
    pub technique: Option<Technique>,
}

/// Where a file is, as the policy classes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The class that sets the severity.
    pub class: LocationClass,
    /// The technique a change there serves.
    pub technique: Technique,
}

/// A field that differs between the recorded and the current item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The content hash (or whether it could be hashed).
    Content,
    /// The size.
    Size,
    /// The permission or type bits.
    Mode,
    /// The owning user or group.
    Owner,
    /// The modification time.
    Mtime,
    /// The inode or device: the file was replaced.
    Identity,
    /// An attribute (verdict, implementation, symlink target, package...).
    Attr(String),
}

impl Field {
    /// The name shown in details.
    pub fn name(&self) -> String {
        match self {
            Field::Content => "content".into(),
            Field::Size => "size".into(),
            Field::Mode => "mode".into(),
            Field::Owner => "owner".into(),
            Field::Mtime => "mtime".into(),
            Field::Identity => "inode".into(),
            Field::Attr(a) => a.clone(),
        }
    }
}

/// One difference between the baseline and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Added, changed or removed.
    pub kind: ChangeKind,
    /// The item as recorded (`None` when added).
    pub before: Option<Item>,
    /// The item now (`None` when removed).
    pub after: Option<Item>,
    /// The fields that differ (empty unless changed).
    pub fields: Vec<Field>,
}

impl Change {
    /// The item's kind.
    pub fn item_kind(&self) -> ItemKind {
        self.either().kind
    }
    /// The item's key.
    pub fn key(&self) -> &str {
        &self.either().key
    }
    /// The current item, or the recorded one when removed.
    pub fn either(&self) -> &Item {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .expect("a change has an item")
    }
    /// The id of the finding this change becomes (also what `accept --finding` takes).
    pub fn finding_id(&self) -> String {
        stable_id(&[
            &format!("ferret.baseline.{}", self.kind.as_str()),
            self.item_kind().as_str(),
            self.key(),
        ])
    }
}

/// Compares two item lists by (kind, key). Either may be in any order.
/// Changes come out ordered by (kind, key).
pub fn diff(before: &[Item], after: &[Item]) -> Vec<Change> {
    let mut b: Vec<&Item> = before.iter().collect();
    let mut a: Vec<&Item> = after.iter().collect();
    b.sort_unstable_by(|x, y| (x.kind, &x.key).cmp(&(y.kind, &y.key)));
    a.sort_unstable_by(|x, y| (x.kind, &x.key).cmp(&(y.kind, &y.key)));
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < b.len() || j < a.len() {
        let ord = match (b.get(i), a.get(j)) {
            (Some(x), Some(y)) => (x.kind, &x.key).cmp(&(y.kind, &y.key)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                out.push(Change {
                    kind: ChangeKind::Removed,
                    before: Some(b[i].clone()),
                    after: None,
                    fields: Vec::new(),
                });
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(Change {
                    kind: ChangeKind::Added,
                    before: None,
                    after: Some(a[j].clone()),
                    fields: Vec::new(),
                });
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let fields = fields_that_differ(b[i], a[j]);
                if !fields.is_empty() {
                    out.push(Change {
                        kind: ChangeKind::Changed,
                        before: Some(b[i].clone()),
                        after: Some(a[j].clone()),
                        fields,
                    });
                }
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The fields in which `a` and `b` (same kind and key) differ. The status
/// change time alone is not a difference (a hard link or `chmod` back and
/// forth changes it), nor are the [`NOTED_ATTRS`].
pub fn fields_that_differ(b: &Item, a: &Item) -> Vec<Field> {
    let mut out = Vec::new();
    if b.sha256 != a.sha256 {
        out.push(Field::Content);
    }
    match (&b.meta, &a.meta) {
        (Some(x), Some(y)) => {
            if x.size != y.size {
                out.push(Field::Size);
            }
            if x.mode != y.mode {
                out.push(Field::Mode);
            }
            if x.uid != y.uid || x.gid != y.gid {
                out.push(Field::Owner);
            }
            if x.mtime_ns != y.mtime_ns {
                out.push(Field::Mtime);
            }
            if x.inode != y.inode || x.dev != y.dev {
                out.push(Field::Identity);
            }
        }
        (None, None) => {}
        _ => out.push(Field::Size),
    }
    let keys: std::collections::BTreeSet<&String> = b.attrs.keys().chain(a.attrs.keys()).collect();
    for k in keys {
        if NOTED_ATTRS.contains(&k.as_str()) {
            continue;
        }
        if b.attrs.get(k) != a.attrs.get(k) {
            out.push(Field::Attr(k.clone()));
        }
    }
    out
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationsFile {
    #[serde(default)]
    location: Vec<Location>,
    #[serde(default)]
    pattern: Vec<PatternEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternEntry {
    glob: String,
    class: LocationClass,
    #[serde(default)]
    technique: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityFile {
    class: BTreeMap<String, ClassEntry>,
    component_technique: BTreeMap<String, String>,
    file_types: FileTypesEntry,
    adjust: AdjustEntry,
    row: Vec<RowEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassEntry {
    label: String,
    technique: String,
    mitigations: Vec<Mitigation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTypesEntry {
    native_module: Vec<String>,
    config: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustEntry {
    package_verified: Severity,
    mode_escalation: Severity,
    owner_changed: Severity,
    metadata_only: Severity,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowEntry {
    class: String,
    change: String,
    #[serde(rename = "type")]
    kind: String,
    severity: Severity,
    why: String,
}

struct Class {
    label: String,
    technique: Technique,
    mitigations: Vec<Mitigation>,
}

struct Row {
    class: GlobMatcher,
    change: GlobMatcher,
    kind: GlobMatcher,
    severity: Severity,
    why: String,
}

/// The loaded policy: immutable, shared by every thread.
pub struct BaselinePolicy {
    locations: Vec<Location>,
    patterns: GlobSet,
    pattern_meta: Vec<(LocationClass, Option<Technique>)>,
    classes: BTreeMap<LocationClass, Class>,
    component_technique: BTreeMap<String, Technique>,
    native_ext: HashSet<String>,
    config_ext: HashSet<String>,
    adjust: AdjustEntry,
    rows: Vec<Row>,
}

/// How a change was graded: its severity, why, and the technique it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    /// The severity.
    pub severity: Severity,
    /// The technique.
    pub technique: Technique,
    /// The class that set it.
    pub class: LocationClass,
    /// Each reason with its weight, strongest first: (rule, detail, severity).
    pub reasons: Vec<(String, String, Severity)>,
}

fn data_err(origin: &str, message: impl std::fmt::Display) -> RuleError {
    RuleError::Data {
        origin: origin.to_string(),
        message: message.to_string(),
    }
}

fn technique(origin: &str, s: &str) -> Result<Technique, RuleError> {
    s.parse().map_err(|e| data_err(origin, e))
}

fn matcher(origin: &str, pat: &str) -> Result<GlobMatcher, RuleError> {
    Glob::new(pat)
        .map(|g| g.compile_matcher())
        .map_err(|e| data_err(origin, format!("bad pattern {pat:?}: {e}")))
}

impl BaselinePolicy {
    /// Loads the embedded `rules/baseline/locations.toml` and `severity.toml`.
    pub fn load() -> Result<BaselinePolicy, RuleError> {
        Self::from_texts(LOCATIONS_TOML, SEVERITY_TOML)
    }

    /// Loads a policy from the two files' texts.
    pub fn from_texts(locations: &str, severity: &str) -> Result<BaselinePolicy, RuleError> {
        const LOC: &str = "rules/baseline/locations.toml";
        const SEV: &str = "rules/baseline/severity.toml";
        let l: LocationsFile = toml::from_str(locations).map_err(|e| data_err(LOC, e))?;
        let s: SeverityFile = toml::from_str(severity).map_err(|e| data_err(SEV, e))?;
        for loc in &l.location {
            if let Some(t) = &loc.technique {
                technique(LOC, t)?;
            }
        }
        let mut b = GlobSetBuilder::new();
        let mut pattern_meta = Vec::new();
        for p in &l.pattern {
            let g = GlobBuilder::new(&p.glob)
                .case_insensitive(true)
                .literal_separator(true)
                .build()
                .map_err(|e| data_err(LOC, format!("bad glob {:?}: {e}", p.glob)))?;
            b.add(g);
            let t = p
                .technique
                .as_deref()
                .map(|t| technique(LOC, t))
                .transpose()?;
            pattern_meta.push((p.class, t));
        }
        let patterns = b.build().map_err(|e| data_err(LOC, e))?;
        let mut classes = BTreeMap::new();
        let mut given = s.class;
        for c in LocationClass::ALL {
            let Some(e) = given.remove(c.as_str()) else {
                return Err(data_err(SEV, format!("no [class.{}]", c.as_str())));
            };
            let entry = Class {
                label: e.label,
                technique: technique(SEV, &e.technique)?,
                mitigations: e.mitigations,
            };
            classes.insert(c, entry);
        }
        if let Some(k) = given.keys().next() {
            return Err(data_err(SEV, format!("unknown class [class.{k}]")));
        }
        let mut component_technique = BTreeMap::new();
        for (k, v) in s.component_technique {
            component_technique.insert(k, technique(SEV, &v)?);
        }
        let mut rows = Vec::new();
        for r in s.row {
            rows.push(Row {
                class: matcher(SEV, &r.class)?,
                change: matcher(SEV, &r.change)?,
                kind: matcher(SEV, &r.kind)?,
                severity: r.severity,
                why: r.why,
            });
        }
        let lower = |v: Vec<String>| -> HashSet<String> {
            v.into_iter().map(|e| e.to_ascii_lowercase()).collect()
        };
        Ok(BaselinePolicy {
            locations: l.location,
            patterns,
            pattern_meta,
            classes,
            component_technique,
            native_ext: lower(s.file_types.native_module),
            config_ext: lower(s.file_types.config),
            adjust: s.adjust,
            rows,
        })
    }

    /// The directories recorded by default (relative to the examined root).
    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    /// The extensions (lowercase, no dot) of native modules: the files whose
    /// package status a snapshot records.
    pub fn native_module_extensions(&self) -> Vec<String> {
        let mut v: Vec<String> = self.native_ext.iter().cloned().collect();
        v.sort();
        v
    }

    /// The technique of a location entry (its own, else its class's).
    pub fn location_technique(&self, loc: &Location) -> Technique {
        loc.technique
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| self.classes[&loc.class].technique)
    }

    /// Where `path` is: a matching pattern first, else the deepest root that
    /// holds it, else `other`.
    pub fn classify(&self, path: &Path, roots: &[Root]) -> Placement {
        let matches = self.patterns.matches(path);
        if let Some(&i) = matches.iter().min() {
            let (class, t) = self.pattern_meta[i];
            return Placement {
                class,
                technique: t.unwrap_or(self.classes[&class].technique),
            };
        }
        let best = roots
            .iter()
            .filter(|r| path.starts_with(&r.path))
            .max_by_key(|r| r.path.components().count());
        match best {
            Some(r) => Placement {
                class: r.class,
                technique: r.technique.unwrap_or(self.classes[&r.class].technique),
            },
            None => Placement {
                class: LocationClass::Other,
                technique: self.classes[&LocationClass::Other].technique,
            },
        }
    }

    /// The type of a file: a script when `language` names one, else by extension.
    pub fn file_type(&self, path: &Path, language: Option<Language>) -> FileType {
        if let Some(l) = language {
            return FileType::Script(l);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let ext = match name.rsplit_once('.') {
            Some((_, e)) => e.to_string(),
            None => return FileType::Other,
        };
        if self.native_ext.contains(&ext) || name.contains(".so.") {
            FileType::NativeModule
        } else if self.config_ext.contains(&ext) || name == ".htaccess" || name == ".user.ini" {
            FileType::Config
        } else {
            FileType::Other
        }
    }

    fn row(&self, class: LocationClass, change: ChangeKind, kind: &str) -> Option<&Row> {
        self.rows.iter().find(|r| {
            r.class.is_match(class.as_str())
                && r.change.is_match(change.as_str())
                && r.kind.is_match(kind)
        })
    }

    /// Grades a change. `file` is the placement and type of a file item
    /// (ignored for components and database objects).
    pub fn grade(&self, change: &Change, file: Option<(Placement, FileType)>) -> Grade {
        let item = change.either();
        let (class, kind, mut technique) = match item.kind {
            ItemKind::File => {
                let (p, t) = file.unwrap_or((
                    Placement {
                        class: LocationClass::Other,
                        technique: self.classes[&LocationClass::Other].technique,
                    },
                    FileType::Other,
                ));
                (p.class, t.as_str().to_string(), p.technique)
            }
            ItemKind::Component => {
                let server = item.attrs.get("server").map(String::as_str).unwrap_or("");
                let t = self
                    .component_technique
                    .get(server)
                    .copied()
                    .unwrap_or(self.classes[&LocationClass::Component].technique);
                let verdict = item.attrs.get("verdict").cloned().unwrap_or_default();
                (LocationClass::Component, verdict, t)
            }
            ItemKind::DbObject => (
                LocationClass::DbObject,
                item.attrs.get("object_type").cloned().unwrap_or_default(),
                self.classes[&LocationClass::DbObject].technique,
            ),
        };
        if kind == "script" {
            technique = Technique::WebShell;
        }
        let label = &self.classes[&class].label;
        let mut reasons: Vec<(String, String, Severity)> = Vec::new();
        let content_change = change.kind != ChangeKind::Changed
            || change.fields.iter().any(|f| {
                matches!(f, Field::Content | Field::Size)
                    || matches!(f, Field::Attr(a) if a != "package")
            });
        let meta_only = change.kind == ChangeKind::Changed
            && change
                .fields
                .iter()
                .all(|f| matches!(f, Field::Mtime | Field::Identity));
        let rule = format!("baseline.{}", change.kind.as_str());
        if content_change {
            let (sev, why) = match self.row(class, change.kind, &kind) {
                Some(r) => (r.severity, r.why.clone()),
                None => (Severity::Info, "a recorded item changed".to_string()),
            };
            reasons.push((rule.clone(), format!("{why} ({label})"), sev));
        } else if meta_only {
            reasons.push((
                "baseline.metadata".into(),
                format!("only times or inode changed, content is the same ({label})"),
                self.adjust.metadata_only,
            ));
        }
        let package = change
            .after
            .as_ref()
            .and_then(|a| a.attrs.get("package"))
            .and_then(|p| p.strip_prefix("verified:"));
        if let (Some(pkg), true) = (package, content_change && kind == "native_module") {
            for r in reasons.iter_mut() {
                r.2 = r.2.min(self.adjust.package_verified);
            }
            reasons.push((
                "baseline.package_verified".into(),
                format!("the installed package {pkg} records this content: a package upgrade"),
                self.adjust.package_verified,
            ));
        }
        if let (Some(b), Some(a)) = (
            change.before.as_ref().and_then(|i| i.meta),
            change.after.as_ref().and_then(|i| i.meta),
        ) {
            if escalates(b.mode, a.mode) {
                reasons.push((
                    "baseline.mode_escalation".into(),
                    format!(
                        "mode {:o} -> {:o}: now group/world-writable or setuid/setgid",
                        b.mode & 0o7777,
                        a.mode & 0o7777
                    ),
                    self.adjust.mode_escalation,
                ));
            }
            if b.uid != a.uid || b.gid != a.gid {
                reasons.push((
                    "baseline.owner".into(),
                    format!("owner {}:{} -> {}:{}", b.uid, b.gid, a.uid, a.gid),
                    self.adjust.owner_changed,
                ));
            }
        }
        if reasons.is_empty() {
            reasons.push((
                rule,
                format!("a recorded item changed ({label})"),
                Severity::Info,
            ));
        }
        reasons.sort_by_key(|y| std::cmp::Reverse(y.2));
        Grade {
            severity: reasons[0].2,
            technique,
            class,
            reasons,
        }
    }

    /// The finding for a graded change. `file_facts` are the language and how
    /// it was identified, for scripts.
    pub fn finding(
        &self,
        change: &Change,
        grade: &Grade,
        language: Option<(Language, &str)>,
        host: &str,
        time: &str,
    ) -> Finding {
        let item = change.either();
        let rule = format!("ferret.baseline.{}", change.kind.as_str());
        let shown = shown_name(item);
        let what = match item.kind {
            ItemKind::File => match language {
                Some((l, _)) => format!("{} script", l.as_str()),
                None => "file".to_string(),
            },
            ItemKind::Component => format!(
                "{} {}",
                attr(item, "server"),
                attr(item, "component").replace('_', " ")
            ),
            ItemKind::DbObject => attr(item, "object_type").replace('_', " "),
        };
        let title = format!(
            "{} {what} in {}: {shown}",
            change.kind.as_str(),
            self.classes[&grade.class].label
        );
        let detail = describe(change);
        let mut evidence: Vec<Evidence> = grade
            .reasons
            .iter()
            .map(|(r, d, s)| Evidence {
                source: EvidenceSource::Baseline,
                rule: r.clone(),
                detail: ferret_core::escape_str(d),
                score: s.min_score(),
                offset: None,
                line: None,
                excerpt: None,
            })
            .collect();
        if let Some(first) = evidence.first_mut() {
            if !detail.is_empty() {
                first.detail = format!("{}; {detail}", first.detail);
            }
        }
        let score = grade.severity.min_score();
        Finding {
            id: change.finding_id(),
            time: time.to_string(),
            host: host.to_string(),
            technique: grade.technique,
            technique_name: grade.technique.name().to_string(),
            title,
            severity: grade.severity,
            confidence: Confidence::new(0.9),
            score,
            rule,
            subject: subject(item, language),
            evidence,
            mitigations: self.classes[&grade.class].mitigations.clone(),
            incident: incident(item),
        }
    }
}

/// Whether a mode change makes a file group/world-writable or setuid/setgid.
pub fn escalates(before: u32, after: u32) -> bool {
    let bad = 0o022 | 0o6000;
    (after & bad) & !(before & bad) != 0
}

fn attr<'a>(item: &'a Item, k: &str) -> &'a str {
    item.attrs.get(k).map(String::as_str).unwrap_or("")
}

/// A file key is already escaped (lossless `escape_path`); the constructor
/// that accepts escaped text re-escapes any control character.
fn escaped_key(key: &str) -> Escaped {
    use serde::de::IntoDeserializer;
    let d: serde::de::value::StringDeserializer<serde::de::value::Error> =
        key.to_string().into_deserializer();
    Escaped::deserialize(d).unwrap_or_else(|_| Escaped::from_text(key))
}

fn shown_name(item: &Item) -> Escaped {
    match item.kind {
        ItemKind::File => escaped_key(&item.key),
        ItemKind::Component => Escaped::from_text(&format!(
            "{} ({})",
            attr(item, "name"),
            attr(item, "declared_in")
        )),
        ItemKind::DbObject => Escaped::from_text(&item.key),
    }
}

fn incident(item: &Item) -> String {
    match item.kind {
        ItemKind::File => stable_id(&["file", escaped_key(&item.key).as_str()]),
        ItemKind::Component => stable_id(&[
            "component",
            &item
                .attrs
                .get("implementation")
                .cloned()
                .unwrap_or_else(|| item.key.clone())
                .to_ascii_lowercase(),
        ]),
        ItemKind::DbObject => stable_id(&["db_object", &item.key]),
    }
}

fn rfc3339_ns(ns: i64) -> String {
    Timestamp::from_unix_micros(ns.div_euclid(1000)).to_rfc3339()
}

fn subject(item: &Item, language: Option<(Language, &str)>) -> Subject {
    let opt = |k: &str| item.attrs.get(k).filter(|v| !v.is_empty());
    match item.kind {
        ItemKind::File => Subject::File(FileSubject {
            path: escaped_key(&item.key),
            original_path: opt("original_path").map(|p| Escaped::from_text(p)),
            sha256: item.sha256.clone().unwrap_or_default(),
            size: item.meta.map(|m| m.size).unwrap_or(0),
            language: language.map(|(l, _)| l.as_str().to_string()),
            identified_by: language.map(|(_, by)| by.to_string()),
            mtime: item.meta.map(|m| rfc3339_ns(m.mtime_ns)),
        }),
        ItemKind::Component => Subject::Component(ComponentSubject {
            path: Escaped::from_text(
                opt("path")
                    .map(String::as_str)
                    .unwrap_or(attr(item, "declared_in")),
            ),
            server: attr(item, "server").to_string(),
            component: attr(item, "component").to_string(),
            name: Escaped::from_text(attr(item, "name")),
            implementation: opt("implementation").map(|s| Escaped::from_text(s)),
            declared_in: Escaped::from_text(attr(item, "declared_in")),
            verdict: attr(item, "verdict").to_string(),
            sha256: item.sha256.clone(),
        }),
        ItemKind::DbObject => Subject::DbObject(DbObjectSubject {
            path: Escaped::from_text(opt("locator").map(String::as_str).unwrap_or(&item.key)),
            engine: attr(item, "engine").to_string(),
            server: Escaped::from_text(attr(item, "server")),
            database: opt("database").map(|s| Escaped::from_text(s)),
            schema: opt("schema").map(|s| Escaped::from_text(s)),
            name: Escaped::from_text(attr(item, "name")),
            object_type: attr(item, "object_type").to_string(),
            owner: opt("owner").map(|s| Escaped::from_text(s)),
        }),
    }
}

fn short(h: &Option<String>) -> String {
    match h {
        Some(h) => h.chars().take(16).collect(),
        None => "none".into(),
    }
}

fn meta_desc(m: &FileMeta) -> String {
    format!(
        "size {}, mode {:o}, owner {}:{}, mtime {}",
        m.size,
        m.mode & 0o7777,
        m.uid,
        m.gid,
        rfc3339_ns(m.mtime_ns)
    )
}

/// What differs, with the recorded and the current value (attribute values escaped).
pub fn describe(change: &Change) -> String {
    let esc = |s: Option<&String>| {
        s.map(|v| ferret_core::escape_str(v))
            .unwrap_or_else(|| "(none)".into())
    };
    match (&change.before, &change.after) {
        (None, Some(a)) => match &a.meta {
            Some(m) => format!("now sha256 {}, {}", short(&a.sha256), meta_desc(m)),
            None => format!("now sha256 {}", short(&a.sha256)),
        },
        (Some(b), None) => match &b.meta {
            Some(m) => format!("was sha256 {}, {}", short(&b.sha256), meta_desc(m)),
            None => format!("was sha256 {}", short(&b.sha256)),
        },
        (Some(b), Some(a)) => {
            let mut parts = Vec::new();
            for f in &change.fields {
                let p = match f {
                    Field::Content => {
                        format!(
                            "content sha256 {} -> {}",
                            short(&b.sha256),
                            short(&a.sha256)
                        )
                    }
                    Field::Size | Field::Mode | Field::Owner | Field::Mtime | Field::Identity => {
                        let (Some(x), Some(y)) = (b.meta, a.meta) else {
                            continue;
                        };
                        match f {
                            Field::Size => format!("size {} -> {}", x.size, y.size),
                            Field::Mode => {
                                format!("mode {:o} -> {:o}", x.mode & 0o7777, y.mode & 0o7777)
                            }
                            Field::Owner => {
                                format!("owner {}:{} -> {}:{}", x.uid, x.gid, y.uid, y.gid)
                            }
                            Field::Mtime => format!(
                                "mtime {} -> {}",
                                rfc3339_ns(x.mtime_ns),
                                rfc3339_ns(y.mtime_ns)
                            ),
                            _ => format!(
                                "inode {}:{} -> {}:{} (replaced)",
                                x.dev, x.inode, y.dev, y.inode
                            ),
                        }
                    }
                    Field::Attr(k) => {
                        format!("{k} {} -> {}", esc(b.attrs.get(k)), esc(a.attrs.get(k)))
                    }
                };
                parts.push(p);
            }
            parts.join("; ")
        }
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str, sha: &str, mode: u32) -> Item {
        Item {
            kind: ItemKind::File,
            key: key.into(),
            sha256: Some(sha.into()),
            meta: Some(FileMeta {
                size: 3,
                mode: 0o100000 | mode,
                uid: 0,
                gid: 0,
                mtime_ns: 1_000_000_000,
                ctime_ns: 1_000_000_000,
                inode: 7,
                dev: 1,
            }),
            attrs: BTreeMap::new(),
        }
    }

    fn roots() -> Vec<Root> {
        vec![
            Root {
                path: "/r/var/www/html".into(),
                class: LocationClass::WebRoot,
                technique: None,
            },
            Root {
                path: "/r/usr/lib/apache2/modules".into(),
                class: LocationClass::ModuleDir,
                technique: None,
            },
        ]
    }

    fn grade_of(p: &BaselinePolicy, c: &Change, lang: Option<Language>) -> Grade {
        let path = PathBuf::from(c.key());
        let placement = p.classify(&path, &roots());
        p.grade(c, Some((placement, p.file_type(&path, lang))))
    }

    #[test]
    fn shipped_tables_load() {
        let p = BaselinePolicy::load().unwrap();
        assert!(p
            .locations()
            .iter()
            .any(|l| l.class == LocationClass::ModuleDir));
    }

    #[test]
    fn diff_names_added_changed_removed() {
        let before = vec![file("/a", "1", 0o644), file("/b", "2", 0o644)];
        let mut b2 = file("/b", "3", 0o666);
        b2.meta.as_mut().unwrap().ctime_ns = 5;
        let after = vec![b2, file("/c", "4", 0o644)];
        let d = diff(&before, &after);
        let kinds: Vec<_> = d.iter().map(|c| (c.kind, c.key().to_string())).collect();
        assert_eq!(
            kinds,
            vec![
                (ChangeKind::Removed, "/a".into()),
                (ChangeKind::Changed, "/b".into()),
                (ChangeKind::Added, "/c".into())
            ]
        );
        assert_eq!(d[1].fields, vec![Field::Content, Field::Mode]);
        // ctime alone is no change
        let mut same = file("/a", "1", 0o644);
        same.meta.as_mut().unwrap().ctime_ns = 99;
        assert!(diff(&[file("/a", "1", 0o644)], &[same]).is_empty());
    }

    #[test]
    fn grades_follow_the_table() {
        let p = BaselinePolicy::load().unwrap();
        let added = |k: &str| Change {
            kind: ChangeKind::Added,
            before: None,
            after: Some(file(k, "1", 0o644)),
            fields: vec![],
        };
        let g = grade_of(
            &p,
            &added("/r/var/www/html/uploads/x.php"),
            Some(Language::Php),
        );
        assert_eq!(
            (g.severity, g.class),
            (Severity::High, LocationClass::UploadDir)
        );
        assert_eq!(g.technique, Technique::WebShell);
        let g = grade_of(&p, &added("/r/var/www/html/x.php"), Some(Language::Php));
        assert_eq!(g.severity, Severity::Medium);
        let g = grade_of(&p, &added("/r/var/www/html/logo.png"), None);
        assert_eq!(g.severity, Severity::Info);
        let changed = |before: Item, after: Item| Change {
            fields: fields_that_differ(&before, &after),
            kind: ChangeKind::Changed,
            before: Some(before),
            after: Some(after),
        };
        let m = "/r/usr/lib/apache2/modules/mod_x.so";
        let g = grade_of(&p, &changed(file(m, "1", 0o644), file(m, "2", 0o644)), None);
        assert_eq!(g.severity, Severity::High);
        let mut upgraded = file(m, "2", 0o644);
        upgraded
            .attrs
            .insert("package".into(), "verified:apache2-bin".into());
        let g = grade_of(&p, &changed(file(m, "1", 0o644), upgraded), None);
        assert_eq!(g.severity, Severity::Info);
        let w = "/r/var/www/html/index.html";
        let g = grade_of(&p, &changed(file(w, "1", 0o644), file(w, "1", 0o646)), None);
        assert_eq!(g.severity, Severity::Medium);
        assert_eq!(g.reasons[0].0, "baseline.mode_escalation");
        let g = grade_of(&p, &changed(file(w, "1", 0o644), file(w, "1", 0o600)), None);
        assert_eq!(g.severity, Severity::Info);
        let removed = Change {
            kind: ChangeKind::Removed,
            before: Some(file(w, "1", 0o644)),
            after: None,
            fields: vec![],
        };
        assert_eq!(grade_of(&p, &removed, None).severity, Severity::Low);
    }

    #[test]
    fn finding_escapes_and_names_values() {
        let p = BaselinePolicy::load().unwrap();
        let key = ferret_core::escape_path(Path::new("/r/var/www/html/uploads/a\nb.php"));
        let c = Change {
            kind: ChangeKind::Added,
            before: None,
            after: Some(file(&key, "abc", 0o644)),
            fields: vec![],
        };
        let g = grade_of(&p, &c, Some(Language::Php));
        let f = p.finding(&c, &g, Some((Language::Php, "extension")), "h", "t");
        assert_eq!(f.rule, "ferret.baseline.added");
        assert_eq!(
            f.subject.path().as_str(),
            "/r/var/www/html/uploads/a\\nb.php"
        );
        assert!(!f.title.contains('\n'));
        assert!(f.evidence[0].detail.contains("now sha256 abc"));
        assert_eq!(f.id, c.finding_id());
    }

    #[test]
    fn escalation_is_new_bits_only() {
        assert!(escalates(0o644, 0o646));
        assert!(escalates(0o755, 0o4755));
        assert!(!escalates(0o666, 0o666));
        assert!(!escalates(0o664, 0o644));
    }
}
