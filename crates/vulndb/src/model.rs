//! The advisory model every feed is converted into: OSV's semantics, trimmed to what matching
//! and reporting need. Alpine secdb and Debian tracker entries land in the same shapes, so the
//! scanner has one matching rule per version scheme, not one per feed.

use std::borrow::Borrow;

use serde::{Deserialize, Serialize};

/// One advisory as it applies to one package in one ecosystem.
///
/// A record that names several packages is stored once per package, and each copy keeps only
/// the `affected` entries for that package, so a lookup never returns ranges of another package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The record's own id: `GHSA-…`, `GO-…`, `PYSEC-…`, `RUSTSEC-…`, or the CVE id for Alpine
    /// secdb and Debian tracker entries.
    pub id: String,
    /// Other ids for the same problem (OSV `aliases` plus `upstream`), so CVE ↔ GHSA ↔ DSA
    /// records of one problem can be reported as one finding (see [`crate::group_by_alias`]).
    pub aliases: Vec<String>,
    /// One line for a human: OSV `summary`, else the first line of `details`, or Debian's
    /// description.
    pub summary: String,
    /// Every severity the feed gave, CVSS vectors (with their computed base score) and the
    /// vendor's own rating side by side.
    pub severity: Vec<Severity>,
    /// Which versions of this package are affected. Empty only when `status` says so.
    pub affected: Vec<Affected>,
    /// RFC 3339 timestamps as published, when the feed has them.
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Reference URLs (advisory pages, fixes, reports).
    pub references: Vec<String>,
    /// Name of the database source the record came from (`osv/Go`, `alpine-secdb/v3.20/main`,
    /// `debian-tracker`, or an imported path).
    pub source: String,
}

/// A severity as the feed states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// Who rated it: `osv` for top-level OSV severities, `ghsa` for GitHub's
    /// `database_specific.severity`, `ubuntu`, `debian`, …
    pub source: String,
    pub kind: SeverityKind,
    /// CVSS base score computed from `vector` (v2, v3.x and v4.0, see [`crate::cvss`]).
    pub score: Option<f32>,
    /// The CVSS vector string, for CVSS kinds.
    pub vector: Option<String>,
    /// The vendor's own word (`medium`, `high**`, `unimportant`…), for [`SeverityKind::Vendor`].
    pub level: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeverityKind {
    CvssV2,
    CvssV3,
    CvssV4,
    Vendor,
}

/// A coarse rating for policy gates, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rating {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

/// Which versions of one package are affected, with OSV semantics: a version is affected when
/// it is listed in `versions`, or falls in any of `ranges` under the ecosystem's version order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package name as the feed spelled it (the lookup key is its normalised form).
    pub package: String,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
    pub status: Status,
}

impl Affected {
    /// `package` with one range of `events` in the ecosystem's own version order (none when
    /// there are no events, as for a package the vendor says was never affected).
    pub fn in_ecosystem(
        package: impl Into<String>,
        events: Vec<Event>,
        status: Status,
    ) -> Affected {
        let ranges = if events.is_empty() {
            Vec::new()
        } else {
            vec![Range {
                kind: RangeKind::Ecosystem,
                repo: None,
                events,
            }]
        };
        Affected {
            package: package.into(),
            ranges,
            versions: Vec::new(),
            status,
        }
    }
}

/// What the vendor says about this package as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Ranges hold at least one `fixed` event: versions from the fix on are safe.
    Fixed,
    /// Affected and no fix is published (OSV ranges without `fixed`, Debian `open`/`postponed`).
    Unfixed,
    /// The vendor says this package was never affected (Debian fixed_version `0`, Alpine secfix
    /// `0`). No ranges; a scanner may use it to suppress findings from other feeds.
    NotAffected,
    /// Affected, but the vendor decided not to fix it (Debian `nodsa_reason: ignored`).
    Ignored,
    /// The vendor has not triaged it yet (Debian `undetermined`). Treat as affected or not by
    /// policy.
    Undetermined,
}

/// One OSV range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    /// The repository for `Git` ranges.
    pub repo: Option<String>,
    /// Events in feed order; evaluate them as OSV specifies (sorted by the ecosystem's order).
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// Semantic Versioning 2.0 order, whatever the ecosystem.
    Semver,
    /// The ecosystem's own version order (dpkg, apk, PEP 440, …).
    Ecosystem,
    /// Commit hashes: stored for completeness, not matchable against package versions.
    Git,
}

/// One OSV range event. `Introduced("0")` means "from the first version".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Advisory {
    /// The highest rating among the advisory's severities.
    pub fn rating(&self) -> Rating {
        self.severity
            .iter()
            .map(Severity::rating)
            .max()
            .unwrap_or(Rating::Unknown)
    }

    /// The id and every alias.
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// True when the two records share an id or alias: the same problem.
    pub fn same_problem(&self, other: &Advisory) -> bool {
        self.identifiers()
            .any(|a| other.identifiers().any(|b| a == b))
    }
}

impl Severity {
    /// The rating of this one severity: CVSS bands for scores, the vendor's word otherwise.
    pub fn rating(&self) -> Rating {
        match (self.kind, self.score) {
            (SeverityKind::CvssV2, Some(s)) => match s {
                s if s >= 7.0 => Rating::High,
                s if s >= 4.0 => Rating::Medium,
                _ => Rating::Low,
            },
            (SeverityKind::CvssV3 | SeverityKind::CvssV4, Some(s)) => match s {
                s if s >= 9.0 => Rating::Critical,
                s if s >= 7.0 => Rating::High,
                s if s >= 4.0 => Rating::Medium,
                s if s > 0.0 => Rating::Low,
                _ => Rating::Negligible,
            },
            _ => self.level.as_deref().map_or(Rating::Unknown, vendor_rating),
        }
    }
}

/// Maps a vendor's word to a rating. Debian marks NVD-derived urgencies with `*`/`**`.
pub fn vendor_rating(level: &str) -> Rating {
    let word = level.trim().trim_end_matches('*').to_ascii_lowercase();
    match word.as_str() {
        "critical" => Rating::Critical,
        "high" | "important" => Rating::High,
        "medium" | "moderate" => Rating::Medium,
        "low" => Rating::Low,
        "negligible" | "unimportant" | "none" => Rating::Negligible,
        _ => Rating::Unknown,
    }
}

/// Groups advisories that describe the same problem (sharing any id or alias, transitively),
/// keeping input order inside each group and ordering groups by their first member. Takes
/// advisories or references to them (a scan groups lists it shares with other scans).
pub fn group_by_alias<A: Borrow<Advisory>>(advisories: Vec<A>) -> Vec<Vec<A>> {
    let mut parent: Vec<usize> = (0..advisories.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_owner: std::collections::HashMap<&str, usize> = Default::default();
    for (i, adv) in advisories.iter().enumerate() {
        for ident in adv.borrow().identifiers() {
            match first_owner.get(ident) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_owner.insert(ident, i);
                }
            }
        }
    }
    let roots: Vec<usize> = (0..advisories.len())
        .map(|i| root(&mut parent, i))
        .collect();
    let mut groups: Vec<Vec<A>> = Vec::new();
    let mut slot: std::collections::HashMap<usize, usize> = Default::default();
    for (adv, r) in advisories.into_iter().zip(roots) {
        let at = *slot.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[at].push(adv);
    }
    groups
}
