//! OCI artifacts: content that is not a container image (plinth's vulnerability database),
//! published as an image manifest with an `artifactType`, the empty config and one layer per
//! file, as the OCI image spec's artifact guidance describes; and read back, each layer
//! streamed with its digest and size checked as the bytes pass.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use plinth_image::spec::{Descriptor, MediaKind, parse_json};
use plinth_image::{Digest, Error, Result, Verify};
use serde::{Deserialize, Serialize};

use crate::options::Options;
use crate::push::{BlobPush, Content, PushOptions, Pusher};
use crate::reference::ImageRef;
use crate::source::Registry;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The OCI empty descriptor's media type and content: the config of an artifact with none.
const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
const EMPTY: &[u8] = b"{}";

/// One file to publish as a layer.
pub struct ArtifactFile<'a> {
    pub media_type: &'a str,
    pub path: &'a Path,
    pub annotations: BTreeMap<String, String>,
}

/// What was pushed: the manifest's digest and how each blob (config first) got there.
#[derive(Debug)]
pub struct Pushed {
    pub reference: String,
    pub digest: Digest,
    pub blobs: Vec<(Descriptor, BlobPush)>,
}

impl Pushed {
    /// Bytes sent in blob uploads (blobs already there or mounted cost nothing).
    pub fn uploaded_bytes(&self) -> u64 {
        self.blobs
            .iter()
            .filter(|(_, how)| matches!(how, BlobPush::Uploaded { .. }))
            .map(|(d, _)| d.size)
            .sum()
    }
}

/// The manifest of an artifact, with the fields images do not have.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactManifest {
    schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    artifact_type: Option<String>,
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

/// Pushes `files` as an artifact of `artifact_type` under `reference` (a tag, or a digest).
pub fn push_artifact(
    reference: &str,
    artifact_type: &str,
    files: &[ArtifactFile<'_>],
    annotations: BTreeMap<String, String>,
    opts: &Options,
    push: PushOptions,
) -> Result<Pushed> {
    let pusher = Pusher::connect(ImageRef::parse(reference)?, opts, push)?;
    let config = descriptor(EMPTY_MEDIA_TYPE, Content::Bytes(EMPTY), BTreeMap::new())?;
    let how = pusher.push_blob(&config.digest, config.size, Content::Bytes(EMPTY))?;
    let mut blobs = vec![(config.clone(), how)];
    let mut layers = Vec::new();
    for file in files {
        let content = Content::File(file.path);
        let layer = descriptor(file.media_type, content, file.annotations.clone())?;
        let how = pusher.push_blob(&layer.digest, layer.size, content)?;
        blobs.push((layer.clone(), how));
        layers.push(layer);
    }
    let manifest = ArtifactManifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.into()),
        artifact_type: Some(artifact_type.into()),
        config,
        layers,
        annotations,
    };
    let bytes = serde_json::to_vec(&manifest).map_err(|e| Error::Format {
        what: reference.to_string(),
        message: format!("encoding the manifest: {e}"),
    })?;
    let digest = pusher.push_manifest(OCI_MANIFEST, &bytes)?;
    Ok(Pushed {
        reference: pusher.image().to_string(),
        digest,
        blobs,
    })
}

fn descriptor(
    media_type: &str,
    content: Content<'_>,
    annotations: BTreeMap<String, String>,
) -> Result<Descriptor> {
    let (digest, size) = content.describe()?;
    Ok(Descriptor {
        media_type: media_type.into(),
        digest,
        size,
        platform: None,
        annotations,
    })
}

/// An artifact's manifest as a registry serves it, ready to stream its layers.
pub struct RemoteArtifact {
    registry: Registry,
    /// The manifest's digest (verified).
    pub digest: Digest,
    /// `artifactType`, else the config's media type (how artifacts were typed before OCI 1.1).
    pub artifact_type: String,
    pub annotations: BTreeMap<String, String>,
    pub layers: Vec<Descriptor>,
}

/// Fetches the manifest `reference` names. An index or a manifest that does not parse is an
/// error naming the reference.
pub fn fetch_artifact(reference: &str, opts: &Options) -> Result<RemoteArtifact> {
    let registry = Registry::connect(ImageRef::parse(reference)?, opts)?;
    let top = registry.fetch_top()?;
    let what = format!("{}: manifest {}", registry.image(), top.digest);
    if top.kind() != MediaKind::Manifest {
        return Err(Error::Format {
            what,
            message: format!("is a {}, not an artifact manifest", top.media_type),
        });
    }
    let manifest: ArtifactManifest = parse_json(&what, &top.bytes)?;
    Ok(RemoteArtifact {
        artifact_type: manifest
            .artifact_type
            .unwrap_or_else(|| manifest.config.media_type.clone()),
        digest: top.digest,
        annotations: manifest.annotations,
        layers: manifest.layers,
        registry,
    })
}

impl RemoteArtifact {
    pub fn reference(&self) -> String {
        self.registry.image().to_string()
    }

    /// Streams `layer` into `out`, checking its digest as the bytes pass: an error (after which
    /// `out` holds bytes that must not be used) unless they are the bytes the manifest names.
    pub fn copy_layer(&self, layer: &Descriptor, out: &mut dyn Write) -> Result<u64> {
        let what = format!("{}: blob {}", self.registry.image(), layer.digest);
        let reader = self.registry.blob_reader(&layer.digest)?;
        // Reading one byte past the size is enough for a longer blob to fail the digest.
        let mut verify = Verify::new(reader.take(layer.size + 1), Some(layer.digest.clone()));
        let copied = std::io::copy(&mut verify, out).map_err(|e| Error::reading(&what, e))?;
        Ok(copied)
    }
}
