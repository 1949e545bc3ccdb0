//! Executables that record what they were built from: Go's `.go.buildinfo` and
//! cargo-auditable's `.dep-v0`. Both catalogers want the same files (regular, executable) and
//! check the ELF magic themselves, so scripts and non-ELF files cost one comparison.
//! `classify` recognises well-known programs that record nothing, from their bytes.

pub mod classify;
mod go;
mod rust;

use object::{Object, ObjectSection};

use crate::paths::is_regular;
use crate::{FileInput, FileMeta, Package};

/// Binaries larger than this are not read.
pub const MAX_SIZE: u64 = 256 * 1024 * 1024;

const ELF_MAGIC: &[u8] = b"\x7fELF";

pub fn wants(meta: &FileMeta) -> bool {
    meta.mode & 0o111 != 0 && is_regular(meta.mode) && meta.size >= 64
}

pub fn parse_go(file: &FileInput) -> Result<Vec<Package>, String> {
    match elf(file.data)? {
        Some(elf) => go::parse(&elf, file.data, file.path),
        None => Ok(Vec::new()),
    }
}

pub fn parse_rust(file: &FileInput) -> Result<Vec<Package>, String> {
    match elf(file.data)? {
        Some(elf) => rust::parse(&elf, file.path),
        None => Ok(Vec::new()),
    }
}

/// The parsed ELF file, None for anything that is not ELF (scripts, other formats).
fn elf(data: &[u8]) -> Result<Option<object::File<'_>>, String> {
    if !data.starts_with(ELF_MAGIC) {
        return Ok(None);
    }
    object::File::parse(data)
        .map(Some)
        .map_err(|e| format!("corrupt ELF file: {e}"))
}

/// The bytes of a named section, None if the binary has no such section.
fn section<'d>(elf: &object::File<'d>, name: &str) -> Result<Option<&'d [u8]>, String> {
    match elf.section_by_name(name) {
        Some(s) => s
            .data()
            .map(Some)
            .map_err(|e| format!("section {name} lies outside the file: {e}")),
        None => Ok(None),
    }
}

/// The CPU architecture in the names Go and Syft use.
fn arch(elf: &object::File<'_>) -> Option<&'static str> {
    use object::Architecture as A;
    Some(match elf.architecture() {
        A::X86_64 => "amd64",
        A::Aarch64 => "arm64",
        A::I386 => "386",
        A::Arm => "arm",
        A::PowerPc64 => "ppc64le",
        A::S390x => "s390x",
        A::Riscv64 => "riscv64",
        _ => return None,
    })
}
