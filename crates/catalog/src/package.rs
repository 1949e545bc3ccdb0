use serde::{Deserialize, Serialize};

/// The ecosystem a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageType {
    Apk,
    Deb,
    Rpm,
    Python,
    Npm,
    GoModule,
    RustCrate,
    JavaArchive,
    /// Ruby gems (Gemfile.lock, installed gemspecs).
    Gem,
    /// PHP Composer packages.
    Composer,
    /// .NET NuGet packages.
    Nuget,
    /// Dart and Flutter packages from pub.
    Pub,
    /// Swift Package Manager dependencies.
    Swift,
    /// Elixir and Erlang packages from Hex.
    Hex,
    /// CocoaPods pods.
    Cocoapods,
    /// C and C++ packages from Conan.
    Conan,
    /// Conda packages.
    Conda,
    /// A program or library recognised from its bytes (Syft's binary classifiers), not from
    /// any package manager's records.
    Binary,
}

impl PackageType {
    /// True for packages of an OS package manager, whose identity depends on the distro.
    pub fn is_os(self) -> bool {
        matches!(self, PackageType::Apk | PackageType::Deb | PackageType::Rpm)
    }
}

/// One installed package, as a cataloger found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    /// The version as the ecosystem writes it. RPM: `[epoch:]version-release`, as Syft shows
    /// it; Go: with the leading `v` (and `go` for `stdlib`).
    pub version: String,
    #[serde(rename = "type")]
    pub kind: PackageType,
    /// Source package for OS packages (Debian `Source:`, Alpine origin, RPM source rpm file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Debian only: the source version when `Source:` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Where the package was found (the database or manifest file; `outer.jar:inner.jar` for
    /// nested Java archives).
    pub found_at: String,
    /// The purl namespace: Maven group id, npm scope (`@scope`), or for OS packages the distro
    /// id, filled in by [`crate::attach_os`] when the cataloger could not know it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Files the package database says the package owns (apk), absolute paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// RPM modularity label (`name:stream:version:context`), when the header has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modularity_label: Option<String>,
    /// The 1-based line of `found_at` that declares the package, for formats made of lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Whether the project names the package itself (true) or gets it through another
    /// package (false); `None` when the file does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<bool>,
    /// Whether only development or test builds need the package; `None` when the file does
    /// not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev: Option<bool>,
    /// The requirement as written when the file pins no exact version (`requests>=2`); the
    /// version is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
}

impl Package {
    /// A package with only its identity and origin set; catalogers fill the rest.
    pub fn new(
        kind: PackageType,
        name: impl Into<String>,
        version: impl Into<String>,
        found_at: &str,
    ) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            kind,
            source_name: None,
            source_version: None,
            arch: None,
            licenses: Vec::new(),
            found_at: found_at.to_owned(),
            namespace: None,
            files: Vec::new(),
            modularity_label: None,
            line: None,
            direct: None,
            dev: None,
            constraint: None,
        }
    }
}
