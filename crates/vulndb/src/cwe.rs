//! CWE ids per vulnerability: the weaknesses a problem's records name, for the reports that
//! carry them (Harbor's `cwe_ids`, SARIF rule tags, plinth JSON). Read from CVE JSON 5
//! records (`problemTypes[].descriptions[].cweId`, CNA and ADP containers), NVD CVE API 2.0
//! (`weaknesses[].description[].value`) and GitHub's OSV records
//! (`database_specific.cwe_ids`, filed under the record's id and each of its aliases).
//!
//! Stored like the CVE severities (`severity_table.rs`), in tables of their own:
//! - `cwe`: (vulnerability id, source) → postcard `Vec<String>` (`CWE-79`, sorted);
//! - `source_cwes`: (source, vulnerability id) → (), so one source is replaced without
//!   scanning every id.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};

use crate::error::DbError;

const CWE: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("cwe");
const SOURCE_CWES: TableDefinition<(&str, &str), ()> = TableDefinition::new("source_cwes");

/// The CWE ids of one source while it is parsed: per vulnerability id, every id any of its
/// records named.
#[derive(Debug, Default)]
pub struct Weaknesses {
    by_id: BTreeMap<String, BTreeSet<String>>,
}

impl Weaknesses {
    /// Records that `id` has the weaknesses `cwes`. Only `CWE-<number>` counts: NVD's
    /// placeholders (`NVD-CWE-noinfo`, `NVD-CWE-Other`) say that nothing is known.
    pub(crate) fn add<'a>(&mut self, id: &str, cwes: impl IntoIterator<Item = &'a str>) {
        let valid: BTreeSet<String> = cwes
            .into_iter()
            .map(str::trim)
            .filter(|c| {
                c.strip_prefix("CWE-")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(str::to_string)
            .collect();
        if !valid.is_empty() {
            self.by_id.entry(id.to_string()).or_default().extend(valid);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// Encoded rows of one source: vulnerability id → postcard `Vec<String>`, sorted by id.
pub(crate) type CweRows = Vec<(String, Vec<u8>)>;

pub(crate) fn encode(weaknesses: Weaknesses, source: &str) -> Result<CweRows, DbError> {
    weaknesses
        .by_id
        .into_iter()
        .map(|(id, cwes)| {
            let list: Vec<String> = cwes.into_iter().collect();
            let bytes = postcard::to_allocvec(&list).map_err(|e| DbError::Corrupt {
                path: source.into(),
                key: id.clone(),
                message: e.to_string(),
            })?;
            Ok((id, bytes))
        })
        .collect()
}

/// Replaces every row `source` stored with `rows`, inside the caller's transaction.
pub(crate) fn replace(
    txn: &WriteTransaction,
    source: &str,
    rows: &CweRows,
) -> Result<(), redb::Error> {
    let mut table = txn.open_table(CWE)?;
    let mut keys = txn.open_table(SOURCE_CWES)?;
    let upper = format!("{source}\0");
    let old: Vec<String> = keys
        .range((source, "")..(upper.as_str(), ""))?
        .map(|item| item.map(|(k, _)| k.value().1.to_string()))
        .collect::<Result<_, _>>()?;
    for id in &old {
        table.remove((id.as_str(), source))?;
        keys.remove((source, id.as_str()))?;
    }
    drop((table, keys));
    upsert(txn, source, rows)
}

/// Adds or replaces `rows` for `source`, keeping its other ids (an incremental update).
pub(crate) fn upsert(
    txn: &WriteTransaction,
    source: &str,
    rows: &CweRows,
) -> Result<(), redb::Error> {
    let mut table = txn.open_table(CWE)?;
    let mut keys = txn.open_table(SOURCE_CWES)?;
    for (id, bytes) in rows {
        table.insert((id.as_str(), source), bytes.as_slice())?;
        keys.insert((source, id.as_str()), ())?;
    }
    Ok(())
}

/// Creates both tables, so readers find them empty rather than missing.
pub(crate) fn create(txn: &WriteTransaction) -> Result<(), redb::Error> {
    txn.open_table(CWE)?;
    txn.open_table(SOURCE_CWES)?;
    Ok(())
}

/// The `cwe` table of one read transaction, opened once for all its lookups.
pub(crate) struct CweTable(Option<ReadOnlyTable<(&'static str, &'static str), &'static [u8]>>);

impl CweTable {
    pub(crate) fn open(path: &Path, txn: &ReadTransaction) -> Result<CweTable, DbError> {
        match txn.open_table(CWE) {
            Ok(t) => Ok(CweTable(Some(t))),
            // Written before CWE ids were kept: none is known.
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(CweTable(None)),
            Err(e) => Err(DbError::store(path, e)),
        }
    }

    /// For each of `ids`, the CWE ids any source named for it, sorted and without repeats.
    pub(crate) fn lookup(&self, path: &Path, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError> {
        let Some(table) = &self.0 else {
            return Ok(vec![Vec::new(); ids.len()]);
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let mut cwes = BTreeSet::new();
            // Open-ended, stopped at the next id: bounding both ends walks the B-tree down
            // twice.
            for item in table
                .range((*id, "")..)
                .map_err(|e| DbError::store(path, e))?
            {
                let (key, value) = item.map_err(|e| DbError::store(path, e))?;
                let (at, source) = key.value();
                if at != *id {
                    break;
                }
                let list: Vec<String> =
                    postcard::from_bytes(value.value()).map_err(|e| DbError::Corrupt {
                        path: path.into(),
                        key: format!("cwe {at} ({source})"),
                        message: e.to_string(),
                    })?;
                cwes.extend(list);
            }
            out.push(cwes.into_iter().collect());
        }
        Ok(out)
    }
}

/// The rows `source` stored, for copying it into another database.
pub(crate) fn rows_of(
    path: &Path,
    txn: &ReadTransaction,
    source: &str,
) -> Result<CweRows, DbError> {
    let err = |e: &dyn std::fmt::Display| DbError::store(path, e);
    let (table, keys) = match (txn.open_table(CWE), txn.open_table(SOURCE_CWES)) {
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
        let id = key.value().1;
        if let Some(value) = table.get((id, source)).map_err(|e| err(&e))? {
            rows.push((id.to_string(), value.value().to_vec()));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_numbered_cwes_are_kept() {
        let mut w = Weaknesses::default();
        w.add(
            "CVE-1",
            [
                "CWE-79",
                " CWE-89",
                "NVD-CWE-noinfo",
                "NVD-CWE-Other",
                "CWE-",
                "cwe-20",
            ],
        );
        w.add("CVE-1", ["CWE-79"]);
        w.add("CVE-2", ["NVD-CWE-Other"]);
        let rows = encode(w, "test").unwrap();
        assert_eq!(rows.len(), 1);
        let list: Vec<String> = postcard::from_bytes(&rows[0].1).unwrap();
        assert_eq!(
            (rows[0].0.as_str(), list),
            ("CVE-1", vec!["CWE-79".to_string(), "CWE-89".to_string()])
        );
    }
}
