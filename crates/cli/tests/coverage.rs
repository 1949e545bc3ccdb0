//! No silent gaps: `plinth scan` of a real image against a database that has no advisories for
//! its OS release says so in the table, on stderr and in the JSON, reports the release's end of
//! life, and `--fail-on-missing-data` fails the gate on it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB").env("NO_COLOR", "1");
    cmd
}

/// A database imported from `inputs` (real feed folders).
fn import(dir: &Path, inputs: &[PathBuf]) -> PathBuf {
    let db = dir.join("vuln.redb");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .args(inputs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

fn scan(db: &Path, target: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = plinth()
        .arg("scan")
        .arg("--db")
        .arg(db)
        .arg(target)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The number of packages in an apk installed database (one `P:` line each).
fn apk_packages(installed: &str) -> usize {
    installed.lines().filter(|l| l.starts_with("P:")).count()
}

#[test]
fn an_os_release_without_data_is_a_reported_gap() {
    let (Some(image), Some(vulndata)) = (
        plinth_testdata::fixture("alpine-3.9.oci.tar"),
        plinth_testdata::vulndata(),
    ) else {
        return;
    };
    // Language records only: nothing for Alpine 3.9.
    let dir = tempfile::tempdir().unwrap();
    let db = import(dir.path(), &[vulndata.join("osv")]);
    // The package count, read from the image with tar rather than plinth.
    let installed = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "for b in $(tar -tf '{}' --wildcards 'blobs/sha256/*'); do tar -xOf '{0}' \"$b\" | tar -xzOf - lib/apk/db/installed 2>/dev/null; done; true",
            image.display()
        ))
        .output()
        .unwrap();
    let packages = apk_packages(&String::from_utf8_lossy(&installed.stdout));
    assert!(packages > 0, "no apk database found with tar in {image:?}");

    let line = format!(
        "no advisory data for alpine 3.9 in the database (Alpine:v3.9): {packages} OS packages not checked"
    );
    let (code, out, err) = scan(&db, &image, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Total: 0"), "{out}");
    assert!(out.contains(&line), "{out}");
    assert!(
        out.contains("alpine 3.9 reached end of life on 2020-11-01"),
        "{out}"
    );
    assert!(err.contains(&line), "{err}");

    let (code, out, _) = scan(&db, &image, &["-f", "json", "--fail-on-missing-data"]);
    assert_eq!(code, 1, "the gate fails on missing data");
    let json: Value = serde_json::from_str(&out).unwrap();
    let coverage = &json["targets"][0]["coverage"];
    assert_eq!(
        coverage["matched"],
        serde_json::json!([{"ecosystem": "Alpine:v3.9", "packages": packages, "has_data": false}])
    );
    assert_eq!(coverage["missing"][0]["kind"], "os_release");
    assert_eq!(coverage["missing"][0]["message"], line.as_str());
    assert_eq!(coverage["eol"]["date"], "2020-11-01");
    assert_eq!(coverage["eol"]["past"], true);

    // With Alpine 3.9's real secdb imported the gap closes and the gate passes.
    let dir = tempfile::tempdir().unwrap();
    let db = import(dir.path(), &[vulndata.join("alpine-secdb/v3.9")]);
    let (code, out, err) = scan(&db, &image, &["-f", "json", "--fail-on-missing-data"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("no advisory data"), "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let coverage = &json["targets"][0]["coverage"];
    assert_eq!(coverage["matched"][0]["has_data"], true);
    assert_eq!(coverage["missing"], serde_json::json!([]));
}

#[test]
fn an_unknown_distro_is_a_reported_gap() {
    let (Some(shared), Some(vulndata)) = (plinth_testdata::shared(), plinth_testdata::vulndata())
    else {
        return;
    };
    // Wolfi's real apk database under an os-release that names a distribution plinth cannot
    // key: the OS packages are a gap, not a clean result.
    let installed =
        std::fs::read_to_string(shared.join("fixtures/os/wolfi/lib/apk/db/installed")).unwrap();
    let packages = apk_packages(&installed);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("lib/apk/db/installed"), &installed).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=plan9\nVERSION_ID=4\n").unwrap();
    let db = import(dir.path(), &[vulndata.join("osv")]);
    let target = PathBuf::from(format!("dir:{}", root.display()));
    let (code, out, err) = scan(&db, &target, &["-f", "json", "--fail-on-missing-data"]);
    assert_eq!(code, 1, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let missing = &json["targets"][0]["coverage"]["missing"];
    assert_eq!(missing[0]["kind"], "unknown_distro");
    assert_eq!(
        missing[0]["message"],
        format!(
            "unknown distribution plan9 4: {packages} OS packages not checked against any advisory"
        )
    );
    assert!(err.contains("unknown distribution plan9 4"), "{err}");
}
