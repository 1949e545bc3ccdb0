//! Conformance on the real images from ../shared/scripts/make-images.sh: every flavour of
//! every image reads the same; edge-cases merge to the expected listing; dive's numbers match.

use std::path::{Path, PathBuf};

use plinth_image::files::Kind;
use plinth_image::merge::Stack;
use plinth_image::reference::Reference;
use plinth_image::report;
use plinth_image::spec::Platform;
use plinth_image::{Image, NoFiles};
use plinth_testdata::fixtures;

const IMAGES: [&str; 8] = [
    "debian-bookworm",
    "debian-app",
    "alpine-3.20",
    "alpine-3.20-arm64",
    "alpine-3.9",
    "distroless-debian",
    "rpm-mariner",
    "edge-cases",
];

fn open(reference: &str) -> Image {
    Reference::parse(reference)
        .and_then(|r| r.open_local(None))
        .unwrap_or_else(|e| panic!("{reference}: {e}"))
}

/// Every flavour an image is exported in.
fn flavours(dir: &Path, t: &str) -> Vec<String> {
    let d = dir.display();
    let mut v = vec![
        format!("{d}/{t}.docker.tar"),
        format!("docker-archive:{d}/{t}.docker.tar.gz"),
        format!("{d}/oci-{t}"),
        format!("oci-archive:{d}/{t}.oci.tar"),
        format!("oci-dir:{d}/oci:{t}"),
    ];
    if t == "debian-app" {
        v.push(format!("{d}/docker25-debian-app.tar"));
        v.push(format!("{d}/oci-zstd-debian-app"));
    }
    v
}

/// The merged view as comparable lines.
fn listing(image: &Image) -> (Vec<String>, String) {
    let facts = image
        .walk(&NoFiles)
        .unwrap_or_else(|e| panic!("{}: {e}", image.name()));
    let lists: Vec<_> = facts.iter().map(|f| &f.files).collect();
    let stack = Stack::new(lists.clone());
    let merged = stack.merge(None, |_| {});
    let lines = merged
        .entries
        .iter()
        .map(|&at| {
            let e = stack.entry(at);
            let link = stack.layers[at.layer as usize].link(e);
            format!(
                "{} {:?} {} {:o} {} {}",
                String::from_utf8_lossy(stack.path(at)),
                e.kind,
                stack.content_size(at),
                e.mode,
                at.layer,
                String::from_utf8_lossy(link)
            )
        })
        .collect();
    let r = report::build("x", &image.layers(), &lists);
    let rows: Vec<String> = r
        .layers
        .iter()
        .map(|l| {
            format!(
                "{} {} {} {} {} {:?}",
                l.index, l.size, l.added, l.modified, l.removed, l.created_by
            )
        })
        .collect();
    let summary = format!(
        "{} {} {} {} {:?}",
        r.efficiency, r.wasted_bytes, r.user_wasted_percent, r.reclaimable_bytes, rows
    );
    (lines, summary)
}

#[test]
fn every_flavour_reads_the_same() {
    let Some(dir) = fixtures() else { return };
    for t in IMAGES {
        let mut first: Option<(String, (Vec<String>, String))> = None;
        for reference in flavours(&dir, t) {
            let image = open(&reference);
            let got = listing(&image);
            assert!(!got.0.is_empty(), "{reference}: empty listing");
            match &first {
                None => first = Some((reference, got)),
                Some((r0, want)) => {
                    assert_eq!(got.1, want.1, "{reference} vs {r0}: report differs");
                    assert!(got.0 == want.0, "{reference} vs {r0}: listing differs");
                }
            }
        }
    }
}

#[test]
fn edge_cases_merge_to_the_expected_listing() {
    let Some(dir) = fixtures() else { return };
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("edge-cases.expected.json")).unwrap())
            .unwrap();
    let want: Vec<String> = expected["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["path"].as_str().unwrap(),
                e["type"].as_str().unwrap(),
                e["size"],
                e["target"].as_str().unwrap_or("")
            )
        })
        .collect();
    let image = open(&format!("{}/edge-cases.docker.tar", dir.display()));
    let facts = image.walk(&NoFiles).unwrap();
    let stack = Stack::new(facts.iter().map(|f| &f.files).collect());
    let got: Vec<String> = stack
        .merge(None, |_| {})
        .entries
        .iter()
        .map(|&at| {
            let e = stack.entry(at);
            let kind = match e.kind {
                Kind::File | Kind::Hardlink => "file",
                Kind::Dir => "dir",
                Kind::Symlink => "symlink",
                k => panic!("unexpected {k:?}"),
            };
            let target = if e.kind == Kind::Symlink {
                String::from_utf8_lossy(stack.layers[at.layer as usize].link(e)).into_owned()
            } else {
                String::new()
            };
            format!(
                "/{} {kind} {} {target}",
                String::from_utf8_lossy(stack.path(at)),
                stack.content_size(at)
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(facts.len() as u64, expected["layers"].as_u64().unwrap());
}

#[test]
fn platforms_in_an_index() {
    let Some(dir) = fixtures() else { return };
    let layout = format!("{}/oci-alpine-3.20-multi", dir.display());
    let pick = |p: Option<&str>| {
        Reference::parse(&layout)
            .unwrap()
            .open_local(p.map(|p| Platform::parse(p).unwrap()).as_ref())
    };
    assert_eq!(
        pick(Some("linux/arm64")).unwrap().config().architecture,
        "arm64"
    );
    assert_eq!(
        pick(Some("linux/arm64/v8"))
            .unwrap()
            .config()
            .variant
            .as_deref(),
        Some("v8")
    );
    assert_eq!(
        pick(Some("linux/amd64")).unwrap().config().architecture,
        "amd64"
    );
    let err = pick(Some("linux/s390x")).err().unwrap().to_string();
    assert!(
        err.contains("linux/amd64") && err.contains("linux/arm64/v8"),
        "{err}"
    );
    // The multi-image layout needs a tag, and says which there are.
    let err = Reference::parse(&format!("{}/oci", dir.display()))
        .unwrap()
        .open_local(None)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("debian-app") && err.contains(":TAG"), "{err}");
    let by_tag = open(&format!("oci-dir:{}/oci:alpine-3.9", dir.display()));
    assert_eq!(by_tag.layers().len(), 1);
    // And by digest: the arm64 manifest inside the index.
    let arm = pick(Some("linux/arm64")).unwrap();
    let digest = arm.manifest_digest().unwrap().clone();
    let by_digest = open(&format!("{layout}@{digest}"));
    assert_eq!(by_digest.config().architecture, "arm64");
}

/// dive's efficiency, wasted bytes and user wasted percent, on every image dive can read.
#[test]
fn dive_agrees() {
    let Some(dir) = fixtures() else { return };
    let dive = Path::new("/var/tmp/plinth-peers/bin/dive");
    if !dive.is_file() {
        println!("skipped: dive not installed (../shared/scripts/peers.sh)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for t in IMAGES {
        let archive = dir.join(format!("{t}.docker.tar"));
        let out = tmp.path().join(format!("{t}.json"));
        let status = std::process::Command::new(dive)
            .args(["--ci", "--source", "docker-archive"])
            .arg(&archive)
            .arg("--json")
            .arg(&out)
            .env("CI", "true")
            .output()
            .unwrap();
        let d: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&out).unwrap_or_else(|_| panic!("dive on {t}: {status:?}")),
        )
        .unwrap();
        let image = open(&archive.display().to_string());
        let facts = image.walk(&NoFiles).unwrap();
        let lists: Vec<_> = facts.iter().map(|f| &f.files).collect();
        let r = report::build(t, &image.layers(), &lists);
        assert_eq!(
            r.efficiency,
            d["image"]["efficiencyScore"].as_f64().unwrap(),
            "{t}: efficiency"
        );
        assert_eq!(
            r.wasted_bytes,
            d["image"]["inefficientBytes"].as_u64().unwrap(),
            "{t}: wasted bytes"
        );
        let sizes: Vec<u64> = d["layer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["sizeBytes"].as_u64().unwrap())
            .collect();
        assert_eq!(
            r.layers.iter().map(|l| l.size).collect::<Vec<_>>(),
            sizes,
            "{t}: layer sizes"
        );
        let user: u64 = sizes.iter().skip(1).sum();
        if user > 0 {
            assert_eq!(
                r.user_wasted_percent,
                r.wasted_bytes as f64 / user as f64,
                "{t}: user wasted"
            );
        }
        let dive_paths: Vec<(String, u64)> = d["image"]["fileReference"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file"].as_str().unwrap().to_string(),
                    f["count"].as_u64().unwrap(),
                )
            })
            .collect();
        let mut ours: Vec<(String, u64)> = r
            .inefficiencies
            .iter()
            .map(|i| (i.path.clone(), i.count as u64))
            .collect();
        let mut theirs = dive_paths;
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{t}: inefficient paths");
    }
}

#[test]
fn reads_the_machines_own_root() {
    let image = Image::rootfs(PathBuf::from("/")).unwrap();
    let facts = image.walk(&NoFiles).unwrap();
    assert!(facts[0].files.find(b"etc/passwd").is_some() || facts[0].files.find(b"usr").is_some());
}
