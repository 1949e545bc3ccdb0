//! Facts kept per vulnerability id and per source, in two tables each (the CVE severities of
//! `severity_table.rs`, the CWE ids of `cwe.rs`):
//! - the rows: (vulnerability id, source) → a postcard list;
//! - an index: (source, vulnerability id) → (), so one source is replaced without scanning
//!   every id (as `source_keys` does for advisories).
//!
//! A lookup is one short range scan over the id's prefix, whatever the number of sources.

use std::collections::BTreeMap;
use std::path::Path;

use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::DbError;

type RowsTable = TableDefinition<'static, (&'static str, &'static str), &'static [u8]>;
type IndexTable = TableDefinition<'static, (&'static str, &'static str), ()>;

/// Encoded rows of one source: vulnerability id → postcard list, sorted by id.
pub(crate) type Rows = Vec<(String, Vec<u8>)>;

/// One kind of fact: its rows table and the source index beside it.
pub(crate) struct PerId {
    rows: RowsTable,
    index: IndexTable,
}

impl PerId {
    pub(crate) const fn new(rows: &'static str, index: &'static str) -> PerId {
        PerId {
            rows: TableDefinition::new(rows),
            index: TableDefinition::new(index),
        }
    }

    /// Encodes one source's lists; `lists` must come sorted by id, so inserts run in B-tree
    /// order.
    pub(crate) fn encode<T: Serialize>(
        lists: impl IntoIterator<Item = (String, T)>,
        source: &str,
    ) -> Result<Rows, DbError> {
        lists
            .into_iter()
            .map(|(id, list)| {
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
        &self,
        txn: &WriteTransaction,
        source: &str,
        rows: &Rows,
    ) -> Result<(), redb::Error> {
        let mut table = txn.open_table(self.rows)?;
        let mut keys = txn.open_table(self.index)?;
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
        self.upsert(txn, source, rows)
    }

    /// Adds or replaces `rows` for `source`, keeping its other ids (an incremental update).
    pub(crate) fn upsert(
        &self,
        txn: &WriteTransaction,
        source: &str,
        rows: &Rows,
    ) -> Result<(), redb::Error> {
        let mut table = txn.open_table(self.rows)?;
        let mut keys = txn.open_table(self.index)?;
        for (id, bytes) in rows {
            table.insert((id.as_str(), source), bytes.as_slice())?;
            keys.insert((source, id.as_str()), ())?;
        }
        Ok(())
    }

    /// Creates both tables, so readers find them empty rather than missing.
    pub(crate) fn create(&self, txn: &WriteTransaction) -> Result<(), redb::Error> {
        txn.open_table(self.rows)?;
        txn.open_table(self.index)?;
        Ok(())
    }

    /// The rows table of one read transaction, opened once for all its lookups.
    pub(crate) fn open(&self, path: &Path, txn: &ReadTransaction) -> Result<Lists, DbError> {
        match txn.open_table(self.rows) {
            Ok(t) => Ok(Lists(Some(t))),
            // Written before this kind of fact was kept: none is known.
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(Lists(None)),
            Err(e) => Err(DbError::store(path, e)),
        }
    }

    /// The rows `source` stored, for copying it into another database.
    pub(crate) fn rows_of(
        &self,
        path: &Path,
        txn: &ReadTransaction,
        source: &str,
    ) -> Result<Rows, DbError> {
        let err = |e: &dyn std::fmt::Display| DbError::store(path, e);
        let (table, keys) = match (txn.open_table(self.rows), txn.open_table(self.index)) {
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

    /// How many ids each source stored.
    pub(crate) fn counts(
        &self,
        path: &Path,
        txn: &ReadTransaction,
    ) -> Result<BTreeMap<String, u64>, DbError> {
        let keys = match txn.open_table(self.index) {
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

    /// Adds each source's rows (key and encoded list) to `bytes`.
    pub(crate) fn add_bytes(
        &self,
        path: &Path,
        txn: &ReadTransaction,
        bytes: &mut BTreeMap<String, u64>,
    ) -> Result<(), DbError> {
        let table = match txn.open_table(self.rows) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(DbError::store(path, e)),
        };
        for item in table.iter().map_err(|e| DbError::store(path, e))? {
            let (key, value) = item.map_err(|e| DbError::store(path, e))?;
            let (id, source) = key.value();
            *bytes.entry(source.to_string()).or_default() +=
                (id.len() + source.len() + value.value().len()) as u64;
        }
        Ok(())
    }
}

/// An open rows table (none in a database written before it existed).
pub(crate) struct Lists(Option<ReadOnlyTable<(&'static str, &'static str), &'static [u8]>>);

impl Lists {
    /// Every entry any source listed for `id`, sources in name order.
    pub(crate) fn of<T: DeserializeOwned>(&self, path: &Path, id: &str) -> Result<Vec<T>, DbError> {
        let Some(table) = &self.0 else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        // Open-ended, stopped at the next id: bounding both ends walks the B-tree down twice.
        for item in table
            .range((id, "")..)
            .map_err(|e| DbError::store(path, e))?
        {
            let (key, value) = item.map_err(|e| DbError::store(path, e))?;
            let (at, source) = key.value();
            if at != id {
                break;
            }
            let list: Vec<T> =
                postcard::from_bytes(value.value()).map_err(|e| DbError::Corrupt {
                    path: path.into(),
                    key: format!("{at} ({source})"),
                    message: e.to_string(),
                })?;
            out.extend(list);
        }
        Ok(out)
    }
}
