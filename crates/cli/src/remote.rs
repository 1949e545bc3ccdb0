//! `plinth scan --server URL`: images are walked here, only their inventories travel, and the
//! server's findings come back to the same policy, renderers and gates as a local scan's.

use std::time::Duration;

use plinth_sbom::Inventory;
use plinth_scan::TargetReport;
use plinth_server::{Client, ClientError};

use crate::exit::{self, Failure};
use crate::open::ImageOpts;

/// How long a remote scan may take when --timeout does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

pub fn client(url: &str, token: Option<String>, opts: &ImageOpts) -> Result<Client, Failure> {
    let timeout = opts
        .timeout
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64);
    Client::new(url, token, timeout, &opts.ca_certs).map_err(classify)
}

/// The server's findings for one inventory, named as a local scan names them.
pub fn scan(
    client: &Client,
    inventory: &Inventory,
    base_layers: Option<usize>,
) -> Result<TargetReport, Failure> {
    let mut answer = client.scan(inventory, base_layers).map_err(classify)?;
    answer.report.name = inventory.source.clone();
    Ok(answer.report)
}

/// Unreachable, refused or garbled answers are network failures (exit 4), as a registry's
/// are; a server without a database is a database failure (exit 5).
fn classify(e: ClientError) -> Failure {
    let code = match &e {
        ClientError::Refused { status: 503, .. } => exit::DATABASE,
        ClientError::Setup(_) => exit::USAGE,
        _ => exit::NETWORK,
    };
    Failure::new(code, e)
}
