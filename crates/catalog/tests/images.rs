//! The catalogers over real images built by make-images.sh, compared with what Syft 1.x
//! reports for the same images (`syft scan docker-archive:….docker.tar -o json`).
//!
//! Known, deliberate differences from Syft:
//! - Syft lists every file a deb owns as a location (from `/var/lib/dpkg/info/*.list` and
//!   copyright files) and reads licences from `/usr/share/doc/*/copyright`; plinth records only
//!   the database file, so deb packages carry no licence.
//! - Syft lowercases Python names (`jinja2`); plinth keeps the METADATA spelling (`Jinja2`)
//!   and lowercases only in the purl, so the purls agree.
//! - Go modules whose path has more than three parts: Syft moves the tail into the purl
//!   subpath (`pkg:golang/github.com/cespare/xxhash@v2.3.0#v2`); plinth keeps the module path
//!   whole (`pkg:golang/github.com/cespare/xxhash/v2@v2.3.0`), since `/v2` names the module.
//! - This walker does not merge layers (whiteouts); the images used here delete no package
//!   database, so the sets are the same.

mod common;

use std::collections::BTreeSet;

use plinth_catalog::{Os, Package, PackageType, attach_os, detect_os, purl};

fn detect(files: &[(String, Vec<u8>, u32)]) -> Option<Os> {
    detect_os(|p| {
        files
            .iter()
            .rev()
            .find(|(path, _, _)| path == p)
            .map(|(_, d, _)| d.as_slice())
    })
}

fn of_kind(pkgs: &[Package], kind: PackageType) -> Vec<&Package> {
    pkgs.iter().filter(|p| p.kind == kind).collect()
}

fn ids(pkgs: &[&Package]) -> BTreeSet<String> {
    pkgs.iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect()
}

#[test]
fn debian_app_image() {
    let Some(layout) = common::fixture_image("oci-debian-app") else {
        return;
    };
    let files = common::wanted_files(&layout);
    let os = detect(&files).expect("os-release");
    assert_eq!(
        (
            os.id.as_str(),
            os.version_id.as_deref(),
            os.codename.as_deref()
        ),
        ("debian", Some("12"), Some("bookworm"))
    );
    let (mut pkgs, warnings) = common::catalog_image(&layout);
    assert!(warnings.is_empty(), "{warnings:?}");
    attach_os(&mut pkgs, Some(&os));

    // dpkg: every deb dpkg-query lists, with the purl the purl spec gives its fields (the
    // base is debootstrapped from the live mirror: versions and count are the fixture's).
    let debs = of_kind(&pkgs, PackageType::Deb);
    let purls: BTreeSet<String> = debs.iter().map(|p| purl(p, Some(&os))).collect();
    let want = common::deb_purls(&layout);
    assert!(want.len() > 80, "{} debs", want.len());
    assert_eq!(purls, want);
    // Examples of each purl shape, version-free so they hold on a rebuild.
    for shape in [
        "pkg:deb/debian/bash@5.2.15-2%2Bb",
        "pkg:deb/debian/diffutils@1:3.8-4?arch=amd64&distro=debian-12",
        "pkg:deb/debian/libattr1@1:2.5.1-4?arch=amd64&distro=debian-12&upstream=attr",
        "pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12",
    ] {
        assert!(purls.iter().any(|p| p.starts_with(shape)), "no {shape}…");
    }

    let py = of_kind(&pkgs, PackageType::Python);
    assert_eq!(
        ids(&py),
        [
            "Jinja2 2.11.2",
            "certifi 2020.12.5",
            "chardet 4.0.0",
            "idna 2.10",
            "requests 2.25.1",
            "urllib3 1.26.4"
        ]
        .map(String::from)
        .into()
    );
    let jinja = py.iter().find(|p| p.name == "Jinja2").unwrap();
    assert_eq!(purl(jinja, Some(&os)), "pkg:pypi/jinja2@2.11.2");
    assert!(jinja.found_at.ends_with("Jinja2-2.11.2.dist-info/METADATA"));
    // Licences as Syft reports them: the License: header.
    let licenses: BTreeSet<String> = py
        .iter()
        .map(|p| format!("{} {}", p.name, p.licenses.join("|")))
        .collect();
    assert_eq!(
        licenses,
        [
            "Jinja2 BSD-3-Clause",
            "certifi MPL-2.0",
            "chardet LGPL",
            "idna BSD-like",
            "requests Apache 2.0",
            "urllib3 MIT"
        ]
        .map(String::from)
        .into()
    );

    let npm = of_kind(&pkgs, PackageType::Npm);
    assert_eq!(
        ids(&npm),
        ["fixture-app 1.0.0", "lodash 4.17.20", "minimist 1.2.5"]
            .map(String::from)
            .into()
    );
    let app = npm.iter().find(|p| p.name == "fixture-app").unwrap();
    assert_eq!(app.found_at, "/app/package.json");
    assert!(
        npm.iter()
            .filter(|p| p.name != "fixture-app")
            .all(|p| p.licenses == ["MIT"])
    );

    // Go: Syft lists the same 56 modules from dive's build info: main module, 54 deps, stdlib.
    let go = of_kind(&pkgs, PackageType::GoModule);
    assert_eq!(go.len(), 56, "{:?}", ids(&go));
    let go_ids = ids(&go);
    for want in [
        "github.com/wagoodman/dive v0.13.1+dirty",
        "stdlib go1.24.1",
        "github.com/cespare/xxhash/v2 v2.3.0",
        "github.com/awesome-gocui/keybinding v1.0.1-0.20211011072933-86029037a63f",
        "gopkg.in/yaml.v3 v3.0.1",
    ] {
        assert!(go_ids.contains(want), "missing {want}");
    }
    let stdlib = go.iter().find(|p| p.name == "stdlib").unwrap();
    assert_eq!(purl(stdlib, None), "pkg:golang/stdlib@1.24.1");
    assert!(go.iter().all(|p| p.found_at == "/usr/local/bin/dive"));

    // Rust: cargo-auditable lists the root crate and its dependency graph, byteorder included.
    let rust = of_kind(&pkgs, PackageType::RustCrate);
    assert_eq!(
        ids(&rust),
        [
            "base64 0.5.1",
            "byteorder 1.5.0",
            "rustapp 0.1.0",
            "smallvec 1.6.0"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        purl(rust.iter().find(|p| p.name == "smallvec").unwrap(), None),
        "pkg:cargo/smallvec@1.6.0"
    );
}

#[test]
fn distroless_status_d() {
    let Some(layout) = common::fixture_image("oci-distroless-debian") else {
        return;
    };
    let files = common::wanted_files(&layout);
    assert!(
        !files.iter().any(|(p, _, _)| p.ends_with(".md5sums")),
        "md5sums are never buffered"
    );
    let os = detect(&files).expect("os-release");
    let (pkgs, warnings) = common::catalog_image(&layout);
    assert!(warnings.is_empty(), "{warnings:?}");
    // Exactly the purls of dpkg-query's fields (Syft gives the same for this image).
    let purls: BTreeSet<String> = pkgs.iter().map(|p| purl(p, Some(&os))).collect();
    let want = common::deb_purls(&layout);
    assert_eq!(
        want.len(),
        6,
        "base-files netbase tzdata ca-certificates libc6 libssl3"
    );
    assert_eq!(purls, want);
    assert!(
        pkgs.iter()
            .all(|p| p.found_at.starts_with("/var/lib/dpkg/status.d/"))
    );
}

#[test]
fn alpine_image_matches_syft() {
    let Some(layout) = common::fixture_image("oci-alpine-3.20") else {
        return;
    };
    let files = common::wanted_files(&layout);
    let os = detect(&files).expect("os-release");
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("alpine", Some("3.20.3"))
    );
    let (mut pkgs, warnings) = common::catalog_image(&layout);
    assert!(warnings.is_empty(), "{warnings:?}");
    // The binary classifier also recognises /bin/busybox; apk's file list owns it, so the
    // inventory (plinth-sbom) drops that match as Syft does. File by file, it is still here.
    let binaries: Vec<Package> = pkgs
        .extract_if(.., |p| p.kind == PackageType::Binary)
        .collect();
    assert_eq!(binaries.len(), 1, "{binaries:?}");
    assert_eq!(binaries[0].found_at, "/bin/busybox");
    assert_eq!(pkgs.len(), 14);
    let purls: BTreeSet<String> = pkgs.iter().map(|p| purl(p, Some(&os))).collect();
    assert!(purls.contains("pkg:apk/alpine/alpine-baselayout-data@3.6.5-r0?arch=x86_64&distro=alpine-3.20.3&upstream=alpine-baselayout"));
    assert!(purls.contains("pkg:apk/alpine/alpine-keys@2.4-r1?arch=x86_64&distro=alpine-3.20.3"));
}

#[cfg(feature = "rpm-sqlite")]
#[test]
fn mariner_image() {
    let Some(layout) = common::fixture_image("oci-rpm-mariner") else {
        return;
    };
    let files = common::wanted_files(&layout);
    let os = detect(&files).expect("os-release");
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref()),
        ("mariner", Some("2.0"))
    );
    let (pkgs, warnings) = common::catalog_image(&layout);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(pkgs.len(), 129);
    let bash = pkgs.iter().find(|p| p.name == "bash").unwrap();
    // Syft: pkg:rpm/mariner/bash@5.1.8-1.cm2?arch=x86_64&distro=mariner-2.0&upstream=bash-5.1.8-1.cm2.src.rpm
    assert_eq!(
        purl(bash, Some(&os)),
        "pkg:rpm/mariner/bash@5.1.8-1.cm2?arch=x86_64&distro=mariner-2.0&upstream=bash-5.1.8-1.cm2.src.rpm"
    );
}

#[test]
fn scratch_like_edge_image_has_no_os() {
    let Some(layout) = common::fixture_image("oci-edge-cases") else {
        return;
    };
    let files = common::wanted_files(&layout);
    assert_eq!(detect(&files), None);
}
