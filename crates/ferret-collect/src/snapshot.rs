//! Snapshots for `ferret baseline`: every file under the component locations
//! as an [`Item`] (lstat metadata, streamed SHA-256, symlink target, package
//! status of modules), plus the conversions of components and database
//! objects into items. Observes only; `ferret-detect`'s baseline policy judges.
//!
//! **Keys.** A file's key is [`ferret_core::escape_path`] of its path: one
//! printable line, and lossless (`\\`, `\n`, `\r`, `\t`, `\xNN` for other
//! control bytes and for bytes that are not UTF-8, `\u{NNNN}` for invisible
//! Unicode), so a non-UTF-8 name keeps its own key and [`key_to_path`] gives
//! the original bytes back.
//!
//! **Fast path.** With a previous snapshot, a file whose size, mtime, ctime,
//! inode and device all match the recorded ones keeps its recorded hash and
//! attributes without being read ([`FileSnapshot::reused`]); `rehash` forces
//! reading every file. Any write to a file changes its ctime, which user space
//! cannot set back, so a change that restores mtime is still caught.

use crate::read::ReadOutcome;
use crate::servers::dpkg::PackageDb;
use crate::walk::{Entry, Walk, WalkOptions};
use crate::CollectError;
use ferret_core::{
    escape_path, Component, ComponentFacts, DbObject, FileMeta, ImageSignature, Item, ItemKind,
    PackageStatus,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// Default largest file hashed; bigger ones are recorded with metadata only.
pub const DEFAULT_HASH_CAP: u64 = 1024 * 1024 * 1024;
/// Largest package-owned module read whole to check it against the package database.
pub const MAX_PACKAGE_CHECK: u64 = 256 * 1024 * 1024;

/// How to take a file snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    /// Walker threads, excludes and collection root.
    pub walk: WalkOptions,
    /// Files larger than this are not hashed (attribute `unhashed` says so).
    pub hash_cap: u64,
    /// Hash every file even when its metadata matches the previous snapshot.
    pub rehash: bool,
    /// Extensions (lowercase, no dot) of files checked against the package
    /// database under `package_root` (modules: `so`, `dll`...).
    pub package_exts: Vec<String>,
    /// The examined system's root, for the package database (`/` live).
    pub package_root: PathBuf,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            walk: WalkOptions::default(),
            hash_cap: DEFAULT_HASH_CAP,
            rehash: false,
            package_exts: Vec::new(),
            package_root: PathBuf::from("/"),
        }
    }
}

/// The files found under the roots.
#[derive(Debug, Default)]
pub struct FileSnapshot {
    /// One item per file, symlink or special file, sorted by key.
    pub items: Vec<Item>,
    /// Per-item problems (unreadable directory or file); the rest was recorded.
    pub errors: Vec<CollectError>,
    /// Files whose content was read and hashed.
    pub hashed: u64,
    /// Files whose recorded hash was reused (metadata unchanged).
    pub reused: u64,
}

/// The key of a file: its path, escaped losslessly.
pub fn path_key(path: &Path) -> String {
    escape_path(path)
}

/// The path a file key stands for (the inverse of [`path_key`]).
pub fn key_to_path(key: &str) -> PathBuf {
    let bytes = unescape(key);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'\\' => out.push(b'\\'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'x' if i + 4 <= b.len() => {
                let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                    Err(_) => out.extend_from_slice(&b[i..i + 2]),
                }
            }
            b'u' if b.get(i + 2) == Some(&b'{') => {
                let end = b[i..].iter().position(|&c| c == b'}').map(|e| i + e);
                let c = end
                    .and_then(|e| std::str::from_utf8(&b[i + 3..e]).ok())
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32);
                match (c, end) {
                    (Some(c), Some(e)) => {
                        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        i = e + 1;
                        continue;
                    }
                    _ => out.extend_from_slice(&b[i..i + 2]),
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
        i += 2;
    }
    out
}

/// The metadata of an `lstat` result.
#[cfg(unix)]
pub fn file_meta(m: &std::fs::Metadata) -> FileMeta {
    use std::os::unix::fs::MetadataExt;
    FileMeta {
        size: m.size(),
        mode: m.mode(),
        uid: m.uid(),
        gid: m.gid(),
        mtime_ns: m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        ctime_ns: m.ctime() * 1_000_000_000 + m.ctime_nsec(),
        inode: m.ino(),
        dev: m.dev(),
    }
}

/// The metadata of an `lstat` result.
#[cfg(not(unix))]
pub fn file_meta(m: &std::fs::Metadata) -> FileMeta {
    let ns = |t: std::io::Result<std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0)
    };
    FileMeta {
        size: m.len(),
        mode: if m.permissions().readonly() {
            0o444
        } else {
            0o644
        },
        uid: 0,
        gid: 0,
        mtime_ns: ns(m.modified()),
        ctime_ns: ns(m.created()),
        inode: 0,
        dev: 0,
    }
}

/// Whether the fast path may reuse a recorded item for `now`.
fn unchanged(prev: &FileMeta, now: &FileMeta) -> bool {
    prev.size == now.size
        && prev.mtime_ns == now.mtime_ns
        && prev.ctime_ns == now.ctime_ns
        && prev.inode == now.inode
        && prev.dev == now.dev
}

/// Shared state of one snapshot run.
struct Run<'a> {
    opts: &'a SnapshotOptions,
    /// Recorded files by key (a hash map: binary search over 200,000 long,
    /// prefix-sharing paths cost more than the stat walk itself).
    previous: HashMap<&'a str, &'a Item>,
    packages: OnceLock<Option<PackageDb>>,
    items: Mutex<Vec<Item>>,
    errors: Mutex<Vec<CollectError>>,
    hashed: AtomicU64,
    reused: AtomicU64,
}

/// A worker's buffer, handed over when the worker ends.
struct Local<'r, 'a> {
    run: &'r Run<'a>,
    items: Vec<Item>,
    errors: Vec<CollectError>,
}

impl Drop for Local<'_, '_> {
    fn drop(&mut self) {
        if let Ok(mut v) = self.run.items.lock() {
            v.append(&mut self.items);
        }
        if let Ok(mut v) = self.run.errors.lock() {
            v.append(&mut self.errors);
        }
    }
}

/// Records every file under `roots`. `previous` are the recorded items (any
/// kinds, any order) whose hashes the fast path may reuse.
pub fn snapshot_files(
    roots: &[PathBuf],
    opts: &SnapshotOptions,
    previous: &[Item],
) -> Result<FileSnapshot, CollectError> {
    let walk = Walk::new(roots.to_vec(), opts.walk.clone())?;
    let prev: HashMap<&str, &Item> = previous
        .iter()
        .filter(|i| i.kind == ItemKind::File)
        .map(|i| (i.key.as_str(), i))
        .collect();
    let run = Run {
        opts,
        previous: prev,
        packages: OnceLock::new(),
        items: Mutex::new(Vec::new()),
        errors: Mutex::new(Vec::new()),
        hashed: AtomicU64::new(0),
        reused: AtomicU64::new(0),
    };
    walk.run(|| {
        let mut local = Local {
            run: &run,
            items: Vec::new(),
            errors: Vec::new(),
        };
        move |entry| local.visit(entry)
    });
    let mut items = run.items.into_inner().unwrap_or_default();
    items.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    // Overlapping roots (a web root inside /var/www) meet a file twice.
    items.dedup_by(|a, b| a.key == b.key);
    Ok(FileSnapshot {
        items,
        errors: run.errors.into_inner().unwrap_or_default(),
        hashed: run.hashed.into_inner(),
        reused: run.reused.into_inner(),
    })
}

impl Local<'_, '_> {
    fn visit(&mut self, entry: Entry) {
        match entry {
            Entry::File(f) => self.file(&f.path, f.original_path),
            Entry::Skipped { path, .. } => self.special(&path),
            Entry::Error(e) => self.errors.push(e),
        }
    }

    fn previous(&self, key: &str) -> Option<&Item> {
        self.run.previous.get(key).copied()
    }

    fn base(&self, path: &Path, original: Option<String>) -> Option<(Item, std::fs::Metadata)> {
        let m = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.push_err(CollectError::io(path, e));
                return None;
            }
        };
        let mut attrs = BTreeMap::new();
        if let Some(o) = original {
            attrs.insert("original_path".to_string(), o);
        }
        let item = Item {
            kind: ItemKind::File,
            key: path_key(path),
            sha256: None,
            meta: Some(file_meta(&m)),
            attrs,
        };
        Some((item, m))
    }

    fn push_err(&self, e: CollectError) {
        if let Ok(mut v) = self.run.errors.lock() {
            v.push(e);
        }
    }

    /// A symbolic link or special file: recorded, never opened or followed.
    fn special(&mut self, path: &Path) {
        let Some((mut item, m)) = self.base(path, None) else {
            return;
        };
        let ft = m.file_type();
        if ft.is_symlink() {
            match std::fs::read_link(path) {
                Ok(t) => {
                    item.attrs.insert("target".into(), path_key(&t));
                }
                Err(e) => self.errors.push(CollectError::io(path, e)),
            }
            item.attrs.insert("type".into(), "symlink".into());
        } else if ft.is_dir() {
            return;
        } else {
            item.attrs.insert("type".into(), special_type(&ft).into());
        }
        self.items.push(item);
    }

    fn file(&mut self, path: &Path, original: Option<String>) {
        let Some((mut item, _)) = self.base(path, original) else {
            return;
        };
        let meta = item.meta.expect("files have metadata");
        if !self.run.opts.rehash {
            if let Some(prev) = self.previous(&item.key) {
                if prev.meta.is_some_and(|p| unchanged(&p, &meta)) {
                    item.sha256 = prev.sha256.clone();
                    for (k, v) in &prev.attrs {
                        item.attrs.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    self.run.reused.fetch_add(1, Ordering::Relaxed);
                    self.items.push(item);
                    return;
                }
            }
        }
        self.run.hashed.fetch_add(1, Ordering::Relaxed);
        let result = if self.package_checked(path) {
            self.hash_with_package(path, &mut item)
        } else {
            hash_file(path, self.run.opts.hash_cap).map(|h| match h {
                Hashed::Sha256(h) => item.sha256 = Some(h),
                Hashed::Skipped(why) => {
                    item.attrs.insert("unhashed".into(), why);
                }
            })
        };
        if let Err(e) = result {
            item.attrs.insert("unhashed".into(), e.reason());
            self.errors.push(e);
        }
        self.items.push(item);
    }

    fn package_checked(&self, path: &Path) -> bool {
        let exts = &self.run.opts.package_exts;
        if exts.is_empty() {
            return false;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        exts.iter()
            .any(|e| name.ends_with(&format!(".{e}")) || name.contains(&format!(".{e}.")))
    }

    fn hash_with_package(&self, path: &Path, item: &mut Item) -> Result<(), CollectError> {
        let root = &self.run.opts.package_root;
        let db = self
            .run
            .packages
            .get_or_init(|| PackageDb::load(root).ok().flatten());
        let original = crate::servers::facts::original_unix_path(root, path);
        let owned = match (db, &original) {
            (Some(db), Some(o)) => db.owner(o).is_some(),
            _ => false,
        };
        if !owned {
            return match hash_file(path, self.run.opts.hash_cap)? {
                Hashed::Sha256(h) => {
                    item.sha256 = Some(h);
                    Ok(())
                }
                Hashed::Skipped(why) => {
                    item.attrs.insert("unhashed".into(), why);
                    Ok(())
                }
            };
        }
        match crate::read::read_file(path, MAX_PACKAGE_CHECK)? {
            ReadOutcome::Content { bytes, .. } => {
                item.sha256 = Some(hex::encode(Sha256::digest(&bytes)));
                if let (Some(db), Some(o)) = (db, &original) {
                    item.attrs
                        .insert("package".into(), package_attr(&db.status(o, &bytes)));
                }
            }
            ReadOutcome::Skipped(why) => {
                item.attrs.insert("unhashed".into(), why);
            }
        }
        Ok(())
    }
}

fn special_type(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "fifo";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "device";
        }
    }
    let _ = ft;
    "special"
}

/// What hashing one file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hashed {
    /// Lowercase hex SHA-256 of the whole content.
    Sha256(String),
    /// Not hashed on purpose (too large, not a regular file when opened).
    Skipped(String),
}

/// Streams `path` through SHA-256 in 64 KiB blocks (never reads it whole),
/// opened without following a swapped-in symlink or blocking on a FIFO.
pub fn hash_file(path: &Path, cap: u64) -> Result<Hashed, CollectError> {
    let mut f = crate::read::open(path)?;
    let m = f.metadata().map_err(|e| CollectError::io(path, e))?;
    if !m.is_file() {
        return Ok(Hashed::Skipped("not a regular file when opened".into()));
    }
    if m.len() > cap {
        return Ok(Hashed::Skipped(format!(
            "too large: not hashed ({} bytes > {cap})",
            m.len()
        )));
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| CollectError::io(path, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > cap {
            return Ok(Hashed::Skipped(format!(
                "too large: not hashed (grew past {cap} bytes while read)"
            )));
        }
        h.update(&buf[..n]);
    }
    Ok(Hashed::Sha256(hex::encode(h.finalize())))
}

/// The `package` attribute: `verified:PKG`, `modified:PKG`, `owned:PKG`,
/// `unowned` or `no_database`.
pub fn package_attr(s: &PackageStatus) -> String {
    match s {
        PackageStatus::NoDatabase => "no_database".into(),
        PackageStatus::Unowned => "unowned".into(),
        PackageStatus::Verified { package } => format!("verified:{package}"),
        PackageStatus::Modified { package, .. } => format!("modified:{package}"),
        PackageStatus::OwnedUnverified { package } => format!("owned:{package}"),
    }
}

/// The item of one component. `declared_in` is `file:line` or `file!key`
/// (kept as a noted attribute: a line shift is not a change); the key is
/// `server|kind|name|declaring file[!key]`.
pub fn component_item(
    c: &Component,
    facts: &ComponentFacts,
    verdict: &str,
    declared_in: &str,
) -> Item {
    let mut declared = c.declared.file.to_string_lossy().into_owned();
    if let Some(k) = &c.declared.key {
        declared.push('!');
        declared.push_str(k);
    }
    let key = format!(
        "{}|{}|{}|{}",
        c.server.as_str(),
        c.kind.as_str(),
        c.name,
        declared
    );
    let mut attrs = BTreeMap::new();
    attrs.insert("server".into(), c.server.as_str().to_string());
    attrs.insert("component".into(), c.kind.as_str().to_string());
    attrs.insert("name".into(), c.name.clone());
    attrs.insert("declared_in".into(), declared_in.to_string());
    attrs.insert("verdict".into(), verdict.to_string());
    if let Some(i) = &c.implementation {
        attrs.insert("implementation".into(), i.clone());
    }
    if let Some(r) = &c.resolved {
        attrs.insert("path".into(), r.to_string_lossy().into_owned());
    }
    if let Some(p) = &facts.package {
        attrs.insert("package".into(), package_attr(p));
    }
    if let Some(s) = &facts.signature {
        let v = match s {
            ImageSignature::NotPe(_) => "not_pe".to_string(),
            ImageSignature::Unsigned => "unsigned".to_string(),
            ImageSignature::Invalid { .. } => "invalid".to_string(),
            ImageSignature::Valid { signer, .. } => format!("valid:{signer}"),
        };
        attrs.insert("signature".into(), v);
    }
    Item {
        kind: ItemKind::Component,
        key,
        sha256: facts.sha256.clone(),
        meta: None,
        attrs,
    }
}

/// Makes component keys unique: a second component with the same key gets `#2`, ...
pub fn dedup_keys(items: &mut [Item]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for it in items.iter_mut() {
        let n = seen.entry(it.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            it.key = format!("{}#{}", it.key, n);
        }
    }
}

/// The item of one database object: key `engine|server|database|schema|kind|name`,
/// SHA-256 of the definition, owner, kind and catalog facts as attributes.
pub fn db_item(o: &DbObject) -> Item {
    let db = o.database.as_deref().unwrap_or("");
    let schema = o.schema.as_deref().unwrap_or("");
    let key = format!(
        "{}|{}|{db}|{schema}|{}|{}",
        o.engine.as_str(),
        o.server,
        o.kind.as_str(),
        o.name
    );
    let mut attrs: BTreeMap<String, String> = o
        .attrs
        .iter()
        .map(|(k, v)| (format!("catalog.{k}"), v.clone()))
        .collect();
    attrs.insert("engine".into(), o.engine.as_str().into());
    attrs.insert("server".into(), o.server.clone());
    attrs.insert("name".into(), o.name.clone());
    attrs.insert("object_type".into(), o.kind.as_str().into());
    if let Some(d) = &o.database {
        attrs.insert("database".into(), d.clone());
    }
    if let Some(s) = &o.schema {
        attrs.insert("schema".into(), s.clone());
    }
    if let Some(w) = &o.owner {
        attrs.insert("owner".into(), w.clone());
    }
    let locator = format!(
        "{}://{}/{}/{}{} ({})",
        o.engine.as_str(),
        o.server,
        if db.is_empty() { "-" } else { db },
        if schema.is_empty() {
            String::new()
        } else {
            format!("{schema}.")
        },
        o.name,
        o.kind.as_str()
    );
    attrs.insert("locator".into(), locator);
    Item {
        kind: ItemKind::DbObject,
        key,
        sha256: o
            .definition
            .as_deref()
            .map(|d| hex::encode(Sha256::digest(d))),
        meta: None,
        attrs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> SnapshotOptions {
        SnapshotOptions {
            walk: WalkOptions {
                threads: 2,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn keys_are_lossless() {
        for raw in [
            &b"/a/b c.php"[..],
            b"/a/\\x41\n\t\r\x1b",
            b"/a/\xff\xfe.php",
            "/a/\u{202e}gpj.php".as_bytes(),
            "/a/\u{4e2d}.php".as_bytes(),
        ] {
            #[cfg(unix)]
            let p = {
                use std::os::unix::ffi::OsStrExt;
                PathBuf::from(std::ffi::OsStr::from_bytes(raw))
            };
            #[cfg(not(unix))]
            let p = PathBuf::from(String::from_utf8_lossy(raw).into_owned());
            let k = path_key(&p);
            assert!(!k.contains('\n'));
            assert_eq!(key_to_path(&k), p, "{k}");
        }
    }

    #[test]
    fn hashes_reuses_and_records_links() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.php"), b"<?php echo 1;").unwrap();
        std::fs::write(d.path().join("b.txt"), b"x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("l.php")).unwrap();
        let roots = vec![d.path().to_path_buf()];
        let first = snapshot_files(&roots, &opts(), &[]).unwrap();
        assert_eq!(first.hashed, 2);
        let a = first
            .items
            .iter()
            .find(|i| i.key.ends_with("a.php"))
            .unwrap();
        assert_eq!(
            a.sha256.as_deref(),
            Some(hex::encode(Sha256::digest(b"<?php echo 1;")).as_str())
        );
        #[cfg(unix)]
        {
            let l = first
                .items
                .iter()
                .find(|i| i.key.ends_with("l.php"))
                .unwrap();
            assert_eq!(
                l.attrs.get("target").map(String::as_str),
                Some("/etc/passwd")
            );
            assert_eq!(l.sha256, None);
        }
        let second = snapshot_files(&roots, &opts(), &first.items).unwrap();
        assert_eq!((second.hashed, second.reused), (0, 2));
        assert_eq!(second.items, first.items);
        let forced = snapshot_files(
            &roots,
            &SnapshotOptions {
                rehash: true,
                ..opts()
            },
            &first.items,
        )
        .unwrap();
        assert_eq!((forced.hashed, forced.reused), (2, 0));
    }

    #[test]
    fn large_files_are_not_hashed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("big.bin"), vec![0u8; 200_000]).unwrap();
        let o = SnapshotOptions {
            hash_cap: 100_000,
            ..opts()
        };
        let s = snapshot_files(&[d.path().to_path_buf()], &o, &[]).unwrap();
        assert_eq!(s.items[0].sha256, None);
        assert!(s.items[0].attrs["unhashed"].starts_with("too large"));
        assert_eq!(s.items[0].meta.unwrap().size, 200_000);
    }

    #[test]
    fn package_status_is_recorded_for_modules() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let modules = root.join("usr/lib/apache2/modules");
        std::fs::create_dir_all(&modules).unwrap();
        std::fs::create_dir_all(root.join("var/lib/dpkg/info")).unwrap();
        std::fs::write(modules.join("mod_a.so"), b"AAAA").unwrap();
        std::fs::write(modules.join("mod_b.so"), b"BBBB").unwrap();
        let md5 = |b: &[u8]| {
            use md5::Digest as _;
            hex::encode(md5::Md5::digest(b))
        };
        std::fs::write(
            root.join("var/lib/dpkg/info/apache2-bin.list"),
            "/usr/lib/apache2/modules/mod_a.so\n/usr/lib/apache2/modules/mod_b.so\n",
        )
        .unwrap();
        std::fs::write(
            root.join("var/lib/dpkg/info/apache2-bin.md5sums"),
            format!(
                "{}  usr/lib/apache2/modules/mod_a.so\n{}  usr/lib/apache2/modules/mod_b.so\n",
                md5(b"AAAA"),
                md5(b"other")
            ),
        )
        .unwrap();
        let o = SnapshotOptions {
            package_exts: vec!["so".into()],
            package_root: root.to_path_buf(),
            ..opts()
        };
        let s = snapshot_files(std::slice::from_ref(&modules), &o, &[]).unwrap();
        let attr =
            |n: &str| s.items.iter().find(|i| i.key.ends_with(n)).unwrap().attrs["package"].clone();
        assert_eq!(attr("mod_a.so"), "verified:apache2-bin");
        assert_eq!(attr("mod_b.so"), "modified:apache2-bin");
    }
}
