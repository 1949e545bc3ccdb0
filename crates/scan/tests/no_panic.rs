//! Hostile scan inputs: truncated, byte-flipped and random SBOMs (plinth JSON, CycloneDX,
//! SPDX, Syft JSON), ignore files and VEX documents never panic; a bad SBOM's error is one
//! line naming the file. Seeds are the SBOMs plinth writes of a fixture image and the one
//! Syft writes of it, when they exist, and small ones written here.

mod common;

use std::path::{Path, PathBuf};

use plinth_scan::policy::{parse_ignore_lines, parse_ignore_yaml, parse_vex};
use plinth_scan::sbom_from_slice;
use proptest::prelude::*;

const CDX: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"name":"x"}},"components":[{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20","properties":[{"name":"aquasecurity:trivy:FilePath","value":"app/node_modules/lodash/package.json"}]},{"type":"operating-system","name":"alpine","version":"3.20.3"}]}"#;
const SPDX: &str = r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"libssl3","versionInfo":"3.0.11-1~deb12u2","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl%403.0.11-1~deb12u2&distro=debian-12"}]}]}"#;
const SYFT: &str = r#"{"schema":{"version":"16.0.0"},"distro":{"id":"alpine","versionID":"3.20.3"},"artifacts":[{"name":"musl","version":"1.2.5-r0","type":"apk","purl":"pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3","locations":[{"path":"/lib/apk/db/installed","layerID":"sha256:ab"}]}]}"#;
const IGNORE: &str = "CVE-2024-1\n# comment\nGHSA-a exp:2030-01-01\n";
const IGNORE_YAML: &str = "vulnerabilities:\n  - id: CVE-2024-1\n    paths: [\"a/*\"]\n    purls: [\"pkg:npm/a\"]\n    expired_at: 2030-01-01\n";
const VEX: &str = r#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:npm/lodash@4.17.20"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}"#;

/// Syft from `PLINTH_SYFT`, /var/tmp/plinth-peers/bin/syft or PATH, if installed.
fn syft() -> Option<PathBuf> {
    let found = std::env::var_os("PLINTH_SYFT")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/var/tmp/plinth-peers/bin/syft")])
        .find(|p| p.is_file())
        .or_else(|| which("syft"));
    if found.is_none() {
        println!("skipped: no syft");
    }
    found
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// SBOMs of every format: written here, by plinth and by Syft of alpine-3.20.oci.tar.
fn sbom_seeds() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = [CDX, SPDX, SYFT].map(|s| s.as_bytes().to_vec()).into();
    let Some((_, inv)) = common::image_inventory("alpine-3.20.oci.tar") else {
        return out;
    };
    let opts = plinth_sbom::format::Options {
        created: 0,
        tool_version: "plinth test".into(),
    };
    let mut json = Vec::new();
    plinth_sbom::format::json(&inv, &mut json).unwrap();
    let mut cdx = Vec::new();
    let v16 = plinth_sbom::format::CycloneDxVersion::V1_6;
    plinth_sbom::format::cyclonedx_json(&inv, v16, &opts, &mut cdx).unwrap();
    let mut spdx = Vec::new();
    plinth_sbom::format::spdx_json(&inv, &opts, &mut spdx).unwrap();
    out.extend([json, cdx, spdx]);
    if let Some(syft) = syft() {
        let image = plinth_testdata::fixtures_dir().join("alpine-3.20.oci.tar");
        let run = std::process::Command::new(syft)
            .args(["-q", "-o", "syft-json"])
            .arg(format!("oci-archive:{}", image.display()))
            .output()
            .unwrap();
        assert!(run.status.success(), "{run:?}");
        out.push(run.stdout);
    }
    out
}

/// Reads `bytes` as `plinth scan FILE` would; an error must be one line naming the file.
fn read(bytes: &[u8]) {
    let path = Path::new("hostile.sbom.json");
    if let Err(e) = sbom_from_slice(bytes, path, "sbom:hostile") {
        let text = e.to_string();
        assert!(!text.contains('\n'), "one line: {text:?}");
        assert!(text.contains("hostile.sbom.json"), "names the file: {text}");
    }
}

fn policy_files(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = parse_ignore_lines(&text);
    let _ = parse_ignore_yaml(&text);
    let _ = parse_vex(bytes);
}

#[test]
fn every_seed_reads_and_so_does_every_sampled_prefix() {
    let seeds = sbom_seeds();
    for seed in &seeds {
        let inv = sbom_from_slice(seed, Path::new("seed.json"), "sbom:seed").unwrap();
        assert!(
            !inv.packages.is_empty(),
            "{}",
            String::from_utf8_lossy(seed)
        );
        let step = (seed.len() / 400).max(1);
        for n in (0..seed.len()).step_by(step) {
            read(&seed[..n]);
        }
    }
    for seed in [IGNORE, IGNORE_YAML, VEX] {
        for n in 0..seed.len() {
            policy_files(&seed.as_bytes()[..n]);
        }
    }
}

#[test]
fn flipped_bytes_in_every_seed() {
    plinth_testdata::hostile::flipped_bytes(&sbom_seeds(), 512, |_, data| read(data));
    let policy = [IGNORE, IGNORE_YAML, VEX].map(|p| p.as_bytes().to_vec());
    plinth_testdata::hostile::flipped_bytes(&policy, 512, |_, data| policy_files(data));
}

#[test]
fn random_json_shaped_input() {
    // JSON tokens and the keys detection and parsing look for, in random order.
    let token = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"bomFormat\"",
        "\"CycloneDX\"",
        "\"components\"",
        "\"purl\"",
        "\"pkg:npm/a@1\"",
        "\"pkg:deb/debian/a@1?distro=debian-12\"",
        "\"spdxVersion\"",
        "\"packages\"",
        "\"externalRefs\"",
        "\"referenceLocator\"",
        "\"artifacts\"",
        "\"schema\"",
        "\"distro\"",
        "\"source\"",
        "\"layers\"",
        "null",
        "7",
        "\"\"",
        "\"%\"",
        "\"pkg:\"",
        "\"statements\"",
        "\"vulnerability\"",
        "\"products\"",
        "-",
        "\n",
        "\"exp:\"",
    ]);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(1024));
    runner
        .run(&proptest::collection::vec(token, 0..64), |tokens| {
            let text = tokens.concat();
            read(text.as_bytes());
            policy_files(text.as_bytes());
            Ok(())
        })
        .unwrap();
}
