//! The store on synthetic input: snapshots, atomic replacement, malformed records, bundles.

mod common;

use std::path::PathBuf;

use common::{osv_record, write_zip};
use plinth_vulndb::{DbError, VulnDb, export, import};

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn malformed_records_are_skipped_counted_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    write(
        &feed,
        "good.json",
        &osv_record("GHSA-good", "PyPI", "Django", "4.2.1"),
    );
    write(
        &feed,
        "broken.json",
        "{\"id\": \"GHSA-broken\", \"affected\": 7}",
    );
    write(&feed, "truncated.json", "{\"id\": \"GHSA-trunc");
    write(&feed, "SOURCE", "not a feed, ignored");
    let entries = vec![
        (
            "ok.json".to_string(),
            osv_record("GO-1", "Go", "golang.org/x/net", "0.1.0").into_bytes(),
        ),
        ("bad.json".to_string(), b"[not json".to_vec()),
    ];
    write_zip(&feed.join("all.zip"), &entries);

    let db_path = dir.path().join("vuln.redb");
    let report = import(&db_path, &[feed]).unwrap();
    let stats = &report.sources[0].stats;
    assert_eq!(stats.records, 2);
    assert_eq!(stats.skipped, 3);
    let names = stats.first_skipped.join(" | ");
    assert!(names.contains("GHSA-broken"), "{names}");
    assert!(names.contains("truncated.json"), "{names}");
    assert!(names.contains("bad.json"), "{names}");

    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.advisories("PyPI", "django").unwrap()[0].id, "GHSA-good");
    assert_eq!(
        db.advisories("Go", "golang.org/x/net").unwrap()[0].id,
        "GO-1"
    );
}

#[test]
fn bad_files_fail_with_one_line_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.redb");
    let html = write(
        dir.path(),
        "feed.json",
        "<!DOCTYPE html><html><body>login</body></html>",
    );
    let not_zip = write(
        dir.path(),
        "all.zip",
        "PK\u{3}\u{4}garbage that is not a zip",
    );
    let missing = dir.path().join("missing.json");
    for (input, expect) in [
        (&html, "HTML"),
        (&not_zip, "zip"),
        (&missing, "No such file"),
    ] {
        let message = import(&db_path, std::slice::from_ref(input))
            .unwrap_err()
            .to_string();
        assert!(message.contains(&*input.display().to_string()), "{message}");
        assert!(message.contains(expect), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
    assert!(
        matches!(VulnDb::open(&db_path), Err(DbError::Missing { .. })),
        "nothing written"
    );
}

#[test]
fn failed_import_leaves_the_old_database_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.redb");
    let first = write(
        dir.path(),
        "a.json",
        &osv_record("GHSA-a", "npm", "@scope/pkg", "1.0.0"),
    );
    import(&db_path, &[first]).unwrap();
    let before = std::fs::read(&db_path).unwrap();

    let second = write(
        dir.path(),
        "b.json",
        &osv_record("GHSA-b", "npm", "other", "1.0.0"),
    );
    let html = write(dir.path(), "c.json", "<html></html>");
    assert!(import(&db_path, &[second, html]).is_err());
    assert_eq!(std::fs::read(&db_path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary file removed");
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.advisories("npm", "@scope/pkg").unwrap().len(), 1);
    assert!(db.advisories("npm", "other").unwrap().is_empty());
}

#[test]
fn a_reader_keeps_its_snapshot_while_the_database_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.redb");
    let feed = write(
        dir.path(),
        "feed.json",
        &osv_record("GHSA-old", "Maven", "org.example:lib", "1.0"),
    );
    import(&db_path, std::slice::from_ref(&feed)).unwrap();

    let reader = VulnDb::open(&db_path).unwrap();
    let snapshot = reader.snapshot().unwrap();
    assert_eq!(
        snapshot.advisories("Maven", "org.example/lib").unwrap()[0].id,
        "GHSA-old"
    );

    // Same source name (same path), new content: the source is replaced.
    write(
        dir.path(),
        "feed.json",
        &osv_record("GHSA-new", "Maven", "org.example:lib", "2.0"),
    );
    import(&db_path, std::slice::from_ref(&feed)).unwrap();

    assert_eq!(
        snapshot.advisories("Maven", "org.example:lib").unwrap()[0].id,
        "GHSA-old"
    );
    assert_eq!(
        reader.advisories("Maven", "org.example:lib").unwrap()[0].id,
        "GHSA-old"
    );
    let fresh = VulnDb::open(&db_path).unwrap();
    let now = fresh.advisories("Maven", "org.example:lib").unwrap();
    assert_eq!(now.len(), 1, "old rows of the source were removed");
    assert_eq!(now[0].id, "GHSA-new");
}

#[test]
fn export_bundle_imports_on_another_machine() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.redb");
    let a = write(
        dir.path(),
        "a.json",
        &osv_record("RUSTSEC-1", "crates.io", "smallvec", "1.6.1"),
    );
    let b = write(
        dir.path(),
        "b.json",
        &osv_record("PYSEC-1", "PyPI", "zope.interface", "5.0"),
    );
    import(&db_path, &[a, b]).unwrap();

    let bundle = dir.path().join("bundle.db");
    let sources = export(&db_path, &bundle).unwrap();
    assert_eq!(sources.len(), 2);

    let other = dir.path().join("elsewhere/vuln.redb");
    let report = import(&other, &[bundle]).unwrap();
    assert_eq!(report.sources.len(), 2);
    let db = VulnDb::open(&other).unwrap();
    assert_eq!(
        db.advisories("PyPI", "zope-interface").unwrap()[0].id,
        "PYSEC-1"
    );
    assert_eq!(
        db.advisories("crates.io", "smallvec").unwrap()[0].id,
        "RUSTSEC-1"
    );
    let info = db.info().unwrap();
    assert_eq!(info.ecosystems["PyPI"].advisories, 1);

    assert!(matches!(
        export(&dir.path().join("none.redb"), &dir.path().join("x")),
        Err(DbError::Missing { .. })
    ));
}
