//! `ferret posture` (being built).

use super::Outcome;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct PostureArgs {}

pub fn exec(_args: PostureArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("ferret posture is not built yet")
}
