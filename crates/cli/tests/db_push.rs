//! `plinth db push` and `plinth db update --repository` through a real registry (Debian's
//! docker-registry, started here on empty storage, without and with basic auth), on a
//! database imported from the real advisory records in ../shared/fixtures/vulndata: the
//! round trip gives an identical `db info`; a missing tag, a blob changed in the registry's
//! storage and wrong credentials each fail with one line and leave the old database as it was.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use plinth_testdata::registry::{LocalRegistry, User};
use plinth_testdata::vulndata;
use serde_json::Value;

/// The test user's password and its bcrypt hash (made with Python's `crypt.crypt` and the
/// salt `$2b$05$plinthtestsaltplinthte`), as docker-registry's htpasswd file wants it.
const PASSWORD: &str = "push-s3cret";
const BCRYPT: &str = "$2b$05$plinthtestsaltplinthte1ETyzdCJH6cNlPadkpaUyshMebd4686";

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB")
        .env_remove("PLINTH_REGISTRY_TIMEOUT")
        .env("XDG_CONFIG_HOME", "/nonexistent-plinth-config")
        // No credentials but the ones a test gives.
        .env("DOCKER_CONFIG", "/nonexistent-plinth-docker-config");
    cmd
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A database of real advisories: OSV, Alpine secdb, the Debian tracker and NVD severities.
fn real_database(data: &Path, db: &Path) {
    let out = plinth()
        .args(["db", "import", "--db"])
        .arg(db)
        .arg(data.join("osv"))
        .arg(data.join("alpine-secdb"))
        .arg(data.join("debian-tracker-json"))
        .arg(data.join("nvd-api-2.0"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

/// `db info -f json` without what differs between two copies of the same data: the path, the
/// file's size (redb lays out a copy differently) and the age.
fn info(db: &Path) -> Value {
    let out = plinth()
        .args(["db", "info", "-f", "json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["path", "file_size", "age_seconds"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v
}

fn update_from(db: &Path, reference: &str, extra: &[&str], stdin: &str) -> std::process::Output {
    plinth()
        .args(["db", "update", "--db"])
        .arg(db)
        .args(["--repository", reference])
        .args(extra)
        .write_stdin(stdin)
        .output()
        .unwrap()
}

/// Every file in `dir`, to show a failed update left nothing behind.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The bundle's digest from `db push`'s second line (`  bundle sha256:… (…)`).
fn bundle_digest(push_stdout: &str) -> String {
    push_stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("bundle "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a bundle line")
        .to_string()
}

#[test]
fn push_then_update_round_trips_and_refuses_a_tampered_bundle() {
    let Some(data) = vulndata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let Some(registry) = LocalRegistry::start(dir.path(), None) else {
        return;
    };
    let src = dir.path().join("src.redb");
    real_database(&data, &src);
    let (reference, mirror) = (
        format!("{}/plinth/db:1", registry.addr),
        format!("{}/mirror/db:1", registry.addr),
    );

    let out = plinth()
        .args(["db", "push", "--db"])
        .arg(&src)
        .args([&reference, &mirror])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let said = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 4, "{said}");
    assert!(lines[0].starts_with(&format!("pushed {reference}@sha256:")));
    assert!(
        lines[1].contains(&format!(
            ", uploaded), 4 sources, schema {}, built ",
            plinth_vulndb::SCHEMA_VERSION
        )),
        "{said}"
    );
    assert!(lines[2].starts_with(&format!("pushed {mirror}@sha256:")));
    assert!(lines[3].contains(", mounted), "), "{said}");
    let digest = bundle_digest(&said);

    let pulled = dir.path().join("runner/vuln.redb");
    let out = update_from(&pulled, &reference, &[], "");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).starts_with(&format!("{reference}: installed sha256:")));
    let expected = info(&src);
    assert_eq!(info(&pulled), expected);
    let out = update_from(&pulled, &mirror, &[], "");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(info(&pulled), expected);

    let out = plinth()
        .args(["db", "push", "--db"])
        .arg(&src)
        .arg(&reference)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(", already there), "));

    let before = std::fs::read(&pulled).unwrap();
    let runner = pulled.parent().unwrap();
    let missing = format!("{}/plinth/db:no-such-tag", registry.addr);
    let out = update_from(&pulled, &missing, &[], "");
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out),
        format!("plinth: image not found: {missing}\n")
    );

    // One byte of the bundle changed where the registry keeps it.
    let blob = registry.blob_file(&digest);
    let mut stored = std::fs::read(&blob).unwrap();
    let middle = stored.len() / 2;
    stored[middle] ^= 0x55;
    std::fs::write(&blob, &stored).unwrap();
    let out = update_from(&pulled, &reference, &[], "");
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out),
        format!(
            "plinth: {reference}: blob {digest}: digest mismatch: expected {digest}, got {}\n",
            plinth_testdata::sha256(&stored)
        )
    );
    assert!(
        std::fs::read(&pulled).unwrap() == before,
        "old database kept"
    );
    assert_eq!(
        files_in(runner),
        vec![pulled.clone()],
        "nothing left behind"
    );
    assert_eq!(info(&pulled), expected);
}

#[test]
fn basic_auth_from_flags_and_docker_config() {
    let Some(data) = vulndata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let user = User {
        name: "ci",
        bcrypt: BCRYPT,
    };
    let Some(registry) = LocalRegistry::start(dir.path(), Some(user)) else {
        return;
    };
    let src = dir.path().join("src.redb");
    real_database(&data, &src);
    let reference = format!("{}/plinth/db:nightly", registry.addr);
    let push = |extra: &[&str], stdin: &str| {
        plinth()
            .args(["db", "push", "--db"])
            .arg(&src)
            .arg(&reference)
            .args(extra)
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    let login = ["--username", "ci", "--password-stdin"];

    let out = push(&[], "");
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out),
        format!(
            "plinth: {reference}: authentication required (401 Unauthorized); log in with --username and --password-stdin, or `docker login {}`\n",
            registry.addr
        )
    );
    let out = push(&login, "wrong\n");
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out),
        format!(
            "plinth: {reference}: the credentials for {} were rejected (401 Unauthorized)\n",
            registry.addr
        )
    );
    let out = push(&login, &format!("{PASSWORD}\n"));
    assert!(out.status.success(), "{}", stderr_of(&out));

    let pulled = dir.path().join("runner/vuln.redb");
    let out = update_from(&pulled, &reference, &login, "wrong\n");
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("were rejected (401 Unauthorized)"),
        "{}",
        stderr_of(&out)
    );
    assert!(!pulled.exists(), "no database from a refused pull");
    let out = update_from(&pulled, &reference, &login, PASSWORD);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(info(&pulled), info(&src));

    // As `docker login` leaves it: config.json's auths entry for the registry.
    let docker = dir.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = base64(&format!("ci:{PASSWORD}"));
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, registry.addr),
    )
    .unwrap();
    let other = dir.path().join("other/vuln.redb");
    let out = plinth()
        .args(["db", "update", "--db"])
        .arg(&other)
        .args(["--repository", &reference])
        .env("DOCKER_CONFIG", &docker)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(info(&other), info(&src));
}

/// Base64 as coreutils writes it, for the one config.json value the test writes.
fn base64(s: &str) -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", "printf %s \"$1\" | base64 -w0", "sh", s])
        .output()
        .expect("base64 (coreutils)");
    String::from_utf8(out.stdout).unwrap()
}
