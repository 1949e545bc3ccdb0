//! The crate's error type: every variant names the input it is about, so the CLI prints one line.

use std::path::PathBuf;

/// Why a scan could not run. Findings and policy failures are not errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A file could not be read.
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// The file is JSON (or not) but no SBOM format plinth reads.
    #[error("{}: not an SBOM plinth reads ({what}); expected plinth JSON, CycloneDX JSON, SPDX JSON or Syft JSON", path.display())]
    UnknownSbom { path: PathBuf, what: String },
    /// The file is an SBOM of a known format but malformed.
    #[error("{}: malformed {format}: {message}", path.display())]
    BadSbom {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    /// An ignore file or VEX document is malformed.
    #[error("{}: {message}", path.display())]
    Policy { path: PathBuf, message: String },
    /// The vulnerability database failed.
    #[error(transparent)]
    Database(#[from] plinth_vulndb::DbError),
}

pub type Result<T> = std::result::Result<T, ScanError>;
