//! The database as an OCI artifact, without a registry: a database of the real advisory records
//! in ../shared/fixtures/vulndata packed, then installed on another "machine" with the same
//! sources, counts and build time; bytes that are not a bundle refused with the old database
//! kept and nothing left beside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use plinth_testdata::vulndata;
use plinth_vulndb::artifact::{self, Incoming};
use plinth_vulndb::{DbError, VulnDb, import};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_packed_database_installs_elsewhere_as_it_was() {
    let Some(data) = vulndata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("src/vuln.redb");
    import(
        &db_path,
        &[
            data.join("osv"),
            data.join("alpine-secdb"),
            data.join("cve5"),
        ],
    )
    .unwrap();
    let before = VulnDb::open(&db_path).unwrap().info().unwrap();

    let packed = artifact::pack(&db_path).unwrap();
    assert_eq!(packed.sources.len(), 3);
    assert_eq!(
        packed.annotations[artifact::CREATED],
        artifact::utc_timestamp(before.built)
    );
    assert_eq!(
        packed.annotations[artifact::SCHEMA],
        plinth_vulndb::SCHEMA_VERSION.to_string()
    );
    let uncompressed: u64 = packed.layer_annotations[artifact::BUNDLE_SIZE]
        .parse()
        .unwrap();
    assert!(packed.size < uncompressed, "zstd made it smaller");
    artifact::check_annotations("test", &packed.annotations).unwrap();

    let other = dir.path().join("runner/vuln.redb");
    let mut incoming = Incoming::create(&other).unwrap();
    incoming
        .write_all(&std::fs::read(&packed.path).unwrap())
        .unwrap();
    let after = incoming.install("test", Some(uncompressed)).unwrap();
    assert_eq!(
        after.built, before.built,
        "the data's build time, not the copy's"
    );
    assert_eq!(after.sources, before.sources);
    assert_eq!(after.ecosystems, before.ecosystems);
    assert_eq!(
        VulnDb::open(&other).unwrap().cve_severity_counts().unwrap(),
        VulnDb::open(&db_path)
            .unwrap()
            .cve_severity_counts()
            .unwrap()
    );
    assert_eq!(files_in(other.parent().unwrap()), vec![other.clone()]);

    // A size annotation smaller than the bundle stops the decompression.
    let mut incoming = Incoming::create(&other).unwrap();
    incoming
        .write_all(&std::fs::read(&packed.path).unwrap())
        .unwrap();
    let err = incoming.install("reg/db:1", Some(1000)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "reg/db:1: the bundle decompresses past 1000 bytes"
    );

    // Not zstd, and zstd of something that is not a bundle: refused, old database kept.
    let kept = std::fs::read(&other).unwrap();
    for (bytes, message) in [
        (
            b"not zstd at all".to_vec(),
            "reg/db:1: the layer is not a zstd-compressed bundle: Unknown frame descriptor",
        ),
        (
            zstd::encode_all(&b"{\"json\": true}"[..], 3).unwrap(),
            "reg/db:1: the layer is not a plinth database bundle",
        ),
    ] {
        let mut incoming = Incoming::create(&other).unwrap();
        incoming.write_all(&bytes).unwrap();
        let err = incoming.install("reg/db:1", None).unwrap_err();
        assert!(matches!(err, DbError::Artifact { .. }), "{err}");
        assert_eq!(err.to_string(), message);
        assert!(std::fs::read(&other).unwrap() == kept, "old database kept");
        assert_eq!(files_in(other.parent().unwrap()), vec![other.clone()]);
    }
    drop(packed);
    assert_eq!(
        files_in(db_path.parent().unwrap()),
        vec![db_path.clone()],
        "the packed file is removed with its handle"
    );
}
