//! Azure Linux and CBL-Mariner OVAL (`microsoft/AzureLinuxVulnerabilityData`,
//! `azurelinux-3.0-oval.xml`, `cbl-mariner-2.0-oval.xml`).
//!
//! Each `definition` names one CVE and one source package: its criteria point at
//! `rpminfo_test`s, each joining an `rpminfo_object` (the package name) and an `rpminfo_state`
//! (an EVR and an operation). Conversion, as Trivy reads these files:
//! - `less than X`: introduced `0`, fixed `X`;
//! - `less than or equal X`: introduced `0`, last affected `X` (no fix published);
//! - `greater than Y` (beside an upper bound): introduced `Y` (OSV's bound is inclusive; Y itself
//!   is never a released version in these files).
//!
//! Records are keyed `Azure Linux:<major>` by the release in the file name (the XML names none),
//! under the source package, with Microsoft's `<severity>` as the vendor severity.

use std::collections::HashMap;
use std::path::Path;

use roxmltree::{Document, Node};

use super::Records;
use crate::error::DbError;
use crate::model::{Advisory, Affected, Event, Range, RangeKind, Severity, SeverityKind, Status};

/// True for an OVAL document, by its root element.
pub(crate) fn is_oval(text: &str) -> bool {
    text.contains("<oval_definitions")
}

/// Reads one OVAL file of Azure Linux or CBL-Mariner.
pub fn read(path: &Path, bytes: &[u8], source: &str, records: &mut Records) -> Result<(), DbError> {
    let malformed = |message: String| DbError::Malformed {
        path: path.into(),
        format: "OVAL",
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| malformed(e.to_string()))?;
    let doc = Document::parse(text).map_err(|e| malformed(e.to_string()))?;
    let Some(ecosystem) = ecosystem_of(path) else {
        return Err(DbError::NotAFeed {
            path: path.into(),
            what: "an OVAL file whose name carries no Azure Linux or CBL-Mariner release \
                   (`azurelinux-3.0-oval.xml`)"
                .into(),
        });
    };
    let by_id = |tag: &str| -> HashMap<&str, Node> {
        doc.descendants()
            .filter(|n| n.tag_name().name() == tag)
            .filter_map(|n| Some((n.attribute("id")?, n)))
            .collect()
    };
    let (tests, objects, states) = (
        by_id("rpminfo_test"),
        by_id("rpminfo_object"),
        by_id("rpminfo_state"),
    );
    for def in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "definition")
    {
        let name = def.attribute("id").unwrap_or("definition");
        match definition(def, &tests, &objects, &states, source) {
            Some((package, advisory)) => records.add(ecosystem.clone(), package, advisory),
            None => records.stats.skip(format!("{} {name}", path.display())),
        }
    }
    Ok(())
}

/// `azure-linux-truncated-3.0-oval.xml` → `Azure Linux:3`, `cbl-mariner-2.0-oval.xml` →
/// `Azure Linux:2` (OSV's key for both).
fn ecosystem_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if !(name.contains("azure") || name.contains("mariner")) {
        return None;
    }
    let stem = name.strip_suffix("-oval.xml")?;
    let release = stem.rsplit('-').next()?;
    let major = release.split('.').next()?;
    (!major.is_empty() && major.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("Azure Linux:{major}"))
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == tag)
}

fn definition(
    def: Node,
    tests: &HashMap<&str, Node>,
    objects: &HashMap<&str, Node>,
    states: &HashMap<&str, Node>,
    source: &str,
) -> Option<(String, Advisory)> {
    let meta = child(def, "metadata")?;
    let cve = child(meta, "reference")?.attribute("ref_id")?.to_string();
    let mut package = None;
    let mut events = vec![];
    let mut introduced = "0".to_string();
    for criterion in def
        .descendants()
        .filter(|n| n.tag_name().name() == "criterion")
    {
        let test = tests.get(criterion.attribute("test_ref")?)?;
        let object = objects.get(child(*test, "object")?.attribute("object_ref")?)?;
        let state = states.get(child(*test, "state")?.attribute("state_ref")?)?;
        package = Some(child(*object, "name")?.text()?.trim().to_string());
        let evr = child(*state, "evr")?;
        let version = evr.text()?.trim().to_string();
        match evr.attribute("operation")? {
            "less than" => events.push(Event::Fixed(version)),
            "less than or equal" => events.push(Event::LastAffected(version)),
            "greater than" | "greater than or equal" => introduced = version,
            _ => return None,
        }
    }
    let package = package?;
    if events.is_empty() {
        return None;
    }
    events.insert(0, Event::Introduced(introduced));
    let fixed = events.iter().any(|e| matches!(e, Event::Fixed(_)));
    let text = |tag| child(meta, tag).and_then(|n| n.text()).map(str::trim);
    let severity = text("severity")
        .filter(|s| !s.is_empty())
        .map(|level| Severity {
            source: "azure-linux".into(),
            kind: SeverityKind::Vendor,
            score: None,
            vector: None,
            level: Some(level.to_string()),
        });
    let advisory = Advisory {
        id: cve,
        aliases: Vec::new(),
        summary: text("title").unwrap_or("").to_string(),
        severity: severity.into_iter().collect(),
        affected: vec![Affected {
            package: package.clone(),
            ranges: vec![Range {
                kind: RangeKind::Ecosystem,
                repo: None,
                events,
            }],
            versions: Vec::new(),
            status: if fixed {
                Status::Fixed
            } else {
                Status::Unfixed
            },
        }],
        published: text("advisory_date").map(str::to_string),
        modified: None,
        references: child(meta, "reference")
            .and_then(|r| r.attribute("ref_url"))
            .map(str::to_string)
            .into_iter()
            .collect(),
        source: source.to_string(),
    };
    Some((package, advisory))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_from_the_file_name() {
        let key = |n: &str| ecosystem_of(Path::new(n));
        assert_eq!(
            key("azurelinux-3.0-oval.xml").as_deref(),
            Some("Azure Linux:3")
        );
        assert_eq!(
            key("mariner-truncated-2.0-oval.xml").as_deref(),
            Some("Azure Linux:2")
        );
        assert_eq!(key("suse.linux.enterprise.15-oval.xml"), None);
    }
}
