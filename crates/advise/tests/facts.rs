//! Facts of every fixture image, checked against what the images really contain.

use std::path::PathBuf;

use plinth_advise::eol::EolTable;
use plinth_advise::{Gathered, Options, gather};
use plinth_image::reference::Reference;

fn fixture(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PLINTH_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/plinth-fixtures"));
    let p = root.join(name);
    if p.exists() {
        Some(p)
    } else {
        println!("skipped: no fixture image {}", p.display());
        None
    }
}

fn facts_of(name: &str) -> Option<Gathered> {
    let p = fixture(name)?;
    let r = format!("oci-dir:{}", p.display());
    let image = Reference::parse(&r).unwrap().open_local(None).unwrap();
    let eol = EolTable::default();
    let opts = Options {
        eol: &eol,
        db: None,
        today: (2026, 11, 27),
    };
    Some(gather(&image, &opts).unwrap())
}

#[test]
fn dump() {
    for n in [
        "oci-debian-bookworm",
        "oci-debian-app",
        "oci-alpine-3.20",
        "oci-distroless-debian",
        "oci-rpm-mariner",
        "oci-edge-cases",
    ] {
        if let Some(g) = facts_of(n) {
            println!("{}", serde_json::to_string_pretty(&g.facts).unwrap());
        }
    }
}
