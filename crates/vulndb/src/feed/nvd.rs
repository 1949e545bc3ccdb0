//! NVD CVE API 2.0 documents (`format: NVD_CVE`, `version: 2.0`): one page of an API answer,
//! or one of NVD's yearly and `modified` bulk files, which share the schema.
//!
//! The CVSS metrics are kept, as per-CVE severities: NVD's `Primary` metric is NVD's own
//! analysis, a `Secondary` one was stated by the CNA (or by CISA's ADP, see
//! [`CveMetric::new`]). So are the CWE ids of `weaknesses`, NVD's and the CNA's alike.
//! Rejected CVEs carry no metrics and add nothing.

use std::path::Path;

use serde::Deserialize;

use super::{Records, nullable};
use crate::cve_severity::{CveMetric, Feed, Provider};
use crate::error::DbError;

#[derive(Deserialize)]
struct Document {
    #[serde(default, deserialize_with = "nullable")]
    vulnerabilities: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Item {
    cve: RawCve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCve {
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    last_modified: String,
    #[serde(default, deserialize_with = "nullable")]
    metrics: RawMetrics,
    #[serde(default, deserialize_with = "nullable")]
    weaknesses: Vec<RawWeakness>,
}

/// One source's `weaknesses` entry: `description[].value` is a CWE id (`CWE-79`) or NVD's
/// `NVD-CWE-noinfo` / `NVD-CWE-Other`.
#[derive(Deserialize)]
struct RawWeakness {
    #[serde(default, deserialize_with = "nullable")]
    description: Vec<RawDescription>,
}

#[derive(Deserialize)]
struct RawDescription {
    #[serde(default, deserialize_with = "nullable")]
    value: String,
}

#[derive(Deserialize, Default)]
struct RawMetrics {
    #[serde(rename = "cvssMetricV40", default, deserialize_with = "nullable")]
    v40: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV31", default, deserialize_with = "nullable")]
    v31: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV30", default, deserialize_with = "nullable")]
    v30: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV2", default, deserialize_with = "nullable")]
    v2: Vec<RawMetric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetric {
    #[serde(default, deserialize_with = "nullable")]
    source: String,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    kind: String,
    cvss_data: CvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssData {
    vector_string: String,
}

/// Reads one NVD document into `records`' CVE severities. A document that is not valid JSON
/// (truncated, cut by a proxy) is skipped whole and named; a record that does not fit the
/// schema, or a vector that does not parse, is skipped and named with its CVE id.
pub fn read(path: &Path, bytes: &[u8], records: &mut Records) -> Result<(), DbError> {
    let name = path.display().to_string();
    let document: Document = match serde_json::from_slice(bytes) {
        Ok(d) => d,
        Err(e) => {
            records.stats.skip(format!("{name} ({e})"));
            return Ok(());
        }
    };
    for (i, item) in document.vulnerabilities.into_iter().enumerate() {
        let cve = match serde_json::from_value::<Item>(item) {
            Ok(item) => item.cve,
            Err(e) => {
                records.stats.skip(format!("{name}[{i}] ({e})"));
                continue;
            }
        };
        let metrics = cve_metrics(&cve, &name, records);
        let cwes = cve.weaknesses.iter().flat_map(|w| &w.description);
        records.cwes.add(&cve.id, cwes.map(|d| d.value.as_str()));
        records
            .cves
            .add(&cve.id, Feed::Nvd, &cve.last_modified, metrics);
    }
    Ok(())
}

fn cve_metrics(cve: &RawCve, name: &str, records: &mut Records) -> Vec<CveMetric> {
    let m = &cve.metrics;
    let mut out = Vec::new();
    for raw in m.v40.iter().chain(&m.v31).chain(&m.v30).chain(&m.v2) {
        let provider = if raw.kind.eq_ignore_ascii_case("Primary") {
            Provider::Nvd
        } else {
            Provider::Cna
        };
        let vector = &raw.cvss_data.vector_string;
        match CveMetric::new(provider, &raw.source, vector) {
            Some(metric) => out.push(metric),
            None => records.stats.skip(format!(
                "{} in {name}: CVSS vector {vector:?} does not parse",
                cve.id
            )),
        }
    }
    out
}
