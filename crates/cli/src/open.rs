//! Turning the IMAGE argument into an image: local sources through plinth-image, registry
//! references through plinth-registry.

use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use plinth_image::reference::{Location, Reference};
use plinth_image::spec::Platform;
use plinth_image::{BaseLookup, Error, Image};
use plinth_registry::{Credentials, ImageRef, Registry, TransferError};

use crate::exit::{self, Failure};

/// Options every image-reading command shares.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ImageOpts {
    /// Platform to pick from a multi-platform image: os/arch[/variant] (default: this machine's).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Registry username (the password comes from --password-stdin); default: Docker's
    /// config.json and credential helpers.
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password or token from standard input.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Allow plain HTTP to the registry if it does not answer HTTPS (always allowed for
    /// localhost and 127.0.0.0/8).
    #[arg(long)]
    pub insecure: bool,
    /// Also trust the CA certificates in this PEM file (repeatable; SSL_CERT_FILE is read too).
    #[arg(long = "ca-cert", value_name = "PEM")]
    pub ca_certs: Vec<PathBuf>,
    /// Give up on a registry that sends nothing for this long, in seconds (default 30).
    #[arg(long, value_name = "SECONDS", env = "PLINTH_REGISTRY_TIMEOUT")]
    pub timeout: Option<f64>,
    /// Fetch nothing beyond the image itself: not the base image's manifest from the registry
    /// its annotations name; `scan` also uses its database as it is (a missing one is an error).
    #[arg(long)]
    pub offline: bool,
}

/// What a `dir:` walk leaves out, with Trivy's names (shared by the SBOM, vulnerability and
/// secret scanners).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SkipOpts {
    /// Directories a `dir:` walk leaves out: globs relative to the root, `**` crossing
    /// directories (e.g. `**/testdata`). Repeatable or comma-separated. Inside a git work
    /// tree, what .gitignore files ignore is left out too (not for secrets: ignored files are
    /// where secrets live).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub skip_dirs: Vec<String>,
    /// Files a `dir:` walk leaves out, as globs like --skip-dirs.
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub skip_files: Vec<String>,
}

/// Options for source trees (`dir:` targets), with Trivy's names.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TreeOpts {
    #[command(flatten)]
    pub skips: SkipOpts,
    /// Leave out packages a lockfile marks as development-only (Trivy leaves them out
    /// unless given --include-dev-deps).
    #[arg(long)]
    pub exclude_dev: bool,
}

impl TreeOpts {
    /// The image with the skips applied (they only change directory walks).
    pub fn apply(&self, image: Image) -> Image {
        image.with_skips(plinth_image::Skips::new(
            &self.skips.skip_dirs,
            &self.skips.skip_files,
        ))
    }

    /// The inventory as the options ask for it.
    pub fn filter(&self, inventory: &mut plinth_sbom::Inventory) {
        if self.exclude_dev {
            inventory.exclude_dev();
        }
    }
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

    /// The registry client's settings from the flags.
    pub fn registry(&self) -> Result<plinth_registry::Options, Failure> {
        let mut opts = plinth_registry::Options {
            insecure: self.insecure,
            ca_certs: self.ca_certs.clone(),
            ..plinth_registry::Options::default()
        };
        if let Some(secs) = self.timeout {
            if !(secs.is_finite() && secs > 0.0) {
                return Err(Failure::new(
                    exit::USAGE,
                    anyhow::anyhow!("--timeout {secs}: expected a positive number of seconds"),
                ));
            }
            opts.timeout = Duration::from_secs_f64(secs);
        }
        if let Some(user) = &self.username {
            opts.credentials = Some(Credentials::new(user, password_from_stdin()?));
        }
        Ok(opts)
    }
}

/// Reads the password once (commands that open two images ask twice), without its newline.
fn password_from_stdin() -> Result<String, Failure> {
    static PASSWORD: OnceLock<Result<String, String>> = OnceLock::new();
    let read = PASSWORD.get_or_init(|| {
        let mut s = String::new();
        std::io::stdin()
            .take(64 << 10)
            .read_to_string(&mut s)
            .map_err(|e| format!("--password-stdin: reading standard input: {e}"))?;
        let trimmed = s.trim_end_matches(['\n', '\r']).to_string();
        if trimmed.is_empty() {
            return Err("--password-stdin: standard input is empty".into());
        }
        Ok(trimmed)
    });
    read.clone()
        .map_err(|e| Failure::new(exit::USAGE, anyhow::anyhow!(e)))
}

/// The layer cache every image of this run walks through, from the global flags.
static CACHE: OnceLock<Option<Arc<plinth_cache::Cache>>> = OnceLock::new();

/// Opens the cache the global flags name, for every image [`open`] opens afterwards.
pub fn use_cache(opts: &crate::cmd::cache::CacheOpts) -> Result<(), Failure> {
    let cache = opts.open()?;
    let _ = CACHE.set(cache);
    Ok(())
}

/// The layer cache the global flags opened (`None` with --no-cache), for `plinth server`,
/// which opens its images itself.
pub fn layer_cache() -> Option<Arc<plinth_cache::Cache>> {
    CACHE.get().cloned().flatten()
}

/// Opens IMAGE, classifying failures by exit code; its layer walks go through the cache, and
/// its base's manifest is read from the base's registry when the image's source lacks it.
pub fn open(reference: &str, opts: &ImageOpts) -> Result<Image, Failure> {
    let (image, registry) = open_uncached(reference, opts)?;
    let image = match base_lookup(&image, registry.as_ref(), opts) {
        Some(lookup) => image.with_base_lookup(lookup),
        None => image,
    };
    Ok(match CACHE.get() {
        Some(Some(cache)) => image.with_cache(cache.clone()),
        _ => image,
    })
}

/// The image, and its registry reference when it came from one.
fn open_uncached(reference: &str, opts: &ImageOpts) -> Result<(Image, Option<ImageRef>), Failure> {
    let platform = opts.platform()?;
    let parsed = Reference::parse(reference).map_err(classify)?;
    match &parsed.location {
        Location::Registry(r) => {
            let image = open_registry(r, platform.as_ref(), &opts.registry()?)?;
            Ok((image, ImageRef::parse(r).ok()))
        }
        _ => {
            let image = parsed.open_local(platform.as_ref()).map_err(classify)?;
            if let Some(note) = image.note() {
                eprintln!("plinth: note: {note}");
            }
            Ok((image, None))
        }
    }
}

/// Where the base's manifest may be fetched: the repository `base.name` names, when the
/// annotations give a name and a digest. Nothing is sent until the split is asked for (by
/// scan, advise, compare, diff), and then only manifests. Credentials from --username go
/// only to the image's own registry.
fn base_lookup(image: &Image, own: Option<&ImageRef>, opts: &ImageOpts) -> Option<BaseLookup> {
    let named = image.base_image()?;
    named.digest.as_ref()?;
    let name = named.name?;
    let mut base = match ImageRef::parse(&name) {
        Ok(r) => r,
        Err(e) => {
            return Some(BaseLookup::Unavailable {
                from: name,
                why: format!("its name is not a registry reference ({e})"),
            });
        }
    };
    (base.tag, base.digest) = (None, None);
    if opts.offline {
        return Some(BaseLookup::Unavailable {
            from: base.to_string(),
            why: format!("--offline forbids fetching it from {base}"),
        });
    }
    let connected = opts.registry().map(|mut o| {
        if own.is_none_or(|own| own.registry != base.registry) {
            o.credentials = None;
        }
        o.progress = false;
        Registry::connect(base.clone(), &o)
    });
    Some(match connected {
        Ok(Ok(registry)) => BaseLookup::Source(Box::new(registry)),
        Ok(Err(e)) => BaseLookup::Unavailable {
            from: base.to_string(),
            why: format!("no client for {base}: {e}"),
        },
        Err(failure) => BaseLookup::Unavailable {
            from: base.to_string(),
            why: format!("no client for {base}: {:#}", failure.error),
        },
    })
}

/// Opens a registry image with settings given whole (`plinth server` passes each request's
/// credentials): the one path every registry image takes.
pub fn open_registry(
    reference: &str,
    platform: Option<&Platform>,
    opts: &plinth_registry::Options,
) -> Result<Image, Failure> {
    plinth_registry::open(reference, platform, opts).map_err(classify_remote)
}

/// Maps a library error to its exit code. A blob stream that failed on the network (after
/// retries) is a network failure, whichever stage was reading it.
pub fn classify(e: Error) -> Failure {
    let code = match &e {
        Error::Network { .. } => exit::NETWORK,
        Error::Read { source, .. } if is_transfer(source) => exit::NETWORK,
        _ => exit::INPUT,
    };
    Failure::new(code, e)
}

/// For a registry, "no such image for this platform" is the registry's answer, not bad input.
pub fn classify_remote(e: Error) -> Failure {
    match e {
        Error::Select { .. } => Failure::new(exit::NETWORK, e),
        e => classify(e),
    }
}

fn is_transfer(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<TransferError>().is_some())
}
