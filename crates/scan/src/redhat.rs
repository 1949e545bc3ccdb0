//! Which Red Hat product streams an RHEL or UBI image's packages come from, as the database
//! keys Red Hat's advisories live under (`Red Hat:enterprise_linux:9::baseos`).
//!
//! Red Hat publishes advisories per CPE product, not per release: the same `pam` has one fix in
//! RHEL 9 BaseOS and another in the 9.4 EUS stream. An image says which streams it was built
//! from in its content manifests (`content_sets`, repository ids); each repository id is mapped
//! to its CPE by Red Hat's repository naming:
//!
//! - `rhel-9-for-x86_64-baseos-rpms` → `cpe:/o:redhat:enterprise_linux:9::baseos`;
//! - `rhel-9-for-x86_64-appstream-eus-rpms__9_DOT_4` → `cpe:/a:redhat:rhel_eus:9.4::appstream`,
//!   and the major release's own stream, whose older advisories the EUS stream inherits;
//! - `codeready-builder-for-rhel-9-x86_64-rpms` → `enterprise_linux:9::crb`;
//! - `ubi-9-baseos-rpms`, `ubi-9-for-x86_64-appstream-rpms` → the RHEL stream they mirror.
//!
//! Other repositories (OpenShift's `rhocp-…`, third parties) map to nothing. An image with no
//! content set that maps (UBI 9 base images carry none) is matched against BaseOS and AppStream
//! of its major release, as Trivy does.
//!
//! Module streams: an rpm built in one (`nodejs:18`, from its modularity label) is matched only
//! against that stream's advisories, and an rpm outside modules never against a module's
//! ([`admit`]).

use std::borrow::Cow;

use plinth_vulndb::{Advisory, Affected, Event, is_module_build};

use crate::ecosystem::Modularity;

/// What a Red Hat package may see of `advisory`, read under `key_name`.
///
/// Under a module stream's name (`nodejs:18::nodejs`) the lookup itself was that stream's, so
/// the advisory is whole. Under a plain name it may hold modular fixes too: Red Hat's OSV export
/// names modular rpms by their plain name (its converter drops the module), so there only the
/// fix's release tells a module build (`.module+el8…`). A modular package keeps just those
/// entries, a package outside modules just the others.
pub fn admit<'a>(
    modularity: &Modularity,
    key_name: &str,
    advisory: &'a Advisory,
) -> Option<Cow<'a, Advisory>> {
    if key_name.contains("::") {
        return Some(Cow::Borrowed(advisory));
    }
    let want_modular = matches!(modularity, Modularity::Stream(_));
    let keep = |entry: &Affected| fixed_in_module_build(entry) == want_modular;
    if !advisory.affected.iter().any(keep) {
        return None;
    }
    if advisory.affected.iter().all(keep) {
        return Some(Cow::Borrowed(advisory));
    }
    let mut kept = advisory.clone();
    kept.affected.retain(keep);
    Some(Cow::Owned(kept))
}

fn fixed_in_module_build(entry: &Affected) -> bool {
    entry
        .ranges
        .iter()
        .flat_map(|r| &r.events)
        .any(|e| match e {
            Event::Fixed(v) | Event::LastAffected(v) => is_module_build(v),
            _ => false,
        })
}

/// The `Red Hat:` database keys for an image of RHEL major `major` with `content_sets`, in a
/// stable order without repeats.
pub fn keys(major: &str, content_sets: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for set in content_sets {
        for product in products(set) {
            let key = format!("Red Hat:{product}");
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    if out.is_empty() {
        out = ["baseos", "appstream"]
            .iter()
            .map(|v| format!("Red Hat:enterprise_linux:{major}::{v}"))
            .collect();
    }
    out
}

/// The CPE products (`enterprise_linux:9::baseos`) of one repository id.
fn products(repository: &str) -> Vec<String> {
    let Some(body) = repository
        .strip_suffix("-rpms")
        .or_else(|| repository.split_once("-rpms__").map(|(b, _)| b))
    else {
        return Vec::new();
    };
    // `rhel-9-for-x86_64-appstream-eus-rpms__9_DOT_4`: the minor release after `__`.
    let minor = repository
        .split_once("-rpms__")
        .map(|(_, m)| m.replace("_DOT_", "."));
    if let Some(rest) = body.strip_prefix("codeready-builder-for-rhel-") {
        let major = rest.split('-').next().unwrap_or("");
        return numeric(major)
            .then(|| format!("enterprise_linux:{major}::crb"))
            .into_iter()
            .collect();
    }
    let rest = body
        .strip_prefix("rhel-")
        .or_else(|| body.strip_prefix("ubi-"));
    let Some(rest) = rest else {
        return Vec::new();
    };
    let (major, rest) = rest.split_once('-').unwrap_or((rest, ""));
    if !numeric(major) {
        return Vec::new();
    }
    // Drop `for-ARCH-` when present: `for-x86_64-baseos` → `baseos`.
    let rest = match rest.strip_prefix("for-") {
        Some(r) => r.split_once('-').map_or("", |(_, v)| v),
        None => rest,
    };
    let (variant, stream) = match rest.rsplit_once('-') {
        Some((v, s @ ("eus" | "aus" | "e4s" | "tus"))) => (v, Some(s)),
        _ => (rest, None),
    };
    let variant = match variant {
        "baseos" | "appstream" | "highavailability" | "sap" | "sap-solutions" | "nfv" => variant,
        "codeready-builder" => "crb",
        "rt" => "realtime",
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    if let (Some(stream), Some(minor)) = (stream, minor) {
        out.push(format!("rhel_{stream}:{minor}::{variant}"));
    }
    out.push(format!("enterprise_linux:{major}::{variant}"));
    out
}

fn numeric(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn repository_names_to_products() {
        assert_eq!(
            products("rhel-8-for-x86_64-baseos-rpms"),
            ["enterprise_linux:8::baseos"]
        );
        assert_eq!(
            products("rhel-9-for-x86_64-appstream-eus-rpms__9_DOT_4"),
            ["rhel_eus:9.4::appstream", "enterprise_linux:9::appstream"]
        );
        assert_eq!(
            products("codeready-builder-for-rhel-9-x86_64-rpms"),
            ["enterprise_linux:9::crb"]
        );
        assert_eq!(
            products("ubi-8-baseos-rpms"),
            ["enterprise_linux:8::baseos"]
        );
        assert_eq!(
            products("ubi-9-for-x86_64-appstream-rpms"),
            ["enterprise_linux:9::appstream"]
        );
        assert!(products("rhocp-4.16-for-rhel-9-x86_64-rpms").is_empty());
        assert!(products("epel-9").is_empty());
    }

    #[test]
    fn fallback_is_baseos_and_appstream() {
        assert_eq!(
            keys("9", &[]),
            [
                "Red Hat:enterprise_linux:9::baseos",
                "Red Hat:enterprise_linux:9::appstream"
            ]
        );
        assert_eq!(
            keys("9", &sets(&["rhocp-4.16-for-rhel-9-x86_64-rpms"])).len(),
            2
        );
        assert_eq!(
            keys("8", &sets(&["rhel-8-for-x86_64-baseos-rpms"])),
            ["Red Hat:enterprise_linux:8::baseos"]
        );
    }
}
