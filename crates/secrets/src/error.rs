//! What can go wrong: a rule config that cannot be read or a rule that does not compile.
//! Reading files during a scan never fails the scan: unreadable files become warnings.

use std::path::PathBuf;

/// Errors of this crate. Each message is one line naming the input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },
    #[error("rule {rule:?}: {message}")]
    Rule { rule: String, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;
