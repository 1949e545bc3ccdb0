//! dpkg's database: `/var/lib/dpkg/status`, and the one-file-per-package
//! `/var/lib/dpkg/status.d/` of distroless images (whose `*.md5sums` siblings are skipped).

use crate::paths::relative;
use crate::{FileInput, FileMeta, Package, PackageType};

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";

pub fn wants(meta: &FileMeta) -> bool {
    let p = relative(meta.path);
    if p == STATUS {
        return true;
    }
    match p.strip_prefix(STATUS_D) {
        Some(name) => !name.is_empty() && !name.contains('/') && !name.ends_with(".md5sums"),
        None => false,
    }
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    // Descriptions are sometimes Latin-1; the fields read here are ASCII either way.
    let text = String::from_utf8_lossy(file.data);
    let mut out = Vec::new();
    let mut cur = Stanza::default();
    let mut saw_package = false;
    // One pass over the lines: a blank line ends a paragraph, indented lines continue a
    // field none of which is read here.
    for line in text.lines() {
        if line.trim().is_empty() {
            cur.finish(file.path, &mut out);
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "Package" => {
                saw_package = true;
                cur.name = Some(value);
            }
            "Version" => cur.version = Some(value),
            "Architecture" => cur.arch = Some(value),
            "Source" => cur.source = Some(value),
            // "want flag status": only the last word says whether files are on disk.
            "Status" => cur.installed = value.rsplit(' ').next() == Some("installed"),
            _ => {}
        }
    }
    cur.finish(file.path, &mut out);
    if !saw_package && !text.trim().is_empty() {
        return Err("no dpkg package paragraph found".to_owned());
    }
    Ok(out)
}

/// The paragraph being read. Files in `status.d` carry no `Status:` and are all installed.
struct Stanza<'a> {
    name: Option<&'a str>,
    version: Option<&'a str>,
    arch: Option<&'a str>,
    source: Option<&'a str>,
    installed: bool,
}

impl Default for Stanza<'_> {
    fn default() -> Self {
        Stanza {
            name: None,
            version: None,
            arch: None,
            source: None,
            installed: true,
        }
    }
}

impl Stanza<'_> {
    fn finish(&mut self, found_at: &str, out: &mut Vec<Package>) {
        let s = std::mem::take(self);
        let (Some(name), Some(version)) = (s.name, s.version) else {
            return;
        };
        if !s.installed || name.is_empty() {
            return;
        }
        let mut pkg = Package::new(PackageType::Deb, name, version, found_at);
        pkg.arch = s.arch.filter(|a| !a.is_empty()).map(str::to_owned);
        if let Some(src) = s.source {
            let (src_name, src_version) = split_source(src);
            if !src_name.is_empty() {
                pkg.source_name = Some(src_name.to_owned());
            }
            pkg.source_version = src_version.map(str::to_owned);
        }
        out.push(pkg);
    }
}

/// `Source: name (version)` or `Source: name`.
fn split_source(source: &str) -> (&str, Option<&str>) {
    match source.split_once('(') {
        Some((name, rest)) => {
            let version = rest.trim_end().trim_end_matches(')').trim();
            (name.trim(), (!version.is_empty()).then_some(version))
        }
        None => (source.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(path: &'a str, data: &'a [u8]) -> FileInput<'a> {
        FileInput {
            path,
            data,
            mode: 0o644,
        }
    }

    #[test]
    fn wants_status_and_status_d_but_not_md5sums() {
        let m = |path| FileMeta {
            path,
            size: 1,
            mode: 0o644,
        };
        assert!(wants(&m("/var/lib/dpkg/status")));
        assert!(wants(&m("var/lib/dpkg/status.d/libc6")));
        assert!(!wants(&m("/var/lib/dpkg/status.d/libc6.md5sums")));
        assert!(!wants(&m("/var/lib/dpkg/status-old")));
        assert!(!wants(&m("/var/lib/dpkg/status.d/")));
    }

    #[test]
    fn keeps_installed_packages_with_source() {
        let data = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\n\
Source: bash (5.2.15-2)\nVersion: 5.2.15-2+b13\nDescription: GNU\n shell\n\n\
Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n\
Package: libattr1\nStatus: install ok installed\nSource: attr\nVersion: 1:2.5.1-4\n";
        let pkgs = parse(&input("/var/lib/dpkg/status", data)).unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].name, "bash");
        assert_eq!(pkgs[0].version, "5.2.15-2+b13");
        assert_eq!(pkgs[0].arch.as_deref(), Some("amd64"));
        assert_eq!(pkgs[0].source_name.as_deref(), Some("bash"));
        assert_eq!(pkgs[0].source_version.as_deref(), Some("5.2.15-2"));
        assert_eq!(pkgs[1].source_name.as_deref(), Some("attr"));
        assert_eq!(pkgs[1].source_version, None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(&input("/var/lib/dpkg/status", b"\xff\xfe\x00")).is_err());
        // Truncated mid-paragraph: the complete packages are kept.
        let cut = b"Package: a\nVersion: 1\n\nPackage: b\nVers";
        assert_eq!(parse(&input("/var/lib/dpkg/status", cut)).unwrap().len(), 1);
        assert!(parse(&input("/var/lib/dpkg/status", b"hello world")).is_err());
        assert!(
            parse(&input("/var/lib/dpkg/status", b""))
                .unwrap()
                .is_empty()
        );
    }
}
