//! Matching on the Debian tracker sample and on hand-written OSV records: statuses, aliases
//! folded into one finding, severity choice, distro keys, unknown distros.

mod common;

use plinth_catalog::{Os, Package, PackageType};
use plinth_sbom::{Found, Inventory, LayerRef};
use plinth_scan::coverage::GapKind;
use plinth_scan::{FixStatus, Level, Origin, match_inventory};

fn os(id: &str, version: &str) -> Option<Os> {
    Some(Os {
        id: id.into(),
        version_id: Some(version.into()),
        codename: None,
        pretty_name: None,
    })
}

fn pkg(kind: PackageType, name: &str, version: &str, source: Option<&str>, layer: usize) -> Found {
    let mut p = Package::new(kind, name, version, "/var/lib/dpkg/status");
    p.source_name = source.map(Into::into);
    Found {
        purl: format!("pkg:test/{name}@{version}"),
        package: p,
        layer: Some(layer),
    }
}

fn inventory(os: Option<Os>, packages: Vec<Found>) -> Inventory {
    Inventory {
        source: "test".into(),
        manifest_digest: None,
        layers: (0..3)
            .map(|i| LayerRef {
                index: i,
                digest: None,
                diff_id: None,
                created_by: Some(format!("step {i}")),
            })
            .collect(),
        os,
        content_sets: Vec::new(),
        packages,
        warnings: Vec::new(),
    }
}

#[test]
fn debian_tracker_sample_statuses() {
    let Some(data) = common::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The sample has no `<ignored>` or undetermined entry; add one of each, in its format.
    let extra = common::write(
        dir.path(),
        "extra.json",
        r#"{"backupninja": {"CVE-2099-0001": {"description": "made up, ignored",
              "releases": {"buster": {"status": "open", "urgency": "low", "nodsa_reason": "ignored"}}},
            "CVE-2099-0002": {"description": "made up, undetermined",
              "releases": {"buster": {"status": "undetermined", "urgency": "not yet assigned"}}}}}"#,
    );
    let (_d, db) = common::db_from(&[data.join("debian-tracker-json/debian.json"), extra]);
    let inv = inventory(
        os("debian", "10"),
        vec![
            // Binary package `libjs-prototype` of source `prototypejs`.
            pkg(
                PackageType::Deb,
                "libjs-prototype",
                "1.6.0.1-1",
                Some("prototypejs"),
                0,
            ),
            pkg(
                PackageType::Deb,
                "chromium",
                "90.0.4430.212-1~deb10u1",
                None,
                2,
            ),
            pkg(PackageType::Deb, "backupninja", "0.7-1", None, 1),
            pkg(PackageType::Deb, "txt2man", "1.5.5-4.1", None, 1),
        ],
    );
    let report = match_inventory(&inv, &db, Some(1)).unwrap();
    let get = |p: &str, id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.package == p && f.id == id)
    };

    // Fixed: prototypejs CVE-2008-7220 fixed in 1.6.0.2-1; the vendor's urgency `high**`.
    let proto = get("libjs-prototype", "CVE-2008-7220").expect("fixed finding");
    assert_eq!(proto.status, FixStatus::Fixed);
    assert_eq!(proto.fixed_version.as_deref(), Some("1.6.0.2-1"));
    assert_eq!(proto.source_package.as_deref(), Some("prototypejs"));
    assert_eq!(
        (proto.severity.level, proto.severity.source.as_str()),
        (Level::High, "debian")
    );
    assert_eq!(proto.severity.vendor_word.as_deref(), Some("high**"));
    assert_eq!(proto.origin, Origin::Base);
    // Not affected (fixed_version 0): no finding.
    assert!(get("libjs-prototype", "CVE-2007-2383").is_none());
    // Unfixed (`open` in buster): affected, no fix; urgency `end-of-life` is no level.
    let chromium = get("chromium", "CVE-2022-0456").expect("unfixed finding");
    assert_eq!(chromium.status, FixStatus::Affected);
    assert_eq!(chromium.fixed_version, None);
    assert_eq!(chromium.severity.level, Level::Unknown);
    assert_eq!(chromium.origin, Origin::Added);
    // Ignored and undetermined.
    assert_eq!(
        get("backupninja", "CVE-2099-0001").unwrap().status,
        FixStatus::WillNotFix
    );
    assert_eq!(
        get("backupninja", "CVE-2099-0002").unwrap().status,
        FixStatus::Undetermined
    );
    // Fixed in 0.8-2 and installed 0.7-1.
    assert_eq!(
        get("backupninja", "CVE-2005-3111")
            .unwrap()
            .fixed_version
            .as_deref(),
        Some("0.8-2")
    );
    // Installed exactly the fixed version.
    assert!(get("txt2man", "CVE-2013-1444").is_none());

    // The same packages on Debian 12: chromium is fixed there (98.0.4758.80-1).
    let bookworm = inventory(os("debian", "12"), inv.packages.clone());
    let r12 = match_inventory(&bookworm, &db, None).unwrap();
    let c = r12
        .findings
        .iter()
        .find(|f| f.id == "CVE-2022-0456")
        .unwrap();
    assert_eq!(c.fixed_version.as_deref(), Some("98.0.4758.80-1"));
    assert_eq!(c.ecosystem, "Debian:12");
}

const GHSA: &str = r#"{"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2030-1111"],
  "summary": "Bad thing in demo",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "database_specific": {"severity": "MODERATE"},
  "affected": [{"package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.post1"}]}]}]}"#;
const PYSEC: &str = r#"{"id": "PYSEC-2030-1", "aliases": ["CVE-2030-1111", "GHSA-aaaa-bbbb-cccc"],
  "details": "Bad thing in demo (PYSEC)",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "demo-pkg"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.post1"}]}]}]}"#;
const LAST: &str = r#"{"id": "PYSEC-2030-2", "summary": "last_affected and limit",
  "affected": [{"package": {"ecosystem": "PyPI", "name": "demo-pkg"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0.5"}, {"last_affected": "1.0.dev3"}]}]}]}"#;
const EPOCH: &str = r#"{"id": "DEBIAN-CVE-2030-3", "aliases": ["CVE-2030-3"], "summary": "epoch",
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "demo-src"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:2.0-1~deb12u1"}]}]}]}"#;
const PSEUDO: &str = r#"{"id": "GO-2030-0001", "aliases": ["CVE-2030-4"], "summary": "pseudo",
  "affected": [{"package": {"ecosystem": "Go", "name": "example.com/demo"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.0.0-20210601000000-abcdefabcdef"}]}]},
   {"package": {"ecosystem": "Go", "name": "stdlib"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.21.9"}, {"introduced": "1.22.0-0"}, {"fixed": "1.22.2"}]}]}]}"#;

#[test]
fn hand_written_osv_records() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = [
        ("ghsa.json", GHSA),
        ("pysec.json", PYSEC),
        ("last.json", LAST),
        ("epoch.json", EPOCH),
        ("pseudo.json", PSEUDO),
    ]
    .iter()
    .map(|(n, t)| common::write(dir.path(), n, t))
    .collect();
    let (_d, db) = common::db_from(&files);
    let inv = inventory(
        os("debian", "12"),
        vec![
            pkg(PackageType::Python, "Demo.Pkg", "1.0.dev2", None, 2),
            pkg(PackageType::Deb, "libdemo1", "2.0-1", Some("demo-src"), 0),
            pkg(
                PackageType::Deb,
                "libdemo-new",
                "1:2.0-1~deb12u1",
                Some("demo-src"),
                0,
            ),
            pkg(
                PackageType::GoModule,
                "example.com/demo",
                "v0.0.0-20200101000000-abcdefabcdef",
                None,
                1,
            ),
            pkg(PackageType::GoModule, "stdlib", "go1.22.1", None, 1),
            pkg(PackageType::GoModule, "stdlib", "go1.21.9", None, 1),
        ],
    );
    let report = match_inventory(&inv, &db, Some(1)).unwrap();
    let of = |p: &str, v: &str| -> Vec<_> {
        report
            .findings
            .iter()
            .filter(|f| f.package == p && f.installed_version == v)
            .collect()
    };
    // PyPI: GHSA and PYSEC records of one CVE fold into one finding named by the CVE; names
    // normalise (Demo.Pkg = demo-pkg = Demo_Pkg); 1.0.dev2 < 1.0.post1 and ≤ last_affected.
    let demo = of("Demo.Pkg", "1.0.dev2");
    assert_eq!(demo.len(), 2, "{demo:#?}");
    let cve = demo.iter().find(|f| f.id == "CVE-2030-1111").unwrap();
    assert_eq!(cve.aliases, ["GHSA-aaaa-bbbb-cccc", "PYSEC-2030-1"]);
    assert_eq!(cve.records.len(), 2);
    assert_eq!(cve.fixed_version.as_deref(), Some("1.0.post1"));
    // GitHub's word (MODERATE) is the vendor's rating, though the CVSS score is 9.8.
    assert_eq!(
        (cve.severity.level, cve.severity.source.as_str()),
        (Level::Medium, "ghsa")
    );
    assert_eq!(cve.severity.cvss_score, Some(9.8));
    let last = demo.iter().find(|f| f.id == "PYSEC-2030-2").unwrap();
    assert_eq!(
        (last.status, last.fixed_version.as_deref()),
        (FixStatus::Affected, None)
    );
    // Epochs: 2.0-1 (epoch 0) < 1:2.0-1~deb12u1; the fixed version itself is clean.
    assert_eq!(of("libdemo1", "2.0-1")[0].id, "CVE-2030-3");
    assert!(of("libdemo-new", "1:2.0-1~deb12u1").is_empty());
    // Go pseudo-versions order by time; stdlib versions lose their `go` prefix.
    assert_eq!(
        of("example.com/demo", "v0.0.0-20200101000000-abcdefabcdef").len(),
        1
    );
    let s = of("stdlib", "go1.22.1");
    assert_eq!(s[0].fixed_version.as_deref(), Some("1.22.2"));
    assert!(of("stdlib", "go1.21.9").is_empty());
}

#[test]
fn unknown_distro_is_a_coverage_gap_and_a_partial_result() {
    let dir = tempfile::tempdir().unwrap();
    let (_d, db) = common::db_from(&[common::write(dir.path(), "g.json", GHSA)]);
    let inv = inventory(
        os("plan9", "4"),
        vec![
            pkg(PackageType::Deb, "libc", "1", None, 0),
            pkg(PackageType::Python, "demo_pkg", "0.1", None, 1),
        ],
    );
    let report = match_inventory(&inv, &db, None).unwrap();
    assert_eq!(report.findings.len(), 1);
    let gaps: Vec<_> = report
        .coverage
        .missing
        .iter()
        .map(|g| (g.kind, g.message.as_str()))
        .collect();
    assert_eq!(
        gaps,
        [(
            GapKind::UnknownDistro,
            "unknown distribution plan9 4: 1 OS package not checked against any advisory"
        )]
    );
    assert_eq!(report.coverage.matched.len(), 1);
    assert_eq!(report.coverage.matched[0].ecosystem, "PyPI");
    assert!(report.coverage.matched[0].has_data);
}
