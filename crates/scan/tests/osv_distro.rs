//! OSV's own Debian and Alpine records (osv.dev's DEBIAN-CVE-*, DSA-*, ALPINE-CVE-*) matched
//! against the real package databases of the `debian-app` and `alpine-3.20` fixture images.
//!
//! The records are written here in the exact shape osv.dev's converters emit:
//! google/osv.dev vulnfeeds/cmd/debian/main.go (and its main_test.go's expected records):
//! `DEBIAN-` + CVE id, `upstream` the CVE, one `affected` per Debian release keyed `Debian:12`
//! under the *source* package, an `ecosystem_specific.urgency`, and the NVD primary CVSS vector
//! as `severity`; vulnfeeds/cmd/alpine/main.go: `ALPINE-` + CVE id, `Alpine:v3.20` keys under
//! the secdb's (origin) package name with purl `pkg:apk/alpine/NAME?arch=source`, a `fixed`
//! event, the NVD vector; and the DSA form of ../shared/fixtures/vulndata/osv-debian.
//!
//! The fixture images are rebuilt from live mirrors, so fixes are written relative to what
//! the image really holds (read by `dpkg-query` and from the apk database's text, not by
//! plinth), and the expected (package, id, fixed version) set is worked out in the test with
//! `dpkg --compare-versions` itself.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use plinth_scan::{Level, TargetReport, match_inventory};
use plinth_testdata::truth::{Deb, OciImage};
use serde_json::{Value, json};

/// One finding or expectation: (package, id, fixed version or "").
type Row = (String, String, String);

/// An osv.dev DEBIAN-CVE record for source package `source`: one `affected` per (release,
/// fix), as the converter writes one per Debian release the tracker lists.
fn debian_cve(cve: &str, source: &str, releases: &[(&str, Option<&str>)], urgency: &str) -> Value {
    let affected: Vec<Value> = releases
        .iter()
        .map(|(release, fixed)| {
            let mut events = vec![json!({"introduced": "0"})];
            events.extend(fixed.map(|f| json!({"fixed": f})));
            json!({
                "package": {"ecosystem": format!("Debian:{release}"), "name": source},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "ecosystem_specific": {"urgency": urgency}
            })
        })
        .collect();
    json!({
        "id": format!("DEBIAN-{cve}"),
        "upstream": [cve],
        "published": "2025-05-16T20:15:31Z",
        "modified": "2025-08-01T11:12:09Z",
        "details": "A problem in the package.",
        "affected": affected,
        "references": [{"type": "ADVISORY", "url": format!("https://security-tracker.debian.org/tracker/{cve}")}],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}]
    })
}

/// A DSA record as osv.dev publishes Debian's advisories (the form of DSA-3029-1).
fn dsa(id: &str, cve: &str, source: &str, fixed: &str) -> Value {
    json!({
        "id": id,
        "summary": format!("{source} - security update"),
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": source},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }],
        "aliases": [cve],
        "published": "2025-05-20T00:00:00Z",
        "modified": "2025-05-20T08:18:07Z",
        "details": "\nA problem was found.\n",
        "references": [{"type": "ADVISORY", "url": "https://www.debian.org/security/2025/dsa-5923"}]
    })
}

/// An osv.dev ALPINE-CVE record for origin package `origin`.
fn alpine_cve(cve: &str, release: &str, origin: &str, fixed: &str, vector: &str) -> Value {
    json!({
        "id": format!("ALPINE-{cve}"),
        "upstream": [cve],
        "published": "2024-10-16T17:15:18Z",
        "modified": "2024-11-08T16:35:21Z",
        "details": "A problem in the package.",
        "affected": [{
            "package": {"ecosystem": format!("Alpine:{release}"), "name": origin, "purl": format!("pkg:apk/alpine/{origin}?arch=source")},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }],
        "references": [{"type": "ADVISORY", "url": format!("https://security.alpinelinux.org/vuln/{cve}")}],
        "severity": [{"type": "CVSS_V3", "score": vector}]
    })
}

/// The next Debian 12 security update of `version`: `2.36-9+deb12u14` → `2.36-9+deb12u15`,
/// `9.1-1` → `9.1-1+deb12u1`.
fn next_update(version: &str) -> String {
    match version.rsplit_once("+deb12u") {
        Some((head, n)) if n.parse::<u32>().is_ok() => {
            format!("{head}+deb12u{}", n.parse::<u32>().unwrap() + 1)
        }
        _ => format!("{version}+deb12u1"),
    }
}

/// `dpkg --compare-versions a lt b`.
fn dpkg_lt(a: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, "lt", b])
        .status()
        .unwrap()
        .success()
}

fn scan(image: &str, records: &[(&str, Value)]) -> (TargetReport, Vec<Row>) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = records
        .iter()
        .map(|(name, doc)| common::write(dir.path(), name, &doc.to_string()))
        .collect();
    let (_db_dir, db) = common::db_from(&files);
    let (_image, inventory) = common::image_inventory(image).unwrap();
    let report = match_inventory(&inventory, &db, None).unwrap();
    let rows = rows_of(&report);
    (report, rows)
}

fn rows_of(report: &TargetReport) -> Vec<Row> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.package.clone(),
                f.id.clone(),
                f.fixed_version.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn sorted(rows: Vec<Row>) -> BTreeSet<Row> {
    rows.into_iter().collect()
}

#[test]
fn debian_records_match_by_source_package_and_version() {
    let (Some(layout), Some(_)) = (
        plinth_testdata::fixture("oci-debian-app"),
        common::fixtures(),
    ) else {
        println!("skipped: no debian-app fixture image");
        return;
    };
    let debs = OciImage::open(&layout).debs();
    let source_version = |source: &str| {
        debs.iter()
            .find(|d| d.source == source)
            .unwrap_or_else(|| panic!("debian-app has no package built from {source}"))
            .source_version
            .clone()
    };
    let glibc_fix = next_update(&source_version("glibc"));
    let bash_fix = next_update(&source_version("bash"));
    let coreutils = source_version("coreutils");
    let records = [
        (
            "DEBIAN-CVE-2025-4802.json",
            debian_cve(
                "CVE-2025-4802",
                "glibc",
                &[("12", Some(&glibc_fix))],
                "not yet assigned",
            ),
        ),
        // Debian's advisory for the same CVE: one finding with both ids.
        (
            "DSA-5923-1.json",
            dsa("DSA-5923-1", "CVE-2025-4802", "glibc", &glibc_fix),
        ),
        // No fix in bookworm, and Debian rates it unimportant.
        (
            "DEBIAN-CVE-2023-45853.json",
            debian_cve("CVE-2023-45853", "zlib", &[("12", None)], "unimportant"),
        ),
        // Fixed in exactly the installed version: not a finding.
        (
            "DEBIAN-CVE-2016-2781.json",
            debian_cve(
                "CVE-2016-2781",
                "coreutils",
                &[("12", Some(&coreutils))],
                "low",
            ),
        ),
        // The source version (`5.2.15-2`), not the binNMU's (`5.2.15-2+b13`), is compared.
        (
            "DEBIAN-CVE-2022-3715.json",
            debian_cve("CVE-2022-3715", "bash", &[("12", Some(&bash_fix))], "low"),
        ),
        // Another release's fix does not apply to bookworm.
        (
            "DEBIAN-CVE-2019-18276.json",
            debian_cve(
                "CVE-2019-18276",
                "bash",
                &[("11", Some("5.1-2+deb11u1"))],
                "low",
            ),
        ),
    ];
    let (report, rows) = scan("debian-app.oci.tar", &records);

    // What the records say of the packages dpkg-query lists, decided by dpkg itself.
    let applies = |d: &Deb, source: &str, fixed: Option<&str>| {
        d.source == source && fixed.is_none_or(|f| dpkg_lt(&d.source_version, f))
    };
    let mut expected: Vec<Row> = Vec::new();
    for d in &debs {
        let mut add = |id: &str, fixed: Option<&str>| {
            expected.push((d.name.clone(), id.into(), fixed.unwrap_or("").into()))
        };
        if applies(d, "glibc", Some(&glibc_fix)) {
            add("CVE-2025-4802", Some(&glibc_fix));
        }
        if applies(d, "zlib", None) {
            add("CVE-2023-45853", None);
        }
        if applies(d, "coreutils", Some(&coreutils)) {
            add("CVE-2016-2781", Some(&coreutils));
        }
        if applies(d, "bash", Some(&bash_fix)) {
            add("CVE-2022-3715", Some(&bash_fix));
        }
    }
    assert!(expected.iter().any(|(p, _, _)| p == "libc6"));
    assert_eq!(sorted(rows), sorted(expected));

    let libc6 = report
        .findings
        .iter()
        .find(|f| f.package == "libc6")
        .unwrap();
    assert_eq!(libc6.source_package.as_deref(), Some("glibc"));
    assert_eq!(libc6.ecosystem, "Debian:12");
    assert_eq!(libc6.aliases, ["DEBIAN-CVE-2025-4802", "DSA-5923-1"]);
    // `not yet assigned` rates nothing: the record's NVD vector does (7.8).
    assert_eq!(
        (libc6.severity.level, libc6.severity.source.as_str()),
        (Level::High, "cvss-v3")
    );
    assert_eq!(libc6.severity.cvss_score, Some(7.8));
    let zlib = report
        .findings
        .iter()
        .find(|f| f.id == "CVE-2023-45853")
        .unwrap();
    // Debian's own word outranks the vector.
    assert_eq!(
        (
            zlib.severity.level,
            zlib.severity.source.as_str(),
            zlib.severity.vendor_word.as_deref()
        ),
        (Level::Low, "debian", Some("unimportant"))
    );
}

/// (name, version, origin) of every package of an apk database, from its `P:`, `V:` and
/// `o:` lines.
fn apk_packages(layout: &std::path::Path) -> Vec<(String, String, String)> {
    let image = OciImage::open(layout);
    let tmp = tempfile::tempdir().unwrap();
    image.extract(tmp.path(), &["lib/apk/db/installed"]);
    let text = std::fs::read_to_string(tmp.path().join("lib/apk/db/installed")).unwrap();
    text.split("\n\n")
        .filter_map(|stanza| {
            let field = |k: &str| stanza.lines().find_map(|l| l.strip_prefix(k));
            Some((
                field("P:")?.to_string(),
                field("V:")?.to_string(),
                field("o:")?.to_string(),
            ))
        })
        .collect()
}

/// `3.3.2-r0` → `3.3.2-r1`: apk orders the same version with a higher `-rN` after it.
fn next_release(version: &str) -> String {
    let (head, r) = version.rsplit_once("-r").unwrap();
    format!("{head}-r{}", r.parse::<u32>().unwrap() + 1)
}

#[test]
fn alpine_records_match_by_origin_package() {
    let (Some(layout), Some(_)) = (
        plinth_testdata::fixture("oci-alpine-3.20"),
        common::fixtures(),
    ) else {
        println!("skipped: no alpine-3.20 fixture image");
        return;
    };
    let packages = apk_packages(&layout);
    let version_of = |origin: &str| {
        packages
            .iter()
            .find(|(_, _, o)| o == origin)
            .unwrap_or_else(|| panic!("alpine-3.20 has no package from {origin}"))
            .1
            .clone()
    };
    let openssl_fix = next_release(&version_of("openssl"));
    let busybox = version_of("busybox");
    let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H";
    let records = [
        (
            "ALPINE-CVE-2024-9143.json",
            alpine_cve("CVE-2024-9143", "v3.20", "openssl", &openssl_fix, critical),
        ),
        // Fixed in the installed version: not a finding.
        (
            "ALPINE-CVE-2023-42366.json",
            alpine_cve("CVE-2023-42366", "v3.20", "busybox", &busybox, critical),
        ),
        // Another release's record.
        (
            "ALPINE-CVE-2023-45853.json",
            alpine_cve("CVE-2023-45853", "v3.19", "zlib", "9.9.9-r0", critical),
        ),
    ];
    let (report, rows) = scan("alpine-3.20.oci.tar", &records);
    // Every binary package built from openssl (libcrypto3, libssl3), by its origin.
    let expected: Vec<Row> = packages
        .iter()
        .filter(|(_, _, origin)| origin == "openssl")
        .map(|(name, _, _)| (name.clone(), "CVE-2024-9143".into(), openssl_fix.clone()))
        .collect();
    assert!(expected.len() >= 2, "{expected:?}");
    assert_eq!(sorted(rows), sorted(expected));
    for f in &report.findings {
        assert_eq!(f.ecosystem, "Alpine:v3.20");
        assert_eq!(f.source_package.as_deref(), Some("openssl"));
        assert_eq!(f.aliases, ["ALPINE-CVE-2024-9143"]);
        // AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H scores 9.1.
        assert_eq!(
            (
                f.severity.level,
                f.severity.source.as_str(),
                f.severity.cvss_score
            ),
            (Level::Critical, "cvss-v3", Some(9.1))
        );
    }
}

/// Debian 11: the real distroless stanza of `libsqlite3-0` (source `sqlite3`, 3.34.1-3) and
/// distroless's Debian 11 os-release (../shared/fixtures/os/distroless-debian11), against one
/// record naming both bullseye's and bookworm's fixes: only `Debian:11`'s applies.
#[test]
fn debian_11_is_keyed_by_its_release() {
    let Some(shared) = plinth_testdata::shared() else {
        return;
    };
    let os = shared.join("fixtures/os/distroless-debian11");
    let (_image, inventory) = common::image_of(&[
        ("etc/os-release", os.join("etc/os-release")),
        (
            "var/lib/dpkg/status.d/libsqlite3-0",
            os.join("var/lib/dpkg/status.d/libsqlite3-0"),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let record = debian_cve(
        "CVE-2022-35737",
        "sqlite3",
        &[("11", Some("3.34.1-3+deb11u1")), ("12", Some("3.40.1-1"))],
        "not yet assigned",
    );
    let file = common::write(
        dir.path(),
        "DEBIAN-CVE-2022-35737.json",
        &record.to_string(),
    );
    let (_db_dir, db) = common::db_from(&[file]);
    let report = match_inventory(&inventory, &db, None).unwrap();
    // dpkg's own order puts the installed 3.34.1-3 below bullseye's fix.
    assert!(dpkg_lt("3.34.1-3", "3.34.1-3+deb11u1"));
    assert_eq!(
        rows_of(&report),
        [(
            "libsqlite3-0".to_string(),
            "CVE-2022-35737".to_string(),
            "3.34.1-3+deb11u1".to_string()
        )]
    );
    assert_eq!(report.findings[0].ecosystem, "Debian:11");
    assert_eq!(
        report.findings[0].source_package.as_deref(),
        Some("sqlite3")
    );
}
