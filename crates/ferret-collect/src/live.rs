//! Live Linux processes, read from a proc file system (`/proc`, or any
//! directory with the same layout for tests): who started whom, what each
//! runs and maps, and which sockets it holds. This module observes; the
//! judging is `ferret_detect::live_policy`'s.
//!
//! Every process's `stat`, `status` and `cmdline` are read, so that an
//! ancestry can always be told; the costlier details (`exe`, `cwd`, `maps`,
//! the `fd` links and the network tables) only for the selected processes
//! ([`Selection`]). A process that exits while it is read is counted in
//! [`Snapshot::vanished`], not reported as an error; a file that cannot be
//! read for another reason (permission) is a per-process [`CollectError`].

pub mod maps;
pub mod net;
pub mod stat;

use crate::CollectError;
use maps::{parse_maps_line, Backing, Mapping};
use net::{parse_net_line, Proto, SockState, Socket};
use stat::{parse_btime, parse_cmdline, parse_stat, parse_status_uid};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Most bytes read from one `cmdline`.
pub const MAX_CMDLINE: u64 = 64 * 1024;
/// Most bytes read from one `maps` file.
pub const MAX_MAPS: u64 = 16 * 1024 * 1024;
/// Most bytes read from one network table.
pub const MAX_NET_TABLE: u64 = 64 * 1024 * 1024;
/// Most descriptors examined per process.
pub const MAX_FDS: usize = 65_536;
/// Most processes read.
pub const MAX_PROCESSES: usize = 1_000_000;

/// Which processes get their details read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every process.
    All,
    /// These processes and all their descendants.
    Trees(Vec<u32>),
}

/// Where to read and what.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The proc file system (`/proc`).
    pub proc_root: PathBuf,
    /// Which processes get details.
    pub selection: Selection,
}

/// What the kernel says about one process.
#[derive(Debug, Clone)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Short name (raw bytes from `stat`).
    pub comm: Vec<u8>,
    /// Arguments (raw bytes).
    pub cmdline: Vec<Vec<u8>>,
    /// Real user id, when `status` was readable.
    pub uid: Option<u32>,
    /// Start time in clock ticks after boot (with the pid, it names the process).
    pub start_ticks: u64,
    /// Start time in seconds after the epoch, when the boot time is known.
    pub started_unix: Option<i64>,
    /// Whether it is a kernel thread.
    pub kernel_thread: bool,
    /// Details, for selected processes only.
    pub detail: Option<Detail>,
}

/// The details read for a selected process.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    /// What `exe` points to (none for kernel threads or when unreadable).
    pub exe: Option<Backing>,
    /// The working directory (raw bytes).
    pub cwd: Option<Vec<u8>>,
    /// Every mapping.
    pub maps: Vec<Mapping>,
    /// The sockets its descriptors hold, found in its network namespace's tables.
    pub sockets: Vec<Socket>,
}

/// One reading of the process table.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every process read, by pid.
    pub processes: BTreeMap<u32, Process>,
    /// Processes that exited while they were read.
    pub vanished: usize,
    /// Per-process and per-table problems; the rest was read.
    pub errors: Vec<CollectError>,
}

impl Snapshot {
    /// `pid`'s chain of ancestors, oldest first and `pid` last. Stops at a
    /// parent that was not read and at a loop (a reused pid).
    pub fn ancestry(&self, pid: u32) -> Vec<&Process> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut cur = self.processes.get(&pid);
        while let Some(p) = cur {
            if !seen.insert(p.pid) {
                break;
            }
            out.push(p);
            cur = (p.ppid != 0 && p.ppid != p.pid)
                .then(|| self.processes.get(&p.ppid))
                .flatten();
        }
        out.reverse();
        out
    }

    /// The selected processes (those with details), by pid.
    pub fn selected(&self) -> impl Iterator<Item = &Process> {
        self.processes.values().filter(|p| p.detail.is_some())
    }
}

/// How reading one file of one process ended.
enum Got<T> {
    Value(T),
    /// The file is not there but the process is (fixture trees, kernel threads).
    Absent,
    /// The process is gone.
    Vanished,
}

/// Reads the process table under `opts.proc_root`. `Err` only when the root
/// itself cannot be listed.
pub fn snapshot(opts: &LiveOptions) -> Result<Snapshot, CollectError> {
    let root = &opts.proc_root;
    let rd = std::fs::read_dir(root).map_err(|e| CollectError::io(root, e))?;
    let mut pids: Vec<u32> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    pids.truncate(MAX_PROCESSES);
    let btime = read_capped(&root.join("stat"), 1 << 20)
        .ok()
        .and_then(|b| parse_btime(&b));
    let ticks = clock_ticks();
    let mut snap = Snapshot::default();
    for pid in pids {
        match read_basic(root, pid, btime, ticks) {
            Ok(Some(p)) => {
                snap.processes.insert(pid, p);
            }
            Ok(None) => snap.vanished += 1,
            Err(e) => snap.errors.push(e),
        }
    }
    let selected = select(&snap.processes, &opts.selection);
    let mut fds: HashMap<u32, Vec<u64>> = HashMap::new();
    let mut netns: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
    let mut ns_of: HashMap<u32, Vec<u8>> = HashMap::new();
    for pid in selected {
        let dir = root.join(pid.to_string());
        let kernel = snap.processes[&pid].kernel_thread;
        match read_detail(&dir, kernel) {
            Ok((detail, inodes)) => {
                if !inodes.is_empty() {
                    let ns = std::fs::read_link(dir.join("ns/net"))
                        .map(|l| l.into_os_string().into_encoded_bytes())
                        .unwrap_or_default();
                    netns.entry(ns.clone()).or_insert(pid);
                    ns_of.insert(pid, ns);
                    fds.insert(pid, inodes);
                }
                if let Some(p) = snap.processes.get_mut(&pid) {
                    p.detail = Some(detail);
                }
            }
            Err(Some(e)) => snap.errors.push(e),
            Err(None) => snap.vanished += 1,
        }
    }
    // One set of tables per network namespace, read through a process in it.
    let mut tables: HashMap<Vec<u8>, HashMap<u64, Socket>> = HashMap::new();
    for (ns, pid) in netns {
        let (socks, errs) = read_net_tables(root, pid);
        snap.errors.extend(errs);
        tables.insert(ns, socks);
    }
    for (pid, inodes) in fds {
        let Some(table) = ns_of.get(&pid).and_then(|ns| tables.get(ns)) else {
            continue;
        };
        if let Some(d) = snap.processes.get_mut(&pid).and_then(|p| p.detail.as_mut()) {
            d.sockets = inodes
                .iter()
                .filter_map(|i| table.get(i).cloned())
                .collect();
        }
    }
    Ok(snap)
}

/// The pids whose details to read, in order.
fn select(procs: &BTreeMap<u32, Process>, sel: &Selection) -> Vec<u32> {
    let roots = match sel {
        Selection::All => return procs.keys().copied().collect(),
        Selection::Trees(r) => r,
    };
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for p in procs.values() {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut out = BTreeMap::new();
    let mut stack: Vec<u32> = roots
        .iter()
        .copied()
        .filter(|r| procs.contains_key(r))
        .collect();
    while let Some(pid) = stack.pop() {
        if out.insert(pid, ()).is_none() {
            stack.extend(children.get(&pid).into_iter().flatten().copied());
        }
    }
    out.into_keys().collect()
}

/// `stat`, `status` and `cmdline`; `Ok(None)` when the process is gone.
fn read_basic(
    root: &Path,
    pid: u32,
    btime: Option<i64>,
    ticks: u64,
) -> Result<Option<Process>, CollectError> {
    let dir = root.join(pid.to_string());
    let path = dir.join("stat");
    let st = match read_proc_file(&dir, &path, 64 * 1024)? {
        Got::Value(b) => parse_stat(&b).map_err(|m| CollectError::parse(&path, m))?,
        Got::Absent | Got::Vanished => return Ok(None),
    };
    let uid = match read_proc_file(&dir, &dir.join("status"), 64 * 1024)? {
        Got::Value(b) => parse_status_uid(&b),
        Got::Absent => None,
        Got::Vanished => return Ok(None),
    };
    let cmdline = match read_proc_file(&dir, &dir.join("cmdline"), MAX_CMDLINE)? {
        Got::Value(b) => parse_cmdline(&b),
        Got::Absent => Vec::new(),
        Got::Vanished => return Ok(None),
    };
    let started_unix = btime.map(|b| b + (st.start_ticks / ticks.max(1)) as i64);
    Ok(Some(Process {
        pid,
        ppid: st.ppid,
        kernel_thread: st.is_kernel_thread(),
        comm: st.comm,
        cmdline,
        uid,
        start_ticks: st.start_ticks,
        started_unix,
        detail: None,
    }))
}

/// `exe`, `cwd`, `maps` and the socket inodes of the `fd` links.
/// `Err(None)` when the process is gone.
fn read_detail(dir: &Path, kernel: bool) -> Result<(Detail, Vec<u64>), Option<CollectError>> {
    let mut d = Detail::default();
    if kernel {
        return Ok((d, Vec::new()));
    }
    d.exe = match link(dir, "exe").map_err(Some)? {
        Got::Value(b) => Some(Backing::from_kernel_path(&b)),
        Got::Absent => None,
        Got::Vanished => return Err(None),
    };
    d.cwd = match link(dir, "cwd").map_err(Some)? {
        Got::Value(b) => Some(b),
        Got::Absent => None,
        Got::Vanished => return Err(None),
    };
    let maps_path = dir.join("maps");
    match read_proc_file(dir, &maps_path, MAX_MAPS).map_err(Some)? {
        Got::Value(b) => {
            for line in b.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                match parse_maps_line(line) {
                    Ok(m) => d.maps.push(m),
                    Err(msg) => return Err(Some(CollectError::parse(&maps_path, msg))),
                }
            }
        }
        Got::Absent => {}
        Got::Vanished => return Err(None),
    }
    let fd_dir = dir.join("fd");
    let mut inodes = Vec::new();
    match std::fs::read_dir(&fd_dir) {
        Ok(rd) => {
            for e in rd.filter_map(|e| e.ok()).take(MAX_FDS) {
                if let Ok(t) = std::fs::read_link(e.path()) {
                    let t = t.into_os_string().into_encoded_bytes();
                    if let Some(i) = socket_inode(&t) {
                        inodes.push(i);
                    }
                }
            }
        }
        Err(e) => match gone_or_absent::<()>(dir, &e) {
            Some(Got::Vanished) => return Err(None),
            Some(_) => {}
            None => return Err(Some(CollectError::io(&fd_dir, e))),
        },
    }
    inodes.sort_unstable();
    inodes.dedup();
    Ok((d, inodes))
}

/// `socket:[12345]` → 12345.
fn socket_inode(link: &[u8]) -> Option<u64> {
    let n = link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(n).ok()?.parse().ok()
}

/// The four tables of `pid`'s network namespace (`PID/net/...`), falling back
/// to the root's `net/...` when a process directory has none.
fn read_net_tables(root: &Path, pid: u32) -> (HashMap<u64, Socket>, Vec<CollectError>) {
    let mut socks: Vec<Socket> = Vec::new();
    let mut errors = Vec::new();
    for (name, proto) in [
        ("tcp", Proto::Tcp),
        ("tcp6", Proto::Tcp),
        ("udp", Proto::Udp),
        ("udp6", Proto::Udp),
    ] {
        let own = root.join(pid.to_string()).join("net").join(name);
        let path = if own.exists() {
            own
        } else {
            root.join("net").join(name)
        };
        let bytes = match read_capped(&path, MAX_NET_TABLE) {
            Ok(b) => b,
            // No IPv6 (or no such table in a fixture): nothing to add.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                errors.push(CollectError::io(&path, e));
                continue;
            }
        };
        for line in bytes
            .split(|&c| c == b'\n')
            .filter(|l| !l.trim_ascii().is_empty())
        {
            match parse_net_line(line, proto) {
                Ok(Some(s)) => socks.push(s),
                Ok(None) => {}
                Err(m) => errors.push(CollectError::parse(&path, m)),
            }
        }
    }
    let listening: HashSet<(Proto, u16)> = socks
        .iter()
        .filter(|s| s.state == SockState::Listen || (s.proto == Proto::Udp && s.remote.port() == 0))
        .map(|s| (s.proto, s.local.port()))
        .collect();
    let map = socks
        .into_iter()
        .filter(|s| s.inode != 0)
        .map(|mut s| {
            s.local_port_listening = listening.contains(&(s.proto, s.local.port()));
            (s.inode, s)
        })
        .collect();
    (map, errors)
}

fn link(dir: &Path, name: &str) -> Result<Got<Vec<u8>>, CollectError> {
    let p = dir.join(name);
    match std::fs::read_link(&p) {
        Ok(t) => Ok(Got::Value(t.into_os_string().into_encoded_bytes())),
        Err(e) => gone_or_absent(dir, &e).ok_or_else(|| CollectError::io(&p, e)),
    }
}

/// Reads a proc file, telling "the process is gone" from "the file is not
/// there" from a real error.
fn read_proc_file(dir: &Path, path: &Path, cap: u64) -> Result<Got<Vec<u8>>, CollectError> {
    match read_capped(path, cap) {
        Ok(b) => Ok(Got::Value(b)),
        Err(e) => gone_or_absent(dir, &e).ok_or_else(|| CollectError::io(path, e)),
    }
}

/// `Some(Vanished)` when the process directory is gone (or the kernel says
/// ESRCH), `Some(Absent)` when only the file is missing, `None` otherwise.
fn gone_or_absent<T>(dir: &Path, e: &std::io::Error) -> Option<Got<T>> {
    if e.raw_os_error() == Some(libc::ESRCH) {
        return Some(Got::Vanished);
    }
    if e.kind() == std::io::ErrorKind::NotFound {
        return Some(if dir.exists() {
            Got::Absent
        } else {
            Got::Vanished
        });
    }
    None
}

fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let f = std::fs::File::open(path)?;
    let mut out = Vec::new();
    f.take(cap).read_to_end(&mut out)?;
    Ok(out)
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions; it returns -1 on error.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// User names by uid from a passwd file (`/etc/passwd`); empty when unreadable.
pub fn users(passwd: &Path) -> HashMap<u32, String> {
    let Ok(bytes) = read_capped(passwd, 16 * 1024 * 1024) else {
        return HashMap::new();
    };
    parse_passwd(&bytes)
}

/// `name:x:uid:...` lines → uid → name (first listed wins).
pub fn parse_passwd(b: &[u8]) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    for line in b.split(|&c| c == b'\n') {
        let mut f = line.split(|&c| c == b':');
        let (Some(name), Some(_), Some(uid)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Some(uid) = std::str::from_utf8(uid).ok().and_then(|u| u.parse().ok()) {
            out.entry(uid)
                .or_insert_with(|| String::from_utf8_lossy(name).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_links_and_passwd() {
        assert_eq!(socket_inode(b"socket:[123]"), Some(123));
        assert_eq!(socket_inode(b"pipe:[123]"), None);
        let u = parse_passwd(
            b"root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nbad\n",
        );
        assert_eq!(u.get(&33).map(String::as_str), Some("www-data"));
        assert_eq!(u.len(), 2);
    }
}
