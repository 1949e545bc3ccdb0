//! Red Hat's build records inside an image: the content manifests OSBS writes to
//! `/root/buildinfo/content_manifests/*.json` (and Konflux to
//! `/usr/share/buildinfo/content-sets.json`). Their `content_sets` name the repositories the
//! image's RPMs came from (`rhel-9-for-x86_64-baseos-eus-rpms__9_DOT_4`), which is how a scanner
//! tells which Red Hat product streams, and so which advisories, apply.

use serde::Deserialize;

/// True for a file that may list content sets.
pub(crate) fn is_content_manifest(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    path == "usr/share/buildinfo/content-sets.json"
        || path
            .strip_prefix("root/buildinfo/content_manifests/")
            .is_some_and(|name| !name.contains('/') && name.ends_with(".json"))
}

/// The content sets one manifest names; a manifest that does not parse names none (the scan
/// then falls back to the release's BaseOS and AppStream).
pub(crate) fn content_sets(data: &[u8]) -> Vec<String> {
    #[derive(Deserialize)]
    struct Manifest {
        #[serde(default)]
        content_sets: Vec<String>,
    }
    serde_json::from_slice::<Manifest>(data)
        .map(|m| m.content_sets)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_and_sets() {
        assert!(is_content_manifest(
            "root/buildinfo/content_manifests/ubi8-minimal-container-8.5-218.json"
        ));
        assert!(is_content_manifest(
            "/usr/share/buildinfo/content-sets.json"
        ));
        assert!(!is_content_manifest("root/buildinfo/Dockerfile-ubi8-8.5"));
        assert_eq!(
            content_sets(br#"{"metadata":{},"content_sets":["a-rpms","b-rpms"]}"#),
            ["a-rpms", "b-rpms"]
        );
        assert!(content_sets(b"<html>").is_empty());
    }
}
