//! Sealed baselines: every file, component and database object recorded in
//! one generation, written in one transaction and sealed with an
//! HMAC-SHA256 ([`crate::seal::Key`]) over a canonical, length-prefixed
//! serialization of the header, every item in (kind, key) order and the
//! acceptance log up to that generation. The anchor beside the key
//! ([`crate::seal::Anchor`]) records the latest generation of each store, so
//! [`Baselines::verify`] tells an altered, damaged, rolled-back or foreign
//! store apart from a trusted one ([`Tamper`]).
//!
//! A writer killed or out of disk mid-way leaves nothing of its generation
//! (WAL, one transaction); the previous baseline stays valid. Only the last
//! [`KEEP_GENERATIONS`] generations are kept; accepted changes are kept for
//! good (and stay sealed by every later generation).

mod error;
mod rows;
mod schema;

pub use error::{BaselineError, Tamper};

use crate::seal::{Anchor, AnchorEntry, Key, SealError};
use crate::{Store, StoreError};
use ferret_core::{ChangeKind, Item, ItemKind, Timestamp};
use rusqlite::{params, ErrorCode, TransactionBehavior};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

/// How many generations a store keeps (older ones are pruned by the write
/// that makes a new one, in the same transaction).
pub const KEEP_GENERATIONS: u64 = 5;

/// The store's baselines (the "baseline" tables of a [`Store`]).
pub struct Baselines {
    store: Store,
    /// The store's random id; `None` only for a read-only store that never
    /// held baselines.
    store_id: Option<String>,
}

impl std::fmt::Debug for Baselines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Baselines")
            .field("path", &self.store.path())
            .field("store_id", &self.store_id)
            .finish()
    }
}

/// One sealed baseline's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineInfo {
    /// Row id (never reused).
    pub id: i64,
    /// Generation, increasing by one per write (never lower than the anchor's).
    pub generation: u64,
    /// When it was written (RFC 3339, UTC).
    pub created: String,
    /// The host it describes.
    pub host: String,
    /// The locations it covers.
    pub roots: Vec<String>,
    /// How many items it holds.
    pub items: u64,
    /// The baseline it was derived from (the previous latest, or the base of
    /// an acceptance).
    pub parent: Option<i64>,
    /// Free text (for acceptances: the reason given).
    pub note: Option<String>,
    /// The id of the key that sealed it.
    pub key_id: String,
    /// The seal (HMAC-SHA256, hex).
    pub seal: String,
}

/// What a new baseline is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBaseline {
    /// The host it describes.
    pub host: String,
    /// The locations it covers.
    pub roots: Vec<String>,
    /// Free text.
    pub note: Option<String>,
}

/// One reviewed change accepted into a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    /// The generation's baseline that took the change in.
    pub baseline_id: i64,
    /// When (RFC 3339, UTC).
    pub time: String,
    /// Who accepted it.
    pub who: String,
    /// Why.
    pub why: String,
    /// The item's kind.
    pub kind: ItemKind,
    /// The item's key (raw: escape before printing).
    pub key: String,
    /// What changed.
    pub change: ChangeKind,
    /// The item's hash as accepted (for a removal: the hash it had).
    pub sha256: Option<String>,
}

/// A change to accept: what changed, the item's kind and key, and the item as
/// it is now (`None` for a removal).
pub type AcceptedChange = (ChangeKind, ItemKind, String, Option<Item>);

fn sqlite(path: &Path, context: &str, source: rusqlite::Error) -> BaselineError {
    BaselineError::Store(StoreError::Sqlite {
        path: path.display().to_string(),
        context: context.to_string(),
        source,
    })
}

fn now_rfc3339() -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    Timestamp::from_unix_micros(micros).to_rfc3339()
}

fn sort_key(item: &Item) -> (&'static str, &str) {
    (item.kind.as_str(), item.key.as_str())
}

fn is_corrupt(e: &BaselineError) -> Option<String> {
    match e {
        BaselineError::Store(StoreError::Sqlite { source, .. }) => match source.sqlite_error_code()
        {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Some(source.to_string()),
            _ => None,
        },
        BaselineError::Corrupt { detail, .. } => Some(detail.clone()),
        _ => None,
    }
}

impl Baselines {
    /// Opens or creates a store (making its directory 0700 when missing) and
    /// runs the "baseline" migrations.
    pub fn open(path: &Path) -> Result<Baselines, BaselineError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| SealError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        Baselines::open_rw(path)
    }

    /// Opens an existing store; an absent file is [`BaselineError::NotFound`]
    /// (diff must not create one).
    pub fn open_existing(path: &Path) -> Result<Baselines, BaselineError> {
        if !path.exists() {
            return Err(BaselineError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Baselines::open_rw(path)
    }

    fn open_rw(path: &Path) -> Result<Baselines, BaselineError> {
        let mut store = Store::open(path)?;
        store.migrate("baseline", schema::STEPS)?;
        let mut b = Baselines {
            store,
            store_id: None,
        };
        b.store_id = Some(b.read_store_id()?);
        Ok(b)
    }

    /// Opens an existing store read-only (posture). A store without baseline
    /// tables opens and holds no baseline.
    pub fn open_read_only(path: &Path) -> Result<Baselines, BaselineError> {
        if !path.exists() {
            return Err(BaselineError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let store = Store::open_read_only(path)?;
        let found = store.schema_version("baseline")?;
        let known = schema::STEPS.len() as u32;
        let mut b = Baselines {
            store,
            store_id: None,
        };
        if found > known {
            return Err(StoreError::TooNew {
                path: path.display().to_string(),
                namespace: "baseline".into(),
                found,
                known,
            }
            .into());
        }
        if found > 0 && found < known {
            return Err(BaselineError::SchemaOutdated {
                path: path.to_path_buf(),
                found,
                known,
            });
        }
        if found == known {
            b.store_id = Some(b.read_store_id()?);
        }
        Ok(b)
    }

    fn read_store_id(&self) -> Result<String, BaselineError> {
        self.store
            .conn()
            .query_row("SELECT store_id FROM meta WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| self.err("cannot read the store id", e))
    }

    fn err(&self, context: &str, e: rusqlite::Error) -> BaselineError {
        sqlite(self.store.path(), context, e)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The store's random id (the key of its anchor entry); `None` for a
    /// read-only store that never held baselines.
    pub fn store_id(&self) -> Option<&str> {
        self.store_id.as_deref()
    }

    /// The latest baseline (highest generation), if any.
    pub fn latest(&self) -> Result<Option<BaselineInfo>, BaselineError> {
        Ok(self
            .infos(&format!(
                "SELECT {} FROM baselines ORDER BY generation DESC LIMIT 1",
                rows::INFO_COLUMNS
            ))?
            .pop())
    }

    /// Every baseline kept, newest first.
    pub fn history(&self) -> Result<Vec<BaselineInfo>, BaselineError> {
        self.infos(&format!(
            "SELECT {} FROM baselines ORDER BY generation DESC",
            rows::INFO_COLUMNS
        ))
    }

    fn infos(&self, sql: &str) -> Result<Vec<BaselineInfo>, BaselineError> {
        if self.store_id.is_none() {
            return Ok(Vec::new());
        }
        let conn = self.store.conn();
        let mut stmt = conn
            .prepare(sql)
            .map_err(|e| self.err("cannot read baselines", e))?;
        let mut rows = stmt
            .query([])
            .map_err(|e| self.err("cannot read baselines", e))?;
        let mut out = Vec::new();
        while let Some(row) = rows
            .next()
            .map_err(|e| self.err("cannot read baselines", e))?
        {
            out.push(rows::decode_info(row).map_err(|detail| self.corrupt(detail))?);
        }
        Ok(out)
    }

    fn corrupt(&self, detail: String) -> BaselineError {
        BaselineError::Corrupt {
            path: self.store.path().to_path_buf(),
            detail,
        }
    }

    /// All items of a baseline, ordered by (kind name, key) bytewise.
    pub fn items(&self, id: i64) -> Result<Vec<Item>, BaselineError> {
        let mut out = Vec::new();
        self.each_item(id, |item| out.push(item))?;
        Ok(out)
    }

    fn each_item(&self, id: i64, mut f: impl FnMut(Item)) -> Result<u64, BaselineError> {
        if self.store_id.is_none() {
            return Ok(0);
        }
        let conn = self.store.conn();
        let sql = format!(
            "SELECT {} FROM items WHERE baseline_id = ?1 ORDER BY kind, key",
            rows::ITEM_COLUMNS
        );
        let mut stmt = conn
            .prepare_cached(&sql)
            .map_err(|e| self.err("cannot read items", e))?;
        let mut rows = stmt
            .query([id])
            .map_err(|e| self.err("cannot read items", e))?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(|e| self.err("cannot read items", e))? {
            f(rows::decode_item(row).map_err(|detail| self.corrupt(detail))?);
            n += 1;
        }
        Ok(n)
    }

    /// Every accepted change recorded up to the latest baseline, oldest
    /// first (changes of pruned generations included).
    pub fn acceptances(&self) -> Result<Vec<Acceptance>, BaselineError> {
        match self.latest()? {
            Some(latest) => self.acceptances_upto(latest.id),
            None => Ok(Vec::new()),
        }
    }

    fn acceptances_upto(&self, id: i64) -> Result<Vec<Acceptance>, BaselineError> {
        if self.store_id.is_none() {
            return Ok(Vec::new());
        }
        let conn = self.store.conn();
        let sql = format!(
            "SELECT {} FROM acceptances WHERE baseline_id <= ?1 ORDER BY baseline_id, kind, key",
            rows::ACCEPTANCE_COLUMNS
        );
        let mut stmt = conn
            .prepare(&sql)
            .map_err(|e| self.err("cannot read acceptances", e))?;
        let mut rows = stmt
            .query([id])
            .map_err(|e| self.err("cannot read acceptances", e))?;
        let mut out = Vec::new();
        while let Some(row) = rows
            .next()
            .map_err(|e| self.err("cannot read acceptances", e))?
        {
            out.push(rows::decode_acceptance(row).map_err(|detail| self.corrupt(detail))?);
        }
        Ok(out)
    }

    /// Verifies the latest baseline: SQLite integrity (`quick_check`), key id,
    /// item count, recomputed MAC, anchor generation and seal. `Ok(Ok(info))`
    /// when trusted; `Ok(Err(tamper))` when not. A store generation NEWER than
    /// the anchor with a valid MAC (a writer killed between commit and anchor
    /// write) is trusted and the anchor is advanced (best effort). A store
    /// with no baseline and no anchor entry is [`BaselineError::NoBaseline`].
    pub fn verify(
        &self,
        key: &Key,
        anchor: &Anchor,
    ) -> Result<Result<BaselineInfo, Tamper>, BaselineError> {
        self.verify_keeping(key, anchor, None)
    }

    /// Verifies the latest baseline as [`Baselines::verify`] does and, when
    /// it is trusted, returns its items too: read once for the MAC and the
    /// caller, instead of once for each.
    pub fn verify_and_load(
        &self,
        key: &Key,
        anchor: &Anchor,
    ) -> Result<Result<(BaselineInfo, Vec<Item>), Tamper>, BaselineError> {
        let mut items = Vec::new();
        Ok(self
            .verify_keeping(key, anchor, Some(&mut items))?
            .map(|info| (info, items)))
    }

    fn verify_keeping(
        &self,
        key: &Key,
        anchor: &Anchor,
        keep: Option<&mut Vec<Item>>,
    ) -> Result<Result<BaselineInfo, Tamper>, BaselineError> {
        match self.verify_inner(key, anchor, keep) {
            Err(e) => match is_corrupt(&e) {
                Some(detail) => Ok(Err(Tamper::Damaged { detail })),
                None => Err(e),
            },
            ok => ok,
        }
    }

    fn verify_inner(
        &self,
        key: &Key,
        anchor: &Anchor,
        mut keep: Option<&mut Vec<Item>>,
    ) -> Result<Result<BaselineInfo, Tamper>, BaselineError> {
        let Some(store_id) = self.store_id.as_deref() else {
            return Err(BaselineError::NoBaseline {
                path: self.path().to_path_buf(),
            });
        };
        let problems = self.quick_check()?;
        if !problems.is_empty() {
            return Ok(Err(Tamper::Damaged {
                detail: format!("SQLite integrity check: {}", problems.join("; ")),
            }));
        }
        let read_anchor = || match anchor.entry(key, store_id) {
            Ok(entry) => Ok(Ok(entry)),
            Err(e @ SealError::AnchorInvalid { .. }) => Ok(Err(Tamper::AnchorInvalid {
                detail: e.to_string(),
            })),
            Err(e) => Err(BaselineError::Seal(e)),
        };
        let Some(info) = self.latest()? else {
            return match read_anchor()? {
                Ok(Some(entry)) => Ok(Err(Tamper::RolledBack {
                    store_generation: 0,
                    anchor_generation: entry.generation,
                })),
                Ok(None) => Err(BaselineError::NoBaseline {
                    path: self.path().to_path_buf(),
                }),
                Err(t) => Ok(Err(t)),
            };
        };
        if info.key_id != key.id() {
            return Ok(Err(Tamper::WrongKey {
                sealed_with: info.key_id,
                key: key.id(),
            }));
        }
        let rows: i64 = self
            .store
            .conn()
            .query_row(
                "SELECT count(*) FROM items WHERE baseline_id = ?1",
                [info.id],
                |r| r.get(0),
            )
            .map_err(|e| self.err("cannot count items", e))?;
        if rows as u64 != info.items {
            return Ok(Err(Tamper::Damaged {
                detail: format!(
                    "baseline {} (generation {}) was sealed with {} items, the store holds {rows}",
                    info.id, info.generation, info.items
                ),
            }));
        }
        let mut mac = key.mac();
        rows::mac_header(&mut mac, store_id, &info);
        if let Some(k) = keep.as_deref_mut() {
            k.reserve(info.items as usize);
        }
        let fed = match self.each_item(info.id, |item| {
            rows::mac_item(&mut mac, &item);
            if let Some(k) = keep.as_deref_mut() {
                k.push(item);
            }
        }) {
            Ok(n) => n,
            Err(BaselineError::Corrupt { detail, .. }) => {
                return Ok(Err(Tamper::Altered {
                    baseline_id: info.id,
                    detail,
                }))
            }
            Err(e) => return Err(e),
        };
        rows::mac_items_end(&mut mac, fed);
        let accepted = match self.acceptances_upto(info.id) {
            Ok(a) => a,
            Err(BaselineError::Corrupt { detail, .. }) => {
                return Ok(Err(Tamper::Altered {
                    baseline_id: info.id,
                    detail,
                }))
            }
            Err(e) => return Err(e),
        };
        for a in &accepted {
            rows::mac_acceptance(&mut mac, a);
        }
        let beyond: i64 = self
            .store
            .conn()
            .query_row(
                "SELECT count(*) FROM acceptances WHERE baseline_id > ?1",
                [info.id],
                |r| r.get(0),
            )
            .map_err(|e| self.err("cannot count acceptances", e))?;
        if beyond > 0 {
            return Ok(Err(Tamper::Altered {
                baseline_id: info.id,
                detail: format!(
                    "{beyond} accepted change(s) are recorded for baselines that were never written"
                ),
            }));
        }
        if !mac.matches(&info.seal) {
            return Ok(Err(Tamper::Altered {
                baseline_id: info.id,
                detail: format!(
                    "the MAC of generation {} over its header, {} items and {} accepted changes does not match its seal",
                    info.generation,
                    fed,
                    accepted.len()
                ),
            }));
        }
        let entry = match read_anchor()? {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                return Ok(Err(Tamper::AnchorInvalid {
                    detail: format!(
                        "{} is missing or has no entry for this store ({store_id}), which holds sealed generation {}",
                        anchor.path().display(),
                        info.generation
                    ),
                }))
            }
            Err(t) => return Ok(Err(t)),
        };
        if info.generation < entry.generation {
            return Ok(Err(Tamper::RolledBack {
                store_generation: info.generation,
                anchor_generation: entry.generation,
            }));
        }
        if info.generation == entry.generation && info.seal != entry.seal {
            return Ok(Err(Tamper::Altered {
                baseline_id: info.id,
                detail: format!(
                    "generation {} is validly sealed but is not the generation {} the anchor recorded: the store file was replaced by another copy of it",
                    info.generation, entry.generation
                ),
            }));
        }
        if info.generation > entry.generation {
            // Killed between commit and anchor update: the seal proves the
            // key holder wrote it. A failure to advance is not tampering.
            let _ = anchor.record(
                key,
                store_id,
                AnchorEntry {
                    generation: info.generation,
                    seal: info.seal.clone(),
                },
            );
        }
        Ok(Ok(info))
    }

    fn quick_check(&self) -> Result<Vec<String>, BaselineError> {
        let conn = self.store.conn();
        let mut stmt = conn
            .prepare("PRAGMA quick_check")
            .map_err(|e| self.err("integrity check", e))?;
        let lines = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err("integrity check", e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err("integrity check", e))?;
        Ok(if lines == ["ok"] {
            Vec::new()
        } else {
            lines.into_iter().take(5).collect()
        })
    }

    /// Writes a whole new sealed baseline in ONE transaction (generation =
    /// one more than both the store's latest and the anchor's), prunes to
    /// [`KEEP_GENERATIONS`], then updates the anchor. Killed or disk-full
    /// mid-way: nothing of it is visible, the previous baseline stays valid.
    /// Duplicate (kind, key) items are refused; an invalid anchor is refused
    /// (never silently replaced).
    pub fn write(
        &mut self,
        new: NewBaseline,
        items: Vec<Item>,
        key: &Key,
        anchor: &Anchor,
    ) -> Result<BaselineInfo, BaselineError> {
        self.write_generation(new, None, items, Vec::new(), key, anchor)
    }

    /// Accepts reviewed changes: a new generation = `base`'s items with each
    /// change applied (Added/Changed: the `after` item replaces or joins;
    /// Removed: the key is dropped), plus one [`Acceptance`] per change (who,
    /// why, time), all sealed, in one transaction. The new baseline keeps
    /// `base`'s host and roots, has `why` as its note and `base` as parent.
    pub fn accept(
        &mut self,
        base: &BaselineInfo,
        changes: Vec<AcceptedChange>,
        who: &str,
        why: &str,
        key: &Key,
        anchor: &Anchor,
    ) -> Result<BaselineInfo, BaselineError> {
        let invalid = |detail: String| BaselineError::Invalid { detail };
        if changes.is_empty() {
            return Err(invalid("no changes to accept".into()));
        }
        let exists: bool = self
            .store
            .conn()
            .query_row(
                "SELECT count(*) > 0 FROM baselines WHERE id = ?1",
                [base.id],
                |r| r.get(0),
            )
            .map_err(|e| self.err("cannot read baselines", e))?;
        if !exists {
            return Err(invalid(format!(
                "baseline {} is not in the store (pruned or never written)",
                base.id
            )));
        }
        let mut current: BTreeMap<(&'static str, String), Item> = BTreeMap::new();
        self.each_item(base.id, |item| {
            current.insert((item.kind.as_str(), item.key.clone()), item);
        })?;
        let time = now_rfc3339();
        let mut seen = BTreeSet::new();
        let mut accepted = Vec::with_capacity(changes.len());
        for (change, kind, item_key, after) in changes {
            let k = (kind.as_str(), item_key);
            if !seen.insert(k.clone()) {
                return Err(invalid(format!(
                    "{} {:?} is listed twice among the changes",
                    kind.as_str(),
                    k.1
                )));
            }
            let sha256 = match (change, after) {
                (ChangeKind::Added | ChangeKind::Changed, Some(item)) => {
                    if item.kind != kind || item.key != k.1 {
                        return Err(invalid(format!(
                            "the item given for {} {:?} is {} {:?}",
                            kind.as_str(),
                            k.1,
                            item.kind.as_str(),
                            item.key
                        )));
                    }
                    let sha = item.sha256.clone();
                    current.insert(k.clone(), item);
                    sha
                }
                (ChangeKind::Added | ChangeKind::Changed, None) => {
                    return Err(invalid(format!(
                        "{} {} {:?} comes without the item as it is now",
                        change.as_str(),
                        kind.as_str(),
                        k.1
                    )))
                }
                (ChangeKind::Removed, _) => match current.remove(&k) {
                    Some(old) => old.sha256,
                    None => {
                        return Err(invalid(format!(
                            "cannot accept the removal of {} {:?}: it is not in baseline {}",
                            kind.as_str(),
                            k.1,
                            base.id
                        )))
                    }
                },
            };
            accepted.push(Acceptance {
                baseline_id: 0,
                time: time.clone(),
                who: who.to_string(),
                why: why.to_string(),
                kind,
                key: k.1,
                change,
                sha256,
            });
        }
        let new = NewBaseline {
            host: base.host.clone(),
            roots: base.roots.clone(),
            note: Some(why.to_string()),
        };
        let items = current.into_values().collect();
        self.write_generation(new, Some(base.id), items, accepted, key, anchor)
    }

    fn write_generation(
        &mut self,
        new: NewBaseline,
        parent: Option<i64>,
        mut items: Vec<Item>,
        mut accepted: Vec<Acceptance>,
        key: &Key,
        anchor: &Anchor,
    ) -> Result<BaselineInfo, BaselineError> {
        let store_id = self
            .store_id
            .clone()
            .expect("a read-write store has an id after migration");
        items.sort_unstable_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        if let Some(w) = items
            .windows(2)
            .find(|w| sort_key(&w[0]) == sort_key(&w[1]))
        {
            return Err(BaselineError::Invalid {
                detail: format!(
                    "{} {:?} appears twice among the items",
                    w[0].kind.as_str(),
                    w[0].key
                ),
            });
        }
        let anchor_generation = anchor
            .entry(key, &store_id)?
            .map(|e| e.generation)
            .unwrap_or(0);
        let path = self.store.path().to_path_buf();
        let sq = |context: &'static str| {
            let path = path.clone();
            move |e| sqlite(&path, context, e)
        };
        let created = now_rfc3339();
        let roots = serde_json::to_string(&new.roots).expect("strings serialize");
        let tx = self
            .store
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sq("cannot begin the baseline transaction"))?;
        let (store_generation, latest): (i64, Option<i64>) = tx
            .query_row(
                "SELECT coalesce(max(generation), 0),
                        (SELECT id FROM baselines ORDER BY generation DESC LIMIT 1)
                 FROM baselines",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sq("cannot read the latest generation"))?;
        let generation = (store_generation as u64).max(anchor_generation) + 1;
        let mut info = BaselineInfo {
            id: 0,
            generation,
            created: created.clone(),
            host: new.host,
            roots: new.roots,
            items: items.len() as u64,
            parent: parent.or(latest),
            note: new.note,
            key_id: key.id(),
            seal: String::new(),
        };
        tx.execute(
            "INSERT INTO baselines(generation, created, host, roots, parent, note, key_id, item_count, seal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '')",
            params![
                generation as i64,
                info.created,
                info.host,
                roots,
                info.parent,
                info.note,
                info.key_id,
                info.items as i64
            ],
        )
        .map_err(sq("cannot insert the baseline"))?;
        info.id = tx.last_insert_rowid();
        // Ids are never reused, so rows already carrying this id were put
        // there by someone else: drop them rather than seal them.
        for table in ["items", "acceptances"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE baseline_id >= ?1"),
                [info.id],
            )
            .map_err(sq("cannot clear foreign rows"))?;
        }
        let mut mac = key.mac();
        rows::mac_header(&mut mac, &store_id, &info);
        {
            let mut stmt = tx
                .prepare(&format!(
                    "INSERT INTO items(baseline_id, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    rows::ITEM_COLUMNS
                ))
                .map_err(sq("cannot prepare the item insert"))?;
            for item in &items {
                rows::insert_item(&mut stmt, info.id, item).map_err(sq("cannot insert an item"))?;
                rows::mac_item(&mut mac, item);
            }
        }
        rows::mac_items_end(&mut mac, items.len() as u64);
        drop(items);
        for a in &mut accepted {
            a.baseline_id = info.id;
            tx.execute(
                &format!(
                    "INSERT INTO acceptances({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    rows::ACCEPTANCE_COLUMNS
                ),
                params![
                    a.baseline_id,
                    a.time,
                    a.who,
                    a.why,
                    a.kind.as_str(),
                    a.key,
                    a.change.as_str(),
                    a.sha256
                ],
            )
            .map_err(sq("cannot insert an acceptance"))?;
        }
        {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {} FROM acceptances WHERE baseline_id <= ?1 ORDER BY baseline_id, kind, key",
                    rows::ACCEPTANCE_COLUMNS
                ))
                .map_err(sq("cannot read acceptances"))?;
            let mut rows_ = stmt
                .query([info.id])
                .map_err(sq("cannot read acceptances"))?;
            while let Some(row) = rows_.next().map_err(sq("cannot read acceptances"))? {
                let a = rows::decode_acceptance(row).map_err(|detail| BaselineError::Corrupt {
                    path: path.clone(),
                    detail,
                })?;
                rows::mac_acceptance(&mut mac, &a);
            }
        }
        info.seal = mac.finish();
        tx.execute(
            "UPDATE baselines SET seal = ?1 WHERE id = ?2",
            params![info.seal, info.id],
        )
        .map_err(sq("cannot seal the baseline"))?;
        let prune = "SELECT id FROM baselines ORDER BY generation DESC LIMIT -1 OFFSET ?1";
        tx.execute(
            &format!("DELETE FROM items WHERE baseline_id IN ({prune})"),
            [KEEP_GENERATIONS as i64],
        )
        .map_err(sq("cannot prune old items"))?;
        tx.execute(
            &format!("DELETE FROM baselines WHERE id IN ({prune})"),
            [KEEP_GENERATIONS as i64],
        )
        .map_err(sq("cannot prune old baselines"))?;
        tx.commit().map_err(sq("cannot commit the baseline"))?;
        anchor.record(
            key,
            &store_id,
            AnchorEntry {
                generation,
                seal: info.seal.clone(),
            },
        )?;
        Ok(info)
    }
}

/// Whether `e` means the store file is damaged (so callers can say so).
pub fn is_damaged(e: &BaselineError) -> bool {
    is_corrupt(e).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_items_round_trip_in_kind_key_order() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::create(&dir.path().join("k/baseline.key")).unwrap();
        let anchor = Anchor::beside(&dir.path().join("k/baseline.key"));
        let mut b = Baselines::open(&dir.path().join("s/ferret.db")).unwrap();
        let item = |kind, key: &str| Item {
            kind,
            key: key.into(),
            sha256: None,
            meta: None,
            attrs: BTreeMap::new(),
        };
        let items = vec![
            item(ItemKind::File, "/b"),
            item(ItemKind::Component, "x"),
            item(ItemKind::File, "/a"),
        ];
        let info = b
            .write(
                NewBaseline {
                    host: "h".into(),
                    roots: vec![],
                    note: None,
                },
                items,
                &key,
                &anchor,
            )
            .unwrap();
        let keys: Vec<_> = b
            .items(info.id)
            .unwrap()
            .into_iter()
            .map(|i| i.key)
            .collect();
        assert_eq!(keys, ["x", "/a", "/b"]);
        assert_eq!(b.verify(&key, &anchor).unwrap(), Ok(info));
    }
}
