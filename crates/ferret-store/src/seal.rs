//! The secret that seals baselines and the anchor that detects rollback, both
//! kept outside the store and outside any scanned tree.
//!
//! - [`Key`]: 32 random bytes in a file of 64 hex characters and a newline,
//!   mode 0600. Each baseline's seal is an HMAC-SHA256 made with it ([`Mac`]).
//! - [`Anchor`]: a small JSON file beside the key (`<key>.anchor`), itself
//!   MAC'd with the key, recording for each store (by the random id in the
//!   store's `meta` table) the latest generation and seal written. A store
//!   whose latest generation is older than its anchor entry was rolled back.
//!   Several stores may share one key and so one anchor.

use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// Largest anchor file read (it holds one short entry per store).
const MAX_ANCHOR_BYTES: u64 = 1 << 20;
/// The format name written in (and required of) every anchor file.
const ANCHOR_FORMAT: &str = "ferret-anchor-1";

/// A problem with the key or the anchor.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The key file does not hold a key.
    #[error("{path}: not a Ferret key: {reason}; create one with `ferret baseline create` (it makes the key when absent) or restore the right key file")]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file is open to group or others.
    #[error("{path}: key file has mode {mode:o}, readable or writable by group or others; anyone who can read it can forge baselines: run `chmod 600 {path}` (and consider the key compromised)")]
    Permissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key file is already there.
    #[error("{path}: a key file already exists; refusing to overwrite it (load it instead, or remove it deliberately)")]
    Exists {
        /// The key file.
        path: PathBuf,
    },
    /// The anchor fails its MAC or cannot be parsed.
    #[error("{path}: the anchor cannot be trusted: {reason}")]
    AnchorInvalid {
        /// The anchor file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The system's random source failed.
    #[error("cannot get random bytes for a new key: {reason}")]
    Random {
        /// The error.
        reason: String,
    },
}

fn io(path: &Path, source: std::io::Error) -> SealError {
    SealError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The secret key that seals baselines (32 bytes). Its bytes never leave this
/// type; `Debug` shows only the public [`Key::id`].
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("id", &self.id()).finish()
    }
}

impl Key {
    /// Reads a key file (64 hex chars + newline). Refuses a file readable or
    /// writable by group/other, and anything but a regular file.
    pub fn load(path: &Path) -> Result<Key, SealError> {
        let file = File::open(path).map_err(|e| io(path, e))?;
        let meta = file.metadata().map_err(|e| io(path, e))?;
        if !meta.is_file() {
            return Err(SealError::BadKey {
                path: path.to_path_buf(),
                reason: "not a regular file".into(),
            });
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(SealError::Permissions {
                path: path.to_path_buf(),
                mode,
            });
        }
        let mut bytes = Vec::with_capacity(65);
        file.take(4096)
            .read_to_end(&mut bytes)
            .map_err(|e| io(path, e))?;
        Key::parse(path, &bytes)
    }

    /// Parses the contents of a key file: exactly 64 hexadecimal characters,
    /// optionally followed by one newline. `path` only names the file in errors.
    pub fn parse(path: &Path, contents: &[u8]) -> Result<Key, SealError> {
        let bad = |reason: String| SealError::BadKey {
            path: path.to_path_buf(),
            reason,
        };
        let text = contents.strip_suffix(b"\n").unwrap_or(contents);
        if text.len() != 64 {
            return Err(bad(format!(
                "expected 64 hexadecimal characters and a newline, found {} bytes",
                contents.len()
            )));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| bad("not hexadecimal".to_string()))?;
        Ok(Key { bytes })
    }

    /// Creates a new random key file (O_EXCL, mode 0600, missing parent dirs
    /// made 0700); refuses to overwrite an existing file.
    pub fn create(path: &Path) -> Result<Key, SealError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| SealError::Random {
            reason: e.to_string(),
        })?;
        let key = Key { bytes };
        let dir = parent_dir(path);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io(dir, e))?;
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => SealError::Exists {
                    path: path.to_path_buf(),
                },
                _ => io(path, e),
            })?;
        let text = format!("{}\n", hex::encode(key.bytes));
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| sync_dir(dir));
        if let Err(e) = written {
            let _ = fs::remove_file(path);
            return Err(io(path, e));
        }
        Ok(key)
    }

    /// Short public id of the key (first 16 hex of SHA-256 of it), recorded
    /// with each seal.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.bytes);
        hex::encode(&digest[..8])
    }

    /// A new HMAC-SHA256 computation with this key.
    pub fn mac(&self) -> Mac {
        Mac::new(&self.bytes)
    }
}

/// A streaming HMAC-SHA256. Besides raw [`Mac::update`], the `put_*` methods
/// feed a canonical encoding (a type tag, then a fixed-width integer or a
/// length-prefixed byte string) so that fields can never shift into each other.
/// Input is buffered and fed to the HMAC in large blocks.
pub struct Mac {
    hmac: Hmac<Sha256>,
    buf: Vec<u8>,
}

/// How much input [`Mac`] buffers before feeding the HMAC.
const MAC_BUFFER: usize = 64 * 1024;

impl Mac {
    fn new(key: &[u8; 32]) -> Mac {
        Mac {
            hmac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length"),
            buf: Vec::with_capacity(MAC_BUFFER + 1024),
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= MAC_BUFFER {
            self.hmac.update(&self.buf);
            self.buf.clear();
        }
    }

    /// Feeds raw bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.feed(bytes);
    }

    /// Feeds a length-prefixed byte string.
    pub fn put_bytes(&mut self, bytes: &[u8]) {
        self.buf.push(b's');
        self.buf
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.feed(bytes);
    }

    /// Feeds a length-prefixed string.
    pub fn put_str(&mut self, s: &str) {
        self.put_bytes(s.as_bytes());
    }

    /// Feeds an unsigned integer.
    pub fn put_u64(&mut self, v: u64) {
        self.buf.push(b'u');
        self.feed(&v.to_le_bytes());
    }

    /// Feeds a signed integer.
    pub fn put_i64(&mut self, v: i64) {
        self.buf.push(b'i');
        self.feed(&v.to_le_bytes());
    }

    /// Feeds the absence of an optional value.
    pub fn put_none(&mut self) {
        self.feed(b"n");
    }

    /// Feeds an optional string.
    pub fn put_opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.put_str(s),
            None => self.put_none(),
        }
    }

    /// Feeds an optional signed integer.
    pub fn put_opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.put_i64(v),
            None => self.put_none(),
        }
    }

    fn finalize(mut self) -> Hmac<Sha256> {
        self.hmac.update(&self.buf);
        self.hmac
    }

    /// The MAC, as 64 lowercase hex characters.
    pub fn finish(self) -> String {
        hex::encode(self.finalize().finalize().into_bytes())
    }

    /// Whether the MAC equals `expected` (hex), compared in constant time.
    pub fn matches(self, expected: &str) -> bool {
        match hex::decode(expected) {
            Ok(bytes) => self.finalize().verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> PathBuf {
    env_path("HOME").unwrap_or_else(|| PathBuf::from("/"))
}

/// `$FERRET_KEY`, else `/etc/ferret/baseline.key` when running as root, else
/// `$XDG_CONFIG_HOME/ferret/baseline.key` (or `~/.config/ferret/baseline.key`).
pub fn default_key_path() -> PathBuf {
    if let Some(p) = env_path("FERRET_KEY") {
        return p;
    }
    if is_root() {
        return PathBuf::from("/etc/ferret/baseline.key");
    }
    env_path("XDG_CONFIG_HOME")
        .unwrap_or_else(|| home().join(".config"))
        .join("ferret/baseline.key")
}

/// `$FERRET_DB`, else `/var/lib/ferret/ferret.db` as root, else
/// `$XDG_STATE_HOME/ferret/ferret.db` (or `~/.local/state/ferret/ferret.db`).
pub fn default_store_path() -> PathBuf {
    if let Some(p) = env_path("FERRET_DB") {
        return p;
    }
    if is_root() {
        return PathBuf::from("/var/lib/ferret/ferret.db");
    }
    env_path("XDG_STATE_HOME")
        .unwrap_or_else(|| home().join(".local/state"))
        .join("ferret/ferret.db")
}

/// What the anchor records for one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorEntry {
    /// The latest generation written to the store.
    pub generation: u64,
    /// That generation's seal.
    pub seal: String,
}

/// The verified contents of an anchor file: one entry per store id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnchorContents {
    /// Entries by store id.
    pub stores: BTreeMap<String, AnchorEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorFile {
    format: String,
    key_id: String,
    stores: BTreeMap<String, AnchorEntry>,
    mac: String,
}

fn anchor_mac(key: &Key, stores: &BTreeMap<String, AnchorEntry>) -> Mac {
    let mut mac = key.mac();
    mac.put_str(ANCHOR_FORMAT);
    mac.put_str(&key.id());
    mac.put_u64(stores.len() as u64);
    for (id, entry) in stores {
        mac.put_str(id);
        mac.put_u64(entry.generation);
        mac.put_str(&entry.seal);
    }
    mac
}

impl AnchorContents {
    /// Parses and verifies anchor file bytes with `key`; `path` only names the
    /// file in errors. Any malformation, another key or a wrong MAC is
    /// [`SealError::AnchorInvalid`].
    pub fn decode(path: &Path, bytes: &[u8], key: &Key) -> Result<AnchorContents, SealError> {
        let invalid = |reason: String| SealError::AnchorInvalid {
            path: path.to_path_buf(),
            reason,
        };
        let file: AnchorFile = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("not a Ferret anchor file ({e})")))?;
        if file.format != ANCHOR_FORMAT {
            return Err(invalid(format!("unknown format {:?}", file.format)));
        }
        if file.key_id != key.id() {
            return Err(invalid(format!(
                "it was made with key {}, not with this key ({})",
                file.key_id.escape_debug(),
                key.id()
            )));
        }
        if !anchor_mac(key, &file.stores).matches(&file.mac) {
            return Err(invalid(
                "its MAC does not match its content: it was edited or damaged".into(),
            ));
        }
        Ok(AnchorContents {
            stores: file.stores,
        })
    }

    /// The anchor file bytes for these contents, MAC'd with `key`.
    pub fn encode(&self, key: &Key) -> Vec<u8> {
        let file = AnchorFile {
            format: ANCHOR_FORMAT.to_string(),
            key_id: key.id(),
            mac: anchor_mac(key, &self.stores).finish(),
            stores: self.stores.clone(),
        };
        let mut out = serde_json::to_vec_pretty(&file).expect("anchor serializes");
        out.push(b'\n');
        out
    }
}

/// The anchor file beside a key (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    path: PathBuf,
}

impl Anchor {
    /// The anchor of the key at `key_path`: `<key_path>.anchor`.
    pub fn beside(key_path: &Path) -> Anchor {
        let mut name = key_path.as_os_str().to_owned();
        name.push(".anchor");
        Anchor {
            path: PathBuf::from(name),
        }
    }

    /// The anchor file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and verifies the whole anchor; `None` when the file is absent.
    pub fn read(&self, key: &Key) -> Result<Option<AnchorContents>, SealError> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&self.path, e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_ANCHOR_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io(&self.path, e))?;
        if bytes.len() as u64 > MAX_ANCHOR_BYTES {
            return Err(SealError::AnchorInvalid {
                path: self.path.clone(),
                reason: format!("larger than {MAX_ANCHOR_BYTES} bytes"),
            });
        }
        AnchorContents::decode(&self.path, &bytes, key).map(Some)
    }

    /// The entry recorded for `store_id`; `None` when the file or the entry
    /// is absent.
    pub fn entry(&self, key: &Key, store_id: &str) -> Result<Option<AnchorEntry>, SealError> {
        Ok(self.read(key)?.and_then(|mut c| c.stores.remove(store_id)))
    }

    /// Records `entry` for `store_id`, never lowering a recorded generation
    /// (a concurrent writer's later generation wins). Holds an exclusive lock
    /// on the anchor's directory while reading, and replaces the file
    /// atomically (temporary file in the same directory, fsync, rename, fsync
    /// of the directory). An invalid existing anchor is not overwritten.
    pub fn record(&self, key: &Key, store_id: &str, entry: AnchorEntry) -> Result<(), SealError> {
        let dir = parent_dir(&self.path);
        let lock = DirLock::exclusive(dir)?;
        let mut contents = self.read(key)?.unwrap_or_default();
        let keep = contents
            .stores
            .get(store_id)
            .is_some_and(|old| old.generation >= entry.generation);
        if !keep {
            contents.stores.insert(store_id.to_string(), entry);
            self.replace(dir, &contents.encode(key))?;
        }
        drop(lock);
        Ok(())
    }

    fn replace(&self, dir: &Path, bytes: &[u8]) -> Result<(), SealError> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "anchor".into());
        let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            sync_dir(dir)
        })();
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io(&self.path, e)
        })
    }
}

/// An exclusive `flock` on a directory, released on drop (or process death).
struct DirLock(File);

impl DirLock {
    fn exclusive(dir: &Path) -> Result<DirLock, SealError> {
        let f = File::open(dir).map_err(|e| io(dir, e))?;
        // SAFETY: flock on a valid, owned descriptor.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(io(dir, std::io::Error::last_os_error()));
        }
        Ok(DirLock(f))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // SAFETY: as above; closing the file would release it anyway.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}
