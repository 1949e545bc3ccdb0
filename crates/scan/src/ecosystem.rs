//! Which advisories apply to a package: the database key (ecosystem with distro release, and
//! the package name as that ecosystem's advisories name it) and the version to compare.

use std::borrow::Cow;

use plinth_catalog::{Os, PackageType};
use plinth_sbom::Found;
use plinth_version::Scheme;
use plinth_vulndb::Advisory;

/// The database lookups for one package.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    /// OSV ecosystem key (`Alpine:v3.20`, `Debian:12`, `PyPI`, `Go`), as coverage and findings
    /// name it; `Red Hat:9` for RHEL, whose records live under several CPE keys (`lookups`).
    pub ecosystem: String,
    /// The name advisories use: the source package for OS packages (the binary for Red Hat,
    /// Amazon and SUSE), `group:artifact` for Maven, the module path for Go (`stdlib` for the Go
    /// standard library).
    pub name: String,
    /// The version to compare: Debian's source version when it differs from the binary's.
    pub version: String,
    /// Every (database key, package name) the package's advisories are read from: just
    /// (`ecosystem`, `name`) for most; Ubuntu adds its Pro (ESM) key, Red Hat one key per
    /// product stream, under the binary and the source name.
    pub lookups: Vec<(String, String)>,
    /// Red Hat only: whether the package comes from a module stream, which decides what its
    /// lookups may return (see [`crate::redhat::admit`]).
    pub modularity: Option<Modularity>,
}

/// Where a Red Hat rpm was built: in a module stream (`nodejs:18`, from its modularity label)
/// or outside modules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Modularity {
    Outside,
    Stream(String),
}

impl Query {
    /// A query read from one key under one name.
    fn single(ecosystem: String, name: String, version: String) -> Query {
        Query {
            lookups: vec![(ecosystem.clone(), name.clone())],
            ecosystem,
            name,
            version,
            modularity: None,
        }
    }

    /// The advisory as this package may see it when read under `key_name`, or `None`: the
    /// shared record itself unless a filter took entries out of it.
    pub fn admit<'a>(&self, key_name: &str, advisory: &'a Advisory) -> Option<Cow<'a, Advisory>> {
        match &self.modularity {
            Some(modularity) => crate::redhat::admit(modularity, key_name, advisory),
            None => Some(Cow::Borrowed(advisory)),
        }
    }

    pub fn scheme(&self) -> Scheme {
        Scheme::for_ecosystem(&self.ecosystem)
    }
}

/// Why a package has no lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoQuery {
    /// An OS package on a distribution whose advisories plinth does not know how to key.
    UnknownDistro(String),
    /// An OS package in an image whose distribution could not be detected.
    NoDistro,
    /// An OS package of another package manager than the detected distribution's (dpkg
    /// packages under an Alpine os-release): the release file lies, or the image mixes
    /// distros. Matching it under that distribution's key would be wrong.
    WrongFamily(String),
}

/// The package manager a distribution's OS packages come from, when plinth knows it.
fn package_family(os_id: &str) -> Option<PackageType> {
    Some(match os_id {
        "alpine" | "wolfi" | "chainguard" => PackageType::Apk,
        "debian" | "ubuntu" => PackageType::Deb,
        "rhel"
        | "centos"
        | "rocky"
        | "almalinux"
        | "fedora"
        | "amzn"
        | "mariner"
        | "azurelinux"
        | "opensuse"
        | "opensuse-leap"
        | "opensuse-tumbleweed"
        | "sles"
        | "sle-micro"
        | "ol"
        | "photon"
        | "openeuler" => PackageType::Rpm,
        _ => return None,
    })
}

/// The OSV ecosystem key of a distribution release, or `None` for one plinth cannot key.
pub fn distro_ecosystem(os: &Os) -> Option<String> {
    let version = os.version_id.as_deref().unwrap_or("").trim();
    let major = version.split('.').next().unwrap_or("");
    let need = |v: &str| (!v.is_empty()).then_some(());
    Some(match os.id.as_str() {
        "alpine" => {
            need(version)?;
            // An edge snapshot calls itself the next release's pre-release
            // (`3.21.0_alpha20240923`): edge's advisories apply, not a release's.
            let release = if version.contains("_alpha") {
                "edge"
            } else {
                version
            };
            plinth_vulndb::canonical_ecosystem(&format!("Alpine:{release}"))
        }
        "debian" => {
            let release = need(major)
                .map(|()| major.to_string())
                .or_else(|| os.codename.clone())?;
            plinth_vulndb::canonical_ecosystem(&format!("Debian:{release}"))
        }
        // OSV keys Ubuntu LTS releases `Ubuntu:22.04:LTS` and the others `Ubuntu:23.10`.
        "ubuntu" => {
            need(version)?;
            let lts = version.ends_with(".04") && major.parse::<u32>().is_ok_and(|m| m % 2 == 0);
            if lts {
                format!("Ubuntu:{version}:LTS")
            } else {
                format!("Ubuntu:{version}")
            }
        }
        "rocky" => format!("Rocky Linux:{}", need(major).map(|()| major)?),
        "almalinux" => format!("AlmaLinux:{}", need(major).map(|()| major)?),
        "rhel" | "centos" => format!("Red Hat:{}", need(major).map(|()| major)?),
        "mariner" | "azurelinux" => format!("Azure Linux:{}", need(major).map(|()| major)?),
        // ALAS ids name the release: `ALAS2-` (Amazon Linux 2), `ALAS2023-`.
        "amzn" => format!("Amazon Linux:{}", need(major).map(|()| major)?),
        "wolfi" => "Wolfi".to_string(),
        "chainguard" => "Chainguard".to_string(),
        "photon" => format!("Photon OS:{}", need(version).map(|()| version)?),
        "openeuler" => format!("openEuler:{}", need(version).map(|()| version)?),
        // SUSE keys every SLE product of a service pack as one release (SLES and SLE BCI share
        // `SUSE:Linux Enterprise 15 SP6`), Leap and Tumbleweed as OSV spells them.
        "sles" => plinth_vulndb::canonical_ecosystem(&format!(
            "SUSE:Linux Enterprise {}",
            need(version).map(|()| version)?
        )),
        "sle-micro" => format!(
            "SUSE:Linux Enterprise Micro {}",
            need(version).map(|()| version)?
        ),
        "opensuse-leap" => format!("openSUSE:Leap {}", need(version).map(|()| version)?),
        "opensuse-tumbleweed" => "openSUSE:Tumbleweed".to_string(),
        // Before `opensuse-leap`, os-release said `opensuse` for 13.x and Leap 42.x alike.
        "opensuse" if major == "42" => format!("openSUSE:Leap {version}"),
        "opensuse" => format!("openSUSE:{}", need(version).map(|()| version)?),
        _ => return None,
    })
}

/// The lookups for one found package. Language packages need no distro; `content_sets` are
/// the Red Hat repositories the image names (see [`crate::redhat`]).
pub fn query(found: &Found, os: Option<&Os>, content_sets: &[String]) -> Result<Query, NoQuery> {
    let p = &found.package;
    let language = |ecosystem: &str, name: String| {
        Query::single(ecosystem.to_string(), name, p.version.clone())
    };
    Ok(match p.kind {
        PackageType::Python => language("PyPI", p.name.clone()),
        PackageType::Npm => language("npm", npm_name(&p.name, p.namespace.as_deref())),
        PackageType::RustCrate => language("crates.io", p.name.clone()),
        PackageType::JavaArchive => language(
            "Maven",
            match &p.namespace {
                Some(group) => format!("{group}:{}", p.name),
                None => p.name.clone(),
            },
        ),
        // OSV's ecosystem names for the lockfile ecosystems.
        PackageType::Gem => language("RubyGems", p.name.clone()),
        PackageType::Composer => language("Packagist", p.name.clone()),
        PackageType::Nuget => language("NuGet", p.name.clone()),
        PackageType::Pub => language("Pub", p.name.clone()),
        PackageType::Hex => language("Hex", p.name.clone()),
        PackageType::Cocoapods => language("CocoaPods", p.name.clone()),
        PackageType::Conan => language("ConanCenter", p.name.clone()),
        // OSV names a Swift package by its repository (host and path).
        PackageType::Swift => language(
            "SwiftURL",
            p.namespace.clone().unwrap_or_else(|| p.name.clone()),
        ),
        PackageType::Conda => language("Conda", p.name.clone()),
        // Programs recognised from their bytes: the Go toolchain is Go's standard library, a
        // program Syft names by module path (`pkg:golang/github.com/hashicorp/consul`) is that
        // Go module; the rest have no advisory ecosystem and are looked up under `generic`.
        PackageType::Binary => match found.purl.strip_prefix("pkg:golang/") {
            _ if p.name == "go" => language("Go", "stdlib".into()),
            Some(module) => language("Go", module.split('@').next().unwrap_or(module).into()),
            None => language("generic", p.name.clone()),
        },
        PackageType::GoModule => {
            // The toolchain's version is `go1.24.1`; Go advisories name stdlib versions `1.24.1`.
            let version = if p.name == "stdlib" {
                p.version.trim_start_matches("go").to_string()
            } else {
                p.version.clone()
            };
            Query::single("Go".into(), p.name.clone(), version)
        }
        PackageType::Apk | PackageType::Deb | PackageType::Rpm => {
            let os = os.ok_or(NoQuery::NoDistro)?;
            if package_family(&os.id).is_some_and(|family| family != p.kind) {
                return Err(NoQuery::WrongFamily(format!(
                    "os-release says {}, but found {} packages",
                    os_label(os),
                    serde_json::to_value(p.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                )));
            }
            let ecosystem =
                distro_ecosystem(os).ok_or_else(|| NoQuery::UnknownDistro(os_label(os)))?;
            let source = source_name(p.kind, p.source_name.as_deref()).unwrap_or(&p.name);
            // Amazon's and SUSE's advisories name the binary packages that fix them, as Trivy
            // matches.
            let base = plinth_vulndb::ecosystem_base(&ecosystem);
            if matches!(base, "Amazon Linux" | "SUSE" | "openSUSE") {
                return Ok(Query::single(ecosystem, p.name.clone(), p.version.clone()));
            }
            if let Some(major) = ecosystem.strip_prefix("Red Hat:") {
                let modularity = match p
                    .modularity_label
                    .as_deref()
                    .and_then(plinth_vulndb::stream_of_label)
                {
                    Some(stream) => Modularity::Stream(stream),
                    None => Modularity::Outside,
                };
                return Ok(red_hat_query(
                    &ecosystem,
                    major,
                    (&p.name, source),
                    &p.version,
                    content_sets,
                    modularity,
                ));
            }
            let version = match p.kind {
                PackageType::Deb => p
                    .source_version
                    .clone()
                    .unwrap_or_else(|| p.version.clone()),
                _ => p.version.clone(),
            };
            let mut query = Query::single(ecosystem, source.to_string(), version);
            if let Some(pro) = ubuntu_pro(&query.ecosystem) {
                query.lookups.push((pro, query.name.clone()));
            }
            query
        }
    })
}

/// Ubuntu's Pro (ESM) key beside an LTS key: `Ubuntu:22.04:LTS` → `Ubuntu:Pro:22.04:LTS`. Its
/// records apply to the same packages; their fixes need a Pro subscription.
fn ubuntu_pro(ecosystem: &str) -> Option<String> {
    let release = ecosystem.strip_prefix("Ubuntu:")?;
    release
        .ends_with(":LTS")
        .then(|| format!("Ubuntu:Pro:{release}"))
}

/// Red Hat keys its records by CPE product and by binary package name (unfixed states by
/// source name): every product stream of the image, under both names. A modular rpm is also
/// looked up under its module stream's names (`nodejs:18::nodejs`).
fn red_hat_query(
    ecosystem: &str,
    major: &str,
    (binary, source): (&str, &str),
    version: &str,
    content_sets: &[String],
    modularity: Modularity,
) -> Query {
    let mut names = vec![binary.to_string()];
    if source != binary {
        names.push(source.to_string());
    }
    if let Modularity::Stream(stream) = &modularity {
        let modular: Vec<String> = names
            .iter()
            .map(|n| plinth_vulndb::modular_name(stream, n))
            .collect();
        names.extend(modular);
    }
    let mut lookups = Vec::new();
    for key in crate::redhat::keys(major, content_sets) {
        for name in &names {
            lookups.push((key.clone(), name.clone()));
        }
    }
    Query {
        ecosystem: ecosystem.to_string(),
        name: binary.to_string(),
        version: version.to_string(),
        lookups,
        modularity: Some(modularity),
    }
}

/// `debian 12`, as messages name a distribution.
pub fn os_label(os: &Os) -> String {
    match &os.version_id {
        Some(v) => format!("{} {v}", os.id),
        None => os.id.clone(),
    }
}

fn npm_name(name: &str, scope: Option<&str>) -> String {
    match scope {
        Some(scope) if !name.starts_with('@') => format!("{scope}/{name}"),
        _ => name.to_string(),
    }
}

/// The source package advisories are keyed by. RPM records the source rpm's file name
/// (`openssl-3.0.7-1.el9.src.rpm`): name is what precedes the last two dash-separated fields.
pub fn source_name(kind: PackageType, source: Option<&str>) -> Option<&str> {
    let source = source.map(str::trim).filter(|s| !s.is_empty())?;
    if kind != PackageType::Rpm {
        return Some(source);
    }
    let Some(stem) = source
        .strip_suffix(".src.rpm")
        .or_else(|| source.strip_suffix(".nosrc.rpm"))
    else {
        return Some(source);
    };
    let without_release = stem.rsplit_once('-').map_or(stem, |(n, _)| n);
    let name = without_release
        .rsplit_once('-')
        .map_or(without_release, |(n, _)| n);
    Some(if name.is_empty() { stem } else { name })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, v: Option<&str>, codename: Option<&str>) -> Os {
        Os {
            id: id.into(),
            version_id: v.map(Into::into),
            codename: codename.map(Into::into),
            pretty_name: None,
        }
    }

    #[test]
    fn distro_keys() {
        let key = |o: Os| distro_ecosystem(&o);
        assert_eq!(
            key(os("alpine", Some("3.20.3"), None)).as_deref(),
            Some("Alpine:v3.20")
        );
        assert_eq!(
            key(os("debian", Some("12"), Some("bookworm"))).as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            key(os("debian", None, Some("bookworm"))).as_deref(),
            Some("Debian:12")
        );
        assert_eq!(
            key(os("ubuntu", Some("22.04"), None)).as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            key(os("ubuntu", Some("23.10"), None)).as_deref(),
            Some("Ubuntu:23.10")
        );
        assert_eq!(
            key(os("rocky", Some("9.3"), None)).as_deref(),
            Some("Rocky Linux:9")
        );
        assert_eq!(
            key(os("mariner", Some("2.0"), None)).as_deref(),
            Some("Azure Linux:2")
        );
        assert_eq!(
            key(os("sles", Some("15.6"), None)).as_deref(),
            Some("SUSE:Linux Enterprise 15 SP6")
        );
        assert_eq!(
            key(os("sles", Some("15"), None)).as_deref(),
            Some("SUSE:Linux Enterprise 15")
        );
        assert_eq!(key(os("plan9", Some("4"), None)), None);
        assert_eq!(key(os("alpine", None, None)), None);
        assert_eq!(
            key(os("alpine", Some("3.21.0_alpha20240923"), None)).as_deref(),
            Some("Alpine:edge")
        );
    }

    #[test]
    fn rpm_source_names() {
        let s = |v| source_name(PackageType::Rpm, Some(v));
        assert_eq!(s("openssl-3.0.7-1.cm2.src.rpm"), Some("openssl"));
        assert_eq!(
            s("python-setuptools-69.0.3-4.el9.src.rpm"),
            Some("python-setuptools")
        );
        assert_eq!(s("bash"), Some("bash"));
        assert_eq!(source_name(PackageType::Deb, Some("glibc")), Some("glibc"));
        assert_eq!(source_name(PackageType::Deb, Some(" ")), None);
    }
}
