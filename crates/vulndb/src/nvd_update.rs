//! `db update` of NVD's CVE API 2.0 into the per-CVE severity table.
//!
//! The first run pages through every CVE. Later runs ask only for what changed since the last
//! one (`lastModStartDate`/`lastModEndDate`, at most 120 days apart as NVD requires) and merge
//! those CVEs into the stored ones; a gap longer than that pages through everything again. An
//! API key, when given, goes in NVD's `apiKey` header. Any page that fails (after retries) or
//! does not parse fails the whole update and keeps the old data: a half-read window would move
//! the watermark past CVEs never read.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::error::DbError;
use crate::feed::{Records, nvd};
use crate::sources::UpdateOptions;
use crate::store::{SourceInfo, Writer, now};
use crate::{cwe, severity_table};

/// NVD's CVE API 2.0 endpoint.
pub const NVD_API: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";

/// The name NVD's data is stored under.
pub const NVD_SOURCE: &str = "nvd";

/// NVD refuses `lastModStartDate`/`lastModEndDate` ranges longer than this.
const MAX_WINDOW: u64 = 120 * 86_400;

/// The largest page body read (a 2,000-CVE page is a few MiB).
const MAX_PAGE: u64 = 256 << 20;

/// Where and how to ask NVD.
#[derive(Debug, Clone)]
pub struct NvdOptions {
    /// The API endpoint ([`NVD_API`], or a mirror or test server serving the same API).
    pub url: String,
    /// Sent as the `apiKey` header: NVD allows 50 requests per 30 s with one, 5 without.
    pub api_key: Option<String>,
    /// `resultsPerPage`; NVD's maximum is 2,000.
    pub page_size: u32,
    /// The end of the window asked for (unix seconds); now when `None`. The next update starts
    /// there.
    pub until: Option<u64>,
}

impl Default for NvdOptions {
    fn default() -> Self {
        NvdOptions {
            url: NVD_API.into(),
            api_key: None,
            page_size: 2_000,
            until: None,
        }
    }
}

/// What an NVD update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NvdReport {
    /// CVEs with metrics read (and stored or merged).
    pub cves: u64,
    /// Pages requested.
    pub pages: u32,
    /// True when only CVEs modified since the last update were asked for.
    pub incremental: bool,
}

/// The paging fields of an API answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    total_results: u64,
    results_per_page: u64,
    start_index: u64,
}

/// Updates the NVD source of the database at `db_path` (see the module doc). `options` gives the
/// timeout and retries.
pub fn update_nvd(
    db_path: &Path,
    nvd: &NvdOptions,
    options: &UpdateOptions,
) -> Result<NvdReport, DbError> {
    let mut writer = Writer::begin(db_path)?;
    let known = writer.sources()?.into_iter().find(|s| s.name == NVD_SOURCE);
    let end = nvd.until.unwrap_or_else(now);
    // `loaded_at` is the end of the last window read: the next one starts there.
    let window = known
        .as_ref()
        .map(|k| k.loaded_at)
        .filter(|&start| start > 0 && end.saturating_sub(start) <= MAX_WINDOW)
        .map(|start| (start, end));
    let agent = crate::fetch::agent(options);
    let mut records = Records::default();
    let mut report = NvdReport {
        cves: 0,
        pages: 0,
        incremental: window.is_some(),
    };
    let mut start_index = 0;
    loop {
        let url = page_url(nvd, window, start_index);
        let body = get_page(&agent, &url, nvd.api_key.as_deref(), options)?;
        let page: Page = serde_json::from_slice(&body).map_err(|e| DbError::Malformed {
            path: url.clone().into(),
            format: "NVD CVE API 2.0",
            message: e.to_string(),
        })?;
        nvd::read(Path::new(&url), &body, &mut records)?;
        report.pages += 1;
        start_index = page.start_index + page.results_per_page;
        if page.results_per_page == 0 || start_index >= page.total_results {
            break;
        }
    }
    report.cves = records.cves.len() as u64;
    let info = SourceInfo {
        name: NVD_SOURCE.into(),
        origin: nvd.url.clone(),
        loaded_at: end,
        checked_at: now(),
        stats: records.stats.clone(),
        ..SourceInfo::default()
    };
    let rows = severity_table::encode(records.cves, NVD_SOURCE)?;
    let cwes = cwe::encode(records.cwes, NVD_SOURCE)?;
    writer.store_cves(&info, &rows, &cwes, window.is_none())?;
    writer.finish()?;
    Ok(report)
}

fn page_url(nvd: &NvdOptions, window: Option<(u64, u64)>, start_index: u64) -> String {
    let mut url = format!(
        "{}?resultsPerPage={}&startIndex={start_index}",
        nvd.url, nvd.page_size
    );
    if let Some((start, end)) = window {
        url += &format!(
            "&lastModStartDate={}&lastModEndDate={}",
            iso8601(start).replace('+', "%2B"),
            iso8601(end).replace('+', "%2B")
        );
    }
    url
}

/// One page, retried with backoff on network errors, 5xx, 429 and NVD's rate-limit 403.
fn get_page(
    agent: &ureq::Agent,
    url: &str,
    api_key: Option<&str>,
    options: &UpdateOptions,
) -> Result<Vec<u8>, DbError> {
    let mut wait = options.backoff;
    let mut attempt = 0;
    loop {
        let (message, retry) = match get_once(agent, url, api_key) {
            Ok(body) => return Ok(body),
            Err(e) => e,
        };
        if !retry || attempt >= options.retries {
            return Err(DbError::Http {
                url: url.into(),
                message,
            });
        }
        attempt += 1;
        std::thread::sleep(wait);
        wait = wait.saturating_mul(2).min(Duration::from_secs(30));
    }
}

fn get_once(
    agent: &ureq::Agent,
    url: &str,
    api_key: Option<&str>,
) -> Result<Vec<u8>, (String, bool)> {
    let mut request = agent.get(url);
    if let Some(key) = api_key {
        request = request.header("apiKey", key);
    }
    let mut response = request.call().map_err(|e| (e.to_string(), true))?;
    let status = response.status().as_u16();
    if status != 200 {
        let retry = status >= 500 || matches!(status, 403 | 408 | 429);
        return Err((format!("HTTP {status}"), retry));
    }
    let html = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
    if html {
        return Err(("served an HTML page, not an NVD API answer".into(), false));
    }
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_PAGE)
        .read_to_end(&mut body)
        .map_err(|e| {
            (
                format!("download broke after {} bytes: {e}", body.len()),
                true,
            )
        })?;
    Ok(body)
}

/// Unix seconds as NVD's extended ISO 8601 (`2024-01-31T00:00:00.000+00:00`).
fn iso8601(secs: u64) -> String {
    let (date, time) = crate::calendar::date_and_time(secs);
    format!("{date}T{time}.000+00:00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00.000+00:00");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20.000+00:00");
    }
}
