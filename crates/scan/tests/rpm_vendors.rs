//! Azure Linux / CBL-Mariner OVAL and Amazon Linux ALAS, imported from their real records
//! (../shared/fixtures/vulndata/{azure-linux-oval,amazon-alas}) and matched with the vendor's
//! severity.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use plinth_catalog::{Package, PackageType};
use plinth_sbom::Found;
use plinth_scan::{FixStatus, Level, match_inventory};

/// `rpm`'s own order: `rpmdev-vercmp` is not in Debian's rpm, `rpm --eval` with Lua is.
fn rpm_lt(a: &str, b: &str) -> bool {
    let out = Command::new("rpm")
        .args([
            "--eval",
            &format!("%{{lua: print(rpm.vercmp(\"{a}\", \"{b}\"))}}"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "-1"
}

/// The real CBL-Mariner 2.0 rpmdb of the rpm-mariner fixture image against Mariner's OVAL: its
/// glibc 2.34-2.cm2 is at or below the OVAL's `less than or equal 0:2.35-4.cm2` for
/// CVE-2023-0687, which Microsoft rates Critical and has no fix for.
#[test]
fn rpm_mariner_against_mariner_oval() {
    let Some(data) = common::vulndata() else {
        return;
    };
    let Some((_image, inv)) = common::image_inventory("rpm-mariner.oci.tar") else {
        return;
    };
    let (_db_dir, db) = common::db_from(&[data.join("azure-linux-oval")]);
    let report = match_inventory(&inv, &db, None).unwrap();
    let glibc = inv
        .packages
        .iter()
        .find(|f| f.package.name == "glibc")
        .unwrap();
    assert!(
        rpm_lt(&glibc.package.version, "0:2.35-4.cm2") || {
            // `less than or equal`: equal counts too.
            glibc.package.version == "2.35-4.cm2"
        }
    );
    let found: BTreeSet<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.package.as_str(), f.id.as_str()))
        .collect();
    assert_eq!(found, [("glibc", "CVE-2023-0687")].into_iter().collect());
    let f = &report.findings[0];
    assert_eq!(f.status, FixStatus::Affected);
    assert_eq!(f.fixed_version, None);
    assert_eq!(
        (f.severity.level, f.severity.source.as_str()),
        (Level::Critical, "azure-linux")
    );
    assert_eq!(report.coverage.matched[0].ecosystem, "Azure Linux:2");
    assert!(report.coverage.missing.is_empty(), "{:?}", report.coverage);
}

/// Amazon Linux 2: the real os-release, and installed versions written by hand one release
/// below the fixes the real ALAS records state (no real Amazon Linux rpmdb could be fetched:
/// fixtures/os/amazonlinux-2023/SOURCE). Both forms of the records are read: the
/// `updateinfo.xml.gz` the repositories serve and vuln-list's JSON.
#[test]
fn amazon_linux_2_against_alas() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let os = shared.join("fixtures/os/amazonlinux-2");
    let (_dir, mut inv) = common::image_of(&[("etc/os-release", os.join("etc/os-release"))]);
    let rpm = |name: &str, version: &str| Found {
        purl: format!("pkg:rpm/amazon/{name}@{version}"),
        package: Package::new(PackageType::Rpm, name, version, "/var/lib/rpm/rpmdb.sqlite"),
        layer: Some(0),
    };
    inv.packages = vec![
        // ALAS2-2021-1699 fixes kernel at 4.14.243-185.433.amzn2.
        rpm("kernel", "4.14.243-184.433.amzn2"),
        // ALAS2-2018-942 fixes qemu-img at 10:1.5.3-141.amzn2.5.3.
        rpm("qemu-img", "10:1.5.3-141.amzn2.5.2"),
        // Fixed already: no finding.
        rpm("kernel-headers", "4.14.243-185.433.amzn2"),
    ];
    let alas = data.join("amazon-alas");
    let (_db_dir, db) = common::db_from(&[
        alas.join("updateinfo_2_items.xml.gz"),
        alas.join("vuln-list/2/ALAS2-2021-1699.json"),
    ]);
    let report = match_inventory(&inv, &db, None).unwrap();
    let found: BTreeSet<(&str, &str, &str, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.package.as_str(),
                f.id.as_str(),
                f.fixed_version.as_deref().unwrap_or(""),
                f.severity.vendor_word.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "kernel",
                "CVE-2021-22543",
                "0:4.14.243-185.433.amzn2",
                "low"
            ),
            (
                "qemu-img",
                "CVE-2017-5715",
                "10:1.5.3-141.amzn2.5.3",
                "important"
            ),
        ]
        .into_iter()
        .collect()
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity.source == "amazon")
    );
    let kernel = report
        .findings
        .iter()
        .find(|f| f.package == "kernel")
        .unwrap();
    assert!(kernel.aliases.contains(&"ALAS2-2021-1699".to_string()));
    assert_eq!(report.coverage.matched[0].ecosystem, "Amazon Linux:2");
    assert!(report.coverage.missing.is_empty(), "{:?}", report.coverage);
}
