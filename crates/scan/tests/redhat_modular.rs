//! RHEL module streams: a package built in a module stream (`nodejs:18`) is matched only against
//! that stream's advisories, and a package outside modules never against a module's.
//!
//! The images are built here: real rpms made by `rpmbuild` (Debian's rpm 4.18) whose specs set
//! `ModularityLabel:`, installed with `rpm --justdb` into an rpmdb.sqlite (RHEL 9's backend),
//! beside UBI 9's real os-release (../shared/fixtures/os/ubi9). `rpm -q` itself says what the
//! database holds. In RHEL 9 AppStream, `nodejs` exists outside modules (Node.js 16) and as the
//! module streams `nodejs:18` and `nodejs:20`, all under the one CPE
//! `cpe:/a:redhat:enterprise_linux:9::appstream`: exactly where streams must not mix.
//!
//! The advisory records are written here in Red Hat's real formats (the CVE ids are those of
//! real Node.js problems; products and versions are this test's):
//! - CSAF VEX with the `rpmmod` purl qualifier, rpms joined to the platform directly, product
//!   ids ending `::nodejs:18`: the form of aquasecurity/trivy-db
//!   pkg/vulnsrc/redhat-csaf/testdata/vuln-list-redhat/csaf-vex/cve-2024-22222.json and of
//!   Red Hat's change in SECDATA-1115;
//! - a CSAF security advisory with a `pkg:rpmmod/redhat/…` module product joined to the
//!   platform and the rpms joined to that join: the form of the real rhsa-2024_6220.json in
//!   ossf/osv-schema tools/redhat/testdata/CSAF;
//! - Red Hat OSV, which names modular rpms by their plain name (its converter drops the module):
//!   the form of ossf/osv-schema tools/redhat/testdata/OSV/RHSA-2024_6220.json.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use plinth_sbom::Inventory;
use plinth_scan::{TargetReport, match_inventory, sbom_from_slice};
use plinth_vulndb::VulnDb;
use serde_json::{Value, json};

const APPSTREAM: &str = "AppStream-9.4.0.Z.MAIN";
const APPSTREAM_CPE: &str = "cpe:/a:redhat:enterprise_linux:9::appstream";

/// One installed rpm: epoch:version-release and modularity label.
struct Rpm {
    epoch: &'static str,
    version: &'static str,
    release: &'static str,
    label: Option<&'static str>,
}

const NODEJS_18: Rpm = Rpm {
    epoch: "1",
    version: "18.19.0",
    release: "1.module+el9.3.0+20963+5a1b3b7e",
    label: Some("nodejs:18:9030020231120082734:rhel9"),
};
const NODEJS_20: Rpm = Rpm {
    epoch: "1",
    version: "20.10.0",
    release: "1.module+el9.3.0+20965+9b2e4c1d",
    label: Some("nodejs:20:9030020231121152519:rhel9"),
};
const NODEJS_PLAIN: Rpm = Rpm {
    epoch: "1",
    version: "16.20.2",
    release: "4.el9_3",
    label: None,
};

const FIX_18: &str = "1:18.20.2-2.module+el9.4.0+21731+46b5c4a5";
const FIX_20: &str = "1:20.12.2-2.module+el9.4.0+21731+5e4f8d9a";
const FIX_PLAIN: &str = "1:16.20.2-8.el9_4";

/// A CSAF VEX document in the `rpmmod` qualifier form: `fixed` are (EVR, module stream) pairs
/// with a `vendor_fix`, `not_affected` module streams whose source rpm Red Hat lists as
/// `known_not_affected`.
fn vex(cve: &str, fixed: &[(&str, Option<&str>)], not_affected: &[&str]) -> Value {
    let mut versions = Vec::new();
    let mut relationships = Vec::new();
    let mut fixed_ids = Vec::new();
    let mut not_affected_ids = Vec::new();
    for (evr, stream) in fixed {
        let (epoch, vr) = evr.split_once(':').unwrap();
        let mut id = format!("nodejs-{evr}.x86_64");
        let mut purl = format!(
            "pkg:rpm/redhat/nodejs@{}?arch=x86_64&epoch={epoch}",
            vr.replace('+', "%2B")
        );
        if let Some(stream) = stream {
            id.push_str(&format!("::{stream}"));
            purl.push_str(&format!("&rpmmod={stream}:9040020240711123311:rhel9"));
        }
        versions.push(product_version(&id, &purl));
        relationships.push(relationship(&id, APPSTREAM));
        fixed_ids.push(format!("{APPSTREAM}:{id}"));
    }
    for stream in not_affected {
        let id = format!("nodejs::{stream}");
        let purl = format!("pkg:rpm/redhat/nodejs?arch=src&rpmmod={stream}");
        versions.push(product_version(&id, &purl));
        relationships.push(relationship(&id, APPSTREAM));
        not_affected_ids.push(format!("{APPSTREAM}:{id}"));
    }
    json!({
        "document": {
            "aggregate_severity": {"namespace": "https://access.redhat.com/security/updates/classification/", "text": "Moderate"},
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "title": format!("nodejs: {cve}"),
            "tracking": {"id": cve, "initial_release_date": "2024-04-03T00:00:00+00:00", "current_release_date": "2024-07-12T10:20:31+00:00", "status": "final", "version": "3"}
        },
        "product_tree": {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
            platform(),
            {"category": "architecture", "name": "x86_64", "branches": versions}
        ]}], "relationships": relationships},
        "vulnerabilities": [{
            "cve": cve,
            "product_status": {"fixed": fixed_ids, "known_not_affected": not_affected_ids},
            "remediations": [{"category": "vendor_fix", "details": "For details on how to apply this update, refer to the advisory.", "product_ids": fixed_ids, "url": "https://access.redhat.com/errata/RHSA-2024:4353"}],
            "threats": [{"category": "impact", "details": "Moderate"}]
        }]
    })
}

/// A CSAF security advisory in the older form: the rpm joined to a module product joined to
/// the platform (`AppStream-9.4.0.Z.MAIN:nodejs:18:…:rhel9:nodejs-1:18….x86_64`).
fn rhsa_nested(id: &str, cve: &str, stream_version: &str, evr: &str) -> Value {
    let (stream, module_version) = stream_version.split_once('@').unwrap();
    let (name, short) = stream.split_once(':').unwrap();
    let module = format!("{stream}:{module_version}");
    let (epoch, vr) = evr.split_once(':').unwrap();
    let rpm = format!("nodejs-{evr}.x86_64");
    let module_join = format!("{APPSTREAM}:{module}");
    let rpm_join = format!("{module_join}:{rpm}");
    json!({
        "document": {
            "aggregate_severity": {"namespace": "https://access.redhat.com/security/updates/classification/", "text": "Important"},
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "title": format!("Red Hat Security Advisory: {stream} security update"),
            "tracking": {"id": id, "initial_release_date": "2024-05-06T09:40:11+00:00", "current_release_date": "2024-10-21T13:39:14+00:00", "status": "final", "version": "3"}
        },
        "product_tree": {"branches": [{"category": "vendor", "name": "Red Hat", "branches": [
            platform(),
            {"category": "architecture", "name": "x86_64", "branches": [
                product_version(&module, &format!("pkg:rpmmod/redhat/{name}@{short}:{module_version}")),
                product_version(&rpm, &format!("pkg:rpm/redhat/nodejs@{}?arch=x86_64&epoch={epoch}", vr.replace('+', "%2B")))
            ]}
        ]}], "relationships": [
            relationship(&module, APPSTREAM),
            {
                "category": "default_component_of",
                "full_product_name": {"name": format!("{rpm} as a component of {module} as a component of Red Hat Enterprise Linux AppStream (v. 9)"), "product_id": rpm_join},
                "product_reference": rpm,
                "relates_to_product_reference": module_join
            }
        ]},
        "vulnerabilities": [{
            "cve": cve,
            "product_status": {"fixed": [rpm_join]},
            "remediations": [{"category": "vendor_fix", "product_ids": [rpm_join], "url": format!("https://access.redhat.com/errata/{id}")}],
            "threats": [{"category": "impact", "details": "Important"}]
        }]
    })
}

/// A Red Hat OSV record: one `affected` entry naming `nodejs` plainly, as the export does for
/// modular and non-modular rpms alike.
fn osv(id: &str, cve: &str, fixed: &str) -> Value {
    json!({
        "schema_version": "1.6.7",
        "id": id,
        "related": [cve],
        "published": "2024-05-06T09:40:11Z",
        "modified": "2024-05-06T09:40:11Z",
        "summary": "Red Hat Security Advisory: nodejs security update",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
        "affected": [{
            "package": {"name": "nodejs", "ecosystem": "Red Hat:enterprise_linux:9::appstream", "purl": "pkg:rpm/redhat/nodejs"},
            "ranges": [{"events": [{"introduced": "0"}, {"fixed": fixed}], "type": "ECOSYSTEM"}]
        }]
    })
}

fn platform() -> Value {
    json!({"category": "product_family", "name": "Red Hat Enterprise Linux", "branches": [{
        "category": "product_name",
        "name": "Red Hat Enterprise Linux AppStream (v. 9)",
        "product": {"name": "Red Hat Enterprise Linux AppStream (v. 9)", "product_id": APPSTREAM, "product_identification_helper": {"cpe": APPSTREAM_CPE}}
    }]})
}

fn product_version(id: &str, purl: &str) -> Value {
    json!({"category": "product_version", "name": id, "product": {"name": id, "product_id": id, "product_identification_helper": {"purl": purl}}})
}

fn relationship(id: &str, platform: &str) -> Value {
    json!({
        "category": "default_component_of",
        "full_product_name": {"name": format!("{id} as a component of Red Hat Enterprise Linux AppStream (v. 9)"), "product_id": format!("{platform}:{id}")},
        "product_reference": id,
        "relates_to_product_reference": platform
    })
}

/// Builds `nodejs` as `rpm` with rpmbuild and installs it into `dir/rpmdb` with rpm itself.
/// `None` (skipped) when rpmbuild is missing.
fn rpmdb_with(dir: &Path, rpm: &Rpm) -> Option<PathBuf> {
    if Command::new("rpmbuild").arg("--version").output().is_err() {
        println!("skipped: rpmbuild not installed (apt-get install rpm)");
        return None;
    }
    let label = rpm
        .label
        .map(|l| format!("ModularityLabel: {l}\n"))
        .unwrap_or_default();
    let spec = dir.join("nodejs.spec");
    std::fs::write(
        &spec,
        format!(
            "Name: nodejs\nEpoch: {}\nVersion: {}\nRelease: {}\nSummary: JavaScript runtime\nLicense: MIT\nBuildArch: noarch\n{label}%description\nnodejs\n%files\n",
            rpm.epoch, rpm.version, rpm.release
        ),
    )
    .unwrap();
    let top = dir.join("top");
    run(Command::new("rpmbuild")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .arg("-bb")
        .arg(&spec));
    let built = top.join(format!(
        "RPMS/noarch/nodejs-{}-{}.noarch.rpm",
        rpm.version, rpm.release
    ));
    let db = dir.join("rpmdb");
    std::fs::create_dir_all(&db).unwrap();
    run(Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .args(["--justdb", "--nodeps", "--noscripts", "-i"])
        .arg(&built));
    // rpm's own reading of what it installed: the label is in the header.
    let out = run(Command::new("rpm").arg("--dbpath").arg(&db).args([
        "-q",
        "--qf",
        "%{epoch}:%{version}-%{release} %{modularitylabel}",
        "nodejs",
    ]));
    assert_eq!(
        out,
        format!(
            "{}:{}-{} {}",
            rpm.epoch,
            rpm.version,
            rpm.release,
            rpm.label.unwrap_or("(none)")
        )
    );
    Some(db.join("rpmdb.sqlite"))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A UBI 9 root holding `rpm` in its rpmdb; `None` when skipped.
fn root_with(rpm: &Rpm) -> Option<tempfile::TempDir> {
    let shared = plinth_testdata::shared()?;
    let work = tempfile::tempdir().unwrap();
    let rpmdb = rpmdb_with(work.path(), rpm)?;
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::create_dir_all(root.path().join("var/lib/rpm")).unwrap();
    std::fs::copy(
        shared.join("fixtures/os/ubi9/etc/os-release"),
        root.path().join("etc/os-release"),
    )
    .unwrap();
    std::fs::copy(&rpmdb, root.path().join("var/lib/rpm/rpmdb.sqlite")).unwrap();
    Some(root)
}

/// The inventory of an image whose one layer holds `root`'s release file and rpmdb.
fn image_inventory(root: &Path, rpm: &Rpm) -> (tempfile::TempDir, Inventory) {
    let (image, inventory) = common::image_of(&[
        ("etc/os-release", root.join("etc/os-release")),
        (
            "var/lib/rpm/rpmdb.sqlite",
            root.join("var/lib/rpm/rpmdb.sqlite"),
        ),
    ]);
    let nodejs = &inventory.packages[0].package;
    assert_eq!(
        (inventory.packages.len(), nodejs.modularity_label.as_deref()),
        (1, rpm.label)
    );
    (image, inventory)
}

/// A database of every record of this test.
fn database() -> (tempfile::TempDir, VulnDb) {
    let records = [
        (
            "cve-2024-22019.json",
            vex(
                "CVE-2024-22019",
                &[
                    (FIX_18, Some("nodejs:18")),
                    (FIX_20, Some("nodejs:20")),
                    (FIX_PLAIN, None),
                ],
                &[],
            ),
        ),
        // Fixed in nodejs:20 only; Red Hat says nodejs:18 never had the problem. Mixed
        // streams, that statement would silence nodejs:20, and nodejs 16 outside modules would
        // read the nodejs:20 fix as its own.
        (
            "cve-2024-27983.json",
            vex(
                "CVE-2024-27983",
                &[(FIX_20, Some("nodejs:20"))],
                &["nodejs:18"],
            ),
        ),
        (
            "rhsa-2024_2651.json",
            rhsa_nested(
                "RHSA-2024:2651",
                "CVE-2024-27982",
                "nodejs:18@9040020240424091719:rhel9",
                FIX_18,
            ),
        ),
        // Red Hat OSV: a module build's fix under the plain name, and a plain fix. Its CVE is
        // in `related`, which OSV does not make an alias, so the finding keeps the RHSA id.
        (
            "RHSA-2024_2652.json",
            osv("RHSA-2024:2652", "CVE-2024-28182", FIX_18),
        ),
        (
            "RHSA-2024_2653.json",
            osv("RHSA-2024:2653", "CVE-2024-25629", FIX_PLAIN),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = records
        .iter()
        .map(|(name, doc)| common::write(dir.path(), name, &doc.to_string()))
        .collect();
    let (db_dir, db) = common::db_from(&files);
    (db_dir, db)
}

/// Scans a UBI 9 image holding `rpm` against every record of this test; `None` when skipped.
fn scan(rpm: &Rpm) -> Option<TargetReport> {
    let root = root_with(rpm)?;
    let (_image, inventory) = image_inventory(root.path(), rpm);
    let (_db_dir, db) = database();
    Some(match_inventory(&inventory, &db, None).unwrap())
}

/// (id, fixed version, module stream) of every finding.
fn found(report: &TargetReport) -> BTreeSet<(String, String, Option<String>)> {
    report
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.package, "nodejs");
            (
                f.id.clone(),
                f.fixed_version.clone().unwrap_or_default(),
                f.module_stream.clone(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, Option<&str>)]) -> BTreeSet<(String, String, Option<String>)> {
    items
        .iter()
        .map(|(id, fix, stream)| (id.to_string(), fix.to_string(), stream.map(String::from)))
        .collect()
}

#[test]
fn nodejs_18_sees_only_its_streams_fixes() {
    let Some(report) = scan(&NODEJS_18) else {
        return;
    };
    let s = Some("nodejs:18");
    assert_eq!(
        found(&report),
        set(&[
            ("CVE-2024-22019", FIX_18, s),
            ("CVE-2024-27982", FIX_18, s),
            ("RHSA-2024:2652", FIX_18, s),
        ])
    );
    let nested = report
        .findings
        .iter()
        .find(|f| f.id == "CVE-2024-27982")
        .unwrap();
    assert_eq!(nested.aliases, ["RHSA-2024:2651"]);
    // The JSON names the stream, and so does the table's package line.
    let json = serde_json::to_value(nested).unwrap();
    assert_eq!(json["module_stream"], "nodejs:18");
    let mut table = Vec::new();
    let report = plinth_scan::Report {
        targets: vec![report],
    };
    plinth_scan::report::table(&report, Default::default(), &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("nodejs 1:18.19.0-1.module+el9.3.0+20963+5a1b3b7e (rpm, module nodejs:18, layer 0, /var/lib/rpm/rpmdb.sqlite)"),
        "{table}"
    );
}

#[test]
fn nodejs_20_sees_only_its_streams_fixes() {
    let Some(report) = scan(&NODEJS_20) else {
        return;
    };
    let s = Some("nodejs:20");
    assert_eq!(
        found(&report),
        set(&[("CVE-2024-22019", FIX_20, s), ("CVE-2024-27983", FIX_20, s),])
    );
}

#[test]
fn nodejs_outside_modules_never_sees_a_modules_fix() {
    let Some(report) = scan(&NODEJS_PLAIN) else {
        return;
    };
    assert_eq!(
        found(&report),
        set(&[
            ("CVE-2024-22019", FIX_PLAIN, None),
            ("RHSA-2024:2653", FIX_PLAIN, None),
        ])
    );
    let json = serde_json::to_value(&report.findings[0]).unwrap();
    assert!(json.get("module_stream").is_none());
}

/// An SBOM keeps the stream: plinth's own CycloneDX (its `plinth:package:modularityLabel`
/// property) and syft's JSON (`metadata.modularityLabel`, syft run here on the same root) scan
/// as the image does. Syft's CycloneDX carries no label, so it is not one of them.
#[test]
fn sboms_keep_the_stream() {
    let Some(root) = root_with(&NODEJS_18) else {
        return;
    };
    let (_image, inventory) = image_inventory(root.path(), &NODEJS_18);
    let (_db_dir, db) = database();
    let want = found(&match_inventory(&inventory, &db, None).unwrap());
    assert_eq!(want.len(), 3);

    let mut cyclonedx = Vec::new();
    let options = plinth_sbom::format::Options::from_env().unwrap();
    plinth_sbom::format::cyclonedx_json(
        &inventory,
        plinth_sbom::format::CycloneDxVersion::default(),
        &options,
        &mut cyclonedx,
    )
    .unwrap();
    let from_cdx = sbom_from_slice(&cyclonedx, Path::new("bom.json"), "bom.json").unwrap();
    assert_eq!(found(&match_inventory(&from_cdx, &db, None).unwrap()), want);

    let syft = std::env::var_os("PLINTH_SYFT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/plinth-peers/bin/syft"));
    if !syft.is_file() {
        println!("skipped: syft not installed (../shared/scripts/peers.sh)");
        return;
    }
    let out = run(Command::new(&syft)
        .arg("scan")
        .arg(format!("dir:{}", root.path().display()))
        .args(["-o", "syft-json", "-q"]));
    let from_syft = sbom_from_slice(out.as_bytes(), Path::new("syft.json"), "syft.json").unwrap();
    assert_eq!(
        found(&match_inventory(&from_syft, &db, None).unwrap()),
        want
    );
}
