//! Measurements for bench/vulndb.sh, on the library alone (the same `import` the CLI calls):
//!
//! - `bench import DB_PATH INPUT…`: import and print records, seconds and records/s;
//! - `bench lookup DB_PATH NAMES_TSV`: single lookups (each its own read transaction) and
//!   10,000 lookups in one snapshot, over `ecosystem<TAB>package` lines that exist in the DB;
//! - `bench cves DB_PATH IDS`: per-CVE severity lookups over CVE ids (one a line), inside one
//!   snapshot (as a scan does them) and each in its own read transaction.

use std::path::PathBuf;
use std::time::Instant;

use plinth_vulndb::VulnDb;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench import DB INPUT… | bench lookup DB NAMES_TSV | bench cves DB IDS";
    let mode = args.next().ok_or(usage)?;
    let db_path = args.next().ok_or(usage)?;
    match mode.as_str() {
        "import" => import(&db_path, args.map(PathBuf::from).collect()),
        "lookup" => lookup(&db_path, &args.next().ok_or(usage)?),
        "cves" => cves(&db_path, &args.next().ok_or(usage)?),
        _ => Err(usage.into()),
    }
}

fn import(db_path: &str, inputs: Vec<PathBuf>) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let report = plinth_vulndb::import(std::path::Path::new(db_path), &inputs)?;
    let secs = start.elapsed().as_secs_f64();
    let records: u64 = report.sources.iter().map(|s| s.stats.records).sum();
    let skipped: u64 = report.sources.iter().map(|s| s.stats.skipped).sum();
    println!(
        "imported {records} advisories ({skipped} skipped) in {secs:.2} s: {:.0} advisories/s",
        records as f64 / secs
    );
    Ok(())
}

fn lookup(db_path: &str, names_file: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(names_file)?;
    // Lines are "ecosystem<TAB>package".
    let queries: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    if queries.len() < 10_000 {
        return Err("need at least 10,000 queries".into());
    }
    let db = VulnDb::open(db_path)?;

    // Warm the page cache the way a second scan would see it.
    let _ = db.advisories_batch(&queries[..10_000])?;

    let mut singles: Vec<f64> = Vec::new();
    for (eco, pkg) in queries.iter().step_by(queries.len() / 2_000).take(2_000) {
        let start = Instant::now();
        let found = db.advisories(eco, pkg)?;
        singles.push(start.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(found);
    }
    singles.sort_by(f64::total_cmp);
    let median = singles[singles.len() / 2];
    let p99 = singles[singles.len() * 99 / 100];

    let mut batches = Vec::new();
    let mut found_total = 0;
    for round in 0..5 {
        let start_at = (round * 7_919) % (queries.len() - 10_000 + 1);
        let batch = &queries[start_at..start_at + 10_000];
        let start = Instant::now();
        let snapshot = db.snapshot()?;
        let mut n = 0;
        for (eco, pkg) in batch {
            n += snapshot.advisories(eco, pkg)?.len();
        }
        batches.push(start.elapsed().as_secs_f64() * 1e3);
        found_total = n;
    }
    batches.sort_by(f64::total_cmp);
    println!(
        "single lookup: median {median:.1} µs, p99 {p99:.1} µs (2,000 lookups, each its own read transaction)"
    );
    println!(
        "10,000 lookups in one snapshot: median {:.1} ms over 5 runs ({found_total} advisories returned)",
        batches[2]
    );
    Ok(())
}

fn cves(db_path: &str, ids_file: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(ids_file)?;
    let ids: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    if ids.len() < 10_000 {
        return Err("need at least 10,000 CVE ids".into());
    }
    let db = VulnDb::open(db_path)?;
    let snapshot = db.snapshot()?;
    // Warm the page cache the way a second scan would see it.
    for id in &ids[..10_000] {
        std::hint::black_box(snapshot.cve_severity(id)?);
    }
    let step = (ids.len() / 10_000).max(1);
    let mut in_snapshot = Vec::new();
    let mut found = 0;
    for id in ids.iter().step_by(step).take(10_000) {
        let start = Instant::now();
        let metrics = snapshot.cve_severity(id)?;
        in_snapshot.push(start.elapsed().as_secs_f64() * 1e6);
        found += usize::from(!metrics.is_empty());
    }
    let mut own_txn = Vec::new();
    for id in ids.iter().step_by(step * 5).take(2_000) {
        let start = Instant::now();
        std::hint::black_box(db.cve_severity(id)?);
        own_txn.push(start.elapsed().as_secs_f64() * 1e6);
    }
    let pct = |v: &mut Vec<f64>, p: usize| {
        v.sort_by(f64::total_cmp);
        v[(v.len() * p / 100).min(v.len() - 1)]
    };
    println!(
        "CVE severity lookup in one snapshot: median {:.1} µs, p99 {:.1} µs ({} lookups, {found} found)",
        pct(&mut in_snapshot, 50),
        pct(&mut in_snapshot, 99),
        in_snapshot.len()
    );
    println!(
        "CVE severity lookup, own read transaction: median {:.1} µs, p99 {:.1} µs ({} lookups)",
        pct(&mut own_txn, 50),
        pct(&mut own_txn, 99),
        own_txn.len()
    );
    Ok(())
}
