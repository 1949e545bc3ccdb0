//! SBOM inputs of `plinth scan FILE` and the server: plinth JSON, CycloneDX, SPDX, Syft JSON.
#![no_main]

#[path = "common.rs"]
mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.sbom.json");
    if let Err(e) = plinth_scan::sbom_from_slice(data, path, "sbom:fuzz") {
        common::check_error(&e, "fuzz.sbom.json");
    }
});
