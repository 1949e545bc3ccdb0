//! Choosing a base image: facts, comparison, diff and advice.
//!
//! [`facts::gather`] walks an image once (catalogers and the few files facts read, in the
//! same pass; [`facts::gather_all`] walks the layers several images share once) and
//! establishes what a base-image decision rests on: OS release and end of life, libc, shell,
//! package manager, user, sizes, packages, vulnerability counts, what the entrypoint is
//! (static or dynamic ELF with its libraries resolved inside the image, a script and its
//! interpreter, a language runtime), build tools, native extensions, scratch
//! readiness. Each fact names the file or record that shows it, or says `unknown` and why.
//!
//! [`advice::advise`] applies the base-image decision tree to those facts; [`compare`]
//! puts several images' facts side by side; [`diff`] says what changed between two images
//! (packages up and down by their ecosystem's version order, vulnerabilities fixed and
//! introduced, size per layer).
//!
//! It does not read layers itself (`plinth-image` does), match advisories (`plinth-scan`
//! does) or know where an image came from. It never claims what it did not see: advice is
//! derived from facts only, and a fact it could not establish stays `unknown`.

pub mod advice;
pub mod compare;
pub mod diff;
pub mod dockerfile;
pub mod elf;
pub use plinth_catalog::eol;
pub mod facts;
pub mod multicall;
pub mod tree;
mod walk;

pub use facts::{Facts, Gathered, Options, gather, gather_all};

/// Why facts could not be gathered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdviseError {
    /// The image could not be read (its own error names it).
    #[error(transparent)]
    Image(Box<plinth_image::Error>),
    /// The vulnerability database failed while matching.
    #[error("vulnerability database: {0}")]
    Db(Box<plinth_vulndb::DbError>),
}
