//! HTTP for `db update`: one feed, mirrors in order, retries with backoff, conditional requests,
//! streamed to a temporary file. Blocking `ureq`; parallelism is threads in `update`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use crate::error::DbError;
use crate::sources::UpdateOptions;

/// Validators of the copy we have, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What one fetch produced.
pub(crate) enum Fetched {
    /// 304: the stored copy is current.
    NotModified { url: String },
    /// A complete body in `file`.
    Body {
        url: String,
        file: PathBuf,
        validators: Validators,
    },
}

/// Why one attempt failed, and whether another attempt could help.
struct AttemptError {
    message: String,
    retry: bool,
}

pub(crate) fn agent(options: &UpdateOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .user_agent(format!("plinth/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Fetches the first URL that answers, retrying each with backoff. The error names the last URL
/// tried and the last reason.
pub(crate) fn fetch(
    agent: &ureq::Agent,
    urls: &[String],
    have: &Validators,
    dest: &Path,
    options: &UpdateOptions,
    bar: &ProgressBar,
) -> Result<Fetched, DbError> {
    let mut last = DbError::Http {
        url: String::new(),
        message: "no URL to fetch".into(),
    };
    for url in urls {
        let mut wait = options.backoff;
        for attempt in 0..=options.retries {
            if attempt > 0 {
                bar.set_message(format!("retry {attempt} in {wait:?}"));
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            match attempt_once(agent, url, have, dest, bar) {
                Ok(fetched) => return Ok(fetched),
                Err(e) => {
                    let retry = e.retry;
                    last = DbError::Http {
                        url: url.clone(),
                        message: e.message,
                    };
                    if !retry {
                        break;
                    }
                }
            }
        }
    }
    Err(last)
}

fn attempt_once(
    agent: &ureq::Agent,
    url: &str,
    have: &Validators,
    dest: &Path,
    bar: &ProgressBar,
) -> Result<Fetched, AttemptError> {
    let mut request = agent.get(url);
    if let Some(etag) = &have.etag {
        request = request.header("If-None-Match", etag);
    }
    if let Some(date) = &have.last_modified {
        request = request.header("If-Modified-Since", date);
    }
    let mut response = request.call().map_err(|e| AttemptError {
        message: e.to_string(),
        retry: true,
    })?;
    let status = response.status().as_u16();
    if status == 304 {
        return Ok(Fetched::NotModified {
            url: url.to_string(),
        });
    }
    if status != 200 {
        // 5xx and 429 are the server's passing trouble; other codes will not change on retry.
        let retry = status >= 500 || status == 429 || status == 408;
        return Err(AttemptError {
            message: format!("HTTP {status}"),
            retry,
        });
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let expected = header("content-length").and_then(|v| v.parse::<u64>().ok());
    if header("content-type").is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html")) {
        return Err(AttemptError {
            message: "served an HTML page, not a feed".into(),
            retry: false,
        });
    }
    bar.set_length(expected.unwrap_or(0));
    bar.set_position(0);
    bar.set_message("");
    let received = copy_body(response.body_mut().as_reader(), dest, bar)?;
    if let Some(expected) = expected.filter(|&n| n != received) {
        return Err(AttemptError {
            message: format!("truncated download: {received} of {expected} bytes"),
            retry: true,
        });
    }
    Ok(Fetched::Body {
        url: url.to_string(),
        file: dest.to_path_buf(),
        validators,
    })
}

fn copy_body(mut body: impl Read, dest: &Path, bar: &ProgressBar) -> Result<u64, AttemptError> {
    let local = |e: std::io::Error| AttemptError {
        message: format!("{}: {e}", dest.display()),
        retry: false,
    };
    let mut file = File::create(dest).map_err(local)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(AttemptError {
                    message: describe_read_error(&e, total),
                    retry: true,
                });
            }
        };
        file.write_all(&buf[..n]).map_err(local)?;
        total += n as u64;
        bar.set_position(total);
    }
    file.flush().map_err(local)?;
    Ok(total)
}

fn describe_read_error(e: &std::io::Error, received: u64) -> String {
    match e.kind() {
        std::io::ErrorKind::TimedOut => {
            format!("stalled: no data for too long after {received} bytes")
        }
        std::io::ErrorKind::UnexpectedEof => format!("truncated download after {received} bytes"),
        _ => format!("download broke after {received} bytes: {e}"),
    }
}
