//! Debian's version order, as `dpkg --compare-versions` implements it.
//!
//! A version is `[epoch:]upstream[-revision]`: the epoch is a number before the first colon,
//! the revision follows the last hyphen. Upstream and revision compare the same way: runs of
//! non-digits byte by byte, where `~` sorts before everything (even the end of the string),
//! letters before other characters, then runs of digits by value.
//!
//! Like dpkg, [`Dpkg::compare`] orders any string; [`Dpkg::parse_check`] reports what dpkg
//! would warn or fail about.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, digit_run};
use crate::{VersionError, VersionScheme};

/// The dpkg scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dpkg;

const NAME: &str = "dpkg";

struct Parts<'a> {
    epoch: &'a [u8],
    upstream: &'a [u8],
    revision: &'a [u8],
}

/// Splits as dpkg does after trimming whitespace. A non-numeric epoch counts as 0 here; dpkg
/// refuses such a version and [`Dpkg::parse_check`] says so.
fn split(v: &str) -> Parts<'_> {
    let v = v.trim().as_bytes();
    let (epoch, rest) = match v.iter().position(|&c| c == b':') {
        Some(colon) => (&v[..colon], &v[colon + 1..]),
        None => (&b""[..], v),
    };
    let epoch = if epoch.iter().all(u8::is_ascii_digit) {
        epoch
    } else {
        b""
    };
    let (upstream, revision) = match rest.iter().rposition(|&c| c == b'-') {
        Some(hyphen) => (&rest[..hyphen], &rest[hyphen + 1..]),
        None => (rest, &b""[..]),
    };
    Parts {
        epoch,
        upstream,
        revision,
    }
}

/// The weight dpkg gives a non-digit byte (`order()` in dpkg's source): the end and digits
/// weigh 0, `~` sorts first, letters next, everything else after. dpkg reads bytes as signed
/// `char`, so bytes above 0x7f land between letters and ASCII punctuation.
fn weight(c: Option<&u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(*c),
        Some(b'~') => -1,
        Some(&c) if c >= 0x80 => i32::from(c),
        Some(&c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: alternating non-digit and digit runs.
pub(crate) fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit run, byte by byte; a shorter run is padded with "end" (weight 0).
        while a.get(i).is_some_and(|c| !c.is_ascii_digit())
            || b.get(j).is_some_and(|c| !c.is_ascii_digit())
        {
            let (wa, wb) = (weight(a.get(i)), weight(b.get(j)));
            if wa != wb {
                return wa.cmp(&wb);
            }
            i += 1;
            j += 1;
        }
        let na = digit_run(a.get(i..).unwrap_or_default());
        let nb = digit_run(b.get(j..).unwrap_or_default());
        let ord = cmp_digits(
            a.get(i..i + na).unwrap_or_default(),
            b.get(j..j + nb).unwrap_or_default(),
        );
        if ord != Ordering::Equal {
            return ord;
        }
        i += na;
        j += nb;
    }
    Ordering::Equal
}

impl VersionScheme for Dpkg {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        // dpkg reads an empty argument as "no version", below every version.
        match (a.trim().is_empty(), b.trim().is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        let (a, b) = (split(a), split(b));
        cmp_digits(a.epoch, b.epoch)
            .then_with(|| verrevcmp(a.upstream, b.upstream))
            .then_with(|| verrevcmp(a.revision, b.revision))
    }

    fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        check(v).map_err(|problem| VersionError::new(NAME, v, problem))
    }
}

/// dpkg's `parseversion` checks, with its wording.
fn check(v: &str) -> Result<(), &'static str> {
    let t = v.trim().as_bytes();
    if t.is_empty() {
        return Err("version string is empty");
    }
    if t.iter().any(u8::is_ascii_whitespace) {
        return Err("version string has embedded spaces");
    }
    let rest = match t.iter().position(|&c| c == b':') {
        Some(colon) => {
            let epoch = &t[..colon];
            if epoch.is_empty() {
                return Err("epoch in version is empty");
            }
            if !epoch.iter().all(u8::is_ascii_digit) {
                return Err("epoch in version is not number");
            }
            if cmp_digits(epoch, b"2147483647") == Ordering::Greater {
                return Err("epoch in version is too big");
            }
            if colon + 1 == t.len() {
                return Err("nothing after colon in version number");
            }
            &t[colon + 1..]
        }
        None => t,
    };
    let (upstream, revision) = match rest.iter().rposition(|&c| c == b'-') {
        Some(hyphen) if hyphen + 1 == rest.len() => return Err("revision number is empty"),
        Some(hyphen) => (&rest[..hyphen], &rest[hyphen + 1..]),
        None => (rest, &b""[..]),
    };
    if upstream.is_empty() {
        return Err("version number is empty");
    }
    if !upstream[0].is_ascii_digit() {
        return Err("version number does not start with digit");
    }
    if !upstream
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b".-+~:".contains(c))
    {
        return Err("invalid character in version number");
    }
    if !revision
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b".+~".contains(c))
    {
        return Err("invalid character in revision number");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn tricky_pairs() {
        let cases = [
            ("1.0~rc1", "1.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0~", "1.0", Less),
            ("1.0", "1.0+b1", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0+", Less),
            ("1:0.1", "2.0", Greater),
            ("0:1.0", "1.0", Equal),
            ("1.0-0", "1.0", Equal),
            ("1.0-1", "1.0-1~bpo1", Greater),
            ("1.01", "1.1", Equal),
            ("2.30-12+deb12u1", "2.30-12", Greater),
            ("1.2-3-4", "1.2-3", Greater),
            ("99999999999999999999", "99999999999999999998", Greater),
            ("", "0", Less),
            ("", "", Equal),
            ("1.0\u{e9}", "1.0.", Less),
            ("1.0\u{e9}", "1.0z", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(Dpkg.compare(a, b), want, "{a} vs {b}");
            assert_eq!(Dpkg.compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn checks_like_dpkg() {
        assert!(Dpkg.parse_check("1:2.30-12+deb12u1").is_ok());
        assert!(Dpkg.parse_check("1.0~rc1").is_ok());
        let bad = [
            ("", "version string is empty"),
            ("1.0 a", "version string has embedded spaces"),
            (":1.0", "epoch in version is empty"),
            ("a:1.0", "epoch in version is not number"),
            ("9999999999:1.0", "epoch in version is too big"),
            ("1:", "nothing after colon in version number"),
            ("1.0-", "revision number is empty"),
            ("-1", "version number is empty"),
            ("a1.0", "version number does not start with digit"),
            ("1.0@", "invalid character in version number"),
            ("1.0-a@b", "invalid character in revision number"),
        ];
        for (v, problem) in bad {
            let err = Dpkg.parse_check(v).unwrap_err();
            assert_eq!(err.problem, problem, "{v:?}");
        }
    }
}
