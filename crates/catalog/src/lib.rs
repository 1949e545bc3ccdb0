//! Catalogers: find installed packages in an image's files.
//!
//! A cataloger is a name, a path predicate and a parse function, all registered in
//! [`CATALOGERS`]. The layer walk (in `plinth-image`) calls [`Cataloger::wants`] on every
//! entry's metadata, buffers only the files some cataloger wants, and hands each one to
//! [`Cataloger::parse`] as a [`FileInput`]. Parsing happens during the walk, per layer and in
//! parallel, so only the parsed packages — never file bytes — outlive a layer.
//!
//! This crate does not know where bytes come from (archive, registry, directory), and does
//! not read files itself.
//!
//! **Architecture Invariant:** catalogers are pure functions of `FileInput`; they never touch
//! the filesystem or the network.

mod package;
pub use package::{Package, PackageType};

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
    pub parse: fn(&FileInput) -> Result<Vec<Package>, String>,
}
