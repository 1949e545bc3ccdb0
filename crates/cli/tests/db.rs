//! `plinth db` end to end: import real feeds, info, export/import, update against a local
//! server, and the exit codes of bad input.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use assert_cmd::Command;
use plinth_testdata::vulndata;

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB")
        .env("XDG_CONFIG_HOME", "/nonexistent-plinth-config");
    cmd
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn import_info_export_and_reimport_real_feeds() {
    let Some(data) = vulndata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(data.join("osv"))
        .arg(data.join("alpine-secdb"))
        .arg(data.join("debian-tracker-json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));

    let out = plinth()
        .args(["db", "info", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Alpine:v3.20",
        "Debian:12",
        "PyPI",
        "crates.io",
        "Built:",
        "BYTES",
    ] {
        assert!(table.contains(needle), "{needle} missing from\n{table}");
    }

    let bundle = dir.path().join("bundle.redb");
    let out = plinth()
        .args(["db", "export", "--db"])
        .arg(&db)
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let other = dir.path().join("other.redb");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&other)
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));

    let out = plinth()
        .args(["db", "info", "-f", "json", "--db"])
        .arg(&other)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sources"].as_array().unwrap().len(), 3);
    assert_eq!(json["ecosystems"]["Debian:12"]["packages"], 1);
    assert_eq!(json["ecosystems"]["npm"]["advisories"], 3);
    // Each source's rows, as the table's BYTES column shows them: all there, within the file.
    let bytes: Vec<u64> = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["bytes"].as_u64().unwrap())
        .collect();
    assert!(bytes.iter().all(|&b| b > 0), "{bytes:?}");
    assert!(bytes.iter().sum::<u64>() < json["file_size"].as_u64().unwrap());
}

#[test]
fn bad_input_and_missing_database_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");

    let out = plinth()
        .args(["db", "info", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(stderr_of(&out).lines().count(), 1, "{}", stderr_of(&out));

    let html = dir.path().join("feed.json");
    std::fs::write(&html, "<!DOCTYPE html><html></html>").unwrap();
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("feed.json") && err.contains("HTML"), "{err}");
    assert!(!db.exists());
}

/// Serves `files` (path → body) with ETag `"<len>"` and 304 for a matching If-None-Match, for
/// a bounded number of connections.
fn serve(files: Vec<(&'static str, Vec<u8>)>, connections: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut etag_in = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h
                    .strip_prefix("if-none-match:")
                    .or_else(|| h.strip_prefix("If-None-Match:"))
                {
                    etag_in = Some(v.trim().to_string());
                }
            }
            let reply = match files.iter().find(|(p, _)| *p == path) {
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
                Some((_, body)) => {
                    let etag = format!("\"{}\"", body.len());
                    if etag_in.as_deref() == Some(etag.as_str()) {
                        format!(
                            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                        )
                        .into_bytes()
                    } else {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                }
            };
            let _ = stream.write_all(&reply);
        }
    });
    base
}

#[test]
fn update_from_a_local_mirror_then_not_modified() {
    let Some(data) = vulndata() else { return };
    let alpine = std::fs::read(data.join("alpine-secdb/v3.20/main.json")).unwrap();
    let debian = std::fs::read(data.join("debian-tracker-json/debian.json")).unwrap();
    let base = serve(
        vec![("/v3.20/main.json", alpine), ("/tracker/data/json", debian)],
        8,
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("db.conf");
    std::fs::write(&config, "alpine = v3.20/main\n").unwrap();
    let db = dir.path().join("vuln.redb");
    let run = || {
        plinth()
            .args([
                "db",
                "update",
                "--ecosystems",
                "Alpine,Debian",
                "--timeout",
                "5",
                "--db-source",
                &base,
                "--config",
            ])
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap()
    };
    let first = run();
    let err = stderr_of(&first);
    assert!(first.status.success(), "{err}");
    assert!(
        err.contains("alpine-secdb/v3.20/main: updated from"),
        "{err}"
    );
    assert!(err.contains("debian-tracker: updated from"), "{err}");
    let second = run();
    let err = stderr_of(&second);
    assert!(second.status.success(), "{err}");
    assert_eq!(err.matches("not modified").count(), 2, "{err}");

    // A mirror that has nothing: network exit code, the old data kept.
    let out = plinth()
        .args([
            "db",
            "update",
            "--ecosystems",
            "Debian",
            "--retries",
            "0",
            "--db-source",
            "http://127.0.0.1:9/none",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("debian-tracker: FAILED, old data kept"));
    let out = plinth()
        .args(["db", "info", "-f", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ecosystems"]["Debian:12"]["advisories"], 1);
}
