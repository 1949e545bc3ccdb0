//! CVE JSON 5 records (`dataType: CVE_RECORD`), as the CVE Program publishes them in
//! cvelistV5 (`cves/<year>/<N>xxx/<id>.json`) and its release zips.
//!
//! CVSS metrics are kept, as per-CVE severities: those of the CNA container, and those of
//! each ADP container (CISA's "Vulnrichment" scores CVEs whose CNA did not). `other` metrics
//! (SSVC, KEV) carry no CVSS and are ignored; rejected records add nothing. The CWE ids of
//! every container's `problemTypes` are kept too.

use std::path::Path;

use serde::Deserialize;

use super::{Records, nullable};
use crate::cve_severity::{CveMetric, Feed, Provider};
use crate::error::DbError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    cve_metadata: Metadata,
    containers: Containers,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    cve_id: String,
    #[serde(default, deserialize_with = "nullable")]
    state: String,
    #[serde(default, deserialize_with = "nullable")]
    assigner_short_name: String,
    #[serde(default, deserialize_with = "nullable")]
    date_updated: String,
}

#[derive(Deserialize)]
struct Containers {
    cna: Option<Container>,
    #[serde(default, deserialize_with = "nullable")]
    adp: Vec<Container>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    provider_metadata: Option<ProviderMetadata>,
    #[serde(default, deserialize_with = "nullable")]
    metrics: Vec<RawMetric>,
    #[serde(default, deserialize_with = "nullable")]
    problem_types: Vec<ProblemType>,
}

#[derive(Deserialize)]
struct ProblemType {
    #[serde(default, deserialize_with = "nullable")]
    descriptions: Vec<ProblemDescription>,
}

/// A problem type: a CWE when `cweId` is there (free-text ones have none).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemDescription {
    cwe_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProviderMetadata {
    short_name: Option<String>,
}

/// One entry of `metrics`: at most one CVSS object per version, or an `other` we skip.
#[derive(Deserialize)]
struct RawMetric {
    #[serde(rename = "cvssV4_0")]
    v40: Option<Cvss>,
    #[serde(rename = "cvssV3_1")]
    v31: Option<Cvss>,
    #[serde(rename = "cvssV3_0")]
    v30: Option<Cvss>,
    #[serde(rename = "cvssV2_0")]
    v2: Option<Cvss>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cvss {
    vector_string: String,
}

/// Reads one CVE 5 record into `records`' CVE severities. A record that is not valid JSON or
/// lacks its id is skipped and named by file; a vector that does not parse is skipped and named
/// with the CVE id.
pub fn read(path: &Path, bytes: &[u8], records: &mut Records) -> Result<(), DbError> {
    let name = path.display().to_string();
    let record: Record = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => {
            records.stats.skip(format!("{name} ({e})"));
            return Ok(());
        }
    };
    let meta = &record.cve_metadata;
    if meta.state.eq_ignore_ascii_case("REJECTED") {
        return Ok(());
    }
    let mut metrics = Vec::new();
    let containers = record.containers.cna.iter().map(|c| (Provider::Cna, c));
    let adps = record.containers.adp.iter().map(|c| (Provider::Adp, c));
    for (provider, container) in containers.chain(adps) {
        let cwes = container.problem_types.iter().flat_map(|p| &p.descriptions);
        records
            .cwes
            .add(&meta.cve_id, cwes.filter_map(|d| d.cwe_id.as_deref()));
        let by = container
            .provider_metadata
            .as_ref()
            .and_then(|p| p.short_name.as_deref())
            .unwrap_or(match provider {
                Provider::Cna => meta.assigner_short_name.as_str(),
                _ => "",
            });
        for raw in &container.metrics {
            let stated = [&raw.v40, &raw.v31, &raw.v30, &raw.v2];
            for cvss in stated.into_iter().flatten() {
                let vector = &cvss.vector_string;
                match CveMetric::new(provider, by, vector) {
                    Some(metric) => metrics.push(metric),
                    None => records.stats.skip(format!(
                        "{} in {name}: CVSS vector {vector:?} does not parse",
                        meta.cve_id
                    )),
                }
            }
        }
    }
    records
        .cves
        .add(&meta.cve_id, Feed::Cve5, &meta.date_updated, metrics);
    Ok(())
}
