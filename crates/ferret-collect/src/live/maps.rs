//! `/proc/PID/maps` lines and `/proc/PID/exe` link targets: what backs each
//! mapping (a file, a deleted file, a `memfd:` object, anonymous memory).

/// What backs a mapping or names an executable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Backing {
    /// Anonymous memory.
    Anonymous,
    /// A kernel-named region: `[heap]`, `[stack]`, `[vdso]`, ...
    Special(Vec<u8>),
    /// A file on disk, as the kernel names it (newlines appear as `\012`).
    File(Vec<u8>),
    /// A file that was deleted while mapped (` (deleted)` removed).
    Deleted(Vec<u8>),
    /// An anonymous `memfd_create` file: its name without `/memfd:` and ` (deleted)`.
    Memfd(Vec<u8>),
}

const DELETED: &[u8] = b" (deleted)";

impl Backing {
    /// Classifies a path as the kernel prints it in `maps` or returns it from
    /// the `exe` link.
    pub fn from_kernel_path(p: &[u8]) -> Backing {
        if p.is_empty() {
            return Backing::Anonymous;
        }
        if p.starts_with(b"[") {
            return Backing::Special(p.to_vec());
        }
        let (name, deleted) = match p.strip_suffix(DELETED) {
            Some(n) => (n, true),
            None => (p, false),
        };
        if let Some(m) = name.strip_prefix(b"/memfd:") {
            return Backing::Memfd(m.to_vec());
        }
        if deleted {
            Backing::Deleted(name.to_vec())
        } else {
            Backing::File(name.to_vec())
        }
    }

    /// The path as the kernel showed it (` (deleted)` and `/memfd:` restored).
    pub fn kernel_path(&self) -> Vec<u8> {
        match self {
            Backing::Anonymous => Vec::new(),
            Backing::Special(p) | Backing::File(p) => p.clone(),
            Backing::Deleted(p) => [p.as_slice(), DELETED].concat(),
            Backing::Memfd(n) => [b"/memfd:".as_slice(), n, DELETED].concat(),
        }
    }
}

/// Access rights of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Perms {
    /// `r`.
    pub read: bool,
    /// `w`.
    pub write: bool,
    /// `x`.
    pub exec: bool,
    /// `s` (shared) rather than `p` (private).
    pub shared: bool,
}

/// One line of `/proc/PID/maps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: u64,
    /// End address (exclusive).
    pub end: u64,
    /// Access rights.
    pub perms: Perms,
    /// Offset into the backing file.
    pub offset: u64,
    /// Inode of the backing file (0 when anonymous).
    pub inode: u64,
    /// What backs it.
    pub backing: Backing,
}

/// Parses one `maps` line: `start-end perms offset dev inode [path]`. The
/// path is everything after the inode and its padding, spaces included.
pub fn parse_maps_line(line: &[u8]) -> Result<Mapping, String> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let mut rest = line;
    let mut fields: [&[u8]; 5] = [&[]; 5];
    for f in fields.iter_mut() {
        rest = trim_start(rest);
        let end = rest.iter().position(|&c| c == b' ').unwrap_or(rest.len());
        *f = &rest[..end];
        rest = &rest[end..];
    }
    let [range, perms, offset, _dev, inode] = fields;
    let text = |b: &[u8], what: &str| {
        std::str::from_utf8(b)
            .ok()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("missing or bad {what}"))
    };
    let range = text(range, "address range")?;
    let (s, e) = range.split_once('-').ok_or("address range without '-'")?;
    let hex = |s: &str, what: &str| {
        u64::from_str_radix(s, 16).map_err(|_| format!("{what} {s:?} is not hex"))
    };
    let p = perms;
    if p.len() != 4 {
        return Err(format!(
            "permissions {:?} are not 4 letters",
            String::from_utf8_lossy(p)
        ));
    }
    Ok(Mapping {
        start: hex(s, "start")?,
        end: hex(e, "end")?,
        perms: Perms {
            read: p[0] == b'r',
            write: p[1] == b'w',
            exec: p[2] == b'x',
            shared: p[3] == b's',
        },
        offset: hex(&text(offset, "offset")?, "offset")?,
        inode: text(inode, "inode")?
            .parse()
            .map_err(|_| "inode is not a number")?,
        backing: Backing::from_kernel_path(trim_start(rest)),
    })
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ').count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_deleted_memfd_anonymous() {
        let m = parse_maps_line(
            b"7f00-7f10 r-xp 00001000 08:01 1234                       /usr/lib/x.so\n",
        )
        .unwrap();
        assert_eq!(
            (m.start, m.end, m.offset, m.inode),
            (0x7f00, 0x7f10, 0x1000, 1234)
        );
        assert!(m.perms.exec && m.perms.read && !m.perms.write && !m.perms.shared);
        assert_eq!(m.backing, Backing::File(b"/usr/lib/x.so".to_vec()));
        let d = parse_maps_line(b"1-2 r-xp 0 08:01 5 /tmp/a b.so (deleted)").unwrap();
        assert_eq!(d.backing, Backing::Deleted(b"/tmp/a b.so".to_vec()));
        let f = parse_maps_line(b"1-2 r-xs 0 00:01 9 /memfd:x (deleted)").unwrap();
        assert_eq!(f.backing, Backing::Memfd(b"x".to_vec()));
        assert_eq!(f.backing.kernel_path(), b"/memfd:x (deleted)");
        let a = parse_maps_line(b"1-2 rw-p 0 00:00 0 ").unwrap();
        assert_eq!(a.backing, Backing::Anonymous);
        let h = parse_maps_line(b"1-2 rw-p 0 00:00 0   [heap]").unwrap();
        assert_eq!(h.backing, Backing::Special(b"[heap]".to_vec()));
    }

    #[test]
    fn junk_is_an_error() {
        assert!(parse_maps_line(b"").is_err());
        assert!(parse_maps_line(b"zz-1 r-xp 0 0 0 /x").is_err());
        assert!(parse_maps_line(b"1-2 rx 0 0 0 /x").is_err());
    }
}
