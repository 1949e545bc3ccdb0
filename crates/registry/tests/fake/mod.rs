//! A small misbehaving registry for tests: an HTTP/1.1 server on 127.0.0.1 (std::net only)
//! whose every answer a test decides, serving a tiny synthetic image built here. It does
//! what a real registry won't: expire tokens, refuse, stall, lie about digests, cut blobs
//! short, redirect in circles. One connection per request (`Connection: close`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plinth_image::Digest;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: BTreeMap<String, String>,
    /// The body, when a `Content-Length` announced one.
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What to answer.
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Headers promising the whole body, then only `send` bytes of it, then close.
    Cut {
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        send: usize,
    },
    /// Accept and say nothing until the client gives up.
    Stall,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Full {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } | Reply::Cut { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running fake registry; it stops accepting when dropped.
pub struct Fake {
    pub addr: String,
    pub log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Fake {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr").to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log2, stop2) = (log.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (handler, log, stop) = (handler.clone(), log2.clone(), stop2.clone());
                std::thread::spawn(move || serve(conn, &*handler, &log, &stop));
            }
        });
        Fake { addr, log, stop }
    }

    /// Requests seen so far whose path starts with `prefix`.
    pub fn hits(&self, prefix: &str) -> Vec<Request> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|r| r.path.starts_with(prefix))
            .cloned()
            .collect()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(&self.addr);
    }
}

fn serve(conn: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>, stop: &AtomicBool) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(conn.try_clone().expect("clone stream"));
    let Some(mut req) = read_request(&mut reader) else {
        return;
    };
    let mut conn = conn;
    // An HTTP proxy's CONNECT: open the tunnel, then serve the request that comes through it.
    if let Some(target) = req.path.strip_prefix("CONNECT ") {
        let _ = conn.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        log.lock().unwrap().push(Request {
            path: format!("CONNECT {target}"),
            ..req.clone()
        });
        let Some(inner) = read_request(&mut reader) else {
            return;
        };
        req = inner;
    }
    log.lock().unwrap().push(req.clone());
    match handler(&req) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let _ = conn.write_all(&head(status, &headers, body.len()));
            let _ = conn.write_all(&body);
        }
        Reply::Cut {
            headers,
            body,
            send,
        } => {
            let _ = conn.write_all(&head(200, &headers, body.len()));
            let _ = conn.write_all(&body[..send.min(body.len())]);
        }
        Reply::Stall => {
            // Hold the connection open without a byte until the client leaves (or 10 s).
            let mut buf = [0u8; 64];
            while !stop.load(Ordering::Relaxed) && matches!(reader.read(&mut buf), Ok(n) if n > 0) {
            }
        }
    }
    let _ = conn.flush();
}

/// Reads a request line and headers; a CONNECT's path is `CONNECT host:port`.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or("").to_string();
    let target = words.next().unwrap_or("").to_string();
    let path = if method == "CONNECT" {
        format!("CONNECT {target}")
    } else {
        target
    };
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn head(status: u16, headers: &[(String, String)], len: usize) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str(&format!(
        "Content-Length: {len}\r\nConnection: close\r\n\r\n"
    ));
    s.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// A one-layer image small enough to build in a test: an uncompressed tar layer with two
/// files, its config and OCI manifest.
pub struct TestImage {
    pub layer: Vec<u8>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
}

pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

impl TestImage {
    pub fn new() -> TestImage {
        let mut layer = Vec::new();
        tar_file(&mut layer, "etc/hello", b"hello from the fake registry\n");
        tar_file(&mut layer, "bin/big", &[7u8; 300_000]);
        layer.extend_from_slice(&[0u8; 1024]);
        let diff_id = Digest::of(&layer);
        let config = format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{diff_id}"]}},"history":[{{"created_by":"fake layer"}}]}}"#
        )
        .into_bytes();
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_TYPE}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
            Digest::of(&config),
            config.len(),
            diff_id,
            layer.len()
        )
        .into_bytes();
        TestImage {
            layer,
            config,
            manifest,
        }
    }

    pub fn manifest_digest(&self) -> Digest {
        Digest::of(&self.manifest)
    }

    pub fn layer_digest(&self) -> Digest {
        Digest::of(&self.layer)
    }

    /// The honest answer to `req` for repository `test/img` (tag `latest`), if it is one.
    pub fn answer(&self, req: &Request) -> Option<Reply> {
        let path = req.path.split_once("/v2/").map(|(_, p)| p)?;
        if path.is_empty() {
            return Some(Reply::status(200));
        }
        let rest = path.strip_prefix("test/img/")?;
        if let Some(r) = rest.strip_prefix("manifests/") {
            if r != "latest" && r != self.manifest_digest().to_string() {
                return Some(Reply::json(
                    404,
                    r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
                ));
            }
            return Some(
                Reply::Full {
                    status: 200,
                    headers: Vec::new(),
                    body: self.manifest.clone(),
                }
                .with("Content-Type", MANIFEST_TYPE)
                .with("Docker-Content-Digest", &self.manifest_digest().to_string()),
            );
        }
        let d = rest.strip_prefix("blobs/")?;
        let body = if d == Digest::of(&self.config).to_string() {
            self.config.clone()
        } else if d == self.layer_digest().to_string() {
            self.layer.clone()
        } else {
            return Some(Reply::json(
                404,
                r#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}"#,
            ));
        };
        Some(ranged(req, body))
    }
}

/// Serves `body`, honouring a `Range: bytes=N-` request.
pub fn ranged(req: &Request, body: Vec<u8>) -> Reply {
    let from = req
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
    match from {
        Some(n) if n < body.len() => {
            let total = body.len();
            Reply::Full {
                status: 206,
                headers: vec![(
                    "Content-Range".into(),
                    format!("bytes {n}-{}/{total}", total - 1),
                )],
                body: body[n..].to_vec(),
            }
        }
        _ => Reply::Full {
            status: 200,
            headers: Vec::new(),
            body,
        },
    }
}

/// Appends one regular file to a ustar stream (hand-written: the CLI tests share this file
/// and have no tar crate).
fn tar_file(out: &mut Vec<u8>, name: &str, body: &[u8]) {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |h: &mut [u8; 512], at: usize, width: usize, v: u64| {
        let s = format!("{v:0w$o}\0", w = width - 1);
        h[at..at + width].copy_from_slice(s.as_bytes());
    };
    octal(&mut h, 100, 8, 0o644);
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, body.len() as u64);
    octal(&mut h, 136, 12, 0);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(body);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// A real image from an OCI layout directory (make-images.sh's), served honestly as
/// repository `app`, by tag `latest` and by digest.
pub struct Layout {
    root: PathBuf,
    manifest: String,
}

impl Layout {
    /// The layout's first manifest is the one served.
    pub fn new(root: PathBuf) -> Layout {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
        let manifest = index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string();
        Layout { root, manifest }
    }

    /// The served manifest's digest.
    pub fn digest(&self) -> &str {
        &self.manifest
    }

    fn blob(&self, digest: &str) -> Option<Vec<u8>> {
        let hex = digest.strip_prefix("sha256:")?;
        std::fs::read(self.root.join("blobs/sha256").join(hex)).ok()
    }

    /// The digests of the served manifest's layers.
    pub fn layers(&self) -> Vec<String> {
        let manifest: serde_json::Value =
            serde_json::from_slice(&self.blob(&self.manifest).unwrap()).unwrap();
        manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn answer(&self, req: &Request) -> Reply {
        let manifest = req.path.strip_prefix("/v2/app/manifests/");
        match req.path.as_str() {
            "/v2/" => Reply::status(200),
            _ if manifest.is_some_and(|r| r == "latest" || r == self.manifest) => Reply::Full {
                status: 200,
                headers: Vec::new(),
                body: self.blob(&self.manifest).unwrap(),
            }
            .with("Content-Type", MANIFEST_TYPE)
            .with("Docker-Content-Digest", &self.manifest),
            path => match path
                .strip_prefix("/v2/app/blobs/")
                .and_then(|d| self.blob(d))
            {
                Some(body) => ranged(req, body),
                None => Reply::status(404),
            },
        }
    }
}
