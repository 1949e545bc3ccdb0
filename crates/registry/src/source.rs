//! A registry repository as a [`Source`]: manifests fetched and verified by digest, blobs
//! streamed from the blobs endpoint, several at a time.

use std::collections::HashSet;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use plinth_image::spec::{Index, MediaKind, parse_json};
use plinth_image::{Blob, Digest, Error, Result, Source};

use crate::blob::BlobReader;
use crate::client::{Client, Get, header};
use crate::options::Options;
use crate::progress::Progress;
use crate::reference::ImageRef;

/// Manifests larger than this are refused (the distribution spec's own limit is 4 MiB).
pub const MAX_MANIFEST: u64 = 4 << 20;

/// Every manifest flavour plinth reads, index types first so a tag yields the whole index.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// One repository on one registry.
pub struct Registry {
    client: Client,
    image: ImageRef,
    name: String,
    /// Digests known to be manifests or indexes, served from `/manifests/` not `/blobs/`.
    manifests: Mutex<HashSet<Digest>>,
    progress: Progress,
    parallel: usize,
}

/// A manifest or index as the registry served it, its digest verified.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub digest: Digest,
    pub media_type: String,
}

impl Fetched {
    pub fn kind(&self) -> MediaKind {
        MediaKind::of(&self.media_type)
    }
}

impl Registry {
    /// Prepares a client for `image`'s repository. Nothing is sent yet.
    pub fn connect(image: ImageRef, opts: &Options) -> Result<Registry> {
        let client = Client::new(&image, opts)?;
        Ok(Registry {
            client,
            name: image.to_string(),
            image,
            manifests: Mutex::new(HashSet::new()),
            progress: Progress::new(opts.progress),
            parallel: opts.parallel.max(1),
        })
    }

    pub fn image(&self) -> &ImageRef {
        &self.image
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Fetches the manifest or index the reference names (its tag, or its digest).
    pub fn fetch_top(&self) -> Result<Fetched> {
        self.fetch_manifest(&self.image.manifest_ref(), self.image.digest.as_ref())
    }

    /// Fetches a manifest or index by tag or digest and checks its digest: against the one
    /// asked for, else against the registry's `Docker-Content-Digest`.
    pub fn fetch_manifest(&self, reference: &str, expect: Option<&Digest>) -> Result<Fetched> {
        let path = format!("/v2/{}/manifests/{reference}", self.client.repository());
        let get = Get {
            path: &path,
            accept: Some(MANIFEST_ACCEPT),
            range_from: None,
            head: false,
        };
        let mut resp = self.client.get(&get)?;
        match resp.status().as_u16() {
            200 => {}
            404 if expect.is_some() && self.image.digest.as_ref() != expect => {
                return Err(self.client.network(format!(
                    "manifest {reference} not found in the registry (404)"
                )));
            }
            404 => {
                return Err(Error::Network {
                    what: "image not found".into(),
                    message: self.name.clone(),
                });
            }
            _ => return Err(self.client.status_error(&mut resp, "fetching the manifest")),
        }
        let what = format!("{}: manifest {reference}", self.name);
        let length = header(&resp, "content-length").and_then(|v| v.parse::<u64>().ok());
        if length.is_some_and(|n| n > MAX_MANIFEST) {
            return Err(too_big(&what));
        }
        let claimed = header(&resp, "docker-content-digest").and_then(|d| Digest::parse(d.trim()));
        let content_type = header(&resp, "content-type");
        let mut bytes = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_MANIFEST + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                self.client
                    .network(format!("reading manifest {reference}: {e}"))
            })?;
        if bytes.len() as u64 > MAX_MANIFEST {
            return Err(too_big(&what));
        }
        let digest = Digest::of(&bytes);
        if let Some(expected) = expect.or(claimed.as_ref())
            && *expected != digest
        {
            return Err(Error::DigestMismatch {
                what,
                expected: expected.to_string(),
                actual: digest.to_string(),
            });
        }
        let media_type = media_type(content_type.as_deref(), &bytes, &what)?;
        if media_type == SCHEMA1 {
            return Err(Error::Format {
                what,
                message: "Docker schema 1 manifests are not supported".into(),
            });
        }
        Ok(Fetched {
            bytes,
            digest,
            media_type,
        })
    }

    /// Notes the manifests an index points at, so `open_blob` fetches them as manifests.
    pub fn remember(&self, index: &Index) {
        let mut known = self.manifests.lock().unwrap_or_else(|p| p.into_inner());
        for d in &index.manifests {
            if matches!(d.kind(), MediaKind::Manifest | MediaKind::Index) {
                known.insert(d.digest.clone());
            }
        }
    }

    fn is_manifest(&self, digest: &Digest) -> bool {
        let known = self.manifests.lock().unwrap_or_else(|p| p.into_inner());
        known.contains(digest)
    }

    /// Opens a blob from the blobs endpoint, resumable, with a progress bar.
    pub fn blob_reader(&self, digest: &Digest) -> Result<BlobReader<'_>> {
        let path = format!("/v2/{}/blobs/{digest}", self.client.repository());
        BlobReader::open(&self.client, path, format!("blob {digest}"), &self.progress)
    }
}

impl Source for Registry {
    fn name(&self) -> &str {
        &self.name
    }

    fn open_blob(&self, digest: &Digest) -> Result<Blob<'_>> {
        if self.is_manifest(digest) {
            let fetched = self.fetch_manifest(&digest.to_string(), Some(digest))?;
            return Ok(Box::new(std::io::Cursor::new(fetched.bytes)));
        }
        match self.blob_reader(digest) {
            Ok(reader) => Ok(Box::new(reader)),
            // A nested index reached through `select` is a manifest we were not told about.
            Err(e) if is_not_found(&e) => {
                let fetched = self.fetch_manifest(&digest.to_string(), Some(digest))?;
                Ok(Box::new(std::io::Cursor::new(fetched.bytes)))
            }
            Err(e) => Err(e),
        }
    }

    /// Downloads up to `parallel` blobs at once; the first failure stops the rest.
    fn for_each_blob(
        &self,
        digests: &[Digest],
        visit: &(dyn Fn(usize, Blob<'_>) -> Result<()> + Sync),
    ) -> Result<()> {
        bounded_parallel(digests.len(), self.parallel, |i| {
            visit(i, self.open_blob(&digests[i])?)
        })
    }

    /// A blob is named by its content: once a walk verified the bytes behind a digest, any
    /// registry's blob of that digest is the same layer, so a rescan need not download it.
    fn fingerprint(&self, _digest: &Digest) -> Option<String> {
        Some("content-addressed".into())
    }
}

/// Runs `work(0..count)` on up to `workers` threads, stopping at the first error.
pub fn bounded_parallel<E: Send>(
    count: usize,
    workers: usize,
    work: impl Fn(usize) -> std::result::Result<(), E> + Sync,
) -> std::result::Result<(), E> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, count.max(1)) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    if let Err(e) = work(i) {
                        failed.store(true, Ordering::Relaxed);
                        let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
                        slot.get_or_insert(e);
                    }
                }
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Network { message, .. } if message.ends_with("not found in the registry (404)"))
}

fn too_big(what: &str) -> Error {
    Error::Limit {
        what: what.to_string(),
        message: format!("manifest larger than {MAX_MANIFEST} bytes"),
    }
}

/// Docker's signed schema 1 manifests: long deprecated, no config blob, not readable here.
const SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// The manifest's media type: the response's `Content-Type` when it names a manifest kind,
/// else the document's own `mediaType`, else what its fields say it is.
fn media_type(content_type: Option<&str>, bytes: &[u8], what: &str) -> Result<String> {
    let from_header = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim().to_string())
        .filter(|c| !c.is_empty());
    if let Some(t) = &from_header
        && (matches!(MediaKind::of(t), MediaKind::Manifest | MediaKind::Index)
            || t == SCHEMA1
            || t == "application/vnd.docker.distribution.manifest.v1+json")
    {
        return Ok(t.clone());
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Sniff {
        #[serde(default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        layers: Option<serde_json::Value>,
        #[serde(default)]
        schema_version: Option<u32>,
    }
    let sniff: Sniff = parse_json(what, bytes)?;
    if let Some(t) = sniff.media_type.filter(|t| !t.is_empty()) {
        return Ok(t);
    }
    Ok(
        match (sniff.manifests, sniff.layers, sniff.schema_version) {
            (Some(_), _, _) => "application/vnd.oci.image.index.v1+json",
            (_, _, Some(1)) => SCHEMA1,
            (_, Some(_), _) => "application/vnd.oci.image.manifest.v1+json",
            _ => {
                return Err(Error::Format {
                    what: what.to_string(),
                    message: "neither an image manifest nor an index".into(),
                });
            }
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_sources() {
        let oci = "application/vnd.oci.image.manifest.v1+json";
        assert_eq!(media_type(Some(oci), b"{}", "m").unwrap(), oci);
        let index = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(
            media_type(Some("application/json"), index, "m").unwrap(),
            "application/vnd.oci.image.index.v1+json"
        );
        let docker = br#"{"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#;
        assert_eq!(
            media_type(None, docker, "m").unwrap(),
            "application/vnd.docker.distribution.manifest.v2+json"
        );
        assert!(media_type(None, b"{}", "m").is_err());
        assert!(media_type(None, b"not json", "m").is_err());
    }

    #[test]
    fn bounded_parallel_stops_at_first_error() {
        let seen = AtomicUsize::new(0);
        let r = bounded_parallel(100, 3, |i| {
            seen.fetch_add(1, Ordering::Relaxed);
            if i == 5 { Err(i) } else { Ok(()) }
        });
        assert_eq!(r, Err(5));
        assert!(seen.load(Ordering::Relaxed) < 100);
        assert_eq!(bounded_parallel::<()>(0, 4, |_| Ok(())), Ok(()));
    }
}
