//! What a user decided not to see: severity filter, unfixed findings, ignore files (Trivy's
//! `.trivyignore` and `.trivyignore.yaml`) and OpenVEX `not_affected`/`fixed` statements.
//! Suppressed findings stay in the report, marked with who suppressed them and why.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Result, ScanError};
use crate::finding::{Finding, FixStatus, Level, Report, Suppression};

/// One ignore rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreRule {
    pub id: String,
    /// `YYYY-MM-DD`; the rule stops applying after that day.
    pub expires: Option<String>,
    /// File paths (globs with `*` and `**`) the rule is limited to.
    pub paths: Vec<String>,
    /// Package URLs the rule is limited to (qualifiers ignored when the rule has none).
    pub purls: Vec<String>,
    pub reason: Option<String>,
}

/// One OpenVEX statement that removes findings.
#[derive(Debug, Clone, PartialEq)]
pub struct VexStatement {
    pub vulnerability: Vec<String>,
    /// Product and subcomponent identifiers (purls, image references).
    pub products: Vec<String>,
    pub subcomponents: Vec<String>,
    pub status: String,
    pub justification: Option<String>,
}

/// Everything that decides which findings count.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Levels to report; empty means all.
    pub severities: Vec<Level>,
    pub ignore_unfixed: bool,
    pub ignore: Vec<(PathBuf, Vec<IgnoreRule>)>,
    pub vex: Vec<(PathBuf, Vec<VexStatement>)>,
    /// Today as `YYYY-MM-DD`, for `exp:` dates.
    pub today: String,
}

impl Policy {
    /// Marks suppressed findings in place.
    pub fn apply(&self, report: &mut Report) {
        for t in &mut report.targets {
            for f in &mut t.findings {
                f.suppressed = self.why_suppressed(f);
            }
        }
    }

    fn why_suppressed(&self, f: &Finding) -> Option<Suppression> {
        for (path, statements) in &self.vex {
            if let Some(s) = statements.iter().find(|s| vex_applies(s, f)) {
                return Some(Suppression {
                    by: format!("vex:{}", path.display()),
                    reason: Some(match &s.justification {
                        Some(j) => format!("{}: {j}", s.status),
                        None => s.status.clone(),
                    }),
                });
            }
        }
        for (path, rules) in &self.ignore {
            if let Some(r) = rules.iter().find(|r| self.rule_applies(r, f)) {
                return Some(Suppression {
                    by: format!("ignorefile:{}", path.display()),
                    reason: r.reason.clone(),
                });
            }
        }
        if self.ignore_unfixed && f.status != FixStatus::Fixed {
            return Some(Suppression {
                by: "unfixed".into(),
                reason: Some("no fixed version (--ignore-unfixed)".into()),
            });
        }
        if !self.severities.is_empty() && !self.severities.contains(&f.severity.level) {
            return Some(Suppression {
                by: "severity".into(),
                reason: Some(format!("{} not in --severity", f.severity.level.as_str())),
            });
        }
        None
    }

    fn rule_applies(&self, r: &IgnoreRule, f: &Finding) -> bool {
        let id_matches = f.id == r.id || f.aliases.contains(&r.id);
        let live = r
            .expires
            .as_deref()
            .is_none_or(|d| d >= self.today.as_str());
        let path_ok = r.paths.is_empty()
            || r.paths
                .iter()
                .any(|p| glob(p, f.found_at.trim_start_matches('/')) || glob(p, &f.found_at));
        let purl_ok = r.purls.is_empty() || r.purls.iter().any(|p| purl_matches(p, &f.purl));
        id_matches && live && path_ok && purl_ok
    }
}

/// `*` matches within one path segment, `**` across segments.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p {
            [] => t.is_empty(),
            [b'*', b'*', rest @ ..] => {
                let rest = rest.strip_prefix(b"/").unwrap_or(rest);
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            [b'*', rest @ ..] => (0..=t.len())
                .take_while(|&i| i == 0 || t[i - 1] != b'/')
                .any(|i| go(rest, &t[i..])),
            [c, rest @ ..] => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// A rule's purl matches a package's when they agree on everything the rule says: without a
/// version or qualifiers in the rule, any version or qualifiers match.
pub fn purl_matches(rule: &str, purl: &str) -> bool {
    let strip_q = |s: &str| s.split(['?', '#']).next().unwrap_or(s).to_string();
    let rule_base = strip_q(rule);
    let purl_base = strip_q(purl);
    if rule.contains('?') && rule != purl {
        return false;
    }
    if rule_base.contains('@') {
        return rule_base.eq_ignore_ascii_case(&purl_base);
    }
    let purl_name = purl_base.split('@').next().unwrap_or(&purl_base);
    rule_base.eq_ignore_ascii_case(purl_name)
}

fn vex_applies(s: &VexStatement, f: &Finding) -> bool {
    if !matches!(s.status.as_str(), "not_affected" | "fixed") {
        return false;
    }
    let id_matches = s
        .vulnerability
        .iter()
        .any(|v| *v == f.id || f.aliases.contains(v));
    if !id_matches {
        return false;
    }
    let is_pkg = |p: &String| {
        p.starts_with("pkg:") && !p.starts_with("pkg:oci/") && !p.starts_with("pkg:docker/")
    };
    if !s.subcomponents.is_empty() {
        return s.subcomponents.iter().any(|p| purl_matches(p, &f.purl));
    }
    // A statement about the image as a whole (an image purl or reference) covers every package
    // in it; a statement about packages covers those.
    let packages: Vec<&String> = s.products.iter().filter(|p| is_pkg(p)).collect();
    packages.is_empty() || packages.iter().any(|p| purl_matches(p, &f.purl))
}

/// Reads `.trivyignore` (one id per line, `exp:YYYY-MM-DD`, `#` comments) or the YAML form,
/// chosen by the file's name or its content.
pub fn read_ignorefile(path: &Path) -> Result<Vec<IgnoreRule>> {
    let text = std::fs::read_to_string(path).map_err(|cause| ScanError::Io {
        path: path.into(),
        cause,
    })?;
    let name = path.to_string_lossy();
    let yaml = name.ends_with(".yaml")
        || name.ends_with(".yml")
        || text.trim_start().starts_with("vulnerabilities:");
    if yaml {
        parse_ignore_yaml(&text).map_err(|message| ScanError::Policy {
            path: path.into(),
            message,
        })
    } else {
        parse_ignore_lines(&text).map_err(|message| ScanError::Policy {
            path: path.into(),
            message,
        })
    }
}

/// The line form.
pub fn parse_ignore_lines(text: &str) -> std::result::Result<Vec<IgnoreRule>, String> {
    let mut rules = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(id) = words.next() else { continue };
        let mut rule = IgnoreRule {
            id: id.to_string(),
            ..IgnoreRule::default()
        };
        for w in words {
            match w.strip_prefix("exp:") {
                Some(date) if is_date(date) => rule.expires = Some(date.to_string()),
                Some(date) => {
                    return Err(format!(
                        "line {}: bad expiry date {date:?} (want exp:YYYY-MM-DD)",
                        n + 1
                    ));
                }
                None => {}
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

#[derive(Deserialize)]
struct YamlFile {
    #[serde(default)]
    vulnerabilities: Vec<YamlRule>,
}

#[derive(Deserialize)]
struct YamlRule {
    id: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    purls: Vec<String>,
    #[serde(default)]
    statement: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expired_at: Option<serde_yaml_ng::Value>,
}

/// The YAML form (`vulnerabilities: [{id, paths, purls, statement, expired_at}]`).
pub fn parse_ignore_yaml(text: &str) -> std::result::Result<Vec<IgnoreRule>, String> {
    let file: YamlFile =
        serde_yaml_ng::from_str(text).map_err(|e| format!("malformed YAML: {e}"))?;
    file.vulnerabilities
        .into_iter()
        .map(|r| {
            let expires = match r.expired_at {
                None | Some(serde_yaml_ng::Value::Null) => None,
                Some(serde_yaml_ng::Value::String(s)) => {
                    let day = s.get(..10).unwrap_or(&s).to_string();
                    if !is_date(&day) {
                        return Err(format!("{}: bad expired_at {s:?} (want YYYY-MM-DD)", r.id));
                    }
                    Some(day)
                }
                Some(other) => return Err(format!("{}: bad expired_at {other:?}", r.id)),
            };
            Ok(IgnoreRule {
                id: r.id,
                expires,
                paths: r.paths,
                purls: r.purls,
                reason: r.statement.or(r.reason),
            })
        })
        .collect()
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Reads an OpenVEX document.
pub fn read_vex(path: &Path) -> Result<Vec<VexStatement>> {
    let bytes = std::fs::read(path).map_err(|cause| ScanError::Io {
        path: path.into(),
        cause,
    })?;
    parse_vex(&bytes).map_err(|message| ScanError::Policy {
        path: path.into(),
        message,
    })
}

/// An identifier in OpenVEX: a bare string, or an object with `@id`/`name` and `identifiers`.
fn ids_of(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Object(o) => {
            let mut out: Vec<String> = ["@id", "name"]
                .iter()
                .filter_map(|k| o.get(*k).and_then(|x| x.as_str()).map(str::to_string))
                .collect();
            if let Some(ids) = o.get("identifiers").and_then(|x| x.as_object()) {
                out.extend(ids.values().filter_map(|x| x.as_str().map(str::to_string)));
            }
            if let Some(aliases) = o.get("aliases").and_then(|x| x.as_array()) {
                out.extend(
                    aliases
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string)),
                );
            }
            out
        }
        _ => Vec::new(),
    }
}

pub fn parse_vex(bytes: &[u8]) -> std::result::Result<Vec<VexStatement>, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let context = doc.get("@context").and_then(|c| c.as_str()).unwrap_or("");
    if !context.contains("openvex") {
        return Err("not an OpenVEX document (no openvex @context)".into());
    }
    let statements = doc
        .get("statements")
        .and_then(|s| s.as_array())
        .ok_or("OpenVEX document without statements")?;
    let mut out = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let vulnerability = s.get("vulnerability").map(ids_of).unwrap_or_default();
        let status = s
            .get("status")
            .and_then(|x| x.as_str())
            .ok_or_else(|| format!("statement {i}: no status"))?
            .to_string();
        let mut products = Vec::new();
        let mut subcomponents = Vec::new();
        for p in s
            .get("products")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            products.extend(ids_of(p));
            for sc in p
                .get("subcomponents")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                subcomponents.extend(ids_of(sc));
            }
        }
        if vulnerability.is_empty() {
            return Err(format!("statement {i}: no vulnerability"));
        }
        out.push(VexStatement {
            vulnerability,
            products,
            subcomponents,
            status,
            justification: s
                .get("justification")
                .and_then(|x| x.as_str())
                .map(str::to_string),
        });
    }
    Ok(out)
}

/// Today's UTC date as `YYYY-MM-DD`, from the system clock.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

pub use plinth_vulndb::civil_date;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("usr/local/bin/*", "usr/local/bin/dive"));
        assert!(!glob("usr/*", "usr/local/bin/dive"));
        assert!(glob("usr/**", "usr/local/bin/dive"));
        assert!(glob(
            "**/package.json",
            "app/node_modules/lodash/package.json"
        ));
    }

    #[test]
    fn purls() {
        assert!(purl_matches("pkg:npm/lodash", "pkg:npm/lodash@4.17.20"));
        assert!(purl_matches(
            "pkg:npm/lodash@4.17.20",
            "pkg:npm/lodash@4.17.20"
        ));
        assert!(!purl_matches(
            "pkg:npm/lodash@4.17.21",
            "pkg:npm/lodash@4.17.20"
        ));
        assert!(!purl_matches("pkg:npm/lodash-es", "pkg:npm/lodash@4.17.20"));
    }

    #[test]
    fn ignore_lines() {
        let rules = parse_ignore_lines("# c\nCVE-1\n\nCVE-2 exp:2020-01-01 # old\n").unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[1].expires.as_deref(), Some("2020-01-01"));
        assert!(
            parse_ignore_lines("CVE-3 exp:tomorrow")
                .unwrap_err()
                .contains("line 1")
        );
    }
}
