//! Where the real test data lives, for the tests of every plinth crate: the images
//! `../shared/scripts/make-images.sh` builds (in `PLINTH_FIXTURES`, by default
//! `/var/tmp/plinth-fixtures`) and the `../shared` folder beside the repository.
//!
//! Each lookup gives `None` and prints a `skipped:` line when the data is absent, so a test
//! that needs it returns early on a machine without it instead of failing.

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
