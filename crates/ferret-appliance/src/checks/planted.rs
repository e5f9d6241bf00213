//! Files at paths an advisory reports planted or modified (`planted`).

use super::Ctx;
use crate::findings::Hit;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let profile = ctx.profile;
    for e in &profile.planted {
        for it in ctx.expand(e) {
            if it.meta.is_dir() {
                continue;
            }
            let what = "File at a path an advisory reports planted".to_string();
            let mut hit = Hit::from_entry(&profile.name, "planted", &it.rel, e, what);
            hit.confidence = 0.7;
            ctx.push(hit);
        }
    }
}
