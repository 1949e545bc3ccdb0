//! Helpers for the tests: fixture images, the peer tools, the official validators, and a
//! writer of small synthetic OCI layouts.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use plinth_image::reference::Reference;
use plinth_sbom::Inventory;

#[allow(unused_imports)] // each test binary uses its own part
pub use plinth_testdata::{fixture, fixtures_dir as fixtures};

/// Opens a reference and takes its inventory.
pub fn inventory_of(reference: &str) -> Inventory {
    let image = Reference::parse(reference)
        .and_then(|r| r.open_local(None))
        .unwrap_or_else(|e| panic!("{reference}: {e}"));
    plinth_sbom::inventory(&image).unwrap_or_else(|e| panic!("{reference}: {e}"))
}

/// Syft from `PLINTH_SYFT`, /var/tmp/plinth-peers/bin/syft or PATH, if installed.
pub fn syft() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PLINTH_SYFT").map(PathBuf::from),
        Some(PathBuf::from("/var/tmp/plinth-peers/bin/syft")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.is_file() {
            return Some(c);
        }
    }
    Command::new("syft")
        .arg("version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("syft"))
}

/// Syft's JSON report for an image (run fresh: nothing is cached).
pub fn syft_json(syft: &Path, reference: &str) -> serde_json::Value {
    let out = Command::new(syft)
        .args(["scan", "-q", reference, "-o", "json"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        // Packages only: skip the file digests and metadata Syft gathers by default.
        .env("SYFT_FILE_METADATA_SELECTION", "none")
        .env("SYFT_FILE_METADATA_DIGESTS", "")
        .output()
        .expect("run syft");
    assert!(
        out.status.success(),
        "syft {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("syft json")
}

/// The Python interpreter (`PLINTH_PYTHON` or `python3`) if it can import both validators:
/// `pip install 'cyclonedx-python-lib[json-validation]' spdx-tools`.
pub fn python_validators() -> Option<String> {
    let python = std::env::var("PLINTH_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args([
            "-c",
            "import cyclonedx.validation.json, spdx_tools.spdx.clitools.pyspdxtools",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some(python)
    } else {
        println!(
            "skipped: {python} lacks cyclonedx-python-lib[json-validation] and spdx-tools \
             (pip install 'cyclonedx-python-lib[json-validation]' spdx-tools)"
        );
        None
    }
}

/// Validates a CycloneDX JSON file with cyclonedx-python-lib's strict validator (the
/// official schema shipped in the package). Returns the validator's complaint, if any.
pub fn cyclonedx_errors(python: &str, file: &Path, spec: &str) -> Option<String> {
    let version = format!("V{}", spec.replace('.', "_"));
    let script = format!(
        "import sys\n\
         from cyclonedx.schema import SchemaVersion\n\
         from cyclonedx.validation.json import JsonStrictValidator\n\
         err = JsonStrictValidator(SchemaVersion.{version}).validate_str(open(sys.argv[1]).read())\n\
         print(err if err else '')\n\
         sys.exit(1 if err else 0)\n"
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .arg(file)
        .output()
        .expect("run python");
    (!out.status.success()).then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Validates an SPDX JSON file with `pyspdxtools -i FILE` (spdx-tools' CLI, run through the
/// same interpreter). Returns its complaint, if any.
pub fn spdx_errors(python: &str, file: &Path) -> Option<String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import sys; from spdx_tools.spdx.clitools.pyspdxtools import main; \
             sys.argv[0] = 'pyspdxtools'; main()",
            "-i",
        ])
        .arg(file)
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (!out.status.success() || text.contains("error") || text.contains("invalid")).then_some(text)
}

/// Writes an OCI image layout directory with one uncompressed layer holding `files`
/// (path, bytes). Returns the `oci-dir:` reference.
pub fn write_layout(dir: &Path, files: &[(&str, &[u8])]) -> String {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mtime(0);
        builder.append_data(&mut header, path, *data).unwrap();
    }
    let layer = builder.into_inner().unwrap();
    let id = plinth_testdata::sha256(&layer);
    let config = serde_json::json!({"history": [{"created_by": "synthetic test layer"}]});
    plinth_testdata::oci_layout(dir, &[layer], &[id], config)
}
