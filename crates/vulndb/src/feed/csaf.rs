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
//! source package).
//!
//! An rpm built in a module stream is keyed `stream::name` (`nodejs:18::nodejs`, see
//! [`crate::modular_name`]). Red Hat has said so in two ways: older documents (e.g.
//! `rhsa-2024_6220.json`) join the rpm to a module product (`pkg:rpmmod/redhat/python39@3.9:
//! 8060020240801142753:6a631399`) that is itself joined to the platform, giving ids such as
//! `AppStream-8.6.0.Z.TUS:python39:3.9:8060020240801142753:6a631399:python39-0:3.9.7-….x86_64`;
//! newer ones put an `rpmmod=python39:3.9:…` qualifier on the rpm's purl and join it to the
//! platform directly (`AppStream-8.10.0.Z.MAIN:nodejs-1:20.…x86_64::nodejs:20`). Purl versions
//! are percent-decoded (`module%2Bel8.10.0` is `module+el8.10.0`).
//!
//! The advisory id is the CVE; an erratum's `RHSA-…` id becomes an alias, so the same problem
//! from Red Hat's OSV export folds into one finding. Red Hat's impact (`Important`,
//! `Moderate`, …) is kept as the vendor severity.
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
    /// The module stream (`nodejs:18`) its purl names, when it names one.
    module: Option<String>,
}

/// What the product tree says a joined product id stands for.
struct Joined<'a> {
    ecosystem: String,
    package: &'a Package,
    /// The module stream, from the package's purl or from the module product it is joined to.
    module: Option<String>,
}

/// What a relationship's `relates_to_product_reference` can be: a platform, or a module
/// joined to a platform (older documents).
struct Platform<'a> {
    cpe: &'a str,
    module: Option<&'a str>,
}

/// The product tree's products by id, by what their identification helper says.
#[derive(Default)]
struct Products<'a> {
    cpes: HashMap<&'a str, &'a str>,
    packages: HashMap<&'a str, Package>,
    /// Module products (`pkg:rpmmod/redhat/nodejs@18:8100020240807161023:489197e6`) → stream.
    modules: HashMap<&'a str, String>,
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
    let mut products = Products::default();
    for branch in tree.map_or(&[][..], |t| &t.branches) {
        collect_products(branch, &mut products);
    }
    let relationships = tree.map_or(&[][..], |t| &t.relationships);
    let joined = join(relationships, &products);
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

/// Walks the branches, remembering platform CPEs, package purls and module purls by product id.
fn collect_products<'a>(branch: &'a RawBranch, products: &mut Products<'a>) {
    if let Some(product) = &branch.product {
        let id = product.product_id.as_str();
        let helper = product.product_identification_helper.as_ref();
        if let Some(cpe) = helper.and_then(|h| h.cpe.as_deref()) {
            products.cpes.insert(id, cpe);
        } else if let Some(purl) = helper.and_then(|h| h.purl.as_deref()) {
            if let Some(stream) = module_purl(purl) {
                products.modules.insert(id, stream);
            } else if let Some(package) = rpm_purl(purl) {
                products.packages.insert(id, package);
            }
        }
    }
    for child in &branch.branches {
        collect_products(child, products);
    }
}

/// Joins packages to platforms: directly (`AppStream-9.5.0.Z.MAIN:pam-…`), or through a module
/// product joined to the platform first (`AppStream-8.6.0.Z.TUS:python39:3.9:…:python39-…`).
fn join<'a>(
    relationships: &'a [RawRelationship],
    products: &'a Products,
) -> HashMap<&'a str, Joined<'a>> {
    let mut platforms: HashMap<&str, Platform> = products
        .cpes
        .iter()
        .map(|(id, cpe)| (*id, Platform { cpe, module: None }))
        .collect();
    for rel in relationships {
        let (Some(stream), Some(cpe)) = (
            products.modules.get(rel.product_reference.as_str()),
            products.cpes.get(rel.relates_to_product_reference.as_str()),
        ) else {
            continue;
        };
        platforms.insert(
            &rel.full_product_name.product_id,
            Platform {
                cpe,
                module: Some(stream),
            },
        );
    }
    let mut joined = HashMap::new();
    for rel in relationships {
        let (Some(platform), Some(package)) = (
            platforms.get(rel.relates_to_product_reference.as_str()),
            products.packages.get(rel.product_reference.as_str()),
        ) else {
            continue;
        };
        if let Some(ecosystem) = ecosystem_of_cpe(platform.cpe) {
            let module = package
                .module
                .clone()
                .or_else(|| platform.module.map(str::to_string));
            joined.insert(
                rel.full_product_name.product_id.as_str(),
                Joined {
                    ecosystem,
                    package,
                    module,
                },
            );
        }
    }
    joined
}

/// `pkg:rpm/redhat/pam@1.5.1-21.el9_5?arch=x86_64&epoch=1` → pam, `1:1.5.1-21.el9_5`; with
/// `rpmmod=nodejs:18:8100020240807161023:489197e6`, in module stream `nodejs:18`. Red Hat's
/// unconventional `pkg:rpmmod/redhat/ruby:2.6/ruby` is rpm `ruby` of stream `ruby:2.6`.
/// Container purls (other types) are not rpm packages and are left out.
fn rpm_purl(purl: &str) -> Option<Package> {
    let (rest, namespaced) = match purl.strip_prefix("pkg:rpm/") {
        Some(rest) => (rest, false),
        None => (purl.strip_prefix("pkg:rpmmod/")?, true),
    };
    let (path, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let (path, version) = match path.split_once('@') {
        Some((p, v)) => (p, Some(percent_decoded(v))),
        None => (path, None),
    };
    let (namespace, name) = path.rsplit_once('/')?;
    let qualifier = |key: &str| {
        qualifiers
            .split('&')
            .find_map(|q| q.strip_prefix(key)?.strip_prefix('='))
            .map(percent_decoded)
    };
    let module = if namespaced {
        // Only the `redhat/STREAM/name` form is a package; `pkg:rpmmod/redhat/nodejs@…` is
        // the module itself (see `module_purl`).
        Some(namespace.strip_prefix("redhat/")?.to_string())
    } else {
        qualifier("rpmmod").and_then(|label| crate::stream_of_label(&label))
    };
    let epoch = qualifier("epoch").unwrap_or_else(|| "0".into());
    Some(Package {
        name: name.to_string(),
        evr: version.map(|v| format!("{epoch}:{v}")),
        module,
    })
}

/// The stream of a module product: `pkg:rpmmod/redhat/python39@3.9:8060020240801142753:6a631399`
/// → `python39:3.9`.
fn module_purl(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:rpmmod/redhat/")?;
    let rest = rest.split_once('?').map_or(rest, |(p, _)| p);
    let (name, version) = rest.split_once('@')?;
    if name.contains('/') {
        return None; // `redhat/STREAM/name`: a package, not a module
    }
    crate::stream_of_label(&format!("{name}:{}", percent_decoded(version)))
}

/// Purl components are percent-encoded (`module%2Bel8.10.0`, `4%3A8040020210420090912`).
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
        let name = match &product.module {
            Some(stream) => crate::modular_name(stream, &product.package.name),
            None => product.package.name.clone(),
        };
        records.add(product.ecosystem.clone(), name, advisory);
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

    /// The purl forms of real Red Hat documents (rhsa-2024_6220.json, SECDATA-1115, Red Hat's
    /// security-data-guidelines): percent-encoded versions, the `rpmmod` qualifier, module
    /// products and the namespaced package form.
    #[test]
    fn modular_purls() {
        let p = rpm_purl(
            "pkg:rpm/redhat/python39-pip@20.2.4-7.module%2Bel8.6.0%2B13003%2B6bb2c488?arch=noarch",
        )
        .unwrap();
        assert_eq!(
            (p.evr.as_deref(), p.module),
            (Some("0:20.2.4-7.module+el8.6.0+13003+6bb2c488"), None)
        );
        let p = rpm_purl("pkg:rpm/redhat/SLOF@20210217-2.module%2Bel8.10.0%2B20141%2B6faa2812?arch=src&rpmmod=virt-devel:rhel:8100020240704072441:489197e6").unwrap();
        assert_eq!(
            (p.name.as_str(), p.evr.as_deref(), p.module.as_deref()),
            (
                "SLOF",
                Some("0:20210217-2.module+el8.10.0+20141+6faa2812"),
                Some("virt-devel:rhel")
            )
        );
        let p = rpm_purl("pkg:rpm/redhat/perl-libs@5.32.1-473.module%2Bel8.10.0%2B21354%2B3ad137bb?arch=x86_64&epoch=4&rpmmod=perl:5.32").unwrap();
        assert_eq!(
            (p.evr.as_deref(), p.module.as_deref()),
            (
                Some("4:5.32.1-473.module+el8.10.0+21354+3ad137bb"),
                Some("perl:5.32")
            )
        );
        let p = rpm_purl("pkg:rpmmod/redhat/ruby:2.6/ruby").unwrap();
        assert_eq!(
            (p.name.as_str(), p.evr, p.module.as_deref()),
            ("ruby", None, Some("ruby:2.6"))
        );
        assert!(rpm_purl("pkg:rpmmod/redhat/gimp@2.8:8080020250623120629:0621e4ee").is_none());
        assert_eq!(
            module_purl("pkg:rpmmod/redhat/gimp@2.8:8080020250623120629:0621e4ee").as_deref(),
            Some("gimp:2.8")
        );
        assert_eq!(
            module_purl("pkg:rpmmod/redhat/squid@4%3A8040020210420090912%3A522a0ee4?arch=ppc64le")
                .as_deref(),
            Some("squid:4")
        );
        assert_eq!(module_purl("pkg:rpmmod/redhat/ruby:2.6/ruby"), None);
        assert_eq!(percent_decoded("a%2Bb%3Ac%zz%"), "a+b:c%zz%");
    }
}
