//! Images laid out like docker-library's busybox, built here from real binaries: Debian's
//! static busybox (the one the alpine fixture carries) and, for the glibc variant, Debian's
//! dynamic busybox (`apt-get download busybox`) with the glibc of the debian-bookworm fixture.
//! One binary stored as `/bin/[`, first in the layer, and every other applet a hard link to
//! it; the applet names come from the binary itself (`busybox --list`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use plinth_advise::eol::EolTable;
use plinth_advise::{Gathered, Options, advice, gather};
use plinth_image::reference::Reference;
use plinth_testdata::{fixture, oci_layout, sha256};
use serde_json::{Value, json};

/// The first layer blob of an OCI layout fixture.
fn first_layer(dir: &Path) -> PathBuf {
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let blob = |d: &Value| dir.join("blobs/sha256").join(&d.as_str().unwrap()[7..]);
    let index = read(&dir.join("index.json"));
    let manifest = read(&blob(&index["manifests"][0]["digest"]));
    blob(&manifest["layers"][0]["digest"])
}

/// The regular files of a gzip layer whose base name is one of `names`, read with zcat.
fn files_named(layer: &Path, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut zcat = Command::new("zcat")
        .arg(layer)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = Vec::new();
    let mut tar = tar::Archive::new(zcat.stdout.take().unwrap());
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let base = path.rsplit('/').next().unwrap_or(&path).to_string();
        if entry.header().entry_type().is_file() && names.contains(&base.as_str()) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            out.push((base, bytes));
        }
    }
    zcat.wait().unwrap();
    out
}

/// The applets a busybox binary says it has, by running it under the name `busybox`.
fn applets(binary: &[u8], scratch: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let exe = scratch.join("busybox");
    std::fs::write(&exe, binary).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(&exe).arg("--list").output().unwrap();
    assert!(out.status.success(), "{exe:?} --list failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// A docker-library busybox layer: `bin/[` first, then a hard link per other applet and
/// `bin/busybox`, then `extra` files (libraries).
fn busybox_layer(binary: &[u8], applets: &[String], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dir = tar::Header::new_ustar();
    dir.set_entry_type(tar::EntryType::Directory);
    dir.set_mode(0o755);
    dir.set_size(0);
    b.append_data(&mut dir.clone(), "bin/", std::io::empty())
        .unwrap();
    let mut file = tar::Header::new_ustar();
    file.set_mode(0o755);
    file.set_size(binary.len() as u64);
    b.append_data(&mut file, "bin/[", binary).unwrap();
    let names = applets
        .iter()
        .map(String::as_str)
        .chain(["busybox"])
        .filter(|n| *n != "[");
    for name in names {
        let mut link = tar::Header::new_ustar();
        link.set_entry_type(tar::EntryType::Link);
        link.set_mode(0o755);
        link.set_size(0);
        b.append_link(&mut link, format!("bin/{name}"), "bin/[")
            .unwrap();
    }
    for (path, bytes) in extra {
        if let Some((parent, _)) = path.rsplit_once('/') {
            b.append_data(&mut dir.clone(), format!("{parent}/"), std::io::empty())
                .unwrap();
        }
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o755);
        h.set_size(bytes.len() as u64);
        b.append_data(&mut h, path, *bytes).unwrap();
    }
    b.into_inner().unwrap()
}

fn gather_layer(dir: &Path, layer: Vec<u8>) -> Gathered {
    let diff_id = sha256(&layer);
    let r = oci_layout(
        dir,
        &[layer],
        &[diff_id],
        json!({"config": {"Cmd": ["sh"]}}),
    );
    let image = Reference::parse(&r).unwrap().open_local(None).unwrap();
    let eol = EolTable::default();
    let opts = Options {
        eol: &eol,
        db: None,
        today: (2026, 11, 27),
    };
    gather(&image, &opts).unwrap()
}

fn summary(g: &Gathered) -> String {
    let mut out = Vec::new();
    let advice = advice::advise(&g.facts, &[], None);
    advice::text(&g.facts, &advice, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The static busybox of the alpine fixture.
fn static_busybox() -> Option<Vec<u8>> {
    let layer = first_layer(&fixture("oci-alpine-3.20")?);
    files_named(&layer, &["busybox"]).pop().map(|(_, b)| b)
}

#[test]
fn static_busybox_is_applets_not_rpm() {
    let Some(binary) = static_busybox() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let applets = applets(&binary, tmp.path());
    // The real binary has rpm and dpkg applets: exactly what fooled the package manager fact.
    assert!(applets.iter().any(|a| a == "rpm") && applets.iter().any(|a| a == "dpkg"));
    assert!(applets.len() > 200, "{} applets", applets.len());
    let image = tmp.path().join("image");
    std::fs::create_dir(&image).unwrap();
    let g = gather_layer(&image, busybox_layer(&binary, &applets, &[]));
    let f = &g.facts;

    assert_eq!(f.package_manager, None);
    assert!(
        f.package_manager_evidence
            == "busybox applets, no package manager: /bin/dpkg (hard link to /bin/[) is a busybox applet; /bin/rpm (hard link to /bin/[) is a busybox applet",
        "{}",
        f.package_manager_evidence
    );
    assert_eq!(f.multi_call.len(), 1);
    let m = &f.multi_call[0];
    let names_with_bracket = applets.len() + usize::from(!applets.iter().any(|a| a == "busybox"));
    assert_eq!(
        (m.kind.as_str(), m.file.as_str(), m.names),
        ("busybox", "/bin/[", names_with_bracket)
    );

    // The entrypoint is shown as the user named it; its facts come from the file.
    let ep = &f.entrypoint;
    assert_eq!(ep.path.as_deref(), Some("/bin/sh"));
    assert_eq!(ep.resolved.as_deref(), Some("/bin/["));
    assert_eq!(ep.applet_of.as_deref(), Some("busybox"));
    assert_eq!(ep.kind, "static-elf");
    assert_eq!(ep.size, Some(binary.len() as u64));
    assert_eq!(
        f.shell_evidence,
        "/bin/sh (hard link to /bin/[), a busybox applet"
    );

    assert_eq!(f.libc, "none");
    let why_static = f.static_image.as_deref().expect("a static image");
    assert!(
        why_static.contains("the entrypoint /bin/sh (the file /bin/[) is a static ELF"),
        "{why_static}"
    );
    assert!(f.build_tools.is_empty(), "{:?}", f.build_tools);

    assert_eq!(f.os.label(), "unknown OS (no os-release)");
    let first = summary(&g).lines().next().unwrap().to_string();
    assert!(
        first.contains(": unknown OS (no os-release), libc none (static image), shell yes, busybox applets, no package manager, user root"),
        "{first}"
    );
}

#[test]
fn glibc_busybox_links_against_the_images_glibc() {
    let Some(debian) = fixture("oci-debian-bookworm") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let got = Command::new("apt-get")
        .args(["download", "busybox"])
        .current_dir(tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let Some(deb) = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .filter(|_| got.is_ok_and(|s| s.success()))
    else {
        println!("skipped: apt-get download busybox failed (no Debian mirror)");
        return;
    };
    let unpacked = tmp.path().join("deb");
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&unpacked)
        .status()
        .unwrap();
    assert!(status.success());
    let binary = std::fs::read(unpacked.join("bin/busybox")).unwrap();
    let applets = applets(&binary, tmp.path());
    let libs = files_named(
        &first_layer(&debian),
        &["libc.so.6", "libresolv.so.2", "ld-linux-x86-64.so.2"],
    );
    assert_eq!(libs.len(), 3, "glibc files of the debian fixture");
    let extra: Vec<(String, &[u8])> = libs
        .iter()
        .map(|(name, bytes)| {
            let dir = if name.starts_with("ld-") {
                "lib64"
            } else {
                "lib"
            };
            (format!("{dir}/{name}"), bytes.as_slice())
        })
        .collect();
    let extra: Vec<(&str, &[u8])> = extra.iter().map(|(p, b)| (p.as_str(), *b)).collect();
    let image = tmp.path().join("image");
    std::fs::create_dir(&image).unwrap();
    let g = gather_layer(&image, busybox_layer(&binary, &applets, &extra));
    let f = &g.facts;

    assert_eq!(f.package_manager, None);
    assert_eq!(f.multi_call[0].kind, "busybox");
    assert_eq!(f.libc, "glibc");
    assert!(f.static_image.is_none());
    let ep = &f.entrypoint;
    assert_eq!(
        (ep.path.as_deref(), ep.resolved.as_deref(), ep.kind),
        (Some("/bin/sh"), Some("/bin/["), "dynamic-elf")
    );
    assert_eq!(ep.libc, Some("glibc"));
    let libs: Vec<(&str, Option<&str>)> = ep
        .libraries
        .iter()
        .map(|l| (l.name.as_str(), l.path.as_deref()))
        .collect();
    assert_eq!(
        libs,
        vec![
            ("libresolv.so.2", Some("/lib/libresolv.so.2")),
            ("libc.so.6", Some("/lib/libc.so.6")),
        ]
    );
}

#[test]
fn a_package_manager_needs_its_database() {
    let layer = plinth_testdata::ustar(&[
        ("usr/bin/rpm", 0o755, b"#!/bin/sh\n"),
        ("sbin/apk", 0o755, b"#!/bin/sh\n"),
        ("lib/apk/db/installed", 0o644, b""),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let f = gather_layer(tmp.path(), layer).facts;
    assert_eq!(f.package_manager.as_deref(), Some("apk"));
    assert_eq!(
        f.package_manager_evidence,
        "/sbin/apk with its database /lib/apk/db/installed"
    );
    let layer = plinth_testdata::ustar(&[("usr/bin/rpm", 0o755, b"#!/bin/sh\n")]);
    let tmp = tempfile::tempdir().unwrap();
    let f = gather_layer(tmp.path(), layer).facts;
    assert_eq!(f.package_manager, None);
    assert!(
        f.package_manager_evidence
            .starts_with("/usr/bin/rpm without its database (none of /var/lib/rpm/rpmdb.sqlite,"),
        "{}",
        f.package_manager_evidence
    );
    assert_eq!(f.package_manager_label(), "no package manager");
}

/// Two layers: a root filesystem `ADD`ed by a classic build, then an app layer BuildKit added.
fn two_layer_image(dir: &Path, config: Value) -> String {
    let base = plinth_testdata::ustar(&[("etc/hostname", 0o644, b"box\n")]);
    let app = plinth_testdata::ustar(&[("app/run", 0o755, b"#!/bin/sh\n")]);
    let ids = [sha256(&base), sha256(&app)];
    oci_layout(dir, &[base, app], &ids, config)
}

fn history() -> Value {
    json!([
        {"created_by": "/bin/sh -c #(nop) ADD file:0a1b in / "},
        {"created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": true},
        {"created_by": "COPY run /app/run # buildkit", "comment": "buildkit.dockerfile.v0"}
    ])
}

fn gather_ref(r: &str) -> Gathered {
    let image = Reference::parse(r).unwrap().open_local(None).unwrap();
    let eol = EolTable::default();
    let opts = Options {
        eol: &eol,
        db: None,
        today: (2026, 11, 27),
    };
    gather(&image, &opts).unwrap()
}

#[test]
fn base_identity_from_labels_annotations_and_history() {
    const NAME: &str = "org.opencontainers.image.base.name";
    const DIGEST: &str = "org.opencontainers.image.base.digest";
    let d = "sha256:8d5a0b6c0ea5d3ff5e1a9a2e2b35f5a6e8d7f1c4b1a0e9d8c7b6a5f4e3d2c1b0";
    let tmp = tempfile::tempdir().unwrap();
    let labelled = json!({"config": {"Labels": {NAME: "docker.io/library/busybox:1.36", DIGEST: d}}, "history": history()});
    let labelled = gather_ref(&two_layer_image(tmp.path(), labelled));
    let f = &labelled.facts;
    assert_eq!(
        f.base.label(),
        format!("docker.io/library/busybox:1.36@{d}")
    );
    assert_eq!(f.base.layers, Some(1));
    assert_eq!(
        f.base.evidence,
        "the config labels name it (org.opencontainers.image.base.name/.base.digest); the history puts the base's end after layer 0"
    );

    // The manifest's annotations win over labels (BuildKit writes them there).
    let tmp = tempfile::tempdir().unwrap();
    let r = two_layer_image(tmp.path(), json!({"history": history()}));
    let index_path = tmp.path().join("index.json");
    let mut index: Value = serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let old = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = tmp.path().join("blobs/sha256").join(&old[7..]);
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(blob).unwrap()).unwrap();
    manifest["annotations"] = json!({NAME: "debian:12", DIGEST: d});
    let bytes = serde_json::to_vec(&manifest).unwrap();
    index["manifests"][0]["digest"] = json!(plinth_testdata::put_blob(tmp.path(), &bytes));
    index["manifests"][0]["size"] = json!(bytes.len());
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let f = gather_ref(&r).facts;
    assert_eq!(f.base.label(), format!("debian:12@{d}"));
    assert!(
        f.base
            .evidence
            .starts_with("the manifest annotations name it"),
        "{}",
        f.base.evidence
    );

    // Neither: say so and name what is missing.
    let tmp = tempfile::tempdir().unwrap();
    let silent =
        json!({"history": [{"created_by": "umoci repack"}, {"created_by": "umoci repack"}]});
    let g = gather_ref(&two_layer_image(tmp.path(), silent));
    assert_eq!(g.facts.base.label(), "unknown");
    assert_eq!(g.facts.base.layers, None);
    let text = summary(&g);
    assert!(
        text.lines().nth(1).unwrap().starts_with(
            "base image: unknown (no org.opencontainers.image.base.name or .base.digest annotation or label; the history marks no base boundary"
        ),
        "{text}"
    );

    // diff says which base each side stands on.
    let mut out = Vec::new();
    plinth_advise::diff::text(&plinth_advise::diff::diff(&labelled, &g), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out.lines().nth(1),
        Some(format!("base image: docker.io/library/busybox:1.36@{d} -> unknown").as_str())
    );
}
