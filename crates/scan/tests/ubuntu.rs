//! Ubuntu: the real ubuntu:22.04 package list against Ubuntu's real OSV records
//! (../shared/fixtures/vulndata/osv-ubuntu: CVE and USN records, LTS and Pro/ESM keys), with
//! Ubuntu's priority as the finding's severity.
//!
//! No real dpkg status of an Ubuntu 22.04 image could be fetched (fixtures/os/ubuntu-22.04/
//! SOURCE); Canonical's own package list of the jammy rootfs is written out as a status file,
//! each binary's `Source:` taken from the records' own binary → source lists.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use plinth_scan::{Level, match_inventory};
use serde_json::Value;

fn records(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap());
            }
        }
    }
    out
}

/// dpkg's own order: `dpkg --compare-versions A lt B`.
fn dpkg_lt(a: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, "lt", b])
        .status()
        .unwrap()
        .success()
}

#[test]
fn ubuntu_22_04_against_ubuntu_osv() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let os = shared.join("fixtures/os/ubuntu-22.04");
    let installed: Vec<(String, String)> =
        std::fs::read_to_string(os.join("expected/ubuntu-jammy-oci-amd64-root.manifest"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(n, v)| (n.split(':').next().unwrap().to_string(), v.to_string()))
            .collect();
    let docs = records(&data.join("osv-ubuntu"));
    let keys = ["Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS"];

    // Binary → source, from the records' `binaries` lists of jammy's keys.
    let mut source_of: BTreeMap<String, String> = BTreeMap::new();
    for doc in &docs {
        for a in doc["affected"].as_array().unwrap() {
            if !keys.contains(&a["package"]["ecosystem"].as_str().unwrap()) {
                continue;
            }
            for b in a["ecosystem_specific"]["binaries"]
                .as_array()
                .into_iter()
                .flatten()
            {
                source_of.insert(
                    b["binary_name"].as_str().unwrap().into(),
                    a["package"]["name"].as_str().unwrap().into(),
                );
            }
        }
    }
    let mut status = String::new();
    for (name, version) in &installed {
        status.push_str(&format!(
            "Package: {name}\nStatus: install ok installed\nVersion: {version}\nArchitecture: amd64\n"
        ));
        if let Some(source) = source_of.get(name).filter(|s| *s != name) {
            status.push_str(&format!("Source: {source}\n"));
        }
        status.push('\n');
    }
    let tmp = tempfile::tempdir().unwrap();
    let status_path = common::write(tmp.path(), "status", &status);
    let (_dir, inv) = common::image_of(&[
        ("etc/os-release", os.join("etc/os-release")),
        ("var/lib/dpkg/status", status_path),
    ]);
    assert_eq!(inv.packages.len(), installed.len());

    // Expected, from the records alone: a binary the affected entry lists, whose installed
    // version the entry's versions list names or is below its fix (or there is no fix).
    let mut expected: BTreeSet<(String, String, String)> = BTreeSet::new();
    for doc in docs.iter().filter(|d| d.get("withdrawn").is_none()) {
        let cve = doc["upstream"]
            .as_array()
            .and_then(|u| {
                u.iter()
                    .find_map(|c| c.as_str().filter(|c| c.starts_with("CVE-")))
            })
            .unwrap_or(doc["id"].as_str().unwrap());
        let priority = doc["severity"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["type"] == "Ubuntu")
            .and_then(|s| s["score"].as_str())
            .unwrap_or("")
            .to_string();
        for a in doc["affected"].as_array().unwrap() {
            if !keys.contains(&a["package"]["ecosystem"].as_str().unwrap()) {
                continue;
            }
            let fixed = a["ranges"][0]["events"]
                .as_array()
                .unwrap()
                .iter()
                .find_map(|e| e["fixed"].as_str());
            let listed: Vec<&str> = a["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .collect();
            for b in a["ecosystem_specific"]["binaries"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let binary = b["binary_name"].as_str().unwrap();
                let Some((_, version)) = installed.iter().find(|(n, _)| n == binary) else {
                    continue;
                };
                if listed.contains(&version.as_str()) || fixed.is_none_or(|f| dpkg_lt(version, f)) {
                    expected.insert((binary.to_string(), cve.to_string(), priority.clone()));
                }
            }
        }
    }
    assert!(!expected.is_empty(), "the records predict no finding");

    let (_db_dir, db) = common::db_from(&[data.join("osv-ubuntu")]);
    let report = match_inventory(&inv, &db, None).unwrap();
    let found: BTreeSet<(String, String, String)> = report
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.severity.source, "ubuntu", "{f:?}");
            (
                f.package.clone(),
                f.id.clone(),
                f.severity.vendor_word.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(found, expected);
    // glibc's CVE-2016-20013 is unfixed in jammy and Ubuntu calls it negligible: LOW here.
    let libc6 = report
        .findings
        .iter()
        .find(|f| f.package == "libc6" && f.id == "CVE-2016-20013")
        .unwrap();
    assert_eq!(libc6.source_package.as_deref(), Some("glibc"));
    assert_eq!(libc6.fixed_version, None);
    assert_eq!(libc6.severity.level, Level::Low);
    assert!(report.coverage.missing.is_empty(), "{:?}", report.coverage);
}
