use std::io::{self, Write};

use serde_json::{Value, json};

use crate::{Diagnostic, Severity, rules};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// A path as a relative URI reference: `/` kept, everything outside RFC 3986's
/// unreserved set percent-encoded.
fn uri(path: &str) -> String {
    if path == "-" {
        return "stdin".into();
    }
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches("./").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn rule_descriptor(r: &rules::Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": r.message },
        "fullDescription": { "text": r.doc },
        "help": { "text": format!("{}\n\n{}", r.hint, r.doc) },
        "defaultConfiguration": { "level": level(r.severity), "enabled": !r.opt_in },
        "properties": { "hadolint": r.hadolint, "tags": ["dockerfile"] },
    })
}

/// A SARIF 2.1.0 log with one run. Every rule is described in `tool.driver.rules`; each
/// result has a region (start and end line, start column) so code-scanning annotates the
/// instruction.
pub fn sarif(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    let all = rules::all();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = all.iter().position(|r| r.id == d.code).unwrap_or(0);
            json!({
                "ruleId": d.code,
                "ruleIndex": index,
                "level": level(d.level),
                "message": { "text": format!("{} (fix: {})", d.message, d.hint) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&d.file) },
                        "region": {
                            "startLine": d.line,
                            "startColumn": d.column,
                            "endLine": d.end_line,
                        }
                    }
                }],
                "properties": { "hadolint": d.hadolint, "severity": d.level.as_str() },
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "plinth",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": all.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_encoded() {
        assert_eq!(super::uri("./dir/My Dockerfile"), "dir/My%20Dockerfile");
        assert_eq!(super::uri("-"), "stdin");
    }
}
