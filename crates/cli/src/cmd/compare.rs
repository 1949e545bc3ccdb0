//! `plinth compare IMAGE…`: facts side by side, one column per image (`-f json`: an array of
//! facts objects).

use std::path::PathBuf;
use std::process::ExitCode;

use plinth_advise::{Facts, compare};

use crate::cmd::advise::{FactOpts, gather_all};
use crate::exit::{self, Classify, CmdResult};
use crate::open::ImageOpts;
use crate::output::write_to;

#[derive(clap::Args)]
pub struct Args {
    /// Images to compare (docker-archive:, oci-dir:, oci-archive:, dir:, registry: or paths).
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
    #[command(flatten)]
    opts: ImageOpts,
    #[command(flatten)]
    facts: FactOpts,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

pub fn run(args: Args) -> CmdResult {
    let gathered = gather_all(&args.images, &args.opts, &args.facts)?;
    let facts: Vec<Facts> = gathered.into_iter().map(|g| g.facts).collect();
    write_to(args.output.as_deref(), |out| match args.format {
        Format::Table => compare::table(&facts, out),
        Format::Json => compare::json(&facts, out),
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}
