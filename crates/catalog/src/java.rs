//! Java archives.

use crate::{FileInput, FileMeta, Package};

pub fn wants(meta: &FileMeta) -> bool {
    let p = meta.path;
    p.ends_with(".jar") || p.ends_with(".war") || p.ends_with(".ear")
}

pub fn parse(_file: &FileInput) -> Result<Vec<Package>, String> {
    Ok(Vec::new())
}
