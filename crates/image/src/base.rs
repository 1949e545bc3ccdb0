//! Where the base image ends, read from the base itself: the manifest the
//! `org.opencontainers.image.base.digest` annotation names (or, when it names an index, that
//! index's manifest for this image's platform), fetched through the image's own source. Its
//! layers must be this image's first layers (same blobs, or same diff_ids) for the count to
//! stand. A base the source does not hold (a docker archive, another registry repository)
//! gives `None`: the caller falls back to history and says so.

use crate::digest::Digest;
use crate::select::{self, Selector};
use crate::source::{Source, read_small};
use crate::spec::{Config, Index, MAX_JSON, Manifest, MediaKind, Platform, parse_json};

/// The number of `manifest`'s layers that are the base's, when `base` (a manifest or index
/// digest) can be read from `source` and its layers start this image.
pub(crate) fn layers_of_base(
    source: &dyn Source,
    manifest: &Manifest,
    config: &Config,
    base: &Digest,
) -> Option<usize> {
    let base_manifest = read_manifest(source, base, config)?;
    let n = base_manifest.layers.len();
    if n == 0 || n >= manifest.layers.len() {
        return None;
    }
    let same_blobs = base_manifest
        .layers
        .iter()
        .zip(&manifest.layers)
        .all(|(b, o)| b.digest == o.digest);
    // A builder that recompressed the base's layers changed their blobs, not their contents.
    let same_contents = || {
        let what = format!("{}: base config", source.name());
        let bytes = read_small(source, &base_manifest.config.digest, &what, MAX_JSON).ok()?;
        let base_config: Config = parse_json(&what, &bytes).ok()?;
        Some(
            config
                .rootfs
                .diff_ids
                .starts_with(&base_config.rootfs.diff_ids),
        )
    };
    (same_blobs || same_contents() == Some(true)).then_some(n)
}

/// The manifest `digest` names, choosing this image's platform when it names an index.
fn read_manifest(source: &dyn Source, digest: &Digest, config: &Config) -> Option<Manifest> {
    let what = format!("{}: base manifest {digest}", source.name());
    let bytes = read_small(source, digest, &what, MAX_JSON).ok()?;
    #[derive(serde::Deserialize)]
    struct Sniff {
        #[serde(default)]
        manifests: Option<serde_json::Value>,
    }
    let sniff: Sniff = parse_json(&what, &bytes).ok()?;
    if sniff.manifests.is_none() {
        return parse_json(&what, &bytes).ok();
    }
    let index: Index = parse_json(&what, &bytes).ok()?;
    let sel = Selector {
        platform: Some(Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
        }),
        ..Selector::default()
    };
    let chosen = select::manifest_in(source, &index, &sel).ok()?;
    if chosen.kind() != MediaKind::Manifest {
        return None;
    }
    let bytes = read_small(source, &chosen.digest, &what, MAX_JSON).ok()?;
    parse_json(&what, &bytes).ok()
}
