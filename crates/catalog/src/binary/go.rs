//! Go's build information (`runtime/debug.BuildInfo`), embedded by the linker in the
//! `.go.buildinfo` section since Go 1.13: the Go version and the module list (`path`, `mod`,
//! `dep`, `=>` replacement lines). Go ≥ 1.18 stores both strings inline after a 32-byte header;
//! older versions store pointers to Go string headers, resolved here through the sections.

use object::{Object, ObjectSection};

use super::{arch, section};
use crate::{Package, PackageType};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const FLAG_BIG_ENDIAN: u8 = 1;
const FLAG_INLINE: u8 = 2;

pub fn parse(elf: &object::File<'_>, data: &[u8], path: &str) -> Result<Vec<Package>, String> {
    let info = match section(elf, ".go.buildinfo")? {
        Some(s) => s,
        // A binary whose section table was stripped: search for the header. Binaries with
        // sections but no `.go.buildinfo` are not Go, and are not scanned.
        None if elf.sections().next().is_none() => match memchr::memmem::find(data, MAGIC) {
            Some(i) => &data[i..],
            None => return Ok(Vec::new()),
        },
        None => return Ok(Vec::new()),
    };
    if !info.starts_with(MAGIC) || info.len() < HEADER_LEN {
        return Err("Go build info header is missing or cut short".to_owned());
    }
    let (version, modinfo) = if info[15] & FLAG_INLINE != 0 {
        let (version, rest) =
            varint_string(&info[HEADER_LEN..]).ok_or("Go version string is cut short")?;
        let (modinfo, _) = varint_string(rest).ok_or("Go module info is cut short")?;
        (version, modinfo)
    } else {
        pointer_strings(elf, info)?
    };
    let version = String::from_utf8_lossy(version);
    let go_version = version.split_whitespace().next().unwrap_or("");
    Ok(packages(
        go_version,
        &String::from_utf8_lossy(strip_sentinels(modinfo)),
        path,
        arch(elf),
    ))
}

/// A uvarint length followed by that many bytes, and what follows.
fn varint_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let start = i + 1;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            return Some((b.get(start..end)?, &b[end..]));
        }
    }
    None
}

/// Go < 1.18: two pointers after the 16-byte header, each to a (data pointer, length) pair.
fn pointer_strings<'d>(
    elf: &object::File<'d>,
    info: &[u8],
) -> Result<(&'d [u8], &'d [u8]), String> {
    let ptr_size = usize::from(info[14]);
    if ptr_size != 4 && ptr_size != 8 {
        return Err(format!("Go build info has pointer size {ptr_size}"));
    }
    let big = info[15] & FLAG_BIG_ENDIAN != 0;
    let read_ptr = |b: &[u8], at: usize| -> Option<u64> {
        let bytes = b.get(at..at + ptr_size)?;
        let mut v: u64 = 0;
        for (i, &byte) in bytes.iter().enumerate() {
            let shift = if big { 8 * (ptr_size - 1 - i) } else { 8 * i };
            v |= u64::from(byte) << shift;
        }
        Some(v)
    };
    let string_at = |addr: u64| -> Option<&'d [u8]> {
        let head = at_address(elf, addr, 2 * ptr_size as u64)?;
        let (ptr, len) = (read_ptr(head, 0)?, read_ptr(head, ptr_size)?);
        at_address(elf, ptr, len)
    };
    let version = read_ptr(info, 16)
        .and_then(string_at)
        .ok_or("Go version pointer is dangling")?;
    let modinfo = read_ptr(info, 16 + ptr_size)
        .and_then(string_at)
        .ok_or("Go module info pointer is dangling")?;
    Ok((version, modinfo))
}

/// `len` bytes at virtual address `addr`, from whichever section holds them.
fn at_address<'d>(elf: &object::File<'d>, addr: u64, len: u64) -> Option<&'d [u8]> {
    elf.sections().find_map(|s| {
        let start = s.address();
        let offset = addr.checked_sub(start)?;
        if offset.checked_add(len)? > s.size() {
            return None;
        }
        let data = s.data().ok()?;
        data.get(usize::try_from(offset).ok()?..usize::try_from(offset + len).ok()?)
    })
}

/// Go ≥ 1.18 wraps the module info in two 16-byte sentinels.
fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        m
    }
}

/// The main module, each dependency (replaced by its `=>` target, which is the code that was
/// built, as Syft reports it), and `stdlib` at the toolchain's version.
fn packages(go_version: &str, modinfo: &str, found_at: &str, arch: Option<&str>) -> Vec<Package> {
    let mut out: Vec<Package> = Vec::new();
    for line in modinfo.lines() {
        let mut cols = line.split('\t');
        let kind = cols.next().unwrap_or("");
        let (Some(path), version) = (
            cols.next().filter(|p| !p.is_empty()),
            cols.next().unwrap_or(""),
        ) else {
            continue;
        };
        match kind {
            "mod" | "dep" => out.push(Package::new(PackageType::GoModule, path, version, found_at)),
            "=>" => {
                if let Some(last) = out.last_mut() {
                    last.name = path.to_owned();
                    last.version = version.to_owned();
                }
            }
            _ => {}
        }
    }
    if out.is_empty() && go_version.is_empty() {
        return out;
    }
    if !go_version.is_empty() {
        let mut std = Package::new(PackageType::GoModule, "stdlib", go_version, found_at);
        std.licenses = vec!["BSD-3-Clause".to_owned()];
        out.push(std);
    }
    for p in &mut out {
        p.arch = arch.map(str::to_owned);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_lines_with_replacement() {
        let m = "path\tex.com/app\nmod\tex.com/app\t(devel)\t\ndep\tex.com/a\tv1.0.0\th1:x=\n\
dep\tex.com/b\tv1.2.0\t\n=>\tex.com/fork/b\tv1.2.1\th1:y=\nbuild\tGOARCH=amd64\n";
        let pkgs = packages("go1.22.0", m, "/bin/app", Some("amd64"));
        let ids: Vec<_> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("ex.com/app", "(devel)"),
                ("ex.com/a", "v1.0.0"),
                ("ex.com/fork/b", "v1.2.1"),
                ("stdlib", "go1.22.0")
            ]
        );
    }

    #[test]
    fn varints() {
        assert_eq!(varint_string(b"\x03abcd"), Some((&b"abc"[..], &b"d"[..])));
        assert_eq!(varint_string(b"\x05ab"), None);
        assert_eq!(
            varint_string(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
            None
        );
    }
}
