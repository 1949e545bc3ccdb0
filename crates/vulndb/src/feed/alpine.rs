//! Alpine secdb (`v3.20/main.json`): for each origin package, `secfixes` maps the first fixed
//! package version to the ids it fixes. The legacy YAML form (`main.yaml`) has the same shape.
//!
//! Wolfi (`packages.wolfi.dev/os/security.json`) and Chainguard (`packages.cgr.dev/chainguard/
//! security.json`) publish the same schema for their rolling distros, without `distroversion`:
//! the package host says which (`Wolfi`, `Chainguard` keys). Trivy's vuln-list splits that file
//! into one package object per file (`wolfi/os/busybox.json`, with `name` and `secfixes` at the
//! top); that form is read too.
//!
//! Conversion: `"1.2.3-r0": ["CVE-X"]` becomes advisory `CVE-X` with an ECOSYSTEM range
//! introduced `0`, fixed `1.2.3-r0`; the version `0` means Alpine never shipped the problem,
//! stored as [`Status::NotAffected`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{Records, nullable};
use crate::ecosystem::canonical_ecosystem;
use crate::error::DbError;
use crate::model::{Advisory, Affected, Event, Range, RangeKind, Status};

#[derive(Deserialize)]
struct RawDocument {
    /// Alpine's release (`v3.20`); absent in Wolfi's and Chainguard's rolling secdb.
    #[serde(default)]
    distroversion: Option<String>,
    #[serde(default)]
    reponame: Option<String>,
    #[serde(default)]
    urlprefix: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    packages: Vec<serde_json::Value>,
    /// vuln-list's one-package split: the package itself at the top.
    #[serde(flatten)]
    single: Option<RawPackage>,
}

#[derive(Deserialize)]
struct RawEntry {
    pkg: RawPackage,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    secfixes: BTreeMap<String, Option<Vec<Option<String>>>>,
}

/// One origin package's secfixes: version → ids.
struct Secfixes {
    package: String,
    fixes: Vec<(String, Vec<String>)>,
}

/// The JSON form.
pub fn read_json(
    path: &Path,
    bytes: &[u8],
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    let doc: RawDocument = serde_json::from_slice(bytes).map_err(|e| DbError::Malformed {
        path: path.into(),
        format: "Alpine secdb JSON",
        message: e.to_string(),
    })?;
    let ecosystem = secdb_ecosystem(&doc).ok_or_else(|| DbError::Malformed {
        path: path.into(),
        format: "apk secdb JSON",
        message: format!(
            "no `distroversion`, and urlprefix {:?} / reponame {:?} is neither Wolfi's nor Chainguard's",
            doc.urlprefix.as_deref().unwrap_or(""),
            doc.reponame.as_deref().unwrap_or("")
        ),
    })?;
    if let Some(pkg) = doc.single {
        add(secfixes(pkg), &ecosystem, source, records);
    }
    for (i, value) in doc.packages.into_iter().enumerate() {
        match serde_json::from_value::<RawEntry>(value) {
            Ok(entry) => add(secfixes(entry.pkg), &ecosystem, source, records),
            Err(e) => records
                .stats
                .skip(format!("{}: packages[{i}] ({e})", path.display())),
        }
    }
    Ok(())
}

fn secfixes(pkg: RawPackage) -> Secfixes {
    let fixes = pkg
        .secfixes
        .into_iter()
        .map(|(version, ids)| {
            (
                version,
                ids.unwrap_or_default().into_iter().flatten().collect(),
            )
        })
        .collect();
    Secfixes {
        package: pkg.name,
        fixes,
    }
}

/// The database key of a secdb document: Alpine's release, or the rolling distro its package
/// host serves (`packages.wolfi.dev` → `Wolfi`; `*.cgr.dev` or repo `chainguard` →
/// `Chainguard`).
fn secdb_ecosystem(doc: &RawDocument) -> Option<String> {
    if let Some(release) = &doc.distroversion {
        return Some(canonical_ecosystem(&format!("Alpine:{release}")));
    }
    let host = doc.urlprefix.as_deref().unwrap_or("").to_ascii_lowercase();
    let repo = doc.reponame.as_deref().unwrap_or("");
    if host.contains("wolfi.dev") {
        Some("Wolfi".into())
    } else if host.contains("cgr.dev") || repo == "chainguard" {
        Some("Chainguard".into())
    } else {
        None
    }
}

/// The legacy YAML form. A line reader for the fixed shape these files have (top-level
/// `distroversion`, `packages:` list of `pkg:` with `name` and `secfixes`), not a YAML parser:
/// that shape is all the secdb ever published, and it spares a YAML dependency.
pub fn read_yaml(
    path: &Path,
    bytes: &[u8],
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DbError::Malformed {
        path: path.into(),
        format: "Alpine secdb YAML",
        message: e.to_string(),
    })?;
    let mut release = None;
    let mut packages: Vec<Secfixes> = Vec::new();
    let mut in_secfixes = false;
    for raw_line in text.lines() {
        let line = raw_line.split(" #").next().unwrap_or("").trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            in_secfixes = false;
            if let Some(v) = trimmed.strip_prefix("distroversion:") {
                release = Some(unquote(v));
            }
        } else if trimmed.starts_with("- pkg:") || trimmed == "pkg:" {
            in_secfixes = false;
            packages.push(Secfixes {
                package: String::new(),
                fixes: Vec::new(),
            });
        } else if let Some(name) = trimmed.strip_prefix("name:") {
            if let Some(p) = packages.last_mut() {
                p.package = unquote(name);
            }
        } else if trimmed.starts_with("secfixes:") {
            in_secfixes = true;
        } else if in_secfixes {
            let Some(pkg) = packages.last_mut() else {
                continue;
            };
            if let Some(id) = trimmed.strip_prefix('-') {
                if let Some((_, ids)) = pkg.fixes.last_mut() {
                    ids.push(unquote(id));
                }
            } else if let Some(version) = trimmed.strip_suffix(':') {
                pkg.fixes.push((unquote(version), Vec::new()));
            }
        }
    }
    let release = release.ok_or_else(|| DbError::Malformed {
        path: path.into(),
        format: "Alpine secdb YAML",
        message: "no `distroversion`".into(),
    })?;
    let ecosystem = canonical_ecosystem(&format!("Alpine:{release}"));
    for pkg in packages {
        if pkg.package.is_empty() {
            records
                .stats
                .skip(format!("{}: package without a name", path.display()));
            continue;
        }
        add(pkg, &ecosystem, source, records);
    }
    Ok(())
}

fn unquote(value: &str) -> String {
    value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_string()
}

fn add(pkg: Secfixes, ecosystem: &str, source: &str, records: &mut Records) {
    for (version, entries) in pkg.fixes {
        let version = version.trim().to_string();
        let ids: Vec<String> = entries.iter().flat_map(|e| split_ids(e)).collect();
        let pair = cve_and_ghsa(&ids);
        for id in ids {
            let affected = if version == "0" {
                Affected {
                    package: pkg.package.clone(),
                    ranges: Vec::new(),
                    versions: Vec::new(),
                    status: Status::NotAffected,
                }
            } else {
                Affected {
                    package: pkg.package.clone(),
                    ranges: vec![Range {
                        kind: RangeKind::Ecosystem,
                        repo: None,
                        events: vec![Event::Introduced("0".into()), Event::Fixed(version.clone())],
                    }],
                    versions: Vec::new(),
                    status: Status::Fixed,
                }
            };
            let aliases = match &pair {
                Some((cve, ghsa)) if id == *cve => vec![ghsa.clone()],
                Some((cve, ghsa)) if id == *ghsa => vec![cve.clone()],
                _ => Vec::new(),
            };
            let advisory = Advisory {
                id,
                aliases,
                summary: String::new(),
                severity: Vec::new(),
                affected: vec![affected],
                published: None,
                modified: None,
                references: Vec::new(),
                source: source.to_string(),
            };
            records.add(ecosystem.to_string(), pkg.package.clone(), advisory);
        }
    }
}

/// Wolfi's and Chainguard's secdb list a CVE and the GHSA of the same problem side by side under
/// the fixing version, with no link between them. When a version lists exactly one of each they
/// are that one problem, and become each other's alias (one finding, not two); with several of
/// each, which GHSA goes with which CVE is unknown and nothing is linked.
fn cve_and_ghsa(ids: &[String]) -> Option<(String, String)> {
    let one = |prefix: &str| {
        let mut it = ids.iter().filter(|i| i.starts_with(prefix));
        match (it.next(), it.next()) {
            (Some(id), None) => Some(id.clone()),
            _ => None,
        }
    };
    Some((one("CVE-")?, one("GHSA-")?))
}

/// Ids in one secfix entry. Real entries hold one id, several separated by spaces, an id with a
/// trailing note (`CVE-2017-9798 (httpoxy)`), or the typo `CVE 2018-16859`.
fn split_ids(entry: &str) -> Vec<String> {
    let tokens: Vec<&str> = entry.split_whitespace().collect();
    let mut ids = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].trim_matches(|c: char| c == ',' || c == ';');
        if token.eq_ignore_ascii_case("CVE")
            && tokens
                .get(i + 1)
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        {
            ids.push(format!("CVE-{}", tokens[i + 1]));
            i += 2;
            continue;
        }
        if token.contains('-')
            && token.chars().any(|c| c.is_ascii_digit())
            && token
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        {
            ids.push(token.to_string());
        }
        i += 1;
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::split_ids;

    #[test]
    fn secfix_entries() {
        assert_eq!(split_ids("CVE-2021-30139"), ["CVE-2021-30139"]);
        assert_eq!(split_ids("CVE 2018-16859"), ["CVE-2018-16859"]);
        assert_eq!(
            split_ids("CVE-2019-1 CVE-2019-2"),
            ["CVE-2019-1", "CVE-2019-2"]
        );
        assert_eq!(split_ids("XSA-123 (note)"), ["XSA-123"]);
    }
}
