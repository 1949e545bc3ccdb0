//! `plinth outdated` end to end against a real registry: Debian's docker-registry, started
//! here on a free loopback port with its storage in a temporary directory, and several tags
//! pushed with skopeo from make-images.sh's OCI layout (read only). Expected digests come from
//! skopeo (`inspect --raw`, hashed), not from plinth. Also `--write` round trips: only the
//! reference text changes, and the file lints no worse.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use plinth_testdata::{fixtures, sha256};
use serde_json::Value;

/// A docker-registry we started; killed by its PID when dropped.
struct Registry {
    addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start_registry() -> Option<Registry> {
    for tool in ["docker-registry", "skopeo", "curl"] {
        if !have(tool) {
            println!("skipped: no {tool}");
            return None;
        }
    }
    let dir = tempfile::tempdir().ok()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog: {{level: warn, accesslog: {{disabled: true}}}}\n\
             storage: {{filesystem: {{rootdirectory: \"{}\"}}}}\n\
             http: {{addr: \"{addr}\", secret: outdated-test}}\n",
            dir.path().join("data").display()
        ),
    )
    .ok()?;
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let reg = Registry {
        addr,
        child,
        _dir: dir,
    };
    for _ in 0..50 {
        let up = Command::new("curl")
            .args(["-fs", &format!("http://{}/v2/", reg.addr)])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if up {
            return Some(reg);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    println!("skipped: docker-registry did not start");
    None
}

fn push(fix: &Path, reg: &Registry, layout_tag: &str, dest: &str, all: bool) {
    let mut cmd = Command::new("skopeo");
    cmd.args(["copy", "-q", "--dest-tls-verify=false"]);
    if all {
        cmd.arg("--all");
    }
    let status = cmd
        .arg(format!("oci:{}/oci:{layout_tag}", fix.display()))
        .arg(format!("docker://{}/{dest}", reg.addr))
        .status()
        .expect("skopeo");
    assert!(status.success(), "skopeo copy {layout_tag} → {dest}");
}

/// The digest of what a tag names, from skopeo's raw manifest.
fn skopeo_digest(reg: &Registry, reference: &str) -> String {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}/{reference}", reg.addr))
        .output()
        .expect("skopeo inspect");
    assert!(out.status.success(), "skopeo inspect {reference}");
    sha256(&out.stdout)
}

fn plinth(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("plinth")
        .expect("plinth binary")
        .current_dir(dir)
        .args(args)
        .env_remove("PLINTH_REGISTRY_TIMEOUT")
        .env("PLINTH_OUTDATED_CACHE", dir.join(".cache"))
        .output()
        .expect("run plinth")
}

fn lint_codes(dir: &Path) -> Vec<String> {
    let out = plinth(dir, &["lint", "-f", "json", "Dockerfile"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("lint JSON");
    let list = v
        .as_array()
        .or_else(|| v["diagnostics"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut codes: Vec<String> = list
        .iter()
        .filter_map(|d| d["code"].as_str().map(String::from))
        .collect();
    codes.sort();
    codes
}

#[test]
fn real_registry_updates_pins_and_rewrites() {
    let Some(fix) = fixtures() else { return };
    let Some(reg) = start_registry() else { return };
    push(&fix, &reg, "alpine-3.9", "fixtures/alpine:3.9", false);
    push(
        &fix,
        &reg,
        "alpine-3.20-multi",
        "fixtures/alpine:3.20",
        true,
    );
    push(&fix, &reg, "alpine-3.20", "fixtures/alpine:3.21rc1", false);
    push(&fix, &reg, "alpine-3.20", "fixtures/alpine:20240923", false);
    push(&fix, &reg, "debian-bookworm", "fixtures/debian:12.5", false);
    push(&fix, &reg, "debian-app", "fixtures/debian:12.7", false);
    push(
        &fix,
        &reg,
        "debian-bookworm",
        "fixtures/debian:bookworm",
        false,
    );
    let a = &reg.addr;
    let index_320 = skopeo_digest(&reg, "fixtures/alpine:3.20");
    let debian_127 = skopeo_digest(&reg, "fixtures/debian:12.7");

    let dir = tempfile::tempdir().expect("tempdir");
    let original = format!(
        "# syntax=docker/dockerfile:1\n\
         FROM {a}/fixtures/alpine:3.9 AS base\n\
         RUN echo hi > /hi\n\
         \n\
         FROM --platform=linux/arm64 {a}/fixtures/debian:12.5\n\
         COPY --from=base /hi /hi\n\
         USER nobody\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), &original).unwrap();

    let out = plinth(dir.path(), &["outdated", "-f", "json", "--cache-ttl", "0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let updates = v["updates"].as_array().expect("updates");
    let find = |line: u64| {
        updates
            .iter()
            .find(|u| u["line"] == line)
            .unwrap_or_else(|| panic!("line {line}: {v:#}"))
    };
    let alpine = find(2);
    assert_eq!(
        alpine["update_type"], "minor",
        "3.21rc1 and 20240923 skipped"
    );
    assert_eq!(alpine["current_tag"], "3.9");
    assert_eq!(alpine["new_tag"], "3.20");
    assert_eq!(alpine["new_digest"], index_320.as_str(), "the index digest");
    assert_eq!(alpine["new_from"], format!("{a}/fixtures/alpine:3.20"));
    let debian = find(5);
    assert_eq!(debian["new_tag"], "12.7");
    assert_eq!(debian["new_digest"], debian_127.as_str());
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["line"] == 2 && n["note"] == "alpine 3.9 reached end of life on 2020-11-01"),
        "{v:#}"
    );
    assert!(v["skipped"].as_array().unwrap().is_empty(), "{v:#}");

    // A CI gate, then the rewrite: only the two references change, pinned to skopeo's digests.
    let gate = plinth(dir.path(), &["outdated", "--exit-code", "--cache-ttl", "0"]);
    assert_eq!(gate.status.code(), Some(1));
    let before = lint_codes(dir.path());
    let out = plinth(
        dir.path(),
        &[
            "outdated",
            "--write",
            "--pin",
            "--only",
            "minor,patch",
            "--cache-ttl",
            "0",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rewritten = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    let expected = original
        .replace(
            &format!("{a}/fixtures/alpine:3.9"),
            &format!("{a}/fixtures/alpine:3.20@{index_320}"),
        )
        .replace(
            &format!("{a}/fixtures/debian:12.5"),
            &format!("{a}/fixtures/debian:12.7@{debian_127}"),
        );
    assert_eq!(rewritten, expected);
    let after = lint_codes(dir.path());
    assert!(
        after.iter().all(|c| before.contains(c)),
        "the rewrite added lint findings: {before:?} → {after:?}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "no temporary file left");

    // Now current and pinned: nothing to do, and the gate passes.
    let gate = plinth(
        dir.path(),
        &["outdated", "--exit-code", "--only", "minor,patch,digest"],
    );
    assert_eq!(
        gate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&gate.stdout)
    );
}

#[test]
fn bad_config_and_unreadable_files_are_input_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".plinth.yaml"),
        "outdated:\n  rules: [ {image: node, allow: [huge]} ]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let out = plinth(dir.path(), &["outdated"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".plinth.yaml") && err.contains("huge"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = plinth(dir.path(), &["outdated", "--only", "everything"]);
    assert_eq!(out.status.code(), Some(2));
}
