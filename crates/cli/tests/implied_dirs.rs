//! `plinth files` lists the parent directories a layer's tar never named, marked implied, and
//! dive agrees on which they are. The image is built here: two layers written by GNU tar with
//! `--no-recursion` from files of a real tree (so parents are left out, as some build tools
//! do), wrapped as a docker archive. dive (../shared/scripts/peers.sh) reads it with `--json`,
//! whose per-layer `fileList` is its tree in depth-first, children-first order, an implied
//! directory being an entry with an empty path and a zero FileInfo right after its last child.
//!
//! Where the two differ, by design:
//! - dive lists each layer's own tree, so a directory implied by two layers is listed twice,
//!   and one an earlier layer names is still implied in a later layer whose tar omits it;
//!   plinth lists the merged filesystem once, and a directory is implied only when no layer
//!   names it. The test derives plinth's set from dive's by exactly that rule.
//! - dive gives an implied directory a zero FileInfo (mode 0, not a directory); plinth shows it
//!   as runtimes create it: a directory, 0755.
//! - plinth attributes an implied directory to the first layer that puts something inside
//!   it, which is the first layer in whose tree dive shows it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use plinth_testdata::{sha256, ustar};
use serde_json::{Value, json};

const DIVE: &str = "/var/tmp/plinth-peers/bin/dive";

/// A layer: (path, content) of each file, and the directories it names explicitly.
type Layer = (
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

const LAYERS: [Layer; 2] = [
    (
        &[
            ("etc/hostname", "box\n"),
            ("usr/local/share/doc/app/README", "read me\n"),
            ("opt/app/bin/run", "#!/bin/sh\nexec true\n"),
        ],
        &["etc"],
    ),
    (
        &[
            ("etc/motd", "hello\n"),
            ("usr/local/bin/tool", "#!/bin/sh\n"),
            ("opt/app/lib/plugins/x.so", "not really\n"),
        ],
        &["opt/app/lib"],
    ),
];

/// One layer tar by GNU tar, naming only `dirs` and the files (no parents).
fn gnu_tar(dir: &Path, files: &[(&str, &str)], dirs: &[&str]) -> Vec<u8> {
    let root = dir.join("root");
    let _ = std::fs::remove_dir_all(&root);
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    for d in dirs {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let out = dir.join("layer.tar");
    let status = Command::new("tar")
        .args([
            "--no-recursion",
            "--format=gnu",
            "--owner=0",
            "--group=0",
            "-cf",
        ])
        .arg(&out)
        .arg("-C")
        .arg(&root)
        .args(dirs)
        .args(files.iter().map(|(p, _)| p))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// What `tar -tf` lists in a layer: the entries it names.
fn named(layer: &Path) -> BTreeSet<String> {
    let out = Command::new("tar").arg("-tf").arg(layer).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_end_matches('/').to_string())
        .collect()
}

/// The parents of `paths` that are not among them.
fn parents_not_named(paths: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in paths {
        let mut at = p.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            if !paths.contains(parent) {
                out.insert(parent.to_string());
            }
            at = parent;
        }
    }
    out
}

/// dive's implied directories of one layer's `fileList`: in children-first order, an entry
/// with an empty path is the parent of the entry before it.
fn dive_implied(file_list: &[Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut previous = String::new();
    for f in file_list {
        let path = f["path"].as_str().unwrap().trim_matches('/').to_string();
        previous = if path.is_empty() {
            assert_eq!(
                (f["fileMode"].as_u64(), f["isDir"].as_bool()),
                (Some(0), Some(false)),
                "{f}"
            );
            let parent = previous.rsplit_once('/').unwrap().0.to_string();
            out.insert(parent.clone());
            parent
        } else {
            path
        };
    }
    out
}

#[test]
fn implied_directories_agree_with_dive() {
    if !Path::new(DIVE).is_file() {
        println!("skipped: dive not installed (../shared/scripts/peers.sh)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut layers = Vec::new();
    let mut tar_named = Vec::new();
    for (i, (files, dirs)) in LAYERS.iter().enumerate() {
        let dir = tmp.path().join(format!("layer{i}"));
        std::fs::create_dir(&dir).unwrap();
        let bytes = gnu_tar(&dir, files, dirs);
        tar_named.push(named(&dir.join("layer.tar")));
        layers.push(bytes);
    }
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| sha256(l)).collect::<Vec<_>>()},
        "history": [{"created_by": "ADD one"}, {"created_by": "ADD two"}],
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&json!([{
        "Config": "config.json",
        "RepoTags": ["sparse:1"],
        "Layers": ["0/layer.tar", "1/layer.tar"],
    }]))
    .unwrap();
    let archive = tmp.path().join("sparse.tar");
    std::fs::write(
        &archive,
        ustar(&[
            ("config.json", 0o644, &config),
            ("0/layer.tar", 0o644, &layers[0]),
            ("1/layer.tar", 0o644, &layers[1]),
            ("manifest.json", 0o644, &manifest),
        ]),
    )
    .unwrap();

    let report = tmp.path().join("dive.json");
    let out = Command::new(DIVE)
        .args(["--source", "docker-archive"])
        .arg(&archive)
        .arg("--json")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let dive: Vec<BTreeSet<String>> = report["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| dive_implied(l["fileList"].as_array().unwrap()))
        .collect();
    // dive's implied directories of each layer are the parents its tar did not name.
    for (i, implied) in dive.iter().enumerate() {
        assert_eq!(implied, &parents_not_named(&tar_named[i]), "layer {i}");
    }
    // Per layer, by design: `etc` is named by layer 0 and implied by layer 1's tree; `usr`
    // is implied by both.
    assert!(dive[1].contains("etc") && !dive[0].contains("etc"));
    assert!(dive[0].contains("usr") && dive[1].contains("usr"));

    let out = Command::cargo_bin("plinth")
        .unwrap()
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .args(["files", "-f", "json"])
        .arg(format!("docker-archive:{}", archive.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let plinth: BTreeMap<String, (u64, String, String)> = rows
        .iter()
        .filter(|r| r["implied"] == true)
        .map(|r| {
            let path = r["path"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .to_string();
            let shown = (
                r["type"].as_str().unwrap().into(),
                r["mode"].as_str().unwrap().into(),
            );
            (path, (r["layer"].as_u64().unwrap(), shown.0, shown.1))
        })
        .collect();

    // plinth's merged set: every directory dive shows implied in some layer, unless a layer
    // names it; attributed to the first layer whose tree holds it; a directory, 0755.
    let named_anywhere: BTreeSet<&String> = tar_named.iter().flatten().collect();
    let mut expected = BTreeMap::new();
    for (layer, implied) in dive.iter().enumerate() {
        for d in implied.iter().filter(|d| !named_anywhere.contains(d)) {
            expected.entry(d.clone()).or_insert((
                layer as u64,
                "dir".to_string(),
                "0755".to_string(),
            ));
        }
    }
    assert_eq!(plinth, expected);
    // `usr/local` comes first in path order through layer 1's `usr/local/bin`, yet layer 0
    // made it.
    assert_eq!(plinth["usr/local"].0, 0);
    assert!(!plinth.contains_key("etc") && !plinth.contains_key("opt/app/lib"));
}
