//! Where the base image ends, read from the base itself: the manifest the
//! `org.opencontainers.image.base.digest` annotation names (or, when it names an index, that
//! index's manifest for this image's platform). Its layers must be this image's first layers
//! (same blobs, or same diff_ids) for the count to stand.
//!
//! The manifest is looked for in the image's own source, then through the [`BaseLookup`] the
//! caller attached (the CLI gives a registry source for the repository `base.name` points
//! at), the layer cache in front of it. Only manifests, indexes and the base's config are
//! read, never a layer; each is checked against the digest that names it, and what a lookup
//! read is kept in the cache (content-addressed, so it never goes stale; a cached copy is
//! named by the repository it came from, so warm and cold runs say the same). When nothing holds the
//! manifest, [`BaseManifest::Unknown`] says what was missing: the caller falls back to
//! history and says so.

use std::io::Cursor;
use std::sync::OnceLock;

use crate::cache::{self, LayerCache};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::select::{self, Selector};
use crate::source::{Blob, Source, read_small};
use crate::spec::{Config, Index, MAX_JSON, Manifest, MediaKind, Platform, parse_json};

/// Where to read the base's manifest when this image's source does not hold it.
pub enum BaseLookup {
    /// The base's own repository: a source whose blobs include its manifests.
    Source(Box<dyn Source>),
    /// Nothing can be fetched from the repository `from`, and why (`--offline`, a name that
    /// is no reference); a copy in the cache is still used.
    Unavailable { from: String, why: String },
}

/// What the base's own manifest says about this image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseManifest {
    /// The manifest, read from `from`, has `layers` layers, and they start this image.
    Layers { layers: usize, from: String },
    /// It tells nothing: why, naming what is missing.
    Unknown(String),
}

/// An image's way to its base's manifest, and the answer once asked.
#[derive(Default)]
pub(crate) struct Base {
    pub lookup: Option<BaseLookup>,
    pub answer: OnceLock<BaseManifest>,
}

/// What one image needs to find its base: its layers, config, source, lookup and cache.
pub(crate) struct Parts<'a> {
    pub manifest: &'a Manifest,
    pub config: &'a Config,
    pub source: &'a dyn Source,
    pub lookup: Option<&'a BaseLookup>,
    pub cache: Option<&'a dyn LayerCache>,
}

/// Reads the manifest `base` names and counts the layers of this image that are its.
pub(crate) fn layers_of_base(parts: &Parts, base: &Digest) -> BaseManifest {
    let (base_manifest, source) = match find(parts, base) {
        Ok(found) => found,
        Err(why) => return BaseManifest::Unknown(why),
    };
    let from = source.name().to_string();
    let (n, total) = (base_manifest.layers.len(), parts.manifest.layers.len());
    if n == 0 || n >= total {
        return BaseManifest::Unknown(format!(
            "the base's manifest ({from}) has {n} layers and this image {total}: no base/added split"
        ));
    }
    let same_blobs = base_manifest
        .layers
        .iter()
        .zip(&parts.manifest.layers)
        .all(|(b, o)| b.digest == o.digest);
    // A builder that recompressed the base's layers changed their blobs, not their contents.
    let same_contents = || -> Result<bool> {
        let what = format!("{from}: base config {}", base_manifest.config.digest);
        let bytes = read_small(&source, &base_manifest.config.digest, &what, MAX_JSON)?;
        let base_config: Config = parse_json(&what, &bytes)?;
        Ok(parts
            .config
            .rootfs
            .diff_ids
            .starts_with(&base_config.rootfs.diff_ids))
    };
    if same_blobs || same_contents().unwrap_or(false) {
        BaseManifest::Layers { layers: n, from }
    } else {
        BaseManifest::Unknown(format!(
            "the base's manifest ({from}) lists {n} layers that are not this image's first {n} (other blobs and diff_ids)"
        ))
    }
}

/// The base's manifest and the source that holds it: this image's source, else the lookup
/// through the cache. The error names what was tried.
fn find<'a>(
    parts: &Parts<'a>,
    base: &Digest,
) -> std::result::Result<(Manifest, Cached<'a>), String> {
    let own = Cached {
        name: parts.source.name().to_string(),
        inner: Some(parts.source),
        cache: None,
    };
    if let Ok(m) = read_manifest(&own, base, parts.config) {
        return Ok((m, own));
    }
    let missing = "its manifest is not in this image's source";
    let (remote, why) = match parts.lookup {
        None => return Err(missing.into()),
        Some(BaseLookup::Unavailable { from, why }) => (
            Cached {
                name: from.clone(),
                inner: None,
                cache: parts.cache,
            },
            format!("{missing} or the cache, and {why}"),
        ),
        Some(BaseLookup::Source(s)) => (
            Cached {
                name: s.name().to_string(),
                inner: Some(s.as_ref()),
                cache: parts.cache,
            },
            format!("{missing}, and reading it from {} failed", s.name()),
        ),
    };
    match read_manifest(&remote, base, parts.config) {
        Ok(m) => Ok((m, remote)),
        Err(_) if remote.inner.is_none() => Err(why),
        Err(e) => Err(format!("{why}: {e}")),
    }
}

/// The manifest `digest` names, choosing this image's platform when it names an index.
fn read_manifest(source: &dyn Source, digest: &Digest, config: &Config) -> Result<Manifest> {
    let what = format!("{}: base manifest {digest}", source.name());
    let bytes = read_small(source, digest, &what, MAX_JSON)?;
    #[derive(serde::Deserialize)]
    struct Sniff {
        #[serde(default)]
        manifests: Option<serde_json::Value>,
    }
    let sniff: Sniff = parse_json(&what, &bytes)?;
    if sniff.manifests.is_none() {
        return parse_json(&what, &bytes);
    }
    let index: Index = parse_json(&what, &bytes)?;
    let sel = Selector {
        platform: Some(Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
        }),
        ..Selector::default()
    };
    let chosen = select::manifest_in(source, &index, &sel)?;
    if chosen.kind() != MediaKind::Manifest {
        return Err(Error::format(what, "the index leads to no image manifest"));
    }
    let what = format!("{}: base manifest {}", source.name(), chosen.digest);
    parse_json(&what, &read_small(source, &chosen.digest, &what, MAX_JSON)?)
}

/// A source of the base's small blobs (manifests, indexes, its config) through the layer
/// cache: a cached copy is served when it still hashes to its digest, and what the source
/// serves is kept once it does. With no source, only the cache answers.
struct Cached<'a> {
    /// The repository the blobs come from, whether the cache or `inner` serves them.
    name: String,
    inner: Option<&'a dyn Source>,
    cache: Option<&'a dyn LayerCache>,
}

impl Source for Cached<'_> {
    fn name(&self) -> &str {
        &self.name
    }

    fn open_blob(&self, digest: &Digest) -> Result<Blob<'_>> {
        let key = cache::blob_key(digest);
        if let Some(bytes) = self.cache.and_then(|c| c.get(&key))
            && Digest::of(&bytes) == *digest
        {
            return Ok(Box::new(Cursor::new(bytes)));
        }
        let Some(inner) = self.inner else {
            return Err(Error::MissingBlob {
                what: format!("{}: the cache", self.name),
                digest: digest.to_string(),
            });
        };
        let what = format!("{}: {digest}", self.name);
        let bytes = read_small(inner, digest, &what, MAX_JSON)?;
        if let Some(c) = self.cache {
            c.put(&key, &bytes);
        }
        Ok(Box::new(Cursor::new(bytes)))
    }
}
