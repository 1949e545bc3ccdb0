//! Layers and the build cache: deleting in the wrong layer, cache order, build tools
//! left in the final stage, RUNs that could be one.

use super::Findings;
use super::run::pip_install;
use crate::model::{Dockerfile, Instruction, Op};
use crate::shell::{Command, Script};

pub fn check(df: &Dockerfile, out: &mut Findings) {
    for s in 0..df.stages.len() {
        if df.ships(s) {
            late_cleanup(df, s, out);
        }
        cache_order(df, s, out);
        consecutive_runs(df, s, out);
    }
    build_tools(df, out);
}

// ---- PL401: cleanup in a later layer ----------------------------------------------

/// A path some instruction put in the image, and where.
struct Created {
    path: String,
    line: usize,
    what: &'static str,
}

fn join(dir: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        let p = path.trim_start_matches("./");
        format!("{}/{}", dir.trim_end_matches('/'), p)
    };
    let trimmed = joined.trim_end_matches("/.").trim_end_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.to_string()
    }
}

fn last_segment(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

/// True when deleting `target` (possibly a glob) removes something under `created`.
fn deletes(target: &str, created: &str) -> bool {
    let target = target.trim_end_matches("/*").trim_end_matches('/');
    if let Some(star) = target.find(['*', '?', '[']) {
        let prefix = &target[..star];
        return !prefix.is_empty() && created.starts_with(prefix);
    }
    !target.is_empty()
        && (created == target
            || created.starts_with(&format!("{target}/"))
            || target.starts_with(&format!("{created}/")))
}

/// Paths a RUN deletes: `rm` operands and the caches that package managers' clean
/// commands empty.
fn deletions(script: &Script, workdir: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in &script.commands {
        match c.name() {
            "rm" => out.extend(
                c.args()
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .map(|a| join(workdir, a)),
            ),
            "apt-get" | "apt" if c.subcommand() == Some("clean") => {
                out.push("/var/cache/apt".into())
            }
            "apk" if c.subcommand() == Some("cache") => out.push("/var/cache/apk".into()),
            "yum" | "dnf" | "microdnf" if c.subcommand() == Some("clean") => {
                out.push("/var/cache/yum".into());
                out.push("/var/cache/dnf".into());
            }
            "npm" if c.subcommand() == Some("cache") => out.push("/root/.npm".into()),
            _ if c.name().starts_with("pip") && c.subcommand() == Some("cache") => {
                out.push("/root/.cache/pip".into())
            }
            _ => {}
        }
    }
    out
}

/// Paths a RUN leaves behind: package-manager caches and lists, and downloads.
fn creations(script: &Script, workdir: &str, line: usize) -> Vec<Created> {
    let mut out = Vec::new();
    let mut add = |path: String, what| out.push(Created { path, line, what });
    for c in &script.commands {
        if c.is("apt-get", &["update"]) || c.is("apt", &["update"]) {
            add("/var/lib/apt/lists".into(), "apt lists");
        }
        if c.is("apt-get", &["install"]) || c.is("apt", &["install"]) {
            add("/var/cache/apt".into(), "apt cache");
        }
        if c.is("apk", &["add"]) && !c.has_flag(&["no-cache"], &[]) {
            add("/var/cache/apk".into(), "apk cache");
        }
        if (c.is("yum", &["install"])
            || c.is("dnf", &["install"])
            || c.is("microdnf", &["install"]))
            && c.name() != "microdnf"
        {
            add(format!("/var/cache/{}", c.name()), "package cache");
        }
        if pip_install(c) && !c.args().iter().any(|a| a == "--no-cache-dir") {
            add("/root/.cache/pip".into(), "pip cache");
        }
        if c.is("npm", &["install", "ci", "i"]) {
            add("/root/.npm".into(), "npm cache");
        }
        for file in downloads(c) {
            add(join(workdir, &file), "download");
        }
    }
    out
}

/// The value of an option given as `-o F`, `-fsSLo F` (last in a cluster), `--output F`
/// or `--output=F`.
fn option_value(args: &[String], short: char, long: &str) -> Option<String> {
    args.iter().enumerate().find_map(|(i, a)| {
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            return Some(v.to_string());
        }
        let clustered = a.len() > 1
            && a.starts_with('-')
            && !a.starts_with("--")
            && a[1..].chars().all(|c| c.is_ascii_alphabetic())
            && a.ends_with(short);
        (a == long || clustered)
            .then(|| args.get(i + 1).cloned())
            .flatten()
    })
}

/// Files written by `curl -o F`, `curl -O URL`, `wget URL`, `wget -O F`, `git clone`.
fn downloads(c: &Command) -> Vec<String> {
    let args = c.args();
    let mut files = Vec::new();
    let url = args.iter().find(|a| a.contains("://"));
    let remote_name = || url.map(|u| last_segment(u).to_string());
    match c.name() {
        "curl" => match option_value(args, 'o', "--output") {
            Some(f) => files.push(f),
            None if args.iter().any(|a| {
                a == "--remote-name"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('O'))
            }) =>
            {
                files.extend(remote_name());
            }
            None => {}
        },
        "wget" => match option_value(args, 'O', "--output-document") {
            Some(f) => files.push(f),
            // `-qO-` writes to stdout.
            None if !args.iter().any(|a| a.ends_with("O-")) => files.extend(remote_name()),
            None => {}
        },
        "git" if c.subcommand() == Some("clone") => {
            let ops: Vec<&str> = c.operands().collect();
            match ops.as_slice() {
                [_, dir, ..] => files.push(dir.to_string()),
                [u] => files.push(last_segment(u).trim_end_matches(".git").to_string()),
                _ => {}
            }
        }
        _ => {}
    }
    files.retain(|f| f != "-" && !f.starts_with("/dev/"));
    files
}

fn late_cleanup(df: &Dockerfile, stage: usize, out: &mut Findings) {
    let mut created: Vec<Created> = Vec::new();
    let mut workdir = String::from("/");
    for inst in df.stage_instructions(stage) {
        match &inst.op {
            Op::Workdir(dir) => workdir = join(&workdir, dir),
            Op::Copy { sources, dest, .. } => {
                let dest_path = join(&workdir, dest);
                if dest_path == "/" {
                    continue;
                }
                let is_dir = dest.ends_with('/') || sources.len() > 1;
                for src in sources {
                    let path = if is_dir {
                        join(&dest_path, last_segment(src))
                    } else {
                        dest_path.clone()
                    };
                    created.push(Created {
                        path,
                        line: inst.line,
                        what: "copied file",
                    });
                }
                created.push(Created {
                    path: dest_path,
                    line: inst.line,
                    what: "copied file",
                });
            }
            Op::Run { script, mounts, .. } => {
                let gone = deletions(script, &workdir);
                let hit = gone
                    .iter()
                    .find_map(|t| created.iter().find(|c| deletes(t, &c.path)).map(|c| (t, c)));
                if let Some((target, c)) = hit {
                    let msg = format!(
                        "{target} is deleted here but was added at line {} ({}); that layer still ships the bytes",
                        c.line, c.what
                    );
                    out.add_msg("PL401", inst, msg);
                }
                let cached = |p: &str| {
                    mounts.iter().any(|m| {
                        m.kind != "bind" && !m.target.is_empty() && p.starts_with(m.target.as_str())
                    })
                };
                let mut new = creations(script, &workdir, inst.line);
                new.retain(|c| !cached(&c.path) && !gone.iter().any(|t| deletes(t, &c.path)));
                // Whatever this RUN deleted is gone for later RUNs too.
                if !gone.is_empty() {
                    created.retain(|c| !gone.iter().any(|t| deletes(t, &c.path)));
                }
                // Keep the first creation of a path only, so a long file stays linear.
                for c in new {
                    if !created.iter().any(|k| k.path == c.path) {
                        created.push(c);
                    }
                }
            }
            _ => {}
        }
    }
}

// ---- PL402: dependency manifests before sources ------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Ecosystem {
    Npm,
    Python,
    Go,
    Cargo,
    Maven,
    Gradle,
    Ruby,
}

impl Ecosystem {
    fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Python => "pip",
            Ecosystem::Go => "Go",
            Ecosystem::Cargo => "Cargo",
            Ecosystem::Maven => "Maven",
            Ecosystem::Gradle => "Gradle",
            Ecosystem::Ruby => "Bundler",
        }
    }

    fn manifests(self) -> &'static str {
        match self {
            Ecosystem::Npm => "package.json and the lock file",
            Ecosystem::Python => "requirements.txt or pyproject.toml",
            Ecosystem::Go => "go.mod and go.sum",
            Ecosystem::Cargo => "Cargo.toml and Cargo.lock",
            Ecosystem::Maven => "pom.xml",
            Ecosystem::Gradle => "build.gradle and settings.gradle",
            Ecosystem::Ruby => "Gemfile and Gemfile.lock",
        }
    }

    /// The ecosystem a copied file is a manifest of.
    fn of_manifest(source: &str) -> Option<Ecosystem> {
        let f = last_segment(source);
        Some(match f {
            _ if f.starts_with("package") && f.ends_with(".json") => Ecosystem::Npm,
            "yarn.lock" | "pnpm-lock.yaml" | "npm-shrinkwrap.json" => Ecosystem::Npm,
            _ if f.starts_with("requirements") => Ecosystem::Python,
            "pyproject.toml" | "poetry.lock" | "Pipfile" | "Pipfile.lock" | "setup.py"
            | "setup.cfg" | "uv.lock" => Ecosystem::Python,
            "go.mod" | "go.sum" | "go.*" => Ecosystem::Go,
            "Cargo.toml" | "Cargo.lock" | "Cargo.*" => Ecosystem::Cargo,
            "pom.xml" => Ecosystem::Maven,
            _ if f.starts_with("build.gradle") || f.starts_with("settings.gradle") => {
                Ecosystem::Gradle
            }
            "Gemfile" | "Gemfile.lock" | "Gemfile*" => Ecosystem::Ruby,
            _ => return None,
        })
    }

    /// The ecosystem whose dependency step a command runs.
    fn of_command(c: &Command) -> Option<Ecosystem> {
        let sub = c.subcommand();
        Some(match c.name() {
            "npm" if matches!(sub, Some("ci" | "install" | "i")) => Ecosystem::Npm,
            "yarn" if matches!(sub, None | Some("install")) => Ecosystem::Npm,
            "pnpm" if matches!(sub, Some("install" | "i")) => Ecosystem::Npm,
            "poetry" | "pipenv" if sub == Some("install") => Ecosystem::Python,
            "uv" if matches!(sub, Some("sync" | "pip")) => Ecosystem::Python,
            _ if pip_install(c)
                && c.args().iter().any(|a| {
                    a == "-r" || a.starts_with("--requirement") || a == "." || a == "-e"
                }) =>
            {
                Ecosystem::Python
            }
            "go" if matches!(sub, Some("mod" | "build" | "install" | "get")) => Ecosystem::Go,
            "cargo" if matches!(sub, Some("build" | "install" | "fetch" | "test")) => {
                Ecosystem::Cargo
            }
            "mvn" | "mvnw" => Ecosystem::Maven,
            "gradle" | "gradlew" => Ecosystem::Gradle,
            "bundle" if matches!(sub, Some("install")) => Ecosystem::Ruby,
            _ => return None,
        })
    }
}

fn is_whole_context(source: &str) -> bool {
    matches!(source, "." | "./" | "*" | "./*" | "./.")
}

fn cache_order(df: &Dockerfile, stage: usize, out: &mut Findings) {
    let mut manifests: Vec<Ecosystem> = Vec::new();
    let mut broad: Option<&Instruction> = None;
    let mut reported: Vec<Ecosystem> = Vec::new();
    for inst in df.stage_instructions(stage) {
        match &inst.op {
            Op::Copy {
                from: None,
                sources,
                ..
            } if broad.is_none() => {
                manifests.extend(sources.iter().filter_map(|s| Ecosystem::of_manifest(s)));
                if sources.iter().any(|s| is_whole_context(s)) {
                    broad = Some(inst);
                }
            }
            Op::Run { script, .. } => {
                let Some(copy) = broad else { continue };
                for eco in script.commands.iter().filter_map(Ecosystem::of_command) {
                    if manifests.contains(&eco) || reported.contains(&eco) {
                        continue;
                    }
                    reported.push(eco);
                    let msg = format!(
                        "the whole context is copied before the {} dependency step at line {}: copy {} first",
                        eco.name(),
                        inst.line,
                        eco.manifests()
                    );
                    out.add_msg("PL402", copy, msg);
                }
            }
            _ => {}
        }
    }
}

// ---- PL403: build tools in the final stage -----------------------------------------

const BUILD_TOOLS: &[&str] = &[
    "gcc",
    "g++",
    "gcc-c++",
    "clang",
    "make",
    "cmake",
    "build-essential",
    "build-base",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
    "golang",
    "golang-go",
    "go",
    "rustc",
    "cargo",
    "gfortran",
    "ninja-build",
];

fn is_build_tool(pkg: &str) -> bool {
    let name = pkg.split(['=', ':']).next().unwrap_or(pkg);
    BUILD_TOOLS.contains(&name)
        || name.ends_with("-dev")
        || name.ends_with("-devel")
        || name.ends_with("-headers")
}

fn installed_packages(c: &Command) -> Vec<&str> {
    let installs = c.is("apt-get", &["install"])
        || c.is("apt", &["install"])
        || c.is("apk", &["add"])
        || c.is("yum", &["install"])
        || c.is("dnf", &["install"])
        || c.is("microdnf", &["install"]);
    if !installs {
        return Vec::new();
    }
    // `apk add --virtual .build-deps gcc` names a group: skip the group name.
    let virtual_name = c
        .args()
        .iter()
        .position(|a| a == "--virtual" || a == "-t")
        .and_then(|i| c.args().get(i + 1));
    c.operands()
        .filter(|p| Some(*p) != virtual_name.map(String::as_str))
        .collect()
}

fn removes_packages(script: &Script) -> bool {
    script.commands.iter().any(|c| {
        c.is("apt-get", &["purge", "remove", "autoremove"])
            || c.is("apt", &["purge", "remove", "autoremove"])
            || c.is("apk", &["del"])
            || c.is("yum", &["remove", "erase", "autoremove"])
            || c.is("dnf", &["remove", "erase", "autoremove"])
    })
}

fn build_tools(df: &Dockerfile, out: &mut Findings) {
    let last = df.final_stage();
    let multi = df.stages.len() > 1;
    for inst in df
        .stages
        .get(last)
        .map(|_| df.stage_instructions(last))
        .unwrap_or_default()
    {
        let Op::Run { script, .. } = &inst.op else {
            continue;
        };
        if removes_packages(script) {
            continue;
        }
        let tools: Vec<&str> = script
            .commands
            .iter()
            .flat_map(installed_packages)
            .filter(|p| is_build_tool(p))
            .collect();
        if tools.is_empty() {
            continue;
        }
        let shown = tools.iter().take(4).copied().collect::<Vec<_>>().join(", ");
        let more = if tools.len() > 4 {
            format!(" and {} more", tools.len() - 4)
        } else {
            String::new()
        };
        let advice = if multi {
            "install them in a builder stage instead"
        } else {
            "a multi-stage build would leave them out of the image"
        };
        out.add_msg(
            "PL403",
            inst,
            format!("build tools in the final stage ({shown}{more}): {advice}"),
        );
    }
}

// ---- PL404: consecutive RUNs -------------------------------------------------------

fn consecutive_runs(df: &Dockerfile, stage: usize, out: &mut Findings) {
    let insts = df.stage_instructions(stage);
    for pair in insts.windows(2) {
        let (
            Op::Run {
                mounts: a,
                script: sa,
                ..
            },
            Op::Run {
                mounts: b,
                script: sb,
                ..
            },
        ) = (&pair[0].op, &pair[1].op)
        else {
            continue;
        };
        let same_flags = a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.kind == y.kind && x.target == y.target);
        // A RUN that already chains commands was split from its neighbour on purpose.
        // Only single-command RUNs are reported, which is where hadolint 2.x draws the
        // line too, so its pragmas keep matching.
        let short = sa.commands.len() <= 1 && sb.commands.len() <= 1;
        if same_flags && short {
            out.add("PL404", &pair[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_matching() {
        assert!(deletes("/var/lib/apt/lists/*", "/var/lib/apt/lists"));
        assert!(deletes("/tmp/*", "/tmp/app.tar.gz"));
        assert!(deletes("/app/tests", "/app"));
        assert!(!deletes("/var/cache/apt", "/var/lib/apt/lists"));
        assert_eq!(join("/app", "./src/"), "/app/src");
        assert_eq!(join("/", "."), "/");
    }

    #[test]
    fn build_tool_names() {
        assert!(is_build_tool("libpq-dev"));
        assert!(is_build_tool("gcc"));
        assert!(!is_build_tool("ca-certificates"));
    }
}
