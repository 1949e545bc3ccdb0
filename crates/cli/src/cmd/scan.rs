//! `plinth scan TARGET…`: known vulnerabilities in images, root filesystems and SBOM files,
//! with Trivy-style gates. The database is only read: scan never touches the network.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use plinth_catalog::eol::{self, EolTable};
use plinth_image::{Image, NoFiles, SharedLayers};
use plinth_sbom::{Collected, Inventory};
use plinth_scan::policy::{self, Policy};
use plinth_scan::report::{self, TableOptions};
use plinth_scan::{Level, Report, ScanError, TargetReport};
use plinth_vulndb::{DbError, VulnDb};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::{self, ImageOpts, TreeOpts};
use crate::output::write_to;

/// A database older than this is used, with a warning (when it could not be refreshed).
const STALE_DAYS: u64 = 7;

#[derive(clap::Args)]
pub struct Args {
    /// Images (docker-archive:, oci-dir:, oci-archive:, registry: or a path), root
    /// filesystems (dir:PATH) or SBOM files (plinth JSON, CycloneDX, SPDX, Syft JSON).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    opts: ImageOpts,
    #[command(flatten)]
    tree: TreeOpts,
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
    /// Fail the gate (exit 1, or N from --exit-code N) when the database has no advisories
    /// for a target's OS release or for a language ecosystem found in it, or OS packages
    /// could not be keyed (unknown distribution).
    #[arg(long)]
    fail_on_missing_data: bool,
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
    /// Never download: scan with the database as it is (a missing one is an error).
    #[arg(long)]
    offline: bool,
    /// Do not download or refresh the database before scanning (as --offline).
    #[arg(long)]
    skip_db_update: bool,
    /// Refresh the database first (what `plinth db update` fetches, ETag-conditional) when it is
    /// older than this many hours; a missing one is always downloaded.
    #[arg(
        long,
        env = "PLINTH_DB_MAX_AGE",
        default_value_t = 24,
        value_name = "HOURS"
    )]
    db_max_age: u64,
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
    /// Match through a plinth server: images are walked here, only their inventories are
    /// sent; no local database is needed.
    #[arg(long, env = "PLINTH_SERVER", value_name = "URL")]
    server: Option<String>,
    /// Token for --server (sent as Trivy-Token).
    #[arg(long, env = "PLINTH_TOKEN", value_name = "TOKEN", requires = "server")]
    token: Option<String>,
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
            &args.tree.skips,
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
        for t in &report.targets {
            // The table already shows warnings; coverage gaps go to stderr in every format,
            // so a CI log shows them even when the report goes to a file.
            let warnings = t.warnings.iter().filter(|_| args.format != Format::Table);
            for w in warnings.chain(&t.coverage_lines()) {
                eprintln!("plinth: warning: {}: {w}", t.name);
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

/// Matches every target's packages against the database (or the server's), with `policy`
/// applied.
fn vuln_report(args: &Args, policy: &Policy) -> Result<Report, Failure> {
    let mut report = match &args.server {
        Some(url) => {
            let client = crate::remote::client(url, args.token.clone(), &args.opts)?;
            scan_targets(args, |inventory, base| {
                crate::remote::scan(&client, inventory, base)
            })?
        }
        None => {
            let db_path = args.db.clone().unwrap_or_else(VulnDb::default_path);
            if !(args.offline || args.skip_db_update) {
                freshen_db(
                    &db_path,
                    Duration::from_secs(args.db_max_age.saturating_mul(3600)),
                );
            }
            let db = open_db(db_path)?;
            let snapshot = db.snapshot().code(exit::DATABASE)?;
            let eol_table = EolTable::default();
            let today = eol::today();
            scan_targets(args, |inventory, base| {
                let mut scanned = plinth_scan::match_inventory(inventory, &snapshot, base)
                    .code(exit::DATABASE)?;
                let os = scanned.os.clone();
                scanned.coverage.judge_eol(os.as_ref(), &eol_table, today);
                Ok(scanned)
            })?
        }
    };
    policy.apply(&mut report);
    Ok(report)
}

/// Each target's inventory, matched by `matcher`.
fn scan_targets(
    args: &Args,
    mut matcher: impl FnMut(&Inventory, Option<usize>) -> Result<TargetReport, Failure>,
) -> Result<Report, Failure> {
    let mut report = Report {
        targets: Vec::new(),
    };
    let targets = args
        .targets
        .iter()
        .map(|t| {
            Target::open(t, &args.opts).map(|target| match target {
                Target::Image(image) => Target::Image(args.tree.apply(image)),
                sbom => sbom,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Layers that several targets have (a common base; the same image, however packaged)
    // are walked once.
    let shared = SharedLayers::new(targets.iter().filter_map(|t| match t {
        Target::Image(image) => Some(image),
        Target::Sbom(_) => None,
    }));
    for target in targets {
        let (mut inventory, base) = target.inventory(&shared)?;
        args.tree.filter(&mut inventory);
        report.targets.push(matcher(&inventory, base)?);
    }
    Ok(report)
}

/// The exit code the gates give.
fn gate(report: &Report, args: &Args) -> u8 {
    let failed = || args.exit_code.filter(|&c| c != 0).unwrap_or(exit::POLICY);
    if args.fail_on_missing_data
        && report
            .targets
            .iter()
            .any(|t| !t.coverage.missing.is_empty())
    {
        return failed();
    }
    let mut counted = report.counted();
    match args.fail_on {
        Some(level) => {
            if counted.any(|(_, f)| f.severity.level >= level) {
                failed()
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

/// Downloads the database when there is none, or refreshes it when it is older than
/// `max_age`, as Trivy and Grype do on first use. A failed refresh of an existing database is
/// a warning: the scan goes on with the data it has. A corrupt file is left for `open_db` to
/// report, never overwritten behind the user's back.
fn freshen_db(path: &Path, max_age: Duration) {
    let why = match VulnDb::open(path) {
        Err(DbError::Missing { .. }) => "there is none",
        Err(DbError::Schema { .. }) => "it was written by another plinth version",
        Err(_) => return,
        Ok(db) => match db.info() {
            Ok(info) if info.age() >= max_age => "it is older than --db-max-age",
            _ => return,
        },
    };
    eprintln!(
        "plinth: downloading the vulnerability database to {} ({why}; --offline or --skip-db-update to skip)",
        path.display()
    );
    if let Err(failure) = crate::cmd::db::update_with_config(path) {
        eprintln!("plinth: warning: database update: {:#}", failure.error);
    }
}

fn open_db(path: PathBuf) -> Result<VulnDb, Failure> {
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
