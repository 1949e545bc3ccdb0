//! Matching an inventory against advisories: one lookup per (ecosystem, source package), OSV
//! range evaluation with the ecosystem's version order, records of one problem folded into one
//! finding.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use plinth_sbom::{Found, Inventory};
use plinth_vulndb::{
    Advisory, Affected, CveMetric, DbError, Snapshot, Status, VulnDb, group_by_alias,
};

use crate::coverage::{GapKind, Tally};
use crate::ecosystem::{self, Modularity, NoQuery, Query};
use crate::finding::{Finding, FixStatus, Origin, TargetReport};
use crate::range::{self, Order};
use crate::severity::{CveMetrics, choose_severity};

/// Where advisories come from: the database, or anything else that answers the same question
/// (tests use a map). Lists come shared, so a source that keeps them (the server's per-snapshot
/// memo) hands out the same list to every scan without copying it.
pub trait Advisories {
    fn advisories(&self, ecosystem: &str, package: &str) -> Result<Arc<[Advisory]>, DbError>;
    /// True when anything at all is known under `ecosystem`: what tells "no findings" from
    /// "no data" (see [`crate::coverage`]).
    fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, DbError>;

    /// The CVSS metrics NVD, the CNA and ADPs stated for a CVE; none unless the source keeps
    /// per-CVE severities.
    fn cve_severity(&self, _cve: &str) -> Result<Arc<[CveMetric]>, DbError> {
        Ok(Arc::new([]))
    }

    /// For each vulnerability id, the CWE ids filed under it. No default: a wrapper that
    /// forgot it would drop every finding's CWE ids without a word.
    fn cwes(&self, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError>;
}

impl Advisories for Snapshot<'_> {
    fn advisories(&self, ecosystem: &str, package: &str) -> Result<Arc<[Advisory]>, DbError> {
        Snapshot::advisories(self, ecosystem, package).map(Arc::from)
    }

    fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, DbError> {
        Snapshot::has_ecosystem(self, ecosystem)
    }

    fn cve_severity(&self, cve: &str) -> Result<Arc<[CveMetric]>, DbError> {
        Snapshot::cve_severity(self, cve).map(Arc::from)
    }

    fn cwes(&self, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError> {
        Snapshot::cwes(self, ids)
    }
}

impl Advisories for VulnDb {
    fn advisories(&self, ecosystem: &str, package: &str) -> Result<Arc<[Advisory]>, DbError> {
        VulnDb::advisories(self, ecosystem, package).map(Arc::from)
    }

    fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, DbError> {
        self.snapshot()?.has_ecosystem(ecosystem)
    }

    fn cve_severity(&self, cve: &str) -> Result<Arc<[CveMetric]>, DbError> {
        VulnDb::cve_severity(self, cve).map(Arc::from)
    }

    fn cwes(&self, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError> {
        self.snapshot()?.cwes(ids)
    }
}

/// Matches every package of `inventory`. `base_layers` is the attribution boundary (see
/// [`crate::attribution`]); `None` marks every finding's origin unknown.
pub fn match_inventory(
    inventory: &Inventory,
    db: &dyn Advisories,
    base_layers: Option<usize>,
) -> Result<TargetReport, DbError> {
    let mut warnings = Vec::new();
    // Packages built from one source share its key: each key is read once per scan.
    let mut cache: HashMap<(String, String), Arc<[Advisory]>> = HashMap::new();
    let mut findings = Vec::new();
    let mut tally = Tally::default();
    let mut cve_metrics = CveMetrics::new(db);
    for found in &inventory.packages {
        let query = match ecosystem::query(found, inventory.os.as_ref(), &inventory.content_sets) {
            Ok(q) => q,
            Err(NoQuery::UnknownDistro(os)) => {
                tally.not_keyed(GapKind::UnknownDistro, format!("unknown distribution {os}"));
                continue;
            }
            Err(NoQuery::NoDistro) => {
                tally.not_keyed(GapKind::NoDistro, "no distribution detected".into());
                continue;
            }
            Err(NoQuery::WrongFamily(why)) => {
                tally.not_keyed(GapKind::OsMismatch, why);
                continue;
            }
        };
        tally.looked_up(
            &query.ecosystem,
            query.lookups.iter().map(|(eco, _)| eco.as_str()),
            found.package.kind.is_os(),
        );
        for key in &query.lookups {
            if !cache.contains_key(key) {
                let list = db.advisories(&key.0, &key.1)?;
                cache.insert(key.clone(), list);
            }
        }
        let advisories = query
            .lookups
            .iter()
            .flat_map(|key| cache[key].iter().filter_map(|a| query.admit(&key.1, a)));
        findings.extend(match_package(
            found,
            &query,
            advisories.collect(),
            inventory,
            base_layers,
            &mut cve_metrics,
        )?);
    }
    if base_layers.is_none() && inventory.layers.len() > 1 {
        warnings.push(
            "neither the base image's manifest nor the image history shows where the base ends: base/added split is unknown"
                .into(),
        );
    }
    findings.sort_by(|a, b| {
        (
            &a.package,
            &a.installed_version,
            &a.found_at,
            std::cmp::Reverse(a.severity.level),
            &a.id,
        )
            .cmp(&(
                &b.package,
                &b.installed_version,
                &b.found_at,
                std::cmp::Reverse(b.severity.level),
                &b.id,
            ))
    });
    crate::cwe::attach(&mut findings, db)?;
    let coverage = tally.finish(inventory.os.as_ref(), |eco| db.has_ecosystem(eco))?;
    Ok(TargetReport {
        name: inventory.source.clone(),
        os: inventory.os.clone(),
        base_layers,
        base: None,
        layers: inventory.layers.clone(),
        packages: inventory.packages.len(),
        findings,
        warnings,
        coverage,
    })
}

/// The findings for one package from the advisories of its key.
fn match_package(
    found: &Found,
    query: &Query,
    advisories: Vec<Cow<'_, Advisory>>,
    inventory: &Inventory,
    base_layers: Option<usize>,
    cve_metrics: &mut CveMetrics,
) -> Result<Vec<Finding>, DbError> {
    let order = Order {
        ecosystem: query.scheme(),
    };
    let mut out = Vec::new();
    for group in group_by_alias(advisories) {
        // A vendor statement that this package was never affected outweighs other records.
        if group
            .iter()
            .any(|a| a.affected.iter().any(|e| e.status == Status::NotAffected))
        {
            continue;
        }
        let entries: Vec<&Affected> = group.iter().flat_map(|a| a.affected.iter()).collect();
        if !range::is_affected(order, &entries, &query.version) {
            continue;
        }
        let fixed_version = range::resolving_fix(order, &entries, &query.version);
        let status = match fixed_version {
            Some(_) => FixStatus::Fixed,
            None if entries.iter().any(|e| e.status == Status::Ignored) => FixStatus::WillNotFix,
            None if entries.iter().any(|e| e.status == Status::Undetermined) => {
                FixStatus::Undetermined
            }
            None => FixStatus::Affected,
        };
        let records: Vec<&Advisory> = group.iter().map(|a| &**a).collect();
        out.push(finding(
            found,
            query,
            &records,
            (status, fixed_version),
            inventory,
            base_layers,
            cve_metrics,
        )?);
    }
    Ok(out)
}

fn finding(
    found: &Found,
    query: &Query,
    group: &[&Advisory],
    (status, fixed_version): (FixStatus, Option<String>),
    inventory: &Inventory,
    base_layers: Option<usize>,
    cve_metrics: &mut CveMetrics,
) -> Result<Finding, DbError> {
    let ids: BTreeSet<&str> = group.iter().flat_map(|a| a.identifiers()).collect();
    let id = ids
        .iter()
        .find(|i| i.starts_with("CVE-"))
        .copied()
        .unwrap_or(group[0].id.as_str())
        .to_string();
    let aliases = ids
        .iter()
        .filter(|i| **i != id)
        .map(|i| i.to_string())
        .collect();
    let cve_ids = std::iter::once(id.as_str()).chain(ids.iter().copied());
    let severity = choose_severity(group, &cve_metrics.first_scored(cve_ids)?);
    let mut references: Vec<String> = Vec::new();
    for r in group.iter().flat_map(|a| a.references.iter()) {
        if !references.contains(r) {
            references.push(r.clone());
        }
    }
    let title = group
        .iter()
        .map(|a| a.summary.trim())
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string();
    let layer = found.layer.and_then(|i| inventory.layers.get(i)).cloned();
    let origin = match (found.layer, base_layers) {
        (Some(l), Some(b)) if l < b => Origin::Base,
        (Some(_), Some(_)) => Origin::Added,
        _ => Origin::Unknown,
    };
    let p = &found.package;
    Ok(Finding {
        id,
        aliases,
        package: p.name.clone(),
        installed_version: p.version.clone(),
        kind: p.kind,
        purl: found.purl.clone(),
        found_at: p.found_at.clone(),
        line: p.line,
        ecosystem: query.ecosystem.clone(),
        source_package: (query.name != p.name).then(|| query.name.clone()),
        module_stream: match &query.modularity {
            Some(Modularity::Stream(stream)) => Some(stream.clone()),
            _ => None,
        },
        status,
        fixed_version,
        severity,
        cwe: Vec::new(),
        title,
        references,
        records: {
            // One record read under several keys (Red Hat's streams) is named once.
            let mut names: Vec<String> = Vec::new();
            for a in group {
                let name = format!("{} ({})", a.id, a.source);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            names
        },
        layer,
        origin,
        suppressed: None,
    })
}
