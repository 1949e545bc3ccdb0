//! plinth-version: the order of package versions, one scheme per ecosystem.
//!
//! The matcher asks one question millions of times while scanning: is the installed version
//! older than the version that fixed an advisory? The answer depends on the ecosystem, so each
//! ecosystem's own rules live here, one module per scheme behind one trait
//! ([`VersionScheme`]), and the [`Scheme`] enum picks the right one from an OSV ecosystem name
//! or a plinth package type ([`Scheme::for_ecosystem`]).
//!
//! This crate does not know about packages, advisories or version *ranges*; it orders two
//! version strings and says whether one is well formed. Comparisons borrow their input and do
//! not allocate, except Maven versions with more than 48 components.
//!
//! # Schemes and their references
//!
//! Each scheme is tested against the implementation its ecosystem actually runs, on at least
//! 10,000 generated pairs each (see `tests/conformance.rs`):
//!
//! | scheme | ecosystems | reference |
//! |---|---|---|
//! | [`Scheme::Dpkg`] | Debian, Ubuntu, `deb` | `dpkg --compare-versions` (epoch, `~`, revision) |
//! | [`Scheme::Apk`] | Alpine, Wolfi, Chainguard, `apk` | apk-tools 3 `version.data` vectors (suffixes, `~hash`, `-rN`) |
//! | [`Scheme::Rpm`] | Red Hat, Rocky, AlmaLinux, SUSE, Mariner, `rpm` | rpm 4.18 `rpm.vercmp` on `[epoch:]version[-release]` |
//! | [`Scheme::Semver`] | npm, crates.io, NuGet, Hex, Pub, SwiftURL | SemVer 2.0; build metadata ignored; node-semver |
//! | [`Scheme::Go`] | Go, `go-module` | `golang.org/x/mod/semver`: `v` optional, `v1.2` shorthand, `+incompatible` ignored, pseudo-versions as prereleases; `go1.21rc2` toolchain versions |
//! | [`Scheme::Pep440`] | PyPI, `python` | Python `packaging.version.Version` |
//! | [`Scheme::Maven`] | Maven, `java-archive` | maven-artifact 3.8 `ComparableVersion` |
//! | [`Scheme::Generic`] | anything else (RubyGems, Packagist, Hackage, CRAN, ...) | none: see below |
//!
//! # The fallback rule
//!
//! [`Scheme::compare`] never fails and never panics. dpkg, apk, rpm and Maven order any string
//! the way their own tools do (those tools compare malformed versions too). Semver, Go and PEP
//! 440 have grammars: when either side does not parse, both sides are ordered by the
//! [`generic`] rule instead. [`Scheme::parse_check`] says whether a version is well formed, so
//! callers can report it.
//!
//! The generic rule: an optional leading `v` before a digit is dropped; the rest is split into
//! runs of digits (numbers, compared by value, any length) and runs of letters (words, compared
//! ASCII case-insensitively); everything else only separates runs. A number sorts after a
//! word, and a version that runs out of runs is padded with zeros, so `1.0 = 1.0.0`,
//! `1.0rc1 < 1.0 < 1.0.1` and `1.0.a < 1.0`. RubyGems' `Gem::Version` and Composer mostly
//! agree with it.

use std::cmp::Ordering;

pub mod apk;
mod digits;
pub mod dpkg;
mod ecosystem;
pub mod generic;
pub mod go;
pub mod maven;
pub mod pep440;
pub mod rpm;
pub mod semver;

/// A version string that its scheme's grammar does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version {version:?}: {problem}")]
pub struct VersionError {
    /// The scheme's short name, as [`Scheme::name`] gives it.
    pub scheme: &'static str,
    /// The version as given.
    pub version: String,
    /// What is wrong with it, in a few words.
    pub problem: &'static str,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, version: &str, problem: &'static str) -> Self {
        VersionError {
            scheme,
            version: version.to_owned(),
            problem,
        }
    }
}

/// One ecosystem's version order.
pub trait VersionScheme {
    /// Short lowercase name (`dpkg`, `pep440`, ...).
    fn name(&self) -> &'static str;
    /// Orders two versions. Total: never panics, whatever the input.
    fn compare(&self, a: &str, b: &str) -> Ordering;
    /// Whether `v` is a well-formed version of this scheme.
    fn parse_check(&self, v: &str) -> Result<(), VersionError>;
}

/// The version schemes plinth knows. Pick one with [`Scheme::for_ecosystem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Dpkg,
    Apk,
    Rpm,
    Semver,
    Go,
    Pep440,
    Maven,
    Generic,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 8] = [
        Scheme::Dpkg,
        Scheme::Apk,
        Scheme::Rpm,
        Scheme::Semver,
        Scheme::Go,
        Scheme::Pep440,
        Scheme::Maven,
        Scheme::Generic,
    ];

    /// The scheme for an OSV ecosystem name (`Debian:12`, `Alpine:v3.20`, `PyPI`, ...) or a
    /// plinth package type (`deb`, `apk`, `python`, `go-module`, ...). Unknown names get
    /// [`Scheme::Generic`].
    pub fn for_ecosystem(name: &str) -> Scheme {
        Scheme::lookup(name).unwrap_or(Scheme::Generic)
    }

    /// Like [`Scheme::for_ecosystem`], but `None` for a name this crate does not know, so a
    /// caller can reject a typo. Scheme names (`dpkg`, `pep440`, `generic`, ...) are accepted.
    pub fn lookup(name: &str) -> Option<Scheme> {
        ecosystem::lookup(name)
    }

    /// Short lowercase name: `dpkg`, `apk`, `rpm`, `semver`, `go`, `pep440`, `maven`, `generic`.
    pub fn name(&self) -> &'static str {
        self.imp().name()
    }

    /// Orders `a` against `b`. Never panics; see the crate docs for the fallback rule.
    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        // A direct match rather than `imp()` so the hot path has no indirect call.
        match self {
            Scheme::Dpkg => dpkg::Dpkg.compare(a, b),
            Scheme::Apk => apk::Apk.compare(a, b),
            Scheme::Rpm => rpm::Rpm.compare(a, b),
            Scheme::Semver => semver::Semver.compare(a, b),
            Scheme::Go => go::Go.compare(a, b),
            Scheme::Pep440 => pep440::Pep440.compare(a, b),
            Scheme::Maven => maven::Maven.compare(a, b),
            Scheme::Generic => generic::Generic.compare(a, b),
        }
    }

    /// Whether `v` is well formed in this scheme.
    pub fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        self.imp().parse_check(v)
    }

    /// True for schemes with a grammar that their ecosystem enforces (semver, Go, PEP 440):
    /// a malformed version there is an input error, not just a warning.
    pub fn is_strict(&self) -> bool {
        matches!(self, Scheme::Semver | Scheme::Go | Scheme::Pep440)
    }

    fn imp(&self) -> &'static dyn VersionScheme {
        match self {
            Scheme::Dpkg => &dpkg::Dpkg,
            Scheme::Apk => &apk::Apk,
            Scheme::Rpm => &rpm::Rpm,
            Scheme::Semver => &semver::Semver,
            Scheme::Go => &go::Go,
            Scheme::Pep440 => &pep440::Pep440,
            Scheme::Maven => &maven::Maven,
            Scheme::Generic => &generic::Generic,
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
