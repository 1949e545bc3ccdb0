//! Read container images straight from OCI and Docker registries.
//!
//! plinth-registry resolves a registry reference (`alpine:3.20`, `ghcr.io/org/img@sha256:…`,
//! `localhost:5000/x:tag`) the way Docker does, speaks the distribution API over HTTPS (or
//! plain HTTP to this machine or with `--insecure`), authenticates with anonymous or
//! credentialed bearer tokens and basic auth (Docker's config.json and credential helpers
//! included), and hands plinth-image a [`Source`](plinth_image::Source) whose blobs stream off
//! the socket into the layer walker, several at once, resuming a dropped download with a
//! range request. [`open`] gives an [`Image`] for analysis; [`pull`] saves an image as an
//! OCI layout directory or tar for an air gap. [`push_artifact`] publishes files as an OCI
//! artifact (blob uploads, monolithic or chunked, skipping blobs already there, mounting from
//! another repository; then the manifest) and [`fetch_artifact`] reads one back, each layer's
//! digest checked as it streams.
//!
//! It does not parse layers, verify image blobs it streams to plinth-image (the walker does
//! that as bytes pass), push images, or cache anything on disk between runs.
//!
//! **Architecture Invariant:** a registry image is an ordinary [`Image`]: nothing downstream
//! knows its bytes came over the network. **Architecture Invariant:** credentials go only to
//! the registry's own host and its token service, never to a redirect target, and never into
//! messages or debug output.

mod artifact;
mod auth;
mod blob;
mod client;
mod credentials;
mod debug;
mod options;
mod progress;
mod push;
mod reference;
mod save;
mod source;
mod tags;

use plinth_image::select::{self, Selector};
use plinth_image::spec::{Index, MediaKind, Platform, parse_json};
use plinth_image::{Error, Image, Result};

pub use artifact::{ArtifactFile, Pushed, RemoteArtifact, fetch_artifact, push_artifact};
pub use credentials::Credentials;
pub use options::Options;
pub use push::{BlobPush, Content, PushOptions, Pusher};
pub use reference::{ImageRef, is_loopback_host};
pub use save::{SaveError, Saved, pull};
pub use source::{Fetched, MAX_MANIFEST, Registry};
pub use tags::{Head, RateLimit, TagList};

/// A download that failed part way, after retries and resumptions. It travels inside the
/// `io::Error` a blob stream returns, so a caller can tell a network failure from bad data.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransferError(pub String);

/// Opens the image `reference` names (without a `registry:` scheme), choosing `platform`
/// (default: this machine's) from a multi-platform index.
pub fn open(reference: &str, platform: Option<&Platform>, opts: &Options) -> Result<Image> {
    let registry = Registry::connect(ImageRef::parse(reference)?, opts)?;
    let top = registry.fetch_top()?;
    let manifest = resolve(&registry, top, platform)?;
    Image::from_manifest(Box::new(registry), &manifest.bytes, Some(manifest.digest))
}

/// From what a reference names to one image manifest: an index is narrowed by platform.
pub fn resolve(registry: &Registry, top: Fetched, platform: Option<&Platform>) -> Result<Fetched> {
    match top.kind() {
        MediaKind::Manifest => Ok(top),
        MediaKind::Index => {
            let what = format!("{}: index {}", registry.image(), top.digest);
            let index: Index = parse_json(&what, &top.bytes)?;
            registry.remember(&index);
            let sel = Selector {
                platform: platform.cloned(),
                ..Selector::default()
            };
            let desc = select::manifest_in(registry, &index, &sel)?;
            let manifest = registry.fetch_manifest(&desc.digest.to_string(), Some(&desc.digest))?;
            if manifest.kind() != MediaKind::Manifest {
                return Err(Error::Format {
                    what: format!("{}: manifest {}", registry.image(), desc.digest),
                    message: format!("is a {}, not an image manifest", manifest.media_type),
                });
            }
            Ok(manifest)
        }
        _ => Err(Error::Format {
            what: registry.image().to_string(),
            message: format!("unsupported manifest media type {:?}", top.media_type),
        }),
    }
}
