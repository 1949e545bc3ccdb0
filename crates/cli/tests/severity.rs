//! Severities end to end: `plinth db import` of every record in ../shared/fixtures/vulndata
//! (NVD and CVE 5 included), then `plinth scan` of the debian-app fixture image, with the
//! severity's source in the table, JSON, SARIF and CycloneDX outputs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB").env("NO_COLOR", "1");
    cmd
}

/// The imported database and the fixture image, or `None` (with the skip line printed).
fn setup() -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    let Some(data) = plinth_testdata::vulndata() else {
        println!("skipped: ../shared is absent");
        return None;
    };
    let Some(image) = plinth_testdata::fixture("debian-app.docker.tar") else {
        println!("skipped: no fixture images (/var/tmp/plinth-fixtures or PLINTH_FIXTURES)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("CVE severities"), "{err}");
    Some((dir, db, image))
}

fn scan(db: &Path, image: &Path, format: &str) -> String {
    let out = plinth()
        .args(["scan", "--db"])
        .arg(db)
        .arg(format!("docker-archive:{}", image.display()))
        .args(["-f", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// CVE-2025-22874 in Go's stdlib: the Go vulndb rates nothing, its CVE 5 record has no CNA
/// metric, CISA's ADP states CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N (7.5, HIGH).
#[test]
fn the_severity_source_is_in_every_output() {
    let Some((_dir, db, image)) = setup() else {
        return;
    };
    let table = scan(&db, &image, "table");
    let line = table
        .lines()
        .find(|l| l.contains("CVE-2025-22874"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(line.contains("HIGH") && line.contains("cisa-adp"), "{line}");

    let json: serde_json::Value = serde_json::from_str(&scan(&db, &image, "json")).unwrap();
    let findings = json["targets"][0]["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["id"] == "CVE-2025-22874")
        .unwrap();
    assert_eq!(f["severity"]["level"], "HIGH");
    assert_eq!(f["severity"]["source"], "cisa-adp");
    assert_eq!(f["severity"]["cvss_score"], 7.5);

    let sarif: serde_json::Value = serde_json::from_str(&scan(&db, &image, "sarif")).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CVE-2025-22874")
        .unwrap();
    assert_eq!(rule["properties"]["severity-source"], "cisa-adp");
    assert!(
        rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("HIGH (from cisa-adp)")
    );

    let cdx: serde_json::Value =
        serde_json::from_str(&scan(&db, &image, "cyclonedx-json")).unwrap();
    let vuln = cdx["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "CVE-2025-22874")
        .unwrap();
    assert_eq!(vuln["ratings"][0]["source"]["name"], "cisa-adp");
    assert_eq!(vuln["ratings"][0]["severity"], "high");
}

/// `db info` lists how many CVEs each source scores.
#[test]
fn db_info_counts_cve_severities() {
    let Some((_dir, db, _)) = setup() else {
        return;
    };
    let out = plinth()
        .args(["db", "info", "--db"])
        .arg(&db)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let counts = info["cve_severities"].as_object().unwrap();
    assert_eq!(counts.len(), 1, "{counts:?}");
    // Distinct scored CVEs across nvd-api-2.0 (7 + 3 paged) and the two CVE 5 folders.
    assert!(
        counts.values().all(|n| n.as_u64().unwrap() > 50),
        "{counts:?}"
    );
}
