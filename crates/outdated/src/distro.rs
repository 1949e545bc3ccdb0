//! What a tag says about the distribution an image is built on: Debian and Ubuntu codenames
//! (`bookworm`, `jammy-20240530`), versioned suffix tokens (`alpine3.20`), and from those
//! the OS release whose end of life the EOL table (plinth-catalog) knows.

use plinth_catalog::eol::{EolTable, parse_date};

/// Released Debian versions by codename, with their release dates: only released ones, so
/// `forky` (testing) is never proposed.
const DEBIAN: &[(&str, &str, &str)] = &[
    ("jessie", "8", "2015-04-25"),
    ("stretch", "9", "2017-06-17"),
    ("buster", "10", "2019-07-06"),
    ("bullseye", "11", "2021-08-14"),
    ("bookworm", "12", "2023-06-10"),
    ("trixie", "13", "2025-08-09"),
];

/// Ubuntu releases by codename (as Docker Hub's `ubuntu` tags them) and release date.
const UBUNTU: &[(&str, &str, &str)] = &[
    ("trusty", "14.04", "2014-04-17"),
    ("xenial", "16.04", "2016-04-21"),
    ("bionic", "18.04", "2018-04-26"),
    ("focal", "20.04", "2020-04-23"),
    ("jammy", "22.04", "2022-04-21"),
    ("kinetic", "22.10", "2022-10-20"),
    ("lunar", "23.04", "2023-04-20"),
    ("mantic", "23.10", "2023-10-12"),
    ("noble", "24.04", "2024-04-25"),
    ("oracular", "24.10", "2024-10-10"),
    ("plucky", "25.04", "2025-04-17"),
    ("questing", "25.10", "2025-10-09"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distro {
    Debian,
    Ubuntu,
}

/// A released codename: which distro, its position in that distro's order, its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codename {
    pub distro: Distro,
    pub rank: usize,
    pub version: &'static str,
}

impl Codename {
    /// A codename released by `today` (`YYYY-MM-DD` as a tuple).
    pub fn parse(word: &str, today: (i32, u32, u32)) -> Option<Codename> {
        [(Distro::Debian, DEBIAN), (Distro::Ubuntu, UBUNTU)]
            .into_iter()
            .find_map(|(distro, table)| {
                let rank = table.iter().position(|(name, _, _)| *name == word)?;
                let (_, version, released) = table[rank];
                (parse_date(released)? <= today).then_some(Codename {
                    distro,
                    rank,
                    version,
                })
            })
    }

    /// Ubuntu's long-term releases are the even years' April ones; Debian has no such split.
    pub fn is_lts(&self) -> bool {
        match self.distro {
            Distro::Debian => true,
            Distro::Ubuntu => is_ubuntu_lts(self.version),
        }
    }

    /// Whether `other` is a later release of the same distro that this one may move to
    /// (LTS stays on LTS).
    pub fn superseded_by(&self, other: &Codename) -> bool {
        other.distro == self.distro && other.rank > self.rank && (other.is_lts() || !self.is_lts())
    }
}

/// Ubuntu's `YY.MM` from release numbers (`[22, 4]` → `22.04`).
pub fn ubuntu_version(release: &[u64]) -> String {
    format!("{}.{:02}", release[0], release.get(1).copied().unwrap_or(0))
}

/// `22.04`, `24.04`: even year, April.
pub fn is_ubuntu_lts(version: &str) -> bool {
    let mut parts = version.split('.');
    let year = parts.next().and_then(|y| y.parse::<u32>().ok());
    year.is_some_and(|y| y % 2 == 0) && parts.next() == Some("04")
}

/// A codename tag: the codename, and what follows its `-` (`20240612`, `slim`, or nothing).
pub fn codename_tag(tag: &str, today: (i32, u32, u32)) -> Option<(Codename, &str)> {
    let (word, rest) = tag.split_once('-').unwrap_or((tag, ""));
    Some((Codename::parse(word, today)?, rest))
}

/// A suffix token that names a distribution release: `alpine3.20` (a word and a version), or
/// a codename. Newer ones of the same kind make a "variant" finding.
#[derive(Debug, Clone, PartialEq)]
pub enum VariantToken {
    Versioned { word: String, version: Vec<u64> },
    Codename(Codename),
}

impl VariantToken {
    pub fn parse(token: &str, today: (i32, u32, u32)) -> Option<VariantToken> {
        if let Some(c) = Codename::parse(token, today) {
            return Some(VariantToken::Codename(c));
        }
        let at = token.find(|c: char| c.is_ascii_digit())?;
        let (word, digits) = token.split_at(at);
        if word.is_empty() || !word.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let version = digits
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<Vec<u64>>>()?;
        Some(VariantToken::Versioned {
            word: word.to_string(),
            version,
        })
    }

    /// Whether `other` is a newer release of the same thing (`alpine3.18` → `alpine3.20`,
    /// `bookworm` → `trixie`).
    pub fn newer(&self, other: &VariantToken) -> bool {
        match (self, other) {
            (
                VariantToken::Versioned { word, version },
                VariantToken::Versioned {
                    word: w2,
                    version: v2,
                },
            ) => word == w2 && v2.len() == version.len() && v2 > version,
            (VariantToken::Codename(a), VariantToken::Codename(b)) => a.superseded_by(b),
            _ => false,
        }
    }

    /// For ordering the variants of one kind: higher is newer.
    pub fn rank(&self) -> Vec<u64> {
        match self {
            VariantToken::Versioned { version, .. } => version.clone(),
            VariantToken::Codename(c) => vec![c.rank as u64],
        }
    }
}

/// The OS release under an image, as far as its repository and tag tell: `alpine:3.18`,
/// `python:3.12-alpine3.18`, `debian:bookworm-slim`, `node:20-bookworm`, `ubuntu:22.04`.
/// Returns (os id, VERSION_ID) for the EOL table.
pub fn os_release(
    repository: &str,
    tag: &str,
    today: (i32, u32, u32),
) -> Option<(&'static str, String)> {
    let name = repository.rsplit('/').next().unwrap_or(repository);
    let tokens: Vec<&str> = tag.split('-').collect();
    for token in &tokens {
        match VariantToken::parse(token, today) {
            Some(VariantToken::Codename(c)) => return Some(codename_release(c)),
            Some(VariantToken::Versioned { word, version }) if word == "alpine" => {
                return Some(("alpine", join(&version)));
            }
            _ => {}
        }
    }
    let first = crate::versioning::parse(tag)?;
    let version = join(&first.release);
    match name {
        "alpine" => Some(("alpine", version)),
        "debian" => Some(("debian", version)),
        "ubuntu" => Some(("ubuntu", ubuntu_version(&first.release))),
        _ => None,
    }
}

fn codename_release(c: Codename) -> (&'static str, String) {
    let id = match c.distro {
        Distro::Debian => "debian",
        Distro::Ubuntu => "ubuntu",
    };
    (id, c.version.to_string())
}

fn join(version: &[u64]) -> String {
    version
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// "alpine 3.18 reached end of life on 2025-05-09", when the table says it has.
pub fn eol_note(
    table: &EolTable,
    repository: &str,
    tag: &str,
    today: (i32, u32, u32),
) -> Option<String> {
    let (id, version) = os_release(repository, tag, today)?;
    let eol = table.lookup(id, Some(&version), None, today);
    match (eol.past, eol.date, eol.release) {
        (Some(true), Some(date), Some(release)) => {
            Some(format!("{id} {release} reached end of life on {date}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u32, u32) = (2026, 12, 1);

    #[test]
    fn codenames_follow_releases() {
        let bookworm = Codename::parse("bookworm", TODAY).expect("debian 12");
        let trixie = Codename::parse("trixie", TODAY).expect("debian 13");
        assert!(bookworm.superseded_by(&trixie));
        assert!(!trixie.superseded_by(&bookworm));
        assert_eq!(
            Codename::parse("forky", TODAY),
            None,
            "testing is not released"
        );
        assert_eq!(
            Codename::parse("trixie", (2025, 1, 1)),
            None,
            "not yet released"
        );
        let jammy = Codename::parse("jammy", TODAY).expect("22.04");
        let noble = Codename::parse("noble", TODAY).expect("24.04");
        let plucky = Codename::parse("plucky", TODAY).expect("25.04");
        assert!(jammy.superseded_by(&noble));
        assert!(!jammy.superseded_by(&plucky), "LTS stays on LTS");
        assert!(!bookworm.superseded_by(&noble), "other distro");
    }

    #[test]
    fn variant_tokens() {
        let t = |s| VariantToken::parse(s, TODAY).expect(s);
        assert!(t("alpine3.18").newer(&t("alpine3.20")));
        assert!(!t("alpine3.20").newer(&t("alpine3.18")));
        assert!(!t("alpine3.18").newer(&t("ltsc2022")));
        assert!(t("bookworm").newer(&t("trixie")));
        assert_eq!(VariantToken::parse("slim", TODAY), None);
    }

    #[test]
    fn eol_from_tags() {
        let table = EolTable::default();
        let note = |repo, tag| eol_note(&table, repo, tag, TODAY);
        assert_eq!(
            note("library/python", "3.12-alpine3.18").as_deref(),
            Some("alpine 3.18 reached end of life on 2025-05-09")
        );
        assert_eq!(
            note("library/alpine", "3.18.4").as_deref(),
            Some("alpine 3.18 reached end of life on 2025-05-09")
        );
        assert_eq!(
            note("library/node", "20-buster").as_deref(),
            Some("debian 10 reached end of life on 2024-06-30")
        );
        assert_eq!(
            note("library/ubuntu", "focal").as_deref(),
            Some("ubuntu 20.04 reached end of life on 2025-05-31")
        );
        assert_eq!(note("library/debian", "bookworm-slim"), None);
        assert_eq!(note("library/node", "22"), None);
    }
}
