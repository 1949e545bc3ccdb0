//! Root filesystem tarballs as images (`rootfs-archive:` and sniffed paths): real trees (the
//! debian-bookworm fixture's layer is a debootstrap --variant=minbase tree; the alpine
//! fixture's layer is a minirootfs of Alpine's files) recompressed here with the system's
//! gzip, zstd and xz, and hostile tarballs written here.

use std::path::{Path, PathBuf};
use std::process::Command;

use plinth_image::files::Kind;
use plinth_image::merge::Stack;
use plinth_image::reference::Reference;
use plinth_image::{Error, Image, NoFiles};
use plinth_testdata::fixture;
use serde_json::Value;

fn open(reference: &str) -> Result<Image, Error> {
    Reference::parse(reference)?.open_local(None)
}

/// The merged listing: path, kind, size, link of every entry.
fn listing(image: &Image) -> Vec<String> {
    let facts = image
        .walk(&NoFiles)
        .unwrap_or_else(|e| panic!("{}: {e}", image.name()));
    let lists: Vec<_> = facts.iter().map(|f| &f.files).collect();
    let stack = Stack::new(lists.clone());
    let merged = stack.merge(None, |_| {});
    merged
        .entries
        .iter()
        .map(|&at| {
            let e = stack.entry(at);
            format!(
                "{} {:?} {} {}",
                String::from_utf8_lossy(stack.path(at)),
                e.kind,
                stack.content_size(at),
                String::from_utf8_lossy(lists[at.layer as usize].link(e))
            )
        })
        .collect()
}

/// The single layer blob of an OCI layout fixture (a gzip tar).
fn layer_blob(dir: &Path) -> PathBuf {
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let blob = |d: &Value| dir.join("blobs/sha256").join(&d.as_str().unwrap()[7..]);
    let index = read(&dir.join("index.json"));
    let manifest = read(&blob(&index["manifests"][0]["digest"]));
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
    blob(&manifest["layers"][0]["digest"])
}

/// Runs a shell pipeline of the system's compressors.
fn shell(script: &str) {
    let ok = Command::new("sh").arg("-c").arg(script).status().unwrap();
    assert!(ok.success(), "{script}");
}

#[test]
fn debootstrap_tree_reads_the_same_plain_gzip_and_zstd() {
    let Some(dir) = fixture("oci-debian-bookworm") else {
        return;
    };
    let expected = listing(&open(&format!("oci-dir:{}", dir.display())).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().display();
    let gz = layer_blob(&dir);
    shell(&format!(
        "zcat {} > {t}/rootfs.tar && zstd -q -3 -c {t}/rootfs.tar > {t}/rootfs.tar.zst",
        gz.display()
    ));
    let plain = format!("{t}/rootfs.tar");
    for (path, media) in [
        (gz.display().to_string(), "rootfs archive (tar+gzip)"),
        (plain.clone(), "rootfs archive (tar)"),
        (format!("{t}/rootfs.tar.zst"), "rootfs archive (tar+zstd)"),
    ] {
        let image = open(&format!("rootfs-archive:{path}")).unwrap();
        assert_eq!(image.name(), format!("rootfs-archive:{path}"));
        assert_eq!(image.note(), None, "named, not sniffed");
        let layers = image.layers();
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].media_type, media);
        assert_eq!(
            layers[0].compressed_size,
            Some(std::fs::metadata(&path).unwrap().len())
        );
        assert_eq!(listing(&image), expected, "{path}");
    }
}

#[test]
fn sniffed_minirootfs_is_read_as_a_root_filesystem_with_a_note() {
    let Some(dir) = fixture("oci-alpine-3.20") else {
        return;
    };
    let expected = listing(&open(&format!("oci-dir:{}", dir.display())).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let gz = tmp.path().join("alpine-minirootfs-3.20.3-x86_64.tar.gz");
    std::fs::copy(layer_blob(&dir), &gz).unwrap();
    let xz = tmp.path().join("alpine-minirootfs.tar.xz");
    shell(&format!(
        "zcat {} | xz -1 -T1 -c > {}",
        gz.display(),
        xz.display()
    ));
    for (path, media) in [
        (&gz, "rootfs archive (tar+gzip)"),
        (&xz, "rootfs archive (tar+xz)"),
    ] {
        let image = open(&path.display().to_string()).unwrap();
        assert_eq!(image.layers()[0].media_type, media);
        assert_eq!(image.name(), format!("rootfs-archive:{}", path.display()));
        let note = image.note().expect("a note for a sniffed rootfs");
        assert!(
            note.contains(
                "with no image manifest (manifest.json, index.json): read as a root filesystem"
            ),
            "{note}"
        );
        assert_eq!(listing(&image), expected);
    }
    // Named as an image archive, the same file is refused with the way to read it.
    let err = open(&format!("docker-archive:{}", gz.display()))
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("not an image archive") && msg.contains("rootfs-archive:"),
        "{msg}"
    );
}

/// A raw ustar header (hostile names pass as written), then data.
fn entry(out: &mut Vec<u8>, name: &str, kind: u8, link: &str, data: &[u8]) {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    if kind == b'3' {
        // Major 1, minor 3: /dev/null.
        h[329..336].copy_from_slice(b"0000001");
        h[337..344].copy_from_slice(b"0000003");
    }
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
}

#[test]
fn hostile_rootfs_tarballs_are_reported_and_nothing_leaves_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tar = Vec::new();
    entry(&mut tar, "etc/", b'5', "", b"");
    entry(&mut tar, "etc/hostname", b'0', "", b"box\n");
    entry(&mut tar, "../../escaped", b'0', "", b"out\n");
    entry(&mut tar, "etc/../../up", b'0', "", b"out\n");
    entry(&mut tar, "etc/shadow", b'2', "/../../../../etc/shadow", b"");
    entry(&mut tar, "etc/up", b'2', "../../../../..", b"");
    entry(&mut tar, "dev/null", b'3', "", b"");
    tar.resize(tar.len() + 1024, 0);
    let path = tmp.path().join("hostile.tar");
    std::fs::write(&path, &tar).unwrap();

    let image = open(&format!("rootfs-archive:{}", path.display())).unwrap();
    let facts = image.walk(&NoFiles).unwrap();
    let warnings = &facts[0].warnings;
    for bad in ["../../escaped", "etc/../../up"] {
        assert!(
            warnings
                .iter()
                .any(|w| w == &format!("path with '..' in layer, skipped: {bad}")),
            "{warnings:?}"
        );
    }
    // Links climbing out of the tree are summed up in one line; the device node is only listed.
    assert!(
        warnings.iter().any(|w| w
            == "2 symlink(s) point above the root, resolved inside it and never followed out (first: etc/shadow -> /../../../../etc/shadow)"),
        "{warnings:?}"
    );
    let list = &facts[0].files;
    let paths: Vec<(String, Kind)> = list
        .entries()
        .iter()
        .map(|e| (String::from_utf8_lossy(list.path(e)).into_owned(), e.kind))
        .collect();
    assert_eq!(
        paths,
        vec![
            ("dev/null".into(), Kind::Special),
            ("etc".into(), Kind::Dir),
            ("etc/hostname".into(), Kind::File),
            ("etc/shadow".into(), Kind::Symlink),
            ("etc/up".into(), Kind::Symlink),
        ]
    );
    // Nothing was written anywhere: the walk reads, it never extracts.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn a_manifest_json_that_is_no_image_manifest_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tar = Vec::new();
    entry(
        &mut tar,
        "manifest.json",
        b'0',
        "",
        br#"{"name": "my-app", "version": "1.0"}"#,
    );
    entry(&mut tar, "etc/hostname", b'0', "", b"box\n");
    tar.resize(tar.len() + 1024, 0);
    let path = tmp.path().join("app-rootfs.tar");
    std::fs::write(&path, &tar).unwrap();
    let msg = open(&path.display().to_string()).err().unwrap().to_string();
    assert!(
        msg.starts_with(&format!("archive:{}", path.display()))
            && msg.contains("manifest.json is not a docker save image manifest")
            && msg.contains(&format!("rootfs-archive:{}", path.display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "one line: {msg}");
    // Named as a root filesystem, it reads.
    let image = open(&format!("rootfs-archive:{}", path.display())).unwrap();
    assert_eq!(image.walk(&NoFiles).unwrap()[0].files.len(), 2);
}

#[test]
fn a_directory_or_missing_file_is_not_a_rootfs_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let msg = open(&format!("rootfs-archive:{}", tmp.path().display()))
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("not a file"), "{msg}");
    assert!(open("rootfs-archive:/no/such/rootfs.tar").is_err());
}
