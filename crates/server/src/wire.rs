//! What travels between `plinth scan --server` and `plinth server`: the JSON of each endpoint.
//!
//! - `POST /v1/scan?base_layers=N`: body an SBOM (plinth JSON inventory, CycloneDX or SPDX;
//!   an inventory sent as [`INVENTORY_TYPE`] is read fastest); answer a [`ScanResponse`].
//! - `POST /v1/scan/image`: body an [`ImageRequest`]; answer a [`ScanResponse`].
//! - every error: an [`ErrorBody`] with a 4xx or 5xx status (Harbor's error shape).

use plinth_scan::TargetReport;
use serde::{Deserialize, Serialize};

/// The header Trivy's client sends its token in; `Authorization: Bearer` works too.
pub const TOKEN_HEADER: &str = "Trivy-Token";

/// The `Content-Type` of a plinth JSON inventory, as `scan --server` sends it: read straight
/// into its type, where any other body is sniffed for its SBOM format first.
pub const INVENTORY_TYPE: &str = "application/vnd.plinth.inventory+json";

/// Which database snapshot answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Counts database loads in the server's life, from 1.
    pub id: u64,
    /// When that database was built (unix seconds).
    pub built: u64,
}

/// Findings for one target, before any policy: the client applies its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanResponse {
    pub snapshot: SnapshotInfo,
    pub report: TargetReport,
}

/// An image the server pulls and scans.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageRequest {
    /// A registry reference (`registry:` prefix optional).
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `{"error": {"message": "…"}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorMessage,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorMessage {
    pub message: String,
}
