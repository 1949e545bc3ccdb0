//! Accuracy on real data: real package databases from the fixture images against real
//! advisory records from ../shared/fixtures/vulndata.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use plinth_catalog::PackageType;
use plinth_scan::{FixStatus, Level, Origin, match_inventory};
use plinth_version::Scheme;

/// Alpine 3.20.3's installed database against Alpine's own v3.20 secdb: exactly the
/// (package, CVE) pairs whose installed version sorts below the fix listed for its origin,
/// computed here straight from the secdb JSON with apk's version order.
#[test]
fn alpine_3_20_against_its_secdb_exactly() {
    let Some(data) = common::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    let Some((image, inv)) = common::image_inventory("alpine-3.20.docker.tar") else {
        return;
    };
    let secdb_path = data.join("alpine-secdb/v3.20/main.json");
    let (_dir, db) = common::db_from(std::slice::from_ref(&secdb_path));
    let report = match_inventory(&inv, &db, plinth_scan::base_layers_of(&image)).unwrap();

    let secdb: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&secdb_path).unwrap()).unwrap();
    let mut fixes: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for p in secdb["packages"].as_array().unwrap() {
        let name = p["pkg"]["name"].as_str().unwrap();
        for (version, cves) in p["pkg"]["secfixes"].as_object().unwrap() {
            for cve in cves.as_array().unwrap() {
                fixes
                    .entry(name)
                    .or_default()
                    .push((version, cve.as_str().unwrap()));
            }
        }
    }
    let mut expected = BTreeSet::new();
    for f in inv
        .packages
        .iter()
        .filter(|f| f.package.kind == PackageType::Apk)
    {
        let origin = f.package.source_name.as_deref().unwrap_or(&f.package.name);
        let list = fixes.get(origin).map(Vec::as_slice).unwrap_or(&[]);
        let not_affected: BTreeSet<&str> = list
            .iter()
            .filter(|(v, _)| *v == "0")
            .map(|(_, c)| *c)
            .collect();
        for (fixed, cve) in list {
            // Each word of a secfixes id list may carry extra ids (`CVE-X ALPINE-Y`).
            let id = cve.split_whitespace().next().unwrap_or(cve);
            if *fixed != "0"
                && !not_affected.contains(cve)
                && Scheme::Apk.compare(&f.package.version, fixed).is_lt()
            {
                expected.insert((f.package.name.clone(), id.to_string()));
            }
        }
    }
    let found: BTreeSet<(String, String)> = report
        .findings
        .iter()
        .map(|f| (f.package.clone(), f.id.clone()))
        .collect();
    assert!(
        expected.len() > 20,
        "only {} expected pairs",
        expected.len()
    );
    assert_eq!(found, expected);
    // Every finding names its fix and the layer that installed it.
    for f in &report.findings {
        assert_eq!(f.status, FixStatus::Fixed, "{f:?}");
        assert_eq!(f.layer.as_ref().map(|l| l.index), Some(0));
        assert_eq!(f.ecosystem, "Alpine:v3.20");
    }
    // libssl3 comes from the openssl origin; the smallest resolving fix for CVE-2024-9143.
    let f = report
        .findings
        .iter()
        .find(|f| f.package == "libssl3" && f.id == "CVE-2024-9143")
        .unwrap();
    assert_eq!(f.source_package.as_deref(), Some("openssl"));
    assert_eq!(f.fixed_version.as_deref(), Some("3.3.2-r1"));
    assert_eq!(
        f.origin,
        Origin::Unknown,
        "umoci history shows no FROM boundary"
    );
}

/// The app image's Python, npm, Rust and Go packages against the real OSV records.
#[test]
fn debian_app_language_packages_against_osv() {
    let Some(data) = common::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    let Some((image, inv)) = common::image_inventory("debian-app.docker.tar") else {
        return;
    };
    let osv = data.join("osv");
    let inputs: Vec<_> = ["Go", "PyPI", "npm", "crates.io"]
        .iter()
        .map(|e| osv.join(e))
        .collect();
    let (_dir, db) = common::db_from(&inputs);
    let report = match_inventory(&inv, &db, plinth_scan::base_layers_of(&image)).unwrap();
    let get = |pkg: &str, id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.package == pkg && f.id == id)
            .unwrap_or_else(|| panic!("no {id} for {pkg}"))
    };
    let ids = |pkg: &str| -> BTreeSet<&str> {
        report
            .findings
            .iter()
            .filter(|f| f.package == pkg)
            .map(|f| f.id.as_str())
            .collect()
    };

    // requests 2.25.1: only CVE-2023-32681 (introduced 2.3.0, fixed 2.31.0); the older
    // records were fixed before 2.25.1, and their git ranges never match.
    assert_eq!(ids("requests"), BTreeSet::from(["CVE-2023-32681"]));
    let r = get("requests", "CVE-2023-32681");
    assert_eq!(r.fixed_version.as_deref(), Some("2.31.0"));
    assert!(r.aliases.contains(&"PYSEC-2023-74".to_string()));
    assert!(r.aliases.contains(&"GHSA-j8r2-6x86-q33q".to_string()));
    // urllib3 1.26.4: CVE-2021-28363 was fixed in exactly 1.26.4, so it is absent.
    assert_eq!(
        ids("urllib3"),
        BTreeSet::from(["CVE-2021-33503", "CVE-2023-43804", "CVE-2023-45803"])
    );
    // Two ranges in one record (2.0.0..2.0.6 and 0..1.26.17): the 1.x fix resolves it.
    assert_eq!(
        get("urllib3", "CVE-2023-43804").fixed_version.as_deref(),
        Some("1.26.17")
    );
    assert_eq!(get("urllib3", "CVE-2023-43804").severity.source, "cvss-v3");
    assert_eq!(
        ids("certifi"),
        BTreeSet::from(["CVE-2022-23491", "CVE-2023-37920"])
    );
    assert_eq!(ids("idna"), BTreeSet::from(["CVE-2024-3651"]));
    assert_eq!(ids("Jinja2"), BTreeSet::from(["CVE-2020-28493"]));
    assert!(ids("chardet").is_empty());

    // npm: GitHub's own rating is the vendor's, and wins over CVSS.
    let lodash = get("lodash", "CVE-2021-23337");
    assert_eq!(lodash.fixed_version.as_deref(), Some("4.17.21"));
    assert_eq!(
        (lodash.severity.level, lodash.severity.source.as_str()),
        (Level::High, "ghsa")
    );
    assert!(lodash.aliases.contains(&"GHSA-35jh-r3h4-6jhm".to_string()));
    // minimist: two affected entries (0..0.2.4 and 1.0.0..1.2.6).
    let minimist = get("minimist", "CVE-2021-44906");
    assert_eq!(minimist.fixed_version.as_deref(), Some("1.2.6"));
    assert_eq!(minimist.severity.level, Level::Critical);

    // crates.io: smallvec 1.6.0 is inside 1.0.0..1.6.1 only; base64 0.5.1 < 0.5.2.
    assert_eq!(ids("smallvec"), BTreeSet::from(["CVE-2021-25900"]));
    assert_eq!(
        get("smallvec", "CVE-2021-25900").fixed_version.as_deref(),
        Some("1.6.1")
    );
    assert_eq!(ids("base64"), BTreeSet::from(["CVE-2017-1000430"]));
    assert_eq!(
        get("base64", "CVE-2017-1000430").fixed_version.as_deref(),
        Some("0.5.2")
    );
    assert!(ids("byteorder").is_empty());

    // Go: the toolchain `go1.24.1` is the OSV package `stdlib` at 1.24.1.
    let stdlib = get("stdlib", "CVE-2025-0913");
    assert_eq!(stdlib.installed_version, "go1.24.1");
    assert_eq!(stdlib.fixed_version.as_deref(), Some("1.24.4"));
    assert!(stdlib.aliases.iter().any(|a| a.starts_with("GO-")));
    assert!(!ids("golang.org/x/net").is_empty());
    // Every language finding is attributed to the layer that added the app (layer 1).
    for f in &report.findings {
        assert_eq!(f.layer.as_ref().map(|l| l.index), Some(1), "{}", f.id);
    }
    // No Debian feed here: OS packages were looked up and simply matched nothing.
    assert!(report.findings.iter().all(|f| f.kind != PackageType::Deb));
}

/// Syft's CycloneDX, SPDX and JSON outputs of the Alpine image give the same findings as the
/// image itself.
#[test]
fn syft_sboms_give_the_image_findings() {
    let syft = std::path::Path::new("/var/tmp/plinth-peers/bin/syft");
    let Some(data) = common::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    if !syft.exists() {
        println!("skipped: no syft at {}", syft.display());
        return;
    }
    let Some((image, inv)) = common::image_inventory("alpine-3.20.docker.tar") else {
        return;
    };
    let (_dir, db) = common::db_from(&[data.join("alpine-secdb/v3.20/main.json")]);
    let want: BTreeSet<(String, String, Option<String>)> =
        match_inventory(&inv, &db, plinth_scan::base_layers_of(&image))
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.package, f.id, f.fixed_version))
            .collect();
    let out = tempfile::tempdir().unwrap();
    let archive = format!(
        "docker-archive:{}",
        common::fixtures()
            .unwrap()
            .join("alpine-3.20.docker.tar")
            .display()
    );
    let children: Vec<_> = ["cyclonedx-json", "spdx-json", "json"]
        .iter()
        .map(|fmt| {
            let file = out.path().join(format!("sbom.{fmt}"));
            let child = std::process::Command::new(syft)
                .args([
                    "scan",
                    &archive,
                    "-q",
                    "-o",
                    &format!("{fmt}={}", file.display()),
                ])
                .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
                .spawn()
                .unwrap();
            (file, child)
        })
        .collect();
    for (file, mut child) in children {
        assert!(child.wait().unwrap().success());
        let sbom = plinth_scan::read_sbom(&file).unwrap();
        assert_eq!(
            sbom.os.as_ref().map(|o| o.id.as_str()),
            Some("alpine"),
            "{}",
            file.display()
        );
        let got: BTreeSet<_> = match_inventory(&sbom, &db, None)
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.package, f.id, f.fixed_version))
            .collect();
        assert_eq!(got, want, "{}", file.display());
    }
}
