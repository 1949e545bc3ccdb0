//! Renderings of a secret [`Report`]: a table for people, JSON, and SARIF 2.1.0 for code
//! scanning. Every one of them shows only redacted secrets, because findings hold nothing
//! else.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::finding::{Finding, Report, TargetReport};
use crate::rule::Severity;

const LEVELS: [Severity; 5] = [
    Severity::Unknown,
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

/// The table: per target a heading, totals by severity, what was searched and skipped, and
/// one line per finding (plus where a later layer hid it).
pub fn table(report: &Report, show_suppressed: bool, out: &mut dyn Write) -> io::Result<()> {
    for (i, t) in report.targets.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        target_table(t, show_suppressed, out)?;
    }
    Ok(())
}

fn target_table(t: &TargetReport, show_suppressed: bool, out: &mut dyn Write) -> io::Result<()> {
    let heading = format!("{} (secrets)", t.name);
    writeln!(out, "{heading}\n{}", "=".repeat(heading.chars().count()))?;
    let counted: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let by_level: Vec<String> = LEVELS
        .iter()
        .map(|l| {
            let n = counted.iter().filter(|f| f.severity == *l).count();
            format!("{}: {n}", l.as_str())
        })
        .collect();
    writeln!(out, "Total: {} ({})", counted.len(), by_level.join(", "))?;
    writeln!(out, "{}", summary_line(t))?;
    let shown: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| show_suppressed || f.suppressed.is_none())
        .collect();
    if !shown.is_empty() {
        writeln!(out)?;
    }
    for f in shown {
        let place = match f.layer {
            Some(l) => format!("layer {l}"),
            None => "-".into(),
        };
        // Config values and history lines are one line each: no line number to give.
        let location = if f.target.starts_with('/') {
            format!("{}:{}", f.target, f.line)
        } else {
            f.target.clone()
        };
        writeln!(
            out,
            "{:<8}  {:<26}  {location}  {place}  {}",
            f.severity.as_str(),
            f.rule_id,
            f.redacted
        )?;
        if let Some(note) = f.still_in_image() {
            writeln!(out, "          {note}")?;
        }
        if let Some(s) = &f.suppressed {
            let reason = s
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            writeln!(out, "          suppressed by {}{reason}", s.by)?;
        }
    }
    Ok(())
}

/// "searched 812 files (3.1 MB), 12 config fields, 9 history lines; skipped 1203 binaries,
/// 2 files over 10 MB (/a, /b), 40 by path".
pub fn summary_line(t: &TargetReport) -> String {
    let s = &t.summary;
    let mut line = format!(
        "Searched {} files ({}), {} config fields, {} history lines; skipped {} binaries, {} files over {}",
        s.files_searched,
        bytes(s.bytes_searched),
        s.config_fields,
        s.history_entries,
        s.binaries_skipped,
        s.large_skipped,
        bytes(s.max_size),
    );
    if !s.large_paths.is_empty() {
        line.push_str(&format!(" ({})", s.large_paths.join(", ")));
    }
    line.push_str(&format!(
        ", {} by path (allow rules, --skip-dirs/--skip-files)",
        s.filtered
    ));
    line
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The report as JSON (suppressed findings included, marked).
pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// GitHub's `security-severity` scale.
fn score(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Unknown => "0.0",
    }
}

/// One SARIF run: a rule per rule id seen, a result per finding, located at its file and
/// line (config and history findings at the image). Suppressed findings appear only with
/// `show_suppressed`, carrying a SARIF suppression.
pub fn sarif_run(report: &Report, show_suppressed: bool) -> Value {
    let shown: Vec<(&TargetReport, &Finding)> = report
        .targets
        .iter()
        .flat_map(|t| t.findings.iter().map(move |f| (t, f)))
        .filter(|(_, f)| show_suppressed || f.suppressed.is_none())
        .collect();
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for (_, f) in &shown {
        rules.entry(f.rule_id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = rules
        .values()
        .map(|f| {
            json!({
                "id": f.rule_id,
                "name": f.category,
                "shortDescription": { "text": f.title },
                "fullDescription": { "text": f.title },
                "defaultConfiguration": { "level": sarif_level(f.severity) },
                "help": { "text": format!("Secret rule {}: {} ({})", f.rule_id, f.title, f.severity.as_str()) },
                "properties": {
                    "precision": "very-high",
                    "security-severity": score(f.severity),
                    "tags": ["secret", "security", f.severity.as_str()],
                },
            })
        })
        .collect();
    let results: Vec<Value> = shown
        .iter()
        .map(|(t, f)| {
            let (uri, line) = if f.target.starts_with('/') {
                (f.target.trim_start_matches('/').to_string(), f.line)
            } else {
                (t.name.clone(), 1)
            };
            let mut text = format!(
                "{} ({}) in {}:{}: {}",
                f.title, f.rule_id, f.target, f.line, f.redacted
            );
            if let Some(l) = f.layer {
                text.push_str(&format!(" (layer {l})"));
            }
            if let Some(note) = f.still_in_image() {
                text.push_str(&format!("; {note}"));
            }
            let mut r = json!({
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id.as_str()],
                "level": sarif_level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri, "uriBaseId": "ROOTPATH" },
                        "region": { "startLine": line, "startColumn": 1, "endLine": line, "endColumn": 1 },
                    },
                    "message": { "text": t.name },
                }],
            });
            if let Some(s) = &f.suppressed {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "justification": format!("{}{}", s.by, s.reason.as_deref().map(|x| format!(": {x}")).unwrap_or_default()),
                }]);
            }
            r
        })
        .collect();
    json!({
        "tool": { "driver": {
            "name": "plinth",
            "informationUri": "https://github.com/plinth/plinth",
            "fullName": "plinth secret scanner",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "results": results,
        "columnKind": "utf16CodeUnits",
        "originalUriBaseIds": { "ROOTPATH": { "uri": "file:///" } },
    })
}

/// A whole SARIF 2.1.0 log of one run.
pub fn sarif(report: &Report, show_suppressed: bool, out: &mut dyn Write) -> io::Result<()> {
    let log = sarif_log(vec![sarif_run(report, show_suppressed)]);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// A SARIF 2.1.0 log around `runs` (several when vulnerabilities are reported alongside).
pub fn sarif_log(runs: Vec<Value>) -> Value {
    json!({
        "version": "2.1.0",
        "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json",
        "runs": runs,
    })
}
