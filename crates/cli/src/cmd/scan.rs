//! `plinth scan TARGET…`: known vulnerabilities in images, root filesystems and SBOM files,
//! with Trivy-style gates. The database is only read: scan never touches the network.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plinth_image::{Image, NoFiles, SharedLayers};
use plinth_sbom::{Collected, Inventory};
use plinth_scan::policy::{self, Policy};
use plinth_scan::report::{self, TableOptions};
use plinth_scan::{Level, Report, ScanError};
use plinth_vulndb::{DbError, VulnDb};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::{self, ImageOpts};
use crate::output::write_to;

/// A database older than this is used, with a warning.
const STALE_DAYS: u64 = 7;

#[derive(clap::Args)]
pub struct Args {
    /// Images (docker-archive:, oci-dir:, oci-archive:, registry: or a path), root
    /// filesystems (dir:PATH) or SBOM files (plinth JSON, CycloneDX, SPDX, Syft JSON).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    opts: ImageOpts,
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
    /// Hide findings that have no fixed version yet.
    #[arg(long)]
    ignore_unfixed: bool,
    /// Ignore file: `.trivyignore` lines (ID [exp:YYYY-MM-DD]) or `.trivyignore.yaml`
    /// (default: ./.trivyignore or ./.trivyignore.yaml when present).
    #[arg(long, value_name = "FILE")]
    ignorefile: Option<PathBuf>,
    /// OpenVEX document; `not_affected` and `fixed` statements suppress findings. Repeatable.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// List suppressed findings too, marked with who suppressed them.
    #[arg(long)]
    show_suppressed: bool,
    /// The vulnerability database.
    #[arg(long, env = "PLINTH_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Accepted for Trivy users; scan never downloads (update with `plinth db update`).
    #[arg(long)]
    offline: bool,
    /// No colours in table output (NO_COLOR is honoured too).
    #[arg(long)]
    no_color: bool,
    /// What to look for, comma-separated: vuln, secret (Trivy's flag).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "vuln",
        value_name = "LIST"
    )]
    scanners: Vec<ScannerKind>,
    #[command(flatten)]
    secret: super::secrets::SecretFlags,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum ScannerKind {
    Vuln,
    Secret,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Sarif,
    #[value(name = "cyclonedx-json", alias = "cyclonedx")]
    CycloneDxJson,
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| format!("{s:?}: expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"))
}

pub fn run(args: Args) -> CmdResult {
    let _ = args.offline; // scan is offline by construction
    let policy = build_policy(&args)?;
    let report = if args.scanners.contains(&ScannerKind::Vuln) {
        Some(vuln_report(&args, &policy)?)
    } else {
        None
    };
    let secrets = if args.scanners.contains(&ScannerKind::Secret) {
        if args.format == Format::CycloneDxJson {
            return Err(Failure::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "--scanners secret: secrets have no CycloneDX form; use -f table, json or sarif"
                ),
            ));
        }
        Some(super::secrets::scan(
            &args.targets,
            &args.opts,
            &args.secret,
            &policy,
        )?)
    } else {
        None
    };

    let color = !args.no_color
        && args.output.is_none()
        && secrets.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let render_vulns = |report: &Report, out: &mut dyn std::io::Write| match args.format {
        Format::Table => report::table(
            report,
            TableOptions {
                color,
                show_suppressed: args.show_suppressed,
            },
            out,
        ),
        Format::Json => report::json(report, out),
        Format::Sarif => report::sarif(report, args.show_suppressed, out),
        Format::CycloneDxJson => report::cyclonedx(report, args.show_suppressed, out),
    };
    write_to(args.output.as_deref(), |out| match (&report, &secrets) {
        (Some(report), None) => render_vulns(report, out),
        (report, Some(secrets)) => {
            let mut vulns = Vec::new();
            if let Some(report) = report {
                render_vulns(report, &mut vulns)?;
            }
            let shape = match args.format {
                Format::Json => super::secrets::Shape::Json,
                Format::Sarif => super::secrets::Shape::Sarif,
                _ => super::secrets::Shape::Table,
            };
            let vulns = report.is_some().then_some(vulns.as_slice());
            super::secrets::render(secrets, vulns, shape, args.show_suppressed, out)
        }
        (None, None) => Ok(()),
    })
    .code(exit::OUTPUT)?;
    let mut code = exit::OK;
    if let Some(report) = &report {
        if args.format != Format::Table {
            for t in &report.targets {
                for w in &t.warnings {
                    eprintln!("plinth: warning: {}: {w}", t.name);
                }
            }
        }
        code = gate(report, &args);
    }
    if let Some(secrets) = &secrets
        && code == exit::OK
    {
        let levels = super::secrets::counted_levels(secrets);
        code = super::secrets::gate(&levels, args.fail_on, args.exit_code);
    }
    Ok(ExitCode::from(code))
}

/// Matches every target's packages against the database, with `policy` applied.
fn vuln_report(args: &Args, policy: &Policy) -> Result<Report, Failure> {
    let db = open_db(args.db.clone())?;
    let snapshot = db.snapshot().code(exit::DATABASE)?;

    let mut report = Report {
        targets: Vec::new(),
    };
    let targets = args
        .targets
        .iter()
        .map(|t| Target::open(t, &args.opts))
        .collect::<Result<Vec<_>, _>>()?;
    // Layers that several targets have (a common base; the same image, however packaged)
    // are walked once.
    let shared = SharedLayers::new(targets.iter().filter_map(|t| match t {
        Target::Image(image) => Some(image),
        Target::Sbom(_) => None,
    }));
    for target in targets {
        let (inventory, base) = target.inventory(&shared)?;
        let scanned =
            plinth_scan::match_inventory(&inventory, &snapshot, base).code(exit::DATABASE)?;
        report.targets.push(scanned);
    }
    policy.apply(&mut report);
    Ok(report)
}

/// The exit code the gates give.
fn gate(report: &Report, args: &Args) -> u8 {
    let mut counted = report.counted();
    match args.fail_on {
        Some(level) => {
            if counted.any(|(_, f)| f.severity.level >= level) {
                args.exit_code.filter(|&c| c != 0).unwrap_or(exit::POLICY)
            } else {
                exit::OK
            }
        }
        None if counted.next().is_some() => args.exit_code.unwrap_or(exit::OK),
        None => exit::OK,
    }
}

fn build_policy(args: &Args) -> Result<Policy, Failure> {
    let mut policy = Policy {
        severities: args.severity.clone(),
        ignore_unfixed: args.ignore_unfixed,
        today: policy::today(),
        ..Policy::default()
    };
    let ignorefile = args.ignorefile.clone().or_else(|| {
        [".trivyignore", ".trivyignore.yaml"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    });
    if let Some(path) = ignorefile {
        let rules = policy::read_ignorefile(&path).code(exit::INPUT)?;
        policy.ignore.push((path, rules));
    }
    for path in &args.vex {
        let statements = policy::read_vex(path).code(exit::INPUT)?;
        policy.vex.push((path.clone(), statements));
    }
    Ok(policy)
}

fn open_db(path: Option<PathBuf>) -> Result<VulnDb, Failure> {
    let path = path.unwrap_or_else(VulnDb::default_path);
    let db = match VulnDb::open(&path) {
        Ok(db) => db,
        Err(DbError::Missing { path }) => {
            return Err(Failure::new(
                exit::DATABASE,
                anyhow::anyhow!(
                    "{}: no vulnerability database; get one with `plinth db update` (online) or `plinth db import PATH` (offline), or point --db at one",
                    path.display()
                ),
            ));
        }
        Err(e) => return Err(Failure::new(exit::DATABASE, e)),
    };
    let info = db.info().code(exit::DATABASE)?;
    let days = info.age().as_secs() / 86_400;
    if days > STALE_DAYS {
        eprintln!(
            "plinth: warning: {}: vulnerability database is {days} days old; run `plinth db update`",
            path.display()
        );
    }
    Ok(db)
}

/// What is scanned: an image (or root filesystem) to walk, or an SBOM already read.
enum Target {
    Image(Image),
    Sbom(Inventory),
}

impl Target {
    fn open(target: &str, opts: &ImageOpts) -> Result<Target, Failure> {
        let sbom_path = target
            .strip_prefix("sbom:")
            .map(Path::new)
            .or_else(|| plinth_scan::is_json_file(Path::new(target)).then(|| Path::new(target)));
        match sbom_path {
            Some(path) => plinth_scan::read_sbom(path)
                .map(Target::Sbom)
                .map_err(|e| match e {
                    ScanError::Database(_) => Failure::new(exit::DATABASE, e),
                    _ => Failure::new(exit::INPUT, e),
                }),
            None => open::open(target, opts).map(Target::Image),
        }
    }

    /// The inventory, and for an image the number of its base layers.
    fn inventory(
        self,
        shared: &SharedLayers<Collected<()>>,
    ) -> Result<(Inventory, Option<usize>), Failure> {
        match self {
            Target::Sbom(inventory) => Ok((inventory, None)),
            Target::Image(image) => {
                let (inventory, _) = plinth_sbom::inventory_with(&image, &NoFiles, shared)
                    .map_err(open::classify)?;
                Ok((inventory, plinth_scan::base_layers_of(&image)))
            }
        }
    }
}
