//! `plinth sbom IMAGE`: what is installed, as a table, JSON, CycloneDX or SPDX.

use std::path::PathBuf;
use std::process::ExitCode;

use plinth_sbom::format;

use crate::exit::{self, CmdResult, Classify};
use crate::open::{self, ImageOpts};
use crate::output::write_to;

#[derive(clap::Args)]
pub struct Args {
    /// The image: docker-archive:, oci-dir:, oci-archive:, dir:, registry: or a path.
    image: String,
    #[command(flatten)]
    opts: ImageOpts,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the SBOM to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

pub fn run(args: Args) -> CmdResult {
    let image = open::open(&args.image, &args.opts)?;
    let inventory = plinth_sbom::inventory(&image).map_err(open::classify)?;
    write_to(args.output.as_deref(), |out| match args.format {
        Format::Table => format::table(&inventory, out),
        Format::Json => format::json(&inventory, out),
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}
