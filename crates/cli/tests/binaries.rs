//! Programs no package manager recorded, recognised from their bytes: real binaries of this
//! machine (and the busybox of the alpine fixture) copied into a scratch-like tree, each version
//! checked against the program's own `--version` and the whole set against `syft scan dir:` on
//! the same tree; a docker-library style busybox image (one binary, every applet a hard link)
//! gives exactly one busybox package.
//!
//! A program that is not installed is left out with a printed line; so is syft.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;
use serde_json::{Value, json};

/// The binary packages (name, version, purl) plinth finds in `target`.
fn plinth_binaries(target: &str) -> BTreeSet<(String, String, String)> {
    let out = Command::cargo_bin("plinth")
        .unwrap()
        .args(["sbom", target, "-f", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    binaries(&report["packages"])
}

fn binaries(packages: &Value) -> BTreeSet<(String, String, String)> {
    packages
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "binary")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
            (s("name"), s("version"), s("purl"))
        })
        .collect()
}

fn syft() -> Option<PathBuf> {
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

/// The binary packages syft finds in `target`.
fn syft_binaries(syft: &Path, target: &str) -> BTreeSet<(String, String, String)> {
    let out = Std::new(syft)
        .args(["scan", "-q", target, "-o", "json"])
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
    binaries(&report["artifacts"])
}

/// The first `a.b.c`-like version in a program's own output, after `marker`.
fn version_after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let v: String = rest
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    Some(v.trim_end_matches('.').to_owned())
}

/// What `program args` prints (stdout and stderr: java writes its version to stderr).
fn run(program: &Path, args: &[&str]) -> Option<String> {
    let out = Std::new(program).args(args).output().ok()?;
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// An installed command and the real file behind it, if it is installed.
fn installed(path: &str) -> Option<(PathBuf, PathBuf)> {
    match std::fs::canonicalize(path) {
        Ok(p) => Some((PathBuf::from(path), p)),
        Err(_) => {
            println!("skipped: {path} is not installed");
            None
        }
    }
}

/// The busybox of the alpine fixture image (Debian's static busybox), read with tar.
fn fixture_busybox(scratch: &Path) -> Option<PathBuf> {
    let layout = plinth_testdata::fixture("oci-alpine-3.20")?;
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let blob = |d: &Value| layout.join("blobs/sha256").join(&d.as_str().unwrap()[7..]);
    let manifest = read(&blob(
        &read(&layout.join("index.json"))["manifests"][0]["digest"],
    ));
    let layer = blob(&manifest["layers"][0]["digest"]);
    let out = Std::new("tar")
        .arg("-xOf")
        .arg(&layer)
        .arg("bin/busybox")
        .output()
        .unwrap();
    assert!(out.status.success(), "tar -xOf {layer:?} bin/busybox");
    let exe = scratch.join("busybox");
    std::fs::write(&exe, out.stdout).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    Some(exe)
}

/// Copies `from` into `tree` at `to`, executable.
fn put(tree: &Path, to: &str, from: &Path) {
    let dest = tree.join(to.trim_start_matches('/'));
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(from, &dest).unwrap();
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn real_programs_read_as_they_say_and_as_syft_reads_them() {
    let scratch = tempfile::tempdir().unwrap();
    let tree = scratch.path().join("root");
    std::fs::create_dir(&tree).unwrap();
    // (name, where it goes in the tree, the command and its real file, how to ask it, what
    // precedes its version in the answer). A command is asked under its own name: Debian's
    // redis-server is a link to a multi-call redis-check-rdb.
    type Program = (
        &'static str,
        String,
        (PathBuf, PathBuf),
        Vec<&'static str>,
        &'static str,
    );
    let mut programs: Vec<Program> = Vec::new();
    let mut add = |name: &'static str,
                   at: &str,
                   real: Option<(PathBuf, PathBuf)>,
                   args: &[&'static str],
                   marker: &'static str| {
        if let Some(real) = real {
            programs.push((name, at.to_owned(), real, args.to_vec(), marker));
        }
    };
    add(
        "bash",
        "/usr/local/bin/bash",
        installed("/usr/bin/bash"),
        &["--version"],
        "version ",
    );
    add(
        "curl",
        "/usr/local/bin/curl",
        installed("/usr/bin/curl"),
        &["--version"],
        "curl ",
    );
    add(
        "openssl",
        "/usr/local/bin/openssl",
        installed("/usr/bin/openssl"),
        &["version"],
        "OpenSSL ",
    );
    add(
        "node",
        "/usr/local/bin/node",
        installed("/usr/bin/node"),
        &["--version"],
        "v",
    );
    add(
        "redis",
        "/usr/local/bin/redis-server",
        installed("/usr/bin/redis-server"),
        &["--version"],
        "v=",
    );
    add(
        "nginx",
        "/usr/local/sbin/nginx",
        installed("/usr/sbin/nginx"),
        &["-v"],
        "nginx/",
    );
    add(
        "postgresql",
        "/usr/local/bin/postgres",
        installed("/usr/lib/postgresql/15/bin/postgres"),
        &["--version"],
        "PostgreSQL) ",
    );
    // Debian's python3.11 holds libpython itself, and with it `[NUL]3.11.2[NUL]`.
    add(
        "python",
        "/usr/local/bin/python3.11",
        installed("/usr/bin/python3.11"),
        &["--version"],
        "Python ",
    );
    let java = installed("/usr/bin/java");
    add(
        "openjdk",
        "/opt/java/openjdk/bin/java",
        java,
        &["-version"],
        "version \"",
    );
    if let Some(bb) = fixture_busybox(scratch.path()) {
        programs.push((
            "busybox",
            "/bin/busybox".into(),
            (bb.clone(), bb),
            vec![],
            "BusyBox v",
        ));
    }
    let mut want = BTreeSet::new();
    for (name, at, (cmd, real), args, marker) in &programs {
        put(&tree, at, real);
        let said = run(cmd, args).unwrap_or_default();
        let version = version_after(&said, marker)
            .unwrap_or_else(|| panic!("{cmd:?} {args:?} said {said:?}"));
        want.insert((name.to_string(), version));
    }
    let ours = plinth_binaries(&format!("dir:{}", tree.display()));
    let ours_nv: BTreeSet<(String, String)> = ours
        .iter()
        .map(|(n, v, _)| (n.clone(), v.clone()))
        .collect();
    // Every version is the one the program itself prints, except where noted.
    let mut expected = want.clone();
    // Debian builds redis without the build id Syft's patterns look for after the version
    // (`7.0.15buildkitsandbox-…`, or twelve characters and a dash): neither tool reads it.
    expected.retain(|(n, _)| n != "redis");
    // Java prints `17.0.17`; the launcher holds its full build, `17.0.17+10-Debian-1deb12u1`,
    // which Syft reports too: compare the part before `+`.
    if let Some(j) = want.iter().find(|(n, _)| n == "openjdk").cloned() {
        expected.remove(&j);
        let full = ours_nv.iter().find(|(n, _)| n == "openjdk").cloned();
        assert!(
            full.as_ref()
                .is_some_and(|(_, v)| v.split('+').next() == Some(j.1.as_str())),
            "java -version says {}, plinth {full:?}",
            j.1
        );
        expected.insert(full.unwrap());
    }
    assert_eq!(
        ours_nv, expected,
        "plinth against each program's own version"
    );
    let Some(syft) = syft() else { return };
    let mut theirs = syft_binaries(&syft, &format!("dir:{}", tree.display()));
    // Syft 1.18 names an OpenJDK launcher `java/jre` (`pkg:generic/java/jre`); its current
    // table, which plinth follows, names it `openjdk` (`pkg:generic/oracle/openjdk`). Same
    // file, same version.
    if let Some(jre) = theirs.iter().find(|(n, _, _)| n == "java/jre").cloned() {
        theirs.remove(&jre);
        let openjdk = ours.iter().find(|(n, v, _)| n == "openjdk" && *v == jre.1);
        theirs.insert(openjdk.cloned().unwrap_or(jre));
    }
    assert_eq!(ours, theirs, "plinth against syft on the same tree");
}

#[test]
fn docker_library_busybox_is_one_package() {
    let scratch = tempfile::tempdir().unwrap();
    let Some(bb) = fixture_busybox(scratch.path()) else {
        return;
    };
    let said = run(&bb, &[]).unwrap_or_default();
    let version = version_after(&said, "BusyBox v").expect("busybox prints its version");
    // docker-library's layout: the one binary is `/bin/[`, every applet (and `busybox`) a hard
    // link to it; GNU tar writes the links as link entries.
    let root = scratch.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy(&bb, root.join("bin/[")).unwrap();
    let list = run(&bb, &["--list"]).unwrap();
    let applets: BTreeSet<&str> = list.lines().chain(["busybox"]).collect();
    for applet in applets.into_iter().filter(|a| *a != "[") {
        std::fs::hard_link(root.join("bin/["), root.join("bin").join(applet)).unwrap();
    }
    let layer = scratch.path().join("layer.tar");
    let tar = Std::new("tar")
        .args(["--sort=name", "-cf"])
        .arg(&layer)
        .arg("-C")
        .arg(&root)
        .arg("bin")
        .status()
        .unwrap();
    assert!(tar.success());
    let bytes = std::fs::read(&layer).unwrap();
    let diff_id = plinth_testdata::sha256(&bytes);
    let oci = scratch.path().join("oci");
    std::fs::create_dir(&oci).unwrap();
    let reference = plinth_testdata::oci_layout(
        &oci,
        &[bytes],
        &[diff_id],
        json!({"config": {"Cmd": ["sh"]}}),
    );
    let ours = plinth_binaries(&reference);
    assert_eq!(
        ours,
        BTreeSet::from([(
            "busybox".to_owned(),
            version.clone(),
            format!("pkg:generic/busybox@{version}")
        )])
    );
    let Some(syft) = syft() else { return };
    let mut theirs = syft_binaries(&syft, &format!("oci-dir:{}", oci.display()));
    // Syft also reads the `gzip` applet (a hard link to the same busybox) with its gzip
    // classifier, whose pattern (`[NUL]1.0[NUL]`) any busybox holds; plinth reads a
    // multi-call binary only as itself.
    theirs.retain(|(name, _, _)| name != "gzip");
    assert_eq!(ours, theirs);
}

/// The (name, version) of every package of `kind` in a report's `list` (plinth's `packages`
/// or syft's `artifacts`).
fn of_type(report: &Value, list: &str, kind: &str) -> BTreeSet<(String, String)> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == kind)
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
            (s("name"), s("version"))
        })
        .collect()
}

/// A binary built by `cargo auditable` records its build-time crates too (`"kind":"build"`:
/// build scripts' dependencies, proc macros). They are not in the binary, so plinth, like syft,
/// lists only the runtime ones. The crate is built by the test with make-images.sh's
/// cargo-auditable, offline, from crates this workspace already fetched.
#[test]
fn cargo_auditable_build_crates_are_left_out() {
    let Some(fixtures) = plinth_testdata::fixtures() else {
        return;
    };
    let auditable = fixtures.join("tools/bin");
    if !auditable.join("cargo-auditable").is_file() {
        println!("skipped: no cargo-auditable in {}", auditable.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("app");
    std::fs::create_dir_all(src.join("src")).unwrap();
    std::fs::write(
        src.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\ncfg-if = \"=1.0.5\"\n\n[build-dependencies]\nautocfg = \"=1.5.1\"\n",
    )
    .unwrap();
    std::fs::write(
        src.join("build.rs"),
        "fn main() { autocfg::new().emit_rustc_version(1, 0); }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("src/main.rs"),
        "cfg_if::cfg_if! { if #[cfg(unix)] { fn main() {} } else { fn main() {} } }\n",
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        auditable.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let built = Std::new("cargo")
        .args(["auditable", "build", "-q", "--release", "--offline"])
        .current_dir(&src)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .status()
        .unwrap();
    assert!(built.success(), "cargo auditable build");
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::copy(dir.path().join("target/release/app"), tree.join("app")).unwrap();
    let target = format!("dir:{}", tree.display());

    let out = Command::cargo_bin("plinth")
        .unwrap()
        .args(["sbom", &target, "-f", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let ours = of_type(
        &serde_json::from_slice(&out.stdout).unwrap(),
        "packages",
        "rust-crate",
    );
    let want = |v: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        v.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    };
    // autocfg 1.5.1 ran only in the build script.
    assert_eq!(ours, want(&[("app", "0.1.0"), ("cfg-if", "1.0.5")]));

    let Some(syft) = syft() else { return };
    let out = Std::new(&syft)
        .args(["scan", "-q", &target, "-o", "json"])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(out.status.success());
    let theirs = of_type(
        &serde_json::from_slice(&out.stdout).unwrap(),
        "artifacts",
        "rust-crate",
    );
    assert_eq!(ours, theirs);
}
