//! `plinth secrets` and `plinth scan --scanners secret` end to end: a source tree with
//! planted secrets in nested directories, a `.gitignore`d file, a `.git` directory, a
//! symlink out of the tree and a sparse 200 MB binary; an image with a deleted key; every
//! output format and the PLINTH_DEBUG trace searched byte by byte for each full secret;
//! severity gates and `.trivyignore` ids; a user rule whose regex does not compile; the
//! benchmark's generated tree against ripgrep.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const GHP: &str = "ghp_7xUsP0P9gjcl7NSWShU8WownKBfl7fDf4cKj";
const STRIPE: &str = "sk_live_dKgafQQgk5jcyBxtoJklvSwO";
const AWS_ID: &str = "AKIAX44S0O2A0QPOASTV";
const SLACK: &str = "xoxb-705455330842-4551317043468-jUsGd0wyanwfQuvxBGtpMZh4";
const OUTSIDE: &str = "glpat-Xk29dLqP0sWm7NvB4cRt";
const IN_GIT: &str = "npm_EbrcR3FY2UFPxypK3t4OzXuy6rTvrne6m1wt";

fn plinth(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.current_dir(cwd).env_remove("PLINTH_DEBUG");
    cmd
}

/// A source tree: secrets in nested directories and in a `.gitignore`d `.env`, one only in
/// `.git/` (skipped), one only behind a symlink to a file outside the tree (not followed),
/// and a 200 MB sparse binary (skipped for its size).
fn tree(root: &Path) -> std::path::PathBuf {
    let src = root.join("src");
    let outside = root.join("outside");
    std::fs::create_dir_all(src.join("services/billing/config")).unwrap();
    std::fs::create_dir_all(src.join(".git/refs")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let w = |p: &str, text: String| std::fs::write(src.join(p), text).unwrap();
    w(".gitignore", ".env\n*.log\n".into());
    w(".env", format!("GITHUB_TOKEN={GHP}\n"));
    w(
        "services/billing/config/prod.yaml",
        format!("stripe:\n  key: {STRIPE}\n"),
    );
    w(
        "services/deploy.sh",
        format!("#!/bin/sh\nexport AWS_ACCESS_KEY_ID={AWS_ID}\n"),
    );
    w("services/notify.log", format!("posting with {SLACK}\n"));
    w(".git/config", format!("[remote]\n  token = {IN_GIT}\n"));
    std::fs::write(outside.join("token.txt"), format!("{OUTSIDE}\n")).unwrap();
    std::os::unix::fs::symlink(outside.join("token.txt"), src.join("services/token.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, src.join("outside-dir")).unwrap();
    let big = std::fs::File::create(src.join("model.bin")).unwrap();
    big.set_len(200 << 20).unwrap();
    src
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn source_tree_is_searched_without_git_symlinks_or_the_big_binary() {
    let root = tempfile::tempdir().unwrap();
    let src = tree(root.path());
    let out = plinth(root.path())
        .args(["secrets", &format!("dir:{}", src.display()), "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let target = &doc["targets"][0];
    let mut found: Vec<(String, String, u64)> = target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["target"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    let expect = |r: &str, t: &str, l: u64| (r.to_string(), t.to_string(), l);
    assert_eq!(
        found,
        [
            expect("aws-access-key-id", "/services/deploy.sh", 2),
            expect("github-pat", "/.env", 1),
            expect("slack-token", "/services/notify.log", 1),
            expect("stripe-secret-key", "/services/billing/config/prod.yaml", 2),
        ]
    );
    assert_eq!(target["summary"]["large_skipped"], 1);
    assert_eq!(target["summary"]["large_paths"][0], "/model.bin");
    for f in target["findings"].as_array().unwrap() {
        assert!(f.get("layer").is_none(), "a tree has no layers: {f}");
    }
}

#[test]
fn no_output_or_debug_line_holds_a_secret_in_full() {
    let root = tempfile::tempdir().unwrap();
    let src = tree(root.path());
    let target = format!("dir:{}", src.display());
    let mut outputs = Vec::new();
    for format in ["table", "json", "sarif"] {
        for command in [&["secrets"][..], &["scan", "--scanners", "secret"][..]] {
            let out = plinth(root.path())
                .args(command)
                .args([target.as_str(), "-f", format, "--show-suppressed"])
                .env("PLINTH_DEBUG", "1")
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(contains(&out.stderr, "plinth: debug:"), "debug trace is on");
            outputs.push(out.stdout);
            outputs.push(out.stderr);
        }
    }
    for secret in [GHP, STRIPE, AWS_ID, SLACK, OUTSIDE, IN_GIT] {
        for out in &outputs {
            assert!(!contains(out, secret), "{secret} printed in full");
        }
    }
    assert!(
        outputs.iter().any(|o| contains(o, "ghp_********4cKj")),
        "redacted form is shown"
    );
}

#[test]
fn gates_and_trivyignore_ids_work_as_for_vulnerabilities() {
    let root = tempfile::tempdir().unwrap();
    let src = tree(root.path());
    let target = format!("dir:{}", src.display());
    let code = |args: &[&str]| {
        plinth(root.path())
            .arg("secrets")
            .arg(&target)
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--exit-code", "1"]), Some(1));
    assert_eq!(code(&["--fail-on", "CRITICAL"]), Some(1));
    assert_eq!(code(&["--severity", "LOW", "--exit-code", "1"]), Some(0));
    // slack-token is the only HIGH finding; ignoring its rule id leaves nothing HIGH.
    assert_eq!(code(&["--severity", "HIGH", "--exit-code", "1"]), Some(1));
    std::fs::write(root.path().join(".trivyignore"), "slack-token\n").unwrap();
    assert_eq!(code(&["--severity", "HIGH", "--exit-code", "1"]), Some(0));
    let out = plinth(root.path())
        .args([
            "scan",
            "--scanners",
            "secret",
            &target,
            "--severity",
            "HIGH",
            "--show-suppressed",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("suppressed by ignorefile:.trivyignore"),
        "{text}"
    );
}

#[test]
fn a_user_rule_that_does_not_compile_is_one_line_naming_it_exit_3() {
    let root = tempfile::tempdir().unwrap();
    let src = tree(root.path());
    std::fs::write(
        root.path().join("trivy-secret.yaml"),
        "rules:\n  - id: broken-rule\n    regex: '(?P<secret>[a-z]+'\n",
    )
    .unwrap();
    let out = plinth(root.path())
        .args(["secrets", &format!("dir:{}", src.display())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("trivy-secret.yaml") && err.contains("broken-rule"),
        "{err}"
    );
}

#[test]
fn a_key_deleted_by_a_later_layer_is_reported_with_both_layers() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!(
        "aws_secret_access_key = {}\n",
        "lS+2wLfKkaVE/tNMO66iv9b4/b8p6k+csDZVefZO"
    );
    let layers = [
        plinth_testdata::ustar(&[("root/.aws/credentials", 0o600, key.as_bytes())]),
        plinth_testdata::ustar(&[("etc/hostname", 0o644, b"app\n")]),
        plinth_testdata::ustar(&[("root/.aws/.wh.credentials", 0o600, b"")]),
    ];
    let ids: Vec<String> = layers.iter().map(|l| plinth_testdata::sha256(l)).collect();
    let image = plinth_testdata::oci_layout(
        &dir.path().join("img"),
        &layers,
        &ids,
        serde_json::json!({}),
    );
    let out = plinth(dir.path())
        .args(["secrets", &image])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("still in the image: removed in layer 2 but present in layer 0"),
        "{text}"
    );
    assert!(!contains(
        &out.stdout,
        "lS+2wLfKkaVE/tNMO66iv9b4/b8p6k+csDZVefZO"
    ));
}

/// The benchmark's generated tree (`bench/make-source-tree.py`, 40 MB of source, JSON,
/// minified JS, logs and ELF-headed binaries) against ripgrep, the benchmark's peer: the
/// AWS key ids plinth reports are exactly the lines rg finds with the same regex, except
/// AWS's documented example key, which rg counts and plinth's `example-keys` allow rule
/// drops. Both skip the binaries (a NUL in the first bytes).
#[test]
fn aws_key_ids_in_the_benchmark_tree_are_the_lines_ripgrep_finds() {
    for tool in ["rg", "python3"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            println!("skipped: no {tool}");
            return;
        }
    }
    let root = tempfile::tempdir().unwrap();
    let tree = root.path().join("tree");
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/make-source-tree.py");
    let made = std::process::Command::new("python3")
        .arg(&generator)
        .arg(&tree)
        .arg("40")
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let aws = r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b";
    let rg = std::process::Command::new("rg")
        .args([
            "--no-ignore",
            "--hidden",
            "--no-heading",
            "-n",
            "-o",
            "-e",
            aws,
        ])
        .arg(&tree)
        .output()
        .unwrap();
    let rg = String::from_utf8(rg.stdout).unwrap();
    let mut example = 0;
    let mut expected: Vec<(String, u64)> = Vec::new();
    for line in rg.lines() {
        let mut parts = line.rsplitn(3, ':');
        let (key, number, path) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        if key == "AKIAIOSFODNN7EXAMPLE" {
            example += 1;
            continue;
        }
        let path = path
            .strip_prefix(tree.to_str().unwrap())
            .unwrap()
            .to_string();
        expected.push((path, number.parse().unwrap()));
    }
    expected.sort();

    let out = plinth(root.path())
        .args(["secrets", &format!("dir:{}", tree.display()), "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut reported: Vec<(String, u64)> = doc["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "aws-access-key-id")
        .map(|f| {
            (
                f["target"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    reported.sort();
    assert!(
        !expected.is_empty() && example > 0,
        "the tree plants both kinds: {rg}"
    );
    assert_eq!(reported, expected);
}
