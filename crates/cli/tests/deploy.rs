//! The deployment, as far as this machine can build and run it. There is no Docker engine
//! here and neither docker.io nor gcr.io is reachable, so the Dockerfile's final stage is
//! assembled from real parts with umoci, as the build would lay it out:
//!
//! - the base: the `distroless-debian` fixture (Debian packages unpacked with `dpkg-deb`,
//!   `status.d` stanzas, as distroless is made) plus a layer with what distroless/cc adds to
//!   it (libgcc-s1, libgomp1, libstdc++6, downloaded by apt from Debian, unpacked the same way);
//! - a layer per `COPY` of the final stage, holding the plinth binary this test was built with;
//! - the config from the final stage's USER, ENV, EXPOSE, ENTRYPOINT and CMD, read from the
//!   Dockerfile with plinth-lint's parser (parse-dockerfile), so the test follows the file.
//!
//! Then: the binary's libraries are all in the image; `plinth lint` and `plinth advise` find
//! nothing to fault; `plinth sbom` lists what dpkg-query and syft list; and the image runs:
//! its root filesystem mounted read-only, the database on a read-only /data, its ENTRYPOINT
//! and CMD started in their own mount and PID namespaces as uid 65532, answering `/healthz`
//! and `/readyz` and stopping cleanly on SIGTERM.
//!
//! deploy/*.yaml: valid against Kubernetes' OpenAPI schemas (kubernetes-validate, offline),
//! using only flags, variables, ports and paths the binary has; the server Deployment and the
//! CronJob (db update from a mirror, then db push) run in the image as Kubernetes would run
//! them. `db push` and `db update --repository` through the real `docker-registry` with token
//! auth, its token service written here from the spec. Findings' CWE ids in JSON and SARIF
//! against the CVE 5 records.

#[path = "../../registry/tests/fake/mod.rs"]
mod fake;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use parse_dockerfile as pd;
use plinth_testdata::truth::OciImage;
use serde_json::Value;

/// The packages distroless/cc adds to distroless/base (its Bazel rules list these three).
const CC_PACKAGES: [&str; 3] = ["libgcc-s1", "libgomp1", "libstdc++6"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn plinth() -> Command {
    let mut cmd = Command::cargo_bin("plinth").expect("plinth binary");
    for var in [
        "PLINTH_DB",
        "PLINTH_SERVER",
        "PLINTH_TOKEN",
        "PLINTH_SERVER_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PLINTH_NO_CACHE", "1");
    cmd
}

/// Runs `cmd`, which must succeed; its output.
fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Whether a program is on PATH; prints the `skipped:` line when it is not.
fn have(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", "command -v \"$1\"", "sh", program])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("skipped: {program} is not installed");
    }
    found
}

/// What the Dockerfile's final stage says, read with parse-dockerfile.
#[derive(Debug, Default)]
struct FinalStage {
    from: String,
    /// (source, destination) of each `COPY`.
    copies: Vec<(String, String)>,
    user: String,
    env: Vec<(String, String)>,
    expose: Vec<String>,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
}

impl FinalStage {
    fn read() -> FinalStage {
        let text = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
        let file = pd::parse(&text).expect("the Dockerfile parses");
        let last = file.stages().last().expect("a stage");
        let mut stage = FinalStage {
            from: last.from.image.value.to_string(),
            ..FinalStage::default()
        };
        for instruction in last.instructions {
            match instruction {
                pd::Instruction::Copy(i) => {
                    for src in &i.src {
                        let pd::Source::Path(src) = src else {
                            panic!("a heredoc COPY in the final stage")
                        };
                        stage
                            .copies
                            .push((src.value.to_string(), i.dest.value.to_string()));
                    }
                }
                pd::Instruction::User(i) => stage.user = i.arguments.value.to_string(),
                // The file writes ENV as unquoted KEY=VALUE pairs.
                pd::Instruction::Env(i) => stage.env.extend(
                    i.arguments
                        .value
                        .split_whitespace()
                        .map(|kv| kv.split_once('=').expect("ENV KEY=VALUE"))
                        .map(|(k, v)| (k.to_string(), v.to_string())),
                ),
                pd::Instruction::Expose(i) => stage
                    .expose
                    .extend(i.arguments.iter().map(|p| p.value.to_string())),
                pd::Instruction::Entrypoint(i) => stage.entrypoint = exec_form(&i.arguments),
                pd::Instruction::Cmd(i) => stage.cmd = exec_form(&i.arguments),
                other => panic!("the test does not apply {other:?} yet"),
            }
        }
        stage
    }
}

fn exec_form(command: &pd::Command<'_>) -> Vec<String> {
    match command {
        pd::Command::Exec(words) => words.value.iter().map(|w| w.value.to_string()).collect(),
        _ => panic!("ENTRYPOINT and CMD are written in exec form"),
    }
}

/// The final stage assembled as an OCI layout with one image, tagged `plinth`, and its
/// root filesystem unpacked.
struct Built {
    layout: PathBuf,
    rootfs: PathBuf,
    stage: FinalStage,
}

/// Built once per test run, under the test target's temporary directory.
fn built() -> Option<&'static Built> {
    static BUILT: OnceLock<Option<Built>> = OnceLock::new();
    BUILT.get_or_init(build).as_ref()
}

fn build() -> Option<Built> {
    let base = plinth_testdata::fixture("oci-distroless-debian")?;
    if !["umoci", "apt-get", "dpkg-deb", "objcopy"]
        .iter()
        .all(|p| have(p))
    {
        return None;
    }
    let stage = FinalStage::read();
    assert!(
        stage.from.starts_with("gcr.io/distroless/cc-debian12"),
        "the test reproduces distroless/cc-debian12; the Dockerfile says {}",
        stage.from
    );
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy-image");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let layout = work.join("layout");
    run(Command::new("cp").arg("-a").arg(&base).arg(&layout));
    let image = |tag: &str| format!("{}:{tag}", layout.display());
    let bundle = work.join("bundle");
    run(Command::new("umoci")
        .args(["unpack", "--image", &image("latest")])
        .arg(&bundle));
    let rootfs = bundle.join("rootfs");

    // distroless/cc: the three packages, as make-images.sh unpacks distroless' own.
    let debs = work.join("debs");
    std::fs::create_dir_all(&debs).unwrap();
    let download = Command::new("apt-get")
        .args(["download", "-q"])
        .args(CC_PACKAGES)
        .current_dir(&debs)
        .output()
        .unwrap();
    if !download.status.success() {
        println!(
            "skipped: apt-get download {}: {}",
            CC_PACKAGES.join(" "),
            String::from_utf8_lossy(&download.stderr).trim()
        );
        return None;
    }
    for deb in std::fs::read_dir(&debs).unwrap() {
        let deb = deb.unwrap().path();
        let control = run(Command::new("dpkg-deb").arg("-f").arg(&deb)).stdout;
        let name = String::from_utf8_lossy(
            &run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Package")).stdout,
        )
        .trim()
        .to_string();
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&rootfs));
        std::fs::write(rootfs.join("var/lib/dpkg/status.d").join(name), control).unwrap();
    }
    run(Command::new("umoci")
        .args(["repack", "--refresh-bundle", "--image", &image("cc")])
        .args([
            "--history.created_by",
            "distroless/cc: libgcc-s1 libgomp1 libstdc++6",
        ])
        .arg(&bundle));

    // COPY --from=build: the binary this test was built with. Its debug info is left out
    // (the release build keeps line tables only), so the layer is ~15 MB, not ~100.
    for (src, dest) in &stage.copies {
        assert_eq!(
            src, "/usr/local/bin/plinth",
            "the final stage copies plinth only"
        );
        let target = rootfs.join(dest.trim_start_matches('/'));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        run(Command::new("objcopy")
            .arg("--strip-debug")
            .arg(env!("CARGO_BIN_EXE_plinth"))
            .arg(&target));
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
        run(Command::new("umoci")
            .args(["repack", "--refresh-bundle", "--image", &image("plinth")])
            .args([
                "--history.created_by",
                &format!("COPY --from=build {src} {dest}"),
            ])
            .arg(&bundle));
    }

    let mut config = Command::new("umoci");
    config
        .args(["config", "--image", &image("plinth")])
        .args(["--config.user", &stage.user]);
    for (k, v) in &stage.env {
        config.args(["--config.env", &format!("{k}={v}")]);
    }
    for port in &stage.expose {
        config.args(["--config.exposedports", &format!("{port}/tcp")]);
    }
    for word in &stage.entrypoint {
        config.args(["--config.entrypoint", word]);
    }
    for word in &stage.cmd {
        config.args(["--config.cmd", word]);
    }
    run(&mut config);
    // One image in the layout, so every tool (syft too) reads it without a tag.
    for tag in ["latest", "cc"] {
        run(Command::new("umoci").args(["rm", "--image", &image(tag)]));
    }
    run(Command::new("umoci").arg("gc").arg("--layout").arg(&layout));
    Some(Built {
        layout,
        rootfs,
        stage,
    })
}

impl Built {
    fn reference(&self) -> String {
        format!("oci-dir:{}", self.layout.display())
    }

    fn config(&self) -> Value {
        OciImage::open(&self.layout).config["config"].clone()
    }

    /// The config's `Env` as (name, value) pairs: what a runtime starts the container with.
    fn env(&self) -> Vec<(String, String)> {
        strings(&self.config()["Env"])
            .iter()
            .map(|e| e.split_once('=').unwrap())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

#[test]
fn the_image_config_is_the_dockerfiles() {
    let Some(built) = built() else { return };
    let config = built.config();
    let stage = &built.stage;
    assert_eq!(config["User"], stage.user.as_str());
    assert_eq!(config["Entrypoint"], serde_json::json!(stage.entrypoint));
    assert_eq!(config["Cmd"], serde_json::json!(stage.cmd));
    let env: Vec<&str> = config["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for (k, v) in &stage.env {
        assert!(env.contains(&format!("{k}={v}").as_str()), "{env:?}");
    }
    // distroless' own environment is kept.
    assert!(
        env.iter().any(|e| e.starts_with("SSL_CERT_FILE=")),
        "{env:?}"
    );
    for port in &stage.expose {
        assert!(config["ExposedPorts"].get(format!("{port}/tcp")).is_some());
    }
    // The user is the non-root one distroless calls nonroot.
    assert_eq!(stage.user, "65532:65532");
}

#[test]
fn the_binary_finds_every_library_it_needs_in_the_image() {
    let Some(built) = built() else { return };
    let ldd = run(Command::new("ldd").arg(env!("CARGO_BIN_EXE_plinth"))).stdout;
    let ldd = String::from_utf8(ldd).unwrap();
    let mut needed = BTreeSet::new();
    for line in ldd.lines().map(str::trim) {
        let name = line.split_whitespace().next().unwrap();
        if name.starts_with("linux-vdso") {
            continue;
        }
        let file = Path::new(name).file_name().unwrap().to_str().unwrap();
        needed.insert(file.to_string());
    }
    // glibc and libgcc_s (Rust's unwinder) only: what distroless/cc is for.
    for lib in &needed {
        assert!(
            lib.starts_with("libc.so")
                || lib.starts_with("libm.so")
                || lib.starts_with("ld-linux")
                || lib.starts_with("libgcc_s.so"),
            "plinth needs {lib}, which distroless/cc does not promise: {ldd}"
        );
        let found = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64"]
            .iter()
            .any(|dir| built.rootfs.join(dir).join(lib).exists());
        assert!(found, "{lib} is not in the image");
    }
    assert!(needed.contains("libgcc_s.so.1"), "{ldd}");
}

#[test]
fn lint_and_advise_find_nothing_to_fault() {
    let Some(built) = built() else { return };
    let dockerfile = repo().join("Dockerfile");
    let lint = run(plinth().args(["lint", "-f", "json"]).arg(&dockerfile));
    assert_eq!(
        serde_json::from_slice::<Value>(&lint.stdout).unwrap(),
        serde_json::json!([])
    );

    let advise = run(plinth()
        .args(["advise", "--offline", "-f", "json", "--dockerfile"])
        .arg(&dockerfile)
        .arg(built.reference()));
    let advise: Value = serde_json::from_slice(&advise.stdout).unwrap();
    let facts = &advise["facts"];
    assert_eq!(facts["user"], "65532:65532", "{facts}");
    assert_eq!(facts["runs_as_root"], false, "{facts}");
    assert_eq!(facts["shell"], false, "{facts}");
    // Advise says two things of every distroless image running a glibc binary, and neither
    // is a fault of this one:
    // - dynamic-binary: "distroless/cc is the smallest base that runs it", pointing at the
    //   FROM line, which already names distroless/cc (advise does not know the base: an
    //   image built by BuildKit carries no base annotation);
    // - no-shell-debugging: how to debug without a shell (a :debug tag, kubectl debug).
    let mut ids = Vec::new();
    for advice in advise["advice"].as_array().unwrap() {
        let id = advice["id"].as_str().unwrap();
        ids.push(id);
        match id {
            "dynamic-binary" => {
                let title = advice["title"].as_str().unwrap();
                assert!(
                    title.contains("needing glibc only: distroless/cc"),
                    "{title}"
                );
                assert_eq!(
                    advice["dockerfile_lines"][0]["text"],
                    format!("FROM {}", built.stage.from)
                );
            }
            "no-shell-debugging" => {}
            _ => panic!("advise faults the image: {advice}"),
        }
    }
    assert_eq!(ids, ["dynamic-binary", "no-shell-debugging"]);
}

#[test]
fn sbom_and_scan_see_every_package_dpkg_and_syft_see() {
    let Some(built) = built() else { return };
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let sbom = run(plinth().args(["sbom", "-f", "json"]).arg(built.reference()));
    let sbom: Value = serde_json::from_slice(&sbom.stdout).unwrap();
    let packages: BTreeSet<(String, String, String)> = sbom["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (s("name"), s("version"), s("type"))
        })
        .collect();
    // dpkg-query over the image's status.d stanzas: the six of the base, the three of cc.
    let truth = OciImage::open(&built.layout).dpkg_packages();
    let debs: BTreeSet<_> = truth
        .iter()
        .map(|(n, v)| (n.clone(), v.clone(), "deb".to_string()))
        .collect();
    for name in CC_PACKAGES {
        assert!(truth.contains_key(name), "{truth:?}");
    }
    // No Rust crates: the test's binary is a plain `cargo build`, without the .dep-v0
    // section `cargo auditable build` (the Dockerfile's) writes, and its crates are seen
    // from that section only (as syft and trivy see them).
    let sections = run(Command::new("objdump")
        .arg("-h")
        .arg(env!("CARGO_BIN_EXE_plinth")));
    assert!(!String::from_utf8_lossy(&sections.stdout).contains(".dep-v0"));
    assert_eq!(packages, debs);

    if let Some(syft) = syft() {
        let out = run(Command::new(syft)
            .args(["scan", "-q", "-o", "json"])
            .arg(built.reference())
            .env("SYFT_CHECK_FOR_APP_UPDATE", "false"));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let seen: BTreeSet<(String, String, String)> = report["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let s = |k: &str| a[k].as_str().unwrap().to_string();
                (s("name"), s("version"), s("type"))
            })
            .collect();
        assert_eq!(seen, packages, "syft and plinth differ");
    }

    // The scan looks every package up under Debian 12, with the real tracker's data.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    run(plinth()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(data.join("debian-tracker-json"))
        .arg(data.join("osv-debian")));
    let scan = plinth()
        .args(["scan", "--offline", "-f", "json", "--db"])
        .arg(&db)
        .arg(built.reference())
        .output()
        .unwrap();
    assert_eq!(
        scan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    let scan: Value = serde_json::from_slice(&scan.stdout).unwrap();
    let target = &scan["targets"][0];
    assert_eq!(
        target["coverage"]["matched"],
        serde_json::json!([{"ecosystem": "Debian:12", "has_data": true, "packages": truth.len()}]),
        "{}",
        target["coverage"]
    );
    println!(
        "scan: {} findings",
        target["findings"].as_array().unwrap().len()
    );
    for finding in target["findings"].as_array().unwrap() {
        let package = finding["package"].as_str().unwrap();
        assert!(truth.contains_key(package), "{finding}");
    }
}

fn syft() -> Option<PathBuf> {
    let path = PathBuf::from("/var/tmp/plinth-peers/bin/syft");
    if path.is_file() {
        Some(path)
    } else {
        println!("skipped: syft not installed (../shared/scripts/peers.sh)");
        None
    }
}

/// A volume of a running container: a host directory bind-mounted at `at`.
struct Volume<'a> {
    host: &'a Path,
    at: &'a str,
    read_only: bool,
}

/// The image running: `unshare` (mount and PID namespaces) with the root filesystem
/// bind-mounted read-only (as `readOnlyRootFilesystem` has it) and volumes mounted on it,
/// the command started as `user` (`UID:GID`) with nothing but `env`.
struct Container {
    child: Child,
    /// Its stderr lines up to and with "listening on".
    said: String,
}

/// Mounts the root and the volumes, then enters the root as the user.
const RUN: &str = r#"root=$1 uid=$2 gid=$3; shift 3
mount --bind "$root" "$root" && mount -o remount,bind,ro "$root" || exit 125
while [ "$1" != -- ]; do
  mount --bind "$1" "$root$2" && mount -o "remount,bind,$3" "$root$2" || exit 125
  shift 3
done
shift
exec unshare --root="$root" --pid --fork --mount-proc --setgid "$gid" --setuid "$uid" "$@""#;

/// `unshare` running `argv` in the image: the root and the volumes mounted, then entered as
/// `user` (`UID:GID`) with nothing but `env`.
fn in_image(
    built: &Built,
    user: &str,
    env: &[(String, String)],
    volumes: &[Volume],
    argv: &[String],
) -> Command {
    let (uid, gid) = user.split_once(':').unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        RUN,
        "sh",
    ])
    .arg(&built.rootfs)
    .args([uid, gid]);
    for v in volumes {
        // A runtime makes a volume's mount point when the image lacks it.
        std::fs::create_dir_all(built.rootfs.join(v.at.trim_start_matches('/'))).unwrap();
        std::fs::set_permissions(v.host, std::fs::Permissions::from_mode(0o755)).unwrap();
        if !v.read_only {
            // The pods' fsGroup (their GID) makes writable volumes the group's.
            run(Command::new("chgrp").args(["-R", gid]).arg(v.host));
            run(Command::new("chmod").args(["-R", "g+rwX"]).arg(v.host));
        }
        cmd.arg(v.host)
            .args([v.at, if v.read_only { "ro" } else { "rw" }]);
    }
    cmd.arg("--")
        .args(argv)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

impl Container {
    /// Starts `argv` in the image and waits until the server says it listens.
    fn start(
        built: &Built,
        user: &str,
        env: &[(String, String)],
        volumes: &[Volume],
        argv: &[String],
    ) -> Container {
        let mut child = in_image(built, user, env, volumes, argv)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut container = Container {
            child,
            said: String::new(),
        };
        while !container.said.contains("listening on") {
            let Some(Ok(line)) = lines.next() else {
                panic!("the container stopped: {}", container.said);
            };
            container.said += &line;
            container.said.push('\n');
        }
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        container
    }

    /// The host PID of the container's first process (the `unshare` child forks it).
    fn pid1(&self) -> Option<u32> {
        let id = self.child.id();
        std::fs::read_to_string(format!("/proc/{id}/task/{id}/children"))
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    /// SIGTERM to the first process, as a runtime stops a container: its exit code.
    fn stop(mut self) -> Option<i32> {
        let pid = self.pid1().expect("the server process");
        run(Command::new("kill").args(["-TERM", &pid.to_string()]));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        // unshare's --kill-child does not survive its --setuid, so the server is killed here
        // (only while unshare still runs: a reaped PID may be someone else's).
        if let Ok(None) = self.child.try_wait() {
            if let Some(pid) = self.pid1() {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `argv` with the value of `--listen` replaced by `127.0.0.1:port`; the value it had.
fn listen_on(argv: &mut [String], port: u16) -> String {
    let at = argv.iter().position(|a| a == "--listen").expect("--listen") + 1;
    std::mem::replace(&mut argv[at], format!("127.0.0.1:{port}"))
}

/// GET on loopback, with the server's token or without (as a kubelet probes): status and JSON
/// body (`Null` when not JSON).
fn get(port: u16, path: &str, token: Option<&str>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(&format!("http://127.0.0.1:{port}{path}"));
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let mut r = request.call().unwrap();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        r.status().as_u16(),
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// The IDs of a process as /proc shows them (real, effective, saved, filesystem).
fn proc_ids(pid: u32, key: &str) -> Vec<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_image_runs_as_65532_and_answers_health_and_readiness() {
    let Some(built) = built() else { return };
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    if !have("unshare") {
        return;
    }
    let config = built.config();
    let env = built.env();
    // The database where the image's PLINTH_DB says, on a volume of its own.
    let db_path = &env.iter().find(|(k, _)| k == "PLINTH_DB").unwrap().1;
    let (mount, file) = db_path.rsplit_once('/').unwrap();
    let volume = tempfile::tempdir().unwrap();
    run(plinth()
        .args(["db", "import", "--db"])
        .arg(volume.path().join(file))
        .arg(data.join("alpine-secdb")));

    // ENTRYPOINT + CMD, with the listen address moved to a free loopback port.
    let mut argv: Vec<String> = config["Entrypoint"]
        .as_array()
        .unwrap()
        .iter()
        .chain(config["Cmd"].as_array().unwrap())
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    let port = free_port();
    let listened = listen_on(&mut argv, port);
    assert_eq!(listened, format!("0.0.0.0:{}", built.stage.expose[0]));
    let user = config["User"].as_str().unwrap();
    let (uid, gid) = user.split_once(':').unwrap();
    let volumes = [Volume {
        host: volume.path(),
        at: mount,
        read_only: true,
    }];
    let container = Container::start(built, user, &env, &volumes, &argv);
    assert!(
        container.said.contains(&format!("serving {db_path}")),
        "{}",
        container.said
    );
    let pid = container.pid1().expect("the server process");
    assert_eq!(proc_ids(pid, "Uid:"), [uid; 4]);
    assert_eq!(proc_ids(pid, "Gid:"), [gid; 4]);
    assert_eq!(proc_ids(pid, "Groups:"), Vec::<String>::new());

    assert_eq!(
        get(port, "/healthz", None),
        (200, serde_json::json!({"status": "ok"}))
    );
    let (status, ready) = get(port, "/readyz", None);
    assert_eq!(
        (status, &ready["status"]),
        (200, &serde_json::json!("ready"))
    );
    assert_eq!(container.stop(), Some(0));
}

/// Every document of deploy/*.yaml, with its file's name.
fn manifests() -> Vec<(String, Value)> {
    use serde::Deserialize;
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let doc = Value::deserialize(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            docs.push((name.clone(), doc));
        }
    }
    docs
}

/// The document of `kind` named `name`.
fn manifest(docs: &[(String, Value)], kind: &str, name: &str) -> Value {
    docs.iter()
        .map(|(_, d)| d)
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in deploy/"))
        .clone()
}

/// The pod template of a workload (Deployment or CronJob).
fn pod_spec(doc: &Value) -> &Value {
    match doc["kind"].as_str().unwrap() {
        "CronJob" => &doc["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &doc["spec"]["template"]["spec"],
    }
}

/// The containers (init containers first) of every workload, with the pod they are in.
fn containers(docs: &[(String, Value)]) -> Vec<(&Value, &Value)> {
    let mut out = Vec::new();
    for (_, doc) in docs {
        let pod = pod_spec(doc);
        for list in ["initContainers", "containers"] {
            for c in pod[list].as_array().into_iter().flatten() {
                out.push((pod, c));
            }
        }
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn is_plinth(container: &Value) -> bool {
    container["image"]
        .as_str()
        .is_some_and(|i| i.contains("/plinth/plinth:"))
}

#[test]
fn manifests_validate_against_the_kubernetes_schemas() {
    if !have("kubernetes-validate") {
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // --strict: a field the schema does not know is an error too.
    let out = run(Command::new("kubernetes-validate")
        .args(["--strict", "--no-warn"])
        .args(&files));
    let said = String::from_utf8_lossy(&out.stdout);
    for (file, doc) in manifests() {
        let kind = doc["kind"].as_str().unwrap().to_lowercase();
        let name = doc["metadata"]["name"].as_str().unwrap();
        assert!(
            said.contains(&format!("{file} passed for resource {kind}/{name}")),
            "{said}"
        );
    }

    // And it does read them: a misspelled probe field in a copy is refused.
    let dir = tempfile::tempdir().unwrap();
    let server = std::fs::read_to_string(repo().join("deploy/server.yaml")).unwrap();
    let broken = dir.path().join("server.yaml");
    std::fs::write(&broken, server.replacen("periodSeconds", "periodSecond", 1)).unwrap();
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet"])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("'periodSecond' was unexpected"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `plinth WORDS… --help`: the help of the (sub)command the leading words name.
fn help(words: &[String]) -> String {
    let out = run(plinth().args(words).arg("--help"));
    String::from_utf8(out.stdout).unwrap()
}

/// Whether a help text documents `flag` (`--db`, or `--db=PATH` written as one word).
fn documents(help: &str, flag: &str) -> bool {
    let flag = flag.split('=').next().unwrap();
    help.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .any(|l| l.split([' ', ',']).any(|w| w == flag))
}

#[test]
fn manifests_use_only_what_the_binary_has() {
    let docs = manifests();
    let mut checked = 0;
    for (pod, container) in containers(&docs) {
        let name = container["name"].as_str().unwrap();
        for mount in container["volumeMounts"].as_array().into_iter().flatten() {
            let volume = pod["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == mount["name"])
                .unwrap_or_else(|| panic!("{name}: no volume {}", mount["name"]));
            if let Some(claim) = volume["persistentVolumeClaim"]["claimName"].as_str() {
                manifest(&docs, "PersistentVolumeClaim", claim);
            }
        }
        if !is_plinth(container) {
            continue;
        }
        // The image deployed is this version's.
        let image = container["image"].as_str().unwrap();
        assert!(
            image.ends_with(&format!(":{}", env!("CARGO_PKG_VERSION"))),
            "{name}: {image}"
        );
        // args replace the image's CMD; the ENTRYPOINT is plinth.
        let args = strings(&container["args"]);
        let words: Vec<String> = args
            .iter()
            .take_while(|a| !a.starts_with('-'))
            .cloned()
            .collect();
        let help = help(&words);
        for flag in args.iter().filter(|a| a.starts_with("--")) {
            assert!(
                documents(&help, flag),
                "{name}: `plinth {}` has no {flag}:\n{help}",
                words.join(" ")
            );
        }
        for env in container["env"].as_array().into_iter().flatten() {
            let var = env["name"].as_str().unwrap();
            match var {
                // Docker's own variable for config.json (the CronJob test pushes with it as
                // the manifest mounts it) and the XDG cache home the help names.
                "DOCKER_CONFIG" => {}
                "XDG_CACHE_HOME" => assert!(help.contains("$XDG_CACHE_HOME"), "{help}"),
                _ => assert!(
                    help.contains(&format!("[env: {var}=")),
                    "{name}: `plinth {}` reads no {var}",
                    words.join(" ")
                ),
            }
            if let Some(secret) = env["valueFrom"]["secretKeyRef"].as_object() {
                let doc = manifest(&docs, "Secret", secret["name"].as_str().unwrap());
                let key = secret["key"].as_str().unwrap();
                assert!(doc["stringData"].get(key).is_some(), "{doc}");
            }
            if let Some(url) = env["value"]
                .as_str()
                .and_then(|v| v.strip_prefix("redis://"))
            {
                // The Redis Service, at the port it serves.
                let (host, port) = url.split_once(':').unwrap();
                let service = manifest(&docs, "Service", host);
                assert_eq!(service["spec"]["ports"][0]["port"].to_string(), port);
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 3, "the server, the update and the push containers");

    // The server: it listens on its named port, which the probes, the Service and the
    // Dockerfile's EXPOSE use; the drain fits in the grace period.
    let deployment = manifest(&docs, "Deployment", "plinth-server");
    let pod = pod_spec(&deployment);
    let server = &pod["containers"][0];
    let mut args = strings(&server["args"]);
    let listen = listen_on(&mut args, 0);
    let port = &server["ports"][0];
    assert_eq!(listen, format!("0.0.0.0:{}", port["containerPort"]));
    assert!(
        FinalStage::read()
            .expose
            .contains(&port["containerPort"].to_string())
    );
    for probe in ["livenessProbe", "readinessProbe"] {
        assert_eq!(server[probe]["httpGet"]["port"], port["name"], "{probe}");
    }
    let service = manifest(&docs, "Service", "plinth-server");
    assert_eq!(service["spec"]["ports"][0]["targetPort"], port["name"]);
    let server_help = help(&["server".to_string()]);
    let drain: u64 = server_help
        .split("--drain-timeout")
        .nth(1)
        .and_then(|h| h.split("[default: ").nth(1))
        .and_then(|d| d.split(']').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        drain < pod["terminationGracePeriodSeconds"].as_u64().unwrap(),
        "--drain-timeout {drain} outlasts the grace period"
    );
}

#[test]
fn the_server_deployment_runs_in_the_image_as_kubernetes_starts_it() {
    let Some(built) = built() else { return };
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    if !have("unshare") {
        return;
    }
    let docs = manifests();
    let deployment = manifest(&docs, "Deployment", "plinth-server");
    let pod = pod_spec(&deployment);
    let spec = &pod["containers"][0];
    let security = &pod["securityContext"];
    assert_eq!(spec["securityContext"]["readOnlyRootFilesystem"], true);
    let user = format!("{}:{}", security["runAsUser"], security["runAsGroup"]);

    // The image's environment, then the container's (a Secret's value resolved).
    let secret = manifest(&docs, "Secret", "plinth-server");
    let mut env = built.env();
    for e in spec["env"].as_array().unwrap() {
        let value = match e["value"].as_str() {
            Some(v) => v.to_string(),
            None => {
                let key = &e["valueFrom"]["secretKeyRef"]["key"];
                secret["stringData"][key.as_str().unwrap()]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        };
        env.retain(|(k, _)| k != e["name"].as_str().unwrap());
        env.push((e["name"].as_str().unwrap().to_string(), value));
    }
    let token = secret["stringData"]["token"].as_str().unwrap();

    // ENTRYPOINT + the container's args; the database where --db says, on the db volume.
    let mut argv = strings(&built.config()["Entrypoint"]);
    argv.extend(strings(&spec["args"]));
    let port = free_port();
    listen_on(&mut argv, port);
    let db = &argv[argv.iter().position(|a| a == "--db").unwrap() + 1];
    let dirs: Vec<tempfile::TempDir> = spec["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let mut volumes = Vec::new();
    for (mount, dir) in spec["volumeMounts"].as_array().unwrap().iter().zip(&dirs) {
        let at = mount["mountPath"].as_str().unwrap();
        if let Some(file) = db.strip_prefix(&format!("{at}/")) {
            run(plinth()
                .args(["db", "import", "--db"])
                .arg(dir.path().join(file))
                .arg(data.join("alpine-secdb")));
        }
        volumes.push(Volume {
            host: dir.path(),
            at,
            read_only: mount["readOnly"] == true,
        });
    }
    let container = Container::start(built, &user, &env, &volumes, &argv);
    assert!(
        container.said.contains(&format!("serving {db}")),
        "{}",
        container.said
    );
    // The kubelet probes without a token.
    for probe in ["livenessProbe", "readinessProbe"] {
        let path = spec[probe]["httpGet"]["path"].as_str().unwrap();
        let (status, body) = get(port, path, None);
        assert_eq!(status, 200, "{probe} {path}: {body}");
    }
    // Everything else takes the Secret's token.
    assert_eq!(get(port, "/metrics", None).0, 401);
    assert_eq!(get(port, "/metrics", Some(token)).0, 200);
    assert_eq!(container.stop(), Some(0));
}

/// A token service as Docker Hub's and Harbor's: `GET realm?service=…&scope=…` with the
/// user's basic credentials answers a JWT (ES256, its certificate in `x5c`) granting the
/// scopes asked for; wrong or missing credentials get 401. Runs on the fake registry's
/// HTTP server (std::net), so every request it answered can be inspected.
mod token {
    use std::path::Path;
    use std::process::Command;
    use std::sync::atomic::{AtomicU64, Ordering};

    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    use serde_json::json;

    use super::fake;

    pub const SERVICE: &str = "plinth-test-registry";
    pub const ISSUER: &str = "plinth-test-token-issuer";

    pub struct Issuer {
        pub fake: fake::Fake,
    }

    /// A P-256 key and its self-signed certificate, made by openssl in `dir` (key.der,
    /// cert.pem); `None` without openssl.
    fn keypair(dir: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
        let openssl = |args: &[&str]| {
            Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=token-issuer",
        ])?;
        let key = openssl(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER",
        ])?
        .stdout;
        let cert = openssl(&["x509", "-in", "cert.pem", "-outform", "DER"])?.stdout;
        Some((key, cert))
    }

    impl Issuer {
        /// Issues tokens to `user` with `password`; its certificate is `dir/cert.pem`.
        pub fn start(dir: &Path, user: &'static str, password: &'static str) -> Option<Issuer> {
            let Some((key, cert)) = keypair(dir) else {
                println!("skipped: openssl could not make the token service's key");
                return None;
            };
            let rng = ring::rand::SystemRandom::new();
            let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &key, &rng)
                .expect("openssl's PKCS#8 key");
            let header = json!({"typ": "JWT", "alg": "ES256", "x5c": [STANDARD.encode(cert)]});
            let header = URL_SAFE_NO_PAD.encode(header.to_string());
            let serial = AtomicU64::new(0);
            let basic = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
            let fake = fake::Fake::start(move |req| {
                if req.header("authorization") != Some(basic.as_str()) {
                    return fake::Reply::json(
                        401,
                        r#"{"details":"incorrect username or password"}"#,
                    );
                }
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let claims = json!({
                    "iss": ISSUER, "sub": user, "aud": SERVICE,
                    "iat": now, "nbf": now - 10, "exp": now + 300,
                    "jti": serial.fetch_add(1, Ordering::Relaxed).to_string(),
                    "access": access(&req.path),
                });
                let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
                let signature = key.sign(&rng, signed.as_bytes()).unwrap();
                let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature));
                fake::Reply::json(200, &json!({"token": token, "expires_in": 300}).to_string())
            });
            Some(Issuer { fake })
        }

        pub fn realm(&self) -> String {
            format!("http://{}/token", self.fake.addr)
        }
    }

    /// The grants for the `scope` parameters of a token request: everything asked for.
    fn access(path: &str) -> serde_json::Value {
        let query = path.split_once('?').map_or("", |(_, q)| q);
        let grants: Vec<_> = query
            .split('&')
            .filter_map(|kv| kv.strip_prefix("scope="))
            .map(unescape)
            .filter_map(|scope| {
                let (kind, rest) = scope.split_once(':')?;
                let (name, actions) = rest.rsplit_once(':')?;
                Some(json!({"type": kind, "name": name,
                            "actions": actions.split(',').collect::<Vec<_>>()}))
            })
            .collect();
        json!(grants)
    }

    /// Percent-decoding of a query value (`repository%3Aplinth%2Fdb%3Apull%2Cpush`).
    pub fn unescape(s: &str) -> String {
        let mut out = Vec::new();
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'%' => {
                    let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                    out.push(u8::from_str_radix(&hex, 16).expect("a %XX escape"));
                }
                b'+' => out.push(b' '),
                _ => out.push(b),
            }
        }
        String::from_utf8(out).unwrap()
    }
}

/// The user the token service knows, and the password it takes.
const USER: &str = "robot$plinth-ci";
const PASSWORD: &str = "tok3n-s3cret-pa55";

/// Debian's docker-registry taking the tokens of its own token service, and a Docker config
/// directory holding `USER`'s credentials for it as a `.dockerconfigjson` Secret mounted as
/// `$DOCKER_CONFIG/config.json` has them.
struct TokenRegistry {
    issuer: token::Issuer,
    registry: plinth_testdata::registry::LocalRegistry,
    docker: PathBuf,
}

fn token_registry(dir: &Path) -> Option<TokenRegistry> {
    let issuer = token::Issuer::start(dir, USER, PASSWORD)?;
    let realm = issuer.realm();
    std::fs::create_dir_all(dir.join("registry")).unwrap();
    let registry = plinth_testdata::registry::LocalRegistry::with_tokens(
        &dir.join("registry"),
        plinth_testdata::registry::TokenAuth {
            realm: &realm,
            service: token::SERVICE,
            issuer: token::ISSUER,
            rootcertbundle: &dir.join("cert.pem"),
        },
    )?;
    let docker = dir.join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{USER}:{PASSWORD}"),
    );
    std::fs::write(
        docker.join("config.json"),
        serde_json::json!({"auths": {&registry.addr: {"auth": auth}}}).to_string(),
    )
    .unwrap();
    Some(TokenRegistry {
        issuer,
        registry,
        docker,
    })
}

/// `db info -f json` without what differs between two copies of the same data.
fn db_info(path: &Path) -> Value {
    let out = run(plinth()
        .args(["db", "info", "-f", "json", "--db"])
        .arg(path));
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["path", "file_size", "age_seconds"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v
}

#[test]
fn push_with_a_bearer_token_round_trips_and_a_wrong_password_is_one_line() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(TokenRegistry {
        issuer,
        registry,
        docker,
    }) = token_registry(dir.path())
    else {
        return;
    };
    let src = dir.path().join("src.redb");
    run(plinth()
        .args(["db", "import", "--db"])
        .arg(&src)
        .arg(data.join("alpine-secdb"))
        .arg(data.join("osv")));
    let reference = format!("{}/plinth/db:latest", registry.addr);
    let db = |args: &[&str], db: &Path| {
        let mut cmd = plinth();
        cmd.arg("db")
            .args(args)
            .arg("--db")
            .arg(db)
            .env("DOCKER_CONFIG", &docker)
            .env("XDG_CONFIG_HOME", dir.path().join("no-config"));
        cmd
    };
    let pushed = run(&mut db(&["push", &reference], &src));
    let said = String::from_utf8(pushed.stdout).unwrap();
    assert!(
        said.starts_with(&format!("pushed {reference}@sha256:")),
        "{said}"
    );
    // The registry sent the client to the token service, which granted the push.
    let asked: Vec<String> = issuer
        .fake
        .hits("/token")
        .iter()
        .map(|r| token::unescape(&r.path))
        .collect();
    assert!(
        asked
            .iter()
            .any(|p| p.contains("scope=repository:plinth/db:pull,push")),
        "{asked:?}"
    );
    assert!(
        asked
            .iter()
            .all(|p| p.contains(&format!("service={}", token::SERVICE)))
    );

    let pulled = dir.path().join("runner/vuln.redb");
    run(&mut db(&["update", "--repository", &reference], &pulled));
    assert_eq!(db_info(&pulled), db_info(&src));

    // A wrong password: the token service refuses it; one line, exit 4, the password and
    // no token printed, nothing installed.
    let other = dir.path().join("other/vuln.redb");
    for (args, stdin) in [
        (
            vec!["update", "--repository", &reference],
            "wrong-pa55word\n",
        ),
        (vec!["push", &reference], "wrong-pa55word\n"),
    ] {
        let db_path = if args[0] == "push" { &src } else { &other };
        let out = db(&args, db_path)
            .args(["--username", USER, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(stdin.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(
            stderr,
            format!(
                "plinth: {reference}: the registry's token service rejected the credentials for {} (401 Unauthorized)\n",
                registry.addr
            )
        );
        for secret in ["wrong-pa55word", PASSWORD, "eyJ"] {
            assert!(!stderr.contains(secret), "{stderr}");
        }
    }
    assert!(!other.exists(), "no database from a refused pull");

    // No credentials at all: the same one line as for a registry with basic auth.
    let out = db(&["update", "--repository", &reference], &other)
        .env("DOCKER_CONFIG", dir.path().join("no-docker-config"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "plinth: {reference}: authentication required (401 Unauthorized); log in with --username and --password-stdin, or `docker login {}`\n",
            registry.addr
        )
    );
    assert!(!other.exists(), "no database from a refused pull");
}

#[test]
fn findings_carry_their_records_cwes_in_json_and_sarif() {
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    let Some(image) = plinth_testdata::fixture("debian-app.docker.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vuln.redb");
    run(plinth().args(["db", "import", "--db"]).arg(&db).args(
        [
            "osv",
            "cve5-fixture-cves",
            "nvd-api-2.0",
            "debian-tracker-json",
        ]
        .map(|f| data.join(f)),
    ));
    let scan = |format: &str| -> Value {
        let out = plinth()
            .args(["scan", "--offline", "-f", format, "--db"])
            .arg(&db)
            .arg(&image)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let json = scan("json");
    let sarif = scan("sarif");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mut with_cwe = 0;
    for finding in json["targets"][0]["findings"].as_array().unwrap() {
        let id = finding["id"].as_str().unwrap();
        let cwe: BTreeSet<String> = strings(&finding["cwe"]).into_iter().collect();
        // Everything the CVE's own record names (NVD and GitHub may name more).
        let named = plinth_testdata::cve5::record(id)
            .map(|r| plinth_testdata::cve5::cwes(&r))
            .unwrap_or_default();
        assert!(
            named.is_subset(&cwe),
            "{id}: record {named:?}, finding {cwe:?}"
        );
        let rule = rules.iter().find(|r| r["id"] == id).unwrap();
        let tags = strings(&rule["properties"]["tags"]);
        for c in &cwe {
            let tag = format!("external/cwe/{}", c.to_lowercase());
            assert!(tags.contains(&tag), "{id}: {tags:?}");
        }
        with_cwe += usize::from(!cwe.is_empty());
    }
    println!("{with_cwe} findings of debian-app with CWE ids");
    assert!(with_cwe > 0);
}

#[test]
fn the_db_cronjob_updates_then_pushes_from_the_image_as_kubernetes_runs_it() {
    let Some(built) = built() else { return };
    let Some(data) = plinth_testdata::vulndata() else {
        return;
    };
    if !have("unshare") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The token service answers as long as `_issuer` lives.
    let Some(TokenRegistry {
        issuer: _issuer,
        registry,
        docker,
    }) = token_registry(dir.path())
    else {
        return;
    };
    // Upstream is out of reach: a mirror serving Alpine 3.9's real secdb stands in, named by a
    // db.conf the test puts on the job's /tmp volume.
    let secdb = std::fs::read(data.join("alpine-secdb/v3.9/main.json")).unwrap();
    let mirror = fake::Fake::start(move |req| match req.path.as_str() {
        "/v3.9/main.json" => fake::Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: secdb.clone(),
        },
        _ => fake::Reply::status(404),
    });
    let docs = manifests();
    let cronjob = manifest(&docs, "CronJob", "plinth-db-update");
    let pod = pod_spec(&cronjob);
    let security = &pod["securityContext"];
    let user = format!("{}:{}", security["runAsUser"], security["runAsGroup"]);

    // The pod's volumes: the claim and each emptyDir a directory, the Secret the Docker config
    // at the path its items give.
    let mut hosts: Vec<(String, PathBuf)> = Vec::new();
    for volume in pod["volumes"].as_array().unwrap() {
        let name = volume["name"].as_str().unwrap();
        let host = if volume.get("secret").is_some() {
            assert_eq!(volume["secret"]["items"][0]["path"], "config.json");
            docker.clone()
        } else {
            let d = dir.path().join("volumes").join(name);
            std::fs::create_dir_all(&d).unwrap();
            d
        };
        hosts.push((name.to_string(), host));
    }
    let host_of = |name: &Value| &hosts.iter().find(|(n, _)| n == name).unwrap().1;

    let containers = pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(pod["containers"].as_array().unwrap());
    let mut db = String::new();
    let mut reference = String::new();
    for container in containers {
        let name = container["name"].as_str().unwrap();
        let mut argv = strings(&built.config()["Entrypoint"]);
        argv.extend(
            strings(&container["args"])
                .into_iter()
                .map(|a| a.replace("registry.example.com", &registry.addr)),
        );
        db = argv[argv.iter().position(|a| a == "--db").unwrap() + 1].clone();
        let mut env = built.env();
        for e in container["env"].as_array().into_iter().flatten() {
            let value = e["value"].as_str().unwrap().to_string();
            env.push((e["name"].as_str().unwrap().to_string(), value));
        }
        let mut volumes = Vec::new();
        for mount in container["volumeMounts"].as_array().unwrap() {
            let at = mount["mountPath"].as_str().unwrap();
            let host = host_of(&mount["name"]);
            if at == "/tmp" {
                let conf = host.join("config/plinth/db.conf");
                std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
                std::fs::write(
                    &conf,
                    format!(
                        "mirror = http://{}\necosystems = Alpine\nalpine = v3.9/main\n",
                        mirror.addr
                    ),
                )
                .unwrap();
                env.push(("XDG_CONFIG_HOME".into(), "/tmp/config".into()));
            }
            volumes.push(Volume {
                host,
                at,
                read_only: mount["readOnly"] == true,
            });
        }
        let out = in_image(built, &user, &env, &volumes, &argv)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(pushed) = said.strip_prefix("pushed ") {
            reference = pushed.split('@').next().unwrap().to_string();
        }
    }
    assert_eq!(
        mirror.hits("/v3.9/main.json").len(),
        1,
        "the update read the mirror"
    );
    assert_eq!(reference, format!("{}/plinth/db:latest", registry.addr));

    // The claim holds the mirror's data, and a runner pulls exactly that.
    let (mount, file) = db.rsplit_once('/').unwrap();
    let claim = &pod["initContainers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == mount)
        .unwrap()["name"];
    let built_db = host_of(claim).join(file);
    let sources = db_info(&built_db)["sources"].to_string();
    assert!(sources.contains("alpine-secdb/v3.9/main"), "{sources}");
    let pulled = dir.path().join("runner/vuln.redb");
    run(plinth()
        .args(["db", "update", "--db"])
        .arg(&pulled)
        .args(["--repository", &reference])
        .env("DOCKER_CONFIG", &docker));
    assert_eq!(db_info(&pulled), db_info(&built_db));
}
