//! What a scan could and could not check: which database keys the target's packages were
//! looked up under, which of them the database holds no advisories for, and whether the OS
//! release still gets security fixes.
//!
//! "Total: 0" from a database that knows nothing about the image's OS release is not a clean
//! result; a [`Coverage`] with gaps says so, in the JSON, the table and on stderr, and the CLI
//! can fail the gate on it (`--fail-on-missing-data`).

use std::collections::BTreeMap;

use plinth_catalog::Os;
use plinth_catalog::eol::{Eol, EolTable, release_key};
use serde::{Deserialize, Serialize};

/// Coverage of one target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Every database key the target's packages were looked up under, with how many packages
    /// and whether the database had any advisory for that key.
    pub matched: Vec<Matched>,
    /// What could not be checked, and why. Empty when every package met some data.
    pub missing: Vec<Gap>,
    /// End of life of the OS release, when the target has a detected OS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eol: Option<Eol>,
}

/// One database key and the packages looked up under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matched {
    /// `Alpine:v3.20`, `Debian:12`, `PyPI`.
    pub ecosystem: String,
    pub packages: usize,
    /// False when no source in the database stored anything under this key.
    pub has_data: bool,
}

/// Packages that were not checked against any advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub kind: GapKind,
    /// The database key that had no data (absent when the packages could not be keyed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    pub packages: usize,
    /// One line for people: `no advisory data for alpine 3.10 in the database …`.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// The OS release is known, but the database has no advisories for it.
    OsRelease,
    /// A language ecosystem found in the target has no advisories in the database.
    Ecosystem,
    /// The distribution is one plinth cannot key advisories for.
    UnknownDistro,
    /// OS packages were found but no distribution was detected.
    NoDistro,
    /// OS packages of another package manager than the detected distribution's: the
    /// os-release lies (or the image mixes distros), so they are not matched under its key.
    OsMismatch,
}

/// Counts lookups per database key while matching, then asks the database which keys it has.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Key as reported → (packages, is an OS key, the database keys read for it).
    keys: BTreeMap<String, (usize, bool, Vec<String>)>,
    /// Why OS packages had no key → how many.
    unkeyed: BTreeMap<(GapKind, String), usize>,
}

impl Tally {
    /// Counts one package looked up under `ecosystem`, read from `keys` (several for Red Hat's
    /// product streams and Ubuntu Pro): it has data when any of them has.
    pub(crate) fn looked_up<'a>(
        &mut self,
        ecosystem: &str,
        keys: impl Iterator<Item = &'a str>,
        os_package: bool,
    ) {
        let entry = self
            .keys
            .entry(ecosystem.to_string())
            .or_insert((0, os_package, Vec::new()));
        entry.0 += 1;
        for key in keys {
            if !entry.2.iter().any(|k| k == key) {
                entry.2.push(key.to_string());
            }
        }
    }

    pub(crate) fn not_keyed(&mut self, kind: GapKind, what: String) {
        *self.unkeyed.entry((kind, what)).or_default() += 1;
    }

    /// The coverage, `has_data` telling whether the database holds a key.
    pub(crate) fn finish<E>(
        self,
        os: Option<&Os>,
        mut has_data: impl FnMut(&str) -> Result<bool, E>,
    ) -> Result<Coverage, E> {
        let mut coverage = Coverage::default();
        for (ecosystem, (packages, os_key, keys)) in self.keys {
            let mut data = false;
            for key in &keys {
                if has_data(key)? {
                    data = true;
                    break;
                }
            }
            if !data {
                coverage
                    .missing
                    .push(missing_data(&ecosystem, packages, os_key, os));
            }
            coverage.matched.push(Matched {
                ecosystem,
                packages,
                has_data: data,
            });
        }
        for ((kind, what), packages) in self.unkeyed {
            coverage.missing.push(Gap {
                kind,
                ecosystem: None,
                packages,
                message: format!(
                    "{what}: {} not checked against any advisory",
                    count(packages, "OS package")
                ),
            });
        }
        Ok(coverage)
    }
}

fn missing_data(ecosystem: &str, packages: usize, os_key: bool, os: Option<&Os>) -> Gap {
    let (kind, message) = match os.filter(|_| os_key) {
        Some(os) => (
            GapKind::OsRelease,
            format!(
                "no advisory data for {} in the database ({ecosystem}): {} not checked",
                release_label(os),
                count(packages, "OS package")
            ),
        ),
        None => (
            GapKind::Ecosystem,
            format!(
                "no advisory data for {ecosystem} in the database: {} not checked",
                count(packages, "package")
            ),
        ),
    };
    Gap {
        kind,
        ecosystem: Some(ecosystem.to_string()),
        packages,
        message,
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `alpine 3.10` (the release as vendors name their support branches), else `id VERSION_ID`.
fn release_label(os: &Os) -> String {
    match release_key(&os.id, os.version_id.as_deref(), os.codename.as_deref()) {
        Some(release) => format!("{} {release}", os.id),
        None => crate::ecosystem::os_label(os),
    }
}

impl Coverage {
    /// Sets the end of life of `os` from `table`, judged on `today`.
    pub fn judge_eol(&mut self, os: Option<&Os>, table: &EolTable, today: (i32, u32, u32)) {
        self.eol = os.map(|os| table.lookup_os(os, today));
    }

    /// The end-of-life line, when the release is past it.
    pub fn eol_message(&self, os: Option<&Os>) -> Option<String> {
        let eol = self.eol.as_ref().filter(|e| e.past == Some(true))?;
        let os = os?;
        Some(format!(
            "{} reached end of life on {}: it gets no more security fixes, and advisories may no longer be published for it ({})",
            release_label(os),
            eol.date.as_deref().unwrap_or("?"),
            eol.source
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alpine(v: &str) -> Os {
        Os {
            id: "alpine".into(),
            version_id: Some(v.into()),
            codename: None,
            pretty_name: None,
        }
    }

    #[test]
    fn gaps_name_the_release_and_the_ecosystem() {
        let mut tally = Tally::default();
        for _ in 0..3 {
            tally.looked_up("Alpine:v3.10", ["Alpine:v3.10"].into_iter(), true);
        }
        tally.looked_up("PyPI", ["PyPI"].into_iter(), false);
        tally.looked_up("npm", ["npm"].into_iter(), false);
        let os = alpine("3.10.9");
        let cov = tally
            .finish(Some(&os), |eco| Ok::<_, ()>(eco == "npm"))
            .unwrap();
        let lines: Vec<&str> = cov.missing.iter().map(|g| g.message.as_str()).collect();
        assert_eq!(
            lines,
            [
                "no advisory data for alpine 3.10 in the database (Alpine:v3.10): 3 OS packages not checked",
                "no advisory data for PyPI in the database: 1 package not checked",
            ]
        );
        assert_eq!(cov.missing[0].kind, GapKind::OsRelease);
        assert_eq!(cov.matched.len(), 3);
        assert!(
            cov.matched
                .iter()
                .any(|m| m.ecosystem == "npm" && m.has_data)
        );
    }

    #[test]
    fn end_of_life_is_judged_on_the_given_day() {
        let os = alpine("3.10.9");
        let mut cov = Coverage::default();
        cov.judge_eol(Some(&os), &EolTable::default(), (2026, 12, 3));
        let line = cov.eol_message(Some(&os)).unwrap();
        assert!(
            line.starts_with("alpine 3.10 reached end of life on 2021-05-01"),
            "{line}"
        );
        cov.judge_eol(Some(&os), &EolTable::default(), (2020, 1, 1));
        assert_eq!(cov.eol_message(Some(&os)), None);
    }
}
