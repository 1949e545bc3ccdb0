//! CycloneDX 1.5 JSON: the vulnerable components and a `vulnerabilities` section (VDR style).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::finding::{Finding, FixStatus, Level, Report};

fn cdx_severity(l: Level) -> &'static str {
    match l {
        Level::Critical => "critical",
        Level::High => "high",
        Level::Medium => "medium",
        Level::Low => "low",
        Level::Unknown => "unknown",
    }
}

fn source_of(id: &str) -> Value {
    let (name, url) = if id.starts_with("CVE-") {
        ("NVD", format!("https://nvd.nist.gov/vuln/detail/{id}"))
    } else if id.starts_with("GHSA-") {
        ("GitHub", format!("https://github.com/advisories/{id}"))
    } else {
        ("OSV", format!("https://osv.dev/vulnerability/{id}"))
    };
    json!({ "name": name, "url": url })
}

fn ratings(f: &Finding) -> Vec<Value> {
    let mut out = vec![json!({
        "source": { "name": f.severity.source },
        "severity": cdx_severity(f.severity.level),
        "method": "other",
    })];
    if let (Some(score), Some(vector)) = (f.severity.cvss_score, &f.severity.cvss_vector) {
        let method = if vector.starts_with("CVSS:4") {
            "CVSSv4"
        } else if vector.starts_with("CVSS:3.1") {
            "CVSSv31"
        } else if vector.starts_with("CVSS:3") {
            "CVSSv3"
        } else {
            "CVSSv2"
        };
        out.push(json!({ "score": score, "method": method, "vector": vector }));
    }
    out
}

/// Writes one BOM for all targets; components are the vulnerable packages (bom-ref = purl).
pub fn cyclonedx(report: &Report, show_suppressed: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut vulns: Vec<Value> = Vec::new();
    for t in &report.targets {
        for f in t
            .findings
            .iter()
            .filter(|f| show_suppressed || f.suppressed.is_none())
        {
            let bom_ref = f.purl.clone();
            components.entry(bom_ref.clone()).or_insert_with(|| {
                json!({
                    "bom-ref": bom_ref,
                    "type": "library",
                    "name": f.package,
                    "version": f.installed_version,
                    "purl": f.purl,
                    "properties": [
                        { "name": "plinth:target", "value": t.name },
                        { "name": "plinth:found_at", "value": f.found_at },
                    ],
                })
            });
            let mut v = json!({
                "id": f.id,
                "source": source_of(&f.id),
                "references": f.aliases.iter().map(|a| json!({ "id": a, "source": source_of(a) })).collect::<Vec<_>>(),
                "ratings": ratings(f),
                "description": f.title,
                "advisories": f.references.iter().map(|u| json!({ "url": u })).collect::<Vec<_>>(),
                "affects": [{ "ref": bom_ref, "versions": [{ "version": f.installed_version, "status": "affected" }] }],
            });
            // CycloneDX names weaknesses by number (`cwes: [79]`).
            let cwes: Vec<u32> = f
                .cwe
                .iter()
                .filter_map(|c| c.strip_prefix("CWE-")?.parse().ok())
                .collect();
            if !cwes.is_empty() {
                v["cwes"] = json!(cwes);
            }
            if let (FixStatus::Fixed, Some(fix)) = (f.status, &f.fixed_version) {
                v["recommendation"] = json!(format!("Upgrade {} to {fix}", f.package));
            }
            if let Some(s) = &f.suppressed {
                v["analysis"] = json!({
                    "state": if s.by.starts_with("vex:") { "not_affected" } else { "false_positive" },
                    "detail": format!("{}{}", s.by, s.reason.as_ref().map_or(String::new(), |r| format!(": {r}"))),
                });
            }
            vulns.push(v);
        }
    }
    let subject = match report.targets.as_slice() {
        [one] => one.name.clone(),
        many => format!("{} targets", many.len()),
    };
    let bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "tools": { "components": [{ "type": "application", "name": "plinth", "version": env!("CARGO_PKG_VERSION") }] },
            "component": { "type": "container", "name": subject, "bom-ref": "target" },
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulns,
    });
    serde_json::to_writer_pretty(&mut *out, &bom)?;
    writeln!(out)
}
