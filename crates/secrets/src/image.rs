//! Scanning one image (or `dir:` tree): one walk with [`SecretCollector`], the merge to
//! learn which later layer deleted or replaced each file that holds a secret, and the
//! config (`Env`, `Cmd`, `Entrypoint`, `Labels`, `User`) and history `created_by` lines.

use std::borrow::Borrow;
use std::collections::HashMap;

use plinth_image::merge::{Event, Stack};
use plinth_image::{Image, LayerFacts};

use crate::collect::{PathFilter, SecretCollector, Summary};
use crate::finding::{Finding, Hidden, How, TargetReport};
use crate::matcher::{Hit, Scanner, Window};

/// How to scan.
#[derive(Debug, Clone)]
pub struct Options {
    pub filter: PathFilter,
    /// Files larger than this are skipped (and counted).
    pub max_size: u64,
}

/// Scans every layer's files, the config and the history of `image`.
pub fn scan_image(
    image: &Image,
    scanner: &Scanner,
    options: &Options,
) -> plinth_image::Result<TargetReport> {
    let collector = options.collector(scanner);
    let layers = image.walk(&collector)?;
    Ok(report_from(
        image,
        scanner,
        &layers,
        |hits: &Vec<Hit>| Some(hits),
        collector.summary(),
    ))
}

impl Options {
    /// The walk's collector for these options: pass it to a walk another pass shares (as
    /// `plinth scan --scanners vuln,secret` does), then hand the layers to [`report_from`].
    pub fn collector<'a>(&'a self, scanner: &'a Scanner) -> SecretCollector<'a> {
        SecretCollector::new(scanner, &self.filter, self.max_size)
    }
}

/// The report for `image` from a walk that carried a [`SecretCollector`]: `hits` picks its
/// part of what the walk kept of each file, `summary` is that collector's.
pub fn report_from<T, L: Borrow<LayerFacts<T>>>(
    image: &Image,
    scanner: &Scanner,
    layers: &[L],
    hits: impl Fn(&T) -> Option<&Vec<Hit>>,
    mut summary: Summary,
) -> TargetReport {
    let is_tree = image.manifest().is_none();
    let infos = image.layers();
    let hidden = if is_tree {
        HashMap::new()
    } else {
        hidden_copies(layers)
    };
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    for (index, facts) in layers.iter().map(Borrow::borrow).enumerate() {
        warnings.extend(facts.warnings.iter().cloned());
        for (path, kept) in &facts.collected {
            let Some(file_hits) = hits(kept) else {
                continue;
            };
            let entry = facts.files.find(path.as_bytes());
            let gone = entry.and_then(|e| hidden.get(&(index, e)).copied());
            for hit in file_hits {
                let mut f = finding(scanner, hit, format!("/{path}"));
                if !is_tree {
                    f.layer = Some(index);
                    f.layer_digest = infos[index].digest.as_ref().map(|d| d.to_string());
                    f.hidden = gone;
                }
                findings.push(f);
            }
        }
    }
    let (config, fields) = config_texts(image);
    summary.config_fields = fields;
    for (target, layer, text) in config {
        if target.starts_with("history:") {
            summary.history_entries += 1;
        }
        for hit in search_text(scanner, &target, &text) {
            let mut f = finding(scanner, &hit, target.clone());
            f.layer = layer;
            f.layer_digest =
                layer.and_then(|l| infos.get(l)?.digest.as_ref().map(|d| d.to_string()));
            findings.push(f);
        }
    }
    findings.sort_by(|a, b| {
        (a.layer, &a.target, a.line, &a.rule_id).cmp(&(b.layer, &b.target, b.line, &b.rule_id))
    });
    TargetReport {
        name: image.name().to_string(),
        findings,
        summary,
        warnings,
    }
}

fn finding(scanner: &Scanner, hit: &Hit, target: String) -> Finding {
    let rule = &scanner.rules()[hit.rule];
    Finding {
        rule_id: rule.id.clone(),
        category: rule.category.clone(),
        title: rule.title.clone(),
        severity: rule.severity,
        target,
        line: hit.line,
        redacted: hit.redacted.clone(),
        layer: None,
        layer_digest: None,
        hidden: None,
        suppressed: None,
    }
}

/// For every (layer, entry) a later layer deleted or replaced: which layer, and how.
fn hidden_copies<T, L: Borrow<LayerFacts<T>>>(layers: &[L]) -> HashMap<(usize, usize), Hidden> {
    let stack = Stack::new(layers.iter().map(|l| &l.borrow().files).collect());
    let mut hidden = HashMap::new();
    stack.merge(None, |event| {
        let (old, by_layer, how) = match *event {
            Event::Removed { old, by_layer } => (old, by_layer, How::Removed),
            Event::Modified { old, new } => (old, new.layer, How::Replaced),
            Event::Added(_) => return,
        };
        hidden.insert(
            (old.layer as usize, old.entry as usize),
            Hidden {
                by_layer: by_layer as usize,
                how,
            },
        );
    });
    hidden
}

/// The config values and history lines to search: (target name, layer, text), and how
/// many config fields there were.
fn config_texts(image: &Image) -> (Vec<(String, Option<usize>, String)>, u64) {
    let config = &image.config().config;
    let mut texts = Vec::new();
    for env in config.env.iter().flatten() {
        texts.push(("config:Env".to_string(), None, env.clone()));
    }
    for (name, words) in [("Cmd", &config.cmd), ("Entrypoint", &config.entrypoint)] {
        if let Some(words) = words {
            texts.push((format!("config:{name}"), None, words.join(" ")));
        }
    }
    for (key, value) in config.labels.iter().flatten() {
        texts.push(("config:Labels".to_string(), None, format!("{key}={value}")));
    }
    if let Some(user) = &config.user {
        texts.push(("config:User".to_string(), None, user.clone()));
    }
    let fields = texts.len() as u64;
    let mut layer = 0;
    for (i, h) in image.config().history.iter().enumerate() {
        let made = (!h.empty_layer).then_some(layer);
        if let Some(created_by) = &h.created_by {
            texts.push((format!("history:{i}"), made, created_by.clone()));
        }
        if !h.empty_layer {
            layer += 1;
        }
    }
    (texts, fields)
}

/// Searches a short text that is not a file (a config value, a history line).
pub fn search_text(scanner: &Scanner, target: &str, text: &str) -> Vec<Hit> {
    let applicable = scanner.rules_for(target);
    let mut hits = Vec::new();
    let window = Window {
        buf: text.as_bytes(),
        from: 0,
        accept_before: text.len() + 1,
        lines_before: 0,
    };
    scanner.search(&applicable, target, &window, &mut hits);
    hits
}
