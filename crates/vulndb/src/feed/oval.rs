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
//!
//! [`RpmInfo`] (a criterion's test → package and state) and [`Bound`] serve SUSE's OVAL too
//! (`super::suse::oval`).

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
    let rpminfo = RpmInfo::of(&doc);
    for def in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "definition")
    {
        let name = def.attribute("id").unwrap_or("definition");
        match definition(def, &rpminfo, source) {
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

pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, tag: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == tag)
}

/// The `rpminfo` tests, objects and states of one OVAL document, by id: what a criterion's
/// `test_ref` names.
pub(crate) struct RpmInfo<'a, 'i> {
    tests: HashMap<&'a str, Node<'a, 'i>>,
    objects: HashMap<&'a str, Node<'a, 'i>>,
    states: HashMap<&'a str, Node<'a, 'i>>,
}

/// One resolved test: the package it looks at and the state it compares against.
pub(crate) struct Check<'a, 'i> {
    pub name: &'a str,
    pub state: Node<'a, 'i>,
}

/// An `evr` state as an OSV bound.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Bound {
    /// `less than X`: fixed in X.
    Below(String),
    /// `less than or equal X`: X is the last affected version.
    AtMost(String),
    /// `greater than (or equal) X`: affected from X on.
    Above(String),
}

impl<'a, 'i> RpmInfo<'a, 'i> {
    pub(crate) fn of(doc: &'a Document<'i>) -> Self {
        let by_id = |tag: &str| -> HashMap<&'a str, Node<'a, 'i>> {
            doc.descendants()
                .filter(|n| n.tag_name().name() == tag)
                .filter_map(|n| Some((n.attribute("id")?, n)))
                .collect()
        };
        RpmInfo {
            tests: by_id("rpminfo_test"),
            objects: by_id("rpminfo_object"),
            states: by_id("rpminfo_state"),
        }
    }

    /// The package and state a test compares, or `None` when a reference leads nowhere.
    pub(crate) fn check(&self, test_ref: &str) -> Option<Check<'a, 'i>> {
        let test = self.tests.get(test_ref)?;
        let object = self
            .objects
            .get(child(*test, "object")?.attribute("object_ref")?)?;
        let state = self
            .states
            .get(child(*test, "state")?.attribute("state_ref")?)?;
        Some(Check {
            name: child(*object, "name")?.text()?.trim(),
            state: *state,
        })
    }
}

impl Check<'_, '_> {
    /// The state's `evr` comparison, or what is wrong with it.
    pub(crate) fn bound(&self) -> Result<Bound, String> {
        let evr = child(self.state, "evr").ok_or("a state without <evr>")?;
        let version = evr.text().unwrap_or("").trim().to_string();
        if version.is_empty() {
            return Err("an empty <evr>".into());
        }
        match evr.attribute("operation").unwrap_or("") {
            "less than" => Ok(Bound::Below(version)),
            "less than or equal" => Ok(Bound::AtMost(version)),
            "greater than" | "greater than or equal" => Ok(Bound::Above(version)),
            other => Err(format!("unknown <evr> operation `{other}`")),
        }
    }
}

fn definition(def: Node, rpminfo: &RpmInfo, source: &str) -> Option<(String, Advisory)> {
    let meta = child(def, "metadata")?;
    let cve = child(meta, "reference")?.attribute("ref_id")?.to_string();
    let mut package = None;
    let mut events = vec![];
    let mut introduced = "0".to_string();
    for criterion in def
        .descendants()
        .filter(|n| n.tag_name().name() == "criterion")
    {
        let check = rpminfo.check(criterion.attribute("test_ref")?)?;
        package = Some(check.name.to_string());
        match check.bound().ok()? {
            Bound::Below(version) => events.push(Event::Fixed(version)),
            Bound::AtMost(version) => events.push(Event::LastAffected(version)),
            Bound::Above(version) => introduced = version,
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
