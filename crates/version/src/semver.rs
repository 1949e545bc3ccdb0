//! SemVer 2.0 order (npm, crates.io, NuGet, Hex, Pub): `MAJOR.MINOR.PATCH[-PRE][+BUILD]`.
//!
//! A version with a prerelease sorts before the same version without one; prerelease
//! identifiers compare left to right, numeric ones by value (any length) and before
//! alphanumeric ones, which compare in ASCII order; more identifiers win a tie. Build metadata
//! is ignored, as npm and the spec do (`1.0.0+a = 1.0.0+b`). A leading `v` and surrounding
//! whitespace are accepted, as node-semver accepts them. Anything else that is not SemVer 2.0
//! falls back to the generic order.
//!
//! The parser here is shared with the Go scheme, which adds `v1`/`v1.2` shorthands.

use std::cmp::Ordering;

use crate::digits::cmp_digits;
use crate::{VersionError, VersionScheme, generic};

/// The SemVer scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Semver;

const NAME: &str = "semver";

/// A parsed version, borrowing its input. Missing minor/patch (Go shorthand) are empty = 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parsed<'a> {
    pub major: &'a [u8],
    pub minor: &'a [u8],
    pub patch: &'a [u8],
    pub pre: Pre<'a>,
}

/// Prerelease identifiers: dotted text, or a Go toolchain's `rc`/`beta` and its number.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pre<'a> {
    Dotted(&'a [u8]),
    Pair(&'a [u8], &'a [u8]),
}

impl<'a> Pre<'a> {
    fn is_empty(&self) -> bool {
        matches!(self, Pre::Dotted(s) if s.is_empty())
    }

    fn ids(&self) -> impl Iterator<Item = &'a [u8]> {
        let (dotted, pair) = match *self {
            Pre::Dotted(s) => (Some(s), None),
            Pre::Pair(kind, num) => (None, Some([kind, num])),
        };
        dotted
            .into_iter()
            .flat_map(|s| s.split(|&c| c == b'.'))
            .chain(pair.into_iter().flatten())
    }
}

/// Whether a shorthand `1` or `1.2` is allowed (Go) or the three numbers are required.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Core {
    Full,
    GoShorthand,
}

fn numeric_id(s: &[u8]) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err("empty numeric component");
    }
    if !s.iter().all(u8::is_ascii_digit) {
        return Err("non-digit in MAJOR.MINOR.PATCH");
    }
    if s.len() > 1 && s[0] == b'0' {
        return Err("leading zero in a number");
    }
    Ok(())
}

fn identifiers(s: &[u8], numeric_no_leading_zero: bool) -> Result<(), &'static str> {
    for id in s.split(|&c| c == b'.') {
        if id.is_empty() {
            return Err("empty identifier");
        }
        if !id.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
            return Err("identifiers may hold only [0-9A-Za-z-]");
        }
        if numeric_no_leading_zero
            && id.len() > 1
            && id[0] == b'0'
            && id.iter().all(u8::is_ascii_digit)
        {
            return Err("leading zero in a numeric prerelease identifier");
        }
    }
    Ok(())
}

/// Parses `MAJOR.MINOR.PATCH[-PRE][+BUILD]` (no prefix) per SemVer 2.0.
pub(crate) fn parse(v: &[u8], core: Core) -> Result<Parsed<'_>, &'static str> {
    let end_of_core = v
        .iter()
        .position(|&c| c == b'-' || c == b'+')
        .unwrap_or(v.len());
    let (numbers, tail) = v.split_at(end_of_core);
    let mut parts = numbers.split(|&c| c == b'.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next();
    let patch = parts.next();
    if parts.next().is_some() {
        return Err("more than three numbers");
    }
    numeric_id(major)?;
    for part in [minor, patch].into_iter().flatten() {
        numeric_id(part)?;
    }
    let shorthand = minor.is_none() || patch.is_none();
    if shorthand && (core == Core::Full || !tail.is_empty()) {
        return Err("not MAJOR.MINOR.PATCH");
    }
    let (pre, build) = match tail.first() {
        Some(b'-') => {
            let rest = &tail[1..];
            match rest.iter().position(|&c| c == b'+') {
                Some(plus) => (&rest[..plus], Some(&rest[plus + 1..])),
                None => (rest, None),
            }
        }
        Some(_) => (&b""[..], Some(&tail[1..])),
        None => (&b""[..], None),
    };
    if tail.first() == Some(&b'-') {
        identifiers(pre, true)?;
    }
    if let Some(build) = build {
        identifiers(build, false)?;
    }
    Ok(Parsed {
        major,
        minor: minor.unwrap_or_default(),
        patch: patch.unwrap_or_default(),
        pre: Pre::Dotted(pre),
    })
}

fn cmp_identifier(a: &[u8], b: &[u8]) -> Ordering {
    let numeric = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match (numeric(a), numeric(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// SemVer precedence, build metadata ignored.
pub(crate) fn cmp_parsed(a: &Parsed<'_>, b: &Parsed<'_>) -> Ordering {
    cmp_digits(a.major, b.major)
        .then_with(|| cmp_digits(a.minor, b.minor))
        .then_with(|| cmp_digits(a.patch, b.patch))
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let (mut ia, mut ib) = (a.pre.ids(), b.pre.ids());
                loop {
                    match (ia.next(), ib.next()) {
                        (None, None) => return Ordering::Equal,
                        (None, Some(_)) => return Ordering::Less,
                        (Some(_), None) => return Ordering::Greater,
                        (Some(x), Some(y)) => match cmp_identifier(x, y) {
                            Ordering::Equal => {}
                            other => return other,
                        },
                    }
                }
            }
        })
}

fn parse_lenient(v: &str) -> Result<Parsed<'_>, &'static str> {
    let v = v.trim();
    let v = v.strip_prefix('v').unwrap_or(v);
    parse(v.as_bytes(), Core::Full)
}

impl VersionScheme for Semver {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        match (parse_lenient(a), parse_lenient(b)) {
            (Ok(pa), Ok(pb)) => cmp_parsed(&pa, &pb),
            _ => generic::compare(a, b),
        }
    }

    fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        parse_lenient(v)
            .map(|_| ())
            .map_err(|problem| VersionError::new(NAME, v, problem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn tricky_pairs() {
        // The spec's own example chain.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(Semver.compare(w[0], w[1]), Less, "{} vs {}", w[0], w[1]);
            assert_eq!(Semver.compare(w[1], w[0]), Greater, "{} vs {}", w[1], w[0]);
        }
        let cases = [
            ("1.0.0+build.1", "1.0.0+build.2", Equal),
            ("1.0.0-rc.1+x", "1.0.0-rc.1", Equal),
            ("v1.2.3", "1.2.3", Equal),
            ("1.0.0-1", "1.0.0-a", Less),
            ("1.0.0-a-b", "1.0.0-a", Greater),
            (
                "1.0.0-99999999999999999999",
                "1.0.0-100000000000000000000",
                Less,
            ),
            (
                "18446744073709551616.0.0",
                "18446744073709551615.0.0",
                Greater,
            ),
            ("1.0.0-Z", "1.0.0-a", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Semver.compare(a, b), want, "{a} vs {b}");
            assert_eq!(Semver.compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn grammar() {
        for ok in [
            "0.0.0",
            "1.2.3-rc.1+build.5",
            "1.0.0-0a",
            "1.0.0+001",
            " v1.0.0 ",
        ] {
            assert!(Semver.parse_check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1.2",
            "01.2.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3.4",
            "x",
            "",
        ] {
            assert!(Semver.parse_check(bad).is_err(), "{bad}");
        }
        // Unparseable versions still order, by the generic rule.
        assert_eq!(Semver.compare("1.2", "1.10"), Less);
        assert_eq!(Semver.compare("1.0.0.1", "1.0.0"), Greater);
    }
}
