//! `plinth vercmp`: not built yet.

use crate::exit::{self, CmdResult, Failure};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err(Failure::new(exit::USAGE, anyhow::anyhow!("plinth vercmp is not built yet")))
}
