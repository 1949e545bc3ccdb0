//! `kill -9` during `db import` leaves the old database intact and a temporary copy behind;
//! the next run removes that copy. The import is held mid-write by an input that is a FIFO
//! nobody writes to, so the kill lands while the temporary file is open.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;

fn plinth() -> std::process::Command {
    let mut cmd = std::process::Command::cargo_bin("plinth").unwrap();
    cmd.env_remove("PLINTH_DB");
    cmd
}

fn temps(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".vuln.redb.") && n.ends_with(".tmp"))
        })
        .collect()
}

#[test]
fn the_next_run_removes_what_a_killed_import_left() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    let feed = data.join("alpine-secdb/v3.20");
    let ok = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&feed)
        .status()
        .unwrap();
    assert!(ok.success());
    let size = std::fs::metadata(&db).unwrap().len();

    let fifo = dir.path().join("never-written.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&fifo)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temps(dir.path()).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the copy of the old database finish, then SIGKILL.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let left = temps(dir.path());
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(std::fs::metadata(&left[0]).unwrap().len() > 0);
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        size,
        "old database intact"
    );

    let ok = plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&feed)
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(temps(dir.path()).is_empty(), "{:?}", temps(dir.path()));
}
