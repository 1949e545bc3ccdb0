//! What every lockfile test uses: running plinth, the package managers and syft, and
//! reading package sets out of their JSON.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;
use serde_json::Value;

pub fn plinth() -> Command {
    Command::cargo_bin("plinth").unwrap()
}

/// The inventory JSON of `plinth sbom dir:TREE` with extra flags.
pub fn sbom(tree: &Path, flags: &[&str]) -> Value {
    let out = plinth()
        .arg("sbom")
        .arg(format!("dir:{}", tree.display()))
        .args(["-f", "json"])
        .args(flags)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs a tool in `dir`; `None` (with a printed line) when it is absent or fails.
pub fn tool(dir: &Path, program: &str, args: &[&str]) -> Option<()> {
    match Std::new(program).args(args).current_dir(dir).output() {
        Ok(o) if o.status.success() => Some(()),
        Ok(o) => {
            println!(
                "skipped: {program} {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            None
        }
        Err(e) => {
            println!("skipped: {program}: {e}");
            None
        }
    }
}

/// A package manager that `scripts/lockfile-tools.sh` installs, by its path under the tools
/// directory (`py/bin/poetry`, `npm/pnpm/node_modules/.bin/pnpm`); `None` (with a printed
/// line) when it is not there.
pub fn installed(rel: &str) -> Option<String> {
    let dir = std::env::var_os("PLINTH_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/plinth-tools"));
    let path = dir.join(rel);
    if path.is_file() {
        Some(path.to_string_lossy().into_owned())
    } else {
        println!("skipped: {rel} not installed (scripts/lockfile-tools.sh)");
        None
    }
}

/// Writes `text` to `rel` under `root`, making the folders on the way.
pub fn put(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub type Id = (String, String, String);

pub fn id(name: &str, version: &str, purl: &str) -> Id {
    (name.into(), version.into(), purl.into())
}

pub fn ids(packages: &Value, purl_key: &str) -> BTreeSet<Id> {
    packages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
            (s("name"), s("version"), s(purl_key))
        })
        .collect()
}

pub fn syft() -> Option<PathBuf> {
    let path = std::env::var_os("PLINTH_SYFT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/plinth-peers/bin/syft"));
    if path.is_file() {
        Some(path)
    } else {
        println!("skipped: syft not installed (../shared/scripts/peers.sh)");
        None
    }
}

pub fn syft_ids(syft: &Path, tree: &Path) -> BTreeSet<Id> {
    let out = Std::new(syft)
        .args([
            "scan",
            "-q",
            &format!("dir:{}", tree.display()),
            "-o",
            "json",
        ])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .env("SYFT_FILE_METADATA_SELECTION", "none")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    ids(&report["artifacts"], "purl")
}

/// What syft finds in `tree` that plinth (with `flags`) does not, and the other way round.
pub fn against_syft(tree: &Path, flags: &[&str]) -> Option<(BTreeSet<Id>, BTreeSet<Id>)> {
    let syft = syft()?;
    let ours = ids(&sbom(tree, flags)["packages"], "purl");
    let theirs = syft_ids(&syft, tree);
    Some((
        theirs.difference(&ours).cloned().collect(),
        ours.difference(&theirs).cloned().collect(),
    ))
}

/// The packages plinth found in one file of the tree, by the path it reports.
pub fn found_in<'a>(inventory: &'a Value, file: &str) -> Vec<&'a Value> {
    inventory["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["found_at"] == file)
        .collect()
}

/// Checks that every package plinth found in `file` has a line, and that the line, read
/// from the file itself, names the package (case aside: Python names are normalised).
pub fn assert_lines_name_packages(tree: &Path, inventory: &Value, file: &str) {
    let text = std::fs::read_to_string(tree.join(file.trim_start_matches('/'))).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let found = found_in(inventory, file);
    assert!(!found.is_empty(), "nothing found in {file}");
    for p in found {
        let name = p["name"].as_str().unwrap();
        let line = p["line"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name} in {file} has no line"));
        let at = lines[line as usize - 1].to_lowercase();
        assert!(
            at.contains(&name.to_lowercase()),
            "{file}:{line} is {at:?}, not {name}"
        );
    }
}

/// A package's name, version, and whether it is direct and dev (`None`: the file does not say).
pub type Flags = (String, String, Option<bool>, Option<bool>);

/// The [`Flags`] of each package plinth found in `file`, for tests that check what a
/// lockfile says about its packages.
pub fn flags_in(inventory: &Value, file: &str) -> BTreeSet<Flags> {
    found_in(inventory, file)
        .into_iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
                p["direct"].as_bool(),
                p["dev"].as_bool(),
            )
        })
        .collect()
}
