//! Issue 14 end to end: root filesystem tarballs (`rootfs-archive:` and sniffed paths) with
//! every image command, and `files` showing the parent directories a tar never listed.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// No default vulnerability database leaks in from the machine.
fn plinth(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env("XDG_CACHE_HOME", cache).env_remove("PLINTH_DB");
    cmd
}

/// The alpine fixture's only layer: a gzip tar of Alpine's minirootfs files.
fn alpine_rootfs(tmp: &Path) -> Option<PathBuf> {
    let dir = plinth_testdata::fixture("oci-alpine-3.20")?;
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let blob = |d: &Value| dir.join("blobs/sha256").join(&d.as_str().unwrap()[7..]);
    let manifest = read(&blob(
        &read(&dir.join("index.json"))["manifests"][0]["digest"],
    ));
    let copy = tmp.join("alpine-minirootfs-3.20.3-x86_64.tar.gz");
    std::fs::copy(blob(&manifest["layers"][0]["digest"]), &copy).unwrap();
    Some(copy)
}

/// Packages in the apk database the alpine fixture was built from (`P:` lines).
fn apk_packages() -> Option<usize> {
    let db = plinth_testdata::shared()?.join("fixtures/alpine/3.20.3-x86_64/lib/apk/db/installed");
    let text = std::fs::read_to_string(db).unwrap();
    Some(text.lines().filter(|l| l.starts_with("P:")).count())
}

#[test]
fn every_image_command_reads_a_rootfs_tarball() {
    let tmp = tempfile::tempdir().unwrap();
    let (Some(rootfs), Some(packages)) = (alpine_rootfs(tmp.path()), apk_packages()) else {
        return;
    };
    let named = format!("rootfs-archive:{}", rootfs.display());
    let sniffed = rootfs.display().to_string();
    let cache = tmp.path().join("cache");
    let run = |args: &[&str]| {
        let out = plinth(&cache).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "plinth {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    let (sbom, note) = run(&["sbom", &sniffed, "-f", "json"]);
    assert!(
        note.starts_with(&format!(
            "plinth: note: {sniffed}: a tar+gzip with no image manifest (manifest.json, index.json): read as a root filesystem (rootfs-archive:{sniffed})"
        )),
        "{note}"
    );
    let sbom: Value = serde_json::from_str(&sbom).unwrap();
    assert_eq!(sbom["packages"].as_array().unwrap().len(), packages);

    let (files, note) = run(&["files", &named]);
    assert!(
        note.is_empty(),
        "a named rootfs-archive: needs no note: {note}"
    );
    assert!(
        files.lines().any(|l| l.ends_with("  /bin/busybox")),
        "{files}"
    );

    let (layers, _) = run(&["layers", &named]);
    assert!(
        layers.contains("rootfs archive (tar+gzip)") || layers.contains(&named),
        "{layers}"
    );

    let (advise, _) = run(&["advise", &named]);
    let first = advise.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{named}: alpine 3.20.3, libc musl")),
        "{first}"
    );

    run(&["compare", &named, &sniffed]);
    let (diff, _) = run(&["diff", &named, &sniffed, "-f", "json"]);
    let diff: Value = serde_json::from_str(&diff).unwrap();
    assert!(diff.is_object());
}

/// A ustar header for `name` of `kind` (`0` file, `5` directory), no data.
fn header(name: &str, kind: u8) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(if kind == b'5' { b"0000755" } else { b"0000644" });
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(b"00000000000");
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

#[test]
fn files_shows_the_parents_a_tar_never_listed_as_implied() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tar = Vec::new();
    for (name, kind) in [
        ("etc/", b'5'),
        ("etc/hostname", b'0'),
        ("usr/local/bin/app", b'0'),
    ] {
        tar.extend_from_slice(&header(name, kind));
    }
    tar.resize(tar.len() + 1024, 0);
    let path = tmp.path().join("sparse.tar");
    std::fs::write(&path, &tar).unwrap();
    let out = plinth(tmp.path())
        .args([
            "files",
            &format!("rootfs-archive:{}", path.display()),
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<(String, String, bool)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_string(),
                v["type"].as_str().unwrap().to_string(),
                v["implied"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let want = [
        ("/etc", "dir", false),
        ("/etc/hostname", "file", false),
        ("/usr", "dir", true),
        ("/usr/local", "dir", true),
        ("/usr/local/bin", "dir", true),
        ("/usr/local/bin/app", "file", false),
    ];
    let want: Vec<(String, String, bool)> = want
        .iter()
        .map(|(p, k, i)| (p.to_string(), k.to_string(), *i))
        .collect();
    assert_eq!(rows, want);
    let table = plinth(tmp.path())
        .args(["files", &path.display().to_string()])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("drwxr-xr-x") && l.ends_with("  /usr/local  (implied)")),
        "{table}"
    );
}
