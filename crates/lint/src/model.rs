//! The Dockerfile as rules see it: instructions with their lines, grouped into stages,
//! with `RUN` bodies split into shell commands and `FROM` images expanded from global
//! `ARG`s. Built from parse-dockerfile's syntax tree; rules never see that tree.

use std::collections::HashMap;

use parse_dockerfile as pd;

use crate::error::LintError;
use crate::heredoc::{self, HereDocs};
use crate::shell::Script;
use crate::source::LineIndex;

/// A parsed Dockerfile.
#[derive(Debug)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// `# escape=` directive, `\` by default.
    pub escape: char,
    /// `# syntax=` directive.
    pub syntax: Option<String>,
}

/// One `FROM` and the instructions after it up to the next `FROM`.
#[derive(Debug)]
pub struct Stage {
    /// Image as written after `FROM`, with global `ARG` defaults expanded.
    pub image: String,
    /// True when a variable in the image could not be expanded.
    pub unresolved: bool,
    /// `AS name`, lower-cased (Docker compares stage names case-insensitively).
    pub name: Option<String>,
    /// The earlier stage this one is built `FROM`, if any.
    pub parent: Option<usize>,
    /// Index of the `FROM` in `Dockerfile::instructions`; the stage runs to the next one.
    pub from: usize,
    pub end: usize,
}

#[derive(Debug)]
pub struct Instruction {
    pub line: usize,
    pub end_line: usize,
    /// The stage this instruction belongs to; `None` for `ARG`s before the first `FROM`.
    pub stage: Option<usize>,
    pub op: Op,
}

/// A `RUN --mount=type=cache,target=/x` and the like.
#[derive(Debug, Clone)]
pub struct Mount {
    pub kind: String,
    pub target: String,
}

#[derive(Debug)]
pub enum Op {
    From {
        /// The image text as written, before expansion.
        image: String,
        name: Option<String>,
    },
    Run {
        script: Script,
        mounts: Vec<Mount>,
        /// The script came (at least in part) from a heredoc.
        heredoc: bool,
    },
    Copy {
        add: bool,
        from: Option<String>,
        sources: Vec<String>,
        dest: String,
        chown: bool,
    },
    Cmd {
        exec: bool,
        /// The command's words: the exec form's strings, or the shell form split on spaces.
        words: Vec<String>,
    },
    Entrypoint {
        exec: bool,
        words: Vec<String>,
    },
    User(String),
    Workdir(String),
    Env(Vec<(String, String)>),
    Arg(Vec<(String, Option<String>)>),
    Shell(Vec<String>),
    Maintainer,
    /// Any other instruction, by its upper-case keyword.
    Other(&'static str),
}

impl Dockerfile {
    /// Parses text (BOM already stripped) into the model.
    pub fn parse(text: &str, path: &str, lines: &LineIndex) -> Result<Dockerfile, LintError> {
        let parse_error = |e: pd::Error| LintError::Parse {
            path: path.to_string(),
            line: e.line().max(1),
            message: format!("{e:#}"),
        };
        let (escape, syntax) = directives(text);
        let (text, docs) = heredoc::extract(text, escape, path)?;
        let mut instructions = Vec::new();
        for item in pd::parse_iter(&text).map_err(parse_error)? {
            let inst = item.map_err(parse_error)?;
            instructions.push(convert(inst, escape, lines, &docs));
        }
        let mut df = Dockerfile {
            instructions,
            stages: Vec::new(),
            escape,
            syntax,
        };
        df.build_stages();
        Ok(df)
    }

    fn build_stages(&mut self) {
        let mut global: HashMap<String, String> = HashMap::new();
        let mut current: Option<usize> = None;
        let count = self.instructions.len();
        for i in 0..count {
            match &self.instructions[i].op {
                Op::Arg(args) if current.is_none() => {
                    for (k, v) in args {
                        global.insert(k.clone(), v.clone().unwrap_or_default());
                    }
                }
                Op::From { image, name } => {
                    if let Some(prev) = current {
                        self.stages[prev].end = i;
                    }
                    let stage = self.stages.len();
                    let name = name.as_ref().map(|n| n.to_ascii_lowercase());
                    let (image, unresolved) = expand(image, &global);
                    let parent = self.stages.iter().position(|s| {
                        s.name.as_deref() == Some(image.to_ascii_lowercase().as_str())
                    });
                    self.stages.push(Stage {
                        image,
                        unresolved,
                        name,
                        parent,
                        from: i,
                        end: count,
                    });
                    current = Some(stage);
                }
                _ => {}
            }
            self.instructions[i].stage = current;
        }
    }

    /// Instructions of a stage, `FROM` included.
    pub fn stage_instructions(&self, stage: usize) -> &[Instruction] {
        let s = &self.stages[stage];
        &self.instructions[s.from..s.end]
    }

    /// Index of the last stage, which is what `docker build` ships by default.
    pub fn final_stage(&self) -> usize {
        self.stages.len().saturating_sub(1)
    }

    /// True for the final stage and the stages it is built `FROM` (directly or through
    /// others): their layers end up in the shipped image.
    pub fn ships(&self, stage: usize) -> bool {
        let mut at = Some(self.final_stage());
        while let Some(s) = at {
            if s == stage {
                return true;
            }
            at = self.stages.get(s).and_then(|s| s.parent);
        }
        false
    }
}

/// Reads `# escape=` and `# syntax=` from the leading comment block. (parse-dockerfile
/// applies them too but does not expose them through its streaming API.)
fn directives(text: &str) -> (char, Option<String>) {
    let mut escape = '\\';
    let mut syntax = None;
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "escape" => escape = value.chars().next().unwrap_or('\\'),
            "syntax" => syntax = Some(value.to_string()),
            "check" => {}
            _ => break,
        }
    }
    (escape, syntax)
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` from global `ARG` defaults. The flag is
/// true when some variable had no value, so rules about tags cannot judge the image.
pub fn expand(text: &str, vars: &HashMap<String, String>) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut unresolved = false;
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        let (name, default, after) = if let Some(inner) = rest.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                unresolved = true;
                break;
            };
            let body = &inner[..close];
            let (name, default) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (body, None),
            };
            (name, default, &inner[close + 1..])
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], None, &rest[end..])
        };
        match vars
            .get(name)
            .filter(|v| !v.is_empty())
            .map(String::as_str)
            .or(default)
        {
            Some(v) => out.push_str(v),
            None => unresolved = true,
        }
        rest = after;
    }
    out.push_str(rest);
    (out, unresolved)
}

fn convert(
    inst: pd::Instruction<'_>,
    escape: char,
    lines: &LineIndex,
    docs: &HereDocs,
) -> Instruction {
    let mut ends: Vec<usize> = Vec::new();
    let (start, op) = match inst {
        pd::Instruction::From(f) => {
            ends.push(f.image.span.end);
            if let Some((_, n)) = &f.as_ {
                ends.push(n.span.end);
            }
            let name = f.as_.map(|(_, n)| n.value.into_owned());
            (
                f.from.span.start,
                Op::From {
                    image: f.image.value.into_owned(),
                    name,
                },
            )
        }
        pd::Instruction::Run(r) => {
            let mounts = mounts(&r.options);
            let line = lines.line(r.run.span.start);
            let bodies = docs.bodies(line);
            let script = match r.arguments {
                pd::Command::Exec(words) => {
                    ends.push(words.span.end);
                    Script::from_words(
                        words
                            .value
                            .into_iter()
                            .map(|w| w.value.into_owned())
                            .collect(),
                    )
                }
                pd::Command::Shell(text) => {
                    ends.push(text.span.end);
                    shell_script(text.value, bodies, escape)
                }
                _ => Script::default(),
            };
            (
                r.run.span.start,
                Op::Run {
                    script,
                    mounts,
                    heredoc: !bodies.is_empty(),
                },
            )
        }
        pd::Instruction::Copy(c) => {
            ends.push(c.dest.span.end);
            let line = lines.line(c.copy.span.start);
            let op = copy_op(
                false,
                &c.options,
                &c.src,
                c.dest.value.into_owned(),
                docs,
                line,
            );
            (c.copy.span.start, op)
        }
        pd::Instruction::Add(c) => {
            ends.push(c.dest.span.end);
            let line = lines.line(c.add.span.start);
            let op = copy_op(
                true,
                &c.options,
                &c.src,
                c.dest.value.into_owned(),
                docs,
                line,
            );
            (c.add.span.start, op)
        }
        pd::Instruction::Cmd(c) => {
            ends.push(command_end(&c.arguments));
            (
                c.cmd.span.start,
                Op::Cmd {
                    exec: matches!(c.arguments, pd::Command::Exec(_)),
                    words: command_words(&c.arguments),
                },
            )
        }
        pd::Instruction::Entrypoint(c) => {
            ends.push(command_end(&c.arguments));
            let exec = matches!(c.arguments, pd::Command::Exec(_));
            let words = command_words(&c.arguments);
            (c.entrypoint.span.start, Op::Entrypoint { exec, words })
        }
        pd::Instruction::User(u) => {
            ends.push(u.arguments.span.end);
            (
                u.user.span.start,
                Op::User(u.arguments.value.trim().to_string()),
            )
        }
        pd::Instruction::Workdir(w) => {
            ends.push(w.arguments.span.end);
            (
                w.workdir.span.start,
                Op::Workdir(w.arguments.value.trim().to_string()),
            )
        }
        pd::Instruction::Env(e) => {
            ends.push(e.arguments.span.end);
            (e.env.span.start, Op::Env(key_values(&e.arguments.value)))
        }
        pd::Instruction::Arg(a) => {
            ends.push(a.arguments.span.end);
            let args = key_values(&a.arguments.value)
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        (!v.is_empty() || a.arguments.value.contains('=')).then_some(v),
                    )
                })
                .collect();
            (a.arg.span.start, Op::Arg(args))
        }
        pd::Instruction::Shell(s) => {
            let words = s.arguments.iter().map(|w| w.value.to_string()).collect();
            (s.shell.span.start, Op::Shell(words))
        }
        pd::Instruction::Maintainer(m) => (m.maintainer.span.start, Op::Maintainer),
        pd::Instruction::Expose(i) => (i.expose.span.start, Op::Other("EXPOSE")),
        pd::Instruction::Healthcheck(i) => (i.healthcheck.span.start, Op::Other("HEALTHCHECK")),
        pd::Instruction::Label(i) => {
            ends.push(i.arguments.span.end);
            (i.label.span.start, Op::Other("LABEL"))
        }
        pd::Instruction::Onbuild(i) => (i.onbuild.span.start, Op::Other("ONBUILD")),
        pd::Instruction::Stopsignal(i) => (i.stopsignal.span.start, Op::Other("STOPSIGNAL")),
        pd::Instruction::Volume(i) => (i.volume.span.start, Op::Other("VOLUME")),
        _ => (0, Op::Other("UNKNOWN")),
    };
    let line = lines.line(start);
    let end = ends.into_iter().max().unwrap_or(start).max(start);
    let end_line = lines.line(end.saturating_sub(1).max(start));
    let end_line = docs.end_line(line).unwrap_or(end_line).max(end_line);
    Instruction {
        line,
        end_line,
        stage: None,
        op,
    }
}

fn command_words(c: &pd::Command<'_>) -> Vec<String> {
    match c {
        pd::Command::Exec(w) => w.value.iter().map(|s| s.value.to_string()).collect(),
        pd::Command::Shell(t) => t.value.split_whitespace().map(String::from).collect(),
        _ => Vec::new(),
    }
}

fn command_end(c: &pd::Command<'_>) -> usize {
    match c {
        pd::Command::Exec(w) => w.span.end,
        pd::Command::Shell(t) => t.span.end,
        _ => 0,
    }
}

fn mounts(options: &[pd::Flag<'_>]) -> Vec<Mount> {
    options
        .iter()
        .filter(|f| f.name.value == "mount")
        .filter_map(|f| f.value.as_ref())
        .map(|v| {
            let mut m = Mount {
                kind: "bind".into(),
                target: String::new(),
            };
            for part in v.value.split(',') {
                match part.split_once('=') {
                    Some(("type", t)) => m.kind = t.to_string(),
                    Some(("target" | "dst" | "destination", t)) => m.target = t.to_string(),
                    _ => {}
                }
            }
            m
        })
        .collect()
}

fn copy_op(
    add: bool,
    options: &[pd::Flag<'_>],
    src: &[pd::Source<'_>],
    dest: String,
    docs: &HereDocs,
    line: usize,
) -> Op {
    let flag = |name: &str| {
        options.iter().find(|f| f.name.value == name).map(|f| {
            f.value
                .as_ref()
                .map(|v| v.value.to_string())
                .unwrap_or_default()
        })
    };
    let sources = src
        .iter()
        .map(|s| match s {
            pd::Source::Path(p) if docs.is_delimiter(line, &p.value) => "<<heredoc".to_string(),
            pd::Source::Path(p) => p.value.to_string(),
            pd::Source::HereDoc(_) => "<<heredoc".to_string(),
            #[allow(unreachable_patterns)]
            _ => String::new(),
        })
        .collect();
    Op::Copy {
        add,
        from: flag("from"),
        sources,
        dest,
        chown: flag("chown").is_some(),
    }
}

/// The shell text of a `RUN`, with line continuations and the comment lines between
/// them removed, and heredoc bodies appended when they are the script itself
/// (`RUN <<EOF` or `RUN bash <<EOF`), so they are linted like any `RUN`. A heredoc fed
/// to another program (`RUN python3 <<EOF`) is not shell and is left out.
fn shell_script(raw: &str, bodies: &[heredoc::Body], escape: char) -> Script {
    let mut text = join_continuations(raw, escape);
    if !bodies.is_empty() {
        let command: Vec<&str> = text
            .split_whitespace()
            .filter(|w| {
                !bodies
                    .iter()
                    .any(|b| w.trim_matches(['"', '\'']) == b.delimiter)
            })
            .collect();
        let first = command.first().map(|w| crate::shell::base_name(w));
        let is_shell = matches!(first, None | Some("sh" | "bash" | "ash" | "dash" | "zsh"));
        text = command.join(" ");
        if is_shell {
            for b in bodies {
                text.push('\n');
                text.push_str(&b.text);
            }
        }
    }
    Script::parse(&text)
}

fn join_continuations(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut continued = false;
    for line in raw.split('\n') {
        let trimmed = line.trim_start();
        if continued && (trimmed.starts_with('#') || trimmed.is_empty()) {
            continue;
        }
        let body = line.trim_end();
        if let Some(head) = body.strip_suffix(escape) {
            out.push_str(head);
            out.push(' ');
            continued = true;
        } else {
            out.push_str(line);
            out.push('\n');
            continued = false;
        }
    }
    out
}

/// `KEY=value KEY2="v w"` or the legacy `KEY value with spaces`.
fn key_values(text: &str) -> Vec<(String, String)> {
    let trimmed = text.trim();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        // Legacy form: one key, the rest of the line is the value.
        let (k, v) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        if k.is_empty() {
            return Vec::new();
        }
        return vec![(k.to_string(), v.trim().to_string())];
    }
    crate::shell::split_words(trimmed)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (w, String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_global_args() {
        let vars = HashMap::from([("TAG".to_string(), "3.12".to_string())]);
        assert_eq!(
            expand("python:${TAG}-slim", &vars),
            ("python:3.12-slim".into(), false)
        );
        assert_eq!(expand("$BASE", &vars), ("".into(), true));
        assert_eq!(expand("node:${V:-20}", &vars), ("node:20".into(), false));
    }

    #[test]
    fn key_values_forms() {
        assert_eq!(
            key_values("A=1 B=\"two words\""),
            [("A".into(), "1".into()), ("B".into(), "two words".into())]
        );
        assert_eq!(
            key_values("GPG_KEY ABC DEF"),
            [("GPG_KEY".into(), "ABC DEF".into())]
        );
    }
}
