//! The library's error type: what went wrong, and which input it was.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong reading an image. Each variant names the input it concerns,
/// so the message stands alone on one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// Reading a blob or layer failed part way (truncated gzip, bad tar header, …).
    #[error("{what}: {source}")]
    Read { what: String, source: io::Error },
    /// The input is not what it claims: bad JSON, a manifest without layers, an unknown layout.
    #[error("{what}: {message}")]
    Format { what: String, message: String },
    /// A blob's bytes do not hash to the digest that names it.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    /// A blob the manifest or index refers to is not there.
    #[error("{what}: blob {digest} not found")]
    MissingBlob { what: String, digest: String },
    /// The reference matched nothing, or more than one image, in the source.
    #[error("{what}: {message}")]
    Select { what: String, message: String },
    /// A limit that protects against hostile input was reached (decompression bomb, huge manifest).
    #[error("{what}: {message}")]
    Limit { what: String, message: String },
    /// The network or registry failed (used by remote sources).
    #[error("{what}: {message}")]
    Network { what: String, message: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Format {
            what: what.into(),
            message: message.into(),
        }
    }

    pub(crate) fn select(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Select {
            what: what.into(),
            message: message.into(),
        }
    }

    /// Turns an I/O error met while streaming `what` into the right variant: a digest or limit
    /// error raised inside our readers keeps its own kind.
    pub fn reading(what: impl Into<String>, source: io::Error) -> Self {
        let what = what.into();
        match source
            .get_ref()
            .and_then(|e| e.downcast_ref::<StreamFault>())
        {
            Some(StreamFault::Digest { expected, actual }) => Error::DigestMismatch {
                what,
                expected: expected.clone(),
                actual: actual.clone(),
            },
            Some(StreamFault::Limit(message)) => Error::Limit {
                what,
                message: message.clone(),
            },
            None => Error::Read { what, source },
        }
    }
}

/// Faults raised from inside `Read` implementations, carried through `io::Error` and turned
/// back into [`Error`] variants by [`Error::reading`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum StreamFault {
    #[error("digest mismatch: expected {expected}, got {actual}")]
    Digest { expected: String, actual: String },
    #[error("{0}")]
    Limit(String),
}

impl From<StreamFault> for io::Error {
    fn from(fault: StreamFault) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, fault)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
