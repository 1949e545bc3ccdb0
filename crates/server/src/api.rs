//! plinth's own endpoints: scans, health, readiness, metrics, reload; and the layers every
//! request passes (timing and timeout, token, body limit).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use plinth_catalog::eol;
use plinth_sbom::Inventory;
use serde_json::json;

use crate::database::{Loaded, Reloaded};
use crate::error::ApiError;
use crate::memo::Memoized;
use crate::wire::{INVENTORY_TYPE, ImageRequest, ScanResponse, SnapshotInfo};
use crate::{ImageError, RegistryAuth, RemoteImage, State as Shared};

type AppState = State<Arc<Shared>>;

/// Every route, behind the shared layers.
pub fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(
            Router::new()
                .route("/v1/scan", post(scan_inventory))
                .route("/v1/scan/image", post(scan_image))
                .route_layer(from_fn_with_state(state.clone(), one_of_few)),
        )
        .route("/admin/reload", post(reload))
        .merge(crate::harbor::routes())
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(state.config.max_body))
        .layer(from_fn_with_state(state.clone(), refuse_declared_oversize))
        .layer(from_fn_with_state(
            state.clone(),
            crate::auth::require_token,
        ))
        .layer(from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The route a path belongs to, as a metrics label: fixed paths as they are, Harbor's report
/// path without its id, anything else as `other` (so unknown paths cannot grow the label set).
fn route_label(path: &str) -> &'static str {
    const FIXED: [&str; 8] = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/scan",
        "/v1/scan/image",
        "/admin/reload",
        "/api/v1/metadata",
        "/api/v1/scan",
    ];
    if let Some(p) = FIXED.iter().find(|p| **p == path) {
        return p;
    }
    if path.starts_with("/api/v1/scan/") && path.ends_with("/report") {
        return "/api/v1/scan/{id}/report";
    }
    "other"
}

/// Times and counts every request, and ends one that runs past the request timeout (a client
/// trickling its body, a registry stalling a pull) with 408.
async fn observe(State(state): AppState, request: Request, next: Next) -> Response {
    let route = route_label(request.uri().path());
    let start = Instant::now();
    let limit = state.config.request_timeout;
    let response = match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("request not finished within {} s", limit.as_secs()),
        )
        .into_response(),
    };
    state
        .metrics
        .observe(route, response.status().as_u16(), start.elapsed());
    response
}

/// A body whose `Content-Length` is over the limit is refused before a byte of it is read
/// (the body limit also stops bodies that do not declare their length, as they pass it).
async fn refuse_declared_oversize(
    State(state): AppState,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > state.config.max_body as u64 => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body of {n} bytes is over the limit of {} bytes (--max-body)",
                state.config.max_body
            ),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

/// Lets only `max_scans` scans read their bodies and run at once; the others wait their turn
/// holding nothing but their request head, so memory is bounded by `max_scans` bodies however
/// many clients connect.
async fn one_of_few(State(state): AppState, request: Request, next: Next) -> Response {
    match state.scan_slots.acquire().await {
        Ok(_slot) => next.run(request).await,
        Err(_) => ApiError::internal("the server is shutting down").into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such endpoint")
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): AppState) -> Result<Json<serde_json::Value>, ApiError> {
    let loaded = state.db.current().ok_or_else(ApiError::not_ready)?;
    Ok(Json(json!({
        "status": "ready",
        "snapshot": snapshot_info(&loaded),
        "age_seconds": loaded.age().as_secs(),
    })))
}

async fn metrics(State(state): AppState) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&state.db),
    )
        .into_response()
}

/// `POST /admin/reload`: load the database file now if it was replaced.
async fn reload(State(state): AppState) -> Result<Json<serde_json::Value>, ApiError> {
    let db = state.db.clone();
    let reloaded = blocking(move || {
        db.reload().map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("reload failed, the loaded snapshot keeps serving: {e}"),
            )
        })
    })
    .await?;
    let snapshot = state.db.current().map(|l| snapshot_info(&l));
    Ok(Json(json!({
        "reloaded": matches!(reloaded, Reloaded::Swapped(_)),
        "snapshot": snapshot,
    })))
}

/// `POST /v1/scan[?base_layers=N]`: an SBOM in the body.
async fn scan_inventory(
    State(state): AppState,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ScanResponse>, ApiError> {
    let base_layers = base_layers(query.as_deref())?;
    let body = body?;
    let loaded = state.db.current().ok_or_else(ApiError::not_ready)?;
    let eol = state.clone();
    let typed = headers
        .get(CONTENT_TYPE)
        .is_some_and(|t| t == INVENTORY_TYPE);
    blocking(move || {
        let inventory = read_sbom(&body, typed)?;
        let lookups = loaded.lookups().map_err(store_error)?;
        scan(&loaded, &lookups, &inventory, base_layers, &eol.eol)
    })
    .await
    .map(Json)
}

/// The body's SBOM. A plinth client's inventory (`typed`) is read straight into its type:
/// sniffing its format first, through a generic JSON tree, cost a third of such a request.
fn read_sbom(body: &[u8], typed: bool) -> Result<Inventory, ApiError> {
    let name = "request body";
    if typed {
        let mut inventory: Inventory = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("{name}: plinth inventory: {e}")))?;
        // Named as `plinth_scan::sbom_from_slice` names an inventory it reads.
        inventory.source = format!("{name} ({})", inventory.source);
        return Ok(inventory);
    }
    plinth_scan::sbom_from_slice(body, Path::new(name), name)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// `POST /v1/scan/image`: the server pulls a registry image and scans it.
async fn scan_image(
    State(state): AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ScanResponse>, ApiError> {
    let request: ImageRequest = serde_json::from_slice(&body?)
        .map_err(|e| ApiError::bad_request(format!("request body: {e}")))?;
    let credentials = request
        .username
        .zip(request.password)
        .map(|(username, password)| RegistryAuth::Basic { username, password });
    let image = RemoteImage {
        reference: request.image,
        credentials,
        insecure: false,
    };
    scan_remote(state, image, |scanned, _| Ok(scanned))
        .await
        .map(Json)
}

/// Pulls, inventories and scans a registry image on a blocking thread; `render` makes the
/// answer from the findings and the snapshot they came from (Harbor's report reads more of it).
pub async fn scan_remote<T: Send + 'static>(
    state: Arc<Shared>,
    image: RemoteImage,
    render: impl FnOnce(ScanResponse, &Memoized) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let loaded = state.db.current().ok_or_else(ApiError::not_ready)?;
    blocking(move || {
        let found = state.images.inventory(&image).map_err(|e| match e {
            ImageError::Input(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            ImageError::Registry(m) => ApiError::new(StatusCode::BAD_GATEWAY, m),
        })?;
        state.metrics.cache_used(found.cache);
        let lookups = loaded.lookups().map_err(store_error)?;
        let mut scanned = scan(
            &loaded,
            &lookups,
            &found.inventory,
            found.base_layers,
            &state.eol,
        )?;
        scanned.report.name = image.reference.clone();
        render(scanned, &lookups)
    })
    .await
}

/// A database that fails to read is the server's problem.
pub fn store_error(e: plinth_vulndb::DbError) -> ApiError {
    ApiError::internal(e.to_string())
}

/// Matches one inventory against one snapshot, with end of life judged as `plinth scan` does.
fn scan(
    loaded: &Loaded,
    lookups: &Memoized,
    inventory: &Inventory,
    base_layers: Option<usize>,
    eol_table: &eol::EolTable,
) -> Result<ScanResponse, ApiError> {
    let mut report =
        plinth_scan::match_inventory(inventory, lookups, base_layers).map_err(store_error)?;
    let os = report.os.clone();
    report
        .coverage
        .judge_eol(os.as_ref(), eol_table, eol::today());
    Ok(ScanResponse {
        snapshot: snapshot_info(loaded),
        report,
    })
}

fn snapshot_info(loaded: &Loaded) -> SnapshotInfo {
    SnapshotInfo {
        id: loaded.id,
        built: loaded.built,
    }
}

fn base_layers(query: Option<&str>) -> Result<Option<usize>, ApiError> {
    let Some(value) = query
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("base_layers="))
    else {
        return Ok(None);
    };
    value.parse().map(Some).map_err(|_| {
        ApiError::bad_request(format!(
            "base_layers={value:?}: expected a number of layers"
        ))
    })
}

/// Runs CPU or disk work off the async threads. A panic in it is a 500 for this request only.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("scan failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_bound_the_route_set() {
        assert_eq!(route_label("/v1/scan"), "/v1/scan");
        assert_eq!(
            route_label("/api/v1/scan/abc-1/report"),
            "/api/v1/scan/{id}/report"
        );
        assert_eq!(route_label("/etc/passwd"), "other");
    }

    #[test]
    fn reads_base_layers() {
        assert_eq!(base_layers(None).unwrap(), None);
        assert_eq!(base_layers(Some("x=1&base_layers=2")).unwrap(), Some(2));
        assert!(base_layers(Some("base_layers=two")).is_err());
    }
}
