//! Helpers shared by the integration tests: the shared data, fixture images, and databases
//! built from advisory files into a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use plinth_sbom::Inventory;
use plinth_vulndb::VulnDb;

#[allow(unused_imports)] // each test binary uses its own part
pub use plinth_testdata::{fixtures, vulndata};

/// Builds a database from advisory files into a fresh temporary directory.
pub fn db_from(inputs: &[PathBuf]) -> (tempfile::TempDir, VulnDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    plinth_vulndb::import(&path, inputs).unwrap();
    let db = VulnDb::open(&path).unwrap();
    (dir, db)
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The inventory of a fixture image, or `None` (with the skip line printed) when absent.
pub fn image_inventory(file: &str) -> Option<(plinth_image::Image, Inventory)> {
    let Some(dir) = fixtures() else {
        println!("skipped: no fixture images (/var/tmp/plinth-fixtures or PLINTH_FIXTURES)");
        return None;
    };
    let path = dir.join(file);
    if !path.exists() {
        println!("skipped: {} is missing", path.display());
        return None;
    }
    let reference = plinth_image::reference::Reference::parse(&path.to_string_lossy()).unwrap();
    let image = reference.open_local(None).unwrap();
    let inv = plinth_sbom::inventory(&image).unwrap();
    Some((image, inv))
}

/// An OCI layout of one layer holding `files` (path in the image, real file on disk), and
/// its inventory.
pub fn image_of(files: &[(&str, PathBuf)]) -> (tempfile::TempDir, Inventory) {
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(at, from)| (at.to_string(), std::fs::read(from).unwrap()))
        .collect();
    let entries: Vec<(&str, u32, &[u8])> = contents
        .iter()
        .map(|(p, b)| (p.as_str(), 0o644, b.as_slice()))
        .collect();
    let layer = plinth_testdata::ustar(&entries);
    let diff_id = plinth_testdata::sha256(&layer);
    let dir = tempfile::tempdir().unwrap();
    let reference =
        plinth_testdata::oci_layout(dir.path(), &[layer], &[diff_id], serde_json::json!({}));
    let image = plinth_image::reference::Reference::parse(&reference)
        .unwrap()
        .open_local(None)
        .unwrap();
    let inventory = plinth_sbom::inventory(&image).unwrap();
    (dir, inventory)
}
