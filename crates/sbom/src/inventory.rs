use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Arc;

use plinth_catalog::{
    CATALOGERS, FileInput, FileMeta, Os, Package, PackageType, Scope, copyright_licenses,
    copyright_owner, is_file_list, listed_files,
};
use plinth_image::files::{FileList, Kind, compare_paths};
use plinth_image::merge::{At, Stack};
use plinth_image::{Collector, Digest, Image, LayerFacts, NoFiles, SharedLayers};
use serde::{Deserialize, Serialize};

/// Everything an SBOM says about one image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inventory {
    /// The image as it was named (`docker-archive:app.tar`, `dir:/`, a registry reference).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    pub layers: Vec<LayerRef>,
    pub os: Option<Os>,
    /// Red Hat content sets (repository ids) the image's build records name, sorted; empty for
    /// other images (see `buildinfo.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_sets: Vec<String>,
    pub packages: Vec<Found>,
    /// Files a cataloger could not read fully; the SBOM says which catalogers are incomplete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Problem>,
}

/// A file a cataloger could not read fully.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Problem {
    pub cataloger: String,
    pub path: String,
    pub message: String,
}

/// A layer, as findings name it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerRef {
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Digest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// A package and where it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Found {
    #[serde(flatten)]
    pub package: Package,
    pub purl: String,
    /// Index into [`Inventory::layers`] of the layer that introduced the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

impl Inventory {
    /// Drops the packages their lockfile marks as needed only for development, as Trivy
    /// does unless asked to include them.
    pub fn exclude_dev(&mut self) {
        self.packages.retain(|f| f.package.dev != Some(true));
    }
    /// Names of catalogers that met a problem (the SBOM marks them incomplete).
    pub fn incomplete_catalogers(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.warnings.iter().map(|w| w.cataloger.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// What the catalogers made of one wanted file.
#[derive(Debug, Serialize, Deserialize)]
enum Kept {
    Packages(Vec<Package>),
    Problem(Problem),
    OsRelease(Vec<u8>),
    /// A Debian copyright file: the package it documents and the licences it names.
    Licenses(String, Vec<String>),
    /// A Red Hat content manifest's content sets.
    ContentSets(Vec<String>),
    /// A dpkg file list: the files its package owns (binary matches there are dropped).
    Owned(Vec<String>),
}

/// What the walk keeps of one wanted file: the catalogers' findings, and what the caller's
/// own collector kept of it.
#[derive(Debug)]
pub struct Collected<T> {
    catalogued: Vec<Kept>,
    pub extra: Option<T>,
}

/// Every layer's facts, as [`inventory_with`] returns them (shared with other images).
pub type Layers<T> = Vec<Arc<LayerFacts<Collected<T>>>>;

/// Changes whenever what the catalogers keep of a file does, or a cataloger reads more or
/// differently: layer walks cached under an older identity are then walked again.
const CATALOG_VERSION: u32 = 1;

/// Feeds the catalogers during the layer walk, together with another collector, so one walk
/// gives both the inventory and whatever else a caller gathers (image facts, say).
struct WithCatalogers<'a, E> {
    extra: &'a E,
    scope: Scope,
}

impl<E: Collector> Collector for WithCatalogers<'_, E> {
    type Item = Collected<E::Item>;

    fn wants(&self, path: &str, size: u64, mode: u32) -> Option<u64> {
        self.catalogers_want(path, size, mode)
            .max(self.extra.wants(path, size, mode))
    }

    fn collect(&self, path: &str, mode: u32, data: &[u8]) -> Option<Self::Item> {
        let extra = self
            .extra
            .wants(path, data.len() as u64, mode)
            .and_then(|_| self.extra.collect(path, mode, data));
        let catalogued = catalog(path, mode, data, self.scope);
        (!catalogued.is_empty() || extra.is_some()).then_some(Collected { catalogued, extra })
    }

    /// A file no cataloger reads goes to the other collector as a stream, so that one that
    /// reads in bounded windows (the secret scanner) never has it buffered whole.
    fn collect_from(
        &self,
        path: &str,
        mode: u32,
        size: u64,
        data: &mut dyn Read,
    ) -> io::Result<Option<Self::Item>> {
        if self.catalogers_want(path, size, mode).is_some() {
            let mut bytes = Vec::with_capacity(size as usize);
            data.read_to_end(&mut bytes)?;
            return Ok(self.collect(path, mode, &bytes));
        }
        let extra = self.extra.collect_from(path, mode, size, data)?;
        Ok(extra.map(|extra| Collected {
            catalogued: Vec::new(),
            extra: Some(extra),
        }))
    }

    fn cache_identity(&self) -> Option<String> {
        let extra = self.extra.cache_identity()?;
        Some(format!(
            "catalog/{CATALOG_VERSION}/{:?}/{}+{extra}",
            self.scope,
            env!("CARGO_PKG_VERSION")
        ))
    }

    /// The catalogers' part as JSON (packages carry optional fields that only a
    /// self-describing format reads back), then the other collector's bytes when it kept
    /// something.
    fn encode_item(&self, item: &Self::Item) -> Option<Vec<u8>> {
        let json = serde_json::to_vec(&item.catalogued).ok()?;
        let extra = match &item.extra {
            Some(extra) => [&[1u8][..], &self.extra.encode_item(extra)?].concat(),
            None => Vec::new(),
        };
        Some(plinth_image::cache::pair(&json, &extra))
    }

    fn decode_item(&self, bytes: &[u8]) -> Option<Self::Item> {
        let (json, extra) = plinth_image::cache::unpair(bytes)?;
        let extra = match extra.split_first() {
            None => None,
            Some((1, rest)) => Some(self.extra.decode_item(rest)?),
            Some(_) => return None,
        };
        Some(Collected {
            catalogued: serde_json::from_slice(json).ok()?,
            extra,
        })
    }
}

impl<E> WithCatalogers<'_, E> {
    /// The most bytes any cataloger (or the OS and licence readers) wants of the file.
    fn catalogers_want(&self, path: &str, size: u64, mode: u32) -> Option<u64> {
        let meta = FileMeta { path, size, mode };
        let os =
            (is_os_file(path) || crate::buildinfo::is_content_manifest(path)).then_some(1 << 20);
        let copyright = copyright_owner(path).map(|_| 1 << 20);
        let file_list = is_file_list(path).then_some(16 << 20);
        CATALOGERS
            .iter()
            .filter(|c| self.scope.runs(c) && (c.wants)(&meta))
            .map(|c| c.max_size)
            .chain(os)
            .chain(copyright)
            .chain(file_list)
            .max()
    }
}

/// Runs every cataloger of `scope` that wants the file, and keeps OS release files.
fn catalog(path: &str, mode: u32, data: &[u8], scope: Scope) -> Vec<Kept> {
    let abs = format!("/{path}");
    let meta = FileMeta {
        path: &abs,
        size: data.len() as u64,
        mode,
    };
    let input = FileInput {
        path: &abs,
        data,
        mode,
    };
    let mut kept = Vec::new();
    if is_os_file(path) {
        kept.push(Kept::OsRelease(data.to_vec()));
    }
    if crate::buildinfo::is_content_manifest(path) {
        kept.push(Kept::ContentSets(crate::buildinfo::content_sets(data)));
    }
    if let Some(package) = copyright_owner(path) {
        let licenses = copyright_licenses(data);
        if !licenses.is_empty() {
            kept.push(Kept::Licenses(package.to_owned(), licenses));
        }
    }
    if is_file_list(path) {
        kept.push(Kept::Owned(listed_files(data)));
    }
    for c in CATALOGERS
        .iter()
        .filter(|c| scope.runs(c) && (c.wants)(&meta))
    {
        match (c.parse)(&input) {
            Ok(found) if found.is_empty() => {}
            Ok(found) => kept.push(Kept::Packages(found)),
            Err(message) => kept.push(Kept::Problem(Problem {
                cataloger: c.name.into(),
                path: abs.clone(),
                message,
            })),
        }
    }
    kept
}

fn is_os_file(path: &str) -> bool {
    plinth_catalog::os_files()
        .iter()
        .any(|f| f.strip_prefix('/') == Some(path))
}

/// Walks `image` once and lists what is installed in its final filesystem.
pub fn inventory(image: &Image) -> plinth_image::Result<Inventory> {
    let shared = SharedLayers::default();
    inventory_with(image, &NoFiles, &shared).map(|(inventory, _)| inventory)
}

/// Like [`inventory`], with `extra` collecting files in the same walk: returns the inventory
/// and every layer's facts with what `extra` kept. Layers an earlier image of the run walked
/// come from `shared` (which must always see the same `extra`).
pub fn inventory_with<E: Collector>(
    image: &Image,
    extra: &E,
    shared: &SharedLayers<Collected<E::Item>>,
) -> plinth_image::Result<(Inventory, Layers<E::Item>)> {
    // A directory is read as a source tree too: its lock and manifest files count.
    let scope = if image.is_directory() {
        Scope::Directory
    } else {
        Scope::Image
    };
    let collector = WithCatalogers { extra, scope };
    let layers = image.walk_shared(&collector, shared)?;
    let inventory = assemble(image, &layers);
    Ok((inventory, layers))
}

/// Keeps the packages whose database file survives in the merged filesystem, attributes each
/// to the layer that introduced it, and detects the OS.
fn assemble<T>(image: &Image, facts: &[Arc<LayerFacts<Collected<T>>>]) -> Inventory {
    let lists: Vec<&FileList> = facts.iter().map(|f| &f.files).collect();
    let stack = Stack::new(lists);
    let merged = stack.merge(None, |_| {}).entries;
    let find = |path: &str, kind: Kind| -> Option<At> {
        let p = path.as_bytes();
        let i = merged.partition_point(|&at| compare_paths(stack.path(at), p).is_lt());
        merged
            .get(i)
            .copied()
            .filter(|&at| stack.path(at) == p && stack.entry(at).kind == kind)
    };
    let survivor = |path: &str| find(path, Kind::File);

    // Every layer's parse of every wanted path, so a package can be traced to the first layer
    // whose copy of its database already listed it.
    let mut by_path: HashMap<&str, Vec<(usize, &Vec<Kept>)>> = HashMap::new();
    for (layer, f) in facts.iter().enumerate() {
        for (path, c) in &f.collected {
            by_path
                .entry(path.as_str())
                .or_default()
                .push((layer, &c.catalogued));
        }
    }
    let mut os_release: HashMap<&str, &[u8]> = HashMap::new();
    let mut deb_licenses: HashMap<&str, &[String]> = HashMap::new();
    let mut content_sets: Vec<String> = Vec::new();
    let mut packages = Vec::new();
    let mut owned: Vec<&str> = Vec::new();
    let mut warnings = Vec::new();
    for (path, versions) in &by_path {
        let Some(at) = survivor(path) else { continue };
        let Some(&(_, top)) = versions.iter().find(|(l, _)| *l == at.layer as usize) else {
            continue;
        };
        for kept in top.iter() {
            match kept {
                Kept::OsRelease(bytes) => {
                    os_release.insert(path, bytes);
                }
                Kept::Licenses(package, licenses) => {
                    deb_licenses.insert(package, licenses);
                }
                Kept::ContentSets(sets) => content_sets.extend(sets.iter().cloned()),
                Kept::Problem(w) => warnings.push(w.clone()),
                Kept::Owned(files) => owned.extend(files.iter().map(String::as_str)),
                Kept::Packages(found) => {
                    for p in found {
                        let layer = introduced_in(p, versions, at.layer as usize);
                        packages.push((p.clone(), layer));
                    }
                }
            }
        }
    }
    let link_of = |at: At| {
        let layer = stack.layers[at.layer as usize];
        String::from_utf8_lossy(layer.link(stack.entry(at))).into_owned()
    };
    let links = || {
        merged
            .iter()
            .filter_map(|&at| {
                let path = String::from_utf8_lossy(stack.path(at));
                let target = link_of(at);
                let target = match stack.entry(at).kind {
                    // A hard link names its target from the root of the archive.
                    Kind::Hardlink => format!("/{}", target.trim_start_matches("./")),
                    Kind::Symlink if target.starts_with('/') => target,
                    Kind::Symlink => match path.rsplit_once('/') {
                        Some((dir, _)) => format!("/{dir}/{target}"),
                        None => format!("/{target}"),
                    },
                    _ => return None,
                };
                Some((format!("/{path}"), target))
            })
            .collect()
    };
    crate::binaries::settle(
        &mut packages,
        &owned,
        |path| find(path, Kind::Symlink).map(link_of),
        links,
    );
    let os = plinth_catalog::detect_os(|p| os_release.get(p.trim_start_matches('/')).copied());
    // dpkg's database names no licence: each package's copyright file does. Packages built
    // from one source often share it: their doc directory is a symlink to the sibling's.
    let doc_link = |name: &str| -> Option<String> {
        let at = find(&format!("usr/share/doc/{name}"), Kind::Symlink)?;
        let layer = stack.layers[at.layer as usize];
        let target = String::from_utf8_lossy(layer.link(stack.entry(at)));
        Some(target.trim_end_matches('/').rsplit('/').next()?.to_owned())
    };
    for (p, _) in &mut packages {
        if p.kind != PackageType::Deb || !p.licenses.is_empty() {
            continue;
        }
        let licenses = deb_licenses.get(p.name.as_str()).copied().or_else(|| {
            let sibling = doc_link(&p.name)?;
            deb_licenses.get(sibling.as_str()).copied()
        });
        if let Some(licenses) = licenses {
            p.licenses = licenses.to_vec();
        }
    }
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
        (
            a.package.kind,
            &a.package.name,
            &a.package.version,
            &a.package.found_at,
        )
            .cmp(&(
                b.package.kind,
                &b.package.name,
                &b.package.version,
                &b.package.found_at,
            ))
    });
    warnings.sort_by(|a, b| (&a.path, &a.cataloger).cmp(&(&b.path, &b.cataloger)));
    content_sets.sort_unstable();
    content_sets.dedup();
    let layers = image
        .layers()
        .into_iter()
        .map(|l| LayerRef {
            index: l.index,
            digest: l.digest,
            diff_id: l.diff_id,
            created_by: l.history.and_then(|h| h.created_by),
        })
        .collect();
    Inventory {
        source: image.name().to_string(),
        manifest_digest: image.manifest_digest().cloned(),
        layers,
        os,
        content_sets,
        packages: found,
        warnings,
    }
}

/// The lowest layer, up to `top`, whose copy of the file already listed this package: the
/// layer that installed it (later layers merely rewrote the database).
fn introduced_in(p: &Package, versions: &[(usize, &Vec<Kept>)], top: usize) -> usize {
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
