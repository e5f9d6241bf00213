//! Live database catalogs, read-only: every object a server could be made to
//! run (functions, triggers, modules, settings, privileged roles), observed
//! as [`DbObject`]s. Sources never judge: what is dangerous is decided in
//! `ferret-detect`'s `db_policy`.

pub mod mysql;
pub mod postgres;
pub mod redis;
mod url;

pub use ferret_core::{DbObject, Engine, ObjectKind, MAX_DEFINITION};
pub use url::DbUrl;

/// Cuts `b` to [`MAX_DEFINITION`] bytes.
pub(crate) fn bounded(mut b: Vec<u8>) -> Vec<u8> {
    b.truncate(MAX_DEFINITION);
    b
}
