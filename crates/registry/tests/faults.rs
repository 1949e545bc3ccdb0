//! The client against a registry that misbehaves on purpose (tests/fake): token expiry,
//! wrong credentials, 429 and 5xx, stalls, wrong digests, truncated blobs, redirects to
//! another host:port and in circles, oversized manifests. Each asserts the real outcome:
//! the files read, or the one-line error and its kind.

mod fake;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fake::{Fake, Reply, TestImage};
use plinth_image::{Error, NoFiles};
use plinth_registry::{Credentials, Options};

fn opts() -> Options {
    Options {
        timeout: Duration::from_millis(500),
        backoff: Duration::from_millis(10),
        progress: false,
        ..Options::default()
    }
}

/// Opens `test/img` on the fake and walks it; returns the paths of the layer's files.
fn read(fake: &Fake, opts: &Options) -> Result<Vec<String>, Error> {
    let image = plinth_registry::open(&format!("{}/test/img", fake.addr), None, opts)?;
    let facts = image.walk(&NoFiles)?;
    Ok(paths(&facts[0].files))
}

fn paths(files: &plinth_image::files::FileList) -> Vec<String> {
    let mut v: Vec<String> = files
        .entries()
        .iter()
        .map(|e| String::from_utf8_lossy(files.path(e)).into_owned())
        .collect();
    v.sort();
    v
}

fn expect_files(files: Vec<String>) {
    assert_eq!(files, ["bin/big", "etc/hello"]);
}

#[test]
fn honest_registry_reads_the_image() {
    let img = TestImage::new();
    let fake = Fake::start(move |req| img.answer(req).unwrap_or(Reply::status(404)));
    expect_files(read(&fake, &opts()).unwrap());
    let manifest = &fake.hits("/v2/test/img/manifests/latest")[0];
    let accept = manifest.header("accept").unwrap();
    for t in [
        "oci.image.index.v1",
        "docker.distribution.manifest.list.v2",
        "oci.image.manifest.v1",
        "docker.distribution.manifest.v2",
    ] {
        assert!(accept.contains(t), "Accept lacks {t}: {accept}");
    }
}

/// Bearer tokens that the fake forgets after two uses: the client must renew mid-pull,
/// sending the credentials only to the token service.
#[test]
fn bearer_tokens_expire_and_are_renewed() {
    let img = TestImage::new();
    let issued = Arc::new(AtomicUsize::new(0));
    let uses = Arc::new(AtomicUsize::new(0));
    let fake = Fake::start({
        let issued = issued.clone();
        move |req| {
            if req.path.starts_with("/token") {
                assert_eq!(
                    req.header("authorization"),
                    Some(Credentials::new("ann", "s3cret").basic().as_str())
                );
                assert!(
                    req.path.contains("scope=repository:test/img:pull"),
                    "{}",
                    req.path
                );
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                uses.store(0, Ordering::SeqCst);
                return Reply::json(200, &format!(r#"{{"token":"tok{n}","expires_in":300}}"#));
            }
            let current = format!("Bearer tok{}", issued.load(Ordering::SeqCst));
            let valid = req.header("authorization") == Some(current.as_str())
                && uses.fetch_add(1, Ordering::SeqCst) < 2;
            if !valid {
                let realm = format!("http://{}/token", req.header("host").unwrap_or(""));
                return Reply::json(
                    401,
                    r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
                )
                .with(
                    "WWW-Authenticate",
                    &format!(
                        r#"Bearer realm="{realm}",service="fake",scope="repository:test/img:pull""#
                    ),
                );
            }
            img.answer(req).unwrap_or(Reply::status(404))
        }
    });
    let opts = Options {
        credentials: Some(Credentials::new("ann", "s3cret")),
        ..opts()
    };
    expect_files(read(&fake, &opts).unwrap());
    assert!(
        issued.load(Ordering::SeqCst) >= 2,
        "token renewed after expiry"
    );
    for hit in fake.hits("/v2/") {
        let auth = hit.header("authorization");
        assert!(
            auth.is_none_or(|a| a.starts_with("Bearer ")),
            "basic credentials sent to the registry: {auth:?}"
        );
    }
}

#[test]
fn wrong_credentials_are_reported_as_such() {
    let fake = Fake::start(|req| {
        if req.path.starts_with("/token") {
            return Reply::json(401, r#"{"details":"incorrect username or password"}"#);
        }
        let realm = format!("http://{}/token", req.header("host").unwrap_or(""));
        Reply::status(401).with(
            "WWW-Authenticate",
            &format!(r#"Bearer realm="{realm}",service="fake""#),
        )
    });
    let opts = Options {
        credentials: Some(Credentials::new("ann", "wrong")),
        ..opts()
    };
    let err = read(&fake, &opts).unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(
        err.to_string().contains("rejected the credentials"),
        "{err}"
    );
    assert!(
        !err.to_string().contains("wrong"),
        "secret in message: {err}"
    );
}

#[test]
fn anonymous_401_says_how_to_log_in() {
    let fake =
        Fake::start(|_| Reply::status(401).with("WWW-Authenticate", r#"Basic realm="fake""#));
    let err = read(&fake, &opts()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("401") && msg.contains("--password-stdin") && msg.contains("docker login"),
        "{msg}"
    );

    let fake = Fake::start(|_| {
        Reply::json(
            403,
            r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#,
        )
    });
    let msg = read(&fake, &opts()).unwrap_err().to_string();
    assert!(msg.contains("403") && msg.contains("DENIED"), "{msg}");
}

#[test]
fn basic_auth_registry_gets_credentials() {
    let img = TestImage::new();
    let want = Credentials::new("bob", "pw").basic();
    let fake = Fake::start(move |req| match req.header("authorization") {
        Some(a) if a == want => img.answer(req).unwrap_or(Reply::status(404)),
        _ => Reply::status(401).with("WWW-Authenticate", r#"Basic realm="fake""#),
    });
    let opts = Options {
        credentials: Some(Credentials::new("bob", "pw")),
        ..opts()
    };
    expect_files(read(&fake, &opts).unwrap());
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let img = TestImage::new();
    let calls = AtomicUsize::new(0);
    let fake = Fake::start(move |req| {
        if req.path.contains("/manifests/") {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => return Reply::status(429).with("Retry-After", "1"),
                1 => return Reply::status(503),
                _ => {}
            }
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    let started = std::time::Instant::now();
    expect_files(read(&fake, &opts()).unwrap());
    assert_eq!(fake.hits("/v2/test/img/manifests/").len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );

    let fake = Fake::start(|_| Reply::status(500));
    let err = read(&fake, &opts()).unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(fake.hits("/v2/").len(), 4, "one try and three retries");

    let fake = Fake::start(|_| Reply::status(429).with("Retry-After", "3600"));
    let err = read(&fake, &opts()).unwrap_err();
    assert!(
        err.to_string().contains("rate limited") && err.to_string().contains("3600"),
        "{err}"
    );

    // Retry-After as an HTTP date: one already past is retried at once, one far ahead is
    // the error, in seconds.
    let img = TestImage::new();
    let calls = AtomicUsize::new(0);
    let fake = Fake::start(move |req| {
        if req.path.contains("/manifests/") && calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::status(503).with("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT");
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    expect_files(read(&fake, &opts()).unwrap());
    let fake =
        Fake::start(|_| Reply::status(429).with("Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT"));
    let err = read(&fake, &opts()).unwrap_err().to_string();
    assert!(err.contains("rate limited") && err.contains("s"), "{err}");
    assert!(
        !err.contains("2100"),
        "the date is turned into seconds: {err}"
    );
}

#[test]
fn a_stalled_registry_times_out() {
    let fake = Fake::start(|_| Reply::Stall);
    let opts = Options {
        retries: 1,
        ..opts()
    };
    let err = read(&fake, &opts).unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("stalled"), "{err}");
}

#[test]
fn wrong_digests_are_caught() {
    let img = TestImage::new();
    let lie = plinth_image::Digest::of(b"something else").to_string();
    let fake = Fake::start(move |req| match img.answer(req) {
        Some(Reply::Full {
            status,
            mut headers,
            body,
        }) if req.path.contains("/manifests/") => {
            headers.retain(|(k, _)| k != "Docker-Content-Digest");
            headers.push(("Docker-Content-Digest".into(), lie.clone()));
            Reply::Full {
                status,
                headers,
                body,
            }
        }
        Some(r) => r,
        None => Reply::status(404),
    });
    let err = read(&fake, &opts()).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");

    let img = TestImage::new();
    let layer = img.layer_digest().to_string();
    let fake = Fake::start(move |req| {
        if req.path.ends_with(&layer) {
            let mut body = img.layer.clone();
            body[600] ^= 1;
            return Reply::Full {
                status: 200,
                headers: Vec::new(),
                body,
            };
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    let err = read(&fake, &opts()).unwrap_err();
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err:?}");
}

#[test]
fn truncated_blobs_resume_with_a_range_request() {
    let img = TestImage::new();
    let layer = img.layer_digest().to_string();
    let fake = Fake::start(move |req| {
        if req.path.ends_with(&layer) && req.header("range").is_none() {
            return Reply::Cut {
                headers: Vec::new(),
                body: img.layer.clone(),
                send: 100_000,
            };
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    expect_files(read(&fake, &opts()).unwrap());
    let hits = fake.hits("/v2/test/img/blobs/");
    assert!(
        hits.iter()
            .any(|h| h.header("range") == Some("bytes=100000-")),
        "{hits:?}"
    );

    // A registry that always cuts the blob off: give up with a transfer error, not a hang.
    let img = TestImage::new();
    let layer = img.layer_digest().to_string();
    let fake = Fake::start(move |req| {
        if req.path.ends_with(&layer) {
            return Reply::Cut {
                headers: Vec::new(),
                body: img.layer.clone(),
                send: 1000,
            };
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    let err = read(&fake, &opts()).unwrap_err();
    let Error::Read { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        source
            .get_ref()
            .is_some_and(|e| e.is::<plinth_registry::TransferError>()),
        "{err:?}"
    );
}

/// Blob storage on another host:port gets the redirect's request without our Authorization.
#[test]
fn redirects_to_storage_do_not_leak_credentials() {
    let img = Arc::new(TestImage::new());
    let storage = Fake::start({
        let img = img.clone();
        move |req| fake::ranged(req, img.layer.clone())
    });
    let storage_url = format!("http://{}/storage/layer?sig=abc", storage.addr);
    let want = Credentials::new("bob", "pw").basic();
    let layer = img.layer_digest().to_string();
    let fake = Fake::start(move |req| {
        if req.header("authorization") != Some(want.as_str()) {
            return Reply::status(401).with("WWW-Authenticate", r#"Basic realm="fake""#);
        }
        if req.path.ends_with(&layer) {
            return Reply::status(307).with("Location", &storage_url);
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    let opts = Options {
        credentials: Some(Credentials::new("bob", "pw")),
        ..opts()
    };
    expect_files(read(&fake, &opts).unwrap());
    let at_storage = storage.hits("/storage/");
    assert_eq!(at_storage.len(), 1);
    assert_eq!(at_storage[0].header("authorization"), None);
}

#[test]
fn redirect_loops_and_huge_manifests_are_refused() {
    let fake = Fake::start(|req| {
        let host = req.header("host").unwrap_or("").to_string();
        Reply::status(307).with("Location", &format!("http://{host}/loop{}", req.path.len()))
    });
    let err = read(&fake, &opts()).unwrap_err();
    assert!(err.to_string().contains("too many redirects"), "{err}");

    let fake = Fake::start(|req| {
        if req.path.contains("/manifests/") {
            let body = vec![b' '; (plinth_registry::MAX_MANIFEST + 10) as usize];
            return Reply::Full {
                status: 200,
                headers: Vec::new(),
                body,
            }
            .with("Content-Type", fake::MANIFEST_TYPE);
        }
        Reply::status(200)
    });
    let err = read(&fake, &opts()).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err:?}");
}

#[test]
fn not_found_and_refused() {
    let img = TestImage::new();
    let fake = Fake::start(move |req| img.answer(req).unwrap_or(Reply::status(404)));
    let err = plinth_registry::open(&format!("{}/test/img:nope", fake.addr), None, &opts())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!("image not found: {}/test/img:nope", fake.addr)
    );

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = plinth_registry::open(&format!("127.0.0.1:{port}/x"), None, &opts())
        .err()
        .unwrap();
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[test]
fn pull_writes_a_layout_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let img = TestImage::new();
    let manifest_digest = img.manifest_digest();
    let fake = Fake::start(move |req| img.answer(req).unwrap_or(Reply::status(404)));
    for name in ["out", "out.tar"] {
        let dest = dir.path().join(name);
        let saved = plinth_registry::pull(
            &format!("{}/test/img", fake.addr),
            None,
            false,
            &dest,
            &opts(),
        )
        .unwrap();
        assert_eq!(saved.digest, manifest_digest);
        assert_eq!(saved.blobs, 3);
        assert_eq!(saved.platforms, ["linux/amd64"]);
        let scheme = if name.ends_with(".tar") {
            "oci-archive"
        } else {
            "oci-dir"
        };
        let back = plinth_image::reference::Reference::parse(&format!(
            "{scheme}:{}:latest",
            dest.display()
        ))
        .and_then(|r| r.open_local(None))
        .unwrap();
        assert_eq!(back.manifest_digest(), Some(&manifest_digest));
        expect_files(paths(&back.walk(&NoFiles).unwrap()[0].files));
    }

    let img = TestImage::new();
    let layer = img.layer_digest().to_string();
    let bad = Fake::start(move |req| {
        if req.path.ends_with(&layer) {
            let mut body = img.layer.clone();
            body[700] ^= 1;
            return Reply::Full {
                status: 200,
                headers: Vec::new(),
                body,
            };
        }
        img.answer(req).unwrap_or(Reply::status(404))
    });
    for name in ["bad", "bad.tar"] {
        let dest = dir.path().join(name);
        let err = plinth_registry::pull(
            &format!("{}/test/img", bad.addr),
            None,
            false,
            &dest,
            &opts(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                plinth_registry::SaveError::Source(Error::DigestMismatch { .. })
            ),
            "{err:?}"
        );
        assert!(!dest.exists());
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left.len(),
        2,
        "only the good outputs, no temp files: {left:?}"
    );
}

/// A registry whose token service takes only an OAuth2 refresh token (an identity token, as
/// `az acr login` leaves in Docker's config): the client POSTs it as a form and uses the
/// access token it gets; a refused identity token is one line asking to log in again.
#[test]
fn identity_tokens_are_exchanged_for_access_tokens() {
    let serve = |accepted: &'static str| {
        let img = TestImage::new();
        Fake::start(move |req| {
            if req.path == "/oauth2/token" {
                let form = String::from_utf8_lossy(&req.body).into_owned();
                let field = |k: &str| {
                    form.split('&')
                        .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                        .map(str::to_owned)
                };
                assert_eq!(req.method, "POST");
                assert_eq!(
                    req.header("content-type"),
                    Some("application/x-www-form-urlencoded")
                );
                assert_eq!(field("grant_type").as_deref(), Some("refresh_token"));
                assert_eq!(field("service").as_deref(), Some("fake"));
                assert_eq!(field("scope").as_deref(), Some("repository:test/img:pull"));
                assert!(
                    req.header("authorization").is_none(),
                    "no basic credentials"
                );
                return if field("refresh_token").as_deref() == Some(accepted) {
                    Reply::json(200, r#"{"access_token":"acc1","expires_in":300}"#)
                } else {
                    Reply::json(401, r#"{"error":"invalid_grant"}"#)
                };
            }
            if req.header("authorization") != Some("Bearer acc1") {
                let realm = format!("http://{}/oauth2/token", req.header("host").unwrap_or(""));
                return Reply::status(401).with(
                    "WWW-Authenticate",
                    &format!(r#"Bearer realm="{realm}",service="fake""#),
                );
            }
            img.answer(req).unwrap_or(Reply::status(404))
        })
    };
    let with = |token: &str| Options {
        credentials: Some(Credentials::identity_token(token)),
        ..opts()
    };

    let fake = serve("refresh-1");
    expect_files(read(&fake, &with("refresh-1")).unwrap());

    let fake = serve("refresh-1");
    let err = read(&fake, &with("expired")).unwrap_err();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}/test/img:latest: the registry's token service rejected the identity token for {} (401); log in again",
            fake.addr, fake.addr
        )
    );
}
