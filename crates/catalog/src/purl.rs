//! Package URLs (<https://github.com/package-url/purl-spec>), written the way Syft writes them
//! where Syft follows the spec.

use std::fmt::Write;

use crate::binary;
use crate::os::default_namespace;
use crate::{Os, Package, PackageType};

/// The package URL of `pkg`; `os` adds the `distro=` qualifier and the namespace of OS
/// packages that [`crate::attach_os`] has not set.
///
/// Differences from Syft, on purpose: Go modules keep their whole module path as
/// namespace/name (`pkg:golang/github.com/cespare/xxhash/v2@v2.3.0`), where Syft moves path
/// parts after the third into the purl subpath (`…/xxhash@v2.3.0#v2`) although `/v2` is part of
/// the module's identity, not a package inside it.
pub fn purl(pkg: &Package, os: Option<&Os>) -> String {
    let mut out = String::with_capacity(64);
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    let distro = os.map(|os| match &os.version_id {
        Some(v) => format!("{}-{v}", os.id),
        None => os.id.clone(),
    });
    let os_namespace = || {
        pkg.namespace
            .clone()
            .or_else(|| os.map(|o| o.id.clone()))
            .unwrap_or_else(|| default_namespace(pkg.kind).to_owned())
    };
    match pkg.kind {
        PackageType::Deb | PackageType::Apk => {
            let ty = if pkg.kind == PackageType::Deb {
                "deb"
            } else {
                "apk"
            };
            head(&mut out, ty, Some(&os_namespace()), &pkg.name, &pkg.version);
            push_os_qualifiers(pkg, distro, &mut qualifiers);
            if let Some(up) = upstream(pkg) {
                qualifiers.push(("upstream", up));
            }
        }
        PackageType::Rpm => {
            let (epoch, version) = match pkg.version.split_once(':') {
                Some((e, v)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                    (Some(e), v)
                }
                _ => (None, pkg.version.as_str()),
            };
            head(&mut out, "rpm", Some(&os_namespace()), &pkg.name, version);
            push_os_qualifiers(pkg, distro, &mut qualifiers);
            if let Some(e) = epoch {
                qualifiers.push(("epoch", e.to_owned()));
            }
            if let Some(src) = &pkg.source_name {
                qualifiers.push(("upstream", src.clone()));
            }
        }
        PackageType::Python => {
            let name = pkg.name.to_ascii_lowercase().replace('_', "-");
            head(&mut out, "pypi", None, &name, &pkg.version);
        }
        PackageType::Npm => {
            let (ns, name) = match pkg.name.split_once('/') {
                Some((scope, name)) if scope.starts_with('@') => (Some(scope), name),
                _ => (pkg.namespace.as_deref(), pkg.name.as_str()),
            };
            head(&mut out, "npm", ns, name, &pkg.version);
        }
        PackageType::GoModule => {
            let (ns, name) = match pkg.name.rsplit_once('/') {
                Some((ns, name)) => (Some(ns), name),
                None => (None, pkg.name.as_str()),
            };
            let version = if pkg.name == "stdlib" {
                pkg.version.strip_prefix("go").unwrap_or(&pkg.version)
            } else {
                &pkg.version
            };
            head(&mut out, "golang", ns, name, version);
        }
        PackageType::RustCrate => head(&mut out, "cargo", None, &pkg.name, &pkg.version),
        PackageType::JavaArchive => {
            // Syft repeats the artifact id when the group is unknown; so do we.
            let group = pkg.namespace.as_deref().unwrap_or(&pkg.name);
            head(&mut out, "maven", Some(group), &pkg.name, &pkg.version);
        }
        PackageType::Composer => {
            // `vendor/name`: the vendor is the namespace.
            let (ns, name) = match pkg.name.split_once('/') {
                Some((ns, name)) => (Some(ns), name),
                None => (None, pkg.name.as_str()),
            };
            head(&mut out, "composer", ns, name, &pkg.version);
        }
        PackageType::Cocoapods => {
            // A subspec `Pod/Sub` is the subpath of its pod.
            let (name, sub) = match pkg.name.split_once('/') {
                Some((name, sub)) => (name, Some(sub)),
                None => (pkg.name.as_str(), None),
            };
            head(&mut out, "cocoapods", None, name, &pkg.version);
            if let Some(sub) = sub {
                out.push('#');
                encode(&mut out, sub, false);
            }
        }
        PackageType::Swift => {
            let ns = pkg.namespace.as_deref();
            head(&mut out, "swift", ns, &pkg.name, &pkg.version);
        }
        PackageType::Gem
        | PackageType::Nuget
        | PackageType::Pub
        | PackageType::Hex
        | PackageType::Conan
        | PackageType::Conda => {
            let ty = match pkg.kind {
                PackageType::Gem => "gem",
                PackageType::Nuget => "nuget",
                PackageType::Pub => "pub",
                PackageType::Hex => "hex",
                PackageType::Conan => "conan",
                _ => "conda",
            };
            head(&mut out, ty, None, &pkg.name, &pkg.version);
        }
        PackageType::Binary => {
            // The classifier's purl (`pkg:generic/busybox`, `pkg:golang/github.com/hashicorp/consul`)
            // is written by hand in its table, already encoded.
            out.push_str(binary::classify::purl_base(&pkg.name));
            out.push('@');
            encode(&mut out, &pkg.version, false);
        }
    }
    qualifiers.sort_by(|a, b| a.0.cmp(b.0));
    for (i, (key, value)) in qualifiers.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(key);
        out.push('=');
        encode(&mut out, value, true);
    }
    out
}

/// The CPEs a package is known by, with its version: for programs recognised from their
/// bytes, those of their classifier (as Syft gives them); none for the rest, whose purl
/// identifies them.
pub fn cpes(pkg: &Package) -> Vec<String> {
    match pkg.kind {
        PackageType::Binary => binary::classify::cpes(&pkg.name, &pkg.version),
        _ => Vec::new(),
    }
}

fn push_os_qualifiers(pkg: &Package, distro: Option<String>, q: &mut Vec<(&str, String)>) {
    if let Some(arch) = pkg.arch.as_ref().filter(|a| !a.is_empty()) {
        q.push(("arch", arch.clone()));
    }
    if let Some(d) = distro {
        q.push(("distro", d));
    }
}

/// Syft's `upstream=` for deb and apk: the source package when it differs from the binary
/// one, with `@version` when the source version differs too.
fn upstream(pkg: &Package) -> Option<String> {
    let src = pkg.source_name.as_deref().filter(|s| !s.is_empty())?;
    match pkg.source_version.as_deref().filter(|v| *v != pkg.version) {
        Some(v) => Some(format!("{src}@{v}")),
        None if src != pkg.name => Some(src.to_owned()),
        None => None,
    }
}

/// `pkg:TYPE/NAMESPACE/NAME@VERSION`, each segment percent-encoded.
fn head(out: &mut String, ty: &str, namespace: Option<&str>, name: &str, version: &str) {
    out.push_str("pkg:");
    out.push_str(ty);
    out.push('/');
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        for segment in ns.split('/').filter(|s| !s.is_empty()) {
            encode(out, segment, false);
            out.push('/');
        }
    }
    encode(out, name, false);
    if !version.is_empty() {
        out.push('@');
        encode(out, version, true);
    }
}

/// Percent-encodes everything but unreserved characters; `:` stays as is in versions and
/// qualifier values, as Syft (packageurl-go) leaves it.
fn encode(out: &mut String, s: &str, keep_colon: bool) {
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'-' | b'_' | b'~')
            || (keep_colon && b == b':');
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, v: &str) -> Os {
        Os {
            id: id.into(),
            version_id: Some(v.into()),
            codename: None,
            pretty_name: None,
        }
    }

    fn pkg(kind: PackageType, name: &str, version: &str) -> Package {
        Package::new(kind, name, version, "/x")
    }

    #[test]
    fn os_package_purls_match_syft() {
        let debian = os("debian", "12");
        let mut p = pkg(PackageType::Deb, "libc6", "2.36-9+deb12u10");
        p.arch = Some("amd64".into());
        p.source_name = Some("glibc".into());
        assert_eq!(
            purl(&p, Some(&debian)),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64&distro=debian-12&upstream=glibc"
        );
        let mut p = pkg(PackageType::Deb, "libcap2", "1:2.66-4+deb12u3+b1");
        p.arch = Some("amd64".into());
        p.source_name = Some("libcap2".into());
        p.source_version = Some("1:2.66-4+deb12u3".into());
        assert_eq!(
            purl(&p, Some(&debian)),
            "pkg:deb/debian/libcap2@1:2.66-4%2Bdeb12u3%2Bb1?arch=amd64&distro=debian-12&upstream=libcap2%401:2.66-4%2Bdeb12u3"
        );

        let mut p = pkg(PackageType::Apk, "musl", "1.2.5-r0");
        p.arch = Some("x86_64".into());
        p.source_name = Some("musl".into());
        assert_eq!(
            purl(&p, Some(&os("alpine", "3.20.3"))),
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
        );

        let mut p = pkg(PackageType::Rpm, "demo-hello", "1:1.2.3-4.el9");
        p.arch = Some("noarch".into());
        p.source_name = Some("demo-hello-1.2.3-4.el9.src.rpm".into());
        assert_eq!(
            purl(&p, Some(&os("mariner", "2.0"))),
            "pkg:rpm/mariner/demo-hello@1.2.3-4.el9?arch=noarch&distro=mariner-2.0&epoch=1&upstream=demo-hello-1.2.3-4.el9.src.rpm"
        );
    }

    #[test]
    fn language_purls() {
        assert_eq!(
            purl(&pkg(PackageType::Python, "Jinja2", "2.11.2"), None),
            "pkg:pypi/jinja2@2.11.2"
        );
        assert_eq!(
            purl(&pkg(PackageType::Npm, "@scope/name", "1.0.0"), None),
            "pkg:npm/%40scope/name@1.0.0"
        );
        assert_eq!(
            purl(
                &pkg(PackageType::GoModule, "github.com/x/y", "v1.2.3"),
                None
            ),
            "pkg:golang/github.com/x/y@v1.2.3"
        );
        assert_eq!(
            purl(
                &pkg(
                    PackageType::GoModule,
                    "github.com/docker/cli",
                    "v28.0.2+incompatible"
                ),
                None
            ),
            "pkg:golang/github.com/docker/cli@v28.0.2%2Bincompatible"
        );
        assert_eq!(
            purl(&pkg(PackageType::GoModule, "stdlib", "go1.24.1"), None),
            "pkg:golang/stdlib@1.24.1"
        );
        assert_eq!(
            purl(&pkg(PackageType::RustCrate, "smallvec", "1.6.0"), None),
            "pkg:cargo/smallvec@1.6.0"
        );
        let mut j = pkg(PackageType::JavaArchive, "artifact", "1.0");
        j.namespace = Some("group".into());
        assert_eq!(purl(&j, None), "pkg:maven/group/artifact@1.0");
    }
}
