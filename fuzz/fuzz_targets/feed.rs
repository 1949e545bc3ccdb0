//! Advisory feeds: every format `plinth db import` sniffs (OSV, Alpine/Wolfi secdb, Debian
//! tracker, NVD, CVE 5, CSAF, OVAL, CVRF, updateinfo, ALAS JSON, gzip, zip, zstd tar).
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use plinth_vulndb::feed::{Records, read_file};

fuzz_target!(|data: &[u8]| {
    let path = common::input_file("feed", data);
    let mut records = Records::default();
    if let Err(e) = read_file(&path, "fuzz", &mut records) {
        common::check_error(&e, &path.display().to_string());
    }
});
