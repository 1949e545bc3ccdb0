//! SUSE CVRF 1.2: one document per update (`openSUSE-SU-2015:0798-1`). Its product tree relates
//! each fixed binary package (`python-Pillow-2.8.1-3.3.1`) to a product (`openSUSE 13.2`); each
//! `Vulnerability` names one CVE, SUSE's rating of it (`Threat Type="Impact"`) and the product
//! ids (`openSUSE 13.2:python-Pillow-2.8.1-3.3.1`) per status.
//!
//! One record per (product key, package) and update, as Trivy reads these and as ALAS records
//! are kept: the update's id, its CVEs as aliases, the highest of SUSE's ratings of them.
//! `Fixed` is introduced `0`, fixed at the listed version; `Known Affected` has no fix; `Known
//! Not Affected` is not affected.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use roxmltree::{Document, Node};

use super::{product_key, vendor_severity};
use crate::error::DbError;
use crate::feed::{Records, first_line};
use crate::model::{Advisory, Affected, Event, Severity, Status};

/// True for a CVRF document, by its root element.
pub(crate) fn is_cvrf(text: &str) -> bool {
    text.contains("<cvrfdoc")
}

/// A fixed package of one product: (key, package name, version).
type Component = (String, String, String);

/// Reads one CVRF document.
pub fn read(path: &Path, bytes: &[u8], source: &str, records: &mut Records) -> Result<(), DbError> {
    let malformed = |message: String| DbError::Malformed {
        path: path.into(),
        format: "CVRF",
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| malformed(e.to_string()))?;
    let doc = Document::parse(text).map_err(|e| malformed(e.to_string()))?;
    let root = doc.root_element();
    let update_id = descendant(root, "ID")
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| malformed("no DocumentTracking/Identification/ID".into()))?;
    let components = components(root);
    let mut cves = Vec::new();
    let mut severity: Option<Severity> = None;
    let mut affected: BTreeMap<(&str, &str), Vec<Affected>> = BTreeMap::new();
    for vulnerability in children(root, "Vulnerability") {
        if let Some(cve) = child(vulnerability, "CVE").and_then(|n| n.text()) {
            cves.push(cve.trim().to_string());
        }
        let rated = descendants(vulnerability, "Threat")
            .filter(|t| t.attribute("Type") == Some("Impact"))
            .filter_map(|t| child(t, "Description")?.text().and_then(vendor_severity));
        for s in rated {
            if severity
                .as_ref()
                .is_none_or(|worst| s.rating() > worst.rating())
            {
                severity = Some(s);
            }
        }
        for status in descendants(vulnerability, "Status") {
            let verdict = match status.attribute("Type") {
                Some("Fixed") => Status::Fixed,
                Some("Known Affected") => Status::Unfixed,
                Some("Known Not Affected") => Status::NotAffected,
                // First/Last Affected, Recommended, Under Investigation: nothing to match on.
                _ => continue,
            };
            for product in children(status, "ProductID").filter_map(|n| n.text()) {
                let Some((key, package, version)) = components.get(product.trim()) else {
                    continue;
                };
                let entry = package_entry(package, version, verdict);
                let list = affected.entry((key, package)).or_default();
                if !list.contains(&entry) {
                    list.push(entry);
                }
            }
        }
    }
    let text = |tag: &str| descendant(root, tag).and_then(|n| n.text()).map(str::trim);
    let references: Vec<String> = descendants(root, "URL")
        .filter_map(|n| n.text())
        .map(|u| u.trim().to_string())
        .collect();
    for ((key, package), affected) in affected {
        let advisory = Advisory {
            id: update_id.to_string(),
            aliases: cves.clone(),
            summary: text("DocumentTitle").map(first_line).unwrap_or_default(),
            severity: severity.clone().into_iter().collect(),
            affected,
            published: text("InitialReleaseDate").map(str::to_string),
            modified: text("CurrentReleaseDate").map(str::to_string),
            references: references.clone(),
            source: source.to_string(),
        };
        records.add(key.to_string(), package.to_string(), advisory);
    }
    Ok(())
}

/// Product id → (key, package, version) for every relationship whose product plinth keys.
fn components(root: Node) -> HashMap<String, Component> {
    descendants(root, "Relationship")
        .filter_map(|r| {
            let key = product_key(r.attribute("RelatesToProductReference")?)?;
            let (package, version) = split_nvr(r.attribute("ProductReference")?)?;
            let id = child(r, "FullProductName")?.attribute("ProductID")?;
            Some((id.to_string(), (key, package.to_string(), version)))
        })
        .collect()
}

/// `python-Pillow-2.8.1-3.3.1` → (`python-Pillow`, `2.8.1-3.3.1`).
fn split_nvr(nvr: &str) -> Option<(&str, String)> {
    let (rest, release) = nvr.trim().rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty()).then(|| (name, format!("{version}-{release}")))
}

fn package_entry(package: &str, version: &str, status: Status) -> Affected {
    let events = match status {
        Status::Fixed => vec![Event::Introduced("0".into()), Event::Fixed(version.into())],
        Status::Unfixed => vec![Event::Introduced("0".into())],
        _ => Vec::new(),
    };
    Affected::in_ecosystem(package, events, status)
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == tag)
}

fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    tag: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.tag_name().name() == tag)
}

fn descendant<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.descendants().find(|n| n.tag_name().name() == tag)
}

fn descendants<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    tag: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.descendants()
        .filter(move |n| n.tag_name().name() == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvr_split() {
        assert_eq!(
            split_nvr("python-Pillow-tk-2.8.1-3.3.1"),
            Some(("python-Pillow-tk", "2.8.1-3.3.1".to_string()))
        );
        assert_eq!(split_nvr("bash"), None);
    }
}
