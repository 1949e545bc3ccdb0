//! What every target shares: the input written to a file of its own (the readers under test
//! open paths, and sniff formats from bytes, never from names), and the error contract.

use std::path::PathBuf;

/// A file in tmpfs holding `data`, one per process and target, rewritten for every input.
pub fn input_file(target: &str, data: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("plinth-fuzz-{target}-{}", std::process::id()));
    std::fs::write(&path, data).expect("writing the fuzz input");
    path
}

/// Bad input's contract: one line that names the input.
pub fn check_error(error: &dyn std::fmt::Display, names: &str) {
    let text = error.to_string();
    assert!(!text.contains('\n'), "error is one line: {text:?}");
    assert!(text.contains(names), "error names {names}: {text:?}");
}
