//! JavaScript lockfiles written by the real tools at test time (yarn classic, yarn Berry and
//! pnpm, installed by `scripts/lockfile-tools.sh`; npm with workspaces), against
//! `syft scan dir:`. The tools fetch from the registry npm is configured with.
//!
//! The project: lodash and chalk (which brings four packages) for running, ms under the
//! alias ms-old, is-number for development only.

use std::collections::BTreeSet;
use std::process::Command as Std;

use crate::support::*;

const PACKAGE_JSON: &str = r#"{"name":"web","version":"1.0.0","dependencies":{"lodash":"4.17.20","chalk":"4.1.2","ms-old":"npm:ms@2.0.0"},"devDependencies":{"is-number":"7.0.0"}}"#;

/// The registry npm is configured with, which the other tools are pointed at.
fn registry() -> Option<String> {
    let out = Std::new("npm")
        .args(["config", "get", "registry"])
        .output()
        .ok()?;
    let url = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    if url.is_empty() {
        println!("skipped: npm has no registry configured");
        return None;
    }
    Some(url)
}

/// A tree holding the project in `web/`, locked by `program args` there.
fn locked(program: &str, args: &[&str], extra: &[(&str, &str)]) -> Option<tempfile::TempDir> {
    let tree = tempfile::tempdir().unwrap();
    let web = tree.path().join("web");
    put(&web, "package.json", PACKAGE_JSON);
    for (rel, text) in extra {
        put(&web, rel, text);
    }
    tool(&web, program, args)?;
    Some(tree)
}

type Flag = Option<bool>;

/// (name, version, direct, dev) rows, as `flags_in` gives them.
fn rows(rows: &[(&str, &str, Flag, Flag)]) -> BTreeSet<Flags> {
    rows.iter()
        .map(|(n, v, direct, dev)| ((*n).into(), (*v).into(), *direct, *dev))
        .collect()
}

/// What chalk brings, which no lockfile but pnpm's and npm's marks as dev or not.
const CHALK_DEPS: [(&str, &str); 5] = [
    ("ansi-styles", "4.3.0"),
    ("color-convert", "2.0.1"),
    ("color-name", "1.1.4"),
    ("has-flag", "4.0.0"),
    ("supports-color", "7.2.0"),
];

/// The project's packages with the given direct and dev flags for each kind: the plain
/// direct ones, the dev one, and the transitive ones.
/// `dev` is what the file says of the plain direct dependencies.
fn expected(
    direct: Flag,
    dev: Flag,
    dev_direct: (Flag, Flag),
    transitive: (Flag, Flag),
) -> BTreeSet<Flags> {
    let mut want = vec![
        ("chalk", "4.1.2", direct, dev),
        ("lodash", "4.17.20", direct, dev),
        ("ms", "2.0.0", direct, dev),
        ("is-number", "7.0.0", dev_direct.0, dev_direct.1),
    ];
    want.extend(
        CHALK_DEPS
            .iter()
            .map(|(n, v)| (*n, *v, transitive.0, transitive.1)),
    );
    rows(&want)
}

#[test]
fn yarn_classic_against_syft() {
    let (Some(yarn), Some(registry)) = (installed("npm/yarn1/node_modules/.bin/yarn"), registry())
    else {
        return;
    };
    let args = [
        "install",
        "--ignore-scripts",
        "--non-interactive",
        "--no-progress",
        "--registry",
        &registry,
    ];
    let Some(tree) = locked(&yarn, &args, &[]) else {
        return;
    };
    // Classic yarn has no lockfile-only mode; what it installed is not the lockfile's.
    std::fs::remove_dir_all(tree.path().join("web/node_modules")).unwrap();
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/web/yarn.lock");
    // A classic yarn.lock says neither which packages are direct nor which are dev; the
    // alias is read as the package it installs.
    assert_eq!(
        flags_in(&inventory, "/web/yarn.lock"),
        expected(None, None, (None, None), (None, None))
    );
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &[]) else {
        return;
    };
    assert_eq!(only_syft, BTreeSet::new());
    assert_eq!(only_plinth, [project()].into());
}

/// plinth reports the project itself from its package.json; Syft's yarn and pnpm lockfile
/// catalogers do not (its package-lock.json cataloger does, from the lockfile's root entry).
fn project() -> Id {
    id("web", "1.0.0", "pkg:npm/web@1.0.0")
}

#[test]
fn yarn_berry_against_syft() {
    let (Some(yarn), Some(registry)) = (installed("npm/berry/node_modules/.bin/yarn"), registry())
    else {
        return;
    };
    let yarnrc = format!("npmRegistryServer: \"{registry}\"\nenableTelemetry: false\n");
    let args = ["install", "--mode=update-lockfile"];
    let Some(tree) = locked(&yarn, &args, &[(".yarnrc.yml", &yarnrc)]) else {
        return;
    };
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/web/yarn.lock");
    // Berry's entry for the workspace lists what it depends on, dev dependencies among
    // them: direct is known, dev is not.
    let (t, f) = (Some(true), Some(false));
    assert_eq!(
        flags_in(&inventory, "/web/yarn.lock"),
        expected(t, None, (t, None), (f, None))
    );
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &[]) else {
        return;
    };
    assert_eq!(
        only_syft,
        [
            // Syft names an aliased package by its alias; the entry's resolution says the
            // package is ms.
            id("ms-old", "2.0.0", "pkg:npm/ms-old@2.0.0"),
            // Syft reports the workspace itself from its lockfile entry, at the version
            // Berry writes for it; plinth from package.json.
            id("web", "0.0.0-use.local", "pkg:npm/web@0.0.0-use.local"),
        ]
        .into()
    );
    assert_eq!(
        only_plinth,
        [id("ms", "2.0.0", "pkg:npm/ms@2.0.0"), project()].into()
    );
}

#[test]
fn pnpm_against_syft() {
    let (Some(pnpm), Some(registry)) = (installed("npm/pnpm/node_modules/.bin/pnpm"), registry())
    else {
        return;
    };
    let args = ["install", "--lockfile-only", "--registry", &registry];
    let Some(tree) = locked(&pnpm, &args, &[]) else {
        return;
    };
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/web/pnpm-lock.yaml");
    // The importers say what is direct and dev; the snapshots say what chalk brings in,
    // which is therefore not dev.
    let (t, f) = (Some(true), Some(false));
    assert_eq!(
        flags_in(&inventory, "/web/pnpm-lock.yaml"),
        expected(t, f, (t, t), (f, f))
    );
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &["--exclude-dev"]) else {
        return;
    };
    // Syft keeps pnpm's dev dependencies.
    assert_eq!(
        only_syft,
        [id("is-number", "7.0.0", "pkg:npm/is-number@7.0.0")].into()
    );
    assert_eq!(only_plinth, [project()].into());
}

/// npm with two workspaces: one depends on the other, their dependencies are hoisted to the
/// top node_modules/ but for a version clash (lodash), and the root has a dev dependency.
#[test]
fn npm_workspaces_against_syft() {
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path().join("web");
    put(
        &root,
        "package.json",
        r#"{"name":"web","version":"1.0.0","private":true,"workspaces":["packages/*"],"devDependencies":{"is-number":"7.0.0"}}"#,
    );
    put(
        &root,
        "packages/a/package.json",
        r#"{"name":"a","version":"1.0.0","dependencies":{"lodash":"4.17.20","b":"1.0.0"}}"#,
    );
    put(
        &root,
        "packages/b/package.json",
        r#"{"name":"b","version":"1.0.0","dependencies":{"chalk":"4.1.2","lodash":"4.17.21"},"devDependencies":{"minimist":"1.2.5"}}"#,
    );
    let args = ["install", "--package-lock-only", "--no-audit", "--no-fund"];
    let Some(()) = tool(&root, "npm", &args) else {
        return;
    };
    let inventory = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &inventory, "/web/package-lock.json");
    let (t, f) = (Some(true), Some(false));
    let mut want = vec![
        // Named by a workspace and hoisted, or kept in the workspace that names it.
        ("chalk", "4.1.2", t, f),
        ("lodash", "4.17.20", t, f),
        ("lodash", "4.17.21", t, f),
        ("is-number", "7.0.0", t, t),
        ("minimist", "1.2.5", t, t),
    ];
    want.extend(CHALK_DEPS.iter().map(|(n, v)| (*n, *v, f, f)));
    assert_eq!(flags_in(&inventory, "/web/package-lock.json"), rows(&want));
    let Some((only_syft, only_plinth)) = against_syft(tree.path(), &["--exclude-dev"]) else {
        return;
    };
    assert_eq!(
        only_syft,
        [
            // Syft reports the workspaces from their lockfile entries: the links under
            // node_modules/ without a version, and the folders named by their paths. plinth
            // reports them from their package.json files.
            id("a", "UNKNOWN", "pkg:npm/a"),
            id("b", "UNKNOWN", "pkg:npm/b"),
            id("packages/a", "1.0.0", "pkg:npm/packages/a@1.0.0"),
            id("packages/b", "1.0.0", "pkg:npm/packages/b@1.0.0"),
        ]
        .into()
    );
    assert_eq!(
        only_plinth,
        [
            id("a", "1.0.0", "pkg:npm/a@1.0.0"),
            id("b", "1.0.0", "pkg:npm/b@1.0.0"),
        ]
        .into()
    );
}
