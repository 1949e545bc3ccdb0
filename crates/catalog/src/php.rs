//! PHP Composer packages: a project's `composer.lock` (`packages` and `packages-dev`) and what
//! Composer installed, `vendor/composer/installed.json` (Composer 1's bare list or
//! Composer 2's object with `dev-package-names`).

use std::collections::HashSet;

use serde::Deserialize;

use crate::paths::basename;
use crate::text::{Step, json_error, json_lines, lockfile_text};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_lock(meta: &FileMeta) -> bool {
    basename(meta.path) == "composer.lock"
}

pub fn wants_installed(meta: &FileMeta) -> bool {
    meta.path.ends_with("/vendor/composer/installed.json")
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<Entry>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    #[serde(default)]
    license: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    V2 {
        packages: Vec<Entry>,
        #[serde(default, rename = "dev-package-names")]
        dev: Vec<String>,
    },
    V1(Vec<Entry>),
}

fn package(e: Entry, dev: Option<bool>, path: &str) -> Package {
    // `vendor/name`: the vendor is the purl namespace.
    let mut p = Package::new(PackageType::Composer, e.name, e.version, path);
    p.licenses = e.license;
    p.dev = dev;
    p
}

pub fn parse_lock(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lock: Lock = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let lines = json_lines(text);
    let mut out = Vec::new();
    for (key, dev, list) in [
        ("packages", false, lock.packages),
        ("packages-dev", true, lock.packages_dev),
    ] {
        for (i, e) in list.into_iter().enumerate() {
            let mut p = package(e, Some(dev), file.path);
            p.line = lines.get(&[Step::Key(key), Step::Index(i)][..]).copied();
            out.push(p);
        }
    }
    Ok(out)
}

pub fn parse_installed(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let installed: Installed = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    Ok(match installed {
        Installed::V1(list) => list
            .into_iter()
            .map(|e| package(e, None, file.path))
            .collect(),
        Installed::V2 { packages, dev } => {
            let dev: HashSet<String> = dev.into_iter().collect();
            packages
                .into_iter()
                .map(|e| {
                    let is_dev = dev.contains(&e.name);
                    package(e, Some(is_dev), file.path)
                })
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_installed() {
        let lock = r#"{"packages":[{"name":"monolog/monolog","version":"3.5.0","license":["MIT"]}],"packages-dev":[{"name":"phpunit/phpunit","version":"10.5.0"}]}"#;
        let p = parse_lock(&FileInput {
            path: "/composer.lock",
            data: lock.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].dev, p[1].dev),
            ("monolog/monolog", Some(false), Some(true))
        );
        let v2 = r#"{"packages":[{"name":"a/b","version":"v1.0.0"}],"dev-package-names":["a/b"]}"#;
        let p = parse_installed(&FileInput {
            path: "/x/vendor/composer/installed.json",
            data: v2.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(p[0].dev, Some(true));
        let v1 = r#"[{"name":"a/b","version":"1.0.0"}]"#;
        assert_eq!(
            parse_installed(&FileInput {
                path: "/x",
                data: v1.as_bytes(),
                mode: 0
            })
            .unwrap()
            .len(),
            1
        );
    }
}
