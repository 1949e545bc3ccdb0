//! The store on synthetic input: snapshots, atomic replacement, malformed records, bundles.

mod common;

use std::path::PathBuf;

use common::{osv_record, write_zip};
use plinth_vulndb::{
    DbError, Event, RangeKind, Rating, SeverityKind, Status, VulnDb, export, import,
};

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

#[test]
fn distro_ecosystems_vendor_severities_and_every_range_shape() {
    let dir = tempfile::tempdir().unwrap();
    let ubuntu = serde_json::json!({
        "id": "UBUNTU-CVE-2024-1234", "upstream": ["CVE-2024-1234"], "details": "First line.\nMore.",
        "severity": [
            {"type": "Ubuntu", "score": "medium"},
            {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}
        ],
        "affected": [{"package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.15"}]}]}]
    });
    let rocky = serde_json::json!({
        "id": "RLSA-2024:1", "aliases": ["CVE-2024-1"], "affected": [
            {"package": {"ecosystem": "Rocky Linux:9", "name": "curl"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "7.76.1-26.el9"}]}]},
            {"package": {"ecosystem": "Wolfi", "name": "curl"}, "versions": ["8.0.0-r0", "8.0.1-r0"]},
            {"package": {"ecosystem": "Debian:12", "name": "curl"},
             "ecosystem_specific": {"urgency": "low"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "7.0"}, {"limit": "8.0"}]},
                        {"type": "GIT", "repo": "https://github.com/curl/curl", "events": [{"introduced": "abc123"}]}]}
        ]
    });
    let withdrawn = serde_json::json!({"id": "GHSA-gone", "withdrawn": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}}]});
    let ub = write(dir.path(), "u.json", &ubuntu.to_string());
    let ro = write(dir.path(), "r.json", &rocky.to_string());
    let wd = write(dir.path(), "w.json", &withdrawn.to_string());
    let db_path = dir.path().join("vuln.redb");
    let report = import(&db_path, &[ub, ro, wd]).unwrap();
    assert_eq!(report.sources[2].stats.withdrawn, 1);
    let db = VulnDb::open(&db_path).unwrap();

    let ubuntu = &db.advisories("Ubuntu:22.04:LTS", "openssl").unwrap()[0];
    assert_eq!(ubuntu.aliases, ["CVE-2024-1234"]);
    assert_eq!(ubuntu.summary, "First line.");
    assert_eq!(ubuntu.severity[0].kind, SeverityKind::Vendor);
    assert_eq!(ubuntu.severity[0].source, "ubuntu");
    assert_eq!(ubuntu.severity[0].level.as_deref(), Some("medium"));
    assert_eq!(ubuntu.severity[1].kind, SeverityKind::CvssV4);
    assert_eq!(ubuntu.severity[1].score, Some(9.3), "v4 vectors are scored");
    // The highest of Ubuntu's "medium" and the v4 vector's 9.3.
    assert_eq!(ubuntu.rating(), Rating::Critical);

    let rocky = &db.advisories("Rocky Linux:9.4", "curl").unwrap()[0];
    assert_eq!(rocky.affected[0].status, Status::Unfixed);
    assert_eq!(
        rocky.affected[0].ranges[0].events[1],
        Event::LastAffected("7.76.1-26.el9".into())
    );
    let wolfi = &db.advisories("Wolfi", "curl").unwrap()[0];
    assert_eq!(wolfi.affected[0].versions, ["8.0.0-r0", "8.0.1-r0"]);
    let debian = &db.advisories("Debian:bookworm", "curl").unwrap()[0];
    assert_eq!(
        debian.affected[0].ranges[0].events[1],
        Event::Limit("8.0".into())
    );
    assert_eq!(debian.affected[0].ranges[1].kind, RangeKind::Git);
    assert_eq!(
        debian.affected[0].ranges[1].repo.as_deref(),
        Some("https://github.com/curl/curl")
    );
    assert!(
        debian
            .severity
            .iter()
            .any(|s| s.source == "debian" && s.level.as_deref() == Some("low"))
    );
    assert!(db.advisories("npm", "left-pad").unwrap().is_empty());
}

#[test]
fn temp_files_of_dead_writers_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let feed = write(
        dir.path(),
        "r.json",
        &osv_record("GHSA-1", "PyPI", "django", "4.2.1"),
    );
    let db_path = dir.path().join("vuln.redb");
    import(&db_path, std::slice::from_ref(&feed)).unwrap();
    // Pids above Linux's largest pid_max (2^22) never belong to a live process.
    let dead = write(
        dir.path(),
        ".vuln.redb.4294967.12345.tmp",
        "left by kill -9",
    );
    let mut sleeper = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let live = write(
        dir.path(),
        &format!(".vuln.redb.{}.1.tmp", sleeper.id()),
        "being copied",
    );
    let held = write(dir.path(), ".vuln.redb.4294968.1.tmp", "locked by a writer");
    let lock = std::fs::File::open(&held).unwrap();
    lock.lock().unwrap();
    let other = write(
        dir.path(),
        ".other.redb.4294967.1.tmp",
        "another database's",
    );

    import(&db_path, &[feed]).unwrap();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(!dead.exists(), "a dead writer's temp file is removed");
    assert!(live.exists(), "a live process's temp file is kept");
    assert!(held.exists(), "a locked temp file is kept");
    assert!(
        other.exists(),
        "another database's temp file is not touched"
    );
    drop(lock);
}

/// A feed directory holding real records beside an HTML error page, a truncated download and a
/// record with unknown fields: the bad files are skipped and named, the rest imports, and a
/// source imported before is untouched.
#[test]
fn bad_files_in_a_feed_directory_are_skipped_and_the_rest_imports() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.redb");
    import(&db_path, &[data.join("alpine-secdb/v3.9")]).unwrap();
    let before = VulnDb::open(&db_path)
        .unwrap()
        .advisories("Alpine:v3.9", "openssl")
        .unwrap();
    assert!(!before.is_empty());

    let feed = dir.path().join("feed");
    std::fs::create_dir(&feed).unwrap();
    std::fs::copy(
        data.join("alpine-secdb/v3.20/main.json"),
        feed.join("main.json"),
    )
    .unwrap();
    write(
        &feed,
        "error.json",
        "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
    );
    let wolfi = std::fs::read(data.join("wolfi-secdb/security.json")).unwrap();
    std::fs::write(feed.join("truncated.json"), &wolfi[..wolfi.len() / 2]).unwrap();
    let mut extra: serde_json::Value = serde_json::from_slice(&wolfi).unwrap();
    extra["a_field_from_the_future"] = serde_json::json!({"x": 1});
    extra["packages"][0]["pkg"]["also_new"] = serde_json::json!(true);
    std::fs::write(
        feed.join("unknown-fields.json"),
        serde_json::to_vec(&extra).unwrap(),
    )
    .unwrap();

    let report = import(&db_path, &[feed]).unwrap();
    let stats = &report.sources[0].stats;
    let skipped = stats.first_skipped.join(" | ");
    assert_eq!(stats.skipped, 2, "{skipped}");
    assert!(
        skipped.contains("error.json") && skipped.contains("HTML"),
        "{skipped}"
    );
    assert!(skipped.contains("truncated.json"), "{skipped}");
    let db = VulnDb::open(&db_path).unwrap();
    assert!(!db.advisories("Alpine:v3.20", "openssl").unwrap().is_empty());
    assert!(!db.advisories("Wolfi", "busybox").unwrap().is_empty());
    assert_eq!(db.advisories("Alpine:v3.9", "openssl").unwrap(), before);
}

/// Bytes per source: every source's rows are counted under its own name, a source's count does
/// not depend on what else the database holds, and together they fit in the file.
#[test]
fn bytes_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let small = write(
        dir.path(),
        "small.json",
        &osv_record("GHSA-1", "PyPI", "jinja2", "3.1.3"),
    );
    let records: Vec<String> = (0..20)
        .map(|i| {
            osv_record(
                &format!("GO-{i}"),
                "Go",
                &format!("example.com/m{i}"),
                "1.0.0",
            )
        })
        .collect();
    let large = write(
        dir.path(),
        "large.json",
        &format!("[{}]", records.join(",")),
    );
    let both = dir.path().join("both.redb");
    import(&both, &[small.clone(), large.clone()]).unwrap();
    let alone = dir.path().join("alone.redb");
    import(&alone, std::slice::from_ref(&small)).unwrap();

    let db = VulnDb::open(&both).unwrap();
    let bytes = db.source_bytes().unwrap();
    let name = |p: &PathBuf| format!("import:{}", std::fs::canonicalize(p).unwrap().display());
    let (s, l) = (bytes[&name(&small)], bytes[&name(&large)]);
    assert!(s > 0 && l > 10 * s, "{bytes:?}");
    assert_eq!(bytes.len(), 2);
    assert!(s + l < db.info().unwrap().file_size);
    assert_eq!(
        VulnDb::open(&alone).unwrap().source_bytes().unwrap()[&name(&small)],
        s
    );
}
