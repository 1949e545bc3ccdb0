//! An OCI image layout directory: `oci-layout`, `index.json`, `blobs/sha256/…`.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::source::{Blob, Source};
use crate::spec::{Index, MAX_JSON, parse_json};

pub struct Layout {
    root: PathBuf,
    name: String,
}

impl Layout {
    /// Opens the layout at `root` and reads its `index.json`.
    pub fn open(root: &Path) -> Result<(Layout, Index)> {
        let name = format!("oci-dir:{}", root.display());
        if !root.join("oci-layout").is_file() {
            return Err(Error::format(
                &name,
                "not an OCI image layout (no oci-layout file)",
            ));
        }
        let index_path = root.join("index.json");
        let bytes = read_capped(&index_path)?;
        let index: Index = parse_json(&format!("{}", index_path.display()), &bytes)?;
        Ok((
            Layout {
                root: root.to_path_buf(),
                name,
            },
            index,
        ))
    }
}

impl Source for Layout {
    fn name(&self) -> &str {
        &self.name
    }

    fn open_blob(&self, digest: &Digest) -> Result<Blob<'_>> {
        let path = self.root.join("blobs/sha256").join(digest.hex());
        match File::open(&path) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::MissingBlob {
                what: self.name.clone(),
                digest: digest.to_string(),
            }),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn fingerprint(&self, digest: &Digest) -> Option<String> {
        super::file_identity(&self.root.join("blobs/sha256").join(digest.hex()))
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_JSON {
        return Err(Error::Limit {
            what: path.display().to_string(),
            message: format!("larger than {MAX_JSON} bytes"),
        });
    }
    std::fs::read(path).map_err(|e| Error::io(path, e))
}
