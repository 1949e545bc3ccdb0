//! The JSON documents of OCI and Docker images: descriptors, manifests, indexes, configs.
//!
//! Docker schema2 and OCI media types are normalised to one [`MediaKind`] so nothing
//! downstream needs to care which flavour an image came in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// What a descriptor points at, whatever the spelling of its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Index,
    Manifest,
    Config,
    Layer,
    Other,
}

impl MediaKind {
    pub fn of(media_type: &str) -> MediaKind {
        match media_type {
            "application/vnd.oci.image.index.v1+json"
            | "application/vnd.docker.distribution.manifest.list.v2+json" => MediaKind::Index,
            "application/vnd.oci.image.manifest.v1+json"
            | "application/vnd.docker.distribution.manifest.v2+json" => MediaKind::Manifest,
            "application/vnd.oci.image.config.v1+json"
            | "application/vnd.docker.container.image.v1+json" => MediaKind::Config,
            t if t.starts_with("application/vnd.oci.image.layer.")
                || t.starts_with("application/vnd.docker.image.rootfs.") =>
            {
                MediaKind::Layer
            }
            _ => MediaKind::Other,
        }
    }
}

/// A pointer to a blob: its digest, size and what it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    pub fn kind(&self) -> MediaKind {
        MediaKind::of(&self.media_type)
    }

    /// The tag an OCI layout gives this manifest (`org.opencontainers.image.ref.name`).
    pub fn ref_name(&self) -> Option<&str> {
        self.annotations
            .get("org.opencontainers.image.ref.name")
            .map(String::as_str)
    }
}

/// os/architecture[/variant].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.split('/');
        let os = parts.next().filter(|p| !p.is_empty())?.to_string();
        let architecture = parts.next().filter(|p| !p.is_empty())?.to_string();
        let variant = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return None;
        }
        Some(Platform {
            os,
            architecture,
            variant,
        })
    }

    /// The platform this binary runs on, as Go (and so every registry) spells it.
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        let variant = (architecture == "arm64").then(|| "v8".to_string());
        Platform {
            os: "linux".into(),
            architecture: architecture.into(),
            variant,
        }
    }

    /// Whether an image for `self` satisfies a request for `want`. A missing variant on either
    /// side matches, and arm64's only variant `v8` is the same as none.
    pub fn satisfies(&self, want: &Platform) -> bool {
        let norm = |p: &Platform| match (p.architecture.as_str(), p.variant.as_deref()) {
            ("arm64", Some("v8")) => None,
            (_, v) => v.map(str::to_string),
        };
        self.os == want.os
            && self.architecture == want.architecture
            && match (norm(self), norm(want)) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// An image manifest: a config and an ordered list of layers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(default)]
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    /// `org.opencontainers.image.base.name` and friends.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image index (OCI) or manifest list (Docker): manifests per platform or tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    #[serde(default)]
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub manifests: Vec<Descriptor>,
}

/// The parts of an image config that plinth reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default)]
    pub config: RunConfig,
    pub rootfs: RootFs,
    #[serde(default)]
    pub history: Vec<History>,
}

/// How a container from the image runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

/// One build step. Steps that made no layer (`ENV`, `CMD`, …) say so with `empty_layer`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}

impl Config {
    /// The history entry that made each layer, in layer order: entries marked `empty_layer`
    /// are skipped, as `docker history` and dive align them. Missing entries give `None`.
    pub fn layer_history(&self) -> Vec<Option<&History>> {
        let mut made_layers = self.history.iter().filter(|h| !h.empty_layer);
        self.rootfs
            .diff_ids
            .iter()
            .map(|_| made_layers.next())
            .collect()
    }
}

/// Upper bound on any JSON document (manifest, index, config) we are willing to buffer.
pub const MAX_JSON: u64 = 16 << 20;

/// Parses a JSON document, naming `what` in the error.
pub fn parse_json<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> crate::Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| crate::Error::format(what, format!("invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_matching() {
        let arm = Platform::parse("linux/arm64/v8").unwrap();
        assert!(arm.satisfies(&Platform::parse("linux/arm64").unwrap()));
        assert!(!arm.satisfies(&Platform::parse("linux/amd64").unwrap()));
        let v7 = Platform::parse("linux/arm/v7").unwrap();
        assert!(!v7.satisfies(&Platform::parse("linux/arm/v6").unwrap()));
        assert_eq!(Platform::parse("linux"), None);
        assert_eq!(Platform::parse("linux/arm/v7/x"), None);
    }

    #[test]
    fn media_kinds() {
        assert_eq!(
            MediaKind::of("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            MediaKind::Layer
        );
        assert_eq!(
            MediaKind::of("application/vnd.oci.image.layer.v1.tar+zstd"),
            MediaKind::Layer
        );
        assert_eq!(
            MediaKind::of("application/vnd.docker.distribution.manifest.list.v2+json"),
            MediaKind::Index
        );
    }
}
