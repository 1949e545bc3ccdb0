//! Lookups shared by every request of one loaded database.
//!
//! A loaded database file never changes (a new one is a new [`crate::database::Loaded`]), so
//! what one scan read from it, decoded, is what every later scan would read. Keeping the
//! decoded advisory lists and CVE metrics saves each request the B-tree walks and the postcard
//! decoding, and hands the same `Arc` to every scan instead of a copy. Answers still come
//! wholly from one snapshot: a memo belongs to its `Loaded` and goes with it.
//!
//! Memory is bounded: once the memo holds [`MAX_RECORDS`] advisories, CVE metrics and
//! ecosystem answers, further lookups are read from the snapshot each time, as without a memo.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use plinth_scan::Advisories;
use plinth_vulndb::{Advisory, CveMetric, DbError, Snapshot};

/// Records (advisories, CVE metrics, ecosystem answers) a memo keeps at most. A scan of the
/// debian-app fixture leaves 476; a decoded advisory is a few hundred bytes to a few KB, so the
/// bound keeps the memo within tens of MB however many distinct packages clients send.
pub const MAX_RECORDS: usize = 20_000;

/// Package → the advisories read under it, in one ecosystem.
type Packages = HashMap<String, Arc<[Advisory]>>;

/// What the requests of one loaded database have looked up so far.
#[derive(Default)]
pub struct Memo {
    /// Ecosystem → package → the advisories read under that key (two levels, so a lookup
    /// borrows its strings instead of building a key).
    advisories: RwLock<HashMap<String, Packages>>,
    cves: RwLock<HashMap<String, Arc<[CveMetric]>>>,
    ecosystems: RwLock<HashMap<String, bool>>,
    /// Records held, against [`MAX_RECORDS`].
    records: AtomicUsize,
}

impl Memo {
    /// Takes `records` more from the budget; false (taking nothing) when they do not fit.
    fn admit(&self, records: usize) -> bool {
        self.records
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                held.checked_add(records).filter(|n| *n <= MAX_RECORDS)
            })
            .is_ok()
    }

    /// Records held.
    pub fn records(&self) -> usize {
        self.records.load(Ordering::Relaxed)
    }
}

/// A snapshot read through its database's memo: what a request matches against.
pub struct Memoized<'a> {
    pub snapshot: Snapshot<'a>,
    pub memo: &'a Memo,
}

impl Advisories for Memoized<'_> {
    fn advisories(&self, ecosystem: &str, package: &str) -> Result<Arc<[Advisory]>, DbError> {
        let held = read(&self.memo.advisories)
            .get(ecosystem)
            .and_then(|packages| packages.get(package))
            .cloned();
        if let Some(list) = held {
            return Ok(list);
        }
        let list: Arc<[Advisory]> = self.snapshot.advisories(ecosystem, package)?.into();
        let mut held = write(&self.memo.advisories);
        // Another request may have read the same key meanwhile: count it once.
        let known = held.get(ecosystem).is_some_and(|p| p.contains_key(package));
        if !known && self.memo.admit(list.len().max(1)) {
            held.entry(ecosystem.to_string())
                .or_default()
                .insert(package.to_string(), list.clone());
        }
        Ok(list)
    }

    fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, DbError> {
        remember(
            self.memo,
            &self.memo.ecosystems,
            ecosystem,
            |_| 1,
            || self.snapshot.has_ecosystem(ecosystem),
        )
    }

    fn cve_severity(&self, cve: &str) -> Result<Arc<[CveMetric]>, DbError> {
        remember(
            self.memo,
            &self.memo.cves,
            cve,
            |m| m.len().max(1),
            || self.snapshot.cve_severity(cve).map(Arc::from),
        )
    }

    /// Read from the snapshot each time: one batch per scan, a small share of it.
    fn cwes(&self, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError> {
        self.snapshot.cwes(ids)
    }
}

/// The value `map` holds for `key`, else `read_it`'s answer, kept when its `cost` in records
/// fits the memo's budget.
fn remember<V: Clone>(
    memo: &Memo,
    map: &RwLock<HashMap<String, V>>,
    key: &str,
    cost: impl FnOnce(&V) -> usize,
    read_it: impl FnOnce() -> Result<V, DbError>,
) -> Result<V, DbError> {
    if let Some(v) = read(map).get(key) {
        return Ok(v.clone());
    }
    let v = read_it()?;
    let mut held = write(map);
    if !held.contains_key(key) && memo.admit(cost(&v)) {
        held.insert(key.to_string(), v.clone());
    }
    Ok(v)
}

/// A poisoned lock still holds whole entries (each is inserted in one step).
fn read<K: Eq + Hash, V>(
    lock: &RwLock<HashMap<K, V>>,
) -> std::sync::RwLockReadGuard<'_, HashMap<K, V>> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<K: Eq + Hash, V>(
    lock: &RwLock<HashMap<K, V>>,
) -> std::sync::RwLockWriteGuard<'_, HashMap<K, V>> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_never_exceeded() {
        let memo = Memo::default();
        assert!(memo.admit(MAX_RECORDS - 1));
        assert!(!memo.admit(2), "over the bound: nothing taken");
        assert_eq!(memo.records(), MAX_RECORDS - 1);
        assert!(memo.admit(1));
        assert!(!memo.admit(1));
        assert_eq!(memo.records(), MAX_RECORDS);
    }
}
