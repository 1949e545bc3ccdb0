//! The store's per-CVE severity tables:
//! - `cve_severity`: (CVE id, source) → postcard `Vec<CveMetric>` (a few dozen bytes a metric);
//! - `source_cves`: (source, CVE id) → (), so one source can be replaced without scanning every
//!   CVE (as `source_keys` does for advisories).
//!
//! A lookup is one short range scan over the CVE id's prefix, whatever the number of sources.

use std::collections::BTreeMap;
use std::path::Path;

use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};

use crate::cve_severity::{CveMetric, CveSeverities};
use crate::error::DbError;

const CVE_SEVERITY: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("cve_severity");
const SOURCE_CVES: TableDefinition<(&str, &str), ()> = TableDefinition::new("source_cves");

/// Encoded rows of one source: CVE id → postcard `Vec<CveMetric>`, sorted by CVE id.
pub(crate) type CveRows = Vec<(String, Vec<u8>)>;

/// Encodes a source's severities, sorted so inserts run in B-tree order.
pub(crate) fn encode(severities: CveSeverities, source: &str) -> Result<CveRows, DbError> {
    severities
        .into_sorted()
        .into_iter()
        .map(|(cve, metrics)| {
            let bytes = postcard::to_allocvec(&metrics).map_err(|e| DbError::Corrupt {
                path: source.into(),
                key: cve.clone(),
                message: e.to_string(),
            })?;
            Ok((cve, bytes))
        })
        .collect()
}

/// Replaces every severity `source` stored with `rows`, inside the caller's transaction.
pub(crate) fn replace(
    txn: &WriteTransaction,
    source: &str,
    rows: &CveRows,
) -> Result<(), redb::Error> {
    let mut table = txn.open_table(CVE_SEVERITY)?;
    let mut keys = txn.open_table(SOURCE_CVES)?;
    let upper = format!("{source}\0");
    let old: Vec<String> = keys
        .range((source, "")..(upper.as_str(), ""))?
        .map(|item| item.map(|(k, _)| k.value().1.to_string()))
        .collect::<Result<_, _>>()?;
    for cve in &old {
        table.remove((cve.as_str(), source))?;
        keys.remove((source, cve.as_str()))?;
    }
    for (cve, bytes) in rows {
        table.insert((cve.as_str(), source), bytes.as_slice())?;
        keys.insert((source, cve.as_str()), ())?;
    }
    Ok(())
}

/// Adds or replaces `rows` for `source`, keeping its other CVEs (an incremental update).
pub(crate) fn upsert(
    txn: &WriteTransaction,
    source: &str,
    rows: &CveRows,
) -> Result<(), redb::Error> {
    let mut table = txn.open_table(CVE_SEVERITY)?;
    let mut keys = txn.open_table(SOURCE_CVES)?;
    for (cve, bytes) in rows {
        table.insert((cve.as_str(), source), bytes.as_slice())?;
        keys.insert((source, cve.as_str()), ())?;
    }
    Ok(())
}

/// Creates both tables, so readers of a database without severities find them empty.
pub(crate) fn create(txn: &WriteTransaction) -> Result<(), redb::Error> {
    txn.open_table(CVE_SEVERITY)?;
    txn.open_table(SOURCE_CVES)?;
    Ok(())
}

/// The `cve_severity` table of one read transaction, opened once for all its lookups.
pub(crate) struct CveTable(Option<ReadOnlyTable<(&'static str, &'static str), &'static [u8]>>);

impl CveTable {
    pub(crate) fn open(path: &Path, txn: &ReadTransaction) -> Result<CveTable, DbError> {
        match txn.open_table(CVE_SEVERITY) {
            Ok(t) => Ok(CveTable(Some(t))),
            // Written before severities existed: nothing is known.
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(CveTable(None)),
            Err(e) => Err(DbError::store(path, e)),
        }
    }

    /// Every metric any source stated for `cve`, sources in name order.
    pub(crate) fn lookup(&self, path: &Path, cve: &str) -> Result<Vec<CveMetric>, DbError> {
        let Some(table) = &self.0 else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        // Open-ended, stopped at the next CVE: bounding both ends walks the B-tree down twice.
        for item in table
            .range((cve, "")..)
            .map_err(|e| DbError::store(path, e))?
        {
            let (key, value) = item.map_err(|e| DbError::store(path, e))?;
            let (id, source) = key.value();
            if id != cve {
                break;
            }
            let metrics: Vec<CveMetric> =
                postcard::from_bytes(value.value()).map_err(|e| DbError::Corrupt {
                    path: path.into(),
                    key: format!("{id} ({source})"),
                    message: e.to_string(),
                })?;
            out.extend(metrics);
        }
        Ok(out)
    }
}

/// The rows `source` stored, for copying it into another database.
pub(crate) fn rows_of(
    path: &Path,
    txn: &ReadTransaction,
    source: &str,
) -> Result<CveRows, DbError> {
    let err = |e: &dyn std::fmt::Display| DbError::store(path, e);
    let (table, keys) = match (txn.open_table(CVE_SEVERITY), txn.open_table(SOURCE_CVES)) {
        (Ok(t), Ok(k)) => (t, k),
        (Err(redb::TableError::TableDoesNotExist(_)), _)
        | (_, Err(redb::TableError::TableDoesNotExist(_))) => return Ok(Vec::new()),
        (Err(e), _) | (_, Err(e)) => return Err(err(&e)),
    };
    let upper = format!("{source}\0");
    let mut rows = Vec::new();
    for item in keys
        .range((source, "")..(upper.as_str(), ""))
        .map_err(|e| err(&e))?
    {
        let (key, _) = item.map_err(|e| err(&e))?;
        let cve = key.value().1;
        if let Some(value) = table.get((cve, source)).map_err(|e| err(&e))? {
            rows.push((cve.to_string(), value.value().to_vec()));
        }
    }
    Ok(rows)
}

/// How many CVE severities each source stored.
pub(crate) fn counts(path: &Path, txn: &ReadTransaction) -> Result<BTreeMap<String, u64>, DbError> {
    let keys = match txn.open_table(SOURCE_CVES) {
        Ok(k) => k,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
        Err(e) => return Err(DbError::store(path, e)),
    };
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for item in keys.iter().map_err(|e| DbError::store(path, e))? {
        let (key, _) = item.map_err(|e| DbError::store(path, e))?;
        *out.entry(key.value().0.to_string()).or_default() += 1;
    }
    Ok(out)
}

/// Adds each source's CVE rows (key and encoded metrics) to `bytes`.
pub(crate) fn add_bytes(
    path: &Path,
    txn: &ReadTransaction,
    bytes: &mut BTreeMap<String, u64>,
) -> Result<(), DbError> {
    let table = match txn.open_table(CVE_SEVERITY) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(DbError::store(path, e)),
    };
    for item in table.iter().map_err(|e| DbError::store(path, e))? {
        let (key, value) = item.map_err(|e| DbError::store(path, e))?;
        let (cve, source) = key.value();
        *bytes.entry(source.to_string()).or_default() +=
            (cve.len() + source.len() + value.value().len()) as u64;
    }
    Ok(())
}
