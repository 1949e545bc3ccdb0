//! Conformance with hadolint on the corpus: for every rule both tools implement (plinth
//! rules with a `DL` mapping that are on by default), the findings agree on file, line
//! and rule, except for the differences listed in `KNOWN`, each with the reason plinth's
//! answer is the right one. A listed difference that no longer happens fails the test
//! too, so the list stays true. Skips with one line when hadolint is not installed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use plinth_lint::{Config, lint, rules};

/// (file, line, DL rule, which tool reports it, why plinth is right)
const KNOWN: &[(&str, usize, &str, Only, &str)] = &[
    (
        "arg-from-latest.Dockerfile",
        4,
        "DL3007",
        Only::Plinth,
        "FROM ${REGISTRY}/node:${NODE_TAG} with ARG NODE_TAG=latest builds node:latest; \
         plinth expands global ARG defaults in FROM, hadolint does not",
    ),
    (
        "heredoc-bad.Dockerfile",
        5,
        "DL3009",
        Only::Plinth,
        "the RUN <<EOF heredoc runs apt-get update without removing the lists; hadolint \
         does not lint heredoc bodies",
    ),
    (
        "heredoc-bad.Dockerfile",
        5,
        "DL3014",
        Only::Plinth,
        "apt-get install without -y inside a RUN heredoc aborts the build all the same",
    ),
    (
        "heredoc-bad.Dockerfile",
        5,
        "DL3015",
        Only::Plinth,
        "apt-get install without --no-install-recommends inside a RUN heredoc",
    ),
    (
        "heredoc-bad.Dockerfile",
        11,
        "DL3003",
        Only::Plinth,
        "`cd /opt` inside `RUN <<-SCRIPT bash`: the heredoc is the shell script",
    ),
    (
        "stages-bad.Dockerfile",
        5,
        "DL3024",
        Only::Plinth,
        "`AS build` and `AS Build`: BuildKit compares stage names case-insensitively and \
         rejects the file; hadolint compares them case-sensitively",
    ),
    (
        "pipefail-inline.Dockerfile",
        5,
        "DL4006",
        Only::Hadolint,
        "the RUN starts with `set -euo pipefail`, which protects its pipe exactly as a \
         SHELL with -o pipefail would; hadolint only looks at SHELL",
    ),
    (
        "pragmas-plinth.Dockerfile",
        7,
        "DL3042",
        Only::Hadolint,
        "silenced by a `# plinth ignore=DL3042` pragma, which hadolint does not read",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Only {
    Plinth,
    Hadolint,
}

fn hadolint() -> Option<PathBuf> {
    let p = std::env::var_os("PLINTH_HADOLINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/plinth-peers/bin/hadolint"));
    p.is_file().then_some(p)
}

#[test]
fn findings_agree_with_hadolint_on_shared_rules() {
    let Some(hadolint) = hadolint() else {
        println!(
            "skipped: hadolint not found at /var/tmp/plinth-peers/bin/hadolint (set PLINTH_HADOLINT)"
        );
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".Dockerfile"))
        .collect();
    names.sort();
    let shared: BTreeSet<&str> = rules::all()
        .iter()
        .filter(|r| !r.opt_in)
        .filter_map(|r| r.hadolint)
        .collect();

    // hadolint runs in the corpus directory with no config file, so defaults apply.
    let out = Command::new(&hadolint)
        .current_dir(&dir)
        .args(["-f", "json", "--no-fail"])
        .args(&names)
        .output()
        .expect("run hadolint");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "hadolint -f json: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let theirs: BTreeSet<(String, usize, String)> = report
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter(|d| shared.contains(d["code"].as_str().unwrap_or("")))
        .map(|d| {
            let file = d["file"].as_str().unwrap().to_string();
            (
                file,
                d["line"].as_u64().unwrap() as usize,
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    let mut ours = BTreeSet::new();
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for d in lint(&text, name, &Config::default()).unwrap() {
            if let Some(dl) = d.hadolint.filter(|dl| shared.contains(dl)) {
                ours.insert((name.clone(), d.line, dl.to_string()));
            }
        }
    }

    let mut diff: BTreeSet<(String, usize, String, Only)> = BTreeSet::new();
    diff.extend(
        ours.difference(&theirs)
            .map(|(f, l, c)| (f.clone(), *l, c.clone(), Only::Plinth)),
    );
    diff.extend(
        theirs
            .difference(&ours)
            .map(|(f, l, c)| (f.clone(), *l, c.clone(), Only::Hadolint)),
    );
    let known: BTreeSet<(String, usize, String, Only)> = KNOWN
        .iter()
        .map(|(f, l, c, o, _)| (f.to_string(), *l, c.to_string(), *o))
        .collect();

    let unexplained: Vec<_> = diff.difference(&known).collect();
    let stale: Vec<_> = known.difference(&diff).collect();
    let agreed = ours.intersection(&theirs).count();
    println!(
        "hadolint conformance: {agreed} findings agree, {} known differences",
        known.len()
    );
    assert!(
        agreed >= 30,
        "only {agreed} shared findings: is the corpus being read?"
    );
    assert!(
        unexplained.is_empty(),
        "differences with no explanation in KNOWN: {unexplained:#?}"
    );
    assert!(
        stale.is_empty(),
        "KNOWN lists differences that no longer happen: {stale:#?}"
    );
}
