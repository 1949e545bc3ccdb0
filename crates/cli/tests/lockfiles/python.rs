//! Python lockfiles written by the real tools at test time (poetry, pip-tools' pip-compile,
//! pipenv, uv; installed by `scripts/lockfile-tools.sh`), against `syft scan dir:`.
//!
//! The project: requests and jinja2 for running, iniconfig for development only.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::*;

const PYPROJECT: &str = r#"[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["requests==2.31.0", "jinja2==3.1.2"]
"#;

type Row = (String, Option<bool>, Option<bool>);

/// (name, direct, dev) of the named packages in `file`, the rest left out.
fn flags_of(inventory: &Value, file: &str, names: &[&str]) -> Vec<Row> {
    let mut got: Vec<_> = flags_in(inventory, file)
        .into_iter()
        .filter(|(n, ..)| names.contains(&n.as_str()))
        .map(|(n, _, direct, dev)| (n, direct, dev))
        .collect();
    got.sort();
    got
}

fn row(name: &str, direct: Option<bool>, dev: Option<bool>) -> Row {
    (name.to_owned(), direct, dev)
}

#[test]
fn poetry_lock_against_syft() {
    let Some(poetry) = installed("py/bin/poetry") else {
        return;
    };
    let tree = tempfile::tempdir().unwrap();
    let project = tree.path().join("py");
    put(
        &project,
        "pyproject.toml",
        &format!(
            "{PYPROJECT}\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.group.dev.dependencies]\niniconfig = \"2.0.0\"\n"
        ),
    );
    let Some(()) = tool(&project, &poetry, &["lock", "-q"]) else {
        return;
    };
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/py/poetry.lock");
    // Poetry 2 writes each package's groups; poetry.lock does not say which are direct
    // (pyproject.toml does), so direct stays unset.
    assert_eq!(
        flags_of(
            &inventory,
            "/py/poetry.lock",
            &["iniconfig", "markupsafe", "requests"]
        ),
        [
            row("iniconfig", None, Some(true)),
            row("markupsafe", None, Some(false)),
            row("requests", None, Some(false)),
        ]
    );
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &["--exclude-dev"]) else {
        return;
    };
    // Syft reads poetry.lock without its groups, so it keeps the dev group's package.
    assert_eq!(
        only_syft,
        [id("iniconfig", "2.0.0", "pkg:pypi/iniconfig@2.0.0")].into()
    );
    assert_eq!(only_plinth, BTreeSet::new());
}

/// pip-tools' `pip-compile --generate-hashes`: every requirement pinned and continued over
/// several lines by its hashes.
#[test]
fn pip_compile_with_hashes_against_syft() {
    let Some(pip_compile) = installed("py/bin/pip-compile") else {
        return;
    };
    let tree = tempfile::tempdir().unwrap();
    let project = tree.path().join("py");
    put(
        &project,
        "requirements.in",
        "requests==2.31.0\njinja2==3.1.2\n",
    );
    let args = [
        "-q",
        "--generate-hashes",
        "--no-header",
        "requirements.in",
        "-o",
        "requirements.txt",
    ];
    let Some(()) = tool(&project, &pip_compile, &args) else {
        return;
    };
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/py/requirements.txt");
    // What pip-compile pinned, read from its lines: `name==version \`.
    let text = std::fs::read_to_string(project.join("requirements.txt")).unwrap();
    let pinned: BTreeSet<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_suffix(" \\")?.split_once("=="))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let ours: BTreeSet<(String, String)> = flags_in(&inventory, "/py/requirements.txt")
        .into_iter()
        .map(|(n, v, ..)| (n, v))
        .collect();
    assert_eq!(ours, pinned);
    assert!(pinned.len() > 2, "requests brings its own dependencies");
    // Its `# via` comments say which pins the input named.
    assert_eq!(
        flags_of(
            &inventory,
            "/py/requirements.txt",
            &["jinja2", "markupsafe", "requests"]
        ),
        [
            row("jinja2", Some(true), None),
            row("markupsafe", Some(false), None),
            row("requests", Some(true), None),
        ]
    );
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &[]) else {
        return;
    };
    assert_eq!((only_syft, only_plinth), Default::default());
}

#[test]
fn pipfile_lock_against_syft() {
    let Some(pipenv) = installed("py/bin/pipenv") else {
        return;
    };
    let tree = tempfile::tempdir().unwrap();
    let project = tree.path().join("py");
    put(
        &project,
        "Pipfile",
        "[packages]\nrequests = \"==2.31.0\"\njinja2 = \"==3.1.2\"\n\n[dev-packages]\niniconfig = \"==2.0.0\"\n",
    );
    // pipenv locks inside a virtualenv of its own; kept out of the tree plinth reads.
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&pipenv)
        .arg("lock")
        .current_dir(&project)
        .env("WORKON_HOME", home.path())
        .env("PIPENV_YES", "1")
        .env("PIPENV_NOSPIN", "1")
        .output()
        .unwrap();
    if !out.status.success() {
        println!(
            "skipped: pipenv lock: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return;
    }
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/py/Pipfile.lock");
    // Pipfile.lock sorts packages into default and develop; which are direct is in the
    // Pipfile only.
    assert_eq!(
        flags_of(&inventory, "/py/Pipfile.lock", &["iniconfig", "requests"]),
        [
            row("iniconfig", None, Some(true)),
            row("requests", None, Some(false)),
        ]
    );
    // Syft leaves out the develop section, as --exclude-dev does.
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &["--exclude-dev"]) else {
        return;
    };
    assert_eq!((only_syft, only_plinth), Default::default());
}

/// A Python project locked by uv, with a requirements.txt that uv exports from the lock
/// without the dev group.
#[test]
fn uv_lock_and_exported_requirements_match_syft() {
    let Some(uv) = installed("py/bin/uv") else {
        return;
    };
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    let project = root.join("py");
    put(
        &project,
        "pyproject.toml",
        &format!("{PYPROJECT}\n[dependency-groups]\ndev = [\"iniconfig==2.0.0\"]\n"),
    );
    let Some(()) = tool(&project, &uv, &["lock", "-q"]) else {
        return;
    };
    let export = [
        "export",
        "-q",
        "--no-hashes",
        "--no-dev",
        "--format",
        "requirements-txt",
    ];
    tool(
        &project,
        &uv,
        &[&export[..], &["-o", "requirements.txt"]].concat(),
    )
    .unwrap();

    let inventory = sbom(root, &[]);
    assert_lines_name_packages(root, &inventory, "/py/uv.lock");
    assert_lines_name_packages(root, &inventory, "/py/requirements.txt");
    let versions = |rows: BTreeSet<Flags>| -> BTreeSet<(String, String)> {
        rows.into_iter().map(|(n, v, ..)| (n, v)).collect()
    };
    // uv's own export of the non-dev packages is what plinth reads as non-dev in uv.lock.
    let locked_main: BTreeSet<_> = flags_in(&inventory, "/py/uv.lock")
        .into_iter()
        .filter(|(.., dev)| *dev == Some(false))
        .collect();
    assert_eq!(
        versions(locked_main),
        versions(flags_in(&inventory, "/py/requirements.txt"))
    );
    assert_eq!(
        flags_of(
            &inventory,
            "/py/uv.lock",
            &["iniconfig", "markupsafe", "requests"]
        ),
        [
            row("iniconfig", Some(true), Some(true)),
            row("markupsafe", Some(false), Some(false)),
            row("requests", Some(true), Some(false)),
        ]
    );
    // The export's `# via` comments name the project (`demo`) for what it asks for itself.
    assert_eq!(
        flags_of(
            &inventory,
            "/py/requirements.txt",
            &["markupsafe", "requests"]
        ),
        [
            row("markupsafe", Some(false), None),
            row("requests", Some(true), None),
        ]
    );
    // Syft reads requirements.txt but has no uv.lock cataloger: without the dev group,
    // uv.lock adds nothing to what requirements.txt names, so the sets are equal.
    let Some((only_syft, only_plinth)) = against_syft(root, &["--exclude-dev"]) else {
        return;
    };
    assert_eq!((only_syft, only_plinth), Default::default());
}
