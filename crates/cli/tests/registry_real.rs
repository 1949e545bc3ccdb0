//! Images through a real registry (Debian's docker-registry, started by
//! ../shared/scripts/make-images.sh --registry PORT) read exactly like the OCI layouts they
//! were pushed from: `plinth layers -f json` and `plinth files -f json` agree, the "image"
//! name aside. Also `plinth pull` round trips, the registry's own error answers, and a
//! registry serving TLS on this machine with a CA made by the test.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use plinth_testdata::fixtures;
use serde_json::Value;

const TAGS: [&str; 8] = [
    "debian-bookworm",
    "debian-app",
    "alpine-3.20",
    "alpine-3.20-arm64",
    "alpine-3.9",
    "distroless-debian",
    "rpm-mariner",
    "edge-cases",
];

/// A registry for the test: one we started (stopped by its PID when dropped), or one
/// already serving these fixtures (left running).
struct Registry {
    addr: String,
    started: Option<String>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(pid) = &self.started {
            let _ = Command::new("kill").arg(pid).status();
        }
    }
}

fn registry(fixtures: &Path) -> Option<Registry> {
    if let Some(addr) = already_running(fixtures) {
        return Some(Registry {
            addr,
            started: None,
        });
    }
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scripts/make-images.sh");
    if !script.is_file() {
        println!("skipped: no {}", script.display());
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .ok()?;
    let out = Command::new("bash")
        .arg(&script)
        .arg("--registry")
        .arg(port.to_string())
        .arg(fixtures)
        .output()
        .ok()?;
    let pid = std::fs::read_to_string(fixtures.join("registry.pid")).unwrap_or_default();
    if !out.status.success() || pid.trim().is_empty() {
        let err = String::from_utf8_lossy(&out.stderr);
        println!(
            "skipped: make-images.sh --registry {port} failed: {}",
            err.lines().last().unwrap_or("")
        );
        return None;
    }
    Some(Registry {
        addr: format!("127.0.0.1:{port}"),
        started: Some(pid.trim().to_string()),
    })
}

/// The registry make-images.sh left running (its PID file and config), if it still runs.
fn already_running(fixtures: &Path) -> Option<String> {
    let pid = std::fs::read_to_string(fixtures.join("registry.pid")).ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{}/comm", pid.trim())).ok()?;
    if comm.trim() != "docker-registry" {
        return None;
    }
    let config = std::fs::read_to_string(fixtures.join("registry/config.yml")).ok()?;
    let addr = config.split("addr: \"").nth(1)?.split('"').next()?;
    Some(addr.to_string())
}

fn plinth(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("plinth")
        .expect("plinth binary")
        .args(args)
        .env_remove("PLINTH_REGISTRY_TIMEOUT")
        .output()
        .expect("run plinth")
}

/// Runs a command that must succeed and returns its JSON (a document, or JSON lines as an
/// array) with the "image" name removed.
fn json(args: &[&str]) -> Value {
    let out = plinth(args);
    assert!(
        out.status.success(),
        "plinth {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON lines"))
            .collect();
        Value::Array(lines)
    });
    if let Some(obj) = v.as_object_mut() {
        obj.remove("image");
    }
    v
}

/// Local results, computed once: several registry cases share a layout.
type Cache = std::sync::Mutex<std::collections::HashMap<Vec<String>, Value>>;

fn same_through_registry(remote: &str, local: &str, extra: &[&str], cache: &Cache) {
    for cmd in ["layers", "files"] {
        fn args<'a>(cmd: &'a str, image: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
            let mut args = vec![cmd, image, "-f", "json"];
            args.extend_from_slice(extra);
            args
        }
        let key: Vec<String> = args(cmd, local, extra)
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cached = cache.lock().unwrap().get(&key).cloned();
        let expected = cached.unwrap_or_else(|| {
            let v = json(&args(cmd, local, extra));
            cache.lock().unwrap().insert(key, v.clone());
            v
        });
        let got = json(&args(cmd, remote, extra));
        assert!(
            got == expected,
            "plinth {cmd} {remote} {extra:?} differs from {local}"
        );
    }
}

#[test]
fn registry_images_read_like_their_layouts() {
    let Some(fix) = fixtures() else { return };
    let Some(reg) = registry(&fix) else { return };
    let (a, f) = (&reg.addr, fix.display());
    let mut cases: Vec<(String, String, Vec<&str>)> = TAGS
        .iter()
        .map(|t| {
            (
                format!("{a}/fixtures/{t}"),
                format!("oci-dir:{f}/oci-{t}"),
                vec![],
            )
        })
        .collect();
    let multi = format!("oci-dir:{f}/oci-alpine-3.20-multi");
    cases.push((
        format!("{a}/fixtures/alpine:3.20"),
        multi.clone(),
        vec!["--platform", "linux/arm64"],
    ));
    cases.push((format!("{a}/fixtures/alpine:3.20"), multi.clone(), vec![]));
    cases.push((
        format!("registry:{a}/fixtures/debian-bookworm:v2s2"),
        format!("oci-dir:{f}/oci-debian-bookworm"),
        vec![],
    ));
    let cache = Cache::default();
    let cache = &cache;
    std::thread::scope(|s| {
        for chunk in cases.chunks(cases.len().div_ceil(2)) {
            s.spawn(move || {
                for (remote, local, extra) in chunk {
                    same_through_registry(remote, local, extra, cache);
                }
            });
        }
    });

    pull_round_trips(a);
    registry_errors(a);
    registry_over_tls(&fix);
}

/// `plinth pull` to a tar and a directory reads back the same as the registry image.
fn pull_round_trips(addr: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let remote = format!("{addr}/fixtures/alpine:3.20");
    let tar = dir.path().join("alpine.tar");
    let out = plinth(&[
        "pull",
        &remote,
        "-o",
        tar.to_str().unwrap(),
        "--platform",
        "linux/arm64",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("linux/arm64/v8"), "{said}");
    let back = format!("oci-archive:{}:3.20", tar.display());
    for cmd in ["layers", "files"] {
        assert_eq!(
            json(&[cmd, &back, "-f", "json"]),
            json(&[cmd, &remote, "-f", "json", "--platform", "linux/arm64"])
        );
    }

    let all = dir.path().join("all");
    let out = plinth(&[
        "pull",
        &remote,
        "-o",
        all.to_str().unwrap(),
        "--all-platforms",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index: Value =
        serde_json::from_slice(&std::fs::read(all.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "3.20"
    );
    for platform in ["linux/amd64", "linux/arm64"] {
        assert_eq!(
            json(&[
                "layers",
                &format!("oci-dir:{}", all.display()),
                "-f",
                "json",
                "--platform",
                platform
            ]),
            json(&["layers", &remote, "-f", "json", "--platform", platform])
        );
    }

    let v2s2 = dir.path().join("v2s2");
    let remote = format!("{addr}/fixtures/debian-bookworm:v2s2");
    let out = plinth(&["pull", &remote, "-o", v2s2.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json(&[
            "layers",
            &format!("oci-dir:{}", v2s2.display()),
            "-f",
            "json"
        ]),
        json(&["layers", &remote, "-f", "json"])
    );
}

fn registry_errors(addr: &str) {
    let missing = format!("{addr}/fixtures/no-such-image:1");
    let out = plinth(&["layers", &missing]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("plinth: image not found: {missing}\n")
    );

    let out = plinth(&[
        "layers",
        &format!("{addr}/fixtures/alpine:3.20"),
        "--platform",
        "linux/s390x",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("x.tar");
    let out = plinth(&["pull", &missing, "-o", dest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no partial output"
    );
}

/// Runs a tool the TLS test needs; `None` (with the skip line) when it is not installed.
fn run(tool: &str, args: &[&str], dir: &Path) -> Option<()> {
    match Command::new(tool).args(args).current_dir(dir).output() {
        Ok(out) if out.status.success() => Some(()),
        Ok(out) => panic!("{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            println!("skipped: {tool}: {e}");
            None
        }
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it, written into `dir`.
fn test_ca(dir: &Path) -> Option<()> {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ca = [
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem"],
    ];
    run(
        "openssl",
        &[
            ca.concat(),
            vec!["-days", "2", "-subj", "/CN=plinth test CA"],
        ]
        .concat(),
        dir,
    )?;
    let csr = [
        &["req"][..],
        &ec,
        &["-keyout", "leaf.key", "-out", "leaf.csr"],
    ];
    run(
        "openssl",
        &[csr.concat(), vec!["-subj", "/CN=127.0.0.1"]].concat(),
        dir,
    )?;
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .ok()?;
    let sign = "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem \
                -days 2 -extfile ext.cnf";
    run("openssl", &sign.split(' ').collect::<Vec<_>>(), dir)
}

/// A child process killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A registry on 127.0.0.1 serving the fixtures over TLS only, with a certificate from a CA
/// made here: plinth speaks TLS to it although it is on this machine (HTTPS is tried before
/// plain HTTP), trusts it through --ca-cert or SSL_CERT_FILE, and without them refuses it
/// with one line naming the problem.
/// (Run from the test above, which holds the plain registry whose storage this one serves.)
fn registry_over_tls(fix: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    if test_ca(d).is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let config = format!(
        "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\n\
         storage: {{filesystem: {{rootdirectory: \"{}\"}}}}\n\
         http: {{addr: \"127.0.0.1:{port}\", secret: tls-test, tls: {{certificate: \"{}\", key: \"{}\"}}}}\n",
        fix.join("registry/data").display(),
        d.join("leaf.pem").display(),
        d.join("leaf.key").display(),
    );
    std::fs::write(d.join("config.yml"), config).unwrap();
    let child = match Command::new("docker-registry")
        .args(["serve", "config.yml"])
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => Child(c),
        Err(e) => {
            println!("skipped: docker-registry: {e}");
            return;
        }
    };
    let up = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "the TLS registry did not start");

    let remote = format!("127.0.0.1:{port}/fixtures/alpine-3.20");
    let ca = d.join("ca.pem");
    let local = json(&[
        "layers",
        &format!("oci-dir:{}/oci-alpine-3.20", fix.display()),
        "-f",
        "json",
    ]);
    let trusted = json(&[
        "layers",
        &remote,
        "-f",
        "json",
        "--ca-cert",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(trusted, local);

    let out = plinth(&["layers", &remote]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "plinth: {remote}:latest: TLS with 127.0.0.1:{port} failed: invalid peer certificate: UnknownIssuer (see --ca-cert)\n"
        )
    );
    assert!(out.stdout.is_empty(), "no partial output");

    let out = Command::cargo_bin("plinth")
        .expect("plinth binary")
        .args(["layers", &remote, "-f", "json"])
        .env("SSL_CERT_FILE", &ca)
        .output()
        .expect("run plinth");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(child);
}
