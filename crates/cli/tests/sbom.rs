//! `plinth sbom` end to end: every output format on a real image, `-o FILE`, reproducible
//! output under SOURCE_DATE_EPOCH, a synthetic image with a broken package database, and
//! `dir:/` against the machine's own dpkg.

use std::path::Path;

use assert_cmd::Command;
use plinth_testdata::fixture;
use serde_json::Value;

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env("SOURCE_DATE_EPOCH", "1700000000");
    cmd
}

/// An OCI layout directory holding one uncompressed layer with `files`.
fn write_layout(dir: &Path, files: &[(&str, &[u8])]) {
    let files: Vec<(&str, u32, &[u8])> = files.iter().map(|&(p, d)| (p, 0o644, d)).collect();
    let layer = plinth_testdata::ustar(&files);
    let id = plinth_testdata::sha256(&layer);
    plinth_testdata::oci_layout(dir, &[layer], &[id], serde_json::json!({}));
}

const OS_RELEASE: &[u8] = b"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
const GOOD_STATUS: &[u8] = b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n";

#[test]
fn garbage_package_database_is_named_and_marked_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("image");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    write_layout(
        &image,
        &[
            ("etc/os-release", OS_RELEASE),
            ("var/lib/dpkg/status", &garbage),
            ("var/lib/dpkg/status.d/zlib1g", GOOD_STATUS),
        ],
    );
    let reference = format!("oci-dir:{}", image.display());

    // Table: the warning names the cataloger and the file; the good database still counts.
    let out = plinth().args(["sbom", &reference]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("dpkg-db") && stderr.contains("/var/lib/dpkg/status:"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("zlib1g"));

    let cdx_file = dir.path().join("sbom.cdx.json");
    let out = plinth()
        .args(["sbom", "-f", "cyclonedx-json", "-o"])
        .arg(&cdx_file)
        .arg(&reference)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/var/lib/dpkg/status"));
    let bom: Value = serde_json::from_slice(&std::fs::read(&cdx_file).unwrap()).unwrap();
    let props = bom["metadata"]["properties"].as_array().unwrap();
    assert!(
        props
            .iter()
            .any(|p| p["name"] == "plinth:cataloger:incomplete" && p["value"] == "dpkg-db"),
        "{props:?}"
    );
    assert!(props.iter().any(|p| {
        p["name"] == "plinth:warning"
            && p["value"]
                .as_str()
                .unwrap()
                .contains("/var/lib/dpkg/status")
    }));
    assert_eq!(bom["compositions"][0]["aggregate"], "incomplete");
    assert!(
        bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "zlib1g")
    );

    let out = plinth()
        .args(["sbom", "-f", "spdx-json", &reference])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let comment = doc["comment"].as_str().unwrap();
    assert!(
        comment.contains("Incomplete catalogers: dpkg-db"),
        "{comment}"
    );
    assert!(comment.contains("/var/lib/dpkg/status"), "{comment}");
}

#[test]
fn clean_synthetic_image_is_not_marked() {
    let dir = tempfile::tempdir().unwrap();
    write_layout(
        dir.path(),
        &[
            ("etc/os-release", OS_RELEASE),
            ("var/lib/dpkg/status", GOOD_STATUS),
        ],
    );
    let out = plinth()
        .args(["sbom", "-f", "cyclonedx-json"])
        .arg(format!("oci-dir:{}", dir.path().display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(bom["metadata"].get("properties").is_none());
    assert!(bom.get("compositions").is_none());
    let zlib = &bom["components"][1];
    assert_eq!(
        zlib["purl"],
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"
    );
}

#[test]
fn every_format_on_a_real_image() {
    let Some(image) = fixture("debian-app.docker.tar") else {
        return;
    };
    let run = |format: &str| -> Vec<u8> {
        let out = plinth()
            .args(["sbom", "-f", format])
            .arg(&image)
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}: {out:?}");
        out.stdout
    };
    // The Debian base as dpkg-query reads it, plus the app layer's 69 pinned language
    // packages (6 pip, 3 npm, 56 Go modules, 4 Rust crates).
    let layout = fixture("oci-debian-app").unwrap();
    let n = plinth_testdata::truth::OciImage::open(&layout)
        .dpkg_packages()
        .len()
        + 69;
    let table = String::from_utf8(run("table")).unwrap();
    assert_eq!(table.lines().count(), 1 + n);
    let json: Value = serde_json::from_slice(&run("json")).unwrap();
    assert_eq!(json["packages"].as_array().unwrap().len(), n);
    let cdx = run("cyclonedx-json");
    let bom: Value = serde_json::from_slice(&cdx).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(
        bom["components"].as_array().unwrap().len(),
        1 + n,
        "os + packages"
    );
    // Same image, same SOURCE_DATE_EPOCH: byte-identical.
    assert_eq!(cdx, run("cyclonedx-json"));
    let old: Value = serde_json::from_slice(&run("cyclonedx-json@1.5")).unwrap();
    assert_eq!(old["specVersion"], "1.5");
    let doc: Value = serde_json::from_slice(&run("spdx-json")).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(
        doc["packages"].as_array().unwrap().len(),
        2 + n,
        "image + os + packages"
    );
}

#[test]
fn output_file_is_atomic() {
    let Some(image) = fixture("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sbom.spdx.json");
    plinth()
        .args(["sbom", "-f", "spdx-json", "-o"])
        .arg(&file)
        .arg(&image)
        .assert()
        .success()
        .stdout("");
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["packages"].as_array().unwrap().len(), 16);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left");

    // An unreadable image: exit 3 and no output file.
    let missing = dir.path().join("out.json");
    plinth()
        .args(["sbom", "-f", "json", "-o"])
        .arg(&missing)
        .arg(dir.path().join("no-such-image.tar"))
        .assert()
        .code(3);
    assert!(!missing.exists());
}

/// `-o` naming a device or a FIFO writes into it: renaming a temporary file over it would
/// replace the device itself (`-o /dev/null` run as root took /dev/null from the machine).
#[test]
fn output_to_a_fifo_is_written_in_place() {
    let Some(image) = fixture("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("sbom.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    plinth()
        .args(["sbom", "-f", "json", "-o"])
        .arg(&fifo)
        .arg(&image)
        .assert()
        .success()
        .stdout("");
    let doc: Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(doc["packages"].as_array().unwrap().len(), 14);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file"
    );
}

#[test]
fn bad_source_date_epoch_is_a_usage_error() {
    let out = plinth()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["sbom", "-f", "spdx-json", "dir:/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
}

/// `dir:/` reads the machine's own root and finds every installed dpkg package.
#[test]
fn root_directory_lists_the_machines_dpkg_packages() {
    let Ok(out) = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${db:Status-Status}\n"])
        .output()
    else {
        println!("skipped: no dpkg-query on this machine");
        return;
    };
    let installed = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| *l == "installed")
        .count();
    let out = plinth()
        .args(["sbom", "-f", "json", "dir:/"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inv: Value = serde_json::from_slice(&out.stdout).unwrap();
    let debs = inv["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "deb" && p["found_at"] == "/var/lib/dpkg/status")
        .count();
    assert_eq!(debs, installed);
}
