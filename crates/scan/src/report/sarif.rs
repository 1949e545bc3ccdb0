//! SARIF 2.1.0, shaped for GitHub code scanning: one rule per vulnerability with help text and
//! a `security-severity`, one result per (package, vulnerability) located at the file the
//! package was found in.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::finding::{Finding, Level, Report};
use crate::report::level_score;

fn sarif_level(l: Level) -> &'static str {
    match l {
        Level::Critical | Level::High => "error",
        Level::Medium => "warning",
        Level::Low | Level::Unknown => "note",
    }
}

fn score(f: &Finding) -> f32 {
    f.severity
        .cvss_score
        .unwrap_or_else(|| level_score(f.severity.level))
}

/// The rule's tags; a weakness as GitHub code scanning reads it, `external/cwe/cwe-79`.
fn tags(f: &Finding) -> Vec<String> {
    let fixed = ["vulnerability", "security", f.severity.level.as_str()];
    let cwes = f
        .cwe
        .iter()
        .map(|c| format!("external/cwe/{}", c.to_lowercase()));
    fixed.into_iter().map(String::from).chain(cwes).collect()
}

fn rule(f: &Finding) -> Value {
    let title = if f.title.is_empty() {
        f.id.clone()
    } else {
        f.title.clone()
    };
    let link = f.references.first().cloned().unwrap_or_default();
    let text = format!(
        "Vulnerability {}\nSeverity: {} (from {})\nPackage: {}\nFixed version: {}\nAliases: {}\nLink: {}",
        f.id,
        f.severity.level.as_str(),
        f.severity.source,
        f.package,
        f.fixed_version.as_deref().unwrap_or("none"),
        if f.aliases.is_empty() {
            "none".into()
        } else {
            f.aliases.join(", ")
        },
        if link.is_empty() { "none" } else { &link },
    );
    let markdown = format!(
        "**Vulnerability {}**\n\n| Severity | Package | Fixed version | Link |\n| --- | --- | --- | --- |\n| {} ({}) | {} | {} | {} |\n\n{}",
        f.id,
        f.severity.level.as_str(),
        f.severity.source,
        f.package,
        f.fixed_version.as_deref().unwrap_or("none"),
        if link.is_empty() {
            "none".to_string()
        } else {
            format!("[{}]({link})", f.id)
        },
        title
    );
    let mut r = json!({
        "id": f.id,
        "name": "OsPackageVulnerability",
        "shortDescription": { "text": title },
        "fullDescription": { "text": if f.title.is_empty() { f.id.clone() } else { f.title.clone() } },
        "defaultConfiguration": { "level": sarif_level(f.severity.level) },
        "help": { "text": text, "markdown": markdown },
        "properties": {
            "precision": "very-high",
            "security-severity": format!("{:.1}", score(f)),
            "severity-source": f.severity.source,
            "tags": tags(f),
        },
    });
    if !link.is_empty() {
        r["helpUri"] = json!(link);
    }
    r
}

/// Writes the SARIF log. Suppressed findings appear only with `show_suppressed`, carrying a
/// SARIF `suppressions` entry so consumers hide them.
pub fn sarif(report: &Report, show_suppressed: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<Value> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::new();
    for t in &report.targets {
        for f in t
            .findings
            .iter()
            .filter(|f| show_suppressed || f.suppressed.is_none())
        {
            let i = *index.entry(f.id.clone()).or_insert_with(|| {
                rules.push(rule(f));
                rules.len() - 1
            });
            let uri = f.found_at.trim_start_matches('/');
            let uri = if uri.is_empty() { t.name.as_str() } else { uri };
            // SARIF lines start at 1; a package with no line points at the file's start.
            let line = f.line.unwrap_or(1);
            let mut result = json!({
                "ruleId": f.id,
                "ruleIndex": i,
                "level": sarif_level(f.severity.level),
                "message": { "text": format!(
                    "Package: {}\nInstalled Version: {}\nVulnerability: {}\nSeverity: {}\nFixed Version: {}\nImage: {}",
                    f.package, f.installed_version, f.id, f.severity.level.as_str(),
                    f.fixed_version.as_deref().unwrap_or("none"), t.name) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri, "uriBaseId": "ROOTPATH" },
                        "region": { "startLine": line, "startColumn": 1, "endLine": line, "endColumn": 1 }
                    },
                    "message": { "text": format!("{}: {}@{}", t.name, f.package, f.installed_version) }
                }],
                "partialFingerprints": {
                    "plinth/v1": format!("{}|{}|{}|{}", t.name, f.purl, f.found_at, f.id)
                },
                "properties": {
                    "purl": f.purl,
                    "image": t.name,
                    "layer": f.layer.as_ref().map(|l| l.index),
                    "origin": f.origin,
                },
            });
            if let Some(s) = &f.suppressed {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "justification": format!("{}{}", s.by, s.reason.as_ref().map_or(String::new(), |r| format!(": {r}")))
                }]);
            }
            results.push(result);
        }
    }
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": { "driver": {
                "name": "plinth",
                "informationUri": "https://github.com/plinth/plinth",
                "fullName": "plinth scan",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": { "ROOTPATH": { "uri": "file:///" } },
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
