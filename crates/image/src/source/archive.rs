//! Images in one tar file: `docker save` archives (classic `<id>/layer.tar` and Docker 25+'s
//! OCI layout with `manifest.json`) and OCI layouts in a tar, each plain or gzip-compressed.
//!
//! A plain tar is indexed once (headers only, data skipped by seeking) and members are then
//! read by position, several at a time. A gzip-compressed tar can only be read front to back:
//! it is indexed in one pass that keeps the small members (manifests, configs) in memory, and
//! its layers are streamed in a second pass.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::source::{Blob, Source};
use crate::spec::{Descriptor, Index, MAX_JSON, Manifest, parse_json};
use crate::tarball::{Member, MemberKind, OuterTar, clean, resolve_link};

/// Members up to this size are kept in memory when indexing a compressed archive.
const CACHE_MEMBER: u64 = 4 << 20;
/// And no more than this in total.
const CACHE_TOTAL: u64 = 64 << 20;

pub struct Archive {
    name: String,
    path: PathBuf,
    gzip: bool,
    /// Member name → where its data starts in the (uncompressed) stream, and its size.
    members: HashMap<String, (u64, u64)>,
    /// Small members of a compressed archive, read during indexing.
    cache: HashMap<String, Arc<[u8]>>,
    /// Blob digest → member name.
    blobs: HashMap<Digest, String>,
}

/// What an archive holds.
pub enum Contents {
    /// `manifest.json` of `docker save`.
    Docker(Vec<DockerEntry>),
    /// An OCI layout's `index.json`.
    Oci(Index),
    /// Neither: a tar of something else (a root filesystem, say).
    Plain,
}

/// One image of a `docker save` manifest.json.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerEntry {
    pub config: String,
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    pub layers: Vec<String>,
}

impl Archive {
    /// Indexes the archive at `path`; `scheme` names it in messages (`archive` when the kind
    /// is to be sniffed: the name then says what was found).
    pub fn open(path: &Path, scheme: &str) -> Result<(Archive, Contents)> {
        let name = format!("{scheme}:{}", path.display());
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut magic = [0u8; 2];
        let gzip =
            file.read(&mut magic).map_err(|e| Error::io(path, e))? == 2 && magic == [0x1f, 0x8b];
        file.seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(path, e))?;
        let mut archive = Archive {
            name,
            path: path.to_path_buf(),
            gzip,
            members: HashMap::new(),
            cache: HashMap::new(),
            blobs: HashMap::new(),
        };
        let index_result = if gzip {
            archive.index_stream(MultiGzDecoder::new(BufReader::new(file)))
        } else {
            archive.index_file(BufReader::new(file))
        };
        index_result.map_err(|e| Error::reading(&archive.name, e))?;
        let contents = archive.contents()?;
        // A sniffed archive is named for what it turned out to hold.
        if scheme == "archive" {
            let kind = match contents {
                Contents::Docker(_) => "docker-archive",
                Contents::Oci(_) => "oci-archive",
                Contents::Plain => "rootfs-archive",
            };
            archive.name = format!("{kind}:{}", path.display());
        }
        Ok((archive, contents))
    }

    fn index_file(&mut self, reader: BufReader<File>) -> io::Result<()> {
        let mut tar = OuterTar::new(reader);
        let mut links = Vec::new();
        let skip = |r: &mut BufReader<File>, n: u64| r.seek_relative(n as i64);
        while let Some(m) = tar.next_member(skip)? {
            self.record(&m, tar.position(), &mut links);
        }
        self.resolve_links(links);
        Ok(())
    }

    fn index_stream(&mut self, reader: impl Read) -> io::Result<()> {
        let mut tar = OuterTar::new(reader);
        let mut links = Vec::new();
        let mut cached = 0u64;
        while let Some(m) = tar.next_member(skip_by_reading)? {
            self.record(&m, tar.position(), &mut links);
            if m.kind == MemberKind::File
                && m.size <= CACHE_MEMBER
                && cached + m.size <= CACHE_TOTAL
            {
                let mut buf = Vec::with_capacity(m.size as usize);
                tar.data(m.size).read_to_end(&mut buf)?;
                cached += m.size;
                self.cache.insert(m.name_lossy(), buf.into());
            }
        }
        self.resolve_links(links);
        Ok(())
    }

    fn record(&mut self, m: &Member, position: u64, links: &mut Vec<(String, String)>) {
        let name = m.name_lossy();
        match m.kind {
            MemberKind::File => {
                if let Some(d) = name
                    .strip_prefix("blobs/sha256/")
                    .and_then(Digest::from_hex)
                {
                    self.blobs.insert(d, name.clone());
                }
                self.members.insert(name, (position, m.size));
            }
            MemberKind::Symlink => links.push((name.clone(), resolve_link(&name, &m.link_lossy()))),
            MemberKind::Hardlink => links.push((name, clean(&m.link_lossy()))),
            _ => {}
        }
    }

    /// `<id>/layer.tar -> ../<hex>.tar`: point link members at their targets' data.
    fn resolve_links(&mut self, links: Vec<(String, String)>) {
        for (name, target) in links {
            if let Some(&pos) = self.members.get(&target) {
                self.members.insert(name.clone(), pos);
                if let Some(bytes) = self.cache.get(&target).cloned() {
                    self.cache.insert(name, bytes);
                }
            }
        }
    }

    fn contents(&self) -> Result<Contents> {
        if self.members.contains_key("manifest.json") {
            let bytes = self.read_member("manifest.json", MAX_JSON)?;
            // A root filesystem may hold a manifest.json of its own: say what was expected.
            let entries: Vec<DockerEntry> = serde_json::from_slice(&bytes).map_err(|e| {
                Error::format(
                    &self.name,
                    format!(
                        "manifest.json is not a docker save image manifest ({e}); a root filesystem tarball reads as rootfs-archive:{}",
                        self.path.display()
                    ),
                )
            })?;
            if entries.is_empty() {
                return Err(Error::format(&self.name, "manifest.json lists no images"));
            }
            return Ok(Contents::Docker(entries));
        }
        if self.members.contains_key("index.json") && self.members.contains_key("oci-layout") {
            let bytes = self.read_member("index.json", MAX_JSON)?;
            return Ok(Contents::Oci(parse_json(
                &format!("{}: index.json", self.name),
                &bytes,
            )?));
        }
        Ok(Contents::Plain)
    }

    /// Reads a whole member, refusing more than `limit` bytes.
    pub fn read_member(&self, member: &str, limit: u64) -> Result<Vec<u8>> {
        let what = format!("{}: {member}", self.name);
        let &(_, size) = self
            .members
            .get(member)
            .ok_or_else(|| Error::format(&self.name, format!("no member {member:?}")))?;
        if size > limit {
            return Err(Error::Limit {
                what,
                message: format!("larger than {limit} bytes"),
            });
        }
        let mut buf = Vec::with_capacity(size as usize);
        self.open_member(member)?
            .read_to_end(&mut buf)
            .map_err(|e| Error::reading(&what, e))?;
        Ok(buf)
    }

    fn open_member(&self, member: &str) -> Result<Blob<'_>> {
        if let Some(bytes) = self.cache.get(member) {
            return Ok(Box::new(io::Cursor::new(bytes.clone())));
        }
        let &(offset, size) = self
            .members
            .get(member)
            .ok_or_else(|| Error::format(&self.name, format!("no member {member:?}")))?;
        let mut file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        if !self.gzip {
            file.seek(SeekFrom::Start(offset))
                .map_err(|e| Error::io(&self.path, e))?;
            return Ok(Box::new(BufReader::new(file).take(size)));
        }
        // A big member of a compressed archive read on its own: decompress up to it.
        let mut stream = MultiGzDecoder::new(BufReader::new(file));
        io::copy(&mut (&mut stream).take(offset), &mut io::sink())
            .map_err(|e| Error::reading(&self.name, e))?;
        Ok(Box::new(stream.take(size)))
    }

    /// Makes a docker-archive image readable by digest: the config by its hash, each layer by
    /// the digest in its file name when it has one (`<hex>.tar`, `blobs/sha256/<hex>`), else by
    /// its diff_id. Returns the config bytes and a synthesized manifest.
    pub fn docker_image(
        &mut self,
        entry: &DockerEntry,
        diff_ids: impl Fn(&[u8]) -> Result<Vec<Digest>>,
    ) -> Result<(Vec<u8>, Manifest)> {
        let config = self.read_member(&entry.config, MAX_JSON)?;
        let config_digest = Digest::of(&config);
        self.blobs
            .insert(config_digest.clone(), entry.config.clone());
        let ids = diff_ids(&config)?;
        if ids.len() != entry.layers.len() {
            return Err(Error::format(
                &self.name,
                format!(
                    "manifest.json lists {} layers but the config has {} diff_ids",
                    entry.layers.len(),
                    ids.len()
                ),
            ));
        }
        let mut layers = Vec::new();
        for (member, diff_id) in entry.layers.iter().zip(ids) {
            let &(_, size) = self.members.get(member).ok_or_else(|| Error::MissingBlob {
                what: self.name.clone(),
                digest: format!("{member} ({diff_id})"),
            })?;
            let digest = digest_in_name(member).unwrap_or(diff_id);
            self.blobs.insert(digest.clone(), member.clone());
            layers.push(Descriptor {
                media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
                digest,
                size,
                platform: None,
                annotations: Default::default(),
            });
        }
        let config_desc = Descriptor {
            media_type: "application/vnd.docker.container.image.v1+json".into(),
            digest: config_digest,
            size: config.len() as u64,
            platform: None,
            annotations: Default::default(),
        };
        let manifest = Manifest {
            schema_version: 2,
            media_type: None,
            config: config_desc,
            layers,
            annotations: Default::default(),
        };
        Ok((config, manifest))
    }
}

fn skip_by_reading<R: Read>(r: &mut R, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "archive truncated",
        ));
    }
    Ok(())
}

/// `abc/…/<64 hex>[.tar]` → that digest.
fn digest_in_name(member: &str) -> Option<Digest> {
    let base = member.rsplit('/').next()?;
    Digest::from_hex(base.strip_suffix(".tar").unwrap_or(base))
}

impl Source for Archive {
    fn name(&self) -> &str {
        &self.name
    }

    /// The archive file's identity and the member holding the blob: any change to the
    /// archive has every layer read again.
    fn fingerprint(&self, digest: &Digest) -> Option<String> {
        let member = self.blobs.get(digest)?;
        Some(format!("{}\0{member}", super::file_identity(&self.path)?))
    }

    fn open_blob(&self, digest: &Digest) -> Result<Blob<'_>> {
        let member = self.blobs.get(digest).ok_or_else(|| Error::MissingBlob {
            what: self.name.clone(),
            digest: digest.to_string(),
        })?;
        self.open_member(member)
    }

    fn for_each_blob(
        &self,
        digests: &[Digest],
        visit: &(dyn Fn(usize, Blob<'_>) -> Result<()> + Sync),
    ) -> Result<()> {
        if !self.gzip {
            use rayon::prelude::*;
            return digests
                .par_iter()
                .enumerate()
                .try_for_each(|(i, d)| visit(i, self.open_blob(d)?));
        }
        // One pass through the compressed stream, handing each wanted member over as it comes.
        let mut wanted: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, d) in digests.iter().enumerate() {
            let member = self.blobs.get(d).ok_or_else(|| Error::MissingBlob {
                what: self.name.clone(),
                digest: d.to_string(),
            })?;
            wanted.entry(self.members[member].0).or_default().push(i);
        }
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut tar = OuterTar::new(MultiGzDecoder::new(BufReader::new(file)));
        while !wanted.is_empty() {
            let Some(m) = tar
                .next_member(skip_by_reading)
                .map_err(|e| Error::reading(&self.name, e))?
            else {
                break;
            };
            let Some(indexes) = wanted.remove(&tar.position()) else {
                continue;
            };
            for (n, &i) in indexes.iter().enumerate() {
                if n == 0 {
                    visit(i, Box::new(tar.data(m.size)))?;
                } else {
                    // The same member wanted twice (an image repeating a layer): read it again.
                    visit(i, self.open_blob(&digests[i])?)?;
                }
            }
        }
        Ok(())
    }
}
