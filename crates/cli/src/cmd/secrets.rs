//! `plinth secrets TARGET…`, and the secret half of `plinth scan --scanners secret`: leaked
//! credentials in every layer of an image (deleted and overwritten copies too), its config
//! and history, or a `dir:` tree. Severity filters, `.trivyignore` ids and exit codes are the
//! ones vulnerability findings use.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plinth_scan::Level;
use plinth_scan::policy::{self, IgnoreRule, Policy};
use plinth_secrets::{Finding, PathFilter, Report, RuleSet, Scanner, Suppressed, report};

use crate::exit::{self, Classify, CmdResult, Failure};
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
    /// Severities to report, comma-separated: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_level, value_name = "LIST")]
    severity: Vec<Level>,
    /// Exit code when findings remain after filters (default 0, like Trivy); with --fail-on,
    /// the code used when that gate fails (default 1).
    #[arg(long, value_name = "N")]
    exit_code: Option<u8>,
    /// Exit 1 when any reported finding is at or above SEVERITY.
    #[arg(long, value_parser = parse_level, value_name = "SEVERITY")]
    fail_on: Option<Level>,
    /// Ignore file: `.trivyignore` lines (rule id [exp:YYYY-MM-DD]) or `.trivyignore.yaml`
    /// with `secrets:` ids and paths (default: ./.trivyignore or ./.trivyignore.yaml).
    #[arg(long, value_name = "FILE")]
    ignorefile: Option<PathBuf>,
    /// List suppressed findings too, marked with who suppressed them.
    #[arg(long)]
    show_suppressed: bool,
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

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| format!("{s:?}: expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"))
}

pub fn run(args: Args) -> CmdResult {
    let mut policy = Policy {
        severities: args.severity.clone(),
        today: policy::today(),
        ..Policy::default()
    };
    let ignorefile = args.ignorefile.clone().or_else(default_ignorefile);
    if let Some(path) = ignorefile {
        let rules = policy::read_ignorefile(&path).code(exit::INPUT)?;
        policy.ignore.push((path, rules));
    }
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
        render(&report, None, shape, args.show_suppressed, out)
    })
    .code(exit::OUTPUT)?;
    let levels = counted_levels(&report);
    Ok(ExitCode::from(gate(&levels, args.fail_on, args.exit_code)))
}

fn default_ignorefile() -> Option<PathBuf> {
    [".trivyignore", ".trivyignore.yaml"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// The exit code the gates give for the levels of the findings that count, as for
/// vulnerabilities: `--fail-on` fails at or above a level, `--exit-code` on any finding.
pub fn gate(levels: &[Level], fail_on: Option<Level>, exit_code: Option<u8>) -> u8 {
    match fail_on {
        Some(level) if levels.iter().any(|&l| l >= level) => {
            exit_code.filter(|&c| c != 0).unwrap_or(exit::POLICY)
        }
        Some(_) => exit::OK,
        None if !levels.is_empty() => exit_code.unwrap_or(exit::OK),
        None => exit::OK,
    }
}

/// The levels of the findings that count.
pub fn counted_levels(report: &Report) -> Vec<Level> {
    report
        .counted()
        .filter_map(|(_, f)| Level::parse(f.severity.as_str()))
        .collect()
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
    let config = flags
        .secret_config
        .clone()
        .or_else(|| Some(PathBuf::from("trivy-secret.yaml")).filter(|p| p.is_file()));
    let rules = match &config {
        Some(path) => RuleSet::from_file(path).code(exit::INPUT)?,
        None => RuleSet::builtin(),
    };
    let scanner = Scanner::new(rules);
    let options = plinth_secrets::Options {
        filter: PathFilter {
            skip_dirs: skips.skip_dirs.clone(),
            skip_files: skips.skip_files.clone(),
        },
        max_size: flags.secret_max_size,
    };
    let mut report = Report::default();
    for target in targets {
        if is_sbom(target) {
            eprintln!("plinth: warning: {target}: an SBOM holds no files; no secrets searched");
            continue;
        }
        let image = open::open(target, opts)?;
        let scanned =
            plinth_secrets::scan_image(&image, &scanner, &options).map_err(open::classify)?;
        debug(&scanned.findings, &scanned.name);
        report.targets.push(scanned);
    }
    for t in &mut report.targets {
        for f in &mut t.findings {
            f.suppressed = suppressed(policy, f);
        }
    }
    Ok(report)
}

fn is_sbom(target: &str) -> bool {
    target.starts_with("sbom:") || plinth_scan::is_json_file(Path::new(target))
}

/// With `PLINTH_DEBUG` set, one stderr line per finding, redacted like every output.
fn debug(findings: &[Finding], name: &str) {
    if std::env::var_os("PLINTH_DEBUG").is_none_or(|v| v.is_empty()) {
        return;
    }
    for f in findings {
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
