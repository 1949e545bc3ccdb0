//! What a rule reports: one finding at one place in one file.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How much a finding matters. Ordered from least to most severe, so `>=` compares
/// against a failure threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The severity name was not one of error, warning, info, style.
#[derive(Debug, thiserror::Error)]
#[error("unknown severity {0:?} (expected error, warning, info or style)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            "style" => Ok(Severity::Style),
            _ => Err(UnknownSeverity(s.to_string())),
        }
    }
}

/// One finding. Lines and columns are 1-based; `end_line` is the last line of the
/// instruction the finding is about (continuations and heredocs included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The path as given by the caller (`-` for stdin).
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    /// plinth's rule ID, e.g. `PL211`.
    pub code: &'static str,
    /// The hadolint rule with the same meaning, if there is one (e.g. `DL3015`).
    pub hadolint: Option<&'static str>,
    pub level: Severity,
    pub message: String,
    /// One line saying how to fix it.
    pub hint: &'static str,
}
