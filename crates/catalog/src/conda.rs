//! Conda packages: each installed package's record in `conda-meta/*.json`.

use serde::Deserialize;

use crate::paths::{basename, dirname};
use crate::text::json_error;
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    meta.path.ends_with(".json") && basename(dirname(meta.path)) == "conda-meta"
}

#[derive(Deserialize)]
struct Record {
    name: Option<String>,
    version: Option<String>,
    license: Option<String>,
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let r: Record = serde_json::from_slice(file.data).map_err(|e| json_error(&e))?;
    // conda-meta also holds `history` and other non-package files; they have no name.
    let (Some(name), Some(version)) = (r.name, r.version) else {
        return Ok(Vec::new());
    };
    let mut p = Package::new(PackageType::Conda, name, version, file.path);
    p.licenses = r.license.into_iter().filter(|l| !l.is_empty()).collect();
    Ok(vec![p])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record() {
        let data =
            br#"{"name":"numpy","version":"1.26.4","build":"py311h","license":"BSD-3-Clause"}"#;
        let p = parse(&FileInput {
            path: "/opt/conda/conda-meta/numpy-1.26.4-py311h.json",
            data,
            mode: 0,
        })
        .unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].licenses.as_slice()),
            ("numpy", &["BSD-3-Clause".to_owned()][..])
        );
    }
}
