//! The three rpm database formats, on real databases from ../shared/fixtures/rpmdb.

mod common;

use plinth_catalog::{CATALOGERS, FileInput, Package};

fn rpm_parse(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let c = CATALOGERS.iter().find(|c| c.name == "rpm-db").unwrap();
    (c.parse)(&FileInput {
        path,
        data,
        mode: 0o644,
    })
}

#[cfg(feature = "rpm-sqlite")]
#[test]
fn sqlite_lists_exactly_what_rpm_qa_lists() {
    let Some(shared) = common::shared() else {
        return;
    };
    let dir = shared.join("fixtures/rpmdb/cbl-mariner-2.0");
    let data = std::fs::read(dir.join("rpmdb.sqlite")).unwrap();
    let pkgs = rpm_parse("/var/lib/rpm/rpmdb.sqlite", &data).unwrap();
    // The columns of expected-rpm-qa.tsv: NAME EPOCHNUM VERSION RELEASE ARCH SOURCERPM LICENSE.
    let mut got: Vec<String> = pkgs
        .iter()
        .map(|p| {
            let (epoch, vr) = match p.version.split_once(':') {
                Some((e, vr)) => (e, vr),
                None => ("0", p.version.as_str()),
            };
            let (v, r) = vr.rsplit_once('-').unwrap();
            format!(
                "{}\t{epoch}\t{v}\t{r}\t{}\t{}\t{}",
                p.name,
                p.arch.as_deref().unwrap_or("(none)"),
                p.source_name.as_deref().unwrap_or("(none)"),
                p.licenses.join(" ")
            )
        })
        .collect();
    got.sort();
    let want = std::fs::read_to_string(dir.join("expected-rpm-qa.tsv")).unwrap();
    let mut want: Vec<&str> = want.lines().collect();
    want.sort();
    assert_eq!(got.len(), 129);
    assert_eq!(got, want);
}

#[cfg(feature = "rpm-sqlite")]
#[test]
fn sqlite_built_here_has_epoch_and_noarch() {
    let Some(shared) = common::shared() else {
        return;
    };
    let data = std::fs::read(shared.join("fixtures/rpmdb/built-here/rpmdb.sqlite")).unwrap();
    let mut pkgs = rpm_parse("/var/lib/rpm/rpmdb.sqlite", &data).unwrap();
    pkgs.sort_by(|a, b| a.name.cmp(&b.name));
    let ids: Vec<_> = pkgs
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("demo-hello", "1:1.2.3-4.el9", Some("noarch")),
            ("demo-lib", "0.9-1", Some("x86_64"))
        ]
    );
    let os = plinth_catalog::Os {
        id: "rhel".into(),
        version_id: Some("9.4".into()),
        codename: None,
        pretty_name: None,
    };
    assert_eq!(
        plinth_catalog::purl(&pkgs[0], Some(&os)),
        "pkg:rpm/rhel/demo-hello@1.2.3-4.el9?arch=noarch&distro=rhel-9.4&epoch=1&upstream=demo-hello-1.2.3-4.el9.src.rpm"
    );
}

#[test]
fn ndb_sles_bci() {
    let Some(shared) = common::shared() else {
        return;
    };
    let data = std::fs::read(shared.join("fixtures/rpmdb/sle15-bci-ndb/Packages.db")).unwrap();
    let pkgs = rpm_parse("/usr/lib/sysimage/rpm/Packages.db", &data).unwrap();
    let names: Vec<_> = pkgs
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    assert_eq!(names.len(), 35);
    assert_eq!(names[0], "system-user-root 20190513-3.3.1");
    assert!(names.contains(&"bash 4.4-19.6.1".to_owned()));
    assert_eq!(names[34], "rpm-ndb 4.14.3-40.1");
}

#[test]
fn bdb_libuuid() {
    let Some(shared) = common::shared() else {
        return;
    };
    let data = std::fs::read(shared.join("fixtures/rpmdb/libuuid-bdb/Packages")).unwrap();
    let pkgs = rpm_parse("/var/lib/rpm/Packages", &data).unwrap();
    let names: Vec<_> = pkgs
        .iter()
        .map(|p| format!("{} {} {:?}", p.name, p.version, p.arch))
        .collect();
    assert_eq!(names, ["libuuid 2.32.1-42.el8_8 Some(\"x86_64\")"]);
}

#[test]
fn raw_header_blob() {
    let Some(shared) = common::shared() else {
        return;
    };
    let data = std::fs::read(shared.join("fixtures/rpmdb/header-blob.bin")).unwrap();
    let h = plinth_catalog::rpm_header_package(&data, "header-blob.bin").unwrap();
    assert_eq!(
        (h.name.as_str(), h.version.as_str()),
        ("publicsuffix-list-dafsa", "20210518-2.fc35")
    );
    assert_eq!(h.arch.as_deref(), Some("noarch"));
    assert_eq!(
        h.source_name.as_deref(),
        Some("publicsuffix-list-20210518-2.fc35.src.rpm")
    );
    assert_eq!(h.licenses, ["MPLv2.0"]);
    // Every prefix of the blob is an error or a package, never a panic.
    for n in 0..data.len().min(4096) {
        let _ = plinth_catalog::rpm_header_package(&data[..n], "cut");
    }
}
