//! The SBOM renderings: structure on a synthetic inventory (always runs), and the official
//! validators on SBOMs of the fixture images (cyclonedx-python-lib's strict JSON schema
//! validator and spdx-tools' `pyspdxtools`), skipped when Python lacks them.

mod common;

use plinth_catalog::{Os, Package, PackageType};
use plinth_image::Digest;
use plinth_sbom::format::{self, CycloneDxVersion, Options};
use plinth_sbom::{Found, Inventory, LayerRef, Problem};
use serde_json::Value;

fn options() -> Options {
    Options {
        created: 1_700_000_000,
        tool_version: "0.1.0".into(),
    }
}

fn found(kind: PackageType, name: &str, version: &str, at: &str, licenses: &[&str]) -> Found {
    let mut p = Package::new(kind, name, version, at);
    p.licenses = licenses.iter().map(|s| s.to_string()).collect();
    Found {
        purl: format!("pkg:generic/{name}@{version}"),
        package: p,
        layer: Some(1),
    }
}

fn synthetic() -> Inventory {
    let layer = |i: usize| LayerRef {
        index: i,
        digest: Some(Digest::of(format!("blob{i}").as_bytes())),
        diff_id: Some(Digest::of(format!("diff{i}").as_bytes())),
        created_by: None,
    };
    Inventory {
        source: "archive:/images/app.tar".into(),
        manifest_digest: None,
        layers: vec![layer(0), layer(1)],
        os: Some(Os {
            id: "debian".into(),
            version_id: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        }),
        content_sets: Vec::new(),
        packages: vec![
            found(
                PackageType::Deb,
                "bash",
                "5.2.15-2+b13",
                "/var/lib/dpkg/status",
                &[],
            ),
            found(
                PackageType::Npm,
                "lodash",
                "4.17.20",
                "/app/a/package.json",
                &["MIT"],
            ),
            // The same package twice: ids must still be unique.
            found(
                PackageType::Npm,
                "lodash",
                "4.17.20",
                "/app/b/package.json",
                &["MIT"],
            ),
            found(
                PackageType::Rpm,
                "glibc",
                "2.35-1",
                "/var/lib/rpm/rpmdb.sqlite",
                &["LGPLv2+ and GPLv2+ with exceptions"],
            ),
            found(
                PackageType::Python,
                "requests",
                "2.25.1",
                "/usr/lib/python3/dist-packages/requests.dist-info/METADATA",
                &["Apache 2.0", "MIT OR Apache-2.0"],
            ),
            found(
                PackageType::GoModule,
                "github.com/x/tool",
                "v1.0.0",
                "/usr/bin/tool",
                &[],
            ),
        ],
        warnings: vec![Problem {
            cataloger: "dpkg-db".into(),
            path: "/var/lib/dpkg/status.d/broken".into(),
            message: "not a dpkg status file".into(),
        }],
    }
}

fn render(f: impl Fn(&mut Vec<u8>) -> std::io::Result<()>) -> Value {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn cyclonedx(inv: &Inventory, spec: CycloneDxVersion) -> Value {
    render(|out| format::cyclonedx_json(inv, spec, &options(), out))
}

fn spdx(inv: &Inventory) -> Value {
    render(|out| format::spdx_json(inv, &options(), out))
}

#[test]
fn cyclonedx_structure() {
    let inv = synthetic();
    let bom = cyclonedx(&inv, CycloneDxVersion::V1_6);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    let image = &bom["metadata"]["component"];
    assert_eq!(image["type"], "container");
    assert_eq!(image["name"], "/images/app.tar");
    // No manifest digest: the version is the layers' chain ID.
    let d0 = Digest::of(b"diff0").to_string();
    let d1 = Digest::of(b"diff1").to_string();
    let chain = Digest::of(format!("{d0} {d1}").as_bytes()).to_string();
    assert_eq!(image["version"], chain.as_str());

    let comps = bom["components"].as_array().unwrap();
    assert_eq!(comps.len(), 7, "os + six packages");
    assert_eq!(comps[0]["type"], "operating-system");
    assert_eq!(comps[0]["name"], "debian");
    assert_eq!(comps[0]["version"], "12");
    let refs: std::collections::BTreeSet<&str> = comps
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), comps.len(), "bom-refs are unique");

    let bash = &comps[1];
    assert_eq!(bash["type"], "library");
    assert_eq!(bash["purl"], "pkg:generic/bash@5.2.15-2+b13");
    let prop = |c: &Value, name: &str| -> Option<String> {
        c["properties"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(prop(bash, "plinth:location:0:layerID"), Some(d1.clone()));
    assert_eq!(
        prop(bash, "plinth:location:0:layerIndex").as_deref(),
        Some("1")
    );
    assert_eq!(
        prop(bash, "plinth:location:0:path").as_deref(),
        Some("/var/lib/dpkg/status")
    );
    assert_eq!(comps[2]["licenses"][0]["license"]["id"], "MIT");
    // Free text stays a named licence; never a guessed id.
    assert_eq!(
        comps[4]["licenses"][0]["license"]["name"],
        "LGPLv2+ and GPLv2+ with exceptions"
    );
    let tool = comps
        .iter()
        .find(|c| c["name"] == "github.com/x/tool")
        .unwrap();
    assert_eq!(tool["type"], "application", "main module of /usr/bin/tool");

    let deps = bom["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["ref"], image["bom-ref"]);
    assert_eq!(deps[0]["dependsOn"].as_array().unwrap().len(), 7);

    // Incomplete catalogers are marked.
    assert_eq!(
        prop(&bom["metadata"], "plinth:cataloger:incomplete").as_deref(),
        Some("dpkg-db")
    );
    assert_eq!(bom["compositions"][0]["aggregate"], "incomplete");

    let old = cyclonedx(&inv, CycloneDxVersion::V1_5);
    assert_eq!(old["specVersion"], "1.5");
    assert_eq!(
        old["$schema"],
        "http://cyclonedx.org/schema/bom-1.5.schema.json"
    );
}

#[test]
fn spdx_structure() {
    let inv = synthetic();
    let doc = spdx(&inv);
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["dataLicense"], "CC0-1.0");
    assert_eq!(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
    assert!(doc["comment"].as_str().unwrap().contains("dpkg-db"));
    let namespace = doc["documentNamespace"].as_str().unwrap();
    assert!(
        namespace.starts_with("https://plinth.invalid/spdx/app.tar-"),
        "{namespace}"
    );
    let pkgs = doc["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 8, "image + os + six packages");
    assert_eq!(pkgs[0]["primaryPackagePurpose"], "CONTAINER");
    assert_eq!(pkgs[1]["primaryPackagePurpose"], "OPERATING-SYSTEM");
    let ids: std::collections::BTreeSet<&str> =
        pkgs.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), pkgs.len(), "SPDXIDs are unique");
    for p in &pkgs[2..] {
        assert_eq!(p["downloadLocation"], "NOASSERTION");
        assert_eq!(p["externalRefs"][0]["referenceCategory"], "PACKAGE-MANAGER");
        assert_eq!(p["externalRefs"][0]["referenceType"], "purl");
    }
    let by_name = |n: &str| pkgs.iter().find(|p| p["name"] == n).unwrap();
    assert_eq!(by_name("bash")["licenseDeclared"], "NOASSERTION");
    assert_eq!(by_name("lodash")["licenseDeclared"], "MIT");
    assert_eq!(
        by_name("glibc")["licenseDeclared"],
        "LicenseRef-LGPLv2-and-GPLv2-with-exceptions"
    );
    assert_eq!(
        by_name("requests")["licenseDeclared"],
        "LicenseRef-Apache-2.0 AND (MIT OR Apache-2.0)"
    );
    let extracted = doc["hasExtractedLicensingInfos"].as_array().unwrap();
    let texts: Vec<(&str, &str)> = extracted
        .iter()
        .map(|e| {
            (
                e["licenseId"].as_str().unwrap(),
                e["extractedText"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("LicenseRef-Apache-2.0", "Apache 2.0"),
            (
                "LicenseRef-LGPLv2-and-GPLv2-with-exceptions",
                "LGPLv2+ and GPLv2+ with exceptions"
            ),
        ]
    );
    let rels = doc["relationships"].as_array().unwrap();
    assert_eq!(rels[0]["spdxElementId"], "SPDXRef-DOCUMENT");
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(rels[0]["relatedSpdxElement"], "SPDXRef-Image");
    assert_eq!(
        rels.iter()
            .filter(|r| r["relationshipType"] == "CONTAINS")
            .count(),
        7
    );
}

#[test]
fn output_is_reproducible_and_ids_follow_the_inventory() {
    let inv = synthetic();
    assert_eq!(spdx(&inv), spdx(&inv));
    assert_eq!(
        cyclonedx(&inv, CycloneDxVersion::V1_6),
        cyclonedx(&inv, CycloneDxVersion::V1_6)
    );
    let mut other = synthetic();
    other.packages.pop();
    assert_ne!(
        spdx(&inv)["documentNamespace"],
        spdx(&other)["documentNamespace"]
    );
    assert_ne!(
        cyclonedx(&inv, CycloneDxVersion::V1_6)["serialNumber"],
        cyclonedx(&other, CycloneDxVersion::V1_6)["serialNumber"]
    );
    let serial = cyclonedx(&inv, CycloneDxVersion::V1_6)["serialNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
}

/// Writes all three standard renderings of `inv` and runs the official validators on them.
fn validate(python: &str, name: &str, inv: &Inventory) {
    let dir = tempfile::tempdir().unwrap();
    for (spec, v) in [
        ("1.6", CycloneDxVersion::V1_6),
        ("1.5", CycloneDxVersion::V1_5),
    ] {
        let file = dir.path().join(format!("{name}.cdx-{spec}.json"));
        let mut out = Vec::new();
        format::cyclonedx_json(inv, v, &options(), &mut out).unwrap();
        std::fs::write(&file, out).unwrap();
        if let Some(err) = common::cyclonedx_errors(python, &file, spec) {
            panic!("{name}: CycloneDX {spec} invalid: {err}");
        }
    }
    let file = dir.path().join(format!("{name}.spdx.json"));
    let mut out = Vec::new();
    format::spdx_json(inv, &options(), &mut out).unwrap();
    std::fs::write(&file, out).unwrap();
    if let Some(err) = common::spdx_errors(python, &file) {
        panic!("{name}: SPDX invalid: {err}");
    }
}

#[test]
fn synthetic_sboms_pass_the_official_validators() {
    let Some(python) = common::python_validators() else {
        return;
    };
    validate(&python, "synthetic", &synthetic());
}

#[test]
fn fixture_sboms_pass_the_official_validators() {
    let Some(python) = common::python_validators() else {
        return;
    };
    // debian-app: every language ecosystem; mariner: free-text RPM licences (LicenseRef);
    // distroless: an OCI layout. Alpine's SPDX ids are covered by the synthetic inventory.
    for (image, scheme) in [
        ("debian-app.docker.tar", "docker-archive:"),
        ("rpm-mariner.docker.tar", "docker-archive:"),
        ("oci-distroless-debian", "oci-dir:"),
    ] {
        let Some(path) = common::fixture(image) else {
            continue;
        };
        let inv = common::inventory_of(&format!("{scheme}{}", path.display()));
        validate(&python, image, &inv);
    }
}

/// The validators are real: a licence reference that the document never defines, and a
/// licence id outside the SPDX list, are rejected.
#[test]
fn validators_reject_broken_documents() {
    let Some(python) = common::python_validators() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut doc = spdx(&synthetic());
    doc["hasExtractedLicensingInfos"] = Value::Array(Vec::new());
    let file = dir.path().join("bad.spdx.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let err = common::spdx_errors(&python, &file).expect("undefined LicenseRef rejected");
    assert!(err.contains("LicenseRef-"), "{err}");

    let mut bom = cyclonedx(&synthetic(), CycloneDxVersion::V1_6);
    bom["components"][2]["licenses"][0]["license"]["id"] = "Not-A-Licence".into();
    let file = dir.path().join("bad.cdx.json");
    std::fs::write(&file, bom.to_string()).unwrap();
    assert!(common::cyclonedx_errors(&python, &file, "1.6").is_some());
}
