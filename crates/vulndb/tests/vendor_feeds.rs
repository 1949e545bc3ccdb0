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

/// SUSE's real OVAL and CVRF: keyed per service pack (the CVRF's openSUSE 13.2 as
/// `openSUSE:13.2`), SUSE's rating kept, `version equals 0`
/// read as not affected, and the criteria that cannot be read (tests the truncated file no
/// longer holds, an `evr` operation `6` that OVAL does not define) named in the skipped list.
#[test]
fn suse_oval_and_cvrf() {
    let Some(data) = vulndata() else { return };
    let (_dir, db, report) = imported(&[data.join("suse")]);
    let sle15 = db
        .advisories("SUSE:Linux Enterprise 15", "kernel-default")
        .unwrap();
    let ids: Vec<&str> = sle15.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CVE-1999-0524", "CVE-2021-29154"]);
    assert_eq!(sle15[0].affected[0].status, Status::NotAffected);
    assert_eq!(fixed_of(&sle15[1].affected), ["0:4.12.14-150.72.1"]);
    let vendor = &sle15[1].severity[0];
    assert_eq!(
        (vendor.source.as_str(), vendor.level.as_deref()),
        ("suse", Some("Important"))
    );
    // 15 SP1-BCL and 15 SP1-LTSS state the same fix: one entry.
    let sp1 = db
        .advisories("SUSE:Linux Enterprise 15 SP1", "kernel-default")
        .unwrap();
    assert_eq!(fixed_of(&sp1[0].affected), ["0:4.12.14-197.89.2"]);
    let crypto = db
        .advisories("SUSE:Linux Enterprise 15", "python3-cryptography")
        .unwrap();
    assert_eq!(crypto[0].affected[0].status, Status::NotAffected);
    assert!(
        db.advisories("SUSE:Linux Enterprise 15", "krb5")
            .unwrap()
            .is_empty()
    );

    // One record per update and package, its CVEs as aliases (as ALAS records are kept).
    let pillow = db.advisories("openSUSE:13.2", "python-Pillow").unwrap();
    assert_eq!(pillow.len(), 1);
    assert_eq!(pillow[0].id, "openSUSE-SU-2015:0798-1");
    assert_eq!(
        pillow[0].aliases,
        ["CVE-2014-3589", "CVE-2014-3598", "CVE-2014-9601"]
    );
    assert_eq!(fixed_of(&pillow[0].affected), ["2.8.1-3.3.1"]);
    assert_eq!(pillow[0].rating(), Rating::Medium); // SUSE's "moderate"

    let stats = &report.sources[0].stats;
    let skipped = stats.first_skipped.join("\n");
    assert_eq!(stats.skipped, 3, "{skipped}");
    let krb5 = concat!(
        "suse_truncated.xml oval:org.opensuse.security:def:20101323: ",
        "test oval:org.opensuse.security:tst:2009480345: unknown <evr> operation `6`"
    );
    assert!(skipped.contains(krb5), "{skipped}");
    assert!(
        skipped.contains(
            "def:202129154: test oval:org.opensuse.security:tst:2009507175 is not in the file"
        ),
        "{skipped}"
    );
}

/// A SUSE directory with a truncated OVAL file, an HTML page saved as `.xml` and a CVRF with an
/// element CVRF does not define: the bad files are named, the rest imports.
#[test]
fn suse_bad_files_are_named_and_the_rest_imports() {
    let Some(data) = vulndata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let oval = std::fs::read(data.join("suse/oval/suse_truncated.xml")).unwrap();
    std::fs::write(dir.path().join("half-oval.xml"), &oval[..oval.len() / 2]).unwrap();
    std::fs::write(
        dir.path().join("login.xml"),
        "<!DOCTYPE html><html><body>Sign in</body></html>",
    )
    .unwrap();
    let cvrf =
        std::fs::read_to_string(data.join("suse/cvrf/cvrf-opensuse-su-2015-0798-1.xml")).unwrap();
    let extended = cvrf.replacen("<CVE>", "<Exploited>unknown</Exploited>\n    <CVE>", 1);
    assert_ne!(extended, cvrf);
    std::fs::write(dir.path().join("cvrf.xml"), extended).unwrap();

    let (_db_dir, db, report) = imported(&[dir.path().to_path_buf()]);
    assert_eq!(
        db.advisories("openSUSE:13.2", "python-Pillow-tk").unwrap()[0]
            .aliases
            .len(),
        3
    );
    let skipped = report.sources[0].stats.first_skipped.join("\n");
    assert_eq!(report.sources[0].stats.skipped, 2, "{skipped}");
    assert!(skipped.contains("half-oval.xml"), "{skipped}");
    assert!(
        skipped.contains("login.xml") && skipped.contains("HTML"),
        "{skipped}"
    );
}
