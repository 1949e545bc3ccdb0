//! plinth-server: one vulnerability database serving many scanners over HTTP.
//!
//! `plinth server` holds one database snapshot ([`database`]) and answers scans of inventories
//! (plinth JSON, CycloneDX, SPDX) and of registry images, Harbor's Pluggable Scanner API v1.1
//! ([`harbor`]), health, readiness and Prometheus metrics ([`metrics`]). The snapshot is
//! swapped whole when the database file is replaced, on SIGHUP or on `POST /admin/reload`: a
//! request takes one snapshot and uses only it, so a swap never fails or mixes a request.
//! [`client`] is the other end, used by `plinth scan --server URL`.
//!
//! What it is not: it never walks an image itself. Images are opened and inventoried through
//! the [`Images`] the caller hands in (the CLI passes the same code path `plinth scan` uses, so
//! a layer cache wired there serves the server too), and it decides no exit codes or policy:
//! clients apply their own ignore files, VEX and gates to the findings it returns.

mod api;
mod auth;
pub mod client;
pub mod database;
mod error;
pub mod harbor;
mod listen;
pub mod memo;
pub mod metrics;
mod time;
pub mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use client::{Client, ClientError};
pub use database::Database;
pub use listen::serve;

use plinth_sbom::Inventory;

/// Server settings, from `plinth server`'s flags.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The database file; it may appear after the server starts (not ready until then).
    pub db: PathBuf,
    /// Required on every request but health and readiness, when set.
    pub token: Option<String>,
    /// `/metrics` answers without the token too (for scrapers that cannot send one).
    pub metrics_public: bool,
    /// PEM certificate chain and private key: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Largest request body accepted.
    pub max_body: usize,
    /// A client must send its request head within this long (slowloris).
    pub header_timeout: Duration,
    /// A whole request, body and scan included, must finish within this long.
    pub request_timeout: Duration,
    /// How often the database file is checked for replacement.
    pub db_poll: Duration,
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Scans (body read, match) running at once; more wait for a slot.
    pub max_scans: usize,
    /// On SIGTERM or SIGINT, how long requests in flight may take to finish.
    pub drain_timeout: Duration,
}

impl Config {
    /// Defaults for everything but where to listen and which database to serve.
    pub fn new(listen: SocketAddr, db: PathBuf) -> Config {
        Config {
            listen,
            db,
            token: None,
            metrics_public: false,
            tls: None,
            max_body: 32 << 20,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            db_poll: Duration::from_secs(10),
            max_connections: 1024,
            max_scans: std::thread::available_parallelism().map_or(4, |n| 2 * n.get()),
            // Under Kubernetes' default 30 s between SIGTERM and SIGKILL.
            drain_timeout: Duration::from_secs(25),
        }
    }
}

/// An image to scan that the server pulls: a registry reference, with the credentials the
/// requester passed (Harbor sends them with each scan request).
#[derive(Debug, Clone)]
pub struct RemoteImage {
    pub reference: String,
    /// How to log in to the registry; `None`: as the server's own configuration says.
    pub credentials: Option<RegistryAuth>,
    /// Plain HTTP was asked for (Harbor's registry URL is `http://…`).
    pub insecure: bool,
}

/// Credentials a requester passes for its registry.
#[derive(Clone, PartialEq, Eq)]
pub enum RegistryAuth {
    /// A username and password (or a robot account's secret).
    Basic { username: String, password: String },
    /// A token the registry issued, sent as `Authorization: Bearer TOKEN`.
    Bearer(String),
}

/// Secrets stay out of logs and panics.
impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryAuth::Basic { username, .. } => {
                write!(
                    f,
                    "Basic {{ username: {username:?}, password: <redacted> }}"
                )
            }
            RegistryAuth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// An image's inventory, how many of its layers are the base image's, and how the layer
/// cache served its walk.
pub struct Inventoried {
    pub inventory: Inventory,
    pub base_layers: Option<usize>,
    pub cache: CacheUse,
}

/// Layers of one walk taken from the layer cache (hits) and read from the registry (misses).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUse {
    pub hits: u64,
    pub misses: u64,
}

/// Why an image could not be inventoried: the requester's fault or the registry's.
#[derive(Debug)]
pub enum ImageError {
    /// A reference the server will not or cannot open (not a registry, malformed).
    Input(String),
    /// The registry failed, refused or stalled.
    Registry(String),
}

/// How the server opens and inventories images: the caller's code path (the CLI's, with its
/// registry options and its layer cache). Called on blocking threads.
pub trait Images: Send + Sync + 'static {
    fn inventory(&self, image: &RemoteImage) -> Result<Inventoried, ImageError>;
}

/// Everything a request handler can reach.
pub(crate) struct State {
    pub config: Config,
    pub db: Arc<Database>,
    pub metrics: metrics::Metrics,
    pub images: Box<dyn Images>,
    pub jobs: harbor::Jobs,
    /// One permit per scan that may run (see `Config::max_scans`).
    pub scan_slots: tokio::sync::Semaphore,
    /// End-of-life dates of OS releases, read once.
    pub eol: plinth_catalog::eol::EolTable,
}
