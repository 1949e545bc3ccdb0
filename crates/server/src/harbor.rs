//! Harbor's Pluggable Scanner API v1.1, so a Harbor registry can use plinth as its scanner.
//!
//! - `GET /api/v1/metadata`: who we are, what we consume (OCI and Docker v2 image manifests)
//!   and produce (`application/vnd.security.vulnerability.report; version=1.1`, and the 1.0
//!   Harbor report, which has the same shape);
//! - `POST /api/v1/scan`: a registry URL, the `Authorization` Harbor wants us to pull with,
//!   the repository and digest; answered 202 with an id at once, the scan runs in background;
//! - `GET /api/v1/scan/{id}/report`: 302 with `Refresh-After` while the scan runs, 404 for an
//!   id we never gave (or forgot), 500 with the error when it failed, 200 with the report.
//!
//! Field names and media types follow goharbor/pluggable-scanner-spec's OpenAPI document
//! (`scanner-adapter-openapi-v1.1.yaml`).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use plinth_scan::{Advisories, Finding, Level, TargetReport};
use plinth_vulndb::{CveMetric, CvssVersion, DbError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;
use crate::{RegistryAuth, RemoteImage, State as Shared};

pub const REPORT_V1_1: &str = "application/vnd.security.vulnerability.report; version=1.1";
pub const REPORT_V1_0: &str =
    "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
const METADATA: &str = "application/vnd.scanner.adapter.metadata+json; version=1.0";
const SCAN_RESPONSE: &str = "application/vnd.scanner.adapter.scan.response+json; version=1.0";
const ERROR: &str = "application/vnd.scanner.adapter.error+json; version=1.0";
const CONSUMES: [&str; 2] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
/// Seconds Harbor is asked to wait before polling again.
const REFRESH_AFTER: &str = "2";
/// Reports kept for Harbor to fetch; the oldest is forgotten first.
const KEPT: usize = 1000;

/// `ScanRequest`.
#[derive(Debug, Clone, Deserialize)]
pub struct ScanRequest {
    pub registry: Registry,
    pub artifact: Artifact,
}

/// `Registry`: where to pull from, and the `Authorization` header value to pull with.
#[derive(Debug, Clone, Deserialize)]
pub struct Registry {
    pub url: String,
    #[serde(default)]
    pub authorization: Option<String>,
}

/// `Artifact`, echoed back in the report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Artifact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// Scans Harbor asked for, by id.
#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    inner: Mutex<JobTable>,
}

#[derive(Default)]
struct JobTable {
    by_id: HashMap<String, Job>,
    order: VecDeque<String>,
}

#[derive(Clone)]
enum Job {
    Running,
    Done(Arc<serde_json::Value>),
    Failed(String),
}

impl Jobs {
    fn start(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:x}-{n}", crate::time::now());
        let mut t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        while t.order.len() >= KEPT {
            if let Some(old) = t.order.pop_front() {
                t.by_id.remove(&old);
            }
        }
        t.order.push_back(id.clone());
        t.by_id.insert(id.clone(), Job::Running);
        id
    }

    fn finish(&self, id: &str, job: Job) {
        let mut t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = t.by_id.get_mut(id) {
            *slot = job;
        }
    }

    fn get(&self, id: &str) -> Option<Job> {
        let t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        t.by_id.get(id).cloned()
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/metadata", get(metadata))
        .route("/api/v1/scan", post(accept_scan))
        .route("/api/v1/scan/{id}/report", get(report))
}

/// Harbor's error documents carry their own media type.
fn harbor_error(e: ApiError) -> Response {
    let mut response = e.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, ERROR.parse().expect("static media type"));
    response
}

async fn metadata(State(state): State<Arc<Shared>>) -> Response {
    let mut properties = json!({
        "harbor.scanner-adapter/scanner-type": "os-package-vulnerability",
    });
    if let Some(loaded) = state.db.current() {
        properties["harbor.scanner-adapter/vulnerability-database-updated-at"] =
            json!(crate::time::rfc3339(loaded.built));
    }
    let body = json!({
        "scanner": scanner(),
        "capabilities": [{
            "consumes_mime_types": CONSUMES,
            "produces_mime_types": [REPORT_V1_1, REPORT_V1_0],
        }],
        "properties": properties,
    });
    ([(CONTENT_TYPE, METADATA)], body.to_string()).into_response()
}

fn scanner() -> serde_json::Value {
    json!({"name": "plinth", "vendor": "plinth", "version": env!("CARGO_PKG_VERSION")})
}

async fn accept_scan(
    State(state): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match parse_request(body) {
        Ok(r) => r,
        Err(e) => return harbor_error(e),
    };
    let image = match remote_image(&request) {
        Ok(i) => i,
        Err(e) => return harbor_error(e),
    };
    let id = state.jobs.start();
    let job_id = id.clone();
    tokio::spawn(async move {
        let artifact = request.artifact;
        let report = crate::api::scan_remote(state.clone(), image, move |scanned, snapshot| {
            vulnerability_report(&scanned.report, artifact, snapshot)
                .map_err(crate::api::store_error)
        });
        let job = match report.await {
            Ok(report) => Job::Done(Arc::new(report)),
            Err(e) => Job::Failed(e.message),
        };
        state.jobs.finish(&job_id, job);
    });
    (
        StatusCode::ACCEPTED,
        [(CONTENT_TYPE, SCAN_RESPONSE)],
        json!({"id": id}).to_string(),
    )
        .into_response()
}

/// 400 for JSON that does not parse or has the wrong types, as the spec says; 422 for fields
/// that parse but cannot be used (see [`remote_image`]).
fn parse_request(body: Result<Bytes, BytesRejection>) -> Result<ScanRequest, ApiError> {
    serde_json::from_slice(&body?).map_err(|e| ApiError::bad_request(format!("scan request: {e}")))
}

/// The image reference and credentials a scan request names.
fn remote_image(request: &ScanRequest) -> Result<RemoteImage, ApiError> {
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    let url = request.registry.url.trim_end_matches('/');
    let (insecure, host) = match url.split_once("://") {
        Some(("https", host)) => (false, host),
        Some(("http", host)) => (true, host),
        _ => {
            return Err(invalid(format!(
                "registry.url {url:?}: expected http:// or https://"
            )));
        }
    };
    if host.is_empty() || host.contains('/') {
        return Err(invalid(format!(
            "registry.url {url:?}: expected a host[:port]"
        )));
    }
    let artifact = &request.artifact;
    let repository = artifact
        .repository
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| invalid("artifact.repository is required".into()))?;
    let reference = match (&artifact.digest, &artifact.tag) {
        (Some(d), _) if d.starts_with("sha256:") => format!("{host}/{repository}@{d}"),
        (Some(d), _) => {
            return Err(invalid(format!(
                "artifact.digest {d:?}: expected sha256:HEX"
            )));
        }
        (None, Some(t)) => format!("{host}/{repository}:{t}"),
        (None, None) => {
            return Err(invalid(
                "artifact.digest or artifact.tag is required".into(),
            ));
        }
    };
    let credentials = match request.registry.authorization.as_deref() {
        None | Some("") => None,
        Some(value) => Some(registry_auth(value).map_err(invalid)?),
    };
    Ok(RemoteImage {
        reference,
        credentials,
        insecure,
    })
}

/// `Basic base64(user:password)`, as Harbor sends a robot account's credentials, or
/// `Bearer TOKEN`, a registry token Harbor issued for the artifact's repository.
fn registry_auth(value: &str) -> Result<RegistryAuth, String> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Ok(RegistryAuth::Bearer(rest.to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("registry.authorization: expected Basic or Bearer credentials".into());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| "registry.authorization: Basic value is not base64 of text".to_string())?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| "registry.authorization: Basic value has no user:password".to_string())?;
    Ok(RegistryAuth::Basic {
        username: username.to_string(),
        password: password.to_string(),
    })
}

async fn report(
    State(state): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let wanted = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(REPORT_V1_1);
    let media = if wanted.contains("vuln.report.harbor+json") {
        REPORT_V1_0
    } else if wanted.contains("vulnerability.report") || wanted.contains("*/*") {
        REPORT_V1_1
    } else {
        return harbor_error(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            format!("Accept {wanted:?}: this scanner produces {REPORT_V1_1} and {REPORT_V1_0}"),
        ));
    };
    match state.jobs.get(&id) {
        None => harbor_error(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no scan request {id:?}"),
        )),
        Some(Job::Running) => {
            (StatusCode::FOUND, [("Refresh-After", REFRESH_AFTER)]).into_response()
        }
        Some(Job::Failed(message)) => harbor_error(ApiError::internal(message)),
        Some(Job::Done(report)) => ([(CONTENT_TYPE, media)], report.to_string()).into_response(),
    }
}

/// `HarborVulnerabilityReport` of a scan: every finding, its highest severity overall. The
/// CVSS metrics of each CVE come from `cves` (the snapshot the findings came from).
pub fn vulnerability_report(
    report: &TargetReport,
    artifact: Artifact,
    cves: &impl Advisories,
) -> Result<serde_json::Value, DbError> {
    let items = report
        .findings
        .iter()
        .map(|f| Ok(item(f, &cves.cve_severity(&f.id)?)))
        .collect::<Result<Vec<_>, DbError>>()?;
    let top = report
        .findings
        .iter()
        .map(|f| f.severity.level)
        .max()
        .unwrap_or(Level::Unknown);
    Ok(json!({
        "generated_at": crate::time::rfc3339(crate::time::now()),
        "artifact": artifact,
        "scanner": scanner(),
        "severity": severity(top),
        "vulnerabilities": items,
    }))
}

/// The spec's `Severity` spelling.
fn severity(level: Level) -> &'static str {
    match level {
        Level::Unknown => "Unknown",
        Level::Low => "Low",
        Level::Medium => "Medium",
        Level::High => "High",
        Level::Critical => "Critical",
    }
}

/// `VulnerabilityItem`. `cwe_ids` only when the database files any under the finding: an
/// empty list would claim there is none.
fn item(f: &Finding, cve_metrics: &[CveMetric]) -> serde_json::Value {
    let mut v = json!({
        "id": f.id,
        "package": f.package,
        "version": f.installed_version,
        "severity": severity(f.severity.level),
        "description": f.title,
        "links": f.references,
    });
    if let Some(fixed) = &f.fixed_version {
        v["fix_version"] = json!(fixed);
    }
    if !f.cwe.is_empty() {
        v["cwe_ids"] = json!(f.cwe);
    }
    if let (Some(score), Some(vector)) = (f.severity.cvss_score, &f.severity.cvss_vector) {
        let cvss = if vector.starts_with("CVSS:3") {
            json!({"score_v3": score, "vector_v3": vector})
        } else if vector.starts_with("CVSS:") {
            // v4 has no field in v1.1; its score is still the one shown.
            json!({"score_v3": score})
        } else {
            json!({"score_v2": score, "vector_v2": vector})
        };
        v["preferred_cvss"] = cvss;
    }
    if !cve_metrics.is_empty() {
        v["vendor_attributes"] = json!({ "CVSS": cvss_by_source(cve_metrics) });
    }
    v
}

/// `vendor_attributes.CVSS` as Harbor reads it (and its Trivy adapter writes it): per source
/// (`nvd`, `cna`, `cisa-adp`), `V2Score`/`V2Vector`, `V3Score`/`V3Vector` and
/// `V40Score`/`V40Vector`, the newest 3.x when a source states both. The OpenAPI document
/// sketches vendor attributes as a list of key/value pairs, but Harbor decodes the field
/// into a JSON object (`map[string]interface{}`), so an object is what it can read.
fn cvss_by_source(metrics: &[CveMetric]) -> serde_json::Value {
    let mut sorted: Vec<&CveMetric> = metrics.iter().collect();
    sorted.sort_by_key(|m| m.version);
    let mut by_source = serde_json::Map::new();
    for m in sorted {
        let field = match m.version {
            CvssVersion::V2 => "V2",
            CvssVersion::V30 | CvssVersion::V31 => "V3",
            CvssVersion::V40 => "V40",
        };
        let entry = by_source
            .entry(m.source_label())
            .or_insert_with(|| json!({}));
        entry[format!("{field}Score")] = json!(m.score);
        entry[format!("{field}Vector")] = json!(m.vector);
    }
    serde_json::Value::Object(by_source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str, auth: Option<&str>, digest: Option<&str>) -> ScanRequest {
        ScanRequest {
            registry: Registry {
                url: url.into(),
                authorization: auth.map(str::to_string),
            },
            artifact: Artifact {
                repository: Some("library/app".into()),
                digest: digest.map(str::to_string),
                tag: Some("1.0".into()),
                mime_type: None,
            },
        }
    }

    #[test]
    fn builds_the_reference_harbor_means() {
        let r = remote_image(&request(
            "https://core.harbor.domain/",
            Some("Basic cm9ib3Q6czNjcmV0"),
            Some("sha256:abc"),
        ))
        .unwrap();
        assert_eq!(r.reference, "core.harbor.domain/library/app@sha256:abc");
        assert_eq!(
            r.credentials,
            Some(RegistryAuth::Basic {
                username: "robot".into(),
                password: "s3cret".into()
            })
        );
        assert!(!r.insecure);
        let r = remote_image(&request("https://h", Some("Bearer eyJ.x.y"), None)).unwrap();
        assert_eq!(r.credentials, Some(RegistryAuth::Bearer("eyJ.x.y".into())));
        let r = remote_image(&request("http://127.0.0.1:5000", None, None)).unwrap();
        assert_eq!(r.reference, "127.0.0.1:5000/library/app:1.0");
        assert!(r.insecure);
    }

    #[test]
    fn refuses_what_it_cannot_pull() {
        for (url, auth) in [
            ("ftp://x", None),
            ("https://", None),
            ("https://h/path", None),
            ("https://h", Some("Bearer ")),
            ("https://h", Some("Digest abc")),
            ("https://h", Some("Basic !!!")),
        ] {
            let e = remote_image(&request(url, auth, None)).unwrap_err();
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "{url} {auth:?}");
        }
    }
}
