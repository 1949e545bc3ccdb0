//! Why a Dockerfile or a config file could not be linted at all.

use std::path::PathBuf;

/// An input that could not be linted. Every variant names the input; parse errors also
/// carry the 1-based line where the problem was found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    #[error("{path}: empty Dockerfile (no FROM instruction)")]
    Empty { path: String },
    #[error("{path}: binary file (NUL byte at offset {offset}), not a Dockerfile")]
    Binary { path: String, offset: usize },
    #[error("{path}:{line}: invalid UTF-8 (byte offset {offset})")]
    NotUtf8 {
        path: String,
        line: usize,
        offset: usize,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl LintError {
    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            LintError::NotUtf8 { line, .. } | LintError::Parse { line, .. } => Some(*line),
            _ => None,
        }
    }
}
