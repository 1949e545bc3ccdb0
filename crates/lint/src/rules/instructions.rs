//! Instructions other than `RUN` and `FROM`: WORKDIR, ADD, CMD, ENTRYPOINT, MAINTAINER.

use super::Findings;
use crate::model::{Dockerfile, Op};

/// Extensions ADD unpacks; for these ADD is the right instruction.
const ARCHIVES: &[&str] = &[
    ".tar", ".z", ".bz2", ".gz", ".lz", ".lzma", ".tz", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz", ".zst",
];

pub fn check(df: &Dockerfile, out: &mut Findings) {
    for (s, _) in df.stages.iter().enumerate() {
        let (mut cmds, mut entrypoints) = (0, 0);
        for inst in df.stage_instructions(s) {
            match &inst.op {
                Op::Workdir(dir) => {
                    let absolute = dir.starts_with('/')
                        || dir.starts_with('$')
                        || dir.starts_with('"')
                        || dir.get(1..3).is_some_and(|d| d == ":\\" || d == ":/");
                    if !absolute {
                        out.add_msg(
                            "PL301",
                            inst,
                            format!("WORKDIR {dir} is not an absolute path"),
                        );
                    }
                }
                Op::Copy {
                    add: true, sources, ..
                } if sources.iter().any(|s| is_local_file(s)) => {
                    out.add("PL302", inst);
                }
                Op::Cmd { exec, .. } => {
                    cmds += 1;
                    if cmds > 1 {
                        out.add("PL303", inst);
                    }
                    if !exec {
                        out.add_msg("PL305", inst, "CMD in shell form".into());
                    }
                }
                Op::Entrypoint { exec, .. } => {
                    entrypoints += 1;
                    if entrypoints > 1 {
                        out.add("PL304", inst);
                    }
                    if !exec {
                        out.add_msg("PL305", inst, "ENTRYPOINT in shell form".into());
                    }
                }
                Op::Maintainer => out.add("PL306", inst),
                _ => {}
            }
        }
    }
}

fn is_local_file(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    let url = lower.contains("://") || lower.starts_with("git@");
    let archive = ARCHIVES.iter().any(|ext| lower.ends_with(ext));
    !url && !archive && !source.starts_with("<<")
}
