//! `plinth scan dir:` points each finding at the lockfile line that declares the package:
//! lockfiles written by npm, uv and cargo, scanned against the real OSV records in
//! ../shared, in the table, JSON and SARIF reports.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::*;

/// Writes what each tool locks into `root`: lodash 4.17.20 (GHSA-35jh-r3h4-6jhm), requests
/// 2.30.0 (PYSEC-2023-74) and smallvec 1.6.0 (RUSTSEC-2021-0003), all affected in the
/// records. Returns the lockfiles written; a tool that cannot run is left out.
fn lock_vulnerable_packages(root: &Path) -> Vec<&'static str> {
    let mut written = Vec::new();
    let web = root.join("web");
    put(&web, "package.json", r#"{"name":"web","version":"1.0.0"}"#);
    let npm = ["install", "--package-lock-only", "--no-audit", "--no-fund"];
    if tool(&web, "npm", &[&npm[..], &["lodash@4.17.20"]].concat()).is_some() {
        written.push("/web/package-lock.json");
    }
    let py = root.join("py");
    put(
        &py,
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"requests==2.30.0\"]\n",
    );
    if let Some(uv) = installed("py/bin/uv")
        && tool(&py, &uv, &["lock", "-q"]).is_some()
    {
        written.push("/py/uv.lock");
    }
    let rs = root.join("rs");
    put(
        &rs,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsmallvec = \"=1.6.0\"\n",
    );
    put(&rs, "src/main.rs", "fn main() {}\n");
    if tool(&rs, "cargo", &["generate-lockfile", "-q"]).is_some() {
        written.push("/rs/Cargo.lock");
    }
    written
}

#[test]
fn findings_point_at_the_lockfile_line() {
    let Some(vulndata) = plinth_testdata::vulndata() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("v.redb");
    plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(vulndata.join("osv"))
        .assert()
        .success();
    let tree = work.path().join("tree");
    let written = lock_vulnerable_packages(&tree);
    let scan = |format: &str| -> Vec<u8> {
        let out = plinth()
            .env("PLINTH_DB", &db)
            .arg("scan")
            .arg(format!("dir:{}", tree.display()))
            .args(["-f", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };

    let report: Value = serde_json::from_slice(&scan("json")).unwrap();
    let findings = report["targets"][0]["findings"].as_array().unwrap();
    // Every finding has a line, and the lockfile's own text at that line names the package.
    let mut located = BTreeSet::new();
    for f in findings {
        let (package, file) = (
            f["package"].as_str().unwrap(),
            f["found_at"].as_str().unwrap(),
        );
        let line = f["line"]
            .as_u64()
            .unwrap_or_else(|| panic!("{package} has no line"));
        let text = std::fs::read_to_string(tree.join(file.trim_start_matches('/'))).unwrap();
        let at = text.lines().nth(line as usize - 1).unwrap();
        assert!(
            at.contains(package),
            "{file}:{line} is {at:?}, not {package}"
        );
        located.insert((package.to_owned(), file.to_owned(), line));
    }
    let files: BTreeSet<&str> = located.iter().map(|(_, f, _)| f.as_str()).collect();
    assert_eq!(files, written.iter().copied().collect());
    for (package, file) in [
        ("lodash", "/web/package-lock.json"),
        ("requests", "/py/uv.lock"),
        ("smallvec", "/rs/Cargo.lock"),
    ] {
        if written.contains(&file) {
            assert!(
                located.iter().any(|(p, f, _)| p == package && f == file),
                "{package} in {file}"
            );
        }
    }

    // The table names the place as path:line.
    let table = String::from_utf8(scan("table")).unwrap();
    for (package, file, line) in &located {
        assert!(
            table.contains(&format!("{file}:{line})"))
                || table.contains(&format!("{file}:{line},")),
            "{package} at {file}:{line} in\n{table}"
        );
    }
    // SARIF gives the same places as its regions.
    let sarif: Value = serde_json::from_slice(&scan("sarif")).unwrap();
    let regions: BTreeSet<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                format!("/{}", loc["artifactLocation"]["uri"].as_str().unwrap()),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    let places: BTreeSet<(String, u64)> = located.into_iter().map(|(_, f, l)| (f, l)).collect();
    assert_eq!(regions, places);
}
