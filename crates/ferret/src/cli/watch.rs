//! `ferret watch` (being built).

use super::Outcome;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {}

pub fn exec(_args: WatchArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("ferret watch is not built yet")
}
