//! SUSE OVAL (`suse.linux.enterprise.15.xml`, `opensuse.leap.15.2.xml`): one definition per CVE.
//!
//! A definition's criteria pair products with packages: each innermost `AND` holds one or more
//! product criteria (an `rpminfo_test` of a `*-release` package at one version, its comment
//! naming the product: `SUSE Linux Enterprise Server 15 SP1-LTSS is installed`) and the package
//! criteria that apply to them (`kernel-default` `less than 0:4.12.14-197.89.2`). A package
//! whose state is `version equals 0` can never be installed: SUSE's way to say "not affected".
//! Every product of a branch gets the branch's packages under its key ([`super::product_key`]).
//!
//! A criterion whose test, object or state is missing, or whose `evr` operation OVAL does not
//! define, is left out and the definition is named in the skipped list; the rest of it imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use roxmltree::{Document, Node};

use super::{product_key, vendor_severity};
use crate::error::DbError;
use crate::feed::oval::{Bound, RpmInfo, child};
use crate::feed::{Records, first_line};
use crate::model::{Advisory, Affected, Event, Status};

/// True for SUSE's OVAL, by its definitions' namespace.
pub(crate) fn is_suse_oval(text: &str) -> bool {
    text.contains("oval:org.opensuse.security:")
}

/// What a definition says about one package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Affected(Bound),
    NotAffected,
}

/// Reads one SUSE OVAL document.
pub fn read(path: &Path, bytes: &[u8], source: &str, records: &mut Records) -> Result<(), DbError> {
    let malformed = |message: String| DbError::Malformed {
        path: path.into(),
        format: "OVAL",
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| malformed(e.to_string()))?;
    let doc = Document::parse(text).map_err(|e| malformed(e.to_string()))?;
    let rpminfo = RpmInfo::of(&doc);
    for def in doc
        .descendants()
        .filter(|n| n.tag_name().name() == "definition")
    {
        let name = def.attribute("id").unwrap_or("definition");
        let mut problem = None;
        let verdicts = verdicts(def, &rpminfo, &mut problem);
        let meta = child(def, "metadata");
        let cve = meta
            .and_then(|m| child(m, "title"))
            .and_then(|t| t.text())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match cve {
            Some(cve) => {
                for ((key, package), verdicts) in verdicts {
                    let advisory = advisory(cve, meta, &package, verdicts, source);
                    records.add(key, package, advisory);
                }
            }
            None => problem = Some("no title naming the CVE".into()),
        }
        if let Some(problem) = problem {
            records
                .stats
                .skip(format!("{} {name}: {problem}", path.display()));
        }
    }
    Ok(())
}

/// (key, package) → what the definition says, over every branch. `problem` keeps the first
/// criterion that could not be read.
fn verdicts(
    def: Node,
    rpminfo: &RpmInfo,
    problem: &mut Option<String>,
) -> BTreeMap<(String, String), BTreeSet<Verdict>> {
    let mut out: BTreeMap<(String, String), BTreeSet<Verdict>> = BTreeMap::new();
    for branch in branches(def) {
        let mut keys = BTreeSet::new();
        let mut packages = Vec::new();
        for criterion in branch
            .descendants()
            .filter(|n| n.tag_name().name() == "criterion")
        {
            let test = criterion.attribute("test_ref").unwrap_or("");
            let Some(check) = rpminfo.check(test) else {
                problem.get_or_insert_with(|| format!("test {test} is not in the file"));
                continue;
            };
            let version = child(check.state, "version")
                .filter(|v| v.attribute("operation") == Some("equals"))
                .and_then(|v| v.text())
                .map(str::trim);
            if check.name.ends_with("-release") && version.is_some() {
                let product = criterion.attribute("comment").unwrap_or("");
                keys.extend(product_key(
                    product.strip_suffix(" is installed").unwrap_or(product),
                ));
            } else if version == Some("0") {
                packages.push((check.name, Verdict::NotAffected));
            } else {
                match check.bound() {
                    Ok(bound) => packages.push((check.name, Verdict::Affected(bound))),
                    Err(e) => {
                        problem.get_or_insert_with(|| format!("test {test}: {e}"));
                    }
                }
            }
        }
        for key in &keys {
            for (package, verdict) in &packages {
                out.entry((key.clone(), package.to_string()))
                    .or_default()
                    .insert(verdict.clone());
            }
        }
    }
    out
}

/// The innermost `AND` criteria (OVAL's default operator), or the whole tree when it has none.
fn branches<'a, 'i>(def: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    let is_and = |n: &Node| {
        n.tag_name().name() == "criteria" && n.attribute("operator").unwrap_or("AND") == "AND"
    };
    let inner: Vec<Node> = def
        .descendants()
        .filter(|n| is_and(n) && !n.descendants().skip(1).any(|d| is_and(&d)))
        .collect();
    if inner.is_empty() {
        child(def, "criteria").into_iter().collect()
    } else {
        inner
    }
}

fn advisory(
    cve: &str,
    meta: Option<Node>,
    package: &str,
    verdicts: BTreeSet<Verdict>,
    source: &str,
) -> Advisory {
    let find = |tag: &str| meta.and_then(|m| m.descendants().find(|n| n.tag_name().name() == tag));
    let text = |tag: &str| find(tag).and_then(|n| n.text()).map(str::trim);
    let date = |tag: &str| {
        find(tag)
            .and_then(|n| n.attribute("date"))
            .map(str::to_string)
    };
    let references = meta
        .into_iter()
        .flat_map(|m| m.children())
        .filter(|n| n.tag_name().name() == "reference")
        .filter_map(|r| r.attribute("ref_url"))
        .map(str::to_string)
        .collect();
    Advisory {
        id: cve.to_string(),
        aliases: Vec::new(),
        summary: text("description").map(first_line).unwrap_or_default(),
        severity: text("severity")
            .and_then(vendor_severity)
            .into_iter()
            .collect(),
        affected: verdicts
            .into_iter()
            .map(|verdict| affected(package, verdict))
            .collect(),
        published: date("issued"),
        modified: date("updated"),
        references,
        source: source.to_string(),
    }
}

fn affected(package: &str, verdict: Verdict) -> Affected {
    let zero = || Event::Introduced("0".into());
    let (events, status) = match verdict {
        Verdict::NotAffected => (Vec::new(), Status::NotAffected),
        Verdict::Affected(Bound::Below(v)) => (vec![zero(), Event::Fixed(v)], Status::Fixed),
        Verdict::Affected(Bound::AtMost(v)) => {
            (vec![zero(), Event::LastAffected(v)], Status::Unfixed)
        }
        Verdict::Affected(Bound::Above(v)) => (vec![Event::Introduced(v)], Status::Unfixed),
    };
    Affected::in_ecosystem(package, events, status)
}
