//! The cache under real walks of make-images.sh's debian-app: a source that counts the
//! layer bytes it serves proves that a warm walk reads none and gives what a cold one gave;
//! a changed or tampered blob, a new analyser and damaged entries all go back to the bytes.

use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use plinth_cache::{Cache, Settings};
use plinth_image::source::layout::Layout;
use plinth_image::{Blob, Digest, Image, NoFiles, Source};

/// An OCI layout that counts the bytes it serves.
struct Counting {
    inner: Layout,
    read: Arc<AtomicU64>,
}

struct CountingReader<'a> {
    inner: Blob<'a>,
    read: Arc<AtomicU64>,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Source for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn open_blob(&self, digest: &Digest) -> plinth_image::Result<Blob<'_>> {
        Ok(Box::new(CountingReader {
            inner: self.inner.open_blob(digest)?,
            read: self.read.clone(),
        }))
    }
    fn fingerprint(&self, digest: &Digest) -> Option<String> {
        self.inner.fingerprint(digest)
    }
}

/// Opens the layout's image with `cache`; returns it and the count of layer bytes read
/// through it from now on (the manifest and config reads are not counted).
fn open(root: &Path, cache: &Arc<Cache>) -> (Image, Arc<AtomicU64>) {
    let (layout, index) = Layout::open(root).unwrap();
    let read = Arc::new(AtomicU64::new(0));
    let source = Counting {
        inner: layout,
        read: read.clone(),
    };
    let manifest = &index.manifests[0].digest;
    let bytes = plinth_image::source::read_small(&source, manifest, "manifest", 1 << 20).unwrap();
    let image = Image::from_manifest(Box::new(source), &bytes, Some(manifest.clone()))
        .unwrap()
        .with_cache(cache.clone());
    read.store(0, Ordering::Relaxed);
    (image, read)
}

fn cache(dir: &Path, analyser: &str) -> Arc<Cache> {
    let settings = Settings {
        dir: dir.to_path_buf(),
        max_size: 1 << 30,
        ttl: None,
        redis: None,
        redis_tls: Default::default(),
        analyser: analyser.into(),
    };
    Arc::new(Cache::open(
        settings,
        Box::new(|m| panic!("no warning expected: {m}")),
    ))
}

fn sbom(image: &Image) -> String {
    serde_json::to_string(&plinth_sbom::inventory(image).unwrap()).unwrap()
}

/// Every layer's paths, kinds, sizes and modes, as text.
fn listing(image: &Image) -> Vec<String> {
    let mut out = Vec::new();
    for (i, facts) in image.walk(&NoFiles).unwrap().iter().enumerate() {
        for e in facts.files.entries() {
            let path = String::from_utf8_lossy(facts.files.path(e));
            let link = String::from_utf8_lossy(facts.files.link(e));
            out.push(format!(
                "{i} {path} {link} {:?} {} {:o}",
                e.kind, e.size, e.mode
            ));
        }
        out.extend(facts.warnings.iter().map(|w| format!("{i} warning {w}")));
    }
    out
}

#[test]
fn a_warm_walk_reads_no_layer_bytes_and_gives_the_same() {
    let Some(root) = plinth_testdata::fixture("oci-debian-app") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = cache(tmp.path(), "test 1");

    let (image, read) = open(&root, &cache);
    let cold_sbom = sbom(&image);
    assert!(
        read.load(Ordering::Relaxed) > 1 << 20,
        "a cold walk reads the layers"
    );
    let (image, read) = open(&root, &cache);
    assert_eq!(sbom(&image), cold_sbom);
    assert_eq!(
        read.load(Ordering::Relaxed),
        0,
        "a warm inventory reads no layer byte"
    );
    assert!(
        cold_sbom.contains("\"name\":\"base-files\""),
        "a real inventory"
    );

    // Entry lists are another collector's walk: read once, then never again.
    let (image, read) = open(&root, &cache);
    let cold_list = listing(&image);
    assert!(read.load(Ordering::Relaxed) > 0);
    let (image, read) = open(&root, &cache);
    assert_eq!(listing(&image), cold_list);
    assert_eq!(
        read.load(Ordering::Relaxed),
        0,
        "a warm listing reads no layer byte"
    );
}

#[test]
fn a_new_analyser_and_damaged_entries_read_the_layers_again() {
    let Some(root) = plinth_testdata::fixture("oci-alpine-3.20") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (image, _) = open(&root, &cache(tmp.path(), "plinth 1"));
    let cold = sbom(&image);

    let (image, read) = open(&root, &cache(tmp.path(), "plinth 2"));
    assert_eq!(sbom(&image), cold);
    assert!(
        read.load(Ordering::Relaxed) > 0,
        "another analyser's entries are not read"
    );

    // Flip the last byte of every entry, and cut another copy short: both are misses.
    for shard in std::fs::read_dir(tmp.path()).unwrap() {
        for entry in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            *bytes.last_mut().unwrap() ^= 0x55;
            std::fs::write(&path, &bytes).unwrap();
        }
    }
    let (image, read) = open(&root, &cache(tmp.path(), "plinth 1"));
    assert_eq!(sbom(&image), cold);
    assert!(
        read.load(Ordering::Relaxed) > 0,
        "damaged entries are misses"
    );
    let (image, read) = open(&root, &cache(tmp.path(), "plinth 1"));
    assert_eq!(sbom(&image), cold);
    assert_eq!(read.load(Ordering::Relaxed), 0, "and are written anew");
}

/// A copy of a fixture layout, to change under the cache.
fn copy_layout(from: &Path, to: &Path) {
    for item in walk(from) {
        let rel = item.strip_prefix(from).unwrap();
        std::fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&item, to.join(rel)).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_changed_blob_is_verified_again() {
    let Some(root) = plinth_testdata::fixture("oci-alpine-3.20") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    copy_layout(&root, &layout);
    let cache = cache(&tmp.path().join("cache"), "test");
    let (image, _) = open(&layout, &cache);
    let cold = sbom(&image);
    let layer = image.layers()[0].digest.clone().unwrap();
    let blob = layout.join("blobs/sha256").join(layer.hex());

    // Rewritten with the same bytes: a new file identity, so read and verified again.
    let bytes = std::fs::read(&blob).unwrap();
    std::fs::write(&blob, &bytes).unwrap();
    let (image, read) = open(&layout, &cache);
    assert_eq!(sbom(&image), cold);
    assert_eq!(read.load(Ordering::Relaxed), bytes.len() as u64);

    // Same path, same size, other content: the cache must not hide it.
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    std::fs::write(&blob, &tampered).unwrap();
    let (image, _) = open(&layout, &cache);
    let err = plinth_sbom::inventory(&image).unwrap_err().to_string();
    assert!(
        err.contains(&layer.to_string()) || err.contains("digest") || err.contains("gzip"),
        "{err}"
    );
}
