//! Red Hat: UBI and RHEL images matched by CPE product stream, against Red Hat's real CSAF VEX
//! and OSV records (../shared/fixtures/vulndata/{redhat-csaf-vex,osv-redhat}).
//!
//! No real UBI rpmdb could be fetched (see fixtures/os/ubi9/SOURCE); the packages are the real
//! lists other tools read from real UBI images (snyk's rpm-parser output for ubi9, `rpm -qa` of
//! ubi8), placed in an inventory whose OS and content sets plinth read from the real release
//! files and content manifests.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plinth_catalog::{Package, PackageType};
use plinth_sbom::{Found, Inventory};
use plinth_scan::coverage::GapKind;
use plinth_scan::{FixStatus, Level, match_inventory};
use plinth_version::Scheme;
use serde_json::Value;

fn rpm(name: &str, version: &str) -> Found {
    Found {
        purl: format!("pkg:rpm/redhat/{name}@{version}"),
        package: Package::new(PackageType::Rpm, name, version, "/var/lib/rpm/rpmdb.sqlite"),
        layer: Some(0),
    }
}

/// ubi9's packages as snyk's rpm-parser read them from the real rpmdb.sqlite.
fn ubi9_packages(os: &Path) -> Vec<(String, String)> {
    let list: Vec<Value> = serde_json::from_slice(
        &std::fs::read(os.join("expected/rpm-parser-ubi9-aarch64-packages.json")).unwrap(),
    )
    .unwrap();
    list.iter()
        .filter(|p| p["name"] != "gpg-pubkey")
        .map(|p| {
            let evr = format!(
                "{}-{}",
                p["version"].as_str().unwrap(),
                p["release"].as_str().unwrap()
            );
            let version = match p["epoch"].as_u64() {
                Some(e) if e > 0 => format!("{e}:{evr}"),
                _ => evr,
            };
            (p["name"].as_str().unwrap().to_string(), version)
        })
        .collect()
}

fn release_files(os: &Path) -> Vec<(String, PathBuf)> {
    ["etc/os-release", "etc/redhat-release"]
        .iter()
        .map(|f| (f.to_string(), os.join(f)))
        .chain(
            std::fs::read_dir(os.join("root/buildinfo/content_manifests"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (format!("root/buildinfo/content_manifests/{name}"), e.path())
                }),
        )
        .filter(|(_, p)| p.exists())
        .collect()
}

fn inventory_of(os: &Path, packages: &[(String, String)]) -> (tempfile::TempDir, Inventory) {
    let files = release_files(os);
    let files: Vec<(&str, PathBuf)> = files.iter().map(|(a, p)| (a.as_str(), p.clone())).collect();
    let (dir, mut inv) = common::image_of(&files);
    inv.packages = packages.iter().map(|(n, v)| rpm(n, v)).collect();
    (dir, inv)
}

/// The (package, CVE, fixed EVR, impact) set a VEX document predicts for `installed` on the
/// given CPEs, read from its relationships' product ids (`PLATFORM:name-epoch:version-release.arch`)
/// rather than the purls plinth reads.
fn vex_expected(
    doc: &Value,
    cpes: &[&str],
    installed: &[(String, String)],
) -> BTreeSet<(String, String, String, String)> {
    let mut platforms = BTreeSet::new();
    let mut stack: Vec<&Value> = doc["product_tree"]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    while let Some(b) = stack.pop() {
        let cpe = b["product"]["product_identification_helper"]["cpe"].as_str();
        if cpe.is_some_and(|c| cpes.contains(&c)) {
            platforms.insert(b["product"]["product_id"].as_str().unwrap().to_string());
        }
        stack.extend(b["branches"].as_array().into_iter().flatten());
    }
    let mut out = BTreeSet::new();
    for vuln in doc["vulnerabilities"].as_array().unwrap() {
        let cve = vuln["cve"].as_str().unwrap();
        let impact = vuln["threats"][0]["details"].as_str().unwrap();
        for rem in vuln["remediations"].as_array().unwrap() {
            if rem["category"] != "vendor_fix" {
                continue;
            }
            for id in rem["product_ids"].as_array().unwrap() {
                let (platform, nevra) = id.as_str().unwrap().split_once(':').unwrap();
                if !platforms.contains(platform) {
                    continue;
                }
                let nevr = nevra.rsplit_once('.').unwrap().0; // drop the arch
                let (name, evr) = nevr
                    .split_once(':')
                    .map(|(n_e, vr)| {
                        let (name, epoch) = n_e.rsplit_once('-').unwrap();
                        (name.to_string(), format!("{epoch}:{vr}"))
                    })
                    .unwrap();
                for (pkg, version) in installed {
                    if *pkg == name && Scheme::Rpm.compare(version, &evr).is_lt() {
                        out.insert((
                            name.clone(),
                            cve.to_string(),
                            evr.clone(),
                            impact.to_string(),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn ubi9_against_red_hat_vex_and_osv() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let os = shared.join("fixtures/os/ubi9");
    let installed = ubi9_packages(&os);
    let (_dir, inv) = inventory_of(&os, &installed);
    assert_eq!(inv.os.as_ref().unwrap().id, "rhel");
    assert!(inv.content_sets.is_empty(), "ubi9 has no content manifest");
    let (_db_dir, db) = common::db_from(&[data.join("redhat-csaf-vex"), data.join("osv-redhat")]);
    let report = match_inventory(&inv, &db, None).unwrap();

    // No content sets: BaseOS and AppStream of RHEL 9, as Trivy falls back.
    let doc: Value = serde_json::from_slice(
        &std::fs::read(data.join("redhat-csaf-vex/csaf-vex/cve-2024-10041.json")).unwrap(),
    )
    .unwrap();
    let expected = vex_expected(
        &doc,
        &[
            "cpe:/o:redhat:enterprise_linux:9::baseos",
            "cpe:/a:redhat:enterprise_linux:9::appstream",
        ],
        &installed,
    );
    assert!(!expected.is_empty(), "the VEX record predicts no finding");
    let found: BTreeSet<(String, String, String, String)> = report
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.status, FixStatus::Fixed, "{f:?}");
            assert_eq!(f.severity.source, "redhat", "{f:?}");
            (
                f.package.clone(),
                f.id.clone(),
                f.fixed_version.clone().unwrap_or_default(),
                f.severity.vendor_word.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(found, expected);
    // pam 1.5.1-9.el9 < 1.5.1-21.el9_5; Red Hat rates it Moderate: a MEDIUM finding.
    let pam = report.findings.iter().find(|f| f.package == "pam").unwrap();
    assert_eq!(pam.severity.level, Level::Medium);
    assert_eq!(pam.installed_version, "1.5.1-9.el9");
    assert_eq!(
        (
            report.coverage.matched.len(),
            report.coverage.matched[0].ecosystem.as_str()
        ),
        (1, "Red Hat:9")
    );
    assert!(report.coverage.matched[0].has_data);
    assert!(report.coverage.missing.is_empty(), "{:?}", report.coverage);
}

/// ubi8: its content manifest names RHEL 8 BaseOS and AppStream, and the fixture records hold
/// nothing for those streams (only RHEL 8.6 AUS/E4S/TUS git-lfs and RHEL 9 pam): the scan says
/// so instead of reporting a clean image.
#[test]
fn ubi8_without_rhel8_records_is_a_gap_not_clean() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let os = shared.join("fixtures/os/ubi8");
    let installed: Vec<(String, String)> =
        std::fs::read_to_string(os.join("expected/rpm-qa-ubi8_plain.tsv"))
            .unwrap()
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?.to_string(), f.next()?.to_string()))
            })
            .filter(|(n, _)| n != "gpg-pubkey")
            .collect();
    let (_dir, inv) = inventory_of(&os, &installed);
    assert_eq!(
        inv.content_sets,
        [
            "rhel-8-for-x86_64-appstream-rpms",
            "rhel-8-for-x86_64-baseos-rpms"
        ]
    );
    let (_db_dir, db) = common::db_from(&[data.join("redhat-csaf-vex"), data.join("osv-redhat")]);
    let report = match_inventory(&inv, &db, None).unwrap();
    assert!(report.findings.is_empty());
    assert_eq!(report.coverage.missing.len(), 1, "{:?}", report.coverage);
    let gap = &report.coverage.missing[0];
    assert_eq!(gap.kind, GapKind::OsRelease);
    assert_eq!(gap.packages, installed.len());
    assert!(gap.message.contains("Red Hat:8"), "{}", gap.message);
}

/// An OpenShift image on RHEL 9.4 EUS: its real content sets become the EUS streams and the
/// RHEL 9 streams they inherit; OpenShift's own repository maps to no RHEL product.
#[test]
fn rhel_eus_content_sets_become_eus_and_major_streams() {
    let Some(shared) = plinth_testdata::shared() else {
        return;
    };
    let os = shared.join("fixtures/os/rhel-9.4-ocp-layered");
    let (_dir, inv) = inventory_of(&os, &[("pam".into(), "1.5.1-19.el9".into())]);
    assert_eq!(inv.content_sets.len(), 4, "{:?}", inv.content_sets);
    let query = plinth_scan::ecosystem::query(&inv.packages[0], inv.os.as_ref(), &inv.content_sets)
        .unwrap();
    let keys: BTreeSet<&str> = query.lookups.iter().map(|(k, _)| k.as_str()).collect();
    let want: BTreeSet<&str> = [
        "Red Hat:enterprise_linux:9::appstream",
        "Red Hat:enterprise_linux:9::baseos",
        "Red Hat:enterprise_linux:9::realtime",
        "Red Hat:rhel_eus:9.4::appstream",
        "Red Hat:rhel_eus:9.4::baseos",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, want);
}

/// The repository → CPE map Trivy ships beside Red Hat's VEX agrees with the CPEs plinth
/// derives from repository names.
#[test]
fn repository_names_agree_with_red_hats_cpe_map() {
    let Some(data) = common::vulndata() else {
        return;
    };
    let map: serde_json::Map<String, Value> = serde_json::from_slice(
        &std::fs::read(data.join("redhat-csaf-vex/cpe/repository-to-cpe.json")).unwrap(),
    )
    .unwrap();
    assert!(!map.is_empty());
    for (repo, cpes) in &map {
        let want: Vec<String> = cpes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let c = c.as_str().unwrap();
                format!("Red Hat:{}", c.splitn(4, ':').nth(3).unwrap())
            })
            .collect();
        assert_eq!(
            plinth_scan::redhat::keys("0", std::slice::from_ref(repo)),
            want,
            "{repo}"
        );
    }
}
