//! CWE ids per vulnerability: the weaknesses a problem's records name, for the reports that
//! carry them (Harbor's `cwe_ids`, SARIF rule tags, plinth JSON). Read from CVE JSON 5
//! records (`problemTypes[].descriptions[].cweId`, CNA and ADP containers), NVD CVE API 2.0
//! (`weaknesses[].description[].value`) and GitHub's OSV records
//! (`database_specific.cwe_ids`, filed under the record's id and each of its aliases).
//!
//! Kept as [`PerId`] facts, like the CVE severities:
//! - `cwe`: (vulnerability id, source) → postcard `Vec<String>` (`CWE-79`, sorted);
//! - `source_cwes`: (source, vulnerability id) → ().

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use redb::ReadTransaction;

use crate::error::DbError;
use crate::per_id::{Lists, PerId, Rows};

pub(crate) const WEAKNESSES: PerId = PerId::new("cwe", "source_cwes");

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
pub(crate) type CweRows = Rows;

pub(crate) fn encode(weaknesses: Weaknesses, source: &str) -> Result<CweRows, DbError> {
    let lists = weaknesses
        .by_id
        .into_iter()
        .map(|(id, cwes)| (id, cwes.into_iter().collect::<Vec<String>>()));
    PerId::encode(lists, source)
}

/// The `cwe` table of one read transaction, opened once for all its lookups.
pub(crate) struct CweTable(Lists);

impl CweTable {
    pub(crate) fn open(path: &Path, txn: &ReadTransaction) -> Result<CweTable, DbError> {
        WEAKNESSES.open(path, txn).map(CweTable)
    }

    /// For each of `ids`, the CWE ids any source named for it, sorted and without repeats.
    pub(crate) fn lookup(&self, path: &Path, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError> {
        ids.iter()
            .map(|id| {
                let cwes: BTreeSet<String> = self.0.of::<String>(path, id)?.into_iter().collect();
                Ok(cwes.into_iter().collect())
            })
            .collect()
    }
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
