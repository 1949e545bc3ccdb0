//! apk databases from the Alpine minirootfs tarballs in ../shared/fixtures/alpine.

mod common;

use plinth_catalog::{CATALOGERS, FileInput, Package, detect_os};

fn parse(path: &std::path::Path) -> Vec<Package> {
    let data = std::fs::read(path).unwrap();
    let c = CATALOGERS.iter().find(|c| c.name == "apk-db").unwrap();
    (c.parse)(&FileInput {
        path: "/lib/apk/db/installed",
        data: &data,
        mode: 0o644,
    })
    .unwrap()
}

#[test]
fn alpine_3_20_x86_64() {
    let Some(shared) = common::shared() else {
        return;
    };
    let root = shared.join("fixtures/alpine/3.20.3-x86_64");
    let pkgs = parse(&root.join("lib/apk/db/installed"));
    assert_eq!(pkgs.len(), 14);
    let musl = pkgs.iter().find(|p| p.name == "musl").unwrap();
    assert_eq!(musl.version, "1.2.5-r0");
    assert_eq!(musl.arch.as_deref(), Some("x86_64"));
    assert_eq!(musl.licenses, ["MIT"]);
    assert!(musl.files.contains(&"/lib/ld-musl-x86_64.so.1".to_owned()));
    let data = pkgs
        .iter()
        .find(|p| p.name == "alpine-baselayout-data")
        .unwrap();
    assert_eq!(data.source_name.as_deref(), Some("alpine-baselayout"));
    let release = std::fs::read(root.join("etc/os-release")).unwrap();
    let os = detect_os(|p| (p == "/etc/os-release").then_some(release.as_slice())).unwrap();
    assert_eq!(
        plinth_catalog::purl(musl, Some(&os)),
        "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
    );
}

#[test]
fn alpine_other_arch_and_old_release() {
    let Some(shared) = common::shared() else {
        return;
    };
    let arm = parse(&shared.join("fixtures/alpine/3.20.3-aarch64/lib/apk/db/installed"));
    assert!(!arm.is_empty() && arm.iter().all(|p| p.arch.as_deref() == Some("aarch64")));
    let old = parse(&shared.join("fixtures/alpine/3.9.6-x86_64/lib/apk/db/installed"));
    assert!(
        old.iter()
            .any(|p| p.name == "musl" && p.version.starts_with("1.1.20")),
        "{old:?}"
    );
}
