//! The client of `plinth scan --server URL`: sends an inventory, gets the findings back.
//! Blocking (ureq), as the rest of the CLI is.

use std::path::PathBuf;
use std::time::Duration;

use plinth_sbom::Inventory;
use ureq::Agent;
use ureq::tls::{PemItem, RootCerts, TlsConfig};

use crate::wire::{ErrorBody, INVENTORY_TYPE, ScanResponse, TOKEN_HEADER};

/// Largest answer read (the findings of one image; generous).
const MAX_ANSWER: u64 = 256 << 20;

/// Why a remote scan failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Nothing answered: refused, reset, timed out, TLS failed.
    #[error("server {url} unreachable: {message}")]
    Unreachable { url: String, message: String },
    /// The server answered with an error status.
    #[error("server {url} answered {status}: {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    /// The answer is not what a plinth server sends.
    #[error("server {url}: unreadable answer: {message}")]
    BadAnswer { url: String, message: String },
    /// The URL or a CA file given is not usable.
    #[error("{0}")]
    Setup(String),
}

/// A plinth server and how to reach it.
pub struct Client {
    base: String,
    token: Option<String>,
    agent: Agent,
}

impl Client {
    /// `url` is `http://host:port` or `https://…`; for https, `ca_certs` are trusted besides
    /// the usual roots (and SSL_CERT_FILE).
    pub fn new(
        url: &str,
        token: Option<String>,
        timeout: Duration,
        ca_certs: &[PathBuf],
    ) -> Result<Client, ClientError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Setup(format!(
                "--server {url:?}: expected http://HOST:PORT or https://HOST:PORT"
            )));
        }
        let mut config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout.min(Duration::from_secs(10))))
            .timeout_global(Some(timeout));
        // Reading CA files costs more than a whole plain-HTTP scan round trip when
        // SSL_CERT_FILE names the system bundle (150 certificates decoded): only for https.
        if base.starts_with("https://") {
            config = config.tls_config(tls_config(ca_certs)?);
        }
        let agent = config.build().into();
        Ok(Client { base, token, agent })
    }

    /// Findings for one inventory (`base_layers`: how many of its layers are the base's).
    pub fn scan(
        &self,
        inventory: &Inventory,
        base_layers: Option<usize>,
    ) -> Result<ScanResponse, ClientError> {
        let body = serde_json::to_vec(inventory).map_err(|e| ClientError::Setup(e.to_string()))?;
        let mut url = format!("{}/v1/scan", self.base);
        if let Some(n) = base_layers {
            url.push_str(&format!("?base_layers={n}"));
        }
        let mut request = self.agent.post(&url).content_type(INVENTORY_TYPE);
        if let Some(t) = &self.token {
            request = request.header(TOKEN_HEADER, t);
        }
        let mut response = request
            .send(&body[..])
            .map_err(|e| ClientError::Unreachable {
                url: self.base.clone(),
                message: e.to_string(),
            })?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| ClientError::Unreachable {
                url: self.base.clone(),
                message: format!("reading the answer: {e}"),
            })?;
        if status != 200 {
            let message = serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|b| b.error.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(200).collect());
            return Err(ClientError::Refused {
                url: self.base.clone(),
                status,
                message,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::BadAnswer {
            url: self.base.clone(),
            message: e.to_string(),
        })
    }
}

/// The usual roots, or those plus the given CA files (and SSL_CERT_FILE) when there are any.
fn tls_config(ca_certs: &[PathBuf]) -> Result<TlsConfig, ClientError> {
    let mut files = ca_certs.to_vec();
    files.extend(std::env::var_os("SSL_CERT_FILE").map(PathBuf::from));
    if files.is_empty() {
        return Ok(TlsConfig::builder().build());
    }
    let mut certs = Vec::new();
    for file in &files {
        let pem = std::fs::read(file)
            .map_err(|e| ClientError::Setup(format!("{}: {e}", file.display())))?;
        certs.extend(ureq::tls::parse_pem(&pem).filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        }));
    }
    if certs.is_empty() {
        return Err(ClientError::Setup(
            "no certificates in the --ca-cert / SSL_CERT_FILE files".into(),
        ));
    }
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
}
