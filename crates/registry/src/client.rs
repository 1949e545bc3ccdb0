//! The HTTP side of the distribution API: one GET with everything a registry can throw at
//! it handled in one place: auth challenges, redirects to blob storage, 429 and 5xx retries
//! with backoff and `Retry-After`, stalls, and errors turned into one-line messages.

use std::io::Read;
use std::thread::sleep;
use std::time::Duration;

use plinth_image::{Error, Result};
use ureq::http::Response;
use ureq::{Agent, Body};

use crate::auth::{Auth, Challenge, TokenReply, parse_challenge};
use crate::debug;
use crate::options::Options;
use crate::reference::{ImageRef, is_loopback_host};

/// Redirect chains longer than this are treated as loops.
const MAX_REDIRECTS: usize = 8;
/// A `Retry-After` longer than this is not waited for: the error says when to come back.
const MAX_RETRY_AFTER: u64 = 60;
/// Token service answers are small JSON.
const MAX_TOKEN_REPLY: u64 = 1 << 20;

/// A client for one repository of one registry.
pub struct Client {
    direct: Agent,
    proxied: Agent,
    /// `https://host[:port]` or `http://…`.
    base: String,
    authority: String,
    repository: String,
    /// The reference as the user wrote it (normalised), for messages.
    pub reference: String,
    pub auth: Auth,
    insecure: bool,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    /// Ask token services for push access too (when a challenge names no scope).
    push: bool,
}

/// Which request this is, for error messages and Accept headers.
pub struct Get<'a> {
    pub path: &'a str,
    pub accept: Option<&'a str>,
    pub range_from: Option<u64>,
    /// Send `HEAD` instead of `GET` (a manifest's digest without its body).
    pub head: bool,
}

impl Client {
    pub fn new(image: &ImageRef, opts: &Options) -> Result<Client> {
        let reference = image.to_string();
        let tls = tls_config(&reference, opts)?;
        let agent = |proxy: Option<ureq::Proxy>| -> Agent {
            Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_resolve(Some(opts.timeout))
                .timeout_connect(Some(opts.timeout))
                .timeout_recv_response(Some(opts.timeout))
                .timeout_per_read(Some(opts.timeout))
                .timeout_send_request(Some(opts.timeout))
                .user_agent(concat!("plinth/", env!("CARGO_PKG_VERSION")))
                .proxy(proxy)
                .tls_config(tls.clone())
                .build()
                .into()
        };
        let (direct, proxied) = (agent(None), agent(ureq::Proxy::try_from_env()));
        // Plain HTTP is allowed to this machine and with --insecure; as Docker does, HTTPS is
        // still tried first there, so a local registry serving TLS is spoken to over TLS.
        let host = image.api_host();
        let may_be_plain = opts.insecure || image.is_loopback();
        let via = if is_loopback_host(host) {
            &direct
        } else {
            &proxied
        };
        let plain = may_be_plain && !speaks_tls(via, host);
        let scheme = if plain { "http" } else { "https" };
        let credentials = match &opts.credentials {
            Some(c) => Some(c.clone()),
            None => crate::credentials::from_docker_config(&image.registry)?,
        };
        debug::log(format_args!(
            "{reference}: {}credentials for {}",
            if credentials.is_some() { "" } else { "no " },
            image.registry
        ));
        Ok(Client {
            direct,
            proxied,
            base: format!("{scheme}://{}", image.api_host()),
            authority: image.api_host().to_string(),
            repository: image.repository.clone(),
            reference,
            auth: Auth::new(credentials),
            insecure: opts.insecure,
            timeout: opts.timeout,
            retries: opts.retries,
            backoff: opts.backoff,
            push: false,
        })
    }

    /// The same client, asking for push access where a token service needs to be told.
    pub fn pushing(self) -> Client {
        Client { push: true, ..self }
    }

    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Sends a GET to the registry, answering auth challenges, following redirects and retrying
    /// what is worth retrying. Any final status is returned; the caller decides what it means.
    pub fn get(&self, req: &Get<'_>) -> Result<Response<Body>> {
        let url = format!("{}{}", self.base, req.path);
        self.exchange_authorized(req.path, |authorization| {
            self.follow(&url, req, authorization)
        })
    }

    /// Sends an upload request (see [`Upload`]) with the same auth answers and retries as
    /// [`Client::get`]; its body is read afresh for each attempt. Redirects are not followed:
    /// an upload goes to the registry that opened it.
    pub fn send(&self, req: &Upload<'_>) -> Result<Response<Body>> {
        let url = if req.url.contains("://") {
            req.url.to_string()
        } else {
            resolve(&format!("{}/", self.base), req.url)
        };
        if !self.allowed(&url) {
            return Err(self.network(format!(
                "refusing upload to {} (plain HTTP; use --insecure to allow)",
                strip_query(&url)
            )));
        }
        let what = strip_query(&url).to_string();
        self.exchange_authorized(&what, |authorization| {
            let same_host = authority_of(&url) == self.authority;
            self.send_body(&url, req, authorization.filter(|_| same_host))
        })
    }

    /// One request through the auth and retry loop: `send` is called with the
    /// `Authorization` value to use (none yet, basic, or a token).
    fn exchange_authorized(
        &self,
        what: &str,
        send: impl Fn(Option<&str>) -> Result<Response<Body>, Fault>,
    ) -> Result<Response<Body>> {
        let mut attempt = 0;
        let mut auth_rounds = 0;
        loop {
            let authorization = match self.auth.current() {
                Ok(h) => h,
                Err(expired) => {
                    self.answer(&expired)?;
                    self.auth.current().ok().flatten()
                }
            };
            let resp = match send(authorization.as_deref()) {
                Ok(resp) => resp,
                Err(fault) if fault.retryable && attempt < self.retries => {
                    attempt += 1;
                    self.wait(attempt, None, &fault.error.to_string());
                    continue;
                }
                Err(fault) => return Err(fault.error),
            };
            let status = resp.status().as_u16();
            if status == 401 && auth_rounds < 2 {
                auth_rounds += 1;
                let challenge = header(&resp, "www-authenticate").and_then(|h| parse_challenge(&h));
                if self.authenticate(challenge, authorization.as_deref())? {
                    continue;
                }
                return Ok(resp);
            }
            if (status == 429 || (500..600).contains(&status)) && attempt < self.retries {
                let retry_after = header(&resp, "retry-after")
                    .and_then(|v| retry_after(&v, std::time::SystemTime::now()));
                if retry_after.is_some_and(|s| s > MAX_RETRY_AFTER) {
                    return Ok(resp);
                }
                attempt += 1;
                self.wait(attempt, retry_after, &format!("{status} for {what}"));
                continue;
            }
            return Ok(resp);
        }
    }

    /// Sleeps before retry `attempt`: `Retry-After` when given, else exponential backoff.
    fn wait(&self, attempt: u32, retry_after: Option<u64>, why: &str) {
        let delay = match retry_after {
            Some(secs) => Duration::from_secs(secs),
            None => self.backoff.saturating_mul(1 << (attempt - 1).min(5)),
        };
        debug::log(format_args!(
            "{}: {why}; retry {attempt}/{} in {delay:?}",
            self.reference, self.retries
        ));
        sleep(delay);
    }

    /// Answers a 401. Returns whether there is something new to try.
    fn authenticate(&self, challenge: Option<Challenge>, sent: Option<&str>) -> Result<bool> {
        if self.auth.fixed() {
            // The registry refused the one token there is.
            return Ok(false);
        }
        match challenge {
            Some(Challenge::Basic) => Ok(self.auth.set_basic()),
            Some(bearer @ Challenge::Bearer { .. }) => {
                // Another thread may have renewed the token since this request was sent.
                let now = self.auth.current().ok().flatten();
                if now.is_some() && now.as_deref() != sent {
                    return Ok(true);
                }
                self.answer(&bearer)?;
                // The same header refused twice means the grant is not enough: stop.
                Ok(self.auth.current().ok().flatten().as_deref() != sent)
            }
            None => Ok(false),
        }
    }

    /// Gets a bearer token from the challenge's realm, with basic credentials when we have them.
    fn answer(&self, challenge: &Challenge) -> Result<()> {
        let Challenge::Bearer {
            realm,
            service,
            scope,
        } = challenge
        else {
            self.auth.set_basic();
            return Ok(());
        };
        let scope = scope.clone().unwrap_or_else(|| {
            let actions = if self.push { "pull,push" } else { "pull" };
            format!("repository:{}:{actions}", self.repository)
        });
        if let Some(refresh) = self
            .auth
            .credentials
            .as_ref()
            .and_then(|c| c.refresh_token())
        {
            return self.exchange(challenge, realm, service.as_deref(), &scope, refresh);
        }
        let mut url = realm.clone();
        let mut sep = if realm.contains('?') { '&' } else { '?' };
        for (k, v) in [
            ("service", service.as_deref()),
            ("scope", Some(scope.as_str())),
        ] {
            if let Some(v) = v {
                url.push_str(&format!("{sep}{k}={}", query_escape(v)));
                sep = '&';
            }
        }
        if !self.allowed(&url) {
            return Err(self.network(format!(
                "token service {realm} is not HTTPS (use --insecure to allow)"
            )));
        }
        let basic = self.auth.credentials.as_ref().map(|c| c.basic());
        let get = Get {
            path: "",
            accept: Some("application/json"),
            range_from: None,
            head: false,
        };
        let mut resp = self
            .send_to(&url, &get, basic.as_deref(), true)
            .map_err(|f| f.error)?;
        match resp.status().as_u16() {
            200 => {}
            // A token service that gives anonymous users nothing (Harbor's private
            // projects): the user has to log in, as with a registry's own 401.
            401 if basic.is_none() => return Err(self.status_error(&mut resp, "token")),
            401 | 403 if basic.is_some() => {
                return Err(self.network(format!(
                    "the registry's token service rejected the credentials for {} ({})",
                    self.authority,
                    resp.status()
                )));
            }
            status => {
                return Err(self.network(format!("token service {realm} answered {status}")));
            }
        }
        self.take_token(resp, challenge, realm, &scope)
    }

    /// Exchanges an identity token (an OAuth2 refresh token) for an access token: a form POST
    /// to the challenge's realm, as Docker does for `identitytoken` logins.
    fn exchange(
        &self,
        challenge: &Challenge,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        refresh: &str,
    ) -> Result<()> {
        if !self.allowed(realm) {
            return Err(self.network(format!(
                "token service {realm} is not HTTPS (use --insecure to allow)"
            )));
        }
        let mut form = format!(
            "grant_type=refresh_token&client_id=plinth&scope={}&refresh_token={}",
            query_escape(scope),
            query_escape(refresh)
        );
        if let Some(service) = service {
            form.push_str(&format!("&service={}", query_escape(service)));
        }
        let host = authority_of(realm);
        let agent = self.agent_for(host);
        let resp = agent
            .post(realm)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(form)
            .map_err(|e| self.transport_fault(host, e).error)?;
        debug::log(format_args!(
            "POST {realm} (refresh token) → {}",
            resp.status()
        ));
        match resp.status().as_u16() {
            200 => self.take_token(resp, challenge, realm, scope),
            status @ (400 | 401 | 403) => Err(self.network(format!(
                "the registry's token service rejected the identity token for {} ({status}); log in again",
                self.authority
            ))),
            status => Err(self.network(format!("token service {realm} answered {status}"))),
        }
    }

    /// Reads a token service's 200 answer and makes its token the current one.
    fn take_token(
        &self,
        mut resp: Response<Body>,
        challenge: &Challenge,
        realm: &str,
        scope: &str,
    ) -> Result<()> {
        let mut bytes = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_TOKEN_REPLY)
            .read_to_end(&mut bytes)
            .map_err(|e| self.network(format!("reading token from {realm}: {e}")))?;
        let reply: TokenReply = serde_json::from_slice(&bytes)
            .map_err(|e| self.network(format!("token service {realm} sent invalid JSON: {e}")))?;
        let token = reply
            .token()
            .ok_or_else(|| self.network(format!("token service {realm} sent no token")))?;
        debug::log(format_args!("{}: got a token for {scope}", self.reference));
        self.auth
            .set_token(token, reply.lifetime(), challenge.clone());
        Ok(())
    }

    /// GETs `url` and follows redirects. `Authorization` goes only to the registry's own host:
    /// blob storage behind a redirect gets its own signed URL and must not see our token.
    fn follow(
        &self,
        url: &str,
        req: &Get<'_>,
        authorization: Option<&str>,
    ) -> Result<Response<Body>, Fault> {
        self.send_to(url, req, authorization, false)
    }

    fn send_to(
        &self,
        url: &str,
        req: &Get<'_>,
        authorization: Option<&str>,
        to_realm: bool,
    ) -> Result<Response<Body>, Fault> {
        let origin = authority_of(url).to_string();
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let host = authority_of(&url).to_string();
            let auth =
                authorization.filter(|_| host == origin && (to_realm || host == self.authority));
            let resp = self.send_once(&url, req, auth)?;
            let status = resp.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Ok(resp);
            }
            let Some(location) = header(&resp, "location") else {
                return Ok(resp);
            };
            let next = resolve(&url, &location);
            if !self.allowed(&next) {
                return Err(Fault::fatal(self.network(format!(
                    "refusing redirect to {} (plain HTTP; use --insecure to allow)",
                    strip_query(&next)
                ))));
            }
            debug::log(format_args!("{status} → {}", strip_query(&next)));
            url = next;
        }
        Err(Fault::fatal(self.network(format!(
            "too many redirects (more than {MAX_REDIRECTS}, a loop?) fetching {}",
            strip_query(&url)
        ))))
    }

    fn send_once(
        &self,
        url: &str,
        req: &Get<'_>,
        auth: Option<&str>,
    ) -> Result<Response<Body>, Fault> {
        let host = authority_of(url);
        let agent = self.agent_for(host);
        let mut builder = if req.head {
            agent.head(url)
        } else {
            agent.get(url)
        };
        if let Some(accept) = req.accept {
            builder = builder.header("Accept", accept);
        }
        if let Some(from) = req.range_from {
            builder = builder.header("Range", format!("bytes={from}-"));
        }
        if let Some(auth) = auth {
            builder = builder.header("Authorization", auth);
        }
        let result = builder.call();
        match &result {
            Ok(resp) => debug::log(format_args!(
                "{} {} (auth: {}) → {}",
                if req.head { "HEAD" } else { "GET" },
                strip_query(url),
                auth.map_or("none".into(), debug::redact),
                resp.status()
            )),
            Err(e) => debug::log(format_args!("GET {} → {e}", strip_query(url))),
        }
        result.map_err(|e| self.transport_fault(host, e))
    }

    fn send_body(
        &self,
        url: &str,
        req: &Upload<'_>,
        auth: Option<&str>,
    ) -> Result<Response<Body>, Fault> {
        use std::io::{Seek, SeekFrom};
        let host = authority_of(url);
        let agent = self.agent_for(host);
        let mut builder = match req.method {
            Method::Post => agent.post(url),
            Method::Put => agent.put(url),
            Method::Patch => agent.patch(url),
        };
        builder = builder.header("Content-Length", req.body.len().to_string());
        if let Some(t) = req.content_type {
            builder = builder.header("Content-Type", t);
        }
        if let Some(range) = &req.content_range {
            builder = builder.header("Content-Range", range.as_str());
        }
        if let Some(auth) = auth {
            builder = builder.header("Authorization", auth);
        }
        let result = match &req.body {
            Payload::Empty => builder.send_empty(),
            Payload::Bytes(bytes) => builder.send(*bytes),
            Payload::File { path, offset, len } => {
                let mut file = std::fs::File::open(path)
                    .and_then(|mut f| f.seek(SeekFrom::Start(*offset)).map(|_| f))
                    .map_err(|e| Fault::fatal(self.network(format!("{}: {e}", path.display()))))?;
                let mut part = (&mut file).take(*len);
                builder.send(ureq::SendBody::from_reader(&mut part))
            }
        };
        match &result {
            Ok(resp) => debug::log(format_args!(
                "{:?} {} ({} bytes, auth: {}) → {}",
                req.method,
                strip_query(url),
                req.body.len(),
                auth.map_or("none".into(), debug::redact),
                resp.status()
            )),
            Err(e) => debug::log(format_args!("{:?} {} → {e}", req.method, strip_query(url))),
        }
        result.map_err(|e| self.transport_fault(host, e))
    }

    /// This machine is reached directly, anything else through the environment's proxy.
    fn agent_for(&self, host: &str) -> &Agent {
        if is_loopback_host(host) {
            &self.direct
        } else {
            &self.proxied
        }
    }

    /// Turns a transport error into a one-line message and says whether retrying may help.
    fn transport_fault(&self, host: &str, e: ureq::Error) -> Fault {
        use std::io::ErrorKind as K;
        let secs = self.timeout.as_secs_f64();
        let stalled = || format!("{host} stalled: no response within {secs}s");
        match e {
            ureq::Error::HostNotFound => Fault::fatal(self.network(format!("unknown host {host}"))),
            ureq::Error::Timeout(_) => Fault::retry(self.network(stalled())),
            ureq::Error::Io(io) => match io.kind() {
                _ if tls_error(&io).is_some() => Fault::fatal(
                    self.network(format!("TLS with {host} failed: {io} (see --ca-cert)")),
                ),
                K::ConnectionRefused => {
                    Fault::fatal(self.network(format!("connection refused by {host}")))
                }
                K::TimedOut | K::WouldBlock => Fault::retry(self.network(stalled())),
                // std reports a failed DNS lookup as an uncategorised I/O error.
                _ if io.to_string().contains("lookup address") => {
                    Fault::fatal(self.network(format!("unknown host {host}")))
                }
                _ => Fault::retry(self.network(format!("{host}: {io}"))),
            },
            ureq::Error::ConnectionFailed => {
                Fault::retry(self.network(format!("could not connect to {host}")))
            }
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
                Fault::fatal(self.network(format!("TLS with {host} failed: {e} (see --ca-cert)")))
            }
            other => Fault::fatal(self.network(format!("{host}: {other}"))),
        }
    }

    /// HTTPS always; plain HTTP only with `--insecure` or to this machine.
    fn allowed(&self, url: &str) -> bool {
        url.starts_with("https://")
            || (url.starts_with("http://")
                && (self.insecure || is_loopback_host(authority_of(url))))
    }

    pub fn network(&self, message: impl Into<String>) -> Error {
        Error::Network {
            what: self.reference.clone(),
            message: message.into(),
        }
    }

    /// The one-line error for a status the caller did not expect.
    pub fn status_error(&self, resp: &mut Response<Body>, doing: &str) -> Error {
        let status = resp.status();
        let detail = registry_error(resp);
        let host = &self.authority;
        let message = match status.as_u16() {
            401 if self.auth.credentials.is_some() => {
                format!("the credentials for {host} were rejected (401 Unauthorized){detail}")
            }
            401 => format!(
                "authentication required (401 Unauthorized){detail}; log in with --username and --password-stdin, or `docker login {host}`"
            ),
            403 => format!(
                "access denied (403 Forbidden){detail}; check that the account may {} this repository",
                if self.push { "push to" } else { "pull" }
            ),
            429 => {
                let after = header(resp, "retry-after")
                    .and_then(|v| retry_after(&v, std::time::SystemTime::now()))
                    .map_or(String::new(), |s| format!("; retry after {s}s"));
                format!("rate limited by {host} (429 Too Many Requests){after}")
            }
            _ => format!("{doing}: {host} answered {status}{detail}"),
        };
        self.network(message)
    }
}

/// An upload request: `POST`ing an upload session open, `PATCH`ing a chunk into it, `PUT`ting
/// its last bytes or a manifest.
pub struct Upload<'a> {
    pub method: Method,
    /// A path on the registry (`/v2/…`), or the `Location` an earlier answer gave (absolute, or
    /// relative to the registry).
    pub url: &'a str,
    pub content_type: Option<&'a str>,
    /// `start-end` (inclusive) of a chunk, as the distribution spec's `Content-Range`.
    pub content_range: Option<String>,
    pub body: Payload<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum Method {
    Post,
    Put,
    Patch,
}

/// What an upload sends. A file range is reopened for every attempt, never held in memory.
pub enum Payload<'a> {
    Empty,
    Bytes(&'a [u8]),
    File {
        path: &'a std::path::Path,
        offset: u64,
        len: u64,
    },
}

impl Payload<'_> {
    fn len(&self) -> u64 {
        match self {
            Payload::Empty => 0,
            Payload::Bytes(b) => b.len() as u64,
            Payload::File { len, .. } => *len,
        }
    }
}

/// A transport failure and whether another attempt may succeed.
struct Fault {
    error: Error,
    retryable: bool,
}

impl Fault {
    fn fatal(error: Error) -> Fault {
        Fault {
            error,
            retryable: false,
        }
    }
    fn retry(error: Error) -> Fault {
        Fault {
            error,
            retryable: true,
        }
    }
}

/// The first `{"errors":[{"code","message"}]}` entry of an error body, as ` (CODE: message)`.
fn registry_error(resp: &mut Response<Body>) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let mut bytes = Vec::new();
    let _ = resp
        .body_mut()
        .as_reader()
        .take(64 << 10)
        .read_to_end(&mut bytes);
    let Ok(parsed) = serde_json::from_slice::<Errors>(&bytes) else {
        return String::new();
    };
    let Some(first) = parsed.errors.first() else {
        return String::new();
    };
    let text: String = format!("{}: {}", first.code, first.message)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!(" ({text})")
}

pub fn header(resp: &Response<Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `scheme://authority/path` → `authority`.
fn authority_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// Resolves a `Location` against the URL it came from (absolute, or absolute-path).
fn resolve(from: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let scheme_end = from.find("://").map_or(0, |i| i + 3);
    let origin = &from[..scheme_end + authority_of(from).len()];
    if let Some(path) = location.strip_prefix('/') {
        return format!("{origin}/{path}");
    }
    let dir = from
        .rfind('/')
        .filter(|i| *i >= scheme_end)
        .map_or(from, |i| &from[..i]);
    format!("{dir}/{location}")
}

/// Signed storage URLs carry credentials in the query: never log it.
fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Mozilla's roots, or, with extra CA files, the system bundle plus those files.
/// Whether `host` answers HTTPS: it completes a TLS handshake, or it presents a certificate
/// that is not trusted (a TLS server all the same: the error is worth reporting, falling back
/// to plain HTTP is not). A server speaking plain HTTP fails the handshake, or says nothing.
fn speaks_tls(agent: &Agent, host: &str) -> bool {
    // A plain HTTP server may sit waiting for the end of a request line that a TLS hello
    // never sends: give up on the probe well before the real requests would.
    const PROBE: Duration = Duration::from_secs(2);
    let probe = agent
        .get(format!("https://{host}/v2/"))
        .config()
        .timeout_global(Some(PROBE))
        .build();
    match probe.call() {
        Ok(_) => true,
        Err(ureq::Error::Io(e)) => {
            matches!(tls_error(&e), Some(rustls::Error::InvalidCertificate(_)))
        }
        Err(_) => false,
    }
}

/// The TLS failure an I/O error carries (rustls reports handshake failures that way).
fn tls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

fn tls_config(reference: &str, opts: &Options) -> Result<ureq::tls::TlsConfig> {
    let mut files = opts.ca_certs.clone();
    if let Some(f) = std::env::var_os("SSL_CERT_FILE") {
        files.push(f.into());
    }
    let builder = ureq::tls::TlsConfig::builder();
    if files.is_empty() {
        return Ok(builder.build());
    }
    let system = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt");
    if system.is_file() {
        files.push(system.to_path_buf());
    }
    let mut certs = Vec::new();
    for file in &files {
        let pem = std::fs::read(file).map_err(|e| Error::Io {
            path: file.clone(),
            source: e,
        })?;
        for item in ureq::tls::parse_pem(&pem) {
            if let Ok(ureq::tls::PemItem::Certificate(c)) = item {
                certs.push(c);
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::Format {
            what: reference.to_string(),
            message: "no certificates in the --ca-cert / SSL_CERT_FILE files".into(),
        });
    }
    Ok(builder
        .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
        .build())
}

/// Seconds to wait that a `Retry-After` value asks for: delta-seconds, or an HTTP date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's preferred form) counted from `now`. A date
/// in the past means now; anything else is ignored.
fn retry_after(value: &str, now: std::time::SystemTime) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = http_date(value)?;
    let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(at.saturating_sub(now))
}

/// Seconds since the epoch of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(s: &str) -> Option<u64> {
    let mut words = s.split_ascii_whitespace();
    let (_weekday, day, month, year, time, zone) = (
        words.next()?.strip_suffix(',')?,
        words.next()?.parse::<u64>().ok()?,
        words.next()?,
        words.next()?.parse::<u64>().ok()?,
        words.next()?,
        words.next()?,
    );
    if zone != "GMT" || words.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some()
        || !(1..=31).contains(&day)
        || year < 1970
        || h > 23
        || m > 59
        || sec > 60
    {
        return None;
    }
    Some(days_since_epoch(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (year ≥ 1970), counting in 400-year
/// eras that start on 1 March so the leap day falls at the end of each year.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(authority_of("http://127.0.0.1:5000/v2/x"), "127.0.0.1:5000");
        assert_eq!(authority_of("https://h?x"), "h");
        assert_eq!(
            resolve("http://a:1/v2/x/blobs/y", "http://b:2/s?sig=1"),
            "http://b:2/s?sig=1"
        );
        assert_eq!(
            resolve("http://a:1/v2/x/blobs/y", "/other"),
            "http://a:1/other"
        );
        assert_eq!(
            resolve("http://a:1/v2/x/blobs/y", "z"),
            "http://a:1/v2/x/blobs/z"
        );
        assert_eq!(
            strip_query("https://s3/x?X-Amz-Signature=abc"),
            "https://s3/x"
        );
        assert_eq!(
            query_escape("repository:a/b:pull,push"),
            "repository:a/b:pull%2Cpush"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        use std::time::{Duration, UNIX_EPOCH};
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after(" 120 ", now), Some(120));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), Some(30));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(0));
        assert_eq!(
            retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now),
            Some(0),
            "past: now"
        );
        assert_eq!(
            retry_after("Tue, 01 Mar 2000 00:00:00 GMT", now),
            Some(951_868_800 - 784_111_777)
        );
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            http_date("Thu, 29 Feb 2024 12:00:00 GMT"),
            Some(1_709_208_000)
        );
        assert_eq!(
            http_date("Fri, 27 Nov 2026 21:15:00 GMT"),
            Some(1_795_814_100)
        );
        for bad in [
            "",
            "soon",
            "-5",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(retry_after(bad, now), None, "{bad}");
        }
    }
}
