//! `plinth lint` end to end: exit codes, formats, stdin, several files, configs, pragmas.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn plinth() -> Command {
    let mut c = Command::cargo_bin("plinth").expect("plinth binary");
    c.env_remove("NO_COLOR");
    c
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lint/tests/corpus")
        .join(name)
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn clean_file_exits_zero_and_findings_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint"])
        .arg(corpus("debian-good.Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no findings"));

    let out = plinth()
        .current_dir(dir.path())
        .args(["lint"])
        .arg(corpus("debian-apt-bad.Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "debian-apt-bad.Dockerfile:6 warning PL210: apt-get install without -y [DL3014]"
        ),
        "{text}"
    );
    assert!(
        !text.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn failure_threshold_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    // consecutive-runs has only info findings (PL404) besides none at warning or above.
    let file = corpus("consecutive-runs.Dockerfile");
    let run = |t: &str| {
        plinth()
            .current_dir(dir.path())
            .args(["lint", "--failure-threshold", t])
            .arg(&file)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("info"), Some(1));
    assert_eq!(run("warning"), Some(0));
    assert_eq!(run("none"), Some(0));
}

#[test]
fn stdin_json_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint", "-f", "json", "-"])
        .write_stdin("FROM ubuntu:latest\nRUN cd /tmp\nUSER nobody\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, u64, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().into(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("-".into(), 1, "PL102".into()),
            ("-".into(), 2, "PL201".into())
        ]
    );

    let out = plinth()
        .current_dir(dir.path())
        .args(["lint", "-f", "sarif", "-o", "report.sarif"])
        .arg(corpus("node-bad.Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.sarif")).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn several_files_and_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bin.Dockerfile"), b"\0\x01\x02").unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint", "-f", "json", "missing.Dockerfile", "bin.Dockerfile"])
        .arg(corpus("alpine-bad.Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plinth: reading missing.Dockerfile: No such file"),
        "{err}"
    );
    assert!(
        err.contains("plinth: bin.Dockerfile: binary file (NUL byte at offset 0)"),
        "{err}"
    );
    assert!(
        err.contains("2 of 3 Dockerfile(s) could not be linted"),
        "{err}"
    );
    // The readable file is still reported.
    assert!(stdout(&out).contains("PL220"), "{}", stdout(&out));

    std::fs::write(dir.path().join("Dockerfile"), "FROM debian:12\nBOGUS x\n").unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Dockerfile:2: unknown instruction 'BOGUS'")
    );
}

#[test]
fn hadolint_config_and_plinth_config_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nUSER app\n").unwrap();
    std::fs::write(
        dir.path().join(".hadolint.yaml"),
        "ignored: [DL3006]\noverride:\n  warning: [DL3008]\nfailure-threshold: warning\n",
    )
    .unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint", "-f", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["PL211", "PL214"],
        "DL3006 ignored, DL3008 enabled by override"
    );
    assert_eq!(out.status.code(), Some(1), "PL214 is a warning");

    // .plinth.yaml wins over .hadolint.yaml.
    std::fs::write(
        dir.path().join(".plinth.yaml"),
        "ignored: [PL211]\nfailure-threshold: error\n",
    )
    .unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint", "-f", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PL101"]);
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(dir.path().join(".plinth.yaml"), "ignored: [\n").unwrap();
    let out = plinth()
        .current_dir(dir.path())
        .args(["lint"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("plinth: .plinth.yaml: "));
}

#[test]
fn explain_and_list_rules() {
    let out = plinth()
        .args(["lint", "--explain", "DL3008"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("PL214 (hadolint DL3008): apt-get install without version pins"),
        "{text}"
    );
    assert!(text.contains("off by default"));
    let out = plinth()
        .args(["lint", "--explain", "PL999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = plinth().args(["lint", "--list-rules"]).output().unwrap();
    assert!(stdout(&out).lines().count() >= 30);
}
