//! Package ownership and integrity of module files, from the package databases
//! under the examined root: dpkg (`var/lib/dpkg/info/*.list` and `*.md5sums`)
//! and RPM ≥ 4.16 (`var/lib/rpm/rpmdb.sqlite`, whose header blobs are parsed
//! here by [`parse_rpm_header`]).
//!
//! Nothing is written next to the databases: the SQLite file is opened
//! read-only and `immutable`, so no journal or lock is created. Sizes are
//! bounded (files read, entries kept, header sizes); a database file that
//! cannot be read or parsed becomes a per-file [`CollectError`] kept in
//! [`PackageDb::errors`] while the rest still loads.
//!
//! This module sets no component attributes; callers turn
//! [`PackageDb::status`] into their own.

use super::read_config;
use crate::CollectError;
use ferret_core::PackageStatus;
use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Most `.list` / `.md5sums` files read from `var/lib/dpkg/info`.
pub const MAX_DPKG_FILES: usize = 200_000;
/// Most path entries kept (ownership plus digests), across all databases.
pub const MAX_ENTRIES: usize = 20_000_000;
/// Most RPM packages (header blobs) read from `rpmdb.sqlite`.
pub const MAX_RPM_PACKAGES: usize = 200_000;
/// Largest RPM header data store accepted (RPM's own limit).
pub const MAX_RPM_HEADER_DATA: usize = 256 * 1024 * 1024;
/// Most index entries in one RPM header (RPM's own limit).
pub const MAX_RPM_HEADER_TAGS: usize = 0xffff;

/// A checksum a package database records for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileDigest {
    /// MD5, lowercase hex.
    Md5(String),
    /// SHA-256, lowercase hex.
    Sha256(String),
    /// An algorithm Ferret does not check (RPM algorithm number).
    Other(u32),
}

/// The installed packages' files, as recorded by dpkg and/or RPM under one root.
#[derive(Debug, Default)]
pub struct PackageDb {
    /// Absolute path on the source system → owning package (first listed wins).
    owners: HashMap<String, String>,
    /// Absolute path → (package, recorded checksum).
    digests: HashMap<String, (String, FileDigest)>,
    /// Per-file problems met while loading; the rest of the database loaded.
    pub errors: Vec<CollectError>,
}

impl PackageDb {
    /// Loads the dpkg and RPM databases under `root`. `Ok(None)` when neither
    /// exists; `Err` only when the dpkg info directory exists but cannot be listed.
    pub fn load(root: &Path) -> Result<Option<PackageDb>, CollectError> {
        let info = root.join("var/lib/dpkg/info");
        let rpm = root.join("var/lib/rpm/rpmdb.sqlite");
        let has_dpkg = info.is_dir();
        let has_rpm = rpm.is_file();
        if !has_dpkg && !has_rpm {
            return Ok(None);
        }
        let mut db = PackageDb::default();
        if has_dpkg {
            db.load_dpkg(&info)?;
        }
        if has_rpm {
            db.load_rpm_sqlite(&rpm);
        }
        Ok(Some(db))
    }

    /// The package that lists `original_path` (a path on the source system,
    /// `/usr/lib/apache2/modules/mod_x.so`), if any.
    pub fn owner(&self, original_path: &str) -> Option<&str> {
        candidates(original_path)
            .iter()
            .find_map(|p| {
                self.owners
                    .get(p)
                    .or_else(|| self.digests.get(p).map(|(pkg, _)| pkg))
            })
            .map(String::as_str)
    }

    /// Whether `original_path` belongs to a package and whether `content`
    /// matches the checksum the package database records for it.
    pub fn status(&self, original_path: &str, content: &[u8]) -> PackageStatus {
        let found = candidates(original_path)
            .into_iter()
            .find_map(|p| self.digests.get(&p));
        let Some((package, digest)) = found else {
            return match self.owner(original_path) {
                Some(p) => PackageStatus::OwnedUnverified {
                    package: p.to_string(),
                },
                None => PackageStatus::Unowned,
            };
        };
        let (expected, actual) = match digest {
            FileDigest::Md5(e) => (e, hex::encode(Md5::digest(content))),
            FileDigest::Sha256(e) => (e, hex::encode(Sha256::digest(content))),
            FileDigest::Other(_) => {
                return PackageStatus::OwnedUnverified {
                    package: package.clone(),
                };
            }
        };
        if expected.eq_ignore_ascii_case(&actual) {
            PackageStatus::Verified {
                package: package.clone(),
            }
        } else {
            PackageStatus::Modified {
                package: package.clone(),
                expected: expected.clone(),
                actual,
            }
        }
    }

    /// How many paths have a recorded owner or checksum.
    pub fn len(&self) -> usize {
        self.owners.len() + self.digests.len()
    }

    /// Whether nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty() && self.digests.is_empty()
    }

    fn full(&self) -> bool {
        self.len() >= MAX_ENTRIES
    }

    fn load_dpkg(&mut self, info: &Path) -> Result<(), CollectError> {
        let rd = std::fs::read_dir(info).map_err(|e| CollectError::io(info, e))?;
        let mut files: Vec<PathBuf> = Vec::new();
        for e in rd {
            let e = match e {
                Ok(e) => e,
                Err(err) => {
                    self.errors.push(CollectError::io(info, err));
                    continue;
                }
            };
            let p = e.path();
            let keep = matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("list" | "md5sums")
            );
            if keep {
                if files.len() >= MAX_DPKG_FILES {
                    self.errors.push(CollectError::parse(
                        info,
                        format!("more than {MAX_DPKG_FILES} package files; the rest were not read"),
                    ));
                    break;
                }
                files.push(p);
            }
        }
        // Sorted, so that "first listed wins" does not depend on directory order.
        files.sort();
        for path in files {
            let Some(package) = package_name(&path) else {
                continue;
            };
            let bytes = match read_config(&path) {
                Ok(b) => b,
                Err(e) => {
                    self.errors.push(e);
                    continue;
                }
            };
            let is_list = path.extension().is_some_and(|x| x == "list");
            let parsed = if is_list {
                parse_dpkg_list(&bytes)
                    .into_iter()
                    .map(|p| (p, None))
                    .collect::<Vec<_>>()
            } else {
                match parse_md5sums(&bytes) {
                    Ok(v) => v.into_iter().map(|(p, d)| (p, Some(d))).collect(),
                    Err(msg) => {
                        self.errors.push(CollectError::parse(&path, msg));
                        continue;
                    }
                }
            };
            for (p, digest) in parsed {
                if self.full() {
                    self.errors.push(CollectError::parse(
                        &path,
                        format!("more than {MAX_ENTRIES} package entries; the rest were not kept"),
                    ));
                    return Ok(());
                }
                match digest {
                    None => {
                        self.owners.entry(p).or_insert_with(|| package.clone());
                    }
                    Some(d) => {
                        self.digests
                            .entry(p)
                            .or_insert_with(|| (package.clone(), FileDigest::Md5(d)));
                    }
                }
            }
        }
        Ok(())
    }

    fn load_rpm_sqlite(&mut self, path: &Path) {
        if let Err(msg) = self.try_load_rpm_sqlite(path) {
            self.errors.push(CollectError::parse(path, msg));
        }
    }

    fn try_load_rpm_sqlite(&mut self, path: &Path) -> Result<(), String> {
        use rusqlite::{Connection, OpenFlags};
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let uri = sqlite_uri(path);
        let conn = Connection::open_with_flags(uri, flags).map_err(|e| e.to_string())?;
        let mut stmt = conn
            .prepare("SELECT hnum, blob FROM Packages")
            .map_err(|e| e.to_string())?;
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut n = 0usize;
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            n += 1;
            if n > MAX_RPM_PACKAGES {
                return Err(format!(
                    "more than {MAX_RPM_PACKAGES} packages; the rest were not read"
                ));
            }
            let hnum: i64 = row.get(0).unwrap_or(-1);
            let blob: Vec<u8> = match row.get(1) {
                Ok(b) => b,
                Err(e) => {
                    self.errors
                        .push(CollectError::parse(path, format!("package {hnum}: {e}")));
                    continue;
                }
            };
            let pkg = match parse_rpm_header(&blob) {
                Ok(p) => p,
                Err(e) => {
                    self.errors
                        .push(CollectError::parse(path, format!("package {hnum}: {e}")));
                    continue;
                }
            };
            for f in pkg.files {
                if self.full() {
                    return Err(format!(
                        "more than {MAX_ENTRIES} package entries; the rest were not kept"
                    ));
                }
                let digest = match (pkg.digest_algo, f.digest) {
                    (_, None) => None,
                    (1, Some(d)) => Some(FileDigest::Md5(d)),
                    (8, Some(d)) => Some(FileDigest::Sha256(d)),
                    (a, Some(_)) => Some(FileDigest::Other(a)),
                };
                match digest {
                    Some(d) => {
                        self.digests
                            .entry(f.path)
                            .or_insert_with(|| (pkg.name.clone(), d));
                    }
                    None => {
                        self.owners
                            .entry(f.path)
                            .or_insert_with(|| pkg.name.clone());
                    }
                }
            }
        }
        Ok(())
    }
}

/// [`PackageDb::status`], or [`PackageStatus::NoDatabase`] without a database.
pub fn status_in(db: Option<&PackageDb>, original_path: &str, content: &[u8]) -> PackageStatus {
    match db {
        Some(db) => db.status(original_path, content),
        None => PackageStatus::NoDatabase,
    }
}

/// `apache2-bin.list`, `libc6:amd64.md5sums` → `apache2-bin`, `libc6`.
fn package_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy();
    let name = stem.split(':').next().unwrap_or(&stem);
    (!name.is_empty()).then(|| name.to_string())
}

/// The path as given plus its `/usr`-merge alias (`/lib/x` ↔ `/usr/lib/x`),
/// normalised to a leading `/` and no trailing `/`.
fn candidates(original_path: &str) -> Vec<String> {
    let p = normalize(original_path);
    let mut out = vec![p.clone()];
    const MERGED: [&str; 6] = ["/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"];
    if let Some(rest) = p.strip_prefix("/usr") {
        if MERGED.iter().any(|m| rest.starts_with(m)) {
            out.push(rest.to_string());
        }
    } else if MERGED.iter().any(|m| p.starts_with(m)) {
        out.push(format!("/usr{p}"));
    }
    out
}

fn normalize(p: &str) -> String {
    let t = p.trim_end_matches('/');
    let t = t.strip_prefix("./").unwrap_or(t);
    if t.starts_with('/') {
        t.to_string()
    } else {
        format!("/{t}")
    }
}

/// Paths of a dpkg `.list` file (one absolute path per line; `/.` and
/// directories included, as dpkg writes them). Never fails: junk lines are paths too.
pub fn parse_dpkg_list(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && *l != b"/.")
        .map(|l| normalize(&String::from_utf8_lossy(l)))
        .collect()
}

/// Entries of a dpkg `.md5sums` file: `<32 hex>  <path relative to />` per
/// line → (absolute path, lowercase hex). A malformed line is an error naming it.
pub fn parse_md5sums(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let hash = line
            .get(..32)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let rest = line
            .get(32..)
            .filter(|r| r.first().is_some_and(|c| *c == b' '));
        let (Some(hash), Some(rest)) = (hash, rest) else {
            return Err(format!("line {}: not an md5sums entry", i + 1));
        };
        let path = String::from_utf8_lossy(rest.trim_ascii_start());
        if path.is_empty() {
            return Err(format!("line {}: no path", i + 1));
        }
        out.push((
            normalize(&path),
            String::from_utf8_lossy(hash).to_ascii_lowercase(),
        ));
    }
    Ok(out)
}

/// One package read from an RPM header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmPackage {
    /// `NAME` (tag 1000).
    pub name: String,
    /// `FILEDIGESTALGO` (tag 5011): 1 = MD5, 8 = SHA-256; 1 when absent, as RPM assumes.
    pub digest_algo: u32,
    /// Its files.
    pub files: Vec<RpmFile>,
}

/// One file of an RPM package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmFile {
    /// Absolute path (`DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`).
    pub path: String,
    /// Hex digest from `FILEDIGESTS`, `None` when empty (directories, links, ghosts).
    pub digest: Option<String>,
}

const TAG_NAME: i32 = 1000;
const TAG_FILEDIGESTS: i32 = 1035;
const TAG_DIRINDEXES: i32 = 1116;
const TAG_BASENAMES: i32 = 1117;
const TAG_DIRNAMES: i32 = 1118;
const TAG_FILEDIGESTALGO: i32 = 5011;
const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// Parses an RPM header blob as stored in `rpmdb.sqlite` (index count and
/// data size as big-endian u32, then 16-byte index entries `(tag, type,
/// offset, count)`, then the data store; an 8-byte header magic in front is
/// accepted too). Bytes in, package out; every count and offset is checked.
pub fn parse_rpm_header(blob: &[u8]) -> Result<RpmPackage, String> {
    let blob = match blob.get(..4) {
        Some([0x8e, 0xad, 0xe8, 0x01]) => blob.get(8..).ok_or("truncated header magic")?,
        _ => blob,
    };
    let il = be32(blob, 0).ok_or("truncated header")? as usize;
    let dl = be32(blob, 4).ok_or("truncated header")? as usize;
    if il > MAX_RPM_HEADER_TAGS {
        return Err(format!(
            "{il} index entries (more than {MAX_RPM_HEADER_TAGS})"
        ));
    }
    if dl > MAX_RPM_HEADER_DATA {
        return Err(format!(
            "data store of {dl} bytes (more than {MAX_RPM_HEADER_DATA})"
        ));
    }
    let data_start = 8 + il * 16;
    let data = blob
        .get(data_start..data_start + dl)
        .ok_or("header shorter than its index and data sizes")?;
    let mut entries: HashMap<i32, (u32, usize, usize)> = HashMap::new();
    for i in 0..il {
        let at = 8 + i * 16;
        let field = |k: usize| be32(blob, at + 4 * k).ok_or("truncated index entry");
        let (tag, ty, off, count) = (
            field(0)? as i32,
            field(1)?,
            field(2)? as usize,
            field(3)? as usize,
        );
        if off > dl {
            return Err(format!(
                "tag {tag}: offset {off} past the data store ({dl} bytes)"
            ));
        }
        entries.entry(tag).or_insert((ty, off, count));
    }
    let name = match entries.get(&TAG_NAME) {
        Some(&(ty, off, _)) if ty == TYPE_STRING || ty == TYPE_I18NSTRING => {
            cstr(data, off).ok_or("NAME: unterminated string")?
        }
        Some(_) => return Err("NAME: not a string".into()),
        None => return Err("no NAME tag".into()),
    };
    let strings = |tag: i32| -> Result<Vec<String>, String> {
        match entries.get(&tag) {
            None => Ok(Vec::new()),
            Some(&(TYPE_STRING_ARRAY, off, count)) => string_array(data, off, count)
                .ok_or_else(|| format!("tag {tag}: string array runs past the data store")),
            Some(_) => Err(format!("tag {tag}: not a string array")),
        }
    };
    let ints = |tag: i32| -> Result<Vec<u32>, String> {
        match entries.get(&tag) {
            None => Ok(Vec::new()),
            Some(&(TYPE_INT32, off, count)) => int32_array(data, off, count)
                .ok_or_else(|| format!("tag {tag}: integer array runs past the data store")),
            Some(_) => Err(format!("tag {tag}: not an int32 array")),
        }
    };
    let basenames = strings(TAG_BASENAMES)?;
    let dirnames = strings(TAG_DIRNAMES)?;
    let dirindexes = ints(TAG_DIRINDEXES)?;
    let digests = strings(TAG_FILEDIGESTS)?;
    let digest_algo = ints(TAG_FILEDIGESTALGO)?.first().copied().unwrap_or(1);
    if dirindexes.len() != basenames.len() {
        return Err(format!(
            "{} base names but {} directory indexes",
            basenames.len(),
            dirindexes.len()
        ));
    }
    let mut files = Vec::with_capacity(basenames.len());
    for (i, base) in basenames.iter().enumerate() {
        let dir = dirnames
            .get(dirindexes[i] as usize)
            .ok_or_else(|| format!("file {i}: directory index {} out of range", dirindexes[i]))?;
        let digest = digests
            .get(i)
            .filter(|d| !d.is_empty())
            .map(|d| d.to_ascii_lowercase());
        files.push(RpmFile {
            path: normalize(&format!("{dir}{base}")),
            digest,
        });
    }
    Ok(RpmPackage {
        name,
        digest_algo,
        files,
    })
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn cstr(data: &[u8], off: usize) -> Option<String> {
    let rest = data.get(off..)?;
    let end = rest.iter().position(|&c| c == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

fn string_array(data: &[u8], mut off: usize, count: usize) -> Option<Vec<String>> {
    // Each string takes at least one byte, so a count past the data size is a lie.
    if count > data.len() {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let rest = data.get(off..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
        off += end + 1;
    }
    Some(out)
}

fn int32_array(data: &[u8], off: usize, count: usize) -> Option<Vec<u32>> {
    let bytes = data.get(off..off.checked_add(count.checked_mul(4)?)?)?;
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

/// `file:` URI for SQLite with `immutable=1` (no journal, lock or WAL file is
/// created or looked for next to the database).
fn sqlite_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        match *b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(*b as char)
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/artifacts/linux/var/lib/dpkg/info"
    );

    fn copy_info(dst_root: &Path) -> bool {
        let src = Path::new(INFO);
        if !src.is_dir() {
            println!("skipped: ../shared not present");
            return false;
        }
        let dst = dst_root.join("var/lib/dpkg/info");
        std::fs::create_dir_all(&dst).unwrap();
        for e in std::fs::read_dir(src).unwrap() {
            let e = e.unwrap();
            // Written fresh: the originals are read-only.
            std::fs::write(dst.join(e.file_name()), std::fs::read(e.path()).unwrap()).unwrap();
        }
        true
    }

    #[test]
    fn real_dpkg_database() {
        let tmp = tempfile::tempdir().unwrap();
        if !copy_info(tmp.path()) {
            return;
        }
        let info = tmp.path().join("var/lib/dpkg/info");
        // A synthetic package whose md5sums records the md5 of known content,
        // with a multi-arch file name.
        let content = b"\x7fELF fake module";
        let md5 = hex::encode(Md5::digest(content));
        std::fs::write(
            info.join("libapache2-mod-evil:amd64.md5sums"),
            format!("{md5}  usr/lib/apache2/modules/mod_synthetic.so\n"),
        )
        .unwrap();
        std::fs::write(
            info.join("libapache2-mod-evil:amd64.list"),
            "/.\n/usr\n/usr/lib/apache2/modules/mod_synthetic.so\n",
        )
        .unwrap();
        let db = PackageDb::load(tmp.path()).unwrap().unwrap();
        assert!(db.errors.is_empty(), "{:?}", db.errors);

        // Real entries from apache2-bin.
        assert_eq!(
            db.owner("/usr/lib/apache2/modules/mod_actions.so"),
            Some("apache2-bin")
        );
        assert_eq!(db.owner("/usr/lib/apache2/modules"), Some("apache2-bin"));
        assert_eq!(
            db.owner("/etc/tomcat10/policy.d/01system.policy"),
            Some("tomcat10")
        );
        match db.status(
            "/usr/lib/apache2/modules/mod_actions.so",
            b"not the real module",
        ) {
            PackageStatus::Modified {
                package,
                expected,
                actual,
            } => {
                assert_eq!(package, "apache2-bin");
                assert_eq!(expected, "f916d1dd316affa647c65b29c11c960c");
                assert_eq!(actual, hex::encode(Md5::digest(b"not the real module")));
            }
            other => panic!("{other:?}"),
        }
        // Synthetic entry: verified with its content, modified with other content.
        assert_eq!(
            db.status("/usr/lib/apache2/modules/mod_synthetic.so", content),
            PackageStatus::Verified {
                package: "libapache2-mod-evil".into()
            }
        );
        assert!(matches!(
            db.status("/usr/lib/apache2/modules/mod_synthetic.so", b"patched"),
            PackageStatus::Modified { ref package, .. } if package == "libapache2-mod-evil"
        ));
        // Not listed anywhere.
        assert_eq!(
            db.status("/usr/lib/apache2/modules/mod_rootkit.so", content),
            PackageStatus::Unowned
        );
        assert_eq!(db.owner("/usr/lib/apache2/modules/mod_rootkit.so"), None);
        // Listed (a directory) but without a checksum.
        assert_eq!(
            db.status("/var/lib/tomcat10/webapps", b""),
            PackageStatus::OwnedUnverified {
                package: "tomcat10".into()
            }
        );
        // /usr-merge alias: dpkg lists /lib/systemd/..., the file is found as /usr/lib/...
        assert_eq!(
            db.owner("/usr/lib/systemd/system/tomcat10.service"),
            Some("tomcat10")
        );
    }

    #[test]
    fn no_database_and_bad_files() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(PackageDb::load(tmp.path()).unwrap().is_none());
        assert_eq!(
            status_in(None, "/usr/lib/x.so", b""),
            PackageStatus::NoDatabase
        );

        let info = tmp.path().join("var/lib/dpkg/info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(info.join("bad.md5sums"), b"zzzz  usr/x\n").unwrap();
        std::fs::write(
            info.join("good.md5sums"),
            b"d41d8cd98f00b204e9800998ecf8427e  usr/lib/empty.so\n",
        )
        .unwrap();
        let db = PackageDb::load(tmp.path()).unwrap().unwrap();
        assert_eq!(db.errors.len(), 1);
        assert!(
            db.errors[0].to_string().contains("bad.md5sums: line 1"),
            "{}",
            db.errors[0]
        );
        assert_eq!(
            status_in(Some(&db), "/usr/lib/empty.so", b""),
            PackageStatus::Verified {
                package: "good".into()
            }
        );
    }

    #[test]
    fn md5sums_and_list_parsing() {
        let v = parse_md5sums(b"606A7121CE7A6C741973030BBFE1BF33  usr/lib/a b.so\r\n\n").unwrap();
        assert_eq!(
            v,
            vec![(
                "/usr/lib/a b.so".to_string(),
                "606a7121ce7a6c741973030bbfe1bf33".to_string()
            )]
        );
        assert!(parse_md5sums(b"606a7121ce7a6c741973030bbfe1bf33").is_err());
        assert!(parse_md5sums(b"\xff\xfe\x00").is_err());
        assert_eq!(
            parse_dpkg_list(b"/.\n/usr\n/usr/lib/\n"),
            vec!["/usr", "/usr/lib"]
        );
    }

    /// Builds an RPM header blob from (tag, type, data, count) entries.
    fn header(entries: &[(i32, u32, Vec<u8>, u32)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, bytes, count) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn strs(v: &[&str]) -> Vec<u8> {
        v.iter().flat_map(|s| s.bytes().chain([0])).collect()
    }

    fn ints(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|i| i.to_be_bytes()).collect()
    }

    fn httpd_header(content: &[u8]) -> Vec<u8> {
        let sha = hex::encode(Sha256::digest(content));
        header(&[
            (TAG_NAME, TYPE_STRING, strs(&["httpd"]), 1),
            (TAG_FILEDIGESTS, TYPE_STRING_ARRAY, strs(&[&sha, ""]), 2),
            (TAG_DIRINDEXES, TYPE_INT32, ints(&[0, 1]), 2),
            (
                TAG_BASENAMES,
                TYPE_STRING_ARRAY,
                strs(&["mod_ssl.so", "conf.d"]),
                2,
            ),
            (
                TAG_DIRNAMES,
                TYPE_STRING_ARRAY,
                strs(&["/usr/lib64/httpd/modules/", "/etc/httpd/"]),
                2,
            ),
            (TAG_FILEDIGESTALGO, TYPE_INT32, ints(&[8]), 1),
        ])
    }

    #[test]
    fn rpm_header_parsing() {
        let p = parse_rpm_header(&httpd_header(b"module")).unwrap();
        assert_eq!(p.name, "httpd");
        assert_eq!(p.digest_algo, 8);
        assert_eq!(p.files.len(), 2);
        assert_eq!(p.files[0].path, "/usr/lib64/httpd/modules/mod_ssl.so");
        assert_eq!(
            p.files[0].digest.as_deref(),
            Some(hex::encode(Sha256::digest(b"module")).as_str())
        );
        assert_eq!(p.files[1].path, "/etc/httpd/conf.d");
        assert_eq!(p.files[1].digest, None);
        // With the on-disk magic in front.
        let mut magic = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
        magic.extend(httpd_header(b"module"));
        assert_eq!(parse_rpm_header(&magic).unwrap().files.len(), 2);
        // Hostile headers.
        assert!(parse_rpm_header(b"").is_err());
        assert!(parse_rpm_header(&[0xff; 8]).is_err());
        let mut h = httpd_header(b"module");
        h.truncate(h.len() - 1);
        assert!(parse_rpm_header(&h).is_err());
        let bad_index = header(&[
            (TAG_NAME, TYPE_STRING, strs(&["x"]), 1),
            (TAG_DIRINDEXES, TYPE_INT32, ints(&[7]), 1),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, strs(&["a"]), 1),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, strs(&["/"]), 1),
        ]);
        assert!(parse_rpm_header(&bad_index)
            .unwrap_err()
            .contains("out of range"));
        let huge_count = header(&[
            (TAG_NAME, TYPE_STRING, strs(&["x"]), 1),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, strs(&["a"]), u32::MAX),
        ]);
        assert!(parse_rpm_header(&huge_count).is_err());
    }

    #[test]
    fn rpm_sqlite_database() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("var/lib/rpm");
        std::fs::create_dir_all(&dir).unwrap();
        let db_path = dir.join("rpmdb.sqlite");
        {
            let c = rusqlite::Connection::open(&db_path).unwrap();
            c.execute_batch("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);")
                .unwrap();
            c.execute(
                "INSERT INTO Packages (blob) VALUES (?1)",
                [httpd_header(b"module")],
            )
            .unwrap();
            c.execute(
                "INSERT INTO Packages (blob) VALUES (?1)",
                [b"junk".to_vec()],
            )
            .unwrap();
        }
        let before: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let db = PackageDb::load(tmp.path()).unwrap().unwrap();
        let after: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before, after, "nothing may be written next to the database");
        assert_eq!(db.errors.len(), 1, "{:?}", db.errors);
        assert!(db.errors[0].to_string().contains("package 2"));
        assert_eq!(
            db.status("/usr/lib64/httpd/modules/mod_ssl.so", b"module"),
            PackageStatus::Verified {
                package: "httpd".into()
            }
        );
        assert!(matches!(
            db.status("/usr/lib64/httpd/modules/mod_ssl.so", b"evil"),
            PackageStatus::Modified { .. }
        ));
        assert_eq!(db.owner("/etc/httpd/conf.d"), Some("httpd"));
        assert_eq!(
            db.status("/usr/lib64/httpd/modules/mod_evil.so", b""),
            PackageStatus::Unowned
        );
    }
}
