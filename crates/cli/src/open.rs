//! Turning the IMAGE argument into an image: local sources through plinth-image, registry
//! references through plinth-registry.

use plinth_image::reference::{Location, Reference};
use plinth_image::spec::Platform;
use plinth_image::{Error, Image};

use crate::exit::{self, Failure};

/// Options every image-reading command shares.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ImageOpts {
    /// Platform to pick from a multi-platform image: os/arch[/variant] (default: this machine's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
}

impl ImageOpts {
    pub fn platform(&self) -> Result<Option<Platform>, Failure> {
        self.platform
            .as_deref()
            .map(|p| {
                Platform::parse(p).ok_or_else(|| {
                    Failure::new(
                        exit::USAGE,
                        anyhow::anyhow!("--platform {p:?}: expected os/arch[/variant]"),
                    )
                })
            })
            .transpose()
    }
}

/// Opens IMAGE, classifying failures by exit code.
pub fn open(reference: &str, opts: &ImageOpts) -> Result<Image, Failure> {
    let platform = opts.platform()?;
    let parsed = Reference::parse(reference).map_err(classify)?;
    match &parsed.location {
        Location::Registry(r) => Err(Failure::new(
            exit::NETWORK,
            anyhow::anyhow!("{r}: registry references are not supported in this build"),
        )),
        _ => parsed.open_local(platform.as_ref()).map_err(classify),
    }
}

/// Maps a library error to its exit code.
pub fn classify(e: Error) -> Failure {
    let code = match e {
        Error::Network { .. } => exit::NETWORK,
        _ => exit::INPUT,
    };
    Failure::new(code, e)
}
