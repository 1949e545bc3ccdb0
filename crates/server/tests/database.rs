//! The served database swaps whole: a reload loads a replaced file and leaves an unchanged one
//! alone, a request's snapshot keeps answering from its own file after a swap, and a broken
//! replacement leaves the loaded snapshot serving; scans through a loaded database's memo
//! answer as its snapshot does. Databases are imported from the real advisory records in
//! ../shared/fixtures/vulndata.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use plinth_server::database::{Database, Loaded, Reloaded};
use plinth_server::memo::MAX_RECORDS;

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

/// The fixture images make-images.sh builds, one per distribution and package kind.
const IMAGES: [&str; 6] = [
    "debian-app.docker.tar",
    "debian-bookworm.docker.tar",
    "distroless-debian.docker.tar",
    "alpine-3.20.docker.tar",
    "alpine-3.9.docker.tar",
    "rpm-mariner.docker.tar",
];

/// The inventory of a fixture image file.
fn inventory_of(file: &Path) -> plinth_sbom::Inventory {
    let image = plinth_image::reference::Reference::parse(&file.to_string_lossy())
        .unwrap()
        .open_local(None)
        .unwrap();
    plinth_sbom::inventory(&image).unwrap()
}

/// The JSON of a scan of `inventory` against `db` (findings, severities, coverage).
fn scanned(inventory: &plinth_sbom::Inventory, db: &dyn plinth_scan::Advisories) -> String {
    let report = plinth_scan::match_inventory(inventory, db, None).unwrap();
    serde_json::to_string_pretty(&report).unwrap()
}

#[test]
fn memoized_scans_answer_as_the_snapshot_does_and_stay_with_it() {
    let (Some(data), Some(app)) = (
        plinth_testdata::vulndata(),
        plinth_testdata::fixture("debian-app.docker.tar"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    import(&path, std::slice::from_ref(&data));
    let db = Database::new(path.clone());
    db.reload().unwrap();
    let loaded = db.current().unwrap();
    let app_findings = scanned(&inventory_of(&app), &loaded.db.snapshot().unwrap());
    assert!(app_findings.contains("\"CVE-"), "findings to compare");
    for name in IMAGES {
        let Some(file) = plinth_testdata::fixture(name) else {
            continue;
        };
        let inventory = inventory_of(&file);
        let direct = scanned(&inventory, &loaded.db.snapshot().unwrap());
        // The first scan fills the memo, the second is answered from it.
        for round in ["filling", "from the memo"] {
            let memoized = scanned(&inventory, &loaded.lookups().unwrap());
            assert_eq!(memoized, direct, "{name}, {round}");
        }
    }
    let held = loaded.memo.records();
    assert!(held > 0 && held <= MAX_RECORDS, "{held} records held");

    // A new file is a new snapshot with a memo of its own: nothing read from the old one
    // answers for it.
    import(&path, &[data.join("osv")]);
    assert_eq!(db.reload().unwrap(), Reloaded::Swapped(2));
    let second: Arc<Loaded> = db.current().unwrap();
    assert_eq!(second.memo.records(), 0);
    let inventory = inventory_of(&app);
    let from_new = scanned(&inventory, &second.lookups().unwrap());
    assert_eq!(
        from_new,
        scanned(&inventory, &second.db.snapshot().unwrap())
    );
    assert_ne!(
        from_new,
        scanned(&inventory, &loaded.lookups().unwrap()),
        "osv alone has no Debian tracker records"
    );
}
