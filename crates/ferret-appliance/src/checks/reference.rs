//! Files whose content differs from the user's reference list (`modified`).

use super::Ctx;
use crate::findings::Hit;
use ferret_core::Severity;
use std::path::Path;

/// Files above this size are not compared (an error says so).
const CAP: u64 = 1024 * 1024 * 1024;

const WHY: &str = "The file differs from the reference taken over a clean image of the same version; advisories for this product report stock files modified to hide a web shell or a credential stealer";

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let Some(reference) = ctx.reference else {
        return;
    };
    let profile = ctx.profile;
    for (rel, expected) in reference.iter() {
        let full = ctx.root.join(rel);
        let replaced = match std::fs::symlink_metadata(&full) {
            Ok(m) if m.is_file() => false,
            Ok(_) => true,
            Err(_) => continue,
        };
        if replaced {
            // A listed file that is now a symlink, folder or device.
            ctx.push(Hit::plain(
                &profile.name,
                "modified",
                rel,
                "Stock file replaced by something that is not a regular file".into(),
                Severity::High,
                WHY,
            ));
            continue;
        }
        let actual = match crate::walk::sha256_file(&full, CAP) {
            Ok(Some(h)) => h,
            Ok(None) => {
                ctx.errors.push(format!(
                    "{}: larger than {} MiB; not compared with the reference",
                    ferret_core::Escaped::from_path(&full),
                    CAP >> 20
                ));
                continue;
            }
            Err(e) => {
                ctx.errors
                    .push(crate::walk::item_error(&full, "cannot hash", &e));
                continue;
            }
        };
        if actual == expected {
            continue;
        }
        // A file in a served folder takes that folder's technique and advisory.
        let served = profile.served.iter().find(|s| in_pattern(rel, &s.entry));
        let what = format!("Stock file modified: SHA-256 differs from the reference ({expected})");
        let hit = match served {
            Some(s) => {
                let mut h = Hit::from_entry(&profile.name, "modified", rel, &s.entry, what);
                h.severity = h.severity.max(Severity::High);
                h.why = WHY;
                h
            }
            None => Hit::plain(&profile.name, "modified", rel, what, Severity::High, WHY),
        };
        ctx.push(hit);
    }
}

/// Whether `rel` lies in a folder matching the entry's pattern.
fn in_pattern(rel: &Path, entry: &crate::profile::Entry) -> bool {
    rel.ancestors().skip(1).any(|a| entry.glob.is_match(a))
}
