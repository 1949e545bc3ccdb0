//! A blob as a stream straight off the socket. When the connection drops or stalls part way,
//! the reader asks again for the rest with a `Range` request and carries on, so one hiccup
//! does not restart a large layer. It never buffers the blob; digests are checked downstream.

use std::io::{self, Read};

use indicatif::ProgressBar;
use plinth_image::Result;
use ureq::BodyReader;

use crate::TransferError;
use crate::client::{Client, Get, header};

/// Resumptions allowed per blob before giving up.
const MAX_RESUMES: u32 = 3;

pub struct BlobReader<'a> {
    client: &'a Client,
    path: String,
    /// `blob sha256:…`, for messages.
    label: String,
    body: Option<BodyReader<'static>>,
    offset: u64,
    total: Option<u64>,
    resumes: u32,
    bar: Option<ProgressBar>,
}

impl<'a> BlobReader<'a> {
    /// Starts the download of `path` (`/v2/REPO/blobs/DIGEST`).
    pub fn open(
        client: &'a Client,
        path: String,
        label: String,
        progress: &crate::progress::Progress,
    ) -> Result<BlobReader<'a>> {
        let get = Get {
            path: &path,
            accept: None,
            range_from: None,
            head: false,
        };
        let mut resp = client.get(&get)?;
        match resp.status().as_u16() {
            200 => {}
            404 => {
                return Err(client.network(format!("{label} not found in the registry (404)")));
            }
            _ => return Err(client.status_error(&mut resp, &format!("fetching {label}"))),
        }
        let total = header(&resp, "content-length").and_then(|v| v.parse().ok());
        let short = label.trim_start_matches("blob sha256:");
        let bar = progress.bar(short.get(..12).unwrap_or(short), total);
        Ok(BlobReader {
            client,
            path,
            label,
            body: Some(resp.into_body().into_reader()),
            offset: 0,
            total,
            resumes: 0,
            bar,
        })
    }

    /// Asks for the rest of the blob after a failure; errors once resumptions run out.
    fn resume(&mut self, cause: io::Error) -> io::Result<()> {
        self.body = None;
        if self.resumes >= MAX_RESUMES {
            return Err(self.fault(format!(
                "{cause} at byte {} (gave up after {MAX_RESUMES} resumed downloads)",
                self.offset
            )));
        }
        self.resumes += 1;
        crate::debug::log(format_args!(
            "{}: {}: {cause}; resuming at byte {}",
            self.client.reference, self.label, self.offset
        ));
        let get = Get {
            path: &self.path,
            accept: None,
            range_from: Some(self.offset),
            head: false,
        };
        let mut resp = self
            .client
            .get(&get)
            .map_err(|e| self.fault(e.to_string()))?;
        match resp.status().as_u16() {
            206 => {
                let start = header(&resp, "content-range")
                    .and_then(|r| range_start(&r))
                    .unwrap_or(u64::MAX);
                if start != self.offset {
                    return Err(self.fault(format!(
                        "resumed download starts at the wrong byte (asked for {})",
                        self.offset
                    )));
                }
                self.body = Some(resp.into_body().into_reader());
            }
            200 => {
                // The server ignored the range: skip what we already have.
                let mut body = resp.into_body().into_reader();
                let skipped = io::copy(&mut (&mut body).take(self.offset), &mut io::sink())?;
                if skipped != self.offset {
                    return Err(self.fault("blob shorter on a second download".into()));
                }
                self.body = Some(body);
            }
            _ => {
                let e = self
                    .client
                    .status_error(&mut resp, &format!("resuming {}", self.label));
                return Err(self.fault(e.to_string()));
            }
        }
        Ok(())
    }

    fn fault(&self, message: String) -> io::Error {
        io::Error::other(TransferError(message))
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(body) = self.body.as_mut() else {
                return Err(self.fault(format!("{} download was abandoned", self.label)));
            };
            match body.read(buf) {
                Ok(0) if self.total.is_some_and(|t| self.offset < t) && !buf.is_empty() => {
                    self.resume(io::Error::from(io::ErrorKind::UnexpectedEof))?;
                }
                Ok(n) => {
                    self.offset += n as u64;
                    if let Some(bar) = &self.bar {
                        bar.inc(n as u64);
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.resume(e)?,
            }
        }
    }
}

/// `bytes 100-199/200` → 100.
fn range_start(content_range: &str) -> Option<u64> {
    let spec = content_range.trim().strip_prefix("bytes")?.trim_start();
    spec.split('-').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes 0-0/*"), Some(0));
        assert_eq!(range_start("items 1-2/3"), None);
    }
}
