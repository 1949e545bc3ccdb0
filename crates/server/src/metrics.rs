//! Prometheus metrics in the text exposition format, kept in a few counters.
//!
//! - `plinth_http_requests_total{route,status}`;
//! - `plinth_http_request_duration_seconds{route}`: a histogram;
//! - `plinth_cache_hits_total`, `plinth_cache_misses_total`: layers of the images the server
//!   pulled that were taken from the layer cache, and those read from their registry;
//! - `plinth_db_loaded`, `plinth_db_snapshot`, `plinth_db_age_seconds`,
//!   `plinth_db_reload_failures_total`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::CacheUse;
use crate::database::Database;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, status: u16, took: Duration) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((route.to_string(), status))
            .or_default() += 1;
        let secs = took.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = latency.entry(route.to_string()).or_default();
        for (count, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if secs <= bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Counts the layer cache lookups of one image's walk.
    pub fn cache_used(&self, used: CacheUse) {
        self.cache_hits.fetch_add(used.hits, Ordering::Relaxed);
        self.cache_misses.fetch_add(used.misses, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, db: &Database) -> String {
        let mut out = String::new();
        out.push_str("# HELP plinth_http_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE plinth_http_requests_total counter\n");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "plinth_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP plinth_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE plinth_http_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let name = "plinth_http_request_duration_seconds";
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
        }
        let counters = [
            (
                "plinth_cache_hits_total",
                "Layers of pulled images taken from the layer cache.",
                self.cache_hits.load(Ordering::Relaxed),
            ),
            (
                "plinth_cache_misses_total",
                "Layers of pulled images read from the registry (not in the layer cache).",
                self.cache_misses.load(Ordering::Relaxed),
            ),
            (
                "plinth_db_reload_failures_total",
                "Database reloads that failed (the old snapshot kept serving).",
                db.failed_reloads(),
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        let loaded = db.current();
        let gauges = [
            (
                "plinth_db_loaded",
                "1 when a database is loaded.",
                u64::from(loaded.is_some()),
            ),
            (
                "plinth_db_snapshot",
                "Which load of the database serves (counts from 1).",
                loaded.as_ref().map_or(0, |l| l.id),
            ),
            (
                "plinth_db_age_seconds",
                "Time since the served database was built.",
                loaded.as_ref().map_or(0, |l| l.age().as_secs()),
            ),
            (
                "plinth_db_memo_records",
                "Advisories and CVE metrics the served database keeps decoded for every request.",
                loaded.as_ref().map_or(0, |l| l.memo.records() as u64),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}
