//! The CWE ids of findings: every weakness the database files under the finding's id or any
//! of its aliases (a GHSA record's `cwe_ids` under its CVE, NVD's and the CNA's under the CVE).

use std::collections::{BTreeMap, BTreeSet};

use plinth_vulndb::DbError;

use crate::finding::Finding;
use crate::matcher::Advisories;

/// Fills `cwe` of each finding: every distinct id looked up in one call.
pub(crate) fn attach(findings: &mut [Finding], db: &dyn Advisories) -> Result<(), DbError> {
    let ids: BTreeSet<&str> = findings
        .iter()
        .flat_map(|f| std::iter::once(&f.id).chain(&f.aliases))
        .map(String::as_str)
        .collect();
    let ids: Vec<&str> = ids.into_iter().collect();
    let found = db.cwes(&ids)?;
    let by_id: BTreeMap<String, Vec<String>> = ids
        .into_iter()
        .map(str::to_string)
        .zip(found)
        .filter(|(_, cwes)| !cwes.is_empty())
        .collect();
    for finding in findings {
        let cwes: BTreeSet<&String> = std::iter::once(&finding.id)
            .chain(&finding.aliases)
            .filter_map(|id| by_id.get(id))
            .flatten()
            .collect();
        finding.cwe = cwes.into_iter().cloned().collect();
    }
    Ok(())
}
