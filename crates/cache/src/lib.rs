//! The per-layer analysis cache: where plinth keeps what a walk derived from each verified
//! layer, so the next run over the same layers reads no layer bytes.
//!
//! plinth-image decides what is stored and when a layer may be taken unread (its `cache`
//! module: keys by diff_id and collector, markers of verified blobs); this crate is the
//! store behind its [`LayerCache`] trait:
//!
//! - a directory (`$XDG_CACHE_HOME/plinth/layers`), shared by any number of processes
//!   without locks, bounded by size with least-recently-used eviction ([`dir`]);
//! - optionally Redis or Valkey in front of it for a fleet of CI runners ([`remote`]), with a
//!   TTL; when it is unreachable or answers nonsense, plinth warns once and goes on with the
//!   directory alone.
//!
//! Every value is sealed with a versioned header and a checksum ([`entry`]) and every key is
//! namespaced by the analyser (plinth's version and build), so a truncated, corrupt, foreign
//! or stale entry is a miss and never an error. Nothing here fails a run: problems are
//! warnings, and the image is read from its source.
//!
//! It does not know what a layer holds, nor how images are read.

pub mod dir;
pub mod entry;
pub mod remote;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

pub use plinth_image::LayerCache;

use dir::Dir;
use remote::Remote;

/// How to open the cache.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The local store's directory.
    pub dir: PathBuf,
    /// The local store's bound, in bytes.
    pub max_size: u64,
    /// Entries unused for longer are misses (and evicted); also Redis' expiry.
    pub ttl: Option<Duration>,
    /// `redis://[user:pass@]host:port[/db]` or `rediss://…`, shared by a fleet.
    pub redis: Option<String>,
    /// Certificates for `rediss://`.
    pub redis_tls: remote::Tls,
    /// What analysed the layers: entries of any other analyser are never read.
    pub analyser: String,
}

/// The default bound of the local store.
pub const DEFAULT_MAX_SIZE: u64 = 5 << 30;

/// `$XDG_CACHE_HOME/plinth/layers`, else `~/.cache/plinth/layers`.
pub fn default_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("plinth").join("layers")
}

/// The running program as an analyser: its version, and its executable's size and mtime.
/// A rebuild is a new analyser (so a developer never reads a stale walk), while copies of
/// one release, unpacked with their times, share entries across a fleet.
pub fn running_analyser(version: &str) -> String {
    let build = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            use std::os::unix::fs::MetadataExt;
            format!("{}:{}.{:09}", m.size(), m.mtime(), m.mtime_nsec())
        })
        .unwrap_or_default();
    format!("plinth {version} {build}")
}

/// The cache: the local directory, and Redis in front of it when configured.
pub struct Cache {
    analyser: String,
    local: Dir,
    remote: Option<Remote>,
    warn: Box<dyn Fn(&str) + Send + Sync>,
    /// Kinds of problem already reported (the local store, Redis, Redis' data): each is
    /// said once per run.
    warned: Mutex<HashSet<&'static str>>,
}

impl Cache {
    /// Opens the cache; nothing is read or connected until it is used. `warn` is called with
    /// a one-line message the first time each kind of problem occurs.
    pub fn open(settings: Settings, warn: Box<dyn Fn(&str) + Send + Sync>) -> Cache {
        Cache {
            local: Dir::new(settings.dir, settings.max_size, settings.ttl),
            remote: settings
                .redis
                .map(|url| Remote::new(url, settings.redis_tls, settings.ttl)),
            analyser: settings.analyser,
            warn,
            warned: Mutex::new(HashSet::new()),
        }
    }

    pub fn local(&self) -> &Dir {
        &self.local
    }

    /// The shared store, when one is configured.
    pub fn remote(&self) -> Option<&Remote> {
        self.remote.as_ref()
    }

    /// The key a value is stored under: the caller's key within this analyser's namespace.
    fn stored(&self, key: &str) -> String {
        plinth_image::Digest::of(format!("{}\0{key}", self.analyser).as_bytes()).hex()
    }

    fn warn_once(&self, kind: &'static str, message: &str) {
        let mut warned = self.warned.lock().expect("no panics while holding");
        if warned.insert(kind) {
            (self.warn)(message);
        }
    }

    fn local_get(&self, key: &str) -> Option<Vec<u8>> {
        match self.local.get(key) {
            Ok(found) => found,
            Err(e) => {
                let dir = self.local.root().display();
                self.warn_once("local", &format!("cache {dir}: {e}; reading the image"));
                None
            }
        }
    }

    fn local_put(&self, key: &str, parts: &[&[u8]]) {
        if let Err(e) = self.local.put(key, parts) {
            let dir = self.local.root().display();
            self.warn_once(
                "local",
                &format!("cache {dir}: {e}; results of this run are not kept there"),
            );
        }
    }

    fn remote_get(&self, remote: &Remote, key: &str) -> Option<Vec<u8>> {
        match remote.get(key) {
            Ok(found) => found,
            Err(e) => {
                self.warn_once("remote", &format!("{e}; using the local cache only"));
                None
            }
        }
    }
}

impl LayerCache for Cache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let key = self.stored(key);
        if let Some(payload) = self.local_get(&key).and_then(entry::open) {
            return Some(payload);
        }
        let remote = self.remote.as_ref()?;
        let sealed = self.remote_get(remote, &key)?;
        let Some(payload) = entry::open(sealed.clone()) else {
            self.warn_once(
                "remote-garbage",
                &format!(
                    "{}: an entry is not one plinth wrote; reading the image",
                    remote.name()
                ),
            );
            return None;
        };
        self.local_put(&key, &[&sealed]);
        Some(payload)
    }

    fn put(&self, key: &str, value: &[u8]) {
        let key = self.stored(key);
        let header = entry::header(value);
        self.local_put(&key, &[&header, value]);
        if let Some(remote) = &self.remote
            && let Err(e) = remote.put(&key, &entry::seal(value))
        {
            self.warn_once("remote", &format!("{e}; using the local cache only"));
        }
    }
}
