//! `plinth scan TARGET…`: known vulnerabilities in images, root filesystems and SBOM files,
//! with Trivy-style gates. The database is only read: scan never touches the network.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use plinth_catalog::eol::{self, EolTable};
use plinth_image::{Collector, Image, NoFiles, SharedLayers};
use plinth_sbom::{Collected, Inventory};
use plinth_scan::policy::{self, Policy};
use plinth_scan::report::{self, TableOptions};
use plinth_scan::{BaseRef, Report, ScanError, TargetReport};
use plinth_secrets::Report as SecretReport;
use plinth_server::Client;
use plinth_vulndb::{DbError, Snapshot, VulnDb};

use super::secrets::Searcher;
use crate::exit::{self, Classify, CmdResult, Failure};
use crate::gate::GateOpts;
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
    #[command(flatten)]
    gate: GateOpts,
    /// Fail the gate (exit 1, or N from --exit-code N) when the database has no advisories
    /// for a target's OS release or for a language ecosystem found in it, or OS packages
    /// could not be keyed (unknown distribution).
    #[arg(long)]
    fail_on_missing_data: bool,
    /// Hide findings that have no fixed version yet.
    #[arg(long)]
    ignore_unfixed: bool,
    /// OpenVEX document; `not_affected` and `fixed` statements suppress findings. Repeatable.
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// The vulnerability database.
    #[arg(long, env = "PLINTH_DB", value_name = "PATH")]
    db: Option<PathBuf>,
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

pub fn run(args: Args) -> CmdResult {
    let policy = build_policy(&args)?;
    let vulns = args.scanners.contains(&ScannerKind::Vuln);
    let secrets = args.scanners.contains(&ScannerKind::Secret);
    if secrets && args.format == Format::CycloneDxJson {
        return Err(Failure::new(
            exit::USAGE,
            anyhow::anyhow!(
                "--scanners secret: secrets have no CycloneDX form; use -f table, json or sarif"
            ),
        ));
    }
    let (report, secrets) = match (vulns, secrets) {
        (true, false) => (Some(vuln_report(&args, &policy)?), None),
        (true, true) => {
            let (report, secrets) = both_reports(&args, &policy)?;
            (Some(report), Some(secrets))
        }
        (false, _) => {
            let secrets = super::secrets::scan(
                &args.targets,
                &args.opts,
                &args.secret,
                &args.tree.skips,
                &policy,
            )?;
            (None, Some(secrets))
        }
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
                show_suppressed: args.gate.show_suppressed,
            },
            out,
        ),
        Format::Json => report::json(report, out),
        Format::Sarif => report::sarif(report, args.gate.show_suppressed, out),
        Format::CycloneDxJson => report::cyclonedx(report, args.gate.show_suppressed, out),
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
            super::secrets::render(secrets, vulns, shape, args.gate.show_suppressed, out)
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
        code = args.gate.exit_code(super::secrets::counted_levels(secrets));
    }
    Ok(ExitCode::from(code))
}

/// Matches every target's packages against the database (or the server's), with `policy`
/// applied.
fn vuln_report(args: &Args, policy: &Policy) -> Result<Report, Failure> {
    let mut db = None;
    let matcher = Matcher::open(args, &mut db)?;
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
    let mut report = Report {
        targets: Vec::new(),
    };
    for target in targets {
        let (inventory, base) = target.inventory(&NoFiles, &shared)?;
        report.targets.push(matcher.target(args, inventory, base)?);
    }
    policy.apply(&mut report);
    Ok(report)
}

/// Vulnerabilities and secrets with one walk of each image: the secret scanner reads the
/// layers' files in the walk that catalogues them. A `dir:` tree is walked twice, since its
/// inventory leaves out what `.gitignore` ignores and a secret scan must not.
fn both_reports(args: &Args, policy: &Policy) -> Result<(Report, SecretReport), Failure> {
    let mut db = None;
    let matcher = Matcher::open(args, &mut db)?;
    let searcher = Searcher::new(&args.secret, &args.tree.skips)?;
    let mut report = Report {
        targets: Vec::new(),
    };
    let mut secrets = SecretReport::default();
    for name in &args.targets {
        let (inventory, base) = match Target::open(name, &args.opts)? {
            Target::Image(image) if !image.is_directory() => {
                let collector = searcher.options.collector(&searcher.scanner);
                let (inventory, layers) =
                    plinth_sbom::inventory_with(&image, &collector, &SharedLayers::default())
                        .map_err(open::classify)?;
                let scanned = plinth_secrets::report_from(
                    &image,
                    &searcher.scanner,
                    &layers,
                    |kept| kept.extra.as_ref(),
                    collector.summary(),
                );
                super::secrets::debug(&scanned);
                secrets.targets.push(scanned);
                (inventory, Some(plinth_scan::base_of(&image)))
            }
            Target::Image(tree) => {
                secrets.targets.push(searcher.scan_image(&tree)?);
                Target::Image(args.tree.apply(tree))
                    .inventory(&NoFiles, &SharedLayers::default())?
            }
            sbom => {
                super::secrets::skip_sbom(name);
                sbom.inventory(&NoFiles, &SharedLayers::default())?
            }
        };
        report.targets.push(matcher.target(args, inventory, base)?);
    }
    policy.apply(&mut report);
    super::secrets::apply(policy, &mut secrets);
    Ok((report, secrets))
}

/// Where findings come from: the local database, or a plinth server (`--server`).
enum Matcher<'a> {
    Local(Box<Snapshot<'a>>),
    Remote(Client),
}

impl<'a> Matcher<'a> {
    /// The server `--server` names, else the database (opened into `db`).
    fn open(args: &Args, db: &'a mut Option<VulnDb>) -> Result<Matcher<'a>, Failure> {
        if let Some(url) = &args.server {
            let client = crate::remote::client(url, args.token.clone(), &args.opts)?;
            return Ok(Matcher::Remote(client));
        }
        let db = db.insert(open_db(args)?);
        Ok(Matcher::Local(Box::new(
            db.snapshot().code(exit::DATABASE)?,
        )))
    }

    /// One target's findings, its coverage judged against end-of-life dates.
    fn target(
        &self,
        args: &Args,
        mut inventory: Inventory,
        base: Option<BaseRef>,
    ) -> Result<TargetReport, Failure> {
        args.tree.filter(&mut inventory);
        let layers = base.as_ref().and_then(|b| b.layers);
        let mut scanned = match self {
            Matcher::Remote(client) => crate::remote::scan(client, &inventory, layers)?,
            Matcher::Local(snapshot) => {
                let mut scanned =
                    plinth_scan::match_inventory(&inventory, snapshot.as_ref(), layers)
                        .code(exit::DATABASE)?;
                let os = scanned.os.clone();
                scanned
                    .coverage
                    .judge_eol(os.as_ref(), &EolTable::default(), eol::today());
                scanned
            }
        };
        scanned.base = base;
        Ok(scanned)
    }
}

/// The exit code the gates give: missing data first, then the findings' severities.
fn gate(report: &Report, args: &Args) -> u8 {
    let missing = |t: &plinth_scan::TargetReport| !t.coverage.missing.is_empty();
    if args.fail_on_missing_data && report.targets.iter().any(missing) {
        return args.gate.failed();
    }
    args.gate
        .exit_code(report.counted().map(|(_, f)| f.severity.level))
}

fn build_policy(args: &Args) -> Result<Policy, Failure> {
    let mut policy = Policy {
        ignore_unfixed: args.ignore_unfixed,
        ..args.gate.policy()?
    };
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

/// The database `--db` names (or the default one), freshened first unless told not to.
fn open_db(args: &Args) -> Result<VulnDb, Failure> {
    let path = args.db.clone().unwrap_or_else(VulnDb::default_path);
    if !(args.opts.offline || args.skip_db_update) {
        freshen_db(
            &path,
            Duration::from_secs(args.db_max_age.saturating_mul(3600)),
        );
    }
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

    /// The inventory, and for an image its base image (name, digest, layers) as far as known.
    fn inventory<E: Collector>(
        self,
        extra: &E,
        shared: &SharedLayers<Collected<E::Item>>,
    ) -> Result<(Inventory, Option<BaseRef>), Failure> {
        match self {
            Target::Sbom(inventory) => Ok((inventory, None)),
            Target::Image(image) => {
                let (inventory, _) =
                    plinth_sbom::inventory_with(&image, extra, shared).map_err(open::classify)?;
                Ok((inventory, Some(plinth_scan::base_of(&image))))
            }
        }
    }
}
