//! Rust binaries built with cargo-auditable: the `.dep-v0` section holds the crate graph as
//! zlib-compressed JSON (`{"packages":[{"name","version","source","kind",…}]}`).

use std::io::Read;

use flate2::read::ZlibDecoder;
use serde::Deserialize;

use super::{arch, section};
use crate::{Package, PackageType};

/// cargo-auditable's own reader caps the inflated JSON at 8 MiB; a larger one is a bomb.
const MAX_JSON: u64 = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    version: String,
    /// `build` for crates that only ran at build time (build scripts, proc macros); absent for
    /// the runtime crates the binary holds.
    #[serde(default)]
    kind: Option<String>,
}

pub fn parse(elf: &object::File<'_>, path: &str) -> Result<Vec<Package>, String> {
    let Some(compressed) = section(elf, ".dep-v0")? else {
        return Ok(Vec::new());
    };
    let mut json = Vec::new();
    ZlibDecoder::new(compressed)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!(".dep-v0 is not valid zlib data: {e}"))?;
    if json.len() as u64 > MAX_JSON {
        return Err(format!(".dep-v0 inflates to more than {MAX_JSON} bytes"));
    }
    let info: VersionInfo = serde_json::from_slice(&json)
        .map_err(|e| format!(".dep-v0 is not cargo-auditable JSON: {e}"))?;
    let arch = arch(elf);
    Ok(info
        .packages
        .into_iter()
        // Build-time crates are not in the binary, so their advisories cannot affect it;
        // syft and Trivy leave them out too.
        .filter(|d| d.kind.as_deref() != Some("build"))
        .map(|d| {
            let mut p = Package::new(PackageType::RustCrate, d.name, d.version, path);
            p.arch = arch.map(str::to_owned);
            p
        })
        .collect())
}
