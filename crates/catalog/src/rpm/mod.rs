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
        sqlite_packages(data, file.path)
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
    let mut acc = Collect::default();
    for blob in blobs {
        acc.add(blob.as_ref(), found_at);
    }
    acc.finish()
}

/// Packages read so far, and the first header that could not be read.
#[derive(Default)]
struct Collect {
    out: Vec<Package>,
    first_error: Option<String>,
}

impl Collect {
    fn add(&mut self, blob: &[u8], found_at: &str) {
        match header::parse(blob).and_then(|h| h.to_package(found_at)) {
            Ok(pkg) => self.out.push(pkg),
            Err(e) => {
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn finish(self) -> Result<Vec<Package>, String> {
        match self.first_error {
            Some(e) if self.out.is_empty() => Err(format!("no readable package header: {e}")),
            _ => Ok(self.out),
        }
    }
}

#[cfg(feature = "rpm-sqlite")]
fn sqlite_packages(data: &[u8], found_at: &str) -> Result<Vec<Package>, String> {
    let mut acc = Collect::default();
    sqlite::for_each_blob(data, |blob| acc.add(blob, found_at))?;
    acc.finish()
}

#[cfg(not(feature = "rpm-sqlite"))]
fn sqlite_packages(_: &[u8], _: &str) -> Result<Vec<Package>, String> {
    Err("rpmdb.sqlite support was not built in (cargo feature rpm-sqlite)".to_owned())
}
