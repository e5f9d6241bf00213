//! Live process policy (`ferret scan --live`): which processes below a
//! server worker are shells or recon tools, which connections of server
//! workers go to unusual peers, and which files mapped into server workers no
//! package owns (or are deleted, or live only in memory).
//!
//! Pure: [`LivePolicy::load`] compiles the embedded `rules/live/*.toml` (plus
//! a site's own file) once; [`LivePolicy::judge`] takes the processes as the
//! source read them and a package-ownership lookup, and returns findings.
//! Each finding's subject is the process with its ancestry (the process tree
//! is the evidence); its id is stable for the same process (pid and start
//! time) and rule, so a rerun gives the same id.

use crate::RuleError;
use ferret_core::{
    stable_id, Escaped, Evidence, EvidenceSource, Finding, Mitigation, ProcessNode, ProcessSubject,
    Severity, Subject, Technique,
};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};

const SERVERS: &str = include_str!("../../../rules/live/servers.toml");
const TOOLS: &str = include_str!("../../../rules/live/tools.toml");
const PEERS: &str = include_str!("../../../rules/live/peers.toml");
const MODULES: &str = include_str!("../../../rules/live/modules.toml");

/// Rule id of findings about what runs below a server worker.
pub const RULE_LINEAGE: &str = "ferret.live.lineage";
/// Rule id of findings about a server worker's connections.
pub const RULE_OUTBOUND: &str = "ferret.live.outbound";
/// Rule id of findings about files mapped into a server worker.
pub const RULE_MODULE: &str = "ferret.live.module";

/// An executable or mapped file as the kernel names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Image {
    /// A file on disk.
    File(Vec<u8>),
    /// A file deleted while in use (` (deleted)` removed).
    Deleted(Vec<u8>),
    /// A `memfd_create` object, by name.
    Memfd(Vec<u8>),
}

impl Image {
    /// The path as the kernel shows it.
    pub fn kernel_path(&self) -> Vec<u8> {
        match self {
            Image::File(p) => p.clone(),
            Image::Deleted(p) => [p.as_slice(), b" (deleted)"].concat(),
            Image::Memfd(n) => [b"/memfd:".as_slice(), n, b" (deleted)"].concat(),
        }
    }
}

/// A file mapped into a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedFile {
    /// What is mapped.
    pub image: Image,
    /// Whether the mapping is executable.
    pub exec: bool,
}

/// A socket a process holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `tcp` or `udp`.
    pub proto: &'static str,
    /// Local address.
    pub local: SocketAddr,
    /// Remote address.
    pub remote: SocketAddr,
    /// Established or being opened (TCP), or connected (UDP).
    pub connected: bool,
    /// Whether the host listens on the local port (so it was accepted).
    pub local_port_listening: bool,
}

/// One process as the source read it.
#[derive(Debug, Clone, Default)]
pub struct LiveProcess {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
    /// Start time, RFC 3339.
    pub started: Option<String>,
    /// Short name (raw bytes).
    pub comm: Vec<u8>,
    /// Arguments (raw bytes).
    pub cmdline: Vec<Vec<u8>>,
    /// Real user id.
    pub uid: Option<u32>,
    /// User name for `uid`.
    pub user: Option<String>,
    /// The executable.
    pub exe: Option<Image>,
    /// The working directory (raw bytes), where read.
    pub cwd: Option<Vec<u8>>,
    /// Whether this process is to be judged (not only an ancestor).
    pub examined: bool,
    /// Its file mappings.
    pub mappings: Vec<MappedFile>,
    /// Its sockets.
    pub connections: Vec<Connection>,
}

/// Who owns a file, from the package databases (`PackageDb::owner`).
pub trait PackageOwner {
    /// The owning package of `path`, if any.
    fn owner(&self, path: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> PackageOwner for F {
    fn owner(&self, path: &str) -> Option<String> {
        self(path)
    }
}

/// Host and time put on findings.
#[derive(Debug, Clone)]
pub struct LiveContext {
    /// The host.
    pub host: String,
    /// RFC 3339 time of the run.
    pub time: String,
}

// ---- data files ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServersFile {
    server: Vec<ServerDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerDef {
    id: String,
    names: Vec<String>,
    #[serde(default)]
    cmdline_contains: Vec<String>,
    technique: String,
    outbound_weight: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsFile {
    shells: NameList,
    recon: NameList,
    transfer: NameList,
    shell_command: WordList,
    #[serde(default)]
    allow: Vec<AllowDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameList {
    weight: u32,
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordList {
    weight: u32,
    words: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowDef {
    cmdline: String,
    #[allow(dead_code)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeersFile {
    peer: Vec<PeerDef>,
    shell_ports: WeightedPorts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerDef {
    cidrs: Vec<String>,
    #[serde(default)]
    ports: Vec<u16>,
    #[allow(dead_code)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightedPorts {
    weight: u32,
    ports: Vec<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModulesFile {
    module_dirs: Vec<String>,
    writable_dirs: Vec<String>,
    allow: Vec<String>,
    memfd_allow: Vec<String>,
    weights: ModuleWeights,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct ModuleWeights {
    writable: u32,
    module_dir: u32,
    elsewhere: u32,
    deleted_unowned: u32,
    deleted_owned: u32,
    memfd_exec: u32,
}

/// A site's own additions (`--live-config FILE`): more usual peers, more
/// allowed module paths and memfd names, more allowed shell commands.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    #[serde(default)]
    peer: Vec<PeerDef>,
    #[serde(default)]
    module_allow: Vec<String>,
    #[serde(default)]
    memfd_allow: Vec<String>,
    #[serde(default)]
    allow: Vec<AllowDef>,
}

// ---- compiled policy ----

struct Server {
    id: String,
    names: GlobSet,
    cmdline_contains: Vec<String>,
    technique: Technique,
    outbound_weight: u32,
}

#[derive(Debug, Clone, Copy)]
struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = s.split_once('/').unwrap_or((s, ""));
        let net: IpAddr = a.trim().parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = if p.is_empty() {
            max
        } else {
            p.trim().parse().ok()?
        };
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let (a, b, bits) = match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (a >> shift) == (b >> shift)
    }
}

struct Peer {
    cidrs: Vec<Cidr>,
    ports: Vec<u16>,
}

/// The compiled live policy: immutable, shared.
pub struct LivePolicy {
    servers: Vec<Server>,
    shells: (u32, GlobSet),
    recon: (u32, GlobSet),
    transfer: (u32, GlobSet),
    shell_words: (u32, BTreeSet<String>),
    allow_cmdline: Vec<Regex>,
    peers: Vec<Peer>,
    shell_ports: (u32, Vec<u16>),
    module_dirs: GlobSet,
    writable_dirs: GlobSet,
    module_allow: GlobSet,
    memfd_allow: GlobSet,
    weights: ModuleWeights,
}

fn data_err(origin: &str, message: impl std::fmt::Display) -> RuleError {
    RuleError::Data {
        origin: origin.to_string(),
        message: message.to_string(),
    }
}

fn parse<T: serde::de::DeserializeOwned>(origin: &str, text: &str) -> Result<T, RuleError> {
    toml::from_str(text).map_err(|e| data_err(origin, e))
}

fn globs<'a>(
    origin: &str,
    pats: impl IntoIterator<Item = &'a String>,
) -> Result<GlobSet, RuleError> {
    let mut b = GlobSetBuilder::new();
    for p in pats {
        let g = globset::GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| data_err(origin, format!("glob {p:?}: {e}")))?;
        b.add(g);
    }
    b.build().map_err(|e| data_err(origin, e))
}

fn name_globs(origin: &str, names: &[String]) -> Result<GlobSet, RuleError> {
    let mut b = GlobSetBuilder::new();
    for n in names {
        b.add(Glob::new(n).map_err(|e| data_err(origin, format!("name {n:?}: {e}")))?);
    }
    b.build().map_err(|e| data_err(origin, e))
}

fn peers(origin: &str, defs: Vec<PeerDef>) -> Result<Vec<Peer>, RuleError> {
    defs.into_iter()
        .map(|d| {
            let cidrs = d
                .cidrs
                .iter()
                .map(|c| Cidr::parse(c).ok_or_else(|| data_err(origin, format!("bad CIDR {c:?}"))))
                .collect::<Result<_, _>>()?;
            Ok(Peer {
                cidrs,
                ports: d.ports,
            })
        })
        .collect()
}

fn allow_regexes(origin: &str, defs: &[AllowDef]) -> Result<Vec<Regex>, RuleError> {
    defs.iter()
        .map(|a| {
            Regex::new(&a.cmdline).map_err(|e| data_err(origin, format!("{:?}: {e}", a.cmdline)))
        })
        .collect()
}

impl LivePolicy {
    /// Compiles the embedded `rules/live/*.toml` plus each site file given
    /// as `(origin, text)`.
    pub fn load(site: &[(String, String)]) -> Result<LivePolicy, RuleError> {
        let (so, to, po, mo) = (
            "rules/live/servers.toml",
            "rules/live/tools.toml",
            "rules/live/peers.toml",
            "rules/live/modules.toml",
        );
        let s: ServersFile = parse(so, SERVERS)?;
        let t: ToolsFile = parse(to, TOOLS)?;
        let p: PeersFile = parse(po, PEERS)?;
        let m: ModulesFile = parse(mo, MODULES)?;
        let servers = s
            .server
            .into_iter()
            .map(|d| {
                Ok(Server {
                    names: name_globs(so, &d.names)?,
                    technique: d
                        .technique
                        .parse()
                        .map_err(|e| data_err(so, format!("server {}: {e}", d.id)))?,
                    id: d.id,
                    cmdline_contains: d.cmdline_contains,
                    outbound_weight: d.outbound_weight,
                })
            })
            .collect::<Result<Vec<_>, RuleError>>()?;
        let mut allow_cmdline = allow_regexes(to, &t.allow)?;
        let mut all_peers = peers(po, p.peer)?;
        let mut module_allow = m.allow.clone();
        let mut memfd_allow = m.memfd_allow.clone();
        for (origin, text) in site {
            let f: SiteFile = parse(origin, text)?;
            allow_cmdline.extend(allow_regexes(origin, &f.allow)?);
            all_peers.extend(peers(origin, f.peer)?);
            module_allow.extend(f.module_allow);
            memfd_allow.extend(f.memfd_allow);
        }
        Ok(LivePolicy {
            servers,
            shells: (t.shells.weight, name_globs(to, &t.shells.names)?),
            recon: (t.recon.weight, name_globs(to, &t.recon.names)?),
            transfer: (t.transfer.weight, name_globs(to, &t.transfer.names)?),
            shell_words: (
                t.shell_command.weight,
                t.shell_command.words.into_iter().collect(),
            ),
            allow_cmdline,
            peers: all_peers,
            shell_ports: (p.shell_ports.weight, p.shell_ports.ports),
            module_dirs: globs(mo, &m.module_dirs)?,
            writable_dirs: globs(mo, &m.writable_dirs)?,
            module_allow: globs(mo, &module_allow)?,
            memfd_allow: name_globs(mo, &memfd_allow)?,
            weights: m.weights,
        })
    }

    /// Judges every examined process in `procs` (the others only serve as
    /// ancestors). Without `owner` (no package database), mapped files are
    /// judged by where they lie only.
    pub fn judge(
        &self,
        procs: &[LiveProcess],
        owner: Option<&dyn PackageOwner>,
        ctx: &LiveContext,
    ) -> Vec<Finding> {
        let by_pid: HashMap<u32, &LiveProcess> = procs.iter().map(|p| (p.pid, p)).collect();
        let mut out = Vec::new();
        for p in procs.iter().filter(|p| p.examined) {
            let chain = ancestry(&by_pid, p);
            let own = self.server_of(p);
            let above = chain[..chain.len() - 1]
                .iter()
                .rev()
                .find_map(|a| self.server_of(a).map(|s| (s, *a)));
            let judge = Judge {
                pol: self,
                p,
                chain: &chain,
                ctx,
            };
            if own.is_none() {
                if let Some((server, sp)) = above {
                    out.extend(judge.lineage(server, sp));
                }
            }
            if let Some((server, sp)) = own.map(|s| (s, p)).or(above) {
                out.extend(judge.outbound(server, sp));
            }
            if let Some(server) = own {
                out.extend(judge.modules(server, owner));
            }
        }
        out
    }

    fn server_of(&self, p: &LiveProcess) -> Option<&Server> {
        let names = names(p);
        self.servers.iter().find(|s| {
            names.iter().any(|n| s.names.is_match(n))
                && (s.cmdline_contains.is_empty()
                    || s.cmdline_contains.iter().any(|c| {
                        p.cmdline
                            .iter()
                            .any(|a| memchr::memmem::find(a, c.as_bytes()).is_some())
                    }))
        })
    }

    fn is_usual_peer(&self, remote: SocketAddr) -> bool {
        self.peers.iter().any(|peer| {
            peer.cidrs.iter().any(|c| c.contains(remote.ip()))
                && (peer.ports.is_empty() || peer.ports.contains(&remote.port()))
        })
    }
}

/// The names a process goes by: its short name and its executable's file name.
fn names(p: &LiveProcess) -> Vec<String> {
    let mut v = vec![String::from_utf8_lossy(&p.comm).into_owned()];
    if let Some(Image::File(x) | Image::Deleted(x)) = &p.exe {
        let base = x.rsplit(|&c| c == b'/').next().unwrap_or(x);
        let base = String::from_utf8_lossy(base).into_owned();
        if base != v[0] {
            v.push(base);
        }
    }
    v
}

/// Oldest first, `p` last; stops at unknown parents and loops.
fn ancestry<'a>(
    by_pid: &HashMap<u32, &'a LiveProcess>,
    p: &'a LiveProcess,
) -> Vec<&'a LiveProcess> {
    let mut out = vec![p];
    let mut seen = BTreeSet::from([p.pid]);
    let mut cur = p;
    while let Some(parent) = by_pid.get(&cur.ppid).copied() {
        if !seen.insert(parent.pid) {
            break;
        }
        out.push(parent);
        cur = parent;
    }
    out.reverse();
    out
}

fn join_args(args: &[Vec<u8>]) -> Vec<u8> {
    args.join(&b' ')
}

struct Signal {
    id: &'static str,
    source: EvidenceSource,
    score: u32,
    detail: String,
    excerpt: Option<Escaped>,
}

struct Judge<'a> {
    pol: &'a LivePolicy,
    p: &'a LiveProcess,
    chain: &'a [&'a LiveProcess],
    ctx: &'a LiveContext,
}

impl Judge<'_> {
    fn tree(&self) -> Escaped {
        let parts: Vec<Vec<u8>> = self
            .chain
            .iter()
            .map(|a| [a.comm.as_slice(), format!("[{}]", a.pid).as_bytes()].concat())
            .collect();
        Escaped::from_bytes(&parts.join(&b" > "[..]))
    }

    fn lineage(&self, server: &Server, sp: &LiveProcess) -> Option<Finding> {
        let pol = self.pol;
        // Below the server: a known-good command anywhere on the way down silences it.
        let below = self.chain.iter().skip_while(|a| a.pid != sp.pid).skip(1);
        if below.clone().any(|a| {
            pol.allow_cmdline
                .iter()
                .any(|r| r.is_match(&String::from_utf8_lossy(&join_args(&a.cmdline))))
        }) {
            return None;
        }
        let names = names(self.p);
        let hit = |set: &GlobSet| names.iter().find(|n| set.is_match(n)).cloned();
        let who = format!("{} worker pid {}", server.id, sp.pid);
        let mut sig = Vec::new();
        let tree = Some(self.tree());
        if let Some(n) = hit(&pol.shells.1) {
            sig.push(Signal {
                id: "live.shell_under_server",
                source: EvidenceSource::Lineage,
                score: pol.shells.0,
                detail: format!("shell {} runs below the {who}", ferret_core::escape_str(&n)),
                excerpt: tree.clone(),
            });
            if let Some(word) = self.shell_command_word() {
                sig.push(Signal {
                    id: "live.shell_runs_recon",
                    source: EvidenceSource::Lineage,
                    score: pol.shell_words.0,
                    detail: format!(
                        "the shell's command runs {}",
                        ferret_core::escape_str(&word)
                    ),
                    excerpt: Some(Escaped::from_bytes(&join_args(&self.p.cmdline))),
                });
            }
        }
        for (set, id, what) in [
            (&pol.recon, "live.recon_under_server", "reconnaissance tool"),
            (
                &pol.transfer,
                "live.transfer_under_server",
                "network or transfer tool",
            ),
        ] {
            if let Some(n) = hit(&set.1) {
                sig.push(Signal {
                    id,
                    source: EvidenceSource::Lineage,
                    score: set.0,
                    detail: format!(
                        "{what} {} runs below the {who}",
                        ferret_core::escape_str(&n)
                    ),
                    excerpt: tree.clone(),
                });
            }
        }
        match &self.p.exe {
            Some(Image::Memfd(n)) => sig.push(Signal {
                id: "live.exe_memfd",
                source: EvidenceSource::Lineage,
                score: pol.weights.memfd_exec,
                detail: format!(
                    "runs from a memory-only file (memfd:{}) below the {who}",
                    Escaped::from_bytes(n)
                ),
                excerpt: tree.clone(),
            }),
            Some(Image::Deleted(x)) => sig.push(Signal {
                id: "live.exe_deleted",
                source: EvidenceSource::Lineage,
                score: pol.weights.deleted_unowned,
                detail: format!(
                    "runs a deleted executable {} below the {who}",
                    Escaped::from_bytes(x)
                ),
                excerpt: tree.clone(),
            }),
            _ => {}
        }
        if sig.is_empty() {
            return None;
        }
        let title = format!(
            "{} runs below the {} worker (pid {})",
            Escaped::from_bytes(&self.p.comm),
            server.id,
            sp.pid
        );
        Some(self.finding(
            RULE_LINEAGE,
            "",
            server.technique,
            title,
            sig,
            lineage_mitigations(),
        ))
    }

    /// The first word of a shell's `-c` command, when it is a recon word.
    fn shell_command_word(&self) -> Option<String> {
        let args = &self.p.cmdline;
        let i = args.iter().position(|a| a.as_slice() == b"-c")?;
        let cmd = String::from_utf8_lossy(args.get(i + 1)?).into_owned();
        let first = cmd
            .split(|c: char| c.is_whitespace() || c == ';' || c == '|' || c == '&')
            .find(|w| !w.is_empty())?;
        let base = first.rsplit('/').next().unwrap_or(first);
        self.pol
            .shell_words
            .1
            .contains(base)
            .then(|| base.to_string())
    }

    fn outbound(&self, server: &Server, sp: &LiveProcess) -> Option<Finding> {
        let pol = self.pol;
        let mut odd: Vec<&Connection> = self
            .p
            .connections
            .iter()
            .filter(|c| c.connected && !c.local_port_listening && !c.remote.ip().is_unspecified())
            .filter(|c| !pol.is_usual_peer(c.remote))
            .collect();
        if odd.is_empty() {
            return None;
        }
        odd.sort_by_key(|c| (c.remote, c.proto));
        odd.dedup_by_key(|c| (c.remote, c.proto));
        let list: Vec<String> = odd
            .iter()
            .map(|c| format!("{} {} -> {}", c.proto, c.local, c.remote))
            .collect();
        let whose = if sp.pid == self.p.pid {
            format!("the {} worker", server.id)
        } else {
            format!("a process below the {} worker pid {}", server.id, sp.pid)
        };
        let mut sig = vec![Signal {
            id: "live.outbound_unusual_peer",
            source: EvidenceSource::Policy,
            score: server.outbound_weight,
            detail: format!(
                "{whose} connects out to {} peer(s) outside the usual ones",
                odd.len()
            ),
            excerpt: Some(Escaped::from_text(&list.join(", "))),
        }];
        let c2: Vec<String> = odd
            .iter()
            .filter(|c| pol.shell_ports.1.contains(&c.remote.port()))
            .map(|c| c.remote.to_string())
            .collect();
        if !c2.is_empty() {
            sig.push(Signal {
                id: "live.outbound_shell_port",
                source: EvidenceSource::Policy,
                score: pol.shell_ports.0,
                detail: "a remote port that reverse shells and C2 channels use".into(),
                excerpt: Some(Escaped::from_text(&c2.join(", "))),
            });
        }
        let title = format!(
            "{} (below {} pid {}) connects to {}",
            Escaped::from_bytes(&self.p.comm),
            server.id,
            sp.pid,
            list[0]
        );
        let extra = odd
            .iter()
            .map(|c| c.remote.to_string())
            .collect::<Vec<_>>()
            .join(",");
        Some(self.finding(
            RULE_OUTBOUND,
            &extra,
            server.technique,
            title,
            sig,
            vec![Mitigation::M1047, Mitigation::M1042],
        ))
    }

    fn modules(&self, server: &Server, owner: Option<&dyn PackageOwner>) -> Vec<Finding> {
        let pol = self.pol;
        let w = pol.weights;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for m in &self.p.mappings {
            if !seen.insert(&m.image) {
                continue;
            }
            let signal = match &m.image {
                Image::Memfd(n) if m.exec => {
                    if pol
                        .memfd_allow
                        .is_match(String::from_utf8_lossy(n).as_ref())
                    {
                        continue;
                    }
                    (
                        "live.memfd_exec",
                        w.memfd_exec,
                        "executable code mapped from a memory-only file (memfd)".to_string(),
                    )
                }
                Image::Deleted(p) if m.exec => {
                    let path = String::from_utf8_lossy(p);
                    match owner.map(|o| o.owner(&path)) {
                        Some(Some(pkg)) => ("live.deleted_owned", w.deleted_owned, format!("executable mapping of a deleted file of package {} (upgraded; restart pending)", Escaped::from_text(&pkg))),
                        Some(None) => ("live.deleted_unowned", w.deleted_unowned, "executable mapping of a deleted file no package owns".to_string()),
                        None => ("live.deleted_unowned", w.deleted_unowned, "executable mapping of a deleted file (no package database to tell its owner)".to_string()),
                    }
                }
                Image::File(p) if m.exec || is_shared_object(p) => {
                    let path = String::from_utf8_lossy(p);
                    if pol.module_allow.is_match(path.as_ref()) {
                        continue;
                    }
                    let owned = owner.map(|o| o.owner(&path).is_some());
                    let (id, score, place) = if pol.writable_dirs.is_match(path.as_ref()) {
                        (
                            "live.unowned_in_writable_dir",
                            w.writable,
                            "in a temporary, user or web directory",
                        )
                    } else if pol.module_dirs.is_match(path.as_ref()) {
                        (
                            "live.unowned_module",
                            w.module_dir,
                            "in a server module directory",
                        )
                    } else {
                        (
                            "live.unowned_mapping",
                            w.elsewhere,
                            "outside the usual places",
                        )
                    };
                    match owned {
                        Some(true) => continue,
                        None if id != "live.unowned_in_writable_dir" => continue,
                        Some(false) => (id, score, format!("mapped file no package owns, {place}")),
                        None => (
                            id,
                            score,
                            format!("mapped file {place} (no package database to tell its owner)"),
                        ),
                    }
                }
                _ => continue,
            };
            let (id, score, detail) = signal;
            let shown = Escaped::from_bytes(&m.image.kernel_path());
            let sig = vec![
                Signal {
                    id,
                    source: EvidenceSource::Policy,
                    score,
                    detail,
                    excerpt: Some(shown.clone()),
                },
                Signal {
                    id: "live.mapped_into_server",
                    source: EvidenceSource::Lineage,
                    score: 0,
                    detail: format!("mapped into the {} worker", server.id),
                    excerpt: Some(self.tree()),
                },
            ];
            let technique = match server.technique {
                Technique::WebShell => Technique::ServerSoftwareComponent,
                t => t,
            };
            let title = format!("{} worker (pid {}) maps {}", server.id, self.p.pid, shown);
            out.push(self.finding(
                RULE_MODULE,
                &String::from_utf8_lossy(&m.image.kernel_path()),
                technique,
                title,
                sig,
                vec![Mitigation::M1045, Mitigation::M1047, Mitigation::M1042],
            ));
        }
        out
    }

    fn finding(
        &self,
        rule: &str,
        extra: &str,
        technique: Technique,
        title: String,
        mut sig: Vec<Signal>,
        mitigations: Vec<Mitigation>,
    ) -> Finding {
        sig.sort_by_key(|s| std::cmp::Reverse(s.score));
        let score: u32 = sig.iter().map(|s| s.score).sum();
        let severity = crate::severity_for_score(score, &crate::Thresholds::default())
            .unwrap_or(Severity::Info);
        let scored = sig.iter().filter(|s| s.score > 0).count();
        let p = self.p;
        let (pid, ticks) = (p.pid.to_string(), p.start_ticks.to_string());
        let exe = p
            .exe
            .as_ref()
            .map(Image::kernel_path)
            .unwrap_or_else(|| p.comm.clone());
        Finding {
            id: stable_id(&[rule, &pid, &ticks, extra]),
            time: self.ctx.time.clone(),
            host: self.ctx.host.clone(),
            technique,
            technique_name: technique.name().to_string(),
            // Every attacker-controlled piece of the title was escaped when it was built.
            title,
            severity,
            confidence: crate::score::confidence(score, scored),
            score,
            rule: rule.to_string(),
            subject: Subject::Process(ProcessSubject {
                path: Escaped::from_bytes(&exe),
                pid: p.pid,
                name: Escaped::from_bytes(&p.comm),
                cmdline: Escaped::from_bytes(&join_args(&p.cmdline)),
                uid: p.uid,
                user: p.user.as_deref().map(Escaped::from_text),
                started: p.started.clone(),
                cwd: p.cwd.as_deref().map(Escaped::from_bytes),
                ancestry: self
                    .chain
                    .iter()
                    .map(|a| ProcessNode {
                        pid: a.pid,
                        name: Escaped::from_bytes(&a.comm),
                        cmdline: Escaped::from_bytes(&join_args(&a.cmdline)),
                    })
                    .collect(),
            }),
            evidence: sig
                .into_iter()
                .map(|s| Evidence {
                    source: s.source,
                    rule: s.id.to_string(),
                    detail: s.detail,
                    score: s.score,
                    offset: None,
                    line: None,
                    excerpt: s.excerpt,
                })
                .collect(),
            mitigations,
            incident: stable_id(&["process", &pid, &ticks]),
        }
    }
}

fn lineage_mitigations() -> Vec<Mitigation> {
    vec![Mitigation::M1047, Mitigation::M1026, Mitigation::M1042]
}

/// `x.so`, `x.so.1.2`.
fn is_shared_object(p: &[u8]) -> bool {
    let base = p.rsplit(|&c| c == b'/').next().unwrap_or(p);
    base.ends_with(b".so") || memchr::memmem::find(base, b".so.").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(pid: u32, ppid: u32, comm: &str, cmdline: &[&str]) -> LiveProcess {
        LiveProcess {
            pid,
            ppid,
            start_ticks: u64::from(pid) * 10,
            comm: comm.as_bytes().to_vec(),
            cmdline: cmdline.iter().map(|a| a.as_bytes().to_vec()).collect(),
            examined: true,
            ..LiveProcess::default()
        }
    }

    fn ctx() -> LiveContext {
        LiveContext {
            host: "h".into(),
            time: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn conn(remote: &str) -> Connection {
        Connection {
            proto: "tcp",
            local: "10.0.0.1:40000".parse().unwrap(),
            remote: remote.parse().unwrap(),
            connected: true,
            local_port_listening: false,
        }
    }

    fn judge(procs: &[LiveProcess], owned: &[&str]) -> Vec<Finding> {
        let owned: Vec<String> = owned.iter().map(|s| s.to_string()).collect();
        let lookup = move |p: &str| owned.iter().any(|o| o == p).then(|| "pkg".to_string());
        LivePolicy::load(&[])
            .unwrap()
            .judge(procs, Some(&lookup), &ctx())
    }

    #[test]
    fn postgres_copy_program_shell_is_sql_stored_procedure() {
        let f = judge(
            &[
                proc(1, 0, "postgres", &["/usr/lib/postgresql/16/bin/postgres"]),
                proc(2, 1, "postgres", &["postgres: app db 127.0.0.1(5000) COPY"]),
                proc(3, 2, "sh", &["sh", "-c", "id > /tmp/o"]),
            ],
            &[],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].technique, Technique::SqlStoredProcedures);
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[test]
    fn allowed_commands_and_non_shells_give_nothing() {
        let f = judge(
            &[
                proc(1, 0, "php-fpm8.2", &["php-fpm: pool www"]),
                proc(2, 1, "sh", &["sh", "-c", "/usr/sbin/sendmail -t -i"]),
                proc(3, 2, "sendmail", &["/usr/sbin/sendmail", "-t", "-i"]),
                proc(4, 1, "convert", &["convert", "a.png", "b.jpg"]),
                // A worker forked from its master is no finding either.
                proc(5, 1, "php-fpm8.2", &["php-fpm: pool www"]),
            ],
            &[],
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn tomcat_needs_its_command_line() {
        let tomcat = [
            proc(
                1,
                0,
                "java",
                &["java", "org.apache.catalina.startup.Bootstrap", "start"],
            ),
            proc(2, 1, "bash", &["bash"]),
        ];
        assert_eq!(judge(&tomcat, &[]).len(), 1);
        let plain = [
            proc(1, 0, "java", &["java", "-jar", "app.jar"]),
            proc(2, 1, "bash", &["bash"]),
        ];
        assert!(judge(&plain, &[]).is_empty());
    }

    #[test]
    fn usual_peers_and_shell_ports() {
        let mut w = proc(1, 0, "redis-server", &["redis-server *:6379"]);
        w.connections = vec![
            conn("127.0.0.1:5432"),
            conn("[::ffff:127.0.0.1]:6379"),
            conn("8.8.8.8:53"),
            Connection {
                local_port_listening: true,
                ..conn("203.0.113.9:51000")
            },
        ];
        assert!(judge(std::slice::from_ref(&w), &[]).is_empty());
        w.connections.push(conn("203.0.113.9:4444"));
        let f = judge(&[w], &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, RULE_OUTBOUND);
        assert_eq!(f[0].score, 75);
        assert_eq!(f[0].evidence[1].rule, "live.outbound_shell_port");
    }

    #[test]
    fn mapped_files_by_owner_and_place() {
        let mut w = proc(1, 0, "apache2", &["/usr/sbin/apache2", "-k", "start"]);
        let file = |p: &str| MappedFile {
            image: Image::File(p.as_bytes().to_vec()),
            exec: true,
        };
        w.mappings = vec![
            file("/usr/lib/apache2/modules/mod_ssl.so"),
            file("/usr/lib/apache2/modules/mod_rootkit.so"),
            file("/dev/shm/x.so"),
            MappedFile {
                image: Image::Deleted(b"/usr/lib/x86_64-linux-gnu/libssl.so.3".to_vec()),
                exec: true,
            },
            MappedFile {
                image: Image::Memfd(b"m".to_vec()),
                exec: false,
            },
        ];
        let f = judge(
            &[w.clone()],
            &[
                "/usr/lib/apache2/modules/mod_ssl.so",
                "/usr/lib/x86_64-linux-gnu/libssl.so.3",
            ],
        );
        let got: Vec<(&str, Severity)> = f
            .iter()
            .map(|x| (x.evidence[0].rule.as_str(), x.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("live.unowned_module", Severity::High),
                ("live.unowned_in_writable_dir", Severity::Critical),
                ("live.deleted_owned", Severity::Low),
            ]
        );
        assert!(f
            .iter()
            .all(|x| x.technique == Technique::ServerSoftwareComponent));
        // Without a package database only placement speaks.
        let f = LivePolicy::load(&[]).unwrap().judge(&[w], None, &ctx());
        assert_eq!(f.len(), 2, "{f:#?}");
    }

    #[test]
    fn ids_are_stable_and_text_is_escaped() {
        let procs = [
            proc(1, 0, "nginx", &["nginx: worker process"]),
            proc(2, 1, "sh", &["sh", "-c", "echo \x1b[2J"]),
        ];
        let a = judge(&procs, &[]);
        let b = judge(&procs, &[]);
        assert_eq!(a[0].id, b[0].id);
        let Subject::Process(p) = &a[0].subject else {
            panic!("process subject")
        };
        assert_eq!(p.cmdline.as_str(), "sh -c echo \\x1b[2J");
        let all = format!("{:?}", a);
        assert!(!all.contains('\u{1b}'), "{all}");
    }

    #[test]
    fn site_file_errors_name_the_file() {
        let bad = [(
            "site.toml".to_string(),
            "[[peer]]\ncidrs = [\"10.0.0.0/99\"]\nreason = \"x\"\n".to_string(),
        )];
        let e = LivePolicy::load(&bad).err().unwrap().to_string();
        assert!(e.contains("site.toml") && e.contains("10.0.0.0/99"), "{e}");
    }

    #[test]
    fn cidr_matching() {
        let c = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(c.contains("10.1.200.3".parse().unwrap()));
        assert!(!c.contains("10.2.0.1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("1.2.3.4".parse().unwrap()));
        assert!(!Cidr::parse("::1/128")
            .unwrap()
            .contains("127.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
    }
}
