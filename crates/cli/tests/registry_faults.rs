//! `plinth` against a misbehaving registry (the fake from plinth-registry's tests): exit
//! codes, one-line messages, no partial `-o` output, secrets kept out of debug output,
//! credentials from Docker's config and helpers, and HTTP proxies from the environment.

#[path = "../../registry/tests/fake/mod.rs"]
mod fake;

use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use fake::{Fake, Reply, TestImage};

fn plinth(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::cargo_bin("plinth").expect("plinth binary");
    cmd.args(args)
        .env("PLINTH_REGISTRY_TIMEOUT", "1")
        .env("DOCKER_CONFIG", "/nonexistent/plinth-test")
        // A fake that lies about a layer an honest one served before: the layer cache would
        // rightly trust the digest it verified then, so these runs read every blob.
        .env("PLINTH_NO_CACHE", "1")
        .env_remove("PLINTH_DEBUG");
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    match stdin {
        Some(input) => {
            use std::io::Write;
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().expect("spawn plinth");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
            child.wait_with_output().expect("run plinth")
        }
        None => cmd.output().expect("run plinth"),
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code and a one-line message containing every `needle`.
fn fails(out: &Output, code: i32, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
}

fn honest() -> Fake {
    let img = TestImage::new();
    Fake::start(move |req| img.answer(req).unwrap_or(Reply::status(404)))
}

#[test]
fn reads_and_pulls_from_a_registry() {
    let fake = honest();
    let image = format!("{}/test/img", fake.addr);
    let out = plinth(&["files", &image], &[], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains("etc/hello") && listing.contains("bin/big"),
        "{listing}"
    );

    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("img.tar");
    let out = plinth(
        &[
            "pull",
            &format!("registry:{image}"),
            "-o",
            dest.to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = plinth(
        &["files", &format!("oci-archive:{}", dest.display())],
        &[],
        None,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), listing);
}

#[test]
fn failures_exit_4_with_one_line() {
    let fake = Fake::start(|_| Reply::status(401).with("WWW-Authenticate", r#"Basic realm="x""#));
    let out = plinth(&["layers", &format!("{}/test/img", fake.addr)], &[], None);
    fails(
        &out,
        4,
        &[
            "authentication required",
            "--password-stdin",
            "docker login",
        ],
    );

    let fake = Fake::start(|_| Reply::status(403));
    let out = plinth(&["layers", &format!("{}/test/img", fake.addr)], &[], None);
    fails(&out, 4, &["access denied (403 Forbidden)"]);

    let fake = Fake::start(|_| Reply::Stall);
    let out = plinth(&["layers", &format!("{}/test/img", fake.addr)], &[], None);
    fails(&out, 4, &["stalled", "within 1s"]);

    let fake = honest();
    let out = plinth(
        &["layers", &format!("{}/test/img:gone", fake.addr)],
        &[],
        None,
    );
    fails(
        &out,
        4,
        &[&format!("image not found: {}/test/img:gone", fake.addr)],
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = plinth(
        &["layers", &format!("127.0.0.1:{port}/test/img")],
        &[],
        None,
    );
    fails(&out, 4, &["connection refused"]);
}

#[test]
fn bad_data_exits_3_and_leaves_no_output() {
    let img = TestImage::new();
    let layer = img.layer_digest().to_string();
    let fake = Fake::start(move |req| {
        if req.path.ends_with(&layer) {
            let mut body = img.layer.clone();
            body[1000] ^= 0xff;
            return Reply::Full {
                status: 200,
                headers: Vec::new(),
                body,
            };
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    let image = format!("{}/test/img", fake.addr);
    fails(
        &plinth(&["layers", &image], &[], None),
        3,
        &["digest mismatch"],
    );
    let dir = tempfile::tempdir().unwrap();
    for name in ["out", "out.tar"] {
        let dest = dir.path().join(name);
        let out = plinth(&["pull", &image, "-o", dest.to_str().unwrap()], &[], None);
        fails(&out, 3, &["digest mismatch"]);
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no partial output"
    );

    let fake = Fake::start(|req| {
        if req.path.contains("/manifests/") {
            return Reply::json(200, r#"{"schemaVersion":2,"layers":"#)
                .with("Content-Type", fake::MANIFEST_TYPE);
        }
        Reply::status(200)
    });
    fails(
        &plinth(&["layers", &format!("{}/test/img", fake.addr)], &[], None),
        3,
        &["invalid JSON"],
    );
}

/// The token flow with `--username/--password-stdin`, traced with PLINTH_DEBUG: neither the
/// password nor the token appears anywhere in what plinth prints.
#[test]
fn debug_output_never_shows_secrets() {
    let img = TestImage::new();
    let basic = plinth_registry::Credentials::new("ann", "pa55-word").basic();
    let fake = Fake::start(move |req| {
        if req.path.starts_with("/token") {
            if req.header("authorization") != Some(basic.as_str()) {
                return Reply::status(401);
            }
            return Reply::json(200, r#"{"token":"tok-SECRET-123"}"#);
        }
        if req.header("authorization") != Some("Bearer tok-SECRET-123") {
            let realm = format!("http://{}/token", req.header("host").unwrap_or(""));
            return Reply::status(401).with(
                "WWW-Authenticate",
                &format!(r#"Bearer realm="{realm}",service="fake""#),
            );
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    let image = format!("{}/test/img", fake.addr);
    let args = [
        "layers",
        image.as_str(),
        "--username",
        "ann",
        "--password-stdin",
    ];
    let out = plinth(&args, &[("PLINTH_DEBUG", "1")], Some("pa55-word\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    let all = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
    assert!(all.contains("Bearer <redacted>"), "{all}");
    for secret in ["pa55-word", "tok-SECRET-123", "YW5uOnBhNTUtd29yZA"] {
        assert!(!all.contains(secret), "{secret} printed");
    }

    let out = plinth(&args, &[], Some("wrong\n"));
    fails(&out, 4, &["rejected the credentials"]);
    assert!(!stderr(&out).contains("wrong"));
}

/// Credentials from $DOCKER_CONFIG: an `auths` entry, then a `credsStore` helper on PATH.
#[test]
fn docker_config_and_credential_helpers() {
    let img = TestImage::new();
    let want = plinth_registry::Credentials::new("bob", "hunter2").basic();
    let fake = Fake::start(move |req| match req.header("authorization") {
        Some(a) if a == want => img.answer(req).unwrap_or(Reply::status(404)),
        _ => Reply::status(401).with("WWW-Authenticate", r#"Basic realm="fake""#),
    });
    let image = format!("{}/test/img", fake.addr);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().to_str().unwrap();

    std::fs::write(
        dir.path().join("config.json"),
        format!(
            r#"{{"auths":{{"http://{}":{{"auth":"Ym9iOmh1bnRlcjI="}}}}}}"#,
            fake.addr
        ),
    )
    .unwrap();
    let out = plinth(&["layers", &image], &[("DOCKER_CONFIG", config)], None);
    assert!(out.status.success(), "{}", stderr(&out));

    let helper = dir.path().join("docker-credential-plinthtest");
    std::fs::write(
        &helper,
        "#!/bin/sh\nread server\necho \"{\\\"ServerURL\\\":\\\"$server\\\",\\\"Username\\\":\\\"bob\\\",\\\"Secret\\\":\\\"hunter2\\\"}\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"credsStore":"plinthtest"}"#,
    )
    .unwrap();
    let path = format!("{config}:{}", std::env::var("PATH").unwrap_or_default());
    let out = plinth(
        &["layers", &image],
        &[("DOCKER_CONFIG", config), ("PATH", &path)],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));

    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    let out = plinth(&["layers", &image], &[("DOCKER_CONFIG", config)], None);
    fails(&out, 4, &["401"]);
}

/// HTTP_PROXY carries requests for a remote host (a made-up name the client never resolves:
/// the proxy is asked to CONNECT to it); loopback registries bypass the proxy.
#[test]
fn http_proxy_from_the_environment() {
    let proxy = honest();
    let proxy_url = format!("http://{}", proxy.addr);
    let out = plinth(
        &[
            "layers",
            "registry.plinth-test.example:80/test/img",
            "--insecure",
        ],
        &[("HTTP_PROXY", &proxy_url)],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !proxy
            .hits("CONNECT registry.plinth-test.example:80")
            .is_empty()
    );
    assert_eq!(proxy.hits("/v2/test/img/manifests/latest").len(), 1);

    let direct = honest();
    let out = plinth(
        &["layers", &format!("{}/test/img", direct.addr)],
        &[("HTTP_PROXY", &proxy_url)],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.hits("CONNECT 127.0.0.1").len(), 0);
    assert_eq!(direct.hits("/v2/test/img/manifests/latest").len(), 1);
}
