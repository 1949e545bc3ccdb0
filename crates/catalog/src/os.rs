//! Which distribution an image is: read from the release files the walker captured.

use serde::{Deserialize, Serialize};

use crate::{Package, PackageType};

/// The distribution of an image, as `/etc/os-release` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Os {
    /// `ID`: `debian`, `alpine`, `mariner`, `rhel`, …
    pub id: String,
    /// `VERSION_ID`: `12`, `3.20.3`, `2.0`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`.
    pub codename: Option<String>,
    pub pretty_name: Option<String>,
}

const OS_RELEASE: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];
const FALLBACKS: [&str; 3] = [
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
];

/// The files [`detect_os`] reads; the walker captures these from the merged image.
/// `/etc/os-release` is often a symlink to `../usr/lib/os-release` (distroless too), so both
/// are listed and the caller need not resolve links.
pub fn os_files() -> &'static [&'static str] {
    &[
        "/etc/os-release",
        "/usr/lib/os-release",
        "/etc/alpine-release",
        "/etc/debian_version",
        "/etc/redhat-release",
    ]
}

/// Detects the distribution from release files, `read` returning a file's bytes by absolute
/// path. os-release wins; the older one-line files are fallbacks. None for scratch images.
pub fn detect_os<'a>(read: impl Fn(&str) -> Option<&'a [u8]>) -> Option<Os> {
    if let Some(os) = OS_RELEASE
        .iter()
        .find_map(|p| read(p).and_then(parse_os_release))
    {
        return Some(os);
    }
    FALLBACKS
        .iter()
        .find_map(|p| read(p).and_then(|data| parse_release_line(p, data)))
}

/// `KEY=value` lines, values optionally quoted. Needs at least `ID`.
fn parse_os_release(data: &[u8]) -> Option<Os> {
    let text = String::from_utf8_lossy(data);
    let (mut id, mut version_id, mut codename, mut pretty) = (None, None, None, None);
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "ID" => id = Some(value.to_ascii_lowercase()),
            "VERSION_ID" => version_id = Some(value.to_owned()),
            "VERSION_CODENAME" => codename = Some(value.to_owned()),
            "PRETTY_NAME" => pretty = Some(value.to_owned()),
            _ => {}
        }
    }
    Some(Os {
        id: id?,
        version_id,
        codename,
        pretty_name: pretty,
    })
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// The one-line release files of images without os-release.
fn parse_release_line(path: &str, data: &[u8]) -> Option<Os> {
    let text = String::from_utf8_lossy(data);
    let line = text.lines().next()?.trim();
    if line.is_empty() {
        return None;
    }
    let os = |id: &str, version: &str| Os {
        id: id.to_owned(),
        version_id: (!version.is_empty()).then(|| version.to_owned()),
        codename: None,
        pretty_name: Some(line.to_owned()),
    };
    match path {
        "/etc/alpine-release" => Some(os("alpine", line)),
        // `12.4` → VERSION_ID `12`, as Debian's os-release says; `trixie/sid` has no number.
        "/etc/debian_version" => {
            let major = line.split('.').next().unwrap_or("");
            let numeric = !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit());
            Some(os("debian", if numeric { major } else { "" }))
        }
        // `Red Hat Enterprise Linux release 8.4 (Ootpa)`, `CentOS Linux release 7.9.2009 (Core)`.
        _ => {
            let lower = line.to_ascii_lowercase();
            let id = [
                ("centos", "centos"),
                ("fedora", "fedora"),
                ("rocky", "rocky"),
                ("alma", "almalinux"),
            ]
            .iter()
            .find(|(needle, _)| lower.contains(needle))
            .map_or("rhel", |(_, id)| id);
            let version = line
                .split_once(" release ")
                .map(|(_, rest)| rest.split_whitespace().next().unwrap_or(""))
                .unwrap_or("");
            Some(os(id, version))
        }
    }
}

/// The finishing step after the merge: gives OS packages the distro id as purl namespace
/// (`debian` vs `ubuntu` is not in dpkg's database). Order and length are kept, so a caller
/// may hold per-package data (the layer) in a parallel list.
pub fn attach_os(packages: &mut [Package], os: Option<&Os>) {
    for pkg in packages
        .iter_mut()
        .filter(|p| p.kind.is_os() && p.namespace.is_none())
    {
        pkg.namespace = Some(match os {
            Some(os) => os.id.clone(),
            None => default_namespace(pkg.kind).to_owned(),
        });
    }
}

/// What to call a distro we could not detect: the family the package manager belongs to.
pub(crate) fn default_namespace(kind: PackageType) -> &'static str {
    match kind {
        PackageType::Deb => "debian",
        PackageType::Apk => "alpine",
        _ => "redhat",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_os_release_then_fallbacks() {
        let files = |p: &str| -> Option<&'static [u8]> {
            match p {
                "/usr/lib/os-release" => Some(
                    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
                ),
                _ => None,
            }
        };
        let os = detect_os(files).unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.codename.as_deref(), Some("bookworm"));

        let alpine =
            detect_os(|p| (p == "/etc/alpine-release").then_some(&b"3.20.3\n"[..])).unwrap();
        assert_eq!(
            (alpine.id.as_str(), alpine.version_id.as_deref()),
            ("alpine", Some("3.20.3"))
        );
        let rh = detect_os(|p| {
            (p == "/etc/redhat-release").then_some(&b"CentOS Linux release 7.9.2009 (Core)\n"[..])
        })
        .unwrap();
        assert_eq!(
            (rh.id.as_str(), rh.version_id.as_deref()),
            ("centos", Some("7.9.2009"))
        );
        let deb = detect_os(|p| (p == "/etc/debian_version").then_some(&b"12.4\n"[..])).unwrap();
        assert_eq!(deb.version_id.as_deref(), Some("12"));
        assert_eq!(detect_os(|_| None), None, "scratch has no OS");
    }
}
