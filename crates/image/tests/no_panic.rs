//! Hostile image files: truncated, byte-flipped and random archives never panic the readers
//! (archive sniffing, docker-archive `manifest.json`/`repositories`, OCI index, manifest and
//! config JSON, the tar header parser, gzip/zstd/xz layer streams); a failure is one line that
//! names the file or the layer it is about. Seeds are archives built here, plus
//! make-images.sh's small edge-case image when it exists. `fuzz/` runs the same path under
//! libFuzzer for longer.

mod common;

use std::path::Path;

use common::{gzip, layer};
use plinth_image::reference::Reference;
use plinth_image::{Digest, NoFiles};
use proptest::prelude::*;

/// A docker-archive (`docker save`'s legacy layout) of one plain layer.
fn docker_archive(layer_tar: &[u8]) -> Vec<u8> {
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/bin"], "Entrypoint": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [Digest::of(layer_tar).to_string()]},
        "history": [{"created_by": "ADD x /"}],
    })
    .to_string();
    let config_name = format!("{}.json", Digest::of(config.as_bytes()).hex());
    let manifest = serde_json::json!([{
        "Config": config_name, "RepoTags": ["fuzz:1"], "Layers": ["l/layer.tar"],
    }])
    .to_string();
    let repositories = r#"{"fuzz":{"1":"l"}}"#;
    layer(&[
        ("manifest.json", manifest.as_bytes()),
        ("repositories", repositories.as_bytes()),
        (&config_name, config.as_bytes()),
        ("l/layer.tar", layer_tar),
    ])
}

/// Archives of every kind the readers sniff, small enough for many prefixes.
fn seeds() -> Vec<Vec<u8>> {
    let tar = layer(&[
        ("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.3\n"),
        ("usr/bin/.wh.gone", b""),
        ("lib/apk/db/installed", b"P:musl\nV:1.2.5-r0\n\n"),
    ]);
    let mut out = vec![
        docker_archive(&tar),
        tar.clone(),
        gzip(&tar),
        zstd::encode_all(&tar[..], 1).unwrap(),
    ];
    for name in ["edge-cases.oci.tar", "edge-cases.docker.tar.gz"] {
        if let Some(path) = plinth_testdata::fixture(name) {
            out.push(std::fs::read(path).unwrap());
        }
    }
    out
}

/// Opens and walks `bytes` as `plinth layers FILE` would; only a one-line error may come out.
fn read(file: &Path, bytes: &[u8]) {
    std::fs::write(file, bytes).unwrap();
    let name = file.display().to_string();
    let walked = Reference::parse(&name)
        .and_then(|r| r.open_local(None))
        .and_then(|image| image.walk(&NoFiles).map(drop));
    if let Err(e) = walked {
        let text = e.to_string();
        assert!(!text.contains('\n'), "one line: {text:?}");
        assert!(
            text.contains(&name) || text.contains("layer") || text.contains("blob"),
            "names the file or the layer: {text}"
        );
    }
}

#[test]
fn the_seeds_read() {
    let dir = tempfile::tempdir().unwrap();
    for seed in seeds() {
        let file = dir.path().join("image.tar");
        std::fs::write(&file, &seed).unwrap();
        let image = Reference::parse(&file.display().to_string())
            .and_then(|r| r.open_local(None))
            .unwrap();
        image.walk(&NoFiles).unwrap();
    }
}

#[test]
fn prefixes_of_every_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.tar");
    for seed in seeds() {
        // Tar headers are 512-byte blocks: cut inside and on the edges of them.
        let step = (seed.len() / 300).max(1);
        for n in (0..seed.len())
            .step_by(step)
            .chain((0..seed.len()).step_by(512))
        {
            read(&file, &seed[..n]);
        }
    }
}

#[test]
fn flipped_bytes_in_every_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.tar");
    plinth_testdata::hostile::flipped_bytes(&seeds(), 512, |_, data| read(&file, data));
}

#[test]
fn random_bytes_behind_every_magic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image.tar");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..4096), |tail| {
            for magic in [
                &b""[..],
                b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
                b"\x28\xb5\x2f\xfd",
                b"\xfd7zXZ\x00",
            ] {
                let mut data = magic.to_vec();
                data.extend_from_slice(&tail);
                read(&file, &data);
            }
            Ok(())
        })
        .unwrap();
}
