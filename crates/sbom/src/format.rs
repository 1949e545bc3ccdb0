//! SBOM renderings of an [`Inventory`]: a table, plinth's own JSON, CycloneDX JSON (1.6 or
//! 1.5) and SPDX 2.3 JSON.
//!
//! Every rendering is a pure function of the inventory and [`Options`]: the same image and
//! the same `SOURCE_DATE_EPOCH` give byte-identical output. Identifiers that must be unique
//! per document (CycloneDX `serialNumber`, SPDX `documentNamespace`) are derived from a hash
//! of the inventory rather than drawn at random.
//!
//! # plinth's JSON (`-f json`)
//!
//! The [`Inventory`] serialised as it is:
//!
//! - `source`: the image as named (`archive:/path/app.tar`, `dir:/`, …).
//! - `manifest_digest`: the image manifest's digest, when the source has one.
//! - `layers[]`: `index` (0 = base), `digest` (blob), `diff_id` (uncompressed), `created_by`
//!   (the history entry that made it).
//! - `os`: `id`, `version_id`, `codename`, `pretty_name` from os-release, or `null`.
//! - `packages[]`: `name`, `version` (as the ecosystem writes it), `type` (`apk`, `deb`,
//!   `rpm`, `python`, `npm`, `go-module`, `rust-crate`, `java-archive`), `found_at` (the
//!   database or manifest file), `purl`, `layer` (index into `layers` of the layer that
//!   introduced the package), and when known `source_name`, `source_version`, `arch`,
//!   `licenses[]` (as the package declares them), `namespace`, `files[]`,
//!   `modularity_label`.
//! - `warnings[]` (absent when empty): `cataloger`, `path`, `message` for every file a
//!   cataloger could not read fully; those catalogers' results are incomplete.

mod cyclonedx;
mod license;
mod spdx;
mod time;

use std::io::{self, Write};

use crate::Inventory;

pub use cyclonedx::{CycloneDxVersion, cyclonedx_json};
pub use license::{License, classify as classify_license};
pub use spdx::spdx_json;

/// What a rendering needs besides the inventory.
#[derive(Debug, Clone)]
pub struct Options {
    /// Creation time written into the document, in seconds since the Unix epoch.
    pub created: u64,
    /// The producing tool's version (`plinth 0.1.0`).
    pub tool_version: String,
}

impl Options {
    /// Creation time from `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
    pub fn from_env() -> Result<Options, String> {
        let created = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(s) => s
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("SOURCE_DATE_EPOCH={s:?}: not a number of seconds"))?,
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        Ok(Options {
            created,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }
}

/// plinth's own JSON: the [`Inventory`] as it is (fields documented on this module).
pub fn json(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, inv)?;
    writeln!(out)
}

/// NAME, VERSION, TYPE, LAYER columns, like `syft -o table`. Cataloger warnings go to
/// stderr.
pub fn table(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    let mut rows = vec![[
        "NAME".to_string(),
        "VERSION".into(),
        "TYPE".into(),
        "LAYER".into(),
    ]];
    for f in &inv.packages {
        rows.push([
            f.package.name.clone(),
            f.package.version.clone(),
            type_name(f.package.kind).to_owned(),
            f.layer.map_or("-".into(), |l| l.to_string()),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )?;
    }
    for w in &inv.warnings {
        writeln!(
            io::stderr(),
            "plinth: warning: {}: {}: {}",
            w.cataloger,
            w.path,
            w.message
        )?;
    }
    Ok(())
}

/// The package type as plinth's JSON writes it (`go-module`).
pub fn type_name(kind: plinth_catalog::PackageType) -> &'static str {
    use plinth_catalog::PackageType as T;
    match kind {
        T::Apk => "apk",
        T::Deb => "deb",
        T::Rpm => "rpm",
        T::Python => "python",
        T::Npm => "npm",
        T::GoModule => "go-module",
        T::RustCrate => "rust-crate",
        T::JavaArchive => "java-archive",
        T::Gem => "gem",
        T::Composer => "php-composer",
        T::Nuget => "dotnet",
        T::Pub => "dart-pub",
        T::Swift => "swift",
        T::Hex => "hex",
        T::Cocoapods => "pod",
        T::Conan => "conan",
        T::Conda => "conda",
        T::Binary => "binary",
    }
}

/// A hex digest of the inventory: the seed of document identifiers, so the same inventory
/// always yields the same namespace and serial number.
fn inventory_hash(inv: &Inventory) -> String {
    let bytes = serde_json::to_vec(inv).unwrap_or_default();
    plinth_image::Digest::of(&bytes).hex()
}

/// The image's name in a document: the source without plinth's scheme prefix.
fn image_name(inv: &Inventory) -> &str {
    inv.source
        .split_once(':')
        .map_or(inv.source.as_str(), |(_, rest)| rest)
}

/// The image's version in a document: its manifest digest, or for sources without one
/// (archives without a manifest digest, directories) the OCI chain ID of its layers, which
/// names the same root filesystem wherever it is stored.
fn image_version(inv: &Inventory) -> Option<String> {
    if let Some(d) = &inv.manifest_digest {
        return Some(d.to_string());
    }
    let mut chain: Option<String> = None;
    for layer in &inv.layers {
        let diff = layer.diff_id.as_ref()?.to_string();
        chain = Some(match chain {
            None => diff,
            Some(prev) => plinth_image::Digest::of(format!("{prev} {diff}").as_bytes()).to_string(),
        });
    }
    chain
}

/// The layer that introduced a package, as `(index, diff_id)`.
fn layer_of(inv: &Inventory, found: &crate::Found) -> Option<(usize, Option<String>)> {
    let l = inv.layers.get(found.layer?)?;
    Some((l.index, l.diff_id.as_ref().map(ToString::to_string)))
}

/// Whether a package is the program itself rather than something it bundles: the main module
/// of a Go binary or the root crate of a Rust one, recognised by the binary's file name.
fn is_application(p: &plinth_catalog::Package) -> bool {
    use plinth_catalog::PackageType as T;
    if !matches!(p.kind, T::GoModule | T::RustCrate) {
        return false;
    }
    let file = p.found_at.rsplit('/').next().unwrap_or_default();
    let last = p.name.rsplit('/').next().unwrap_or_default();
    !file.is_empty() && (file == p.name || file == last)
}
