//! plinth-lint: a Dockerfile linter for image hygiene — layer size, build-cache order,
//! pinning and least privilege.
//!
//! It parses a Dockerfile (parse-dockerfile: directives, continuations, heredocs, JSON
//! and shell forms, stages), builds a small model of stages and `RUN` shell commands, and
//! runs a table of rules over it. About thirty rules: the hadolint rules that matter for
//! images (each mapped to its `DL` ID, so hadolint pragmas and `.hadolint.yaml` keep
//! working) and rules hadolint lacks: cleanup in a later layer, cache order of dependency
//! manifests, build tools left in the final stage, missing `USER`, secrets in `ENV`/`ARG`.
//! Renderers write findings as terminal text, JSON or SARIF 2.1.0.
//!
//! It is not a shell linter (no ShellCheck), does not evaluate the build (no context,
//! no base images pulled, no variables beyond global `ARG` defaults in `FROM`), and does
//! not read files: callers pass text or bytes and a display path.
//!
//! ```
//! let findings = plinth_lint::lint("FROM debian\nRUN cd /tmp\n", "Dockerfile", &Default::default()).unwrap();
//! let codes: Vec<_> = findings.iter().map(|d| d.code).collect();
//! assert_eq!(codes, ["PL101", "PL502", "PL201"]);
//! ```

pub mod config;
pub mod diagnostic;
pub mod error;
mod heredoc;
mod model;
mod pragma;
pub mod render;
pub mod rules;
mod shell;
mod source;

pub use config::Config;
pub use diagnostic::{Diagnostic, Severity};
pub use error::LintError;
pub use rules::Rule;

const BOM: &str = "\u{feff}";

/// Lints Dockerfile text. `path` is only used in diagnostics and errors.
pub fn lint(source: &str, path: &str, config: &Config) -> Result<Vec<Diagnostic>, LintError> {
    let text = source.strip_prefix(BOM).unwrap_or(source);
    if !has_instruction(text) {
        return Err(LintError::Empty {
            path: path.to_string(),
        });
    }
    let lines = source::LineIndex::new(text);
    let df = model::Dockerfile::parse(text, path, &lines)?;
    let starts: Vec<usize> = df.instructions.iter().map(|i| i.line).collect();
    let pragmas = pragma::Pragmas::scan(text, &lines, &starts);
    let mut out: Vec<Diagnostic> = rules::check(&df, config)
        .into_iter()
        .filter_map(|f| {
            let rule = rules::find(f.rule)?;
            let level = config.severity(rule)?;
            if pragmas.ignores(rule.id, f.line) {
                return None;
            }
            Some(Diagnostic {
                file: path.to_string(),
                line: f.line,
                column: 1,
                end_line: f.end_line.max(f.line),
                code: rule.id,
                hadolint: rule.hadolint,
                level,
                message: f.message.unwrap_or_else(|| rule.message.to_string()),
                hint: rule.hint,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.line, a.code).cmp(&(b.line, b.code)));
    out.dedup_by(|a, b| a.line == b.line && a.code == b.code);
    Ok(out)
}

/// Lints raw bytes: rejects binary files and invalid UTF-8 with the line of the first bad
/// byte, then lints the text.
pub fn lint_bytes(bytes: &[u8], path: &str, config: &Config) -> Result<Vec<Diagnostic>, LintError> {
    let text = source::decode(bytes, path)?;
    lint(text, path, config)
}

/// True when any finding is at or above the threshold.
pub fn fails(diagnostics: &[Diagnostic], threshold: Severity) -> bool {
    diagnostics.iter().any(|d| d.level >= threshold)
}

/// The documentation `plinth lint --explain ID` prints, by plinth or hadolint ID.
pub fn explain(id: &str) -> Option<String> {
    let r = rules::find(id)?;
    let also = r
        .hadolint
        .map(|h| format!(" (hadolint {h})"))
        .unwrap_or_default();
    let opt = if r.opt_in { ", off by default" } else { "" };
    Some(format!(
        "{}{also}: {}\nseverity: {}{opt}\nfix: {}\n\n{}\n",
        r.id, r.message, r.severity, r.hint, r.doc
    ))
}

/// Any line that is not blank and not a comment.
fn has_instruction(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}
