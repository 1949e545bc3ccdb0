//! Catalogers: find installed packages in an image's files.
//!
//! A cataloger is a name, a path predicate and a parse function, all registered in
//! [`CATALOGERS`]. The layer walk (in `plinth-image`) calls [`Cataloger::wants`] on every
//! entry's metadata, buffers only the files some cataloger wants, and hands each one to
//! [`Cataloger::parse`] as a [`FileInput`]. Parsing happens during the walk, per layer and in
//! parallel, so only the parsed packages — never file bytes — outlive a layer.
//!
//! After the walk merges layers, the caller reads the OS release files it captured
//! ([`os_files`]) with [`detect_os`], hands the surviving packages to [`attach_os`], and
//! renders identifiers with [`purl`].
//!
//! Catalogers cover OS package databases (apk, dpkg, rpm in sqlite, NDB and BerkeleyDB form),
//! installed language packages (Python, npm, Go and cargo-auditable Rust binaries, Java
//! archives, Ruby gemspecs, Composer's installed.json, .NET deps.json, Conda), and the lock
//! and manifest files of source trees (npm, yarn, pnpm, pip, Poetry, Pipenv, uv, PDM, Go,
//! Cargo, Maven, Gradle, Bundler, Composer, NuGet, pub, SwiftPM, Mix, CocoaPods, Conan).
//! Lockfile packages say whether they are direct and whether only development needs them,
//! where the file tells, and the line that declares them, where the format has lines.
//!
//! This crate does not know where bytes come from (archive, registry, directory), does not
//! read files itself, and does not match vulnerabilities or compare versions.
//!
//! **Architecture Invariant:** catalogers are pure functions of `FileInput`; they never touch
//! the filesystem or the network.
//!
//! **Architecture Invariant:** a `wants` predicate only compares bytes of the path it is
//! given; it never allocates, so it can run on every entry of every layer.

mod apk;
mod binary;
mod cargo_lock;
mod cocoapods;
mod conan;
mod conda;
mod dart;
mod dotnet;
mod dpkg;
mod elixir;
pub mod eol;
mod fields;
mod go_mod;
mod java;
mod maven;
mod npm;
mod npm_lock;
mod os;
mod package;
mod paths;
mod php;
mod purl;
mod python;
mod python_lock;
mod rpm;
mod ruby;
mod swift;
mod text;

pub use binary::classify::fits_name as binary_fits_name;
pub use dpkg::{copyright_licenses, copyright_owner, is_file_list, listed_files};
pub use os::{Os, attach_os, detect_os, os_files};
pub use package::{Package, PackageType};
pub use purl::{cpes, purl};

/// What a cataloger sees of one file.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    /// Absolute path inside the image, e.g. `/var/lib/dpkg/status`.
    pub path: &'a str,
    /// The file's bytes (capped by the walker at [`Cataloger::max_size`]).
    pub data: &'a [u8],
    /// Unix permission bits and type bits, as in the tar header.
    pub mode: u32,
}

/// File metadata a cataloger can decide on before any bytes are read.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    pub path: &'a str,
    pub size: u64,
    pub mode: u32,
}

/// A problem a cataloger met in one file; the walk carries on with the rest.
#[derive(Debug, Clone, thiserror::Error, serde::Serialize)]
#[error("{cataloger}: {path}: {message}")]
pub struct Warning {
    pub cataloger: &'static str,
    pub path: String,
    pub message: String,
}

/// What a cataloger's files are evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A package database or an installed package's own files: what is there.
    Installed,
    /// A lock or manifest file of a source tree: what a build installs. Image inventories
    /// leave these out, as Syft does; directory inventories read them.
    Declared,
}

/// Which catalogers a walk runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// An image: what is installed.
    #[default]
    Image,
    /// A directory (a source tree or a root filesystem): what is installed and what its lock
    /// and manifest files declare.
    Directory,
}

impl Scope {
    /// Whether a walk of this scope runs `cataloger`.
    pub fn runs(self, cataloger: &Cataloger) -> bool {
        self == Scope::Directory || cataloger.evidence == Evidence::Installed
    }
}

/// One registered cataloger.
pub struct Cataloger {
    pub name: &'static str,
    pub evidence: Evidence,
    /// Files larger than this are not buffered; the walker reports them as skipped.
    pub max_size: u64,
    pub wants: fn(&FileMeta) -> bool,
    /// Returns the packages found, or a one-line message naming what is wrong with the file.
    /// Never panics, whatever the bytes.
    pub parse: fn(&FileInput) -> Result<Vec<Package>, String>,
}

const MIB: u64 = 1024 * 1024;

/// Every cataloger, in the order their packages are reported.
pub static CATALOGERS: &[Cataloger] = &[
    Cataloger {
        name: "apk-db",
        evidence: Evidence::Installed,
        max_size: 64 * MIB,
        wants: apk::wants,
        parse: apk::parse,
    },
    Cataloger {
        name: "dpkg-db",
        evidence: Evidence::Installed,
        max_size: 64 * MIB,
        wants: dpkg::wants,
        parse: dpkg::parse,
    },
    Cataloger {
        name: "rpm-db",
        evidence: Evidence::Installed,
        max_size: 512 * MIB,
        wants: rpm::wants,
        parse: rpm::parse,
    },
    Cataloger {
        name: "python-package",
        evidence: Evidence::Installed,
        max_size: 8 * MIB,
        wants: python::wants,
        parse: python::parse,
    },
    Cataloger {
        name: "npm-package",
        evidence: Evidence::Installed,
        max_size: 8 * MIB,
        wants: npm::wants,
        parse: npm::parse,
    },
    Cataloger {
        name: "go-binary",
        evidence: Evidence::Installed,
        max_size: binary::MAX_SIZE,
        wants: binary::wants,
        parse: binary::parse_go,
    },
    Cataloger {
        name: "rust-binary",
        evidence: Evidence::Installed,
        max_size: binary::MAX_SIZE,
        wants: binary::wants,
        parse: binary::parse_rust,
    },
    Cataloger {
        name: "binary-classifier",
        evidence: Evidence::Installed,
        max_size: binary::MAX_SIZE,
        wants: binary::classify::wants,
        parse: binary::classify::parse,
    },
    Cataloger {
        name: "java-archive",
        evidence: Evidence::Installed,
        max_size: 256 * MIB,
        wants: java::wants,
        parse: java::parse,
    },
    Cataloger {
        name: "npm-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: npm_lock::wants_package_lock,
        parse: npm_lock::parse_package_lock,
    },
    Cataloger {
        name: "yarn-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: npm_lock::wants_yarn,
        parse: npm_lock::parse_yarn,
    },
    Cataloger {
        name: "pnpm-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: npm_lock::wants_pnpm,
        parse: npm_lock::parse_pnpm,
    },
    Cataloger {
        name: "python-requirements",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: python_lock::wants_requirements,
        parse: python_lock::parse_requirements,
    },
    Cataloger {
        name: "poetry-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: python_lock::wants_poetry,
        parse: python_lock::parse_poetry,
    },
    Cataloger {
        name: "pipfile-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: python_lock::wants_pipfile,
        parse: python_lock::parse_pipfile,
    },
    Cataloger {
        name: "uv-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: python_lock::wants_uv,
        parse: python_lock::parse_uv,
    },
    Cataloger {
        name: "pdm-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: python_lock::wants_pdm,
        parse: python_lock::parse_pdm,
    },
    Cataloger {
        name: "go-mod",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: go_mod::wants,
        parse: go_mod::parse,
    },
    Cataloger {
        name: "cargo-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: cargo_lock::wants,
        parse: cargo_lock::parse,
    },
    Cataloger {
        name: "maven-pom",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: maven::wants_pom,
        parse: maven::parse_pom,
    },
    Cataloger {
        name: "gradle-lock",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: maven::wants_gradle,
        parse: maven::parse_gradle,
    },
    Cataloger {
        name: "gemfile-lock",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: ruby::wants_gemfile_lock,
        parse: ruby::parse_gemfile_lock,
    },
    Cataloger {
        name: "ruby-gemspec",
        evidence: Evidence::Installed,
        max_size: 4 * MIB,
        wants: ruby::wants_gemspec,
        parse: ruby::parse_gemspec,
    },
    Cataloger {
        name: "composer-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: php::wants_lock,
        parse: php::parse_lock,
    },
    Cataloger {
        name: "composer-installed",
        evidence: Evidence::Installed,
        max_size: 8 * MIB,
        wants: php::wants_installed,
        parse: php::parse_installed,
    },
    Cataloger {
        name: "nuget-lock",
        evidence: Evidence::Declared,
        max_size: 8 * MIB,
        wants: dotnet::wants_lock,
        parse: dotnet::parse_lock,
    },
    Cataloger {
        name: "dotnet-deps",
        evidence: Evidence::Installed,
        max_size: 8 * MIB,
        wants: dotnet::wants_deps,
        parse: dotnet::parse_deps,
    },
    Cataloger {
        name: "pubspec-lock",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: dart::wants,
        parse: dart::parse,
    },
    Cataloger {
        name: "swift-resolved",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: swift::wants,
        parse: swift::parse,
    },
    Cataloger {
        name: "mix-lock",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: elixir::wants,
        parse: elixir::parse,
    },
    Cataloger {
        name: "podfile-lock",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: cocoapods::wants,
        parse: cocoapods::parse,
    },
    Cataloger {
        name: "conan-lock",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: conan::wants_lock,
        parse: conan::parse_lock,
    },
    Cataloger {
        name: "conanfile",
        evidence: Evidence::Declared,
        max_size: 4 * MIB,
        wants: conan::wants_conanfile,
        parse: conan::parse_conanfile,
    },
    Cataloger {
        name: "conda-meta",
        evidence: Evidence::Installed,
        max_size: 4 * MIB,
        wants: conda::wants,
        parse: conda::parse,
    },
];

/// Runs every cataloger of `scope` that wants `file` over it: the convenience a test uses; the
/// layer walk calls the table directly so it can buffer once per file.
pub fn catalog_file(file: &FileInput, scope: Scope) -> (Vec<Package>, Vec<Warning>) {
    let meta = FileMeta {
        path: file.path,
        size: file.data.len() as u64,
        mode: file.mode,
    };
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for c in CATALOGERS
        .iter()
        .filter(|c| scope.runs(c) && (c.wants)(&meta))
    {
        match (c.parse)(file) {
            Ok(found) => packages.extend(found),
            Err(message) => warnings.push(Warning {
                cataloger: c.name,
                path: file.path.to_owned(),
                message,
            }),
        }
    }
    (packages, warnings)
}

/// Reads one RPM header blob (as stored in rpm's databases, without the 8-byte on-disk magic)
/// into a package: for callers holding a header from elsewhere.
pub fn rpm_header_package(blob: &[u8], found_at: &str) -> Result<Package, String> {
    rpm::header::parse(blob).and_then(|h| h.to_package(found_at))
}
