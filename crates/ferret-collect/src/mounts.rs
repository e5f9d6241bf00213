//! Pseudo file systems (proc, sysfs, cgroup, ...) that a scan of `/` must skip:
//! reading them is slow, can block, and finds nothing on disk.

use std::collections::HashSet;
use std::path::PathBuf;

/// File-system types that hold no files an attacker left on disk.
const PSEUDO_TYPES: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "mqueue",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "efivarfs",
    "rpc_pipefs",
    "nsfs",
    "selinuxfs",
];

/// The mount points of pseudo file systems on this host, from
/// `/proc/self/mountinfo`. Empty where that file does not exist.
pub fn pseudo_mount_points() -> HashSet<PathBuf> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|s| parse_mountinfo(&s))
        .unwrap_or_default()
}

/// Parses mountinfo lines: field 5 is the mount point (octal-escaped), the
/// field after ` - ` is the file-system type.
pub fn parse_mountinfo(text: &str) -> HashSet<PathBuf> {
    let mut out = HashSet::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let Some(mount_point) = left.split(' ').nth(4) else {
            continue;
        };
        let Some(fstype) = right.split(' ').next() else {
            continue;
        };
        if PSEUDO_TYPES.contains(&fstype) {
            out.insert(PathBuf::from(unescape_octal(mount_point)));
        }
    }
    out
}

fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() {
            let oct = &b[i + 1..i + 4];
            if oct.iter().all(|c| (b'0'..=b'7').contains(c)) {
                out.push((oct[0] - b'0') * 64 + (oct[1] - b'0') * 8 + (oct[2] - b'0'));
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_pseudo_mounts() {
        let text = "22 1 0:21 / /proc rw,nosuid - proc proc rw\n\
                    23 1 0:22 / /sys rw - sysfs sysfs rw\n\
                    24 1 8:1 / / rw - ext4 /dev/sda1 rw\n\
                    25 1 0:23 / /mnt/a\\040b rw - cgroup2 cgroup2 rw\n\
                    garbage line\n";
        let m = parse_mountinfo(text);
        assert!(m.contains(&PathBuf::from("/proc")));
        assert!(m.contains(&PathBuf::from("/sys")));
        assert!(m.contains(&PathBuf::from("/mnt/a b")));
        assert!(!m.contains(&PathBuf::from("/")));
    }
}
