//! Rust crates from `Cargo.lock`. Packages without a `source` are the workspace's own crates;
//! they are reported (as Syft does) and what they depend on is direct.

use std::collections::HashSet;

use serde::Deserialize;

use crate::paths::basename;
use crate::text::{lockfile_text, toml_error, toml_line};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    basename(meta.path) == "Cargo.lock"
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: toml::Spanned<String>,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lock: Lock = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    // A dependency reads `name`, `name version` or `name version (source)`.
    let direct: HashSet<&str> = lock
        .package
        .iter()
        .filter(|p| p.source.is_none())
        .flat_map(|p| p.dependencies.iter())
        .filter_map(|d| d.split(' ').next())
        .collect();
    Ok(lock
        .package
        .iter()
        .map(|e| {
            let name = e.name.get_ref();
            let mut p = Package::new(PackageType::RustCrate, name, &e.version, file.path);
            p.line = Some(toml_line(text, e.name.span().start));
            if e.source.is_some() {
                p.direct = Some(direct.contains(name.as_str()));
            }
            p
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_and_direct() {
        let text = "version = 3\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"a\"]\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"b 2.0.0 (registry+https://github.com/rust-lang/crates.io-index)\"]\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let p = parse(&FileInput {
            path: "/Cargo.lock",
            data: text.as_bytes(),
            mode: 0,
        })
        .unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.direct)).collect();
        assert_eq!(got, [("app", None), ("a", Some(true)), ("b", Some(false))]);
    }
}
