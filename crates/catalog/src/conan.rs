//! C and C++ packages from Conan: `conan.lock` (Conan 2's `requires`/`build_requires`
//! lists and Conan 1's `graph_lock` nodes) and the `[requires]` section of `conanfile.txt`.
//! A reference reads `name/version[@user/channel][#revision]`.

use serde::Deserialize;
use std::collections::BTreeMap;

use crate::paths::basename;
use crate::text::{Step, json_error, json_lines, lockfile_text};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_lock(meta: &FileMeta) -> bool {
    basename(meta.path) == "conan.lock"
}

pub fn wants_conanfile(meta: &FileMeta) -> bool {
    basename(meta.path) == "conanfile.txt"
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    requires: Vec<String>,
    #[serde(default)]
    build_requires: Vec<String>,
    graph_lock: Option<GraphLock>,
}

#[derive(Deserialize)]
struct GraphLock {
    nodes: BTreeMap<String, Node>,
}

#[derive(Deserialize)]
struct Node {
    #[serde(rename = "ref")]
    reference: Option<String>,
}

fn reference(r: &str, path: &str) -> Option<Package> {
    let r = r.split(['#', '@', '%']).next()?;
    let (name, version) = r.split_once('/')?;
    Some(Package::new(PackageType::Conan, name, version, path))
}

pub fn parse_lock(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lock: Lock = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let lines = json_lines(text);
    let mut out = Vec::new();
    for (key, dev, list) in [
        ("requires", false, &lock.requires),
        ("build_requires", true, &lock.build_requires),
    ] {
        for (i, r) in list.iter().enumerate() {
            if let Some(mut p) = reference(r, file.path) {
                p.dev = Some(dev);
                p.line = lines.get(&[Step::Key(key), Step::Index(i)][..]).copied();
                out.push(p);
            }
        }
    }
    for (id, node) in lock.graph_lock.iter().flat_map(|g| &g.nodes) {
        if let Some(mut p) = node
            .reference
            .as_deref()
            .and_then(|r| reference(r, file.path))
        {
            let path = [Step::Key("graph_lock"), Step::Key("nodes"), Step::Key(id)];
            p.line = lines.get(&path[..]).copied();
            out.push(p);
        }
    }
    Ok(out)
}

pub fn parse_conanfile(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let mut section = "";
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let wanted = matches!(
            section,
            "[requires]" | "[tool_requires]" | "[build_requires]"
        );
        if let Some(mut p) = reference(line, file.path).filter(|_| wanted) {
            p.line = Some(i as u32 + 1);
            p.direct = Some(true);
            p.dev = Some(section != "[requires]");
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_conanfile() {
        let v2 = r#"{"version":"0.5","requires":["zlib/1.3.1#f52e03ae3d251dec704634230cd806a2%1708593606.497","openssl/3.2.1@user/stable#abc"],"build_requires":["cmake/3.28.1"]}"#;
        let p = parse_lock(&FileInput {
            path: "/conan.lock",
            data: v2.as_bytes(),
            mode: 0,
        })
        .unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("zlib", "1.3.1", Some(false)),
                ("openssl", "3.2.1", Some(false)),
                ("cmake", "3.28.1", Some(true))
            ]
        );
        let v1 = r#"{"graph_lock":{"nodes":{"0":{"path":"conanfile.txt"},"1":{"ref":"zlib/1.2.11#r"}}},"version":"0.4"}"#;
        assert_eq!(
            parse_lock(&FileInput {
                path: "/conan.lock",
                data: v1.as_bytes(),
                mode: 0
            })
            .unwrap()
            .len(),
            1
        );
        let txt = "[requires]\nzlib/1.2.13\n\n[generators]\nCMakeDeps\n";
        let p = parse_conanfile(&FileInput {
            path: "/conanfile.txt",
            data: txt.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!((p.len(), p[0].line), (1, Some(2)));
    }
}
