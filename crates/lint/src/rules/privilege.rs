//! Least privilege: which user the container runs as, and secrets baked into the image.

use super::Findings;
use crate::model::{Dockerfile, Op};

pub fn check(df: &Dockerfile, out: &mut Findings) {
    users(df, out);
    secrets(df, out);
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name == "root" || name == "0"
}

/// The last USER of a stage, looking through the stages it is built FROM.
fn last_user(df: &Dockerfile, stage: usize) -> Option<(usize, &str)> {
    let mut at = Some(stage);
    while let Some(s) = at {
        let found = df
            .stage_instructions(s)
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, inst)| match &inst.op {
                Op::User(u) => Some((df.stages[s].from + i, u.as_str())),
                _ => None,
            });
        if found.is_some() {
            return found;
        }
        at = df.stages[s].parent;
    }
    None
}

fn users(df: &Dockerfile, out: &mut Findings) {
    let Some(stage) = df.stages.last() else {
        return;
    };
    match last_user(df, df.final_stage()) {
        Some((i, user)) if is_root(user) => {
            // Only a USER inside the final stage itself is reported; an inherited one is
            // reported where the final FROM is.
            if df.instructions[i].stage == Some(df.final_stage()) {
                out.add("PL501", &df.instructions[i]);
            }
        }
        Some(_) => {}
        None => {
            let mut root_stage = df.final_stage();
            while let Some(p) = df.stages[root_stage].parent {
                root_stage = p;
            }
            let image = df.stages[root_stage].image.to_ascii_lowercase();
            if !image.contains("nonroot") && !df.stages[root_stage].unresolved {
                let from = &df.instructions[stage.from];
                out.add_msg(
                    "PL502",
                    from,
                    format!(
                        "the final stage (FROM {}) never sets USER, so the container runs as root",
                        stage.image
                    ),
                );
            }
        }
    }
}

const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "credential",
    "client_secret",
];

/// Names that point at a secret rather than hold one (`*_FILE`, `*_PATH`).
const POINTER_SUFFIXES: &[&str] = &["_file", "_path", "_dir", "_url", "_env", "_name", "_length"];

pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let secretish = SECRET_WORDS.iter().any(|w| lower.contains(w))
        || lower.split('_').any(|part| part == "pass" || part == "pwd");
    secretish && !POINTER_SUFFIXES.iter().any(|s| lower.ends_with(s)) && !lower.contains("public")
}

fn secrets(df: &Dockerfile, out: &mut Findings) {
    for inst in &df.instructions {
        match &inst.op {
            Op::Env(vars) => {
                if let Some((k, _)) = vars
                    .iter()
                    .find(|(k, v)| !v.is_empty() && is_secret_name(k))
                {
                    out.add_msg(
                        "PL503",
                        inst,
                        format!("ENV {k} puts a secret in the image config"),
                    );
                }
            }
            Op::Arg(vars) => {
                if let Some((k, _)) = vars.iter().find(|(k, _)| is_secret_name(k)) {
                    out.add_msg(
                        "PL503",
                        inst,
                        format!("ARG {k} leaves a secret in the build history"),
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_name;

    #[test]
    fn secret_names() {
        for yes in [
            "DB_PASSWORD",
            "NPM_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "MYSQL_ROOT_PASS",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "GPG_KEY",
            "POSTGRES_PASSWORD_FILE",
            "PATH",
            "TOKEN_URL",
            "PYTHON_VERSION",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }
}
