//! The served database swaps whole: a reload loads a replaced file and leaves an unchanged one
//! alone, a request's snapshot keeps answering from its own file after a swap, and a broken
//! replacement leaves the loaded snapshot serving. Databases are imported from the real
//! advisory records in ../shared/fixtures/vulndata.

use std::path::{Path, PathBuf};

use plinth_server::database::{Database, Reloaded};

/// Imports `feeds` (folders of vulndata) into `path` through a temporary file and a rename,
/// as `db import` and `db update` replace a database.
fn import(path: &Path, feeds: &[PathBuf]) {
    let tmp = path.with_extension("new");
    plinth_vulndb::import(&tmp, feeds).expect("import");
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn reload_swaps_only_a_replaced_file_and_survives_a_broken_one() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    let db = Database::new(path.clone());
    assert!(db.reload().is_err(), "no file yet");
    assert!(db.current().is_none(), "not ready without a database");

    import(&path, &[data.join("osv")]);
    assert_eq!(db.reload().unwrap(), Reloaded::Swapped(1));
    assert_eq!(db.reload().unwrap(), Reloaded::Unchanged);
    let first = db.current().unwrap();
    let has_alpine = |l: &plinth_server::database::Loaded| {
        l.db.snapshot()
            .unwrap()
            .has_ecosystem("Alpine:v3.20")
            .unwrap()
    };
    assert!(!has_alpine(&first), "osv alone has no Alpine secdb data");

    import(&path, &[data.join("osv"), data.join("alpine-secdb")]);
    assert_eq!(db.reload().unwrap(), Reloaded::Swapped(2));
    let second = db.current().unwrap();
    assert!(has_alpine(&second), "the new file has Alpine data");
    // A request that took the first snapshot still reads its own (replaced) file.
    assert!(!has_alpine(&first));

    std::fs::write(path.with_extension("bad"), b"not a database").unwrap();
    std::fs::rename(path.with_extension("bad"), &path).unwrap();
    assert!(db.reload().is_err());
    assert_eq!(
        db.failed_reloads(),
        2,
        "the missing file and the broken one"
    );
    assert_eq!(
        db.current().unwrap().id,
        2,
        "the loaded snapshot keeps serving"
    );
}
