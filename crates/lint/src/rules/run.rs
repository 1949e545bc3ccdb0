//! What `RUN` does: shell habits (cd, sudo, pipes) and package managers (apt, apk, pip,
//! dnf, yum, zypper).

use super::Findings;
use crate::model::{Dockerfile, Instruction, Mount, Op};
use crate::shell::{Command, Script};

/// What earlier instructions of the stage set up, which later `RUN`s depend on.
#[derive(Default)]
struct StageState {
    /// The current SHELL has `-o pipefail`, or is not a POSIX shell at all.
    pipefail: bool,
    pip_no_cache: bool,
}

pub fn check(df: &Dockerfile, out: &mut Findings) {
    for (s, _) in df.stages.iter().enumerate() {
        let mut state = StageState::default();
        let mut downloaders: Vec<&'static str> = Vec::new();
        for inst in df.stage_instructions(s) {
            match &inst.op {
                Op::Shell(words) => state.pipefail = shell_has_pipefail(words),
                Op::Env(vars)
                    if vars
                        .iter()
                        .any(|(k, v)| k == "PIP_NO_CACHE_DIR" && is_truthy(v)) =>
                {
                    state.pip_no_cache = true;
                }
                Op::Run { script, mounts, .. } => {
                    shell_habits(inst, script, &state, out);
                    apt(df, s, inst, script, mounts, out);
                    apk(inst, script, mounts, out);
                    pip(inst, script, mounts, &state, out);
                    rpm_family(inst, script, out);
                    both_downloaders(inst, script, &mut downloaders, out);
                }
                _ => {}
            }
        }
    }
}

fn shell_has_pipefail(words: &[String]) -> bool {
    let shell = words
        .first()
        .map(|w| crate::shell::base_name(w))
        .unwrap_or("");
    let posix = matches!(
        shell,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
    );
    !posix || words.windows(2).any(|w| w[0] == "-o" && w[1] == "pipefail")
}

fn shell_habits(inst: &Instruction, script: &Script, state: &StageState, out: &mut Findings) {
    if script.commands.iter().any(|c| c.name() == "cd") {
        out.add("PL201", inst);
    }
    if script
        .commands
        .iter()
        .any(|c| c.words.first().is_some_and(|w| w == "sudo"))
    {
        out.add("PL202", inst);
    }
    if script.has_pipe && !state.pipefail && !script.sets_pipefail() {
        out.add("PL203", inst);
    }
}

fn has_cache_mount(mounts: &[Mount], prefixes: &[&str]) -> bool {
    mounts
        .iter()
        .any(|m| m.kind == "cache" && prefixes.iter().any(|p| m.target.starts_with(p)))
}

fn apt(
    df: &Dockerfile,
    stage: usize,
    inst: &Instruction,
    script: &Script,
    mounts: &[Mount],
    out: &mut Findings,
) {
    let installs: Vec<&Command> = script
        .commands
        .iter()
        .filter(|c| c.is("apt-get", &["install"]))
        .collect();
    for c in &installs {
        let assume_yes = c.has_flag(&["yes", "assume-yes", "force-yes"], &['y'])
            || c.args()
                .iter()
                .any(|a| a == "-qq" || a == "-q=2" || a == "--quiet=2");
        if !assume_yes {
            out.add("PL210", inst);
        }
        let no_recommends = c.has_flag(&["no-install-recommends"], &[])
            || c.args()
                .iter()
                .any(|a| a.contains("Install-Recommends=false"));
        if !no_recommends {
            out.add("PL211", inst);
        }
        let unpinned: Vec<&str> = c
            .operands()
            .filter(|p| !p.contains('=') && !p.ends_with(".deb"))
            .collect();
        if !unpinned.is_empty() {
            out.add_msg(
                "PL214",
                inst,
                format!(
                    "apt-get install without version pins: {}",
                    unpinned.join(" ")
                ),
            );
        }
    }
    let updates = script
        .commands
        .iter()
        .any(|c| c.is("apt-get", &["update"]) || c.is("apt", &["update"]));
    if updates {
        let removes_lists = script.commands.iter().any(|c| {
            c.name() == "rm" && c.args().iter().any(|a| a.starts_with("/var/lib/apt/lists"))
        });
        if !removes_lists && df.ships(stage) && !has_cache_mount(mounts, &["/var/lib/apt"]) {
            out.add("PL212", inst);
        }
        let installs_any = script.commands.iter().any(|c| {
            c.is(
                "apt-get",
                &["install", "upgrade", "dist-upgrade", "build-dep", "source"],
            ) || c.is(
                "apt",
                &["install", "upgrade", "full-upgrade", "dist-upgrade"],
            )
        });
        if !installs_any {
            out.add("PL215", inst);
        }
    }
    if script.commands.iter().any(|c| c.name() == "apt") {
        out.add("PL213", inst);
    }
}

fn apk(inst: &Instruction, script: &Script, mounts: &[Mount], out: &mut Findings) {
    let cached = has_cache_mount(mounts, &["/var/cache/apk", "/etc/apk/cache"]);
    for c in script.commands.iter().filter(|c| c.is("apk", &["add"])) {
        if !c.has_flag(&["no-cache"], &[]) && !cached {
            out.add("PL220", inst);
        }
    }
}

/// `pip`, `pip3`, `pip3.12`, `python -m pip`, `python3 -m pip`.
pub fn pip_install(c: &Command) -> bool {
    let name = c.name();
    let args = c.args();
    let rest = if name == "pip"
        || (name.starts_with("pip") && name[3..].chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
    {
        args
    } else if name.starts_with("python") && args.len() >= 2 && args[0] == "-m" && args[1] == "pip" {
        &args[2..]
    } else {
        return false;
    };
    rest.iter()
        .find(|a| !a.starts_with('-'))
        .is_some_and(|s| s == "install")
}

fn pip(
    inst: &Instruction,
    script: &Script,
    mounts: &[Mount],
    state: &StageState,
    out: &mut Findings,
) {
    if state.pip_no_cache || has_cache_mount(mounts, &["/root/.cache", "/root/.cache/pip"]) {
        return;
    }
    let offending = script.commands.iter().any(|c| {
        pip_install(c)
            && !c
                .args()
                .iter()
                .any(|a| a == "--no-cache-dir" || a.starts_with("--no-cache-dir="))
    });
    if offending {
        out.add("PL230", inst);
    }
}

fn rpm_family(inst: &Instruction, script: &Script, out: &mut Findings) {
    let clean = |names: &[&str], cache: &str| {
        script.commands.iter().any(|c| {
            (names.contains(&c.name()) && matches!(c.subcommand(), Some("clean" | "cc")))
                || (c.name() == "rm" && c.args().iter().any(|a| a.starts_with(cache)))
        })
    };
    let installs = |names: &[&str], subs: &[&str]| {
        script
            .commands
            .iter()
            .any(|c| names.contains(&c.name()) && c.subcommand().is_some_and(|s| subs.contains(&s)))
    };
    if installs(
        &["dnf", "microdnf"],
        &["install", "groupinstall", "localinstall"],
    ) && !clean(&["dnf", "microdnf"], "/var/cache/dnf")
    {
        out.add("PL240", inst);
    }
    if installs(&["yum"], &["install", "groupinstall", "localinstall"])
        && !clean(&["yum"], "/var/cache/yum")
    {
        out.add("PL241", inst);
    }
    if installs(&["zypper"], &["install", "in"]) && !clean(&["zypper"], "/var/cache/zypp") {
        out.add("PL242", inst);
    }
}

/// pip reads these as "on" in PIP_NO_CACHE_DIR.
fn is_truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "on" | "yes")
}

/// Once a stage has used both curl and wget, every RUN in it that uses either is
/// reported (hadolint's DL4001 does the same, so pragmas line up).
fn both_downloaders(
    inst: &Instruction,
    script: &Script,
    seen: &mut Vec<&'static str>,
    out: &mut Findings,
) {
    let here: Vec<&'static str> = ["curl", "wget"]
        .into_iter()
        .filter(|t| script.commands.iter().any(|c| c.name() == *t))
        .collect();
    for t in &here {
        if !seen.contains(t) {
            seen.push(t);
        }
    }
    if !here.is_empty() && seen.len() == 2 {
        out.add_msg(
            "PL204",
            inst,
            "both wget and curl are used in this stage".into(),
        );
    }
}
