//! Lints every Dockerfile in tests/corpus and compares the findings with the
//! `# expect: PL…` comments in the files. An expectation binds to the next instruction
//! line after the comment; a file with no expectation must lint clean.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use plinth_lint::{Config, lint};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    files
}

/// (line, rule) pairs the file's comments promise.
fn expectations(text: &str) -> BTreeSet<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(ids) = line.trim_start().strip_prefix("# expect:") else {
            continue;
        };
        let target = (i + 1..lines.len())
            .find(|&j| {
                let t = lines[j].trim_start();
                !t.is_empty() && !t.starts_with('#')
            })
            .expect("an instruction after # expect");
        for id in ids.split_whitespace() {
            out.insert((target + 1, id.to_string()));
        }
    }
    out
}

#[test]
fn corpus_has_at_least_forty_files() {
    assert!(corpus().len() >= 40, "{} files", corpus().len());
}

#[test]
fn every_corpus_file_gives_exactly_the_expected_findings() {
    let mut failures = Vec::new();
    for path in corpus() {
        let text = std::fs::read_to_string(&path).expect("corpus file is UTF-8");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let got: BTreeSet<(usize, String)> = lint(&text, &name, &Config::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_iter()
            .map(|d| (d.line, d.code.to_string()))
            .collect();
        let want = expectations(&text);
        if got != want {
            let extra: Vec<_> = got.difference(&want).collect();
            let missing: Vec<_> = want.difference(&got).collect();
            failures.push(format!("{name}: unexpected {extra:?}, missing {missing:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
