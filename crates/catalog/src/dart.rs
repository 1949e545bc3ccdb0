//! Dart and Flutter packages from `pubspec.lock`: each package's `dependency` field says
//! `direct main`, `direct dev`, `direct overridden` or `transitive`.

use crate::paths::basename;
use crate::text::{lockfile_text, yaml_blocks, yaml_child, yaml_lines, yaml_section};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    basename(meta.path) == "pubspec.lock"
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lines = yaml_lines(text)?;
    let mut out = Vec::new();
    for (head, body) in yaml_blocks(yaml_section(&lines, "packages"), 2) {
        let Some(version) = yaml_child(body, "version") else {
            return Err(format!(
                "line {}: package {} has no version",
                head.number, head.key
            ));
        };
        let mut p = Package::new(PackageType::Pub, head.key, version, file.path);
        p.line = Some(head.number);
        if let Some(dep) = yaml_child(body, "dependency") {
            p.direct = Some(dep.starts_with("direct"));
            p.dev = Some(dep == "direct dev");
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packages() {
        let text = "packages:\n  async:\n    dependency: transitive\n    description:\n      name: async\n      url: \"https://pub.dev\"\n    source: hosted\n    version: \"2.11.0\"\n  test:\n    dependency: \"direct dev\"\n    source: hosted\n    version: \"1.24.0\"\nsdks:\n  dart: \">=3.0.0 <4.0.0\"\n";
        let p = parse(&FileInput {
            path: "/pubspec.lock",
            data: text.as_bytes(),
            mode: 0,
        })
        .unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.direct, p.dev, p.line))
            .collect();
        assert_eq!(
            got,
            [
                ("async", "2.11.0", Some(false), Some(false), Some(2)),
                ("test", "1.24.0", Some(true), Some(true), Some(9))
            ]
        );
    }
}
