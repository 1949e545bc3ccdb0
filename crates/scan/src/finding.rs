//! What a scan reports: one [`Finding`] per (package, problem), with the severity chosen and
//! explained, the fix, and the layer that brought the package in.

use plinth_catalog::{Os, PackageType};
use plinth_sbom::LayerRef;
use plinth_vulndb::Rating;
use serde::{Deserialize, Serialize};

use crate::coverage::Coverage;

/// The five levels gates and filters use, as Trivy names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Unknown,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "UNKNOWN",
            Level::Low => "LOW",
            Level::Medium => "MEDIUM",
            Level::High => "HIGH",
            Level::Critical => "CRITICAL",
        }
    }

    /// Parses `high`, `HIGH`, … (case-insensitive).
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Debian's `unimportant` and other negligible ratings count as LOW, as Trivy counts them.
    pub fn from_rating(r: Rating) -> Level {
        match r {
            Rating::Unknown => Level::Unknown,
            Rating::Negligible | Rating::Low => Level::Low,
            Rating::Medium => Level::Medium,
            Rating::High => Level::High,
            Rating::Critical => Level::Critical,
        }
    }
}

/// The severity of a finding and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityInfo {
    pub level: Level,
    /// Who said so: the vendor (`debian`, `ghsa`, `ubuntu`, …); `nvd`, `cna` or `cisa-adp` when
    /// the level comes from the CVE's metric in the database's CVE table; `cvss-v3`/`cvss-v4`/
    /// `cvss-v2` when it comes from a score the records carry; `none` when nobody rated it (see
    /// [`crate::severity`] for the order).
    pub source: String,
    /// The vendor's own word (`high**`, `moderate`), when the level is the vendor's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_word: Option<String>,
    /// The CVSS score shown with the level: the records' highest, else the CVE's preferred
    /// metric's; when the level comes from the CVE table, that metric's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
}

/// Whether and how the problem is fixed for this package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixStatus {
    /// A published version resolves it (`fixed_version`).
    Fixed,
    /// Affected, no fix published.
    Affected,
    /// Affected, and the vendor decided not to fix it (Debian `<ignored>`).
    WillNotFix,
    /// The vendor has not triaged it yet.
    Undetermined,
}

/// Whether the package came with the base image or was added on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Base,
    Added,
    /// The image history does not show where the base ends (or the input has no layers).
    Unknown,
}

/// Why a finding is not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `ignorefile:PATH`, `vex:PATH`, `unfixed`, `severity`.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One problem in one package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// The CVE id when the problem has one, else the record's own id.
    pub id: String,
    /// Every other id of the problem (GHSA, PYSEC, GO, RUSTSEC, DSA…), sorted.
    pub aliases: Vec<String>,
    pub package: String,
    pub installed_version: String,
    #[serde(rename = "type")]
    pub kind: PackageType,
    pub purl: String,
    pub found_at: String,
    /// The line of `found_at` that declares the package, for lockfiles made of lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The database key the package was matched under (`Alpine:v3.20`, `PyPI`).
    pub ecosystem: String,
    /// The name advisories know the package by, when it differs (source package, origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_package: Option<String>,
    /// The RHEL module stream the package was built in (`nodejs:18`), whose advisories alone
    /// it was matched against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_stream: Option<String>,
    pub status: FixStatus,
    /// The smallest version that resolves the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub severity: SeverityInfo,
    /// The weaknesses (`CWE-79`) the database files under the id or an alias, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<String>,
    pub title: String,
    pub references: Vec<String>,
    /// The database records folded into this finding (`GHSA-… (osv/PyPI)`).
    pub records: Vec<String>,
    /// The layer that introduced the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    pub origin: Origin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// Everything found in one target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetReport {
    /// The target as named on the command line.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<Os>,
    /// How many layers belong to the base image; `None` when the history does not say.
    pub base_layers: Option<usize>,
    /// The base image's name and digest and what told its layers apart, when anything did
    /// (images only; set by the caller, which has the image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseRef>,
    pub layers: Vec<LayerRef>,
    pub packages: usize,
    pub findings: Vec<Finding>,
    /// Honest limits of this result (an image history that hides the base/added split, SBOM
    /// without layers). What could not be matched at all is in `coverage`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What was matched against what, what had no data, and the OS release's end of life.
    #[serde(default)]
    pub coverage: Coverage,
}

/// The image a target stands on, as far as the image tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Where name and digest were read: `manifest annotations` or `config labels`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub named_by: Option<String>,
    /// How many layers are the base's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_from: Option<SplitFrom>,
    /// Where the base's manifest was read (a repository, this image's source), or which
    /// history entry marks the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_by: Option<String>,
    /// Why the manifest `digest` names could not tell the split, naming what is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_missing: Option<String>,
}

/// What told where the base's layers end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitFrom {
    /// The base's manifest, named by the `base.digest` annotation, read from the image's
    /// source or the base's repository.
    BaseManifest,
    /// The config history's stage boundary.
    History,
}

impl BaseRef {
    /// `name@digest`, `name`, `@digest`, or `None` when neither is known.
    pub fn label(&self) -> Option<String> {
        match (&self.name, &self.digest) {
            (Some(n), Some(d)) => Some(format!("{n}@{d}")),
            (Some(n), None) => Some(n.clone()),
            (None, Some(d)) => Some(format!("@{d}")),
            (None, None) => None,
        }
    }

    /// What is known and from where, or what is missing, for the table's base line.
    pub fn describe(&self) -> String {
        let named = match (self.label(), &self.named_by) {
            (Some(label), Some(by)) => format!("{label} (from the {by})"),
            (Some(label), None) => label,
            (None, _) => {
                "not named (no org.opencontainers.image.base.name/.digest annotation or label)"
                    .into()
            }
        };
        format!("{named}; {}", self.split_evidence())
    }

    /// Which layers are the base's and what told, or what is missing.
    pub fn split_evidence(&self) -> String {
        let by = self
            .split_by
            .as_deref()
            .map_or(String::new(), |b| format!(" ({b})"));
        let missing = self.manifest_missing.as_deref();
        match (self.layers, self.split_from, missing) {
            (Some(n), Some(SplitFrom::BaseManifest), _) => {
                format!("layers 0..{n}, by the base's own manifest{by}")
            }
            (Some(n), Some(SplitFrom::History), None) => {
                format!("layers 0..{n}, by the history{by}")
            }
            (Some(n), Some(SplitFrom::History), Some(why)) => {
                format!(
                    "layers 0..{n}, by the history{by}; the base's manifest did not tell: {why}"
                )
            }
            (_, _, Some(why)) => {
                format!("its layers are unknown: {why}; the history marks no base boundary")
            }
            _ => "its layers are unknown: the history marks no base boundary".into(),
        }
    }
}

impl TargetReport {
    /// What this result could not check, and an end-of-life OS: one line each, for the
    /// table's end and for stderr.
    pub fn coverage_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .coverage
            .missing
            .iter()
            .map(|g| g.message.clone())
            .collect();
        lines.extend(self.coverage.eol_message(self.os.as_ref()));
        lines
    }
}

/// A whole run: one or more targets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub targets: Vec<TargetReport>,
}

impl Report {
    /// Findings that count (not suppressed), with their target.
    pub fn counted(&self) -> impl Iterator<Item = (&TargetReport, &Finding)> {
        self.targets.iter().flat_map(|t| {
            t.findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(move |f| (t, f))
        })
    }
}
