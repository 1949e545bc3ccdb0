//! .NET NuGet packages: NuGet's `packages.lock.json` (per target framework; `Direct`,
//! `Transitive` and `CentralTransitive` entries, project references skipped) and the
//! `*.deps.json` the SDK writes beside a built application (its `package` libraries).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::paths::basename;
use crate::text::{Step, json_error, json_lines, lockfile_text};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_lock(meta: &FileMeta) -> bool {
    basename(meta.path) == "packages.lock.json"
}

pub fn wants_deps(meta: &FileMeta) -> bool {
    meta.path.ends_with(".deps.json")
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, LockEntry>>,
}

#[derive(Deserialize)]
struct LockEntry {
    #[serde(rename = "type")]
    kind: String,
    resolved: Option<String>,
}

pub fn parse_lock(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lock: Lock = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    // One framework's entry is enough; a package direct in any framework is direct.
    let lines = json_lines(text);
    // One package locked for several target frameworks is one package: direct when any
    // framework names it, at its first line.
    let mut found: BTreeMap<(&str, &str), (bool, Option<u32>)> = BTreeMap::new();
    for (framework, entries) in &lock.dependencies {
        for (name, e) in entries {
            let Some(version) = e.resolved.as_deref().filter(|_| e.kind != "Project") else {
                continue;
            };
            let path = [
                Step::Key("dependencies"),
                Step::Key(framework),
                Step::Key(name),
            ];
            let line = lines.get(&path[..]).copied();
            let (direct, first) = found.entry((name, version)).or_default();
            *direct |= e.kind == "Direct";
            *first = [*first, line].into_iter().flatten().min();
        }
    }
    Ok(found
        .into_iter()
        .map(|((name, version), (direct, line))| {
            let mut p = Package::new(PackageType::Nuget, name, version, file.path);
            p.direct = Some(direct);
            p.line = line;
            p
        })
        .collect())
}

#[derive(Deserialize)]
struct Deps {
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type")]
    kind: String,
}

pub fn parse_deps(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let deps: Deps = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let mut seen = BTreeSet::new();
    Ok(deps
        .libraries
        .iter()
        .filter(|(_, l)| l.kind == "package")
        .filter_map(|(key, _)| key.split_once('/'))
        .filter(|k| seen.insert(*k))
        .map(|(name, version)| Package::new(PackageType::Nuget, name, version, file.path))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_deps() {
        let lock = r#"{"version":1,"dependencies":{"net8.0":{"Newtonsoft.Json":{"type":"Direct","requested":"[13.0.3, )","resolved":"13.0.3"},"System.X":{"type":"Transitive","resolved":"4.3.0"},"Lib":{"type":"Project"}},"net6.0":{"Newtonsoft.Json":{"type":"Direct","resolved":"13.0.3"}}}}"#;
        let p = parse_lock(&FileInput {
            path: "/packages.lock.json",
            data: lock.as_bytes(),
            mode: 0,
        })
        .unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.direct)).collect();
        assert_eq!(
            got,
            [("Newtonsoft.Json", Some(true)), ("System.X", Some(false))]
        );
        let deps = r#"{"libraries":{"app/1.0.0":{"type":"project"},"Serilog/3.1.1":{"type":"package","sha512":"x"}}}"#;
        let p = parse_deps(&FileInput {
            path: "/app/app.deps.json",
            data: deps.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(
            (p.len(), p[0].name.as_str(), p[0].version.as_str()),
            (1, "Serilog", "3.1.1")
        );
    }
}
