//! Test helpers: synthetic OSV records, zips of them, and a tiny HTTP/1.1 server on 127.0.0.1.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A small but realistic OSV record.
pub fn osv_record(id: &str, ecosystem: &str, package: &str, fixed: &str) -> String {
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2024-01-02T03:04:05Z",
        "published": "2023-12-01T00:00:00Z",
        "aliases": [format!("CVE-{}", id.len())],
        "summary": format!("problem in {package}"),
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": package},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }],
        "references": [{"type": "WEB", "url": format!("https://example.org/{id}")}]
    })
    .to_string()
}

/// Writes `entries` (name, bytes) as a zip.
pub fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// How the server answers one path.
#[derive(Clone)]
pub enum Reply {
    /// 200 with an ETag; 304 when the client sends it back.
    Serve { body: Vec<u8>, etag: String },
    /// Announces the full length, sends half, closes.
    Truncate(Vec<u8>),
    /// This status, empty body.
    Status(u16),
    /// Headers and a few bytes, then silence for `Duration`, then close.
    Stall(Duration),
    /// 200 text/html.
    Html,
}

pub struct Server {
    pub base: String,
    replies: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Server {
    /// Starts a server thread; it lives until the test process ends.
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let replies: Arc<Mutex<HashMap<String, Reply>>> = Default::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Default::default();
        let (r, h) = (replies.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (r, h) = (r.clone(), h.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &r, &h);
                });
            }
        });
        Server {
            base,
            replies,
            hits,
        }
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.replies.lock().unwrap().insert(path.to_string(), reply);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn handle(
    stream: TcpStream,
    replies: &Mutex<HashMap<String, Reply>>,
    hits: &Mutex<HashMap<String, usize>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(value.trim().to_string());
        }
    }
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let reply = replies.lock().unwrap().get(&path).cloned();
    let mut out = stream;
    match reply {
        None => write!(
            out,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?,
        Some(Reply::Serve { body, etag }) => {
            if if_none_match.as_deref() == Some(etag.as_str()) {
                write!(
                    out,
                    "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                )?;
            } else {
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                )?;
                out.write_all(&body)?;
            }
        }
        Some(Reply::Truncate(body)) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body[..body.len() / 2])?;
        }
        Some(Reply::Status(code)) => write!(
            out,
            "HTTP/1.1 {code} Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?,
        Some(Reply::Stall(pause)) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\nPK"
            )?;
            out.flush()?;
            std::thread::sleep(pause);
        }
        Some(Reply::Html) => {
            let body = "<!DOCTYPE html><html><body>Sign in</body></html>";
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )?;
        }
    }
    out.flush()
}
