//! SBOM files as scan targets: plinth's own JSON (a serialized inventory), CycloneDX JSON,
//! SPDX JSON and Syft's JSON, whoever wrote them (plinth, Syft, Trivy). The format is detected
//! from the content; packages are rebuilt from their purls.

use std::io::Read;
use std::path::Path;

use plinth_catalog::{Os, Package, PackageType};
use plinth_sbom::{Found, Inventory};
use serde_json::Value;

use crate::error::{Result, ScanError};
use crate::purl::Purl;

/// Largest SBOM read (SBOMs of big images run to tens of MiB).
const MAX_SBOM: u64 = 512 << 20;

/// True when `path` is a regular file whose first non-blank byte is `{`: a candidate SBOM
/// (image archives are tars and never start so).
pub fn is_json_file(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// The SBOM formats recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    Plinth,
    CycloneDx,
    Spdx,
    Syft,
}

impl SbomFormat {
    fn name(self) -> &'static str {
        match self {
            SbomFormat::Plinth => "plinth JSON",
            SbomFormat::CycloneDx => "CycloneDX JSON",
            SbomFormat::Spdx => "SPDX JSON",
            SbomFormat::Syft => "Syft JSON",
        }
    }
}

/// Detects the format of a parsed JSON document.
pub fn detect(doc: &Value) -> Option<SbomFormat> {
    let has = |k: &str| doc.get(k).is_some();
    if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        Some(SbomFormat::CycloneDx)
    } else if has("spdxVersion") {
        Some(SbomFormat::Spdx)
    } else if has("artifacts") && (has("schema") || has("distro") || has("descriptor")) {
        Some(SbomFormat::Syft)
    } else if has("source") && has("packages") && has("layers") {
        Some(SbomFormat::Plinth)
    } else {
        None
    }
}

/// Reads an SBOM file into an inventory.
pub fn read_sbom(path: &Path) -> Result<Inventory> {
    let io = |cause| ScanError::Io {
        path: path.into(),
        cause,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_SBOM + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SBOM {
        return Err(ScanError::BadSbom {
            path: path.into(),
            format: "SBOM",
            message: format!("larger than {} MiB", MAX_SBOM >> 20),
        });
    }
    let source = format!("sbom:{}", path.display());
    sbom_from_slice(&bytes, path, &source)
}

/// Reads an SBOM already in memory (a request body): `path` names it in errors, `source`
/// becomes the inventory's name (a plinth inventory keeps its own name after it).
pub fn sbom_from_slice(bytes: &[u8], path: &Path, source: &str) -> Result<Inventory> {
    // A file that starts like JSON but does not parse is a corrupt (often truncated) SBOM.
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| ScanError::BadSbom {
        path: path.into(),
        format: "JSON",
        message: e.to_string(),
    })?;
    let format = detect(&doc).ok_or_else(|| ScanError::UnknownSbom {
        path: path.into(),
        what: "JSON of an unknown shape".into(),
    })?;
    let bad = |message: String| ScanError::BadSbom {
        path: path.into(),
        format: format.name(),
        message,
    };
    let mut inv = match format {
        SbomFormat::Plinth => {
            let mut inv: Inventory = serde_json::from_value(doc).map_err(|e| bad(e.to_string()))?;
            inv.source = format!("{source} ({})", inv.source);
            return Ok(inv);
        }
        SbomFormat::CycloneDx => from_cyclonedx(&doc).map_err(bad)?,
        SbomFormat::Spdx => from_spdx(&doc).map_err(bad)?,
        SbomFormat::Syft => from_syft(&doc).map_err(bad)?,
    };
    inv.source = source.to_string();
    Ok(inv)
}

fn empty_inventory(os: Option<Os>) -> Inventory {
    Inventory {
        source: String::new(),
        manifest_digest: None,
        layers: Vec::new(),
        os,
        content_sets: Vec::new(),
        packages: Vec::new(),
        warnings: Vec::new(),
    }
}

/// An OS from a purl's `distro=` qualifier (`debian-12`, `alpine-3.20.3`, `ubuntu-22.04`).
fn os_from_distro(distro: &str) -> Option<Os> {
    let (id, version) = match distro.split_once('-') {
        Some((id, v)) => (id, Some(v)),
        None => (distro, None),
    };
    (!id.is_empty()).then(|| Os {
        id: id.to_ascii_lowercase(),
        version_id: version.filter(|v| !v.is_empty()).map(str::to_string),
        codename: None,
        pretty_name: None,
    })
}

/// Rebuilds a package from its purl; `None` for purl types plinth does not match.
pub fn package_from_purl(purl: &str, found_at: &str) -> Option<Found> {
    let p = Purl::parse(purl)?;
    let kind = match p.kind.as_str() {
        "apk" => PackageType::Apk,
        "deb" => PackageType::Deb,
        "rpm" => PackageType::Rpm,
        "pypi" => PackageType::Python,
        "npm" => PackageType::Npm,
        "golang" => PackageType::GoModule,
        "cargo" => PackageType::RustCrate,
        "maven" => PackageType::JavaArchive,
        _ => return None,
    };
    let mut version = p.version.clone()?;
    let name = match (kind, &p.namespace) {
        (PackageType::GoModule, Some(ns)) => format!("{ns}/{}", p.name),
        (PackageType::Npm, Some(ns)) => format!("{ns}/{}", p.name),
        _ => p.name.clone(),
    };
    if kind == PackageType::Rpm
        && let Some(epoch) = p.qualifier("epoch").filter(|e| *e != "0")
    {
        version = format!("{epoch}:{version}");
    }
    let mut pkg = Package::new(kind, name, version, found_at);
    pkg.arch = p.qualifier("arch").map(str::to_string);
    pkg.namespace = match kind {
        PackageType::GoModule | PackageType::Npm => None,
        _ => p.namespace.clone(),
    };
    if let Some(up) = p.qualifier("upstream") {
        // Syft writes `upstream=src` or `upstream=src@version` for Debian.
        match up.split_once('@') {
            Some((n, v)) => {
                pkg.source_name = Some(n.to_string());
                pkg.source_version = Some(v.to_string());
            }
            None => pkg.source_name = Some(up.to_string()),
        }
    }
    Some(Found {
        package: pkg,
        purl: purl.to_string(),
        layer: None,
    })
}

fn finish(mut inv: Inventory, distros: Vec<String>) -> Inventory {
    if inv.os.is_none() {
        inv.os = distros.iter().find_map(|d| os_from_distro(d));
    }
    inv
}

fn distro_of(purl: &str) -> Option<String> {
    Purl::parse(purl)?.qualifier("distro").map(str::to_string)
}

fn prop<'a>(component: &'a Value, names: &[&str]) -> Option<&'a str> {
    component
        .get("properties")?
        .as_array()?
        .iter()
        .find(|p| {
            p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| names.contains(&n))
        })?
        .get("value")?
        .as_str()
}

fn from_cyclonedx(doc: &Value) -> std::result::Result<Inventory, String> {
    let mut inv = empty_inventory(None);
    let mut distros = Vec::new();
    let mut stack: Vec<&Value> = Vec::new();
    match doc.get("components") {
        Some(Value::Array(list)) => stack.extend(list.iter().rev()),
        None | Some(Value::Null) => {}
        Some(_) => return Err("`components` is not an array".into()),
    }
    while let Some(c) = stack.pop() {
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            stack.extend(children.iter().rev());
        }
        if c.get("type").and_then(Value::as_str) == Some("operating-system") {
            let id = c.get("name").and_then(Value::as_str).unwrap_or("");
            if inv.os.is_none() && !id.is_empty() {
                inv.os = Some(Os {
                    id: id.to_ascii_lowercase(),
                    version_id: c.get("version").and_then(Value::as_str).map(str::to_string),
                    codename: None,
                    pretty_name: c
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
            continue;
        }
        let Some(purl) = c.get("purl").and_then(Value::as_str) else {
            continue;
        };
        let found_at = prop(c, &["syft:location:0:path", "aquasecurity:trivy:FilePath"])
            .map(|p| {
                if p.starts_with('/') {
                    p.to_string()
                } else {
                    format!("/{p}")
                }
            })
            .unwrap_or_default();
        if let Some(mut f) = package_from_purl(purl, &found_at) {
            if let Some(src) = prop(c, &["aquasecurity:trivy:SrcName"]) {
                f.package.source_name = Some(src.to_string());
            }
            if let Some(v) = prop(c, &["aquasecurity:trivy:SrcVersion"]) {
                f.package.source_version = Some(v.to_string());
            }
            // plinth's own CycloneDX keeps a lockfile's line, so a scan of it can point there,
            // and an rpm's module stream, which decides the Red Hat advisories it may see.
            f.package.line = prop(c, &["plinth:location:0:line"]).and_then(|l| l.parse().ok());
            f.package.modularity_label =
                prop(c, &["plinth:package:modularityLabel"]).map(str::to_string);
            distros.extend(distro_of(purl));
            inv.packages.push(f);
        }
    }
    Ok(finish(inv, distros))
}

fn from_spdx(doc: &Value) -> std::result::Result<Inventory, String> {
    let mut inv = empty_inventory(None);
    let mut distros = Vec::new();
    let packages = match doc.get("packages") {
        Some(Value::Array(list)) => list.as_slice(),
        None | Some(Value::Null) => &[],
        Some(_) => return Err("`packages` is not an array".into()),
    };
    for p in packages {
        if p.get("primaryPackagePurpose").and_then(Value::as_str) == Some("OPERATING-SYSTEM") {
            let id = p.get("name").and_then(Value::as_str).unwrap_or("");
            if inv.os.is_none() && !id.is_empty() {
                inv.os = Some(Os {
                    id: id.to_ascii_lowercase(),
                    version_id: p
                        .get("versionInfo")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    codename: None,
                    pretty_name: None,
                });
            }
            continue;
        }
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|r| r.get("referenceLocator"))
            .and_then(Value::as_str);
        let Some(purl) = purl else { continue };
        let found_at = p
            .get("sourceInfo")
            .and_then(Value::as_str)
            .and_then(|s| s.rsplit_once(": ").map(|(_, path)| path.to_string()))
            .filter(|s| s.starts_with('/'))
            .unwrap_or_default();
        if let Some(f) = package_from_purl(purl, &found_at) {
            distros.extend(distro_of(purl));
            inv.packages.push(f);
        }
    }
    Ok(finish(inv, distros))
}

fn from_syft(doc: &Value) -> std::result::Result<Inventory, String> {
    let os = doc.get("distro").and_then(|d| {
        let id = d.get("id").and_then(Value::as_str)?;
        Some(Os {
            id: id.to_ascii_lowercase(),
            version_id: d
                .get("versionID")
                .and_then(Value::as_str)
                .map(str::to_string),
            codename: d
                .get("versionCodename")
                .and_then(Value::as_str)
                .map(str::to_string),
            pretty_name: d
                .get("prettyName")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    });
    let mut inv = empty_inventory(os);
    let mut distros = Vec::new();
    let artifacts = doc
        .get("artifacts")
        .and_then(Value::as_array)
        .ok_or("`artifacts` is not an array")?;
    for a in artifacts {
        let Some(purl) = a.get("purl").and_then(Value::as_str) else {
            continue;
        };
        let found_at = a
            .pointer("/locations/0/path")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(mut f) = package_from_purl(purl, &found_at) {
            // Syft's metadata carries the source package plainly.
            let meta = a.get("metadata");
            let field = |k: &str| {
                meta.and_then(|m| m.get(k))
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            if let Some(src) = field("source")
                .or_else(|| field("originPackage"))
                .or_else(|| field("sourceRpm"))
            {
                f.package.source_name = Some(src.to_string());
            }
            if let Some(v) = field("sourceVersion") {
                f.package.source_version = Some(v.to_string());
            }
            f.package.modularity_label = field("modularityLabel").map(str::to_string);
            distros.extend(distro_of(purl));
            inv.packages.push(f);
        }
    }
    Ok(finish(inv, distros))
}
