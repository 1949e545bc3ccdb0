//! Which files to read: those named, and in a directory (the current one by default) its
//! `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`, compose files and Kubernetes manifests.

use std::path::{Path, PathBuf};

/// The files `paths` stand for, in order, directories expanded; sorted within a directory.
pub fn discover(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let here = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &here[..] } else { paths };
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            for entry in std::fs::read_dir(path)? {
                let p = entry?.path();
                if p.is_file() && wanted(&p) {
                    found.push(p);
                }
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// A Dockerfile, compose file or Kubernetes manifest by its name (a manifest: any YAML file
/// that has `kind:` and `image:` lines; checked by the caller's extraction, which finds no
/// reference in other YAML).
fn wanted(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile" || lower.ends_with(".dockerfile") || lower.starts_with("dockerfile.") {
        return true;
    }
    if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
        return false;
    }
    if lower.starts_with("docker-compose") || lower.starts_with("compose") {
        return true;
    }
    std::fs::read_to_string(path)
        .is_ok_and(|t| t.lines().any(|l| l.starts_with("kind:")) && t.contains("image:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_usual_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, body) in [
            ("Dockerfile", "FROM a"),
            ("api.Dockerfile", "FROM a"),
            ("Dockerfile.dev", "FROM a"),
            ("docker-compose.override.yml", "services: {}"),
            ("compose.yaml", "services: {}"),
            (
                "deploy.yaml",
                "kind: Pod\nspec:\n  containers:\n  - image: a\n",
            ),
            ("values.yaml", "replicas: 2\n"),
            ("README.md", "FROM a"),
        ] {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let got: Vec<String> = discover(&[dir.path().to_path_buf()])
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            got,
            [
                "Dockerfile",
                "Dockerfile.dev",
                "api.Dockerfile",
                "compose.yaml",
                "deploy.yaml",
                "docker-compose.override.yml"
            ]
        );
    }
}
