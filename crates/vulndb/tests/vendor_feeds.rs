//! Distro vendors' real records (../shared/fixtures/vulndata): Red Hat's CSAF VEX and CSAF
//! advisories keyed by CPE product as Red Hat's OSV export keys them (one erratum read from both
//! forms is one problem), Amazon's ALAS updateinfo and Azure Linux's OVAL.

use std::path::PathBuf;

use plinth_testdata::vulndata;
use plinth_vulndb::{Event, Rating, SeverityKind, Status, VulnDb, group_by_alias, import};
use serde_json::Value;

fn imported(inputs: &[PathBuf]) -> (tempfile::TempDir, VulnDb, plinth_vulndb::ImportReport) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    let report = import(&path, inputs).unwrap();
    let db = VulnDb::open(&path).unwrap();
    (dir, db, report)
}

fn fixed_of(affected: &[plinth_vulndb::Affected]) -> Vec<&str> {
    affected
        .iter()
        .flat_map(|a| a.ranges.iter().flat_map(|r| r.events.iter()))
        .filter_map(|e| match e {
            Event::Fixed(v) => Some(v.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn csaf_vex_is_keyed_by_cpe_product_with_red_hat_impact() {
    let Some(data) = vulndata() else { return };
    let (_dir, db, report) = imported(&[data.join("redhat-csaf-vex")]);
    // The two CPE map files are recognised, not skipped as bad input.
    assert!(
        report.sources.iter().all(|s| s.stats.skipped == 0),
        "{report:?}"
    );
    let list = db
        .advisories("Red Hat:enterprise_linux:9::baseos", "pam")
        .unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let pam = &list[0];
    assert_eq!(pam.id, "CVE-2024-10041");
    assert_eq!(pam.affected[0].status, Status::Fixed);
    assert_eq!(fixed_of(&pam.affected), ["0:1.5.1-21.el9_5"; 2]); // x86_64 and aarch64
    let vendor = pam
        .severity
        .iter()
        .find(|s| s.kind == SeverityKind::Vendor)
        .unwrap();
    assert_eq!(
        (vendor.source.as_str(), vendor.level.as_deref()),
        ("redhat", Some("Moderate"))
    );
    assert_eq!(vendor.rating(), Rating::Medium);
    let cvss = pam
        .severity
        .iter()
        .find(|s| s.kind == SeverityKind::CvssV3)
        .unwrap();
    assert_eq!(cvss.score, Some(4.7));
    // RHEL 7's `no_fix_planned` names a product the trimmed tree does not describe: no key.
    assert!(db.advisories("Red Hat:9", "pam").unwrap().is_empty());
}

/// Red Hat converts its CSAF advisories to OSV with its own tool; osv-schema keeps one pair.
/// Every (key, package, fixed version) of the OSV form is what plinth reads from the CSAF form,
/// and the two records fold into one problem through the erratum id.
#[test]
fn csaf_advisory_and_its_osv_conversion_agree() {
    let Some(data) = vulndata() else { return };
    let osv_path = data.join("osv-redhat/RHSA-2024_4546.json");
    let osv: Value = serde_json::from_slice(&std::fs::read(&osv_path).unwrap()).unwrap();
    let (_dir, db, _) = imported(&[data.join("osv-redhat/csaf-input/rhsa-2024_4546.json")]);
    let (_dir2, osv_db, _) = imported(&[osv_path]);
    let mut checked = 0;
    for a in osv["affected"].as_array().unwrap() {
        let eco = a["package"]["ecosystem"].as_str().unwrap();
        let name = a["package"]["name"].as_str().unwrap();
        let fixed = a["ranges"][0]["events"][1]["fixed"].as_str().unwrap();
        let from_csaf = db.advisories(eco, name).unwrap();
        assert_eq!(from_csaf.len(), 1, "{eco} {name}");
        assert!(
            fixed_of(&from_csaf[0].affected).iter().all(|f| *f == fixed),
            "{eco} {name}"
        );
        assert_eq!(from_csaf[0].id, "CVE-2023-45288");
        assert_eq!(from_csaf[0].aliases, ["RHSA-2024:4546"]);
        let mut both = from_csaf;
        both.extend(osv_db.advisories(eco, name).unwrap());
        assert_eq!(
            both.len(),
            2,
            "{eco} {name}: the OSV form is stored under the same key"
        );
        assert_eq!(group_by_alias(both).len(), 1, "{eco} {name}");
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// The other rpm vendors' real records (Amazon's updateinfo, Azure Linux's OVAL) land under
/// their OSV-style keys with the vendor's word.
#[test]
fn amazon_updateinfo_and_azure_linux_oval() {
    let Some(data) = vulndata() else { return };
    let (_dir, db, report) = imported(&[
        data.join("amazon-alas"),
        data.join("azure-linux-oval/azure-linux-truncated-3.0-oval.xml"),
    ]);
    // repomd.xml is an index, not a feed: read, nothing skipped.
    assert!(
        report.sources.iter().all(|s| s.stats.skipped == 0),
        "{report:?}"
    );
    let rsyslog = db.advisories("Amazon Linux:2023", "rsyslog").unwrap();
    assert_eq!(rsyslog.len(), 1);
    assert_eq!(rsyslog[0].id, "ALAS2023-2023-001");
    assert_eq!(rsyslog[0].aliases, ["CVE-2014-3634", "CVE-2022-24903"]);
    assert_eq!(rsyslog[0].rating(), Rating::High); // Amazon's "Important"
    let freeglut = db.advisories("Azure Linux:3", "freeglut").unwrap();
    let ids: Vec<&str> = freeglut.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2024-24258", "CVE-2024-24259"]);
    assert_eq!(fixed_of(&freeglut[0].affected), ["0:3.4.0-1.azl3"]);
    assert_eq!(freeglut[0].rating(), Rating::High);
}
