//! The one pass over an image that facts need: `plinth_sbom::inventory_with` runs every
//! cataloger (so the inventory comes out of the same walk) together with [`Gather`], which
//! keeps the few files facts read themselves — ELF headers of executables in the standard bin
//! directories and of the entrypoint, Python and Node native extensions, glibc's
//! `libc.so.6`, `/etc/passwd` and the loader's config.

use std::collections::HashSet;

use plinth_image::files::{FileList, Kind};
use plinth_image::{Collector, Image, SharedLayers};
use plinth_sbom::{Collected, Inventory, Layers};

use crate::elf::{self, ElfInfo};
use crate::tree::Tree;

/// Directories whose executables are summarised (the usual PATH, and `/app`).
pub const BIN_DIRS: &[&str] = &[
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "usr/local/bin",
    "usr/local/sbin",
    "app",
];

/// The most bytes of one executable or extension that facts will buffer.
const MAX_BINARY: u64 = 256 << 20;
const MAX_TEXT: u64 = 1 << 20;

/// What the walk keeps of one file.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Kept {
    Elf(Result<ElfInfo, String>),
    /// A script's `#!` line (without `#!`).
    Script(String),
    /// Neither ELF nor script: an entrypoint candidate that is some other file.
    Opaque,
    /// Small text files facts read (`/etc/passwd`, ld.so.conf).
    Text(Vec<u8>),
    GlibcVersion(Option<String>),
}

/// The collector: catalogers plus the files facts need.
pub struct Gather {
    /// Entrypoint candidate paths (no leading `/`), known from the configs before the walk:
    /// those of every image in the run, so that all of them can share one collector (and
    /// so their common layers). Facts look files up by path, so another image's candidate
    /// kept here changes nothing.
    candidates: HashSet<String>,
}

impl Gather {
    pub fn new(candidates: HashSet<String>) -> Gather {
        Gather { candidates }
    }

    fn fact_size(&self, path: &str, mode: u32) -> Option<u64> {
        if self.candidates.contains(path) {
            return Some(MAX_BINARY);
        }
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
        if mode & 0o111 != 0 && BIN_DIRS.contains(&dir) {
            return Some(MAX_BINARY);
        }
        if is_native_extension(path) {
            return Some(MAX_BINARY);
        }
        if base == "libc.so.6" {
            return Some(32 << 20);
        }
        if matches!(path, "etc/passwd" | "etc/ld.so.conf")
            || (dir == "etc/ld.so.conf.d" && base.ends_with(".conf"))
        {
            return Some(MAX_TEXT);
        }
        None
    }
}

/// Python C extensions in site-packages and Node native addons.
pub fn is_native_extension(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    (base.ends_with(".node") && path.contains("node_modules/"))
        || ((path.contains("/site-packages/") || path.contains("/dist-packages/"))
            && (base.ends_with(".so") || base.contains(".so.")))
}

impl Collector for Gather {
    type Item = Vec<Kept>;

    fn wants(&self, path: &str, _size: u64, mode: u32) -> Option<u64> {
        self.fact_size(path, mode)
    }

    fn collect(&self, path: &str, _mode: u32, data: &[u8]) -> Option<Vec<Kept>> {
        Some(vec![fact_of(path, data)])
    }

    /// The candidates decide which files are kept, so they are part of the identity (sorted:
    /// the same set is the same collector).
    fn cache_identity(&self) -> Option<String> {
        let mut candidates: Vec<&str> = self.candidates.iter().map(String::as_str).collect();
        candidates.sort_unstable();
        let named = plinth_image::Digest::of(candidates.join("\0").as_bytes());
        Some(format!(
            "facts/{FACTS_VERSION}/{}/{named}",
            env!("CARGO_PKG_VERSION")
        ))
    }

    fn encode_item(&self, item: &Vec<Kept>) -> Option<Vec<u8>> {
        serde_json::to_vec(item).ok()
    }

    fn decode_item(&self, bytes: &[u8]) -> Option<Vec<Kept>> {
        serde_json::from_slice(bytes).ok()
    }
}

/// Changes whenever what [`Gather`] keeps of a file does (cached walks are then redone).
const FACTS_VERSION: u32 = 1;

fn fact_of(path: &str, data: &[u8]) -> Kept {
    let base = path.rsplit('/').next().unwrap_or(path);
    if path.starts_with("etc/") {
        return Kept::Text(data.to_vec());
    }
    if base == "libc.so.6" {
        return Kept::GlibcVersion(elf::glibc_version(data));
    }
    if data.starts_with(b"\x7fELF") {
        return Kept::Elf(elf::inspect(data));
    }
    if let Some(rest) = data.strip_prefix(b"#!") {
        let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
        let line = &line[..line.len().min(256)];
        return Kept::Script(String::from_utf8_lossy(line).trim().to_string());
    }
    Kept::Opaque
}

/// What images of one run share: their common layers, walked once.
pub type Shared = SharedLayers<Collected<Vec<Kept>>>;

/// One walk's results: every layer's entries, what was kept, and the inventory.
pub struct Walked {
    pub layers: Layers<Vec<Kept>>,
    pub inventory: Inventory,
}

impl Walked {
    pub fn tree(&self) -> Tree<'_> {
        Tree::new(lists(&self.layers))
    }

    /// What was kept of the surviving copy of `path` (no leading `/`), if it was collected.
    pub fn kept(&self, tree: &Tree<'_>, path: &str) -> Option<&[Kept]> {
        let (entry, at) = tree.get(path)?;
        if entry.kind != Kind::File {
            return None;
        }
        self.layers[at.layer as usize]
            .collected
            .iter()
            .find(|(p, _)| p == path)
            .and_then(|(_, c)| c.extra.as_deref())
    }
}

/// Walks `image` once with the catalogers and `gather`, taking layers walked before from
/// `shared`.
pub fn walk(image: &Image, gather: &Gather, shared: &Shared) -> plinth_image::Result<Walked> {
    let (inventory, layers) = plinth_sbom::inventory_with(image, gather, shared)?;
    Ok(Walked { layers, inventory })
}

/// The layers' entry lists, for the layer report.
pub fn lists(layers: &Layers<Vec<Kept>>) -> Vec<&FileList> {
    layers.iter().map(|l| &l.files).collect()
}
