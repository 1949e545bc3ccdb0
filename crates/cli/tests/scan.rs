//! `plinth scan` end to end: gates and exit codes, inputs (SBOM files, dir:, images, several
//! targets), outputs, and the errors of a missing or corrupt database and bad SBOMs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const LODASH: &str = r#"{"id": "GHSA-35jh-r3h4-6jhm", "aliases": ["CVE-2021-23337"], "summary": "Command Injection in lodash",
  "database_specific": {"severity": "HIGH"},
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}"#;
const OPEN: &str = r#"{"id": "GHSA-open-open-open", "summary": "No fix yet",
  "database_specific": {"severity": "LOW"},
  "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#;
const CDX: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
    {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
    {"type": "library", "name": "minimist", "version": "1.2.5", "purl": "pkg:npm/minimist@1.2.5"}]}"#;
const SECDB: &str = r#"{"distroversion": "v3.20", "reponame": "main", "urlprefix": "x", "apkurl": "x", "archs": ["x86_64"],
  "packages": [{"pkg": {"name": "busybox", "secfixes": {"1.36.1-r31": ["CVE-2024-58251"]}}}]}"#;

struct Setup {
    dir: tempfile::TempDir,
    db: PathBuf,
    sbom: PathBuf,
}

fn plinth(s: &Setup) -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB")
        .env("NO_COLOR", "1")
        .current_dir(s.dir.path())
        .arg("scan")
        .arg("--db")
        .arg(&s.db);
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// A database from small hand-written records, and a CycloneDX SBOM of lodash and minimist.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let feeds = [
        write(dir.path(), "feeds/lodash.json", LODASH),
        write(dir.path(), "feeds/open.json", OPEN),
        write(dir.path(), "feeds/v3.20/main.json", SECDB),
    ];
    let db = dir.path().join("vuln.redb");
    let out = Command::cargo_bin("plinth")
        .unwrap()
        .args(["db", "import", "--db"])
        .arg(&db)
        .args(&feeds)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sbom = write(dir.path(), "bom.cdx.json", CDX);
    Setup { dir, db, sbom }
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
fn gates_and_exit_codes() {
    let s = setup();
    let code = |extra: &[&str]| run(plinth(&s).arg(&s.sbom).args(extra)).0;
    assert_eq!(code(&[]), 0, "default exit code is 0, like Trivy");
    assert_eq!(code(&["--exit-code", "7"]), 7);
    assert_eq!(code(&["--fail-on", "HIGH"]), 1);
    assert_eq!(code(&["--fail-on", "critical"]), 0);
    assert_eq!(code(&["--fail-on", "HIGH", "--exit-code", "9"]), 9);
    assert_eq!(code(&["--severity", "CRITICAL", "--exit-code", "7"]), 0);
    assert_eq!(code(&["--severity", "LOW,HIGH", "--exit-code", "7"]), 7);
    // The HIGH one is fixed; the LOW one is not.
    assert_eq!(
        code(&["--ignore-unfixed", "--severity", "LOW", "--exit-code", "7"]),
        0
    );
    assert_eq!(code(&["--severity", "SEVERE"]), 2);
    // ./.trivyignore is read by default; the YAML form too when named.
    write(s.dir.path(), ".trivyignore", "CVE-2021-23337\n");
    assert_eq!(code(&["--fail-on", "HIGH"]), 0);
    let (_, out, _) = run(plinth(&s).arg(&s.sbom).arg("--show-suppressed"));
    assert!(
        out.contains("suppressed by ignorefile:.trivyignore"),
        "{out}"
    );
    let y = write(
        s.dir.path(),
        "i.yaml",
        "vulnerabilities:\n  - id: GHSA-open-open-open\n    statement: not used\n",
    );
    assert_eq!(
        code(&[
            "--ignorefile",
            y.to_str().unwrap(),
            "--exit-code",
            "7",
            "--severity",
            "LOW"
        ]),
        0
    );
    let vex = write(
        s.dir.path(),
        "vex.json",
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "CVE-2021-23337"},
            "products": [{"@id": "pkg:npm/lodash@4.17.20"}], "status": "not_affected", "justification": "inline_mitigations_already_exist"}]}"#,
    );
    std::fs::remove_file(s.dir.path().join(".trivyignore")).unwrap();
    assert_eq!(code(&["--fail-on", "HIGH"]), 1);
    assert_eq!(
        code(&["--fail-on", "HIGH", "--vex", vex.to_str().unwrap()]),
        0
    );
}

#[test]
fn table_json_sarif_cyclonedx_and_atomic_output() {
    let s = setup();
    let (code, out, _) = run(plinth(&s).arg(&s.sbom));
    assert_eq!(code, 0);
    assert!(
        out.contains("Total: 2 (UNKNOWN: 0, LOW: 1, MEDIUM: 0, HIGH: 1, CRITICAL: 0)"),
        "{out}"
    );
    let line = out.lines().find(|l| l.contains("CVE-2021-23337")).unwrap();
    assert!(
        line.contains("HIGH") && line.contains("fixed in 4.17.21"),
        "{line}"
    );
    assert!(out.contains("lodash 4.17.20 (npm)\n"), "{out}");
    assert!(!out.contains('\x1b'));
    for (format, key) in [
        ("json", "summary"),
        ("sarif", "runs"),
        ("cyclonedx-json", "vulnerabilities"),
    ] {
        let file = s.dir.path().join(format!("out.{format}"));
        let (code, stdout, err) = run(plinth(&s)
            .arg(&s.sbom)
            .args(["-f", format, "-o"])
            .arg(&file));
        assert_eq!(code, 0, "{err}");
        assert!(stdout.is_empty());
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert!(v.get(key).is_some(), "{format}");
    }
    // A failed run leaves no output file behind.
    let file = s.dir.path().join("never.json");
    let (code, _, _) = run(plinth(&s)
        .arg("missing.tar")
        .args(["-f", "json", "-o"])
        .arg(&file));
    assert_eq!(code, 3);
    assert!(!file.exists());
}

#[test]
fn database_errors_are_exit_5() {
    let s = setup();
    let (code, _, err) = run(Command::cargo_bin("plinth")
        .unwrap()
        .env_remove("PLINTH_DB")
        .args(["scan", "--offline", "--db", "/nonexistent/vuln.redb"])
        .arg(&s.sbom));
    assert_eq!(code, 5);
    assert!(
        err.contains("plinth db update") && err.contains("plinth db import"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let corrupt = write(
        s.dir.path(),
        "corrupt.redb",
        "this is not a redb file at all, just text padding it out",
    );
    let (code, _, err) = run(Command::cargo_bin("plinth")
        .unwrap()
        .args(["scan", "--offline", "--db"])
        .arg(&corrupt)
        .arg(&s.sbom));
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("corrupt.redb"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn bad_inputs_are_exit_3() {
    let s = setup();
    for (name, text, want) in [
        ("u.json", r#"{"some": "json"}"#, "not an SBOM plinth reads"),
        (
            "c.json",
            r#"{"bomFormat": "CycloneDX", "components": ["#,
            "malformed JSON: EOF",
        ),
        ("t.tar", "not a tar at all", "t.tar"),
    ] {
        let p = write(s.dir.path(), name, text);
        let (code, out, err) = run(plinth(&s).arg(&p));
        assert_eq!(code, 3, "{name}: {err}");
        assert!(out.is_empty());
        assert!(
            err.contains(want) && err.trim().lines().count() == 1,
            "{err}"
        );
    }
}

#[test]
fn dir_rootfs_with_an_unknown_distro_warns() {
    let s = setup();
    let root = s.dir.path().join("root");
    write(&root, "etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\n");
    write(
        &root,
        "lib/apk/db/installed",
        "P:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\n\n",
    );
    let (code, out, err) = run(plinth(&s)
        .arg(format!("dir:{}", root.display()))
        .args(["--exit-code", "4"]));
    assert_eq!(code, 4, "{err}");
    assert!(
        out.contains("busybox 1.36.1-r29 (apk, layer 0, /lib/apk/db/installed)"),
        "{out}"
    );
    assert!(
        out.contains("CVE-2024-58251  UNKNOWN   none      fixed in 1.36.1-r31"),
        "{out}"
    );
    write(&root, "etc/os-release", "ID=plan9\nVERSION_ID=4\n");
    let (code, out, _) = run(plinth(&s)
        .arg(format!("dir:{}", root.display()))
        .args(["--exit-code", "4"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("unknown distribution plan9 4: 1 OS package not checked against any advisory"),
        "{out}"
    );
}

#[test]
fn several_images_one_summary() {
    let fixtures = std::env::var_os("PLINTH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/plinth-fixtures"));
    let a = fixtures.join("alpine-3.20.docker.tar");
    let b = fixtures.join("alpine-3.20.oci.tar");
    if !a.exists() || !b.exists() {
        println!("skipped: alpine fixture images are absent");
        return;
    }
    let s = setup();
    let (code, out, err) = run(plinth(&s)
        .arg(&a)
        .arg(&b)
        .arg(&a)
        .args(["--fail-on", "UNKNOWN"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out.matches("busybox 1.36.1-r29 (apk, layer 0").count(),
        3,
        "{out}"
    );
    assert!(out.contains("All 3 targets: 9 (UNKNOWN: 9"), "{out}");
    // The OCI tar holds the same layers as the archive: read once, but each target keeps
    // its own blob digests.
    let (_, out, _) = run(plinth(&s).arg(&a).arg(&b).args(["-f", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let digest = |t: usize| v["targets"][t]["findings"][0]["layer"]["digest"].clone();
    assert_eq!(digest(0), v["targets"][0]["layers"][0]["digest"]);
    assert_eq!(digest(1), v["targets"][1]["layers"][0]["digest"]);
    assert_ne!(digest(0), digest(1));
    assert_eq!(
        v["targets"][0]["layers"][0]["diff_id"],
        v["targets"][1]["layers"][0]["diff_id"]
    );
    let sarif = s.dir.path().join("r.sarif");
    let (code, _, _) = run(plinth(&s).arg(&a).args(["-f", "sarif", "-o"]).arg(&sarif));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let r = &v["runs"][0]["results"][0];
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "lib/apk/db/installed"
    );
    assert!(
        r["locations"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("alpine-3.20.docker.tar")
    );
}

/// `--scanners vuln,secret` walks each image once for both; what it reports equals what
/// `scan` and `secrets` report alone: a lodash the npm cataloger finds, a key a later layer
/// deleted, and one at the end of a 3 MB file (searched as a stream, never buffered).
#[test]
fn vulns_and_secrets_together_equal_each_alone() {
    let s = setup();
    let key = "aws_secret_access_key = lS+2wLfKkaVE/tNMO66iv9b4/b8p6k+csDZVefZO\n";
    let mut big = "console.log('filler line of a bundle');\n".repeat(80_000);
    big.push_str("const t = 'ghp_7xUsP0P9gjcl7NSWShU8WownKBfl7fDf4cKj';\n");
    let package = br#"{"name": "lodash", "version": "4.17.20"}"#;
    let layers = [
        plinth_testdata::ustar(&[
            ("app/node_modules/lodash/package.json", 0o644, package),
            ("root/.aws/credentials", 0o600, key.as_bytes()),
        ]),
        plinth_testdata::ustar(&[
            ("app/bundle.js", 0o644, big.as_bytes()),
            ("root/.aws/.wh.credentials", 0o600, b""),
        ]),
    ];
    let ids: Vec<String> = layers.iter().map(|l| plinth_testdata::sha256(l)).collect();
    let image = plinth_testdata::oci_layout(
        &s.dir.path().join("img"),
        &layers,
        &ids,
        serde_json::json!({}),
    );
    let json = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = run(plinth(&s).args(args).args([&image, "-f", "json"]));
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let mut both = json(&["--scanners", "vuln,secret"]);
    let vulns = json(&[]);
    let secrets = json(&["--scanners", "secret"]);
    let found = both["secrets"]["targets"][0]["findings"]
        .as_array()
        .unwrap();
    let rules: Vec<&str> = found
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["aws-secret-access-key", "github-pat"], "{found:?}");
    assert_eq!(both["secrets"], secrets);
    both.as_object_mut().unwrap().remove("secrets");
    assert_eq!(both, vulns);
    let ids = vulns.to_string();
    assert!(ids.contains("GHSA-35jh-r3h4-6jhm"), "{ids}");
}
