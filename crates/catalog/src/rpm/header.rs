//! The RPM header blob as the package databases store it (without the 8-byte on-disk header
//! magic): `il` index entries of 16 bytes, then `dl` bytes of data, all big-endian.

use crate::{Package, PackageType};

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_MODULARITYLABEL: u32 = 5096;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm itself refuses headers with more tags than this (HEADER_TAGS_MAX).
const MAX_ENTRIES: usize = 0xffff;

/// The fields plinth reads from one header.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: Option<&'a str>,
    pub version: Option<&'a str>,
    pub release: Option<&'a str>,
    pub epoch: Option<u32>,
    pub arch: Option<&'a str>,
    pub source_rpm: Option<&'a str>,
    pub license: Option<&'a str>,
    pub modularity_label: Option<&'a str>,
    /// The installed files: each basename with the directory its index names.
    pub basenames: Vec<&'a str>,
    pub dirnames: Vec<&'a str>,
    pub dir_indexes: Vec<u32>,
}

/// Reads the tags plinth needs from a header blob.
pub fn parse(blob: &[u8]) -> Result<Header<'_>, String> {
    let il = be32(blob, 0).ok_or("header shorter than 8 bytes")? as usize;
    let dl = be32(blob, 4).ok_or("header shorter than 8 bytes")? as usize;
    if il == 0 || il > MAX_ENTRIES {
        return Err(format!("header claims {il} index entries"));
    }
    let data_start = 8 + il * 16;
    let data = blob
        .get(data_start..)
        .and_then(|d| d.get(..dl))
        .ok_or_else(|| {
            format!(
                "header of {il} entries and {dl} data bytes is cut short at {} bytes",
                blob.len()
            )
        })?;
    let mut h = Header::default();
    for i in 0..il {
        let e = 8 + i * 16;
        let (Some(tag), Some(ty), Some(offset), Some(count)) = (
            be32(blob, e),
            be32(blob, e + 4),
            be32(blob, e + 8),
            be32(blob, e + 12),
        ) else {
            return Err(format!("index entry {i} is cut short"));
        };
        let offset = offset as usize;
        match tag {
            TAG_NAME => h.name = string(data, ty, offset, count),
            TAG_VERSION => h.version = string(data, ty, offset, count),
            TAG_RELEASE => h.release = string(data, ty, offset, count),
            TAG_ARCH => h.arch = string(data, ty, offset, count),
            TAG_SOURCERPM => h.source_rpm = string(data, ty, offset, count),
            TAG_LICENSE => h.license = string(data, ty, offset, count),
            TAG_MODULARITYLABEL => h.modularity_label = string(data, ty, offset, count),
            TAG_EPOCH if ty == TYPE_INT32 && count >= 1 => h.epoch = be32(data, offset),
            TAG_BASENAMES => h.basenames = strings(data, ty, offset, count),
            TAG_DIRNAMES => h.dirnames = strings(data, ty, offset, count),
            TAG_DIRINDEXES if ty == TYPE_INT32 => {
                h.dir_indexes = (0..count as usize)
                    .map_while(|k| be32(data, offset.checked_add(k.checked_mul(4)?)?))
                    .collect()
            }
            _ => {}
        }
    }
    Ok(h)
}

/// The (first) string of a string-typed entry.
fn string(data: &[u8], ty: u32, offset: usize, count: u32) -> Option<&str> {
    if !matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) || count == 0 {
        return None;
    }
    let tail = data.get(offset..)?;
    let end = memchr::memchr(0, tail)?;
    std::str::from_utf8(&tail[..end]).ok()
}

/// Every string of a string-array entry; stops at the first that is cut short or not UTF-8.
fn strings(data: &[u8], ty: u32, offset: usize, count: u32) -> Vec<&str> {
    if ty != TYPE_STRING_ARRAY {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut at = offset;
    for _ in 0..count {
        let Some(tail) = data.get(at..) else { break };
        let Some(end) = memchr::memchr(0, tail) else {
            break;
        };
        let Ok(s) = std::str::from_utf8(&tail[..end]) else {
            break;
        };
        out.push(s);
        at += end + 1;
    }
    out
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

impl Header<'_> {
    /// The installed files' absolute paths; a basename whose directory index is out of range
    /// is left out.
    fn files(&self) -> Vec<String> {
        self.basenames
            .iter()
            .zip(&self.dir_indexes)
            .filter_map(|(base, &i)| Some(format!("{}{base}", self.dirnames.get(i as usize)?)))
            .collect()
    }

    /// The package, versioned `[epoch:]version-release` as Syft shows RPMs.
    pub fn to_package(&self, found_at: &str) -> Result<Package, String> {
        let name = self
            .name
            .filter(|n| !n.is_empty())
            .ok_or("header has no name")?;
        let version = self.version.unwrap_or("");
        let mut full = String::with_capacity(version.len() + 16);
        if let Some(e) = self.epoch {
            full.push_str(&e.to_string());
            full.push(':');
        }
        full.push_str(version);
        if let Some(r) = self.release.filter(|r| !r.is_empty()) {
            full.push('-');
            full.push_str(r);
        }
        let mut pkg = Package::new(PackageType::Rpm, name, full, found_at);
        pkg.arch = self.arch.map(str::to_owned);
        pkg.source_name = self
            .source_rpm
            .filter(|s| !s.is_empty() && *s != "(none)")
            .map(str::to_owned);
        pkg.licenses = self
            .license
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .into_iter()
            .collect();
        pkg.modularity_label = self
            .modularity_label
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        pkg.files = self.files();
        Ok(pkg)
    }
}
