//! Synthetic images written in Rust, for the tests that need them.

#![allow(dead_code)] // each test crate uses its own part of this

use std::io::Write;
use std::path::Path;

use plinth_image::Digest;

/// A layer tar with the given (path, content) regular files.
pub fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // set_path refuses `..`; write the raw name so hostile paths reach the reader.
        let name = h.as_old_mut().name.as_mut();
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Writes an OCI layout holding one image; `blobs` are layer blobs, `diff_ids` their tars'
/// digests. Returns the layout path.
pub fn layout(dir: &Path, blobs: &[Vec<u8>], diff_ids: &[Digest]) -> String {
    let ids: Vec<String> = diff_ids.iter().map(Digest::to_string).collect();
    plinth_testdata::oci_layout(dir, blobs, &ids, serde_json::json!({}))
}
