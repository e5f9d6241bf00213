//! A bounded walk below a root that never follows symbolic links: how the
//! checks find error logs and upload directories.

use std::ffi::OsStr;
use std::fs::FileType;
use std::path::{Path, PathBuf};

/// Walks `root` depth-first, at most `max_depth` levels and `max_entries`
/// entries, calling `visit(path, type, name, depth)` for each entry (`depth`
/// is 0 for the root's children). A directory is entered when `visit`
/// returns true. Unreadable directories are skipped. Returns false when the
/// entry cap cut the walk short.
pub fn walk(
    root: &Path,
    max_depth: usize,
    max_entries: usize,
    mut visit: impl FnMut(&Path, &FileType, &OsStr, usize) -> bool,
) -> bool {
    let mut stack: Vec<(PathBuf, usize)> = vec![(root.to_path_buf(), 0)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            seen += 1;
            if seen > max_entries {
                return false;
            }
            let Ok(ft) = e.file_type() else { continue };
            let p = e.path();
            if visit(&p, &ft, &e.file_name(), depth) && ft.is_dir() && depth + 1 < max_depth {
                stack.push((p, depth + 1));
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_depth_and_entries_and_never_follows_links() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a/b/c")).unwrap();
        std::fs::write(d.path().join("a/b/c/deep.txt"), "x").unwrap();
        std::os::unix::fs::symlink(d.path(), d.path().join("a/loop")).unwrap();
        let mut names = Vec::new();
        assert!(walk(d.path(), 2, 100, |_, _, n, _| {
            names.push(n.to_string_lossy().into_owned());
            true
        }));
        names.sort();
        assert_eq!(names, ["a", "b", "loop"]);
        assert!(!walk(d.path(), 10, 2, |_, _, _, _| true));
    }
}
