//! Recognising an appliance layout by its profile's marker files.

use crate::profile::{path_glob, Profile};
use crate::walk::expand;
use std::path::Path;

/// Whether every path of at least one marker group exists under `root`
/// (symlinks count as existing; none is followed).
pub fn recognised(root: &Path, profile: &Profile, errors: &mut Vec<String>) -> bool {
    profile.markers.iter().any(|group| {
        group.iter().all(|m| match path_glob(m) {
            Ok(g) => !expand(root, m, &g, errors).is_empty(),
            Err(_) => false,
        })
    })
}
