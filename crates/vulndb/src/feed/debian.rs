//! Debian's security tracker JSON (`/tracker/data/json`): source package → CVE → release
//! codename → {status, fixed_version, urgency, nodsa_reason}.
//!
//! Conversion, per release (keyed `Debian:<number>`, `bookworm` → `Debian:12`):
//! - `resolved` with `fixed_version` `0`: the release never had the problem → NotAffected;
//! - `resolved` with a version: introduced `0`, fixed that version → Fixed;
//! - `open`: introduced `0`, no fix → Unfixed, or Ignored when `nodsa_reason` is `ignored`;
//! - `undetermined`: introduced `0` → Undetermined.
//!
//! The document is read one package at a time, so memory follows the largest package, not the
//! ~100 MiB file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::{Records, first_line, nullable};
use crate::ecosystem::debian_release;
use crate::error::DbError;
use crate::model::{Advisory, Affected, Event, Range, RangeKind, Severity, SeverityKind, Status};

#[derive(Deserialize)]
struct RawIssue {
    #[serde(default, deserialize_with = "nullable")]
    description: String,
    #[serde(default, deserialize_with = "map_or_empty_list")]
    releases: BTreeMap<String, RawRelease>,
}

#[derive(Deserialize)]
struct RawRelease {
    #[serde(default, deserialize_with = "nullable")]
    status: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

/// The tracker writes an issue with no releases as `[]` (PHP-style empty map), as in
/// `chromium-browser/CVE-2022-0358`; anything else must be an object.
fn map_or_empty_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, RawRelease>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MapOrList {
        Map(BTreeMap<String, RawRelease>),
        List(Vec<serde::de::IgnoredAny>),
        Null(()),
    }
    match MapOrList::deserialize(d)? {
        MapOrList::Map(map) => Ok(map),
        MapOrList::List(list) if list.is_empty() => Ok(BTreeMap::new()),
        MapOrList::List(_) => Err(serde::de::Error::custom(
            "`releases` is a non-empty list, expected an object",
        )),
        MapOrList::Null(()) => Ok(BTreeMap::new()),
    }
}

/// Reads the whole tracker document.
pub fn read(path: &Path, bytes: &[u8], source: &str, records: &mut Records) -> Result<(), DbError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.deserialize_map(PackageVisitor { source, records })
        .and_then(|()| de.end())
        .map_err(|e| DbError::Malformed {
            path: path.into(),
            format: "Debian tracker JSON",
            message: e.to_string(),
        })
}

struct PackageVisitor<'a> {
    source: &'a str,
    records: &'a mut Records,
}

impl<'de> Visitor<'de> for PackageVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of source packages")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((package, issues)) =
            map.next_entry::<String, BTreeMap<String, serde_json::Value>>()?
        {
            for (id, value) in issues {
                match serde_json::from_value::<RawIssue>(value) {
                    Ok(issue) => add_issue(&package, id, issue, self.source, self.records),
                    Err(e) => self.records.stats.skip(format!("{package}/{id} ({e})")),
                }
            }
        }
        Ok(())
    }
}

fn add_issue(package: &str, id: String, issue: RawIssue, source: &str, records: &mut Records) {
    let summary = first_line(&issue.description);
    for (codename, release) in issue.releases {
        let Some(number) = debian_release(&codename) else {
            continue;
        };
        let Some(affected) = affected_of(package, &release) else {
            continue;
        };
        let severity = release
            .urgency
            .filter(|u| !u.trim().is_empty())
            .map(|u| Severity {
                source: "debian".into(),
                kind: SeverityKind::Vendor,
                score: None,
                vector: None,
                level: Some(u),
            })
            .into_iter()
            .collect();
        let advisory = Advisory {
            id: id.clone(),
            aliases: Vec::new(),
            summary: summary.clone(),
            severity,
            affected: vec![affected],
            published: None,
            modified: None,
            references: vec![format!("https://security-tracker.debian.org/tracker/{id}")],
            source: source.to_string(),
        };
        records.add(format!("Debian:{number}"), package.to_string(), advisory);
    }
}

fn affected_of(package: &str, release: &RawRelease) -> Option<Affected> {
    let from_start = |events: Vec<Event>| {
        vec![Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events,
        }]
    };
    let (ranges, status) = match release.status.as_str() {
        "resolved" => match release.fixed_version.as_deref().map(str::trim) {
            Some("0") => (Vec::new(), Status::NotAffected),
            Some(v) if !v.is_empty() => (
                from_start(vec![
                    Event::Introduced("0".into()),
                    Event::Fixed(v.to_string()),
                ]),
                Status::Fixed,
            ),
            _ => return None,
        },
        "open" => {
            let ignored = release.nodsa_reason.as_deref() == Some("ignored");
            (
                from_start(vec![Event::Introduced("0".into())]),
                if ignored {
                    Status::Ignored
                } else {
                    Status::Unfixed
                },
            )
        }
        "undetermined" => (
            from_start(vec![Event::Introduced("0".into())]),
            Status::Undetermined,
        ),
        _ => return None,
    };
    Some(Affected {
        package: package.to_string(),
        ranges,
        versions: Vec::new(),
        status,
    })
}
