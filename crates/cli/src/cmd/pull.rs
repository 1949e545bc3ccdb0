//! `plinth pull REF -o PATH`: save a registry image as an OCI layout (a directory, or a tar
//! when PATH ends in .tar) to carry across an air gap and read back with `oci-dir:` or
//! `oci-archive:`.

use std::path::PathBuf;
use std::process::ExitCode;

use plinth_image::reference::{Location, Reference};
use plinth_registry::SaveError;

use crate::exit::{self, CmdResult, Failure};
use crate::open::{self, ImageOpts};
use crate::render::bytes;

#[derive(clap::Args)]
pub struct Args {
    /// The image in a registry: [registry:]NAME[:TAG][@sha256:DIGEST], e.g. alpine:3.20.
    image: String,
    /// Where to save it: a directory (OCI layout), or a file ending in .tar (OCI layout tar).
    #[arg(short, long, value_name = "PATH")]
    output: PathBuf,
    /// Keep every platform of a multi-platform image (the whole index), not just one.
    #[arg(long, conflicts_with = "platform")]
    all_platforms: bool,
    #[command(flatten)]
    opts: ImageOpts,
}

pub fn run(args: Args) -> CmdResult {
    let platform = args.opts.platform()?;
    let reference = match Reference::parse(&args.image)
        .map_err(open::classify)?
        .location
    {
        Location::Registry(r) => r,
        _ => {
            return Err(Failure::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "{}: plinth pull takes a registry reference, not a local image",
                    args.image
                ),
            ));
        }
    };
    let opts = args.opts.registry()?;
    let saved = plinth_registry::pull(
        &reference,
        platform.as_ref(),
        args.all_platforms,
        &args.output,
        &opts,
    )
    .map_err(|e| match e {
        SaveError::Source(e) => open::classify_remote(e),
        e => Failure::new(exit::OUTPUT, e),
    })?;
    let kind = if saved.tar { "oci-archive" } else { "oci-dir" };
    let platforms = if saved.platforms.is_empty() {
        String::new()
    } else {
        format!(" ({})", saved.platforms.join(", "))
    };
    println!(
        "saved {}{platforms} to {kind}:{}",
        saved.reference,
        args.output.display()
    );
    println!(
        "  digest {}, {} blobs, {}",
        saved.digest,
        saved.blobs,
        bytes(saved.bytes)
    );
    Ok(ExitCode::SUCCESS)
}
