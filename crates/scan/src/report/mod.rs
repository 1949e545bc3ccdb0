//! Renderings of a [`Report`]: a table for people, plinth's JSON, SARIF 2.1.0 for code
//! scanning, CycloneDX 1.5 JSON with a `vulnerabilities` section.

mod cyclonedx;
mod sarif;
mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Level, Origin, Report};

pub use cyclonedx::cyclonedx;
pub use sarif::sarif;
pub use table::{TableOptions, table};

/// Counts of the findings that count (not suppressed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub total: usize,
    /// UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL (a JSON object keyed by level).
    #[serde(serialize_with = "levels_map")]
    pub by_severity: [(Level, usize); 5],
    /// Findings in packages from base layers; `None` when some target's boundary is unknown.
    pub base: Option<usize>,
    pub added: Option<usize>,
    pub suppressed: usize,
}

fn levels_map<S: serde::Serializer>(v: &[(Level, usize); 5], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(v.len()))?;
    for (level, n) in v {
        map.serialize_entry(level.as_str(), n)?;
    }
    map.end()
}

impl Summary {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Summary {
        let mut s = Summary {
            by_severity: Level::ALL.map(|l| (l, 0)),
            base: Some(0),
            added: Some(0),
            total: 0,
            suppressed: 0,
        };
        for f in findings {
            if f.suppressed.is_some() {
                s.suppressed += 1;
                continue;
            }
            s.total += 1;
            s.by_severity[f.severity.level as usize].1 += 1;
            match f.origin {
                Origin::Base => s.base = s.base.map(|n| n + 1),
                Origin::Added => s.added = s.added.map(|n| n + 1),
                Origin::Unknown => {
                    s.base = None;
                    s.added = None;
                }
            }
        }
        s
    }

    /// `UNKNOWN: 0, LOW: 3, …`
    pub fn levels(&self) -> String {
        self.by_severity
            .iter()
            .map(|(l, n)| format!("{}: {n}", l.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    summary: &'a Summary,
    #[serde(flatten)]
    report: &'a Report,
}

/// plinth's JSON: the whole report (suppressed findings included, marked) and a summary.
pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = Summary::of(report.targets.iter().flat_map(|t| &t.findings));
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonOut {
            summary: &summary,
            report,
        },
    )?;
    writeln!(out)
}

/// A representative CVSS-like score for a level, for `security-severity` when no score exists.
pub(crate) fn level_score(level: Level) -> f32 {
    match level {
        Level::Critical => 9.5,
        Level::High => 8.0,
        Level::Medium => 5.5,
        Level::Low => 2.0,
        Level::Unknown => 0.0,
    }
}
