//! `ferret baseline` (being built).

use super::Outcome;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct BaselineArgs {}

pub fn exec(_args: BaselineArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("ferret baseline is not built yet")
}
