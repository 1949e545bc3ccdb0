//! RPM databases: `rpmdb.sqlite` (rpm ≥ 4.16), NDB `Packages.db` (SUSE) and BerkeleyDB hash
//! `Packages` (older RHEL/CentOS), under `var/lib/rpm`, `usr/lib/sysimage/rpm` or
//! `usr/share/rpm`. All three store one header blob per package; the format is sniffed from
//! the file's magic, not trusted from its name.

mod bdb;
pub mod header;
mod ndb;
#[cfg(feature = "rpm-sqlite")]
mod sqlite;

use crate::paths::{basename, dirname, relative};
use crate::{FileInput, FileMeta, Package};

const DIRS: [&str; 3] = ["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"];

pub fn wants(meta: &FileMeta) -> bool {
    let p = relative(meta.path);
    matches!(basename(p), "rpmdb.sqlite" | "Packages.db" | "Packages") && DIRS.contains(&dirname(p))
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let data = file.data;
    if data.starts_with(b"SQLite format 3\0") {
        packages(&sqlite_blobs(data)?, file.path)
    } else if ndb::is_ndb(data) {
        packages(&ndb::blobs(data)?, file.path)
    } else if bdb::is_bdb(data) {
        packages(&bdb::blobs(data)?, file.path)
    } else if data.is_empty() {
        Ok(Vec::new())
    } else {
        Err("not an rpm database (neither SQLite, NDB nor BerkeleyDB hash)".to_owned())
    }
}

/// Every readable header as a package; an error only if none is readable.
fn packages<B: AsRef<[u8]>>(blobs: &[B], found_at: &str) -> Result<Vec<Package>, String> {
    let mut out = Vec::with_capacity(blobs.len());
    let mut first_error = None;
    for blob in blobs {
        match header::parse(blob.as_ref()).and_then(|h| h.to_package(found_at)) {
            Ok(pkg) => out.push(pkg),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(format!("no readable package header: {e}")),
        _ => Ok(out),
    }
}

#[cfg(feature = "rpm-sqlite")]
fn sqlite_blobs(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    sqlite::blobs(data)
}

#[cfg(not(feature = "rpm-sqlite"))]
fn sqlite_blobs(_: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    Err("rpmdb.sqlite support was not built in (cargo feature rpm-sqlite)".to_owned())
}
