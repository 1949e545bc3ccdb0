//! PL109: the shipped image stands on a compiler or SDK image and only runs what was built.
//! Moving the build into a stage of its own and copying the artifact onto a runtime base is
//! the first and biggest size (and attack surface) saving a Dockerfile can make.
//!
//! The toolchain is judged from the image name and tag (`golang`, `rust`, `maven`, `gradle`,
//! `gcc`, `openjdk`, `*-jdk`, `*sdk*`, `*-devel`); `node` and `python` count only when the
//! stage builds with them (a bundler run, compilers installed for native modules). The
//! command decides whether the toolchain is still needed: `go run`, `cargo run`, `mvn`,
//! `gradle`, npm scripts and watchers, Jupyter keep it, and an inherited command (none
//! written in the stage) is not judged.

use super::Findings;
use crate::model::{Dockerfile, Instruction, Op};
use crate::shell::Command;

pub fn check(df: &Dockerfile, out: &mut Findings) {
    if df.stages.is_empty() {
        return;
    }
    // A final stage built FROM another stage ships that stage's base.
    let stages = shipped_stages(df);
    let base = &df.stages[stages[0]];
    if base.unresolved {
        return;
    }
    let chain: Vec<&Instruction> = stages
        .into_iter()
        .flat_map(|s| df.stage_instructions(s))
        .collect();
    let Some(toolchain) = toolchain_of(&base.image, &chain) else {
        return;
    };
    let Some((inst, command)) = chain.iter().rev().find_map(|i| match &i.op {
        Op::Entrypoint { words, .. } | Op::Cmd { words, .. } if !words.is_empty() => {
            Some((*i, words))
        }
        _ => None,
    }) else {
        return;
    };
    if needs_toolchain_at_run_time(command) {
        return;
    }
    out.add_msg(
        "PL109",
        &df.instructions[base.from],
        format!(
            "the final image is the {} toolchain image {} and only runs `{}` (line {}): build in a stage of its own and copy the result onto {}",
            toolchain.name,
            base.image,
            command.join(" "),
            inst.line,
            toolchain.runtime
        ),
    );
}

/// The final stage and the stages it is built FROM, the one on an image first.
fn shipped_stages(df: &Dockerfile) -> Vec<usize> {
    let mut at = df.final_stage();
    let mut chain = vec![at];
    while let Some(parent) = df.stages[at].parent {
        chain.push(parent);
        at = parent;
    }
    chain.reverse();
    chain
}

struct Toolchain {
    name: &'static str,
    runtime: &'static str,
}

/// Which toolchain `image` is, and the runtime base that fits what it builds.
fn toolchain_of(image: &str, chain: &[&Instruction]) -> Option<Toolchain> {
    let image = image.to_ascii_lowercase();
    let without_digest = image.split('@').next().unwrap_or(&image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let (repo, tag) = last.split_once(':').unwrap_or((last, ""));
    let t = |name, runtime| Some(Toolchain { name, runtime });
    match repo {
        "golang" => t(
            "Go",
            "gcr.io/distroless/static-debian12 or scratch (build with CGO_ENABLED=0)",
        ),
        "rust" => t(
            "Rust",
            "gcr.io/distroless/cc-debian12 (or scratch for a musl static build)",
        ),
        "maven" | "gradle" => t("JVM build", "a JRE image such as eclipse-temurin:21-jre"),
        "openjdk" | "eclipse-temurin" | "amazoncorretto" | "sapmachine"
            if repo == "openjdk" || tag.contains("jdk") =>
        {
            t("JDK", "a JRE image such as eclipse-temurin:21-jre")
        }
        "gcc" => t("C/C++", "gcr.io/distroless/cc-debian12 or debian:12-slim"),
        "node" if chain.iter().any(|i| runs(i, is_js_build)) => t(
            "Node.js build",
            "node:<version>-slim with the build output and production dependencies only (npm ci --omit=dev)",
        ),
        "python" if chain.iter().any(|i| runs(i, installs_build_deps)) => t(
            "Python build",
            "python:<version>-slim with the wheels or virtualenv built in the first stage",
        ),
        "sdk" if without_digest.contains("dotnet") => {
            t(".NET SDK", "mcr.microsoft.com/dotnet/runtime or aspnet")
        }
        _ if repo.ends_with("-sdk") || tag.contains("sdk") => {
            t("SDK", "the matching runtime image")
        }
        _ if repo.ends_with("-devel") || tag.contains("devel") => {
            t("development", "the matching -runtime (or -base) variant")
        }
        _ => None,
    }
}

/// A RUN instruction with a command matching `pred`.
fn runs(inst: &Instruction, pred: fn(&Command) -> bool) -> bool {
    match &inst.op {
        Op::Run { script, .. } => script.commands.iter().any(pred),
        _ => false,
    }
}

fn is_js_build(c: &Command) -> bool {
    let args = c.args();
    let first = args.first().map(String::as_str);
    match c.name() {
        "npm" | "pnpm" => first == Some("run") && args.get(1).is_some_and(|s| s.contains("build")),
        "yarn" => first.is_some_and(|s| s.contains("build")),
        "tsc" | "webpack" | "esbuild" | "rollup" => true,
        "npx" | "vite" | "next" | "ng" => args.iter().any(|a| a == "build" || a == "tsc"),
        _ => false,
    }
}

fn installs_build_deps(c: &Command) -> bool {
    let installs = match c.name() {
        "apt-get" | "apt" | "yum" | "dnf" | "microdnf" => c.args().iter().any(|a| a == "install"),
        "apk" => c.args().iter().any(|a| a == "add"),
        _ => false,
    };
    installs
        && c.args().iter().any(|a| {
            // `gcc=4:12.2.0-3` pins a version; the package is the part before `=`.
            let a = a.split('=').next().unwrap_or(a);
            matches!(
                a,
                "build-essential" | "build-base" | "gcc" | "g++" | "make" | "cmake"
            ) || a.ends_with("-dev")
                || a.ends_with("-devel")
        })
}

/// Commands that run sources or tooling, not a built artifact.
fn needs_toolchain_at_run_time(words: &[String]) -> bool {
    const TOOLING: &[&str] = &[
        "go",
        "cargo",
        "mvn",
        "mvnw",
        "gradle",
        "gradlew",
        "make",
        "gcc",
        "cc",
        "javac",
        "npm",
        "yarn",
        "pnpm",
        "npx",
        "nodemon",
        "ts-node",
        "tsx",
        "jupyter",
        "jupyter-lab",
        "jupyter-notebook",
        "ipython",
        "pytest",
        "tox",
    ];
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    // `sh -c "go run ."`: the words of the script count as well.
    let words: Vec<String> = words
        .iter()
        .flat_map(|w| w.split_whitespace().map(base).collect::<Vec<_>>())
        .collect();
    let dotnet_tooling = words
        .windows(2)
        .any(|w| w[0] == "dotnet" && matches!(w[1].as_str(), "run" | "watch" | "test" | "build"));
    dotnet_tooling || words.iter().any(|w| TOOLING.contains(&w.as_str()))
}
