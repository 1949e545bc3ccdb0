//! Where image bytes live. Each source is a sibling module with the same shape: it opens
//! itself from a path and implements [`Source`], a small core of blob access. Everything
//! else (manifest selection, config parsing, layer walks) is derived in [`crate::Image`].

pub mod archive;
pub mod layout;
pub mod rootfs;

use std::io::Read;

use rayon::prelude::*;

use crate::digest::Digest;
use crate::error::Result;

/// A boxed blob stream.
pub type Blob<'a> = Box<dyn Read + Send + 'a>;

/// The core every image source implements: blobs by digest.
pub trait Source: Send + Sync {
    /// How to name this source in messages, e.g. `docker-archive:app.tar`.
    fn name(&self) -> &str;

    /// Opens a blob. Sources need not verify: the caller hashes while reading.
    fn open_blob(&self, digest: &Digest) -> Result<Blob<'_>>;

    /// Streams several blobs to `visit`, which gets each blob's position in `digests`.
    /// The default reads them in parallel; a source that can only be read front to back
    /// (a gzip-compressed archive) overrides this with one sequential pass.
    fn for_each_blob(
        &self,
        digests: &[Digest],
        visit: &(dyn Fn(usize, Blob<'_>) -> Result<()> + Sync),
    ) -> Result<()> {
        digests
            .par_iter()
            .enumerate()
            .try_for_each(|(i, d)| visit(i, self.open_blob(d)?))
    }

    /// What vouches for the bytes of the blob `digest` without reading them, for the layer
    /// cache: a walk that verified them is trusted while this stays the same. Local sources
    /// give the path and identity of the file holding them ([`file_identity`]), so a changed
    /// file is read and verified again. `None` (the default): always read.
    fn fingerprint(&self, _digest: &Digest) -> Option<String> {
        None
    }
}

/// A file's path and identity as git's index records it (device, inode, size, mtime,
/// ctime): any write to the file, or a new file in its place, changes it.
pub fn file_identity(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{}\0{}:{}:{}:{}.{:09}:{}.{:09}",
        path.display(),
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// Reads a whole (small) blob, refusing more than `limit` bytes.
pub fn read_small(source: &dyn Source, digest: &Digest, what: &str, limit: u64) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    source
        .open_blob(digest)?
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| crate::Error::reading(what, e))?;
    if buf.len() as u64 > limit {
        return Err(crate::Error::Limit {
            what: what.into(),
            message: format!("larger than {limit} bytes"),
        });
    }
    if Digest::of(&buf) != *digest {
        return Err(crate::Error::DigestMismatch {
            what: what.into(),
            expected: digest.to_string(),
            actual: Digest::of(&buf).to_string(),
        });
    }
    Ok(buf)
}
