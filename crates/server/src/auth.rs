//! Token authentication: `Trivy-Token: T` (as Trivy's client sends it) or
//! `Authorization: Bearer T` (as Harbor and Prometheus send it). Health and readiness stay open
//! so orchestrators can probe without the secret; `/metrics` too with `--metrics-public`, for
//! scrapers configured by annotations, which cannot send a token. Metrics name no image, no
//! package and no secret, only counts, latencies and the database's age.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::wire::TOKEN_HEADER;

/// Paths anyone may ask.
const OPEN: [&str; 2] = ["/healthz", "/readyz"];

pub async fn require_token(
    State(state): State<Arc<crate::State>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = &state.config.token else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if OPEN.contains(&path) || (state.config.metrics_public && path == "/metrics") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let given = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        });
    match given {
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("a token is required ({TOKEN_HEADER} or Authorization: Bearer)"),
        )
        .into_response(),
        Some(t) if !same(t.trim().as_bytes(), expected.as_bytes()) => {
            ApiError::new(StatusCode::UNAUTHORIZED, "wrong token").into_response()
        }
        Some(_) => next.run(request).await,
    }
}

/// Equality that takes as long however many leading bytes match, so timing does not reveal
/// the token a byte at a time.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_whole_tokens() {
        assert!(super::same(b"s3cret", b"s3cret"));
        assert!(!super::same(b"s3cret", b"s3cre"));
        assert!(!super::same(b"s3cret", b"s3creT"));
        assert!(!super::same(b"", b"x"));
    }
}
