//! Every fixture image through `plinth_sbom::inventory`, compared with Syft on the same image.
//!
//! For each image the set of (name, version, type) must equal Syft's `artifacts`, except for
//! the differences listed in [`KNOWN`], each with its reason and which side is right. Syft's
//! type names are plinth's (`deb`, `apk`, `rpm`, `python`, `npm`, `go-module`,
//! `rust-crate`, `java-archive`); Syft's `binary` type (packages its binary cataloger finds by
//! byte pattern) has no plinth counterpart and would be listed here if it appeared.
//!
//! Syft runs only when installed (`/var/tmp/plinth-peers/bin/syft`, `PLINTH_SYFT` or PATH);
//! the facts asserted on plinth's own results run whenever the fixtures exist.
//!
//! Identity differences that do not show in (name, version, type) but do in purls, for the
//! record: Go modules whose path ends in a major version (`github.com/cespare/xxhash/v2`)
//! keep it in the purl name (`pkg:golang/github.com/cespare/xxhash/v2@v2.3.0`); Syft moves
//! the tail into the purl subpath (`…/xxhash@v2.3.0#v2`), which the purl spec reserves for
//! paths inside a package: plinth is right. Debian epochs (`bsdutils 1:2.38.1-5+deb12u3`)
//! are written the same way by both.

mod common;

use std::collections::BTreeSet;

use plinth_catalog::PackageType;
use plinth_sbom::Inventory;
use plinth_sbom::format::type_name;

type Id = (String, String, String);

/// Differences from Syft: (image, side that has it, name, version, type, why).
const KNOWN: &[(&str, Side, &str, &str, &str, &str)] = &[
    (
        "debian-app",
        Side::Plinth,
        "Jinja2",
        "2.11.2",
        "python",
        "plinth keeps the distribution's own spelling from METADATA `Name:`; Syft lowercases \
         it. Both purls are pkg:pypi/jinja2@2.11.2. plinth is right for display: the name \
         is the project's; PEP 503 normalisation belongs in identifiers only.",
    ),
    (
        "debian-app",
        Side::Syft,
        "jinja2",
        "2.11.2",
        "python",
        "Syft's lowercased spelling of the same distribution (see above).",
    ),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Plinth,
    Syft,
}

fn plinth_ids(inv: &Inventory) -> BTreeSet<Id> {
    inv.packages
        .iter()
        .map(|f| {
            (
                f.package.name.clone(),
                f.package.version.clone(),
                type_name(f.package.kind).to_owned(),
            )
        })
        .collect()
}

fn syft_ids(report: &serde_json::Value) -> BTreeSet<Id> {
    report["artifacts"]
        .as_array()
        .expect("syft artifacts")
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
            (s("name"), s("version"), s("type"))
        })
        .collect()
}

fn known(image: &str, side: Side) -> BTreeSet<Id> {
    KNOWN
        .iter()
        .filter(|k| k.0 == image && k.1 == side)
        .map(|k| (k.2.to_owned(), k.3.to_owned(), k.4.to_owned()))
        .collect()
}

/// Compares with Syft when it is installed; returns plinth's inventory either way.
fn check(image: &str) -> Option<Inventory> {
    let file = common::fixture(&format!("{image}.docker.tar"))?;
    let reference = format!("docker-archive:{}", file.display());
    let inv = common::inventory_of(&reference);
    assert!(inv.warnings.is_empty(), "{image}: {:?}", inv.warnings);
    let Some(syft) = common::syft() else {
        println!("skipped: syft not installed; {image} checked without it");
        return Some(inv);
    };
    let ours = plinth_ids(&inv);
    let theirs = syft_ids(&common::syft_json(&syft, &reference));
    let only_ours: BTreeSet<Id> = ours.difference(&theirs).cloned().collect();
    let only_theirs: BTreeSet<Id> = theirs.difference(&ours).cloned().collect();
    assert_eq!(
        only_ours,
        known(image, Side::Plinth),
        "{image}: found by plinth only"
    );
    assert_eq!(
        only_theirs,
        known(image, Side::Syft),
        "{image}: found by Syft only"
    );
    Some(inv)
}

/// Installed Debian packages of a fixture as `dpkg-query --admindir` counts them: the base is
/// debootstrapped from the live mirror, so the number is the fixture's, not a constant.
fn dpkg_count(name: &str) -> usize {
    let layout = plinth_testdata::fixture(&format!("oci-{name}")).expect("fixture");
    plinth_testdata::truth::OciImage::open(&layout)
        .dpkg_packages()
        .len()
}

fn count(inv: &Inventory, kind: PackageType) -> usize {
    inv.packages
        .iter()
        .filter(|f| f.package.kind == kind)
        .count()
}

#[test]
fn debian_bookworm() {
    let Some(inv) = check("debian-bookworm") else {
        return;
    };
    let debs = dpkg_count("debian-bookworm");
    assert_eq!(count(&inv, PackageType::Deb), debs);
    assert_eq!(inv.packages.len(), debs);
    let os = inv.os.as_ref().expect("os");
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("debian", Some("12"))
    );
    assert!(inv.packages.iter().all(|f| f.layer == Some(0)));
}

#[test]
fn debian_app() {
    let Some(inv) = check("debian-app") else {
        return;
    };
    assert_eq!(count(&inv, PackageType::Deb), dpkg_count("debian-app"));
    assert_eq!(count(&inv, PackageType::Python), 6);
    assert_eq!(count(&inv, PackageType::Npm), 3);
    assert_eq!(count(&inv, PackageType::GoModule), 56);
    assert_eq!(count(&inv, PackageType::RustCrate), 4);
    // The language packages came with the app layer, not the Debian base.
    for f in &inv.packages {
        let base = f.package.kind == PackageType::Deb;
        assert_eq!(
            f.layer == Some(0),
            base,
            "{} in layer {:?}",
            f.package.name,
            f.layer
        );
    }
    let has = |purl: &str| inv.packages.iter().any(|f| f.purl == purl);
    assert!(has("pkg:golang/stdlib@1.24.1"));
    assert!(has("pkg:cargo/smallvec@1.6.0"));
    assert!(has("pkg:npm/lodash@4.17.20"));
}

#[test]
fn distroless_status_d() {
    let Some(inv) = check("distroless-debian") else {
        return;
    };
    let debs = dpkg_count("distroless-debian");
    assert_eq!(count(&inv, PackageType::Deb), debs);
    assert_eq!(inv.packages.len(), debs);
    assert!(
        inv.packages
            .iter()
            .all(|f| f.package.found_at.starts_with("/var/lib/dpkg/status.d/"))
    );
}

#[test]
fn rpm_mariner() {
    let Some(inv) = check("rpm-mariner") else {
        return;
    };
    assert_eq!(count(&inv, PackageType::Rpm), 129);
    assert_eq!(inv.packages.len(), 129);
    assert_eq!(inv.os.as_ref().map(|o| o.id.as_str()), Some("mariner"));
}

#[test]
fn alpine_3_20() {
    let Some(inv) = check("alpine-3.20") else {
        return;
    };
    assert_eq!(count(&inv, PackageType::Apk), 14);
    assert_eq!(inv.packages.len(), 14);
}

#[test]
fn alpine_3_20_arm64() {
    let Some(inv) = check("alpine-3.20-arm64") else {
        return;
    };
    assert_eq!(count(&inv, PackageType::Apk), 14);
    assert!(
        inv.packages
            .iter()
            .all(|f| f.package.arch.as_deref() == Some("aarch64"))
    );
}

#[test]
fn alpine_3_9() {
    let Some(inv) = check("alpine-3.9") else {
        return;
    };
    assert_eq!(count(&inv, PackageType::Apk), 14);
    let os = inv.os.as_ref().expect("os");
    assert!(
        os.version_id
            .as_deref()
            .is_some_and(|v| v.starts_with("3.9"))
    );
}

#[test]
fn edge_cases_has_nothing_installed() {
    let Some(inv) = check("edge-cases") else {
        return;
    };
    assert!(inv.packages.is_empty());
    assert!(inv.os.is_none());
}

/// The OCI flavours (a layout directory, a layout tar) give the same packages,
/// layers and OS as the docker archive of the same image.
#[test]
fn oci_flavours_agree_with_docker_archive() {
    let pairs = [
        ("debian-app.docker.tar", "oci-debian-app", "oci-dir:"),
        (
            "alpine-3.20.docker.tar",
            "alpine-3.20.oci.tar",
            "oci-archive:",
        ),
        ("rpm-mariner.docker.tar", "oci-rpm-mariner", "oci-dir:"),
    ];
    for (docker, oci, scheme) in pairs {
        let (Some(d), Some(o)) = (common::fixture(docker), common::fixture(oci)) else {
            continue;
        };
        let a = common::inventory_of(&format!("docker-archive:{}", d.display()));
        let b = common::inventory_of(&format!("{scheme}{}", o.display()));
        let purls = |inv: &Inventory| -> Vec<(String, Option<usize>)> {
            inv.packages
                .iter()
                .map(|f| (f.purl.clone(), f.layer))
                .collect()
        };
        assert_eq!(purls(&a), purls(&b), "{docker} vs {oci}");
        assert_eq!(a.os, b.os, "{docker} vs {oci}");
        assert!(
            b.manifest_digest.is_some(),
            "{oci}: OCI layouts name their manifest"
        );
    }
}

/// Debian licences, read from each package's `/usr/share/doc/PACKAGE/copyright` (following a
/// doc directory that is a symlink to a sibling package's, as libgcc-s1's is).
#[test]
fn debian_licences() {
    let Some(file) = common::fixture("debian-bookworm.docker.tar") else {
        return;
    };
    let reference = format!("docker-archive:{}", file.display());
    let inv = common::inventory_of(&reference);
    let licences = |name: &str| -> Vec<String> {
        let found = inv.packages.iter().find(|f| f.package.name == name);
        found.expect(name).package.licenses.clone()
    };
    assert_eq!(licences("libc6"), ["GPL-2", "LGPL-2.1"]);
    assert_eq!(licences("tzdata"), ["public-domain"]);
    assert_eq!(licences("libgcc-s1"), licences("gcc-12-base"));
    assert!(licences("libgcc-s1").contains(&"GPL-3".to_owned()));
    let unlicensed: Vec<&str> = inv
        .packages
        .iter()
        .filter(|f| f.package.licenses.is_empty())
        .map(|f| f.package.name.as_str())
        .collect();
    assert_eq!(unlicensed.len(), 1, "{unlicensed:?}");

    let Some(syft) = common::syft() else {
        println!("skipped: syft not installed; licences checked without it");
        return;
    };
    // Syft keeps only the first word of each `License:` value. So it loses the later names of
    // `GPL or MIT-US-export`, keeps words of free-text values (`The`, `CC0` of `CC0 license`,
    // `REGCOMP,`), and drops a value written after two spaces (`License:  CC0-1.0`). plinth
    // reads every name of an `or`/`and` list and skips free text: plinth is right. These are
    // all the differences on this image.
    let differ: &[(&str, &[&str], &[&str])] = &[
        ("e2fsprogs", &["MIT-US-export"], &[]),
        ("libcom-err2", &["MIT-US-export"], &[]),
        ("libext2fs2", &["MIT-US-export"], &[]),
        ("libss2", &["MIT-US-export"], &[]),
        ("logsave", &["MIT-US-export"], &[]),
        ("libffi8", &["LGPL-2.1+"], &[]),
        ("libgnutls30", &[], &["CC0", "The"]),
        ("perl-base", &["CC0-1.0"], &["REGCOMP,"]),
    ];
    let report = common::syft_json(&syft, &reference);
    for a in report["artifacts"].as_array().expect("artifacts") {
        if a["type"] != "deb" {
            continue;
        }
        let name = a["name"].as_str().unwrap_or_default();
        let theirs: BTreeSet<String> = a["licenses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["value"].as_str().map(str::to_owned))
            .collect();
        let ours: BTreeSet<String> = licences(name).into_iter().collect();
        let (only_ours, only_theirs) = differ
            .iter()
            .find(|d| d.0 == name)
            .map_or((&[][..], &[][..]), |d| (d.1, d.2));
        let owned = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            ours.difference(&theirs).cloned().collect::<BTreeSet<_>>(),
            owned(only_ours),
            "{name}: plinth only"
        );
        assert_eq!(
            theirs.difference(&ours).cloned().collect::<BTreeSet<_>>(),
            owned(only_theirs),
            "{name}: Syft only"
        );
    }
}
