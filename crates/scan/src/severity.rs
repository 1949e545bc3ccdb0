//! The severity of a finding, chosen in Trivy's order:
//!
//! 1. the vendor's own rating for that package: Debian urgency, Ubuntu priority, Red Hat
//!    impact, Amazon/SUSE/Azure Linux severity, Alpine or any distro's word in the matched
//!    records (they were all looked up under the package's own ecosystem key);
//! 2. GitHub's rating, for GHSA records;
//! 3. NVD's own metric for the CVE (v4.0, then v3.1, v3.0, v2), then the CNA's, then CISA
//!    ADP's, from the database's per-CVE table;
//! 4. the best CVSS vector the matched records carry themselves (OSV `severity`), so a record
//!    that scores itself is never UNKNOWN when the database holds no NVD data.
//!
//! A vendor's *word* outranks any score, because the vendor rated the package it ships (Debian's
//! `unimportant` for a CVE NVD calls critical is the point of a distro rating).

use std::collections::HashMap;
use std::sync::Arc;

use plinth_vulndb::{Advisory, CveMetric, DbError, SeverityKind, preferred_metric};

use crate::finding::{Level, SeverityInfo};
use crate::matcher::Advisories;

/// The `source` a rating from GitHub carries.
const GHSA: &str = "ghsa";

/// Chooses the severity of one problem from its matched records and the metrics stated for its
/// CVE (empty when it has none or the database holds no CVE severities).
pub fn choose_severity(records: &[&Advisory], cve_metrics: &[CveMetric]) -> SeverityInfo {
    let all = || records.iter().flat_map(|a| a.severity.iter());
    let rated_word = |ghsa: bool| {
        all().find(|s| {
            s.kind == SeverityKind::Vendor
                && (s.source == GHSA) == ghsa
                && Level::from_rating(s.rating()) != Level::Unknown
        })
    };
    let own_cvss = best_record_cvss(records);
    let metric = preferred_metric(cve_metrics);
    // The score shown beside a level: the records' own, else the CVE's preferred metric.
    let (cvss_score, cvss_vector) = match (own_cvss, metric) {
        (Some(s), _) => (s.score, s.vector.clone()),
        (None, Some(m)) => (Some(m.score), Some(m.vector.clone())),
        (None, None) => (None, None),
    };
    if let Some(v) = rated_word(false).or_else(|| rated_word(true)) {
        return SeverityInfo {
            level: Level::from_rating(v.rating()),
            source: v.source.clone(),
            vendor_word: v.level.clone(),
            cvss_score,
            cvss_vector,
        };
    }
    if let Some(m) = metric {
        return SeverityInfo {
            level: Level::from_rating(m.rating()),
            source: m.source_label().to_string(),
            vendor_word: None,
            cvss_score: Some(m.score),
            cvss_vector: Some(m.vector.clone()),
        };
    }
    match own_cvss {
        Some(s) => SeverityInfo {
            level: Level::from_rating(s.rating()),
            source: match s.kind {
                SeverityKind::CvssV2 => "cvss-v2",
                SeverityKind::CvssV4 => "cvss-v4",
                _ => "cvss-v3",
            }
            .to_string(),
            vendor_word: None,
            cvss_score,
            cvss_vector,
        },
        None => SeverityInfo {
            level: Level::Unknown,
            source: "none".into(),
            vendor_word: None,
            cvss_score: None,
            cvss_vector: None,
        },
    }
}

/// The records' highest-scored CVSS severity: v3 first, then v4, then v2.
fn best_record_cvss<'a>(records: &[&'a Advisory]) -> Option<&'a plinth_vulndb::Severity> {
    let best = |kind: SeverityKind| {
        records
            .iter()
            .flat_map(|a| a.severity.iter())
            .filter(|s| s.kind == kind && s.score.is_some())
            .max_by(|a, b| {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
    };
    best(SeverityKind::CvssV3)
        .or_else(|| best(SeverityKind::CvssV4))
        .or_else(|| best(SeverityKind::CvssV2))
}

/// Per-CVE metrics for one scan, each CVE looked up once however many packages it is found in.
pub(crate) struct CveMetrics<'a> {
    db: &'a dyn Advisories,
    seen: HashMap<String, Arc<[CveMetric]>>,
}

impl<'a> CveMetrics<'a> {
    pub(crate) fn new(db: &'a dyn Advisories) -> CveMetrics<'a> {
        CveMetrics {
            db,
            seen: HashMap::new(),
        }
    }

    /// The metrics of the first of `ids` that has any (the finding's own CVE id comes first;
    /// a problem with two CVE aliases is rated by whichever is scored).
    pub(crate) fn first_scored<'i>(
        &mut self,
        ids: impl IntoIterator<Item = &'i str>,
    ) -> Result<Arc<[CveMetric]>, DbError> {
        for id in ids.into_iter().filter(|i| i.starts_with("CVE-")) {
            let metrics = match self.seen.get(id) {
                Some(metrics) => metrics.clone(),
                None => {
                    let metrics = self.db.cve_severity(id)?;
                    self.seen.insert(id.to_string(), metrics.clone());
                    metrics
                }
            };
            if !metrics.is_empty() {
                return Ok(metrics);
            }
        }
        Ok(Arc::new([]))
    }
}

#[cfg(test)]
mod tests {
    use plinth_vulndb::{Provider, Severity};

    use super::*;

    fn advisory(id: &str, severity: Vec<Severity>) -> Advisory {
        Advisory {
            id: id.into(),
            aliases: vec!["CVE-2024-0001".into()],
            summary: String::new(),
            severity,
            affected: Vec::new(),
            published: None,
            modified: None,
            references: Vec::new(),
            source: "test".into(),
        }
    }

    fn word(source: &str, level: &str) -> Severity {
        Severity {
            source: source.into(),
            kind: SeverityKind::Vendor,
            score: None,
            vector: None,
            level: Some(level.into()),
        }
    }

    fn metric(provider: Provider, vector: &str) -> CveMetric {
        CveMetric::new(provider, "x", vector).unwrap()
    }

    const CRITICAL_V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const LOW_V31: &str = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N";

    fn rate(records: &[Advisory], metrics: &[CveMetric]) -> (Level, String) {
        let refs: Vec<&Advisory> = records.iter().collect();
        let s = choose_severity(&refs, metrics);
        (s.level, s.source)
    }

    #[test]
    fn vendor_then_github_then_nvd_cna_adp() {
        let nvd = metric(Provider::Nvd, CRITICAL_V31);
        let cna = metric(Provider::Cna, LOW_V31);
        let adp = metric(Provider::Adp, CRITICAL_V31);
        let debian = advisory("CVE-2024-0001", vec![word("debian", "unimportant")]);
        let ghsa = advisory("GHSA-x", vec![word("ghsa", "MODERATE")]);
        let go = advisory("GO-2024-1", vec![]);
        let all = [nvd.clone(), cna.clone(), adp.clone()];
        // Debian's word for its package beats GitHub's and NVD's.
        assert_eq!(
            rate(&[ghsa.clone(), debian], &all),
            (Level::Low, "debian".into())
        );
        assert_eq!(
            rate(&[ghsa, go.clone()], &all),
            (Level::Medium, "ghsa".into())
        );
        assert_eq!(
            rate(std::slice::from_ref(&go), &all),
            (Level::Critical, "nvd".into())
        );
        assert_eq!(
            rate(std::slice::from_ref(&go), &[adp.clone(), cna]),
            (Level::Low, "cna".into())
        );
        assert_eq!(
            rate(std::slice::from_ref(&go), &[adp]),
            (Level::Critical, "adp".into())
        );
        assert_eq!(rate(&[go], &[]), (Level::Unknown, "none".into()));
    }

    #[test]
    fn an_unrated_vendor_word_falls_through() {
        // Debian's "not yet assigned" rates nothing: NVD decides.
        let debian = advisory("CVE-2024-0001", vec![word("debian", "not yet assigned")]);
        let nvd = metric(Provider::Nvd, LOW_V31);
        assert_eq!(rate(&[debian], &[nvd]), (Level::Low, "nvd".into()));
    }
}
