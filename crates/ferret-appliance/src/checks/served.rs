//! Scripts in served folders the product does not ship (`unshipped_script`),
//! or, with a reference, that the reference does not list (`not_in_reference`).

use super::{executes, Ctx};
use crate::findings::Hit;
use ferret_core::Escaped;
use std::path::PathBuf;

pub(crate) fn check(ctx: &mut Ctx<'_>) -> Vec<PathBuf> {
    let profile = ctx.profile;
    let mut folders = Vec::new();
    for s in &profile.served {
        for dir in ctx.expand(&s.entry) {
            if !dir.meta.is_dir() {
                continue;
            }
            folders.push(ctx.root.join(&dir.rel));
            let items = crate::walk::walk(ctx.root, &dir.rel, &mut ctx.errors);
            for it in items {
                if !it.meta.is_file() || !executes(&it.rel, &s.execute) {
                    continue;
                }
                let name = it.rel.file_name().unwrap_or_default();
                let (check, what, confidence) = match ctx.reference {
                    Some(r) => {
                        if r.get(&it.rel).is_some() {
                            continue;
                        }
                        (
                            "not_in_reference",
                            "Script the reference does not list, in a served folder",
                            0.85,
                        )
                    }
                    None => {
                        if s.shipped.is_match(name) {
                            continue;
                        }
                        (
                            "unshipped_script",
                            "Script the product does not ship, in a served folder",
                            0.75,
                        )
                    }
                };
                let what = format!(
                    "{what} {} ({} executes it)",
                    Escaped::from_path(&dir.rel),
                    s.execute.join("/")
                );
                let mut hit = Hit::from_entry(&profile.name, check, &it.rel, &s.entry, what);
                hit.confidence = confidence;
                ctx.push(hit);
            }
        }
    }
    folders.sort();
    folders.dedup();
    folders
}
