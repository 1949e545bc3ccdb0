//! `plinth outdated [PATH…]`: newer base-image tags and moved digests for the references in
//! Dockerfiles, compose files and Kubernetes manifests (plinth-outdated), rendered as a table,
//! JSON or a Markdown pull-request body; `--write` applies them.
//!
//! Exit codes: 0 checked (and, with `--exit-code`, nothing outdated), 1 with `--exit-code`
//! when an update is proposed (`exit::POLICY`), 3 a file or the config could not be read
//! (`exit::INPUT`), 6 a rewrite failed (`exit::OUTPUT`). A reference whose registry fails is
//! listed under `skipped` and the rest are still checked.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::anyhow;
use plinth_outdated::cache::DiskCache;
use plinth_outdated::config::Pattern;
use plinth_outdated::{Config, Input, Kind, Lookup, Options, Report, Settings, report, rewrite};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::ImageOpts;
use crate::output;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct Args {
    /// Dockerfiles, compose files, Kubernetes manifests or directories of them [default: the
    /// current directory's Dockerfile, *.Dockerfile, compose and manifest files].
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    format: Format,
    /// Rewrite the files in place (atomically): the largest allowed update of each reference.
    #[arg(long)]
    write: bool,
    /// Only these update types (comma-separated: major, minor, patch, digest, pinDigest,
    /// variant), in the report and for --write.
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    only: Vec<String>,
    /// Exit 1 when any update is proposed (a CI gate).
    #[arg(long)]
    exit_code: bool,
    /// Do not check this image (any tag, or only TAG); repeatable.
    #[arg(long, value_name = "IMAGE[:TAG]")]
    ignore: Vec<String>,
    /// Propose pinning digests (pinDigest) for references without one.
    #[arg(long)]
    pin: bool,
    /// Config file with an `outdated:` section [default: ./.plinth.yaml when present].
    #[arg(short, long)]
    config: Option<PathBuf>,
    /// Tags asked for per page of a tag list.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    page_size: usize,
    /// Pages of a tag list read at most; a list cut there is reported.
    #[arg(long, value_name = "N", default_value_t = 50)]
    max_pages: usize,
    /// Where to keep registry answers, for the global --cache-ttl (default here 1h; 0: ask
    /// every time) [default: $XDG_CACHE_HOME/plinth/outdated or ~/.cache/plinth/outdated].
    #[arg(long, value_name = "DIR", env = "PLINTH_OUTDATED_CACHE")]
    cache_dir: Option<PathBuf>,
    /// References checked at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    parallel: usize,
    #[command(flatten)]
    opts: ImageOpts,
}

pub fn run(args: Args, cache_opts: &super::cache::CacheOpts) -> CmdResult {
    let ttl = cache_opts.ttl()?.unwrap_or(DEFAULT_TTL);
    let only = only_kinds(&args.only)?;
    let mut config = load_config(args.config.as_ref())?;
    for i in &args.ignore {
        let pattern = Pattern::parse(i)
            .map_err(|e| Failure::new(exit::USAGE, anyhow!("--ignore {i:?}: {e}")))?;
        config.ignore.push(pattern);
    }
    if args.page_size == 0 || args.max_pages == 0 {
        return Err(Failure::new(
            exit::USAGE,
            anyhow!("--page-size and --max-pages must be at least 1"),
        ));
    }
    let mut registry = args.opts.registry()?;
    registry.progress = false;
    let settings = Settings {
        registry,
        page_size: args.page_size,
        max_pages: args.max_pages,
        cache: cache(&args, ttl),
    };
    let files = plinth_outdated::inputs::discover(&args.paths)
        .map_err(|e| Failure::new(exit::INPUT, anyhow!("listing the input directory: {e}")))?;
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    for path in &files {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => inputs.push(Input {
                    file: path.display().to_string(),
                    text,
                }),
                Err(_) => unreadable.push(format!("{}: not UTF-8 text", path.display())),
            },
            Err(e) => unreadable.push(format!("{}: {e}", path.display())),
        }
    }
    let opts = Options {
        pin: args.pin,
        config,
        platform: args.opts.platform()?,
        parallel: args.parallel.max(1),
    };
    let lookup = Lookup::new(settings);
    let mut report = plinth_outdated::check(&inputs, &opts, &lookup);
    if let Some(only) = &only {
        report.updates.retain(|u| only.contains(&u.update_type));
    }
    output::write_to(None, |w| match args.format {
        Format::Table => report::table(&report, w),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        }
        Format::Markdown => report::markdown(&report, w),
    })
    .code(exit::OUTPUT)?;
    if args.write {
        write(&inputs, &report, only.as_deref())?;
    }
    if let Some(first) = unreadable.first() {
        for u in &unreadable {
            eprintln!("plinth: {u}");
        }
        return Err(Failure::new(exit::INPUT, anyhow!("{first}")));
    }
    if args.exit_code && !report.updates.is_empty() {
        return Ok(ExitCode::from(exit::POLICY));
    }
    Ok(ExitCode::SUCCESS)
}

fn only_kinds(list: &[String]) -> Result<Option<Vec<Kind>>, Failure> {
    if list.is_empty() {
        return Ok(None);
    }
    list.iter()
        .map(|k| {
            Kind::parse(k.trim()).ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    anyhow!(
                        "--only {k:?}: expected major, minor, patch, digest, pinDigest or variant"
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, Failure> {
    let (path, required) = match path {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from(".plinth.yaml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Config::default());
        }
        Err(e) => {
            return Err(Failure::new(
                exit::INPUT,
                anyhow!("{}: {e}", path.display()),
            ));
        }
    };
    Config::from_yaml(&path.display().to_string(), &text)
        .map_err(|e| Failure::new(exit::INPUT, anyhow!(e)))
}

/// How long registry answers are kept when --cache-ttl does not say.
const DEFAULT_TTL: Duration = Duration::from_secs(3600);

fn cache(args: &Args, ttl: Duration) -> Option<DiskCache> {
    if ttl.is_zero() {
        return None;
    }
    let dir = args.cache_dir.clone().or_else(|| {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("plinth/outdated"))
    })?;
    Some(DiskCache { dir, ttl })
}

/// Applies the chosen updates file by file; a file that fails is left as it was.
fn write(inputs: &[Input], report: &Report, only: Option<&[Kind]>) -> Result<(), Failure> {
    let chosen = rewrite::choose(&report.updates, only);
    let mut failed = None;
    for input in inputs {
        let mine: Vec<_> = chosen
            .iter()
            .copied()
            .filter(|u| u.file == input.file)
            .collect();
        if mine.is_empty() {
            continue;
        }
        // Read again: a file edited since the check fails here instead of losing the edit.
        let path = std::path::Path::new(&input.file);
        let result = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e}", input.file))
            .and_then(|now| rewrite::apply_to_text(&input.file, &now, &mine))
            .and_then(|text| {
                rewrite::write_atomic(path, &text)
                    .map_err(|e| format!("writing {}: {e}", input.file))
            });
        match result {
            Ok(()) => eprintln!("rewrote {}: {} reference(s)", input.file, mine.len()),
            Err(e) => {
                eprintln!("plinth: {e}");
                failed.get_or_insert(e);
            }
        }
    }
    match failed {
        Some(e) => Err(Failure::new(exit::OUTPUT, anyhow!(e))),
        None => Ok(()),
    }
}
