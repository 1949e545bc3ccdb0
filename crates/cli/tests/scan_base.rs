//! `plinth scan` names the base image and splits findings into base and added layers by it.
//! The test builds OCI layouts of a two-layer image whose base layer holds Alpine 3.20.3's
//! real os-release and apk database (../shared/fixtures/alpine) and whose BuildKit-style
//! history marks no boundary, with and without `org.opencontainers.image.base.name/.digest`
//! annotations, with and without the base's manifest in the layout, and scans them against a
//! database of the real Alpine secdb records.

use std::path::Path;

use assert_cmd::Command;
use plinth_testdata::{put_blob, sha256, shared, ustar, vulndata};
use serde_json::{Value, json};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB")
        .env("XDG_CONFIG_HOME", "/nonexistent-plinth-config");
    cmd
}

/// An image manifest over `layers` with a config of `history`; returns (manifest bytes, its
/// digest), every blob stored in the layout at `dir`.
fn image(dir: &Path, layers: &[&[u8]], history: Value, annotations: Value) -> (Vec<u8>, String) {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))
    .unwrap();
    let descriptor = |media: &str, bytes: &[u8]| json!({"mediaType": media, "digest": put_blob(dir, bytes), "size": bytes.len()});
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": descriptor(CONFIG, &config),
        "layers": layers.iter().map(|l| descriptor(LAYER, l)).collect::<Vec<_>>(),
    });
    if annotations.is_object() {
        manifest["annotations"] = annotations;
    }
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = put_blob(dir, &bytes);
    (bytes, digest)
}

fn buildkit(created_by: &str) -> Value {
    json!({"created_by": created_by, "comment": "buildkit.dockerfile.v0"})
}

/// A layout at `dir` with the app image tagged `app`, the base image tagged `base` when
/// `with_base`, and the base annotations when `annotate`. Returns the base manifest's digest.
fn layout(dir: &Path, alpine: &Path, annotate: bool, with_base: bool) -> String {
    let read = |p: &str| std::fs::read(alpine.join(p)).unwrap();
    let base_layer = ustar(&[
        ("etc/os-release", 0o644, &read("etc/os-release")),
        ("lib/apk/db/installed", 0o644, &read("lib/apk/db/installed")),
    ]);
    let app_layer = ustar(&[("app/run.sh", 0o755, b"#!/bin/sh\nexec sleep 1\n")]);
    let add = buildkit("ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit");
    let (base_bytes, base_digest) = image(dir, &[&base_layer], json!([add]), Value::Null);
    let annotations = if annotate {
        json!({
            "org.opencontainers.image.base.name": "docker.io/library/alpine:3.20",
            "org.opencontainers.image.base.digest": base_digest,
        })
    } else {
        Value::Null
    };
    let history = json!([add, buildkit("COPY run.sh /app/ # buildkit")]);
    let (app_bytes, app_digest) = image(dir, &[&base_layer, &app_layer], history, annotations);
    let entry = |digest: &str, size: usize, tag: &str| {
        json!({"mediaType": MANIFEST, "digest": digest, "size": size,
               "annotations": {"org.opencontainers.image.ref.name": tag}})
    };
    let mut manifests = vec![entry(&app_digest, app_bytes.len(), "app")];
    if with_base {
        manifests.push(entry(&base_digest, base_bytes.len(), "base"));
    } else {
        let blob = dir.join("blobs/sha256").join(&base_digest[7..]);
        std::fs::remove_file(blob).unwrap();
    }
    let index = json!({"schemaVersion": 2, "manifests": manifests});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    base_digest
}

fn scan(db: &Path, dir: &Path, format: &str) -> String {
    let out = plinth()
        .args(["scan", "--skip-db-update", "-f", format, "--db"])
        .arg(db)
        .arg(format!("oci-dir:{}:app", dir.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scan_names_the_base_and_splits_by_its_manifest() {
    let (Some(shared), Some(data)) = (shared(), vulndata()) else {
        return;
    };
    let alpine = shared.join("fixtures/alpine/3.20.3-x86_64");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(data.join("alpine-secdb"))
        .output()
        .unwrap();
    assert!(out.status.success());

    // Annotated, the base's manifest in the layout: named, and split by that manifest.
    let annotated = dir.path().join("annotated");
    let base_digest = layout(&annotated, &alpine, true, true);
    let report: Value = serde_json::from_str(&scan(&db, &annotated, "json")).unwrap();
    let target = &report["targets"][0];
    assert_eq!(
        target["base"],
        json!({
            "name": "docker.io/library/alpine:3.20",
            "digest": base_digest,
            "named_by": "manifest annotations",
            "layers": 1,
            "split_from": "base-manifest",
        })
    );
    assert_eq!(target["base_layers"], 1);
    let findings = target["findings"].as_array().unwrap();
    assert!(
        !findings.is_empty(),
        "Alpine 3.20.3's packages have advisories"
    );
    assert!(
        findings.iter().all(|f| f["origin"] == "base"),
        "{findings:?}"
    );
    assert!(target.get("warnings").is_none(), "{target}");
    let table = scan(&db, &annotated, "table");
    assert!(
        table.contains(&format!(
            "Base: docker.io/library/alpine:3.20@{base_digest} (from the manifest annotations); layers 0..1, by the base's own manifest\n"
        )),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "base image: {}, added on top: 0 (base = layers 0..1)",
            findings.len()
        )),
        "{table}"
    );

    // Annotated, but the base's manifest is not in the layout: named, the split unknown.
    let named_only = dir.path().join("named-only");
    layout(&named_only, &alpine, true, false);
    let table = scan(&db, &named_only, "table");
    assert!(table.contains(&format!(
        "Base: docker.io/library/alpine:3.20@{base_digest} (from the manifest annotations); its layers are unknown: its manifest is not in this image's source and the history marks no base boundary\n"
    )), "{table}");
    assert!(table.contains("base/added: unknown"), "{table}");

    // Neither annotations nor a history boundary: the table says what is missing.
    let bare = dir.path().join("bare");
    layout(&bare, &alpine, false, true);
    let report: Value = serde_json::from_str(&scan(&db, &bare, "json")).unwrap();
    let target = &report["targets"][0];
    assert_eq!(target["base"], json!({}));
    assert!(target["base_layers"].is_null());
    assert!(
        target["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["origin"] == "unknown")
    );
    assert_eq!(
        target["warnings"][0],
        "neither the base image's manifest nor the image history shows where the base ends: base/added split is unknown"
    );
    let table = scan(&db, &bare, "table");
    assert!(table.contains("Base: not named (no org.opencontainers.image.base.name/.digest annotation or label); its layers are unknown: the history marks no base boundary\n"), "{table}");
}
