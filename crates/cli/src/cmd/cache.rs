//! `plinth cache info|prune|clean`, and the global flags that say which layer cache every
//! image-reading command uses (Trivy's names where Trivy has one).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use plinth_cache::remote::{Remote, RemoteError};
use plinth_cache::{Cache, Settings};

use crate::exit::{self, Failure};

/// Where layer walks are kept between runs.
#[derive(clap::Args, Debug, Clone)]
pub struct CacheOpts {
    /// `fs` (a directory under $XDG_CACHE_HOME/plinth/layers), or a Redis/Valkey shared by a
    /// fleet in front of it: redis://[user:pass@]host:port[/db], rediss://… for TLS.
    #[arg(
        long,
        global = true,
        value_name = "fs|URL",
        default_value = "fs",
        env = "PLINTH_CACHE_BACKEND"
    )]
    pub cache_backend: String,
    /// The local cache's bound; least recently used entries are evicted past it.
    #[arg(
        long,
        global = true,
        value_name = "SIZE",
        default_value = "5GiB",
        env = "PLINTH_CACHE_MAX_SIZE"
    )]
    pub cache_max_size: String,
    /// Entries unused for this long are dropped (e.g. 3600, 90m, 24h, 7d; Redis expires
    /// them). Also how long `outdated` keeps registry answers (default there 1h; 0: ask every
    /// time).
    #[arg(long, global = true, value_name = "DURATION", env = "PLINTH_CACHE_TTL")]
    pub cache_ttl: Option<String>,
    /// CA certificates (PEM) to trust for rediss://.
    #[arg(long, global = true, value_name = "PEM")]
    pub redis_ca: Option<PathBuf>,
    /// Client certificate (PEM) for rediss://.
    #[arg(long, global = true, value_name = "PEM", requires = "redis_key")]
    pub redis_cert: Option<PathBuf>,
    /// Client key (PEM) for rediss://.
    #[arg(long, global = true, value_name = "PEM", requires = "redis_cert")]
    pub redis_key: Option<PathBuf>,
    /// Read every layer from its source, and keep nothing (PLINTH_NO_CACHE=1 too).
    #[arg(long, global = true, env = "PLINTH_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,
}

impl CacheOpts {
    /// The cache these flags name; `None` with --no-cache.
    pub fn open(&self) -> Result<Option<Arc<Cache>>, Failure> {
        if self.no_cache {
            return Ok(None);
        }
        let usage = |message: String| Failure::new(exit::USAGE, anyhow::anyhow!(message));
        let redis = match self.cache_backend.as_str() {
            "fs" => None,
            url if url.starts_with("redis://") || url.starts_with("rediss://") => {
                Some(url.to_string())
            }
            other => {
                return Err(usage(format!(
                    "--cache-backend {other:?}: expected fs, redis://… or rediss://…"
                )));
            }
        };
        let max_size = crate::dive_ci::parse_size(&self.cache_max_size)
            .map_err(|e| usage(format!("--cache-max-size: {e}")))?;
        let ttl = self.ttl()?;
        let settings = Settings {
            dir: plinth_cache::default_dir(),
            max_size,
            ttl,
            redis,
            redis_tls: plinth_cache::remote::Tls {
                ca: self.redis_ca.clone(),
                cert: self.redis_cert.clone(),
                key: self.redis_key.clone(),
            },
            analyser: plinth_cache::running_analyser(env!("CARGO_PKG_VERSION")),
        };
        let warn = Box::new(|m: &str| eprintln!("plinth: warning: {m}"));
        Ok(Some(Arc::new(Cache::open(settings, warn))))
    }
}

impl CacheOpts {
    /// --cache-ttl, if given.
    pub fn ttl(&self) -> Result<Option<Duration>, Failure> {
        self.cache_ttl
            .as_deref()
            .map(|t| {
                parse_duration(t)
                    .map_err(|e| Failure::new(exit::USAGE, anyhow::anyhow!("--cache-ttl: {e}")))
            })
            .transpose()
    }
}

/// "90s", "30m", "24h", "7d", or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        u => return Err(format!("unknown unit {u:?} (s, m, h or d)")),
    };
    Ok(Duration::from_secs(n * secs))
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Where the local cache is, how much it holds, and its bound; with a Redis backend, how
    /// many keys and how much memory plinth has there.
    Info,
    /// Evict least recently used entries down to --cache-max-size, and entries past --cache-ttl
    /// (Redis expires its own: keys written without a TTL are given --cache-ttl).
    Prune,
    /// Remove every entry of the local cache, and plinth's keys from Redis (by prefix, never
    /// the whole database).
    Clean,
}

pub fn run(args: Args, opts: &CacheOpts) -> Result<ExitCode, Failure> {
    let Some(cache) = opts.open()? else {
        return Err(Failure::new(
            exit::USAGE,
            anyhow::anyhow!("plinth cache: --no-cache leaves no cache to act on"),
        ));
    };
    let dir = cache.local();
    let failed = |e: std::io::Error| {
        Failure::new(
            exit::INPUT,
            anyhow::anyhow!("cache {}: {e}", dir.root().display()),
        )
    };
    // Redis is asked first: a failure there leaves the local store as it was.
    let remote = cache.remote();
    let shared_failed = |e: RemoteError| Failure::new(exit::INPUT, anyhow::anyhow!("{e}"));
    match args.action {
        Action::Info => {
            let held = remote
                .map(Remote::held)
                .transpose()
                .map_err(shared_failed)?;
            let usage = dir.usage().map_err(failed)?;
            println!("directory: {}", dir.root().display());
            println!("entries:   {}", usage.entries);
            println!("size:      {}", human(usage.bytes));
            println!("max size:  {}", human(dir.max_size()));
            if let (Some(remote), Some(held)) = (remote, held) {
                println!("shared:    {}", remote.name());
                println!("keys:      {} ({} with a TTL)", held.keys, held.expiring);
                println!("memory:    {}", human(held.bytes));
            }
        }
        Action::Prune => {
            if let Some(remote) = remote {
                let given = match opts.ttl()? {
                    Some(ttl) => remote.expire_unbounded(ttl).map_err(shared_failed)?,
                    None => 0,
                };
                println!(
                    "{}: {given} keys without a TTL given one; Redis expires the rest itself",
                    remote.name()
                );
            }
            let before = dir.usage().map_err(failed)?;
            let after = dir.evict(dir.max_size()).map_err(failed)?;
            println!(
                "removed {} entries ({}); {} entries ({}) kept",
                before.entries.saturating_sub(after.entries),
                human(before.bytes.saturating_sub(after.bytes)),
                after.entries,
                human(after.bytes)
            );
        }
        Action::Clean => {
            if let Some(remote) = remote {
                let removed = remote.clean().map_err(shared_failed)?;
                println!("removed {removed} keys from {}", remote.name());
            }
            let removed = dir.clean().map_err(failed)?;
            println!(
                "removed {} entries ({}) from {}",
                removed.entries,
                human(removed.bytes),
                dir.root().display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("1w").is_err());
        assert_eq!(human(1536), "1.5 KiB");
    }
}
