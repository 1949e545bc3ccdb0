//! The one pass over an image that facts need: every cataloger of `plinth-catalog` (so the
//! inventory comes out of the same walk) plus the few files facts read themselves — ELF
//! headers of executables in the standard bin directories and of the entrypoint, Python and
//! Node native extensions, glibc's `libc.so.6`, `/etc/passwd` and the loader's config.
//!
//! The inventory is assembled here with the same rules as `plinth_sbom::inventory` (a
//! package counts when the database file that lists it survives in the merged filesystem;
//! it belongs to the lowest layer whose copy already listed it). A test holds the two equal
//! on every fixture image; `plinth-sbom` exposing its collector would remove this copy.

use std::collections::{HashMap, HashSet};

use plinth_catalog::{CATALOGERS, FileInput, FileMeta, Package, Warning};
use plinth_image::files::{FileList, Kind};
use plinth_image::{Collector, Image, LayerFacts};
use plinth_sbom::{Found, Inventory, LayerRef, Problem};

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
#[derive(Debug)]
pub enum Kept {
    Packages(Vec<Package>),
    Problem(Warning),
    OsRelease(Vec<u8>),
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
    /// Entrypoint candidate paths (no leading `/`), known from the config before the walk.
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

fn is_os_file(path: &str) -> bool {
    plinth_catalog::os_files()
        .iter()
        .any(|f| f.strip_prefix('/') == Some(path))
}

impl Collector for Gather {
    type Item = Vec<Kept>;

    fn wants(&self, path: &str, size: u64, mode: u32) -> Option<u64> {
        let abs = format!("/{path}");
        let meta = FileMeta {
            path: &abs,
            size,
            mode,
        };
        CATALOGERS
            .iter()
            .filter(|c| (c.wants)(&meta))
            .map(|c| c.max_size)
            .chain(is_os_file(path).then_some(MAX_TEXT))
            .chain(self.fact_size(path, mode))
            .max()
    }

    fn collect(&self, path: &str, mode: u32, data: &[u8]) -> Option<Vec<Kept>> {
        let abs = format!("/{path}");
        let meta = FileMeta {
            path: &abs,
            size: data.len() as u64,
            mode,
        };
        let mut kept = Vec::new();
        if is_os_file(path) {
            kept.push(Kept::OsRelease(data.to_vec()));
        }
        let input = FileInput {
            path: &abs,
            data,
            mode,
        };
        for c in CATALOGERS.iter().filter(|c| (c.wants)(&meta)) {
            match (c.parse)(&input) {
                Ok(found) if found.is_empty() => {}
                Ok(found) => kept.push(Kept::Packages(found)),
                Err(message) => kept.push(Kept::Problem(Warning {
                    cataloger: c.name,
                    path: abs.clone(),
                    message,
                })),
            }
        }
        if self.fact_size(path, mode).is_some() {
            kept.push(fact_of(path, data));
        }
        (!kept.is_empty()).then_some(kept)
    }
}

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

/// One walk's results: every layer's entries, what was kept, and the inventory.
pub struct Walked {
    pub layers: Vec<LayerFacts<Vec<Kept>>>,
    pub inventory: Inventory,
}

impl Walked {
    pub fn tree(&self) -> Tree<'_> {
        Tree::new(self.layers.iter().map(|l| &l.files).collect())
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
            .map(|(_, k)| k.as_slice())
    }
}

/// Walks `image` once with [`Gather`] and assembles its inventory.
pub fn walk(image: &Image, candidates: HashSet<String>) -> plinth_image::Result<Walked> {
    let layers = image.walk(&Gather::new(candidates))?;
    let inventory = {
        let tree = Tree::new(layers.iter().map(|l| &l.files).collect());
        assemble(image, &layers, &tree)
    };
    Ok(Walked { layers, inventory })
}

fn assemble(image: &Image, layers: &[LayerFacts<Vec<Kept>>], tree: &Tree<'_>) -> Inventory {
    let mut by_path: HashMap<&str, Vec<(usize, &[Kept])>> = HashMap::new();
    for (i, l) in layers.iter().enumerate() {
        for (path, kept) in &l.collected {
            by_path.entry(path).or_default().push((i, kept));
        }
    }
    let mut os_release: HashMap<&str, &[u8]> = HashMap::new();
    let mut packages: Vec<(Package, usize)> = Vec::new();
    let mut warnings = Vec::new();
    for (path, versions) in &by_path {
        let Some((entry, at)) = tree.get(path) else {
            continue;
        };
        if entry.kind != Kind::File {
            continue;
        }
        let top = at.layer as usize;
        let Some(&(_, kept)) = versions.iter().find(|(l, _)| *l == top) else {
            continue;
        };
        for k in kept {
            match k {
                Kept::OsRelease(bytes) => {
                    os_release.insert(path, bytes);
                }
                Kept::Problem(w) => warnings.push(Problem {
                    cataloger: w.cataloger.into(),
                    path: w.path.clone(),
                    message: w.message.clone(),
                }),
                Kept::Packages(list) => {
                    for p in list {
                        packages.push((p.clone(), first_listed(p, versions, top)));
                    }
                }
                _ => {}
            }
        }
    }
    let os = plinth_catalog::detect_os(|p| os_release.get(p.trim_start_matches('/')).copied());
    let mut plain: Vec<Package> = packages.iter().map(|(p, _)| p.clone()).collect();
    plinth_catalog::attach_os(&mut plain, os.as_ref());
    let mut found: Vec<Found> = plain
        .into_iter()
        .zip(packages)
        .map(|(package, (_, layer))| Found {
            purl: plinth_catalog::purl(&package, os.as_ref()),
            package,
            layer: Some(layer),
        })
        .collect();
    found.sort_by(|a, b| {
        let (p, q) = (&a.package, &b.package);
        (p.kind, &p.name, &p.version, &p.found_at).cmp(&(q.kind, &q.name, &q.version, &q.found_at))
    });
    warnings.sort_by(|a, b| (&a.path, &a.cataloger).cmp(&(&b.path, &b.cataloger)));
    Inventory {
        source: image.name().to_string(),
        manifest_digest: image.manifest_digest().cloned(),
        layers: image
            .layers()
            .into_iter()
            .map(|l| LayerRef {
                index: l.index,
                digest: l.digest,
                diff_id: l.diff_id,
                created_by: l.history.and_then(|h| h.created_by),
            })
            .collect(),
        os,
        packages: found,
        warnings,
    }
}

/// The lowest layer (up to `top`) whose copy of the database already listed `p`.
fn first_listed(p: &Package, versions: &[(usize, &[Kept])], top: usize) -> usize {
    versions
        .iter()
        .filter(|(l, _)| *l <= top)
        .find(|(_, kept)| {
            kept.iter().any(|k| match k {
                Kept::Packages(list) => list
                    .iter()
                    .any(|q| q.name == p.name && q.version == p.version && q.kind == p.kind),
                _ => false,
            })
        })
        .map_or(top, |(l, _)| *l)
}

/// The layers' entry lists, for the layer report.
pub fn lists(layers: &[LayerFacts<Vec<Kept>>]) -> Vec<&FileList> {
    layers.iter().map(|l| &l.files).collect()
}
