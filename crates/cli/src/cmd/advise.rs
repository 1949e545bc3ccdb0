//! `plinth advise`: not built yet.

use crate::exit::{self, CmdResult, Failure};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err(Failure::new(exit::USAGE, anyhow::anyhow!("plinth advise is not built yet")))
}
