//! Hostile and broken images built here, in Rust: each gives a clear error of the right kind,
//! naming the input, and never a panic.

use std::io::Write;

use plinth_image::reference::Reference;
use plinth_image::{Digest, Error, NoFiles};

mod common;

use common::{gzip, layer, layout};
use plinth_testdata::put_blob;

fn walk(reference: &str) -> Result<(), Error> {
    let image = Reference::parse(reference)?.open_local(None)?;
    image.walk(&NoFiles).map(|_| ())
}

#[test]
fn a_good_synthetic_image_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", b"hi\n")]);
    let r = layout(tmp.path(), &[gzip(&tar)], &[Digest::of(&tar)]);
    walk(&r).unwrap();
}

#[test]
fn truncated_gzip_names_the_layer() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", &[7u8; 100_000])]);
    let gz = gzip(&tar);
    let cut = gz[..gz.len() / 2].to_vec();
    let r = layout(tmp.path(), &[cut], &[Digest::of(&tar)]);
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("layer 0"), "{err}");
}

#[test]
fn wrong_diff_id_is_a_digest_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", b"hi\n")]);
    let r = layout(tmp.path(), &[gzip(&tar)], &[Digest::of(b"something else")]);
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("layer 0"), "{err}");
}

#[test]
fn tampered_blob_is_a_digest_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", b"hi\n")]);
    let gz = gzip(&tar);
    let r = layout(tmp.path(), std::slice::from_ref(&gz), &[Digest::of(&tar)]);
    // Same size, other bytes: the blob no longer hashes to its name.
    let path = tmp.path().join("blobs/sha256").join(Digest::of(&gz).hex());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let err = walk(&r).unwrap_err();
    assert!(
        matches!(err, Error::DigestMismatch { .. } | Error::Read { .. }),
        "{err:?}"
    );
}

#[test]
fn missing_blob_and_manifest_pointing_at_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", b"hi\n")]);
    let gz = gzip(&tar);
    let r = layout(tmp.path(), std::slice::from_ref(&gz), &[Digest::of(&tar)]);
    std::fs::remove_file(tmp.path().join("blobs/sha256").join(Digest::of(&gz).hex())).unwrap();
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::MissingBlob { .. }), "{err:?}");

    let index = r#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":10}]}"#;
    std::fs::write(tmp.path().join("index.json"), index).unwrap();
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::MissingBlob { .. }), "{err:?}");
}

#[test]
fn json_that_is_not_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", b"hi\n")]);
    let r = layout(tmp.path(), &[gzip(&tar)], &[Digest::of(&tar)]);
    let not_manifest = br#"{"hello": "world"}"#;
    let d = put_blob(tmp.path(), not_manifest);
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d.to_string(), "size": not_manifest.len()}]});
    std::fs::write(
        tmp.path().join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert!(err.to_string().contains("manifest"), "{err}");
    std::fs::write(tmp.path().join("index.json"), b"not json").unwrap();
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
}

#[test]
fn dotdot_paths_are_reported_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("../../etc/evil", b"x"), ("ok", b"y")]);
    let r = layout(tmp.path(), &[gzip(&tar)], &[Digest::of(&tar)]);
    let image = Reference::parse(&r).unwrap().open_local(None).unwrap();
    let facts = image.walk(&NoFiles).unwrap();
    assert_eq!(facts[0].files.len(), 1);
    assert!(facts[0].files.find(b"ok").is_some());
    assert!(
        facts[0].warnings.iter().any(|w| w.contains("..")),
        "{:?}",
        facts[0].warnings
    );
}

#[test]
fn a_layer_claiming_a_huge_size() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = layer(&[("etc/hello", b"hi\n")]);
    let gz = gzip(&tar);
    let r = layout(tmp.path(), std::slice::from_ref(&gz), &[Digest::of(&tar)]);
    let m = std::fs::read_to_string(tmp.path().join("index.json")).unwrap();
    let md: serde_json::Value = serde_json::from_str(&m).unwrap();
    let mpath = tmp
        .path()
        .join("blobs/sha256")
        .join(&md["manifests"][0]["digest"].as_str().unwrap()[7..]);
    let manifest = std::fs::read_to_string(&mpath)
        .unwrap()
        .replace(&format!("\"size\":{}", gz.len()), "\"size\":99999999999");
    let d = put_blob(tmp.path(), manifest.as_bytes());
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d.to_string(), "size": manifest.len()}]});
    std::fs::write(
        tmp.path().join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let err = walk(&r).unwrap_err();
    assert!(err.to_string().contains("99999999999"), "{err}");
}

#[test]
fn zstd_decompression_bomb_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // 1.5 GiB of zeros in one file compresses to a few dozen KiB with zstd.
    let size: u64 = 3 << 29;
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path("zeros").unwrap();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    enc.write_all(h.as_bytes()).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..(size >> 20) {
        enc.write_all(&chunk).unwrap();
    }
    enc.write_all(&[0u8; 1024]).unwrap();
    let blob = enc.finish().unwrap();
    let r = layout(tmp.path(), &[blob], &[Digest::of(b"unknown")]);
    let err = walk(&r).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err:?}");
    assert!(err.to_string().contains("decompression bomb"), "{err}");
}

#[test]
fn random_bytes_as_an_archive_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seed = 0x9e3779b97f4a7c15u64;
    for round in 0..200 {
        let len = (round * 37) % 4096 + 1;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let path = tmp.path().join(format!("r{round}.tar"));
        std::fs::write(&path, &bytes).unwrap();
        let _ = walk(&path.display().to_string());
        // And as a gzip stream of a truncated real tar.
        let tar = layer(&[("a", &bytes)]);
        let gz = gzip(&tar);
        std::fs::write(&path, &gz[..gz.len() * (round % 10 + 1) / 11]).unwrap();
        let _ = walk(&path.display().to_string());
    }
}
