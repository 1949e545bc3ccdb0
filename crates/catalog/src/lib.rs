//! Catalogers: find installed packages in an image's files.
//!
//! A cataloger is a name, a path predicate and a parse function, all registered in
//! [`CATALOGERS`]. The layer walk (in `plinth-image`) calls [`Cataloger::wants`] on every
//! entry's metadata, buffers only the files some cataloger wants, and hands each one to
//! [`Cataloger::parse`] as a [`FileInput`]. Parsing happens during the walk, per layer and in
//! parallel, so only the parsed packages — never file bytes — outlive a layer.
//!
//! After the walk merges layers, the caller reads the OS release files it captured
//! ([`os_files`]) with [`detect_os`], hands the surviving packages to [`attach_os`], and
//! renders identifiers with [`purl`].
//!
//! Catalogers cover OS package databases (apk, dpkg, rpm in sqlite, NDB and BerkeleyDB form)
//! and language ecosystems (Python, npm, Go and cargo-auditable Rust binaries, Java archives).
//!
//! This crate does not know where bytes come from (archive, registry, directory), does not
//! read files itself, and does not match vulnerabilities or compare versions.
//!
//! **Architecture Invariant:** catalogers are pure functions of `FileInput`; they never touch
//! the filesystem or the network.
//!
//! **Architecture Invariant:** a `wants` predicate only compares bytes of the path it is
//! given; it never allocates, so it can run on every entry of every layer.

mod apk;
mod binary;
mod dpkg;
pub mod eol;
mod fields;
mod java;
mod npm;
mod os;
mod package;
mod paths;
mod purl;
mod python;
mod rpm;

pub use dpkg::{copyright_licenses, copyright_owner};
pub use os::{Os, attach_os, detect_os, os_files};
pub use package::{Package, PackageType};
pub use purl::purl;

/// What a cataloger sees of one file.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    /// Absolute path inside the image, e.g. `/var/lib/dpkg/status`.
    pub path: &'a str,
    /// The file's bytes (capped by the walker at [`Cataloger::max_size`]).
    pub data: &'a [u8],
    /// Unix permission bits and type bits, as in the tar header.
    pub mode: u32,
}

/// File metadata a cataloger can decide on before any bytes are read.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    pub path: &'a str,
    pub size: u64,
    pub mode: u32,
}

/// A problem a cataloger met in one file; the walk carries on with the rest.
#[derive(Debug, Clone, thiserror::Error, serde::Serialize)]
#[error("{cataloger}: {path}: {message}")]
pub struct Warning {
    pub cataloger: &'static str,
    pub path: String,
    pub message: String,
}

/// One registered cataloger.
pub struct Cataloger {
    pub name: &'static str,
    /// Files larger than this are not buffered; the walker reports them as skipped.
    pub max_size: u64,
    pub wants: fn(&FileMeta) -> bool,
    /// Returns the packages found, or a one-line message naming what is wrong with the file.
    /// Never panics, whatever the bytes.
    pub parse: fn(&FileInput) -> Result<Vec<Package>, String>,
}

const MIB: u64 = 1024 * 1024;

/// Every cataloger, in the order their packages are reported.
pub static CATALOGERS: &[Cataloger] = &[
    Cataloger {
        name: "apk-db",
        max_size: 64 * MIB,
        wants: apk::wants,
        parse: apk::parse,
    },
    Cataloger {
        name: "dpkg-db",
        max_size: 64 * MIB,
        wants: dpkg::wants,
        parse: dpkg::parse,
    },
    Cataloger {
        name: "rpm-db",
        max_size: 512 * MIB,
        wants: rpm::wants,
        parse: rpm::parse,
    },
    Cataloger {
        name: "python-package",
        max_size: 8 * MIB,
        wants: python::wants,
        parse: python::parse,
    },
    Cataloger {
        name: "npm-package",
        max_size: 8 * MIB,
        wants: npm::wants,
        parse: npm::parse,
    },
    Cataloger {
        name: "go-binary",
        max_size: binary::MAX_SIZE,
        wants: binary::wants,
        parse: binary::parse_go,
    },
    Cataloger {
        name: "rust-binary",
        max_size: binary::MAX_SIZE,
        wants: binary::wants,
        parse: binary::parse_rust,
    },
    Cataloger {
        name: "java-archive",
        max_size: 256 * MIB,
        wants: java::wants,
        parse: java::parse,
    },
];

/// Runs every cataloger that wants `file` over it: the convenience a directory scan or a test
/// uses; the layer walk calls the table directly so it can buffer once per file.
pub fn catalog_file(file: &FileInput) -> (Vec<Package>, Vec<Warning>) {
    let meta = FileMeta {
        path: file.path,
        size: file.data.len() as u64,
        mode: file.mode,
    };
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for c in CATALOGERS.iter().filter(|c| (c.wants)(&meta)) {
        match (c.parse)(file) {
            Ok(found) => packages.extend(found),
            Err(message) => warnings.push(Warning {
                cataloger: c.name,
                path: file.path.to_owned(),
                message,
            }),
        }
    }
    (packages, warnings)
}

/// Reads one RPM header blob (as stored in rpm's databases, without the 8-byte on-disk magic)
/// into a package: for callers holding a header from elsewhere.
pub fn rpm_header_package(blob: &[u8], found_at: &str) -> Result<Package, String> {
    rpm::header::parse(blob).and_then(|h| h.to_package(found_at))
}
