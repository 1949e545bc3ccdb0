//! Amazon Linux security advisories (ALAS): the `updateinfo.xml(.gz)` of the yum/dnf
//! repositories, and the same advisories as vuln-list JSON (`amazon/2/ALAS2-….json`).
//!
//! An advisory (`ALAS2-2021-1699`) names the CVEs it fixes and the binary packages (with EVR)
//! that fix them. Each package becomes a record keyed `Amazon Linux:<release>` by the binary
//! name, as Trivy matches Amazon Linux: introduced `0`, fixed at the listed EVR, with Amazon's
//! severity word (`important`, `medium`, …) as the vendor severity and the CVEs as aliases.
//! The release comes from the id: `ALAS2-` is 2, `ALAS2023-` is 2023, `ALAS-` is Amazon Linux 1.

use std::path::Path;

use roxmltree::{Document, Node};
use serde::Deserialize;

use super::{Records, first_line, nullable};
use crate::error::DbError;
use crate::model::{Advisory, Affected, Event, Range, RangeKind, Severity, SeverityKind, Status};

/// One advisory, from either form.
struct Update {
    id: String,
    severity: String,
    title: String,
    issued: Option<String>,
    updated: Option<String>,
    cves: Vec<String>,
    references: Vec<String>,
    /// (name, `epoch:version-release`).
    packages: Vec<(String, String)>,
}

/// True for a yum `updateinfo.xml` document.
pub(crate) fn is_updateinfo(text: &str) -> bool {
    text.contains("<updates")
}

/// Reads an `updateinfo.xml` document (already decompressed).
pub fn read_updateinfo(
    path: &Path,
    bytes: &[u8],
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    let malformed = |message: String| DbError::Malformed {
        path: path.into(),
        format: "updateinfo XML",
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| malformed(e.to_string()))?;
    let doc = Document::parse(text).map_err(|e| malformed(e.to_string()))?;
    for node in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "update")
    {
        match update_of_xml(node) {
            Some(update) => add(update, source, records),
            None => records.stats.skip(format!(
                "{} (an <update> without id or packages)",
                path.display()
            )),
        }
    }
    Ok(())
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == tag)
}

fn update_of_xml(node: Node) -> Option<Update> {
    if node.attribute("type").is_some_and(|t| t != "security") {
        return None;
    }
    let text = |tag| child(node, tag).and_then(|n| n.text()).map(str::trim);
    let date = |tag| {
        child(node, tag)
            .and_then(|n| n.attribute("date"))
            .map(str::to_string)
    };
    let mut cves = Vec::new();
    let mut references = Vec::new();
    for r in node
        .descendants()
        .filter(|n| n.tag_name().name() == "reference")
    {
        if let (Some("cve"), Some(id)) = (r.attribute("type"), r.attribute("id")) {
            cves.push(id.to_string());
        }
        if let Some(href) = r.attribute("href") {
            references.push(href.to_string());
        }
    }
    let packages = node
        .descendants()
        .filter(|n| n.tag_name().name() == "package")
        .filter_map(|p| {
            let evr = format!(
                "{}:{}-{}",
                p.attribute("epoch").unwrap_or("0"),
                p.attribute("version")?,
                p.attribute("release")?
            );
            Some((p.attribute("name")?.to_string(), evr))
        })
        .collect::<Vec<_>>();
    let id = text("id")?.to_string();
    (!packages.is_empty()).then(|| Update {
        id,
        severity: text("severity").unwrap_or("").to_string(),
        title: text("title").unwrap_or("").to_string(),
        issued: date("issued"),
        updated: date("updated"),
        cves,
        references,
        packages,
    })
}

#[derive(Deserialize)]
struct RawJson {
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    title: String,
    #[serde(default, deserialize_with = "nullable")]
    severity: String,
    #[serde(default)]
    issued: Option<RawDate>,
    #[serde(default)]
    updated: Option<RawDate>,
    #[serde(default, deserialize_with = "nullable")]
    packages: Vec<RawPackage>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<RawReference>,
    #[serde(default, deserialize_with = "nullable")]
    cveids: Vec<String>,
}

#[derive(Deserialize)]
struct RawDate {
    #[serde(default)]
    date: Option<String>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    epoch: String,
    version: String,
    release: String,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(default, deserialize_with = "nullable")]
    href: String,
    #[serde(default, deserialize_with = "nullable")]
    id: String,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    kind: String,
}

/// True for vuln-list's JSON form of one advisory.
pub(crate) fn is_vuln_list_json(text: &str) -> bool {
    text.contains("\"id\"") && text.contains("\"ALAS") && text.contains("\"packages\"")
}

/// Reads one advisory in vuln-list's JSON form.
pub fn read_json(
    path: &Path,
    bytes: &[u8],
    source: &str,
    records: &mut Records,
) -> Result<(), DbError> {
    let raw: RawJson = serde_json::from_slice(bytes).map_err(|e| DbError::Malformed {
        path: path.into(),
        format: "ALAS JSON",
        message: e.to_string(),
    })?;
    let mut cves = raw.cveids;
    for r in raw
        .references
        .iter()
        .filter(|r| r.kind == "cve" && !r.id.is_empty())
    {
        if !cves.contains(&r.id) {
            cves.push(r.id.clone());
        }
    }
    let epoch = |e: &str| {
        if e.is_empty() {
            "0".to_string()
        } else {
            e.to_string()
        }
    };
    let update = Update {
        id: raw.id,
        severity: raw.severity,
        title: raw.title,
        issued: raw.issued.and_then(|d| d.date),
        updated: raw.updated.and_then(|d| d.date),
        cves,
        references: raw
            .references
            .into_iter()
            .map(|r| r.href)
            .filter(|h| !h.is_empty())
            .collect(),
        packages: raw
            .packages
            .into_iter()
            .map(|p| {
                (
                    p.name,
                    format!("{}:{}-{}", epoch(&p.epoch), p.version, p.release),
                )
            })
            .collect(),
    };
    add(update, source, records);
    Ok(())
}

/// `ALAS2-2021-1699` → `Amazon Linux:2`; `ALAS2023-…` → `Amazon Linux:2023`; `ALAS-…` →
/// `Amazon Linux:1`.
fn ecosystem_of(id: &str) -> Option<String> {
    let release = id.strip_prefix("ALAS")?.split('-').next()?;
    let release = if release.is_empty() { "1" } else { release };
    release
        .chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("Amazon Linux:{release}"))
}

fn add(update: Update, source: &str, records: &mut Records) {
    let Some(ecosystem) = ecosystem_of(&update.id) else {
        records
            .stats
            .skip(format!("{} (not an ALAS id)", update.id));
        return;
    };
    let severity: Vec<Severity> = (!update.severity.is_empty())
        .then(|| Severity {
            source: "amazon".into(),
            kind: SeverityKind::Vendor,
            score: None,
            vector: None,
            level: Some(update.severity.clone()),
        })
        .into_iter()
        .collect();
    for (name, evr) in &update.packages {
        let advisory = Advisory {
            id: update.id.clone(),
            aliases: update.cves.clone(),
            summary: first_line(&update.title),
            severity: severity.clone(),
            affected: vec![Affected {
                package: name.clone(),
                ranges: vec![Range {
                    kind: RangeKind::Ecosystem,
                    repo: None,
                    events: vec![Event::Introduced("0".into()), Event::Fixed(evr.clone())],
                }],
                versions: Vec::new(),
                status: Status::Fixed,
            }],
            published: update.issued.clone(),
            modified: update.updated.clone(),
            references: update.references.clone(),
            source: source.to_string(),
        };
        records.add(ecosystem.clone(), name.clone(), advisory);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_from_ids() {
        assert_eq!(
            ecosystem_of("ALAS2-2021-1699").as_deref(),
            Some("Amazon Linux:2")
        );
        assert_eq!(
            ecosystem_of("ALAS2023-2023-001").as_deref(),
            Some("Amazon Linux:2023")
        );
        assert_eq!(
            ecosystem_of("ALAS-2018-1000").as_deref(),
            Some("Amazon Linux:1")
        );
        assert_eq!(ecosystem_of("RHSA-2024:1"), None);
    }
}
