//! From a current tag and the repository's tags to proposed tags: the highest candidate in the
//! major bucket and in the non-major bucket (Renovate's docker rules), codename tags following
//! their distro, and a separate "variant" finding for a newer suffix (`-alpine3.18` →
//! `-alpine3.20`, `-bookworm` → `-trixie`), which is never applied on its own.

use serde::Serialize;

use crate::distro::{VariantToken, codename_tag, is_ubuntu_lts, ubuntu_version};
use crate::versioning::{Change, Scheme, Version};

/// The kind of an update, as Renovate names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Major,
    Minor,
    Patch,
    Digest,
    PinDigest,
    Variant,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Major => "major",
            Kind::Minor => "minor",
            Kind::Patch => "patch",
            Kind::Digest => "digest",
            Kind::PinDigest => "pinDigest",
            Kind::Variant => "variant",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Major,
            Kind::Minor,
            Kind::Patch,
            Kind::Digest,
            Kind::PinDigest,
            Kind::Variant,
        ]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(s))
    }

    fn of(change: Change) -> Kind {
        match change {
            Change::Major => Kind::Major,
            Change::Minor => Kind::Minor,
            Change::Patch => Kind::Patch,
        }
    }
}

/// Which long-term-support line an image follows when only LTS majors are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lts {
    /// Node.js: even majors.
    Node,
    /// Java (Temurin, OpenJDK, Corretto…): 8, 11, then every fourth from 17.
    Java,
}

impl Lts {
    /// Node for repositories named like node, Java for the rest.
    pub fn for_repository(repository: &str) -> Lts {
        let name = repository.rsplit('/').next().unwrap_or(repository);
        if name.contains("node") {
            Lts::Node
        } else {
            Lts::Java
        }
    }

    fn is_lts(self, major: u64) -> bool {
        match self {
            Lts::Node => major >= 4 && major.is_multiple_of(2),
            Lts::Java => {
                major == 8 || major == 11 || (major >= 17 && (major - 17).is_multiple_of(4))
            }
        }
    }
}

/// Per-image rules (from the config file; defaults for the rest).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub scheme: Scheme,
    pub lts: Option<Lts>,
}

/// What the tag list offers for one current tag.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Offer {
    /// (kind, tag): at most one major and one non-major.
    pub updates: Vec<(Kind, String)>,
    pub variant: Option<String>,
    /// Why the tag cannot be compared, when it is not a version.
    pub unversioned: Option<String>,
}

/// Everything `tags` offers to an image now at `current`.
pub fn offer(
    repository: &str,
    current: &str,
    tags: &[String],
    rules: &Rules,
    today: (i32, u32, u32),
) -> Offer {
    if matches!(rules.scheme, Scheme::Docker)
        && let Some(offer) = codename_offer(current, tags, today)
    {
        return offer;
    }
    let Some(now) = rules.scheme.read(current) else {
        return Offer {
            unversioned: Some(format!(
                "{current:?} is not a version: only its digest is checked"
            )),
            ..Offer::default()
        };
    };
    let parsed: Vec<(&String, Version)> = tags
        .iter()
        .filter_map(|t| Some((t, rules.scheme.read(t)?)))
        .collect();
    let ubuntu_lts = repository.rsplit('/').next() == Some("ubuntu")
        && is_ubuntu_lts(&ubuntu_version(&now.release));
    let eligible = |v: &Version| {
        now.accepts(v)
            && rules.lts.is_none_or(|l| l.is_lts(v.release[0]))
            && (!ubuntu_lts || is_ubuntu_lts(&ubuntu_version(&v.release)))
    };
    let mut best_major: Option<&(&String, Version)> = None;
    let mut best_minor: Option<&(&String, Version)> = None;
    for c in parsed
        .iter()
        .filter(|(_, v)| eligible(v) && v.cmp_to(&now).is_gt())
    {
        let slot = if c.1.release[0] > now.release[0] {
            &mut best_major
        } else {
            &mut best_minor
        };
        if slot.is_none_or(|b| c.1.cmp_to(&b.1).is_gt()) {
            *slot = Some(c);
        }
    }
    let updates = [best_major, best_minor]
        .into_iter()
        .flatten()
        .map(|(tag, v)| (Kind::of(now.change_to(v)), (*tag).clone()))
        .collect();
    Offer {
        updates,
        variant: variant(&now, &parsed, today),
        unversioned: None,
    }
}

/// `bookworm`, `bookworm-slim`, `jammy-20240530`: a later release of the same distro with the
/// same rest (or, for date snapshots, its newest snapshot), and newer snapshots of this one.
fn codename_offer(current: &str, tags: &[String], today: (i32, u32, u32)) -> Option<Offer> {
    let (now, rest) = codename_tag(current, today)?;
    let dated =
        |r: &str| crate::versioning::parse(r).filter(|v| v.is_date() && v.suffix.is_empty());
    let now_date = dated(rest);
    let mut best_major: Option<(usize, Option<Version>, &String)> = None;
    let mut best_patch: Option<(Version, &String)> = None;
    for tag in tags {
        let Some((c, r)) = codename_tag(tag, today) else {
            continue;
        };
        let date = dated(r);
        let same_shape = match (&now_date, &date) {
            (Some(_), Some(_)) => true,
            (None, None) => r == rest,
            _ => false,
        };
        if !same_shape {
            continue;
        }
        if now.superseded_by(&c) {
            let better = best_major.as_ref().is_none_or(|(rank, d, _)| {
                c.rank > *rank
                    || (c.rank == *rank
                        && matches!((&date, d), (Some(a), Some(b)) if a.cmp_to(b).is_gt()))
            });
            if better {
                best_major = Some((c.rank, date, tag));
            }
        } else if c == now
            && let (Some(n), Some(d)) = (&now_date, date)
            && d.cmp_to(n).is_gt()
            && best_patch.as_ref().is_none_or(|(b, _)| d.cmp_to(b).is_gt())
        {
            best_patch = Some((d, tag));
        }
    }
    let mut updates = Vec::new();
    if let Some((_, _, tag)) = best_major {
        updates.push((Kind::Major, tag.clone()));
    }
    if let Some((_, tag)) = best_patch {
        updates.push((Kind::Patch, tag.clone()));
    }
    Some(Offer {
        updates,
        ..Offer::default()
    })
}

/// A tag whose suffix names a newer release of what the current suffix is built on, in the
/// same major at a release at least the current one; the newest such release of the suffix
/// wins, then the current release itself, then the highest.
fn variant(now: &Version, parsed: &[(&String, Version)], today: (i32, u32, u32)) -> Option<String> {
    let tokens: Vec<&str> = now.suffix.split('-').collect();
    let mut best: Option<(Vec<u64>, bool, &Version, &String)> = None;
    for (tag, v) in parsed {
        if v.release.len() != now.release.len()
            || v.release[0] != now.release[0]
            || !v.is_stable()
            || v.cmp_to(now).is_lt()
            || v.suffix == now.suffix
        {
            continue;
        }
        let theirs: Vec<&str> = v.suffix.split('-').collect();
        if theirs.len() != tokens.len() {
            continue;
        }
        let differing: Vec<usize> = (0..tokens.len())
            .filter(|&i| tokens[i] != theirs[i])
            .collect();
        let [i] = differing[..] else { continue };
        let (Some(a), Some(b)) = (
            VariantToken::parse(tokens[i], today),
            VariantToken::parse(theirs[i], today),
        ) else {
            continue;
        };
        if !a.newer(&b) {
            continue;
        }
        let key = (b.rank(), v.release == now.release);
        let better = best.as_ref().is_none_or(|(rank, same, bv, _)| {
            (&key.0, key.1) > (rank, *same)
                || (key.0 == *rank && key.1 == *same && v.cmp_to(bv).is_gt())
        });
        if better {
            best = Some((key.0, key.1, v, tag));
        }
    }
    best.map(|(_, _, _, tag)| tag.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u32, u32) = (2026, 12, 1);

    fn tags(list: &str) -> Vec<String> {
        list.split_whitespace().map(String::from).collect()
    }

    fn offer_of(repo: &str, current: &str, list: &str) -> Offer {
        offer(repo, current, &tags(list), &Rules::default(), TODAY)
    }

    fn updates(o: &Offer) -> Vec<(&str, &str)> {
        o.updates
            .iter()
            .map(|(k, t)| (k.name(), t.as_str()))
            .collect()
    }

    #[test]
    fn major_and_non_major_buckets_keep_suffix_and_precision() {
        let o = offer_of(
            "library/python",
            "3.11-slim-bookworm",
            "3.13-slim-bookworm 3.11.9-slim-bookworm 3.12-slim-bookworm 3.12 3.14rc1-slim-bookworm \
             4.0-slim 3.12-slim-trixie latest",
        );
        assert_eq!(updates(&o), [("minor", "3.13-slim-bookworm")]);
        assert_eq!(o.variant.as_deref(), Some("3.12-slim-trixie"));
        let o = offer_of(
            "library/golang",
            "1.22-alpine",
            "1.22.5-alpine 1.23-alpine 1.23 2.0-alpine 1.24rc1-alpine 1.22-alpine3.20",
        );
        assert_eq!(
            updates(&o),
            [("major", "2.0-alpine"), ("minor", "1.23-alpine")]
        );
        let o = offer_of(
            "library/node",
            "20.11.0",
            "20.11.1 20.12.0 21.0.0 22.1.0 20.11.1rc1",
        );
        assert_eq!(updates(&o), [("major", "22.1.0"), ("minor", "20.12.0")]);
    }

    #[test]
    fn prereleases_dates_latest_and_lts() {
        let o = offer_of("x/y", "1.2.0rc1", "1.2.0rc2 1.2.0 1.3.0rc1");
        assert_eq!(updates(&o), [("minor", "1.3.0rc1")]);
        let o = offer_of("library/alpine", "3", "3 20240923 20250108 edge");
        assert_eq!(updates(&o), []);
        let o = offer_of("library/alpine", "20240923", "20250108 3 3.21");
        assert_eq!(updates(&o), [("major", "20250108")]);
        assert!(
            offer_of("library/nginx", "latest", "1.27 latest")
                .unversioned
                .is_some()
        );
        let rules = Rules {
            lts: Some(Lts::Node),
            ..Rules::default()
        };
        let o = offer("library/node", "18", &tags("19 20 21 23"), &rules, TODAY);
        assert_eq!(updates(&o), [("major", "20")]);
        let java = Rules {
            lts: Some(Lts::Java),
            ..Rules::default()
        };
        let o = offer(
            "library/eclipse-temurin",
            "17-jre",
            &tags("18-jre 21-jre 24-jre 25-jre"),
            &java,
            TODAY,
        );
        assert_eq!(updates(&o), [("major", "25-jre")]);
        let o = offer_of("library/ubuntu", "22.04", "22.10 24.04 24.10 25.04");
        assert_eq!(updates(&o), [("major", "24.04")], "LTS stays on LTS");
    }

    #[test]
    fn codenames_follow_their_distro() {
        let o = offer_of(
            "library/debian",
            "bookworm-20240612",
            "bookworm-20240701 bookworm-20250101 trixie-20250901 trixie-20251001 forky-20251001 bookworm-slim",
        );
        assert_eq!(
            updates(&o),
            [("major", "trixie-20251001"), ("patch", "bookworm-20250101")]
        );
        let o = offer_of(
            "library/debian",
            "bookworm-slim",
            "trixie-slim trixie forky-slim",
        );
        assert_eq!(updates(&o), [("major", "trixie-slim")]);
        let o = offer_of("library/ubuntu", "jammy", "noble oracular plucky");
        assert_eq!(updates(&o), [("major", "noble")]);
    }

    #[test]
    fn windows_build_tags() {
        let o = offer_of(
            "windows/servercore",
            "10.0.17763.5458",
            "10.0.17763.5576 10.0.20348.2340 ltsc2019 10.0.17763.5576-amd64",
        );
        // The third number is a Windows build: by the release-number rule that is a patch.
        assert_eq!(updates(&o), [("patch", "10.0.20348.2340")]);
        let o = offer_of(
            "dotnet/runtime",
            "8.0-nanoserver-ltsc2022",
            "8.0.1-nanoserver-ltsc2022 9.0-nanoserver-ltsc2022 8.0-nanoserver-1809",
        );
        assert_eq!(updates(&o), [("major", "9.0-nanoserver-ltsc2022")]);
        assert_eq!(o.variant, None, "ltsc2019 is no newer release of ltsc2022");
    }

    #[test]
    fn variants_of_the_suffix() {
        let o = offer_of(
            "library/node",
            "20.11-alpine3.18",
            "20.11-alpine3.19 20.11-alpine3.20 20.12-alpine3.20 20.12-alpine3.21 21.0-alpine3.22",
        );
        assert_eq!(o.variant.as_deref(), Some("20.12-alpine3.21"));
    }
}
