//! Helpers for tests over real data: where it lives, and a tiny layer walker that feeds an OCI
//! layout's files to the catalogers the way plinth's walker does (without merging layers).

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

use plinth_catalog::{CATALOGERS, FileInput, FileMeta, Package, Scope, Warning};

#[allow(unused_imports)] // each test binary uses its own part
pub use plinth_testdata::shared;

/// An image directory built by make-images.sh, e.g. `oci-debian-app`.
pub fn fixture_image(name: &str) -> Option<PathBuf> {
    let p = plinth_testdata::fixtures_dir().join(name);
    if p.join("index.json").is_file() {
        Some(p)
    } else {
        println!("skipped: no fixture image {}", p.display());
        None
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn blob(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Every file of every layer that some cataloger wants, as (path, bytes, mode).
pub fn wanted_files(layout: &Path) -> Vec<(String, Vec<u8>, u32)> {
    let index = json(&layout.join("index.json"));
    let manifest = json(&blob(
        layout,
        index["manifests"][0]["digest"].as_str().unwrap(),
    ));
    let mut out = Vec::new();
    for layer in manifest["layers"].as_array().unwrap() {
        let file = std::fs::File::open(blob(layout, layer["digest"].as_str().unwrap())).unwrap();
        let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(file));
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let rel = entry.path().unwrap().to_string_lossy().into_owned();
            let path = format!("/{}", rel.trim_start_matches("./"));
            let meta = FileMeta {
                path: &path,
                size: entry.size(),
                mode: entry.header().mode().unwrap(),
            };
            let wanted = CATALOGERS
                .iter()
                .any(|c| Scope::Image.runs(c) && (c.wants)(&meta) && meta.size <= c.max_size);
            if wanted || plinth_catalog::os_files().contains(&path.as_str()) {
                let mode = meta.mode;
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                out.push((path, data, mode));
            }
        }
    }
    out
}

/// Runs the catalogers over an image's wanted files.
pub fn catalog_image(layout: &Path) -> (Vec<Package>, Vec<Warning>) {
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for (path, data, mode) in wanted_files(layout) {
        let (p, w) = plinth_catalog::catalog_file(
            &FileInput {
                path: &path,
                data: &data,
                mode,
            },
            Scope::Image,
        );
        packages.extend(p);
        warnings.extend(w);
    }
    (packages, warnings)
}

/// The purl the purl spec gives each installed deb of a fixture, from `dpkg-query`'s fields
/// (the Debian bases are built from the live mirror: versions are the fixture's own).
pub fn deb_purls(layout: &Path) -> std::collections::BTreeSet<String> {
    let enc = |s: &str| s.replace('+', "%2B");
    plinth_testdata::truth::OciImage::open(layout)
        .debs()
        .iter()
        .map(|d| {
            let upstream = match (d.source == d.name, d.source_version == d.version) {
                (true, true) => String::new(),
                (false, true) => format!("&upstream={}", d.source),
                (_, false) => format!("&upstream={}%40{}", d.source, enc(&d.source_version)),
            };
            format!(
                "pkg:deb/debian/{}@{}?arch={}&distro=debian-12{upstream}",
                enc(&d.name),
                enc(&d.version),
                d.arch
            )
        })
        .collect()
}
