//! A registry rescan with the layer cache: make-images.sh's debian-app served by the counting
//! test registry (plinth-registry's fake, answering from the OCI layout's files). The first
//! scan downloads every layer; the second fetches the manifest and config and no layer, and
//! says the same.

#[path = "../../registry/tests/fake/mod.rs"]
mod fake;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use fake::{Fake, Reply};

/// Serves the layout at `root` as repository `app`, tag `latest`.
fn serve(root: PathBuf) -> Fake {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
    let manifest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    Fake::start(move |req| {
        let blob = |digest: &str| {
            let hex = digest.strip_prefix("sha256:")?;
            std::fs::read(root.join("blobs/sha256").join(hex)).ok()
        };
        match req.path.as_str() {
            "/v2/" => Reply::status(200),
            "/v2/app/manifests/latest" => Reply::Full {
                status: 200,
                headers: Vec::new(),
                body: blob(&manifest).unwrap(),
            }
            .with("Content-Type", fake::MANIFEST_TYPE)
            .with("Docker-Content-Digest", &manifest),
            path => match path.strip_prefix("/v2/app/blobs/").and_then(blob) {
                Some(body) => fake::ranged(req, body),
                None => Reply::status(404),
            },
        }
    })
}

fn sbom(cache: &Path, image: &str) -> Output {
    Command::cargo_bin("plinth")
        .unwrap()
        .args(["sbom", image, "-f", "json"])
        .env("XDG_CACHE_HOME", cache)
        .env_remove("PLINTH_NO_CACHE")
        .env_remove("PLINTH_CACHE_BACKEND")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_registry_rescan_downloads_no_layer() {
    let Some(root) = plinth_testdata::fixture("oci-debian-app") else {
        return;
    };
    let manifest: serde_json::Value = {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
        let hex = index["manifests"][0]["digest"].as_str().unwrap()[7..].to_string();
        serde_json::from_slice(&std::fs::read(root.join("blobs/sha256").join(hex)).unwrap())
            .unwrap()
    };
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();
    let fake = serve(root);
    let layer_gets = |fake: &Fake| {
        let hits = fake.hits("/v2/app/blobs/");
        hits.iter()
            .filter(|r| r.method == "GET" && layers.iter().any(|d| r.path.ends_with(d)))
            .count()
    };
    let tmp = tempfile::tempdir().unwrap();
    let image = format!("{}/app:latest", fake.addr);

    let cold = ok(&sbom(tmp.path(), &image));
    assert_eq!(
        layer_gets(&fake),
        layers.len(),
        "the first scan downloads each layer"
    );
    let config_gets = fake.hits("/v2/app/blobs/").len() - layers.len();

    let warm = ok(&sbom(tmp.path(), &image));
    assert_eq!(warm, cold);
    assert_eq!(
        layer_gets(&fake),
        layers.len(),
        "the rescan downloads no layer"
    );
    assert_eq!(
        fake.hits("/v2/app/blobs/").len() - layers.len(),
        2 * config_gets,
        "the config is fetched again"
    );
    assert!(cold.contains("base-files"), "a real inventory");
}
