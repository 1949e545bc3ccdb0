//! Pushing to a registry, as the distribution spec lays it out: a `HEAD` to skip blobs the
//! repository already has, a cross-repository mount when another repository of the registry
//! holds the blob, otherwise an upload session (`POST /v2/<name>/blobs/uploads/`) finished by
//! one monolithic `PUT ?digest=`, or by `PATCH`ed chunks and an empty `PUT`; then the
//! manifest's `PUT`. Auth, retries and messages are the pull side's ([`crate::client`]).

use std::io::Read;
use std::path::Path;

use plinth_image::{Digest, Error, Result};
use ring::digest::{Context, SHA256};

use crate::client::{Client, Get, Method, Payload, Upload, header, query_escape};
use crate::options::Options;
use crate::reference::ImageRef;

/// How blobs are sent.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Blobs up to this size go in one `PUT`; larger ones in `PATCH` chunks of this size.
    pub chunk_size: u64,
    /// A repository on the same registry to mount blobs from instead of uploading them.
    pub mount_from: Option<String>,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            chunk_size: 32 << 20,
            mount_from: None,
        }
    }
}

/// A blob's bytes: in memory (small JSON) or in a file (read in ranges, never whole).
#[derive(Debug, Clone, Copy)]
pub enum Content<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl Content<'_> {
    /// The SHA-256 digest and size, read once.
    pub fn describe(&self) -> Result<(Digest, u64)> {
        match self {
            Content::Bytes(b) => Ok((Digest::of(b), b.len() as u64)),
            Content::File(path) => {
                let io = |e| Error::Io {
                    path: path.to_path_buf(),
                    source: e,
                };
                let mut file = std::fs::File::open(path).map_err(io)?;
                let mut hasher = Context::new(&SHA256);
                let mut buf = vec![0u8; 1 << 20];
                let mut size = 0u64;
                loop {
                    let n = file.read(&mut buf).map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    size += n as u64;
                }
                let hex: String = hasher
                    .finish()
                    .as_ref()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let digest = Digest::from_hex(&hex).expect("SHA-256 is 64 hex digits");
                Ok((digest, size))
            }
        }
    }
}

/// How one blob came to be in the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobPush {
    /// Sent in this many requests (1: monolithic).
    Uploaded { requests: u32 },
    /// The repository had it already.
    Present,
    /// Mounted from another repository of the registry.
    Mounted,
}

/// A client for pushing to one repository.
pub struct Pusher {
    client: Client,
    image: ImageRef,
    options: PushOptions,
}

impl Pusher {
    /// Prepares a client asking for push access. Nothing is sent yet.
    pub fn connect(image: ImageRef, opts: &Options, options: PushOptions) -> Result<Pusher> {
        let client = Client::new(&image, opts)?.pushing();
        Ok(Pusher {
            client,
            image,
            options,
        })
    }

    pub fn image(&self) -> &ImageRef {
        &self.image
    }

    /// Makes sure the repository holds the blob `digest` (of `size` bytes) with `content`.
    pub fn push_blob(&self, digest: &Digest, size: u64, content: Content<'_>) -> Result<BlobPush> {
        if self.has_blob(digest)? {
            return Ok(BlobPush::Present);
        }
        let label = format!("blob {digest}");
        let mut start = format!("/v2/{}/blobs/uploads/", self.client.repository());
        if let Some(from) = &self.options.mount_from {
            start += &format!(
                "?mount={}&from={}",
                query_escape(&digest.to_string()),
                query_escape(from)
            );
        }
        let mut resp = self.client.send(&Upload {
            method: Method::Post,
            url: &start,
            content_type: None,
            content_range: None,
            body: Payload::Empty,
        })?;
        let mut location = match resp.status().as_u16() {
            201 if self.options.mount_from.is_some() => return Ok(BlobPush::Mounted),
            202 => self.location(&resp, &label)?,
            _ => {
                return Err(self
                    .client
                    .status_error(&mut resp, &format!("starting the upload of {label}")));
            }
        };
        let mut requests = 0;
        let mut offset = 0;
        // Past one chunk, PATCH chunk by chunk; the last PUT then carries no bytes.
        while size > self.options.chunk_size && offset < size {
            let len = self.options.chunk_size.min(size - offset);
            let mut resp = self.client.send(&Upload {
                method: Method::Patch,
                url: &location,
                content_type: Some("application/octet-stream"),
                content_range: Some(format!("{offset}-{}", offset + len - 1)),
                body: payload(content, offset, len),
            })?;
            if resp.status().as_u16() != 202 {
                return Err(self.client.status_error(
                    &mut resp,
                    &format!("uploading {label} (bytes {offset}-{})", offset + len - 1),
                ));
            }
            location = self.location(&resp, &label)?;
            offset += len;
            requests += 1;
        }
        let last = size - offset;
        let mut resp = self.client.send(&Upload {
            method: Method::Put,
            url: &with_query(&location, "digest", &digest.to_string()),
            content_type: Some("application/octet-stream"),
            content_range: None,
            body: payload(content, offset, last),
        })?;
        if resp.status().as_u16() != 201 {
            return Err(self
                .client
                .status_error(&mut resp, &format!("finishing the upload of {label}")));
        }
        self.check_digest(&resp, digest, &label)?;
        Ok(BlobPush::Uploaded {
            requests: requests + 1,
        })
    }

    /// Puts a manifest under the reference's tag (or digest) and returns its digest.
    pub fn push_manifest(&self, media_type: &str, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::of(bytes);
        let path = format!(
            "/v2/{}/manifests/{}",
            self.client.repository(),
            self.image.manifest_ref()
        );
        let mut resp = self.client.send(&Upload {
            method: Method::Put,
            url: &path,
            content_type: Some(media_type),
            content_range: None,
            body: Payload::Bytes(bytes),
        })?;
        if resp.status().as_u16() != 201 {
            return Err(self.client.status_error(&mut resp, "pushing the manifest"));
        }
        self.check_digest(&resp, &digest, "manifest")?;
        Ok(digest)
    }

    fn has_blob(&self, digest: &Digest) -> Result<bool> {
        let path = format!("/v2/{}/blobs/{digest}", self.client.repository());
        let mut resp = self.client.get(&Get {
            path: &path,
            accept: None,
            range_from: None,
            head: true,
        })?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self
                .client
                .status_error(&mut resp, &format!("checking for blob {digest}"))),
        }
    }

    /// The upload URL an answer hands on to the next request.
    fn location(&self, resp: &ureq::http::Response<ureq::Body>, label: &str) -> Result<String> {
        header(resp, "location").ok_or_else(|| {
            self.client
                .network(format!("the registry gave no upload location for {label}"))
        })
    }

    /// A registry that names a different digest for what it stored has not stored our bytes.
    fn check_digest(
        &self,
        resp: &ureq::http::Response<ureq::Body>,
        digest: &Digest,
        label: &str,
    ) -> Result<()> {
        match header(resp, "docker-content-digest").map(|d| d.trim().to_string()) {
            Some(said) if said != digest.to_string() => Err(Error::DigestMismatch {
                what: format!("{}: {label} as the registry stored it", self.image),
                expected: digest.to_string(),
                actual: said,
            }),
            _ => Ok(()),
        }
    }
}

fn payload<'a>(content: Content<'a>, offset: u64, len: u64) -> Payload<'a> {
    if len == 0 {
        return Payload::Empty;
    }
    match content {
        Content::Bytes(b) => Payload::Bytes(&b[offset as usize..(offset + len) as usize]),
        Content::File(path) => Payload::File { path, offset, len },
    }
}

/// `url` with `key=value` added to its query (an upload URL may carry state in one already).
fn with_query(url: &str, key: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={}", query_escape(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_appended() {
        assert_eq!(
            with_query("/v2/a/blobs/uploads/u?_state=x", "digest", "sha256:ab"),
            "/v2/a/blobs/uploads/u?_state=x&digest=sha256:ab"
        );
        assert_eq!(
            with_query("http://h/u", "digest", "sha256:ab"),
            "http://h/u?digest=sha256:ab"
        );
    }

    #[test]
    fn payload_ranges() {
        let bytes = b"0123456789";
        assert!(matches!(
            payload(Content::Bytes(bytes), 4, 3),
            Payload::Bytes(b"456")
        ));
        assert!(matches!(
            payload(Content::Bytes(bytes), 10, 0),
            Payload::Empty
        ));
        let p = Path::new("/x");
        assert!(matches!(
            payload(Content::File(p), 8, 2),
            Payload::File {
                offset: 8,
                len: 2,
                ..
            }
        ));
    }

    #[test]
    fn describes_a_file_like_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let (d, n) = Content::File(&path).describe().unwrap();
        assert_eq!((d, n), Content::Bytes(&bytes).describe().unwrap());
        assert_eq!(n, 3_000_000);
    }
}
