//! OSV records (<https://ossf.github.io/osv-schema/>): one JSON object per file, a JSON array of
//! them, or a zip of them (the per-ecosystem `all.zip` export).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;

use serde::Deserialize;

use super::{Records, first_line, nullable};
use crate::cvss;
use crate::ecosystem::{canonical_ecosystem, normalize_name};
use crate::error::DbError;
use crate::model::{Advisory, Affected, Event, Range, RangeKind, Severity, SeverityKind, Status};

/// Zip entries larger than this are not OSV records (the largest real ones are a few MiB).
const MAX_RECORD: u64 = 64 << 20;

/// Records handed to one parser thread at a time.
const BATCH: usize = 256;

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    aliases: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    upstream: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    summary: String,
    #[serde(default, deserialize_with = "nullable")]
    details: String,
    #[serde(default, deserialize_with = "nullable")]
    severity: Vec<RawSeverity>,
    #[serde(default, deserialize_with = "nullable")]
    affected: Vec<RawAffected>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<RawReference>,
    #[serde(default)]
    database_specific: Option<RawSpecific>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default, deserialize_with = "nullable")]
    ranges: Vec<RawRange>,
    #[serde(default, deserialize_with = "nullable")]
    versions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    severity: Vec<RawSeverity>,
    #[serde(default)]
    ecosystem_specific: Option<RawSpecific>,
    #[serde(default)]
    database_specific: Option<RawSpecific>,
}

#[derive(Deserialize)]
struct RawPackage {
    #[serde(default, deserialize_with = "nullable")]
    ecosystem: String,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(default, deserialize_with = "nullable")]
    url: String,
}

/// The vendor fields we read from `database_specific` / `ecosystem_specific`: GitHub's
/// `severity` word and `cwe_ids`, Debian's `urgency`. Anything else there is ignored.
#[derive(Deserialize)]
struct RawSpecific {
    #[serde(default)]
    severity: Option<serde_json::Value>,
    #[serde(default)]
    urgency: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "nullable")]
    cwe_ids: Vec<String>,
}

/// One parsed record: its advisories keyed by (ecosystem, package) and the CWE ids it names,
/// or a withdrawn marker.
pub(crate) enum Parsed {
    Keyed(Vec<(String, String, Advisory)>, Vec<String>),
    Withdrawn,
}

/// Parses one OSV record. The error is the name to report for a skipped record: its id when the
/// JSON was readable that far, else `fallback_name`.
pub(crate) fn parse_record(
    bytes: &[u8],
    fallback_name: &str,
    source: &str,
) -> Result<Parsed, String> {
    match serde_json::from_slice::<RawRecord>(bytes) {
        Ok(raw) => Ok(convert(raw, source)),
        Err(e) => Err(skipped_name(bytes, fallback_name, &e)),
    }
}

fn skipped_name(bytes: &[u8], fallback: &str, error: &serde_json::Error) -> String {
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    match serde_json::from_slice::<IdOnly>(bytes) {
        Ok(r) => format!("{} ({error})", r.id),
        Err(_) => format!("{fallback} ({error})"),
    }
}

fn convert(raw: RawRecord, source: &str) -> Parsed {
    if raw.withdrawn.is_some() {
        return Parsed::Withdrawn;
    }
    let severity = record_severities(&raw);
    let cwes = raw
        .database_specific
        .as_ref()
        .map_or_else(Vec::new, |d| d.cwe_ids.clone());
    // Real records repeat aliases (GO-2025-4014 lists its CVE twice); keep each id once.
    let mut aliases: Vec<String> = Vec::new();
    for alias in raw.aliases.into_iter().chain(raw.upstream) {
        if !aliases.contains(&alias) && alias != raw.id {
            aliases.push(alias);
        }
    }
    let summary = if raw.summary.trim().is_empty() {
        first_line(&raw.details)
    } else {
        first_line(&raw.summary)
    };
    let references: Vec<String> = raw
        .references
        .into_iter()
        .map(|r| r.url)
        .filter(|u| !u.is_empty())
        .collect();

    let mut out: Vec<(String, String, Advisory)> = Vec::new();
    for affected in raw.affected {
        let Some(package) = &affected.package else {
            continue;
        };
        if package.ecosystem.trim().is_empty() || package.name.trim().is_empty() {
            continue; // GIT-only entries name no package: nothing to key them by.
        }
        let ecosystem = canonical_ecosystem(&package.ecosystem);
        let key_name = normalize_name(&ecosystem, &package.name);
        let extra = affected_severities(&affected, &ecosystem);
        let entry = convert_affected(&affected, &package.name);
        if let Some((_, _, adv)) = out
            .iter_mut()
            .find(|(e, n, _)| *e == ecosystem && *n == key_name)
        {
            adv.affected.push(entry);
            adv.severity
                .extend(extra.into_iter().filter(|s| !severity.contains(s)));
            continue;
        }
        let mut adv_severity = severity.clone();
        adv_severity.extend(extra);
        out.push((
            ecosystem,
            key_name,
            Advisory {
                id: raw.id.clone(),
                aliases: aliases.clone(),
                summary: summary.clone(),
                severity: adv_severity,
                affected: vec![entry],
                published: raw.published.clone(),
                modified: raw.modified.clone(),
                references: references.clone(),
                source: source.to_string(),
            },
        ));
    }
    Parsed::Keyed(out, cwes)
}

fn record_severities(raw: &RawRecord) -> Vec<Severity> {
    let mut out: Vec<Severity> = raw
        .severity
        .iter()
        .filter_map(|s| severity_of(s, "osv"))
        .collect();
    if let Some(level) = raw
        .database_specific
        .as_ref()
        .and_then(|d| text(&d.severity))
    {
        let who = if raw.id.starts_with("GHSA-") {
            "ghsa"
        } else {
            "database"
        };
        out.push(vendor(who, level));
    }
    out
}

fn affected_severities(affected: &RawAffected, ecosystem: &str) -> Vec<Severity> {
    let who = crate::ecosystem::ecosystem_base(ecosystem).to_ascii_lowercase();
    let mut out: Vec<Severity> = affected
        .severity
        .iter()
        .filter_map(|s| severity_of(s, &who))
        .collect();
    for specific in [&affected.ecosystem_specific, &affected.database_specific]
        .into_iter()
        .flatten()
    {
        if let Some(level) = text(&specific.urgency).or_else(|| text(&specific.severity)) {
            out.push(vendor(&who, level));
        }
    }
    out
}

fn text(value: &Option<serde_json::Value>) -> Option<&str> {
    value.as_ref()?.as_str().filter(|s| !s.trim().is_empty())
}

fn vendor(who: &str, level: &str) -> Severity {
    Severity {
        source: who.to_string(),
        kind: SeverityKind::Vendor,
        score: None,
        vector: None,
        level: Some(level.to_string()),
    }
}

fn severity_of(raw: &RawSeverity, who: &str) -> Option<Severity> {
    let score = raw.score.trim();
    if score.is_empty() {
        return None;
    }
    let cvss = |kind, value: Option<f32>| Severity {
        source: who.to_string(),
        kind,
        score: value,
        vector: Some(score.to_string()),
        level: None,
    };
    Some(match raw.kind.as_str() {
        "CVSS_V2" => cvss(SeverityKind::CvssV2, cvss::v2_base_score(score)),
        "CVSS_V3" => cvss(SeverityKind::CvssV3, cvss::v3_base_score(score)),
        "CVSS_V4" => cvss(SeverityKind::CvssV4, cvss::v4_base_score(score)),
        // `Ubuntu` (priority words) and any future vendor type: keep the word, named by type.
        other => vendor(&other.to_ascii_lowercase(), score),
    })
}

fn convert_affected(raw: &RawAffected, package: &str) -> Affected {
    let ranges: Vec<Range> = raw.ranges.iter().filter_map(convert_range).collect();
    let has_fix = ranges
        .iter()
        .any(|r| r.events.iter().any(|e| matches!(e, Event::Fixed(_))));
    Affected {
        package: package.to_string(),
        ranges,
        versions: raw.versions.clone(),
        status: if has_fix {
            Status::Fixed
        } else {
            Status::Unfixed
        },
    }
}

fn convert_range(raw: &RawRange) -> Option<Range> {
    let kind = match raw.kind.as_str() {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        _ => return None,
    };
    let events = raw
        .events
        .iter()
        .filter_map(|e| {
            if let Some(v) = &e.introduced {
                Some(Event::Introduced(v.clone()))
            } else if let Some(v) = &e.fixed {
                Some(Event::Fixed(v.clone()))
            } else if let Some(v) = &e.last_affected {
                Some(Event::LastAffected(v.clone()))
            } else {
                e.limit.as_ref().map(|v| Event::Limit(v.clone()))
            }
        })
        .collect();
    Some(Range {
        kind,
        repo: raw.repo.clone(),
        events,
    })
}

fn add_parsed(records: &mut Records, result: Result<Parsed, String>) {
    match result {
        Ok(Parsed::Keyed(list, cwes)) => {
            // Filed under the record's id and every alias (its CVE), as findings look them
            // up; a record keyed under no package makes no finding to name them in.
            if let Some((_, _, adv)) = list.first() {
                for id in std::iter::once(&adv.id).chain(&adv.aliases) {
                    records.cwes.add(id, cwes.iter().map(String::as_str));
                }
            }
            for (eco, pkg, adv) in list {
                records.add(eco, pkg, adv);
            }
        }
        Ok(Parsed::Withdrawn) => records.stats.withdrawn += 1,
        Err(name) => records.stats.skip(name),
    }
}

/// A JSON document holding one record or an array of records.
pub fn read_document(
    path: &Path,
    bytes: &[u8],
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    let name = path.display().to_string();
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&bytes[..0], |i| &bytes[i..]);
    if !trimmed.starts_with(b"[") {
        add_parsed(records, parse_record(bytes, &name, source));
        return Ok(());
    }
    let items: Vec<serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|e| DbError::Malformed {
            path: path.into(),
            format: "JSON",
            message: e.to_string(),
        })?;
    for (i, item) in items.into_iter().enumerate() {
        let fallback = format!("{name}[{i}]");
        let result = serde_json::from_value::<RawRecord>(item)
            .map(|raw| convert(raw, source))
            .map_err(|e| format!("{fallback} ({e})"));
        add_parsed(records, result);
    }
    Ok(())
}

/// A zip of OSV records (`all.zip`), or of CVE 5 records or NVD documents. Entries are
/// inflated on this thread and OSV records parsed on the others, since JSON parsing, not
/// inflation, is the slow part.
pub fn read_zip(
    path: &Path,
    file: File,
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    let zip_err = |e| DbError::Zip {
        path: path.into(),
        cause: e,
    };
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let (batch_tx, batch_rx) = mpsc::sync_channel::<Vec<(String, Vec<u8>)>>(workers * 2);
    let batch_rx = std::sync::Mutex::new(batch_rx);
    let (out_tx, out_rx) = mpsc::channel::<Vec<Result<Parsed, String>>>();
    std::thread::scope(|scope| -> Result<(), DbError> {
        for _ in 0..workers {
            let (batch_rx, out_tx) = (&batch_rx, out_tx.clone());
            scope.spawn(move || {
                loop {
                    let next = batch_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(batch)) = next else { break };
                    let parsed = batch
                        .iter()
                        .map(|(name, bytes)| parse_record(bytes, name, source))
                        .collect();
                    if out_tx.send(parsed).is_err() {
                        break;
                    }
                }
            });
        }
        drop(out_tx);
        let mut batch = Vec::with_capacity(BATCH);
        let mut failure = None;
        for i in 0..archive.len() {
            // Drain finished work as we go so parsed records do not pile up in the channel.
            while let Ok(done) = out_rx.try_recv() {
                done.into_iter().for_each(|r| add_parsed(records, r));
            }
            let mut entry = match archive.by_index(i) {
                Ok(entry) => entry,
                Err(e) => {
                    failure = Some(zip_err(e));
                    break;
                }
            };
            let name = match entry.name() {
                Ok(name) => name.into_owned(),
                Err(e) => {
                    records.stats.skip(format!("zip entry {i} ({e})"));
                    continue;
                }
            };
            if entry.is_dir() || !name.ends_with(".json") {
                continue;
            }
            if entry.size() > MAX_RECORD {
                records.stats.skip(format!(
                    "{name} (entry of {} bytes is too large for a record)",
                    entry.size()
                ));
                continue;
            }
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            if let Err(e) = entry.read_to_end(&mut bytes) {
                failure = Some(DbError::Malformed {
                    path: path.into(),
                    format: "zip",
                    message: format!("{name}: {e}"),
                });
                break;
            }
            // cvelistV5's delta zips hold CVE 5 records: severities, read here (they are small).
            let head = &bytes[..bytes.len().min(64 * 1024)];
            match super::sniff(head) {
                Ok(super::Format::Cve5) => {
                    super::cve5::read(Path::new(&name), &bytes, records)?;
                    continue;
                }
                Ok(super::Format::NvdCve) => {
                    super::nvd::read(Path::new(&name), &bytes, records)?;
                    continue;
                }
                _ => {}
            }
            batch.push((name, bytes));
            if batch.len() == BATCH {
                if batch_tx.send(std::mem::take(&mut batch)).is_err() {
                    break;
                }
                batch.reserve(BATCH);
            }
        }
        if !batch.is_empty() && failure.is_none() {
            let _ = batch_tx.send(batch);
        }
        drop(batch_tx);
        for done in out_rx {
            done.into_iter().for_each(|r| add_parsed(records, r));
        }
        failure.map_or(Ok(()), Err)
    })
}
