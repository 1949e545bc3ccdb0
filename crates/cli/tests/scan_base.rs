//! `plinth scan` names the base image and splits findings into base and added layers by it.
//! The test builds OCI layouts of a two-layer image whose base layer holds Alpine 3.20.3's
//! real os-release and apk database (../shared/fixtures/alpine), with BuildKit-style histories
//! that do and do not mark the boundary (a root filesystem `ADD`ed at `/`, or a few files
//! copied), with and without `org.opencontainers.image.base.name/.digest` annotations, with
//! and without the base's manifest in the layout or in a real registry, and scans them against
//! a database of the real Alpine secdb records.

use std::path::Path;

use assert_cmd::Command;
use plinth_testdata::registry::LocalRegistry;
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

/// The base's one step: a root filesystem added at `/` marks where the base ends...
const ROOTFS_ADD: &str = "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit";
/// ...and a base assembled from a few files does not.
const FILES_COPY: &str = "COPY os-release installed / # buildkit";

fn buildkit(created_by: &str) -> Value {
    json!({"created_by": created_by, "comment": "buildkit.dockerfile.v0"})
}

/// A layout at `dir` with the app image tagged `app`, the base image (made by `base_step`)
/// tagged `base` when `with_base`, and the base annotations naming `base_name` when given.
/// Returns the base manifest's digest and bytes.
fn layout(
    dir: &Path,
    alpine: &Path,
    base_step: &str,
    base_name: Option<&str>,
    with_base: bool,
) -> (String, Vec<u8>) {
    let read = |p: &str| std::fs::read(alpine.join(p)).unwrap();
    let base_layer = ustar(&[
        ("etc/os-release", 0o644, &read("etc/os-release")),
        ("lib/apk/db/installed", 0o644, &read("lib/apk/db/installed")),
    ]);
    let app_layer = ustar(&[("app/run.sh", 0o755, b"#!/bin/sh\nexec sleep 1\n")]);
    let add = buildkit(base_step);
    let (base_bytes, base_digest) = image(dir, &[&base_layer], json!([add]), Value::Null);
    let annotations = match base_name {
        Some(name) => json!({
            "org.opencontainers.image.base.name": name,
            "org.opencontainers.image.base.digest": base_digest,
        }),
        None => Value::Null,
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
    (base_digest, base_bytes)
}

const HUB_ALPINE: &str = "docker.io/library/alpine:3.20";

fn scan(db: &Path, dir: &Path, format: &str) -> String {
    let target = format!("oci-dir:{}:app", dir.display());
    let db_arg = db.display().to_string();
    run(
        &cache_beside(db),
        &[
            "scan",
            "--skip-db-update",
            "-f",
            format,
            "--db",
            &db_arg,
            &target,
        ],
    )
}

/// The layer cache of the test that keeps its database at `db`.
fn cache_beside(db: &Path) -> std::path::PathBuf {
    db.with_file_name("cache")
}

/// `plinth ARGS…` with its cache in `cache`, which must succeed; its standard output.
fn run(cache: &Path, args: &[&str]) -> String {
    let out = plinth()
        .env("XDG_CACHE_HOME", cache)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A database of the real Alpine secdb records, in `dir`.
fn alpine_db(dir: &Path, data: &Path) -> std::path::PathBuf {
    let db = dir.join("vuln.redb");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(data.join("alpine-secdb"))
        .output()
        .unwrap();
    assert!(out.status.success());
    db
}

#[test]
fn scan_names_the_base_and_splits_by_its_manifest() {
    let (Some(shared), Some(data)) = (shared(), vulndata()) else {
        return;
    };
    let alpine = shared.join("fixtures/alpine/3.20.3-x86_64");
    let dir = tempfile::tempdir().unwrap();
    let db = alpine_db(dir.path(), &data);

    // Annotated, the base's manifest in the layout: named, and split by that manifest.
    let annotated = dir.path().join("annotated");
    let base_digest = layout(&annotated, &alpine, ROOTFS_ADD, Some(HUB_ALPINE), true).0;
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
            "split_by": format!("oci-dir:{}", annotated.display()),
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
            "Base: docker.io/library/alpine:3.20@{base_digest} (from the manifest annotations); layers 0..1, by the base's own manifest (oci-dir:{})\n",
            annotated.display()
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

    // Annotated, but the base's manifest is not in the layout, and --offline forbids asking
    // Docker Hub for it: named, the split unknown, and what is missing said.
    let named_only = dir.path().join("named-only");
    let (copied_digest, _) = layout(&named_only, &alpine, FILES_COPY, Some(HUB_ALPINE), false);
    let offline_table = |layout: &Path| {
        let db = db.display().to_string();
        let target = format!("oci-dir:{}:app", layout.display());
        let args = ["scan", "--offline", "--no-cache", "--db", &db, &target];
        run(&cache_beside(Path::new(&db)), &args)
    };
    let table = offline_table(&named_only);
    assert!(table.contains(&format!(
        "Base: docker.io/library/alpine:3.20@{copied_digest} (from the manifest annotations); its layers are unknown: its manifest is not in this image's source or the cache, and --offline forbids fetching it from docker.io/library/alpine; the history marks no base boundary\n"
    )), "{table}");
    assert!(table.contains("base/added: unknown"), "{table}");

    // The same with a history whose base adds a root filesystem: the history splits, and the
    // line still says why the manifest could not.
    let named_rootfs = dir.path().join("named-rootfs");
    layout(&named_rootfs, &alpine, ROOTFS_ADD, Some(HUB_ALPINE), false);
    let table = offline_table(&named_rootfs);
    assert!(table.contains(&format!(
        "Base: docker.io/library/alpine:3.20@{base_digest} (from the manifest annotations); layers 0..1, by the history (the last root filesystem added at /); the base's manifest did not tell: its manifest is not in this image's source or the cache, and --offline forbids fetching it from docker.io/library/alpine\n"
    )), "{table}");
    assert!(
        table.contains(&format!(
            "base image: {}, added on top: 0 (base = layers 0..1)",
            findings.len()
        )),
        "{table}"
    );

    // No annotations, a root filesystem in the history: split by it.
    let bare_rootfs = dir.path().join("bare-rootfs");
    layout(&bare_rootfs, &alpine, ROOTFS_ADD, None, true);
    let report: Value = serde_json::from_str(&scan(&db, &bare_rootfs, "json")).unwrap();
    let target = &report["targets"][0];
    assert_eq!(
        target["base"],
        json!({"layers": 1, "split_from": "history", "split_by": "the last root filesystem added at /"})
    );
    assert!(
        target["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["origin"] == "base")
    );

    // Neither annotations nor a history boundary: the table says what is missing.
    let bare = dir.path().join("bare");
    layout(&bare, &alpine, FILES_COPY, None, true);
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

/// Pushes the image whose manifest is `manifest` (its blobs in the layout at `dir`) to
/// `reference`, blobs first.
fn push(dir: &Path, manifest: &[u8], reference: &str) {
    use plinth_registry::{Content, ImageRef, Options, PushOptions, Pusher};
    let image = ImageRef::parse(reference).unwrap();
    let pusher = Pusher::connect(image, &Options::default(), PushOptions::default()).unwrap();
    let m: Value = serde_json::from_slice(manifest).unwrap();
    for d in std::iter::once(&m["config"]).chain(m["layers"].as_array().unwrap()) {
        let digest = d["digest"].as_str().unwrap();
        let bytes = std::fs::read(dir.join("blobs/sha256").join(&digest[7..])).unwrap();
        let digest = plinth_image::Digest::parse(digest).unwrap();
        pusher
            .push_blob(&digest, bytes.len() as u64, Content::Bytes(&bytes))
            .unwrap();
    }
    pusher.push_manifest(MANIFEST, manifest).unwrap();
}

/// The manifest tagged `tag` in the layout at `dir`.
fn tagged(dir: &Path, tag: &str) -> Vec<u8> {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap();
    let digest = entry["digest"].as_str().unwrap();
    std::fs::read(dir.join("blobs/sha256").join(&digest[7..])).unwrap()
}

/// The `base` object of the first target of a JSON scan report.
fn scanned_base(cache: &Path, db: &Path, target: &str, extra: &[&str]) -> (Value, Value) {
    let db = db.display().to_string();
    let args = [
        &[
            "scan",
            "--skip-db-update",
            "-f",
            "json",
            "--db",
            &db,
            target,
        ][..],
        extra,
    ]
    .concat();
    let report: Value = serde_json::from_str(&run(cache, &args)).unwrap();
    let target = report["targets"][0].clone();
    (target["base"].clone(), target["findings"].clone())
}

/// The base is in another repository (of a real registry started here): its manifest, and
/// only its manifest, is fetched by the digest the annotations give, whether the image is a
/// local layout or in the same registry. `--offline`, an unreachable registry, a digest the
/// registry does not have and a base whose layers are not the image's each say what is
/// missing; a fetched manifest is kept in the layer cache and serves `--offline` runs.
#[test]
fn the_base_manifest_is_fetched_from_the_registry_its_name_points_at() {
    let (Some(shared), Some(data)) = (shared(), vulndata()) else {
        return;
    };
    let alpine = shared.join("fixtures/alpine/3.20.3-x86_64");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("registry")).unwrap();
    let Some(registry) = LocalRegistry::start(&dir.path().join("registry"), None) else {
        return;
    };
    let db = alpine_db(dir.path(), &data);
    let repo = format!("{}/library/alpine", registry.addr);
    let base_name = format!("{repo}:3.20");
    let app = dir.path().join("app");
    let (base_digest, base_bytes) = layout(&app, &alpine, FILES_COPY, Some(&base_name), false);
    push(&app, &base_bytes, &base_name);
    push(
        &app,
        &tagged(&app, "app"),
        &format!("{}/shop/app:1", registry.addr),
    );
    let local = format!("oci-dir:{}:app", app.display());
    let remote = format!("registry:{}/shop/app:1", registry.addr);
    let fetched = json!({
        "name": base_name,
        "digest": base_digest,
        "named_by": "manifest annotations",
        "layers": 1,
        "split_from": "base-manifest",
        "split_by": repo,
    });
    let cache = dir.path().join("cache");
    let (base, findings) = scanned_base(&cache, &db, &remote, &["--no-cache"]);
    assert_eq!(base, fetched);
    let findings = findings.as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["origin"] == "base"));
    // Only manifests are fetched from the base's repository: with the registry's copy of the
    // base layer gone, the layout's image still splits by the fetched manifest.
    let layer = serde_json::from_slice::<Value>(&base_bytes).unwrap()["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(registry.blob_file(&layer)).unwrap();
    let (base, findings) = scanned_base(&cache, &db, &local, &[]);
    assert_eq!(base, fetched);
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["origin"] == "base")
    );
    let table = run(
        &cache,
        &[
            "scan",
            "--skip-db-update",
            "--db",
            &db.display().to_string(),
            &local,
        ],
    );
    assert!(
        table.contains(&format!(
            "Base: {base_name}@{base_digest} (from the manifest annotations); layers 0..1, by the base's own manifest ({repo})\n"
        )),
        "{table}"
    );

    // advise and diff name the same base and count vulnerabilities in it and on top.
    let db_arg = db.display().to_string();
    let n = findings.as_array().unwrap().len();
    let advice: Value = serde_json::from_str(&run(
        &cache,
        &["advise", "--db", &db_arg, "-f", "json", &local],
    ))
    .unwrap();
    let facts = &advice["facts"];
    assert_eq!(
        (
            &facts["base"]["name"],
            &facts["base"]["digest"],
            &facts["base"]["layers"]
        ),
        (&json!(base_name), &json!(base_digest), &json!(1))
    );
    let evidence = format!(
        "the manifest annotations name it (org.opencontainers.image.base.name/.base.digest); layers 0..1, by the base's own manifest ({repo})"
    );
    assert_eq!(facts["base"]["evidence"], evidence);
    assert_eq!(
        (
            &facts["vulnerabilities"]["in_base"],
            &facts["vulnerabilities"]["added"]
        ),
        (&json!(n), &json!(0))
    );
    let text = run(&cache, &["advise", "--db", &db_arg, &local]);
    assert_eq!(
        text.lines().nth(1).unwrap(),
        format!(
            "base image: {base_name}@{base_digest} ({evidence}); vulnerabilities: {n} in the base, 0 added on top"
        )
    );
    let before = dir.path().join("before");
    let app_only = ustar(&[("app/run.sh", 0o755, b"#!/bin/sh\n")]);
    let id = sha256(&app_only);
    let before = plinth_testdata::oci_layout(&before, &[app_only], &[id], json!({}));
    let diff: Value = serde_json::from_str(&run(
        &cache,
        &["diff", "--db", &db_arg, "-f", "json", &before, &local],
    ))
    .unwrap();
    assert_eq!(diff["base"]["new"]["evidence"], evidence);
    let introduced = diff["vulnerabilities"]["introduced"].as_array().unwrap();
    assert_eq!(introduced.len(), n);
    assert!(introduced.iter().all(|v| v["origin"] == "base"));
    let text = run(&cache, &["diff", "--db", &db_arg, &before, &local]);
    assert!(
        text.contains(&format!("base image: unknown -> {base_name}@{base_digest}\n"))
            && text.contains(&format!(
                "vulnerabilities: 0 fixed (0 in the base, 0 added on top), {n} introduced ({n} in the base, 0 added on top)\n"
            )),
        "{text}"
    );

    // --offline: the copy the cache kept serves; without a cache, what is missing is named.
    let (base, _) = scanned_base(&cache, &db, &local, &["--offline"]);
    assert_eq!(base, fetched);
    let (base, findings) = scanned_base(&cache, &db, &local, &["--offline", "--no-cache"]);
    assert_eq!(
        base["manifest_missing"],
        format!(
            "its manifest is not in this image's source or the cache, and --offline forbids fetching it from {repo}"
        )
    );
    assert!(base["layers"].is_null());
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["origin"] == "unknown")
    );

    // A digest the registry does not hold: the fetch fails by digest, never by tag.
    let stray = dir.path().join("stray");
    layout(&stray, &alpine, FILES_COPY, Some(&base_name), true);
    let mut wrong: Value = serde_json::from_slice(&tagged(&stray, "app")).unwrap();
    let absent = format!("sha256:{}", "0".repeat(64));
    wrong["annotations"]["org.opencontainers.image.base.digest"] = json!(absent);
    retag(&stray, "wrong", &wrong);
    let (base, _) = scanned_base(
        &cache,
        &db,
        &format!("oci-dir:{}:wrong", stray.display()),
        &[],
    );
    let why = base["manifest_missing"].as_str().unwrap();
    assert!(
        why.starts_with(&format!(
            "its manifest is not in this image's source, and reading it from {repo} failed: "
        )) && why.contains(&absent)
            && why.contains("not found"),
        "{why}"
    );
    assert!(base["layers"].is_null());

    // A base whose manifest is there but whose layer is not this image's first: not counted.
    let other_layer = ustar(&[("etc/hostname", 0o644, b"other\n")]);
    let other = dir.path().join("other");
    let history = json!([buildkit("ADD other.tar / # buildkit")]);
    let (other_bytes, other_digest) = image(&other, &[&other_layer], history, Value::Null);
    push(&other, &other_bytes, &format!("{repo}:other"));
    wrong["annotations"]["org.opencontainers.image.base.digest"] = json!(other_digest);
    retag(&stray, "unrelated", &wrong);
    let (base, _) = scanned_base(
        &cache,
        &db,
        &format!("oci-dir:{}:unrelated", stray.display()),
        &[],
    );
    assert_eq!(
        base["manifest_missing"],
        format!(
            "the base's manifest ({repo}) lists 1 layers that are not this image's first 1 (other blobs and diff_ids)"
        )
    );

    // The registry gone: unreachable, said so, nothing else fails.
    drop(registry);
    let (base, findings) = scanned_base(
        &cache,
        &db,
        &format!("oci-dir:{}:wrong", stray.display()),
        &[],
    );
    let why = base["manifest_missing"].as_str().unwrap();
    assert!(
        why.starts_with(&format!(
            "its manifest is not in this image's source, and reading it from {repo} failed: "
        )),
        "{why}"
    );
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["origin"] == "unknown")
    );
}

/// Stores `manifest` in the layout at `dir` under `tag`.
fn retag(dir: &Path, tag: &str, manifest: &Value) {
    let bytes = serde_json::to_vec(manifest).unwrap();
    let digest = put_blob(dir, &bytes);
    let path = dir.join("index.json");
    let mut index: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    index["manifests"].as_array_mut().unwrap().push(json!({
        "mediaType": MANIFEST, "digest": digest, "size": bytes.len(),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }));
    std::fs::write(&path, serde_json::to_vec(&index).unwrap()).unwrap();
}
