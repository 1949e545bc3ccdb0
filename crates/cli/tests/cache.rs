//! The layer cache end to end, on make-images.sh's images: every image command says the same
//! warm as cold and reads no layer on the warm run (the walk's `PLINTH_DEBUG` trace names
//! each layer it read or took from the cache); changed archives are read again; concurrent
//! processes share one cache; the size bound holds; an unwritable cache only warns.
//! Every run has its own `XDG_CACHE_HOME`: tests never touch the user's cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;

fn plinth(cache: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("plinth")
        .unwrap()
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("PLINTH_DEBUG", "1")
        .env("NO_COLOR", "1")
        .env_remove("PLINTH_DB")
        .env_remove("PLINTH_NO_CACHE")
        .env_remove("PLINTH_CACHE_BACKEND")
        .env_remove("PLINTH_CACHE_MAX_SIZE")
        .env_remove("PLINTH_CACHE_TTL")
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

/// How many layers the run read from their source, and how many it took from the cache.
fn reads(out: &Output) -> (usize, usize) {
    let err = String::from_utf8_lossy(&out.stderr);
    let read = err
        .lines()
        .filter(|l| l.ends_with(": read and verified"))
        .count();
    let cached = err
        .lines()
        .filter(|l| l.ends_with(" from the cache"))
        .count();
    (read, cached)
}

/// Outputs equal, or the first line where they differ.
fn same(warm: &str, cold: &str, args: &[&str]) {
    let differ = warm.lines().zip(cold.lines()).find(|(w, c)| w != c);
    assert_eq!(differ, None, "{args:?}: warm and cold differ");
    assert_eq!(warm.len(), cold.len(), "{args:?}");
}

/// Lines of stderr other than the walk's debug trace.
fn warnings(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("plinth: debug:"))
        .map(str::to_string)
        .collect()
}

fn fixture(name: &str) -> Option<String> {
    plinth_testdata::fixture(name).map(|p| p.display().to_string())
}

/// A vulnerability database of the real OSV records in ../shared (Go, PyPI, npm, crates.io).
fn database(dir: &Path) -> Option<PathBuf> {
    let osv = plinth_testdata::vulndata()?.join("osv");
    let db = dir.join("vuln.redb");
    let out = Command::cargo_bin("plinth")
        .unwrap()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&osv)
        .output()
        .unwrap();
    ok(&out);
    Some(db)
}

#[test]
fn every_command_says_the_same_warm_and_reads_no_layer() {
    let (Some(app), Some(base), Some(alpine)) = (
        fixture("oci-debian-app"),
        fixture("debian-bookworm.docker.tar"),
        fixture("alpine-3.20.oci.tar"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(db) = database(tmp.path()) else {
        return;
    };
    let db = db.display().to_string();
    let cache = tmp.path().join("cache");
    let commands: Vec<Vec<&str>> = vec![
        vec!["layers", &app],
        vec!["files", &app],
        vec!["sbom", &app, "-f", "json"],
        vec!["scan", &app, "--db", &db, "-f", "json"],
        vec!["advise", &app, "--db", &db, "-f", "json"],
        vec!["compare", &base, &alpine, "-f", "json"],
        vec!["diff", &base, &app, "--db", &db, "-f", "json"],
    ];
    for args in commands {
        let cold = plinth(&cache, &args);
        let cold_out = ok(&cold);
        let (read, _) = reads(&cold);
        let warm = plinth(&cache, &args);
        same(&ok(&warm), &cold_out, &args);
        let (read_warm, cached) = reads(&warm);
        assert_eq!(read_warm, 0, "{args:?}: a warm run reads no layer");
        assert!(cached >= 1, "{args:?}: layers come from the cache");
        assert!(read + cached >= 1, "{args:?}");
        assert_eq!(warnings(&warm), warnings(&cold), "{args:?}");
    }
    // --no-cache reads everything again.
    let out = plinth(&cache, &["layers", &app, "--no-cache"]);
    ok(&out);
    assert_eq!(reads(&out), (3, 0));
}

#[test]
fn a_changed_archive_is_read_again() {
    let Some(archive) = plinth_testdata::fixture("alpine-3.20.docker.tar") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("alpine.tar");
    std::fs::copy(&archive, &copy).unwrap();
    let copy = copy.display().to_string();
    let cache = tmp.path().join("cache");
    let first = plinth(&cache, &["sbom", &copy, "-f", "json"]);
    let listing = ok(&first);
    assert_eq!(
        reads(&plinth(&cache, &["sbom", &copy, "-f", "json"])),
        (0, 1)
    );

    // Written again in place: same path and bytes, but a new identity, so verified again.
    let bytes = std::fs::read(&copy).unwrap();
    std::fs::write(&copy, &bytes).unwrap();
    let again = plinth(&cache, &["sbom", &copy, "-f", "json"]);
    assert_eq!(ok(&again), listing);
    assert_eq!(reads(&again), (1, 0));
}

#[test]
fn concurrent_processes_share_one_cache() {
    let Some(app) = fixture("debian-app.docker.tar") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let expected = ok(&plinth(
        &tmp.path().join("alone"),
        &["sbom", &app, "-f", "json"],
    ));
    for n in [2, 8] {
        let cache = tmp.path().join(format!("shared-{n}"));
        let children: Vec<_> = (0..n)
            .map(|_| {
                Command::cargo_bin("plinth")
                    .unwrap()
                    .args(["sbom", &app, "-f", "json"])
                    .env("XDG_CACHE_HOME", &cache)
                    .env_remove("PLINTH_NO_CACHE")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(ok(&out), expected, "{n} at once");
            assert!(
                out.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let warm = plinth(&cache, &["sbom", &app, "-f", "json"]);
        assert_eq!(ok(&warm), expected);
        assert_eq!(reads(&warm).0, 0, "{n} writers left whole entries");
        let temps = walk_files(&cache.join("plinth/layers"))
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".tmp-")
            })
            .count();
        assert_eq!(temps, 0, "no temporary file is left behind");
    }
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_size_bound_holds_and_info_prune_clean_report() {
    let (Some(app), Some(alpine)) = (fixture("oci-debian-app"), fixture("oci-alpine-3.20")) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    let bound = 200_000u64;
    let max = format!("--cache-max-size={bound}");
    for image in [&app, &alpine] {
        ok(&plinth(cache, &["files", image, &max]));
    }
    let bytes: u64 = walk_files(&cache.join("plinth/layers"))
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .sum();
    assert!(bytes <= bound, "{bytes} bytes kept, bound {bound}");
    // The most recent walk survives eviction.
    assert_eq!(reads(&plinth(cache, &["files", &alpine, &max])).0, 0);

    let info = ok(&plinth(cache, &["cache", "info"]));
    assert!(info.contains(&format!(
        "directory: {}",
        cache.join("plinth/layers").display()
    )));
    assert!(info.contains("max size:  5.0 GiB"), "{info}");
    let pruned = ok(&plinth(cache, &["cache", "prune", "--cache-max-size=1"]));
    assert!(pruned.contains("0 entries (0 B) kept"), "{pruned}");
    ok(&plinth(cache, &["files", &alpine]));
    let cleaned = ok(&plinth(cache, &["cache", "clean"]));
    assert!(cleaned.starts_with("removed "), "{cleaned}");
    assert!(ok(&plinth(cache, &["cache", "info"])).contains("entries:   0"));
}

#[test]
fn an_unwritable_cache_warns_once_and_reads_the_image() {
    let Some(app) = fixture("oci-debian-app") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let expected = ok(&plinth(
        &tmp.path().join("ok"),
        &["sbom", &app, "-f", "json"],
    ));
    // A file where the cache directory should be: no process, root included, can write it.
    let blocker = tmp.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let out = plinth(&blocker, &["sbom", &app, "-f", "json"]);
    assert_eq!(ok(&out), expected);
    let warned = warnings(&out);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with("plinth: warning: cache ") && warned[0].contains("not-a-dir"),
        "{warned:?}"
    );
}

#[test]
fn bad_cache_flags_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for (flag, needle) in [
        ("--cache-backend=memcached://x", "--cache-backend"),
        ("--cache-max-size=lots", "--cache-max-size"),
        ("--cache-ttl=1w", "--cache-ttl"),
    ] {
        let out = plinth(tmp.path(), &["cache", "info", flag]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.lines().count() == 1, "{err}");
    }
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (with a `skipped:` line) where this process may not mount one.
    fn mount(at: PathBuf, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(&at).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            println!("skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(Tmpfs(at))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_cache_filesystem_warns_once_and_reads_the_image() {
    let Some(app) = fixture("oci-debian-app") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let expected = ok(&plinth(
        &tmp.path().join("ok"),
        &["sbom", &app, "-f", "json"],
    ));
    // 64 KiB: less than the walk of debian-app's base layer needs.
    let Some(full) = Tmpfs::mount(tmp.path().join("full"), "64k") else {
        return;
    };
    for run in ["cold", "again"] {
        let out = plinth(&full.0, &["sbom", &app, "-f", "json"]);
        assert_eq!(ok(&out), expected, "{run}");
        let warned = warnings(&out);
        assert_eq!(warned.len(), 1, "{run}: {warned:?}");
        assert!(
            warned[0].starts_with("plinth: warning: cache ")
                && warned[0].contains("No space left on device"),
            "{run}: {warned:?}"
        );
    }
    // No torn temporary file is left behind to fill it further.
    let left: Vec<PathBuf> = walk_files(&full.0)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_cache_on_another_filesystem_works_as_any_other() {
    let Some(app) = fixture("oci-debian-app") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(other) = Tmpfs::mount(tmp.path().join("other"), "64m") else {
        return;
    };
    let cold = plinth(&other.0, &["sbom", &app, "-f", "json"]);
    let warm = plinth(&other.0, &["sbom", &app, "-f", "json"]);
    same(&ok(&warm), &ok(&cold), &["sbom"]);
    assert_eq!(reads(&cold), (3, 0));
    assert_eq!(reads(&warm), (0, 3));
    assert!(warnings(&cold).is_empty() && warnings(&warm).is_empty());
}

#[test]
fn a_read_only_cache_for_a_user_who_may_not_write_it_warns_once() {
    let Some(app) = fixture("oci-alpine-3.20") else {
        return;
    };
    // The cache directory belongs to root and `nobody` runs plinth; the image, the binary and
    // the directories above them are world-readable here (make-images.sh, cargo).
    let tmp = tempfile::Builder::new()
        .prefix("plinth-ro-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(cache.join("plinth/layers")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_nobody = |cache: &Path| {
        Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("plinth"))
            .args(["sbom", &app, "-f", "json"])
            .env("XDG_CACHE_HOME", cache)
            .env("PLINTH_DEBUG", "1")
            .env_remove("PLINTH_NO_CACHE")
            .env_remove("PLINTH_CACHE_BACKEND")
            .output()
            .unwrap()
    };
    let probe = as_nobody(&cache);
    if !probe.status.success() && String::from_utf8_lossy(&probe.stderr).contains("setpriv") {
        println!("skipped: cannot run as nobody here (setpriv needs root)");
        return;
    }
    // nobody may not write root's empty cache: each run reads the image, with one warning.
    let expected = ok(&plinth(
        &tmp.path().join("root"),
        &["sbom", &app, "-f", "json"],
    ));
    for run in ["first", "second"] {
        let out = as_nobody(&cache);
        assert_eq!(ok(&out), expected, "{run}");
        assert_eq!(reads(&out), (1, 0), "{run}");
        let warned = warnings(&out);
        assert_eq!(warned.len(), 1, "{run}: {warned:?}");
        assert!(
            warned[0].starts_with("plinth: warning: cache ")
                && warned[0].contains("Permission denied"),
            "{run}: {warned:?}"
        );
    }
    // Once root has filled it, nobody reads it as a shared read-only cache, without a word.
    ok(&plinth(&cache, &["sbom", &app, "-f", "json"]));
    let out = as_nobody(&cache);
    assert_eq!(ok(&out), expected);
    assert_eq!(reads(&out), (0, 1));
    assert!(warnings(&out).is_empty(), "{:?}", warnings(&out));
}
