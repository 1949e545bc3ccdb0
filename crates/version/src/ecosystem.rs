//! Which scheme an ecosystem uses: OSV ecosystem names and plinth package types.
//!
//! OSV names may carry a release after a colon (`Debian:12`, `Ubuntu:22.04:LTS`,
//! `Red Hat:enterprise_linux:9::appstream`); only the part before the first colon decides.
//! Matching is ASCII case-insensitive so `pypi` and `PyPI` agree.

use crate::Scheme;

/// (name, scheme). Names are lowercase; the input is lowercased before the lookup.
const TABLE: &[(&str, Scheme)] = &[
    // dpkg
    ("debian", Scheme::Dpkg),
    ("ubuntu", Scheme::Dpkg),
    ("deb", Scheme::Dpkg),
    ("dpkg", Scheme::Dpkg),
    // apk
    ("alpine", Scheme::Apk),
    ("alpaquita", Scheme::Apk),
    ("bellsoft hardened containers", Scheme::Apk),
    ("wolfi", Scheme::Apk),
    ("chainguard", Scheme::Apk),
    ("minimos", Scheme::Apk),
    ("apk", Scheme::Apk),
    // rpm
    ("red hat", Scheme::Rpm),
    ("redhat", Scheme::Rpm),
    ("rhel", Scheme::Rpm),
    ("rocky linux", Scheme::Rpm),
    ("rocky", Scheme::Rpm),
    ("almalinux", Scheme::Rpm),
    ("centos", Scheme::Rpm),
    ("fedora", Scheme::Rpm),
    ("oracle linux", Scheme::Rpm),
    ("amazon linux", Scheme::Rpm),
    ("suse", Scheme::Rpm),
    ("opensuse", Scheme::Rpm),
    ("sles", Scheme::Rpm),
    ("mariner", Scheme::Rpm),
    ("azure linux", Scheme::Rpm),
    ("photon os", Scheme::Rpm),
    ("openeuler", Scheme::Rpm),
    ("openmandriva", Scheme::Rpm),
    ("rpm", Scheme::Rpm),
    // SemVer 2.0
    ("npm", Scheme::Semver),
    ("crates.io", Scheme::Semver),
    ("rust-crate", Scheme::Semver),
    ("cargo", Scheme::Semver),
    ("nuget", Scheme::Semver),
    ("dotnet", Scheme::Semver),
    ("hex", Scheme::Semver),
    ("pub", Scheme::Semver),
    ("swifturl", Scheme::Semver),
    ("bitnami", Scheme::Semver),
    ("semver", Scheme::Semver),
    // Go modules
    ("go", Scheme::Go),
    ("go-module", Scheme::Go),
    ("golang", Scheme::Go),
    // PEP 440
    ("pypi", Scheme::Pep440),
    ("python", Scheme::Pep440),
    ("pep440", Scheme::Pep440),
    // Maven
    ("maven", Scheme::Maven),
    ("java-archive", Scheme::Maven),
    ("java", Scheme::Maven),
    // Known ecosystems whose own rules are close enough to the generic one (documented in
    // lib.rs): RubyGems (`1.0.a < 1.0`), Composer, Hackage's PVP, CRAN, Bioconductor.
    ("rubygems", Scheme::Generic),
    ("gem", Scheme::Generic),
    ("packagist", Scheme::Generic),
    ("php-composer", Scheme::Generic),
    ("hackage", Scheme::Generic),
    ("cran", Scheme::Generic),
    ("bioconductor", Scheme::Generic),
    ("generic", Scheme::Generic),
];

pub(crate) fn lookup(name: &str) -> Option<Scheme> {
    let head = name.split(':').next().unwrap_or("").trim();
    TABLE
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(head))
        .map(|&(_, scheme)| scheme)
}

#[cfg(test)]
mod tests {
    use crate::Scheme;

    #[test]
    fn maps_osv_names_and_package_types() {
        let cases = [
            ("Debian", Scheme::Dpkg),
            ("Debian:12", Scheme::Dpkg),
            ("Ubuntu:22.04:LTS", Scheme::Dpkg),
            ("deb", Scheme::Dpkg),
            ("Alpine:v3.20", Scheme::Apk),
            ("Wolfi", Scheme::Apk),
            ("Chainguard", Scheme::Apk),
            ("apk", Scheme::Apk),
            ("Rocky Linux:9", Scheme::Rpm),
            ("AlmaLinux:9", Scheme::Rpm),
            ("Red Hat", Scheme::Rpm),
            ("Red Hat:enterprise_linux:9::appstream", Scheme::Rpm),
            ("SUSE", Scheme::Rpm),
            ("openSUSE", Scheme::Rpm),
            ("Mariner", Scheme::Rpm),
            ("rpm", Scheme::Rpm),
            ("npm", Scheme::Semver),
            ("crates.io", Scheme::Semver),
            ("NuGet", Scheme::Semver),
            ("RubyGems", Scheme::Generic),
            ("Packagist", Scheme::Generic),
            ("Go", Scheme::Go),
            ("go-module", Scheme::Go),
            ("PyPI", Scheme::Pep440),
            ("python", Scheme::Pep440),
            ("Maven", Scheme::Maven),
            ("java-archive", Scheme::Maven),
            ("Something Else", Scheme::Generic),
        ];
        for (name, scheme) in cases {
            assert_eq!(Scheme::for_ecosystem(name), scheme, "{name}");
        }
        assert_eq!(Scheme::lookup("Debain"), None);
        assert_eq!(Scheme::lookup("generic"), Some(Scheme::Generic));
        for scheme in Scheme::ALL {
            assert_eq!(Scheme::lookup(scheme.name()), Some(scheme), "{scheme}");
        }
    }
}
