//! Per-CVE severities from real NVD CVE API 2.0 documents and CVE JSON 5 records
//! (../shared/fixtures/vulndata/{nvd-api-2.0,cve5,cve5-fixture-cves}), and bad input around them.

use std::path::{Path, PathBuf};

use plinth_vulndb::{CveMetric, CvssVersion, Provider, VulnDb, cvss, import, preferred_metric};

fn data() -> Option<PathBuf> {
    let found = plinth_testdata::vulndata();
    if found.is_none() {
        println!("skipped: ../shared is absent");
    }
    found
}

fn import_into(dir: &Path, inputs: &[PathBuf]) -> VulnDb {
    let path = dir.join("vuln.redb");
    import(&path, inputs).unwrap();
    VulnDb::open(&path).unwrap()
}

fn preferred(db: &VulnDb, cve: &str) -> CveMetric {
    let metrics = db.cve_severity(cve).unwrap();
    preferred_metric(&metrics)
        .unwrap_or_else(|| panic!("{cve}: no metric in {metrics:?}"))
        .clone()
}

/// Each expectation read by hand from the JSON files named in the fixtures' SOURCE.
#[test]
fn nvd_and_cve5_metrics_are_stored_and_chosen_in_order() {
    let Some(data) = data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = import_into(
        dir.path(),
        &[
            data.join("nvd-api-2.0"),
            data.join("cve5"),
            data.join("cve5-fixture-cves"),
        ],
    );
    let summary = |m: &CveMetric| (m.provider, m.version, m.by.clone(), m.score);
    // apparmor: NVD v3.1 9.8 and v2 7.5 (Primary), Ubuntu's v3.0 3.9 (Secondary): NVD's v3.1.
    let all = db.cve_severity("CVE-2016-1585").unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(
        summary(&preferred(&db, "CVE-2016-1585")),
        (Provider::Nvd, CvssVersion::V31, "nvd@nist.gov".into(), 9.8)
    );
    let ubuntu = all.iter().find(|m| m.provider == Provider::Cna).unwrap();
    assert_eq!(
        (ubuntu.by.as_str(), ubuntu.score),
        ("security@ubuntu.com", 3.9)
    );
    // Deferred, only NVD's v2 metric.
    assert_eq!(
        summary(&preferred(&db, "CVE-2014-1424")),
        (Provider::Nvd, CvssVersion::V2, "nvd@nist.gov".into(), 6.4)
    );
    // Awaiting analysis: only the CNA's (Secondary) v3.1 metric.
    assert_eq!(
        summary(&preferred(&db, "CVE-2024-47177")),
        (
            Provider::Cna,
            CvssVersion::V31,
            "security-advisories@github.com".into(),
            9.0
        )
    );
    // xz: NVD's v3.1 10.0 beats the CNA's (Red Hat) in NVD and in its CVE 5 record.
    assert_eq!(
        summary(&preferred(&db, "CVE-2024-3094")),
        (Provider::Nvd, CvssVersion::V31, "nvd@nist.gov".into(), 10.0)
    );
    // curl: no CNA metric, CISA's ADP v3.1 6.3.
    assert_eq!(
        summary(&preferred(&db, "CVE-2024-7264")),
        (Provider::Adp, CvssVersion::V31, "CISA-ADP".into(), 6.3)
    );
    assert_eq!(preferred(&db, "CVE-2024-7264").source_label(), "cisa-adp");
    // protobuf: the CNA's (Google) v4.0 vector, scored here as the CNA states it: 8.2.
    assert_eq!(
        summary(&preferred(&db, "CVE-2025-4565")),
        (Provider::Cna, CvssVersion::V40, "Google".into(), 8.2)
    );
    // curl 2018: the CNA's v3.0 HIGH 7.5 (the "CVE Program Container" ADP has no metric).
    let curl = preferred(&db, "CVE-2018-14618");
    assert_eq!(
        (curl.provider, curl.version, curl.score),
        (Provider::Cna, CvssVersion::V30, 7.5)
    );
    // openssh: a record without metrics stores nothing.
    assert!(db.cve_severity("CVE-2023-38408").unwrap().is_empty());
    assert!(db.cve_severity("CVE-1999-0000").unwrap().is_empty());

    let counts = db.cve_severity_counts().unwrap();
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.values().all(|n| *n > 0), "{counts:?}");
}

/// Every vector in the fixtures, scored here, against the score its record states: v2, v3.x
/// and v4.0 (the v4 ones are the test of CVSS 4.0 scoring).
#[test]
fn computed_scores_equal_the_stated_ones_for_every_fixture_vector() {
    let Some(data) = data() else { return };
    let mut stated: Vec<(String, String, f64)> = Vec::new();
    for folder in ["nvd-api-2.0", "cve5", "cve5-fixture-cves"] {
        for file in json_files(&data.join(folder)) {
            let text = std::fs::read(&file).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&text).unwrap();
            collect_stated(&value, &file.display().to_string(), &mut stated);
        }
    }
    let v4 = stated
        .iter()
        .filter(|(_, v, _)| v.starts_with("CVSS:4.0/"))
        .count();
    assert!(
        stated.len() > 50 && v4 >= 3,
        "{} vectors, {v4} v4",
        stated.len()
    );
    let mut wrong = Vec::new();
    for (file, vector, score) in &stated {
        let computed = match CvssVersion::of_vector(vector) {
            Some(CvssVersion::V40) => cvss::v4_base_score(vector),
            Some(CvssVersion::V2) => cvss::v2_base_score(vector),
            Some(_) => cvss::v3_base_score(vector),
            None => None,
        };
        if computed.map(f64::from).map(|c| (c - score).abs() > 0.01) != Some(false) {
            wrong.push(format!(
                "{file}: {vector} states {score}, computed {computed:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out
}

/// Every object with a `vectorString` and a numeric `baseScore` (NVD `cvssData`, CVE 5
/// `cvssV*_*`).
fn collect_stated(value: &serde_json::Value, file: &str, out: &mut Vec<(String, String, f64)>) {
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(v), Some(s)) = (
                map.get("vectorString").and_then(|v| v.as_str()),
                map.get("baseScore").and_then(|s| s.as_f64()),
            ) {
                out.push((file.to_string(), v.to_string(), s));
            }
            map.values().for_each(|v| collect_stated(v, file, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_stated(v, file, out)),
        _ => {}
    }
}

/// A page of the incremental API form (two pages of one lastModStartDate query) and its empty
/// answer import like any other document.
#[test]
fn paged_api_answers_import() {
    let Some(data) = data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let paged = data.join("nvd-api-2.0/paged");
    let db = import_into(dir.path(), &[paged]);
    let page1: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data.join("nvd-api-2.0/paged/respPage1.json")).unwrap(),
    )
    .unwrap();
    let first = page1["vulnerabilities"][0]["cve"]["id"].as_str().unwrap();
    assert_eq!(
        (preferred(&db, first).provider, preferred(&db, first).score),
        (Provider::Nvd, 6.5)
    );
    let counts = db.cve_severity_counts().unwrap();
    assert_eq!(counts.values().sum::<u64>(), 3, "{counts:?}");
}

/// Truncated, HTML in place of JSON, unknown fields, a vector that does not parse: each is
/// named (file, and CVE id when there is one), the rest imports, and a failed import keeps the
/// previous database.
#[test]
fn bad_input_is_named_and_the_rest_imports() {
    let Some(data) = data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    let good = std::fs::read_to_string(data.join("nvd-api-2.0/single/CVE-2023-4863.json")).unwrap();
    std::fs::write(feed.join("good.json"), &good).unwrap();
    std::fs::write(feed.join("truncated.json"), &good[..good.len() / 2]).unwrap();
    let mut odd: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("nvd-api-2.0/single/CVE-2016-1585.json")).unwrap(),
    )
    .unwrap();
    // An unknown field is ignored; a broken vector loses that metric only.
    odd["vulnerabilities"][0]["cve"]["newField"] = serde_json::json!({"x": 1});
    odd["vulnerabilities"][0]["cve"]["metrics"]["cvssMetricV2"][0]["cvssData"]["vectorString"] =
        "AV:N/AC:Z/Au:N/C:P/I:P/A:P".into();
    std::fs::write(feed.join("odd.json"), odd.to_string()).unwrap();
    let cve5 =
        std::fs::read_to_string(data.join("cve5/cves/2024/7xxx/CVE-2024-7264.json")).unwrap();
    std::fs::write(feed.join("cut-cve5.json"), &cve5[..cve5.len() - 10]).unwrap();
    std::fs::write(
        feed.join("rate-limited.json"),
        "<!DOCTYPE html><html>Too many requests</html>",
    )
    .unwrap();

    let db_path = dir.path().join("vuln.redb");
    let report = import(&db_path, std::slice::from_ref(&feed)).unwrap();
    let stats = &report.sources[0].stats;
    let names = stats.first_skipped.join(" | ");
    assert_eq!(stats.skipped, 4, "{names}");
    assert!(names.contains("rate-limited.json: an HTML"), "{names}");
    assert!(names.contains("truncated.json"), "{names}");
    assert!(names.contains("cut-cve5.json"), "{names}");
    assert!(
        names.contains("CVE-2016-1585") && names.contains("odd.json") && names.contains("AC:Z"),
        "{names}"
    );
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(preferred(&db, "CVE-2023-4863").score, 8.8);
    let apparmor = db.cve_severity("CVE-2016-1585").unwrap();
    assert_eq!(
        apparmor.len(),
        2,
        "the v2 metric is dropped, the rest kept: {apparmor:?}"
    );
    drop(db);

    // HTML named directly fails the import and leaves the database as it was.
    let before = std::fs::read(&db_path).unwrap();
    let html = dir.path().join("nvd.json");
    std::fs::write(&html, "<!DOCTYPE html><html>rate limited</html>").unwrap();
    let err = import(&db_path, &[data.join("cve5"), html.clone()]).unwrap_err();
    assert!(
        err.to_string().contains(&*html.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&db_path).unwrap(), before);
}

/// A zip of CVE 5 records (the shape of cvelistV5's delta zips) imports their severities.
#[test]
fn cve5_records_in_a_zip() {
    let Some(data) = data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("deltaCves.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for file in json_files(&data.join("cve5/cves")) {
        let name = file.strip_prefix(&data).unwrap().display().to_string();
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(&file).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let db = import_into(dir.path(), &[zip_path]);
    assert_eq!(
        (
            preferred(&db, "CVE-2024-7264").provider,
            preferred(&db, "CVE-2024-7264").score
        ),
        (Provider::Adp, 6.3)
    );
    assert_eq!(preferred(&db, "CVE-2025-4565").version, CvssVersion::V40);
}
