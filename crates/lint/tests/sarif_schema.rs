//! The SARIF output validates against the official SARIF 2.1.0 schema (vendored from the
//! npm package @microsoft/jest-sarif; see tests/schema/SOURCE), and carries what GitHub
//! code scanning needs to annotate a line.

use std::path::Path;

use plinth_lint::{Config, lint, render};
use serde_json::Value;

fn corpus_findings() -> Vec<plinth_lint::Diagnostic> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut all = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
    {
        let text = std::fs::read_to_string(p).unwrap();
        let name = format!(
            "crates/lint/tests/corpus/{}",
            p.file_name().unwrap().to_string_lossy()
        );
        all.extend(lint(&text, &name, &Config::default()).unwrap());
    }
    all
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/sarif-2.1.0-rtm.5.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");

    let findings = corpus_findings();
    assert!(
        findings.len() > 50,
        "corpus gives {} findings",
        findings.len()
    );
    let mut out = Vec::new();
    render::sarif(&mut out, &findings).unwrap();
    let log: Value = serde_json::from_slice(&out).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // Also the empty report.
    let mut empty = Vec::new();
    render::sarif(&mut empty, &[]).unwrap();
    assert!(validator.is_valid(&serde_json::from_slice(&empty).unwrap()));

    // What code scanning reads: rule ids resolve, regions point at real lines.
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("crates/lint/tests/corpus/"), "{uri}");
    }
    let pl211 = rules.iter().find(|r| r["id"] == "PL211").unwrap();
    assert_eq!(pl211["properties"]["hadolint"], "DL3015");
}

#[test]
fn json_output_names_both_ids() {
    let d = lint(
        "FROM debian:12\nRUN apt-get install -y curl\nUSER nobody\n",
        "Dockerfile",
        &Config::default(),
    )
    .unwrap();
    let mut out = Vec::new();
    render::json(&mut out, &d).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let first = &v[0];
    assert_eq!(first["code"], "PL211");
    assert_eq!(first["hadolint"], "DL3015");
    assert_eq!(first["level"], "info");
    assert_eq!(first["line"], 2);
    assert_eq!(first["file"], "Dockerfile");
}
