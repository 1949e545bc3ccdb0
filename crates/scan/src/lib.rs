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
pub mod ecosystem;
mod error;
mod finding;
pub mod matcher;
pub mod policy;
pub mod purl;
pub mod range;
pub mod report;
mod sbom_input;
pub mod severity;

pub use error::{Result, ScanError};
pub use finding::{
    Finding, FixStatus, Level, Origin, Report, SeverityInfo, Suppression, TargetReport,
};
pub use matcher::{Advisories, match_inventory};
pub use sbom_input::{
    SbomFormat, detect as detect_sbom, is_json_file, package_from_purl, read_sbom, sbom_from_slice,
};
pub use severity::choose_severity;

/// The number of base-image layers of `image`, from its config history (see [`attribution`]).
pub fn base_layers_of(image: &plinth_image::Image) -> Option<usize> {
    attribution::base_layers(&image.config().history, image.layers().len())
}
