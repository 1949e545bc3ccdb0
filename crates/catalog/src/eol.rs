//! When a distribution release stops getting security fixes: a small built-in table (Alpine,
//! Debian, Ubuntu, RHEL/UBI, Amazon Linux, CBL-Mariner) that a JSON file can override.
//!
//! The date used is the end of *free* security support: Debian's LTS end, Ubuntu's standard
//! support end (ESM is paid), RHEL's maintenance end, Alpine's main-repository end.
//!
//! It lives beside [`Os`] because two stages judge it: `plinth-advise` (a base-image fact) and
//! `plinth-scan` (an end-of-life OS is reported with the findings).

use serde::{Deserialize, Serialize};

use crate::Os;

/// When the built-in table was last checked against the vendors' pages.
pub const TABLE_UPDATED: &str = "2026-11-27";

/// (os id, release, end of free security support).
const BUILT_IN: &[(&str, &str, &str)] = &[
    ("alpine", "3.9", "2020-11-01"),
    ("alpine", "3.10", "2021-05-01"),
    ("alpine", "3.11", "2021-11-01"),
    ("alpine", "3.12", "2022-05-01"),
    ("alpine", "3.13", "2022-11-01"),
    ("alpine", "3.14", "2023-05-01"),
    ("alpine", "3.15", "2023-11-01"),
    ("alpine", "3.16", "2024-05-23"),
    ("alpine", "3.17", "2024-11-22"),
    ("alpine", "3.18", "2025-05-09"),
    ("alpine", "3.19", "2025-11-01"),
    ("alpine", "3.20", "2026-04-01"),
    ("alpine", "3.21", "2026-11-01"),
    ("alpine", "3.22", "2027-05-01"),
    ("alpine", "3.23", "2027-11-01"),
    ("debian", "8", "2020-06-30"),
    ("debian", "9", "2022-06-30"),
    ("debian", "10", "2024-06-30"),
    ("debian", "11", "2026-08-31"),
    ("debian", "12", "2028-06-30"),
    ("debian", "13", "2030-06-30"),
    ("ubuntu", "16.04", "2021-04-30"),
    ("ubuntu", "18.04", "2023-05-31"),
    ("ubuntu", "20.04", "2025-05-31"),
    ("ubuntu", "22.04", "2027-06-01"),
    ("ubuntu", "24.04", "2029-05-31"),
    ("ubuntu", "24.10", "2025-07-10"),
    ("rhel", "7", "2024-06-30"),
    ("rhel", "8", "2029-05-31"),
    ("rhel", "9", "2032-05-31"),
    ("rhel", "10", "2035-05-31"),
    ("amzn", "2018.03", "2023-12-31"),
    ("amzn", "2", "2026-06-30"),
    ("amzn", "2023", "2029-06-30"),
    ("mariner", "2.0", "2025-07-23"),
];

/// Debian codenames, for images whose os-release has no VERSION_ID.
const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
];

/// One release's end of life.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Release {
    pub os: String,
    pub release: String,
    /// `YYYY-MM-DD`.
    pub eol: String,
}

/// The `--eol-data` file: `{"updated": "YYYY-MM-DD", "releases": [{"os", "release", "eol"}]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EolFile {
    pub updated: String,
    pub releases: Vec<Release>,
}

/// The table in force: built-in, with a file's entries replacing or adding to it.
#[derive(Debug, Clone)]
pub struct EolTable {
    pub updated: String,
    pub source: String,
    releases: Vec<Release>,
}

/// What facts say about a release's end of life.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Eol {
    /// The release key looked up (`3.20`, `12`, `22.04`).
    pub release: Option<String>,
    /// End of free security support, when the table knows the release.
    pub date: Option<String>,
    /// True when `date` is before today; null when unknown.
    pub past: Option<bool>,
    /// Where the date came from (`built-in table updated 2026-11-27`), or why it is unknown.
    pub source: String,
}

impl Default for EolTable {
    fn default() -> Self {
        EolTable {
            updated: TABLE_UPDATED.into(),
            source: format!("built-in table updated {TABLE_UPDATED}"),
            releases: BUILT_IN
                .iter()
                .map(|(os, release, eol)| Release {
                    os: (*os).into(),
                    release: (*release).into(),
                    eol: (*eol).into(),
                })
                .collect(),
        }
    }
}

impl EolTable {
    /// The built-in table overridden by the JSON in `bytes` (named `what` in errors).
    pub fn with_overrides(what: &str, bytes: &[u8]) -> Result<EolTable, String> {
        let file: EolFile =
            serde_json::from_slice(bytes).map_err(|e| format!("{what}: not an EOL file: {e}"))?;
        if parse_date(&file.updated).is_none() {
            return Err(format!(
                "{what}: \"updated\" is {:?}, expected YYYY-MM-DD",
                file.updated
            ));
        }
        let mut table = EolTable::default();
        for r in file.releases {
            if parse_date(&r.eol).is_none() {
                return Err(format!(
                    "{what}: {} {}: eol {:?}, expected YYYY-MM-DD",
                    r.os, r.release, r.eol
                ));
            }
            table
                .releases
                .retain(|k| !(k.os == r.os && k.release == r.release));
            table.releases.push(r);
        }
        table.updated = file.updated.clone();
        table.source = format!(
            "{what} (updated {}) over the built-in table updated {TABLE_UPDATED}",
            file.updated
        );
        Ok(table)
    }

    /// The end of life of a detected distribution, judged on `today`.
    pub fn lookup_os(&self, os: &Os, today: (i32, u32, u32)) -> Eol {
        self.lookup(
            &os.id,
            os.version_id.as_deref(),
            os.codename.as_deref(),
            today,
        )
    }

    /// The end of life of `id` `version_id` (`codename` helps Debian), judged on `today`.
    pub fn lookup(
        &self,
        id: &str,
        version_id: Option<&str>,
        codename: Option<&str>,
        today: (i32, u32, u32),
    ) -> Eol {
        let Some(release) = release_key(id, version_id, codename) else {
            return Eol {
                release: None,
                date: None,
                past: None,
                source: format!("unknown: {id} has no VERSION_ID to look up"),
            };
        };
        match self
            .releases
            .iter()
            .find(|r| r.os == id && r.release == release)
        {
            Some(r) => Eol {
                past: parse_date(&r.eol).map(|d| d < today),
                date: Some(r.eol.clone()),
                release: Some(release),
                source: self.source.clone(),
            },
            None => Eol {
                source: format!(
                    "unknown: {id} {release} is not in the {} (pass --eol-data FILE)",
                    self.source
                ),
                release: Some(release),
                date: None,
                past: None,
            },
        }
    }
}

/// The table's key for a release: Alpine by branch (`3.20`), Debian and RHEL by major,
/// the rest as written.
pub fn release_key(id: &str, version_id: Option<&str>, codename: Option<&str>) -> Option<String> {
    let v = match version_id {
        Some(v) if !v.is_empty() => v,
        _ if id == "debian" => {
            let c = codename?;
            return DEBIAN_CODENAMES
                .iter()
                .find(|(name, _)| *name == c)
                .map(|(_, v)| (*v).to_string());
        }
        _ => return None,
    };
    let mut parts = v.split('.');
    Some(match id {
        "alpine" => {
            let (a, b) = (parts.next()?, parts.next()?);
            format!("{a}.{b}")
        }
        "debian" | "rhel" | "centos" | "rocky" | "almalinux" => parts.next()?.to_string(),
        _ => v.to_string(),
    })
}

/// `YYYY-MM-DD` as a comparable tuple.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    (it.next().is_none() && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Today's civil date (UTC) from the system clock.
pub fn today() -> (i32, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(parse_date("2026-04-01"), Some((2026, 4, 1)));
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn keys_and_lookup() {
        let t = EolTable::default();
        let today = (2026, 11, 27);
        let a = t.lookup("alpine", Some("3.20.3"), None, today);
        assert_eq!(
            (a.release.as_deref(), a.date.as_deref(), a.past),
            (Some("3.20"), Some("2026-04-01"), Some(true))
        );
        let d = t.lookup("debian", None, Some("bookworm"), today);
        assert_eq!(
            (d.date.as_deref(), d.past),
            (Some("2028-06-30"), Some(false))
        );
        let u = t.lookup("wolfi", Some("20230201"), None, today);
        assert_eq!(u.past, None);
        assert!(u.source.starts_with("unknown: wolfi 20230201 is not in"));
    }

    #[test]
    fn overrides() {
        let f = br#"{"updated":"2026-11-01","releases":[{"os":"alpine","release":"3.20","eol":"2027-01-01"},{"os":"wolfi","release":"x","eol":"2030-01-01"}]}"#;
        let t = EolTable::with_overrides("eol.json", f).unwrap();
        let a = t.lookup("alpine", Some("3.20.1"), None, (2026, 11, 27));
        assert_eq!(
            (a.date.as_deref(), a.past),
            (Some("2027-01-01"), Some(false))
        );
        assert!(a.source.starts_with("eol.json (updated 2026-11-01)"));
        assert!(EolTable::with_overrides("x.json", b"{").is_err());
        let bad = br#"{"updated":"2026-11-01","releases":[{"os":"a","release":"1","eol":"soon"}]}"#;
        assert_eq!(
            EolTable::with_overrides("x.json", bad).unwrap_err(),
            "x.json: a 1: eol \"soon\", expected YYYY-MM-DD"
        );
    }
}
