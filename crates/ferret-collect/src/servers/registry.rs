//! Offline `SYSTEM` hive source: the Terminal Services DLL (T1505.005) and the
//! `ServiceDll` of svchost-hosted services.
//!
//! Finds `Windows\System32\config\SYSTEM` on every Windows drive of the
//! examined root (mounted volume, KAPE or Velociraptor collection) with its
//! `SYSTEM.LOG1`/`SYSTEM.LOG2`, and parses it with the `notatin` crate
//! (Stroz Friedberg, Apache-2.0, no default features). notatin was chosen over
//! `nt-hive` because it applies the `.LOG1`/`.LOG2` transaction logs of a dirty
//! hive (an attacker's last change may only be in the logs) and because
//! `nt-hive` is GPL-2.0-or-later, which does not mix with Ferret's Apache-2.0.
//! Cost: ~100 extra crates in the lock (nom 7, chrono, regex, crossterm, ...)
//! and notatin's `nom >= 6` requirement has to stay locked to nom 7 (nom 8
//! does not compile it). notatin reads keys lazily: reading the 15 MB
//! `SYSTEM_WIN_10_1709` (every control set, all services of the current one)
//! took ~50 ms in a debug build (~40 ms for the 8-13 MB hives).
//!
//! Emitted [`Component`]s (`Server::WindowsService`, `ComponentKind::ServiceDll`):
//! - for every `ControlSet00N`: `Services\TermService\Parameters\ServiceDll`
//!   (name `TermService`); emitted with attr `missing` = `true` and no
//!   implementation when `Parameters` exists without `ServiceDll`;
//! - for the current control set only: every other service with a
//!   `Parameters\ServiceDll` or a `ServiceDll` directly under its key.
//!
//! The implementation is the value as stored (`REG_EXPAND_SZ` not expanded).
//! Attrs: `control_set` (`ControlSet001`), `current` (`true`/`false`, from
//! `Select\Current`), `value_type` (`REG_EXPAND_SZ`, ...), `last_written`
//! (the declaring key's timestamp, RFC 3339), `hive_dirty` (`true` when the
//! primary file's sequence numbers differ), `logs_applied` (`true` when
//! transaction logs were applied), `missing`; for services other than
//! TermService also `image_path` (the service `ImagePath`, showing
//! `svchost.exe -k group`) and `start` (the `Start` value).
//!
//! Hostile input: notatin is wrapped in `catch_unwind`, and before notatin
//! reads the subkeys of a key this module refuses a subkey list whose `ri`
//! items point to another `ri` list (notatin follows those recursively without
//! a bound, which would overflow the stack). That check sees the primary file
//! only: a crafted transaction log could still plant such a list.

use super::Discovered;
use crate::layout;
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use notatin::cell_key_node::CellKeyNode;
use notatin::cell_key_value::CellKeyValue;
use notatin::cell_value::CellValue;
use notatin::parser::Parser;
use notatin::parser_builder::ParserBuilder;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Largest hive or transaction log read (real `SYSTEM` hives reach tens of MB).
pub const MAX_HIVE_BYTES: u64 = 256 * 1024 * 1024;
/// Most control sets looked at in one hive.
const MAX_CONTROL_SETS: usize = 64;
/// Most services looked at in the current control set.
const MAX_SERVICES: usize = 20_000;
/// Where hive bins start: after the 4 KiB base block.
const HBIN_START: usize = 0x1000;

/// What one hive gave: components, and the problems met on the way (the
/// components found before or beside a problem are kept).
#[derive(Debug, Default)]
pub struct HiveRead {
    /// Components found.
    pub components: Vec<Component>,
    /// Hive-level problems, in words (corruption, unreachable keys, dirty hive without logs).
    pub problems: Vec<String>,
}

/// Finds the `SYSTEM` hive (and its `.LOG1`/`.LOG2`) on each Windows drive
/// under `root` and adds its service DLLs to `out`.
pub fn collect(root: &Path, out: &mut Discovered) {
    let mut seen: Vec<PathBuf> = Vec::new();
    for (_, drive) in layout::windows_drives(root) {
        let Some(hive) = layout::join_ci(&drive, "Windows/System32/config/SYSTEM") else {
            continue;
        };
        if !hive.is_file() || seen.contains(&hive) {
            continue;
        }
        seen.push(hive.clone());
        collect_hive(root, &hive, out);
    }
}

/// Reads an explicitly given file if it is a registry hive (recognised by the
/// `regf` signature, not by name) and adds its service DLLs to `out`. Returns
/// whether the file was a hive.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let mut magic = [0u8; 4];
    let is_hive = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && &magic == b"regf";
    if is_hive {
        collect_hive(root, path, out);
    }
    is_hive
}

/// Reads a hive and the logs beside it, resolves the DLLs under `root`.
fn collect_hive(root: &Path, hive: &Path, out: &mut Discovered) {
    let bytes = match read_capped(hive) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    out.files_read.push(hive.to_path_buf());
    let mut logs = Vec::new();
    if let (Some(dir), Some(name)) = (hive.parent(), hive.file_name()) {
        for ext in ["LOG1", "LOG2"] {
            let Some(log) = layout::join_ci(dir, &format!("{}.{ext}", name.to_string_lossy()))
            else {
                continue;
            };
            match read_capped(&log) {
                Ok(b) => {
                    out.files_read.push(log);
                    logs.push(b);
                }
                Err(e) => out.errors.push(e),
            }
        }
    }
    let read = read_hive(hive, &bytes, &logs);
    for problem in read.problems {
        out.errors.push(CollectError::parse(hive, problem));
    }
    for mut c in read.components {
        if let Some(imp) = &c.implementation {
            c.resolved = layout::resolve_windows(root, &layout::expand_windows_vars(imp, None));
        }
        out.components.push(c);
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, CollectError> {
    match crate::read::read_file(path, MAX_HIVE_BYTES)? {
        crate::read::ReadOutcome::Content { bytes, .. } => Ok(bytes),
        crate::read::ReadOutcome::Skipped(why) => Err(CollectError::parse(path, why)),
    }
}

/// The service DLLs of a `SYSTEM` hive given as bytes (with its transaction
/// logs, oldest first or in any order). Pure: no file access, nothing
/// resolved. An `Err` when the hive gave problems and no component; problems
/// beside components are dropped here (see [`read_hive`] for both).
pub fn read_service_dlls(
    hive_path: &Path,
    bytes: &[u8],
    logs: &[Vec<u8>],
) -> Result<Vec<Component>, String> {
    let read = read_hive(hive_path, bytes, logs);
    if read.components.is_empty() && !read.problems.is_empty() {
        return Err(read.problems.join("; "));
    }
    Ok(read.components)
}

/// The service DLLs of a `SYSTEM` hive given as bytes, with the problems met.
/// Never panics: a panic inside the hive parser becomes a problem.
pub fn read_hive(hive_path: &Path, bytes: &[u8], logs: &[Vec<u8>]) -> HiveRead {
    let mut read = HiveRead::default();
    if bytes.len() < HBIN_START + 32 || !bytes.starts_with(b"regf") {
        read.problems
            .push("not a registry hive (no regf signature or shorter than 4 KiB)".into());
        return read;
    }
    let root_cell = le_u32(bytes, 0x24) as usize;
    if root_cell.saturating_add(HBIN_START + 80) > bytes.len() {
        read.problems.push(format!(
            "root key offset {root_cell:#x} lies outside the hive"
        ));
        return read;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        read_hive_inner(hive_path, bytes, logs, &mut read)
    }));
    if outcome.is_err() {
        read.problems
            .push("the hive parser panicked on this hive".into());
    }
    read
}

/// Facts about the whole hive copied to every component.
struct HiveFacts {
    dirty: bool,
    logs_applied: bool,
}

fn read_hive_inner(hive_path: &Path, bytes: &[u8], logs: &[Vec<u8>], read: &mut HiveRead) {
    let dirty = le_u32(bytes, 4) != le_u32(bytes, 8);
    let usable_logs: Vec<&Vec<u8>> = logs
        .iter()
        .filter(|l| match log_problem(l) {
            Some(p) => {
                read.problems.push(format!("transaction log ignored: {p}"));
                false
            }
            None => true,
        })
        .collect();
    let mut parser = None;
    if dirty && !usable_logs.is_empty() {
        let mut b = ParserBuilder::from_file(Cursor::new(bytes.to_vec()));
        for l in &usable_logs {
            b.with_transaction_log(Cursor::new((*l).clone()));
        }
        match b.build() {
            Ok(p) => parser = Some(p),
            Err(e) => read
                .problems
                .push(format!("transaction logs could not be applied: {e}")),
        }
    }
    let mut parser = match parser {
        Some(p) => p,
        None => match ParserBuilder::from_file(Cursor::new(bytes.to_vec())).build() {
            Ok(p) => p,
            Err(e) => {
                read.problems.push(format!("unreadable hive: {e}"));
                return;
            }
        },
    };
    let logs_applied = parse_log_text(&parser).contains("Applied transaction log");
    if dirty && !logs_applied {
        read.problems.push(
            "dirty hive (sequence numbers differ) and no transaction log applied: \
             the latest changes may be missing"
                .into(),
        );
    }
    let facts = HiveFacts {
        dirty,
        logs_applied,
    };

    let root = match parser.get_root_key() {
        Ok(Some(r)) => r,
        Ok(None) => {
            read.problems.push("hive has no root key".into());
            return;
        }
        Err(e) => {
            read.problems.push(format!("root key unreadable: {e}"));
            return;
        }
    };
    let current = current_control_set(&mut parser, bytes, &root, read);
    let mut root = root;
    let Some(top) = sub_keys(&mut parser, bytes, &mut root, read) else {
        return;
    };
    let mut sets: Vec<(u32, CellKeyNode)> = top
        .into_iter()
        .filter_map(|k| control_set_number(&k.key_name).map(|n| (n, k)))
        .collect();
    sets.sort_by_key(|(n, _)| *n);
    if sets.is_empty() {
        read.problems
            .push("no ControlSet00N key in the hive".into());
    }
    for (n, mut set) in sets.into_iter().take(MAX_CONTROL_SETS) {
        let set_name = format!("ControlSet{n:03}");
        let is_current = current == Some(n);
        let Some(mut services) = child(&mut parser, bytes, &mut set, "Services", read) else {
            read.problems
                .push(format!("{set_name}\\Services not found"));
            continue;
        };
        let term_params = child(&mut parser, bytes, &mut services, "TermService", read)
            .and_then(|mut t| child(&mut parser, bytes, &mut t, "Parameters", read));
        match term_params {
            Some(params) => {
                let key = format!("{set_name}\\Services\\TermService\\Parameters");
                read.components.push(service_dll(
                    hive_path,
                    "TermService",
                    &key,
                    &params,
                    &set_name,
                    is_current,
                    &facts,
                ));
            }
            None => read.problems.push(format!(
                "{set_name}\\Services\\TermService\\Parameters not found (absent or unreadable)"
            )),
        }
        if is_current {
            other_services(
                &mut parser,
                bytes,
                hive_path,
                &set_name,
                &mut services,
                &facts,
                read,
            );
        }
    }
    if current.is_none() {
        read.problems
            .push("Select\\Current not readable: no control set marked current".into());
    }
}

/// Every service but TermService with a `ServiceDll`, in the current control set.
fn other_services(
    parser: &mut Parser,
    bytes: &[u8],
    hive_path: &Path,
    set_name: &str,
    services: &mut CellKeyNode,
    facts: &HiveFacts,
    read: &mut HiveRead,
) {
    let Some(list) = sub_keys(parser, bytes, services, read) else {
        return;
    };
    for mut svc in list.into_iter().take(MAX_SERVICES) {
        if svc.key_name.eq_ignore_ascii_case("TermService") {
            continue;
        }
        let base = format!("{set_name}\\Services\\{}", svc.key_name);
        let (holder, key) = match child(parser, bytes, &mut svc, "Parameters", read) {
            Some(p) if p.get_value("ServiceDll").is_some() => (p, format!("{base}\\Parameters")),
            _ if svc.get_value("ServiceDll").is_some() => (svc.clone(), base),
            _ => continue,
        };
        let mut c = service_dll(
            hive_path,
            &svc.key_name,
            &key,
            &holder,
            set_name,
            true,
            facts,
        );
        if let Some(v) = svc.get_value("ImagePath") {
            c = c.with_attr("image_path", value_text(&v).0);
        }
        if let Some(v) = svc.get_value("Start") {
            c = c.with_attr("start", value_text(&v).0);
        }
        read.components.push(c);
    }
}

/// The component for the `ServiceDll` value of `key` (missing → attr `missing`).
fn service_dll(
    hive_path: &Path,
    name: &str,
    key_path: &str,
    key: &CellKeyNode,
    set_name: &str,
    current: bool,
    facts: &HiveFacts,
) -> Component {
    let mut c = Component::new(
        Server::WindowsService,
        ComponentKind::ServiceDll,
        name,
        Declaration::at_key(hive_path, key_path),
    )
    .with_attr("control_set", set_name)
    .with_attr("current", current.to_string())
    .with_attr("hive_dirty", facts.dirty.to_string())
    .with_attr("logs_applied", facts.logs_applied.to_string());
    if key.detail.last_key_written_date_and_time() != 0 {
        c = c.with_attr(
            "last_written",
            key.last_key_written_date_and_time().to_rfc3339(),
        );
    }
    match key.get_value("ServiceDll") {
        Some(v) => {
            let (text, ty) = value_text(&v);
            c.with_implementation(text).with_attr("value_type", ty)
        }
        None => c.with_attr("missing", "true"),
    }
}

/// A value's data as text (strings as stored, numbers in decimal, binary in
/// hex) and its registry type name.
fn value_text(v: &CellKeyValue) -> (String, String) {
    let text = match v.get_content().0 {
        CellValue::String(s) => s,
        CellValue::MultiString(m) => m.join("\n"),
        other => other.to_string(),
    };
    (text, format!("{:?}", v.data_type))
}

/// `Select\Current` as a control set number.
fn current_control_set(
    parser: &mut Parser,
    bytes: &[u8],
    root: &CellKeyNode,
    read: &mut HiveRead,
) -> Option<u32> {
    let mut root = root.clone();
    let select = child(parser, bytes, &mut root, "Select", read)?;
    match select.get_value("Current")?.get_content().0 {
        CellValue::U32(n) => Some(n),
        CellValue::I32(n) => u32::try_from(n).ok(),
        _ => None,
    }
}

/// `ControlSet001` → 1 (exactly `ControlSet` and three digits, any case).
pub(super) fn control_set_number(name: &str) -> Option<u32> {
    let digits = name
        .get(..10)
        .filter(|p| p.eq_ignore_ascii_case("ControlSet"))
        .and(name.get(10..))?;
    (digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The subkey `name` of `key`, after checking its subkey list is safe to follow.
fn child(
    parser: &mut Parser,
    bytes: &[u8],
    key: &mut CellKeyNode,
    name: &str,
    read: &mut HiveRead,
) -> Option<CellKeyNode> {
    if !subkey_list_safe(bytes, key, read) {
        return None;
    }
    key.get_sub_key_by_path(parser, name)
}

/// All subkeys of `key`, after checking its subkey list is safe to follow;
/// problems notatin logged while reading them become problems.
fn sub_keys(
    parser: &mut Parser,
    bytes: &[u8],
    key: &mut CellKeyNode,
    read: &mut HiveRead,
) -> Option<Vec<CellKeyNode>> {
    if !subkey_list_safe(bytes, key, read) {
        return None;
    }
    let subs = key.read_sub_keys(parser);
    if let Some(logs) = key.logs.get() {
        for l in logs.iter().take(8) {
            read.problems.push(l.text.clone()); // notatin's text names the key
        }
    }
    Some(subs)
}

/// Whether notatin may read `key`'s subkey list (problems are recorded).
fn subkey_list_safe(bytes: &[u8], key: &CellKeyNode, read: &mut HiveRead) -> bool {
    match subkey_list_check(bytes, key) {
        Ok(()) => true,
        Err(p) => {
            read.problems.push(p);
            false
        }
    }
}

/// Whether notatin may read `key`'s subkey list: an `ri` list must not point
/// to another `ri` list (notatin would recurse without a bound).
pub(super) fn subkey_list_check(bytes: &[u8], key: &CellKeyNode) -> Result<(), String> {
    if key.detail.number_of_sub_keys() == 0 {
        return Ok(());
    }
    let cell = (key.detail.sub_keys_list_offset_relative() as usize).saturating_add(HBIN_START);
    if !is_ri(bytes, cell) {
        return Ok(());
    }
    let count = bytes
        .get(cell + 6..cell + 8)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
    for i in 0..count {
        let Some(item) = bytes.get(cell + 8 + 4 * i..cell + 12 + 4 * i) else {
            break;
        };
        let target = u32::from_le_bytes([item[0], item[1], item[2], item[3]]) as usize;
        if is_ri(bytes, target.saturating_add(HBIN_START)) {
            return Err(format!(
                "{}: nested ri subkey list at offset {cell:#x} (hostile or corrupt); subkeys not read",
                key.get_pretty_path()
            ));
        }
    }
    Ok(())
}

/// Whether the cell at `offset` carries the `ri` signature.
fn is_ri(bytes: &[u8], offset: usize) -> bool {
    bytes.get(offset.saturating_add(4)..offset.saturating_add(6)) == Some(b"ri".as_slice())
}

/// Why a transaction log should not be given to notatin, if it should not:
/// not a log, or a log entry that would grow the hive past the cap (notatin
/// allocates the size a log entry claims).
fn log_problem(log: &[u8]) -> Option<String> {
    if !log.starts_with(b"regf") {
        return Some("no regf signature".into());
    }
    let mut at = 0;
    while let Some(pos) = find(&log[at..], b"HvLE") {
        let entry = at + pos;
        if u64::from(le_u32(log, entry + 16)) > MAX_HIVE_BYTES {
            return Some(format!(
                "log entry at {entry:#x} claims a hive larger than {MAX_HIVE_BYTES} bytes"
            ));
        }
        at = entry + 4;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The little-endian u32 at `at`, 0 past the end.
pub(super) fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at.saturating_add(4))
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn parse_log_text(parser: &Parser) -> String {
    parser
        .get_parse_logs()
        .get()
        .map(|v| {
            v.iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/artifacts/registry"
    );

    /// Flips 2,000 pseudo-random bytes of `b` (xorshift from `seed`).
    pub(in crate::servers) fn flip_bytes(b: &mut [u8], seed: &mut u64) {
        for _ in 0..2000 {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            let at = (*seed as usize) % b.len();
            b[at] ^= (*seed >> 32) as u8 | 1;
        }
    }

    /// A hive from the data set, decompressing the `.xz` ones in memory.
    pub(in crate::servers) fn hive(name: &str) -> Option<Vec<u8>> {
        let dir = Path::new(DIR);
        if !dir.is_dir() {
            println!("skipped: ../shared not present");
            return None;
        }
        if let Ok(b) = std::fs::read(dir.join(name)) {
            return Some(b);
        }
        let xz = std::fs::read(dir.join(format!("{name}.xz"))).expect("hive in data set");
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut std::io::BufReader::new(xz.as_slice()), &mut out).expect("xz");
        Some(out)
    }

    fn term(components: &[Component]) -> BTreeSet<(String, String, String)> {
        components
            .iter()
            .filter(|c| c.name == "TermService")
            .map(|c| {
                (
                    c.attr("control_set").unwrap_or("").to_string(),
                    c.implementation.clone().unwrap_or_default(),
                    c.attr("current").unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn real_hives_match_ground_truth() {
        let Ok(tsv) = std::fs::read_to_string(Path::new(DIR).join("SERVICEDLL.tsv")) else {
            println!("skipped: ../shared not present");
            return;
        };
        let mut expected: std::collections::BTreeMap<String, BTreeSet<(String, String, String)>> =
            Default::default();
        for line in tsv.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 5 || f[4] != "yes" {
                continue;
            }
            let cur = format!("ControlSet{:03}", f[1].parse::<u32>().unwrap());
            expected.entry(f[0].to_string()).or_default().insert((
                f[2].to_string(),
                f[3].to_string(),
                (f[2] == cur).to_string(),
            ));
        }
        assert_eq!(expected.len(), 4, "four parseable hives in the TSV");
        for (name, want) in &expected {
            let bytes = hive(name).unwrap();
            let started = std::time::Instant::now();
            let read = read_hive(Path::new(name), &bytes, &[]);
            eprintln!(
                "{name}: {} bytes, {} components, {:?}, problems {:?}",
                bytes.len(),
                read.components.len(),
                started.elapsed(),
                read.problems
            );
            assert_eq!(&term(&read.components), want, "{name}");
            let t = read
                .components
                .iter()
                .find(|c| c.name == "TermService")
                .unwrap();
            assert_eq!(t.attr("value_type"), Some("REG_EXPAND_SZ"));
            assert_eq!(
                t.declared.key.as_deref(),
                Some("ControlSet001\\Services\\TermService\\Parameters")
            );
            assert!(t.attr("last_written").is_some_and(|s| s.starts_with("20")));
            // Dirty primaries (SYSTEM_2, SYSTEM_B, 1709) are said so; no logs were given.
            let dirty = le_u32(&bytes, 4) != le_u32(&bytes, 8);
            assert_eq!(t.attr("hive_dirty"), Some(dirty.to_string().as_str()));
            assert_eq!(t.attr("logs_applied"), Some("false"));
            assert_eq!(
                read.problems.iter().any(|p| p.starts_with("dirty hive")),
                dirty,
                "{name}"
            );
            assert!(!read.problems.iter().any(|p| p.contains("panicked")));
            // Other svchost services of the current control set only.
            let others: Vec<&Component> = read
                .components
                .iter()
                .filter(|c| c.name != "TermService")
                .collect();
            assert!(others.len() > 20, "{name}: {}", others.len());
            assert!(others.iter().all(|c| c.attr("current") == Some("true")));
            let dhcp = others.iter().find(|c| c.name == "Dhcp").expect("Dhcp");
            assert_eq!(
                dhcp.implementation
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("%systemroot%\\system32\\dhcpcore.dll")
            );
            assert!(dhcp
                .attr("image_path")
                .is_some_and(|p| p.to_ascii_lowercase().contains("svchost.exe -k")));
            assert_eq!(dhcp.attr("start"), Some("2"));
        }
    }

    #[test]
    fn corrupted_hive_is_an_error_not_a_panic() {
        let Some(bytes) = hive("corrupted_system_hive") else {
            return;
        };
        let read = read_hive(Path::new("corrupted"), &bytes, &[]);
        eprintln!(
            "corrupted: {:?} {:?}",
            term(&read.components),
            read.problems
        );
        assert!(term(&read.components).is_empty());
        // Select\Current = 1 is readable; ControlSet001 and ControlSet003 exist
        // (SERVICEDLL.tsv) but their services cannot be reached.
        assert!(!read.problems.iter().any(|p| p.contains("Select")));
        assert!(read.problems.iter().any(|p| {
            p == "ControlSet001\\Services\\TermService\\Parameters not found (absent or unreadable)"
        }));
        assert!(read
            .problems
            .iter()
            .any(|p| p == "ControlSet003\\Services not found"));
        assert!(read
            .problems
            .iter()
            .any(|p| p.contains("Unable to parse sub_key at offset")));
        // The services that are still reachable are returned beside the errors.
        let partial = read_service_dlls(Path::new("corrupted"), &bytes, &[]).unwrap();
        assert_eq!(partial.len(), read.components.len());
        assert!(partial.iter().all(|c| c.name != "TermService"));
        // Through collect_file the problems are per-item errors carrying the path.
        let d = tempfile::tempdir().unwrap();
        let copy = d.path().join("corrupted_system_hive");
        std::fs::write(&copy, &bytes).unwrap();
        let mut out = Discovered::default();
        assert!(collect_file(d.path(), &copy, &mut out));
        assert_eq!(out.errors.len(), read.problems.len());
        assert!(out.errors.iter().all(|e| e.path() == Some(copy.as_path())));
        assert!(!read.problems.iter().any(|p| p.contains("panicked")));
    }

    #[test]
    fn truncated_and_flipped_hives_never_panic() {
        let Some(bytes) = hive("SYSTEM_2") else {
            return;
        };
        for len in [0, 3, 4096, 4200, 8192, bytes.len() / 3, bytes.len() - 4096] {
            let read = read_hive(Path::new("t"), &bytes[..len], &[]);
            assert!(
                !read.problems.iter().any(|p| p.contains("panicked")),
                "len {len}"
            );
            if len <= 4200 {
                assert!(read_service_dlls(Path::new("t"), &bytes[..len], &[]).is_err());
            }
        }
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..6 {
            let mut b = bytes.clone();
            flip_bytes(&mut b, &mut seed);
            let read = read_hive(Path::new("f"), &b, &[b.clone()]);
            assert!(
                !read.problems.iter().any(|p| p.contains("panicked")),
                "round {round}: {:?}",
                read.problems
            );
        }
    }

    #[test]
    fn planted_service_dll_is_reported() {
        let Some(mut bytes) = hive("SYSTEM_2") else {
            return;
        };
        let from: Vec<u8> = "termsrv.dll"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let to: Vec<u8> = "evilsrv.dll"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut n = 0;
        let mut at = 0;
        while let Some(p) = find(&bytes[at..], &from) {
            bytes[at + p..at + p + to.len()].copy_from_slice(&to);
            at += p + to.len();
            n += 1;
        }
        assert_eq!(n, 5);
        let d = tempfile::tempdir().unwrap();
        let copy = d.path().join("hive.bin");
        std::fs::write(&copy, &bytes).unwrap();
        let mut out = Discovered::default();
        assert!(collect_file(d.path(), &copy, &mut out));
        let t: Vec<&Component> = out
            .components
            .iter()
            .filter(|c| c.name == "TermService")
            .collect();
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0].implementation.as_deref(),
            Some("%SystemRoot%\\System32\\evilsrv.dll")
        );
        assert_eq!(t[0].declared.file, copy);
        assert_eq!(t[0].resolved, None);
        let not_hive = d.path().join("SYSTEM");
        std::fs::write(&not_hive, b"not a hive").unwrap();
        assert!(!collect_file(d.path(), &not_hive, &mut out));
    }

    #[test]
    fn dirty_hive_without_logs_still_gives_data() {
        let Some(mut bytes) = hive("SYSTEM") else {
            return;
        };
        bytes[4] ^= 1; // primary sequence number no longer equals the secondary one
        let read = read_hive(Path::new("SYSTEM"), &bytes, &[b"junk".to_vec()]);
        assert_eq!(term(&read.components).len(), 2);
        assert!(read.components.iter().all(
            |c| c.attr("hive_dirty") == Some("true") && c.attr("logs_applied") == Some("false")
        ));
        assert!(read.problems.iter().any(|p| p.starts_with("dirty hive")));
        assert!(read
            .problems
            .iter()
            .any(|p| p.contains("transaction log ignored")));
    }

    #[test]
    fn collection_layout_finds_the_hive() {
        let Some(bytes) = hive("SYSTEM_2") else {
            return;
        };
        let d = tempfile::tempdir().unwrap();
        let sys32 = d.path().join("C/Windows/System32");
        std::fs::create_dir_all(sys32.join("config")).unwrap();
        std::fs::write(sys32.join("config/SYSTEM"), &bytes).unwrap();
        std::fs::write(sys32.join("config/SYSTEM.LOG1"), b"").unwrap();
        std::fs::write(sys32.join("TermSrv.dll"), b"MZ").unwrap();
        let mut out = Discovered::default();
        collect(d.path(), &mut out);
        let t: Vec<&Component> = out
            .components
            .iter()
            .filter(|c| c.name == "TermService")
            .collect();
        assert_eq!(t.len(), 1);
        assert_eq!(
            t[0].resolved.as_deref(),
            Some(sys32.join("TermSrv.dll").as_path())
        );
        assert_eq!(t[0].declared.file, sys32.join("config/SYSTEM"));
        assert_eq!(
            out.files_read,
            vec![
                sys32.join("config/SYSTEM"),
                sys32.join("config/SYSTEM.LOG1")
            ]
        );
        assert!(out
            .errors
            .iter()
            .any(|e| e.reason().contains("transaction log ignored: no regf")));
    }

    #[test]
    fn nested_ri_list_is_refused_not_followed() {
        let Some(mut bytes) = hive("SYSTEM_2") else {
            return;
        };
        let mut parser = ParserBuilder::from_file(Cursor::new(bytes.clone()))
            .build()
            .unwrap();
        let services = parser
            .get_key("ControlSet001\\Services", false)
            .unwrap()
            .unwrap();
        let rel = services.detail.sub_keys_list_offset_relative();
        let cell = rel as usize + HBIN_START;
        // An ri list whose only item is itself: notatin alone would recurse forever.
        bytes[cell + 4..cell + 6].copy_from_slice(b"ri");
        bytes[cell + 6..cell + 8].copy_from_slice(&1u16.to_le_bytes());
        bytes[cell + 8..cell + 12].copy_from_slice(&rel.to_le_bytes());
        let read = read_hive(Path::new("SYSTEM_2"), &bytes, &[]);
        assert!(term(&read.components).is_empty());
        assert!(read.components.is_empty());
        assert!(read
            .problems
            .iter()
            .any(|p| p.contains("ControlSet001\\Services: nested ri subkey list")));
    }

    #[test]
    fn oversized_log_entry_is_refused() {
        let mut log = b"regf".to_vec();
        log.resize(0x1000, 0);
        log.extend_from_slice(b"HvLE");
        log.extend_from_slice(&[0; 12]);
        log.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(log_problem(&log).is_some_and(|p| p.contains("claims a hive larger")));
        log.truncate(0x1000 + 16);
        log.extend_from_slice(&0x2000u32.to_le_bytes());
        assert_eq!(log_problem(&log), None);
        assert_eq!(log_problem(b"HvLE"), Some("no regf signature".into()));
    }

    #[test]
    fn control_set_names() {
        assert_eq!(control_set_number("ControlSet001"), Some(1));
        assert_eq!(control_set_number("controlset012"), Some(12));
        assert_eq!(control_set_number("ControlSet01"), None);
        assert_eq!(control_set_number("ControlSet00x"), None);
        assert_eq!(control_set_number("CurrentControlSet"), None);
        assert_eq!(control_set_number("ControlSé001"), None);
    }
}
