//! Pushing artifacts to a real registry (Debian's docker-registry, started by the test on
//! empty storage) and reading them back: monolithic and chunked uploads, blobs already there,
//! cross-repository mounts, and a blob changed in the registry's storage caught by its digest.

use std::collections::BTreeMap;

use plinth_image::Error;
use plinth_registry::{
    ArtifactFile, BlobPush, Options, PushOptions, fetch_artifact, push_artifact,
};
use plinth_testdata::registry::LocalRegistry;

const TYPE: &str = "application/vnd.plinth.test.v1";
const LAYER: &str = "application/vnd.plinth.test.layer.v1";

fn options() -> Options {
    Options {
        progress: false,
        retries: 0,
        ..Options::default()
    }
}

/// Bytes that do not repeat within a chunk, so a chunk sent twice or out of order shows.
fn payload(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn push(
    reference: &str,
    file: &std::path::Path,
    push: PushOptions,
) -> plinth_image::Result<plinth_registry::Pushed> {
    let files = [ArtifactFile {
        media_type: LAYER,
        path: file,
        annotations: BTreeMap::from([("org.opencontainers.image.title".into(), "data".into())]),
    }];
    let annotations = BTreeMap::from([("dev.plinth.test".to_string(), "yes".to_string())]);
    push_artifact(reference, TYPE, &files, annotations, &options(), push)
}

#[test]
fn artifacts_round_trip_through_a_real_registry() {
    let dir = tempfile::tempdir().unwrap();
    let Some(registry) = LocalRegistry::start(dir.path(), None) else {
        return;
    };
    let bytes = payload(3_000_000);
    let file = dir.path().join("data");
    std::fs::write(&file, &bytes).unwrap();
    let reference = format!("{}/plinth/test:1", registry.addr);

    // Chunked: three PATCHes of at most 1 MiB, then an empty PUT with the digest.
    let chunked = PushOptions {
        chunk_size: 1 << 20,
        ..PushOptions::default()
    };
    let pushed = push(&reference, &file, chunked.clone()).unwrap();
    assert_eq!(pushed.blobs.len(), 2, "the empty config and the layer");
    assert_eq!(pushed.blobs[0].0.size, 2);
    assert_eq!(pushed.blobs[1].1, BlobPush::Uploaded { requests: 4 });
    assert_eq!(pushed.uploaded_bytes(), 3_000_002);

    let remote = fetch_artifact(&reference, &options()).unwrap();
    assert_eq!(remote.digest, pushed.digest);
    assert_eq!(remote.artifact_type, TYPE);
    assert_eq!(remote.annotations["dev.plinth.test"], "yes");
    assert_eq!(remote.layers.len(), 1);
    assert_eq!(
        remote.layers[0].annotations["org.opencontainers.image.title"],
        "data"
    );
    let mut back = Vec::new();
    remote.copy_layer(&remote.layers[0], &mut back).unwrap();
    assert!(back == bytes, "the layer reads back as pushed");

    // Again: every blob is there already, and the manifest digest is the same.
    let again = push(&reference, &file, chunked).unwrap();
    assert!(again.blobs.iter().all(|(_, how)| *how == BlobPush::Present));
    assert_eq!(again.digest, pushed.digest);
    assert_eq!(again.uploaded_bytes(), 0);

    // Another repository of the same registry mounts the blobs.
    let mirror = format!("{}/mirror/test:1", registry.addr);
    let mounted = push(
        &mirror,
        &file,
        PushOptions {
            mount_from: Some("plinth/test".into()),
            ..PushOptions::default()
        },
    )
    .unwrap();
    assert!(
        mounted
            .blobs
            .iter()
            .all(|(_, how)| *how == BlobPush::Mounted)
    );

    // A small file goes in one PUT.
    let small = dir.path().join("small");
    std::fs::write(&small, b"small payload").unwrap();
    let one = push(
        &format!("{}/plinth/small:1", registry.addr),
        &small,
        PushOptions::default(),
    )
    .unwrap();
    assert_eq!(one.blobs[1].1, BlobPush::Uploaded { requests: 1 });

    // A byte changed in the registry's storage: the download fails on its digest.
    let blob = registry.blob_file(&remote.layers[0].digest.to_string());
    let mut stored = std::fs::read(&blob).unwrap();
    stored[1_500_000] ^= 0xff;
    std::fs::write(&blob, &stored).unwrap();
    let err = remote
        .copy_layer(&remote.layers[0], &mut Vec::new())
        .unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{reference}: blob {}: digest mismatch: expected {}, got {}",
            remote.layers[0].digest,
            remote.layers[0].digest,
            plinth_testdata::sha256(&stored)
        )
    );
}

#[test]
fn a_missing_tag_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let Some(registry) = LocalRegistry::start(dir.path(), None) else {
        return;
    };
    let missing = format!("{}/plinth/test:none", registry.addr);
    let err = fetch_artifact(&missing, &options()).err().unwrap();
    assert_eq!(err.to_string(), format!("image not found: {missing}"));
}
