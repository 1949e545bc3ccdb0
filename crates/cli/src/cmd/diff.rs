//! `plinth diff OLD NEW`: packages added, removed, upgraded and downgraded, vulnerabilities
//! fixed and introduced (with a database), size per layer and in total.

use std::path::PathBuf;
use std::process::ExitCode;

use plinth_advise::diff;

use crate::cmd::advise::{FactOpts, gather_all};
use crate::exit::{self, Classify, CmdResult};
use crate::open::ImageOpts;
use crate::output::write_to;

#[derive(clap::Args)]
pub struct Args {
    /// The image before.
    old: String,
    /// The image after.
    new: String,
    #[command(flatten)]
    opts: ImageOpts,
    #[command(flatten)]
    facts: FactOpts,
    /// Output format; markdown suits a pull-request comment.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Markdown,
}

pub fn run(args: Args) -> CmdResult {
    let gathered = gather_all(
        &[args.old.clone(), args.new.clone()],
        &args.opts,
        &args.facts,
    )?;
    let d = diff::diff(&gathered[0], &gathered[1]);
    write_to(args.output.as_deref(), |out| match args.format {
        Format::Text => diff::text(&d, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &d)?;
            writeln!(out)
        }
        Format::Markdown => diff::markdown(&d, out),
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}
