//! CWE ids from the real CVE JSON 5 records, NVD CVE API 2.0 documents and OSV records of
//! ../shared/fixtures/vulndata: what the database files under each id equals what the files
//! say, read here straight from their JSON; a database of the previous schema is refused in
//! one line and rebuilt by the next import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use plinth_vulndb::{DbError, SCHEMA_VERSION, VulnDb, import};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn documents(dir: &Path) -> Vec<Value> {
    let mut files = Vec::new();
    json_files(dir, &mut files);
    files
        .iter()
        .filter_map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).ok())
        .collect()
}

fn is_cwe(s: &str) -> bool {
    s.strip_prefix("CWE-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

type Expected = BTreeMap<String, BTreeSet<String>>;

fn file(expected: &mut Expected, id: &str, cwes: impl IntoIterator<Item = String>) {
    let cwes: BTreeSet<String> = cwes.into_iter().filter(|c| is_cwe(c)).collect();
    if !cwes.is_empty() {
        expected.entry(id.to_string()).or_default().extend(cwes);
    }
}

fn strs(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// CVE 5: every container's `problemTypes[].descriptions[].cweId`; rejected records none.
fn cve5(doc: &Value, expected: &mut Expected) {
    // Files beside the records (cvelistV5's delta logs) are not records.
    let Some(id) = doc["cveMetadata"]["cveId"].as_str() else {
        return;
    };
    if doc["cveMetadata"]["state"] == "REJECTED" {
        return;
    }
    file(expected, id, plinth_testdata::cve5::cwes(doc));
}

/// NVD: `weaknesses[].description[].value`, NVD's placeholders left out.
fn nvd(doc: &Value, expected: &mut Expected) {
    for item in strs(&doc["vulnerabilities"]) {
        let cve = &item["cve"];
        let cwes = strs(&cve["weaknesses"])
            .flat_map(|w| strs(&w["description"]))
            .filter_map(|d| d["value"].as_str().map(str::to_string));
        file(
            expected,
            cve["id"].as_str().unwrap(),
            cwes.collect::<Vec<_>>(),
        );
    }
}

/// OSV: `database_specific.cwe_ids`, under the id and every alias of a record that names a
/// package (one that names none is stored nowhere).
fn osv(doc: &Value, expected: &mut Expected) {
    let keyed = strs(&doc["affected"]).any(|a| {
        let p = &a["package"];
        !p["ecosystem"].as_str().unwrap_or("").trim().is_empty()
            && !p["name"].as_str().unwrap_or("").trim().is_empty()
    });
    if doc.get("withdrawn").is_some_and(|w| !w.is_null()) || !keyed {
        return;
    }
    let cwes: Vec<String> = strs(&doc["database_specific"]["cwe_ids"])
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let ids = std::iter::once(&doc["id"])
        .chain(strs(&doc["aliases"]))
        .chain(strs(&doc["upstream"]));
    for id in ids.filter_map(Value::as_str) {
        file(expected, id, cwes.clone());
    }
}

#[test]
fn every_cwe_the_records_name_is_filed_under_its_ids() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let feeds = ["cve5", "cve5-fixture-cves", "nvd-api-2.0", "osv"].map(|f| data.join(f));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    import(&path, &feeds).unwrap();
    let db = VulnDb::open(&path).unwrap();

    let mut expected = Expected::new();
    for doc in documents(&feeds[0]).iter().chain(&documents(&feeds[1])) {
        cve5(doc, &mut expected);
    }
    for doc in documents(&feeds[2]) {
        nvd(&doc, &mut expected);
    }
    for doc in documents(&feeds[3]) {
        osv(&doc, &mut expected);
    }
    for (id, cwes) in &expected {
        let stored: BTreeSet<String> = db.cwes(id).unwrap().into_iter().collect();
        assert_eq!(&stored, cwes, "{id}");
    }
    println!("{} ids with CWE ids checked", expected.len());
    assert!(expected.len() > 40, "{expected:?}");
    // Read by hand from the files: xz's backdoor (NVD, the CNA's Secondary entry), minimist's
    // prototype pollution (GitHub's record and its CVE), and the NVD placeholder alone.
    assert_eq!(db.cwes("CVE-2024-3094").unwrap(), ["CWE-506"]);
    assert_eq!(db.cwes("GHSA-xvch-5gv4-984h").unwrap(), ["CWE-1321"]);
    assert!(
        db.cwes("CVE-2021-44906")
            .unwrap()
            .contains(&"CWE-1321".to_string())
    );
    assert_eq!(db.cwes("CVE-0000-0000").unwrap(), Vec::<String>::new());
}

#[test]
fn a_database_of_the_previous_schema_is_refused_then_rebuilt() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    import(&path, &[data.join("alpine-secdb")]).unwrap();
    // Stamp it as a plinth before the CWE tables wrote it.
    {
        let db = redb::Database::open(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut meta = txn
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
                .unwrap();
            let old = u64::from(SCHEMA_VERSION - 1).to_le_bytes();
            meta.insert("schema", old.as_slice()).unwrap();
        }
        txn.commit().unwrap();
    }
    let err = VulnDb::open(&path).unwrap_err();
    assert!(
        matches!(err, DbError::Schema { found, expected, .. } if found == SCHEMA_VERSION - 1 && expected == SCHEMA_VERSION)
    );
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
    println!("{err}");

    import(&path, &[data.join("osv")]).unwrap();
    let db = VulnDb::open(&path).unwrap();
    assert_eq!(db.cwes("GHSA-xvch-5gv4-984h").unwrap(), ["CWE-1321"]);
}
