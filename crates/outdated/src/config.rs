//! The `outdated:` section of `.plinth.yaml`: images to ignore, and per-image rules (allowed
//! update types, a regex versioning for tags that are not semver-like, LTS majors only).
//!
//! ```yaml
//! outdated:
//!   ignore: [ "node:18", "internal/legacy" ]
//!   rules:
//!     - image: node
//!       lts: true
//!       allow: [ minor, patch ]
//!     - image: ghcr.io/acme/tool
//!       versioning: 'regex:^(?<major>\d+)\.(?<minor>\d+)_(?<compatibility>\w+)$'
//! ```

use plinth_registry::ImageRef;
use serde::Deserialize;

use crate::propose::{Kind, Lts, Rules};
use crate::versioning::Scheme;

/// The file's whole shape; other sections belong to other commands and are not read here.
#[derive(Deserialize)]
struct File {
    #[serde(default)]
    outdated: Option<Section>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Section {
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    rules: Vec<RuleText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    image: String,
    #[serde(default)]
    allow: Option<Vec<String>>,
    #[serde(default)]
    versioning: Option<String>,
    #[serde(default)]
    lts: bool,
}

/// One image's rule, parsed.
#[derive(Debug, Clone)]
pub struct Rule {
    pub image: Pattern,
    pub allow: Option<Vec<Kind>>,
    pub rules: Rules,
}

/// An `IMAGE[:TAG]` to match references against, normalised like them.
#[derive(Debug, Clone)]
pub struct Pattern {
    registry: String,
    repository: String,
    tag: Option<String>,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let image = ImageRef::parse(text).map_err(|e| e.to_string())?;
        let name = text.split('@').next().unwrap_or(text);
        let tagged = name.rsplit('/').next().is_some_and(|l| l.contains(':'));
        Ok(Pattern {
            registry: image.registry,
            repository: image.repository,
            tag: if tagged { image.tag } else { None },
        })
    }

    pub fn matches(&self, image: &ImageRef) -> bool {
        self.registry == image.registry
            && self.repository == image.repository
            && self
                .tag
                .as_ref()
                .is_none_or(|t| image.tag.as_ref() == Some(t))
    }
}

/// Ignores and rules, from the config file and the command line.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub ignore: Vec<Pattern>,
    pub rules: Vec<Rule>,
}

impl Config {
    /// Reads the `outdated:` section of a `.plinth.yaml`; `what` names the file in errors.
    pub fn from_yaml(what: &str, text: &str) -> Result<Config, String> {
        let file: File = serde_yaml_ng::from_str(text).map_err(|e| format!("{what}: {e}"))?;
        let section = file.outdated.unwrap_or_default();
        let mut config = Config::default();
        for i in &section.ignore {
            config
                .ignore
                .push(Pattern::parse(i).map_err(|e| format!("{what}: ignore {i:?}: {e}"))?);
        }
        for r in section.rules {
            let bad = |m: String| format!("{what}: rule for {:?}: {m}", r.image);
            let image = Pattern::parse(&r.image).map_err(bad)?;
            let allow = match &r.allow {
                Some(list) => Some(
                    list.iter()
                        .map(|k| {
                            Kind::parse(k).ok_or_else(|| bad(format!("unknown update type {k:?}")))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            let scheme = match &r.versioning {
                Some(v) => Scheme::parse(v).map_err(bad)?,
                None => Scheme::Docker,
            };
            let lts = r.lts.then(|| Lts::for_repository(&image.repository));
            config.rules.push(Rule {
                image,
                allow,
                rules: Rules { scheme, lts },
            });
        }
        Ok(config)
    }

    pub fn ignored(&self, image: &ImageRef) -> bool {
        self.ignore.iter().any(|p| p.matches(image))
    }

    /// The first rule for the image, if any.
    pub fn rule_for(&self, image: &ImageRef) -> Option<&Rule> {
        self.rules.iter().find(|r| r.image.matches(image))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_section() {
        let c = Config::from_yaml(
            ".plinth.yaml",
            "lint: {}\noutdated:\n  ignore: [\"node:18\"]\n  rules:\n    - image: node\n      lts: true\n      allow: [minor, patch]\n",
        )
        .expect("valid");
        let node18 = ImageRef::parse("docker.io/library/node:18").unwrap();
        let node20 = ImageRef::parse("node:20").unwrap();
        assert!(c.ignored(&node18));
        assert!(!c.ignored(&node20));
        let rule = c.rule_for(&node20).expect("rule");
        assert_eq!(rule.allow.as_deref(), Some(&[Kind::Minor, Kind::Patch][..]));
        assert_eq!(rule.rules.lts, Some(Lts::Node));
        for bad in [
            "outdated:\n  rules:\n    - image: node\n      allow: [huge]\n",
            "outdated:\n  rules:\n    - image: node\n      versioning: 'regex:('\n",
            "outdated:\n  bogus: 1\n",
            "outdated: [",
        ] {
            let e = Config::from_yaml("c.yaml", bad).unwrap_err();
            assert!(e.starts_with("c.yaml: "), "{e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}
