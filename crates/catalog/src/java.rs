//! Java archives (jar, war, ear and Jenkins plugins, nested archives included): a package for
//! each `META-INF/maven/GROUP/ARTIFACT/pom.properties`, or — when an archive has none — one
//! from `META-INF/MANIFEST.MF` and the file name (`name-1.2.3.jar`).
//!
//! Archives are hostile: the total inflated bytes across one file and its nested archives are
//! capped ([`MAX_INFLATED`]), nesting is capped ([`MAX_DEPTH`]), and declared sizes are never
//! trusted for allocation.

use std::io::{Cursor, Read};

use crate::fields::{field, paragraphs};
use crate::paths::{basename, is_regular};
use crate::{FileInput, FileMeta, Package, PackageType};

/// Inflated bytes one top-level archive may cost, nested archives included.
pub const MAX_INFLATED: u64 = 256 * 1024 * 1024;
/// Archives inside archives inside archives, and no deeper.
pub const MAX_DEPTH: usize = 3;
/// pom.properties and MANIFEST.MF are small; a larger one is not read.
const MAX_TEXT: u64 = 1024 * 1024;

const EXTENSIONS: [&str; 5] = [".jar", ".war", ".ear", ".jpi", ".hpi"];

pub fn wants(meta: &FileMeta) -> bool {
    is_regular(meta.mode) && is_archive_name(meta.path)
}

fn is_archive_name(name: &str) -> bool {
    EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let mut budget = MAX_INFLATED;
    let mut out = Vec::new();
    archive(file.data, file.path, 0, &mut budget, &mut out)?;
    Ok(out)
}

/// Catalogs one archive; nested archives that fail to open are skipped, but running out of
/// budget anywhere fails the whole file.
fn archive(
    data: &[u8],
    found_at: &str,
    depth: usize,
    budget: &mut u64,
    out: &mut Vec<Package>,
) -> Result<(), String> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(data)).map_err(|e| format!("not a zip archive: {e}"))?;
    let mut poms = Vec::new();
    let mut manifest = None;
    let mut nested = Vec::new();
    for (i, name) in zip.file_names().enumerate() {
        let Ok(name) = name else { continue };
        if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            poms.push(i);
        } else if name == "META-INF/MANIFEST.MF" {
            manifest = Some(i);
        } else if depth < MAX_DEPTH && is_archive_name(&name) {
            nested.push((i, name.into_owned()));
        }
    }
    let found_before = out.len();
    for i in poms {
        let text = read_entry(&mut zip, i, MAX_TEXT, budget)?;
        out.extend(pom_package(&String::from_utf8_lossy(&text), found_at));
    }
    if out.len() == found_before {
        let text = match manifest {
            Some(i) => read_entry(&mut zip, i, MAX_TEXT, budget)?,
            None => Vec::new(),
        };
        out.extend(manifest_package(&String::from_utf8_lossy(&text), found_at));
    }
    for (i, name) in nested {
        let bytes = read_entry(&mut zip, i, *budget, budget)?;
        let inner_at = format!("{found_at}:{name}");
        match archive(&bytes, &inner_at, depth + 1, budget, out) {
            Err(e) if e.starts_with("zip bomb") => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Inflates one entry, at most `limit` bytes, charging what was read to the budget.
fn read_entry(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limit: u64,
    budget: &mut u64,
) -> Result<Vec<u8>, String> {
    let name = match zip.name_for_index(i) {
        Some(Ok(n)) => n.into_owned(),
        _ => format!("#{i}"),
    };
    let entry = zip
        .by_index(i)
        .map_err(|e| format!("zip entry {name}: {e}"))?;
    let cap = limit.min(*budget);
    let mut buf = Vec::new();
    entry
        .take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("zip entry {name}: {e}"))?;
    let n = buf.len() as u64;
    if n > *budget {
        return Err(format!(
            "zip bomb: inflating {name} exceeds {MAX_INFLATED} bytes in total"
        ));
    }
    *budget -= n;
    if n > limit {
        return Err(format!("zip entry {name} is larger than {limit} bytes"));
    }
    Ok(buf)
}

/// `groupId=…`, `artifactId=…`, `version=…` (Java properties; `#` comments).
fn pom_package(text: &str, found_at: &str) -> Option<Package> {
    let (mut group, mut artifact, mut version) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', '!']) {
            continue;
        }
        let Some((k, v)) = line.split_once(['=', ':']) else {
            continue;
        };
        match k.trim() {
            "groupId" => group = Some(v.trim()),
            "artifactId" => artifact = Some(v.trim()),
            "version" => version = Some(v.trim()),
            _ => {}
        }
    }
    let (artifact, version) = (
        artifact.filter(|a| !a.is_empty())?,
        version.filter(|v| !v.is_empty())?,
    );
    let mut p = Package::new(PackageType::JavaArchive, artifact, version, found_at);
    p.namespace = group.filter(|g| !g.is_empty()).map(str::to_owned);
    Some(p)
}

/// A package from the manifest's version and the archive's file name.
fn manifest_package(manifest: &str, found_at: &str) -> Option<Package> {
    let main = paragraphs(manifest).next().unwrap_or("");
    let file = basename(found_at.rsplit(':').next().unwrap_or(found_at));
    let (file_name, file_version) = split_file_name(file);
    let version = [
        "Implementation-Version",
        "Bundle-Version",
        "Specification-Version",
    ]
    .iter()
    .find_map(|k| field(main, k).filter(|v| !v.is_empty()))
    .or(file_version)?;
    let name = Some(file_name)
        .filter(|n| !n.is_empty())
        .or_else(|| field(main, "Implementation-Title"))
        .or_else(|| field(main, "Bundle-SymbolicName"))?;
    let mut p = Package::new(PackageType::JavaArchive, name, version, found_at);
    p.namespace = field(main, "Implementation-Vendor-Id").map(str::to_owned);
    Some(p)
}

/// `commons-io-2.11.0.jar` → (`commons-io`, Some(`2.11.0`)): the version starts at the first
/// `-` followed by a digit.
fn split_file_name(file: &str) -> (&str, Option<&str>) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let bytes = stem.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return (&stem[..i], Some(&stem[i + 1..]));
        }
    }
    (stem, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn run(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
        parse(&FileInput {
            path,
            data,
            mode: 0o644,
        })
    }

    #[test]
    fn pom_properties_and_nested_jars() {
        let inner = jar(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nImplementation-Version: 2.11.0\n",
        )]);
        let outer = jar(&[
            (
                "META-INF/maven/org.example/app/pom.properties",
                b"#x\ngroupId=org.example\nartifactId=app\nversion=1.0\n",
            ),
            ("BOOT-INF/lib/commons-io-2.11.0.jar", &inner),
        ]);
        let pkgs = run("/app/app.jar", &outer).unwrap();
        let ids: Vec<_> = pkgs
            .iter()
            .map(|p| {
                (
                    p.namespace.as_deref(),
                    p.name.as_str(),
                    p.version.as_str(),
                    p.found_at.as_str(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [
                (Some("org.example"), "app", "1.0", "/app/app.jar"),
                (
                    None,
                    "commons-io",
                    "2.11.0",
                    "/app/app.jar:BOOT-INF/lib/commons-io-2.11.0.jar"
                ),
            ]
        );
    }

    #[test]
    fn zip_bomb_is_refused() {
        // 300 MiB of zeros deflates to a few hundred KiB.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("lib/a.jar", opts).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            w.write_all(&zeros).unwrap();
        }
        let bomb = w.finish().unwrap().into_inner();
        let err = run("/bomb.jar", &bomb).unwrap_err();
        assert!(err.contains("zip bomb"), "{err}");
    }

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-io-2.11.0.jar"),
            ("commons-io", Some("2.11.0"))
        );
        assert_eq!(split_file_name("app.jar"), ("app", None));
        assert!(run("/x.jar", b"PK\x03\x04garbage").is_err());
    }
}
