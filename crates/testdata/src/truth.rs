//! What a fixture image really holds, read by tools that are not plinth: its manifest and
//! config with serde, its layers with GNU tar, its package databases with `dpkg-query`,
//! `rpm` and a reading of the apk database's plain-text format.
//!
//! The fixture images are real builds (debootstrap from the live Debian mirror, pip and npm
//! installs, random bytes, build-time mtimes), so their sizes, digests and Debian package
//! versions change from one build to the next. Conformance tests take their expectations
//! from here, so that they hold on any rebuild and still catch a wrong answer from plinth.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// One single-platform image of an OCI layout, as its own JSON says.
pub struct OciImage {
    pub dir: PathBuf,
    pub manifest: Value,
    pub config: Value,
    pub layers: Vec<Layer>,
}

/// One layer: its blob on disk and its descriptor and diff_id.
pub struct Layer {
    pub blob: PathBuf,
    pub digest: String,
    pub size: u64,
    pub media_type: String,
    pub diff_id: String,
}

/// One installed Debian package as `dpkg-query` shows it.
#[derive(Debug, Clone)]
pub struct Deb {
    pub name: String,
    pub version: String,
    pub arch: String,
    /// The source package, and its version (dpkg-query fills both in when the stanza
    /// does not name them).
    pub source: String,
    pub source_version: String,
}

/// One tar entry as `tar -tv` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// The path without a leading `./` or `/`, and without a trailing `/`.
    pub path: String,
    /// The first letter of tar's mode column: `-`, `d`, `l`, `h`, `c`, `b`, `p`.
    pub kind: char,
    /// The header's size field (0 for links, directories and devices).
    pub size: u64,
}

impl OciImage {
    /// The image an OCI layout's index.json names first (the fixture layouts hold one).
    pub fn open(dir: &Path) -> OciImage {
        let index = read_json(&dir.join("index.json"));
        let manifest = read_json(&blob_path(dir, &index["manifests"][0]["digest"]));
        let config = read_json(&blob_path(dir, &manifest["config"]["digest"]));
        let layers = manifest["layers"]
            .as_array()
            .expect("manifest layers")
            .iter()
            .zip(config["rootfs"]["diff_ids"].as_array().expect("diff_ids"))
            .map(|(d, diff_id)| Layer {
                blob: blob_path(dir, &d["digest"]),
                digest: d["digest"].as_str().unwrap().to_string(),
                size: d["size"].as_u64().unwrap(),
                media_type: d["mediaType"].as_str().unwrap().to_string(),
                diff_id: diff_id.as_str().unwrap().to_string(),
            })
            .collect();
        OciImage {
            dir: dir.to_path_buf(),
            manifest,
            config,
            layers,
        }
    }

    /// Σ of the layer blobs' sizes, as the manifest states them.
    pub fn compressed_size(&self) -> u64 {
        self.layers.iter().map(|l| l.size).sum()
    }

    /// Σ of every layer's entry sizes (dive's image size).
    pub fn uncompressed_size(&self) -> u64 {
        self.layers.iter().map(Layer::entries_size).sum()
    }

    /// Unpacks the named members (shell globs) of every layer, in order, into `dest`: a later
    /// layer's copy replaces an earlier one, as in the image. Whiteouts are not applied, so
    /// ask only for paths no layer deletes.
    pub fn extract(&self, dest: &Path, globs: &[&str]) {
        for layer in &self.layers {
            let present: Vec<String> = layer
                .entries()
                .into_iter()
                .filter(|e| globs.iter().any(|g| glob_match(g, &e.path)))
                .filter(|e| e.kind != 'd')
                .map(|e| e.path)
                .collect();
            if present.is_empty() {
                continue;
            }
            let list = dest.join(".members");
            std::fs::write(&list, present.join("\n")).unwrap();
            run(Command::new("tar")
                .arg("-xf")
                .arg(&layer.blob)
                .arg("-C")
                .arg(dest)
                .arg("--no-same-owner")
                .arg("--anchored")
                .arg("-T")
                .arg(&list));
            std::fs::remove_file(list).unwrap();
        }
    }

    /// Debian packages (name → version) of the image, by `dpkg-query --admindir`.
    pub fn dpkg_packages(&self) -> BTreeMap<String, String> {
        self.debs()
            .into_iter()
            .map(|d| (d.name, d.version))
            .collect()
    }

    /// Installed Debian packages of the image, by `dpkg-query --admindir` on its
    /// `var/lib/dpkg/status` or, for distroless images, its `status.d/` stanzas.
    pub fn debs(&self) -> Vec<Deb> {
        let tmp = tempfile_dir("dpkg");
        self.extract(&tmp, &["var/lib/dpkg/status", "var/lib/dpkg/status.d/*"]);
        let admin = tmp.join("var/lib/dpkg");
        let status = admin.join("status");
        if !status.exists() {
            let mut all = String::new();
            for e in sorted_dir(&admin.join("status.d")) {
                if e.extension().is_some_and(|x| x == "md5sums") {
                    continue;
                }
                // distroless writes `dpkg-deb -f` output there, which has no Status line.
                let stanza = std::fs::read_to_string(e).unwrap();
                if !stanza.lines().any(|l| l.starts_with("Status:")) {
                    all += "Status: install ok installed\n";
                }
                all += stanza.trim_end();
                all += "\n\n";
            }
            std::fs::write(&status, all).unwrap();
        }
        let out = run(Command::new("dpkg-query")
            .arg("--admindir")
            .arg(&admin)
            .args([
                "-W",
                "-f",
                "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n",
            ]));
        let _ = std::fs::remove_dir_all(&tmp);
        out.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let [status, name, version, arch, source, source_version] = f[..] else {
                    return None;
                };
                status.starts_with("ii").then(|| Deb {
                    name: name.into(),
                    version: version.into(),
                    arch: arch.into(),
                    source: source.into(),
                    source_version: source_version.into(),
                })
            })
            .collect()
    }

    /// Packages (name → version) of the image's apk database, read from its `P:` and `V:`
    /// lines (apk-tools' own plain-text format).
    pub fn apk_packages(&self) -> BTreeMap<String, String> {
        let tmp = tempfile_dir("apk");
        self.extract(&tmp, &["lib/apk/db/installed"]);
        let text = std::fs::read_to_string(tmp.join("lib/apk/db/installed")).unwrap();
        let _ = std::fs::remove_dir_all(&tmp);
        let mut out = BTreeMap::new();
        for stanza in text.split("\n\n") {
            let field = |k: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(k))
                    .map(str::to_string)
            };
            if let (Some(p), Some(v)) = (field("P:"), field("V:")) {
                out.insert(p, v);
            }
        }
        out
    }

    /// RPM packages (name → `[epoch:]version-release`) of the image, by `rpm --dbpath` on its
    /// rpmdb; `None` when the machine has no `rpm`.
    pub fn rpm_packages(&self) -> Option<BTreeMap<String, String>> {
        if Command::new("rpm").arg("--version").output().is_err() {
            println!("skipped: no rpm on this machine");
            return None;
        }
        let tmp = tempfile_dir("rpm");
        self.extract(&tmp, &["var/lib/rpm/*", "usr/lib/sysimage/rpm/*"]);
        let db = ["var/lib/rpm", "usr/lib/sysimage/rpm"]
            .iter()
            .map(|d| tmp.join(d))
            .find(|d| d.is_dir())
            .expect("an rpmdb in the image");
        let out = run(Command::new("rpm").arg("--dbpath").arg(&db).args([
            "-qa",
            "--qf",
            "%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n",
        ]));
        let _ = std::fs::remove_dir_all(&tmp);
        Some(
            out.lines()
                .filter(|l| !l.starts_with("gpg-pubkey"))
                .filter_map(|l| l.split_once('\t'))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl Layer {
    /// Every entry of the layer, by GNU tar (which sniffs gzip and zstd itself).
    pub fn entries(&self) -> Vec<TarEntry> {
        let out = run(Command::new("tar")
            .args(["-tv", "--numeric-owner", "--quoting-style=literal", "-f"])
            .arg(&self.blob));
        out.lines().filter_map(parse_tv_line).collect()
    }

    /// Σ of the entries' header sizes (dive's layer size).
    pub fn entries_size(&self) -> u64 {
        self.entries().iter().map(|e| e.size).sum()
    }
}

/// `drwxr-xr-x 0/0  0 2024-01-01 00:00 ./etc/` → an entry. A device shows `major,minor`
/// where the size goes; its header size is 0.
fn parse_tv_line(line: &str) -> Option<TarEntry> {
    let mut rest = line;
    let mut field = || {
        rest = rest.trim_start();
        let end = rest.find(' ').unwrap_or(rest.len());
        let (f, r) = rest.split_at(end);
        rest = r;
        f
    };
    let mode = field();
    let _owner = field();
    let size = field();
    let _date = field();
    let _time = field();
    let name = rest.strip_prefix(' ')?;
    let kind = mode.chars().next()?;
    let name = match kind {
        'l' => name.split(" -> ").next()?,
        'h' => name.split(" link to ").next()?,
        _ => name,
    };
    let size = if matches!(kind, 'c' | 'b') {
        0
    } else {
        size.parse().ok()?
    };
    let path = name
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    (!path.is_empty() && path != ".").then(|| TarEntry {
        path: path.to_string(),
        kind,
        size,
    })
}

/// A shell-style glob with `*` only (not crossing `/`), enough for member lists.
fn glob_match(glob: &str, path: &str) -> bool {
    match glob.split_once('*') {
        None => glob == path,
        Some((head, tail)) => path.strip_prefix(head).is_some_and(|rest| {
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i) && !rest[..i].contains('/'))
                .any(|i| glob_match(tail, &rest[i..]))
        }),
    }
}

fn blob_path(dir: &Path, digest: &Value) -> PathBuf {
    let d = digest.as_str().expect("a digest");
    dir.join("blobs/sha256")
        .join(d.trim_start_matches("sha256:"))
}

fn read_json(p: &Path) -> Value {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn sorted_dir(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn tempfile_dir(what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let p = std::env::temp_dir().join(format!(
        "plinth-truth-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 from a listing")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tv_lines() {
        let e = |l| parse_tv_line(l).unwrap();
        assert_eq!(
            e("-rw-r--r-- 0/0         1234 2024-01-01 00:00 ./etc/motd"),
            TarEntry {
                path: "etc/motd".into(),
                kind: '-',
                size: 1234
            }
        );
        assert_eq!(
            e("lrwxrwxrwx 0/0 0 2024-01-01 00:00 bin -> usr/bin").path,
            "bin"
        );
        assert_eq!(
            e("hrw-r--r-- 0/0 0 2024-01-01 00:00 a b link to c").path,
            "a b"
        );
        assert_eq!(e("crw-rw-rw- 0/0 1,3 2024-01-01 00:00 dev/null").size, 0);
        assert!(parse_tv_line("drwxr-xr-x 0/0 0 2024-01-01 00:00 ./").is_none());
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "var/lib/dpkg/status.d/*",
            "var/lib/dpkg/status.d/libc6"
        ));
        assert!(!glob_match("var/lib/rpm/*", "var/lib/rpm/a/b"));
        assert!(glob_match("lib/apk/db/installed", "lib/apk/db/installed"));
    }
}
