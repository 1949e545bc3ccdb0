//! Rocky Linux and AlmaLinux through their OSV ecosystems (`Rocky Linux:9`, `AlmaLinux:9`): the
//! real os-release files of ../shared/fixtures/os, and records in the OSV schema written here
//! (no real RLSA or ALSA record is in ../shared), keyed by source package as the scanner looks
//! RHEL rebuilds up. Each distro meets only its own records.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use plinth_catalog::{Package, PackageType};
use plinth_sbom::Found;
use plinth_scan::match_inventory;

/// `rpm`'s own order, through its Lua `rpm.vercmp`.
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

/// (id, ecosystem, package, fixed version) of the records.
const RECORDS: &[(&str, &str, &str, &str)] = &[
    (
        "RLSA-2024:0001",
        "Rocky Linux:9",
        "openssl",
        "1:3.0.7-25.el9_3",
    ),
    (
        "RLSA-2024:0002",
        "Rocky Linux:9",
        "curl",
        "7.76.1-26.el9_3.2",
    ),
    ("ALSA-2024:0003", "AlmaLinux:9", "openssl", "1:3.0.7-27.el9"),
    (
        "RLSA-2023:0004",
        "Rocky Linux:8",
        "openssl",
        "1:1.1.1k-12.el8_9",
    ),
];

fn osv(id: &str, ecosystem: &str, package: &str, fixed: &str) -> serde_json::Value {
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2024-01-10T00:00:00Z",
        "published": "2024-01-09T00:00:00Z",
        "summary": format!("Important: {package} security update"),
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": package},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    })
}

fn rpm(name: &str, version: &str, source: &str) -> Found {
    let mut package = Package::new(PackageType::Rpm, name, version, "/var/lib/rpm/rpmdb.sqlite");
    package.source_name = Some(source.to_string());
    Found {
        purl: format!("pkg:rpm/{name}@{version}"),
        package,
        layer: Some(0),
    }
}

#[test]
fn rocky_and_alma_meet_only_their_own_records() {
    let Some(shared) = plinth_testdata::shared() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<serde_json::Value> = RECORDS
        .iter()
        .map(|(id, eco, pkg, fixed)| osv(id, eco, pkg, fixed))
        .collect();
    let feed = common::write(
        dir.path(),
        "records.json",
        &serde_json::Value::Array(records).to_string(),
    );
    let (_db_dir, db) = common::db_from(&[feed]);
    // Both images hold the same packages: openssl below both distros' fixes, curl at Rocky's.
    let installed = || {
        vec![
            rpm(
                "openssl-libs",
                "1:3.0.7-24.el9",
                "openssl-3.0.7-24.el9.src.rpm",
            ),
            rpm(
                "curl",
                "7.76.1-26.el9_3.2",
                "curl-7.76.1-26.el9_3.2.src.rpm",
            ),
        ]
    };
    for (folder, ecosystem) in [
        ("rocky-9.3", "Rocky Linux:9"),
        ("almalinux-9.4", "AlmaLinux:9"),
    ] {
        // Rocky's `etc/os-release` is a link to `../usr/lib/os-release`, kept in ../shared as a
        // file naming its target: the image holds the target's bytes at `etc/os-release`.
        let root = shared.join("fixtures/os").join(folder);
        let real = ["usr/lib/os-release", "etc/os-release"]
            .into_iter()
            .map(|p| root.join(p))
            .find(|p| p.metadata().is_ok_and(|m| m.len() > 64))
            .unwrap();
        let (_dir, mut inv) = common::image_of(&[("etc/os-release", real)]);
        inv.packages = installed();
        let expected: BTreeSet<(String, String, String)> = inv
            .packages
            .iter()
            .flat_map(|f| {
                let source = f
                    .package
                    .source_name
                    .as_deref()
                    .unwrap()
                    .split('-')
                    .next()
                    .unwrap();
                RECORDS
                    .iter()
                    .filter(move |(_, eco, pkg, fixed)| {
                        *eco == ecosystem && *pkg == source && rpm_lt(&f.package.version, fixed)
                    })
                    .map(move |(id, _, _, fixed)| {
                        (f.package.name.clone(), id.to_string(), fixed.to_string())
                    })
            })
            .collect();
        assert_eq!(expected.len(), 1, "{folder}: {expected:?}");
        let report = match_inventory(&inv, &db, None).unwrap();
        let found: BTreeSet<(String, String, String)> = report
            .findings
            .iter()
            .map(|f| {
                (
                    f.package.clone(),
                    f.id.clone(),
                    f.fixed_version.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{folder}");
        assert_eq!(report.coverage.matched[0].ecosystem, ecosystem);
        assert!(report.coverage.missing.is_empty(), "{:?}", report.coverage);
    }
}
