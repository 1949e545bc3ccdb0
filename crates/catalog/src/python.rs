//! Installed Python distributions: `*.dist-info/METADATA` (wheels, pip),
//! `*.egg-info/PKG-INFO` (setuptools) and the single-file `*.egg-info` of distutils (Debian's
//! python3-* packages ship some), all RFC 822 headers per the core metadata spec.

use crate::fields::{fields, paragraphs};
use crate::paths::is_regular;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    let p = meta.path;
    p.ends_with(".dist-info/METADATA")
        || p.ends_with(".egg-info/PKG-INFO")
        || (p.ends_with(".egg-info") && is_regular(meta.mode) && meta.size > 0)
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    if file.data.is_empty() && file.path.ends_with(".egg-info") {
        return Ok(Vec::new()); // a directory entry handed over by a walker that sends those
    }
    let text = String::from_utf8_lossy(file.data);
    // The headers end at the first blank line; the long description follows.
    let Some(head) = paragraphs(&text).next() else {
        return Err("empty metadata".to_owned());
    };
    let (mut name, mut version, mut license, mut expression) = (None, None, None, None);
    let mut classifiers = Vec::new();
    for (key, value) in fields(head) {
        match key {
            "Name" => name = Some(value),
            "Version" => version = Some(value),
            "License" => license = Some(value),
            "License-Expression" => expression = Some(value),
            "Classifier" => {
                if let Some(l) = value.strip_prefix("License :: ") {
                    // `License :: OSI Approved :: MIT License` → `MIT License`.
                    classifiers.push(l.rsplit(" :: ").next().unwrap_or(l));
                }
            }
            _ => {}
        }
    }
    let name = name.filter(|n| !n.is_empty()).ok_or("no Name: header")?;
    let version = version
        .filter(|v| !v.is_empty())
        .ok_or("no Version: header")?;
    let mut pkg = Package::new(PackageType::Python, name, version, file.path);
    // Most specific first: an SPDX expression, a short License: line, then classifiers.
    // A License: that is a whole licence text (many lines, long) is not a name.
    let short = |l: &&str| !l.is_empty() && l.len() <= 80 && !l.eq_ignore_ascii_case("UNKNOWN");
    pkg.licenses = match (expression.filter(short), license.filter(short)) {
        (Some(e), _) => vec![e.to_owned()],
        (None, Some(l)) => vec![l.to_owned()],
        (None, None) => classifiers.into_iter().map(str::to_owned).collect(),
    };
    Ok(vec![pkg])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_version_license() {
        let data = b"Metadata-Version: 2.1\nName: requests\nVersion: 2.25.1\nLicense: Apache 2.0\n\
Classifier: License :: OSI Approved :: Apache Software License\n\nBody: not a header\n";
        let p = parse(&FileInput {
            path: "/x/requests-2.25.1.dist-info/METADATA",
            data,
            mode: 0,
        })
        .unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("requests", "2.25.1")
        );
        assert_eq!(p[0].licenses, ["Apache 2.0"]);
        assert!(
            parse(&FileInput {
                path: "/x",
                data: b"Name: x\n",
                mode: 0
            })
            .is_err()
        );
    }
}
