//! Set-uid and set-gid files in folders where the product keeps none (`setuid`).

use super::Ctx;
use crate::findings::Hit;
use std::os::unix::fs::PermissionsExt;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let profile = ctx.profile;
    for e in &profile.setuid {
        for dir in ctx.expand(e) {
            if !dir.meta.is_dir() {
                continue;
            }
            for it in crate::walk::walk(ctx.root, &dir.rel, &mut ctx.errors) {
                let mode = it.meta.permissions().mode();
                if it.meta.is_dir() || it.meta.file_type().is_symlink() || mode & 0o6000 == 0 {
                    continue;
                }
                let what = format!(
                    "Set-{} file (mode {:o})",
                    if mode & 0o4000 != 0 { "uid" } else { "gid" },
                    mode & 0o7777
                );
                let mut hit = Hit::from_entry(&profile.name, "setuid", &it.rel, e, what);
                hit.confidence = 0.8;
                ctx.push(hit);
            }
        }
    }
}
