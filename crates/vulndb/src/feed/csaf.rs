//! Red Hat CSAF 2.0 documents: the per-CVE VEX files (`csaf/v2/vex/YYYY/cve-….json`, category
//! `csaf_vex`) and the per-erratum security advisories (`rhsa-….json`).
//!
//! A document names products in its `product_tree`: platforms carry a CPE
//! (`cpe:/o:redhat:enterprise_linux:9::baseos`), packages a purl
//! (`pkg:rpm/redhat/pam@1.5.1-21.el9_5?arch=x86_64`), and `relationships` join the two into
//! ids such as `BaseOS-9.5.0.Z.MAIN:pam-0:1.5.1-21.el9_5.x86_64`. Each vulnerability then says
//! per joined id whether it is fixed (a `vendor_fix` remediation, or `product_status.fixed`),
//! will not be fixed (`no_fix_planned`), not affected, or affected with no fix yet.
//!
//! Records are keyed as Red Hat's own OSV export keys them: `Red Hat:` + the CPE without its
//! `cpe:/o:redhat:` prefix (`Red Hat:enterprise_linux:9::baseos`), by the package name of the
//! purl (binary names for fixes; source names for unfixed states, as Red Hat states them on the
//! source package). The advisory id is the CVE; an erratum's `RHSA-…` id becomes an alias, so
//! the same problem from Red Hat's OSV export folds into one finding. Red Hat's impact
//! (`Important`, `Moderate`, …) is kept as the vendor severity.
//!
//! The CPE mapping files Trivy ships beside VEX (`repository-to-cpe.json`, `nvr-to-cpe.json`)
//! are recognised and not stored: the scanner derives CPEs from the image's content-set names
//! by Red Hat's repository naming (see `plinth-scan`'s `redhat` module).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{Records, first_line, nullable};
use crate::cvss;
use crate::error::DbError;
use crate::model::{Advisory, Affected, Event, Severity, SeverityKind, Status};

#[derive(Deserialize)]
struct RawDocument {
    document: RawMeta,
    #[serde(default)]
    product_tree: Option<RawTree>,
    #[serde(default, deserialize_with = "nullable")]
    vulnerabilities: Vec<RawVulnerability>,
}

#[derive(Deserialize)]
struct RawMeta {
    #[serde(default)]
    aggregate_severity: Option<RawText>,
    #[serde(default)]
    tracking: Option<RawTracking>,
    #[serde(default, deserialize_with = "nullable")]
    title: String,
}

#[derive(Deserialize)]
struct RawText {
    #[serde(default, deserialize_with = "nullable")]
    text: String,
}

#[derive(Deserialize)]
struct RawTracking {
    #[serde(default, deserialize_with = "nullable")]
    id: String,
    #[serde(default)]
    initial_release_date: Option<String>,
    #[serde(default)]
    current_release_date: Option<String>,
}

#[derive(Deserialize)]
struct RawTree {
    #[serde(default, deserialize_with = "nullable")]
    branches: Vec<RawBranch>,
    #[serde(default, deserialize_with = "nullable")]
    relationships: Vec<RawRelationship>,
}

#[derive(Deserialize)]
struct RawBranch {
    #[serde(default)]
    product: Option<RawProduct>,
    #[serde(default, deserialize_with = "nullable")]
    branches: Vec<RawBranch>,
}

#[derive(Deserialize)]
struct RawProduct {
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<RawHelper>,
}

#[derive(Deserialize)]
struct RawHelper {
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct RawRelationship {
    full_product_name: RawFullName,
    product_reference: String,
    relates_to_product_reference: String,
}

#[derive(Deserialize)]
struct RawFullName {
    product_id: String,
}

#[derive(Deserialize)]
struct RawVulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    title: String,
    #[serde(default, deserialize_with = "nullable")]
    notes: Vec<RawNote>,
    #[serde(default)]
    product_status: Option<RawStatus>,
    #[serde(default, deserialize_with = "nullable")]
    remediations: Vec<RawRemediation>,
    #[serde(default, deserialize_with = "nullable")]
    scores: Vec<RawScore>,
    #[serde(default, deserialize_with = "nullable")]
    threats: Vec<RawThreat>,
    #[serde(default, deserialize_with = "nullable")]
    references: Vec<RawReference>,
    #[serde(default)]
    release_date: Option<String>,
}

#[derive(Deserialize)]
struct RawNote {
    #[serde(default, deserialize_with = "nullable")]
    category: String,
    #[serde(default, deserialize_with = "nullable")]
    text: String,
}

#[derive(Deserialize, Default)]
struct RawStatus {
    #[serde(default, deserialize_with = "nullable")]
    fixed: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    known_affected: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    known_not_affected: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    under_investigation: Vec<String>,
}

#[derive(Deserialize)]
struct RawRemediation {
    #[serde(default, deserialize_with = "nullable")]
    category: String,
    #[serde(default, deserialize_with = "nullable")]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
struct RawScore {
    #[serde(default)]
    cvss_v3: Option<RawCvss>,
    #[serde(default)]
    cvss_v2: Option<RawCvss>,
}

#[derive(Deserialize)]
struct RawCvss {
    #[serde(rename = "vectorString")]
    vector: String,
}

#[derive(Deserialize)]
struct RawThreat {
    #[serde(default, deserialize_with = "nullable")]
    category: String,
    #[serde(default, deserialize_with = "nullable")]
    details: String,
    #[serde(default, deserialize_with = "nullable")]
    product_ids: Vec<String>,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(default, deserialize_with = "nullable")]
    url: String,
}

/// A package of the product tree: its name and EVR from the purl.
struct Package {
    name: String,
    /// `epoch:version-release`, or `None` for a versionless (source-level) product.
    evr: Option<String>,
}

/// What the product tree says a joined product id stands for.
struct Joined<'a> {
    ecosystem: String,
    package: &'a Package,
}

/// Reads one CSAF document. Vulnerabilities without a CVE, and products whose platform has no
/// Red Hat CPE, are skipped (counted, not fatal).
pub fn read(path: &Path, bytes: &[u8], source: &str, records: &mut Records) -> Result<(), DbError> {
    let doc: RawDocument = serde_json::from_slice(bytes).map_err(|e| DbError::Malformed {
        path: path.into(),
        format: "CSAF",
        message: e.to_string(),
    })?;
    let tree = doc.product_tree.as_ref();
    let mut cpes: HashMap<&str, &str> = HashMap::new();
    let mut packages: HashMap<&str, Package> = HashMap::new();
    for branch in tree.map_or(&[][..], |t| &t.branches) {
        collect_products(branch, &mut cpes, &mut packages);
    }
    let mut joined: HashMap<&str, Joined> = HashMap::new();
    for rel in tree.map_or(&[][..], |t| &t.relationships) {
        let (Some(cpe), Some(package)) = (
            cpes.get(rel.relates_to_product_reference.as_str()),
            packages.get(rel.product_reference.as_str()),
        ) else {
            continue;
        };
        if let Some(ecosystem) = ecosystem_of_cpe(cpe) {
            joined.insert(
                &rel.full_product_name.product_id,
                Joined { ecosystem, package },
            );
        }
    }
    let tracking = doc.document.tracking.as_ref();
    // An erratum (`RHSA-…`) is an alias only of its one CVE: aliasing several CVEs to it would
    // fold different problems into one finding.
    let erratum = tracking
        .map(|t| t.id.as_str())
        .filter(|id| id.starts_with("RH") && doc.vulnerabilities.len() == 1)
        .map(str::to_string);
    let aggregate = doc
        .document
        .aggregate_severity
        .as_ref()
        .map(|s| s.text.as_str());
    for vuln in &doc.vulnerabilities {
        let Some(cve) = vuln.cve.as_deref().filter(|c| !c.trim().is_empty()) else {
            records.stats.skip(format!(
                "{} (a vulnerability without a CVE id)",
                path.display()
            ));
            continue;
        };
        let context = Context {
            cve,
            erratum: erratum.as_deref(),
            title: if vuln.title.is_empty() {
                &doc.document.title
            } else {
                &vuln.title
            },
            aggregate,
            published: vuln
                .release_date
                .clone()
                .or_else(|| tracking.and_then(|t| t.initial_release_date.clone())),
            modified: tracking.and_then(|t| t.current_release_date.clone()),
            source,
        };
        add_vulnerability(vuln, &joined, &context, records);
    }
    Ok(())
}

/// Walks the branches, remembering platform CPEs and package purls by product id.
fn collect_products<'a>(
    branch: &'a RawBranch,
    cpes: &mut HashMap<&'a str, &'a str>,
    packages: &mut HashMap<&'a str, Package>,
) {
    if let Some(product) = &branch.product {
        let helper = product.product_identification_helper.as_ref();
        if let Some(cpe) = helper.and_then(|h| h.cpe.as_deref()) {
            cpes.insert(&product.product_id, cpe);
        } else if let Some(package) = helper.and_then(|h| h.purl.as_deref()).and_then(rpm_purl) {
            packages.insert(&product.product_id, package);
        }
    }
    for child in &branch.branches {
        collect_products(child, cpes, packages);
    }
}

/// `pkg:rpm/redhat/pam@1.5.1-21.el9_5?arch=x86_64&epoch=1` → pam, `1:1.5.1-21.el9_5`. Modular
/// and container purls (other types) are not rpm packages and are left out.
fn rpm_purl(purl: &str) -> Option<Package> {
    let rest = purl.strip_prefix("pkg:rpm/")?;
    let (path, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let (path, version) = match path.split_once('@') {
        Some((p, v)) => (p, Some(v)),
        None => (path, None),
    };
    let name = path.rsplit('/').next()?.to_string();
    let epoch = qualifiers
        .split('&')
        .find_map(|q| q.strip_prefix("epoch="))
        .unwrap_or("0");
    Some(Package {
        name,
        evr: version.map(|v| format!("{epoch}:{v}")),
    })
}

/// `cpe:/o:redhat:enterprise_linux:9::baseos` → `Red Hat:enterprise_linux:9::baseos`, the key
/// Red Hat's OSV export uses. Other vendors' CPEs are not Red Hat products.
pub fn ecosystem_of_cpe(cpe: &str) -> Option<String> {
    let rest = cpe
        .strip_prefix("cpe:/o:redhat:")
        .or_else(|| cpe.strip_prefix("cpe:/a:redhat:"))?;
    (!rest.is_empty()).then(|| format!("Red Hat:{rest}"))
}

/// Per-document facts every record of one vulnerability shares.
struct Context<'a> {
    cve: &'a str,
    erratum: Option<&'a str>,
    title: &'a str,
    aggregate: Option<&'a str>,
    published: Option<String>,
    modified: Option<String>,
    source: &'a str,
}

/// What one joined product's state is for one vulnerability.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Fixed,
    WillNotFix,
    NotAffected,
    Affected,
}

fn add_vulnerability(
    vuln: &RawVulnerability,
    joined: &HashMap<&str, Joined>,
    context: &Context,
    records: &mut Records,
) {
    let mut states: Vec<(&str, State)> = Vec::new();
    let status = vuln.product_status.as_ref();
    let empty = RawStatus::default();
    let status = status.unwrap_or(&empty);
    for id in &status.fixed {
        states.push((id, State::Fixed));
    }
    for id in &status.known_not_affected {
        states.push((id, State::NotAffected));
    }
    for id in status
        .known_affected
        .iter()
        .chain(&status.under_investigation)
    {
        states.push((id, State::Affected));
    }
    for remediation in &vuln.remediations {
        let state = match remediation.category.as_str() {
            "vendor_fix" => State::Fixed,
            "no_fix_planned" => State::WillNotFix,
            "none_available" => State::Affected,
            _ => continue,
        };
        for id in &remediation.product_ids {
            // A remediation refines a `known_affected` state; a fix stays a fix.
            match states.iter_mut().find(|(known, _)| known == id) {
                Some((_, s)) if *s == State::Affected => *s = state,
                Some(_) => {}
                None => states.push((id, state)),
            }
        }
    }
    let scores = cvss_severities(vuln);
    let summary = first_line(
        vuln.notes
            .iter()
            .find(|n| n.category == "summary")
            .map_or(context.title, |n| n.text.as_str()),
    );
    let references: Vec<String> = vuln
        .references
        .iter()
        .map(|r| r.url.clone())
        .filter(|u| !u.is_empty())
        .collect();
    for (id, state) in states {
        let Some(product) = joined.get(id) else {
            continue;
        };
        let mut severity = scores.clone();
        if let Some(impact) = impact_of(vuln, id).or(context.aggregate) {
            severity.push(Severity {
                source: "redhat".into(),
                kind: SeverityKind::Vendor,
                score: None,
                vector: None,
                level: Some(impact.to_string()),
            });
        }
        let Some(affected) = affected_entry(product.package, state) else {
            continue;
        };
        let advisory = Advisory {
            id: context.cve.to_string(),
            aliases: context.erratum.map(str::to_string).into_iter().collect(),
            summary: summary.clone(),
            severity,
            affected: vec![affected],
            published: context.published.clone(),
            modified: context.modified.clone(),
            references: references.clone(),
            source: context.source.to_string(),
        };
        records.add(
            product.ecosystem.clone(),
            product.package.name.clone(),
            advisory,
        );
    }
}

/// Red Hat's impact for one product: the `impact` threat naming it, else one naming no product.
fn impact_of<'a>(vuln: &'a RawVulnerability, product_id: &str) -> Option<&'a str> {
    let impacts = || vuln.threats.iter().filter(|t| t.category == "impact");
    impacts()
        .find(|t| t.product_ids.iter().any(|p| p == product_id))
        .or_else(|| impacts().find(|t| t.product_ids.is_empty()))
        .map(|t| t.details.as_str())
        .filter(|d| !d.trim().is_empty())
}

fn cvss_severities(vuln: &RawVulnerability) -> Vec<Severity> {
    let mut out: Vec<Severity> = Vec::new();
    for score in &vuln.scores {
        let found = [
            score
                .cvss_v3
                .as_ref()
                .map(|c| (SeverityKind::CvssV3, cvss::v3_base_score(&c.vector), c)),
            score
                .cvss_v2
                .as_ref()
                .map(|c| (SeverityKind::CvssV2, cvss::v2_base_score(&c.vector), c)),
        ];
        for (kind, value, raw) in found.into_iter().flatten() {
            let severity = Severity {
                source: "redhat".into(),
                kind,
                score: value,
                vector: Some(raw.vector.clone()),
                level: None,
            };
            if !out.contains(&severity) {
                out.push(severity);
            }
        }
    }
    out
}

/// The OSV-style entry for one product's state. A fix needs a version; a versionless "fixed"
/// product says nothing matchable and is left out.
fn affected_entry(package: &Package, state: State) -> Option<Affected> {
    let introduced = Event::Introduced("0".into());
    let (events, status) = match state {
        State::Fixed => (
            vec![introduced, Event::Fixed(package.evr.clone()?)],
            Status::Fixed,
        ),
        State::NotAffected => (Vec::new(), Status::NotAffected),
        State::WillNotFix => (vec![introduced], Status::Ignored),
        State::Affected => (vec![introduced], Status::Unfixed),
    };
    Some(Affected::in_ecosystem(package.name.clone(), events, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_and_cpes() {
        let p = rpm_purl("pkg:rpm/redhat/pam@1.5.1-21.el9_5?arch=x86_64").unwrap();
        assert_eq!(
            (p.name.as_str(), p.evr.as_deref()),
            ("pam", Some("0:1.5.1-21.el9_5"))
        );
        let p = rpm_purl("pkg:rpm/redhat/shadow-utils@4.9-9.el9?arch=src&epoch=2").unwrap();
        assert_eq!(p.evr.as_deref(), Some("2:4.9-9.el9"));
        assert_eq!(rpm_purl("pkg:rpm/redhat/pam?arch=src").unwrap().evr, None);
        assert!(rpm_purl("pkg:oci/ubi9").is_none());
        assert_eq!(
            ecosystem_of_cpe("cpe:/o:redhat:enterprise_linux:9::baseos").as_deref(),
            Some("Red Hat:enterprise_linux:9::baseos")
        );
        assert_eq!(
            ecosystem_of_cpe("cpe:/a:redhat:rhel_eus:9.4::appstream").as_deref(),
            Some("Red Hat:rhel_eus:9.4::appstream")
        );
        assert_eq!(ecosystem_of_cpe("cpe:/o:suse:sles:15"), None);
    }
}
