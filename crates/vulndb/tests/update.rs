//! `update` against a local HTTP server that serves feeds under the upstream paths: first
//! download, 304, truncated body, 500, stall, HTML, mirrors in order. No test leaves 127.0.0.1.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Reply, Server, osv_record, write_zip};
use plinth_vulndb::{FeedSource, Outcome, UpdateOptions, VulnDb, update};

fn options(server: &Server, sources: Vec<FeedSource>) -> UpdateOptions {
    UpdateOptions {
        sources,
        mirrors: vec![server.base.clone()],
        timeout: Duration::from_millis(700),
        retries: 1,
        backoff: Duration::from_millis(10),
        parallel: 3,
        progress: false,
    }
}

fn zip_bytes(dir: &Path, records: &[(String, String)]) -> Vec<u8> {
    let path = dir.join("build.zip");
    let entries: Vec<(String, Vec<u8>)> = records
        .iter()
        .map(|(name, text)| (name.clone(), text.clone().into_bytes()))
        .collect();
    write_zip(&path, &entries);
    std::fs::read(path).unwrap()
}

fn outcome<'a>(report: &'a plinth_vulndb::UpdateReport, name: &str) -> &'a Outcome {
    &report
        .sources
        .iter()
        .find(|s| s.name == name)
        .unwrap()
        .result
}

#[test]
fn downloads_then_not_modified_then_keeps_old_data_on_every_failure() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let go = zip_bytes(
        dir.path(),
        &[(
            "GO-1.json".into(),
            osv_record("GO-1", "Go", "golang.org/x/net", "0.23.0"),
        )],
    );
    server.set(
        "/Go/all.zip",
        Reply::Serve {
            body: go,
            etag: "\"go-1\"".into(),
        },
    );
    let pypi = zip_bytes(
        dir.path(),
        &[(
            "P-1.json".into(),
            osv_record("PYSEC-1", "PyPI", "Jinja2", "3.1.3"),
        )],
    );
    server.set(
        "/PyPI/all.zip",
        Reply::Serve {
            body: pypi.clone(),
            etag: "\"pypi-1\"".into(),
        },
    );
    let db_path = dir.path().join("cache/vuln.redb");
    let sources = vec![FeedSource::osv("Go"), FeedSource::osv("PyPI")];

    // First run: both downloaded.
    let report = update(&db_path, &options(&server, sources.clone())).unwrap();
    assert_eq!(report.failures().count(), 0, "{report:?}");
    assert!(
        matches!(outcome(&report, "osv/Go"), Outcome::Updated { stats, .. } if stats.records == 1)
    );
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(
        db.advisories("Go", "golang.org/x/net").unwrap()[0].id,
        "GO-1"
    );
    assert_eq!(db.advisories("PyPI", "jinja2").unwrap()[0].id, "PYSEC-1");
    let etag = db
        .info()
        .unwrap()
        .sources
        .iter()
        .find(|s| s.name == "osv/Go")
        .unwrap()
        .etag
        .clone();
    assert_eq!(etag.as_deref(), Some("\"go-1\""));

    // Second run: one conditional request each, 304, nothing re-parsed.
    let report = update(&db_path, &options(&server, sources.clone())).unwrap();
    assert!(
        matches!(outcome(&report, "osv/Go"), Outcome::NotModified { .. }),
        "{report:?}"
    );
    assert!(matches!(
        outcome(&report, "osv/PyPI"),
        Outcome::NotModified { .. }
    ));
    assert_eq!(server.hits("/Go/all.zip"), 2);

    // Failures, one per source kind of trouble; each keeps its old data.
    server.set("/Go/all.zip", Reply::Truncate(vec![b'x'; 4000]));
    server.set("/PyPI/all.zip", Reply::Status(500));
    let report = update(&db_path, &options(&server, sources.clone())).unwrap();
    let Outcome::Failed(e) = outcome(&report, "osv/Go") else {
        panic!("{report:?}")
    };
    assert!(e.to_string().contains("truncated"), "{e}");
    assert!(e.to_string().contains("/Go/all.zip"), "{e}");
    let Outcome::Failed(e) = outcome(&report, "osv/PyPI") else {
        panic!("{report:?}")
    };
    assert!(e.to_string().contains("HTTP 500"), "{e}");
    assert_eq!(
        server.hits("/PyPI/all.zip"),
        2 + 2,
        "first try plus one retry"
    );

    server.set("/Go/all.zip", Reply::Stall(Duration::from_secs(3)));
    server.set("/PyPI/all.zip", Reply::Html);
    let mut opts = options(&server, sources.clone());
    opts.retries = 0;
    let report = update(&db_path, &opts).unwrap();
    let Outcome::Failed(e) = outcome(&report, "osv/Go") else {
        panic!("{report:?}")
    };
    assert!(
        e.to_string().contains("stalled") || e.to_string().contains("imeout"),
        "{e}"
    );
    let Outcome::Failed(e) = outcome(&report, "osv/PyPI") else {
        panic!("{report:?}")
    };
    assert!(e.to_string().contains("HTML"), "{e}");

    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(
        db.advisories("Go", "golang.org/x/net").unwrap()[0].id,
        "GO-1"
    );
    assert_eq!(db.advisories("PyPI", "jinja2").unwrap()[0].id, "PYSEC-1");

    // A changed feed replaces only its own source's rows.
    let pypi2 = zip_bytes(
        dir.path(),
        &[(
            "P-2.json".into(),
            osv_record("PYSEC-2", "PyPI", "jinja2", "3.1.4"),
        )],
    );
    server.set(
        "/PyPI/all.zip",
        Reply::Serve {
            body: pypi2,
            etag: "\"pypi-2\"".into(),
        },
    );
    server.set("/Go/all.zip", Reply::Status(404));
    let report = update(&db_path, &options(&server, sources)).unwrap();
    assert!(matches!(
        outcome(&report, "osv/PyPI"),
        Outcome::Updated { .. }
    ));
    let db = VulnDb::open(&db_path).unwrap();
    let ids: Vec<_> = db
        .advisories("PyPI", "jinja2")
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["PYSEC-2"]);
    assert_eq!(server.hits("/Go/all.zip"), 6, "404 is not retried");
}

#[test]
fn mirrors_are_tried_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let go = zip_bytes(
        dir.path(),
        &[(
            "GO-9.json".into(),
            osv_record("GO-9", "Go", "example.com/m", "1.0.0"),
        )],
    );
    server.set(
        "/good/Go/all.zip",
        Reply::Serve {
            body: go,
            etag: "\"e\"".into(),
        },
    );
    let mut opts = options(&server, vec![FeedSource::osv("Go")]);
    opts.mirrors = vec![
        format!("{}/broken", server.base),
        format!("{}/good/", server.base),
    ];
    let db_path = dir.path().join("vuln.redb");
    let report = update(&db_path, &opts).unwrap();
    let Outcome::Updated { url, .. } = outcome(&report, "osv/Go") else {
        panic!("{report:?}")
    };
    assert!(url.ends_with("/good/Go/all.zip"), "{url}");
    assert_eq!(server.hits("/broken/Go/all.zip"), 1);
}

#[test]
fn real_feeds_served_under_upstream_paths() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/vulndata");
    if !data.is_dir() {
        println!("skipped: {} not found", data.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let mut records = Vec::new();
    for entry in std::fs::read_dir(data.join("osv/PyPI")).unwrap() {
        let path = entry.unwrap().path();
        records.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    server.set(
        "/PyPI/all.zip",
        Reply::Serve {
            body: zip_bytes(dir.path(), &records),
            etag: "\"p\"".into(),
        },
    );
    let alpine = std::fs::read(data.join("alpine-secdb/v3.20/main.json")).unwrap();
    server.set(
        "/v3.20/main.json",
        Reply::Serve {
            body: alpine,
            etag: "\"a\"".into(),
        },
    );
    let debian = std::fs::read(data.join("debian-tracker-json/debian.json")).unwrap();
    server.set(
        "/tracker/data/json",
        Reply::Serve {
            body: debian,
            etag: "\"d\"".into(),
        },
    );

    let sources = vec![
        FeedSource::osv("PyPI"),
        FeedSource::alpine("v3.20/main"),
        FeedSource::debian_tracker(),
    ];
    let db_path = dir.path().join("vuln.redb");
    let report = update(&db_path, &options(&server, sources)).unwrap();
    assert_eq!(report.failures().count(), 0, "{report:?}");
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.advisories("PyPI", "requests").unwrap().len(), 5);
    assert!(
        db.advisories("Alpine:v3.20", "busybox")
            .unwrap()
            .iter()
            .any(|a| a.id == "CVE-2023-42363")
    );
    assert_eq!(
        db.advisories("Debian:12", "chromium").unwrap()[0].id,
        "CVE-2022-0456"
    );
    let info = db.info().unwrap();
    let names: Vec<_> = info.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["alpine-secdb/v3.20/main", "debian-tracker", "osv/PyPI"]
    );
}

/// Wolfi's and Chainguard's real secdb files, served under their upstream paths, land under
/// their own keys; a second update is one 304 each.
#[test]
fn wolfi_and_chainguard_secdb_under_their_upstream_paths() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    for (path, file) in [
        ("/os/security.json", "wolfi-secdb/security.json"),
        (
            "/chainguard/security.json",
            "chainguard-secdb/security.json",
        ),
    ] {
        server.set(
            path,
            Reply::Serve {
                body: std::fs::read(data.join(file)).unwrap(),
                etag: format!("\"{file}\""),
            },
        );
    }
    let sources = vec![
        FeedSource::apk_secdb("Wolfi"),
        FeedSource::apk_secdb("Chainguard"),
    ];
    let db_path = dir.path().join("vuln.redb");
    let report = update(&db_path, &options(&server, sources.clone())).unwrap();
    for name in ["wolfi-secdb", "chainguard-secdb"] {
        assert!(
            matches!(outcome(&report, name), Outcome::Updated { .. }),
            "{name}: {:?}",
            outcome(&report, name)
        );
    }
    let db = VulnDb::open(&db_path).unwrap();
    assert!(!db.advisories("Wolfi", "busybox").unwrap().is_empty());
    assert!(!db.advisories("Chainguard", "grafana").unwrap().is_empty());
    // Wolfi lists coreutils' CVE-2016-2781 under "0": stored as not affected.
    let coreutils = db.advisories("Wolfi", "coreutils").unwrap();
    let cve = coreutils.iter().find(|a| a.id == "CVE-2016-2781").unwrap();
    assert_eq!(cve.affected[0].status, plinth_vulndb::Status::NotAffected);
    drop(db);

    let again = update(&db_path, &options(&server, sources)).unwrap();
    for name in ["wolfi-secdb", "chainguard-secdb"] {
        assert!(matches!(outcome(&again, name), Outcome::NotModified { .. }));
    }
}

/// Azure Linux's OVAL under its upstream paths (the real Mariner 2.0 and Azure Linux 3.0
/// files): keyed by the release in the file name, then a 304, then a truncated refresh that
/// keeps the stored data.
#[test]
fn azure_linux_oval_under_its_upstream_paths() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let files = [
        (
            "/azurelinux-3.0-oval.xml",
            "azure-linux-truncated-3.0-oval.xml",
        ),
        (
            "/cbl-mariner-2.0-oval.xml",
            "mariner-truncated-2.0-oval.xml",
        ),
    ];
    for (path, file) in files {
        server.set(
            path,
            Reply::Serve {
                body: std::fs::read(data.join("azure-linux-oval").join(file)).unwrap(),
                etag: format!("\"{file}\""),
            },
        );
    }
    let sources: Vec<FeedSource> = plinth_vulndb::DEFAULT_AZURE_LINUX
        .iter()
        .map(|f| FeedSource::azure_linux_oval(f))
        .collect();
    let db_path = dir.path().join("vuln.redb");
    let report = update(&db_path, &options(&server, sources.clone())).unwrap();
    assert_eq!(report.failures().count(), 0, "{report:?}");
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.advisories("Azure Linux:3", "freeglut").unwrap().len(), 2);
    assert_eq!(db.advisories("Azure Linux:2", "mysql").unwrap().len(), 2);
    drop(db);

    let again = update(&db_path, &options(&server, sources.clone())).unwrap();
    let name = "azure-linux-oval/cbl-mariner-2.0-oval.xml";
    assert!(
        matches!(outcome(&again, name), Outcome::NotModified { .. }),
        "{again:?}"
    );

    server.set(
        "/cbl-mariner-2.0-oval.xml",
        Reply::Truncate(b"<oval_definitions".to_vec()),
    );
    let failed = update(&db_path, &options(&server, sources)).unwrap();
    assert!(
        matches!(outcome(&failed, name), Outcome::Failed(_)),
        "{failed:?}"
    );
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.advisories("Azure Linux:2", "mysql").unwrap().len(), 2);
}

/// Builds a zstd-compressed tar of `files` (name in the archive, bytes), as Red Hat publishes
/// its VEX archive.
fn tar_zst(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes.as_slice())
            .unwrap();
    }
    zstd::encode_all(tar.into_inner().unwrap().as_slice(), 3).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The opt-in vendor feeds under their upstream paths, from real records: SUSE's OVAL
/// (gzip), Red Hat's VEX archive named by `archive_latest.txt` (a tar.zst of the real VEX file,
/// packed here), and Amazon's `updateinfo` found through `mirror.list` and the real
/// `repomd.xml`. A second update is one 304 per feed; a truncated new archive and a failing
/// `mirror.list` keep what was stored.
#[test]
fn vendor_feeds_through_their_indexes() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let serve = |path: &str, body: Vec<u8>| {
        server.set(
            path,
            Reply::Serve {
                body,
                etag: format!("\"{path}\""),
            },
        )
    };
    let read = |file: &str| std::fs::read(data.join(file)).unwrap();
    serve(
        "/suse.linux.enterprise.server.15.xml.gz",
        gzip(&read("suse/oval/suse_truncated.xml")),
    );
    serve(
        "/archive_latest.txt",
        b"csaf_vex_2024-11-20.tar.zst\n".to_vec(),
    );
    let vex = read("redhat-csaf-vex/csaf-vex/cve-2024-10041.json");
    serve(
        "/csaf_vex_2024-11-20.tar.zst",
        tar_zst(&[
            ("2024/cve-2024-10041.json", vex.clone()),
            ("index.txt", b"x".to_vec()),
        ]),
    );
    for (mirror_list, repo, updateinfo) in [
        (
            "/2/core/latest/x86_64/mirror.list",
            "/2/core/2.0/x86_64/abc",
            "amazon-alas/updateinfo_2_items.xml.gz",
        ),
        (
            "/al2023/core/mirrors/latest/x86_64/mirror.list",
            "/al2023/core/guids/g1/x86_64",
            "amazon-alas/updateinfo_AL2023.xml.gz",
        ),
    ] {
        serve(
            mirror_list,
            format!("{}{repo}/\n", server.base).into_bytes(),
        );
        serve(
            &format!("{repo}/repodata/repomd.xml"),
            read("amazon-alas/repomd.xml"),
        );
        // The real repomd.xml names `repodata/updateinfo.xml.gz`.
        serve(
            &format!("{repo}/repodata/updateinfo.xml.gz"),
            read(updateinfo),
        );
    }
    let sources: Vec<FeedSource> = ["SUSE", "Red Hat", "Amazon Linux"]
        .into_iter()
        .flat_map(plinth_vulndb::opt_in_sources)
        .collect();
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let db_path = dir.path().join("vuln.redb");
    let report = update(&db_path, &options(&server, sources.clone())).unwrap();
    for name in &names {
        assert!(
            matches!(outcome(&report, name), Outcome::Updated { .. }),
            "{name}: {:?}",
            outcome(&report, name)
        );
    }
    let check = |db: &VulnDb| {
        assert!(
            !db.advisories("SUSE:Linux Enterprise 15", "kernel-default")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            db.advisories("Red Hat:enterprise_linux:9::baseos", "pam")
                .unwrap()[0]
                .id,
            "CVE-2024-10041"
        );
        assert_eq!(
            db.advisories("Amazon Linux:2023", "rsyslog").unwrap()[0].id,
            "ALAS2023-2023-001"
        );
        assert!(
            db.advisories("Amazon Linux:2", "qemu-img")
                .unwrap()
                .iter()
                .any(|a| a.id == "ALAS2-2018-942")
        );
    };
    check(&VulnDb::open(&db_path).unwrap());

    let again = update(&db_path, &options(&server, sources.clone())).unwrap();
    for name in &names {
        assert!(
            matches!(outcome(&again, name), Outcome::NotModified { .. }),
            "{name}: {:?}",
            outcome(&again, name)
        );
    }
    assert_eq!(server.hits("/csaf_vex_2024-11-20.tar.zst"), 2);
    assert_eq!(server.hits("/archive_latest.txt"), 2);

    serve(
        "/archive_latest.txt",
        b"csaf_vex_2024-11-21.tar.zst\n".to_vec(),
    );
    server.set(
        "/csaf_vex_2024-11-21.tar.zst",
        Reply::Truncate(tar_zst(&[("2024/cve-2024-10041.json", vex)])),
    );
    server.set("/2/core/latest/x86_64/mirror.list", Reply::Status(500));
    let failed = update(&db_path, &options(&server, sources)).unwrap();
    let Outcome::Failed(e) = outcome(&failed, "redhat-csaf-vex") else {
        panic!("{failed:?}")
    };
    assert!(
        e.to_string().contains("truncated") && e.to_string().contains("2024-11-21"),
        "{e}"
    );
    let Outcome::Failed(e) = outcome(&failed, "amazon-alas/2") else {
        panic!("{failed:?}")
    };
    assert!(
        e.to_string().contains("HTTP 500") && e.to_string().contains("mirror.list"),
        "{e}"
    );
    check(&VulnDb::open(&db_path).unwrap());
}
