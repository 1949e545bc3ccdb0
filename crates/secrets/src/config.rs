//! The rule set: the built-in rules, changed by a Trivy `trivy-secret.yaml` read as is —
//! `rules` (added), `allow-rules` (added), `enable-builtin-rules` (only these built-ins),
//! `disable-rules` and `disable-allow-rules` (removed by id), `exclude-block` (regions whose
//! matches do not count).

use std::path::Path;

use regex::bytes::Regex;
use serde::Deserialize;

use crate::builtin::{ALLOW_RULES, RULES};
use crate::error::{Error, Result};
use crate::rule::{Allow, Keyword, Pattern, Rule, Severity, compile, group_index};

/// Rules, allow rules and exclude blocks, compiled.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Allow rules that apply to every rule.
    pub allow: Vec<Allow>,
    /// Regions (e.g. a block of test vectors) where nothing is reported, for every rule.
    pub exclude: Vec<Regex>,
}

/// `trivy-secret.yaml`, field for field.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
struct ConfigFile {
    rules: Vec<RuleDef>,
    allow_rules: Vec<AllowDef>,
    enable_builtin_rules: Vec<String>,
    disable_rules: Vec<String>,
    disable_allow_rules: Vec<String>,
    exclude_block: Option<ExcludeBlock>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
struct RuleDef {
    id: String,
    category: String,
    title: String,
    severity: String,
    regex: String,
    keywords: Vec<String>,
    path: Option<String>,
    allow_rules: Vec<AllowDef>,
    secret_group_name: Option<String>,
    exclude_block: Option<ExcludeBlock>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
struct AllowDef {
    id: String,
    description: String,
    regex: Option<String>,
    path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExcludeBlock {
    #[allow(dead_code)] // Trivy's field, read so configs that carry it parse
    description: String,
    regexes: Vec<String>,
}

impl RuleSet {
    /// The built-in rules and allow rules.
    pub fn builtin() -> RuleSet {
        Self::build(ConfigFile::default()).expect("built-in rules compile (tested)")
    }

    /// The built-in rules changed by the Trivy rule config at `path`.
    pub fn from_file(path: &Path) -> Result<RuleSet> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e,
        })
    }

    /// The built-in rules changed by a Trivy rule config's text.
    pub fn from_yaml(text: &str) -> std::result::Result<RuleSet, String> {
        let config: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| one_line(&e.to_string()))?
        };
        Self::build(config).map_err(|e| e.to_string())
    }

    fn build(config: ConfigFile) -> Result<RuleSet> {
        let enabled = |id: &str| {
            (config.enable_builtin_rules.is_empty()
                || config.enable_builtin_rules.iter().any(|e| e == id))
                && !config.disable_rules.iter().any(|d| d == id)
        };
        let mut rules = Vec::new();
        for def in RULES.iter().filter(|d| enabled(d.id)) {
            let allow = def
                .allow
                .iter()
                .map(|(id, regex)| {
                    Ok(Allow {
                        id: (*id).into(),
                        description: String::new(),
                        regex: Some(compile(def.id, regex)?),
                        path: None,
                    })
                })
                .collect::<Result<_>>()?;
            rules.push(Rule {
                id: def.id.into(),
                category: def.category.into(),
                title: def.title.into(),
                severity: def.severity,
                pattern: Pattern::builtin(def.id, def.regex),
                keywords: def.keywords.to_keywords(),
                path: def.path.map(|p| compile(def.id, p)).transpose()?,
                allow,
                exclude: Vec::new(),
            });
        }
        for def in config.rules {
            if config.disable_rules.contains(&def.id) {
                continue;
            }
            rules.push(user_rule(def)?);
        }
        let disabled = |id: &str| config.disable_allow_rules.iter().any(|d| d == id);
        let mut allow = Vec::new();
        for def in ALLOW_RULES.iter().filter(|d| !disabled(d.id)) {
            allow.push(Allow {
                id: def.id.into(),
                description: def.description.into(),
                regex: def.regex.map(|r| compile(def.id, r)).transpose()?,
                path: def.path.map(|p| compile(def.id, p)).transpose()?,
            });
        }
        for def in config.allow_rules.into_iter().filter(|d| !disabled(&d.id)) {
            allow.push(user_allow(def)?);
        }
        for rule in &mut rules {
            rule.allow.retain(|a| !disabled(&a.id));
        }
        let exclude = exclude_regexes("exclude-block", config.exclude_block)?;
        Ok(RuleSet {
            rules,
            allow,
            exclude,
        })
    }
}

fn user_rule(def: RuleDef) -> Result<Rule> {
    let bad = |message: String| Error::Rule {
        rule: def.id.clone(),
        message,
    };
    if def.id.is_empty() {
        return Err(bad("a rule has no id".into()));
    }
    if def.regex.is_empty() {
        return Err(bad("no regex".into()));
    }
    let severity = if def.severity.is_empty() {
        Severity::Unknown
    } else {
        Severity::parse(&def.severity).ok_or_else(|| {
            bad(format!(
                "severity {:?}: expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL",
                def.severity
            ))
        })?
    };
    let regex = compile(&def.id, &def.regex)?;
    // A named group the user chose wins over the `secret` convention.
    let secret_group = match &def.secret_group_name {
        Some(name) => Some(group_index(&regex, name).ok_or_else(|| {
            bad(format!(
                "secret-group-name {name:?} is not a group of its regex"
            ))
        })?),
        None => group_index(&regex, "secret"),
    };
    let allow = def
        .allow_rules
        .into_iter()
        .map(user_allow)
        .collect::<Result<_>>()?;
    let exclude = exclude_regexes(&def.id, def.exclude_block)?;
    Ok(Rule {
        category: if def.category.is_empty() {
            "Custom".into()
        } else {
            def.category
        },
        title: if def.title.is_empty() {
            def.id.clone()
        } else {
            def.title
        },
        severity,
        pattern: Pattern::compiled(regex, secret_group),
        keywords: def.keywords.iter().map(|k| Keyword::any_case(k)).collect(),
        path: def.path.map(|p| compile(&def.id, &p)).transpose()?,
        allow,
        exclude,
        id: def.id,
    })
}

fn user_allow(def: AllowDef) -> Result<Allow> {
    if def.regex.is_none() && def.path.is_none() {
        return Err(Error::Rule {
            rule: def.id,
            message: "an allow rule needs a regex or a path".into(),
        });
    }
    Ok(Allow {
        regex: def.regex.map(|r| compile(&def.id, &r)).transpose()?,
        path: def.path.map(|p| compile(&def.id, &p)).transpose()?,
        description: def.description,
        id: def.id,
    })
}

fn exclude_regexes(owner: &str, block: Option<ExcludeBlock>) -> Result<Vec<Regex>> {
    block
        .map(|b| b.regexes)
        .unwrap_or_default()
        .iter()
        .map(|r| compile(owner, r))
        .collect()
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_compile_and_are_unique() {
        let set = RuleSet::builtin();
        assert_eq!(set.rules.len(), RULES.len());
        let mut ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert!(
            set.rules.iter().all(|r| r.pattern.secret_group().is_some()),
            "every built-in names its secret"
        );
    }

    #[test]
    fn enable_and_disable() {
        let set = RuleSet::from_yaml(
            "enable-builtin-rules: [github-pat, jwt-token]\ndisable-rules: [jwt-token]\ndisable-allow-rules: [docs]\n",
        )
        .unwrap();
        let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["github-pat"]);
        assert!(!set.allow.iter().any(|a| a.id == "docs"));
    }

    #[test]
    fn bad_user_regex_names_the_rule() {
        let e = RuleSet::from_yaml("rules:\n  - id: broken-rule\n    regex: '(unclosed'\n")
            .unwrap_err();
        assert!(e.contains("broken-rule") && !e.contains('\n'), "{e}");
    }

    #[test]
    fn malformed_yaml_is_one_line() {
        let e = RuleSet::from_yaml("rules: [ {id: x\n").unwrap_err();
        assert!(!e.contains('\n'), "{e}");
    }
}
