//! Severities on real data: the fixture images scanned against a database imported from every
//! record in ../shared/fixtures/vulndata (OSV, secdb, the Debian tracker, NVD, CVE 5), so each
//! finding's severity comes through the whole chain: vendor, GitHub, NVD, CNA, CISA ADP.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use plinth_scan::{Finding, Level, match_inventory};

const IMAGES: [&str; 4] = [
    "debian-app.docker.tar",
    "alpine-3.20.docker.tar",
    "rpm-mariner.docker.tar",
    "distroless-debian.docker.tar",
];

/// CVE ids that any NVD or CVE 5 file under `dir` scores (has a CVSS vector for), read straight
/// from the JSON.
fn scored_cves(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scored_cves(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap())
        else {
            continue;
        };
        let mut records: Vec<(&str, &serde_json::Value)> = Vec::new();
        if let Some(id) = v["cveMetadata"]["cveId"].as_str() {
            records.push((id, &v["containers"]));
        }
        for item in v["vulnerabilities"].as_array().into_iter().flatten() {
            if let Some(id) = item["cve"]["id"].as_str() {
                records.push((id, &item["cve"]["metrics"]));
            }
        }
        for (id, body) in records {
            if body.to_string().contains("\"vectorString\"") {
                out.insert(id.to_string());
            }
        }
    }
}

fn scan_all(db: &plinth_vulndb::VulnDb) -> BTreeMap<&'static str, Vec<Finding>> {
    let mut out = BTreeMap::new();
    for image in IMAGES {
        let Some((img, inv)) = common::image_inventory(image) else {
            continue;
        };
        let report = match_inventory(&inv, db, plinth_scan::base_layers_of(&img)).unwrap();
        out.insert(image, report.findings);
    }
    out
}

#[test]
fn no_finding_is_unknown_when_an_imported_source_scores_it() {
    let Some(data) = common::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    let (_dir, db) = common::db_from(std::slice::from_ref(&data));
    let mut scored = BTreeSet::new();
    scored_cves(&data, &mut scored);
    let scans = scan_all(&db);
    let mut unknown_but_scored = Vec::new();
    for (image, findings) in &scans {
        for f in findings {
            let ids: Vec<&str> = std::iter::once(f.id.as_str())
                .chain(f.aliases.iter().map(String::as_str))
                .collect();
            if f.severity.level == Level::Unknown && ids.iter().any(|i| scored.contains(*i)) {
                unknown_but_scored.push(format!("{image}: {} {}", f.package, f.id));
            }
        }
    }
    assert!(
        unknown_but_scored.is_empty(),
        "{}",
        unknown_but_scored.join("\n")
    );
}

/// A sample worked out by hand from the JSON records (the comments say which field decides).
#[test]
fn sampled_levels_and_sources_match_the_records() {
    let Some(data) = common::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    let (_dir, db) = common::db_from(std::slice::from_ref(&data));
    let scans = scan_all(&db);
    let get = |image: &str, package: &str, id: &str| {
        let f = scans[image]
            .iter()
            .find(|f| f.package == package && f.id == id)
            .unwrap_or_else(|| panic!("{image}: no {id} for {package}"));
        (
            f.severity.level,
            f.severity.source.as_str(),
            f.severity.cvss_score,
        )
    };
    if scans.contains_key("alpine-3.20.docker.tar") {
        let alpine = "alpine-3.20.docker.tar";
        // Alpine's secdb rates nothing; the openssl CNA states no CVSS; CISA's ADP container
        // has cvssV3_1 AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N = 4.3.
        assert_eq!(
            get(alpine, "libcrypto3", "CVE-2024-9143"),
            (Level::Medium, "cisa-adp", Some(4.3))
        );
        // musl: the CNA states v4.0 (4.8), v3.1 and v3.0 (3.3, LOW) and v2: v4.0 is preferred.
        assert_eq!(
            get(alpine, "musl", "CVE-2026-6042"),
            (Level::Medium, "cna", Some(4.8))
        );
    }
    if scans.contains_key("debian-app.docker.tar") {
        let app = "debian-app.docker.tar";
        // GitHub's database_specific.severity HIGH outranks the CNA's CVSS.
        assert_eq!(
            get(app, "lodash", "CVE-2021-23337"),
            (Level::High, "ghsa", Some(7.2))
        );
        // The Go vulndb rates nothing: CISA ADP's v3.1 C:N/I:H/A:N = 7.5.
        assert_eq!(
            get(app, "stdlib", "CVE-2025-22874"),
            (Level::High, "cisa-adp", Some(7.5))
        );
        // docker/cli: the CNA's only metric is v4.0, scored here as stated (7.0).
        assert_eq!(
            get(app, "github.com/docker/cli", "CVE-2025-15558"),
            (Level::High, "cna", Some(7.0))
        );
        // smallvec: no NVD or CVE 5 metric (its CVE 5 record has none); RustSec's own CVSS.
        assert_eq!(
            get(app, "smallvec", "CVE-2021-25900"),
            (Level::Critical, "cvss-v3", Some(9.8))
        );
    }
}
