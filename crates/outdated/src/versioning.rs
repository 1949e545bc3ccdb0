//! Tags as versions, the way Renovate's `docker` versioning reads them: release numbers, an
//! optional prerelease glued to them, and a compatibility suffix after the first `-`
//! (`3.11.4rc1-slim-bookworm` is release 3.11.4, prerelease `rc1`, suffix `slim-bookworm`).
//! A leading `v` is dropped; hex commit hashes are not versions. A per-image regex (Renovate's
//! `regex:` versioning) can take the place of that reading.

use std::cmp::Ordering;

use regex::Regex;

/// A tag read as a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub release: Vec<u64>,
    /// Letters and digits right after the release numbers (`rc1`, `beta2`); empty when stable.
    pub prerelease: String,
    /// Everything after the first `-`: what the image is built on or for, never changed.
    pub suffix: String,
}

/// How a tag is read: Renovate's docker scheme, or a user's regex with Renovate's group names
/// (`major`, `minor`, `patch`, `build`, `revision`, `prerelease`, `compatibility`).
#[derive(Debug, Clone, Default)]
pub enum Scheme {
    #[default]
    Docker,
    Regex(Regex),
}

impl Scheme {
    /// `regex:PATTERN` as Renovate writes it, or `docker`.
    pub fn parse(text: &str) -> Result<Scheme, String> {
        if text == "docker" {
            return Ok(Scheme::Docker);
        }
        let Some(pattern) = text.strip_prefix("regex:") else {
            return Err(format!(
                "versioning {text:?}: expected \"docker\" or \"regex:PATTERN\""
            ));
        };
        // The regex crate draws a caret diagram over several lines: keep its last, the reason.
        let re = Regex::new(pattern).map_err(|e| {
            let why = e.to_string();
            let last = why.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
            format!("versioning {text:?}: {}", last.trim())
        })?;
        let names: Vec<_> = re.capture_names().flatten().collect();
        if !["major", "minor", "patch"]
            .iter()
            .any(|n| names.contains(n))
        {
            return Err(format!(
                "versioning {text:?}: needs a major, minor or patch capture group"
            ));
        }
        Ok(Scheme::Regex(re))
    }

    pub fn read(&self, tag: &str) -> Option<Version> {
        match self {
            Scheme::Docker => parse(tag),
            Scheme::Regex(re) => parse_regex(re, tag),
        }
    }
}

/// Reads a tag with Renovate's docker rules; `None` for tags that are not versions
/// (`latest`, `edge`, `bookworm`, `3f2a9c1`).
pub fn parse(tag: &str) -> Option<Version> {
    if is_commit_hash(tag) {
        return None;
    }
    let text = tag.strip_prefix('v').unwrap_or(tag);
    let (head, suffix) = match text.split_once('-') {
        Some((h, s)) => (h, s.to_string()),
        None => (text, String::new()),
    };
    let numbers_end = head
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(head.len());
    let (numbers, prerelease) = head.split_at(numbers_end);
    if !prerelease
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let mut release = Vec::new();
    for part in numbers.split('.') {
        release.push(part.parse::<u64>().ok()?);
    }
    Some(Version {
        release,
        prerelease: prerelease.to_string(),
        suffix,
    })
}

/// 7 to 40 hex digits with at least one letter: a commit, not a version (all-digit tags such
/// as `20240923` stay versions).
fn is_commit_hash(tag: &str) -> bool {
    (7..=40).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !tag.bytes().all(|b| b.is_ascii_digit())
}

fn parse_regex(re: &Regex, tag: &str) -> Option<Version> {
    let caps = re.captures(tag)?;
    if caps.get(0)?.as_str() != tag {
        return None;
    }
    let mut release = Vec::new();
    for name in ["major", "minor", "patch", "build", "revision"] {
        match caps.name(name) {
            Some(m) => release.push(m.as_str().parse().ok()?),
            // A group the pattern has but this tag left empty counts as 0, as Renovate does.
            None if re.capture_names().flatten().any(|n| n == name) => release.push(0),
            None => {}
        }
    }
    let text = |n: &str| {
        caps.name(n)
            .map_or(String::new(), |m| m.as_str().to_string())
    };
    Some(Version {
        release,
        prerelease: text("prerelease"),
        suffix: text("compatibility"),
    })
}

impl Version {
    pub fn is_stable(&self) -> bool {
        self.prerelease.is_empty()
    }

    /// A date snapshot (`20240923`, `20240923120000`): an 8- or 14-digit first number that
    /// reads as a calendar date.
    pub fn is_date(&self) -> bool {
        let first = self.release[0];
        let date = match first.to_string().len() {
            8 => first,
            14 => first / 1_000_000,
            _ => return false,
        };
        let (year, month, day) = (date / 10_000, date / 100 % 100, date % 100);
        (1990..=2200).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
    }

    /// Renovate's order: release numbers, then a stable release above its prereleases, then
    /// prereleases by text.
    pub fn cmp_to(&self, other: &Version) -> Ordering {
        let len = self.release.len().max(other.release.len());
        for i in 0..len {
            let (a, b) = (
                self.release.get(i).copied().unwrap_or(0),
                other.release.get(i).copied().unwrap_or(0),
            );
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.prerelease.cmp(&other.prerelease),
        }
    }

    /// Whether `candidate` may replace this version at all: same suffix, same precision,
    /// date snapshots only for date snapshots, prereleases only when this is one.
    pub fn accepts(&self, candidate: &Version) -> bool {
        candidate.suffix == self.suffix
            && candidate.release.len() == self.release.len()
            && candidate.is_date() == self.is_date()
            && (candidate.is_stable() || !self.is_stable())
    }

    /// The first release number that differs from `newer`: major, minor or patch.
    pub fn change_to(&self, newer: &Version) -> Change {
        match self
            .release
            .iter()
            .zip(&newer.release)
            .position(|(a, b)| a != b)
        {
            Some(0) => Change::Major,
            Some(1) => Change::Minor,
            _ => Change::Patch,
        }
    }
}

/// How big a version step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Patch,
    Minor,
    Major,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(tag: &str) -> Version {
        parse(tag).unwrap_or_else(|| panic!("{tag} is a version"))
    }

    #[test]
    fn reads_release_prerelease_and_suffix() {
        let x = v("3.11.4rc1-slim-bookworm");
        assert_eq!(x.release, [3, 11, 4]);
        assert_eq!(x.prerelease, "rc1");
        assert_eq!(x.suffix, "slim-bookworm");
        assert_eq!(v("v1.2").release, [1, 2]);
        assert_eq!(v("1.22-alpine").suffix, "alpine");
        assert_eq!(v("10.0.17763.5458").release, [10, 0, 17763, 5458]);
        for not in [
            "latest",
            "bookworm",
            "edge",
            "3f2a9c1",
            "deadbeefcafe",
            "",
            "1..2",
            "-x",
        ] {
            assert_eq!(parse(not), None, "{not}");
        }
        assert!(v("20240923").is_date());
        assert!(!v("2024").is_date());
        assert!(!v("3.20").is_date());
    }

    #[test]
    fn order_and_acceptance() {
        use Ordering::*;
        assert_eq!(v("1.10").cmp_to(&v("1.9")), Greater);
        assert_eq!(v("1.2.0").cmp_to(&v("1.2.0rc1")), Greater);
        assert_eq!(v("1.2.0rc2").cmp_to(&v("1.2.0rc1")), Greater);
        let cur = v("1.22-alpine");
        assert!(cur.accepts(&v("1.23-alpine")));
        assert!(!cur.accepts(&v("1.23.1-alpine")), "precision kept");
        assert!(!cur.accepts(&v("1.23")), "suffix kept");
        assert!(!cur.accepts(&v("1.24rc1-alpine")), "prerelease skipped");
        assert!(v("1.24rc1-alpine").accepts(&v("1.24rc2-alpine")));
        assert!(!v("3").accepts(&v("20240923")), "dates only for dates");
        assert_eq!(v("1.2.3").change_to(&v("2.0.0")), Change::Major);
        assert_eq!(v("1.2.3").change_to(&v("1.3.0")), Change::Minor);
        assert_eq!(v("1.2.3").change_to(&v("1.2.4")), Change::Patch);
    }

    #[test]
    fn regex_scheme() {
        let s = Scheme::parse(r"regex:^(?<major>\d+)\.(?<minor>\d+)_(?<compatibility>\w+)$")
            .expect("valid");
        let x = s.read("12.3_focal").expect("matches");
        assert_eq!(
            (x.release.as_slice(), x.suffix.as_str()),
            (&[12, 3][..], "focal")
        );
        assert!(s.read("12.3").is_none());
        assert!(Scheme::parse("regex:(").is_err());
        assert!(Scheme::parse("regex:^(?<x>.*)$").is_err());
        assert!(Scheme::parse("loose").is_err());
    }
}
