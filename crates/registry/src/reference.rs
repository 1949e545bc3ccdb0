//! Registry references (`alpine`, `ghcr.io/org/img@sha256:…`, `localhost:5000/x:tag`),
//! normalised the way Docker does: Docker Hub's `library/` namespace, the `latest` tag.

use std::fmt;

use plinth_image::{Digest, Error, Result};

/// Docker Hub as references name it.
pub const DOCKER_HUB: &str = "docker.io";
/// Where Docker Hub's registry API really lives.
const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The server name Docker's config.json and credential helpers file Docker Hub under.
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// A normalised registry reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `host[:port]` as written (Docker Hub is `docker.io`).
    pub registry: String,
    /// The repository path, e.g. `library/alpine`.
    pub repository: String,
    /// The tag; `latest` when neither a tag nor a digest was given.
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl ImageRef {
    /// Parses and normalises a reference (without any `registry:` scheme).
    pub fn parse(s: &str) -> Result<ImageRef> {
        let bad = |why: &str| Error::Format {
            what: s.to_string(),
            message: format!("invalid image reference: {why}"),
        };
        if s.is_empty() {
            return Err(bad("empty"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((rest, d)) => {
                let digest =
                    Digest::parse(d).ok_or_else(|| bad("digest must be sha256:<64 hex>"))?;
                (rest, Some(digest))
            }
            None => (s, None),
        };
        // The tag is after the last ':' of the last path component (a ':' before a '/' is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(rest[at + 1..].to_string()))
            }
            None => (rest, None),
        };
        let (registry, repository) = split_registry(name);
        let registry = match registry {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB,
            other => other,
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        check_repository(&repository).map_err(|why| bad(&why))?;
        check_registry(registry).map_err(|why| bad(&why))?;
        if let Some(t) = &tag {
            check_tag(t).map_err(|why| bad(&why))?;
        }
        let tag = match (tag, &digest) {
            (None, None) => Some("latest".to_string()),
            (tag, _) => tag,
        };
        Ok(ImageRef {
            registry: registry.to_string(),
            repository,
            tag,
            digest,
        })
    }

    /// The host (and port) the registry API is served from.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What to put after `/manifests/`: the digest when there is one, else the tag.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".into(),
        }
    }

    /// Whether the registry is this machine (plain HTTP is allowed without `--insecure`).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// The first component names a registry when it looks like a host: it has a dot or a port,
/// or is `localhost`. Otherwise the whole name is a Docker Hub repository.
fn split_registry(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.starts_with('[') =>
        {
            (first, rest)
        }
        _ => (DOCKER_HUB, name),
    }
}

/// Repository components: lowercase alphanumerics separated by `.`, `_`, `__` or `-`.
fn check_repository(repo: &str) -> std::result::Result<(), String> {
    for part in repo.split('/') {
        if part.is_empty() {
            return Err("empty path component".into());
        }
        if part.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("repository name must be lowercase".into());
        }
        let ok_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
        if !part.bytes().all(ok_char) {
            return Err(format!("invalid character in {part:?}"));
        }
        let alnum = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
        if !alnum(part.as_bytes().first()) || !alnum(part.as_bytes().last()) {
            return Err(format!(
                "{part:?} must start and end with a letter or digit"
            ));
        }
    }
    Ok(())
}

fn check_registry(host: &str) -> std::result::Result<(), String> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b);
    if host.is_empty() || !host.bytes().all(ok) {
        return Err(format!("invalid registry host {host:?}"));
    }
    Ok(())
}

/// Tags: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(tag: &str) -> std::result::Result<(), String> {
    let first_ok = tag
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    let rest_ok = tag
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !first_ok || !rest_ok || tag.len() > 128 {
        return Err(format!("invalid tag {tag:?}"));
    }
    Ok(())
}

/// `localhost`, `127.0.0.0/8` and `::1`, with or without a port.
pub fn is_loopback_host(authority: &str) -> bool {
    if authority == "::1" {
        return true;
    }
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.eq_ignore_ascii_case("localhost") || host == "::1" {
        return true;
    }
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        ImageRef::parse(s).unwrap().to_string()
    }

    #[test]
    fn docker_normalisation() {
        assert_eq!(norm("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(norm("alpine:3.20"), "docker.io/library/alpine:3.20");
        assert_eq!(
            norm("docker.io/library/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(norm("index.docker.io/foo/bar:1"), "docker.io/foo/bar:1");
        assert_eq!(norm("user/app"), "docker.io/user/app:latest");
        assert_eq!(norm("localhost:5000/x:tag"), "localhost:5000/x:tag");
        assert_eq!(norm("localhost/x"), "localhost/x:latest");
        let hex = "a".repeat(64);
        let r = ImageRef::parse(&format!("ghcr.io/org/img@sha256:{hex}")).unwrap();
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.repository, "org/img");
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_ref(), format!("sha256:{hex}"));
        assert_eq!(
            ImageRef::parse("alpine").unwrap().api_host(),
            "registry-1.docker.io"
        );
        let r = ImageRef::parse(&format!("127.0.0.1:5000/a/b:v1@sha256:{hex}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert!(r.is_loopback());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "Alpine",
            "alpine:",
            "alpine@sha256:12",
            "a//b",
            "-x",
            "x:bad tag",
            "x:-t",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:1",
            "127.1.2.3",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "ghcr.io",
            "10.0.0.1:5000",
            "localhost.example.com",
            "128.0.0.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
