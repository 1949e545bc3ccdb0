//! `plinth db`: build, update, import, export and inspect the local vulnerability database;
//! publish it to a registry (`push`) and install it from one (`update --repository`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::anyhow;
use plinth_registry::{ArtifactFile, BlobPush, PushOptions};
use plinth_vulndb::{Config, DbError, DbInfo, Outcome, UpdateOptions, VulnDb, artifact};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::{self, ImageOpts};
use crate::render::bytes;

#[derive(clap::Args)]
pub struct Args {
    /// The database file [default: $XDG_CACHE_HOME/plinth/vuln.redb, else ~/.cache/plinth/vuln.redb]
    #[arg(long, global = true, value_name = "PATH", env = "PLINTH_DB")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(clap::Subcommand)]
enum DbCommand {
    /// Download the advisory feeds (OSV exports, Alpine/Wolfi/Chainguard secdb, Debian tracker,
    /// Azure Linux OVAL) and rebuild. Red Hat CSAF VEX, Amazon Linux ALAS and SUSE/openSUSE OVAL
    /// are large or specialised: fetched only when `--ecosystems` names them.
    Update(UpdateArgs),
    /// Build from local files, directories, OSV zips or a bundle made by `db export`.
    Import {
        /// OSV JSON files or directories, `all.zip` exports, Alpine secdb JSON/YAML, Debian
        /// tracker JSON, or a bundle.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Write the whole database as a single-file bundle for `db import` on another machine.
    Export {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Publish the database to a registry as an OCI artifact (the `db export` bundle,
    /// zstd-compressed), for `db update --repository` on every other machine.
    Push(PushArgs),
    /// Sources, per-ecosystem counts, build time and age.
    Info {
        /// Output format.
        #[arg(short = 'f', long, value_enum, default_value_t = InfoFormat::Table)]
        format: InfoFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum InfoFormat {
    Table,
    Json,
}

/// Registry login and transport, as `pull` takes them.
#[derive(clap::Args)]
struct RegistryLogin {
    /// Registry username (the password comes from --password-stdin); default: Docker's
    /// config.json and credential helpers.
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    username: Option<String>,
    /// Read the registry password or token from standard input.
    #[arg(long, requires = "username")]
    password_stdin: bool,
    /// Allow plain HTTP to the registry if it does not answer HTTPS (always allowed for
    /// localhost and 127.0.0.0/8).
    #[arg(long)]
    insecure: bool,
    /// Also trust the CA certificates in this PEM file (repeatable; SSL_CERT_FILE is read too).
    #[arg(long = "ca-cert", value_name = "PEM")]
    ca_certs: Vec<PathBuf>,
}

impl RegistryLogin {
    fn given(&self) -> bool {
        self.username.is_some() || self.insecure || !self.ca_certs.is_empty()
    }

    fn options(&self, timeout: Option<f64>) -> Result<plinth_registry::Options, Failure> {
        ImageOpts {
            username: self.username.clone(),
            password_stdin: self.password_stdin,
            insecure: self.insecure,
            ca_certs: self.ca_certs.clone(),
            timeout,
            platform: None,
            offline: false,
        }
        .registry()
    }
}

#[derive(clap::Args)]
struct PushArgs {
    /// Where to publish: REGISTRY/REPOSITORY[:TAG]. Repeat to publish to several: later ones on
    /// the same registry mount the bundle from the first instead of uploading it again.
    #[arg(required = true, value_name = "REF")]
    references: Vec<String>,
    #[command(flatten)]
    login: RegistryLogin,
    /// Give up on a registry that sends nothing for this long, in seconds (default 30).
    #[arg(long, value_name = "SECONDS", env = "PLINTH_REGISTRY_TIMEOUT")]
    timeout: Option<f64>,
}

#[derive(clap::Args)]
struct UpdateArgs {
    /// Install the database `plinth db push` published at this reference instead of building
    /// it from the feeds: its digest verified while it downloads, its schema checked, swapped in
    /// whole.
    #[arg(long, value_name = "REF", conflicts_with_all = ["sources", "config", "ecosystems", "nvd"])]
    repository: Option<String>,
    #[command(flatten)]
    login: RegistryLogin,
    /// A mirror serving the upstream paths (`/PyPI/all.zip`, `/v3.20/main.json`,
    /// `/tracker/data/json`); repeat to try several in order. Replaces upstream.
    #[arg(long = "db-source", value_name = "URL")]
    sources: Vec<String>,
    /// Config file (`mirror = URL`, `ecosystems = …`, `osv = …`, `alpine = …`) [default:
    /// $XDG_CONFIG_HOME/plinth/db.conf when it exists]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fetch only these ecosystems (comma-separated: Go,PyPI,npm,Alpine,Debian,Ubuntu,…). Opt-in
    /// vendor feeds, fetched only when named here: `Red Hat` (the whole CSAF VEX archive),
    /// `Amazon Linux` (ALAS updateinfo of 2 and 2023), `SUSE` (SLES 15 OVAL), `openSUSE` (Leap
    /// 15.6 OVAL).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    ecosystems: Vec<String>,
    /// Seconds to wait to connect, and for each read before a server counts as stalled.
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Extra attempts per URL for 5xx answers, timeouts and broken transfers.
    #[arg(long, value_name = "N")]
    retries: Option<u32>,
    /// Downloads at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    parallel: usize,
    /// No progress bars (they are drawn only when stderr is a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Also update CVE severities from NVD's CVE API 2.0: everything on the first run, then only
    /// what changed since the last one.
    #[arg(long)]
    nvd: bool,
    /// NVD API key (sent as `apiKey`; NVD allows ten times the request rate with one).
    #[arg(long, env = "NVD_API_KEY", value_name = "KEY", hide_env_values = true)]
    nvd_api_key: Option<String>,
    /// NVD CVE API 2.0 endpoint, for a mirror.
    #[arg(long, value_name = "URL", default_value = plinth_vulndb::NVD_API)]
    nvd_url: String,
}

pub fn run(args: Args) -> CmdResult {
    let path = args.db.unwrap_or_else(VulnDb::default_path);
    match args.command {
        DbCommand::Update(update) => run_update(&path, update),
        DbCommand::Import { paths } => run_import(&path, &paths),
        DbCommand::Export { file } => run_export(&path, &file),
        DbCommand::Push(push) => run_push(&path, &push),
        DbCommand::Info { format } => run_info(&path, format),
    }
}

/// The exit code for a library error: bad input, network, or the database itself.
fn classify(error: &DbError) -> u8 {
    match error {
        DbError::Http { .. } => exit::NETWORK,
        DbError::Missing { .. }
        | DbError::Schema { .. }
        | DbError::Store { .. }
        | DbError::Corrupt { .. } => exit::DATABASE,
        _ => exit::INPUT,
    }
}

fn fail(error: DbError) -> Failure {
    Failure::new(classify(&error), error)
}

fn update_options(args: &UpdateArgs) -> Result<UpdateOptions, Failure> {
    let config = match &args.config {
        Some(file) => Config::load(file).map_err(fail)?,
        None => {
            let default = Config::default_path();
            if default.is_file() {
                Config::load(&default).map_err(fail)?
            } else {
                Config::default()
            }
        }
    };
    let ecosystems = if args.ecosystems.is_empty() {
        config.ecosystems.clone()
    } else {
        args.ecosystems.clone()
    };
    let mut options = UpdateOptions {
        sources: plinth_vulndb::select(config.sources(), &ecosystems),
        mirrors: if args.sources.is_empty() {
            config.mirrors.clone()
        } else {
            args.sources.clone()
        },
        parallel: args.parallel.max(1),
        progress: !args.no_progress,
        ..UpdateOptions::default()
    };
    if let Some(t) = args.timeout.or(config.timeout.map(|d| d.as_secs_f64())) {
        if !(t > 0.0 && t.is_finite()) {
            return Err(Failure::new(
                exit::USAGE,
                anyhow!("--timeout must be a positive number of seconds"),
            ));
        }
        options.timeout = Duration::from_secs_f64(t);
    }
    if let Some(r) = args.retries.or(config.retries) {
        options.retries = r;
    }
    if config.alpine.is_none() {
        discover_alpine(&mut options);
    }
    Ok(options)
}

/// Replaces the built-in Alpine release list with what the secdb index publishes (every v3.x
/// and edge). When the index cannot be read, the built-in list is kept, with a warning.
fn discover_alpine(options: &mut UpdateOptions) {
    if !options.sources.iter().any(|s| s.ecosystem == "Alpine") {
        return;
    }
    match plinth_vulndb::alpine_releases(options) {
        Ok(releases) => {
            options.sources.retain(|s| s.ecosystem != "Alpine");
            options.sources.extend(
                releases
                    .iter()
                    .map(|r| plinth_vulndb::FeedSource::alpine(r)),
            );
        }
        Err(e) => eprintln!(
            "plinth: warning: Alpine releases not discovered, using the built-in list: {e}"
        ),
    }
}

/// `db update` as the config file sets it up, with no flags: what `scan` runs when the
/// database is missing or older than its `--db-max-age`.
pub(crate) fn update_with_config(path: &std::path::Path) -> CmdResult {
    run_update(
        path,
        UpdateArgs {
            repository: None,
            login: RegistryLogin {
                username: None,
                password_stdin: false,
                insecure: false,
                ca_certs: Vec::new(),
            },
            sources: Vec::new(),
            config: None,
            ecosystems: Vec::new(),
            timeout: None,
            retries: None,
            parallel: 4,
            no_progress: false,
            nvd: false,
            nvd_api_key: None,
            nvd_url: plinth_vulndb::NVD_API.into(),
        },
    )
}

fn run_update(path: &std::path::Path, args: UpdateArgs) -> CmdResult {
    if let Some(reference) = &args.repository {
        return install_from_registry(path, reference, &args);
    }
    if args.login.given() {
        return Err(Failure::new(
            exit::USAGE,
            anyhow!("--username, --insecure and --ca-cert apply only with --repository"),
        ));
    }
    let options = update_options(&args)?;
    let report = plinth_vulndb::update(path, &options).map_err(fail)?;
    let mut err = std::io::stderr().lock();
    let mut worst: Option<u8> = None;
    for source in &report.sources {
        let line = match &source.result {
            Outcome::Updated { url, stats } => {
                let mut line = format!(
                    "{}: updated from {url}: {} advisories",
                    source.name, stats.records
                );
                if stats.skipped > 0 {
                    line += &format!(
                        ", {} malformed skipped ({})",
                        stats.skipped,
                        stats.first_skipped.join(", ")
                    );
                }
                line
            }
            Outcome::NotModified { url } => format!("{}: not modified ({url})", source.name),
            Outcome::Failed(e) => {
                let code = if e.is_network() {
                    exit::NETWORK
                } else {
                    exit::INPUT
                };
                worst = Some(worst.map_or(code, |w| w.max(code)));
                format!("{}: FAILED, old data kept: {e}", source.name)
            }
        };
        let _ = writeln!(err, "{line}");
    }
    let mut nvd_failed = false;
    if args.nvd {
        let nvd = plinth_vulndb::NvdOptions {
            url: args.nvd_url.clone(),
            api_key: args.nvd_api_key.clone(),
            ..plinth_vulndb::NvdOptions::default()
        };
        let line = match plinth_vulndb::update_nvd(path, &nvd, &options) {
            Ok(r) => format!(
                "{}: {} CVE severities from {} pages ({})",
                plinth_vulndb::NVD_SOURCE,
                r.cves,
                r.pages,
                if r.incremental {
                    "changes since the last update"
                } else {
                    "full"
                }
            ),
            Err(e) => {
                let code = if e.is_network() {
                    exit::NETWORK
                } else {
                    exit::INPUT
                };
                worst = Some(worst.map_or(code, |w| w.max(code)));
                nvd_failed = true;
                format!("{}: FAILED, old data kept: {e}", plinth_vulndb::NVD_SOURCE)
            }
        };
        let _ = writeln!(err, "{line}");
    }
    match worst {
        None => Ok(ExitCode::SUCCESS),
        Some(code) => {
            let failed = report.failures().count() + usize::from(nvd_failed);
            Err(Failure::new(
                code,
                anyhow!(
                    "{failed} of {} sources could not be updated",
                    report.sources.len() + usize::from(args.nvd)
                ),
            ))
        }
    }
}

fn run_import(path: &std::path::Path, inputs: &[PathBuf]) -> CmdResult {
    let report = plinth_vulndb::import(path, inputs).map_err(fail)?;
    let cves = VulnDb::open(path)
        .and_then(|db| db.cve_severity_counts())
        .unwrap_or_default();
    let mut err = std::io::stderr().lock();
    for source in &report.sources {
        let mut line = format!("{}: {} advisories", source.name, source.stats.records);
        if let Some(n) = cves.get(&source.name) {
            line += &format!(", {n} CVE severities");
        }
        if source.stats.skipped > 0 {
            line += &format!(
                ", {} malformed skipped (first: {})",
                source.stats.skipped,
                source.stats.first_skipped.join(", ")
            );
        }
        let _ = writeln!(err, "{line}");
    }
    let _ = writeln!(err, "wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn run_export(path: &std::path::Path, file: &std::path::Path) -> CmdResult {
    let sources = plinth_vulndb::export(path, file).map_err(fail)?;
    let _ = writeln!(
        std::io::stderr(),
        "exported {} sources to {}",
        sources.len(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Publishes the database as an artifact under each reference, the bundle packed once.
fn run_push(path: &std::path::Path, args: &PushArgs) -> CmdResult {
    let opts = args.login.options(args.timeout)?;
    let packed = artifact::pack(path).map_err(fail)?;
    let file = ArtifactFile {
        media_type: artifact::BUNDLE_MEDIA_TYPE,
        path: &packed.path,
        annotations: packed.layer_annotations.clone(),
    };
    let mut first: Option<plinth_registry::Pushed> = None;
    for reference in &args.references {
        let push = PushOptions {
            mount_from: first.as_ref().and_then(|f| mount_source(f, reference)),
            ..PushOptions::default()
        };
        let pushed = plinth_registry::push_artifact(
            reference,
            artifact::ARTIFACT_TYPE,
            std::slice::from_ref(&file),
            packed.annotations.clone(),
            &opts,
            push,
        )
        .map_err(open::classify_remote)?;
        let (bundle, how) = &pushed.blobs[pushed.blobs.len() - 1];
        println!("pushed {}@{}", pushed.reference, pushed.digest);
        println!(
            "  bundle {} ({}, {}), {} sources, schema {}, built {}",
            bundle.digest,
            bytes(bundle.size),
            match how {
                BlobPush::Uploaded { requests: 1 } => "uploaded".to_string(),
                BlobPush::Uploaded { requests } => format!("uploaded in {requests} requests"),
                BlobPush::Present => "already there".to_string(),
                BlobPush::Mounted => "mounted".to_string(),
            },
            packed.sources.len(),
            plinth_vulndb::SCHEMA_VERSION,
            packed.annotations[artifact::CREATED],
        );
        first.get_or_insert(pushed);
    }
    Ok(ExitCode::SUCCESS)
}

/// The repository to mount from: the first push's, when it is on the same registry.
fn mount_source(first: &plinth_registry::Pushed, reference: &str) -> Option<String> {
    let from = plinth_registry::ImageRef::parse(&first.reference).ok()?;
    let to = plinth_registry::ImageRef::parse(reference).ok()?;
    (from.registry == to.registry && from.repository != to.repository).then_some(from.repository)
}

/// `db update --repository REF`: the artifact's type and schema checked from its manifest,
/// the bundle streamed to a temporary file with its digest checked, then installed whole.
fn install_from_registry(path: &std::path::Path, reference: &str, args: &UpdateArgs) -> CmdResult {
    let opts = args.login.options(args.timeout)?;
    let remote =
        plinth_registry::fetch_artifact(reference, &opts).map_err(open::classify_remote)?;
    let origin = remote.reference();
    if remote.artifact_type != artifact::ARTIFACT_TYPE {
        return Err(Failure::new(
            exit::INPUT,
            anyhow!(
                "{origin}: not a plinth database (artifact type {:?}, expected {})",
                remote.artifact_type,
                artifact::ARTIFACT_TYPE
            ),
        ));
    }
    artifact::check_annotations(&origin, &remote.annotations).map_err(fail)?;
    let layer = remote
        .layers
        .iter()
        .find(|l| l.media_type == artifact::BUNDLE_MEDIA_TYPE)
        .ok_or_else(|| {
            Failure::new(
                exit::INPUT,
                anyhow!(
                    "{origin}: no {} layer in the manifest",
                    artifact::BUNDLE_MEDIA_TYPE
                ),
            )
        })?;
    let size_hint = layer
        .annotations
        .get(artifact::BUNDLE_SIZE)
        .and_then(|v| v.parse().ok());
    let mut incoming = artifact::Incoming::create(path).map_err(fail)?;
    remote
        .copy_layer(layer, &mut incoming)
        .map_err(open::classify_remote)?;
    let info = incoming.install(&origin, size_hint).map_err(fail)?;
    eprintln!(
        "{origin}: installed {} ({} sources, schema {}, built {}) into {}",
        remote.digest,
        info.sources.len(),
        info.schema,
        format_time(info.built),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_info(path: &std::path::Path, format: InfoFormat) -> CmdResult {
    let db = VulnDb::open(path).map_err(fail)?;
    let info = db.info().map_err(fail)?;
    let cves = db.cve_severity_counts().map_err(fail)?;
    let bytes = db.source_bytes().map_err(fail)?;
    crate::output::write_to(None, |out| match format {
        InfoFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &info_json(&info, &cves, &bytes))?;
            writeln!(out)
        }
        InfoFormat::Table => render_info(out, &info, &cves, &bytes),
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}

/// `bytes`: each source's rows ([`VulnDb::source_bytes`]).
fn info_json(
    info: &DbInfo,
    cves: &BTreeMap<String, u64>,
    bytes: &BTreeMap<String, u64>,
) -> serde_json::Value {
    serde_json::json!({
        "path": info.path,
        "schema": info.schema,
        "built": format_time(info.built),
        "age_seconds": info.age().as_secs(),
        "file_size": info.file_size,
        "sources": info.sources.iter().map(|s| serde_json::json!({
            "name": s.name,
            "origin": s.origin,
            "loaded": format_time(s.loaded_at),
            "checked": format_time(s.checked_at),
            "etag": s.etag,
            "last_modified": s.last_modified,
            "advisories": s.stats.records,
            "skipped": s.stats.skipped,
            "first_skipped": s.stats.first_skipped,
            "withdrawn": s.stats.withdrawn,
            "bytes": bytes.get(&s.name).copied().unwrap_or(0),
            "ecosystems": s.ecosystems,
        })).collect::<Vec<_>>(),
        "ecosystems": info.ecosystems,
        "cve_severities": cves,
    })
}

fn render_info(
    out: &mut dyn Write,
    info: &DbInfo,
    cves: &BTreeMap<String, u64>,
    bytes: &BTreeMap<String, u64>,
) -> std::io::Result<()> {
    writeln!(out, "Database:  {}", info.path.display())?;
    writeln!(out, "Schema:    {}", info.schema)?;
    writeln!(
        out,
        "Built:     {} ({} ago)",
        format_time(info.built),
        format_age(info.age())
    )?;
    writeln!(out, "Size:      {} bytes", info.file_size)?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<40} {:>10} {:>8} {:>12} {:<20} ORIGIN",
        "SOURCE", "ADVISORIES", "SKIPPED", "BYTES", "LOADED"
    )?;
    for s in &info.sources {
        writeln!(
            out,
            "{:<40} {:>10} {:>8} {:>12} {:<20} {}",
            s.name,
            s.stats.records,
            s.stats.skipped,
            bytes.get(&s.name).copied().unwrap_or(0),
            format_time(s.loaded_at),
            s.origin
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<40} {:>10} {:>10}",
        "ECOSYSTEM", "PACKAGES", "ADVISORIES"
    )?;
    for (eco, count) in &info.ecosystems {
        writeln!(
            out,
            "{eco:<40} {:>10} {:>10}",
            count.packages, count.advisories
        )?;
    }
    if !cves.is_empty() {
        writeln!(out)?;
        writeln!(out, "{:<40} {:>10}", "CVE SEVERITIES (NVD, CVE 5)", "CVES")?;
        for (source, count) in cves {
            writeln!(out, "{source:<40} {count:>10}")?;
        }
    }
    Ok(())
}

fn format_time(secs: u64) -> String {
    artifact::utc_timestamp(secs)
}

fn format_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h{}m", s / 3_600, s % 3_600 / 60),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3_600),
    }
}
