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

const DOC: &str = "usr/share/doc/";

/// The package a Debian copyright file documents: `/usr/share/doc/PACKAGE/copyright`.
pub fn copyright_owner(path: &str) -> Option<&str> {
    let package = relative(path)
        .strip_prefix(DOC)?
        .strip_suffix("/copyright")?;
    (!package.is_empty() && !package.contains('/')).then_some(package)
}

/// Whether `path` is a dpkg file list: `/var/lib/dpkg/info/PKG.list`, or the
/// `/var/lib/dpkg/status.d/PKG.md5sums` of distroless images (which keep no `.list`).
pub fn is_file_list(path: &str) -> bool {
    const INFO: &str = "var/lib/dpkg/info/";
    let p = relative(path);
    let name = match (p.strip_prefix(INFO), p.strip_prefix(STATUS_D)) {
        (Some(name), _) => name.strip_suffix(".list"),
        (_, Some(name)) => name.strip_suffix(".md5sums"),
        _ => None,
    };
    name.is_some_and(|n| !n.is_empty() && !n.contains('/'))
}

/// The absolute paths a dpkg file list names: one path a line in `.list` files, `MD5  path`
/// (relative to `/`) in `.md5sums` files. Directories are listed too; they own nothing that
/// matters here.
pub fn listed_files(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|line| {
            let path = match line.split_once("  ") {
                Some((sum, path)) if sum.bytes().all(|b| b.is_ascii_hexdigit()) => path,
                _ => line,
            };
            let path = path.trim_end();
            (!path.is_empty()).then(|| format!("/{}", path.trim_start_matches('/')))
        })
        .collect()
}

/// The licences a Debian copyright file names, sorted and deduplicated: the short names in
/// every `License:` field (machine-readable DEP-5 files), and every
/// `/usr/share/common-licenses/NAME` the prose points at (older free-form files, glibc's say).
pub fn copyright_licenses(data: &[u8]) -> Vec<String> {
    const COMMON: &str = "/usr/share/common-licenses/";
    let text = String::from_utf8_lossy(data);
    let mut found: Vec<String> = Vec::new();
    for line in text.lines() {
        // A field starts at the beginning of a line; its name is case-insensitive.
        if let Some((key, value)) = line.split_once(':')
            && key.eq_ignore_ascii_case("license")
        {
            found.extend(license_names(value));
        }
        let mut rest = line;
        while let Some(at) = rest.find(COMMON) {
            rest = &rest[at + COMMON.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')))
                .unwrap_or(rest.len());
            // A sentence may end right after the name.
            let name = rest[..end].trim_end_matches('.');
            if !name.is_empty() {
                found.push(name.to_owned());
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// The short names in one DEP-5 `License:` value: `GPL-2+ or Artistic, and BSD-3-clause` gives
/// `GPL-2+`, `Artistic`, `BSD-3-clause`; `with … exception` clauses are left out. A value that
/// is not a list of names joined by `or`/`and` (free text, as some files write) gives nothing,
/// rather than words mistaken for licences.
fn license_names(value: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut tokens = value
        .split_whitespace()
        .map(|t| t.trim_end_matches(','))
        .filter(|t| !t.is_empty());
    let mut want_name = true;
    while let Some(token) = tokens.next() {
        let operator = matches!(token.to_ascii_lowercase().as_str(), "or" | "and" | "and/or");
        match (want_name, operator) {
            (true, false) => {
                if !token.eq_ignore_ascii_case("none") {
                    names.push(token.to_owned());
                }
                want_name = false;
            }
            (false, true) => want_name = true,
            (false, false) if token.eq_ignore_ascii_case("with") => {
                // Skip to the end of the exception's name.
                if !tokens.by_ref().any(|t| t.eq_ignore_ascii_case("exception")) {
                    return Vec::new();
                }
            }
            _ => return Vec::new(),
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lists_name_absolute_paths() {
        assert!(is_file_list("/var/lib/dpkg/info/bash.list"));
        assert!(is_file_list("var/lib/dpkg/status.d/base-files.md5sums"));
        assert!(!is_file_list("/var/lib/dpkg/info/bash.md5sums"));
        assert!(!is_file_list("/var/lib/dpkg/status.d/base-files"));
        assert_eq!(
            listed_files(b"/.\n/bin\n/bin/bash\n"),
            ["/.", "/bin", "/bin/bash"]
        );
        assert_eq!(
            listed_files(b"0123456789abcdef0123456789abcdef  usr/bin/curl\n"),
            ["/usr/bin/curl"]
        );
    }

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

    #[test]
    fn copyright_files_belong_to_their_doc_directory() {
        assert_eq!(
            copyright_owner("usr/share/doc/bash/copyright"),
            Some("bash")
        );
        assert_eq!(
            copyright_owner("/usr/share/doc/libc6/copyright"),
            Some("libc6")
        );
        assert_eq!(copyright_owner("usr/share/doc/bash/copyright.gz"), None);
        assert_eq!(copyright_owner("usr/share/doc/a/b/copyright"), None);
        assert_eq!(copyright_owner("usr/share/doc//copyright"), None);
    }

    #[test]
    fn dep5_license_fields_and_common_licenses() {
        let text = b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
Files: *\nCopyright: 2020 Someone\nLicense: GPL-2+ or Artistic, and BSD-3-clause\n \
This program is free software.\n\nFiles: doc/*\nlicense: GFDL-1.3+ with Invariant exception\n\n\
License: The main library is licensed under GNU Lesser\nLicense: none\n\
 On Debian systems see /usr/share/common-licenses/GPL-2.\n\
 and `/usr/share/common-licenses/LGPL-2.1'.\n";
        assert_eq!(
            copyright_licenses(text),
            [
                "Artistic",
                "BSD-3-clause",
                "GFDL-1.3+",
                "GPL-2",
                "GPL-2+",
                "LGPL-2.1"
            ]
        );
        assert!(copyright_licenses(b"").is_empty());
        assert!(copyright_licenses(b"License: GPL with").is_empty());
        assert_eq!(
            copyright_licenses(b"License: MIT , and Zlib"),
            ["MIT", "Zlib"]
        );
    }
}
