//! `plinth server`: one database for many scanners (see plinth-server). Images the server
//! pulls are opened and inventoried here, through the same code path as `plinth scan`, and
//! walked through the same layer cache (the global `--cache-*` flags, `--no-cache`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use plinth_image::LayerCache;
use plinth_image::spec::Platform;
use plinth_registry::Credentials;
use plinth_server::{CacheUse, Config, ImageError, Images, Inventoried, RegistryAuth, RemoteImage};
use plinth_vulndb::VulnDb;

use crate::exit::{self, CmdResult, Failure};
use crate::open::{self, ImageOpts};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:4954", value_name = "ADDR")]
    listen: SocketAddr,
    /// The vulnerability database to serve; replaced files are picked up (poll, SIGHUP,
    /// POST /admin/reload).
    #[arg(long, env = "PLINTH_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Require this token (header Trivy-Token, or Authorization: Bearer) on every request but
    /// /healthz and /readyz.
    #[arg(long, env = "PLINTH_SERVER_TOKEN", value_name = "TOKEN")]
    token: Option<String>,
    /// Serve /metrics without the token too (Prometheus scraping by annotations). Metrics
    /// hold counts, latencies and the database's age, nothing about what was scanned.
    #[arg(long)]
    metrics_public: bool,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    tls_key: Option<PathBuf>,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 32, value_name = "MIB")]
    max_body: usize,
    /// Seconds a client has to send its request head (slowloris).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    header_timeout: u64,
    /// Seconds a whole request (body, pull, scan) may take.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    request_timeout: u64,
    /// Seconds between checks of the database file for a replacement.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    db_poll: f64,
    /// Connections served at once.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    max_connections: usize,
    /// Scans running at once (each holds its body); default: twice the CPUs.
    #[arg(long, value_name = "N")]
    max_scans: Option<usize>,
    /// On SIGTERM or SIGINT, seconds requests in flight may take to finish before the server
    /// exits (new connections are refused at once).
    #[arg(long, default_value_t = 25, value_name = "SECONDS")]
    drain_timeout: u64,
    #[command(flatten)]
    opts: ImageOpts,
}

pub fn run(args: Args) -> CmdResult {
    let usage = |m: String| Failure::new(exit::USAGE, anyhow::anyhow!(m));
    if !(args.db_poll.is_finite() && args.db_poll > 0.0) {
        return Err(usage(format!(
            "--db-poll {}: expected a positive number of seconds",
            args.db_poll
        )));
    }
    if args.max_body == 0 || args.max_connections == 0 || args.max_scans == Some(0) {
        return Err(usage(
            "--max-body, --max-connections and --max-scans must be at least 1".into(),
        ));
    }
    let mut config = Config::new(args.listen, args.db.unwrap_or_else(VulnDb::default_path));
    config.token = args.token.filter(|t| !t.is_empty());
    config.metrics_public = args.metrics_public;
    config.tls = args.tls_cert.zip(args.tls_key);
    config.max_body = args.max_body << 20;
    config.header_timeout = Duration::from_secs(args.header_timeout);
    config.request_timeout = Duration::from_secs(args.request_timeout);
    config.db_poll = Duration::from_secs_f64(args.db_poll);
    config.max_connections = args.max_connections;
    config.max_scans = args.max_scans.unwrap_or(config.max_scans);
    config.drain_timeout = Duration::from_secs(args.drain_timeout);
    let mut registry = args.opts.registry()?;
    registry.progress = false;
    let images = CliImages {
        platform: args.opts.platform()?,
        registry,
        cache: open::layer_cache(),
    };
    plinth_server::serve(config, Box::new(images)).map_err(|e| Failure::new(exit::INPUT, e))?;
    Ok(ExitCode::SUCCESS)
}

/// Registry images as `plinth scan` opens them (`open::open_registry`) and walks them
/// (through the layer cache), inventoried as `plinth scan` inventories them.
struct CliImages {
    platform: Option<Platform>,
    registry: plinth_registry::Options,
    cache: Option<Arc<plinth_cache::Cache>>,
}

impl Images for CliImages {
    fn inventory(&self, image: &RemoteImage) -> Result<Inventoried, ImageError> {
        let reference = image
            .reference
            .strip_prefix("registry:")
            .unwrap_or(&image.reference);
        let mut opts = self.registry.clone();
        opts.insecure |= image.insecure;
        opts.credentials = match &image.credentials {
            Some(RegistryAuth::Basic { username, password }) => {
                Some(Credentials::new(username, password))
            }
            Some(RegistryAuth::Bearer(token)) => Some(Credentials::registry_token(token)),
            None => opts.credentials,
        };
        let failed = |f: Failure| {
            let message = format!("{:#}", f.error);
            if f.code == exit::NETWORK {
                ImageError::Registry(message)
            } else {
                ImageError::Input(message)
            }
        };
        let mut opened =
            open::open_registry(reference, self.platform.as_ref(), &opts).map_err(failed)?;
        // Counted per request, so each answer's lookups are its own.
        let counted = self
            .cache
            .clone()
            .map(|store| Arc::new(Counted::new(store)));
        if let Some(counted) = &counted {
            opened = opened.with_cache(counted.clone());
        }
        let inventory = plinth_sbom::inventory(&opened)
            .map_err(open::classify)
            .map_err(failed)?;
        Ok(Inventoried {
            inventory,
            base_layers: plinth_scan::base_layers_of(&opened),
            cache: counted.map_or_else(CacheUse::default, |c| c.used()),
        })
    }
}

/// The layer cache, counting the layers one walk took from it and those it had to read.
struct Counted {
    store: Arc<plinth_cache::Cache>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counted {
    fn new(store: Arc<plinth_cache::Cache>) -> Counted {
        Counted {
            store,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn used(&self) -> CacheUse {
        CacheUse {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

impl LayerCache for Counted {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.store.get(key)
    }

    fn put(&self, key: &str, value: &[u8]) {
        self.store.put(key, value);
    }

    fn looked_up(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
