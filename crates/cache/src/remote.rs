//! Redis or Valkey as a store shared by a fleet: `GET`/`SET … EX` on `plinth:layer:<key>`,
//! one connection per process, opened at first use. Once it fails (refused, timed out,
//! wrong password, dropped mid-run) it is given up for the rest of the run: the caller warns
//! once and carries on with the local store.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// How long to wait for Redis before giving up on it for this run.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Certificates for `rediss://`, in PEM files (Trivy's `--redis-ca`, `--redis-cert`,
/// `--redis-key`); by default the system's roots are trusted and no client certificate is sent.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

pub struct Remote {
    url: String,
    tls: Tls,
    /// `redis://host:port/db` without credentials, for messages.
    name: String,
    ttl: Option<Duration>,
    conn: Mutex<State>,
}

enum State {
    Unopened,
    Open(Box<redis::Connection>),
    /// Failed once: not tried again in this run.
    Failed,
}

/// What went wrong talking to Redis, as one line naming the server (never the password).
#[derive(Debug)]
pub struct RemoteError(String);

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Remote {
    pub fn new(url: String, tls: Tls, ttl: Option<Duration>) -> Remote {
        Remote {
            name: redact(&url),
            url,
            tls,
            ttl,
            conn: Mutex::new(State::Unopened),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, RemoteError> {
        self.with(|conn| {
            redis::cmd("GET")
                .arg(format!("plinth:layer:{key}"))
                .query(conn)
        })
        .map(Option::flatten)
    }

    pub fn put(&self, key: &str, sealed: &[u8]) -> Result<(), RemoteError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("plinth:layer:{key}")).arg(sealed);
        if let Some(ttl) = self.ttl {
            cmd.arg("EX").arg(ttl.as_secs().max(1));
        }
        self.with(|conn| cmd.query::<()>(conn)).map(|_| ())
    }

    /// Runs `f` on the connection, opening it first if need be. `Ok(None)` once Redis has
    /// failed in this run (the failure was reported then).
    fn with<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<Option<T>, RemoteError> {
        let mut state = self.conn.lock().expect("no panics while holding");
        if matches!(*state, State::Unopened) {
            *state = match self.connect() {
                Ok(conn) => State::Open(Box::new(conn)),
                Err(e) => {
                    *state = State::Failed;
                    return Err(e);
                }
            };
        }
        let State::Open(conn) = &mut *state else {
            return Ok(None);
        };
        match f(conn) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                *state = State::Failed;
                Err(self.error(e))
            }
        }
    }

    fn connect(&self) -> Result<redis::Connection, RemoteError> {
        let client = self.client()?;
        let conn = client
            .get_connection_with_timeout(TIMEOUT)
            .map_err(|e| self.error(e))?;
        conn.set_read_timeout(Some(TIMEOUT))
            .and_then(|()| conn.set_write_timeout(Some(TIMEOUT)))
            .map_err(|e| self.error(e))?;
        Ok(conn)
    }

    fn client(&self) -> Result<redis::Client, RemoteError> {
        let Tls { ca, cert, key } = &self.tls;
        if ca.is_none() && cert.is_none() {
            return redis::Client::open(self.url.as_str()).map_err(|e| self.error(e));
        }
        // rustls needs a process-wide provider; ring is the one plinth builds with.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let read = |path: &PathBuf| {
            std::fs::read(path)
                .map_err(|e| RemoteError(format!("cache {}: {}: {e}", self.name, path.display())))
        };
        let client_tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                client_cert: read(cert)?,
                client_key: read(key)?,
            }),
            (None, None) => None,
            _ => {
                return Err(RemoteError(format!(
                    "cache {}: a client certificate needs its key, and a key its certificate",
                    self.name
                )));
            }
        };
        let root_cert = ca.as_ref().map(read).transpose()?;
        let certs = redis::TlsCertificates {
            client_tls,
            root_cert,
        };
        redis::Client::build_with_tls(self.url.as_str(), certs).map_err(|e| self.error(e))
    }

    fn error(&self, e: redis::RedisError) -> RemoteError {
        // The client's messages may quote the URL it was given; only the redacted one is shown.
        let text = e.to_string().replace(&self.url, &self.name);
        RemoteError(format!("cache {}: {text}", self.name))
    }
}

/// The URL without its password: `redis://user:secret@host` → `redis://user@host`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let at = if user.is_empty() { "" } else { "@" };
            format!("{scheme}://{user}{at}{host}{path}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("redis://ci:s3cret@cache:6379/2"),
            "redis://ci@cache:6379/2"
        );
        assert_eq!(redact("rediss://:s3cret@cache"), "rediss://cache");
        assert_eq!(redact("redis://cache:6379"), "redis://cache:6379");
    }
}
