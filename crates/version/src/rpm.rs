//! RPM's version order: `rpmvercmp` on each part of `[epoch:]version[-release]`, as rpm 4.18
//! compares EVR strings (`rpm.vercmp` in its Lua, `rpmverCmp` in C).
//!
//! `rpmvercmp` walks both strings in alphanumeric segments; anything else only separates.
//! Digit segments compare by value and beat letter segments; `~` sorts before everything
//! (even the end), `^` after the end but before anything else. A missing epoch is 0; a
//! missing release sorts before any release, even an empty one (`1.0 < 1.0-`), as rpm 4.18
//! does. Every string is a valid rpm version, so [`Rpm::parse_check`] only refuses empty ones.

use std::cmp::Ordering;

use crate::digits::cmp_digits;
use crate::{VersionError, VersionScheme};

/// The rpm scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

const NAME: &str = "rpm";

struct Evr<'a> {
    epoch: &'a [u8],
    version: &'a [u8],
    release: Option<&'a [u8]>,
}

/// rpm's `rpmverParse`: the epoch is a digit run ended by `:` at the very start (an empty
/// one counts as 0), the release follows the last hyphen.
fn split(v: &str) -> Evr<'_> {
    let v = v.as_bytes();
    let digits = v.iter().take_while(|c| c.is_ascii_digit()).count();
    let (epoch, rest) = if v.get(digits) == Some(&b':') {
        (&v[..digits], &v[digits + 1..])
    } else {
        (&b""[..], v)
    };
    match rest.iter().rposition(|&c| c == b'-') {
        Some(hyphen) => Evr {
            epoch,
            version: &rest[..hyphen],
            release: Some(&rest[hyphen + 1..]),
        },
        None => Evr {
            epoch,
            version: rest,
            release: None,
        },
    }
}

/// rpm's `rpmvercmp` on one part.
pub fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let is_sep = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(is_sep) {
            i += 1;
        }
        while b.get(j).is_some_and(is_sep) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // Tilde sorts before everything, the end of the string included.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret sorts after the end of the string but before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            match (ca, cb) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        let (Some(ca), Some(_)) = (ca, cb) else { break };
        let numeric = ca.is_ascii_digit();
        let run = |s: &[u8], from: usize| {
            let len = s[from..]
                .iter()
                .take_while(|c| {
                    if numeric {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                })
                .count();
            from + len
        };
        let (ei, ej) = (run(a, i), run(b, j));
        // The other side's segment is of the other kind: a number beats letters.
        if ej == j {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            cmp_digits(&a[i..ei], &b[j..ej])
        } else {
            a[i..ei].cmp(&b[j..ej])
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ei;
        j = ej;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl VersionScheme for Rpm {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (a, b) = (split(a), split(b));
        rpmvercmp_epoch(a.epoch, b.epoch)
            .then_with(|| rpmvercmp(a.version, b.version))
            .then_with(|| match (a.release, b.release) {
                (Some(ra), Some(rb)) => rpmvercmp(ra, rb),
                (ra, rb) => ra.is_some().cmp(&rb.is_some()),
            })
    }

    fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        if v.is_empty() {
            return Err(VersionError::new(NAME, v, "version is empty"));
        }
        Ok(())
    }
}

/// Epochs are digit runs (empty meaning 0), so `rpmvercmp` on them is a numeric comparison.
fn rpmvercmp_epoch(a: &[u8], b: &[u8]) -> Ordering {
    cmp_digits(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn tricky_pairs() {
        let cases = [
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.0^git1", "1.0~rc1", Greater),
            ("1.0a", "1.0.1", Less),
            ("1.0", "1.0.0", Less),
            ("1.0.", "1.0", Equal),
            ("1..0", "1.0", Equal),
            ("1.010", "1.9", Greater),
            ("1:1.0-1", "2.0-1", Greater),
            ("0:1.0", "1.0", Equal),
            (":1.0", "1.0", Equal),
            ("1.0", "1.0-1", Less),
            ("1.0", "1.0-", Less),
            ("1.0-", "1.0-~", Greater),
            ("a:1.0", "1.0", Less),
            ("2.28-225.el9", "2.28-225.el9_3", Less),
            ("3.0.7-24.el9", "3.0.7-25.el9", Less),
            ("100000000000000000000", "99999999999999999999", Greater),
            ("abc", "abd", Less),
            ("", "", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(Rpm.compare(a, b), want, "{a} vs {b}");
            assert_eq!(Rpm.compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }
}
