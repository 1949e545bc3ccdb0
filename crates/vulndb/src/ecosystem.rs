//! Ecosystem keys and package-name normalisation: the two halves of every lookup key.
//!
//! Keys follow OSV's spelling (`PyPI`, `crates.io`, `Alpine:v3.20`, `Debian:12`,
//! `Ubuntu:22.04:LTS`). Callers may pass looser forms (`pypi`, `Alpine:3.20.3`,
//! `Debian:bookworm`); [`canonical_ecosystem`] maps them to the stored key.

/// OSV ecosystem names, in their canonical spelling, and `Amazon Linux` (plinth's key for ALAS,
/// which OSV does not carry).
const KNOWN: &[&str] = &[
    "AlmaLinux",
    "Alpine",
    "Amazon Linux",
    "Android",
    "Azure Linux",
    "Bitnami",
    "CRAN",
    "Chainguard",
    "Debian",
    "GHC",
    "GIT",
    "Go",
    "Hackage",
    "Hex",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "NuGet",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "Wolfi",
    "crates.io",
    "npm",
    "openEuler",
    "openSUSE",
];

/// Other names people and package managers use for the same ecosystems.
const ALIASES: &[(&str, &str)] = &[
    ("cargo", "crates.io"),
    ("rust", "crates.io"),
    ("golang", "Go"),
    ("python", "PyPI"),
    ("pip", "PyPI"),
    ("gem", "RubyGems"),
    ("composer", "Packagist"),
    ("alma", "AlmaLinux"),
    ("rocky", "Rocky Linux"),
];

/// Debian codenames and their release numbers, as OSV keys Debian (`Debian:12`).
const DEBIAN_RELEASES: &[(&str, &str)] = &[
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// The Debian release number for a codename (`bookworm` → `12`), `sid` for unstable.
pub fn debian_release(codename: &str) -> Option<&'static str> {
    if codename.eq_ignore_ascii_case("sid") || codename.eq_ignore_ascii_case("unstable") {
        return Some("sid");
    }
    DEBIAN_RELEASES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(codename))
        .map(|(_, number)| *number)
}

/// The stored spelling of an ecosystem key: canonical base name, release normalised the way the
/// feeds publish it (`Alpine:v3.20`, `Debian:12`, `Rocky Linux:9`). Unknown names pass through
/// trimmed, so new OSV ecosystems still work.
pub fn canonical_ecosystem(ecosystem: &str) -> String {
    let ecosystem = ecosystem.trim();
    let (base, release) = match ecosystem.split_once(':') {
        Some((b, r)) => (b.trim(), Some(r.trim())),
        None => (ecosystem, None),
    };
    let base = canonical_base(base);
    match release {
        None | Some("") => base.to_string(),
        Some(release) => format!("{base}:{}", canonical_release(base, release)),
    }
}

fn canonical_base(base: &str) -> &str {
    if let Some(known) = KNOWN.iter().find(|k| k.eq_ignore_ascii_case(base)) {
        return known;
    }
    ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(base))
        .map_or(base, |(_, canonical)| canonical)
}

fn canonical_release(base: &str, release: &str) -> String {
    match base {
        // Alpine keys carry `v` and major.minor only: 3.20.3 → v3.20.
        "Alpine" => {
            let bare = release.trim_start_matches(['v', 'V']);
            if bare.eq_ignore_ascii_case("edge") {
                return "edge".to_string();
            }
            let mut parts = bare.split('.');
            match (parts.next(), parts.next()) {
                (Some(major), Some(minor)) => format!("v{major}.{minor}"),
                _ => format!("v{bare}"),
            }
        }
        // Debian keys are the major release number; codenames are accepted.
        "Debian" => debian_release(release)
            .map(str::to_string)
            .unwrap_or_else(|| major(release).to_string()),
        "Rocky Linux" | "AlmaLinux" => major(release).to_string(),
        // Red Hat's own keys are CPE products (`enterprise_linux:9::baseos`,
        // `rhel_eus:9.4::appstream`), kept whole; a bare release (`9.4`) is its major.
        "Red Hat" if release.chars().all(|c| c.is_ascii_digit() || c == '.') => {
            major(release).to_string()
        }
        "SUSE" => suse_release(release),
        _ => release.to_string(),
    }
}

/// SUSE Linux Enterprise keys spell the service pack as SUSE names it (`Linux Enterprise 15
/// SP6`), whether a caller passes that or the os-release's `VERSION_ID` (`Linux Enterprise
/// 15.6`); a release with no service pack is the bare major (`Linux Enterprise 15`).
fn suse_release(release: &str) -> String {
    let Some(version) = release.strip_prefix("Linux Enterprise ") else {
        return release.to_string();
    };
    let numbers = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit());
    let (major, pack) = match version.split_once('.') {
        Some((major, pack)) => (major, pack),
        None => match version.split_once(" SP") {
            Some((major, pack)) => (major, pack),
            None => (version, "0"),
        },
    };
    if !numbers(major) || !numbers(pack) {
        return release.to_string();
    }
    match pack.trim_start_matches('0') {
        "" => format!("Linux Enterprise {major}"),
        pack => format!("Linux Enterprise {major} SP{pack}"),
    }
}

fn major(release: &str) -> &str {
    release.split('.').next().unwrap_or(release)
}

/// The ecosystem's base name without its release (`Alpine:v3.20` → `Alpine`).
pub fn ecosystem_base(ecosystem: &str) -> &str {
    ecosystem
        .split_once(':')
        .map_or(ecosystem, |(base, _)| base)
}

/// Normalises a package name the way its ecosystem compares names, so that the name in an
/// advisory and the name found in an image meet on one key:
///
/// - PyPI: PEP 503 (lowercase, runs of `-`, `_`, `.` become one `-`);
/// - npm: scopes kept whole (`@scope/name`), a URL-encoded `%40scope%2fname` decoded;
/// - Maven: `group:artifact` (a `/` separator becomes `:`);
/// - crates.io, NuGet, Packagist, Hex, Pub: lowercase (their registries are case-insensitive);
/// - everything else (Go modules, RubyGems, distro source packages): trimmed only.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    match canonical_base(ecosystem_base(ecosystem.trim())) {
        "PyPI" => pep503(name),
        "npm" => npm_name(name),
        "Maven" => name.replace('/', ":"),
        "crates.io" | "NuGet" | "Packagist" | "Hex" | "Pub" => name.to_lowercase(),
        _ => name.to_string(),
    }
}

fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            in_separator = true;
            continue;
        }
        if in_separator && !out.is_empty() {
            out.push('-');
        }
        in_separator = false;
        out.extend(c.to_lowercase());
    }
    out
}

fn npm_name(name: &str) -> String {
    if name.starts_with("%40") {
        return name
            .replacen("%40", "@", 1)
            .replace("%2f", "/")
            .replace("%2F", "/");
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical_ecosystem("pypi"), "PyPI");
        assert_eq!(canonical_ecosystem("cargo"), "crates.io");
        assert_eq!(canonical_ecosystem("Alpine:3.20.3"), "Alpine:v3.20");
        assert_eq!(canonical_ecosystem("alpine:v3.9"), "Alpine:v3.9");
        assert_eq!(canonical_ecosystem("Debian:bookworm"), "Debian:12");
        assert_eq!(canonical_ecosystem("Debian:12.5"), "Debian:12");
        assert_eq!(canonical_ecosystem("Ubuntu:22.04:LTS"), "Ubuntu:22.04:LTS");
        assert_eq!(canonical_ecosystem("Rocky Linux:9.3"), "Rocky Linux:9");
        assert_eq!(canonical_ecosystem("Wolfi"), "Wolfi");
        assert_eq!(canonical_ecosystem("Red Hat:9.4"), "Red Hat:9");
        assert_eq!(
            canonical_ecosystem("Red Hat:rhel_aus:8.6::appstream"),
            "Red Hat:rhel_aus:8.6::appstream"
        );
        assert_eq!(canonical_ecosystem("SomethingNew:1"), "SomethingNew:1");
        let sle = |r: &str| canonical_ecosystem(&format!("SUSE:Linux Enterprise {r}"));
        assert_eq!(sle("15.6"), "SUSE:Linux Enterprise 15 SP6");
        assert_eq!(sle("15 SP6"), "SUSE:Linux Enterprise 15 SP6");
        assert_eq!(sle("15.0"), "SUSE:Linux Enterprise 15");
        assert_eq!(sle("15"), "SUSE:Linux Enterprise 15");
        assert_eq!(sle("Micro 5.2"), "SUSE:Linux Enterprise Micro 5.2");
        assert_eq!(
            canonical_ecosystem("openSUSE:Leap 15.2"),
            "openSUSE:Leap 15.2"
        );
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("PyPI", "Jinja2"), "jinja2");
        assert_eq!(normalize_name("PyPI", "zope.interface"), "zope-interface");
        assert_eq!(normalize_name("PyPI", "Foo__Bar-._baz"), "foo-bar-baz");
        assert_eq!(normalize_name("npm", "@babel/core"), "@babel/core");
        assert_eq!(normalize_name("npm", "%40babel%2fcore"), "@babel/core");
        assert_eq!(
            normalize_name("Maven", "org.apache.logging.log4j/log4j-core"),
            "org.apache.logging.log4j:log4j-core"
        );
        assert_eq!(normalize_name("crates.io", "SmallVec"), "smallvec");
        assert_eq!(
            normalize_name("Go", "github.com/Foo/bar"),
            "github.com/Foo/bar"
        );
        assert_eq!(normalize_name("Debian:12", "openssl"), "openssl");
    }
}
