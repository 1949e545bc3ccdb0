//! `plinth sbom dir:` on source trees whose lockfiles the real package managers write at test
//! time (npm and cargo here; Python's and the other JavaScript tools in `python.rs` and
//! `javascript.rs`), compared with `syft scan dir:` on the same tree; findings at lockfile
//! lines (`locations.rs`); malformed lockfiles; `--skip-dirs`, `--skip-files`, `.gitignore` and
//! symlinks out of the tree. The other ecosystems' files are hand-written: their tools are not
//! on the machine, and Maven Central, which Maven would resolve a pom.xml against, cannot be
//! reached from it.
//!
//! A tool that is absent (or a registry that cannot be reached) skips its part with a printed
//! line.

mod javascript;
mod locations;
mod python;
mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::*;

/// An npm project (two dependencies, one dev dependency) and a cargo project, locked by npm
/// and cargo themselves. `None` when a tool could not run.
fn real_tree() -> Option<tempfile::TempDir> {
    let tree = tempfile::tempdir().unwrap();
    let web = tree.path().join("web");
    std::fs::create_dir(&web).unwrap();
    let npm = ["--package-lock-only", "--no-audit", "--no-fund"];
    tool(&web, "npm", &["init", "-y"])?;
    tool(
        &web,
        "npm",
        &[
            &["install"][..],
            &npm,
            &["lodash@4.17.21", "minimist@1.2.5"],
        ]
        .concat(),
    )?;
    tool(
        &web,
        "npm",
        &[&["install", "--save-dev"][..], &npm, &["is-number@7.0.0"]].concat(),
    )?;
    let rs = tree.path().join("rs");
    std::fs::create_dir_all(rs.join("src")).unwrap();
    std::fs::write(
        rs.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nmemchr = \"2\"\nserde_json = \"1\"\n",
    )
    .unwrap();
    std::fs::write(rs.join("src/main.rs"), "fn main() {}\n").unwrap();
    tool(&rs, "cargo", &["generate-lockfile", "--offline"])?;
    Some(tree)
}

#[test]
fn real_lockfiles_match_syft() {
    let Some(tree) = real_tree() else { return };
    let ours = sbom(tree.path(), &[]);
    assert_lines_name_packages(tree.path(), &ours, "/web/package-lock.json");
    assert_lines_name_packages(tree.path(), &ours, "/rs/Cargo.lock");
    let packages = ours["packages"].as_array().unwrap();
    // What npm wrote, read back with serde_json: every locked package, with its dev flag.
    let lock: Value =
        serde_json::from_slice(&std::fs::read(tree.path().join("web/package-lock.json")).unwrap())
            .unwrap();
    for (key, entry) in lock["packages"].as_object().unwrap() {
        let Some(name) = key.strip_prefix("node_modules/") else {
            continue;
        };
        let found = packages
            .iter()
            .find(|p| p["name"] == name && p["found_at"] == "/web/package-lock.json")
            .unwrap_or_else(|| panic!("{name} from package-lock.json"));
        assert_eq!(found["version"], entry["version"]);
        assert_eq!(found["dev"].as_bool(), Some(entry["dev"] == true), "{name}");
        assert_eq!(found["direct"], true, "{name} is named in package.json");
    }
    // What cargo wrote, counted by a line grep: one package per [[package]] table.
    let cargo_lock = std::fs::read_to_string(tree.path().join("rs/Cargo.lock")).unwrap();
    let crates = packages
        .iter()
        .filter(|p| p["found_at"] == "/rs/Cargo.lock")
        .count();
    assert_eq!(crates, cargo_lock.matches("[[package]]").count());

    let Some(syft) = syft() else { return };
    let theirs = syft_ids(&syft, tree.path());
    // Syft leaves out npm dev dependencies by default (its
    // javascript.include-dev-dependencies is false), so compare with --exclude-dev. Syft
    // names the root project from package-lock.json's "" entry; plinth from package.json:
    // the same (name, version, purl).
    let ours = ids(&sbom(tree.path(), &["--exclude-dev"])["packages"], "purl");
    assert_eq!(ours, theirs);
    assert!(ours.iter().any(|(n, _, _)| n == "serde_json"));
    assert!(!ours.iter().any(|(n, _, _)| n == "is-number"));
}

#[test]
fn malformed_lockfiles_are_named_and_the_rest_is_read() {
    let tree = tempfile::tempdir().unwrap();
    let put = |rel: &str, text: &str| put(tree.path(), rel, text);
    put(
        "a/package-lock.json",
        "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/x\": {\"vers",
    );
    put(
        "b/pnpm-lock.yaml",
        "lockfileVersion: '9.0'\npackages:\n\tx@1.0.0:\n",
    );
    put(
        "c/Gemfile.lock",
        "GEM\n  specs:\n<<<<<<< HEAD\n    rack (3.0.0)\n=======\n    rack (3.0.1)\n>>>>>>> b\n",
    );
    put("d/go.mod", "module m\n\nrequire github.com/a/b v1.2.3\n");
    put(
        "e/Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"memchr\"\nversion = \"2.7",
    );
    put(
        "f/yarn.lock",
        "# yarn lockfile v1\n\n<<<<<<< HEAD\nms@^2:\n  version \"2.1.2\"\n=======\nms@^2:\n  version \"2.1.3\"\n>>>>>>> b\n",
    );
    let out = plinth()
        .arg("sbom")
        .arg(format!("dir:{}", tree.path().display()))
        .args(["-f", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "npm-lock: /a/package-lock.json: line 1 column",
        "pnpm-lock: /b/pnpm-lock.yaml: line 3: tab in indentation",
        "gemfile-lock: /c/Gemfile.lock: line 3: merge conflict marker",
        "cargo-lock: /e/Cargo.lock: line 5: invalid TOML",
        "yarn-lock: /f/yarn.lock: line 3: merge conflict marker",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
    let inventory: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = inventory["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["github.com/a/b"]);
    // The SBOM says which files could not be read.
    let unread: BTreeSet<&str> = inventory["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        unread,
        [
            "/a/package-lock.json",
            "/b/pnpm-lock.yaml",
            "/c/Gemfile.lock",
            "/e/Cargo.lock",
            "/f/yarn.lock",
        ]
        .into()
    );
    // CycloneDX says so too, and carries the line and direct flag of what it could read.
    let out = plinth()
        .arg("sbom")
        .arg(format!("dir:{}", tree.path().display()))
        .args(["-f", "cyclonedx-json"])
        .output()
        .unwrap();
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    let props = |v: &Value| -> Vec<(String, String)> {
        v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().into(),
                    p["value"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let meta = props(&bom["metadata"]);
    assert!(meta.contains(&(
        "plinth:warning".into(),
        "gemfile-lock: /c/Gemfile.lock: line 3: merge conflict marker".into()
    )));
    assert_eq!(bom["compositions"][0]["aggregate"], "incomplete");
    let go = props(&bom["components"][0]);
    assert!(go.contains(&("plinth:location:0:line".into(), "3".into())));
    assert!(go.contains(&("plinth:package:direct".into(), "true".into())));
}

#[test]
fn skips_gitignore_and_symlinks_out_of_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("Cargo.lock"), CARGO_LOCK).unwrap();
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    for dir in ["app", "testdata", "vendor/x", "build", ".git"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join("Cargo.lock"), CARGO_LOCK).unwrap();
    }
    std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
    std::fs::write(root.join(".gitignore"), "/build/\n").unwrap();
    let found = |flags: &[&str]| -> BTreeSet<String> {
        sbom(root, flags)["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["found_at"].as_str().unwrap().to_owned())
            .collect()
    };
    // A git work tree: .git and what .gitignore names are left out; the link is not followed.
    assert_eq!(
        found(&[]),
        [
            "/app/Cargo.lock",
            "/testdata/Cargo.lock",
            "/vendor/x/Cargo.lock"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        found(&[
            "--skip-dirs",
            "**/testdata",
            "--skip-files",
            "vendor/*/Cargo.lock"
        ]),
        ["/app/Cargo.lock".to_owned()].into()
    );
    // Outside a work tree .gitignore is an ordinary file.
    std::fs::remove_dir_all(root.join(".git")).unwrap();
    assert!(found(&[]).contains("/build/Cargo.lock"));
}

const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"memchr\"\nversion = \"2.7.4\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

/// `plinth scan dir:` on a source tree, against the real OSV records in ../shared: the
/// finding names the lockfile; `--exclude-dev` drops what only development needs.
#[test]
fn scan_of_a_source_tree_uses_real_advisories() {
    let Some(vulndata) = plinth_testdata::vulndata() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("v.redb");
    plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(vulndata.join("osv"))
        .assert()
        .success();
    let tree = work.path().join("tree/web");
    std::fs::create_dir_all(&tree).unwrap();
    // minimist 1.2.5 is affected by GHSA-xvch-5gv4-984h (CVE-2021-44906) in the records.
    std::fs::write(
        tree.join("package-lock.json"),
        r#"{"lockfileVersion":3,"packages":{"":{"devDependencies":{"minimist":"1.2.5"}},"node_modules/minimist":{"version":"1.2.5","dev":true}}}"#,
    )
    .unwrap();
    let scan = |flags: &[&str]| -> Value {
        let out = plinth()
            .env("PLINTH_DB", &db)
            .arg("scan")
            .arg(format!("dir:{}", work.path().join("tree").display()))
            .args(["-f", "json"])
            .args(flags)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let report = scan(&[]);
    let findings = report["targets"][0]["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["package"] == "minimist")
        .unwrap();
    assert_eq!(f["id"], "CVE-2021-44906");
    assert_eq!(f["found_at"], "/web/package-lock.json");
    let report = scan(&["--exclude-dev"]);
    assert!(
        report["targets"][0]["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// Hand-written lockfiles of the other ecosystems (no package manager for them on the
/// machine), against `syft scan dir:`. With `--exclude-dev` the sets are equal but for the
/// differences listed, each explained.
#[test]
fn other_ecosystems_against_syft() {
    let tree = tempfile::tempdir().unwrap();
    for (rel, text) in HAND_WRITTEN {
        put(tree.path(), rel, text);
    }
    let ours = ids(&sbom(tree.path(), &["--exclude-dev"])["packages"], "purl");
    assert!(ours.contains(&id("racc", "1.7.3", "pkg:gem/racc@1.7.3")));
    assert!(ours.contains(&id("castore", "1.0.5", "pkg:hex/castore@1.0.5")));
    let Some(syft) = syft() else { return };
    let theirs = syft_ids(&syft, tree.path());
    let only_syft: BTreeSet<Id> = theirs.difference(&ours).cloned().collect();
    let only_plinth: BTreeSet<Id> = ours.difference(&theirs).cloned().collect();
    assert_eq!(
        only_syft,
        [
            // Syft adds the registry as a qualifier; plinth writes none (pub.dev is the
            // default registry).
            id("async", "2.11.0", "pkg:pub/async@2.11.0?hosted_url=pub.dev"),
            // Syft keeps Maven's test scope and Gradle's test configurations; plinth marks
            // them dev, and --exclude-dev leaves them out.
            id("junit", "4.13.2", "pkg:maven/junit/junit@4.13.2"),
            // Syft keeps `.git` of the repository URL in the namespace; plinth names the
            // repository as the purl spec's swift examples do, without it.
            id(
                "swift-argument-parser",
                "1.3.0",
                "pkg:swift/github.com/apple/swift-argument-parser.git/swift-argument-parser@1.3.0"
            ),
        ]
        .into()
    );
    assert_eq!(
        only_plinth,
        [
            id("async", "2.11.0", "pkg:pub/async@2.11.0"),
            id(
                "swift-argument-parser",
                "1.3.0",
                "pkg:swift/github.com/apple/swift-argument-parser/swift-argument-parser@1.3.0"
            ),
            // Syft reports nothing from a Podfile.lock without SPEC CHECKSUMS.
            id("Alamofire", "5.8.1", "pkg:cocoapods/Alamofire@5.8.1"),
            id(
                "Firebase/Core",
                "10.0.0",
                "pkg:cocoapods/Firebase@10.0.0#Core"
            ),
            id(
                "FirebaseAnalytics",
                "10.0.0",
                "pkg:cocoapods/FirebaseAnalytics@10.0.0"
            ),
            // Syft has no cataloger for NuGet's packages.lock.json (only *.deps.json).
            id(
                "Newtonsoft.Json",
                "13.0.3",
                "pkg:nuget/Newtonsoft.Json@13.0.3"
            ),
            id("System.X", "4.3.0", "pkg:nuget/System.X@4.3.0"),
        ]
        .into()
    );
}

const HAND_WRITTEN: &[(&str, &str)] = &[
    (
        "rb/Gemfile.lock",
        "GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.16.0)\n      racc (~> 1.4)\n    racc (1.7.3)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  nokogiri\n\nBUNDLED WITH\n   2.5.3\n",
    ),
    (
        "php/composer.lock",
        r#"{"packages":[{"name":"monolog/monolog","version":"3.5.0"}],"packages-dev":[{"name":"phpunit/phpunit","version":"10.5.0"}]}"#,
    ),
    (
        "dart/pubspec.lock",
        "packages:\n  async:\n    dependency: transitive\n    description:\n      name: async\n      url: \"https://pub.dev\"\n    source: hosted\n    version: \"2.11.0\"\nsdks:\n  dart: \">=3.0.0 <4.0.0\"\n",
    ),
    (
        "swift/Package.resolved",
        r#"{"pins":[{"identity":"swift-argument-parser","kind":"remoteSourceControl","location":"https://github.com/apple/swift-argument-parser.git","state":{"revision":"abc","version":"1.3.0"}}],"version":2}"#,
    ),
    (
        "ex/mix.lock",
        "%{\n  \"castore\": {:hex, :castore, \"1.0.5\", \"9eeebb\", [:mix], [], \"hexpm\", \"8d7c\"},\n}\n",
    ),
    (
        "pods/Podfile.lock",
        "PODS:\n  - Alamofire (5.8.1)\n  - Firebase/Core (10.0.0):\n    - FirebaseAnalytics (= 10.0.0)\n  - FirebaseAnalytics (10.0.0)\n\nDEPENDENCIES:\n  - Alamofire (~> 5.8)\n  - Firebase/Core\n\nCOCOAPODS: 1.15.2\n",
    ),
    (
        "conan/conan.lock",
        r#"{"version":"0.5","requires":["zlib/1.3.1#f52e03ae3d251dec704634230cd806a2%1708593606.497"],"build_requires":["cmake/3.28.1"]}"#,
    ),
    (
        "java/pom.xml",
        "<?xml version=\"1.0\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <groupId>org.p</groupId>\n  <artifactId>app</artifactId>\n  <version>3.0</version>\n  <properties><jackson.version>2.17.0</jackson.version></properties>\n  <dependencies>\n    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version></dependency>\n    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>\n  </dependencies>\n</project>\n",
    ),
    (
        "gradle/gradle.lockfile",
        "com.google.guava:guava:33.0.0-jre=compileClasspath,runtimeClasspath\njunit:junit:4.13.2=testCompileClasspath\nempty=annotationProcessor\n",
    ),
    (
        "dotnet/packages.lock.json",
        r#"{"version":1,"dependencies":{"net8.0":{"Newtonsoft.Json":{"type":"Direct","requested":"[13.0.3, )","resolved":"13.0.3"},"System.X":{"type":"Transitive","resolved":"4.3.0"}}}}"#,
    ),
    (
        "yarn/yarn.lock",
        "# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\":\n  version \"7.12.13\"\n  resolved \"https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz\"\n  integrity sha512-x\n",
    ),
    (
        "pnpm/pnpm-lock.yaml",
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\n\npackages:\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-x}\n\nsnapshots:\n\n  ms@2.1.3: {}\n",
    ),
    (
        "poetry/poetry.lock",
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.9\"\ncontent-hash = \"x\"\n",
    ),
    (
        "pipenv/Pipfile.lock",
        r#"{"_meta":{},"default":{"six":{"version":"==1.16.0"}},"develop":{"pytest":{"version":"==8.0.0"}}}"#,
    ),
];
