//! Programs recognised from their bytes, settled against what the package databases say.
//!
//! Syft drops a binary-classifier match whose file an OS package (apk, deb, rpm) owns: the
//! package database already reports that program, under the distribution's own version
//! (`ExcludeBinariesByFileOwnershipOverlap`). Ownership is read from apk's and rpm's file lists
//! and dpkg's `info/*.list` (`status.d/*.md5sums` in distroless images), and compared after
//! the merged filesystem's symlinks are resolved on both sides, since Debian lists `/bin/bash`
//! where a merged-/usr image stores `usr/bin/bash`.
//!
//! A multi-call binary stored under another name (docker-library's busybox is `/bin/[`, with
//! `/bin/busybox` a hard link to it) counts where a link of the program's name leads to it,
//! and is reported under that name, as Syft finds it; with no such link it is dropped.
//!
//! Several files holding one program (hard links, `python3.12` and a copy named `python3`)
//! make one package, as Syft merges packages of one identity found at several locations.

use std::collections::HashSet;

use plinth_catalog::{Package, PackageType, binary_fits_name};

/// Symlinks followed while resolving one path; more is a loop.
const MAX_HOPS: usize = 40;

/// Drops owned binary matches and repeats of one program (keeping the first by path).
/// `owned` holds the file lists of dpkg; OS packages' own lists come from `packages`.
/// `link` gives the target of a symlink of the merged filesystem (path without leading `/`);
/// `aliases` lists its hard links and symlinks as (absolute path, absolute target), asked
/// for only when a match needs a name.
pub fn settle(
    packages: &mut Vec<(Package, usize)>,
    owned: &[&str],
    link: impl Fn(&str) -> Option<String>,
    aliases: impl FnOnce() -> Vec<(String, String)>,
) {
    if !packages.iter().any(|(p, _)| p.kind == PackageType::Binary) {
        return;
    }
    name_multicall(packages, &link, aliases);
    // Only listed paths of a matched file's name can own it; resolving just those keeps this
    // cheap on images whose lists name tens of thousands of files.
    let names: HashSet<&str> = packages
        .iter()
        .filter(|(p, _)| p.kind == PackageType::Binary)
        .map(|(p, _)| basename(&p.found_at))
        .collect();
    let os_files = packages
        .iter()
        .filter(|(p, _)| p.kind.is_os())
        .flat_map(|(p, _)| p.files.iter().map(String::as_str));
    let owned: HashSet<String> = os_files
        .chain(owned.iter().copied())
        .filter(|f| names.contains(basename(f)))
        .map(|f| canonical(f, &link))
        .collect();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    packages.sort_by(|a, b| a.0.found_at.cmp(&b.0.found_at));
    packages.retain(|(p, _)| {
        p.kind != PackageType::Binary
            || (!owned.contains(&canonical(&p.found_at, &link))
                && seen.insert((p.name.clone(), p.version.clone())))
    });
}

/// Moves each binary match found under a foreign name to the first link of its own name that
/// leads to the same file; drops it when there is none.
fn name_multicall(
    packages: &mut Vec<(Package, usize)>,
    link: &impl Fn(&str) -> Option<String>,
    aliases: impl FnOnce() -> Vec<(String, String)>,
) {
    let unnamed =
        |p: &Package| p.kind == PackageType::Binary && !binary_fits_name(&p.name, &p.found_at);
    if !packages.iter().any(|(p, _)| unnamed(p)) {
        return;
    }
    let mut aliases = aliases();
    aliases.sort();
    packages.retain_mut(|(p, _)| {
        if !unnamed(p) {
            return true;
        }
        let real = canonical(&p.found_at, link);
        let alias = aliases.iter().find(|(path, target)| {
            binary_fits_name(&p.name, path) && canonical(target, link) == real
        });
        match alias {
            Some((path, _)) => {
                p.found_at = path.clone();
                true
            }
            None => false,
        }
    });
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `path` with every symlink of the merged filesystem resolved, `.` and `..` applied.
fn canonical(path: &str, link: &impl Fn(&str) -> Option<String>) -> String {
    let mut done: Vec<String> = Vec::new();
    let mut todo: Vec<String> = path.split('/').rev().map(str::to_owned).collect();
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => done.push(part),
        }
        let Some(target) = link(&done.join("/")) else {
            continue;
        };
        hops += 1;
        if hops > MAX_HOPS {
            break;
        }
        done.pop();
        if target.starts_with('/') {
            done.clear();
        }
        todo.extend(target.split('/').rev().map(str::to_owned));
    }
    format!("/{}", done.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(path: &str) -> Option<String> {
        match path {
            "bin" => Some("usr/bin".into()),
            "usr/bin/python3" => Some("python3.11".into()),
            "loop" => Some("/loop".into()),
            _ => None,
        }
    }

    #[test]
    fn resolves_directory_and_file_links() {
        assert_eq!(canonical("/bin/bash", &links), "/usr/bin/bash");
        assert_eq!(canonical("/bin/python3", &links), "/usr/bin/python3.11");
        assert_eq!(canonical("/usr/./lib/../bin/x", &links), "/usr/bin/x");
        // A loop ends; what it gives does not matter, only that it ends.
        let _ = canonical("/loop/x", &links);
    }

    fn pkg(kind: PackageType, name: &str, at: &str) -> (Package, usize) {
        (Package::new(kind, name, "1.0", at), 0)
    }

    #[test]
    fn multicall_binaries_take_the_name_of_their_link() {
        let mut packages = vec![
            pkg(PackageType::Binary, "busybox", "/bin/["),
            pkg(PackageType::Binary, "busybox", "/opt/unlinked"),
        ];
        let aliases = || {
            vec![
                ("/bin/ls".to_owned(), "/bin/[".to_owned()),
                ("/bin/busybox".to_owned(), "/bin/[".to_owned()),
            ]
        };
        settle(&mut packages, &[], links, aliases);
        let left: Vec<&str> = packages.iter().map(|(p, _)| p.found_at.as_str()).collect();
        assert_eq!(left, ["/bin/busybox"]);
    }

    #[test]
    fn owned_and_repeated_binaries_go() {
        let mut bash_deb = pkg(PackageType::Deb, "bash", "/var/lib/dpkg/status");
        bash_deb.0.files = vec!["/bin/bash".into()];
        let mut packages = vec![
            bash_deb,
            pkg(PackageType::Binary, "bash", "/usr/bin/bash"),
            pkg(PackageType::Binary, "curl", "/usr/bin/curl"),
            pkg(PackageType::Binary, "busybox", "/bin/busybox"),
            pkg(PackageType::Binary, "busybox", "/usr/bin/busybox"),
            pkg(PackageType::Binary, "python", "/opt/python"),
        ];
        settle(&mut packages, &["/usr/bin/curl"], links, Vec::new);
        let left: Vec<&str> = packages.iter().map(|(p, _)| p.found_at.as_str()).collect();
        assert_eq!(
            left,
            ["/bin/busybox", "/opt/python", "/var/lib/dpkg/status"]
        );
    }
}
