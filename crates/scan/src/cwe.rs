//! The CWE ids of findings: every weakness the database files under the finding's id or any
//! of its aliases (a GHSA record's `cwe_ids` under its CVE, NVD's and the CNA's under the CVE).

use std::collections::{BTreeSet, HashMap};

use plinth_vulndb::DbError;

use crate::finding::Finding;
use crate::matcher::Advisories;

/// Fills `cwe` of each finding, each id looked up once however many findings name it.
pub(crate) fn attach(findings: &mut [Finding], db: &dyn Advisories) -> Result<(), DbError> {
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for finding in findings {
        let mut cwes = BTreeSet::new();
        for id in std::iter::once(&finding.id).chain(&finding.aliases) {
            if !seen.contains_key(id) {
                seen.insert(id.clone(), db.cwes(id)?);
            }
            cwes.extend(seen[id].iter().cloned());
        }
        finding.cwe = cwes.into_iter().collect();
    }
    Ok(())
}
