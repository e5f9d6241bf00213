//! Symlinks whose target leaves their folder (`symlink_out`). Targets are
//! resolved lexically against the root (absolute targets are root-relative),
//! never followed: a dangling or looping target that leaves still counts.

use super::Ctx;
use crate::findings::Hit;
use ferret_core::Escaped;
use std::path::{Component, Path, PathBuf};

/// Where a link at `link` (relative to the root) points, relative to the
/// root; `None` when the target climbs above the root.
pub(crate) fn resolve(link: &Path, target: &Path) -> Option<PathBuf> {
    let mut parts: Vec<std::ffi::OsString> = if target.has_root() {
        Vec::new()
    } else {
        link.parent()
            .map(|p| p.iter().map(|c| c.to_os_string()).collect())
            .unwrap_or_default()
    };
    for c in target.components() {
        match c {
            Component::Normal(n) => parts.push(n.to_os_string()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Some(parts.iter().collect())
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let profile = ctx.profile;
    for e in &profile.symlinks {
        for dir in ctx.expand(e) {
            if !dir.meta.is_dir() {
                continue;
            }
            for it in crate::walk::walk(ctx.root, &dir.rel, &mut ctx.errors) {
                if !it.meta.file_type().is_symlink() {
                    continue;
                }
                let full = ctx.root.join(&it.rel);
                let target = match std::fs::read_link(&full) {
                    Ok(t) => t,
                    Err(err) => {
                        ctx.errors
                            .push(crate::walk::item_error(&full, "cannot read link", &err));
                        continue;
                    }
                };
                let leaves = match resolve(&it.rel, &target) {
                    None => true,
                    Some(r) => !r.starts_with(&dir.rel) || r == dir.rel,
                };
                if !leaves {
                    continue;
                }
                let what = format!(
                    "Symlink leaving {} (target {})",
                    Escaped::from_path(&dir.rel),
                    Escaped::from_path(&target)
                );
                let mut hit = Hit::from_entry(&profile.name, "symlink_out", &it.rel, e, what);
                hit.excerpt = Some(Escaped::from_path(&target));
                hit.confidence = 0.85;
                ctx.push(hit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;
    use std::path::{Path, PathBuf};

    #[test]
    fn resolves_lexically_against_the_root() {
        let l = Path::new("data/lang/custom/x");
        assert_eq!(
            resolve(l, Path::new("y")),
            Some(PathBuf::from("data/lang/custom/y"))
        );
        assert_eq!(
            resolve(l, Path::new("../../../etc")),
            Some(PathBuf::from("etc"))
        );
        assert_eq!(resolve(l, Path::new("/")), Some(PathBuf::new()));
        assert_eq!(resolve(l, Path::new("../../../../../..")), None);
    }
}
