//! `/proc/PID/stat`, `/proc/PID/status`, `/proc/PID/cmdline` and the boot time
//! in `/proc/stat`: pure bytes-in parsers.

/// `PF_KTHREAD` in the `flags` field of `stat`: the task is a kernel thread.
pub const PF_KTHREAD: u32 = 0x0020_0000;

/// The fields of `/proc/PID/stat` that Ferret uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// Process id.
    pub pid: u32,
    /// The short name as the kernel holds it (raw bytes: may hold spaces,
    /// parentheses, newlines and bytes that are not UTF-8).
    pub comm: Vec<u8>,
    /// The state letter (`R`, `S`, `Z`, ...).
    pub state: u8,
    /// Parent process id (0 for the kernel's own roots).
    pub ppid: u32,
    /// The task flags (`PF_*`).
    pub flags: u32,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
}

impl Stat {
    /// Whether the task is a kernel thread.
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & PF_KTHREAD != 0
    }
}

/// Parses `/proc/PID/stat`. The name sits between the first `(` and the
/// *last* `)`, so a name holding `) ` cannot shift the fields after it.
pub fn parse_stat(b: &[u8]) -> Result<Stat, String> {
    let open = memchr(b'(', b).ok_or("no '(' before the name")?;
    let close = b
        .iter()
        .rposition(|&c| c == b')')
        .filter(|&c| c > open)
        .ok_or("no ')' after the name")?;
    let pid = field_u64(&b[..open], "pid")?;
    let comm = b[open + 1..close].to_vec();
    let rest =
        std::str::from_utf8(&b[close + 1..]).map_err(|_| "fields after the name are not text")?;
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    // After the name: state(0) ppid(1) pgrp session tty_nr tpgid flags(6) ... starttime(19).
    if f.len() < 20 {
        return Err(format!(
            "{} fields after the name, expected at least 20",
            f.len()
        ));
    }
    let state = *f[0].as_bytes().first().ok_or("empty state")?;
    Ok(Stat {
        pid: u32::try_from(pid).map_err(|_| "pid out of range")?,
        comm,
        state,
        ppid: num(f[1], "ppid")?,
        flags: num(f[6], "flags")?,
        start_ticks: num(f[19], "starttime")?,
    })
}

/// The real user id from `/proc/PID/status` (`Uid:` real effective saved fs).
pub fn parse_status_uid(b: &[u8]) -> Option<u32> {
    b.split(|&c| c == b'\n')
        .find_map(|l| l.strip_prefix(b"Uid:"))
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.split_ascii_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The arguments of `/proc/PID/cmdline` (NUL-separated; a trailing NUL ends
/// the last one). A process that rewrote its title into one string gives one
/// argument; a kernel thread gives none.
pub fn parse_cmdline(b: &[u8]) -> Vec<Vec<u8>> {
    let b = b.strip_suffix(b"\0").unwrap_or(b);
    if b.is_empty() {
        return Vec::new();
    }
    b.split(|&c| c == 0).map(<[u8]>::to_vec).collect()
}

/// The boot time (`btime`, seconds after the epoch) from `/proc/stat`.
pub fn parse_btime(b: &[u8]) -> Option<i64> {
    b.split(|&c| c == b'\n')
        .find_map(|l| l.strip_prefix(b"btime "))
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.trim().parse().ok())
}

fn memchr(needle: u8, b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == needle)
}

fn field_u64(b: &[u8], what: &str) -> Result<u64, String> {
    let s = std::str::from_utf8(b).map_err(|_| format!("{what} is not text"))?;
    num(s.trim(), what)
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{what} {s:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_with_parentheses_spaces_and_newline() {
        let mut line =
            b"42 (a) b\n(c) ) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0 0".to_vec();
        line.push(b'\n');
        let s = parse_stat(&line).unwrap();
        assert_eq!(s.pid, 42);
        assert_eq!(s.comm, b"a) b\n(c) ");
        assert_eq!((s.state, s.ppid, s.start_ticks), (b'S', 7, 12345));
        assert!(!s.is_kernel_thread());
    }

    #[test]
    fn kernel_thread_flag() {
        let s = parse_stat(b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0")
            .unwrap();
        assert!(s.is_kernel_thread());
    }

    #[test]
    fn truncated_stat_is_an_error() {
        assert!(parse_stat(b"1 (init) S 0").is_err());
        assert!(parse_stat(b"1 init S 0").is_err());
        assert!(parse_stat(b"x (init) S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 3").is_err());
    }

    #[test]
    fn status_cmdline_btime() {
        assert_eq!(
            parse_status_uid(b"Name:\tx\nUid:\t33\t33\t33\t33\n"),
            Some(33)
        );
        assert_eq!(parse_status_uid(b"Name:\tx\n"), None);
        assert_eq!(
            parse_cmdline(b"sh\0-c\0id\0"),
            vec![b"sh".to_vec(), b"-c".to_vec(), b"id".to_vec()]
        );
        assert!(parse_cmdline(b"").is_empty());
        assert_eq!(
            parse_btime(b"cpu 1 2\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
    }
}
