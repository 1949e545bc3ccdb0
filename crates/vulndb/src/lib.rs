//! plinth-vulndb: the local vulnerability database.
//!
//! It turns real advisory feeds into one embedded redb file and answers one question fast:
//! *which advisories name this package in this ecosystem?* Feeds read:
//!
//! - OSV records (single JSON files, directories, per-ecosystem `all.zip` exports) for every
//!   ecosystem, language and distro (`PyPI`, `Go`, `npm`, `crates.io`, `Maven`, `Ubuntu:22.04:LTS`,
//!   `Rocky Linux:9`, `Wolfi`, …);
//! - Alpine secdb (`v3.20/main.json`, and the legacy YAML), and the same schema as Wolfi and
//!   Chainguard publish it (`security.json`, keyed `Wolfi` / `Chainguard`);
//! - Debian's security tracker JSON, keyed by release number (`bookworm` → `Debian:12`).
//! - the distro vendors' own formats: Red Hat CSAF VEX and advisories, Amazon ALAS, Azure Linux
//!   OVAL, SUSE CVRF and OVAL (`SUSE:Linux Enterprise 15 SP6`, `openSUSE:Leap 15.2`).
//!
//! All of them become [`Advisory`] values with OSV semantics ([`Affected`], [`Range`],
//! [`Event`], [`Status`]), stored under (ecosystem with release, normalised package name);
//! OS advisories are keyed by source package.
//!
//! NVD CVE API 2.0 documents and CVE JSON 5 records add a second, smaller table: the CVSS
//! metrics NVD, the CNA and CISA's ADP state per CVE ([`CveMetric`]), which the scanner uses
//! for findings no vendor rated ([`VulnDb::cve_severity`], [`preferred_metric`]). The CWE ids
//! of CVE 5, NVD and GitHub's OSV records sit in a third, keyed by vulnerability id
//! ([`VulnDb::cwes`]).
//!
//! What it is not: it does not compare versions or decide whether a package is vulnerable
//! (that is the scanner's job, with `plinth-version`'s schemes), and it has no async runtime:
//! downloads are blocking `ureq` on a few threads.
//!
//! # Reading (the scanner's API)
//!
//! ```no_run
//! use plinth_vulndb::VulnDb;
//! let db = VulnDb::open(VulnDb::default_path())?;
//! let snapshot = db.snapshot()?; // one read transaction for the whole scan
//! for advisory in snapshot.advisories("PyPI", "Jinja2")? {
//!     println!("{} {:?}", advisory.id, advisory.rating());
//! }
//! let many = db.advisories_batch(&[("Alpine:v3.20", "openssl"), ("Debian:12", "zlib")])?;
//! # Ok::<(), plinth_vulndb::DbError>(())
//! ```
//!
//! - [`VulnDb::open`] opens read-only; lookups see an MVCC snapshot, so a scan running while
//!   `db update` writes keeps reading the old data.
//! - [`VulnDb::advisories`] / [`Snapshot::advisories`] canonicalise the ecosystem
//!   ([`canonical_ecosystem`]) and normalise the name ([`normalize_name`]) themselves.
//! - [`group_by_alias`] merges records of one problem (CVE ↔ GHSA ↔ distro ids) into one
//!   finding.
//!
//! # Writing
//!
//! [`update`] (HTTP, conditional, parallel, retried, mirrors), [`import`] (local files,
//! directories, zips, bundles) and [`export`] (a single-file bundle) all build a new file beside
//! the database and rename it into place: an interrupted write leaves the old database intact.
//! The next write removes what an interrupted one left (`.vuln.redb.PID.N.tmp`), once its writer
//! is surely gone.
//!
//! [`artifact`] packs the bundle for a registry (`db push`) and installs one pulled from it
//! (`db update --repository`) through the same temporary-file-and-rename path.

pub mod artifact;
mod calendar;
mod cve_severity;
pub mod cvss;
mod cwe;
mod discover;
mod ecosystem;
mod error;
pub mod feed;
mod fetch;
mod locate;
mod model;
mod module_stream;
mod nvd_update;
mod per_id;
mod severity_table;
mod sources;
mod store;
mod update;

pub use calendar::civil_date;
pub use cve_severity::{CveMetric, CveSeverities, CvssVersion, Provider, preferred_metric};
pub use cwe::Weaknesses;
pub use discover::alpine_releases;
pub use ecosystem::{canonical_ecosystem, debian_release, ecosystem_base, normalize_name};
pub use error::DbError;
pub use feed::ParseStats;
pub use locate::Locate;
pub use model::{
    Advisory, Affected, Event, Range, RangeKind, Rating, Severity, SeverityKind, Status,
    group_by_alias, vendor_rating,
};
pub use module_stream::{is_module_build, modular_name, stream_of_label};
pub use nvd_update::{NVD_API, NVD_SOURCE, NvdOptions, NvdReport, update_nvd};
pub use sources::{
    Config, DEFAULT_ALPINE, DEFAULT_AZURE_LINUX, DEFAULT_OSV_ECOSYSTEMS, FeedSource,
    OPT_IN_ECOSYSTEMS, UpdateOptions, default_sources, opt_in_sources, select,
};
pub use store::{DbInfo, EcosystemCount, SCHEMA_VERSION, Snapshot, SourceInfo, VulnDb};
pub use update::{ImportReport, Outcome, SourceOutcome, UpdateReport, export, import, update};
