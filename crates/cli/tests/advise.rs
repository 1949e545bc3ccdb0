//! `plinth advise`, `plinth compare` and `plinth diff` end to end: exact facts and diffs on
//! the fixture images (skipped when absent), advice on a synthetic image with a Dockerfile,
//! and bad input (missing image, bad EOL file, missing database) with its exit code.

use std::path::Path;

use assert_cmd::Command;
use plinth_testdata::truth::OciImage;
use serde_json::{Value, json};

/// No default vulnerability database leaks in from the machine.
fn plinth(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env("XDG_CACHE_HOME", cache).env_remove("PLINTH_DB");
    cmd
}

fn fixture(name: &str) -> Option<String> {
    plinth_testdata::fixture(name).map(|p| format!("oci-dir:{}", p.display()))
}

/// The fixture as tar, dpkg-query and its own JSON see it: its sizes and Debian versions
/// change with every rebuild from the live mirror.
fn truth(name: &str) -> OciImage {
    OciImage::open(&plinth_testdata::fixture(name).expect("fixture"))
}

fn json_out(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn compare_four_fixtures_as_json() {
    let names = [
        "debian-bookworm",
        "alpine-3.20",
        "distroless-debian",
        "rpm-mariner",
    ];
    let Some(refs) = names
        .iter()
        .map(|n| fixture(&format!("oci-{n}")))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let v = json_out(
        plinth(tmp.path())
            .arg("compare")
            .args(&refs)
            .args(["-f", "json"]),
    );
    // End of life is judged against the real clock: on any day, past means the table's date
    // is before today.
    let today = String::from_utf8(
        std::process::Command::new("date")
            .args(["-u", "+%F"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let rows: Vec<Value> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let eol = &f["os"]["eol"];
            assert_eq!(
                eol["past"],
                json!(eol["date"].as_str().unwrap() < today.trim())
            );
            json!([
                f["os"]["id"],
                f["os"]["version_id"],
                f["libc"],
                f["shell"],
                f["package_manager"],
                f["user"],
                f["size"]["uncompressed"],
                f["packages"]["total"],
                f["vulnerabilities"]
            ])
        })
        .collect();
    let (bookworm, alpine, distroless, mariner) = (
        truth("oci-debian-bookworm"),
        truth("oci-alpine-3.20"),
        truth("oci-distroless-debian"),
        truth("oci-rpm-mariner"),
    );
    let debs = bookworm.dpkg_packages();
    let (apks, distroless_debs) = (alpine.apk_packages(), distroless.dpkg_packages());
    let rpms = mariner
        .rpm_packages()
        .map_or(json!(129), |r| json!(r.len()));
    assert_eq!(
        rows,
        vec![
            json!([
                "debian",
                "12",
                "glibc",
                true,
                "apt",
                "root",
                bookworm.uncompressed_size(),
                debs.len(),
                null
            ]),
            json!([
                "alpine",
                "3.20.3",
                "musl",
                true,
                null,
                "root",
                alpine.uncompressed_size(),
                apks.len(),
                null
            ]),
            json!([
                "debian",
                "12",
                "glibc",
                false,
                null,
                "root",
                distroless.uncompressed_size(),
                distroless_debs.len(),
                null
            ]),
            json!([
                "mariner",
                "2.0",
                "glibc",
                false,
                null,
                "root",
                mariner.uncompressed_size(),
                rpms,
                null
            ]),
        ]
    );
    assert_eq!(v[0]["image"], json!(refs[0]));
    // The table has one column per image.
    let out = plinth(tmp.path())
        .arg("compare")
        .args(&refs[..2])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let libc = text.lines().find(|l| l.starts_with("libc")).unwrap();
    let glibc = format!("glibc {}", debs["libc6"]);
    let musl = format!("musl {}", apks["musl"]);
    assert!(libc.contains(&glibc) && libc.contains(&musl), "{libc}");
}

#[test]
fn diff_bookworm_to_app() {
    let (Some(old), Some(new)) = (fixture("oci-debian-bookworm"), fixture("oci-debian-app")) else {
        return;
    };
    let app = truth("oci-debian-app");
    let debs = app.dpkg_packages().len();
    let layer: Vec<u64> = app.layers.iter().map(|l| l.entries_size()).collect();
    let tmp = tempfile::tempdir().unwrap();
    let v = json_out(plinth(tmp.path()).args(["diff", &old, &new, "-f", "json"]));
    let p = &v["packages"];
    let count = |k: &str| p[k].as_array().unwrap().len();
    assert_eq!(
        (
            count("added"),
            count("removed"),
            count("upgraded"),
            count("downgraded"),
            p["unchanged"].clone()
        ),
        (69, 0, 0, 0, json!(debs))
    );
    let mut types: Vec<&str> = p["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    types.dedup();
    assert_eq!(types, vec!["go-module", "npm", "python", "rust-crate"]);
    let layers: Vec<Value> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!([l["same"], l["change"]]))
        .collect();
    assert_eq!(
        layers,
        vec![
            json!([true, 0]),
            json!([false, layer[1]]),
            json!([false, layer[2]])
        ]
    );
    assert_eq!(v["size"]["change"], json!(layer[1] + layer[2]));
    assert_eq!(v["vulnerabilities"], Value::Null);

    let md = tmp.path().join("diff.md");
    plinth(tmp.path())
        .args(["diff", &old, &new, "-f", "markdown", "-o"])
        .arg(&md)
        .assert()
        .success();
    let md = std::fs::read_to_string(md).unwrap();
    let packages =
        format!("**Packages:** 69 added, 0 removed, 0 upgraded, 0 downgraded, {debs} unchanged");
    assert!(md.contains(&packages), "{md}");
    let total: u64 = layer.iter().sum();
    let size = format!("| size | {} | {total} | +{} |", layer[0], total - layer[0]);
    assert!(md.contains(&size), "{md}");
}

#[test]
fn diff_alpine_upgrade_uses_apk_order() {
    let (Some(old), Some(new)) = (fixture("oci-alpine-3.9"), fixture("oci-alpine-3.20")) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let v = json_out(plinth(tmp.path()).args(["diff", &old, &new, "-f", "json"]));
    let musl = v["packages"]["upgraded"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "musl")
        .cloned()
        .unwrap();
    assert_eq!(
        musl,
        json!({"type": "apk", "name": "musl", "old": "1.1.20-r5", "new": "1.2.5-r0"})
    );
    assert_eq!(v["packages"]["downgraded"], json!([]));
}

// ---- a synthetic image -----------------------------------------------------------------------

fn tiny_static_elf() -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2;
    h[5] = 1;
    h[6] = 1;
    h[16..18].copy_from_slice(&2u16.to_le_bytes());
    h[18..20].copy_from_slice(&62u16.to_le_bytes());
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[52..54].copy_from_slice(&64u16.to_le_bytes());
    h[54..56].copy_from_slice(&56u16.to_le_bytes());
    h[58..60].copy_from_slice(&64u16.to_le_bytes());
    h.extend_from_slice(&[0u8; 10_000]);
    h
}

/// A ustar archive of regular files with modes.
fn write_layout(dir: &Path, files: &[(&str, u32, &[u8])], config: Value) {
    let layer = plinth_testdata::ustar(files);
    let id = plinth_testdata::sha256(&layer);
    plinth_testdata::oci_layout(dir, &[layer], &[id], config);
}

#[test]
fn advise_static_binary_with_dockerfile() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("img");
    let elf = tiny_static_elf();
    write_layout(
        &img,
        &[
            ("etc/os-release", 0o644, b"ID=debian\nVERSION_ID=\"12\"\n"),
            ("usr/bin/dash", 0o755, b"#!not really\n"),
            ("bin/sh", 0o755, b"#!not really\n"),
            ("app/server", 0o755, &elf),
        ],
        json!({"config": {"Entrypoint": ["/app/server"]}}),
    );
    let dockerfile = tmp.path().join("Dockerfile");
    std::fs::write(&dockerfile, "FROM golang:1.22 AS build\nRUN apt-get install -y gcc\nFROM debian:bookworm\nCOPY --from=build /out /app/server\nENTRYPOINT [\"/app/server\"]\n").unwrap();
    let reference = format!("oci-dir:{}", img.display());
    let v = json_out(
        plinth(tmp.path())
            .args(["advise", &reference, "-f", "json", "--dockerfile"])
            .arg(&dockerfile),
    );
    let ids: Vec<&str> = v["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["static-binary", "shell-not-needed", "runs-as-root"]
    );
    let a = &v["advice"][0];
    assert_eq!(
        a["dockerfile_lines"],
        json!([{"line": 3, "text": "FROM debian:bookworm"}])
    );
    assert_eq!(a["saving"]["basis"], "estimated");
    assert_eq!(a["saving"]["vulnerabilities"], Value::Null);
    assert_eq!(v["facts"]["entrypoint"]["kind"], "static-elf");
    // Runs as root: points at the final FROM, since the final stage has no USER.
    assert_eq!(v["advice"][2]["dockerfile_lines"][0]["line"], 3);
    // Text output names the saving.
    let out = plinth(tmp.path())
        .args(["advise", &reference])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "the entrypoint /app/server is a static binary: scratch or distroless static would drop"
        ),
        "{text}"
    );
    // A candidate turns the estimate into a measurement.
    let v = json_out(plinth(tmp.path()).args([
        "advise",
        &reference,
        "-f",
        "json",
        "--candidate",
        &reference,
    ]));
    assert_eq!(
        v["advice"][0]["saving"]["basis"],
        format!("measured against {reference}")
    );
    assert_eq!(v["advice"][0]["saving"]["bytes"], 0);
}

#[test]
fn bad_input_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.tar");
    let out = plinth(tmp.path())
        .arg("advise")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = tmp.path().join("img");
    write_layout(
        &img,
        &[("etc/os-release", 0o644, b"ID=alpine\nVERSION_ID=3.20.1\n")],
        json!({}),
    );
    let reference = format!("oci-dir:{}", img.display());
    let eol = tmp.path().join("eol.json");
    std::fs::write(&eol, "{not json").unwrap();
    let out = plinth(tmp.path())
        .args(["compare", &reference, "--eol-data"])
        .arg(&eol)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("plinth: {}: not an EOL file", eol.display())),
        "{err}"
    );
    std::fs::write(&eol, r#"{"updated":"2026-11-01","releases":[{"os":"alpine","release":"3.20","eol":"2099-01-01"}]}"#).unwrap();
    let v = json_out(
        plinth(tmp.path())
            .args(["compare", &reference, "-f", "json", "--eol-data"])
            .arg(&eol),
    );
    assert_eq!(v[0]["os"]["eol"]["date"], "2099-01-01");
    assert_eq!(v[0]["os"]["eol"]["past"], false);
    let out = plinth(tmp.path())
        .args(["diff", &reference, &reference, "--db"])
        .arg(tmp.path().join("no.redb"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No entrypoint: facts say so, advice claims nothing about it.
    let v = json_out(plinth(tmp.path()).args(["advise", &reference, "-f", "json"]));
    assert_eq!(v["facts"]["entrypoint"]["kind"], "none");
    assert_eq!(v["facts"]["libc"], "none");
    let ids: Vec<&str> = v["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "os-end-of-life",
            "entrypoint-unknown",
            "no-shell-debugging",
            "runs-as-root"
        ]
    );
}
