//! First run just works: `plinth scan` downloads the database when there is none and refreshes
//! it when it is older than `--db-max-age` (conditionally: a 304 costs one request), never
//! downloads under `--offline`/`--skip-db-update`, and survives a truncated or stalled mirror.
//! The mirror is a loopback server serving Alpine 3.9's real secdb; the config file points
//! there, as a user's `db.conf` would.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;

/// How the mirror answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// 200 with an ETag, 304 when If-None-Match matches.
    Serve,
    /// Promises the whole body, sends half, closes.
    Truncate,
    /// Accepts and never answers.
    Stall,
}

struct Mirror {
    base: String,
    mode: Arc<Mutex<Mode>>,
    /// (full answers, 304 answers)
    full: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
}

fn mirror(path: &'static str, body: Vec<u8>) -> Mirror {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mode = Arc::new(Mutex::new(Mode::Serve));
    let full = Arc::new(AtomicUsize::new(0));
    let not_modified = Arc::new(AtomicUsize::new(0));
    let (m, f, n) = (mode.clone(), full.clone(), not_modified.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mode = *m.lock().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let asked = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut etag_in = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':')
                    && k.eq_ignore_ascii_case("if-none-match")
                {
                    etag_in = Some(v.trim().to_string());
                }
            }
            let etag = format!("\"{}\"", body.len());
            if asked != path {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            match mode {
                Mode::Stall => {
                    // Hold the connection open, say nothing.
                    std::thread::spawn(move || {
                        std::thread::sleep(std::time::Duration::from_secs(30));
                        drop(stream);
                    });
                }
                Mode::Serve if etag_in.as_deref() == Some(etag.as_str()) => {
                    n.fetch_add(1, Ordering::SeqCst);
                    let _ = write!(
                        stream,
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                    );
                }
                Mode::Serve | Mode::Truncate => {
                    let sent = if mode == Mode::Serve {
                        f.fetch_add(1, Ordering::SeqCst);
                        &body[..]
                    } else {
                        &body[..body.len() / 2]
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(sent);
                }
            }
        }
    });
    Mirror {
        base,
        mode,
        full,
        not_modified,
    }
}

/// `plinth scan` with `XDG_CONFIG_HOME/plinth/db.conf` pointing at the mirror.
fn scan(config_home: &Path, db: &Path, image: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("plinth")
        .unwrap()
        .env_remove("PLINTH_DB")
        .env_remove("PLINTH_DB_MAX_AGE")
        .env("XDG_CONFIG_HOME", config_home)
        .env("NO_COLOR", "1")
        .args(["scan", "-f", "json", "--db"])
        .arg(db)
        .arg(image)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn config(dir: &Path, base: &str) -> PathBuf {
    let home = dir.join("config");
    std::fs::create_dir_all(home.join("plinth")).unwrap();
    std::fs::write(
        home.join("plinth/db.conf"),
        format!(
            "mirror = {base}\necosystems = Alpine\nalpine = v3.9/main\ntimeout = 1\nretries = 0\n"
        ),
    )
    .unwrap();
    home
}

fn findings(json: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["targets"][0]["findings"].as_array().unwrap().len()
}

#[test]
fn scan_downloads_refreshes_and_stays_offline_when_told() {
    let (Some(image), Some(data)) = (
        plinth_testdata::fixture("alpine-3.9.oci.tar"),
        plinth_testdata::vulndata(),
    ) else {
        return;
    };
    let secdb = std::fs::read(data.join("alpine-secdb/v3.9/main.json")).unwrap();
    let m = mirror("/v3.9/main.json", secdb);
    let dir = tempfile::tempdir().unwrap();
    let home = config(dir.path(), &m.base);
    let db = dir.path().join("cache/vuln.redb");

    // --offline with no database: the usual error, and not one request.
    let (code, _, err) = scan(&home, &db, &image, &["--offline"]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("no vulnerability database"), "{err}");
    assert_eq!(m.full.load(Ordering::SeqCst), 0);

    // First run: downloaded, then matched.
    let (code, out, err) = scan(&home, &db, &image, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("downloading the vulnerability database") && err.contains("there is none"),
        "{err}"
    );
    assert!(
        err.contains("alpine-secdb/v3.9/main: updated from"),
        "{err}"
    );
    assert_eq!(m.full.load(Ordering::SeqCst), 1);
    let first = findings(&out);
    assert!(first > 0, "{out}");

    // Fresh: no request at all.
    let (code, _, err) = scan(&home, &db, &image, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("downloading"), "{err}");
    assert_eq!(m.full.load(Ordering::SeqCst), 1);

    // Older than --db-max-age 0: refreshed with If-None-Match, answered 304.
    let (code, out, err) = scan(&home, &db, &image, &["--db-max-age", "0"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not modified"), "{err}");
    assert_eq!(m.not_modified.load(Ordering::SeqCst), 1);
    assert_eq!(m.full.load(Ordering::SeqCst), 1);
    assert_eq!(findings(&out), first);

    // --skip-db-update: old is fine, no request.
    let (code, _, _) = scan(
        &home,
        &db,
        &image,
        &["--db-max-age", "0", "--skip-db-update"],
    );
    assert_eq!(code, 0);
    assert_eq!(m.not_modified.load(Ordering::SeqCst), 1);
}

#[test]
fn a_truncated_or_stalled_mirror_keeps_the_old_database() {
    let (Some(image), Some(data)) = (
        plinth_testdata::fixture("alpine-3.9.oci.tar"),
        plinth_testdata::vulndata(),
    ) else {
        return;
    };
    let secdb = std::fs::read(data.join("alpine-secdb/v3.9/main.json")).unwrap();
    let m = mirror("/v3.9/main.json", secdb);
    let dir = tempfile::tempdir().unwrap();
    let home = config(dir.path(), &m.base);
    let db = dir.path().join("vuln.redb");

    // A truncated first download: a warning, and still no database.
    *m.mode.lock().unwrap() = Mode::Truncate;
    let (code, _, err) = scan(&home, &db, &image, &[]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("FAILED"), "{err}");
    assert!(!db.exists());

    *m.mode.lock().unwrap() = Mode::Serve;
    let (code, out, err) = scan(&home, &db, &image, &[]);
    assert_eq!(code, 0, "{err}");
    let good = findings(&out);
    assert!(good > 0);

    // A stalled refresh (timeout 1 s in db.conf): a warning, the scan goes on with the old data.
    for mode in [Mode::Stall, Mode::Truncate] {
        *m.mode.lock().unwrap() = mode;
        let (code, out, err) = scan(&home, &db, &image, &["--db-max-age", "0"]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("FAILED, old data kept"), "{err}");
        assert_eq!(findings(&out), good);
    }
    // Nothing left behind by the failed writes.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.starts_with(".plinth-download"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
