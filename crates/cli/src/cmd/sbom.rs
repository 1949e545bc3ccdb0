//! `plinth sbom IMAGE`: what is installed, as a table, JSON, CycloneDX or SPDX.

use std::path::PathBuf;
use std::process::ExitCode;

use plinth_sbom::format::{self, CycloneDxVersion, Options};

use crate::exit::{self, Classify, CmdResult};
use crate::open::{self, ImageOpts, TreeOpts};
use crate::output::write_to;

#[derive(clap::Args)]
pub struct Args {
    /// The image: docker-archive:, oci-dir:, oci-archive:, dir:, registry: or a path.
    image: String,
    #[command(flatten)]
    opts: ImageOpts,
    #[command(flatten)]
    tree: TreeOpts,
    /// Output format. CycloneDX is written as spec 1.6 unless `cyclonedx-json@1.5` is asked
    /// for (Syft's spelling); creation times honour SOURCE_DATE_EPOCH.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the SBOM to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// NAME, VERSION, TYPE, LAYER columns.
    Table,
    /// plinth's inventory JSON (packages, layers, OS, warnings).
    Json,
    /// CycloneDX 1.6 JSON.
    #[value(name = "cyclonedx-json", alias = "cyclonedx-json@1.6")]
    CycloneDx,
    /// CycloneDX 1.5 JSON, for consumers that do not read 1.6 yet.
    #[value(name = "cyclonedx-json@1.5")]
    CycloneDx15,
    /// SPDX 2.3 JSON.
    #[value(name = "spdx-json", alias = "spdx-json@2.3")]
    Spdx,
}

pub fn run(args: Args) -> CmdResult {
    let options = Options::from_env()
        .map_err(anyhow::Error::msg)
        .code(exit::USAGE)?;
    let image = args.tree.apply(open::open(&args.image, &args.opts)?);
    let mut inventory = plinth_sbom::inventory(&image).map_err(open::classify)?;
    args.tree.filter(&mut inventory);
    // Table output already prints warnings; the others carry them in the document, and the
    // user still hears about them here.
    if args.format != Format::Table {
        for w in &inventory.warnings {
            eprintln!(
                "plinth: warning: {}: {}: {}",
                w.cataloger, w.path, w.message
            );
        }
    }
    write_to(args.output.as_deref(), |out| match args.format {
        Format::Table => format::table(&inventory, out),
        Format::Json => format::json(&inventory, out),
        Format::CycloneDx => {
            format::cyclonedx_json(&inventory, CycloneDxVersion::V1_6, &options, out)
        }
        Format::CycloneDx15 => {
            format::cyclonedx_json(&inventory, CycloneDxVersion::V1_5, &options, out)
        }
        Format::Spdx => format::spdx_json(&inventory, &options, out),
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}
