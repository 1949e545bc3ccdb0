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
    let names: Vec<String> = applets
        .iter()
        .map(String::as_str)
        .chain(["busybox"])
        .filter(|n| *n != "[")
        .map(String::from)
        .collect();
    multicall_layer(binary, &names, extra)
}

/// A multi-call layer laid out as docker-library lays out busybox: the binary as `bin/[`,
/// first, a hard link to it for each of `names`, then `extra` files.
fn multicall_layer(binary: &[u8], names: &[String], extra: &[(&str, &[u8])]) -> Vec<u8> {
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
        "the config labels name it (org.opencontainers.image.base.name/.base.digest); layers 0..1, by the history (the base's CMD/ENTRYPOINT, more layers after it); the base's manifest did not tell: its manifest is not in this image's source"
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
            "base image: unknown (no org.opencontainers.image.base.name or .base.digest annotation or label; its layers are unknown: the history marks no base boundary)"
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

/// A multi-call program: what it does depends on the name it is run under.
const MULTICALL_C: &str = r#"#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    if (strcmp(name, "true") == 0) return 0;
    if (strcmp(name, "false") == 0) return 1;
    printf("%s: an applet\n", name);
    return 0;
}
"#;

/// Runs `program` with `args`; its standard output, or `None` when it cannot run.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Like docker-library's `busybox:musl`: one static executable built here with musl-gcc
/// (Debian's musl-tools), stored as `/bin/[` with hard links for its applets, among them the
/// names of package managers. readelf, run here, agrees that it has no interpreter and needs
/// no library.
#[test]
fn static_musl_variant_is_static_with_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("multicall.c");
    std::fs::write(&source, MULTICALL_C).unwrap();
    let exe = tmp.path().join("multicall");
    let built = Command::new("musl-gcc")
        .args(["-static", "-Os", "-o"])
        .arg(&exe)
        .arg(&source)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        println!("skipped: musl-gcc could not build a static program (apt-get install musl-tools)");
        return;
    }
    let exe_path = exe.to_str().unwrap();
    let program = output("readelf", &["-l", "-d", exe_path]).expect("readelf runs");
    assert!(
        !program.contains("INTERP") && !program.contains("(NEEDED)"),
        "{program}"
    );
    // It is multi-call: `false` fails, `true` succeeds.
    let false_link = tmp.path().join("false");
    std::fs::hard_link(&exe, &false_link).unwrap();
    assert!(!Command::new(&false_link).status().unwrap().success());

    let binary = std::fs::read(&exe).unwrap();
    let names: Vec<String> = [
        "sh", "ls", "cat", "echo", "true", "false", "rpm", "dpkg", "apk", "vi",
    ]
    .map(String::from)
    .to_vec();
    let image = tmp.path().join("image");
    std::fs::create_dir(&image).unwrap();
    let g = gather_layer(&image, multicall_layer(&binary, &names, &[]));
    let f = &g.facts;

    assert_eq!(f.multi_call.len(), 1);
    let m = &f.multi_call[0];
    assert_eq!(
        (m.kind.as_str(), m.file.as_str(), m.names),
        ("multi-call binary", "/bin/[", names.len() + 1)
    );
    assert_eq!(f.package_manager, None);
    assert_eq!(
        f.package_manager_evidence,
        "multi-call binary applets, no package manager: /bin/dpkg (hard link to /bin/[) is a multi-call binary applet; /bin/rpm (hard link to /bin/[) is a multi-call binary applet"
    );
    assert_eq!(
        f.package_manager_label(),
        "multi-call binary applets, no package manager"
    );
    let ep = &f.entrypoint;
    assert_eq!(
        (ep.path.as_deref(), ep.resolved.as_deref(), ep.kind),
        (Some("/bin/sh"), Some("/bin/["), "static-elf")
    );
    assert_eq!(ep.applet_of.as_deref(), Some("multi-call binary"));
    assert!(ep.interpreter.is_none() && ep.libraries.is_empty());
    assert_eq!((f.libc, f.libc_version.as_deref()), ("none", None));
    assert_eq!(
        f.static_image.as_deref(),
        Some(
            "no libc package (libc6, glibc, musl), no libc.so.6 and no ld-musl loader in the image; the entrypoint /bin/sh (the file /bin/[) is a static ELF (no interpreter, no needed libraries)"
        )
    );
    assert_eq!(
        f.shell_evidence,
        "/bin/sh (hard link to /bin/[), a multi-call binary applet"
    );
    let first = summary(&g).lines().next().unwrap().to_string();
    assert!(
        first.contains(": unknown OS (no os-release), libc none (static image), shell yes, multi-call binary applets, no package manager, user root"),
        "{first}"
    );
}

/// Like docker-library's `busybox:glibc`: this machine's dynamically linked `dash` as the
/// shell (`/bin/sh -> dash`), with the glibc files `ldd` says it loads, at the paths `ldd`
/// names. The glibc version is the one `getconf GNU_LIBC_VERSION` reports here.
#[test]
fn glibc_variant_names_its_libc_version_and_the_paths_as_named() {
    let (Some(ldd), Some(version)) = (
        output("ldd", &["/bin/dash"]),
        output("getconf", &["GNU_LIBC_VERSION"]),
    ) else {
        println!("skipped: no ldd or getconf on this machine");
        return;
    };
    let version = version.trim().strip_prefix("glibc ").unwrap().to_string();
    // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` and `/lib64/ld-linux-x86-64.so.2 (0x…)`.
    let libs: Vec<String> = ldd
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let path = l.split_once(" => ").map_or(l, |(_, p)| p);
            path.split_whitespace()
                .next()
                .filter(|p| p.starts_with('/'))
                .map(String::from)
        })
        .collect();
    assert!(libs.iter().any(|l| l.ends_with("/libc.so.6")), "{ldd}");

    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, kind: tar::EntryType, data: &[u8], link: &str| {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_mode(0o755);
        h.set_size(data.len() as u64);
        if kind == tar::EntryType::Symlink {
            b.append_link(&mut h, path, link).unwrap();
        } else {
            b.append_data(&mut h, path, data).unwrap();
        }
    };
    add("bin/", tar::EntryType::Directory, b"", "");
    add(
        "bin/dash",
        tar::EntryType::Regular,
        &std::fs::read("/bin/dash").unwrap(),
        "",
    );
    add("bin/sh", tar::EntryType::Symlink, b"", "dash");
    for lib in &libs {
        let bytes = std::fs::read(lib).unwrap();
        let (dir, _) = lib.rsplit_once('/').unwrap();
        add(
            &format!("{}/", &dir[1..]),
            tar::EntryType::Directory,
            b"",
            "",
        );
        add(&lib[1..], tar::EntryType::Regular, &bytes, "");
    }
    let layer = b.into_inner().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let g = gather_layer(tmp.path(), layer);
    let f = &g.facts;

    let libc_path = libs.iter().find(|l| l.ends_with("/libc.so.6")).unwrap();
    assert_eq!(
        (f.libc, f.libc_version.as_deref()),
        ("glibc", Some(version.as_str()))
    );
    assert_eq!(f.libc_evidence, format!("{libc_path} is present"));
    assert!(f.static_image.is_none());
    assert_eq!(f.package_manager, None);
    assert_eq!(f.package_manager_label(), "no package manager");
    assert!(f.multi_call.is_empty());
    assert_eq!(f.shell_evidence, "/bin/sh -> /bin/dash");
    let ep = &f.entrypoint;
    assert_eq!(
        (ep.path.as_deref(), ep.resolved.as_deref(), ep.kind),
        (Some("/bin/sh"), Some("/bin/dash"), "dynamic-elf")
    );
    assert_eq!(ep.libc, Some("glibc"));
    let interpreter = libs.iter().find(|l| l.contains("/ld-linux")).unwrap();
    assert_eq!(ep.interpreter.as_deref(), Some(interpreter.as_str()));
    let found: Vec<(&str, Option<&str>)> = ep
        .libraries
        .iter()
        .map(|l| (l.name.as_str(), l.path.as_deref()))
        .collect();
    assert_eq!(found, vec![("libc.so.6", Some(libc_path.as_str()))]);
    let first = summary(&g).lines().next().unwrap().to_string();
    assert!(
        first.contains(
            ": unknown OS (no os-release), libc glibc, shell yes, no package manager, user root"
        ),
        "{first}"
    );
}
