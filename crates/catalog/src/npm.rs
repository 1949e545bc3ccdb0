//! npm packages: `package.json` of installed packages (`node_modules/NAME/` and
//! `node_modules/@scope/NAME/`) and of applications (any `package.json` outside
//! `node_modules`). Files deeper inside an installed package — test fixtures, examples,
//! bundled templates — are not packages and are never buffered. Like Syft, a manifest without
//! both `name` and `version` is not reported.

use serde::Deserialize;

use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    let Some(dir) = meta.path.strip_suffix("/package.json") else {
        return false;
    };
    let Some(i) = dir.rfind("node_modules/") else {
        // An application's own manifest; node_modules/package.json itself is nobody's.
        return !dir.ends_with("/node_modules") && dir != "node_modules";
    };
    // What follows the last node_modules/ must be exactly NAME or @scope/NAME.
    let rest = &dir[i + "node_modules/".len()..];
    match rest.split_once('/') {
        None => !rest.is_empty(),
        Some((scope, name)) => scope.starts_with('@') && !name.is_empty() && !name.contains('/'),
    }
}

#[derive(Deserialize)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
    license: Option<License>,
    licenses: Option<Vec<License>>,
}

/// `"license": "MIT"`, or the old `{"type": "MIT", "url": …}` form.
#[derive(Deserialize)]
#[serde(untagged)]
enum License {
    Spdx(String),
    Object {
        #[serde(rename = "type")]
        kind: Option<String>,
    },
    Other(serde::de::IgnoredAny),
}

impl License {
    fn name(self) -> Option<String> {
        match self {
            License::Spdx(s) => Some(s),
            License::Object { kind } => kind,
            License::Other(_) => None,
        }
    }
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let m: Manifest =
        serde_json::from_slice(file.data).map_err(|e| format!("invalid package.json: {e}"))?;
    let (Some(name), Some(version)) = (m.name, m.version) else {
        return Ok(Vec::new());
    };
    if name.is_empty() || version.is_empty() {
        return Ok(Vec::new());
    }
    let mut pkg = Package::new(PackageType::Npm, name, version, file.path);
    pkg.licenses = m
        .license
        .into_iter()
        .chain(m.licenses.into_iter().flatten())
        .filter_map(License::name)
        .filter(|l| !l.is_empty())
        .collect();
    Ok(vec![pkg])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wants_packages_not_fixtures() {
        let w = |path| {
            wants(&FileMeta {
                path,
                size: 10,
                mode: 0o644,
            })
        };
        assert!(w("/app/package.json"));
        assert!(w("/app/node_modules/lodash/package.json"));
        assert!(w("/app/node_modules/@types/node/package.json"));
        assert!(w("/app/node_modules/a/node_modules/b/package.json"));
        assert!(!w("/app/node_modules/minimist/test/fixtures/package.json"));
        assert!(!w("/app/node_modules/@types/package.json/x"));
        assert!(!w("/app/node_modules/package.json"));
        assert!(!w("/app/package.json.bak"));
    }

    #[test]
    fn parses_manifest() {
        let data = br#"{"name":"@scope/x","version":"1.0.0","license":{"type":"MIT"}}"#;
        let p = parse(&FileInput {
            path: "/a/package.json",
            data,
            mode: 0,
        })
        .unwrap();
        assert_eq!(p[0].name, "@scope/x");
        assert_eq!(p[0].licenses, ["MIT"]);
        assert!(
            parse(&FileInput {
                path: "/a/package.json",
                data: br#"{"name":"x"}"#,
                mode: 0
            })
            .unwrap()
            .is_empty()
        );
        assert!(
            parse(&FileInput {
                path: "/a/package.json",
                data: b"{\"name\":",
                mode: 0
            })
            .is_err()
        );
    }
}
