//! How to reach a registry: transport security, credentials, timeouts, parallelism.

use std::path::PathBuf;
use std::time::Duration;

use crate::credentials::Credentials;

/// Connection settings shared by every registry operation.
#[derive(Debug, Clone)]
pub struct Options {
    /// Allow plain HTTP to a registry that is not on this machine (loopback hosts always may).
    pub insecure: bool,
    /// Extra PEM files of CA certificates to trust (besides `SSL_CERT_FILE`, read by the client).
    pub ca_certs: Vec<PathBuf>,
    /// Log in with these; when `None`, Docker's config.json and credential helpers are asked.
    pub credentials: Option<Credentials>,
    /// Connecting, and each read of a response, gives up after this long without progress.
    pub timeout: Duration,
    /// Extra attempts after a 429, a 5xx or a dropped connection.
    pub retries: u32,
    /// The first retry waits this long; each later one twice as long (unless `Retry-After` says).
    pub backoff: Duration,
    /// Blobs downloaded at once.
    pub parallel: usize,
    /// Draw per-layer progress bars on stderr (only ever when stderr is a terminal).
    pub progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            insecure: false,
            ca_certs: Vec::new(),
            credentials: None,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            parallel: 4,
            progress: true,
        }
    }
}
