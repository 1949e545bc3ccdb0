//! JavaScript lockfiles: npm's `package-lock.json` (lockfile versions 1 to 3, and the
//! identical `npm-shrinkwrap.json`), `yarn.lock` (classic v1 and Berry) and `pnpm-lock.yaml`
//! (lockfile versions 5 to 9). Workspace members and links to local folders are the project's
//! own code, not dependencies, and are not reported.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::paths::basename;
use crate::text::{
    Step, json_error, json_lines, lockfile_text, unquote, yaml_blocks, yaml_child, yaml_lines,
    yaml_section,
};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_package_lock(meta: &FileMeta) -> bool {
    let name = basename(meta.path);
    (name == "package-lock.json" || name == "npm-shrinkwrap.json")
        && !meta.path.contains("/node_modules/")
}

pub fn wants_yarn(meta: &FileMeta) -> bool {
    basename(meta.path) == "yarn.lock"
}

pub fn wants_pnpm(meta: &FileMeta) -> bool {
    basename(meta.path) == "pnpm-lock.yaml"
}

#[derive(Deserialize)]
struct PackageLock {
    #[serde(rename = "lockfileVersion", default)]
    version: u32,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Entry>,
}

#[derive(Deserialize, Default)]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: BTreeMap<String, serde::de::IgnoredAny>,
}

impl Entry {
    /// Every package the entry depends on, of any kind.
    fn names(&self) -> impl Iterator<Item = &str> {
        [
            &self.dependencies,
            &self.dev_dependencies,
            &self.optional_dependencies,
            &self.peer_dependencies,
        ]
        .into_iter()
        .flat_map(|m| m.keys().map(String::as_str))
    }
}

#[derive(Deserialize)]
struct V1Entry {
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Entry>,
}

pub fn parse_package_lock(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lock: PackageLock = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let lines = json_lines(text);
    let mut out = Vec::new();
    if lock.version >= 2 || !lock.packages.is_empty() {
        // Keys are install paths; only those under node_modules/ are dependencies, the rest
        // ("" and workspace folders) are the project itself, and what they name is direct.
        let projects: HashMap<&str, HashSet<&str>> = lock
            .packages
            .iter()
            .filter(|(key, _)| !key.contains("node_modules/"))
            .map(|(key, e)| (key.as_str(), e.names().collect()))
            .collect();
        for (key, entry) in &lock.packages {
            let Some(i) = key.rfind("node_modules/") else {
                continue;
            };
            let Some(version) = entry.version.as_deref().filter(|_| !entry.link) else {
                continue;
            };
            let installed_as = &key[i + "node_modules/".len()..];
            // An alias (`"x": "npm:y@1"`) installs y under the folder x; `name` says y.
            let name = entry.name.as_deref().unwrap_or(installed_as);
            let mut p = Package::new(PackageType::Npm, name, version, file.path);
            p.dev = Some(entry.dev);
            p.direct = projects.contains_key("").then(|| {
                // A workspace's dependencies are hoisted to the top node_modules/ unless
                // their versions clash, when they stay in the workspace's own.
                match key[..i].strip_suffix('/') {
                    None => projects.values().any(|named| named.contains(installed_as)),
                    Some(owner) => projects
                        .get(owner)
                        .is_some_and(|named| named.contains(installed_as)),
                }
            });
            p.line = lines
                .get(&[Step::Key("packages"), Step::Key(key)][..])
                .copied();
            out.push(p);
        }
    } else {
        let mut at = vec![Step::Key("dependencies")];
        v1(&lock.dependencies, file.path, &lines, &mut at, &mut out);
    }
    Ok(out)
}

/// Lockfile version 1 nests what could not be hoisted under the package that needs it;
/// `at` is the JSON path of `deps`, for lines.
fn v1<'a>(
    deps: &'a BTreeMap<String, V1Entry>,
    path: &str,
    lines: &HashMap<Vec<Step>, u32>,
    at: &mut Vec<Step<'a>>,
    out: &mut Vec<Package>,
) {
    for (name, entry) in deps {
        at.push(Step::Key(name));
        if let Some(version) = &entry.version {
            // An alias's version reads `npm:real-name@1.2.3`.
            let (name, version) = match version
                .strip_prefix("npm:")
                .and_then(|v| v.rsplit_once('@'))
            {
                Some((real, v)) => (real, v),
                None => (name.as_str(), version.as_str()),
            };
            let mut p = Package::new(PackageType::Npm, name, version, path);
            p.dev = Some(entry.dev);
            p.line = lines.get(at.as_slice()).copied();
            out.push(p);
        }
        at.push(Step::Key("dependencies"));
        v1(&entry.dependencies, path, lines, at, out);
        at.truncate(at.len() - 2);
    }
}

/// `name@range` → name; the `@` of a scope is not the separator.
fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

pub fn parse_yarn(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let mut out = Vec::new();
    // Per package: the descriptors of its entry's header (`"a@npm:^1, a@npm:~1.2"`).
    let mut headers = Vec::new();
    // Berry lists a workspace's dependencies (dev ones too) in its own entry, so its lockfile
    // tells which packages are direct; classic's does not.
    let mut berry = false;
    let mut workspace_deps: HashSet<String> = HashSet::new();
    let mut current: Option<(String, u32, bool, &str)> = None;
    let mut in_dependencies = false;
    for (i, line) in text.lines().enumerate() {
        let number = i as u32 + 1;
        if line.starts_with('\t') {
            return Err(format!("line {number}: tab in indentation"));
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            berry |= line == "__metadata:";
            current = entry_name(line).map(|(n, local)| (n, number, local, line));
            continue;
        }
        let trimmed = line.trim_start();
        let Some((name, at, local, header)) = current.as_ref() else {
            continue;
        };
        match line.len() - trimmed.len() {
            2 => in_dependencies = trimmed == "dependencies:",
            4 if in_dependencies && header.contains("@workspace:") => {
                if let Some((dep, range)) = trimmed.split_once(": ") {
                    workspace_deps.insert(format!("{}@{}", unquote(dep), unquote(range)));
                }
                continue;
            }
            _ => continue,
        }
        if let Some(v) = trimmed
            .strip_prefix("version ")
            .or(trimmed.strip_prefix("version: "))
        {
            if !*local {
                let mut p = Package::new(PackageType::Npm, name.as_str(), unquote(v), file.path);
                p.line = Some(*at);
                out.push(p);
                headers.push(*header);
            }
        } else if let Some(r) = trimmed.strip_prefix("resolution: ") {
            // Berry names the package it resolved to, which settles aliases.
            let r = unquote(r);
            if let (Some((real, _)), Some(last)) = (split_descriptor(r), out.last_mut())
                && last.line == Some(*at)
            {
                last.name = real.to_owned();
            }
        }
    }
    if berry {
        for (p, header) in out.iter_mut().zip(headers) {
            let header = unquote(header.trim_end_matches(':'));
            p.direct = Some(
                header
                    .split(", ")
                    .any(|d| workspace_deps.contains(unquote(d))),
            );
        }
    }
    Ok(out)
}

/// The package an entry header names, and whether it is the project's own code.
/// `"a@^1", a@~1.2:` (classic) or `"a@npm:^1, a@npm:~1.2":` (Berry).
fn entry_name(header: &str) -> Option<(String, bool)> {
    let header = header.strip_suffix(':')?;
    if header == "__metadata" {
        return None;
    }
    let first = unquote(header.split(", ").next()?.trim());
    let first = unquote(first);
    let (name, range) = split_descriptor(first)?;
    let local = ["workspace:", "link:", "portal:", "file:"]
        .iter()
        .any(|p| range.starts_with(p));
    // A classic alias: `x@npm:y@^1` installs y.
    let name = match range.strip_prefix("npm:").and_then(split_descriptor) {
        Some((real, _)) if !real.is_empty() => real,
        _ => name,
    };
    Some((name.to_owned(), local))
}

pub fn parse_pnpm(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lines = yaml_lines(text)?;
    let version: f32 = lines
        .iter()
        .find(|l| l.indent == 0 && l.key == "lockfileVersion")
        .and_then(|l| l.value.parse().ok())
        .ok_or("no lockfileVersion")?;
    let (direct, direct_dev) = pnpm_direct(&lines);
    // Lockfile 9 dropped the `dev:` field: what the plain direct dependencies do not reach
    // through `snapshots:` only development needs.
    let snapshots = yaml_section(&lines, "snapshots");
    let needed = (!snapshots.is_empty()).then(|| pnpm_reachable(snapshots, &direct));
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (head, children) in yaml_blocks(yaml_section(&lines, "packages"), 2) {
        let Some((name, v)) = pnpm_key(head.key, version) else {
            continue;
        };
        if !seen.insert((name, v)) {
            continue;
        }
        let mut p = Package::new(PackageType::Npm, name, v, file.path);
        p.line = Some(head.number);
        p.dev = yaml_child(children, "dev")
            .map(|d| d == "true")
            .or_else(|| needed.as_ref().map(|n| !n.contains(&(name, v))))
            .or_else(|| direct.contains(&(name, v)).then_some(false))
            .or_else(|| direct_dev.contains(&(name, v)).then_some(true));
        p.direct = Some(direct.contains(&(name, v)) || direct_dev.contains(&(name, v)));
        out.push(p);
    }
    Ok(out)
}

type Direct<'a> = HashSet<(&'a str, &'a str)>;

/// The (name, version) pairs the project's importers (or, before lockfile 6 without
/// workspaces, the top level) name: the plain ones and the dev ones.
fn pnpm_direct<'a>(lines: &[crate::text::YamlLine<'a>]) -> (Direct<'a>, Direct<'a>) {
    let mut plain = HashSet::new();
    let mut dev = HashSet::new();
    let importers = yaml_section(lines, "importers");
    let groups: Vec<(&str, &[crate::text::YamlLine])> = if importers.is_empty() {
        ["dependencies", "devDependencies", "optionalDependencies"]
            .iter()
            .map(|s| (*s, yaml_section(lines, s)))
            .collect()
    } else {
        yaml_blocks(importers, 2)
            .flat_map(|(_, body)| yaml_blocks(body, 4).map(|(h, b)| (h.key, b)))
            .collect()
    };
    for (group, body) in groups {
        let indent = body.iter().map(|l| l.indent).min().unwrap_or(0);
        for (head, details) in yaml_blocks(body, indent) {
            // `name: 1.2.3` (v5) or `name: {specifier, version}` (v6+).
            let version = if head.value.is_empty() {
                yaml_child(details, "version").unwrap_or("")
            } else {
                head.value
            };
            let set = if group == "devDependencies" {
                &mut dev
            } else {
                &mut plain
            };
            set.insert(pnpm_dependency(head.key, version));
        }
    }
    (plain, dev)
}

/// A dependency as (name, version) from its `name: version` line: the version loses its
/// peer suffix (`1.0.0(b@2.0.0)`, `1.0.0_b@2.0.0`), and an alias (`x: y@1.0.0`) names y.
fn pnpm_dependency<'a>(name: &'a str, version: &'a str) -> (&'a str, &'a str) {
    let version = version.split(['(', '_']).next().unwrap_or(version);
    split_descriptor(version).unwrap_or((name, version))
}

/// The (name, version) pairs reachable from `roots` along the dependencies `snapshots:`
/// lists (optional ones too: an install fetches them).
fn pnpm_reachable<'a>(snapshots: &[crate::text::YamlLine<'a>], roots: &Direct<'a>) -> Direct<'a> {
    let mut edges: HashMap<(&str, &str), Vec<(&str, &str)>> = HashMap::new();
    for (head, body) in yaml_blocks(snapshots, 2) {
        let Some(from) = split_descriptor(head.key.split('(').next().unwrap_or(head.key)) else {
            continue;
        };
        let deps = edges.entry(from).or_default();
        for (group, list) in yaml_blocks(body, 4) {
            if group.key.ends_with("ependencies") {
                deps.extend(list.iter().map(|l| pnpm_dependency(l.key, l.value)));
            }
        }
    }
    let mut seen = HashSet::new();
    let mut todo: Vec<(&str, &str)> = roots.iter().copied().collect();
    while let Some(n) = todo.pop() {
        if seen.insert(n) {
            todo.extend(edges.get(&n).into_iter().flatten());
        }
    }
    seen
}

/// A `packages:` key as (name, version): `/a/1.0.0`, `/@s/a/1.0.0_peer` (v5),
/// `/a@1.0.0(peer)` (v6), `a@1.0.0` (v9). Tarball and git keys are skipped.
fn pnpm_key(key: &str, version: f32) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next()?;
    let (name, v) = if version < 6.0 {
        let (name, v) = key.rsplit_once('/')?;
        (name, v.split('_').next()?)
    } else {
        split_descriptor(key)?
    };
    v.starts_with(|c: char| c.is_ascii_digit())
        .then_some((name, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&FileInput) -> Result<Vec<Package>, String>, data: &str) -> Vec<Package> {
        f(&FileInput {
            path: "/p/lock",
            data: data.as_bytes(),
            mode: 0,
        })
        .unwrap()
    }

    #[test]
    fn package_lock_v3_aliases_and_workspaces() {
        let lock = r#"{"lockfileVersion":3,"packages":{
            "":{"name":"app","dependencies":{"x":"npm:lodash@4"},"devDependencies":{"b":"1"}},
            "node_modules/x":{"name":"lodash","version":"4.17.21"},
            "node_modules/b":{"version":"1.0.0","dev":true},
            "node_modules/b/node_modules/c":{"version":"2.0.0","dev":true},
            "node_modules/ws":{"resolved":"packages/ws","link":true},
            "packages/ws":{"name":"ws","version":"0.1.0"}}}"#;
        let p = run(parse_package_lock, lock);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.direct, p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("b", "1.0.0", Some(true), Some(true)),
                ("c", "2.0.0", Some(false), Some(true)),
                ("lodash", "4.17.21", Some(true), Some(false)),
            ]
        );
        let v1 = r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"npm:c@2.0.0","dev":true}}}}}"#;
        let p = run(parse_package_lock, v1);
        assert_eq!((p[1].name.as_str(), p[1].version.as_str()), ("c", "2.0.0"));
    }

    #[test]
    fn yarn_classic_and_berry() {
        let classic = "# yarn lockfile v1\n\n\"@babel/core@^7.0.0\", \"@babel/core@^7.1.0\":\n  version \"7.12.3\"\n  dependencies:\n    x \"^1\"\n\nalias@npm:lodash@^4:\n  version \"4.17.21\"\n";
        let p = run(parse_yarn, classic);
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str(), p[0].line),
            ("@babel/core", "7.12.3", Some(3))
        );
        assert_eq!(p[1].name, "lodash");
        assert_eq!(p[0].direct, None, "classic does not say");
        let berry = "__metadata:\n  version: 6\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n  dependencies:\n    x: \"npm:^4\"\n\n\"x@npm:^4\":\n  version: 4.17.21\n  resolution: \"lodash@npm:4.17.21\"\n  dependencies:\n    y: \"npm:^1\"\n\n\"y@npm:^1\":\n  version: 1.0.0\n";
        let p = run(parse_yarn, berry);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.direct))
            .collect();
        assert_eq!(
            got,
            [
                ("lodash", "4.17.21", Some(true)),
                ("y", "1.0.0", Some(false))
            ]
        );
    }

    #[test]
    fn pnpm_versions() {
        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0(b@2.0.0)\n    devDependencies:\n      '@s/d':\n        specifier: ^3\n        version: 3.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: x}\n  '@s/d@3.0.0':\n    resolution: {integrity: y}\n  b@2.0.0:\n    resolution: {integrity: z}\n  c@1.0.0:\n    resolution: {integrity: w}\nsnapshots:\n  a@1.0.0(b@2.0.0):\n    dependencies:\n      b: 2.0.0\n  '@s/d@3.0.0':\n    optionalDependencies:\n      c: 1.0.0\n  b@2.0.0: {}\n  c@1.0.0: {}\n";
        let p = run(parse_pnpm, v9);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.direct, p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "1.0.0", Some(true), Some(false)),
                ("@s/d", "3.0.0", Some(true), Some(true)),
                ("b", "2.0.0", Some(false), Some(false)),
                ("c", "1.0.0", Some(false), Some(true)),
            ]
        );
        let v5 = "lockfileVersion: 5.4\nspecifiers:\n  a: ^1\ndependencies:\n  a: 1.0.0\npackages:\n  /a/1.0.0:\n    dev: false\n  /@s/b/2.0.0_a@1.0.0:\n    dev: true\n";
        let p = run(parse_pnpm, v5);
        assert_eq!(
            (p[1].name.as_str(), p[1].version.as_str(), p[1].dev),
            ("@s/b", "2.0.0", Some(true))
        );
    }
}
