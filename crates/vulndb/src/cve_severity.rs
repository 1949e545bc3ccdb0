//! Per-CVE severities: the CVSS metrics that NVD, the CVE's CNA and CISA's ADP state for a CVE,
//! whatever package it is later found in.
//!
//! Feeds such as the Go vulndb, Alpine secdb or the Debian tracker name CVEs without rating
//! them; these metrics, read from NVD's CVE API 2.0 documents ([`crate::feed::nvd`]) and CVE
//! JSON 5 records ([`crate::feed::cve5`]), let the scanner rate such findings as Trivy and Grype
//! do. The store keeps them in their own table keyed by CVE id (see `severity_table.rs`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::cvss;
use crate::model::{Rating, Severity, SeverityKind};

/// Who stated a metric, in the order a scanner prefers them after the vendor's own rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Provider {
    /// NVD's own analysis (`type: Primary` in the CVE API).
    Nvd,
    /// The CVE Numbering Authority that published the CVE (CVE 5 `containers.cna`, or an NVD
    /// `Secondary` metric from the CNA).
    Cna,
    /// An Authorized Data Publisher, in practice CISA's "Vulnrichment" (CVE 5 `containers.adp`).
    Adp,
}

/// CVSS versions, ordered from least to most preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    V2,
    V30,
    V31,
    V40,
}

/// One CVSS metric stated for a CVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CveMetric {
    pub provider: Provider,
    /// Who exactly: NVD's `source` (`nvd@nist.gov`, a CNA's address) or the container's
    /// `shortName` (`GitHub_M`, `CISA-ADP`).
    pub by: String,
    pub version: CvssVersion,
    pub vector: String,
    /// The base score computed here from `vector` (never the feed's stated number, so that one
    /// formula rates every source).
    pub score: f32,
}

/// NVD names CISA's ADP by this UUID in `source` of its `Secondary` metrics.
const CISA_ADP_UUID: &str = "134c704f-9b21-4f2e-91b3-4a467353bcc0";

impl CvssVersion {
    /// The version of a vector string: `CVSS:4.0/…`, `CVSS:3.1/…`, `CVSS:3.0/…`, or a bare v2
    /// vector.
    pub fn of_vector(vector: &str) -> Option<CvssVersion> {
        let v = vector.trim();
        Some(match v.get(..9) {
            Some("CVSS:4.0/") => CvssVersion::V40,
            Some("CVSS:3.1/") => CvssVersion::V31,
            Some("CVSS:3.0/") => CvssVersion::V30,
            _ if v.contains("Au:") => CvssVersion::V2,
            _ => return None,
        })
    }

    fn kind(self) -> SeverityKind {
        match self {
            CvssVersion::V2 => SeverityKind::CvssV2,
            CvssVersion::V30 | CvssVersion::V31 => SeverityKind::CvssV3,
            CvssVersion::V40 => SeverityKind::CvssV4,
        }
    }
}

impl CveMetric {
    /// A metric from a vector, scored here; `None` when the vector does not parse or is not of
    /// the version the feed filed it under.
    pub fn new(provider: Provider, by: &str, vector: &str) -> Option<CveMetric> {
        let version = CvssVersion::of_vector(vector)?;
        let score = match version {
            CvssVersion::V2 => cvss::v2_base_score(vector),
            CvssVersion::V30 | CvssVersion::V31 => cvss::v3_base_score(vector),
            CvssVersion::V40 => cvss::v4_base_score(vector),
        }?;
        let provider = match (provider, by) {
            (Provider::Cna, CISA_ADP_UUID) => Provider::Adp,
            (p, _) => p,
        };
        Some(CveMetric {
            provider,
            by: if by == CISA_ADP_UUID { "CISA-ADP" } else { by }.to_string(),
            version,
            vector: vector.trim().to_string(),
            score,
        })
    }

    /// The rating of this metric's score, by its version's bands.
    pub fn rating(&self) -> Rating {
        self.as_severity().rating()
    }

    /// The short name of who rated it, as findings show it: `nvd`, `cna`, `cisa-adp`, `adp`.
    pub fn source_label(&self) -> &'static str {
        match self.provider {
            Provider::Nvd => "nvd",
            Provider::Cna => "cna",
            Provider::Adp if self.by.eq_ignore_ascii_case("CISA-ADP") => "cisa-adp",
            Provider::Adp => "adp",
        }
    }

    /// The metric as an advisory [`Severity`], for code that rates those.
    pub fn as_severity(&self) -> Severity {
        Severity {
            source: self.source_label().to_string(),
            kind: self.version.kind(),
            score: Some(self.score),
            vector: Some(self.vector.clone()),
            level: None,
        }
    }
}

/// The metric a scanner should use when no vendor rated the CVE: NVD's, else the CNA's, else
/// the ADP's; within one provider the newest CVSS version (v4.0, v3.1, v3.0, v2).
pub fn preferred_metric(metrics: &[CveMetric]) -> Option<&CveMetric> {
    metrics
        .iter()
        .min_by_key(|m| (m.provider, std::cmp::Reverse(m.version)))
}

/// Which feed stated a CVE's metrics: a source may hold both for one CVE, and each keeps its
/// own newest record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Feed {
    Nvd,
    Cve5,
}

/// The CVE severities of one source while it is parsed: per CVE and feed, the metrics of the
/// most recently modified record (NVD's `modified` file repeats CVEs of its yearly files).
#[derive(Debug, Default)]
pub struct CveSeverities {
    by_cve: HashMap<String, Vec<Stated>>,
}

#[derive(Debug)]
struct Stated {
    feed: Feed,
    modified: String,
    metrics: Vec<CveMetric>,
}

impl CveSeverities {
    /// Records what `feed` says about `cve` as of `modified` (RFC 3339, compared as text).
    pub(crate) fn add(&mut self, cve: &str, feed: Feed, modified: &str, metrics: Vec<CveMetric>) {
        let list = self.by_cve.entry(cve.to_string()).or_default();
        match list.iter_mut().find(|s| s.feed == feed) {
            Some(s) if s.modified.as_str() > modified => {}
            Some(s) => {
                s.modified = modified.to_string();
                s.metrics = metrics;
            }
            None => list.push(Stated {
                feed,
                modified: modified.to_string(),
                metrics,
            }),
        }
    }

    /// CVEs with at least one metric.
    pub fn len(&self) -> usize {
        self.by_cve
            .values()
            .filter(|l| l.iter().any(|s| !s.metrics.is_empty()))
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every CVE with metrics and all its metrics, sorted by CVE id.
    pub(crate) fn into_sorted(self) -> Vec<(String, Vec<CveMetric>)> {
        let mut out: Vec<(String, Vec<CveMetric>)> = self
            .by_cve
            .into_iter()
            .map(|(cve, list)| (cve, list.into_iter().flat_map(|s| s.metrics).collect()))
            .filter(|(_, metrics): &(String, Vec<CveMetric>)| !metrics.is_empty())
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(provider: Provider, vector: &str) -> CveMetric {
        CveMetric::new(provider, "x", vector).unwrap()
    }

    #[test]
    fn nvd_first_then_newest_version() {
        let v2 = metric(Provider::Nvd, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
        let v31 = metric(
            Provider::Nvd,
            "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        );
        let cna = metric(
            Provider::Cna,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        );
        let all = [cna.clone(), v2.clone(), v31.clone()];
        assert_eq!(preferred_metric(&all), Some(&v31));
        assert_eq!(preferred_metric(&[cna.clone(), v2.clone()]), Some(&v2));
        assert_eq!(
            preferred_metric(std::slice::from_ref(&cna))
                .unwrap()
                .rating(),
            Rating::Critical
        );
        assert_eq!(v2.rating(), Rating::High);
        assert!(preferred_metric(&[]).is_none());
    }

    #[test]
    fn cisa_adp_in_nvd_is_the_adp() {
        let m = CveMetric::new(
            Provider::Cna,
            CISA_ADP_UUID,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        )
        .unwrap();
        assert_eq!((m.provider, m.source_label()), (Provider::Adp, "cisa-adp"));
    }

    #[test]
    fn vectors_that_do_not_parse_give_no_metric() {
        for bad in [
            "",
            "CVSS:3.1/AV:N",
            "CVSS:4.0/AV:Q",
            "CVSS:9.9/AV:N",
            "garbage",
        ] {
            assert!(CveMetric::new(Provider::Nvd, "x", bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn newest_record_of_a_feed_wins() {
        let mut s = CveSeverities::default();
        let old = metric(Provider::Nvd, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
        let new = metric(
            Provider::Nvd,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        );
        s.add("CVE-1", Feed::Nvd, "2024-01-02", vec![new.clone()]);
        s.add("CVE-1", Feed::Nvd, "2023-01-01", vec![old]);
        s.add("CVE-2", Feed::Cve5, "2024-01-01", vec![]);
        assert_eq!(s.len(), 1);
        assert_eq!(s.into_sorted(), vec![("CVE-1".to_string(), vec![new])]);
    }
}
