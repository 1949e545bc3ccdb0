//! Reports and policy: SARIF against the official 2.1.0 schema, CycloneDX and JSON shapes,
//! ignore files, OpenVEX, SBOM detection and bad SBOMs.

mod common;

use std::path::Path;

use plinth_scan::policy::{self, Policy};
use plinth_scan::report;
use plinth_scan::{Level, Report, ScanError, match_inventory, read_sbom};
use serde_json::Value;

const LODASH: &str = r#"{"id": "GHSA-35jh-r3h4-6jhm", "aliases": ["CVE-2021-23337"], "summary": "Command Injection in lodash",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
  "database_specific": {"severity": "HIGH"},
  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}"#;
const MINIMIST: &str = r#"{"id": "GHSA-xvch-5gv4-984h", "aliases": ["CVE-2021-44906"], "summary": "Prototype Pollution in minimist",
  "database_specific": {"severity": "CRITICAL", "cwe_ids": ["CWE-1321"]},
  "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.6"}]}]}]}"#;
const OPEN: &str = r#"{"id": "GHSA-open-open-open", "summary": "No fix yet",
  "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#;

/// A small CycloneDX SBOM, as Trivy writes one (properties carry the file path).
const CDX: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
  "components": [
    {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20",
     "properties": [{"name": "aquasecurity:trivy:FilePath", "value": "app/node_modules/lodash/package.json"}]},
    {"type": "library", "name": "minimist", "version": "1.2.5", "purl": "pkg:npm/minimist@1.2.5"}]}"#;

fn sample() -> (tempfile::TempDir, Report) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = [("l.json", LODASH), ("m.json", MINIMIST), ("o.json", OPEN)]
        .iter()
        .map(|(n, t)| common::write(dir.path(), n, t))
        .collect();
    let (_d, db) = common::db_from(&files);
    let sbom = common::write(dir.path(), "bom.json", CDX);
    let inv = read_sbom(&sbom).unwrap();
    let target = match_inventory(&inv, &db, None).unwrap();
    (
        dir,
        Report {
            targets: vec![target],
        },
    )
}

#[test]
fn cyclonedx_sbom_input_matches() {
    let (_dir, report) = sample();
    let ids: Vec<_> = report.targets[0]
        .findings
        .iter()
        .map(|f| (f.package.as_str(), f.id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("lodash", "CVE-2021-23337"),
            ("minimist", "CVE-2021-44906"),
            ("minimist", "GHSA-open-open-open")
        ]
    );
    assert_eq!(
        report.targets[0].findings[0].found_at,
        "/app/node_modules/lodash/package.json"
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../lint/tests/schema/sarif-2.1.0-rtm.5.json");
    let (_dir, report) = sample();
    let mut out = Vec::new();
    report::sarif(&report, false, &mut out).unwrap();
    let log: Value = serde_json::from_slice(&out).unwrap();
    // What GitHub code scanning reads, checked whether or not the schema is at hand.
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(results.len(), 3);
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(rule["help"]["text"].as_str().unwrap().contains("Severity"));
        let score: f32 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
        let loc = &r["locations"][0];
        assert!(
            !loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        assert!(
            loc["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("sbom:")
        );
    }
    let lodash = results
        .iter()
        .find(|r| r["ruleId"] == "CVE-2021-23337")
        .unwrap();
    assert_eq!(lodash["level"], "error");
    assert_eq!(
        lodash["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/node_modules/lodash/package.json"
    );
    let rule = &rules[lodash["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["properties"]["security-severity"], "7.2");
    // A weakness as GitHub code scanning reads it.
    let minimist = rules.iter().find(|r| r["id"] == "CVE-2021-44906").unwrap();
    assert_eq!(
        minimist["properties"]["tags"],
        serde_json::json!([
            "vulnerability",
            "security",
            "CRITICAL",
            "external/cwe/cwe-1321"
        ])
    );

    if !schema_path.exists() {
        println!(
            "skipped schema validation: {} is absent (structural checks above ran)",
            schema_path.display()
        );
        return;
    }
    let schema: Value = serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Suppressed results carry SARIF suppressions and still validate; so does an empty log.
    let mut suppressed = report.clone();
    Policy {
        severities: vec![Level::Critical],
        ..Policy::default()
    }
    .apply(&mut suppressed);
    let mut out = Vec::new();
    report::sarif(&suppressed, true, &mut out).unwrap();
    let log: Value = serde_json::from_slice(&out).unwrap();
    assert!(validator.is_valid(&log));
    assert_eq!(
        log["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "external"
    );
    let mut empty = Vec::new();
    report::sarif(&Report { targets: vec![] }, false, &mut empty).unwrap();
    assert!(validator.is_valid(&serde_json::from_slice(&empty).unwrap()));
}

#[test]
fn cyclonedx_and_json_outputs() {
    let (_dir, report) = sample();
    let mut out = Vec::new();
    report::cyclonedx(&report, false, &mut out).unwrap();
    let bom: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.5");
    let refs: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let vulns = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 3);
    for v in vulns {
        assert!(refs.contains(&v["affects"][0]["ref"].as_str().unwrap()));
    }
    let l = vulns.iter().find(|v| v["id"] == "CVE-2021-23337").unwrap();
    assert_eq!(l["ratings"][0]["severity"], "high");
    assert_eq!(l["ratings"][1]["method"], "CVSSv31");
    assert_eq!(l["references"][0]["id"], "GHSA-35jh-r3h4-6jhm");
    assert_eq!(l["recommendation"], "Upgrade lodash to 4.17.21");
    assert!(l.get("cwes").is_none(), "no CWE known: none claimed");
    let m = vulns.iter().find(|v| v["id"] == "CVE-2021-44906").unwrap();
    assert_eq!(m["cwes"], serde_json::json!([1321]));

    let mut out = Vec::new();
    report::json(&report, &mut out).unwrap();
    let j: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(j["summary"]["total"], 3);
    assert_eq!(j["summary"]["by_severity"]["HIGH"], 1);
    assert_eq!(
        j["summary"]["base"],
        Value::Null,
        "SBOM input: base/added unknown"
    );
    assert_eq!(j["targets"][0]["findings"][0]["severity"]["source"], "ghsa");
    let cwe: Vec<&Value> = j["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["cwe"])
        .collect();
    assert_eq!(
        cwe,
        [&Value::Null, &serde_json::json!(["CWE-1321"]), &Value::Null]
    );
}

#[test]
fn table_groups_by_package_and_colours_only_when_asked() {
    let (_dir, report) = sample();
    let mut plain = Vec::new();
    report::table(&report, report::TableOptions::default(), &mut plain).unwrap();
    let text = String::from_utf8(plain).unwrap();
    assert!(!text.contains('\x1b'));
    assert!(
        text.contains("Total: 3 (UNKNOWN: 1, LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 1)"),
        "{text}"
    );
    assert!(text.contains("base/added: unknown"));
    assert_eq!(text.matches("\nminimist 1.2.5 (npm").count(), 1, "{text}");
    let mut coloured = Vec::new();
    report::table(
        &report,
        report::TableOptions {
            color: true,
            show_suppressed: false,
        },
        &mut coloured,
    )
    .unwrap();
    assert!(
        String::from_utf8(coloured)
            .unwrap()
            .contains("\x1b[1;31mCRITICAL")
    );
}

#[test]
fn ignore_files_vex_and_filters() {
    let (dir, mut report) = sample();
    let lines = common::write(
        dir.path(),
        ".trivyignore",
        "# comment\nGHSA-35jh-r3h4-6jhm\nCVE-2021-44906 exp:2000-01-01\n",
    );
    let yaml = common::write(
        dir.path(),
        "ignore.yaml",
        "vulnerabilities:\n  - id: CVE-2021-44906\n    statement: not reachable\n    purls: [\"pkg:npm/minimist\"]\n    expired_at: 2999-12-31\n  - id: GHSA-open-open-open\n    paths: [\"app/**\"]\n",
    );
    let vex = common::write(
        dir.path(),
        "vex.json",
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "GHSA-open-open-open"}, "products": [{"@id": "pkg:oci/app"}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    );
    let mut p = Policy {
        today: policy::today(),
        ..Policy::default()
    };
    // The line form: an alias matches; an expired rule does not.
    p.ignore = vec![(lines.clone(), policy::read_ignorefile(&lines).unwrap())];
    p.apply(&mut report);
    let by = |r: &Report, id: &str| {
        r.targets[0]
            .findings
            .iter()
            .find(|f| f.id == id)
            .unwrap()
            .suppressed
            .clone()
    };
    assert!(
        by(&report, "CVE-2021-23337")
            .unwrap()
            .by
            .starts_with("ignorefile:")
    );
    assert!(by(&report, "CVE-2021-44906").is_none(), "expired rule");
    // The YAML form: purl-limited rule with its statement; a path rule that does not match.
    p.ignore = vec![(yaml.clone(), policy::read_ignorefile(&yaml).unwrap())];
    p.apply(&mut report);
    assert_eq!(
        by(&report, "CVE-2021-44906").unwrap().reason.as_deref(),
        Some("not reachable")
    );
    assert!(by(&report, "GHSA-open-open-open").is_none());
    // OpenVEX about the image as a whole.
    p.vex = vec![(vex.clone(), policy::read_vex(&vex).unwrap())];
    p.apply(&mut report);
    let s = by(&report, "GHSA-open-open-open").unwrap();
    assert!(s.by.starts_with("vex:"));
    assert_eq!(
        s.reason.as_deref(),
        Some("not_affected: vulnerable_code_not_in_execute_path")
    );
    // --ignore-unfixed and --severity.
    let (_d2, mut fresh) = sample();
    Policy {
        ignore_unfixed: true,
        severities: vec![Level::High, Level::Critical],
        ..Policy::default()
    }
    .apply(&mut fresh);
    assert_eq!(fresh.counted().count(), 2);
    assert_eq!(by(&fresh, "GHSA-open-open-open").unwrap().by, "unfixed");
    // Malformed policy files are one-line errors naming the file.
    let bad = common::write(
        dir.path(),
        "bad.yaml",
        "vulnerabilities: [ {id: 1, expired_at: soon} ]",
    );
    let e = policy::read_ignorefile(&bad).unwrap_err().to_string();
    assert!(e.contains("bad.yaml") && !e.contains('\n'), "{e}");
    let e = policy::read_vex(&lines).unwrap_err().to_string();
    assert!(e.contains("not JSON"), "{e}");
}

#[test]
fn sbom_detection_and_bad_sboms() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "unknown.json",
            r#"{"hello": "world"}"#,
            "not an SBOM plinth reads",
        ),
        (
            "truncated.json",
            r#"{"bomFormat": "CycloneDX", "components": [{"purl": "#,
            "malformed JSON: EOF",
        ),
        (
            "badcdx.json",
            r#"{"bomFormat": "CycloneDX", "components": 7}"#,
            "malformed CycloneDX JSON",
        ),
        (
            "badspdx.json",
            r#"{"spdxVersion": "SPDX-2.3", "packages": "x"}"#,
            "malformed SPDX JSON",
        ),
        (
            "badplinth.json",
            r#"{"source": 1, "packages": [], "layers": []}"#,
            "malformed plinth JSON",
        ),
    ];
    for (name, text, want) in cases {
        let p = common::write(dir.path(), name, text);
        assert!(plinth_scan::is_json_file(&p));
        let e = read_sbom(&p).unwrap_err();
        assert!(matches!(
            e,
            ScanError::UnknownSbom { .. } | ScanError::BadSbom { .. }
        ));
        let msg = e.to_string();
        assert!(
            msg.contains(name) && msg.contains(want) && !msg.contains('\n'),
            "{msg}"
        );
    }
    // SPDX with purls; the distro comes from the purl qualifier; Debian upstream with version.
    let spdx = common::write(
        dir.path(),
        "s.json",
        r#"{"spdxVersion": "SPDX-2.3", "packages": [{"name": "libssl3", "versionInfo": "3.0.11-1~deb12u2",
          "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
          "referenceLocator": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl%403.0.11-1~deb12u2&distro=debian-12"}]}]}"#,
    );
    let inv = read_sbom(&spdx).unwrap();
    assert_eq!(inv.os.as_ref().unwrap().version_id.as_deref(), Some("12"));
    let p = &inv.packages[0].package;
    assert_eq!(
        (p.source_name.as_deref(), p.source_version.as_deref()),
        (Some("openssl"), Some("3.0.11-1~deb12u2"))
    );
    // A tar archive is never taken for an SBOM.
    let tar = common::write(dir.path(), "not.tar", "ustar\0...");
    assert!(!plinth_scan::is_json_file(&tar));
}
