//! VMware ESXi image database (T1505.006, vSphere Installation Bundles).
//!
//! Finds under the examined root:
//! - `var/db/esximg/vibs/*.xml`: one descriptor per installed VIB, each
//!   reported as a [`ComponentKind::Vib`] component;
//! - `var/db/esximg/profiles/*`: the host image profile, whose
//!   `<acceptancelevel>` is the host acceptance level, reported as a
//!   [`ComponentKind::Setting`] named `acceptance_level`;
//! - `bootbank/imgdb.tgz`, `altbootbank/imgdb.tgz` and `vmfs/volumes/*/imgdb.tgz`:
//!   the same database as packed in each boot bank, read in memory (never
//!   unpacked to disk; decompressed size and member count bounded). The
//!   running image and both boot banks are reported separately, so the same VIB
//!   usually appears more than once, with different declarations
//!   (`imgdb.tgz!var/db/esximg/vibs/x.xml` for archive members);
//! - `etc/vmware/esx.conf`: any setting whose key names the acceptance level
//!   (ESXi itself keeps the level in the image profile; this is a fallback);
//! - `shell`, `esxupdate` and `hostd` logs (and their `.N`/`.N.gz` rotations) in
//!   `var/log`, `var/run/log`, `scratch/log` and `vmfs/volumes/*/log`: lines
//!   recording VIB installs, `--no-sig-check`, `--force` and
//!   `software acceptance set`, as [`LogTell`]s (`esxi.no_sig_check`,
//!   `esxi.force`, `esxi.acceptance_set`, `esxi.vib_install`; one per line,
//!   the strongest).
//!
//! Symbolic links inside the root (ESXi's `bootbank -> /vmfs/volumes/<uuid>`,
//! `var/log/*.log -> /var/run/log/*`) are resolved against the root, never the
//! running system, and each file is read once.
//!
//! Attributes set on a VIB: `vendor`, `version`, `type`, `summary`,
//! `description`, `acceptance_level` (ESXi's name: `VMwareCertified`,
//! `VMwareAccepted`, `PartnerSupported`, `CommunitySupported`; anything else
//! as written), `acceptance_level_raw` (as in the descriptor: `certified`,
//! `accepted`, `partner`, `community`), `install_date` and
//! `install_date_source` (`installdate` or, when the descriptor has none,
//! `release-date`), `release_date`, `files` (the payload file paths, one per
//! line; for a descriptor of an unpacked VIB with an empty `<file-list>`, the
//! files of the payload next to it) and `files_source` (`descriptor`,
//! `payload_dir`, `payload_archive`), `file_count`, `payloads` (payload names,
//! one per line; the first is the component's implementation), `vib_id`
//! (`vendor_type_name_version`), `software_tags` (comma separated),
//! `live_install_allowed`, `live_remove_allowed`, `cimom_restart`,
//! `stateless_ready`, `overlay`, `maintenance_mode`.
//!
//! Attributes set on the `acceptance_level` setting: `acceptance_level`,
//! `acceptance_level_raw`, `source` (`image_profile` or `esx.conf`), and
//! `profile_name`, `profile_creator` (image profile) or `config_key` (esx.conf).

use super::{read_config, xml, Discovered};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, LogTell, Server};
use flate2::read::MultiGzDecoder;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Most bytes an `imgdb.tgz` (or VIB payload) may decompress to.
pub const MAX_ARCHIVE_DECOMPRESSED: u64 = 256 * 1024 * 1024;
/// Most members read from one archive.
pub const MAX_ARCHIVE_MEMBERS: usize = 50_000;
/// Largest archive member (descriptor, profile) read.
pub const MAX_MEMBER_BYTES: u64 = 16 * 1024 * 1024;
/// Largest log read (plain, or a `.gz` rotation after decompression).
pub const MAX_LOG_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries listed in one directory.
const MAX_DIR_ENTRIES: usize = 20_000;
/// Most symbolic links followed (inside the root) for one path.
const MAX_LINK_HOPS: usize = 32;
/// Most bytes of a log line kept as evidence.
const MAX_TELL_TEXT: usize = 8 * 1024;
/// Log directories, relative to the root.
const LOG_DIRS: [&str; 3] = ["var/run/log", "var/log", "scratch/log"];
/// Log base names that record installs.
const LOG_NAMES: [&str; 3] = ["shell", "esxupdate", "hostd"];

/// Discovers the image database, boot-bank copies, host acceptance level and
/// install tells in the logs under `root`.
pub fn collect(root: &Path, out: &mut Discovered) {
    let mut seen = HashSet::new();
    for f in dir_files(root, "var/db/esximg/vibs", out) {
        if has_ext(&f, "xml") && seen.insert(f.clone()) {
            collect_vib_file(&f, out);
        }
    }
    for f in dir_files(root, "var/db/esximg/profiles", out) {
        if seen.insert(f.clone()) {
            collect_profile_file(&f, out);
        }
    }
    let mut banks = vec![
        "bootbank/imgdb.tgz".to_string(),
        "altbootbank/imgdb.tgz".to_string(),
    ];
    let volumes = dir_entries(root, "vmfs/volumes", out);
    banks.extend(
        volumes
            .iter()
            .map(|v| format!("vmfs/volumes/{v}/imgdb.tgz")),
    );
    for rel in banks {
        if let Some(f) = resolve_in_root(root, &rel) {
            if is_regular(&f) && seen.insert(f.clone()) {
                collect_imgdb_file(&f, out);
            }
        }
    }
    if let Some(f) = resolve_in_root(root, "etc/vmware/esx.conf") {
        if is_regular(&f) && seen.insert(f.clone()) {
            collect_esx_conf(&f, out);
        }
    }
    let mut log_dirs: Vec<String> = LOG_DIRS.iter().map(|d| d.to_string()).collect();
    log_dirs.extend(volumes.iter().map(|v| format!("vmfs/volumes/{v}/log")));
    for dir in log_dirs {
        for name in dir_entries(root, &dir, out) {
            if log_name(&name).is_none() {
                continue;
            }
            if let Some(f) = resolve_in_root(root, &format!("{dir}/{name}")) {
                if is_regular(&f) && seen.insert(f.clone()) {
                    collect_log_file(&f, out);
                }
            }
        }
    }
}

/// Parses one explicitly given file when it is recognised: a VIB descriptor
/// (by content, `<vib`), an image profile (`<imageprofile`), an `imgdb` archive
/// (`*imgdb*.tgz`), `esx.conf`, or a shell/esxupdate/hostd log. Returns
/// `false` when the file is none of these.
pub fn collect_file(_root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.contains("imgdb") && (name.ends_with(".tgz") || name.ends_with(".tar.gz")) {
        collect_imgdb_file(path, out);
        return true;
    }
    if name == "esx.conf" {
        collect_esx_conf(path, out);
        return true;
    }
    if log_name(&name).is_some() {
        collect_log_file(path, out);
        return true;
    }
    let Ok(bytes) = read_config(path) else {
        return false;
    };
    match root_element_name(&bytes).as_deref() {
        Some("vib") => {
            out.files_read.push(path.to_path_buf());
            vib_from_file(path, &bytes, out);
            true
        }
        Some("imageprofile") => {
            out.files_read.push(path.to_path_buf());
            profile_from_bytes(&bytes, Declaration::at_line(path, 1), path, out);
            true
        }
        _ => false,
    }
}

/// Parses one VIB descriptor (`<vib>` XML) into a [`ComponentKind::Vib`]
/// component declared at `declared` (its line is set to the `<vib>` element's
/// when not given). Errors name the line.
pub fn parse_vib(bytes: &[u8], declared: Declaration) -> Result<Component, String> {
    let root = xml::parse(bytes)?;
    if !root.name.eq_ignore_ascii_case("vib") {
        return Err(format!(
            "line {}: root element is <{}>, not <vib>",
            root.line, root.name
        ));
    }
    let name = root
        .child_text("name")
        .ok_or_else(|| format!("line {}: <vib> has no <name>", root.line))?;
    let mut declared = declared;
    declared.line = declared.line.or(Some(root.line));
    let mut c = Component::new(Server::Esxi, ComponentKind::Vib, name, declared);

    let texts = [
        ("vendor", "vendor"),
        ("version", "version"),
        ("type", "type"),
        ("summary", "summary"),
        ("description", "description"),
        ("release_date", "release-date"),
        ("live_install_allowed", "live-install-allowed"),
        ("live_remove_allowed", "live-remove-allowed"),
        ("cimom_restart", "cimom-restart"),
        ("stateless_ready", "stateless-ready"),
        ("overlay", "overlay"),
        ("maintenance_mode", "system-requires/maintenance-mode"),
    ];
    for (key, path) in texts {
        if let Some(t) = root
            .path(path)
            .map(|e| e.text.trim())
            .filter(|t| !t.is_empty())
        {
            c.attrs.insert(key.into(), t.to_string());
        }
    }
    if let Some(level) = root.child_text("acceptance-level") {
        c.attrs
            .insert("acceptance_level".into(), acceptance_name(level));
        c.attrs
            .insert("acceptance_level_raw".into(), level.to_string());
    }
    let installed = root
        .child_text("installdate")
        .map(|d| (d, "installdate"))
        .or_else(|| root.child_text("install-date").map(|d| (d, "installdate")))
        .or_else(|| root.child_text("release-date").map(|d| (d, "release-date")));
    if let Some((date, source)) = installed {
        c.attrs.insert("install_date".into(), date.to_string());
        c.attrs.insert("install_date_source".into(), source.into());
    }
    let files = joined(root.path_all("file-list/file"), "\n");
    c.attrs
        .insert("file_count".into(), count_lines(&files).to_string());
    c.attrs.insert("files".into(), files);
    c.attrs.insert("files_source".into(), "descriptor".into());
    let payloads: Vec<&str> = root
        .path_all("payloads/payload")
        .into_iter()
        .filter_map(|p| p.attr("name").map(str::trim))
        .filter(|n| !n.is_empty())
        .collect();
    if let Some(first) = payloads.first() {
        c.implementation = Some(first.to_string());
    }
    c.attrs.insert("payloads".into(), payloads.join("\n"));
    let tags = joined(root.path_all("software-tags/tag"), ",");
    if !tags.is_empty() {
        c.attrs.insert("software_tags".into(), tags);
    }
    if let (Some(v), Some(t), Some(ver)) = (c.attr("vendor"), c.attr("type"), c.attr("version")) {
        let id = format!("{v}_{t}_{}_{ver}", c.name);
        c.attrs.insert("vib_id".into(), id);
    }
    Ok(c)
}

/// Reads an `imgdb.tgz` held in memory: every `vibs/*.xml` member becomes a VIB
/// and every `profiles/*` member the host acceptance level, declared in
/// `archive` under the key `<archive name>!<member>`. A broken archive (bad
/// gzip, truncated tar, too large, too many members) is an error; what was read
/// before stays.
pub fn parse_imgdb(archive: &Path, bytes: &[u8], out: &mut Discovered) {
    parse_imgdb_bounded(archive, bytes, MAX_ARCHIVE_DECOMPRESSED, out);
}

/// Scans an ESXi shell, esxupdate or hostd log for lines that install VIBs,
/// skip signature checks, force installs or change the host acceptance level,
/// and pushes one [`LogTell`] per such line (the strongest kind).
///
/// Recognised: `esxcli`/`localcli` `software vib install|update`,
/// `software component apply`, `software profile install|update` (with
/// `--no-sig-check` or `-f`/`--force`) and `software acceptance set` anywhere
/// in a line (`shell[1234]: [root]: esxcli ...`); esxupdate's
/// `Command = vib.install` and `Options = {... 'nosigcheck': True ...}` records;
/// hostd's `Task Created : haTask-...PatchManager.Install...` and
/// `...ImageConfigManager.updateAcceptanceLevel` records.
pub fn scan_log(file: &Path, bytes: &[u8], out: &mut Discovered) {
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if !might_tell(raw) {
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        if let Some(tell) = classify_line(&line) {
            out.tells.push(LogTell {
                server: Server::Esxi,
                file: file.to_path_buf(),
                line: i as u64 + 1,
                text: raw[..raw.len().min(MAX_TELL_TEXT)].to_vec(),
                tell: tell.as_str(),
            });
        }
    }
}

// ---------------------------------------------------------------- files

fn collect_vib_file(path: &Path, out: &mut Discovered) {
    match read_config(path) {
        Ok(bytes) => {
            out.files_read.push(path.to_path_buf());
            vib_from_file(path, &bytes, out);
        }
        Err(e) => out.errors.push(e),
    }
}

/// A descriptor on disk: parsed, and for an unpacked VIB with an empty
/// `<file-list>`, its files taken from the payload next to it.
fn vib_from_file(path: &Path, bytes: &[u8], out: &mut Discovered) {
    let declared = Declaration {
        file: path.to_path_buf(),
        line: None,
        key: None,
    };
    match parse_vib(bytes, declared) {
        Ok(mut c) => {
            if c.attr("files") == Some("") {
                payload_files(path, &mut c, out);
            }
            out.components.push(c);
        }
        Err(m) => out.errors.push(CollectError::parse(path, m)),
    }
}

/// Fills `files` from the payloads beside a descriptor (`descriptor.xml` next
/// to `payload1/` or a `payload1` gzip tar), when there are any.
fn payload_files(descriptor: &Path, c: &mut Component, out: &mut Discovered) {
    let Some(dir) = descriptor.parent() else {
        return;
    };
    let names: Vec<String> = c
        .attr("payloads")
        .unwrap_or("")
        .lines()
        .map(String::from)
        .collect();
    let mut files = Vec::new();
    let mut source = None;
    for name in names {
        if name.contains(['/', '\\']) || name == ".." || name == "." {
            continue;
        }
        let p = dir.join(&name);
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            list_tree(&p, &p, 0, &mut files, out);
            source = Some("payload_dir");
        } else if meta.is_file() {
            match crate::read::read_file(&p, MAX_LOG_BYTES) {
                Ok(crate::read::ReadOutcome::Content { bytes, .. }) => {
                    let r = walk_tgz(&bytes, MAX_ARCHIVE_DECOMPRESSED, |member, _, _| {
                        files.push(member.to_string());
                        Ok(())
                    });
                    match r {
                        Ok(()) => source = Some("payload_archive"),
                        Err(m) => out.errors.push(CollectError::parse(&p, m)),
                    }
                }
                Ok(crate::read::ReadOutcome::Skipped(why)) => {
                    out.errors.push(CollectError::parse(&p, why))
                }
                Err(e) => out.errors.push(e),
            }
        }
    }
    if let Some(source) = source {
        files.sort();
        c.attrs.insert("file_count".into(), files.len().to_string());
        c.attrs.insert("files".into(), files.join("\n"));
        c.attrs.insert("files_source".into(), source.into());
    }
}

/// Regular files below `dir`, relative to `base`, `/`-separated; symlinks are
/// not followed; depth and count bounded.
fn list_tree(base: &Path, dir: &Path, depth: usize, files: &mut Vec<String>, out: &mut Discovered) {
    if depth > 32 || files.len() >= MAX_ARCHIVE_MEMBERS {
        return;
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return out.errors.push(CollectError::io(dir, e)),
    };
    for e in rd.flatten().take(MAX_DIR_ENTRIES) {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            list_tree(base, &p, depth + 1, files, out);
        } else if ft.is_file() && files.len() < MAX_ARCHIVE_MEMBERS {
            if let Ok(rel) = p.strip_prefix(base) {
                let parts: Vec<String> = rel
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                files.push(parts.join("/"));
            }
        }
    }
}

fn collect_profile_file(path: &Path, out: &mut Discovered) {
    match read_config(path) {
        Ok(bytes) => {
            out.files_read.push(path.to_path_buf());
            profile_from_bytes(&bytes, Declaration::at_line(path, 1), path, out);
        }
        Err(e) => out.errors.push(e),
    }
}

/// An image profile's host acceptance level, as a setting component.
fn profile_from_bytes(bytes: &[u8], declared: Declaration, err_path: &Path, out: &mut Discovered) {
    let what = declared
        .key
        .clone()
        .map(|k| format!("{k}: "))
        .unwrap_or_default();
    match parse_profile(bytes, declared) {
        Ok(c) => out.components.push(c),
        Err(m) => out
            .errors
            .push(CollectError::parse(err_path, format!("{what}{m}"))),
    }
}

fn parse_profile(bytes: &[u8], declared: Declaration) -> Result<Component, String> {
    let root = xml::parse(bytes)?;
    let is_level = |e: &&xml::Element| {
        e.name.eq_ignore_ascii_case("acceptancelevel")
            || e.name.eq_ignore_ascii_case("acceptance-level")
    };
    let level_el = root
        .children
        .iter()
        .find(is_level)
        .or_else(|| root.descendants().into_iter().find(is_level))
        .ok_or_else(|| format!("image profile <{}> has no <acceptancelevel>", root.name))?;
    let level = level_el.text.trim();
    let mut declared = declared;
    declared.line = Some(level_el.line);
    let mut c = Component::new(
        Server::Esxi,
        ComponentKind::Setting,
        "acceptance_level",
        declared,
    )
    .with_attr("acceptance_level", acceptance_name(level))
    .with_attr("acceptance_level_raw", level)
    .with_attr("source", "image_profile");
    if let Some(n) = root.child_text("name") {
        c.attrs.insert("profile_name".into(), n.to_string());
    }
    if let Some(n) = root.child_text("creator") {
        c.attrs.insert("profile_creator".into(), n.to_string());
    }
    Ok(c)
}

fn collect_imgdb_file(path: &Path, out: &mut Discovered) {
    match read_config(path) {
        Ok(bytes) => {
            out.files_read.push(path.to_path_buf());
            parse_imgdb(path, &bytes, out);
        }
        Err(e) => out.errors.push(e),
    }
}

fn parse_imgdb_bounded(archive: &Path, bytes: &[u8], limit: u64, out: &mut Discovered) {
    let label = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imgdb.tgz".into());
    let mut found = Vec::new();
    let r = walk_tgz(bytes, limit, |member, entry, size| {
        let kind = member_kind(member);
        if kind == Member::Other {
            return Ok(());
        }
        let key = format!("{label}!{member}");
        if size > MAX_MEMBER_BYTES {
            found.push(Err(format!("{key}: member too large ({size} bytes)")));
            return Ok(());
        }
        let mut buf = Vec::new();
        entry
            .take(MAX_MEMBER_BYTES)
            .read_to_end(&mut buf)
            .map_err(|e| format!("{key}: {e}"))?;
        found.push(Ok((kind, key, buf)));
        Ok(())
    });
    for item in found {
        match item {
            Ok((Member::Vib, key, buf)) => {
                match parse_vib(&buf, Declaration::at_key(archive, key.clone())) {
                    Ok(c) => out.components.push(c),
                    Err(m) => out
                        .errors
                        .push(CollectError::parse(archive, format!("{key}: {m}"))),
                }
            }
            Ok((_, key, buf)) => {
                profile_from_bytes(&buf, Declaration::at_key(archive, key), archive, out)
            }
            Err(m) => out.errors.push(CollectError::parse(archive, m)),
        }
    }
    if let Err(m) = r {
        // Errors reading a member already name it (`imgdb.tgz!vibs/x.xml: ...`).
        let m = if m.starts_with(&format!("{label}!")) {
            m
        } else {
            format!("{label}: {m}")
        };
        out.errors.push(CollectError::parse(archive, m));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    Vib,
    Profile,
    Other,
}

/// What an archive member is, by its directory (`.../vibs/x.xml`, `.../profiles/x`).
fn member_kind(member: &str) -> Member {
    let mut parts = member.rsplit('/');
    let (Some(file), Some(dir)) = (parts.next(), parts.next()) else {
        return Member::Other;
    };
    if file.is_empty() {
        Member::Other
    } else if dir == "vibs" && file.to_ascii_lowercase().ends_with(".xml") {
        Member::Vib
    } else if dir == "profiles" {
        Member::Profile
    } else {
        Member::Other
    }
}

/// Calls `visit(member, reader, size)` for every regular file of a gzip'd tar
/// held in memory, with the decompressed size capped at `limit` and the member
/// count at [`MAX_ARCHIVE_MEMBERS`]. Member names lose a leading `./`.
fn walk_tgz(
    bytes: &[u8],
    limit: u64,
    mut visit: impl FnMut(&str, &mut dyn Read, u64) -> Result<(), String>,
) -> Result<(), String> {
    let reader = Capped {
        inner: MultiGzDecoder::new(bytes),
        left: limit,
        limit,
    };
    let mut ar = tar::Archive::new(reader);
    let entries = ar.entries().map_err(|e| e.to_string())?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ARCHIVE_MEMBERS {
            return Err(format!("more than {MAX_ARCHIVE_MEMBERS} members"));
        }
        let mut entry = entry.map_err(|e| e.to_string())?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let member = match entry.path() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(_) => continue,
        };
        let member = member.trim_start_matches("./").to_string();
        let size = entry.size();
        visit(&member, &mut entry, size)?;
    }
    Ok(())
}

/// A reader that fails once more than `limit` bytes came through.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(self.left.saturating_add(1).min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "decompressed size exceeds {} bytes",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn collect_esx_conf(path: &Path, out: &mut Discovered) {
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => return out.errors.push(e),
    };
    out.files_read.push(path.to_path_buf());
    let text = String::from_utf8_lossy(&bytes);
    for (i, line) in text.lines().enumerate() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !key.starts_with('/') || !key.to_ascii_lowercase().contains("acceptance") {
            continue;
        }
        let value = value.trim().trim_matches('"').trim();
        out.components.push(
            Component::new(
                Server::Esxi,
                ComponentKind::Setting,
                "acceptance_level",
                Declaration::at_line(path, i as u64 + 1),
            )
            .with_attr("acceptance_level", acceptance_name(value))
            .with_attr("acceptance_level_raw", value)
            .with_attr("source", "esx.conf")
            .with_attr("config_key", key),
        );
    }
}

fn collect_log_file(path: &Path, out: &mut Discovered) {
    let bytes = match crate::read::read_file(path, MAX_LOG_BYTES) {
        Ok(crate::read::ReadOutcome::Content { bytes, .. }) => bytes,
        Ok(crate::read::ReadOutcome::Skipped(why)) => {
            return out.errors.push(CollectError::parse(path, why))
        }
        Err(e) => return out.errors.push(e),
    };
    out.files_read.push(path.to_path_buf());
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let (text, err) = gunzip_bounded(&bytes, MAX_LOG_BYTES);
        scan_log(path, &text, out);
        if let Some(m) = err {
            out.errors.push(CollectError::parse(path, m));
        }
    } else {
        scan_log(path, &bytes, out);
    }
}

/// Decompresses up to `limit` bytes; what came out before an error or the cap
/// is kept, with the reason.
fn gunzip_bounded(bytes: &[u8], limit: u64) -> (Vec<u8>, Option<String>) {
    let mut text = Vec::new();
    let mut dec = MultiGzDecoder::new(bytes).take(limit + 1);
    let err = match dec.read_to_end(&mut text) {
        Ok(_) if text.len() as u64 > limit => {
            text.truncate(limit as usize);
            Some(format!(
                "decompressed size exceeds {limit} bytes; scanned the first {limit}"
            ))
        }
        Ok(_) => None,
        Err(e) => Some(format!(
            "gzip: {e}; scanned the {} bytes before it",
            text.len()
        )),
    };
    (text, err)
}

// ---------------------------------------------------------------- log tells

/// What a log line shows, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tell {
    VibInstall,
    AcceptanceSet,
    Force,
    NoSigCheck,
}

impl Tell {
    fn as_str(self) -> &'static str {
        match self {
            Tell::VibInstall => "esxi.vib_install",
            Tell::AcceptanceSet => "esxi.acceptance_set",
            Tell::Force => "esxi.force",
            Tell::NoSigCheck => "esxi.no_sig_check",
        }
    }
}

/// A cheap byte filter before a line is decoded and tokenised.
fn might_tell(line: &[u8]) -> bool {
    let has = |needle: &[u8]| {
        line.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    has(b"esxcli") || has(b"localcli") || has(b"esxupdate") || has(b"Task Created")
}

fn classify_line(line: &str) -> Option<Tell> {
    let tokens: Vec<(&str, bool)> = line.split_whitespace().map(token).collect();
    let mut best = None;
    for (i, (t, _)) in tokens.iter().enumerate() {
        let base = t.rsplit('/').next().unwrap_or(t);
        if base.eq_ignore_ascii_case("esxcli") || base.eq_ignore_ascii_case("localcli") {
            best = best.max(classify_invocation(&tokens[i + 1..]));
        }
    }
    best.max(classify_esxupdate(line)).max(classify_hostd(line))
}

/// A token without surrounding quotes and shell punctuation, and whether a
/// command ends after it (`;`, `|`, `&`, the end of a `$(...)` or backquote).
/// Quotes do not end it: `-v "/vmfs/volumes/ds 1/x.vib" -f` is one command.
fn token(raw: &str) -> (&str, bool) {
    let ends = raw.ends_with([';', '|', '&', ')', '`']);
    let t = raw.trim_matches(|c: char| "\"'`();|&$".contains(c));
    (t, ends)
}

/// The esxcli words after the binary: `software vib install ... -f`.
fn classify_invocation(tokens: &[(&str, bool)]) -> Option<Tell> {
    // The command ends at the first separator.
    let end = tokens
        .iter()
        .position(|(_, ends)| *ends)
        .map_or(tokens.len(), |p| p + 1);
    let cmd = &tokens[..end];
    let sw = cmd
        .iter()
        .position(|(t, _)| t.eq_ignore_ascii_case("software"))?;
    let mut words = cmd[sw + 1..]
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| !t.starts_with('-') && !t.is_empty());
    let (_, (ns, _)) = words.next()?;
    let (vi, (verb, _)) = words.next()?;
    let (ns, verb) = (ns.to_ascii_lowercase(), verb.to_ascii_lowercase());
    let installs = matches!(
        (ns.as_str(), verb.as_str()),
        ("vib", "install" | "update") | ("component", "apply") | ("profile", "install" | "update")
    );
    if ns == "acceptance" && verb == "set" {
        return Some(Tell::AcceptanceSet);
    }
    if !installs {
        return None;
    }
    let mut tell = Tell::VibInstall;
    for (t, _) in &cmd[sw + 1 + vi + 1..] {
        let flag = t.split('=').next().unwrap_or(t).to_ascii_lowercase();
        let off = t
            .split_once('=')
            .is_some_and(|(_, v)| v.eq_ignore_ascii_case("false") || v == "0");
        if off {
            continue;
        }
        match flag.as_str() {
            "--no-sig-check" | "--nosigcheck" => tell = tell.max(Tell::NoSigCheck),
            "-f" | "--force" => tell = tell.max(Tell::Force),
            _ => {}
        }
    }
    Some(tell)
}

/// esxupdate.log records: `esxupdate: 2099869: root: INFO: Command = vib.install`
/// and `... Options = {..., 'nosigcheck': True, 'force': True, ...}`.
fn classify_esxupdate(line: &str) -> Option<Tell> {
    if !line.contains("esxupdate") {
        return None;
    }
    if let Some((_, rest)) = line.split_once("Command = ") {
        let cmd = rest
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        return match cmd.as_str() {
            "vib.install" | "vib.update" | "component.apply" | "profile.install"
            | "profile.update" => Some(Tell::VibInstall),
            "acceptance.set" => Some(Tell::AcceptanceSet),
            _ => None,
        };
    }
    if line.contains("Options = {") {
        let on = |key: &str| {
            line.contains(&format!("'{key}': True")) || line.contains(&format!("\"{key}\": true"))
        };
        if on("nosigcheck") {
            return Some(Tell::NoSigCheck);
        }
        if on("force") {
            return Some(Tell::Force);
        }
    }
    None
}

/// hostd.log task records: `Task Created : haTask-ha-host-vim.host.PatchManager.InstallV2-...`,
/// `...ImageConfigManager.updateAcceptanceLevel-...`.
fn classify_hostd(line: &str) -> Option<Tell> {
    let (_, task) = line.split_once("Task Created")?;
    if task.contains("ImageConfigManager.updateAcceptanceLevel") {
        Some(Tell::AcceptanceSet)
    } else if task.contains("PatchManager.Install") {
        Some(Tell::VibInstall)
    } else {
        None
    }
}

// ---------------------------------------------------------------- helpers

/// ESXi's display name for a descriptor's acceptance level.
fn acceptance_name(raw: &str) -> String {
    match raw.trim().to_ascii_lowercase().as_str() {
        "certified" | "vmwarecertified" | "vmware_certified" => "VMwareCertified".into(),
        "accepted" | "vmwareaccepted" | "vmware_accepted" => "VMwareAccepted".into(),
        "partner" | "partnersupported" => "PartnerSupported".into(),
        "community" | "communitysupported" => "CommunitySupported".into(),
        _ => raw.trim().to_string(),
    }
}

fn joined(elements: Vec<&xml::Element>, sep: &str) -> String {
    elements
        .into_iter()
        .map(|e| e.text.trim())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

fn count_lines(s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        s.lines().count()
    }
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn is_regular(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
}

/// Whether a file name is a shell/esxupdate/hostd log or rotation
/// (`shell.log`, `shell.0.gz`, `hostd.log.1`, `esxupdate.1.log`).
fn log_name(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let (base, rest) = name.split_once('.')?;
    let base = LOG_NAMES.into_iter().find(|b| *b == base)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match rest.split_once('.') {
        None => rest == "log" || digits(rest),
        Some((a, b)) => (a == "log" && digits(b)) || (digits(a) && b == "log"),
    };
    ok.then_some(base)
}

/// The local name of a document's first element, lower-cased (without
/// parsing the whole document).
fn root_element_name(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut i = 0;
    while i < head.len() {
        let lt = i + head[i..].iter().position(|&b| b == b'<')?;
        let rest = &head[lt + 1..];
        if rest.starts_with(b"?") {
            i = lt + 1 + rest.windows(2).position(|w| w == b"?>")? + 2;
        } else if rest.starts_with(b"!--") {
            i = lt + 1 + rest.windows(3).position(|w| w == b"-->")? + 3;
        } else if rest.starts_with(b"!") {
            i = lt + 1 + rest.iter().position(|&b| b == b'>')? + 1;
        } else {
            let end = rest
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
                .unwrap_or(rest.len());
            let name = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
            return Some(name.rsplit(':').next().unwrap_or("").to_string());
        }
    }
    None
}

/// `root/rel` with every symbolic link on the way resolved inside `root`
/// ([`crate::layout::resolve_in_root`]; `..` never leaves it). `None` when the
/// result does not exist or the links loop.
fn resolve_in_root(root: &Path, rel: &str) -> Option<PathBuf> {
    crate::layout::resolve_in_root(root, rel, MAX_LINK_HOPS)
        .ok()
        .filter(|r| r.exists)
        .map(|r| r.path)
}

/// Names in a directory under the root (resolved inside it), sorted; a
/// missing directory is no error.
fn dir_entries(root: &Path, rel: &str, out: &mut Discovered) -> Vec<String> {
    let Some(dir) = resolve_in_root(root, rel) else {
        return Vec::new();
    };
    if !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.errors.push(CollectError::io(&dir, e));
            return Vec::new();
        }
    };
    let mut v = Vec::new();
    for e in rd {
        match e {
            Ok(e) => {
                if v.len() >= MAX_DIR_ENTRIES {
                    out.errors.push(CollectError::parse(
                        &dir,
                        format!("more than {MAX_DIR_ENTRIES} entries; the rest skipped"),
                    ));
                    break;
                }
                v.push(e.file_name().to_string_lossy().into_owned());
            }
            Err(e) => out.errors.push(CollectError::io(&dir, e)),
        }
    }
    v.sort();
    v
}

/// Regular files in a directory under the root, each resolved inside it.
fn dir_files(root: &Path, rel: &str, out: &mut Discovered) -> Vec<PathBuf> {
    dir_entries(root, rel, out)
        .into_iter()
        .filter_map(|name| resolve_in_root(root, &format!("{rel}/{name}")))
        .filter(|p| is_regular(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Write;

    const ESXI: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/artifacts/esxi"
    );
    const AMSCLI: &str = "var/db/esximg/vibs/amscli-6794403265397100491.xml";

    fn artifacts() -> Option<PathBuf> {
        let p = PathBuf::from(ESXI);
        if p.is_dir() {
            Some(p)
        } else {
            println!("skipped: ../shared not present");
            None
        }
    }

    fn counts<'a>(it: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for v in it {
            *m.entry(v.to_string()).or_insert(0) += 1;
        }
        m
    }

    fn tgz(members: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut b = tar::Builder::new(gz);
        for (name, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    const PROFILE: &str = "<imageprofile><name>HPE-Custom-AddOn_700.0.0.10.5.0-108</name>\
        <creator>Hewlett Packard Enterprise</creator>\n\
        <acceptancelevel>partner</acceptancelevel>\n\
        <viblist><vib><vib-id>HPE_bootbank_amscli_11.5.0.22-1OEM.700.0.0.15525992</vib-id></vib></viblist>\
        </imageprofile>";

    #[test]
    fn real_image_database_parses_with_expected_counts() {
        let Some(esxi) = artifacts() else { return };
        let mut out = Discovered::default();
        collect(&esxi, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert!(out.tells.is_empty());
        assert_eq!(out.components.len(), 84);
        assert!(out
            .components
            .iter()
            .all(|c| c.kind == ComponentKind::Vib && c.server == Server::Esxi));
        // Expected counts from `grep -o '<vendor>[^<]*'` / `'<acceptance-level>[^<]*'` over the 84 files.
        let vendors = counts(out.components.iter().map(|c| c.attr("vendor").unwrap()));
        let want: BTreeMap<String, usize> = [
            ("EMU", 1),
            ("HPE", 13),
            ("Marvell", 1),
            ("VMW", 47),
            ("VMware", 22),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(vendors, want);
        let levels = counts(
            out.components
                .iter()
                .map(|c| c.attr("acceptance_level").unwrap()),
        );
        let want: BTreeMap<String, usize> = [
            ("PartnerSupported", 10),
            ("VMwareAccepted", 3),
            ("VMwareCertified", 71),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(levels, want);
        // `grep -o '<file>[^<]*</file>' | wc -l` = 5810.
        let files: usize = out
            .components
            .iter()
            .map(|c| c.attr("files").unwrap().lines().count())
            .sum();
        assert_eq!(files, 5810);
        let file_counts: usize = out
            .components
            .iter()
            .map(|c| c.attr("file_count").unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(file_counts, 5810);
        assert!(out
            .components
            .iter()
            .all(|c| c.attr("install_date_source") == Some("installdate")));

        let ams = out.components.iter().find(|c| c.name == "amscli").unwrap();
        assert_eq!(ams.declared, Declaration::at_line(esxi.join(AMSCLI), 1));
        assert_eq!(ams.implementation.as_deref(), Some("amscli"));
        assert_eq!(ams.attr("vendor"), Some("HPE"));
        assert_eq!(ams.attr("version"), Some("11.5.0.22-1OEM.700.0.0.15525992"));
        assert_eq!(ams.attr("acceptance_level_raw"), Some("partner"));
        assert_eq!(
            ams.attr("install_date"),
            Some("2020-10-07T11:36:17.746122+00:00")
        );
        assert_eq!(
            ams.attr("release_date"),
            Some("2020-02-16T20:01:49.646532+00:00")
        );
        assert_eq!(ams.attr("type"), Some("bootbank"));
        assert_eq!(ams.attr("live_install_allowed"), Some("false"));
        assert_eq!(ams.attr("stateless_ready"), Some("true"));
        assert_eq!(ams.attr("overlay"), Some("false"));
        assert_eq!(ams.attr("maintenance_mode"), Some("false"));
        assert_eq!(
            ams.attr("vib_id"),
            Some("HPE_bootbank_amscli_11.5.0.22-1OEM.700.0.0.15525992")
        );
        let files: Vec<&str> = ams.attr("files").unwrap().lines().collect();
        assert_eq!(files.len(), 10);
        assert_eq!(files[0], "etc/init.d/amsesxcli.sh");
        assert_eq!(files[9], "usr/lib/vmware/esxcli/ext/smad_rev.xml");

        let base = out
            .components
            .iter()
            .find(|c| c.name == "esx-base")
            .unwrap();
        assert_eq!(base.attr("payloads").unwrap().lines().count(), 30);
        assert_eq!(base.implementation.as_deref(), Some("BOOTx64.EFI"));
        assert_eq!(base.attr("file_count"), Some("3512"));
        assert!(base
            .attr("software_tags")
            .unwrap()
            .starts_with("RestrictStickyFiles,"));
        // The one descriptor without a <file-list>.
        let mc = out
            .components
            .iter()
            .find(|c| c.name == "cpu-microcode")
            .unwrap();
        assert_eq!(mc.attr("files"), Some(""));
        assert_eq!(mc.attr("file_count"), Some("0"));
    }

    #[test]
    fn community_vib_descriptor_with_payload_dir() {
        let Some(esxi) = artifacts() else { return };
        let desc = esxi.join("community-vib/esxi-firewall-vib/descriptor.xml");
        let mut out = Discovered::default();
        assert!(collect_file(&esxi, &desc, &mut out));
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.components.len(), 1);
        let c = &out.components[0];
        assert_eq!(c.name, "DRP-Firewall-Rule");
        assert_eq!(c.kind, ComponentKind::Vib);
        assert_eq!(c.declared, Declaration::at_line(&desc, 1));
        assert_eq!(c.implementation.as_deref(), Some("payload1"));
        assert_eq!(c.attr("vendor"), Some("RackN"));
        assert_eq!(c.attr("version"), Some("5.0.0-0.0.2"));
        assert_eq!(c.attr("acceptance_level"), Some("CommunitySupported"));
        assert_eq!(c.attr("acceptance_level_raw"), Some("community"));
        assert_eq!(c.attr("live_install_allowed"), Some("true"));
        assert_eq!(c.attr("summary"), Some("Custom VIB from RackN"));
        // Neither install date nor release date in this descriptor.
        assert_eq!(c.attr("install_date"), None);
        // The descriptor's <file-list> is empty: the files come from payload1/.
        assert_eq!(c.attr("files"), Some("etc/vmware/firewall/drpcli.xml"));
        assert_eq!(c.attr("files_source"), Some("payload_dir"));
        // The same descriptor as bytes: the file list stays the descriptor's (empty).
        let v = parse_vib(
            &std::fs::read(&desc).unwrap(),
            Declaration::at_key("x", "k"),
        )
        .unwrap();
        assert_eq!(v.attr("files"), Some(""));
        assert_eq!(v.declared.line, Some(1));
        // A bulletin, a nginx config: not ours.
        let bulletin = esxi.join("var/db/esximg/bulletins/ESXi_7.0.0-1.0.15843807.xml");
        assert!(!collect_file(&esxi, &bulletin, &mut out));
        assert!(!collect_file(
            &esxi,
            &esxi.join("../linux/etc/nginx/nginx.conf"),
            &mut out
        ));
        assert_eq!(out.components.len(), 1);
    }

    #[test]
    fn unpacked_vib_with_payload_archive() {
        let Some(esxi) = artifacts() else { return };
        let d = tempfile::tempdir().unwrap();
        let desc =
            std::fs::read(esxi.join("community-vib/esxi-firewall-vib/descriptor.xml")).unwrap();
        std::fs::write(d.path().join("descriptor.xml"), &desc).unwrap();
        let payload = tgz(&[
            ("etc/vmware/firewall/drpcli.xml", b"<ConfigRoot/>"),
            ("./opt/x/run.sh", b"#!/bin/sh\n"),
        ]);
        std::fs::write(d.path().join("payload1"), payload).unwrap();
        let mut out = Discovered::default();
        assert!(collect_file(
            d.path(),
            &d.path().join("descriptor.xml"),
            &mut out
        ));
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let c = &out.components[0];
        assert_eq!(
            c.attr("files"),
            Some("etc/vmware/firewall/drpcli.xml\nopt/x/run.sh")
        );
        assert_eq!(c.attr("files_source"), Some("payload_archive"));
        assert_eq!(c.attr("file_count"), Some("2"));
    }

    /// Builds `root` with a boot bank the ESXi way: `bootbank -> /vmfs/volumes/<uuid>`
    /// and a datastore label link to the same volume.
    #[test]
    fn boot_bank_imgdb_read_in_memory_once() {
        let Some(esxi) = artifacts() else { return };
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let vib = std::fs::read(esxi.join(AMSCLI)).unwrap();
        let member = "vibs/amscli-6794403265397100491.xml";
        let archive = tgz(&[
            (member, &vib),
            ("profiles/HPE-Custom", PROFILE.as_bytes()),
            ("bulletins/x.xml", b"<bulletin/>"),
        ]);
        let vol = root.join("vmfs/volumes/5f7d9b1e-aaaa");
        std::fs::create_dir_all(&vol).unwrap();
        std::fs::write(vol.join("imgdb.tgz"), &archive).unwrap();
        std::os::unix::fs::symlink("/vmfs/volumes/5f7d9b1e-aaaa", root.join("bootbank")).unwrap();
        std::os::unix::fs::symlink("5f7d9b1e-aaaa", root.join("vmfs/volumes/BOOTBANK1")).unwrap();
        // A link out of the root must resolve inside it (root/etc does not exist).
        std::os::unix::fs::symlink("/etc", root.join("altbootbank")).unwrap();

        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.files_read, vec![vol.join("imgdb.tgz")]);
        assert_eq!(out.components.len(), 2);
        let key = format!("imgdb.tgz!{member}");
        let from_tgz = &out.components[0];
        assert_eq!(from_tgz.declared.key.as_deref(), Some(key.as_str()));
        assert_eq!(from_tgz.declared.file, vol.join("imgdb.tgz"));
        // Same component as from the plain descriptor, but for the declaration.
        let mut plain = parse_vib(
            &vib,
            Declaration::at_key(vol.join("imgdb.tgz"), key.clone()),
        )
        .unwrap();
        plain.declared.line = Some(1);
        assert_eq!(from_tgz, &plain);
        let level = &out.components[1];
        assert_eq!(level.kind, ComponentKind::Setting);
        assert_eq!(level.name, "acceptance_level");
        assert_eq!(level.attr("acceptance_level"), Some("PartnerSupported"));
        assert_eq!(level.attr("acceptance_level_raw"), Some("partner"));
        assert_eq!(level.attr("source"), Some("image_profile"));
        assert_eq!(
            level.attr("profile_name"),
            Some("HPE-Custom-AddOn_700.0.0.10.5.0-108")
        );
        assert_eq!(
            level.declared.key.as_deref(),
            Some("imgdb.tgz!profiles/HPE-Custom")
        );
        assert_eq!(level.declared.line, Some(2));

        // The same archive given explicitly.
        let mut out2 = Discovered::default();
        assert!(collect_file(root, &vol.join("imgdb.tgz"), &mut out2));
        assert_eq!(out2.components, out.components);
    }

    #[test]
    fn running_profile_and_esx_conf_give_the_host_level() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("var/db/esximg/profiles")).unwrap();
        std::fs::write(
            root.join("var/db/esximg/profiles/(Updated) ESXi-7.0.0-15843807-standard"),
            PROFILE.replace(">partner<", ">community<"),
        )
        .unwrap();
        std::fs::create_dir_all(root.join("etc/vmware")).unwrap();
        std::fs::write(
            root.join("etc/vmware/esx.conf"),
            "/adv/Misc/HostName = \"esx1\"\n/imagebuilder/acceptanceLevel = \"partner\"\n",
        )
        .unwrap();
        let mut out = Discovered::default();
        collect(root, &mut out);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let levels: Vec<(&str, &str, Option<u64>)> = out
            .components
            .iter()
            .map(|c| {
                (
                    c.attr("source").unwrap(),
                    c.attr("acceptance_level").unwrap(),
                    c.declared.line,
                )
            })
            .collect();
        assert_eq!(
            levels,
            vec![
                ("image_profile", "CommunitySupported", Some(2)),
                ("esx.conf", "PartnerSupported", Some(2))
            ]
        );
        assert_eq!(
            out.components[1].attr("config_key"),
            Some("/imagebuilder/acceptanceLevel")
        );
    }

    #[test]
    fn broken_items_are_per_item_errors() {
        let Some(esxi) = artifacts() else { return };
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let vibs = root.join("var/db/esximg/vibs");
        std::fs::create_dir_all(&vibs).unwrap();
        std::fs::copy(esxi.join(AMSCLI), vibs.join("amscli-1.xml")).unwrap();
        std::fs::write(vibs.join("garbage-2.xml"), b"\x00\xffnot <xml at all <<<").unwrap();
        std::fs::write(
            vibs.join("noname-3.xml"),
            b"<vib version=\"5.0\"><vendor>X</vendor></vib>",
        )
        .unwrap();
        std::fs::write(vibs.join("profile-4.xml"), PROFILE).unwrap();
        let vib = std::fs::read(esxi.join(AMSCLI)).unwrap();
        // Incompressible padding, so that the cut falls after the first member.
        let mut x = 0x2545_f491_u32;
        let pad: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let archive = tgz(&[
            ("var/db/esximg/vibs/amscli-1.xml", &vib),
            ("var/db/esximg/vibs/pad.xml", &pad),
        ]);
        std::fs::create_dir_all(root.join("altbootbank")).unwrap();
        let truncated = root.join("altbootbank/imgdb.tgz");
        std::fs::write(&truncated, &archive[..archive.len() / 2]).unwrap();

        let mut out = Discovered::default();
        collect(root, &mut out);
        let names: Vec<&str> = out.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["amscli", "amscli"], "{:?}", out.errors);
        let errs: Vec<(PathBuf, String)> = out
            .errors
            .iter()
            .map(|e| (e.path().unwrap().to_path_buf(), e.reason()))
            .collect();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert_eq!(errs[0].0, vibs.join("garbage-2.xml"));
        assert_eq!(errs[1].0, vibs.join("noname-3.xml"));
        assert!(errs[1].1.contains("no <name>"), "{}", errs[1].1);
        assert_eq!(errs[2].0, vibs.join("profile-4.xml"));
        assert!(errs[2].1.contains("not <vib>"), "{}", errs[2].1);
        assert_eq!(errs[3].0, truncated);
        assert!(
            errs[3]
                .1
                .starts_with("imgdb.tgz!var/db/esximg/vibs/pad.xml: "),
            "{}",
            errs[3].1
        );

        // Hostile bytes, directly.
        assert!(parse_vib(b"", Declaration::at_key("f", "k")).is_err());
        assert!(parse_vib(
            "<vib>".repeat(1000).as_bytes(),
            Declaration::at_key("f", "k")
        )
        .is_err());
        let mut out = Discovered::default();
        parse_imgdb(Path::new("imgdb.tgz"), b"\x1f\x8b\x08\x00garbage", &mut out);
        parse_imgdb(Path::new("imgdb.tgz"), b"", &mut out);
        assert_eq!(out.errors.len(), 2);
        assert!(out.components.is_empty());
    }

    #[test]
    fn archive_limits_hold() {
        let big = vec![b'a'; 100_000];
        let archive = tgz(&[("vibs/a.xml", &big)]);
        let mut out = Discovered::default();
        parse_imgdb_bounded(Path::new("imgdb.tgz"), &archive, 50_000, &mut out);
        assert_eq!(out.errors.len(), 1);
        assert!(
            out.errors[0].reason().contains("exceeds 50000 bytes"),
            "{}",
            out.errors[0].reason()
        );
        let (text, err) = gunzip_bounded(&gz(&big), 1000);
        assert_eq!(text.len(), 1000);
        assert!(err.unwrap().contains("exceeds 1000"));
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    const SHELL_LOG: &str = "\
2023-01-01T00:00:00Z shell[12345]: Interactive shell session started
2023-01-01T00:00:01Z shell[12345]: [root]: esxcli network ip interface list
2023-01-01T00:00:02Z shell[12345]: [root]: esxcli software vib list
2023-01-01T00:00:03Z shell[12345]: [root]: esxcli software acceptance get
2023-01-01T00:00:04Z shell[12345]: [root]: esxcli software acceptance set --level=CommunitySupported
2023-01-01T00:00:05Z shell[12345]: [root]: esxcli software vib install -v /tmp/x.vib -f
2023-01-01T00:00:06Z shell[12345]: [root]: esxcli software vib install -v /tmp/x.vib --no-sig-check -f
2023-01-01T00:00:07Z shell[12345]: [root]: esxcli software vib update -d /vmfs/volumes/datastore1/depot.zip
2023-01-01T00:00:08Z shell[12345]: [root]: /bin/localcli --formatter=xml software vib install --viburl=http://10.0.0.5/x.vib --force
2023-01-01T00:00:09Z shell[12345]: [root]: esxcli software vib get -n vmtools -f
2023-01-01T00:00:10Z shell[12345]: [root]: esxcli software vib install -v /tmp/y.vib; ls -f
2023-01-01T00:00:11Z shell[12345]: [root]: ls -f /tmp/esxcli
2023-01-01T00:00:12.123Z In(14) shell[264927]: [root]: esxcli software component apply -d /tmp/c.zip --no-sig-check
2023-01-01T00:00:13Z shell[12345]: [root]: esxcli software vib install -v \"/vmfs/volumes/ds 1/x.vib\" -f
2023-01-01T00:00:14Z shell[12345]: [root]: echo $(esxcli software vib install -v /tmp/z.vib) -f
";

    #[test]
    fn log_tells_found_and_benign_lines_not() {
        let mut out = Discovered::default();
        let f = Path::new("shell.log");
        scan_log(f, SHELL_LOG.as_bytes(), &mut out);
        let got: Vec<(u64, &str)> = out.tells.iter().map(|t| (t.line, t.tell)).collect();
        assert_eq!(
            got,
            vec![
                (5, "esxi.acceptance_set"),
                (6, "esxi.force"),
                (7, "esxi.no_sig_check"),
                (8, "esxi.vib_install"),
                (9, "esxi.force"),
                (11, "esxi.vib_install"),
                (13, "esxi.no_sig_check"),
                (14, "esxi.force"),
                (15, "esxi.vib_install"),
            ]
        );
        assert_eq!(
            out.tells[1].text,
            SHELL_LOG.lines().nth(5).unwrap().as_bytes()
        );
        assert!(out
            .tells
            .iter()
            .all(|t| t.server == Server::Esxi && t.file == f));

        let esxupdate = "\
2022-02-25T11:51:17Z esxupdate: 2615477: root: INFO: Command = vib.install
2022-02-25T11:51:17Z esxupdate: 2615477: root: INFO: Options = {'nosigcheck': True, 'force': False, 'viburls': ['/tmp/x.vib']}
2022-02-25T11:51:17Z esxupdate: 2615477: root: INFO: Options = {'nosigcheck': False, 'force': False}
2022-02-25T11:51:18Z esxupdate: 2615477: HostImage: DEBUG: Staging image profile [(Updated) ESXi-7.0.0-15843807-standard]
2022-02-25T11:51:19Z esxupdate: 2615477: root: INFO: Command = vib.list
";
        let mut out = Discovered::default();
        scan_log(Path::new("esxupdate.log"), esxupdate.as_bytes(), &mut out);
        let got: Vec<(u64, &str)> = out.tells.iter().map(|t| (t.line, t.tell)).collect();
        assert_eq!(got, vec![(1, "esxi.vib_install"), (2, "esxi.no_sig_check")]);

        let hostd = "\
2023-01-01T00:00:00.001Z info hostd[2099619] [Originator@6876 sub=Vimsvc.TaskManager opID=abc user=root] Task Created : haTask-ha-host-vim.host.ImageConfigManager.updateAcceptanceLevel-1234
2023-01-01T00:00:01.001Z info hostd[2099619] [Originator@6876 sub=Vimsvc.TaskManager opID=abc user=root] Task Completed : haTask-ha-host-vim.host.ImageConfigManager.updateAcceptanceLevel-1234 Status success
2023-01-01T00:00:02.001Z info hostd[2099619] [Originator@6876 sub=Vimsvc.TaskManager opID=def user=root] Task Created : haTask-ha-host-vim.host.PatchManager.InstallV2-1785609086
2023-01-01T00:00:03.001Z info hostd[2099619] [Originator@6876 sub=Vimsvc.TaskManager opID=ghi user=root] Task Created : haTask-ha-host-vim.host.PatchManager.Query-1
";
        let mut out = Discovered::default();
        scan_log(Path::new("hostd.log"), hostd.as_bytes(), &mut out);
        let got: Vec<(u64, &str)> = out.tells.iter().map(|t| (t.line, t.tell)).collect();
        assert_eq!(
            got,
            vec![(1, "esxi.acceptance_set"), (3, "esxi.vib_install")]
        );
    }

    #[test]
    fn logs_found_under_root_with_rotations_and_links() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let run = root.join("var/run/log");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(root.join("var/log")).unwrap();
        std::fs::write(run.join("shell.log"), SHELL_LOG).unwrap();
        let rotated = "2022-12-31T00:00:00Z shell[1]: [root]: esxcli software vib install -v /tmp/old.vib --no-sig-check\n";
        std::fs::write(run.join("shell.0.gz"), gz(rotated.as_bytes())).unwrap();
        std::fs::write(run.join("vmkernel.log"), SHELL_LOG).unwrap();
        std::fs::write(run.join("hostd.1.gz"), b"\x1f\x8b\x08\x00truncated").unwrap();
        // ESXi's own layout: /var/log/shell.log -> /var/run/log/shell.log (read once).
        std::os::unix::fs::symlink("/var/run/log/shell.log", root.join("var/log/shell.log"))
            .unwrap();

        let mut out = Discovered::default();
        collect(root, &mut out);
        assert_eq!(
            out.files_read,
            vec![
                run.join("hostd.1.gz"),
                run.join("shell.0.gz"),
                run.join("shell.log")
            ]
        );
        let by_file: Vec<(String, u64, &str)> = out
            .tells
            .iter()
            .map(|t| {
                (
                    t.file.file_name().unwrap().to_string_lossy().into_owned(),
                    t.line,
                    t.tell,
                )
            })
            .collect();
        assert_eq!(by_file.len(), 10, "{by_file:?}");
        assert_eq!(
            by_file[0],
            ("shell.0.gz".to_string(), 1, "esxi.no_sig_check")
        );
        assert!(by_file[1..].iter().all(|(f, _, _)| f == "shell.log"));
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].path(), Some(run.join("hostd.1.gz").as_path()));
        // Explicitly given.
        let mut out = Discovered::default();
        assert!(collect_file(root, &run.join("shell.0.gz"), &mut out));
        assert_eq!(out.tells.len(), 1);
        assert!(!collect_file(root, &run.join("vmkernel.log"), &mut out));
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(log_name("shell.log"), Some("shell"));
        assert_eq!(log_name("shell.0.gz"), Some("shell"));
        assert_eq!(log_name("hostd.log.3"), Some("hostd"));
        assert_eq!(log_name("esxupdate.1.log"), Some("esxupdate"));
        assert_eq!(log_name("shellx.log"), None);
        assert_eq!(log_name("shell.log.bak"), None);
        assert_eq!(member_kind("var/db/esximg/vibs/a-1.xml"), Member::Vib);
        assert_eq!(member_kind("vibs/a-1.txt"), Member::Other);
        assert_eq!(member_kind("var/db/esximg/profiles/p"), Member::Profile);
        assert_eq!(member_kind("a.xml"), Member::Other);
        assert_eq!(
            root_element_name(b"<?xml version=\"1.0\"?>\n<!-- c --><vib version=\"5.0\">")
                .as_deref(),
            Some("vib")
        );
        assert_eq!(
            root_element_name(b"\xEF\xBB\xBF<bulletin>").as_deref(),
            Some("bulletin")
        );
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b")).unwrap();
        std::os::unix::fs::symlink("../../..", d.path().join("a/b/up")).unwrap();
        std::os::unix::fs::symlink("loop", d.path().join("loop")).unwrap();
        assert_eq!(
            resolve_in_root(d.path(), "a/b/up/a"),
            Some(d.path().join("a"))
        );
        assert_eq!(resolve_in_root(d.path(), "loop"), None);
    }
}
