//! `update_nvd` against the local HTTP test server, with NVD's own paged answers
//! (../shared/fixtures/vulndata/nvd-api-2.0): a first full run over two pages, an incremental
//! `lastModStartDate`/`lastModEndDate` run merged into it, and a failing page that keeps the old
//! data. No test leaves 127.0.0.1.

mod common;

use std::time::Duration;

use common::{Reply, Server};
use plinth_vulndb::{NvdOptions, UpdateOptions, VulnDb, update_nvd};

fn serve(server: &Server, path: &str, body: Vec<u8>) {
    server.set(
        path,
        Reply::Serve {
            body,
            etag: "\"x\"".into(),
        },
    );
}

#[test]
fn full_then_incremental_then_a_failing_page() {
    let Some(data) = plinth_testdata::vulndata() else {
        println!("skipped: ../shared is absent");
        return;
    };
    let nvd = data.join("nvd-api-2.0");
    let read = |p: &str| std::fs::read(nvd.join(p)).unwrap();
    let server = Server::start();
    // 2026-01-01T00:00:00Z, then one hour later.
    let first = 1_767_225_600;
    serve(
        &server,
        "/cves?resultsPerPage=2&startIndex=0",
        read("paged/respPage1.json"),
    );
    serve(
        &server,
        "/cves?resultsPerPage=2&startIndex=2",
        read("paged/respPage2.json"),
    );
    let window = "/cves?resultsPerPage=2&startIndex=0\
        &lastModStartDate=2026-01-01T00:00:00.000%2B00:00\
        &lastModEndDate=2026-01-01T01:00:00.000%2B00:00";
    serve(&server, window, read("single/CVE-2023-4863.json"));

    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vuln.redb");
    let mut options = NvdOptions {
        url: format!("{}/cves", server.base),
        api_key: Some("test-key".into()),
        page_size: 2,
        until: Some(first),
    };
    let update = UpdateOptions {
        retries: 0,
        timeout: Duration::from_secs(5),
        ..UpdateOptions::default()
    };
    let report = update_nvd(&db_path, &options, &update).unwrap();
    assert_eq!(
        (report.pages, report.cves, report.incremental),
        (2, 3, false)
    );
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.cve_severity_counts().unwrap()["nvd"], 3);
    assert!(!db.cve_severity("CVE-2024-5732").unwrap().is_empty());
    drop(db);

    options.until = Some(first + 3600);
    let report = update_nvd(&db_path, &options, &update).unwrap();
    assert_eq!(
        (report.pages, report.cves, report.incremental),
        (1, 1, true)
    );
    assert_eq!(server.hits(window), 1);
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(
        db.cve_severity_counts().unwrap()["nvd"],
        4,
        "merged, not replaced"
    );
    assert_eq!(db.cve_severity("CVE-2023-4863").unwrap()[0].score, 8.8);
    drop(db);

    // The next window's page is an HTML error page: the update fails, naming the URL, and the
    // database is untouched.
    let before = std::fs::read(&db_path).unwrap();
    options.until = Some(first + 7200);
    let next = "/cves?resultsPerPage=2&startIndex=0\
        &lastModStartDate=2026-01-01T01:00:00.000%2B00:00\
        &lastModEndDate=2026-01-01T02:00:00.000%2B00:00";
    server.set(next, Reply::Html);
    let err = update_nvd(&db_path, &options, &update)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("lastModStartDate") && err.contains("HTML"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db_path).unwrap(), before);
}
