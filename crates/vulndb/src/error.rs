//! The crate's one error type. Every variant names the file, URL or database it is about, so the
//! CLI can print it on one line.

use std::path::PathBuf;

/// What went wrong, with the input it went wrong on. Causes are part of the message rather than
/// a `source()` chain, so printing the chain does not repeat them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// Reading or writing a file failed.
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// The file is not any feed format this crate reads (HTML error page, random bytes, …).
    #[error("{}: {what}", path.display())]
    NotAFeed { path: PathBuf, what: String },
    /// A zip archive could not be read.
    #[error("{}: not a readable zip archive: {cause}", path.display())]
    Zip {
        path: PathBuf,
        cause: zip::result::ZipError,
    },
    /// A whole feed document (not one record of it) is malformed JSON or YAML.
    #[error("{}: malformed {format}: {message}", path.display())]
    Malformed {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    /// There is no database at the path.
    #[error("{}: no vulnerability database here (run `plinth db update` or `plinth db import`)", path.display())]
    Missing { path: PathBuf },
    /// The database file was written by an incompatible version of plinth.
    #[error("{}: database schema {found}, this plinth reads schema {expected} (run `plinth db update`)", path.display())]
    Schema {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    /// The embedded store failed (corrupt file, locked, disk full).
    #[error("{}: database: {message}", path.display())]
    Store { path: PathBuf, message: String },
    /// A stored value could not be decoded.
    #[error("{}: corrupt record for {key}: {message}", path.display())]
    Corrupt {
        path: PathBuf,
        key: String,
        message: String,
    },
    /// A download failed after every mirror and retry.
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    /// A database artifact from a registry cannot be installed (wrong schema, not a bundle).
    #[error("{origin}: {message}")]
    Artifact { origin: String, message: String },
    /// A configuration file or option is invalid.
    #[error("{origin}: {message}")]
    Config { origin: String, message: String },
}

impl DbError {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        DbError::Io {
            path: path.into(),
            cause,
        }
    }

    pub(crate) fn store(path: impl Into<PathBuf>, error: impl std::fmt::Display) -> Self {
        DbError::Store {
            path: path.into(),
            message: error.to_string(),
        }
    }

    /// The same error, naming `name` instead of the file it was read from (a download's
    /// temporary file is reported as its URL).
    pub(crate) fn renamed(self, name: &std::path::Path) -> DbError {
        let path = name.to_path_buf();
        match self {
            DbError::Io { cause, .. } => DbError::Io { path, cause },
            DbError::NotAFeed { what, .. } => DbError::NotAFeed { path, what },
            DbError::Zip { cause, .. } => DbError::Zip { path, cause },
            DbError::Malformed {
                format, message, ..
            } => DbError::Malformed {
                path,
                format,
                message,
            },
            other => other,
        }
    }

    /// True for failures of the network (as opposed to bad input or a broken database), so a
    /// CLI can pick its exit code.
    pub fn is_network(&self) -> bool {
        matches!(self, DbError::Http { .. })
    }
}
