//! Executables that record what they were built from: Go's `.go.buildinfo` and
//! cargo-auditable's `.dep-v0`. Both catalogers want the same files (regular, executable) and
//! check the ELF magic themselves.

use crate::paths::is_regular;
use crate::{FileInput, FileMeta, Package};

/// Binaries larger than this are not read.
pub const MAX_SIZE: u64 = 256 * 1024 * 1024;

pub fn wants(meta: &FileMeta) -> bool {
    meta.mode & 0o111 != 0 && is_regular(meta.mode) && meta.size >= 64
}

pub fn parse_go(_file: &FileInput) -> Result<Vec<Package>, String> {
    Ok(Vec::new())
}

pub fn parse_rust(_file: &FileInput) -> Result<Vec<Package>, String> {
    Ok(Vec::new())
}
