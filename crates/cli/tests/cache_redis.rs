//! The layer cache shared through a real `redis-server` (Debian's package), started by each
//! test on a free loopback port and stopped by it: two "runners" with separate local caches
//! share walks through it; a Redis that is gone, dies mid-run, refuses the password or
//! returns garbage costs one warning and never the run; over TLS (`rediss://`, a test CA made
//! with the openssl tool), `plinth cache info|prune|clean` act on plinth's keys and no
//! other. Skipped when redis-server is absent.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Redis {
    /// Starts redis-server on a free loopback port, with `password` if given.
    fn start(password: Option<&str>) -> Option<Redis> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            println!("skipped: no redis-server (Debian package redis-server)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(p) = password {
            cmd.args(["--requirepass", p]);
        }
        let redis = Redis {
            child: cmd.spawn().unwrap(),
            port,
        };
        redis.wait_listening();
        Some(redis)
    }

    /// Starts redis-server speaking only TLS (certificates from [`test_ca`]), requiring a
    /// client certificate signed by the test CA.
    fn start_tls(certs: &Path) -> Option<Redis> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            println!("skipped: no redis-server (Debian package redis-server)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pem = |name: &str| certs.join(name).display().to_string();
        let child = Command::new("redis-server")
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .args([
                "--tls-cert-file",
                &pem("server.pem"),
                "--tls-key-file",
                &pem("server.key"),
            ])
            .args([
                "--tls-ca-cert-file",
                &pem("ca.pem"),
                "--tls-auth-clients",
                "yes",
            ])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let redis = Redis { child, port };
        redis.wait_listening();
        Some(redis)
    }

    fn wait_listening(&self) {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Runs redis-cli against this server.
    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// `plinth sbom IMAGE -f json` as a runner with its own local cache.
fn runner(local: &Path, image: &str, backend: &str) -> Output {
    Command::cargo_bin("plinth")
        .unwrap()
        .args(["sbom", image, "-f", "json", "--cache-backend", backend])
        .env("XDG_CACHE_HOME", local)
        .env("PLINTH_DEBUG", "1")
        .env_remove("PLINTH_NO_CACHE")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Layers read from the image (not taken from any cache).
fn layers_read(out: &Output) -> usize {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.ends_with(": read and verified"))
        .count()
}

fn warnings(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("plinth: debug:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn two_runners_share_walks_through_redis() {
    let Some(app) = plinth_testdata::fixture("oci-debian-app") else {
        return;
    };
    let Some(redis) = Redis::start(None) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let first = runner(
        &tmp.path().join("a"),
        &app.display().to_string(),
        &redis.url(),
    );
    let expected = ok(&first);
    assert_eq!(layers_read(&first), 3);
    let keys = redis.cli(&["--scan", "--pattern", "plinth:layer:*"]);
    assert!(
        keys.lines().count() >= 6,
        "facts and markers in redis: {keys}"
    );

    let second = runner(
        &tmp.path().join("b"),
        &app.display().to_string(),
        &redis.url(),
    );
    assert_eq!(ok(&second), expected);
    assert_eq!(layers_read(&second), 0, "the second runner reads no layer");
    assert!(warnings(&second).is_empty(), "{:?}", warnings(&second));
}

#[test]
fn a_redis_that_is_gone_or_dies_costs_one_warning() {
    let Some(app) = plinth_testdata::fixture("oci-debian-app") else {
        return;
    };
    let app = app.display().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let expected = ok(&runner(&tmp.path().join("plain"), &app, "fs"));

    // Nobody listens on the port.
    let url = {
        let redis = Redis::start(None);
        let Some(redis) = redis else { return };
        redis.url()
    };
    let out = runner(&tmp.path().join("gone"), &app, &url);
    assert_eq!(ok(&out), expected);
    let warned = warnings(&out);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains(&url) && warned[0].contains("using the local cache only"),
        "{warned:?}"
    );

    // Killed while the walk runs: whenever it dies, the scan completes.
    let mut redis = Redis::start(None).unwrap();
    let url = redis.url();
    let child = Command::cargo_bin("plinth")
        .unwrap()
        .args(["sbom", &app, "-f", "json", "--cache-backend", &url])
        .env("XDG_CACHE_HOME", tmp.path().join("mid-run"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    redis.child.kill().unwrap();
    redis.child.wait().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(ok(&out), expected);
    assert!(warnings(&out).len() <= 1, "{:?}", warnings(&out));
}

#[test]
fn a_wrong_password_is_a_clear_warning() {
    let Some(app) = plinth_testdata::fixture("oci-alpine-3.20") else {
        return;
    };
    let Some(redis) = Redis::start(Some("right-horse-battery")) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("redis://:hunter2-wrong@127.0.0.1:{}", redis.port);
    let out = runner(tmp.path(), &app.display().to_string(), &url);
    ok(&out);
    let warned = warnings(&out);
    assert_eq!(warned.len(), 1, "{warned:?}");
    let w = &warned[0];
    assert!(w.contains(&redis.url()), "names the server: {w}");
    assert!(
        w.to_lowercase().contains("password") || w.contains("WRONGPASS"),
        "says why: {w}"
    );
    assert!(!w.contains("hunter2"), "never the password: {w}");
}

#[test]
fn garbage_from_redis_is_a_miss_with_one_warning() {
    let Some(app) = plinth_testdata::fixture("oci-alpine-3.20") else {
        return;
    };
    let Some(redis) = Redis::start(None) else {
        return;
    };
    let app = app.display().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let expected = ok(&runner(&tmp.path().join("a"), &app, &redis.url()));
    for key in redis
        .cli(&["--scan", "--pattern", "plinth:layer:*"])
        .lines()
    {
        redis.cli(&["SET", key, "not a plinth entry"]);
    }
    let out = runner(&tmp.path().join("b"), &app, &redis.url());
    assert_eq!(ok(&out), expected);
    assert_eq!(layers_read(&out), 1, "read from the image instead");
    let warned = warnings(&out);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("not one plinth wrote"), "{warned:?}");
}

/// A CA, and certificates it signs for the server (127.0.0.1) and for a client, written into
/// `dir` as `ca.pem`, `server.pem`/`server.key` and `client.pem`/`client.key`. `None` when
/// the `openssl` tool is missing.
fn test_ca(dir: &Path) -> Option<()> {
    let openssl = |args: &str| {
        Command::new("openssl")
            .args(args.split(' '))
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    openssl(&format!(
        "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=plinth-redis-test-CA"
    ))?;
    for (name, ext) in [
        (
            "server",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ] {
        std::fs::write(dir.join(format!("{name}.cnf")), ext).ok()?;
        openssl(&format!(
            "req {ec} -keyout {name}.key -out {name}.csr -subj /CN={name}"
        ))?;
        openssl(&format!(
            "x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out {name}.pem -days 2 -extfile {name}.cnf"
        ))?;
    }
    Some(())
}

/// `plinth ARGS` against a rediss:// backend with the test CA and client certificate.
fn over_tls(local: &Path, certs: &Path, url: &str, args: &[&str]) -> Output {
    let pem = |name: &str| certs.join(name).display().to_string();
    Command::cargo_bin("plinth")
        .unwrap()
        .args(args)
        .args(["--cache-backend", url])
        .args(["--redis-ca", &pem("ca.pem")])
        .args([
            "--redis-cert",
            &pem("client.pem"),
            "--redis-key",
            &pem("client.key"),
        ])
        .env("XDG_CACHE_HOME", local)
        .env("PLINTH_DEBUG", "1")
        .env_remove("PLINTH_NO_CACHE")
        .env_remove("PLINTH_CACHE_TTL")
        .output()
        .unwrap()
}

/// A real redis-server speaking only TLS on loopback, requiring client certificates: two
/// runners share walks through it, and `plinth cache info|prune|clean` see, expire and delete
/// plinth's keys there and no other key.
#[test]
fn rediss_shares_walks_and_cache_commands_act_on_plinths_keys_only() {
    let Some(app) = plinth_testdata::fixture("oci-alpine-3.20") else {
        return;
    };
    let app = app.display().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let certs = tmp.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    if test_ca(&certs).is_none() {
        println!("skipped: no openssl tool to make a test CA");
        return;
    }
    let Some(redis) = Redis::start_tls(&certs) else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{}", redis.port);
    let cli = |args: &[&str]| {
        let pem = |name: &str| certs.join(name).display().to_string();
        let out = Command::new("redis-cli")
            .args([
                "--tls",
                "--cacert",
                &pem("ca.pem"),
                "--cert",
                &pem("client.pem"),
            ])
            .args(["--key", &pem("client.key"), "-p", &redis.port.to_string()])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    cli(&["SET", "someone-else:key", "theirs"]);

    let first = over_tls(
        &tmp.path().join("a"),
        &certs,
        &url,
        &["sbom", &app, "-f", "json"],
    );
    let expected = ok(&first);
    assert_eq!(layers_read(&first), 1);
    assert!(warnings(&first).is_empty(), "{:?}", warnings(&first));
    let second = over_tls(
        &tmp.path().join("b"),
        &certs,
        &url,
        &["sbom", &app, "-f", "json"],
    );
    assert_eq!(ok(&second), expected);
    assert_eq!(layers_read(&second), 0, "the second runner reads no layer");

    // Facts and the verified marker of the one layer, written without a TTL.
    let plinths = cli(&["--scan", "--pattern", "plinth:layer:*"]);
    let keys = plinths.lines().count();
    assert_eq!(keys, 2, "{plinths}");
    let info = ok(&over_tls(
        &tmp.path().join("b"),
        &certs,
        &url,
        &["cache", "info"],
    ));
    assert!(info.contains(&format!("shared:    {url}")), "{info}");
    assert!(info.contains("keys:      2 (0 with a TTL)"), "{info}");
    let memory: u64 = plinths
        .lines()
        .map(|k| cli(&["MEMORY", "USAGE", k]).parse::<u64>().unwrap())
        .sum();
    assert!(memory > 0);
    assert!(
        info.contains(&format!("memory:    {}", human(memory))),
        "{info}"
    );

    // prune leaves expiry to Redis, giving the keys written without one --cache-ttl.
    let args = ["cache", "prune", "--cache-ttl", "1h"];
    let pruned = ok(&over_tls(&tmp.path().join("b"), &certs, &url, &args));
    assert!(
        pruned.contains("2 keys without a TTL given one"),
        "{pruned}"
    );
    for key in plinths.lines() {
        let ttl: i64 = cli(&["TTL", key]).parse().unwrap();
        assert!((3590..=3600).contains(&ttl), "{key}: {ttl}");
    }
    assert_eq!(cli(&["TTL", "someone-else:key"]), "-1");

    let args = ["cache", "clean"];
    let cleaned = ok(&over_tls(&tmp.path().join("b"), &certs, &url, &args));
    assert!(
        cleaned.contains(&format!("removed 2 keys from {url}")),
        "{cleaned}"
    );
    assert_eq!(cli(&["--scan", "--pattern", "plinth:layer:*"]), "");
    assert_eq!(cli(&["GET", "someone-else:key"]), "theirs", "never FLUSHDB");
    let info = ok(&over_tls(
        &tmp.path().join("b"),
        &certs,
        &url,
        &["cache", "info"],
    ));
    assert!(info.contains("keys:      0 (0 with a TTL)"), "{info}");
}

/// What `plinth cache info` prints for a byte count (as the CLI's `human`).
fn human(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let (mut value, mut unit) = (bytes as f64 / 1024.0, 0);
    while value >= 1024.0 && unit < 3 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", ["KiB", "MiB", "GiB", "TiB"][unit])
}
