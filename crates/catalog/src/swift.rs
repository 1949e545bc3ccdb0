//! Swift Package Manager pins from `Package.resolved` (format 1 under `object.pins`, formats
//! 2 and 3 under `pins`). A pin to a branch or bare revision has no version and is skipped.

use serde::Deserialize;

use crate::paths::basename;
use crate::text::{Step, json_error, json_lines, lockfile_text};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    basename(meta.path) == "Package.resolved"
}

#[derive(Deserialize)]
struct Resolved {
    object: Option<Pins>,
    #[serde(default)]
    pins: Vec<Pin>,
}

#[derive(Deserialize)]
struct Pins {
    pins: Vec<Pin>,
}

#[derive(Deserialize)]
struct Pin {
    identity: Option<String>,
    package: Option<String>,
    location: Option<String>,
    #[serde(rename = "repositoryURL")]
    repository_url: Option<String>,
    state: State,
}

#[derive(Deserialize)]
struct State {
    version: Option<String>,
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let resolved: Resolved = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    let lines = json_lines(text);
    // Version 1 nests the pins in `object`.
    let (pins, under) = match resolved.object {
        Some(o) => (o.pins, &[Step::Key("object"), Step::Key("pins")][..]),
        None => (resolved.pins, &[Step::Key("pins")][..]),
    };
    Ok(pins
        .into_iter()
        .enumerate()
        .filter_map(|(i, pin)| {
            let url = pin.location.or(pin.repository_url)?;
            // The purl namespace is the repository's host and path, less the last part.
            let trimmed = url.trim_end_matches('/').trim_end_matches(".git");
            let trimmed = trimmed.split_once("://").map_or(trimmed, |(_, r)| r);
            let trimmed = trimmed
                .rsplit_once('@')
                .map_or(trimmed, |(_, r)| r)
                .replacen(':', "/", 1);
            let (namespace, last) = trimmed.rsplit_once('/')?;
            let name = pin
                .identity
                .or(pin.package)
                .unwrap_or_else(|| last.to_lowercase());
            let mut p = Package::new(PackageType::Swift, name, pin.state.version?, file.path);
            p.namespace = Some(format!("{namespace}/{last}"));
            p.line = lines.get(&[under, &[Step::Index(i)]].concat()).copied();
            Some(p)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_one_and_two() {
        let v2 = r#"{"pins":[{"identity":"swift-argument-parser","kind":"remoteSourceControl","location":"https://github.com/apple/swift-argument-parser.git","state":{"revision":"abc","version":"1.3.0"}},{"identity":"x","location":"https://e/x","state":{"branch":"main","revision":"d"}}],"version":2}"#;
        let p = parse(&FileInput {
            path: "/Package.resolved",
            data: v2.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(
            crate::purl(&p[0], None),
            "pkg:swift/github.com/apple/swift-argument-parser/swift-argument-parser@1.3.0"
        );
        let v1 = r#"{"object":{"pins":[{"package":"Nimble","repositoryURL":"https://github.com/Quick/Nimble.git","state":{"version":"9.0.0"}}]},"version":1}"#;
        let p = parse(&FileInput {
            path: "/Package.resolved",
            data: v1.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(p[0].name, "Nimble");
    }
}
