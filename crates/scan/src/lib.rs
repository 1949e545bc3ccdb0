//! plinth-scan: what is vulnerable in an image, a directory or an SBOM.
//!
//! The scanner takes an [`Inventory`](plinth_sbom::Inventory) (from `plinth-sbom`'s walk of an
//! image, or rebuilt from an SBOM file by [`read_sbom`]) and the advisories of `plinth-vulndb`,
//! and produces a [`Report`] of [`Finding`]s:
//!
//! - [`ecosystem`] keys each package: language packages by their ecosystem, OS packages by
//!   distro release and *source* package (Debian source, Alpine origin, RPM source name);
//! - [`range`] evaluates OSV ranges with the ecosystem's exact version order
//!   (`plinth-version`) and finds the smallest fixed version that resolves a finding;
//! - [`matcher`] folds records of one problem (CVE ↔ GHSA ↔ PYSEC/GO/RUSTSEC ids) into one
//!   finding named by its CVE and names the layer that brought the package in;
//! - [`severity`] picks each finding's severity in Trivy's order: the vendor's, GitHub's, then
//!   NVD's, the CNA's and CISA ADP's metric for the CVE;
//! - [`coverage`] says what the database had no data for (an OS release, a language
//!   ecosystem, a distro plinth cannot key) and whether the OS release is past its end of life;
//! - [`attribution`] finds where the base image ends in the image history, or says it cannot;
//! - [`policy`] applies filters, ignore files and OpenVEX statements;
//! - [`report`] renders a table, JSON, SARIF 2.1.0 and CycloneDX 1.5.
//!
//! What it is not: it never reads layers or the network itself (images are walked by
//! `plinth-sbom`, the database is built by `plinth-vulndb`), and it does not decide exit codes
//! (the CLI does, from [`Report::counted`]).

pub mod attribution;
pub mod coverage;
mod cwe;
pub mod ecosystem;
mod error;
mod finding;
pub mod matcher;
pub mod policy;
pub mod purl;
pub mod range;
pub mod redhat;
pub mod report;
mod sbom_input;
pub mod severity;

pub use error::{Result, ScanError};
pub use finding::{
    BaseRef, Finding, FixStatus, Level, Origin, Report, SeverityInfo, SplitFrom, Suppression,
    TargetReport,
};
pub use matcher::{Advisories, match_inventory};
pub use sbom_input::{
    SbomFormat, detect as detect_sbom, is_json_file, package_from_purl, read_sbom, sbom_from_slice,
};
pub use severity::choose_severity;

/// The number of base-image layers of `image`: from the base's own manifest when the image
/// names its base by digest and that manifest can be read, else from its config history
/// (see [`attribution`]).
pub fn base_layers_of(image: &plinth_image::Image) -> Option<usize> {
    base_of(image).layers
}

/// The base image of `image` as far as it is known: its name and digest (annotations or
/// labels), how many layers are its and what told, or why its own manifest could not.
pub fn base_of(image: &plinth_image::Image) -> BaseRef {
    let named = image.base_image();
    let (manifest_split, manifest_missing) = match image.base_manifest() {
        plinth_image::BaseManifest::Layers { layers, from } => {
            (Some((*layers, from.clone())), None)
        }
        // Without a base digest there is no manifest to miss.
        plinth_image::BaseManifest::Unknown(why) => (
            None,
            named
                .as_ref()
                .and_then(|b| b.digest.as_ref())
                .map(|_| why.clone()),
        ),
    };
    let split = manifest_split
        .map(|(n, from)| (n, SplitFrom::BaseManifest, from))
        .or_else(|| {
            attribution::boundary(&image.config().history, image.layers().len())
                .map(|(n, mark)| (n, SplitFrom::History, mark.describe().to_string()))
        });
    BaseRef {
        name: named.as_ref().and_then(|b| b.name.clone()),
        digest: named.as_ref().and_then(|b| b.digest.clone()),
        named_by: named.map(|b| b.source.to_string()),
        layers: split.as_ref().map(|(n, _, _)| *n),
        split_from: split.as_ref().map(|(_, from, _)| *from),
        split_by: split.map(|(_, _, by)| by),
        manifest_missing,
    }
}
