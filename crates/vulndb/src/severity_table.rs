//! The store's per-CVE severities, kept as [`PerId`] facts:
//! - `cve_severity`: (CVE id, source) → postcard `Vec<CveMetric>` (a few dozen bytes a metric);
//! - `source_cves`: (source, CVE id) → ().

use std::path::Path;

use redb::ReadTransaction;

use crate::cve_severity::{CveMetric, CveSeverities};
use crate::error::DbError;
use crate::per_id::{Lists, PerId, Rows};

pub(crate) const SEVERITIES: PerId = PerId::new("cve_severity", "source_cves");

/// Encoded rows of one source: CVE id → postcard `Vec<CveMetric>`, sorted by CVE id.
pub(crate) type CveRows = Rows;

/// Encodes a source's severities, sorted so inserts run in B-tree order.
pub(crate) fn encode(severities: CveSeverities, source: &str) -> Result<CveRows, DbError> {
    PerId::encode(severities.into_sorted(), source)
}

/// The `cve_severity` table of one read transaction, opened once for all its lookups.
pub(crate) struct CveTable(Lists);

impl CveTable {
    pub(crate) fn open(path: &Path, txn: &ReadTransaction) -> Result<CveTable, DbError> {
        SEVERITIES.open(path, txn).map(CveTable)
    }

    /// Every metric any source stated for `cve`, sources in name order.
    pub(crate) fn lookup(&self, path: &Path, cve: &str) -> Result<Vec<CveMetric>, DbError> {
        self.0.of(path, cve)
    }
}
