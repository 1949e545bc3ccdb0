//! `pull`: a registry image saved as an OCI image layout, a directory or a tar, to carry
//! across an air gap and read back with `oci-dir:` / `oci-archive:`.
//!
//! Everything is written to a temporary sibling of the destination and renamed into place at
//! the end, so a failed pull leaves nothing behind. Every blob is hashed while it is written
//! and must match its descriptor's digest and size.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use plinth_image::spec::{Config, Descriptor, Index, Manifest, MediaKind, Platform, parse_json};
use plinth_image::{Digest, Error, Source, Verify};

use crate::options::Options;
use crate::reference::ImageRef;
use crate::source::{Fetched, Registry, bounded_parallel};
use crate::{TransferError, resolve};

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// What a pull saved.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The normalised reference.
    pub reference: String,
    /// Digest of the top-level manifest or index in the saved `index.json`.
    pub digest: Digest,
    pub media_type: String,
    /// Platforms of the saved images (`os/arch[/variant]`).
    pub platforms: Vec<String>,
    /// Blobs written (manifests, configs, layers) and their total size.
    pub blobs: usize,
    pub bytes: u64,
    /// Whether the output is a tar (else a directory).
    pub tar: bool,
}

/// Why a pull failed: reading from the registry, or writing the output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    #[error(transparent)]
    Source(#[from] Error),
    #[error("writing {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Saves the image `reference` names into `dest`: an OCI layout directory, or an OCI layout
/// tar when `dest` ends in `.tar`. From an index, `platform` (default: this machine's) picks
/// one image unless `all_platforms` keeps the whole index.
pub fn pull(
    reference: &str,
    platform: Option<&Platform>,
    all_platforms: bool,
    dest: &Path,
    opts: &Options,
) -> Result<Saved, SaveError> {
    let registry = Registry::connect(ImageRef::parse(reference)?, opts)?;
    let top = registry.fetch_top()?;
    let plan = if all_platforms && top.kind() == MediaKind::Index {
        Plan::whole_index(&registry, top)?
    } else {
        Plan::one_image(&registry, resolve(&registry, top, platform)?)?
    };
    let tar = dest.extension().is_some_and(|e| e == "tar");
    let tmp = temp_sibling(dest);
    let result = if tar {
        write_tar(&registry, &plan, &tmp, opts)
    } else {
        write_dir(&registry, &plan, &tmp, opts)
    }
    .and_then(|()| replace(&tmp, dest));
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
        let _ = fs::remove_file(&tmp);
    }
    result?;
    let top = &plan.top;
    Ok(Saved {
        reference: registry.image().to_string(),
        digest: top.digest.clone(),
        media_type: top.media_type.clone(),
        platforms: plan.platforms.clone(),
        blobs: plan.docs.len() + plan.blobs.len(),
        bytes: plan.docs.iter().map(|d| d.bytes.len() as u64).sum::<u64>()
            + plan.blobs.iter().map(|b| b.size).sum::<u64>(),
        tar,
    })
}

/// What to write: small documents already in memory, blobs still to download, and the
/// descriptor `index.json` lists.
struct Plan {
    /// Manifests, indexes and configs, verified.
    docs: Vec<Fetched>,
    /// Layers (and any other blob), each once.
    blobs: Vec<Descriptor>,
    top: Descriptor,
    platforms: Vec<String>,
}

impl Plan {
    fn new(registry: &Registry, top: &Fetched, platform: Option<Platform>) -> Plan {
        let mut annotations = BTreeMap::new();
        if let Some(tag) = &registry.image().tag {
            annotations.insert(REF_NAME.to_string(), tag.clone());
        }
        Plan {
            docs: Vec::new(),
            blobs: Vec::new(),
            top: Descriptor {
                media_type: top.media_type.clone(),
                digest: top.digest.clone(),
                size: top.bytes.len() as u64,
                platform,
                annotations,
            },
            platforms: Vec::new(),
        }
    }

    fn one_image(registry: &Registry, manifest: Fetched) -> Result<Plan, Error> {
        let mut plan = Plan::new(registry, &manifest, None);
        let platform = plan.add_manifest(registry, manifest)?;
        plan.top.platform = platform;
        Ok(plan)
    }

    fn whole_index(registry: &Registry, index: Fetched) -> Result<Plan, Error> {
        let mut plan = Plan::new(registry, &index, None);
        plan.add_index(registry, index, 0)?;
        Ok(plan)
    }

    fn add_index(
        &mut self,
        registry: &Registry,
        fetched: Fetched,
        depth: usize,
    ) -> Result<(), Error> {
        let what = format!("{}: index {}", registry.image(), fetched.digest);
        if depth > 8 {
            return Err(Error::Format {
                what,
                message: "image indexes nested too deeply".into(),
            });
        }
        let index: Index = parse_json(&what, &fetched.bytes)?;
        registry.remember(&index);
        self.docs.push(fetched);
        for d in &index.manifests {
            if self.docs.iter().any(|f| f.digest == d.digest) {
                continue;
            }
            // Artifacts other than images and indexes are left out, as skopeo does.
            match d.kind() {
                MediaKind::Index => {
                    let inner = registry.fetch_manifest(&d.digest.to_string(), Some(&d.digest))?;
                    self.add_index(registry, inner, depth + 1)?;
                }
                MediaKind::Manifest => {
                    let m = registry.fetch_manifest(&d.digest.to_string(), Some(&d.digest))?;
                    self.add_manifest(registry, m)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds a manifest, its config (fetched now, it is small) and its layers; returns the
    /// platform its config names.
    fn add_manifest(
        &mut self,
        registry: &Registry,
        fetched: Fetched,
    ) -> Result<Option<Platform>, Error> {
        let what = format!("{}: manifest {}", registry.image(), fetched.digest);
        let manifest: Manifest = parse_json(&what, &fetched.bytes)?;
        self.docs.push(fetched);
        let config_bytes = plinth_image::source::read_small(
            registry,
            &manifest.config.digest,
            &format!("{}: config", registry.image()),
            plinth_image::spec::MAX_JSON,
        )?;
        let config: Option<Config> = serde_json::from_slice(&config_bytes).ok();
        if !self.docs.iter().any(|f| f.digest == manifest.config.digest) {
            self.docs.push(Fetched {
                bytes: config_bytes,
                digest: manifest.config.digest.clone(),
                media_type: manifest.config.media_type.clone(),
            });
        }
        for layer in manifest.layers {
            if !self.blobs.iter().any(|b| b.digest == layer.digest) {
                self.blobs.push(layer);
            }
        }
        let platform = config.filter(|c| !c.os.is_empty()).map(|c| Platform {
            os: c.os,
            architecture: c.architecture,
            variant: c.variant,
        });
        if let Some(p) = &platform {
            self.platforms.push(p.to_string());
        }
        Ok(platform)
    }

    fn index_json(&self) -> Vec<u8> {
        let index = Index {
            schema_version: 2,
            media_type: Some(OCI_INDEX.into()),
            manifests: vec![self.top.clone()],
        };
        serde_json::to_vec_pretty(&index).unwrap_or_default()
    }
}

const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

fn write_dir(
    registry: &Registry,
    plan: &Plan,
    root: &Path,
    opts: &Options,
) -> Result<(), SaveError> {
    let blobs = root.join("blobs/sha256");
    fs::create_dir_all(&blobs).map_err(|e| write_err(&blobs, e))?;
    write_file(&root.join("oci-layout"), OCI_LAYOUT)?;
    for doc in &plan.docs {
        write_file(&blobs.join(doc.digest.hex()), &doc.bytes)?;
    }
    bounded_parallel(plan.blobs.len(), opts.parallel, |i| {
        let desc = &plan.blobs[i];
        let path = blobs.join(desc.digest.hex());
        let file = File::create(&path).map_err(|e| write_err(&path, e))?;
        let mut out = BufWriter::new(file);
        copy_blob(registry, desc, &mut out, &path)?;
        out.into_inner()
            .map_err(|e| write_err(&path, e.into_error()))?
            .sync_all()
            .map_err(|e| write_err(&path, e))
    })?;
    write_file(&root.join("index.json"), &plan.index_json())
}

fn write_tar(
    registry: &Registry,
    plan: &Plan,
    path: &Path,
    _opts: &Options,
) -> Result<(), SaveError> {
    let file = File::create(path).map_err(|e| write_err(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut tar = TarWriter {
        out: &mut out,
        path,
    };
    tar.dir("blobs/")?;
    tar.dir("blobs/sha256/")?;
    tar.file("oci-layout", OCI_LAYOUT)?;
    for doc in &plan.docs {
        tar.file(&format!("blobs/sha256/{}", doc.digest.hex()), &doc.bytes)?;
    }
    // Layers go in one after another: a tar is written front to back.
    for desc in &plan.blobs {
        tar.header(
            &format!("blobs/sha256/{}", desc.digest.hex()),
            desc.size,
            false,
        )?;
        copy_blob(registry, desc, tar.out, path)?;
        tar.pad(desc.size)?;
    }
    tar.file("index.json", &plan.index_json())?;
    tar.out
        .write_all(&[0u8; 1024])
        .map_err(|e| write_err(path, e))?;
    let file = out
        .into_inner()
        .map_err(|e| write_err(path, e.into_error()))?;
    file.sync_all().map_err(|e| write_err(path, e))
}

/// Just enough of ustar to write an OCI layout: regular files and directories.
struct TarWriter<'a> {
    out: &'a mut BufWriter<File>,
    path: &'a Path,
}

impl TarWriter<'_> {
    fn header(&mut self, name: &str, size: u64, dir: bool) -> Result<(), SaveError> {
        let mut h = tar::Header::new_ustar();
        h.set_path(name).map_err(|e| write_err(self.path, e))?;
        h.set_size(size);
        h.set_mode(if dir { 0o755 } else { 0o644 });
        h.set_mtime(0);
        h.set_entry_type(if dir {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        });
        h.set_cksum();
        self.out
            .write_all(h.as_bytes())
            .map_err(|e| write_err(self.path, e))
    }

    fn pad(&mut self, size: u64) -> Result<(), SaveError> {
        let rem = (size % 512) as usize;
        if rem == 0 {
            return Ok(());
        }
        self.out
            .write_all(&[0u8; 512][rem..])
            .map_err(|e| write_err(self.path, e))
    }

    fn dir(&mut self, name: &str) -> Result<(), SaveError> {
        self.header(name, 0, true)
    }

    fn file(&mut self, name: &str, bytes: &[u8]) -> Result<(), SaveError> {
        self.header(name, bytes.len() as u64, false)?;
        self.out
            .write_all(bytes)
            .map_err(|e| write_err(self.path, e))?;
        self.pad(bytes.len() as u64)
    }
}

/// Streams one blob from the registry into `out`, hashing as it goes; the digest and size
/// must be the descriptor's. Stops early rather than write more than the descriptor's size.
fn copy_blob(
    registry: &Registry,
    desc: &Descriptor,
    out: &mut dyn Write,
    path: &Path,
) -> Result<(), SaveError> {
    let what = format!("{}: blob {}", registry.image(), desc.digest);
    let mut src = Verify::new(registry.open_blob(&desc.digest)?, Some(desc.digest.clone()));
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = src
            .read(&mut buf)
            .map_err(|e| read_err(registry, &what, e))?;
        if n == 0 {
            break;
        }
        if src.count() > desc.size {
            return Err(size_err(&what, desc.size, src.count()).into());
        }
        out.write_all(&buf[..n]).map_err(|e| write_err(path, e))?;
    }
    // The digest was checked when the stream ended (a mismatch fails that last read).
    if src.count() != desc.size {
        return Err(size_err(&what, desc.size, src.count()).into());
    }
    Ok(())
}

fn size_err(what: &str, expected: u64, got: u64) -> Error {
    Error::Format {
        what: what.to_string(),
        message: format!("the manifest says {expected} bytes but the registry sent {got} or more"),
    }
}

fn read_err(registry: &Registry, what: &str, e: io::Error) -> Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TransferError>())
    {
        Some(t) => Error::Network {
            what: registry.image().to_string(),
            message: t.0.clone(),
        },
        None => Error::reading(what, e),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SaveError> {
    fs::write(path, bytes).map_err(|e| write_err(path, e))
}

fn write_err(path: &Path, source: io::Error) -> SaveError {
    SaveError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// `.NAME.plinth-PID.tmp` beside `dest`: same filesystem, so the final rename is atomic.
fn temp_sibling(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pull".into());
    dest.with_file_name(format!(".{name}.plinth-{}.tmp", std::process::id()))
}

/// Moves the finished output into place. An existing empty directory is replaced; anything
/// else already at a directory destination is left alone and reported.
fn replace(tmp: &Path, dest: &Path) -> Result<(), SaveError> {
    if tmp.is_dir() && dest.is_dir() {
        let empty = fs::read_dir(dest)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(write_err(
                dest,
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "already exists and is not empty",
                ),
            ));
        }
        fs::remove_dir(dest).map_err(|e| write_err(dest, e))?;
    }
    fs::rename(tmp, dest).map_err(|e| write_err(dest, e))
}
