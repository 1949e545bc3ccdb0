//! `plinth lint`: lint Dockerfiles. Reads the files, calls plinth-lint, renders.
//!
//! Exit codes: 0 no finding at or above the failure threshold, 1 there was one
//! (`exit::POLICY`), 3 a file could not be read or parsed (`exit::INPUT`; the other
//! files are still linted and reported).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::anyhow;
use plinth_lint::{Config, Diagnostic, LintError, Severity};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::output;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Tty,
    Json,
    Sarif,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Threshold {
    Error,
    Warning,
    Info,
    Style,
    /// Never fail on findings.
    None,
}

#[derive(clap::Args)]
pub struct Args {
    /// Dockerfiles to lint; `-` reads standard input.
    #[arg(default_value = "Dockerfile")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "tty")]
    format: Format,
    /// Exit 1 when a finding is at or above this severity [default: info, or the config's].
    #[arg(short = 't', long, value_enum)]
    failure_threshold: Option<Threshold>,
    /// Config file (.plinth.yaml or .hadolint.yaml format). Default: ./.plinth.yaml, then
    /// ./.hadolint.yaml.
    #[arg(short, long)]
    config: Option<PathBuf>,
    /// Switch a rule off (plinth or hadolint ID); repeatable.
    #[arg(long, value_name = "ID")]
    ignore: Vec<String>,
    /// Switch an opt-in rule on (e.g. PL107 digest pinning, PL214 apt pins); repeatable.
    #[arg(long, value_name = "ID")]
    enable: Vec<String>,
    /// Only allow FROM images from this registry (DL3026); repeatable.
    #[arg(long, value_name = "REGISTRY")]
    trusted_registry: Vec<String>,
    /// Print what a rule checks and why, then exit.
    #[arg(long, value_name = "ID", conflicts_with = "list_rules")]
    explain: Option<String>,
    /// List every rule with its ID, hadolint ID, severity and message, then exit.
    #[arg(long)]
    list_rules: bool,
    /// No colours in tty output (NO_COLOR is honoured too).
    #[arg(long)]
    no_color: bool,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> CmdResult {
    if let Some(id) = &args.explain {
        let text = plinth_lint::explain(id).ok_or_else(|| {
            Failure::new(
                exit::USAGE,
                anyhow!("unknown rule {id:?} (see --list-rules)"),
            )
        })?;
        output::write_to(None, |w| w.write_all(text.as_bytes())).code(exit::OUTPUT)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.list_rules {
        output::write_to(None, list_rules).code(exit::OUTPUT)?;
        return Ok(ExitCode::SUCCESS);
    }
    let config = config(&args)?;
    let threshold = match args.failure_threshold {
        Some(Threshold::None) => None,
        Some(t) => Some(severity(t)),
        None => Some(config.failure_threshold),
    };

    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut failed = 0;
    for path in &args.files {
        match lint_file(path, &config) {
            Ok(d) => diagnostics.extend(d),
            Err(e) => {
                failed += 1;
                eprintln!("plinth: {e}");
            }
        }
    }

    let color = matches!(args.format, Format::Tty)
        && !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && args.output.is_none()
        && std::io::stdout().is_terminal();
    output::write_to(args.output.as_deref(), |w| match args.format {
        Format::Tty => plinth_lint::render::tty(w, &diagnostics, color),
        Format::Json => plinth_lint::render::json(w, &diagnostics),
        Format::Sarif => plinth_lint::render::sarif(w, &diagnostics),
    })
    .code(exit::OUTPUT)?;

    if failed > 0 {
        let n = args.files.len();
        return Err(Failure::new(
            exit::INPUT,
            anyhow!("{failed} of {n} Dockerfile(s) could not be linted"),
        ));
    }
    let fail = threshold.is_some_and(|t| plinth_lint::fails(&diagnostics, t));
    Ok(if fail {
        ExitCode::from(exit::POLICY)
    } else {
        ExitCode::SUCCESS
    })
}

fn severity(t: Threshold) -> Severity {
    match t {
        Threshold::Error => Severity::Error,
        Threshold::Warning => Severity::Warning,
        Threshold::Info | Threshold::None => Severity::Info,
        Threshold::Style => Severity::Style,
    }
}

/// The config file named with --config, else the first of .plinth.yaml and .hadolint.yaml
/// found in the current directory, plus the command-line additions.
fn config(args: &Args) -> Result<Config, Failure> {
    let found = args.config.clone().or_else(|| {
        [
            ".plinth.yaml",
            ".plinth.yml",
            ".hadolint.yaml",
            ".hadolint.yml",
        ]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    });
    let mut config = match found {
        Some(path) => Config::load(&path).code(exit::INPUT)?,
        None => Config::default(),
    };
    for id in args.ignore.iter().chain(&args.enable) {
        if plinth_lint::rules::find(id).is_none() {
            return Err(Failure::new(
                exit::USAGE,
                anyhow!("unknown rule {id:?} (see --list-rules)"),
            ));
        }
    }
    config.ignore(args.ignore.iter().map(String::as_str));
    config.enable(args.enable.iter().map(String::as_str));
    config
        .trusted_registries
        .extend(args.trusted_registry.iter().cloned());
    Ok(config)
}

fn lint_file(path: &Path, config: &Config) -> Result<Vec<Diagnostic>, LintError> {
    let shown = path.to_string_lossy();
    let mut bytes = Vec::new();
    let read = if shown == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(|_| ())
    };
    read.map_err(|source| LintError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    plinth_lint::lint_bytes(&bytes, &shown, config)
}

fn list_rules(w: &mut dyn std::io::Write) -> std::io::Result<()> {
    for r in plinth_lint::rules::all() {
        let dl = r.hadolint.unwrap_or("-");
        let opt = if r.opt_in { " (opt-in)" } else { "" };
        writeln!(
            w,
            "{:<6} {:<7} {:<8} {}{opt}",
            r.id,
            dl,
            r.severity.as_str(),
            r.message
        )?;
    }
    Ok(())
}
