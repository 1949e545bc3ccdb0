//! Layers shared by the images of one run are walked once: on synthetic images written here,
//! and on the fixture images built on the same Debian base (skipped when absent).

use std::path::Path;
use std::sync::Arc;

use plinth_image::reference::Reference;
use plinth_image::{Digest, Error, Image, NoFiles, SharedLayers};
use plinth_testdata::fixture;

mod common;

use common::{gzip, layer, layout};

fn open(reference: &str) -> Image {
    Reference::parse(reference)
        .unwrap()
        .open_local(None)
        .unwrap()
}

fn names(facts: &plinth_image::LayerFacts<()>) -> Vec<String> {
    let list = &facts.files;
    list.entries()
        .iter()
        .map(|e| String::from_utf8_lossy(list.path(e)).into_owned())
        .collect()
}

/// Two images on one base layer, stored gzip in one layout and plain in the other.
fn two_images(dir: &Path) -> (Image, Image) {
    let base = layer(&[("etc/os-release", b"ID=test\n")]);
    let a = layer(&[("app/a", b"a")]);
    let b = layer(&[("app/b", b"b")]);
    let ids = |top: &[u8]| [Digest::of(&base), Digest::of(top)];
    let ra = layout(&dir.join("a"), &[gzip(&base), gzip(&a)], &ids(&a));
    let rb = layout(&dir.join("b"), &[base.clone(), b.clone()], &ids(&b));
    (open(&ra), open(&rb))
}

#[test]
fn a_common_base_layer_is_walked_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_images(tmp.path());
    let shared = SharedLayers::new([&a, &b]);
    let la = a.walk_shared(&NoFiles, &shared).unwrap();
    assert_eq!(shared.kept(), 1, "the base waits for the second image");
    let lb = b.walk_shared(&NoFiles, &shared).unwrap();
    assert_eq!(shared.kept(), 0, "nothing is kept after its last use");
    assert!(Arc::ptr_eq(&la[0], &lb[0]));
    assert_eq!(names(&lb[0]), ["etc/os-release"]);
    assert_eq!(names(&la[1]), ["app/a"]);
    assert_eq!(names(&lb[1]), ["app/b"]);
}

#[test]
fn a_shared_layer_is_not_read_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_images(tmp.path());
    // Take the second image's copy of the base away: only sharing can supply it.
    let base = &b.layers()[0];
    let blob = tmp
        .path()
        .join("b/blobs/sha256")
        .join(base.digest.as_ref().unwrap().hex());
    std::fs::remove_file(blob).unwrap();
    assert!(matches!(
        b.walk(&NoFiles),
        Err(Error::Io { .. } | Error::MissingBlob { .. })
    ));

    let shared = SharedLayers::new([&a, &b]);
    a.walk_shared(&NoFiles, &shared).unwrap();
    b.walk_shared(&NoFiles, &shared).unwrap();
}

#[test]
fn without_sharing_every_layer_is_walked() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_images(tmp.path());
    let shared = SharedLayers::default();
    let la = a.walk_shared(&NoFiles, &shared).unwrap();
    let lb = b.walk_shared(&NoFiles, &shared).unwrap();
    assert!(!Arc::ptr_eq(&la[0], &lb[0]));
    assert_eq!(names(&la[0]), names(&lb[0]));
}

#[test]
fn a_layer_repeated_in_one_image_is_walked_once() {
    let tmp = tempfile::tempdir().unwrap();
    let x = layer(&[("x", b"x")]);
    let r = layout(
        tmp.path(),
        &[gzip(&x), x.clone()],
        &[Digest::of(&x), Digest::of(&x)],
    );
    let image = open(&r);
    let layers = image
        .walk_shared(&NoFiles, &SharedLayers::new([&image]))
        .unwrap();
    assert!(Arc::ptr_eq(&layers[0], &layers[1]));
}

#[test]
fn debian_app_shares_bookworm_as_its_base() {
    let (Some(base), Some(app)) = (
        fixture("debian-bookworm.docker.tar"),
        fixture("oci-debian-app"),
    ) else {
        return;
    };
    let base = open(&format!("docker-archive:{}", base.display()));
    let app = open(&format!("oci-dir:{}", app.display()));
    let shared = SharedLayers::new([&base, &app]);
    let lb = base.walk_shared(&NoFiles, &shared).unwrap();
    let la = app.walk_shared(&NoFiles, &shared).unwrap();
    assert!(Arc::ptr_eq(&lb[0], &la[0]));
    // What sharing gave equals what reading the app's own blob gives.
    let own = app.walk(&NoFiles).unwrap();
    assert_eq!(names(&own[0]), names(&la[0]));
    assert_eq!(own.len(), la.len());
}
