//! What an ELF file is, from its headers: static or dynamic, its interpreter and needed
//! libraries, and whether Go or Rust built it. Only the few facts the advice needs are kept.

use memchr::memmem;
use object::elf::{FileHeader32, FileHeader64, PT_INTERP};
use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader};
use object::{Endianness, elf};
use serde::{Deserialize, Deserializer, Serialize};

/// The language toolchain an executable was built with, when its bytes say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Toolchain {
    Go,
    Rust,
}

/// One ELF file's linking facts (read back from the layer cache too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfInfo {
    /// `executable`, `shared-object` (PIE executables are shared objects with an interpreter),
    /// `relocatable`, `core` or `other`.
    #[serde(deserialize_with = "elf_type_named")]
    pub elf_type: Name,
    /// `PT_INTERP`: the dynamic loader the kernel starts first. None for static executables.
    pub interpreter: Option<String>,
    /// `DT_NEEDED` libraries, in order.
    pub needed: Vec<String>,
    /// `DT_RUNPATH`/`DT_RPATH` directories, `:`-split.
    pub runpath: Vec<String>,
    pub soname: Option<String>,
    /// No interpreter and no needed libraries: runs with nothing else in the image.
    pub is_static: bool,
    pub toolchain: Option<Toolchain>,
    /// Go's version from `.go.buildinfo` (`go1.22.5`), when it is stored inline.
    pub go_version: Option<String>,
    /// The libc the file was linked against, from its interpreter and needed libraries.
    #[serde(deserialize_with = "libc_named")]
    pub libc: Option<Name>,
}

/// One of this module's fixed names. serde's derive would borrow a field spelled
/// `&'static str` from its input (which only `'static` input could satisfy); behind an
/// alias it is read as a string and matched against the names this module gives.
type Name = &'static str;

const ELF_TYPES: [&str; 5] = [
    "executable",
    "shared-object",
    "relocatable",
    "core",
    "other",
];

const LIBCS: [&str; 2] = ["glibc", "musl"];

/// The one of `names` that `name` is: names read back are the ones this module gives.
fn named<E: serde::de::Error>(name: &str, names: &[&'static str]) -> Result<&'static str, E> {
    names
        .iter()
        .find(|&&n| n == name)
        .copied()
        .ok_or_else(|| E::custom(format!("unknown name {name:?}")))
}

fn elf_type_named<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    named(&String::deserialize(d)?, &ELF_TYPES)
}

fn libc_named<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|n| named(&n, &LIBCS))
        .transpose()
}

/// Reads the ELF facts of `data`; `Err` with a short reason when it is not a readable ELF.
pub fn inspect(data: &[u8]) -> Result<ElfInfo, String> {
    if !data.starts_with(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    // e_ident[EI_CLASS] is byte 4.
    match data.get(4) {
        Some(&elf::ELFCLASS64) => read::<FileHeader64<Endianness>>(data),
        Some(&elf::ELFCLASS32) => read::<FileHeader32<Endianness>>(data),
        _ => Err("unknown ELF class".into()),
    }
}

fn read<H: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<ElfInfo, String> {
    let header = H::parse(data).map_err(|e| format!("bad ELF header: {e}"))?;
    let endian = header
        .endian()
        .map_err(|e| format!("bad ELF header: {e}"))?;
    let elf_type = match header.e_type(endian) {
        elf::ET_EXEC => ELF_TYPES[0],
        elf::ET_DYN => ELF_TYPES[1],
        elf::ET_REL => ELF_TYPES[2],
        elf::ET_CORE => ELF_TYPES[3],
        _ => ELF_TYPES[4],
    };
    let mut interpreter = None;
    if let Ok(phdrs) = header.program_headers(endian, data) {
        for ph in phdrs {
            if ph.p_type(endian) == PT_INTERP
                && let Ok(Some(bytes)) = ph.interpreter(endian, data)
            {
                interpreter = Some(String::from_utf8_lossy(bytes).into_owned());
            }
        }
    }
    let sections = header
        .sections(endian, data)
        .map_err(|e| format!("bad ELF section table: {e}"))?;
    let (mut needed, mut runpath, mut soname) = (Vec::new(), Vec::new(), None);
    if let Ok(Some((dyns, link))) = sections.dynamic(endian, data) {
        let strings = sections
            .strings(endian, data, link)
            .map_err(|e| format!("bad ELF dynamic string table: {e}"))?;
        for d in dyns {
            let Some(tag) = d.tag32(endian) else { continue };
            let Ok(value) = d.string(endian, strings) else {
                continue;
            };
            let value = String::from_utf8_lossy(value).into_owned();
            match tag {
                elf::DT_NEEDED => needed.push(value),
                elf::DT_RUNPATH | elf::DT_RPATH => {
                    runpath.extend(value.split(':').filter(|s| !s.is_empty()).map(String::from))
                }
                elf::DT_SONAME => soname = Some(value),
                _ => {}
            }
        }
    }
    let has_section = |name: &[u8]| sections.section_by_name(endian, name).is_some();
    let go_section = sections.section_by_name(endian, b".go.buildinfo");
    let toolchain = if go_section.is_some() || has_section(b".gopclntab") {
        Some(Toolchain::Go)
    } else if has_section(b".dep-v0") || looks_like_rust(data) {
        Some(Toolchain::Rust)
    } else {
        None
    };
    let go_version = go_section
        .and_then(|(_, s)| s.data(endian, data).ok())
        .and_then(go_buildinfo_version);
    let libc = libc_of(interpreter.as_deref(), &needed);
    Ok(ElfInfo {
        elf_type,
        is_static: interpreter.is_none() && needed.is_empty(),
        interpreter,
        needed,
        runpath,
        soname,
        toolchain,
        go_version,
        libc,
    })
}

/// Stripped Rust binaries keep the standard library's panic machinery and its source paths.
fn looks_like_rust(data: &[u8]) -> bool {
    memmem::find(data, b"rust_begin_unwind").is_some()
        || memmem::find(data, b"/rustc/").is_some()
        || memmem::find(data, b"RUST_BACKTRACE").is_some()
}

/// Which libc a dynamic file needs: musl's loader or `libc.musl-*`, glibc's `libc.so.6`/
/// `ld-linux*`.
fn libc_of(interpreter: Option<&str>, needed: &[String]) -> Option<&'static str> {
    let names = interpreter
        .into_iter()
        .chain(needed.iter().map(String::as_str));
    let mut found = None;
    for n in names {
        let base = n.rsplit('/').next().unwrap_or(n);
        if base.starts_with("ld-musl-") || base.starts_with("libc.musl-") {
            return Some(LIBCS[1]);
        }
        if base == "libc.so.6" || base.starts_with("ld-linux") || base == "ld64.so.2" {
            found = Some(LIBCS[0]);
        }
    }
    found
}

/// Go 1.18+ stores its version inline after the 32-byte `.go.buildinfo` header when flag
/// bit 2 is set: a varint length, then the bytes.
fn go_buildinfo_version(section: &[u8]) -> Option<String> {
    const MAGIC: &[u8] = b"\xff Go buildinf:";
    if !section.starts_with(MAGIC) || section.get(15)? & 2 == 0 {
        return None;
    }
    let rest = section.get(32..)?;
    let (len, used) = uvarint(rest)?;
    let bytes = rest.get(used..used.checked_add(usize::try_from(len).ok()?)?)?;
    let v = std::str::from_utf8(bytes).ok()?;
    v.starts_with("go").then(|| v.to_string())
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// glibc's `libc.so.6` says its release in a banner (`GNU C Library ... release version 2.36`).
pub fn glibc_version(libc: &[u8]) -> Option<String> {
    let at = memmem::find(libc, b"GNU C Library")?;
    let window = &libc[at..libc.len().min(at + 200)];
    let v = memmem::find(window, b"version ")? + 8;
    let digits: String = window[v..]
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .map(|&b| b as char)
        .collect();
    let digits = digits.trim_end_matches('.');
    (!digits.is_empty()).then(|| digits.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_elf_and_truncated() {
        assert_eq!(inspect(b"#!/bin/sh\n").unwrap_err(), "not an ELF file");
        assert!(inspect(b"\x7fELF\x02\x01\x01").is_err());
        assert!(inspect(b"\x7fELF\x09").is_err());
    }

    #[test]
    fn libc_from_names() {
        assert_eq!(libc_of(Some("/lib/ld-musl-x86_64.so.1"), &[]), Some("musl"));
        assert_eq!(libc_of(None, &["libc.so.6".into()]), Some("glibc"));
        assert_eq!(libc_of(None, &["libz.so.1".into()]), None);
    }

    #[test]
    fn go_version_inline() {
        let mut s = b"\xff Go buildinf:".to_vec();
        s.push(8); // pointer size
        s.push(2); // inline strings
        s.resize(32, 0);
        s.push(8);
        s.extend_from_slice(b"go1.22.5");
        assert_eq!(go_buildinfo_version(&s).as_deref(), Some("go1.22.5"));
    }

    #[test]
    fn glibc_banner() {
        let b = b"xxGNU C Library (Debian GLIBC 2.36-9+deb12u7) stable release version 2.36.\n";
        assert_eq!(glibc_version(b).as_deref(), Some("2.36"));
    }
}
