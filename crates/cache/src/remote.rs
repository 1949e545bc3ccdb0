//! Redis or Valkey as a store shared by a fleet: `GET`/`SET … EX` on `plinth:layer:<key>`,
//! one connection per process, opened at first use. Once it fails (refused, timed out,
//! wrong password, dropped mid-run) it is given up for the rest of the run: the caller warns
//! once and carries on with the local store.
//!
//! `plinth cache` looks at plinth's keys only, found by their prefix with `SCAN` (never
//! `KEYS`, which blocks the server, nor `FLUSHDB`, which would take other programs' keys).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// How long to wait for Redis before giving up on it for this run.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Every key plinth writes starts with this.
const PREFIX: &str = "plinth:layer:";
/// Keys asked for per `SCAN` step and per pipelined batch.
const BATCH: usize = 1000;

/// What plinth holds in Redis: its keys, their memory as `MEMORY USAGE` counts it, and how
/// many of them will expire.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub keys: u64,
    pub bytes: u64,
    pub expiring: u64,
}

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
        self.with(|conn| redis::cmd("GET").arg(format!("{PREFIX}{key}")).query(conn))
            .map(Option::flatten)
    }

    pub fn put(&self, key: &str, sealed: &[u8]) -> Result<(), RemoteError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("{PREFIX}{key}")).arg(sealed);
        if let Some(ttl) = self.ttl {
            cmd.arg("EX").arg(ttl.as_secs().max(1));
        }
        self.with(|conn| cmd.query::<()>(conn)).map(|_| ())
    }

    /// plinth's keys, their memory and how many carry a TTL.
    pub fn held(&self) -> Result<Held, RemoteError> {
        let mut held = Held::default();
        self.each_batch(|conn, keys| {
            let mut pipe = redis::pipe();
            for key in keys {
                pipe.cmd("MEMORY")
                    .arg("USAGE")
                    .arg(key)
                    .cmd("PTTL")
                    .arg(key);
            }
            // A key that expired since the scan has no usage (nil) and a PTTL of -2.
            let answers: Vec<(Option<u64>, i64)> = pipe.query(conn)?;
            for (bytes, pttl) in answers {
                if pttl == -2 {
                    continue;
                }
                held.keys += 1;
                held.bytes += bytes.unwrap_or(0);
                held.expiring += u64::from(pttl >= 0);
            }
            Ok(())
        })?;
        Ok(held)
    }

    /// Deletes plinth's keys (`UNLINK`: the server frees them in the background); returns
    /// how many there were.
    pub fn clean(&self) -> Result<u64, RemoteError> {
        let mut removed = 0;
        self.each_batch(|conn, keys| {
            removed += redis::cmd("UNLINK").arg(keys).query::<u64>(conn)?;
            Ok(())
        })?;
        Ok(removed)
    }

    /// Gives plinth's keys that have no expiry `ttl` (written before a TTL was configured);
    /// returns how many it gave one. Expiring them is Redis's own work.
    pub fn expire_unbounded(&self, ttl: Duration) -> Result<u64, RemoteError> {
        let mut given = 0;
        self.each_batch(|conn, keys| {
            let mut pipe = redis::pipe();
            for key in keys {
                pipe.cmd("EXPIRE")
                    .arg(key)
                    .arg(ttl.as_secs().max(1))
                    .arg("NX");
            }
            given += pipe.query::<Vec<u64>>(conn)?.iter().sum::<u64>();
            Ok(())
        })?;
        Ok(given)
    }

    /// Calls `f` with each batch of plinth's keys, as `SCAN` finds them. Unlike the walk's
    /// reads, a failure here is the command's error (there is nothing to fall back to).
    fn each_batch(
        &self,
        mut f: impl FnMut(&mut redis::Connection, &[Vec<u8>]) -> redis::RedisResult<()>,
    ) -> Result<(), RemoteError> {
        let mut conn = self.connect()?;
        let mut cursor = 0u64;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{PREFIX}*"))
                .arg("COUNT")
                .arg(BATCH)
                .query(&mut conn)
                .map_err(|e| self.error(e))?;
            if !keys.is_empty() {
                f(&mut conn, &keys).map_err(|e| self.error(e))?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
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
