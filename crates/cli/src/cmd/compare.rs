//! `plinth compare`: not built yet.

use crate::exit::{self, CmdResult, Failure};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> CmdResult {
    Err(Failure::new(exit::USAGE, anyhow::anyhow!("plinth compare is not built yet")))
}
