//! Python requirement and lock files: pip's `requirements*.txt` (a line pinned with `==` gives
//! a version; any other requirement is reported with its constraint and no version; the
//! `# via` comments of pip-compile and `uv export` tell direct pins from the others), Poetry's
//! `poetry.lock`, Pipenv's `Pipfile.lock`, uv's `uv.lock` and PDM's `pdm.lock`.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use crate::paths::basename;
use crate::text::{Step, json_error, json_lines, lockfile_text, toml_error, toml_line};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_requirements(meta: &FileMeta) -> bool {
    let name = basename(meta.path);
    name.ends_with(".txt") && name.contains("requirements")
}

pub fn wants_poetry(meta: &FileMeta) -> bool {
    basename(meta.path) == "poetry.lock"
}

pub fn wants_pipfile(meta: &FileMeta) -> bool {
    basename(meta.path) == "Pipfile.lock"
}

pub fn wants_uv(meta: &FileMeta) -> bool {
    basename(meta.path) == "uv.lock"
}

pub fn wants_pdm(meta: &FileMeta) -> bool {
    basename(meta.path) == "pdm.lock"
}

pub fn parse_requirements(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let mut out = Vec::new();
    let mut joined = String::new();
    let mut first_line = 0;
    // pip-compile's `# via` comments, as (package index, what asked for it).
    let mut vias: Vec<(usize, &str)> = Vec::new();
    let mut in_via = false;
    for (i, raw) in text.lines().enumerate() {
        if joined.is_empty() {
            first_line = i as u32 + 1;
        }
        if let Some(comment) = raw.trim_start().strip_prefix('#') {
            let comment = comment.trim();
            let sources = match comment.strip_prefix("via") {
                Some("") => {
                    in_via = true;
                    continue;
                }
                Some(one) if one.starts_with(' ') => Some(one.trim()),
                _ => in_via.then_some(comment),
            };
            if let (Some(source), false) = (sources, out.is_empty()) {
                vias.push((out.len() - 1, source));
            }
            continue;
        }
        in_via = false;
        // A trailing backslash continues the requirement on the next line.
        if let Some(head) = raw.strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            continue;
        }
        joined.push_str(raw);
        if let Some(mut p) = requirement(&joined, file.path) {
            p.line = Some(first_line);
            out.push(p);
        }
        joined.clear();
    }
    // A pin asked for by something that is not another pin (an input file, the project) is
    // one the project names itself.
    let pinned: HashSet<String> = out.iter().map(|p| pep503(&p.name)).collect();
    for (i, source) in vias {
        let from_project = !pinned.contains(&pep503(source));
        out[i].direct = Some(out[i].direct.unwrap_or(false) || from_project);
    }
    Ok(out)
}

/// A Python name as PEP 503 compares them.
fn pep503(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// One requirement line (PEP 508 with pip's options), or `None` for options, includes,
/// URLs and editable installs, which name no package from an index.
fn requirement(line: &str, path: &str) -> Option<Package> {
    let line = match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    };
    let line = line.trim();
    if line.is_empty() || line.starts_with(['#', '-', '.', '/']) || line.contains("://") {
        return None;
    }
    // Markers after `;` and per-requirement options (`--hash=…`) do not change the pin.
    let line = line.split(';').next()?.split(" --").next()?.trim();
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut spec = line[name_end..].trim_start();
    if spec.starts_with('[') {
        spec = spec.split_once(']').map_or("", |(_, s)| s).trim_start();
    }
    if spec.starts_with('@') {
        return None; // `name @ url`: a direct reference, not an index version
    }
    let pinned = spec
        .strip_prefix("===")
        .or(spec.strip_prefix("=="))
        .map(str::trim)
        .filter(|v| !v.is_empty() && !v.contains([',', '*', ' ']));
    let mut p = Package::new(PackageType::Python, name, pinned.unwrap_or(""), path);
    if pinned.is_none() {
        p.constraint = Some(spec.to_owned());
    }
    Some(p)
}

#[derive(Deserialize)]
struct TomlLock {
    #[serde(default)]
    package: Vec<TomlPackage>,
}

#[derive(Deserialize)]
struct TomlPackage {
    name: toml::Spanned<String>,
    version: Option<String>,
    /// Poetry before 1.5: `main` or `dev`.
    category: Option<String>,
    /// Poetry 2 and PDM: the dependency groups that need the package.
    groups: Option<Vec<String>>,
    /// uv: where the package comes from; `editable`/`virtual` is the project itself.
    source: Option<toml::Table>,
    #[serde(default)]
    dependencies: Dependencies,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDependency>>,
}

/// uv lists a package's dependencies as `[{ name = "…" }]`; Poetry and PDM as a table of
/// constraints (`[package.dependencies]`), which says nothing this reads.
#[derive(Deserialize)]
#[serde(untagged)]
enum Dependencies {
    Uv(Vec<UvDependency>),
    Other(serde::de::IgnoredAny),
}

impl Default for Dependencies {
    fn default() -> Self {
        Dependencies::Uv(Vec::new())
    }
}

impl Dependencies {
    fn names(&self) -> impl Iterator<Item = &str> {
        let list = match self {
            Dependencies::Uv(list) => list.as_slice(),
            Dependencies::Other(_) => &[],
        };
        list.iter().map(|d| d.name.as_str())
    }
}

#[derive(Deserialize)]
struct UvDependency {
    name: String,
}

impl TomlPackage {
    fn name(&self) -> &str {
        self.name.get_ref()
    }

    /// The package at the line of its `name`, or `None` when the entry has no version.
    fn package(&self, text: &str, path: &str) -> Option<Package> {
        let version = self.version.as_deref()?;
        let mut p = Package::new(PackageType::Python, self.name(), version, path);
        p.line = Some(toml_line(text, self.name.span().start));
        Some(p)
    }
}

fn read_toml<'a>(file: &FileInput<'a>) -> Result<(&'a str, TomlLock), String> {
    let text = lockfile_text(file.data)?;
    let lock = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    Ok((text, lock))
}

pub fn parse_poetry(file: &FileInput) -> Result<Vec<Package>, String> {
    let (text, lock) = read_toml(file)?;
    Ok(lock
        .package
        .iter()
        .filter_map(|t| {
            let dev = match (&t.category, &t.groups) {
                (Some(c), _) => Some(c == "dev"),
                (None, Some(g)) => Some(!g.iter().any(|g| g == "main")),
                (None, None) => None,
            };
            let mut p = t.package(text, file.path)?;
            p.dev = dev;
            Some(p)
        })
        .collect())
}

pub fn parse_pdm(file: &FileInput) -> Result<Vec<Package>, String> {
    let (text, lock) = read_toml(file)?;
    Ok(lock
        .package
        .iter()
        .filter_map(|t| {
            let mut p = t.package(text, file.path)?;
            p.dev = t.groups.as_ref().map(|g| !g.iter().any(|g| g == "default"));
            Some(p)
        })
        .collect())
}

/// uv records the project itself as a package with an `editable` or `virtual` source; its
/// dependency lists say which packages are direct and which only development needs.
pub fn parse_uv(file: &FileInput) -> Result<Vec<Package>, String> {
    let (text, lock) = read_toml(file)?;
    let is_project = |t: &TomlPackage| {
        t.source
            .as_ref()
            .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
    };
    let edges: HashMap<&str, Vec<&str>> = lock
        .package
        .iter()
        .map(|t| {
            let deps = t.dependencies.names().collect();
            (t.name(), deps)
        })
        .collect();
    let roots = lock.package.iter().filter(|t| is_project(t));
    let main_roots: Vec<&str> = roots.clone().flat_map(|t| t.dependencies.names()).collect();
    let dev_roots: Vec<&str> = roots
        .flat_map(|t| t.dev_dependencies.values().flatten())
        .map(|d| d.name.as_str())
        .collect();
    let needed = reachable(&main_roots, &edges);
    Ok(lock
        .package
        .iter()
        .filter(|t| !is_project(t))
        .filter_map(|t| {
            let mut p = t.package(text, file.path)?;
            let name = t.name();
            p.direct = Some(main_roots.contains(&name) || dev_roots.contains(&name));
            p.dev = Some(!needed.contains(name));
            Some(p)
        })
        .collect())
}

/// Every package reachable from `roots` along `edges`.
fn reachable<'a>(roots: &[&'a str], edges: &HashMap<&'a str, Vec<&'a str>>) -> HashSet<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut todo: Vec<&str> = roots.to_vec();
    while let Some(n) = todo.pop() {
        if seen.insert(n) {
            todo.extend(edges.get(n).into_iter().flatten());
        }
    }
    seen
}

#[derive(Deserialize)]
struct Pipfile {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
}

pub fn parse_pipfile(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lock: Pipfile = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let lines = json_lines(text);
    let mut out = Vec::new();
    for (key, dev, group) in [
        ("default", false, lock.default),
        ("develop", true, lock.develop),
    ] {
        for (name, entry) in group {
            // Git and path entries carry no version.
            let Some(v) = entry.version else { continue };
            let mut p = Package::new(
                PackageType::Python,
                &name,
                v.trim_start_matches("=="),
                file.path,
            );
            p.dev = Some(dev);
            p.line = lines.get(&[Step::Key(key), Step::Key(&name)][..]).copied();
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&FileInput) -> Result<Vec<Package>, String>, data: &str) -> Vec<Package> {
        f(&FileInput {
            path: "/p/x",
            data: data.as_bytes(),
            mode: 0,
        })
        .unwrap()
    }

    #[test]
    fn requirements_pinned_and_not() {
        let text = "# c\n-r other.txt\nrequests==2.31.0 ; python_version > '3'\nFlask[async] >= 2.0, <3\nnumpy===1.26.0 \\\n    --hash=sha256:abc\n-e .\ngit+https://x/y.git\npkg @ https://x/p.whl\n";
        let p = run(parse_requirements, text);
        let got: Vec<_> = p
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.constraint.as_deref(),
                    p.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("requests", "2.31.0", None, Some(3)),
                ("Flask", "", Some(">= 2.0, <3"), Some(4)),
                ("numpy", "1.26.0", None, Some(5)),
            ]
        );
    }

    #[test]
    fn pip_compile_via_says_direct() {
        let text = "jinja2==3.1.2 \\\n    --hash=sha256:a\n    # via -r requirements.in\nmarkupsafe==3.0.4 \\\n    --hash=sha256:b\n    # via jinja2\nrequests==2.31.0\n    # via\n    #   -r requirements.in\n    #   other\nsix==1.16.0\n";
        let p = run(parse_requirements, text);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.direct, p.line))
            .collect();
        assert_eq!(
            got,
            [
                ("jinja2", Some(true), Some(1)),
                ("markupsafe", Some(false), Some(4)),
                ("requests", Some(true), Some(7)),
                ("six", None, Some(11)),
            ]
        );
    }

    #[test]
    fn poetry_groups_dependency_tables_and_lines() {
        let text = "[[package]]\nname = \"jinja2\"\nversion = \"3.1.2\"\ngroups = [\"main\"]\n\n[package.dependencies]\nMarkupSafe = \">=2.0\"\n\n[[package]]\nname = \"iniconfig\"\nversion = \"2.0.0\"\ngroups = [\"dev\"]\n";
        let p = run(parse_poetry, text);
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.dev, p.line)).collect();
        assert_eq!(
            got,
            [
                ("jinja2", Some(false), Some(2)),
                ("iniconfig", Some(true), Some(10))
            ]
        );
    }

    #[test]
    fn uv_direct_and_dev() {
        let text = r#"version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "a" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }]
[[package]]
name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]
[[package]]
name = "b"
version = "2.0"
[[package]]
name = "pytest"
version = "8.0"
"#;
        let p = run(parse_uv, text);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.direct, p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("a", Some(true), Some(false)),
                ("b", Some(false), Some(false)),
                ("pytest", Some(true), Some(true))
            ]
        );
        let bad = parse_uv(&FileInput {
            path: "/p/uv.lock",
            data: b"[[package]]\nname = \"a\"\nversion = \n",
            mode: 0,
        });
        assert!(bad.unwrap_err().starts_with("line 3"));
    }
}
