//! Ruby gems: Bundler's `Gemfile.lock` (every spec of its GEM, GIT and PATH sections; those
//! under DEPENDENCIES are direct) and the gemspecs RubyGems installs
//! (`specifications/*.gemspec`), read for their `name`, `version` and `licenses` assignments.

use std::collections::HashSet;

use crate::paths::{basename, dirname};
use crate::text::lockfile_text;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants_gemfile_lock(meta: &FileMeta) -> bool {
    basename(meta.path) == "Gemfile.lock"
}

pub fn wants_gemspec(meta: &FileMeta) -> bool {
    meta.path.ends_with(".gemspec") && basename(dirname(meta.path)) == "specifications"
}

pub fn parse_gemfile_lock(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let mut section = "";
    let mut direct = HashSet::new();
    let mut specs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with(' ') {
            section = line.trim();
            continue;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        match (section, indent) {
            ("DEPENDENCIES", 2) => {
                let name = body.split([' ', '!']).next().unwrap_or(body);
                direct.insert(name);
            }
            ("GEM" | "GIT" | "PATH", 4) => {
                // `name (version)` or `name (version-platform)`.
                let Some((name, rest)) = body.split_once(" (") else {
                    return Err(format!("line {}: spec without a version", i + 1));
                };
                let version = rest.trim_end_matches(')');
                specs.push((name, version, i as u32 + 1));
            }
            _ => {}
        }
    }
    Ok(specs
        .into_iter()
        .map(|(name, version, line)| {
            let mut p = Package::new(PackageType::Gem, name, version, file.path);
            p.line = Some(line);
            p.direct = Some(direct.contains(name));
            p
        })
        .collect())
}

pub fn parse_gemspec(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = String::from_utf8_lossy(file.data);
    let (mut name, mut version, mut licenses) = (None, None, Vec::new());
    for line in text.lines() {
        let Some((lhs, rhs)) = line.split_once(" = ") else {
            continue;
        };
        let field = lhs.trim().rsplit('.').next().unwrap_or("");
        match field {
            "name" if name.is_none() => name = ruby_strings(rhs).into_iter().next(),
            "version" if version.is_none() => version = ruby_strings(rhs).into_iter().next(),
            "licenses" | "license" if licenses.is_empty() => licenses = ruby_strings(rhs),
            _ => {}
        }
    }
    let (Some(name), Some(version)) = (name, version) else {
        return Err("no name and version assignment".into());
    };
    let mut p = Package::new(PackageType::Gem, name, version, file.path);
    p.licenses = licenses;
    Ok(vec![p])
}

/// The double-quoted strings of a Ruby expression: `["MIT".freeze, "Ruby".freeze]`.
fn ruby_strings(expr: &str) -> Vec<String> {
    expr.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemfile_lock_and_gemspec() {
        let lock = "GIT\n  remote: https://x/y.git\n  specs:\n    y (0.1.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.3)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  y!\n\nBUNDLED WITH\n   2.5.3\n";
        crate::text::assert_rows(
            parse_gemfile_lock,
            "/Gemfile.lock",
            lock,
            &[
                ("y", "0.1.0", Some(true), Some(4)),
                ("nokogiri", "1.16.0-x86_64-linux", Some(true), Some(9)),
                ("racc", "1.7.3", Some(false), Some(11)),
            ],
        );
        let spec = "Gem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.1.0\"\n  s.licenses = [\"MIT\".freeze]\nend\n";
        let p = parse_gemspec(&FileInput {
            path: "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.1.0.gemspec",
            data: spec.as_bytes(),
            mode: 0,
        })
        .unwrap();
        assert_eq!(
            (
                p[0].name.as_str(),
                p[0].version.as_str(),
                p[0].licenses.as_slice()
            ),
            ("rake", "13.1.0", &["MIT".to_owned()][..])
        );
    }
}
