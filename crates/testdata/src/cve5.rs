//! CVE JSON 5 records of ../shared (`cve5-fixture-cves/`: the records of every CVE the fixture
//! images match), read with serde_json as they are, for tests that check plinth's reading of
//! them.

use std::collections::BTreeSet;

use serde_json::Value;

/// The record of `id` (`CVE-2024-3094`) among the fixture records, if there is one.
pub fn record(id: &str) -> Option<Value> {
    let mut parts = id.split('-').skip(1);
    let (year, number) = (parts.next()?, parts.next()?);
    let bucket = format!("{}xxx", &number[..number.len().checked_sub(3)?]);
    let path = crate::vulndata()?.join(format!("cve5-fixture-cves/cves/{year}/{bucket}/{id}.json"));
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The CWE ids a record's containers (the CNA's and every ADP's) name in `problemTypes`.
pub fn cwes(record: &Value) -> BTreeSet<String> {
    let containers = &record["containers"];
    std::iter::once(&containers["cna"])
        .chain(containers["adp"].as_array().into_iter().flatten())
        .flat_map(|c| c["problemTypes"].as_array().into_iter().flatten())
        .flat_map(|p| p["descriptions"].as_array().into_iter().flatten())
        .filter_map(|d| d["cweId"].as_str().map(str::to_string))
        .collect()
}
