//! A registry rescan with the layer cache: make-images.sh's debian-app served by the counting
//! test registry (plinth-registry's fake, answering from the OCI layout's files). The first
//! scan downloads every layer; the second fetches the manifest and config and no layer, and
//! says the same.

#[path = "../../registry/tests/fake/mod.rs"]
mod fake;

use std::path::Path;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use fake::{Fake, Layout};

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
    let layout = Layout::new(root);
    let layers = layout.layers();
    let fake = Fake::start(move |req| layout.answer(req));
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
