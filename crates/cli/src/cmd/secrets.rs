//! `plinth secrets TARGET…`, and the secret half of `plinth scan --scanners secret`: leaked
//! credentials in every layer of an image (deleted and overwritten copies too), its config
//! and history, or a `dir:` tree. Severity filters, `.trivyignore` ids and exit codes are the
//! ones vulnerability findings use.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plinth_image::Image;
use plinth_scan::Level;
use plinth_scan::policy::{self, IgnoreRule, Policy};
use plinth_secrets::{
    Finding, PathFilter, Report, RuleSet, Scanner, Suppressed, TargetReport, report,
};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::gate::GateOpts;
use crate::open::{self, ImageOpts, SkipOpts};
use crate::output::write_to;

#[derive(clap::Args)]
pub struct Args {
    /// Images (docker-archive:, oci-dir:, oci-archive:, registry: or a path) or source trees
    /// and root filesystems (dir:PATH).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    opts: ImageOpts,
    #[command(flatten)]
    secret: SecretFlags,
    #[command(flatten)]
    skips: SkipOpts,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    gate: GateOpts,
}

/// The secret scanner's own flags, shared with `plinth scan` (Trivy's names).
#[derive(clap::Args, Clone, Default)]
pub struct SecretFlags {
    /// Trivy secret rule config (`rules`, `allow-rules`, `enable-builtin-rules`,
    /// `disable-rules`, `disable-allow-rules`); default ./trivy-secret.yaml when present.
    #[arg(long, value_name = "FILE")]
    secret_config: Option<PathBuf>,
    /// Larger files are skipped and counted in the summary (e.g. 10MB, 1GiB).
    #[arg(long, value_name = "SIZE", value_parser = crate::dive_ci::parse_size, default_value = "10MiB")]
    secret_max_size: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Sarif,
}

/// How `plinth scan` wants secrets rendered next to vulnerabilities.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Table,
    Json,
    Sarif,
}

pub fn run(args: Args) -> CmdResult {
    let policy = args.gate.policy()?;
    let report = scan(
        &args.targets,
        &args.opts,
        &args.secret,
        &args.skips,
        &policy,
    )?;
    let shape = match args.format {
        Format::Table => Shape::Table,
        Format::Json => Shape::Json,
        Format::Sarif => Shape::Sarif,
    };
    write_to(args.output.as_deref(), |out| {
        render(&report, None, shape, args.gate.show_suppressed, out)
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::from(args.gate.exit_code(counted_levels(&report))))
}

/// The levels of the findings that count.
pub fn counted_levels(report: &Report) -> impl Iterator<Item = Level> + '_ {
    report
        .counted()
        .filter_map(|(_, f)| Level::parse(f.severity.as_str()))
}

/// Scans every target that is an image or a tree (SBOM files hold no file contents and
/// are skipped with a warning) and applies `policy`.
pub fn scan(
    targets: &[String],
    opts: &ImageOpts,
    flags: &SecretFlags,
    skips: &SkipOpts,
    policy: &Policy,
) -> Result<Report, Failure> {
    let searcher = Searcher::new(flags, skips)?;
    let mut report = Report::default();
    for target in targets {
        if is_sbom(target) {
            skip_sbom(target);
            continue;
        }
        let image = open::open(target, opts)?;
        report.targets.push(searcher.scan_image(&image)?);
    }
    apply(policy, &mut report);
    Ok(report)
}

/// The rules (a `trivy-secret.yaml` when given or present, else the built-in set) and what
/// to leave out, ready to search.
pub struct Searcher {
    pub scanner: Scanner,
    pub options: plinth_secrets::Options,
}

impl Searcher {
    pub fn new(flags: &SecretFlags, skips: &SkipOpts) -> Result<Searcher, Failure> {
        let config = flags
            .secret_config
            .clone()
            .or_else(|| Some(PathBuf::from("trivy-secret.yaml")).filter(|p| p.is_file()));
        let rules = match &config {
            Some(path) => RuleSet::from_file(path).code(exit::INPUT)?,
            None => RuleSet::builtin(),
        };
        Ok(Searcher {
            scanner: Scanner::new(rules),
            options: plinth_secrets::Options {
                filter: PathFilter {
                    skip_dirs: skips.skip_dirs.clone(),
                    skip_files: skips.skip_files.clone(),
                },
                max_size: flags.secret_max_size,
            },
        })
    }

    /// One walk of `image` for secrets alone.
    pub fn scan_image(&self, image: &Image) -> Result<TargetReport, Failure> {
        let scanned = plinth_secrets::scan_image(image, &self.scanner, &self.options)
            .map_err(open::classify)?;
        debug(&scanned);
        Ok(scanned)
    }
}

/// Marks the findings `policy` suppresses.
pub fn apply(policy: &Policy, report: &mut Report) {
    for t in &mut report.targets {
        for f in &mut t.findings {
            f.suppressed = suppressed(policy, f);
        }
    }
}

pub fn skip_sbom(target: &str) {
    eprintln!("plinth: warning: {target}: an SBOM holds no files; no secrets searched");
}

pub fn is_sbom(target: &str) -> bool {
    target.starts_with("sbom:") || plinth_scan::is_json_file(Path::new(target))
}

/// With `PLINTH_DEBUG` set, one stderr line per finding, redacted like every output.
pub fn debug(scanned: &TargetReport) {
    if std::env::var_os("PLINTH_DEBUG").is_none_or(|v| v.is_empty()) {
        return;
    }
    let name = &scanned.name;
    for f in &scanned.findings {
        eprintln!(
            "plinth: debug: {name}: {} {}:{} layer {:?}: {}",
            f.rule_id, f.target, f.line, f.layer, f.redacted
        );
    }
}

/// The policy vulnerability findings get: `.trivyignore` ids (the rule id, as Trivy), with
/// expiry dates and paths, then the severity filter.
fn suppressed(policy: &Policy, f: &Finding) -> Option<Suppressed> {
    for (path, rules) in &policy.ignore {
        if let Some(r) = rules.iter().find(|r| ignores(r, f, &policy.today)) {
            return Some(Suppressed {
                by: format!("ignorefile:{}", path.display()),
                reason: r.reason.clone(),
            });
        }
    }
    let level = Level::parse(f.severity.as_str()).unwrap_or(Level::Unknown);
    if !policy.severities.is_empty() && !policy.severities.contains(&level) {
        return Some(Suppressed {
            by: "severity".into(),
            reason: Some(format!("{} not in --severity", level.as_str())),
        });
    }
    None
}

fn ignores(r: &IgnoreRule, f: &Finding, today: &str) -> bool {
    let live = r.expires.as_deref().is_none_or(|d| d >= today);
    let path_ok = r.paths.is_empty()
        || r.paths.iter().any(|p| {
            policy::glob(p, f.target.trim_start_matches('/')) || policy::glob(p, &f.target)
        });
    r.id == f.rule_id && live && path_ok
}

/// Renders secrets alone, or after a vulnerability report already rendered in the same
/// shape (`vulns`): tables follow each other, JSON gains a `secrets` key, SARIF a second run.
pub fn render(
    report: &Report,
    vulns: Option<&[u8]>,
    shape: Shape,
    show_suppressed: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match (shape, vulns) {
        (Shape::Table, vulns) => {
            if let Some(v) = vulns {
                out.write_all(v)?;
                writeln!(out)?;
            }
            report::table(report, show_suppressed, out)
        }
        (Shape::Json, None) => report::json(report, out),
        (Shape::Sarif, None) => report::sarif(report, show_suppressed, out),
        (Shape::Json, Some(v)) => {
            let mut doc: serde_json::Value = serde_json::from_slice(v)?;
            doc["secrets"] = serde_json::to_value(report)?;
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        (Shape::Sarif, Some(v)) => {
            let mut doc: serde_json::Value = serde_json::from_slice(v)?;
            let run = report::sarif_run(report, show_suppressed);
            match doc["runs"].as_array_mut() {
                Some(runs) => runs.push(run),
                None => doc = report::sarif_log(vec![run]),
            }
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
    }
}
