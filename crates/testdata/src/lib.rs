//! Where the real test data lives, for the tests of every plinth crate: the images
//! `../shared/scripts/make-images.sh` builds (in `PLINTH_FIXTURES`, by default
//! `/var/tmp/plinth-fixtures`) and the `../shared` folder beside the repository.
//!
//! Each lookup gives `None` and prints a `skipped:` line when the data is absent, so a test
//! that needs it returns early on a machine without it instead of failing. For the tests'
//! own synthetic images it also writes tars and OCI layouts ([`ustar`], [`oci_layout`]).

pub mod cve5;
pub mod hostile;
pub mod registry;
pub mod truth;

use std::path::{Path, PathBuf};

/// Where make-images.sh writes its images, whether or not it has run.
pub fn fixtures_dir() -> PathBuf {
    std::env::var_os("PLINTH_FIXTURES")
        .map_or_else(|| PathBuf::from("/var/tmp/plinth-fixtures"), PathBuf::from)
}

/// The images make-images.sh built (its MANIFEST.txt is there).
pub fn fixtures() -> Option<PathBuf> {
    let dir = fixtures_dir();
    found(
        dir.join("MANIFEST.txt").is_file(),
        dir,
        "no images from make-images.sh in",
    )
}

/// One image file or directory make-images.sh built, e.g. `oci-debian-app`.
pub fn fixture(name: &str) -> Option<PathBuf> {
    let p = fixtures_dir().join(name);
    found(p.exists(), p, "no fixture image")
}

/// The `../shared` folder beside the repository.
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    found(p.is_dir(), p, "no shared data at")
}

/// The real advisory records in `../shared/fixtures/vulndata`.
pub fn vulndata() -> Option<PathBuf> {
    let p = shared()?.join("fixtures/vulndata");
    found(p.is_dir(), p, "no advisory data at")
}

fn found(present: bool, path: PathBuf, missing: &str) -> Option<PathBuf> {
    if !present {
        println!("skipped: {missing} {}", path.display());
    }
    present.then_some(path)
}

/// `sha256:HEX` of `bytes`, as OCI digests are written.
pub fn sha256(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Stores `bytes` as a blob of the OCI layout at `dir`; returns its digest.
pub fn put_blob(dir: &Path, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(&digest[7..]), bytes).unwrap();
    digest
}

/// A ustar archive of regular files (path, mode, bytes): one header each, data padded to 512
/// bytes, then the two zero blocks that end an archive.
pub fn ustar(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, mode, data) in files {
        let mut h = [0u8; 512];
        // Names over 100 bytes go in ustar's 155-byte prefix field, split at a `/`.
        let (prefix, name) = match path.len() {
            0..=100 => ("", *path),
            _ => path
                .char_indices()
                .filter(|&(i, c)| c == '/' && i <= 155 && path.len() - i - 1 <= 100)
                .map(|(i, _)| (&path[..i], &path[i + 1..]))
                .next()
                .expect("a path ustar can hold"),
        };
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h[100..107].copy_from_slice(format!("{mode:07o}").as_bytes());
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Writes an OCI image layout at `dir` holding one image: `blobs` are its layers as stored
/// (plain, gzip or zstd tars), `diff_ids` their uncompressed digests, and `config` the image
/// config, given `architecture`, `os` and `rootfs` here. Returns the `oci-dir:` reference.
pub fn oci_layout(
    dir: &Path,
    blobs: &[Vec<u8>],
    diff_ids: &[String],
    mut config: serde_json::Value,
) -> String {
    use serde_json::json;
    const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    let descriptor = |media: &str, bytes: &[u8]| json!({"mediaType": media, "digest": put_blob(dir, bytes), "size": bytes.len()});
    config["architecture"] = json!("amd64");
    config["os"] = json!("linux");
    config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
    let config = serde_json::to_vec(&config).unwrap();
    let layers: Vec<_> = blobs
        .iter()
        .map(|b| {
            let media = match b.get(..4) {
                Some([0x1f, 0x8b, ..]) => "application/vnd.oci.image.layer.v1.tar+gzip",
                Some([0x28, 0xb5, 0x2f, 0xfd]) => "application/vnd.oci.image.layer.v1.tar+zstd",
                _ => "application/vnd.oci.image.layer.v1.tar",
            };
            descriptor(media, b)
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": layers,
    });
    let manifest = descriptor(MANIFEST, &serde_json::to_vec(&manifest).unwrap());
    let index = json!({"schemaVersion": 2, "manifests": [manifest]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    format!("oci-dir:{}", dir.display())
}
