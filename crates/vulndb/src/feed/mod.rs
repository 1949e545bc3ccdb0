//! Feed parsers: OSV records (files, directories, `all.zip`), Alpine secdb (JSON and the legacy
//! YAML), Debian's security tracker JSON, and the distro vendors' own formats (Red Hat CSAF,
//! Amazon ALAS, Azure Linux OVAL, SUSE CVRF and OVAL). Each parser turns its format into [`Advisory`] values
//! keyed by (ecosystem, package) and hands them to a [`Records`] collector. NVD CVE API 2.0
//! documents and CVE JSON 5 records name no packages: they add per-CVE severities instead.
//!
//! Architecture invariant: parsers never touch the store; they only produce records. A malformed
//! record is skipped and counted in [`ParseStats`]; only a document that cannot be read at all is
//! an error.

pub mod alas;
pub mod alpine;
pub mod csaf;
pub mod cve5;
pub mod debian;
pub mod nvd;
pub mod osv;
pub mod oval;
pub mod suse;

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

use crate::cve_severity::CveSeverities;
use crate::cwe::Weaknesses;
use crate::error::DbError;
use crate::model::Advisory;

/// How many skipped record names a report keeps.
const SKIPPED_NAMES_KEPT: usize = 5;

/// The largest single record or document read into memory (an OSV record is a few KiB; the
/// Debian tracker is ~100 MiB).
const MAX_DOCUMENT: u64 = 1 << 30;

/// What a parse saw: records kept, records skipped as malformed (with the first few names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParseStats {
    /// Advisories stored (one per record and package).
    pub records: u64,
    /// Malformed records skipped.
    pub skipped: u64,
    /// Ids (or file/entry names when no id could be read) of the first skipped records.
    pub first_skipped: Vec<String>,
    /// OSV records marked `withdrawn`, left out on purpose.
    pub withdrawn: u64,
}

impl ParseStats {
    pub(crate) fn skip(&mut self, name: impl Into<String>) {
        self.skipped += 1;
        if self.first_skipped.len() < SKIPPED_NAMES_KEPT {
            self.first_skipped.push(name.into());
        }
    }
}

/// Advisories of one source grouped by (ecosystem, package), merged by id: a record that names a
/// package twice, or a secfix listing a CVE under two versions, becomes one advisory with several
/// `affected` entries.
#[derive(Debug, Default)]
pub struct Records {
    pub(crate) by_key: HashMap<(String, String), Vec<Advisory>>,
    /// Per-CVE severities from NVD and CVE 5 documents.
    pub cves: CveSeverities,
    /// CWE ids per vulnerability id, from CVE 5, NVD and OSV records.
    pub cwes: Weaknesses,
    pub stats: ParseStats,
}

impl Records {
    /// Adds one advisory under its key. Keys must already be canonical and normalised.
    pub fn add(&mut self, ecosystem: String, package: String, advisory: Advisory) {
        let list = self.by_key.entry((ecosystem, package)).or_default();
        if let Some(existing) = list.iter_mut().find(|a| a.id == advisory.id) {
            merge_into(existing, advisory);
            return;
        }
        self.stats.records += 1;
        list.push(advisory);
    }

    /// Number of distinct (ecosystem, package) keys.
    pub fn keys(&self) -> usize {
        self.by_key.len()
    }

    /// True when nothing was read: no advisory, no CVE severity, nothing skipped or withdrawn.
    pub fn is_empty(&self) -> bool {
        self.keys() == 0
            && self.cves.is_empty()
            && self.cwes.is_empty()
            && self.stats.skipped == 0
            && self.stats.withdrawn == 0
    }
}

fn merge_into(existing: &mut Advisory, extra: Advisory) {
    existing.affected.extend(extra.affected);
    for alias in extra.aliases {
        if !existing.aliases.contains(&alias) {
            existing.aliases.push(alias);
        }
    }
    for sev in extra.severity {
        if !existing.severity.contains(&sev) {
            existing.severity.push(sev);
        }
    }
}

/// Reads every feed file under `path` (a file, a directory walked recursively, or a zip) into
/// `records`. Files that are not feeds inside a directory (SOURCE, README) are ignored; a path
/// named directly must be a feed.
pub fn read_path(path: &Path, source: &str, records: &mut Records) -> Result<(), DbError> {
    let meta = fs::metadata(path).map_err(|e| DbError::io(path, e))?;
    if meta.is_dir() {
        return read_dir(path, source, records);
    }
    read_file(path, source, records)
}

fn read_dir(dir: &Path, source: &str, records: &mut Records) -> Result<(), DbError> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| DbError::io(dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| DbError::io(dir, e))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_dir(&path, source, records)?;
        } else if looks_like_feed_name(&path) {
            // One bad file in a feed directory (an HTML error page saved as JSON, a truncated
            // download) must not cost the rest: it is skipped and named, like a bad record.
            match read_file(&path, source, records) {
                Err(
                    e
                    @ (DbError::NotAFeed { .. } | DbError::Malformed { .. } | DbError::Zip { .. }),
                ) => records.stats.skip(e.to_string()),
                other => other?,
            }
        }
    }
    Ok(())
}

fn looks_like_feed_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "zip" | "yaml" | "yml" | "xml" | "gz")
    )
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zip,
    Redb,
    OsvJson,
    AlpineJson,
    AlpineYaml,
    DebianTracker,
    /// An NVD CVE API 2.0 answer or bulk file.
    NvdCve,
    /// A CVE JSON 5 record.
    Cve5,
    /// cvelistV5's `delta.json`: a list of changed CVE ids, not records; nothing to import.
    Cve5Delta,
    /// A Red Hat CSAF 2.0 document: a per-CVE VEX file or a security advisory.
    Csaf,
    /// Gzip: decompressed, then sniffed again (`updateinfo.xml.gz`).
    Gzip,
    /// A zstd-compressed tar of feed files (Red Hat's `csaf_vex_2025-01-05.tar.zst`).
    ZstdTar,
    /// Azure Linux / CBL-Mariner OVAL definitions.
    Oval,
    /// SUSE / openSUSE OVAL definitions.
    SuseOval,
    /// A SUSE CVRF 1.2 advisory.
    Cvrf,
    /// A yum `updateinfo.xml`: Amazon Linux's ALAS advisories.
    Updateinfo,
    /// One ALAS advisory in vuln-list's JSON form.
    AlasJson,
    /// A yum `repomd.xml` index: points at `updateinfo`, holds no advisory; nothing to import.
    RepoMd,
    /// A repository or NVR → CPE map as Trivy ships beside Red Hat's VEX: recognised, not
    /// stored (the scanner derives CPEs from repository names).
    CpeMap,
}

/// Sniffs a feed's format from its first bytes, or says in a few words what it is instead.
pub fn sniff(head: &[u8]) -> Result<Format, String> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Format::Zip);
    }
    if head.starts_with(b"redb") {
        return Ok(Format::Redb);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Format::Gzip);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Ok(Format::ZstdTar);
    }
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err("empty file, not a feed".into());
    }
    let lower = trimmed
        .get(..trimmed.len().min(64))
        .unwrap_or("")
        .to_ascii_lowercase();
    let xml_roots = [
        "<?xml",
        "<oval_definitions",
        "<updates",
        "<repomd",
        "<cvrfdoc",
    ];
    if xml_roots.iter().any(|root| trimmed.starts_with(root)) {
        if oval::is_oval(&text) && suse::oval::is_suse_oval(&text) {
            return Ok(Format::SuseOval);
        }
        if suse::cvrf::is_cvrf(&text) {
            return Ok(Format::Cvrf);
        }
        if oval::is_oval(&text) {
            return Ok(Format::Oval);
        }
        if alas::is_updateinfo(&text) {
            return Ok(Format::Updateinfo);
        }
        if text.contains("<repomd") {
            return Ok(Format::RepoMd);
        }
        return Err("an XML document of no feed format plinth reads".into());
    }
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.starts_with('<') {
        return Err("an HTML/XML page, not a vulnerability feed".into());
    }
    if trimmed.starts_with('[') {
        return Ok(Format::OsvJson);
    }
    if trimmed.starts_with('{') {
        if text.contains("\"csaf_version\"") {
            return Ok(Format::Csaf);
        }
        if is_cpe_map(trimmed) {
            return Ok(Format::CpeMap);
        }
        if let Some(format) = sniff_cve_document(&text) {
            return Ok(format);
        }
        // Alpine names its release; Wolfi's and Chainguard's secdb only have `secfixes`.
        if text.contains("\"distroversion\"") && text.contains("\"packages\"")
            || text.contains("\"secfixes\"")
        {
            return Ok(Format::AlpineJson);
        }
        if text.contains("\"releases\"") && !text.contains("\"affected\"") {
            return Ok(Format::DebianTracker);
        }
        if alas::is_vuln_list_json(&text) {
            return Ok(Format::AlasJson);
        }
        return Ok(Format::OsvJson);
    }
    if trimmed.starts_with("---")
        || trimmed.starts_with("distroversion:")
        || text.contains("\ndistroversion:")
    {
        return Ok(Format::AlpineYaml);
    }
    Err("not JSON, YAML or zip: no feed format recognised".into())
}

/// `{"rhel-8-for-x86_64-baseos-rpms": ["cpe:/o:redhat:enterprise_linux:8::baseos"], …}`: the
/// first value is a list of CPEs.
fn is_cpe_map(text: &str) -> bool {
    let Some(colon) = text.find("\":") else {
        return false;
    };
    let value = text[colon + 2..].trim_start();
    value
        .strip_prefix('[')
        .is_some_and(|v| v.trim_start().starts_with("\"cpe:/"))
}

/// NVD and CVE 5 documents by their markers, anywhere in the head (CVE 5 writers order keys
/// freely). Checked before the other JSON formats: a CVE 5 record has `affected` and could pass
/// for OSV.
fn sniff_cve_document(text: &str) -> Option<Format> {
    let has = |key: &str, value: &str| {
        text.match_indices(key).any(|(at, _)| {
            let rest = text[at + key.len()..].trim_start();
            rest.strip_prefix(':')
                .is_some_and(|r| r.trim_start().starts_with(value))
        })
    };
    if has("\"format\"", "\"NVD_CVE\"") {
        Some(Format::NvdCve)
    } else if has("\"dataType\"", "\"CVE_RECORD\"") || text.contains("\"cveMetadata\"") {
        Some(Format::Cve5)
    } else if text.contains("\"fetchTime\"") && text.contains("\"numberOfChanges\"") {
        Some(Format::Cve5Delta)
    } else {
        None
    }
}

/// Reads one feed file. Redb bundles are not feeds; the importer handles them before this.
pub fn read_file(path: &Path, source: &str, records: &mut Records) -> Result<(), DbError> {
    let mut file = fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let mut head = vec![0u8; 64 * 1024];
    let n = read_up_to(&mut file, &mut head).map_err(|e| DbError::io(path, e))?;
    head.truncate(n);
    let format = sniff(&head).map_err(|what| DbError::NotAFeed {
        path: path.into(),
        what,
    })?;
    match format {
        Format::Zip => osv::read_zip(path, file, source, records),
        Format::Redb => Err(DbError::NotAFeed {
            path: path.into(),
            what: "a plinth database bundle, not a feed (use `plinth db import`)".into(),
        }),
        Format::Gzip => read_gzip(path, file, source, records),
        Format::ZstdTar => read_zstd_tar(path, file, source, records),
        other => read_bytes(path, other, &read_rest(path, head, file)?, source, records),
    }
}

/// Dispatches a document held in memory (read whole, or decompressed) by its format.
fn read_bytes(
    path: &Path,
    format: Format,
    bytes: &[u8],
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    match format {
        Format::OsvJson => osv::read_document(path, bytes, source, records),
        Format::AlpineJson => alpine::read_json(path, bytes, source, records),
        Format::AlpineYaml => alpine::read_yaml(path, bytes, source, records),
        Format::DebianTracker => debian::read(path, bytes, source, records),
        Format::NvdCve => nvd::read(path, bytes, records),
        Format::Cve5 => cve5::read(path, bytes, records),
        Format::Csaf => csaf::read(path, bytes, source, records),
        Format::Oval => oval::read(path, bytes, source, records),
        Format::SuseOval => suse::oval::read(path, bytes, source, records),
        Format::Cvrf => suse::cvrf::read(path, bytes, source, records),
        Format::Updateinfo => alas::read_updateinfo(path, bytes, source, records),
        Format::AlasJson => alas::read_json(path, bytes, source, records),
        Format::Cve5Delta | Format::CpeMap | Format::RepoMd => Ok(()),
        Format::Zip | Format::Redb | Format::Gzip | Format::ZstdTar => Err(DbError::NotAFeed {
            path: path.into(),
            what: "a zip, bundle or gzip inside gzip: not a feed".into(),
        }),
    }
}

/// A gzip-compressed feed (`updateinfo.xml.gz`): inflated in memory, up to the document limit,
/// then read by what its bytes are.
fn read_gzip(
    path: &Path,
    mut file: fs::File,
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| DbError::io(path, e))?;
    let mut bytes = Vec::new();
    flate2::read::MultiGzDecoder::new(file)
        .take(MAX_DOCUMENT)
        .read_to_end(&mut bytes)
        .map_err(|e| DbError::Malformed {
            path: path.into(),
            format: "gzip",
            message: e.to_string(),
        })?;
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let format = sniff(head).map_err(|what| DbError::NotAFeed {
        path: path.into(),
        what,
    })?;
    read_bytes(path, format, &bytes, source, records)
}

/// A zstd-compressed tar, streamed: each feed file in it is read as if it were in a directory,
/// and one that cannot be read is skipped and named (`archive.tar.zst!2024/cve-2024-1.json`).
fn read_zstd_tar(
    path: &Path,
    mut file: fs::File,
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| DbError::io(path, e))?;
    let malformed = |e: std::io::Error| DbError::Malformed {
        path: path.into(),
        format: "zstd tar",
        message: e.to_string(),
    };
    let decoder = zstd::stream::read::Decoder::new(file).map_err(malformed)?;
    let mut archive = tar::Archive::new(decoder);
    for entry in archive.entries().map_err(malformed)? {
        let mut entry = entry.map_err(malformed)?;
        let name = entry.path().map_err(malformed)?.into_owned();
        if !entry.header().entry_type().is_file() || !looks_like_feed_name(&name) {
            continue;
        }
        let inner = PathBuf::from(format!("{}!{}", path.display(), name.display()));
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_DOCUMENT)
            .read_to_end(&mut bytes)
            .map_err(malformed)?;
        let read = sniff(&bytes[..bytes.len().min(64 * 1024)])
            .map_err(|what| DbError::NotAFeed {
                path: inner.clone(),
                what,
            })
            .and_then(|format| read_bytes(&inner, format, &bytes, source, records));
        if let Err(e) = read {
            records.stats.skip(e.to_string());
        }
    }
    Ok(())
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn read_rest(path: &Path, mut head: Vec<u8>, file: fs::File) -> Result<Vec<u8>, DbError> {
    file.take(MAX_DOCUMENT)
        .read_to_end(&mut head)
        .map_err(|e| DbError::io(path, e))?;
    Ok(head)
}

/// `null` where a list or string is expected reads as empty: real feeds write both.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// The first line of a text, cut to a length a table can show.
pub(crate) fn first_line(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("").trim();
    match line.char_indices().nth(240) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats_and_rejects_html() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Ok(Format::Zip));
        assert_eq!(
            sniff(b"{\"id\":\"GHSA-1\",\"affected\":[]}"),
            Ok(Format::OsvJson)
        );
        assert_eq!(
            sniff(b"{\"distroversion\":\"v3.20\",\"packages\":[]}"),
            Ok(Format::AlpineJson)
        );
        assert_eq!(
            sniff(b"{\"openssl\":{\"CVE-1\":{\"releases\":{}}}}"),
            Ok(Format::DebianTracker)
        );
        assert_eq!(sniff(b"---\ndistroversion: v3.9\n"), Ok(Format::AlpineYaml));
        assert_eq!(
            sniff(b"{\"resultsPerPage\": 1, \"format\": \"NVD_CVE\", \"version\": \"2.0\"}"),
            Ok(Format::NvdCve)
        );
        assert_eq!(
            sniff(b"{\"dataType\":\"CVE_RECORD\",\"containers\":{\"cna\":{\"affected\":[]}}}"),
            Ok(Format::Cve5)
        );
        assert!(
            sniff(b"<!DOCTYPE html><html>")
                .unwrap_err()
                .contains("HTML")
        );
        assert_eq!(
            sniff(b"{\"document\": {\"category\": \"csaf_vex\", \"csaf_version\": \"2.0\"}}"),
            Ok(Format::Csaf)
        );
        assert_eq!(
            sniff(b"{\n  \"rhel-8-for-x86_64-baseos-rpms\": [\n \"cpe:/o:redhat:enterprise_linux:8::baseos\"]}"),
            Ok(Format::CpeMap)
        );
        assert!(sniff(b"").is_err());
        assert!(sniff(b"\x00\x01garbage").is_err());
    }
}
