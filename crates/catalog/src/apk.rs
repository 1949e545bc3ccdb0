//! Alpine's package database, `lib/apk/db/installed` (also under `usr/lib/apk/db/` as apk-tools
//! 3 moves it): one paragraph per package of single-letter `K:value` lines.

use crate::paths::relative;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    matches!(
        relative(meta.path),
        "lib/apk/db/installed" | "usr/lib/apk/db/installed"
    )
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = String::from_utf8_lossy(file.data);
    let mut out = Vec::new();
    let mut cur = Record::default();
    let mut saw_field = false;
    for line in text.lines() {
        if line.is_empty() {
            cur.finish(file.path, &mut out);
            continue;
        }
        // Every line is `K:value` with a one-letter key.
        let Some((key, value)) = line.split_once(':').filter(|(k, _)| k.len() == 1) else {
            return Err(format!(
                "line {:?} is not a `K:value` field",
                truncate(line, 40)
            ));
        };
        saw_field = true;
        cur.field(key.as_bytes()[0], value);
    }
    cur.finish(file.path, &mut out);
    if saw_field && out.is_empty() {
        return Err("no package has both P: and V:".to_owned());
    }
    Ok(out)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The package being read; `dir` is the latest `F:` line, which `R:` names are relative to.
#[derive(Default)]
struct Record<'a> {
    name: Option<&'a str>,
    version: Option<&'a str>,
    arch: Option<&'a str>,
    origin: Option<&'a str>,
    license: Option<&'a str>,
    dir: &'a str,
    files: Vec<String>,
}

impl<'a> Record<'a> {
    fn field(&mut self, key: u8, value: &'a str) {
        match key {
            b'P' => self.name = Some(value),
            b'V' => self.version = Some(value),
            b'A' => self.arch = Some(value),
            b'o' => self.origin = Some(value),
            b'L' => self.license = Some(value),
            b'F' => self.dir = value,
            b'R' => {
                let path = if self.dir.is_empty() {
                    format!("/{value}")
                } else {
                    format!("/{}/{value}", self.dir)
                };
                self.files.push(path);
            }
            _ => {}
        }
    }

    fn finish(&mut self, found_at: &str, out: &mut Vec<Package>) {
        let rec = std::mem::take(self);
        let (Some(name), Some(version)) = (rec.name, rec.version) else {
            return;
        };
        let mut pkg = Package::new(PackageType::Apk, name, version, found_at);
        pkg.arch = rec.arch.map(str::to_owned);
        pkg.source_name = rec.origin.map(str::to_owned);
        // apk writes SPDX expressions; Syft keeps them whole, and so do we.
        pkg.licenses = rec
            .license
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .into_iter()
            .collect();
        pkg.files = rec.files;
        out.push(pkg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_and_files() {
        let data = b"C:Q1x=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:half\n";
        let pkgs = parse(&FileInput {
            path: "/lib/apk/db/installed",
            data,
            mode: 0o644,
        })
        .unwrap();
        assert_eq!(pkgs.len(), 1);
        let p = &pkgs[0];
        assert_eq!((p.name.as_str(), p.version.as_str()), ("musl", "1.2.5-r0"));
        assert_eq!(p.source_name.as_deref(), Some("musl"));
        assert_eq!(p.licenses, ["MIT"]);
        assert_eq!(
            p.files,
            ["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]
        );
    }

    #[test]
    fn garbage_is_an_error() {
        let bad = FileInput {
            path: "/lib/apk/db/installed",
            data: b"\x7fELF\x02\x01",
            mode: 0,
        };
        assert!(parse(&bad).is_err());
    }
}
