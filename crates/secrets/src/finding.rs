//! What a secret scan reports: findings (always redacted) with the layer that added the
//! file and the layer that later hid it, per target, with a summary of what was searched.

use serde::Serialize;

use crate::collect::Summary;
use crate::rule::Severity;

/// One secret found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub category: String,
    pub title: String,
    pub severity: Severity,
    /// Where: a file path (`/app/.env`), or `config:Env`, `config:Labels`, `history:3`, ….
    pub target: String,
    /// 1-based line in the file (1 for config values and history entries).
    pub line: u64,
    /// The secret, redacted: first and last few characters only.
    #[serde(rename = "match")]
    pub redacted: String,
    /// The layer whose copy of the file (or whose history entry) holds the secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_digest: Option<String>,
    /// A later layer deleted or replaced this copy: it is gone from the merged filesystem,
    /// still in the image for anyone who pulls it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Hidden>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

/// Which later layer hid a file, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hidden {
    pub by_layer: usize,
    pub how: How,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Removed,
    Replaced,
}

/// Who decided a finding does not count, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Finding {
    /// "still in the image: removed in layer 4 but present in layer 2", when hidden.
    pub fn still_in_image(&self) -> Option<String> {
        let hidden = self.hidden?;
        let verb = match hidden.how {
            How::Removed => "removed",
            How::Replaced => "replaced",
        };
        Some(format!(
            "still in the image: {verb} in layer {} but present in layer {}",
            hidden.by_layer,
            self.layer.unwrap_or(0)
        ))
    }
}

/// The findings of one image or tree.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub name: String,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Every target of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub targets: Vec<TargetReport>,
}

impl Report {
    /// Findings that count (not suppressed), with their target.
    pub fn counted(&self) -> impl Iterator<Item = (&TargetReport, &Finding)> {
        self.targets.iter().flat_map(|t| {
            t.findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(move |f| (t, f))
        })
    }
}
