//! Every distro of ../shared/fixtures/os: an image built from its real release and package
//! files is detected and keyed right, and where the folder has a package database it is
//! matched against that distro's real records, with the expected (package, id, fixed version)
//! set computed here from the records themselves.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use plinth_catalog::PackageType;
use plinth_scan::coverage::GapKind;
use plinth_scan::ecosystem::distro_ecosystem;
use plinth_scan::{FixStatus, match_inventory};
use plinth_version::Scheme;

/// Every regular file of a fixtures/os folder except its SOURCE and `expected/` notes, as
/// (path in the image, file).
fn distro_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel == "SOURCE" || rel.starts_with("expected") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((rel, path));
            }
        }
    }
    out.sort();
    out
}

/// (folder, os id, VERSION_ID, database key), read by hand from each real os-release. `None`
/// for a distribution whose advisories plinth cannot key yet: a scan reports it as a gap.
const DISTROS: &[(&str, &str, &str, Option<&str>)] = &[
    ("almalinux-8.4", "almalinux", "8.4", Some("AlmaLinux:8")),
    ("almalinux-9.4", "almalinux", "9.4", Some("AlmaLinux:9")),
    ("alpine-3.23", "alpine", "3.23.2", Some("Alpine:v3.23")),
    // An edge snapshot names the next release as a pre-release: edge's secdb applies.
    (
        "alpine-edge-20240923-x86_64",
        "alpine",
        "3.21.0_alpha20240923",
        Some("Alpine:edge"),
    ),
    ("azurelinux-3.0", "azurelinux", "3.0", Some("Azure Linux:3")),
    ("cbl-mariner-2.0", "mariner", "2.0", Some("Azure Linux:2")),
    ("chainguard", "chainguard", "20230214", Some("Chainguard")),
    ("debian-11", "debian", "11", Some("Debian:11")),
    ("debian-13", "debian", "13", Some("Debian:13")),
    ("distroless-debian10", "debian", "10", Some("Debian:10")),
    ("distroless-debian11", "debian", "11", Some("Debian:11")),
    ("distroless-debian9", "debian", "9", Some("Debian:9")),
    ("rocky-8.4", "rocky", "8.4", Some("Rocky Linux:8")),
    ("rocky-9.3", "rocky", "9.3", Some("Rocky Linux:9")),
    ("ubi8", "rhel", "8.1", Some("Red Hat:8")),
    ("ubi9", "rhel", "9.0", Some("Red Hat:9")),
    ("rhel-9.4-ocp-layered", "rhel", "9.4", Some("Red Hat:9")),
    ("rhel-9.6", "rhel", "9.6", Some("Red Hat:9")),
    ("ubuntu-22.04", "ubuntu", "22.04", Some("Ubuntu:22.04:LTS")),
    ("ubuntu-24.04", "ubuntu", "24.04", Some("Ubuntu:24.04:LTS")),
    ("wolfi", "wolfi", "20220914", Some("Wolfi")),
    (
        "opensuse-leap-15.2",
        "opensuse-leap",
        "15.2",
        Some("openSUSE:Leap 15.2"),
    ),
    ("amazonlinux-2", "amzn", "2", Some("Amazon Linux:2")),
    (
        "amazonlinux-2023",
        "amzn",
        "2023",
        Some("Amazon Linux:2023"),
    ),
    (
        "sles-15.6",
        "sles",
        "15.6",
        Some("SUSE:Linux Enterprise 15 SP6"),
    ),
    (
        "sle-bci-15.3",
        "sles",
        "15.3",
        Some("SUSE:Linux Enterprise 15 SP3"),
    ),
];

#[test]
fn every_distro_is_detected_and_keyed_from_its_real_files() {
    let Some(shared) = plinth_testdata::shared() else {
        return;
    };
    let os_dir = shared.join("fixtures/os");
    let mut checked = 0;
    for (folder, id, version, key) in DISTROS {
        let root = os_dir.join(folder);
        let files = distro_files(&root);
        let files: Vec<(&str, PathBuf)> =
            files.iter().map(|(p, f)| (p.as_str(), f.clone())).collect();
        let (_dir, inv) = common::image_of(&files);
        let os = inv.os.as_ref().unwrap_or_else(|| panic!("{folder}: no OS"));
        assert_eq!(
            (os.id.as_str(), os.version_id.as_deref()),
            (*id, Some(*version)),
            "{folder}"
        );
        assert_eq!(distro_ecosystem(os).as_deref(), *key, "{folder}");
        checked += 1;
    }
    assert_eq!(checked, DISTROS.len());
}

/// apk's installed database: (package, version, origin) per `P:` stanza.
fn apk_installed(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |k: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(str::to_string)
        };
        if let (Some(p), Some(v)) = (field("P:"), field("V:")) {
            let origin = field("o:").unwrap_or_else(|| p.clone());
            out.push((p, v, origin));
        }
    }
    out
}

/// The (package, id, fixed version) set secdb documents predict for `installed`: every
/// secfix above the installed version, minus ids the same document lists under `"0"` (not
/// affected), in apk's order. Top-level `packages[].pkg` and vuln-list's one-package split
/// are both read.
fn secdb_expected(
    docs: &[PathBuf],
    installed: &[(String, String, String)],
) -> BTreeSet<(String, String, String)> {
    let mut fixes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for path in docs {
        let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let mut pkgs: Vec<&serde_json::Value> = doc["packages"]
            .as_array()
            .map(|a| a.iter().map(|p| &p["pkg"]).collect())
            .unwrap_or_default();
        if doc.get("name").is_some() {
            pkgs.push(&doc);
        }
        for pkg in pkgs {
            let name = pkg["name"].as_str().unwrap().to_string();
            for (version, ids) in pkg["secfixes"].as_object().unwrap() {
                for id in ids.as_array().unwrap() {
                    fixes
                        .entry(name.clone())
                        .or_default()
                        .push((version.clone(), id.as_str().unwrap().to_string()));
                }
            }
        }
    }
    let mut expected = BTreeSet::new();
    for (package, version, origin) in installed {
        let list = fixes.get(origin).map(Vec::as_slice).unwrap_or(&[]);
        let not_affected: BTreeSet<&str> = list
            .iter()
            .filter(|(v, _)| v == "0")
            .map(|(_, id)| id.as_str())
            .collect();
        for (fixed, id) in list {
            if fixed != "0"
                && !not_affected.contains(id.as_str())
                && Scheme::Apk.compare(version, fixed).is_lt()
            {
                expected.insert((package.clone(), id.clone(), fixed.clone()));
            }
        }
    }
    expected
}

/// The (package, id or alias, fixed version) triples a report holds. Secdb records are named
/// by their own id, which a finding keeps as its id or among its aliases.
fn found_triples(report: &plinth_scan::TargetReport) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for f in &report.findings {
        assert_eq!(f.status, FixStatus::Fixed, "{f:?}");
        for id in std::iter::once(&f.id).chain(&f.aliases) {
            out.insert((
                f.package.clone(),
                id.clone(),
                f.fixed_version.clone().unwrap_or_default(),
            ));
        }
    }
    out
}

/// Wolfi: the real wolfi-base installed database under Wolfi's os-release, against Wolfi's
/// secdb (the full file and vuln-list's split files, whose busybox lists ids under `"0"`).
#[test]
fn wolfi_against_its_secdb() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let os = shared.join("fixtures/os/wolfi");
    let installed_path = os.join("lib/apk/db/installed");
    let (_dir, inv) = common::image_of(&[
        ("etc/os-release", os.join("etc/os-release")),
        ("lib/apk/db/installed", installed_path.clone()),
    ]);
    let secdb = data.join("wolfi-secdb");
    let docs = vec![
        secdb.join("security.json"),
        secdb.join("vuln-list-split/busybox.json"),
        secdb.join("vuln-list-split/openssl.json"),
    ];
    let (_db_dir, db) = common::db_from(&docs);
    let report = match_inventory(&inv, &db, None).unwrap();
    assert!(report.coverage.missing.is_empty(), "{:?}", report.coverage);

    let installed = apk_installed(&std::fs::read_to_string(&installed_path).unwrap());
    let expected = secdb_expected(&docs, &installed);
    let found = found_triples(&report);
    assert!(!expected.is_empty(), "the records predict no finding");
    for triple in &expected {
        assert!(found.contains(triple), "missing {triple:?} in {found:?}");
    }
    // Nothing beyond the prediction: every finding's id is a predicted one for its package.
    let predicted: BTreeSet<(&str, &str)> = expected
        .iter()
        .map(|(p, id, _)| (p.as_str(), id.as_str()))
        .collect();
    for f in &report.findings {
        assert!(
            std::iter::once(&f.id)
                .chain(&f.aliases)
                .any(|id| predicted.contains(&(f.package.as_str(), id.as_str()))),
            "unexpected {} {}",
            f.package,
            f.id
        );
    }
    // One problem, one finding: a fixing version that lists one CVE and one GHSA names one
    // problem (busybox 1.37.0-r49: CVE-2024-58251 and GHSA-rrv5-483w-xmr9).
    let mut by_fix: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for (package, id, fixed) in &expected {
        by_fix.entry((package, fixed)).or_default().push(id);
    }
    let problems: usize = by_fix
        .values()
        .map(|ids| {
            let cves = ids.iter().filter(|i| i.starts_with("CVE-")).count();
            let ghsas = ids.iter().filter(|i| i.starts_with("GHSA-")).count();
            if (cves, ghsas) == (1, 1) {
                ids.len() - 1
            } else {
                ids.len()
            }
        })
        .sum();
    assert_eq!(report.findings.len(), problems, "{:?}", report.findings);
    // `"0"` means not affected: busybox's CVE-2023-42363 is listed there and never reported.
    assert!(
        !report.findings.iter().any(|f| f.id == "CVE-2023-42363"),
        "a \"0\" secfix was reported as a finding"
    );
}

/// Chainguard: its real os-release over the wolfi-base package database (Chainguard images are
/// built from the same packages; no real Chainguard installed database was found), against
/// Chainguard's own secdb, keyed `Chainguard` and not `Wolfi`.
#[test]
fn chainguard_against_its_secdb() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let installed_path = shared.join("fixtures/os/wolfi/lib/apk/db/installed");
    let (_dir, inv) = common::image_of(&[
        (
            "etc/os-release",
            shared.join("fixtures/os/chainguard/etc/os-release"),
        ),
        ("lib/apk/db/installed", installed_path.clone()),
    ]);
    let docs = vec![data.join("chainguard-secdb/security.json")];
    let (_db_dir, db) = common::db_from(&docs);
    let report = match_inventory(&inv, &db, None).unwrap();
    assert_eq!(report.coverage.matched.len(), 1);
    assert_eq!(report.coverage.matched[0].ecosystem, "Chainguard");
    assert!(report.coverage.matched[0].has_data);

    let installed = apk_installed(&std::fs::read_to_string(&installed_path).unwrap());
    let expected = secdb_expected(&docs, &installed);
    let found = found_triples(&report);
    for triple in &expected {
        assert!(found.contains(triple), "missing {triple:?} in {found:?}");
    }
    assert!(report.findings.iter().all(|f| f.kind == PackageType::Apk));
    let predicted: BTreeSet<(&str, &str)> = expected
        .iter()
        .map(|(p, id, _)| (p.as_str(), id.as_str()))
        .collect();
    for f in &report.findings {
        assert!(
            std::iter::once(&f.id)
                .chain(&f.aliases)
                .any(|id| predicted.contains(&(f.package.as_str(), id.as_str()))),
            "unexpected {} {}",
            f.package,
            f.id
        );
    }
}

/// An os-release that lies: Alpine 3.23's real release file over distroless Debian 11's real
/// dpkg status. The dpkg packages are not matched under Alpine's key; the coverage says why.
#[test]
fn an_os_release_that_lies_is_a_named_gap() {
    let (Some(shared), Some(data)) = (plinth_testdata::shared(), common::vulndata()) else {
        return;
    };
    let os = shared.join("fixtures/os");
    let (_dir, inv) = common::image_of(&[
        ("etc/os-release", os.join("alpine-3.23/etc/os-release")),
        (
            "var/lib/dpkg/status.d/libsqlite3-0",
            os.join("distroless-debian11/var/lib/dpkg/status.d/libsqlite3-0"),
        ),
    ]);
    assert_eq!(inv.packages.len(), 1, "{:?}", inv.packages);
    let (_db_dir, db) = common::db_from(&[data.join("alpine-secdb/v3.20/main.json")]);
    let report = match_inventory(&inv, &db, None).unwrap();
    assert!(report.findings.is_empty());
    let gaps: Vec<(GapKind, &str)> = report
        .coverage
        .missing
        .iter()
        .map(|g| (g.kind, g.message.as_str()))
        .collect();
    assert_eq!(
        gaps,
        [(
            GapKind::OsMismatch,
            "os-release says alpine 3.23.2, but found deb packages: 1 OS package not checked against any advisory"
        )]
    );
}
