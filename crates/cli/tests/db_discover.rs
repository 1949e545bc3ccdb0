//! `db update` finds Alpine's secdb releases from the secdb index (every v3.x and edge), not a
//! list in the code: a mirror on loopback serves directory listings like secdb.alpinelinux.org's
//! and the real v3.9 and v3.20 secdb files.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use assert_cmd::Command;

fn serve(files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
            }
            let reply = match files.get(&path) {
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
                Some(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(body);
                    r
                }
            };
            let _ = stream.write_all(&reply);
        }
    });
    base
}

/// An nginx-style autoindex page of `entries`.
fn listing(entries: &[&str]) -> Vec<u8> {
    let mut html = String::from("<html><body><h1>Index</h1><hr><pre><a href=\"../\">../</a>\n");
    for e in entries {
        html.push_str(&format!("<a href=\"{e}\">{e}</a>  01-Jan-2026 00:00  -\n"));
    }
    html.push_str("</pre><hr></body></html>\n");
    html.into_bytes()
}

#[test]
fn alpine_releases_come_from_the_secdb_index() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let files: HashMap<String, Vec<u8>> = [
        ("/", listing(&["edge/", "v3.20/", "v3.9/", "license.txt"])),
        ("/v3.9/", listing(&["main.json", "main.yaml"])),
        ("/v3.20/", listing(&["main.json", "main.yaml"])),
        ("/edge/", listing(&[])),
        (
            "/v3.9/main.json",
            std::fs::read(data.join("alpine-secdb/v3.9/main.json")).unwrap(),
        ),
        (
            "/v3.20/main.json",
            std::fs::read(data.join("alpine-secdb/v3.20/main.json")).unwrap(),
        ),
    ]
    .into_iter()
    .map(|(p, b)| (p.to_string(), b))
    .collect();
    let base = serve(files);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    let out = Command::cargo_bin("plinth")
        .unwrap()
        .env_remove("PLINTH_DB")
        .env("XDG_CONFIG_HOME", dir.path().join("no-config"))
        .args([
            "db",
            "update",
            "--ecosystems",
            "Alpine",
            "--timeout",
            "5",
            "--db-source",
            &base,
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // v3.9 is far outside the built-in list (v3.18 to v3.22): only the index can name it.
    assert!(
        err.contains("alpine-secdb/v3.9/main: updated from"),
        "{err}"
    );
    assert!(
        err.contains("alpine-secdb/v3.20/main: updated from"),
        "{err}"
    );
    assert_eq!(err.matches("alpine-secdb/").count(), 2, "{err}");

    let out = Command::cargo_bin("plinth")
        .unwrap()
        .args(["db", "info", "-f", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(info["ecosystems"]["Alpine:v3.9"]["advisories"].as_u64() > Some(0));
    assert!(info["ecosystems"]["Alpine:v3.20"]["advisories"].as_u64() > Some(0));
}
