//! Read container images without a daemon.
//!
//! plinth-image turns a reference (`docker-archive:app.tar`, `oci-dir:layout:tag`,
//! `dir:/`, a plain path sniffed by content) into an [`Image`]: its manifest, config and
//! layers, whichever source the bytes come from. [`Image::walk`] streams every layer once,
//! in parallel, verifying each blob's digest and each layer's diff_id as bytes pass, and
//! returns [`LayerFacts`]: every entry's metadata plus whatever a [`Collector`] chose to
//! keep of the files it asked for; [`Image::walk_shared`] does the same for a run of several
//! images, walking the layers they share once ([`SharedLayers`]). [`merge`] applies whiteouts
//! the way container runtimes do to give the final filesystem and each layer's changes;
//! [`report`] derives the layer report (sizes, history, dive's efficiency and wasted bytes,
//! reclaimable bytes).
//!
//! It does not talk to registries (the `plinth-registry` crate implements [`Source`] for
//! them), know about packages, or write anything to disk.
//!
//! **Architecture Invariant:** nothing downstream of [`Image`] knows which source it came
//! from; every source yields the same manifest, config and layer streams.

mod base;
pub mod cache;
mod digest;
mod error;
pub mod files;
pub mod merge;
pub mod reference;
pub mod report;
pub mod select;
mod shared;
pub mod skip;
pub mod source;
pub mod spec;
mod tarball;
mod walk;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub use base::{BaseLookup, BaseManifest};
pub use cache::LayerCache;
pub use digest::{Digest, Verify};
pub use error::{Error, Result};
pub use select::Selector;
pub use shared::SharedLayers;
pub use skip::Skips;
pub use source::{Blob, Source};
pub use walk::{Collector, LayerFacts, NoFiles};

use spec::{Config, History, MAX_JSON, Manifest, parse_json};

/// An image: where it came from, its manifest and config, and its layers.
pub struct Image {
    name: String,
    body: Body,
    config: Config,
    /// Digest of the manifest, when the image has one (archives synthesize theirs).
    manifest_digest: Option<Digest>,
    /// Where walks of verified layers are kept across runs, if anywhere.
    cache: Option<Arc<dyn LayerCache>>,
    /// Where the base's manifest is read when the source does not hold it, and what it said
    /// once asked (see `base.rs`); boxed to keep every image small.
    base: Box<base::Base>,
}

enum Body {
    /// Layers are blobs of a source.
    Blobs {
        source: Box<dyn Source>,
        manifest: Box<Manifest>,
    },
    /// A plain directory: one pseudo-layer, no manifest; the walk leaves out what `Skips`
    /// names.
    Rootfs(PathBuf, Box<Skips>),
    /// A root filesystem tarball: one layer, no manifest.
    RootfsArchive(Box<source::rootfs::RootfsArchive>),
}

/// The image this one was built on, as its builder recorded it (BuildKit and docker-library
/// write `org.opencontainers.image.base.name` and `.base.digest`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BaseImage {
    pub name: Option<String>,
    pub digest: Option<String>,
    /// `manifest annotations` or `config labels`.
    pub source: &'static str,
}

/// One layer as the manifest and config describe it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerInfo {
    pub index: usize,
    /// Blob digest (of the compressed bytes); `None` for a directory.
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub media_type: String,
    /// Blob size from the manifest.
    pub compressed_size: Option<u64>,
    /// The history entry that made this layer.
    pub history: Option<History>,
}

impl Image {
    /// Builds an image from a source and its manifest bytes (verified against `digest`).
    pub fn from_manifest(
        source: Box<dyn Source>,
        manifest: &[u8],
        digest: Option<Digest>,
    ) -> Result<Image> {
        let name = source.name().to_string();
        let manifest: Manifest = parse_json(&format!("{name}: manifest"), manifest)?;
        if manifest.config.kind() == spec::MediaKind::Layer {
            return Err(Error::format(
                &name,
                "manifest's config descriptor is a layer",
            ));
        }
        let config_bytes = source::read_small(
            source.as_ref(),
            &manifest.config.digest,
            &format!("{name}: config"),
            MAX_JSON,
        )?;
        Self::assemble(source, manifest, &config_bytes, digest)
    }

    /// Builds an image from a source, a manifest and the config bytes it points at.
    pub(crate) fn assemble(
        source: Box<dyn Source>,
        manifest: Manifest,
        config: &[u8],
        digest: Option<Digest>,
    ) -> Result<Image> {
        let name = source.name().to_string();
        let config: Config = parse_json(&format!("{name}: config"), config)?;
        if config.rootfs.diff_ids.len() != manifest.layers.len() {
            return Err(Error::format(
                &name,
                format!(
                    "manifest has {} layers but the config lists {} diff_ids",
                    manifest.layers.len(),
                    config.rootfs.diff_ids.len()
                ),
            ));
        }
        Ok(Image {
            name,
            body: Body::Blobs {
                source,
                manifest: Box::new(manifest),
            },
            config,
            manifest_digest: digest,
            cache: None,
            base: Box::default(),
        })
    }

    /// A plain root filesystem directory, seen as an image of one layer.
    pub fn rootfs(path: PathBuf) -> Result<Image> {
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if !meta.is_dir() {
            return Err(Error::format(path.display().to_string(), "not a directory"));
        }
        let config = Config {
            os: "linux".into(),
            ..Config::default()
        };
        Ok(Image {
            name: format!("dir:{}", path.display()),
            body: Body::Rootfs(path, Box::default()),
            config,
            manifest_digest: None,
            cache: None,
            base: Box::default(),
        })
    }

    /// A root filesystem tarball (plain, gzip, zstd or xz), seen as an image of one layer;
    /// `note` says why when the path was sniffed rather than named `rootfs-archive:`.
    pub fn rootfs_archive(path: &std::path::Path, note: Option<String>) -> Result<Image> {
        let archive = source::rootfs::RootfsArchive::open(path, note)?;
        Ok(Image {
            name: archive.name(),
            body: Body::RootfsArchive(Box::new(archive)),
            config: Config {
                os: "linux".into(),
                ..Config::default()
            },
            manifest_digest: None,
            cache: None,
            base: Box::default(),
        })
    }

    /// What the user should know about how the image was read (a path sniffed as a root
    /// filesystem tarball), if anything.
    pub fn note(&self) -> Option<&str> {
        match &self.body {
            Body::RootfsArchive(a) => a.note(),
            _ => None,
        }
    }

    /// The base image the manifest's annotations name, else the config's labels.
    pub fn base_image(&self) -> Option<BaseImage> {
        let read = |m: &std::collections::BTreeMap<String, String>, source| {
            let name = m.get("org.opencontainers.image.base.name").cloned();
            let digest = m.get("org.opencontainers.image.base.digest").cloned();
            (name.is_some() || digest.is_some()).then_some(BaseImage {
                name,
                digest,
                source,
            })
        };
        self.manifest()
            .and_then(|m| read(&m.annotations, "manifest annotations"))
            .or_else(|| {
                let labels = self.config.config.labels.as_ref()?;
                read(labels, "config labels")
            })
    }

    /// What the base's own manifest says about this image: how many of its layers are the
    /// base's, counted from the manifest the `base.digest` annotation or label names, read
    /// from this image's source or through the [`BaseLookup`] (see `base.rs`); or why it
    /// tells nothing. Asked once; later calls give the same answer.
    pub fn base_manifest(&self) -> &BaseManifest {
        self.base.answer.get_or_init(|| {
            let Body::Blobs { source, manifest } = &self.body else {
                return BaseManifest::Unknown("a root filesystem has no base manifest".into());
            };
            let named = self.base_image().and_then(|b| b.digest);
            let Some(digest) = named.as_deref().and_then(Digest::parse) else {
                return BaseManifest::Unknown(match named {
                    Some(d) => {
                        format!("org.opencontainers.image.base.digest {d:?} is not a digest")
                    }
                    None => "no org.opencontainers.image.base.digest names its manifest".into(),
                });
            };
            let parts = base::Parts {
                manifest,
                config: &self.config,
                source: source.as_ref(),
                lookup: self.base.lookup.as_ref(),
                cache: self.cache.as_deref(),
            };
            base::layers_of_base(&parts, &digest)
        })
    }

    /// The same image, reading its base's manifest through `lookup` when its own source does
    /// not hold it.
    pub fn with_base_lookup(mut self, lookup: BaseLookup) -> Image {
        self.base.lookup = Some(lookup);
        self
    }

    /// The same image with `skips` applied when it is a directory (layers are never
    /// filtered: what an image holds is what it holds).
    pub fn with_skips(mut self, skips: Skips) -> Image {
        if let Body::Rootfs(_, s) = &mut self.body {
            **s = skips;
        }
        self
    }

    /// The same image, its layer walks kept in and taken from `cache` (see [`cache`]): a
    /// layer whose blob was verified before and whose facts the cache holds is not read.
    /// Directories and root filesystem tarballs have no digests to key them by and are
    /// always read.
    pub fn with_cache(mut self, cache: Arc<dyn LayerCache>) -> Image {
        self.cache = Some(cache);
        self
    }

    /// True for a plain directory (a source tree or a root filesystem), false for an image
    /// made of layers.
    pub fn is_directory(&self) -> bool {
        matches!(self.body, Body::Rootfs(..))
    }

    /// How to name the image in messages and reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        match &self.body {
            Body::Blobs { manifest, .. } => Some(manifest),
            Body::Rootfs(..) | Body::RootfsArchive(_) => None,
        }
    }

    pub fn manifest_digest(&self) -> Option<&Digest> {
        self.manifest_digest.as_ref()
    }

    /// The layers, in order, each with the history entry that made it.
    pub fn layers(&self) -> Vec<LayerInfo> {
        match &self.body {
            Body::Rootfs(..) => vec![LayerInfo {
                index: 0,
                digest: None,
                diff_id: None,
                media_type: "directory".into(),
                compressed_size: None,
                history: None,
            }],
            Body::RootfsArchive(a) => vec![LayerInfo {
                index: 0,
                digest: None,
                diff_id: None,
                media_type: a.media_type(),
                compressed_size: Some(a.size()),
                history: None,
            }],
            Body::Blobs { manifest, .. } => {
                let history = self.config.layer_history();
                manifest
                    .layers
                    .iter()
                    .enumerate()
                    .map(|(i, d)| LayerInfo {
                        index: i,
                        digest: Some(d.digest.clone()),
                        diff_id: self.config.rootfs.diff_ids.get(i).cloned(),
                        media_type: d.media_type.clone(),
                        compressed_size: Some(d.size),
                        history: history.get(i).copied().flatten().cloned(),
                    })
                    .collect()
            }
        }
    }

    /// Streams every layer once, in parallel where the source allows, verifying digests and
    /// diff_ids, and returns what each layer holds.
    pub fn walk<C: Collector>(&self, collector: &C) -> Result<Vec<LayerFacts<C::Item>>> {
        let all: Vec<usize> = (0..self.layer_count()).collect();
        let walked = self.walk_layers(&all, collector)?;
        Ok(walked.into_iter().map(|(_, facts)| facts).collect())
    }

    fn layer_count(&self) -> usize {
        match &self.body {
            Body::Rootfs(..) | Body::RootfsArchive(_) => 1,
            Body::Blobs { manifest, .. } => manifest.layers.len(),
        }
    }

    /// Walks the layers at `indices` (ascending), returning each with its index.
    fn walk_layers<C: Collector>(
        &self,
        indices: &[usize],
        collector: &C,
    ) -> Result<Vec<(usize, LayerFacts<C::Item>)>> {
        if indices.is_empty() {
            return Ok(Vec::new());
        }
        let (source, manifest) = match &self.body {
            Body::Rootfs(path, skips) => {
                return Ok(vec![(0, walk::walk_dir(path, skips, collector)?)]);
            }
            Body::RootfsArchive(a) => {
                let expect = walk::Expect {
                    digest: None,
                    diff_id: None,
                    size: None,
                };
                return Ok(vec![(
                    0,
                    walk::walk_blob(&self.name, a.read()?, &expect, collector)?,
                )]);
            }
            Body::Blobs { source, manifest } => (source, manifest),
        };
        let keys: Vec<Option<LayerKeys>> = indices
            .iter()
            .map(|&i| self.layer_keys(source.as_ref(), i, collector))
            .collect();
        let mut slots: Vec<Mutex<Option<LayerFacts<C::Item>>>> = keys
            .iter()
            .map(|k| Mutex::new(k.as_ref().and_then(|k| self.cached(k, collector))))
            .collect();
        let unread: Vec<usize> = (0..indices.len())
            .filter(|&k| {
                slots[k]
                    .get_mut()
                    .expect("no panics while holding")
                    .is_none()
            })
            .collect();
        let digests: Vec<Digest> = unread
            .iter()
            .map(|&k| manifest.layers[indices[k]].digest.clone())
            .collect();
        source.for_each_blob(&digests, &|n, blob| {
            let k = unread[n];
            let i = indices[k];
            let desc = &manifest.layers[i];
            let what = format!("{}: layer {i} ({})", self.name, desc.digest);
            let expect = walk::Expect {
                digest: Some(desc.digest.clone()),
                diff_id: self.config.rootfs.diff_ids.get(i).cloned(),
                size: Some(desc.size),
            };
            let facts = walk::walk_blob(&what, blob, &expect, collector)?;
            cache::debug(&format!("{what}: read and verified"));
            if let Some(keys) = &keys[k] {
                self.remember(keys, &facts, collector);
            }
            *slots[k].lock().expect("no panics while holding") = Some(facts);
            Ok(())
        })?;
        slots
            .into_iter()
            .zip(indices)
            .map(|(slot, &i)| {
                let facts = slot.into_inner().expect("no panics while holding");
                let facts = facts.ok_or_else(|| Error::MissingBlob {
                    what: self.name.clone(),
                    digest: manifest.layers[i].digest.to_string(),
                })?;
                Ok((i, facts))
            })
            .collect()
    }

    /// The cache keys of layer `i`, when a cache, the collector and the source all allow it.
    /// The fingerprint is taken before any byte is read, so a file that changes during the
    /// walk is never vouched for by its new identity.
    fn layer_keys<C: Collector>(
        &self,
        source: &dyn Source,
        i: usize,
        collector: &C,
    ) -> Option<LayerKeys> {
        self.cache.as_ref()?;
        let identity = collector.cache_identity()?;
        let digest = &self.manifest()?.layers[i].digest;
        let diff_id = self.config.rootfs.diff_ids.get(i)?;
        let fingerprint = source.fingerprint(digest)?;
        Some(LayerKeys {
            index: i,
            facts: cache::facts_key(&identity, diff_id),
            verified: cache::verified_key(&fingerprint, digest, diff_id),
        })
    }

    /// The layer's facts from the cache, if its blob was verified here before.
    fn cached<C: Collector>(&self, keys: &LayerKeys, collector: &C) -> Option<LayerFacts<C::Item>> {
        let store = self.cache.as_ref()?;
        let facts = store
            .get(&keys.verified)
            .and_then(|_| store.get(&keys.facts))
            .and_then(|bytes| cache::decode(&bytes, collector));
        store.looked_up(facts.is_some());
        let facts = facts?;
        cache::debug(&format!(
            "{}: layer {} from the cache",
            self.name, keys.index
        ));
        Some(facts)
    }

    /// Keeps a layer just walked (and so verified in full) for later runs.
    fn remember<C: Collector>(&self, keys: &LayerKeys, facts: &LayerFacts<C::Item>, collector: &C) {
        let Some(store) = &self.cache else { return };
        if let Some(bytes) = cache::encode(facts, collector) {
            store.put(&keys.facts, &bytes);
            store.put(&keys.verified, b"");
        }
    }
}

/// Where one layer's walk and its verification are kept in the cache.
struct LayerKeys {
    index: usize,
    facts: String,
    verified: String,
}
