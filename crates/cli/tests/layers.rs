//! `plinth layers` and `plinth files` through the binary: outputs, --ci gates, exit codes.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use plinth_testdata::fixtures;

fn plinth() -> Command {
    Command::cargo_bin("plinth").unwrap()
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_input_is_exit_3_with_one_line() {
    let (code, out, err) = run(plinth().args(["layers", "/no/such/image.tar"]));
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/image.tar"), "{err}");
}

#[test]
fn failed_run_leaves_no_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let garbage = tmp.path().join("garbage.tar");
    std::fs::write(&garbage, vec![0x42u8; 4096]).unwrap();
    let out = tmp.path().join("report.json");
    let (code, _, err) = run(plinth()
        .arg("layers")
        .arg(&garbage)
        .args(["-f", "json", "-o"])
        .arg(&out));
    assert_eq!(code, 3, "{err}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "a temp file was left behind"
    );
}

#[test]
fn a_directory_is_a_root_filesystem() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("etc")).unwrap();
    std::fs::write(tmp.path().join("etc/hostname"), "box\n").unwrap();
    std::os::unix::fs::symlink("hostname", tmp.path().join("etc/name")).unwrap();
    let (code, out, err) = run(plinth()
        .arg("files")
        .arg(format!("dir:{}", tmp.path().display()))
        .args(["-f", "json"]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let paths: Vec<&str> = rows.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/etc", "/etc/hostname", "/etc/name"]);
    assert_eq!(rows[1]["size"], 4);
    assert_eq!(rows[2]["type"], "symlink");
    assert_eq!(rows[2]["target"], "hostname");
}

#[test]
fn files_of_the_machines_own_root() {
    let (code, out, err) = run(plinth().args(["files", "dir:/", "-f", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(|l| l.contains("\"path\":\"/etc\"")),
        "no /etc in dir:/"
    );
}

#[test]
fn json_report_has_the_documented_fields() {
    let Some(dir) = fixtures() else { return };
    let (code, out, err) = run(plinth()
        .arg("layers")
        .arg(dir.join("debian-app.docker.tar"))
        .args(["-f", "json"]));
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    for field in [
        "layers",
        "efficiency",
        "wasted_bytes",
        "user_wasted_percent",
        "reclaimable_bytes",
        "inefficiencies",
    ] {
        assert!(r.get(field).is_some(), "missing {field}");
    }
    for field in [
        "index",
        "digest",
        "diff_id",
        "size",
        "compressed_size",
        "created_by",
        "added",
        "modified",
        "removed",
    ] {
        assert!(
            r["layers"][0].get(field).is_some(),
            "missing layers[].{field}"
        );
    }
    assert_eq!(r["wasted_bytes"], wasted_bytes(&dir.join("oci-debian-app")));
    // big.bin (1 MiB) added in layer 1 and deleted in layer 2 is the top reclaimable path.
    assert_eq!(r["top_wasteful"][0]["path"], "/app/big.bin");
    assert_eq!(r["top_wasteful"][0]["added_in"], 1);
    assert_eq!(r["top_wasteful"][0]["removed_in"], 2);
    assert_eq!(r["layers"][2]["removed"], 1);
}

#[test]
fn ci_gates_fail_with_exit_1_and_say_which_rule() {
    let Some(dir) = fixtures() else { return };
    let image = dir.join("edge-cases.docker.tar");
    let (code, _, err) = run(plinth().arg("layers").arg(&image).arg("--ci"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("lowestEfficiency") && err.contains("highestUserWastedPercent"),
        "{err}"
    );
    let (code, _, err) = run(plinth().arg("layers").arg(&image).args([
        "--ci",
        "--lowest-efficiency",
        "0.001",
        "--highest-user-wasted-percent",
        "disabled",
    ]));
    assert_eq!(code, 0, "{err}");
    // A .dive-ci file in the working directory is read, and flags win over it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".dive-ci"), "rules:\n  lowestEfficiency: 0.001\n  highestUserWastedPercent: disabled\n  highestWastedBytes: 1KB\n").unwrap();
    let (code, _, err) = run(plinth()
        .current_dir(tmp.path())
        .arg("layers")
        .arg(&image)
        .arg("--ci"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("highestWastedBytes") && !err.contains("lowestEfficiency"),
        "{err}"
    );
    let (code, _, err) = run(plinth()
        .current_dir(tmp.path())
        .arg("layers")
        .arg(&image)
        .args(["--ci", "--highest-wasted-bytes", "1MB"]));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn files_match_the_expected_edge_case_listing_and_layer_changes() {
    let Some(dir) = fixtures() else { return };
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("edge-cases.expected.json")).unwrap())
            .unwrap();
    let (code, out, err) = run(plinth()
        .arg("files")
        .arg(dir.join("edge-cases.oci.tar"))
        .args(["-f", "json"]));
    assert_eq!(code, 0, "{err}");
    let got: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = expected["entries"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (&g["path"], &g["type"], &g["size"]),
            (&w["path"], &w["type"], &w["size"])
        );
        if w["type"] == "symlink" {
            assert_eq!(g["target"], w["target"]);
        }
    }
    // Layer 1 (the second) whites out file.bin, makes etc/conf opaque and replaces a symlink.
    let (code, out, err) = run(plinth()
        .arg("files")
        .arg(dir.join("edge-cases.docker.tar"))
        .args(["--layer", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("D ") && l.ends_with("/data/file.bin")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("D ") && l.ends_with("/etc/conf/a")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("A ") && l.ends_with("/etc/conf/c")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("M ") && l.ends_with("/link")),
        "{out}"
    );
    let (code, _, err) = run(plinth()
        .arg("files")
        .arg(dir.join("edge-cases.docker.tar"))
        .args(["--layer", "9"]));
    assert_eq!(code, 2, "{err}");
}

/// dive's wasted bytes worked out from `tar -tv` of each layer: the sizes of every regular
/// file path that has a copy (or a whiteout) in two or more layers. debian-app replaces
/// /etc/motd and deletes /app/big.bin; its directory whiteouts hide single copies only.
fn wasted_bytes(layout: &std::path::Path) -> u64 {
    use std::collections::BTreeMap;
    let image = plinth_testdata::truth::OciImage::open(layout);
    let mut copies: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for layer in &image.layers {
        for e in layer.entries() {
            let path = match e.path.rsplit_once(".wh.") {
                Some((dir, name)) if !name.starts_with(".wh.") => format!("{dir}{name}"),
                _ if e.kind == '-' => e.path,
                _ => continue,
            };
            let c = copies.entry(path).or_default();
            *c = (c.0 + 1, c.1 + e.size);
        }
    }
    copies.values().filter(|c| c.0 > 1).map(|c| c.1).sum()
}
