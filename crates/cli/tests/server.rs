//! `plinth server` and `plinth scan --server` on loopback, against databases imported from
//! the real advisory records in ../shared/fixtures/vulndata and the fixture images:
//!
//! - the client's output and exit code equal a local scan's, for every fixture image;
//! - tokens missing or wrong, bodies too large, malformed, not UTF-8 or lying about their
//!   length, and a client too slow to send its head: each a 4xx (JSON where HTTP allows),
//!   and the server keeps serving;
//! - the database replaced 20 times while 8 clients scan: no failure, and every answer is
//!   wholly one snapshot's;
//! - an SBOM of a million components: refused by the body limit, unread;
//! - `kill -9` of the server: the client says so in one line with exit 4; after a restart the
//!   same answers come back;
//! - Harbor's Pluggable Scanner API driven as Harbor drives it, against the real Debian
//!   `docker-registry` holding the fixtures;
//! - a registry that stalls: a bounded 502 for that request only;
//! - over TLS, a client trusting the server's CA gets the same answers;
//! - images the server pulls go through the layer cache: a second scan of debian-app reads
//!   no layer (the counting test registry sees no layer GET) and `/metrics` counts the hits;
//! - SIGTERM: a scan in flight finishes, new connections are refused, the exit code is 0;
//! - the repository's Dockerfile passes `plinth lint`.

#[path = "../../registry/tests/fake/mod.rs"]
mod fake;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use fake::{Fake, Layout};
use serde_json::Value;

const TOKEN: &str = "s3cret-token";

/// Fixture images of every kind make-images.sh builds.
const IMAGES: [&str; 7] = [
    "debian-bookworm.docker.tar",
    "debian-app.docker.tar",
    "alpine-3.20.docker.tar",
    "alpine-3.9.docker.tar",
    "distroless-debian.docker.tar",
    "rpm-mariner.docker.tar",
    "edge-cases.docker.tar",
];

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").expect("plinth binary");
    for var in [
        "PLINTH_DB",
        "PLINTH_SERVER",
        "PLINTH_TOKEN",
        "PLINTH_SERVER_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Imports `feeds` (folders of vulndata) into `path`, through a temporary file and a rename.
fn import(path: &Path, feeds: &[PathBuf]) {
    let tmp = path.with_extension("tmp");
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(&tmp)
        .args(feeds)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(&tmp, path).unwrap();
}

/// A running `plinth server`, killed when dropped.
struct Server {
    child: Child,
    url: String,
    addr: String,
    /// Its layer cache's home (XDG_CACHE_HOME): each server has its own.
    _cache: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts a server on `listen` (port 0: any) and waits until it listens and is ready.
    fn start(db: &Path, listen: &str, extra: &[&str]) -> Server {
        let server = Server::spawn(db, listen, extra);
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.get("/readyz").0 != 200 {
            assert!(Instant::now() < deadline, "server never became ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Starts a server and waits until it listens (plain or TLS).
    fn spawn(db: &Path, listen: &str, extra: &[&str]) -> Server {
        let cache = tempfile::tempdir().unwrap();
        let mut child = plinth()
            .args(["server", "--listen", listen, "--token", TOKEN, "--db"])
            .arg(db)
            .args(extra)
            .env("XDG_CACHE_HOME", cache.path())
            .env_remove("PLINTH_NO_CACHE")
            .env_remove("PLINTH_CACHE_BACKEND")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("server stderr").unwrap();
            if let Some(url) = line.split("listening on ").nth(1) {
                break url.trim().to_string();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            addr: url.split("://").nth(1).unwrap().to_string(),
            url,
            _cache: cache,
        }
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.request("GET", path, Some(TOKEN), &[])
    }

    /// A request with ureq: status and JSON body (`Null` when not JSON).
    fn request(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let mut response = match (method, token) {
            ("GET", Some(t)) => agent.get(&url).header("Trivy-Token", t).call(),
            ("GET", None) => agent.get(&url).call(),
            (_, Some(t)) => agent
                .post(&url)
                .header("Authorization", &format!("Bearer {t}"))
                .send(body),
            (_, None) => agent.post(&url).send(body),
        }
        .expect("request");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends raw bytes on a fresh connection; returns what came back before the server closed
    /// it (or `limit` passed).
    fn raw(&self, bytes: &[u8], limit: Duration) -> String {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(limit)).unwrap();
        s.write_all(bytes).unwrap();
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// The shared data: the advisory records and a fixture image, or `None` (skipped).
fn data(image: &str) -> Option<(PathBuf, PathBuf)> {
    let data = plinth_testdata::vulndata()?;
    let image = plinth_testdata::fixture(image)?;
    Some((data, image))
}

fn scan(args: &[&str]) -> Output {
    plinth().arg("scan").args(args).output().unwrap()
}

/// The plinth JSON inventory of an image, as a client sends it.
fn inventory(image: &Path) -> Vec<u8> {
    let out = plinth()
        .args(["sbom", "-f", "json"])
        .arg(image)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn client_scans_equal_local_scans_for_every_fixture_image() {
    let Some((data, _)) = data("debian-app.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, std::slice::from_ref(&data));
    let server = Server::start(&db, "127.0.0.1:0", &[]);
    let db = db.to_str().unwrap();
    for name in IMAGES {
        let Some(image) = plinth_testdata::fixture(name) else {
            continue;
        };
        let image = image.to_str().unwrap();
        for format in ["json", "table", "sarif"] {
            let local = scan(&[image, "-f", format, "--offline", "--db", db, "--no-color"]);
            let remote = scan(&[
                image,
                "-f",
                format,
                "--no-color",
                "--server",
                &server.url,
                "--token",
                TOKEN,
            ]);
            let err = String::from_utf8_lossy(&remote.stderr);
            assert_eq!(
                remote.status.code(),
                local.status.code(),
                "{name} {format}: {err}"
            );
            assert!(
                remote.stdout == local.stdout,
                "{name} -f {format}: the client's output differs from a local scan's"
            );
        }
        // The gates see the same findings: --exit-code with any finding, --fail-on.
        for gate in [&["--exit-code", "7"][..], &["--fail-on", "HIGH"]] {
            let local = scan(&[&[image, "-f", "json", "--offline", "--db", db][..], gate].concat());
            let remote = scan(
                &[
                    &[
                        image,
                        "-f",
                        "json",
                        "--server",
                        &server.url,
                        "--token",
                        TOKEN,
                    ][..],
                    gate,
                ]
                .concat(),
            );
            assert_eq!(remote.status.code(), local.status.code(), "{name} {gate:?}");
        }
    }
}

#[test]
fn tokens_and_bad_bodies_get_json_errors_and_the_server_keeps_serving() {
    let Some((data, image)) = data("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, &[data.join("osv"), data.join("alpine-secdb")]);
    let server = Server::start(
        &db,
        "127.0.0.1:0",
        &["--max-body", "1", "--header-timeout", "1"],
    );
    let body = inventory(&image);

    // Probes need no token; everything else does.
    assert_eq!(server.request("GET", "/healthz", None, &[]).0, 200);
    assert_eq!(server.request("GET", "/readyz", None, &[]).0, 200);
    for token in [None, Some("wrong")] {
        let (status, json) = server.request("POST", "/v1/scan", token, &body);
        assert_eq!(status, 401, "{token:?}");
        assert!(json["error"]["message"].is_string(), "{json}");
        assert_eq!(server.request("GET", "/metrics", token, &[]).0, 401);
    }
    let (status, json) = server.request("POST", "/v1/scan", Some(TOKEN), &body);
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["snapshot"]["id"], 1);

    // The client with a wrong token: one line, exit 4.
    let out = scan(&[
        image.to_str().unwrap(),
        "--server",
        &server.url,
        "--token",
        "wrong",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("401") && err.contains("wrong token"), "{err}");

    // An oversized body is refused from its head alone, before the server reads it; a client
    // still sending then finds the connection closed (a broken pipe), so this one is raw.
    let head = format!(
        "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTrivy-Token: {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        2 << 20
    );
    let answer = server.raw(head.as_bytes(), Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"error\""), "{answer}");
    let mut not_utf8 = body.clone();
    not_utf8.splice(10..10, [0xff, 0xfe]);
    let cases: [(&str, &[u8], u16); 4] = [
        ("malformed", b"{\"source\": ", 400),
        ("invalid UTF-8", &not_utf8, 400),
        ("an unknown shape", b"{\"hello\": 1}", 400),
        ("not JSON", b"\x00\x01binary", 400),
    ];
    for (what, bytes, expected) in cases {
        let (status, json) = server.request("POST", "/v1/scan", Some(TOKEN), bytes);
        assert_eq!(status, expected, "{what}: {json}");
        assert!(json["error"]["message"].is_string(), "{what}: {json}");
    }
    // An inventory declared as plinth's own that is not one.
    let wrong = r#"{"source": 1}"#;
    let head = format!(
        "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTrivy-Token: {TOKEN}\r\nContent-Type: application/vnd.plinth.inventory+json\r\nContent-Length: {}\r\n\r\n{wrong}",
        wrong.len()
    );
    let answer = server.raw(head.as_bytes(), Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("plinth inventory"), "{answer}");
    let (status, json) = server.request("POST", "/v1/scan?base_layers=x", Some(TOKEN), &body);
    assert_eq!(status, 400, "{json}");
    assert_eq!(
        server.request("GET", "/no/such/path", Some(TOKEN), &[]).0,
        404
    );

    // A body that claims more bytes than it sends, then stops: a 400, not a hang.
    let head = format!(
        "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTrivy-Token: {TOKEN}\r\nContent-Length: 100000\r\n\r\n{{\"source\""
    );
    let answer = server.raw(head.as_bytes(), Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // A body longer than it claims: the rest is not a request.
    let head = format!(
        "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTrivy-Token: {TOKEN}\r\nContent-Length: 2\r\n\r\n{{}}garbage\r\n\r\n"
    );
    let answer = server.raw(head.as_bytes(), Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // Slowloris: half a request head, then silence; the server hangs up after --header-timeout.
    let mut slow = TcpStream::connect(&server.addr).unwrap();
    slow.write_all(b"POST /v1/scan HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "the slow client was not cut off"
    );

    // Still serving, and the metrics counted it all.
    let (status, json) = server.request("POST", "/v1/scan", Some(TOKEN), &body);
    assert_eq!(status, 200, "{json}");
    let metrics = metrics(&server);
    for line in [
        "plinth_http_requests_total{route=\"/v1/scan\",status=\"200\"} 2",
        "plinth_http_requests_total{route=\"/v1/scan\",status=\"413\"} 1",
        "plinth_db_loaded 1",
        "plinth_cache_hits_total 0",
        "plinth_http_request_duration_seconds_count{route=\"/v1/scan\"}",
        "plinth_db_age_seconds ",
    ] {
        assert!(metrics.contains(line), "no {line:?} in\n{metrics}");
    }
}

#[test]
fn database_swaps_under_load_fail_nothing_and_never_mix() {
    let Some((data, image)) = data("debian-app.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Two databases that answer debian-app differently: all of OSV, and only its Go and PyPI
    // records (so no npm or crates.io findings).
    let variants = [dir.path().join("a.redb"), dir.path().join("b.redb")];
    import(&variants[0], &[data.join("osv")]);
    import(&variants[1], &[data.join("osv/Go"), data.join("osv/PyPI")]);
    let served = dir.path().join("vuln.redb");
    let put = |variant: usize| {
        let tmp = dir.path().join("vuln.redb.new");
        std::fs::copy(&variants[variant], &tmp).unwrap();
        std::fs::rename(&tmp, &served).unwrap();
    };
    put(0);
    // Reloads come from POST /admin/reload only, so each snapshot id maps to a known file.
    let server = Server::start(&served, "127.0.0.1:0", &["--db-poll", "3600"]);
    let body = inventory(&image);

    // What each database answers, with nothing else going on.
    let mut expected = Vec::new();
    let mut variant_of = std::collections::HashMap::new();
    for variant in [0, 1] {
        put(variant);
        let (status, json) = server.request("POST", "/admin/reload", Some(TOKEN), &[]);
        assert_eq!(status, 200, "{json}");
        variant_of.insert(json["snapshot"]["id"].as_u64().unwrap(), variant);
        let (_, scanned) = server.request("POST", "/v1/scan", Some(TOKEN), &body);
        expected.push(scanned["report"].clone());
    }
    assert_ne!(
        expected[0]["findings"], expected[1]["findings"],
        "the databases must differ"
    );
    let variant_of = std::sync::Mutex::new(variant_of);

    let stop = AtomicBool::new(false);
    let answered = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let (status, json) = server.request("POST", "/v1/scan", Some(TOKEN), &body);
                    assert_eq!(status, 200, "a scan failed during a swap: {json}");
                    let id = json["snapshot"]["id"].as_u64().unwrap();
                    let variant = loop {
                        // The reload's answer may reach the swapper after a scan's.
                        if let Some(v) = variant_of.lock().unwrap().get(&id) {
                            break *v;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    };
                    assert!(
                        json["report"] == expected[variant],
                        "snapshot {id}: an answer that is not wholly one database's"
                    );
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for swap in 0..20 {
            let variant = swap % 2;
            put(variant);
            let (status, json) = server.request("POST", "/admin/reload", Some(TOKEN), &[]);
            assert_eq!(status, 200, "{json}");
            assert_eq!(json["reloaded"], true, "{json}");
            let id = json["snapshot"]["id"].as_u64().unwrap();
            variant_of.lock().unwrap().insert(id, variant);
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
    });
    let answered = answered.into_inner();
    println!("{answered} scans answered across 20 swaps");
    assert!(answered >= 20, "only {answered} scans ran during the swaps");
}

#[test]
fn a_killed_server_is_a_one_line_exit_4_and_a_restart_answers_the_same() {
    let Some((data, image)) = data("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, &[data.join("osv"), data.join("alpine-secdb")]);
    let image = image.to_str().unwrap();
    let mut server = Server::start(&db, "127.0.0.1:0", &[]);
    let url = server.url.clone();
    let args = [image, "-f", "json", "--server", &url, "--token", TOKEN];
    let before = scan(&args);
    assert!(before.status.success());

    // An SBOM of a million components is over the default body limit: refused unread.
    let mut million =
        String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..1_000_000 {
        let sep = if i == 0 { "" } else { "," };
        million.push_str(&format!(
            r#"{sep}{{"type":"library","name":"p{i}","version":"1.0.{i}","purl":"pkg:npm/p{i}@1.0.{i}"}}"#
        ));
    }
    million.push_str("]}");
    // Its head and first bytes are enough for the answer.
    let mut request = format!(
        "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTrivy-Token: {TOKEN}\r\nContent-Length: {}\r\n\r\n",
        million.len()
    )
    .into_bytes();
    request.extend_from_slice(&million.as_bytes()[..64 << 10]);
    let answer = server.raw(&request, Duration::from_secs(10));
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{} bytes: {answer}",
        million.len()
    );
    assert!(answer.contains(r#""error""#), "{answer}");
    assert_eq!(server.get("/healthz").0, 200);

    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let out = scan(&args);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unreachable"), "{err}");
    assert!(out.stdout.is_empty(), "no partial report");

    let addr = server.addr.clone();
    drop(server);
    let _again = Server::start(&db, &addr, &[]);
    let after = scan(&args);
    assert!(after.status.success());
    assert_eq!(after.stdout, before.stdout);
    let info = plinth()
        .args(["db", "info", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(info.status.success(), "the database is intact");
}

#[test]
fn harbor_drives_a_scan_through_the_real_registry() {
    let Some((data, _)) = data("oci-alpine-3.20") else {
        return;
    };
    let Some(fixtures) = plinth_testdata::fixtures() else {
        return;
    };
    let Some(registry) = registry::start(&fixtures) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, &[data.join("osv"), data.join("alpine-secdb")]);
    let server = Server::start(&db, "127.0.0.1:0", &[]);

    let (status, meta) = server.get("/api/v1/metadata");
    assert_eq!(status, 200);
    assert_eq!(meta["scanner"]["name"], "plinth");
    let produces = &meta["capabilities"][0]["produces_mime_types"];
    assert!(
        produces
            .as_array()
            .unwrap()
            .contains(&"application/vnd.security.vulnerability.report; version=1.1".into()),
        "{meta}"
    );
    assert!(
        meta["properties"]["harbor.scanner-adapter/vulnerability-database-updated-at"].is_string()
    );

    // Harbor names the artifact by digest and passes a robot account's Basic credentials.
    let digest = registry::digest(&registry.addr, "fixtures/alpine-3.20", "latest");
    let request = serde_json::json!({
        "registry": {"url": format!("http://{}", registry.addr), "authorization": "Basic cm9ib3Q6czNjcmV0"},
        "artifact": {"repository": "fixtures/alpine-3.20", "digest": digest,
                     "mime_type": "application/vnd.oci.image.manifest.v1+json"},
    });
    let (status, accepted) = server.request(
        "POST",
        "/api/v1/scan",
        Some(TOKEN),
        request.to_string().as_bytes(),
    );
    assert_eq!(status, 202, "{accepted}");
    let id = accepted["id"].as_str().unwrap().to_string();

    let (report, pending) = harbor_report(&server, &id).expect("a report");
    println!("report ready after {pending} polls answered 302");
    assert_eq!(report["artifact"]["digest"], digest);

    // The report holds exactly what a local scan of the same image finds.
    let local = scan(&[
        fixtures.join("oci-alpine-3.20").to_str().unwrap(),
        "-f",
        "json",
        "--offline",
        "--db",
        db.to_str().unwrap(),
    ]);
    let local: Value = serde_json::from_slice(&local.stdout).unwrap();
    let pairs = |items: &Value, id: &str, pkg: &str| -> Vec<(String, String)> {
        let mut v: Vec<_> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f[id].as_str().unwrap().to_string(),
                    f[pkg].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let local_pairs = pairs(&local["targets"][0]["findings"], "id", "package");
    assert!(
        !local_pairs.is_empty(),
        "alpine 3.20 has known findings in the fixture data"
    );
    assert_eq!(
        pairs(&report["vulnerabilities"], "id", "package"),
        local_pairs
    );

    // The same image through plinth's own image endpoint.
    let reference = format!("{}/fixtures/alpine-3.20@{digest}", registry.addr);
    let body = serde_json::json!({ "image": reference });
    let (status, scanned) = server.request(
        "POST",
        "/v1/scan/image",
        Some(TOKEN),
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{scanned}");
    assert_eq!(scanned["report"]["name"], reference.as_str());
    assert_eq!(
        pairs(&scanned["report"]["findings"], "id", "package"),
        local_pairs
    );
    let missing = serde_json::json!({ "image": format!("{}/fixtures/no-such:1", registry.addr) });
    let (status, json) = server.request(
        "POST",
        "/v1/scan/image",
        Some(TOKEN),
        missing.to_string().as_bytes(),
    );
    assert_eq!(status, 502, "{json}");
    assert!(json["error"]["message"].is_string(), "{json}");

    let (status, _) = server.get("/api/v1/scan/no-such-id/report");
    assert_eq!(status, 404);
    let (status, json) = server.request("POST", "/api/v1/scan", Some(TOKEN), b"{\"registry\": 1}");
    assert_eq!(status, 400, "{json}");
    let bad = serde_json::json!({"registry": {"url": "ftp://x"}, "artifact": {"repository": "a", "tag": "1"}});
    let (status, json) = server.request(
        "POST",
        "/api/v1/scan",
        Some(TOKEN),
        bad.to_string().as_bytes(),
    );
    assert_eq!(status, 422, "{json}");
}

#[test]
fn tls_serves_the_same_answers_to_a_client_trusting_its_ca() {
    let Some((data, image)) = data("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    if test_ca(dir.path()).is_none() {
        println!("skipped: openssl could not make a test CA");
        return;
    }
    let db = dir.path().join("vuln.redb");
    import(&db, &[data.join("osv"), data.join("alpine-secdb")]);
    let cert = dir.path().join("leaf.pem");
    let key = dir.path().join("leaf.key");
    let server = Server::spawn(
        &db,
        "127.0.0.1:0",
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let url = &server.url;
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let image = image.to_str().unwrap();
    let local = scan(&[
        image,
        "-f",
        "json",
        "--offline",
        "--db",
        db.to_str().unwrap(),
    ]);
    let ca = dir.path().join("ca.pem");
    let args = [
        image,
        "-f",
        "json",
        "--server",
        &server.url,
        "--token",
        TOKEN,
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    let remote = loop {
        let out = scan(&[&args[..], &["--ca-cert", ca.to_str().unwrap()]].concat());
        if out.status.success() || Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        remote.status.success(),
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
    assert_eq!(remote.stdout, local.stdout);
    // Without the CA the certificate is not trusted: a network failure, not a scan.
    let untrusted = scan(&args);
    assert_eq!(untrusted.status.code(), Some(4));
    // Plain HTTP to a TLS port gets no answer it can read.
    let plain = server.raw(
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(!plain.contains("\"ok\""), "{plain}");
}

/// Polls a Harbor scan's report as Harbor does (asking for the v1.1 report, following no
/// redirect): the report and how many polls were answered 302 first, or the failure's status
/// and body.
fn harbor_report(server: &Server, id: &str) -> Result<(Value, usize), (u16, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut pending = 0;
    loop {
        let mut r = agent
            .get(&format!("{}/api/v1/scan/{id}/report", server.url))
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .header(
                "Accept",
                "application/vnd.security.vulnerability.report; version=1.1",
            )
            .call()
            .unwrap();
        let body = r.body_mut().read_to_string().unwrap_or_default();
        match r.status().as_u16() {
            302 => {
                assert!(r.headers().get("Refresh-After").is_some());
                pending += 1;
            }
            200 => {
                let media = r.headers().get("content-type").unwrap().to_str().unwrap();
                assert_eq!(
                    media,
                    "application/vnd.security.vulnerability.report; version=1.1"
                );
                return Ok((serde_json::from_str(&body).unwrap(), pending));
            }
            other => return Err((other, body)),
        }
        assert!(Instant::now() < deadline, "the report never came");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn harbor_pulls_with_a_registry_bearer_token_and_reports_cvss_by_source() {
    let Some((data, root)) = data("oci-alpine-3.20") else {
        return;
    };
    // A registry that takes only the token Harbor issued; anything else is told to fetch a
    // token from a service that does not exist.
    const ISSUED: &str = "eyJhbGciOiJSUzI1NiJ9.harbor-issued.signature";
    let layout = Layout::new(root.clone());
    let digest = layout.digest().to_string();
    let registry = Fake::start(move |req| {
        if req.header("authorization") == Some(&format!("Bearer {ISSUED}")) {
            layout.answer(req)
        } else {
            fake::Reply::status(401).with(
                "WWW-Authenticate",
                r#"Bearer realm="http://127.0.0.1:9/service/token",service="harbor-registry""#,
            )
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, std::slice::from_ref(&data));
    let server = Server::start(&db, "127.0.0.1:0", &[]);
    let scan_request = |authorization: &str| {
        let request = serde_json::json!({
            "registry": {"url": format!("http://{}", registry.addr), "authorization": authorization},
            "artifact": {"repository": "app", "digest": digest,
                         "mime_type": "application/vnd.oci.image.manifest.v1+json"},
        });
        let (status, accepted) = server.request(
            "POST",
            "/api/v1/scan",
            Some(TOKEN),
            request.to_string().as_bytes(),
        );
        assert_eq!(status, 202, "{accepted}");
        accepted["id"].as_str().unwrap().to_string()
    };

    let (report, _) =
        harbor_report(&server, &scan_request(&format!("Bearer {ISSUED}"))).expect("a report");
    let seen = registry.hits("/v2/");
    assert!(!seen.is_empty());
    for r in &seen {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {ISSUED}").as_str()),
            "{} was sent without the token",
            r.path
        );
    }
    let local = scan(&[
        root.to_str().unwrap(),
        "-f",
        "json",
        "--offline",
        "--db",
        db.to_str().unwrap(),
    ]);
    let local: Value = serde_json::from_slice(&local.stdout).unwrap();
    let pairs = |items: &Value, id: &str| -> Vec<(String, String)> {
        let mut v: Vec<_> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f[id].as_str().unwrap().into(),
                    f["package"].as_str().unwrap().into(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        pairs(&report["vulnerabilities"], "id"),
        pairs(&local["targets"][0]["findings"], "id")
    );

    // vendor_attributes.CVSS holds, per source, what the CVE 5 record's containers state:
    // checked against the records' own JSON.
    let mut checked = 0;
    for item in report["vulnerabilities"].as_array().unwrap() {
        let Some(by_source) = item["vendor_attributes"]["CVSS"].as_object() else {
            continue;
        };
        let id = item["id"].as_str().unwrap();
        let Some(record) = plinth_testdata::cve5::record(id) else {
            continue;
        };
        let cisa = record["containers"]["adp"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["providerMetadata"]["shortName"] == "CISA-ADP");
        let containers = [
            ("cna", Some(&record["containers"]["cna"])),
            ("cisa-adp", cisa),
        ];
        for (source, container) in containers {
            let Some(container) = container else {
                continue;
            };
            let Some(vector) = cvss31_vector(container) else {
                continue;
            };
            assert_eq!(
                by_source[source]["V3Vector"], vector,
                "{id} {source}: {item}"
            );
            assert!(by_source[source]["V3Score"].is_number(), "{item}");
            checked += 1;
        }
    }
    println!("{checked} CVSS vectors checked against CVE 5 records");
    assert!(
        checked > 0,
        "no finding of alpine 3.20 had a CVE 5 record with CVSS"
    );
    // cwe_ids: the local scan's `cwe` of the same finding, which holds every CWE its CVE 5
    // record names; left out where the database knows none.
    let mut with_cwes = 0;
    for item in report["vulnerabilities"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let local_cwe = local["targets"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id && f["package"] == item["package"])
            .map(|f| f["cwe"].clone())
            .unwrap_or(Value::Null);
        assert_eq!(
            item.get("cwe_ids").unwrap_or(&Value::Null),
            &local_cwe,
            "{item}"
        );
        let named = plinth_testdata::cve5::record(id)
            .map(|r| plinth_testdata::cve5::cwes(&r))
            .unwrap_or_default();
        for cwe in &named {
            assert!(
                item["cwe_ids"]
                    .as_array()
                    .is_some_and(|l| l.contains(&cwe.as_str().into())),
                "{id}: its CVE 5 record names {cwe}: {item}"
            );
        }
        with_cwes += usize::from(item.get("cwe_ids").is_some());
    }
    assert!(with_cwes > 0, "no finding of alpine 3.20 has a CWE");

    // A token the registry refuses: the scan fails with the registry's word, as Harbor shows it.
    let (status, body) = harbor_report(&server, &scan_request("Bearer not-the-token"))
        .expect_err("a refused token fails the scan");
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("401"), "{body}");
    assert!(
        !body.contains("not-the-token"),
        "the token is never echoed: {body}"
    );
}

/// The CVSS 3.1 vector a CVE 5 container states.
fn cvss31_vector(container: &Value) -> Option<String> {
    container["metrics"]
        .as_array()?
        .iter()
        .find_map(|m| m["cvssV3_1"]["vectorString"].as_str())
        .map(str::to_string)
}

/// A CA and a certificate for 127.0.0.1 signed by it, written into `dir` (ca.pem, leaf.pem,
/// leaf.key).
fn test_ca(dir: &Path) -> Option<()> {
    let openssl = |args: &str| {
        Command::new("openssl")
            .args(args.split(' '))
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    openssl(&format!(
        "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=plinth-test-CA"
    ))?;
    openssl(&format!(
        "req {ec} -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1"
    ))?;
    openssl(
        "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile ext.cnf",
    )?;
    Some(())
}

#[test]
fn a_stalling_registry_is_a_bounded_502_and_the_server_keeps_serving() {
    let Some((data, _)) = data("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, &[data.join("osv")]);
    let server = Server::start(&db, "127.0.0.1:0", &["--timeout", "1"]);
    // A "registry" that accepts connections and never says a word.
    let stall = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = stall.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in stall.incoming() {
            held.push(conn);
        }
    });
    let body = serde_json::json!({ "image": format!("{addr}/stalls/forever:1") });
    let started = Instant::now();
    let (status, json) = server.request(
        "POST",
        "/v1/scan/image",
        Some(TOKEN),
        body.to_string().as_bytes(),
    );
    assert_eq!(status, 502, "{json}");
    assert!(json["error"]["message"].is_string(), "{json}");
    println!(
        "stalled registry answered in {:?}: {json}",
        started.elapsed()
    );
    assert_eq!(server.get("/healthz").0, 200);
}

/// The server's Prometheus text.
fn metrics(server: &Server) -> String {
    ureq::agent()
        .get(&format!("{}/metrics", server.url))
        .header("Trivy-Token", TOKEN)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

#[test]
fn pulled_images_go_through_the_layer_cache() {
    let Some((data, root)) = data("oci-debian-app") else {
        return;
    };
    let layout = Layout::new(root);
    let layers = layout.layers();
    let registry = Fake::start(move |req| layout.answer(req));
    let layer_gets = || {
        registry
            .hits("/v2/app/blobs/")
            .iter()
            .filter(|r| r.method == "GET" && layers.iter().any(|d| r.path.ends_with(d)))
            .count()
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, std::slice::from_ref(&data));
    let body = serde_json::json!({ "image": format!("{}/app:latest", registry.addr) }).to_string();
    let n = layers.len();

    let server = Server::start(&db, "127.0.0.1:0", &[]);
    let scan_image = |server: &Server| {
        let (status, json) = server.request("POST", "/v1/scan/image", Some(TOKEN), body.as_bytes());
        assert_eq!(status, 200, "{json}");
        json
    };
    let cold = scan_image(&server);
    assert_eq!(layer_gets(), n, "the first scan reads every layer");
    let warm = scan_image(&server);
    assert_eq!(layer_gets(), n, "the second scan reads no layer");
    assert_eq!(warm["report"], cold["report"]);
    assert!(
        !cold["report"]["findings"].as_array().unwrap().is_empty(),
        "debian-app has findings in the fixture data"
    );
    let text = metrics(&server);
    for line in [
        format!("plinth_cache_hits_total {n}"),
        format!("plinth_cache_misses_total {n}"),
    ] {
        assert!(text.contains(&line), "no {line:?} in\n{text}");
    }

    // --no-cache: every scan reads every layer, and no lookup is counted. (This server also
    // shows its metrics without the token, and still wants it everywhere else.)
    let uncached = Server::start(&db, "127.0.0.1:0", &["--no-cache", "--metrics-public"]);
    assert_eq!(scan_image(&uncached)["report"], cold["report"]);
    assert_eq!(layer_gets(), 2 * n);
    let mut answer = ureq::get(&format!("{}/metrics", uncached.url))
        .call()
        .unwrap();
    let text = answer.body_mut().read_to_string().unwrap();
    assert!(text.contains("plinth_cache_hits_total 0"), "{text}");
    assert!(text.contains("plinth_cache_misses_total 0"), "{text}");
    assert_eq!(
        uncached
            .request("POST", "/v1/scan/image", None, body.as_bytes())
            .0,
        401
    );
}

#[test]
fn sigterm_lets_a_scan_in_flight_finish_and_refuses_new_connections() {
    let Some((data, image)) = data("alpine-3.20.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    import(&db, &[data.join("osv"), data.join("alpine-secdb")]);
    let mut server = Server::start(&db, "127.0.0.1:0", &[]);
    let body = inventory(&image);
    let (status, expected) = server.request("POST", "/v1/scan", Some(TOKEN), &body);
    assert_eq!(status, 200, "{expected}");

    // A scan whose body is half sent. `Expect: 100-continue` makes the server say when its
    // handler starts reading the body: from then on the request is surely in flight.
    let mut conn = TcpStream::connect(&server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "POST /v1/scan HTTP/1.1\r\nHost: x\r\nTrivy-Token: {TOKEN}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 100"), "{line}");
    reader.read_line(&mut line).unwrap();
    let half = body.len() / 2;
    conn.write_all(&body[..half]).unwrap();

    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // The listener closes: new connections are refused while the scan is still unfinished.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(&server.addr) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            _ => assert!(Instant::now() < deadline, "still accepting after SIGTERM"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );

    conn.write_all(&body[half..]).unwrap();
    let mut answer = String::new();
    reader.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let json: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(json, expected, "the drained scan's answer is the usual one");

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit after draining"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_dockerfile_passes_lint() {
    let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Dockerfile");
    let out = plinth()
        .args(["lint", "-f", "json"])
        .arg(&dockerfile)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json,
        Value::Array(vec![]),
        "lint faults the Dockerfile: {text}"
    );
}

/// The real Debian `docker-registry` serving the fixtures, started by make-images.sh.
mod registry {
    use super::*;

    pub struct Registry {
        pub addr: String,
        pid: Option<String>,
    }

    impl Drop for Registry {
        fn drop(&mut self) {
            if let Some(pid) = &self.pid {
                let _ = Command::new("kill").arg(pid).status();
            }
        }
    }

    /// One already serving the fixtures (left running), or one started here.
    pub fn start(fixtures: &Path) -> Option<Registry> {
        if let Some(addr) = running(fixtures) {
            return Some(Registry { addr, pid: None });
        }
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scripts/make-images.sh");
        if !script.is_file() {
            println!("skipped: no {}", script.display());
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let out = Command::new("bash")
            .arg(&script)
            .args(["--registry", &port.to_string()])
            .arg(fixtures)
            .output()
            .ok()?;
        let pid = std::fs::read_to_string(fixtures.join("registry.pid")).unwrap_or_default();
        if !out.status.success() || pid.trim().is_empty() {
            println!(
                "skipped: make-images.sh --registry failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        Some(Registry {
            addr: format!("127.0.0.1:{port}"),
            pid: Some(pid.trim().to_string()),
        })
    }

    fn running(fixtures: &Path) -> Option<String> {
        let pid = std::fs::read_to_string(fixtures.join("registry.pid")).ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", pid.trim())).ok()?;
        if comm.trim() != "docker-registry" {
            return None;
        }
        let config = std::fs::read_to_string(fixtures.join("registry/config.yml")).ok()?;
        Some(
            config
                .split("addr: \"")
                .nth(1)?
                .split('"')
                .next()?
                .to_string(),
        )
    }

    /// The manifest digest the registry gives for `repo:tag`.
    pub fn digest(addr: &str, repo: &str, tag: &str) -> String {
        let r = ureq::agent()
            .head(&format!("http://{addr}/v2/{repo}/manifests/{tag}"))
            .header(
                "Accept",
                "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
            )
            .call()
            .unwrap();
        r.headers()
            .get("docker-content-digest")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }
}
