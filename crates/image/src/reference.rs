//! Image references: explicit schemes (`docker-archive:`, `oci-dir:`, `oci-archive:`,
//! `dir:`, `registry:`) and plain paths sniffed by content, never by file name.

use std::path::{Path, PathBuf};

use crate::Image;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::select::{self, Selector};
use crate::source::archive::{Archive, Contents, DockerEntry};
use crate::source::layout::Layout;
use crate::source::{Source, read_small};
use crate::spec::{Config, MAX_JSON, Platform, parse_json};

/// Where an image lives, parsed from a reference string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    DockerArchive(PathBuf),
    OciDir(PathBuf),
    OciArchive(PathBuf),
    Rootfs(PathBuf),
    /// A root filesystem tarball (`rootfs-archive:`).
    RootfsArchive(PathBuf),
    /// A path without a scheme: what it is will be sniffed from its content.
    Path(PathBuf),
    /// A registry reference, resolved by `plinth-registry`.
    Registry(String),
}

/// Builds a [`Location`] from the path after a scheme.
type MakeLocation = fn(PathBuf) -> Location;

/// A parsed reference: the location and which image in it.
#[derive(Debug, Clone)]
pub struct Reference {
    pub location: Location,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parses `SCHEME:PATH[:TAG][@sha256:…]` or a bare path or registry reference.
    pub fn parse(s: &str) -> Result<Reference> {
        let schemes: [(&str, MakeLocation); 7] = [
            ("rootfs-archive:", Location::RootfsArchive),
            ("docker-archive:", Location::DockerArchive),
            ("oci-archive:", Location::OciArchive),
            ("oci-dir:", Location::OciDir),
            ("oci:", Location::OciDir),
            ("dir:", Location::Rootfs),
            ("file:", Location::Path),
        ];
        if let Some(rest) = s.strip_prefix("registry:") {
            return Ok(Reference {
                location: Location::Registry(rest.to_string()),
                tag: None,
                digest: None,
            });
        }
        for (prefix, make) in schemes {
            if let Some(rest) = s.strip_prefix(prefix) {
                let (path, tag, digest) = split_path(rest)?;
                if !path.exists() {
                    return Err(Error::io(&path, not_found()));
                }
                return Ok(Reference {
                    location: make(path),
                    tag,
                    digest,
                });
            }
        }
        match split_path(s) {
            Ok((path, tag, digest)) if path.exists() => Ok(Reference {
                location: Location::Path(path),
                tag,
                digest,
            }),
            _ if looks_like_path(s) => Err(Error::io(s, not_found())),
            _ => Ok(Reference {
                location: Location::Registry(s.to_string()),
                tag: None,
                digest: None,
            }),
        }
    }

    /// Opens a local image. Registry references are an error here: the CLI hands them to the
    /// registry client.
    pub fn open_local(&self, platform: Option<&Platform>) -> Result<Image> {
        let sel = Selector {
            tag: self.tag.clone(),
            digest: self.digest.clone(),
            platform: platform.cloned(),
        };
        match &self.location {
            Location::Rootfs(p) => Image::rootfs(p.clone()),
            Location::OciDir(p) => open_layout(p, &sel),
            Location::DockerArchive(p) => open_archive(p, "docker-archive", &sel, true),
            Location::OciArchive(p) => open_archive(p, "oci-archive", &sel, false),
            Location::Path(p) if p.is_dir() => {
                if p.join("oci-layout").is_file() {
                    open_layout(p, &sel)
                } else {
                    Image::rootfs(p.clone())
                }
            }
            Location::RootfsArchive(p) => Image::rootfs_archive(p, None),
            Location::Path(p) => open_sniffed(p, &sel),
            Location::Registry(r) => Err(Error::select(r, "is a registry reference")),
        }
    }
}

/// The error `open` would give for a missing path ("No such file or directory").
fn not_found() -> std::io::Error {
    std::io::Error::from_raw_os_error(2)
}

/// Paths with a separator or a leading dot are never registry references.
fn looks_like_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.') || s.ends_with(".tar") || s.ends_with(".tar.gz")
}

/// `PATH[:TAG][@sha256:HEX]` where PATH is the longest prefix that exists.
fn split_path(s: &str) -> Result<(PathBuf, Option<String>, Option<Digest>)> {
    let (rest, digest) = match s.rsplit_once("@sha256:") {
        Some((rest, hex)) => {
            let d = Digest::from_hex(hex)
                .ok_or_else(|| Error::format(s, "malformed @sha256: digest"))?;
            (rest, Some(d))
        }
        None => (s, None),
    };
    if Path::new(rest).exists() {
        return Ok((PathBuf::from(rest), None, digest));
    }
    match rest.rsplit_once(':') {
        Some((path, tag)) if !tag.is_empty() && !tag.contains('/') && Path::new(path).exists() => {
            Ok((PathBuf::from(path), Some(tag.to_string()), digest))
        }
        _ => Ok((PathBuf::from(rest), None, digest)),
    }
}

fn open_layout(path: &Path, sel: &Selector) -> Result<Image> {
    let (layout, index) = Layout::open(path)?;
    let desc = select::manifest_in(&layout, &index, sel)?;
    let bytes = read_small(
        &layout,
        &desc.digest,
        &format!("{}: manifest {}", layout.name(), desc.digest),
        MAX_JSON,
    )?;
    Image::from_manifest(Box::new(layout), &bytes, Some(desc.digest))
}

/// A file given without a scheme: an image archive when it holds an image manifest, else a
/// root filesystem tarball (said in a note, since a mistyped archive would read as one too).
fn open_sniffed(path: &Path, sel: &Selector) -> Result<Image> {
    let mut magic = [0u8; 6];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut magic))
        .map_err(|e| Error::io(path, e))?;
    let compression = crate::source::rootfs::compression_of(&magic[..n]);
    // Image archives are plain or gzip tars; zstd and xz ones can only be root filesystems.
    if !matches!(compression, "tar" | "tar+gzip") {
        return Image::rootfs_archive(path, Some(rootfs_note(path, compression)));
    }
    let (archive, contents) = Archive::open(path, "archive")?;
    match contents {
        Contents::Plain => Image::rootfs_archive(path, Some(rootfs_note(path, compression))),
        contents => open_contents(path, archive, contents, sel, true),
    }
}

fn rootfs_note(path: &Path, compression: &str) -> String {
    format!(
        "{}: a {compression} with no image manifest (manifest.json, index.json): read as a root filesystem (rootfs-archive:{})",
        path.display(),
        path.display()
    )
}

fn open_archive(path: &Path, scheme: &str, sel: &Selector, prefer_docker: bool) -> Result<Image> {
    let (archive, contents) = Archive::open(path, scheme)?;
    open_contents(path, archive, contents, sel, prefer_docker)
}

fn open_contents(
    path: &Path,
    mut archive: Archive,
    contents: Contents,
    sel: &Selector,
    prefer_docker: bool,
) -> Result<Image> {
    match contents {
        Contents::Plain => Err(Error::format(
            archive.name(),
            format!(
                "not an image archive (no manifest.json, no OCI index.json); a root filesystem tarball reads as rootfs-archive:{}",
                path.display()
            ),
        )),
        Contents::Docker(entries) if prefer_docker || sel.digest.is_none() => {
            let entry = pick_docker_entry(archive.name(), &entries, sel)?;
            let (config, manifest) = archive.docker_image(&entry, |bytes| {
                let config: Config = parse_json(&format!("{}: config", path.display()), bytes)?;
                Ok(config.rootfs.diff_ids)
            })?;
            crate::Image::assemble(Box::new(archive), manifest, &config, None)
        }
        Contents::Docker(_) => Err(Error::select(
            archive.name(),
            "a docker archive has no manifest digests to select by",
        )),
        Contents::Oci(index) => {
            let desc = select::manifest_in(&archive, &index, sel)?;
            let bytes = read_small(
                &archive,
                &desc.digest,
                &format!("{}: manifest {}", archive.name(), desc.digest),
                MAX_JSON,
            )?;
            Image::from_manifest(Box::new(archive), &bytes, Some(desc.digest))
        }
    }
}

/// Chooses an image of `docker save`'s manifest.json by RepoTags.
fn pick_docker_entry(what: &str, entries: &[DockerEntry], sel: &Selector) -> Result<DockerEntry> {
    let tags = |e: &DockerEntry| e.repo_tags.clone().unwrap_or_default();
    if let Some(want) = &sel.tag {
        let matches = |t: &String| {
            t == want
                || t.rsplit_once(':').is_some_and(|(_, tag)| tag == want)
                || t.strip_prefix("localhost/") == Some(want)
        };
        return entries
            .iter()
            .find(|e| tags(e).iter().any(matches))
            .cloned()
            .ok_or_else(|| {
                Error::select(
                    what,
                    format!("no image tagged {want:?} (tags: {})", all_tags(entries)),
                )
            });
    }
    match entries {
        [one] => Ok(one.clone()),
        _ => Err(Error::select(
            what,
            format!(
                "holds {} images; choose one with :TAG (tags: {})",
                entries.len(),
                all_tags(entries)
            ),
        )),
    }
}

fn all_tags(entries: &[DockerEntry]) -> String {
    let tags: Vec<String> = entries
        .iter()
        .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
        .collect();
    if tags.is_empty() {
        "none".into()
    } else {
        tags.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_are_registry_references() {
        let r = Reference::parse("alpine:3.20").unwrap();
        assert_eq!(r.location, Location::Registry("alpine:3.20".into()));
        let r = Reference::parse("registry:ghcr.io/x/y@sha256:abc").unwrap();
        assert_eq!(
            r.location,
            Location::Registry("ghcr.io/x/y@sha256:abc".into())
        );
    }

    #[test]
    fn schemes_and_tags() {
        let dir = std::env::temp_dir();
        let s = format!("oci-dir:{}:v1", dir.display());
        let r = Reference::parse(&s).unwrap();
        assert_eq!(r.location, Location::OciDir(dir.clone()));
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert!(Reference::parse("docker-archive:/no/such/file.tar").is_err());
        assert!(Reference::parse("./missing.tar").is_err());
    }
}
