//! Which rules run and how severe they are: `.plinth.yaml`, hadolint's `.hadolint.yaml`
//! (same keys), and command-line additions. hadolint `DL` IDs are accepted wherever a rule
//! ID is, and mean the plinth rule with the same meaning.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::error::LintError;
use crate::rules;

/// Lint settings. `Config::default()` runs every rule that is not opt-in, at its default
/// severity, and fails on `info` and above (hadolint's default).
#[derive(Debug, Clone)]
pub struct Config {
    /// Rules switched off (plinth IDs).
    pub ignored: HashSet<&'static str>,
    /// Opt-in rules switched on (plinth IDs).
    pub enabled: HashSet<&'static str>,
    /// Severity changes (plinth IDs). Giving an opt-in rule a severity enables it.
    pub overrides: HashMap<&'static str, Severity>,
    /// When not empty, FROM images must come from one of these registries (PL108).
    pub trusted_registries: Vec<String>,
    /// Findings at or above this fail the run.
    pub failure_threshold: Severity,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ignored: HashSet::new(),
            enabled: HashSet::new(),
            overrides: HashMap::new(),
            trusted_registries: Vec::new(),
            failure_threshold: Severity::Info,
        }
    }
}

/// The YAML file, as written. Keys follow hadolint's; `enable` is plinth's own.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct File {
    #[serde(default)]
    ignored: Vec<String>,
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    r#override: Overrides,
    #[serde(default, alias = "trustedRegistries")]
    trusted_registries: Vec<String>,
    #[serde(default, alias = "failureThreshold")]
    failure_threshold: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Overrides {
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    warning: Vec<String>,
    #[serde(default)]
    info: Vec<String>,
    #[serde(default)]
    style: Vec<String>,
}

impl Config {
    /// Reads a `.plinth.yaml` or `.hadolint.yaml`. Unknown keys are ignored (hadolint has
    /// some plinth does not use); unknown rule IDs are ignored too, since hadolint configs
    /// name rules plinth does not implement.
    pub fn from_yaml(text: &str, path: &Path) -> Result<Config, LintError> {
        let bad = |message: String| LintError::Config {
            path: path.to_path_buf(),
            message,
        };
        let file: File = if text.trim().is_empty() {
            File::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| bad(e.to_string()))?
        };
        let mut config = Config::default();
        config.ignore(file.ignored.iter().map(String::as_str));
        config.enable(file.enable.iter().map(String::as_str));
        let o = &file.r#override;
        for (sev, ids) in [
            (Severity::Error, &o.error),
            (Severity::Warning, &o.warning),
            (Severity::Info, &o.info),
            (Severity::Style, &o.style),
        ] {
            for id in ids {
                if let Some(r) = rules::find(id) {
                    config.overrides.insert(r.id, sev);
                }
            }
        }
        config.trusted_registries = file.trusted_registries;
        if let Some(t) = file.failure_threshold {
            config.failure_threshold = t
                .parse()
                .map_err(|e| bad(format!("failure-threshold: {e}")))?;
        }
        Ok(config)
    }

    /// Reads a config file from disk.
    pub fn load(path: &Path) -> Result<Config, LintError> {
        let text = std::fs::read_to_string(path).map_err(|source| LintError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_yaml(&text, path)
    }

    /// Switches rules off, by plinth or hadolint ID.
    pub fn ignore<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        self.ignored
            .extend(ids.into_iter().filter_map(rules::find).map(|r| r.id));
    }

    /// Switches opt-in rules on, by plinth or hadolint ID.
    pub fn enable<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        self.enabled
            .extend(ids.into_iter().filter_map(rules::find).map(|r| r.id));
    }

    /// The severity a rule reports at, or `None` when it does not run.
    pub fn severity(&self, rule: &rules::Rule) -> Option<Severity> {
        if self.ignored.contains(rule.id) {
            return None;
        }
        if let Some(&s) = self.overrides.get(rule.id) {
            return Some(s);
        }
        if rule.opt_in && !self.enabled.contains(rule.id) {
            return None;
        }
        Some(rule.severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hadolint_config() {
        let yaml = "ignored: [DL3008, DL3015]\noverride:\n  error: [DL3003]\n  warning: [DL3008]\ntrustedRegistries:\n  - docker.io\nfailure-threshold: warning\nformat: json\n";
        let c = Config::from_yaml(yaml, Path::new(".hadolint.yaml")).unwrap();
        assert!(c.ignored.contains("PL211"));
        assert_eq!(c.overrides.get("PL201"), Some(&Severity::Error));
        assert_eq!(c.trusted_registries, ["docker.io"]);
        assert_eq!(c.failure_threshold, Severity::Warning);
        let pl214 = rules::find("PL214").unwrap();
        assert_eq!(c.severity(pl214), None, "ignored wins over override");
    }

    #[test]
    fn override_enables_opt_in_rules_and_bad_yaml_is_an_error() {
        let c = Config::from_yaml("override:\n  info: [DL3008]\n", Path::new("c")).unwrap();
        assert_eq!(
            c.severity(rules::find("PL214").unwrap()),
            Some(Severity::Info)
        );
        let e = Config::from_yaml("ignored: [a\n", Path::new(".plinth.yaml")).unwrap_err();
        assert!(e.to_string().starts_with(".plinth.yaml: "), "{e}");
        let e = Config::from_yaml("failure-threshold: loud\n", Path::new("c")).unwrap_err();
        assert!(e.to_string().contains("unknown severity"), "{e}");
    }
}
